"""The built site in a real browser: chromium, driven by Playwright, on the site at 127.0.0.1.

The site is built once per test run (the `site_dir` fixture, tests/conftest.py) and served under the
path of its site_url (/litgrad/), as GitHub Pages serves it, with 404.html for unknown addresses;
each worker has one server and one browser, shared by every module that uses them.
Every request the browser makes is recorded; one to a host other than 127.0.0.1 fails the test (the
browser resolves no other host, tools/chromium.py, so it never leaves the machine). The browser is
$CHROMIUM (the Makefile sets it; Debian's /usr/bin/chromium by default), never a download: these
tests fail, not skip, when it is missing.

Each page is opened once, in tests/test_accessibility.py (on a phone, then widened to a desktop),
which runs the checks of `assert_page_content` below on it as well as its own; the tests here drive
the site's controls, each in its own tab of one browser context, with what the site stored (the
palette) cleared after each.
With LITGRAD_SCREENSHOTS=1 (`make screenshots`) they save what they show in build/screenshots/.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

import nbformat
import pytest
from conftest import (  # noqa: F401  (importable from here)
    CHROMIUM,
    CHROMIUM_ARGS,
    screenshot,
    screenshots_wanted,
    site_prefix,
)
from nbclient import NotebookClient
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from test_site_build import NAV_PAGES, built_path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = site_prefix()  # "/litgrad/"
NOTES_PAGES = [p for p in NAV_PAGES if re.fullmatch(r"notes/[^/]+\.md", p)]
ENGINE_PAGES = [p for p in NOTES_PAGES if re.match(r"notes/0[1-5]-", p)]
NOTEBOOK_LINK = "Download this page as a notebook"
COPY = "button[data-md-type=copy], button.md-clipboard"  # Material's copy button, 9.7+ and before
TIMEOUT_MS = 20_000


def shot_name(page: str) -> str:
    """`notes/01-value.md` -> `notes-01-value`."""
    return re.sub(r"\.(md|ipynb)$", "", page).replace("/", "-")


def page_url(base: str, page: str) -> str:
    path = built_path(page).as_posix()
    return base + (path[: -len("index.html")] if path.endswith("index.html") else path)


# --- The server and the browser: one of each per worker (tests/conftest.py) ----------------------


@pytest.fixture(scope="session")
def base_url(site_server: str) -> str:
    """The site's address: http://127.0.0.1:<free port>/litgrad/."""
    return site_server


@pytest.fixture(scope="session")
def browser(chromium: Browser) -> Browser:
    return chromium


class Visit:
    """A browser context's requests and its tabs' console and page errors, from the Visit's start
    to `stop()` (or the context's end)."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        # Listened to, not routed: Playwright turns a routed context's HTTP cache off, and a
        # reader's browser has one (it keeps Python's runtime between starts). The browser itself
        # reaches no host but 127.0.0.1 (--host-resolver-rules, tools/chromium.py).
        context.on("request", self._request)

    def _request(self, request) -> None:
        url = request.url
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.outside.append(url)

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        return page

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.errors.append(f"console error: {message.text} ({where})")

    def stop(self) -> None:
        """Stop recording the context's requests (it lives on, for the next test's Visit)."""
        self.context.remove_listener("request", self._request)

    def reset(self) -> None:
        """Forget what was recorded: a test sharing the context starts from nothing."""
        self.requests.clear()
        self.outside.clear()
        self.errors.clear()

    def check(self) -> None:
        """No request left the site, and nothing went wrong in the console."""
        assert not self.outside, "requests outside the site:\n" + "\n".join(self.outside)
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture(scope="module")
def _context(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The module's one browser context, made by the first test that needs it: its HTTP cache and
    its renderer are kept from test to test, as a reader's browser keeps them (a new context costs
    each test half a second)."""
    held: list[BrowserContext] = []
    yield held
    for context in held:
        context.close()


# What the site stores in the browser: the palette chosen, and Material's per-tab state.
_FORGET_JS = "() => { localStorage.clear(); sessionStorage.clear(); }"


@pytest.fixture
def visit(_context: list[BrowserContext], browser: Browser, base_url: str) -> Iterator[Visit]:
    """The module's context, as it is after a reader's first visit: with its cache, but with no
    tab open and nothing stored by the site. The test's tabs are closed after it; if they cannot
    be, the next test gets a new context."""
    if not _context:
        _context.append(
            browser.new_context(
                viewport={"width": 1280, "height": 900}, color_scheme="light", accept_downloads=True
            )
        )
    context = _context[0]
    visit = Visit(context)
    try:
        yield visit
    finally:
        visit.stop()
        try:
            context.clear_permissions()  # the clipboard's, granted by the copy test
            for tab in context.pages:
                if tab.url.startswith(base_url):
                    tab.evaluate(_FORGET_JS)
                tab.close()
        except PlaywrightError:
            _context.clear()
            context.close()


def title(tab: Page) -> str:
    """The page's <h1>, without its permalink sign."""
    return tab.locator("article h1").first.inner_text().rstrip("¶").strip()


def open_page(visit: Visit, base_url: str, page: str) -> Page:
    """A new tab on `page`, once its load event has fired: scripts run, styles and images in.
    (Not "networkidle", which waits another half second of silence on every load.)"""
    tab = visit.new_page()
    response = tab.goto(page_url(base_url, page), wait_until="load")
    assert response is not None and response.status == 200, f"{page}: HTTP {response.status}"
    return tab


# Size, visibility and drawing of each graph; whether it is a frame of a step-through widget.
_GRAPHS_JS = """els => els.map(e => {
  const box = e.getBoundingClientRect();
  return {width: box.width, height: box.height, visible: e.checkVisibility(),
          nodes: e.querySelectorAll("g.node").length,
          stepper: e.closest(".litgrad-stepper") ? [...document.querySelectorAll(
            ".litgrad-stepper")].indexOf(e.closest(".litgrad-stepper")) : -1};
})"""


def assert_graphs_visible(tab: Page, page: str) -> None:
    graphs = tab.locator("svg.litgrad-graph").evaluate_all(_GRAPHS_JS)
    assert graphs, f"{page}: no svg.litgrad-graph"
    shown = [g for g in graphs if g["visible"]]
    for g in shown:
        assert g["width"] > 0 and g["height"] > 0 and g["nodes"] > 0, f"{page}: empty graph {g}"
    hidden = [g for g in graphs if not g["visible"] and g["stepper"] < 0]
    assert not hidden, f"{page}: {len(hidden)} graph(s) outside a step-through widget are hidden"
    for stepper in {g["stepper"] for g in graphs if g["stepper"] >= 0}:
        frames = [g for g in shown if g["stepper"] == stepper]
        assert len(frames) == 1, f"{page}: step-through widget {stepper} shows {len(frames)} frames"


# --- Every page ---------------------------------------------------------------------------------

# The text a reader sees, without code (where a backslash-paren may be Python).
_PROSE_JS = """() => {
  const article = document.querySelector("article").cloneNode(true);
  article.querySelectorAll("pre, code, script, style, svg").forEach(e => e.remove());
  return article.textContent;
}"""


def assert_page_content(tab: Page, page: str) -> None:
    """What every page must show once loaded: its title, MathML for every formula and no TeX left,
    previous and next links in nav order, visible graphs, a working notebook link. Run on every page
    by tests/test_accessibility.py, in the visit where it audits the page on the desktop."""
    assert tab.locator("article h1").first.is_visible(), f"{page}: no visible title"
    # Math is MathML, laid out by the browser; no TeX is left in the text.
    math = tab.locator("article .arithmatex")
    assert math.count() == tab.locator("article .arithmatex math").count(), f"{page}: raw TeX"
    for box in math.locator("math").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"
    ):
        assert box[0] > 0 and box[1] > 0, f"{page}: a <math> element has no size"
    prose = tab.evaluate(_PROSE_JS)
    assert not re.search(r"\\[()\[\]]|\$\$", prose), f"{page}: raw TeX in the text"
    # Previous / next links, in nav order.
    index = NAV_PAGES.index(page)
    footer = tab.locator("nav.md-footer__inner")
    assert (footer.locator("a.md-footer__link--prev").count() == 1) == (index > 0)
    assert (footer.locator("a.md-footer__link--next").count() == 1) == (index < len(NAV_PAGES) - 1)
    if page in ENGINE_PAGES:  # their graphs are inline SVG, and visible
        assert_graphs_visible(tab, page)
    if page in NOTES_PAGES:
        assert_notebook_link_is_visible(tab, page)


def test_404_page(visit: Visit, base_url: str) -> None:
    tab = visit.new_page()
    missing = base_url + "notes/no-such-page/"
    response = tab.goto(missing, wait_until="load")
    assert response is not None and response.status == 404
    assert title(tab) == "Page not found"
    header = tab.locator("header.md-header").bounding_box()
    assert header and header["height"] > 0, "the 404 page has no styled header"
    screenshot(tab, "404", full_page=True)
    # The browser reports the 404 of the page itself; nothing else may fail.
    visit.errors = [e for e in visit.errors if "status of 404" not in e or missing not in e]
    visit.check()
    tab.get_by_role("link", name="The home page").click()
    tab.wait_for_url(base_url)
    # With instant navigation the address changes before the content is swapped.
    tab.locator("article h1", has_text="litgrad").wait_for()
    assert title(tab) == "litgrad"


# --- Search, copy, palette ----------------------------------------------------------------------


def test_search_for_topological_lands_on_the_topological_sort_page(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url, "index.md")
    search = tab.locator("input.md-search__input")
    search.click()
    search.press_sequentially("topological", delay=30)  # as a reader types: one key at a time
    results = tab.locator("ol.md-search-result__list > li.md-search-result__item")
    results.first.wait_for()
    first = results.first.locator("a.md-search-result__link").first
    assert "notes/03-backward/" in (first.get_attribute("href") or ""), results.all_inner_texts()
    first.click()
    tab.wait_for_url(re.compile(r".*/notes/03-backward/.*"))
    assert "Topological sort" in title(tab)
    visit.check()


def test_code_blocks_have_a_copy_button_that_copies_a_runnable_example(
    visit: Visit, base_url: str
) -> None:
    origin = base_url[: -len(PREFIX) + 1]
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    tab = open_page(visit, base_url, "notes/01-value.md")
    blocks = tab.locator("article pre:has(> code)")
    assert blocks.count() > 5
    without = blocks.evaluate_all(f"els => els.filter(e => !e.querySelector('{COPY}')).length")
    assert without == 0, f"{without} of {blocks.count()} code blocks have no copy button"
    example = blocks.filter(has_text="from litgrad import").first
    example.hover()
    example.locator(COPY).click()
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("from litgrad import"), copied[:80]
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(copied, "copied from notes/01-value", "exec"), {"__name__": "__main__"})
    visit.check()


def test_palette_toggle_switches_scheme_and_graphs_stay_visible(
    visit: Visit, base_url: str
) -> None:
    page = "notes/01-value.md"
    tab = open_page(visit, base_url, page)
    body = tab.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    toggle = tab.locator("form[data-md-component='palette'] label:visible")
    toggle.click()
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)", "dark mode, but the page is still white"
    assert_graphs_visible(tab, page)
    screenshot(tab, f"dark-{shot_name(page)}", full_page=True)
    toggle.click()
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    assert_graphs_visible(tab, page)
    visit.check()


# --- The step-through widget (litgrad.steps) -----------------------------------------------------

STEPPER_PAGES = ["notes/02-neuron.md", "notes/03-backward.md", "notes/04-operations.md"]

_STEPPER_JS = """w => {
  const frames = [...w.querySelectorAll(".litgrad-frame")];
  const shown = frames.filter(f => f.checkVisibility());
  return {frames: frames.length, shown: shown.map(f => frames.indexOf(f)),
          counter: w.querySelector("output").textContent,
          slider: w.querySelector("input[type=range]").value,
          caption: shown.length ? shown[0].querySelector("figcaption").textContent : ""};
}"""


def stepper_state(widget) -> dict:
    return widget.evaluate(_STEPPER_JS)


def assert_frame(widget, index: int, last: int) -> None:
    state = stepper_state(widget)
    assert state["shown"] == [index], state
    assert state["counter"] == f"{index} / {last}" and state["slider"] == str(index), state
    expected = f"Step {index} of {last}" if index else "Start"
    assert state["caption"].startswith(expected), state["caption"]


@pytest.mark.parametrize("page", STEPPER_PAGES)
def test_step_through_goes_frame_by_frame_with_buttons_keys_and_slider(
    visit: Visit, base_url: str, page: str
) -> None:
    tab = open_page(visit, base_url, page)
    widget = tab.locator(".litgrad-stepper").first
    last = stepper_state(widget)["frames"] - 1
    assert last >= 5, f"{page}: only {last} steps"
    assert_frame(widget, 0, last)
    forward = widget.locator("button[data-move='1']")
    for index in range(1, last + 1):
        forward.click()
        assert_frame(widget, index, last)
    forward.click()  # past the end: stays on the last frame
    assert_frame(widget, last, last)
    widget.locator("button[data-move='-1']").click()
    assert_frame(widget, last - 1, last)
    widget.focus()
    tab.keyboard.press("ArrowLeft")
    assert_frame(widget, last - 2, last)
    tab.keyboard.press("ArrowRight")
    assert_frame(widget, last - 1, last)
    widget.locator("input[type=range]").fill("2")
    assert_frame(widget, 2, last)
    screenshot(widget, f"stepper-{shot_name(page)}")
    visit.check()


def test_step_through_works_after_instant_navigation_in_dark_mode(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url, "notes/02-neuron.md")
    tab.locator("form[data-md-component='palette'] label:visible").click()
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    tab.locator("a.md-footer__link--next").click()  # Material swaps the page without a reload
    tab.wait_for_url("**/notes/03-backward/")
    # The address changes before the content is swapped: wait for page 3's own title, or the
    # locator below could find page 2's stepper just before it is removed.
    tab.locator("article h1", has_text="Topological sort").wait_for()
    widget = tab.locator(".litgrad-stepper").first
    widget.scroll_into_view_if_needed()
    last = stepper_state(widget)["frames"] - 1
    widget.locator("button[data-move='1']").click()
    assert_frame(widget, 1, last)
    screenshot(widget, "dark-stepper-notes-03-backward")
    visit.check()


# --- The notebook of each notes page ------------------------------------------------------------


def assert_notebook_link_is_visible(tab: Page, page: str) -> None:
    """(assert_page_content checks it on every notes page; what the link returns is checked, and
    run, by test_downloaded_notebook_runs_top_to_bottom.)"""
    link = tab.get_by_role("link", name=NOTEBOOK_LINK)
    assert link.is_visible(), f"{page}: no visible {NOTEBOOK_LINK!r} link"
    href = link.get_attribute("href") or ""
    assert href.endswith(".ipynb"), f"{page}: the notebook link points at {href!r}"


def test_notebook_link_downloads_the_file(visit: Visit, base_url: str, tmp_path: Path) -> None:
    tab = open_page(visit, base_url, "notes/01-value.md")
    with tab.expect_download() as download:
        tab.get_by_role("link", name=NOTEBOOK_LINK).click()
    assert download.value.suggested_filename == "01-value.ipynb"
    saved = tmp_path / "01-value.ipynb"
    download.value.save_as(saved)
    nbformat.validate(nbformat.read(saved, as_version=4))
    visit.check()


@pytest.fixture
def python3_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A `python3` kernel spec that runs this interpreter (the venv's, with litgrad and ipykernel),
    found before any other python3 kernel the machine may have."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "python3"


@pytest.mark.parametrize("page", NOTES_PAGES)
def test_downloaded_notebook_runs_top_to_bottom(
    base_url: str, python3_kernel: str, tmp_path: Path, page: str
) -> None:
    tab_url = page_url(base_url, page)
    html = urlopen(tab_url, timeout=30).read().decode("utf-8")
    href = re.search(r'<a [^>]*href="([^"]+\.ipynb)"[^>]*>' + NOTEBOOK_LINK, html)
    assert href, f"{page}: no notebook link"
    with urlopen(urljoin(tab_url, href[1]), timeout=30) as response:
        notebook = nbformat.reads(response.read().decode("utf-8"), as_version=4)
    nbformat.validate(notebook)
    # It opens with the page's title (the <h1>, without its permalink sign).
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1])
    first = notebook.cells[0]
    assert first.cell_type == "markdown", f"{page}: the notebook opens with {first.cell_type}"
    assert unescape(h1).rstrip("¶").strip() in first.source.replace("`", ""), (h1, first.source)
    work = tmp_path / "work"  # an example that writes a file writes it here
    work.mkdir()
    client = NotebookClient(
        notebook,
        kernel_name=python3_kernel,
        timeout=300,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs, f"{page}: the notebook ran but showed nothing"
    if "svg" in html and "litgrad-graph" in html:  # the page shows a graph: so does the notebook
        shown = {key for o in outputs for key in o.get("data", {})}
        assert shown & {"image/svg+xml", "text/html"}, f"{page}: no graph shown in the notebook"

"""The in-browser runner (docs/assets/runner.js, runner-worker.js) in chromium, via Playwright.

The site is the session's build (tests/conftest.py), served under /litgrad/ with a sitemap.xml whose
addresses are this server's: Material's instant navigation only intercepts links the sitemap lists.

Starting Python (Pyodide, a ~10 MB WebAssembly module) is what these tests spend most on, so they
share one tab, in one browser context, in the order written: Python starts there once, on the
first Run, and stays loaded while the tests move between pages by clicking links (instant
navigation, checked not to reload the page). Only the Stop and deep-structure tests end Python,
by design, and the Run after each starts it again. Each test leaves the examples it edited Reset;
after a failed test the next one starts in a new context. They are marked for one pytest-xdist
worker (the "runner" group, for `--dist loadgroup`); spread over several workers they still pass,
each worker's tab starting its own Python.

In order: page 1's first exercise (starter ✗, solution ✓); every notes page, 1 to 9, run whole
by instant navigation in dark mode, with page 7's needs-numpy notes and its matmul, and Python
fetched once for the walk (what each Run printed scrollable by keyboard: axe); then on page 2 a
gradient equal to CPython's bit for bit, the x2 edit that redraws the graphs and the step-through,
the value of an edited example's last line (a Value, the reader's own graph, HTML in a sandbox),
a traceback, a 200,000-deep chain freed, Stop, and a million-deep tuple that stops Python.

Every request to a host other than 127.0.0.1 fails to resolve and is recorded: none, and no
console error, is allowed in any test. Screenshots of page 2 (light, before and after the x2 edit;
dark) and of page 3 (dark) go to build/screenshots/ under `make screenshots`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page
from test_accessibility import MIN_TEXT_PX, axe_violations, resize, smallest_graph_text
from test_browser import (  # noqa: F401  (base_url and browser are fixtures used by name)
    NOTES_PAGES,
    Visit,
    base_url,
    browser,
    screenshot,
)
from test_exercises import exercise_blocks

from litgrad import draw_graph, to_svg

pytestmark = pytest.mark.xdist_group("runner")  # one worker, so one tab and one Python, for all

RUN_TIMEOUT_MS = 180_000  # the first Run loads Python, far slower on a busy two-core machine
STATUS_DONE = (
    r"^((Done in \d+ ms\.|Example \d+ (raised an error|stopped Python)\.)"
    r"( Python started in [\d.]+ s\.)?"
    r"|Stopped\.|Python could not .*)$"
)
NOTES = {int(p[6:8]): p.removesuffix(".md") + "/" for p in NOTES_PAGES}  # 2: "notes/02-neuron/"

# The page swapped in and the runner set up on it: its <h1> and its examples' data, marked ready.
_PAGE_READY_JS = """number => {
  const h1 = document.querySelector("article h1");
  const cells = document.getElementById("litgrad-cells");
  return Boolean(h1 && h1.textContent.startsWith(number + ". ") && cells && cells.dataset.ready);
}"""


def wait_for_page(tab: Page, number: int) -> None:
    tab.wait_for_url("**/" + NOTES[number])
    tab.wait_for_function(_PAGE_READY_JS, arg=number)


def navigate(tab: Page, number: int, link: Locator) -> None:
    """Click `link` to notes page `number`: an instant navigation, which keeps the tab's Python."""
    tab.evaluate("window.litgradSameDocument = true")
    link.click()
    wait_for_page(tab, number)
    assert tab.evaluate("window.litgradSameDocument === true"), "the click reloaded the page"


class RunnerTab:
    """The module's one tab and its Visit (the requests and console errors of its context)."""

    def __init__(self, browser: Browser, base_url: str) -> None:  # noqa: F811
        self.browser, self.base_url = browser, base_url
        self.visit: Visit | None = None
        self.tab: Page | None = None

    def at(self, number: int) -> Page:
        """The tab, on notes page `number`: loaded if the tab is new, else reached by a click on
        the sidebar's link to it."""
        if self.tab is None:
            context = self.browser.new_context(
                viewport={"width": 1280, "height": 900}, color_scheme="light"
            )
            self.visit = Visit(context)
            self.tab = self.visit.new_page()
            url = self.base_url + NOTES[number]
            response = self.tab.goto(url, wait_until="load")
            assert response is not None and response.status == 200, url
            wait_for_page(self.tab, number)
        elif not self.tab.url.endswith("/" + NOTES[number]):
            slug = NOTES[number].removeprefix("notes/")
            navigate(self.tab, number, self.tab.locator(f".md-sidebar a[href$='/{slug}']:visible"))
        return self.tab

    def close(self) -> None:
        if self.visit is not None:
            self.visit.context.close()
        self.visit = self.tab = None


@pytest.fixture(scope="module")
def runner_tab(browser: Browser, base_url: str) -> Iterator[RunnerTab]:  # noqa: F811
    shared = RunnerTab(browser, base_url)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def runner(runner_tab: RunnerTab, request: pytest.FixtureRequest) -> Iterator[RunnerTab]:
    """The shared tab, for one test; each test ends with `runner.visit.check()`."""
    failed = request.session.testsfailed
    yield runner_tab
    if request.session.testsfailed > failed:
        # It may have left an edit, a page, a dark palette or a console error behind.
        runner_tab.close()


def code_box(tab: Page, number: int):
    return tab.get_by_role("textbox", name=f"Example {number}: code, editable")


def output_of(tab: Page, number: int):
    return tab.locator(
        f".litgrad-runbar:has([aria-label^='Run example {number} ']) + .litgrad-output"
    )


def example_with(tab: Page, text: str) -> int:
    """The number of the first example on the page whose code contains `text`."""
    boxes = tab.get_by_role("textbox", name=re.compile(r"^Example \d+: code, editable$"))
    for box in boxes.all():
        if text in box.inner_text():
            return int(re.search(r"\d+", box.get_attribute("aria-label"))[0])
    raise AssertionError(f"no example with {text!r} on {tab.url}")


def status_of(tab: Page, number: int):
    return tab.locator(f".litgrad-runbar:has([aria-label^='Run example {number} ']) [role=status]")


def run(tab: Page, number: int, code: str | None = None, *, key: bool = False) -> str:
    """Edit example `number` (if `code`), run it (button or Ctrl+Enter), return its status."""
    if code is not None:
        code_box(tab, number).fill(code)
    if key:
        code_box(tab, number).press("Control+Enter")
    else:
        tab.get_by_role("button", name=f"Run example {number} (Ctrl+Enter)", exact=True).click()
    status = status_of(tab, number)
    status.filter(has_text=re.compile(STATUS_DONE)).wait_for(timeout=RUN_TIMEOUT_MS)
    return status.inner_text()


def reset(tab: Page, number: int) -> None:
    """Put back example `number`'s code and what it and the examples after it show."""
    tab.get_by_role("button", name=f"Reset example {number}").click()


def shot(tab: Page, name: str) -> None:
    screenshot(tab, name, full_page=True)  # only under `make screenshots` (tests/conftest.py)


def graph_texts(tab: Page) -> list[str]:
    texts = tab.locator("article svg.litgrad-graph").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    return [" ".join(text.split()) for text in texts]


def cpython_prints(code: str) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "example", "exec"), {"__name__": "__main__"})
    return printed.getvalue()


# --- Page 1's first exercise, then every notes page: where Python starts -----------------------


def test_page_1s_first_exercise_starter_fails_and_solution_passes(runner: RunnerTab) -> None:
    """Issue 9: the reader solves an exercise in the browser. The starter as shipped prints the
    checker's ✗ line; the solution typed into the same box prints ✓."""
    (_, starter), (_, solution) = exercise_blocks("docs/notes/01-value.md")[:2]
    checker_call = starter.lines[-1]  # print(check_predicted_grads(predicted_grads))
    imports = [line for line in starter.lines if line.startswith("from ")]
    tab = runner.at(1)
    number = example_with(tab, checker_call)  # an editable example: the runner is there

    def verdict() -> str:
        lines = [ln.strip() for ln in output_of(tab, number).inner_text().splitlines()]
        found = [ln for ln in lines if ln.startswith(("✓", "✗"))]
        assert found, f"no verdict under example {number}: {lines}"
        return found[-1]

    assert run(tab, number).startswith("Done")
    assert verdict().startswith("✗ Not yet: "), verdict()
    # Issue 18: a mistake that raises is a verdict too, naming the error and the reader's line,
    # wrapped like the built page's verdicts rather than running off to the right.
    slip = "    return b, a + db"  # a name the page never defines
    broken = [*imports, "", "def predicted_grads(a, b):", slip, "", checker_call]
    assert run(tab, number, "\n".join(broken)).startswith("Done")
    line = broken.index(slip) + 1
    assert verdict().endswith(f"raised NameError: name 'db' is not defined (line {line})"), (
        verdict()
    )
    code = output_of(tab, number).locator("code").last
    assert code.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert run(tab, number, "\n".join([*imports, "", *solution.lines])).startswith("Done")
    assert verdict().startswith("✓ Right: "), verdict()
    reset(tab, number)
    runner.visit.check()


def test_every_notes_page_runs_whole_after_instant_navigation_in_dark_mode(
    runner: RunnerTab,
) -> None:
    """Pages 1 to 9, one after the other by the footer's next link (instant navigation: the page
    is never reloaded), in dark mode: a Run runs the whole page (the blocks that need numpy or
    matplotlib skipped), with no error, and Python is fetched once for the whole walk. Pages 1
    and 9 free chains of values thousands deep, which stopped Python in the worker until the
    worker freed graphs iteratively (tools/browser_session.py, free_graphs_iteratively)."""
    tab = runner.at(1)
    palette = tab.locator("form[data-md-component='palette'] label:visible")
    palette.click()
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    for number in range(1, 10):
        if number > 1:
            navigate(tab, number, tab.locator("a.md-footer__link--next"))
        assert tab.evaluate("document.body.dataset.mdColorScheme") == "slate", number
        buttons = tab.get_by_role("button", name=re.compile("^Run example"))
        assert buttons.count() >= 1, f"page {number}: nothing to run"
        if number == 7:
            # Its examples that need numpy say so instead of offering Run; the plain-list product
            # runs. Any example's Run runs every example of the page: this one's is enough.
            notes = tab.locator(".litgrad-needs")
            assert notes.count() >= 5 and "needs numpy" in notes.first.inner_text()
            example = example_with(tab, "def matmul")
            run_button = tab.get_by_role("button", name=f"Run example {example} (Ctrl+Enter)")
            assert run_button.count() == 1
        else:  # the first: what every example printed is then the runner's, none the build's
            example = int(re.search(r"\d+", buttons.first.get_attribute("aria-label"))[0])
        status = run(tab, example)
        errors = tab.locator(".litgrad-error").all_inner_texts()
        assert status.startswith("Done"), f"page {number}: {status}\n" + "\n".join(errors)
        assert not errors
        # What a Run printed, where it scrolls, takes keyboard focus (runner.js, watchScrolling):
        # axe's scrollable-region-focusable, on the desktop, and on page 2 on a phone too.
        for size in ("desktop", "phone") if number == 2 else ("desktop",):
            resize(tab, size)
            found = axe_violations(tab, only=["scrollable-region-focusable"])
            assert not found, f"page {number} at {size}: {found}"
        if number == 2:  # its long printed lines scroll even on the desktop
            assert tab.locator(".litgrad-output pre > code[tabindex='0']").count() >= 1
        resize(tab, "desktop")
        if number == 7:
            assert "3 x 5 | c11 = " in output_of(tab, example).inner_text()
        if number <= 8:  # the folded solutions ran too, each printing its ✓ (issue 18)
            shown = tab.locator(".litgrad-output").evaluate_all(
                "els => els.map(e => e.textContent)"
            )
            page = "docs/" + NOTES[number].rstrip("/") + ".md"
            solutions = [kind for kind, _ in exercise_blocks(page) if kind == "solution"]
            assert sum(text.strip().startswith("✓ Right: ") for text in shown) == len(solutions), (
                number
            )
        if number in (2, 3):
            shot(tab, f"runner-dark-page-{number}-after-run")
    # Python started once in this tab (here, or in the exercise test just before), and the walk
    # kept it: no test before this one ends Python.
    wasm = [url for url in runner.visit.requests if url.endswith(".wasm")]
    assert len(wasm) == 1, wasm
    palette.click()  # light again, as the next tests' screenshots expect
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    runner.visit.check()  # no console error either: Pyodide logs a fatal error there


# --- Page 2 ------------------------------------------------------------------------------------

X2_IS = "x2 data {} grad"  # a graph's record for x2, as its text reads (spaces collapsed)
W2_GRAD_0 = "w2.grad = 0.000000"  # printed after the backward pass while x2 is 0


def test_a_gradient_computed_in_the_browser_equals_cpythons_bit_for_bit(
    runner: RunnerTab,
) -> None:
    tab = runner.at(2)
    number = example_with(tab, "x2 = Value(0.0")  # the notes' neuron
    code = code_box(tab, number).inner_text().rstrip("\n")
    assert code.startswith("from litgrad import Value") and "x2 = Value(0.0" in code
    code += "\no.backward()\nprint([v.grad.hex() for v in (x1, x2, w1, w2, b)])\n"
    assert run(tab, number, code, key=True).startswith("Done")
    printed = output_of(tab, number).locator(".result").first.inner_text()
    assert printed.strip() == cpython_prints(code).strip()
    assert "0x1.4" in printed  # w1.grad = 1.269...: a real number, not the zero of a missed run
    reset(tab, number)
    runner.visit.check()


def test_editing_x2_on_page_2_redraws_the_graphs_and_the_step_through_below(
    runner: RunnerTab,
) -> None:
    tab = runner.at(2)
    before = graph_texts(tab)
    assert before and all(X2_IS.format(0) in t for t in before if "x2" in t)
    shot(tab, "runner-page-2-before-edit")
    number = example_with(tab, "x2 = Value(0.0")
    assert any(W2_GRAD_0 in t for t in tab.locator(".litgrad-output").all_inner_texts())
    code = code_box(tab, number).inner_text().replace("x2 = Value(0.0", "x2 = Value(1.0")
    assert run(tab, number, code).startswith("Done")
    assert output_of(tab, number).inner_text().strip() == cpython_prints(code).strip()
    after = graph_texts(tab)
    assert len(after) == len(before)
    drawn = [t for t in after if "x2" in t]
    assert drawn and all(X2_IS.format(1) in t for t in drawn), "a graph still shows x2 = 0"
    # Redrawn graphs sit in the same scrolling card as the built ones (docs/assets/graphs.js).
    cards = tab.locator("article svg.litgrad-graph").evaluate_all(
        "els => els.map(e => e.parentElement.classList.contains('litgrad-scroll'))"
    )
    assert cards and all(cards), "a redrawn graph is not in its scrolling card"
    # The graphs are the browser's: their ids carry the run's prefix (unique on the page).
    ids = tab.locator("article svg.litgrad-graph g[id]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) and any(i.startswith("run") for i in ids)
    # The step-through is the new one and steps: frame 1 after one click.
    widget = tab.locator(".litgrad-stepper").first
    widget.scroll_into_view_if_needed()
    widget.locator("button[data-move='1']").click()
    assert widget.locator("output").inner_text().startswith("1 / ")
    frame = widget.locator(".litgrad-frame:not([hidden])").text_content()
    assert X2_IS.format(1) in " ".join(frame.split())
    # The backward pass re-ran too: w2's gradient is no longer 0 now that x2 is 1.
    assert not any(W2_GRAD_0 in t for t in tab.locator(".litgrad-output").all_inner_texts())
    shot(tab, "runner-page-2-after-edit")
    # Reset puts back the code and what the page showed.
    reset(tab, number)
    assert "x2 = Value(0.0" in code_box(tab, number).inner_text()
    assert graph_texts(tab) == before
    runner.visit.check()


READERS_OWN = (  # what a reader might add under the neuron: an expression of their own
    "\nx = Value(3.0, label='x')\ny = x * x + 1\ny.label = 'y'\ny.backward()\n"
)


def test_an_edited_example_shows_its_last_lines_value_as_a_notebook_does(
    runner: RunnerTab,
) -> None:
    """A Value by its repr, the reader's draw_graph(y) drawn as the page's graphs are, printed SVG
    as text, None as nothing, and _repr_html_ in a sandbox where its script does not run."""
    tab = runner.at(2)
    number = example_with(tab, "x2 = Value(0.0")
    box = output_of(tab, number)
    code = code_box(tab, number).inner_text().rstrip("\n") + READERS_OWN
    printed = cpython_prints(code).strip()  # CPython's answers, to compare with the browser's
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)

    def texts() -> list[str]:
        return [text.strip() for text in box.locator(".result").all_inner_texts()]

    assert run(tab, number, code + "y").startswith("Done")
    assert box.locator(".litgrad-value").inner_text().strip() == repr(namespace["y"])

    assert run(tab, number, code + "draw_graph(y)").startswith("Done")
    graph = box.locator("svg.litgrad-graph")
    assert graph.count() == 1 and texts() == [printed]  # a drawing, and no more text
    expected = to_svg(draw_graph(namespace["y"])).count('class="node"')  # CPython's dot
    assert graph.locator("g.node").count() == expected == 6  # x, 1, x*x, y and two operations
    assert "x data 3" in " ".join(graph.text_content().split())
    assert graph.evaluate("svg => svg.parentElement.classList.contains('litgrad-scroll')")
    assert smallest_graph_text(tab) >= MIN_TEXT_PX["desktop"]  # the page's graphs and this one
    shot(tab, "runner-readers-own-graph-desktop")
    resize(tab, "phone")
    assert smallest_graph_text(tab) >= MIN_TEXT_PX["phone"]
    shot(tab, "runner-readers-own-graph-phone")
    resize(tab, "desktop")

    assert run(tab, number, code + "print(to_svg(draw_graph(y)))").startswith("Done")
    assert box.locator("svg").count() == 0 and "<svg class=" in box.inner_text()

    assert run(tab, number, code + "y.backward()").startswith("Done")  # None: nothing shown
    assert texts() == [printed] and box.locator("svg, iframe, img").count() == 0

    shown = "<b>bold</b><script>parent.document.title = 'ran'</script>"
    html = f'\nclass Bold:\n    def _repr_html_(self):\n        return "{shown}"\nBold()'
    assert run(tab, number, code + html).startswith("Done")
    frame = box.locator("iframe[sandbox='allow-same-origin']")
    assert frame.content_frame.locator("b").inner_text() == "bold"
    assert tab.title() != "ran"
    blocked = [e for e in runner.visit.errors if "Blocked script execution in 'about:srcdoc'" in e]
    assert len(blocked) == 1, runner.visit.errors  # the sandbox's own report of what it stopped
    runner.visit.errors.remove(blocked[0])

    # A Graphviz node's URL becomes a link in the SVG: kept as an <a>, without its javascript:.
    linked = "\nimport graphviz\ng = graphviz.Digraph()\ng.node('a', URL='javascript:void 0')\ng"
    assert run(tab, number, code + linked).startswith("Done")
    links = box.locator("svg.litgrad-graph a").evaluate_all(
        "links => links.map(a => a.getAttribute('xlink:href') ?? a.getAttribute('href'))"
    )
    assert links == [None]
    reset(tab, number)
    runner.visit.check()


def test_an_error_shows_its_traceback_under_the_example(runner: RunnerTab) -> None:
    tab = runner.at(2)
    assert run(tab, 2, "print('about to fail')\n1/0").startswith("Example 2 raised an error.")
    shown = output_of(tab, 2).inner_text()
    assert "about to fail" in shown and "Traceback (most recent call last):" in shown
    assert 'File "<example 2>", line 2' in shown and "ZeroDivisionError: division by zero" in shown
    assert tab.locator(".litgrad-output.litgrad-stale").count() > 0  # later outputs are marked
    reset(tab, 2)
    runner.visit.check()


# A chain of values this deep, freed in the worker: far deeper than the worker freed before it
# did so iteratively (benchmarks/browser_stack.md, measured by benchmarks/browser_stack.py).
DEEP_CHAIN = 200_000


def test_a_chain_of_values_far_deeper_than_the_worker_stack_is_freed(runner: RunnerTab) -> None:
    tab = runner.at(2)
    code = (
        "from litgrad import Value\n"
        f"x, one = Value(0.0), Value(1.0)\nfor _ in range({DEEP_CHAIN}):\n    x = x + one\n"
        "print(x.data)\ndel x\nprint(one.data)\n"
    )
    assert run(tab, 2, code).startswith("Done")
    assert output_of(tab, 2).inner_text().split() == [f"{DEEP_CHAIN:.1f}", "1.0"]
    reset(tab, 2)
    runner.visit.check()


# The last two end the tab's Python, by design; the Run after each starts a new one.


def test_stop_ends_a_runaway_loop_and_the_next_run_works(runner: RunnerTab) -> None:
    tab = runner.at(2)
    run(tab, 2)  # Python loaded (if this test runs alone), so that Stop interrupts running code
    code_box(tab, 2).fill("while True:\n    pass")
    tab.get_by_role("button", name="Run example 2 (Ctrl+Enter)", exact=True).click()
    stop = tab.get_by_role("button", name=re.compile("^Stop"))
    stop.wait_for(state="visible")
    assert tab.get_by_role("button", name="Run example 2 (Ctrl+Enter)", exact=True).is_disabled()
    stop.click()
    assert status_of(tab, 2).inner_text() == "Stopped."
    assert stop.count() == 0 or not stop.first.is_visible()
    reset(tab, 2)
    code = code_box(tab, 2).inner_text().rstrip("\n") + "\nprint(6 * 7)"
    assert run(tab, 2, code).startswith("Done")
    assert output_of(tab, 2).inner_text().strip().endswith("42")
    reset(tab, 2)
    runner.visit.check()


def test_a_deep_structure_of_the_readers_own_still_stops_python_and_says_so(
    runner: RunnerTab,
) -> None:
    """Only litgrad's Value is freed iteratively: tuples nested a million deep still overflow the
    worker's stack when freed. The runner says so under the example, and the next run works."""
    tab = runner.at(2)
    code = "t = ()\nfor _ in range(1_000_000):\n    t = (t,)\ndel t\n"
    assert run(tab, 2, code).startswith("Example 2 stopped Python.")
    (error,) = tab.locator(".litgrad-error").all_inner_texts()
    assert "ran out of stack" in error and "litgrad's own values are freed one by one" in error
    reset(tab, 2)
    assert run(tab, 2).startswith("Done")
    # Pyodide logs its fatal error (the stack overflow above) to the console; nothing else may.
    visit = runner.visit
    pyodide = [e for e in visit.errors if "/assets/runner/pyodide/" in e]
    assert pyodide and any("Maximum call stack size exceeded" in e for e in pyodide)
    visit.errors = [e for e in visit.errors if e not in pyodide]
    visit.check()

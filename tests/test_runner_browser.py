"""The in-browser runner (docs/assets/runner.js, runner-worker.js) in chromium, via Playwright.

The site is the session's build, served under /litgrad/ by tests/conftest.py with a sitemap.xml
whose addresses are that server's: Material's instant navigation only intercepts links it lists.
Every request to a host other than 127.0.0.1 is aborted and recorded, and none is allowed.
Screenshots of page 2 before and after the x2 edit go to build/screenshots/.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from test_browser import (  # noqa: F401  (base_url and browser are fixtures used by name)
    SCREENSHOTS,
    Visit,
    base_url,
    browser,
)

RUN_TIMEOUT_MS = 180_000  # the first Run loads Python; six agents share this machine's two cores
STATUS_DONE = (
    r"^((Done in \d+ ms\.|Example \d+ (raised an error|stopped Python)\.)"
    r"( Python started in [\d.]+ s\.)?"
    r"|Stopped\.|Python could not .*)$"
)


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Visit]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    try:
        yield Visit(context)
    finally:
        context.close()


def open_page(visit: Visit, url: str) -> Page:
    tab = visit.new_page()
    response = tab.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    return tab


def code_box(tab: Page, number: int):
    return tab.get_by_role("textbox", name=f"Example {number}: code, editable")


def output_of(tab: Page, number: int):
    return tab.locator(
        f".litgrad-runbar:has([aria-label^='Run example {number} ']) + .litgrad-output"
    )


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


def shot(tab: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def graph_texts(tab: Page) -> list[str]:
    texts = tab.locator("article svg.litgrad-graph").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    return [" ".join(text.split()) for text in texts]


NEURON = "notes/02-neuron/"
X2_IS = "x2 data {}.0000"  # a graph's record for x2, as its text reads (spaces collapsed)


def test_a_gradient_computed_in_the_browser_equals_cpythons_bit_for_bit(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + NEURON)
    code = code_box(tab, 2).inner_text().rstrip("\n")
    assert code.startswith("from litgrad import Value") and "x2 = Value(0.0" in code
    code += "\no.backward()\nprint([v.grad.hex() for v in (x1, x2, w1, w2, b)])\n"
    assert run(tab, 2, code, key=True).startswith("Done")
    printed = output_of(tab, 2).locator(".result").first.inner_text()
    assert printed.strip() == cpython_prints(code).strip()
    assert "0x1.4" in printed  # w1.grad = 1.269...: a real number, not the zero of a missed run
    visit.check()


def cpython_prints(code: str) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "example", "exec"), {"__name__": "__main__"})
    return printed.getvalue()


def test_editing_x2_on_page_2_redraws_the_graphs_and_the_step_through_below(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + NEURON)
    before = graph_texts(tab)
    assert before and all(X2_IS.format(0) in t for t in before if "x2" in t)
    shot(tab, "runner-page-2-before-edit")
    code = code_box(tab, 2).inner_text().replace("x2 = Value(0.0", "x2 = Value(1.0")
    assert run(tab, 2, code).startswith("Done")
    assert output_of(tab, 2).inner_text().strip() == cpython_prints(code).strip()
    after = graph_texts(tab)
    assert len(after) == len(before)
    drawn = [t for t in after if "x2" in t]
    assert drawn and all(X2_IS.format(1) in t for t in drawn), "a graph still shows x2 = 0"
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
    assert "w2.grad = 0.000000" not in output_of(tab, 4).inner_text()
    shot(tab, "runner-page-2-after-edit")
    # Reset puts back the code and what the page showed.
    tab.get_by_role("button", name="Reset example 2").click()
    assert "x2 = Value(0.0" in code_box(tab, 2).inner_text()
    assert graph_texts(tab) == before
    visit.check()


def test_an_error_shows_its_traceback_under_the_example(visit: Visit, base_url: str) -> None:
    tab = open_page(visit, base_url + NEURON)
    assert run(tab, 2, "print('about to fail')\n1/0").startswith("Example 2 raised an error.")
    shown = output_of(tab, 2).inner_text()
    assert "about to fail" in shown and "Traceback (most recent call last):" in shown
    assert 'File "<example 2>", line 2' in shown and "ZeroDivisionError: division by zero" in shown
    assert tab.locator(".litgrad-output.litgrad-stale").count() > 0  # later outputs are marked
    visit.check()


def test_stop_ends_a_runaway_loop_and_the_next_run_works(visit: Visit, base_url: str) -> None:
    tab = open_page(visit, base_url + NEURON)
    run(tab, 2)  # Python loaded, so that Stop interrupts running code, not the loading
    code_box(tab, 2).fill("while True:\n    pass")
    tab.get_by_role("button", name="Run example 2 (Ctrl+Enter)", exact=True).click()
    stop = tab.get_by_role("button", name=re.compile("^Stop"))
    stop.wait_for(state="visible")
    assert tab.get_by_role("button", name="Run example 2 (Ctrl+Enter)", exact=True).is_disabled()
    stop.click()
    assert status_of(tab, 2).inner_text() == "Stopped."
    assert stop.count() == 0 or not stop.first.is_visible()
    tab.get_by_role("button", name="Reset example 2").click()
    code = code_box(tab, 2).inner_text().rstrip("\n") + "\nprint(6 * 7)"
    assert run(tab, 2, code).startswith("Done")
    assert output_of(tab, 2).inner_text().strip().endswith("42")
    visit.check()


def test_after_instant_navigation_a_run_works_and_python_was_fetched_once_in_dark_mode(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + NEURON)
    tab.locator("form[data-md-component='palette'] label:visible").click()
    tab.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    code = code_box(tab, 2).inner_text().replace("x2 = Value(0.0", "x2 = Value(1.0")
    assert run(tab, 2, code).startswith("Done")
    shot(tab, "runner-dark-page-2-after-edit")
    tab.evaluate("window.litgradSameDocument = true")
    tab.locator("a.md-footer__link--next").click()
    tab.wait_for_url("**/notes/03-backward/")
    tab.locator("article h1", has_text="Topological sort").wait_for()
    assert tab.evaluate("window.litgradSameDocument === true"), "the click reloaded the page"
    number = int(
        re.search(
            r"\d+",
            tab.get_by_role("button", name=re.compile("^Run example")).first.get_attribute(
                "aria-label"
            ),
        )[0]
    )
    assert run(tab, number).startswith("Done")
    shot(tab, "runner-dark-page-3-after-run")
    wasm = [url for url in visit.requests if url.endswith(".wasm")]
    assert len(wasm) == 1, wasm
    visit.check()


def test_page_7_examples_say_they_need_numpy_instead_of_offering_run(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + "notes/07-shapes/")
    notes = tab.locator(".litgrad-needs")
    assert notes.count() >= 5 and "needs numpy" in notes.first.inner_text()
    (button,) = tab.get_by_role("button", name=re.compile("^Run example")).all()
    number = int(re.search(r"\d+", button.get_attribute("aria-label"))[0])
    assert "def matmul" in code_box(tab, number).inner_text()  # the plain-list product runs
    assert run(tab, number).startswith("Done")
    assert "3 x 5 | c11 = " in output_of(tab, number).inner_text()
    visit.check()


# Examples that free a chain of values thousands deep: CPython does that recursively, and a Web
# Worker's stack is too small for it, so Python stops there, and the runner says so (a limit of
# Pyodide in a worker: github.com/pyodide/pyodide/issues/441). Page -> example number.
TOO_DEEP_FOR_A_WORKER = {1: 7, 9: 2}


def test_every_notes_page_runs_whole_in_the_browser(visit: Visit, base_url: str) -> None:
    """Pages 1 to 9, one after the other by instant navigation: the last example's Run runs the
    whole page (the blocks that need numpy or matplotlib skipped), with no error but the stack
    limit of the examples listed above."""
    tab = open_page(visit, base_url + "notes/01-value/")
    for number in range(1, 10):
        tab.locator("article h1", has_text=f"{number}.").wait_for()
        buttons = tab.get_by_role("button", name=re.compile("^Run example"))
        assert buttons.count() >= 1, f"page {number}: nothing to run"
        label = buttons.last.get_attribute("aria-label")
        example = int(re.search(r"\d+", label)[0])
        status = run(tab, example)
        errors = tab.locator(".litgrad-error").all_inner_texts()
        deep = TOO_DEEP_FOR_A_WORKER.get(number)
        if deep:
            assert status.startswith(f"Example {deep} stopped Python."), (number, status, errors)
            assert len(errors) == 1 and "ran out of stack" in errors[0]
        else:
            assert status.startswith("Done"), f"page {number}: {status}\n" + "\n".join(errors)
            assert not errors
        if number < 9:
            tab.locator("a.md-footer__link--next").click()
    # Pyodide logs its fatal error (the stack overflow above) to the console; nothing else may.
    pyodide = [e for e in visit.errors if "/assets/runner/pyodide/" in e]
    assert pyodide and any("Maximum call stack size exceeded" in e for e in pyodide)
    visit.errors = [e for e in visit.errors if e not in pyodide]
    visit.check()

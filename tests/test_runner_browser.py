"""The in-browser runner (docs/assets/runner.js, runner-worker.js) in chromium, via Playwright.

The site is the session's build (tests/conftest.py), served under /litgrad/ with a sitemap.xml whose
addresses are this server's: Material's instant navigation only intercepts links the sitemap lists.
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


def shot(tab: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def graph_texts(tab: Page) -> list[str]:
    texts = tab.locator("article svg.litgrad-graph").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    return [" ".join(text.split()) for text in texts]


NEURON = "notes/02-neuron/"
X2_IS = "x2 data {} grad"  # a graph's record for x2, as its text reads (spaces collapsed)
W2_GRAD_0 = "w2.grad = 0.000000"  # printed after the backward pass while x2 is 0


def test_a_gradient_computed_in_the_browser_equals_cpythons_bit_for_bit(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + NEURON)
    number = example_with(tab, "x2 = Value(0.0")  # the notes' neuron
    code = code_box(tab, number).inner_text().rstrip("\n")
    assert code.startswith("from litgrad import Value") and "x2 = Value(0.0" in code
    code += "\no.backward()\nprint([v.grad.hex() for v in (x1, x2, w1, w2, b)])\n"
    assert run(tab, number, code, key=True).startswith("Done")
    printed = output_of(tab, number).locator(".result").first.inner_text()
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
    tab.get_by_role("button", name=f"Reset example {number}").click()
    assert "x2 = Value(0.0" in code_box(tab, number).inner_text()
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
    number = example_with(tab, "x2 = Value(0.0")
    code = code_box(tab, number).inner_text().replace("x2 = Value(0.0", "x2 = Value(1.0")
    assert run(tab, number, code).startswith("Done")
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
    number = example_with(tab, "def matmul")  # the plain-list product runs
    assert tab.get_by_role("button", name=f"Run example {number} (Ctrl+Enter)").count() == 1
    assert run(tab, number).startswith("Done")
    assert "3 x 5 | c11 = " in output_of(tab, number).inner_text()
    visit.check()


def test_every_notes_page_runs_whole_in_the_browser(visit: Visit, base_url: str) -> None:
    """Pages 1 to 9, one after the other by instant navigation: the last example's Run runs the
    whole page (the blocks that need numpy or matplotlib skipped), with no error. Pages 1 and 9
    free chains of values thousands deep, which stopped Python in the worker until the worker
    freed graphs iteratively (tools/browser_session.py, free_graphs_iteratively)."""
    tab = open_page(visit, base_url + "notes/01-value/")
    for number in range(1, 10):
        tab.locator("article h1", has_text=f"{number}.").wait_for()
        buttons = tab.get_by_role("button", name=re.compile("^Run example"))
        assert buttons.count() >= 1, f"page {number}: nothing to run"
        label = buttons.last.get_attribute("aria-label")
        example = int(re.search(r"\d+", label)[0])
        status = run(tab, example)
        errors = tab.locator(".litgrad-error").all_inner_texts()
        assert status.startswith("Done"), f"page {number}: {status}\n" + "\n".join(errors)
        assert not errors
        if number < 9:
            tab.locator("a.md-footer__link--next").click()
    visit.check()  # no console error either: Pyodide logs a fatal error there


# A chain of values this deep, freed in the worker: far deeper than the worker freed before it
# did so iteratively (benchmarks/browser_stack.md, measured by benchmarks/browser_stack.py).
DEEP_CHAIN = 200_000


def test_a_chain_of_values_far_deeper_than_the_worker_stack_is_freed(
    visit: Visit, base_url: str
) -> None:
    tab = open_page(visit, base_url + NEURON)
    code = (
        "from litgrad import Value\n"
        f"x, one = Value(0.0), Value(1.0)\nfor _ in range({DEEP_CHAIN}):\n    x = x + one\n"
        "print(x.data)\ndel x\nprint(one.data)\n"
    )
    assert run(tab, 2, code).startswith("Done")
    assert output_of(tab, 2).inner_text().split() == [f"{DEEP_CHAIN:.1f}", "1.0"]
    visit.check()


def test_a_deep_structure_of_the_readers_own_still_stops_python_and_says_so(
    visit: Visit, base_url: str
) -> None:
    """Only litgrad's Value is freed iteratively: tuples nested a million deep still overflow the
    worker's stack when freed. The runner says so under the example, and the next run works."""
    tab = open_page(visit, base_url + NEURON)
    code = "t = ()\nfor _ in range(1_000_000):\n    t = (t,)\ndel t\n"
    assert run(tab, 2, code).startswith("Example 2 stopped Python.")
    (error,) = tab.locator(".litgrad-error").all_inner_texts()
    assert "ran out of stack" in error and "litgrad's own values are freed one by one" in error
    tab.get_by_role("button", name="Reset example 2").click()
    assert run(tab, 2).startswith("Done")
    # Pyodide logs its fatal error (the stack overflow above) to the console; nothing else may.
    pyodide = [e for e in visit.errors if "/assets/runner/pyodide/" in e]
    assert pyodide and any("Maximum call stack size exceeded" in e for e in pyodide)
    visit.errors = [e for e in visit.errors if e not in pyodide]
    visit.check()

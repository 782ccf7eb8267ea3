"""Page 1's first exercise, solved in the browser with the in-browser runner.

The starter runs as shipped and prints the checker's ✗ line; the solution typed into the same code
box prints ✓. The example is found by its code (the box that holds the checker's call), and run
through the runner's controls as a reader does: its Run button, its output (aria-live).
"""

from __future__ import annotations

from test_browser import base_url, browser, page_url  # noqa: F401  (fixtures)
from test_exercises import exercise_blocks
from test_runner_browser import code_box, open_page, output_of, run, visit  # noqa: F401

PAGE = "notes/01-value.md"

# The number N of the example whose code box ("Example N: code, editable") holds `needle`.
_FIND_JS = """needle => {
  const boxes = [...document.querySelectorAll("[role=textbox][aria-label$=': code, editable']")];
  const box = boxes.find(b => b.textContent.includes(needle));
  return box ? Number(box.getAttribute("aria-label").match(/^Example (\\d+):/)[1]) : null;
}"""


def verdict(tab, number: int) -> str:
    lines = [ln.strip() for ln in output_of(tab, number).inner_text().splitlines()]
    found = [ln for ln in lines if ln.startswith(("✓", "✗"))]
    assert len(found) == 1, f"one verdict line expected, the output shows {lines}"
    return found[0]


def test_first_exercise_starter_fails_and_solution_passes_in_the_browser(visit, base_url):
    (_, starter), (_, solution) = exercise_blocks(f"docs/{PAGE}")[:2]
    checker_call = starter.lines[-1]  # print(check_predicted_grads(predicted_grads))
    imports = [line for line in starter.lines if line.startswith("from ")]
    tab = open_page(visit, page_url(base_url, PAGE))
    number = tab.evaluate(_FIND_JS, checker_call)
    assert number, f"no editable example holds {checker_call!r}"

    status = run(tab, number)  # the starter as shipped
    assert status.startswith("Done"), status
    assert verdict(tab, number).startswith("✗ Not yet: ")

    status = run(tab, number, "\n".join([*imports, "", *solution.lines]))
    assert status.startswith("Done"), status
    assert verdict(tab, number).startswith("✓ Right: ")
    visit.check()

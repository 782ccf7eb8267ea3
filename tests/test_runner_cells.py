"""tools/runner_cells.py: each notes page's examples, recorded for the in-browser runner."""

from __future__ import annotations

import html as html_module
import json
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from runner_cells import cells_element, mark_cells, on_page_content, on_page_markdown, page_cells

F = "```"
ROOT = Path(__file__).resolve().parents[1]
PAGE = textwrap.dedent(
    f"""\
    # A page

    {F} {{.python #chunk}}
    def part_of_the_package(): ...
    {F}

    {F}python exec="on" session="01" source="block" result="text"
    from litgrad import Value
    x = Value(1.0)
    print(x)
    {F}

    {F}python exec="on" session="01" html="1"
    print(to_svg(draw_graph(x)))
    {F}

    !!! note
        {F}python
        import numpy as np
        arr = np.ones(3)
        {F}

    {F}python exec="on" session="01"
    print(f"- {{arr.sum()}} and {{[p for p in range(3)]}}")
    {F}

    {F}python exec="on" session="01" source="above"
    arr = [1, 2]
    print(arr)
    {F}
    """
)


def page(src: str = "notes/01-a.md") -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src, src_path=src))


def test_cells_are_the_plain_python_blocks_in_order_with_how_the_build_shows_them():
    cells = page_cells(PAGE, "notes/01-a.md")
    assert [(c["line"], c["shown"], c["output"]) for c in cells] == [
        (7, True, "text"),
        (13, False, "html"),
        (18, True, "none"),
        (23, False, "markdown"),
        (27, True, "markdown"),  # no `result`: markdown-exec renders what it prints
    ]
    assert cells[0]["code"] == "from litgrad import Value\nx = Value(1.0)\nprint(x)"


def test_a_missing_package_marks_its_block_and_the_blocks_using_its_names():
    needs = [c["needs"] for c in page_cells(PAGE, "notes/01-a.md")]
    # `arr` comes from numpy until the last block binds it again with a plain list.
    assert needs == [None, None, "numpy", "numpy", None]


def test_names_a_block_binds_for_itself_are_not_taken_from_before():
    text = (
        f"{F}python\nimport numpy as np\np = np.zeros(1)\n{F}\n\n"
        f"{F}python\nfor p in [1]:\n    print(p)\n{F}\n"
    )
    assert [c["needs"] for c in page_cells(text, "notes/x.md")] == ["numpy", None]


def test_the_pages_that_must_run_in_the_browser_do_and_page_7_says_why_not():
    """Page 7 needs numpy but for its plain-Python examples (the list product among them);
    elsewhere only an aside that imports numpy or matplotlib itself is skipped, and page 8's
    training loop runs."""
    for path in sorted((ROOT / "docs/notes").glob("*.md")):
        cells = page_cells(path.read_text(encoding="utf-8"), f"notes/{path.name}")
        skipped = [c for c in cells if c["needs"]]
        if path.name.startswith("07-"):  # numpy throughout, but for plain-Python examples
            runnable = [c for c in cells if not c["needs"]]
            assert any("def matmul" in c["code"] for c in runnable)
            assert not any(re.search(r"^import numpy\b|\bnp\.", c["code"], re.M) for c in runnable)
            assert {c["needs"] for c in skipped} == {"numpy"}
            continue
        for cell in skipped:
            assert re.search(rf"^import {cell['needs']}\b", cell["code"], re.M), (path, cell)
        if path.name.startswith("08-"):
            assert not any("for k in range" in c["code"] for c in skipped), "training loop skipped"


def test_markers_surround_each_block_at_its_indentation_and_keep_the_rest():
    cells = page_cells(PAGE, "notes/01-a.md")
    marked = mark_cells(PAGE, cells)
    assert marked.count('class="litgrad-cell"') == 5 and marked.count("litgrad-cell-end") == 5
    assert '    <div class="litgrad-cell" data-cell="2" hidden></div>\n\n    ```python\n' in marked
    assert '    ```\n\n    <div class="litgrad-cell-end" hidden></div>\n' in marked
    unmarked = re.sub(r"[ ]*<div class=\"litgrad-cell(-end)?\"[^>]*></div>\n\n?", "", marked)
    assert re.sub(r"\n+", "\n", unmarked) == re.sub(r"\n+", "\n", PAGE)


def test_hooks_add_markers_and_the_json_of_the_cells_only_on_notes_pages():
    marked = on_page_markdown(PAGE, page=page())
    html = "".join(f'<div class="litgrad-cell" data-cell="{i}" hidden></div>' for i in range(5))
    out = on_page_content(html, page=page())
    data = re.search(r'<div id="litgrad-cells" hidden data-cells="([^"]*)"></div>', out)
    cells = json.loads(html_module.unescape(data[1]))
    assert len(cells) == 5 and "_end" not in cells[0] and cells[2]["needs"] == "numpy"
    assert marked != PAGE
    assert on_page_markdown(PAGE, page=page("index.md")) == PAGE


def test_a_lost_marker_fails_the_build_naming_the_page():
    on_page_markdown(PAGE, page=page())
    with pytest.raises(PluginError, match="notes/01-a.md: 5 examples but 0 runner markers"):
        on_page_content("<p>nothing</p>", page=page())


def test_invalid_python_in_an_example_fails_the_build_naming_the_line():
    with pytest.raises(PluginError, match=r"notes/01-a.md:1: not valid Python"):
        on_page_markdown(f"{F}python\nx = (\n{F}\n", page=page())


def test_the_json_cannot_leave_its_attribute():
    element = cells_element([{"code": "print(\"</div>\", '&')", "_end": 3}])
    assert element.count('"') == 4 and "</div>" not in element[:-6]
    data = re.search(r'data-cells="([^"]*)"', element)[1]
    assert json.loads(html_module.unescape(data)) == [{"code": "print(\"</div>\", '&')"}]

"""tools/page_notebooks.py: a notes page as a notebook; tools/griffe_doctests.py: doctests.

The built notebooks are checked in the browser tests (tests/test_browser.py: the link on each
page returns a valid notebook, and each one runs top to bottom in a kernel).
"""

from __future__ import annotations

import textwrap

import nbformat
from griffe_doctests import fence_doctests
from page_notebooks import NOTEBOOK_LINK, page_to_notebook
from unique_ids import _unique_line_anchors, _unique_svg_ids

F = "```"
PAGE = textwrap.dedent(
    f"""\
    # 2. A page

    Some prose with \\( a \\cdot b \\) and `code with \\(`, a [link](01-value.md#the-code) and
    a [`Value`][litgrad.Value] and an [unknown][some-anchor].

    {F}python exec="on" session="02" source="block" result="text"
    from litgrad import Value
    x = Value(1.0)
    {F}

    {F}python exec="on" session="02" html="1"
    print(to_svg(draw_graph(x)))
    {F}

    \\[
    y = x^2
    \\]

    !!! warning "In the notes"
        The notes slip.

        {F}python
        print("inside the admonition")
        {F}

        And the admonition goes on.

    After it.

    {F} {{.python #value-init}}
    def __init__(self):
        pass
    {F}

    {F}python exec="on" session="02"
    print(f"**{{x.data}}**")
    {F}

    {F}text
    not python
    {F}
    """
)


def _notebook():
    def resolve(target):
        return "https://site/" + target.replace(".md", "/")

    notebook = page_to_notebook(PAGE, "notes/02-a.md", resolve)
    nbformat.validate(notebook)
    return notebook


def test_prose_becomes_markdown_with_dollar_math_and_site_links():
    first = _notebook().cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith("# 2. A page\n\n*This notebook is [this page of the litgrad")
    assert "(https://site/notes/02-a/)" in first.source
    assert "$a \\cdot b$" in first.source and "`code with \\(`" in first.source
    assert "[link](https://site/notes/01-value/#the-code)" in first.source
    assert "[`Value`](https://site/reference/#litgrad.Value)" in first.source
    assert "an unknown." in first.source  # an autoref that cannot be resolved: its text


def test_examples_become_code_cells_in_page_order():
    cells = _notebook().cells
    code = [c.source for c in cells if c.cell_type == "code"]
    assert code[0] == "from litgrad import Value\nx = Value(1.0)"
    assert code[1] == "draw_graph(x)"  # a Digraph draws itself in Jupyter
    assert code[2] == 'print("inside the admonition")'
    assert code[3].startswith("%%capture printed\nprint(")  # a hidden block printing Markdown...
    assert code[4] == "from IPython.display import Markdown\n\nMarkdown(printed.stdout)"  # ...shown
    assert len(code) == 5  # the package's block and the text block are not code cells
    assert [c.id for c in cells] == [f"cell-{i}" for i in range(len(cells))]


def test_admonitions_package_blocks_and_display_math_stay_in_the_prose():
    markdown = [c.source for c in _notebook().cells if c.cell_type == "markdown"]
    assert "$$\ny = x^2\n$$\n\n> **In the notes**\n>\n> The notes slip." in markdown[1]
    assert markdown[2] == "> And the admonition goes on.\n\nAfter it.\n\n" + textwrap.dedent(
        f"""\
        `«value-init»`, part of the package:

        {F}python
        def __init__(self):
            pass
        {F}"""
    )
    assert markdown[3] == f"{F}text\nnot python\n{F}"


def test_notebook_link_constant_matches_the_tests():
    assert NOTEBOOK_LINK == "Download this page as a notebook"


def test_line_anchors_and_svg_ids_are_made_unique():
    block = '<pre><code><a id="__codelineno-0-1" href="#__codelineno-0-1"></a>x</code></pre>'
    assert _unique_line_anchors(block + block).count("__codelineno-1-1") == 2
    svg = '<svg><g id="node1"><path clip-path="url(#node1)"/></g><a href="#node1"/></svg>'
    out = _unique_svg_ids(svg + svg)
    assert out.count('id="svg1-node1"') == 1 and out.count('id="svg2-node1"') == 1
    assert "url(#svg2-node1)" in out and 'href="#svg1-node1"' in out


def test_doctests_are_fenced_for_the_reference():
    text = "Sum.\n\n    >>> 1 + 1\n    2\n\n```python\n>>> kept as is\n```\n>>> x = 1"
    assert fence_doctests(text) == (
        "Sum.\n\n    ```pycon\n    >>> 1 + 1\n    2\n    ```\n\n"
        "```python\n>>> kept as is\n```\n```pycon\n>>> x = 1\n```"
    )


def test_snippet_lines_are_inlined_in_the_notebook(tmp_path):
    from page_notebooks import expand_snippets

    (tmp_path / "table.md").write_text("| a | b |\n| --- | --- |\n| 1 | 2 |\n", encoding="utf-8")
    page = 'Before\n\n--8<-- "table.md"\n\n    --8<-- "table.md"\nAfter\n'
    out = expand_snippets(page, tmp_path)
    assert out == "Before\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n    | a | b |\n" + (
        "    | --- | --- |\n    | 1 | 2 |\nAfter\n"
    )

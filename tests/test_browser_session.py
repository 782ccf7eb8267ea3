"""tools/browser_session.py, the runner's Python half, run here in CPython (the browser tests run it
under Pyodide): a page's examples in one namespace, errors, skipped cells, Markdown output."""

from __future__ import annotations

import json

from browser_session import render_markdown, run_cells


def run(*cells: dict) -> list[dict]:
    return json.loads(run_cells(json.dumps(list(cells))))


def test_examples_share_one_namespace_in_order_and_print_separately():
    results = run(
        {"code": "x = 2\nprint('first')", "output": "text"},
        {"code": "print(x * 21)", "output": "text"},
    )
    assert results == [{"printed": "first\n"}, {"printed": "42\n"}]


def test_each_run_starts_from_a_fresh_namespace():
    run({"code": "leftover = 1", "output": "text"})
    (result,) = run({"code": "print('leftover' in globals())", "output": "text"})
    assert result == {"printed": "False\n"}


def test_an_error_gives_the_traceback_of_the_example_and_stops_the_run():
    results = run(
        {"code": "print('before')", "output": "text"},
        {"code": "y = 1\nprint('partial')\ny / 0", "output": "text"},
        {"code": "print('never')", "output": "text"},
    )
    assert len(results) == 2
    assert results[1]["printed"] == "partial\n"
    error = results[1]["error"]
    assert error.startswith("Traceback (most recent call last):\n")
    assert 'File "<example 2>", line 3' in error and "y / 0" in error  # the reader's line
    assert error.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "browser_session" not in error  # the runner's own frames are left out


def test_a_syntax_error_is_reported_with_its_line():
    (result,) = run({"code": "x = (1,", "output": "text"})
    assert "SyntaxError" in result["error"] and "<example 1>" in result["error"]


def test_skipped_cells_do_not_run():
    results = run(
        {"code": "import numpy_is_not_here", "output": "text", "skip": True},
        {"code": "print('after')", "output": "text"},
    )
    assert results == [{"skipped": True}, {"printed": "after\n"}]


def test_markdown_output_is_rendered_with_math_as_mathml():
    (result,) = run({"code": r"print('- `a` is \\(x^2\\) **now**')", "output": "markdown"})
    html = result["html"]
    assert html.startswith('<ul>\n<li><code>a</code> is <span class="arithmatex"><math')
    assert "<msup>" in html and "<strong>now</strong>" in html and "\\(" not in html


def test_display_math_becomes_a_block():
    html = render_markdown("Before\n\n\\[\na + b\n\\]\n")
    assert '<div class="arithmatex"><math' in html and 'display="block"' in html

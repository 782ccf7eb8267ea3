"""tools/browser_session.py, the runner's Python half, run here in CPython (the browser tests run it
under Pyodide): a page's examples in one namespace, errors, skipped cells, Markdown output, and
the worker's iterative freeing of graphs."""

from __future__ import annotations

import json
import sys

import browser_session
import pytest
from browser_session import free_graphs_iteratively, render_markdown, run_cells

from litgrad import Value


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


@pytest.fixture
def iterative_value():
    """litgrad's Value with the worker's __del__, which counts how deep its calls nest."""
    nesting = {"now": 0, "deepest": 0, "calls": 0}
    free_graphs_iteratively(Value)
    free = Value.__del__

    def counting(value):
        nesting["now"] += 1
        nesting["calls"] += 1
        nesting["deepest"] = max(nesting["deepest"], nesting["now"])
        try:
            free(value)
        finally:
            nesting["now"] -= 1

    Value.__del__ = counting
    try:
        yield nesting
    finally:
        del Value.__del__  # CPython's tests of the engine never run with it
    assert not browser_session._operands and not browser_session._freeing


def test_the_worker_frees_a_deep_chain_iteratively(iterative_value):
    # In CPython the trashcan keeps the plain recursion safe; what the worker needs is that the
    # __del__ calls do not nest, whatever the depth: a stack a few calls deep.
    one = Value(1.0)
    refs = sys.getrefcount(one)
    x = Value(0.0)
    for _ in range(100_000):
        x = x * one + one
    assert sys.getrefcount(one) == refs + 2 * 100_000
    del x
    assert iterative_value["deepest"] == 2  # the outermost __del__ and one freed inside its loop
    assert iterative_value["calls"] == 2 * 100_000 + 1  # every value of the chain, freed
    assert sys.getrefcount(one) == refs  # and with them their operands


def test_the_worker_frees_a_wide_graph_too(iterative_value):
    xs = [Value(float(i)) for i in range(1000)]
    refs = [sys.getrefcount(x) for x in xs]
    s = sum(x * x for x in xs)
    s.backward()
    assert xs[3].grad == 6.0
    del s
    assert iterative_value["deepest"] == 2
    assert [sys.getrefcount(x) for x in xs] == refs  # nothing holds them any more

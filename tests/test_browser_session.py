"""tools/browser_session.py, the runner's Python half, run here in CPython (the browser tests run it
under Pyodide): a page's examples in one namespace, errors, skipped cells, Markdown output, what
an edited example's last expression shows, and the worker's iterative freeing of graphs."""

from __future__ import annotations

import builtins
import importlib.machinery
import json
import sys
from pathlib import Path

import browser_session
import graphviz
import pytest
from browser_session import display, free_graphs_iteratively, render_markdown, run_cells

from litgrad import Value, draw_graph

# Pyodide's own Python packages, in the standard library it ships: run_cells runs each example
# through its pyodide.code.eval_code, which is pure Python, so CPython runs the very same file.
PYODIDE_STDLIB = Path(__file__).resolve().parents[1] / "node_modules/pyodide/python_stdlib.zip"


class _PyodideFinder:
    """Imports `pyodide` and `_pyodide` (only those) from Pyodide's standard library zip."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in ("pyodide", "_pyodide"):
            return importlib.machinery.PathFinder.find_spec(name, path or [str(PYODIDE_STDLIB)])
        return None


@pytest.fixture(autouse=True, scope="module")
def pyodide_code():
    """`pyodide.code` importable for this module's tests, and gone after them: other tests in this
    process must not take CPython for Pyodide."""
    sys.meta_path.insert(0, _PyodideFinder)
    try:
        from pyodide.code import eval_code

        assert PYODIDE_STDLIB.name in eval_code.__code__.co_filename  # not some other pyodide
        yield
    finally:
        sys.meta_path.remove(_PyodideFinder)
        for name in [n for n in sys.modules if n.partition(".")[0] in ("pyodide", "_pyodide")]:
            del sys.modules[name]
        vars(builtins).pop("___EvalCodeResultException", None)  # set by _pyodide._base


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


def test_an_edited_examples_last_expression_shows_as_in_a_notebook():
    results = run(
        {"code": "from litgrad import Value\nx = Value(2.0)\nprint('hi')\nx * 3", "display": True},
        {"code": "x * 3", "display": False},  # as the page wrote it: only what it prints
        {"code": "x * 3;", "display": True},  # a trailing semicolon hides it, as in IPython
        {"code": "print('<svg></svg>')", "display": True},  # print returns None: nothing more
        {"code": "x = 1", "display": True},  # a statement has no value
    )
    assert results[0] == {"printed": "hi\n", "display": {"text": "Value(data=6.0, grad=0.0)"}}
    assert results[1:] == [
        {"printed": ""},
        {"printed": ""},
        {"printed": "<svg></svg>\n"},
        {"printed": ""},
    ]


def test_a_drawing_shows_as_a_graph_and_html_and_svg_as_jupyter_prefers_them():
    class Both:
        def _repr_html_(self):
            return "<b>html</b>"

        def _repr_svg_(self):
            return "<svg></svg>"

    class Svg:
        def _repr_svg_(self):
            return "<svg></svg>", {"isolated": True}  # IPython's (data, metadata)

    a = Value(2.0, label="a")
    graph = display(draw_graph(a * a))["graph"]
    assert graph.startswith('<svg class="litgrad-graph" role="img" aria-label="')
    assert graph.count('class="node"') == 3  # a, a * a and the * between them
    source = display(graphviz.Source("digraph { a -> b }"))["graph"]  # no text alternative: ours
    assert source.startswith('<svg class="litgrad-graph" role="img" aria-label="A drawing by')
    assert display(Both()) == {"html": "<b>html</b>"}
    assert display(Svg()) == {"svg": "<svg></svg>"}
    assert display(None) is None


def test_an_error_in_the_last_expression_is_the_examples():
    (result,) = run({"code": "x = 1\nx / 0", "display": True})
    assert 'File "<example 1>", line 2' in result["error"]
    assert "_pyodide" not in result["error"]  # eval_code's own frames are left out too


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

"""to_svg's two ways of drawing (docs/notes/01-value.md, `_render`): the `dot` program in CPython,
viz.js under Pyodide. Here Pyodide's `js` and `pyodide.ffi` modules are stand-ins that record the
call; the browser tests (test_runner_browser.py) draw with the real viz.js."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

from litgrad import Value, draw_graph, to_svg


def test_under_pyodide_to_svg_hands_the_dot_source_to_viz_js(monkeypatch):
    calls = []

    def render_string(source, options):
        calls.append((source, options))
        return '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="8pt"><g id="graph0"/></svg>'

    js = ModuleType("js")
    js.Object = SimpleNamespace(fromEntries=dict)
    js.litgradViz = SimpleNamespace(renderString=render_string)
    ffi = ModuleType("pyodide.ffi")
    ffi.to_js = lambda value, dict_converter: dict_converter(value.items())
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.setattr(sys, "platform", "emscripten")

    graph = draw_graph(Value(2.0, label="a") * Value(3.0, label="b"))
    svg = to_svg(graph)
    assert calls == [(graph.source, {"format": "svg"})]
    assert svg.startswith('<svg class="litgrad-graph"')  # the same post-processing as with dot
    assert "<?xml" not in svg and "DOCTYPE" not in svg


def test_in_cpython_to_svg_runs_dot():
    svg = to_svg(draw_graph(Value(2.0, label="a")))
    assert svg.startswith('<svg class="litgrad-graph"') and ">a<" in svg

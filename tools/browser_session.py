"""The Python half of the in-browser runner: runs a page's examples as the build does.

docs/assets/runner-worker.js imports this module under Pyodide (tools/runtime_assets.py packs it),
and the tests import it in CPython. `run_cells` executes the examples in order in one fresh
namespace, as markdown-exec runs a page's session, and returns what each printed: text, the
Markdown of a hidden block rendered to HTML (math as MathML, as tools/mathml.py does at build),
or the traceback of the example that failed, after which nothing more runs. An example the reader
edited also shows the value of its last line, if that is an expression, as a notebook does.
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import re
import traceback

# \( ... \) and \[ ... \], as arithmatex finds them in the page's Markdown.
_MATH = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<block>.+?)\\\]", re.S)
_SLOT = re.compile("\ue000(\\d+)\ue001")  # private-use characters: Markdown leaves them alone


def render_markdown(text: str) -> str:
    """HTML for Markdown that an example printed; TeX becomes MathML, as on the built page."""
    import markdown
    from mathml import tex_to_mathml

    maths: list[str] = []

    def keep(m: re.Match) -> str:
        if m["inline"] is not None:
            mathml = tex_to_mathml(m["inline"].strip(), "inline")
            maths.append(f'<span class="arithmatex">{mathml}</span>')
        else:
            mathml = tex_to_mathml(m["block"].strip(), "block")
            maths.append(f'<div class="arithmatex">{mathml}</div>')
        return f"\ue000{len(maths) - 1}\ue001"

    html = markdown.markdown(_MATH.sub(keep, text), extensions=["markdown.extensions.tables"])
    return _SLOT.sub(lambda m: maths[int(m[1])], html)


# Freeing a graph, iteratively. When the last reference to a chain of values goes (a sum of
# thousands of terms, x = x * w + b in a loop), reference counting frees it recursively: the value,
# then its `_prev` tuple, then the operand in it, and so on down the chain, a few C calls per value.
# CPython bounds that recursion with its "trashcan", which puts the objects aside once the C stack
# is nearly used up. Under Pyodide (Python 3.14 in WebAssembly) it never does: it measures the
# stack in linear memory (Emscripten's, several MB, which these calls hardly use), while the calls
# themselves run on the browser's own stack, which a Web Worker has small. So the worker's stack
# overflows and Python dies (Pyodide skips CPython's own trashcan tests for the same reason).
#
# The worker therefore gives litgrad's Value a __del__ that takes its operands away before the
# value is freed and frees them from a loop in the outermost __del__: each value freed inside that
# loop hands its own operands to the loop in turn, so the stack stays a few calls deep whatever
# the depth of the graph. Only the worker installs it (runner-worker.js); CPython, the build and
# the tests of the engine never run it, and the engine stays as fast as it is.
_operands: list[tuple] = []  # `_prev` tuples taken from values being freed, not yet dropped
_freeing = False  # True while the outermost __del__ drops them


def _free_operands_later(value) -> None:
    global _freeing
    if not value._prev:
        return
    # Not `prev = value._prev`: a local would keep the tuple alive until this frame returns,
    # and it would then be freed on the way out, recursively again.
    _operands.append(value._prev)
    value._prev = ()
    if _freeing:
        return
    _freeing = True
    try:
        while _operands:
            del _operands[-1]  # may free values, whose __del__ append to _operands
    finally:
        _freeing = False


def free_graphs_iteratively(value_class: type) -> None:
    """Give `value_class` (litgrad's Value) the __del__ above; the worker calls this once."""
    value_class.__del__ = _free_operands_later


def _traceback(error: BaseException, runner_files: set[str]) -> str:
    """The traceback from the example's own frames down (the runner's frames left out)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in runner_files:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def display(value) -> dict | None:
    """What a notebook shows for an example's last expression, as the runner shows it.

    None shows nothing. A Graphviz graph (`draw_graph`'s, or the reader's own) becomes `graph`,
    the `<svg>` of litgrad's `to_svg`, drawn by viz.js like the page's graphs. Otherwise, as
    Jupyter prefers them: `html` from `_repr_html_`, `svg` from `_repr_svg_`, else `text`, the
    repr. docs/assets/runner.js shows html and svg where they cannot run a script.
    """
    if value is None:
        return None
    import graphviz

    if isinstance(value, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        from litgrad import to_svg

        # draw_graph's text alternative, else the graph's tooltip, as to_svg finds them; a
        # Source has neither, and no graph_attr, so to_svg gets one of ours.
        alt = getattr(value, "litgrad_alt", None) or getattr(value, "graph_attr", {}).get("tooltip")
        return {"graph": to_svg(value, alt or "A drawing by Graphviz: the example's last value")}
    for kind, method in (("html", "_repr_html_"), ("svg", "_repr_svg_")):
        shown = getattr(value, method, None)
        shown = shown() if callable(shown) else None
        if isinstance(shown, tuple):  # IPython's (data, metadata) form
            shown = shown[0]
        if isinstance(shown, str):
            return {kind: shown}
    return {"text": repr(value)}


def run_cells(cells_json: str, on_cell=None) -> str:
    """Run `[{"code", "output", "skip", "display"}, ...]` in order; JSON list of results, one per
    cell run.

    A result has `printed` (stdout and stderr), `html` for Markdown output, `display` for a cell
    marked display whose last line is an expression with a value (see `display`), `error` (a
    traceback) for the cell that raised, or `skipped` for a cell marked skip. Cells after an
    error are not run and have no result. `on_cell(number)` is called before each cell runs: if
    Python itself dies (a stack overflow in the browser), the worker still knows where.

    Each cell runs through Pyodide's `eval_code`, which returns the value of a last expression
    (none after a trailing semicolon, as in IPython). The tests run the same module in CPython,
    from the Pyodide the site serves (tests/test_browser_session.py).
    """
    from pyodide.code import eval_code

    runner_files = {__file__, eval_code.__code__.co_filename}
    cells = json.loads(cells_json)
    namespace: dict = {"__name__": "__main__"}
    results: list[dict] = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("skip"):
            results.append({"skipped": True})
            continue
        if on_cell is not None:
            on_cell(number)
        filename = f"<example {number}>"
        source = cell["code"]
        # linecache lets the traceback quote the reader's lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                mode = "last_expr" if cell.get("display") else "none"
                value = eval_code(
                    source, namespace, filename=filename, return_mode=mode, dedent=False
                )
                shown = display(value)  # a repr may print, or fail: the example's too
            result = {"printed": printed.getvalue()}
            if cell.get("output") == "markdown":
                result["html"] = render_markdown(result["printed"])
            if shown is not None:
                result["display"] = shown
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: report, go on
            results.append(
                {"printed": printed.getvalue(), "error": _traceback(error, runner_files)}
            )
            break
        results.append(result)
    return json.dumps(results)

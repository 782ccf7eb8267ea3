"""mkdocs hook: each notes page's Python examples, recorded in order for the in-browser runner.

The runner (docs/assets/runner.js) re-executes a page's examples as the build does, in one
namespace, and replaces what the edited example and the ones after it printed. For that it needs,
for each example: its code as written, how the build shows its output (text, HTML, Markdown, or
nothing), and where on the page it is. on_page_markdown puts an empty marker element before and
after each example's fence; on_page_content adds the list of examples as JSON, in a hidden element.

An example that imports a package the in-browser Python lacks (numpy, matplotlib), or uses a name
such an example defines, is marked `needs`: it shows why instead of a Run button, and a run
skips it.
"""

from __future__ import annotations

import ast
import html
import json
import re
import sys
from pathlib import Path

# mkdocs loads this file by path, so its folder is not importable unless we add it.
_TOOLS = str(Path(__file__).resolve().parent)
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)
from tangle import parse_blocks  # noqa: E402  (needs the path above)

# Pyodide's npm package carries CPython's standard library only; litgrad and graphviz are packed
# by tools/runtime_assets.py. These are the packages the pages use that the browser cannot have.
MISSING_IN_BROWSER = ("numpy", "matplotlib")
_NOTES_PAGE = re.compile(r"^notes/[^/]+\.md$")
_OPTION = re.compile(r"""(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))""")
START = '<div class="litgrad-cell" data-cell="{}" hidden></div>'
END = '<div class="litgrad-cell-end" hidden></div>'
_CELLS = {}  # page src_uri -> its cells, from on_page_markdown to on_page_content


def _is_on(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def _names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names the code binds in its namespace, names it reads from before it).

    Approximate, as it only decides which examples to skip: a name the code binds anywhere (a
    loop or comprehension variable, an argument) is not read from before.
    """
    bound, local, loaded = set(), set(), set()

    def top_level(node: ast.AST) -> None:  # statements run in the namespace, not in a function
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            return
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            return
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        for child in ast.iter_child_nodes(node):
            top_level(child)

    top_level(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
    return bound, loaded - local - bound


def _imports_missing(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        for module in modules:
            if module.split(".")[0] in MISSING_IN_BROWSER:
                return module.split(".")[0]
    return None


def page_cells(markdown: str, src_uri: str) -> list[dict]:
    """The page's plain ```python blocks in order (attributed blocks are the package, not examples).

    Each: `line` (1-based, of the opening fence), `code`, `shown` (the reader sees the code),
    `output` ("text", "html", "markdown" or "none": how the build shows what it prints), and
    `needs` (a package the browser lacks, or None).
    """
    cells, tainted = [], {}  # tainted: name -> the missing package it came from
    for block in parse_blocks(markdown, src_uri):
        words = block.info.split(" ", 1)
        if words[0] != "python":
            continue
        options = {
            o["key"]: o["dq"] or o["sq"] or o["bare"]
            for o in _OPTION.finditer(words[1] if len(words) > 1 else "")
        }
        executed = _is_on(options.get("exec"))
        if not executed:
            output = "none"
        elif _is_on(options.get("html")):
            output = "html"
        elif options.get("result"):
            output = "text"
        else:
            output = "markdown"
        code = "\n".join(block.lines)
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            raise ValueError(f"{block.where()}: not valid Python: {error}") from error
        bound, used = _names(tree)
        needs = _imports_missing(tree) or next(
            (tainted[name] for name in sorted(used) if name in tainted), None
        )
        for name in bound:  # a name a runnable block rebinds is usable again
            if needs:
                tainted[name] = needs
            else:
                tainted.pop(name, None)
        cells.append(
            {
                "line": block.line,
                "code": code,
                "shown": not executed or "source" in options,
                "output": output,
                "needs": needs,
                "_end": block.line + len(block.lines) + block.closed,
                "_indent": block.indent,
            }
        )
    return cells


def mark_cells(markdown: str, cells: list[dict]) -> str:
    """The page with an empty marker element before and after each cell's fence."""
    lines = markdown.splitlines(keepends=True)
    for number in reversed(range(len(cells))):  # from the end: line numbers stay valid
        cell = cells[number]
        indent = cell["_indent"]
        end = cell["_end"]  # 1-based: the closing fence (or the last line if unclosed)
        if not lines[end - 1].endswith("\n"):
            lines[end - 1] += "\n"
        lines.insert(end, f"\n{indent}{END}\n\n")
        lines.insert(cell["line"] - 1, f"{indent}{START.format(number)}\n\n")
    return "".join(lines)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    src = page.file.src_uri
    if not _NOTES_PAGE.match(src):
        return markdown
    try:
        cells = page_cells(markdown, src)
    except ValueError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError(str(error)) from error
    _CELLS[src] = cells
    return mark_cells(markdown, cells)


def cells_element(cells: list[dict]) -> str:
    """The page's cells as JSON in an attribute of a hidden element, which the runner reads.

    Not a <script type="application/json">: Material's instant navigation drops those.
    """
    public = [{k: v for k, v in cell.items() if not k.startswith("_")} for cell in cells]
    text = html.escape(json.dumps(public, ensure_ascii=False), quote=True)
    return f'<div id="litgrad-cells" hidden data-cells="{text}"></div>'


def on_page_content(html_text: str, page, **kwargs) -> str:
    cells = _CELLS.pop(page.file.src_uri, None)
    if cells is None:
        return html_text
    found = html_text.count('class="litgrad-cell"')
    if found != len(cells):  # a marker lost in rendering would attach output to the wrong cell
        from mkdocs.exceptions import PluginError

        raise PluginError(
            f"{page.file.src_uri}: {len(cells)} examples but {found} runner markers in the HTML"
        )
    return html_text + "\n" + cells_element(cells)

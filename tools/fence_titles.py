"""mkdocs hook: tangled blocks ({.python file=x} / {.python #chunk}) are shown with their file or
chunk name as a title."""

from __future__ import annotations

import sys
from pathlib import Path

# mkdocs loads this file by path, so its folder is not importable unless we add it.
_TOOLS = str(Path(__file__).resolve().parent)
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)
from tangle import parse_blocks, parse_info  # noqa: E402  (needs the path above)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    """Turn ``` {.python file=x} ``` / ``` {.python #c} ``` into ```python title="x" / "«c»"."""
    lines = markdown.splitlines(keepends=True)  # the same line numbering as parse_blocks
    for block in parse_blocks(markdown, page.file.src_path):
        try:
            info = parse_info(block.info)
        except ValueError:
            continue  # tools/tangle.py reports it with its location; the page still renders
        if info and (info.file or info.id):
            title = info.file or f"«{info.id}»"
            language = info.language or "text"
            old = lines[block.line - 1]
            ending = old[len(old.rstrip("\r\n")) :]
            lines[block.line - 1] = f'{block.indent}{block.fence}{language} title="{title}"{ending}'
    return "".join(lines)

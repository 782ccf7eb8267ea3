"""A Griffe extension (mkdocs.yml, mkdocstrings `extensions:`) for the API reference.

litgrad's docstrings hold bare doctest examples (`>>> ...`), which the tests run. Griffe reads them
as Markdown, where `>>>` opens three nested block quotes; this wraps each example, up to the next
blank line as doctest does, in a ```pycon fence so the reference shows it as a console session.
"""

from __future__ import annotations

import re

import griffe

_PROMPT = re.compile(r"^(?P<indent>[ \t]*)>>>")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def fence_doctests(text: str) -> str:
    """`text` with every doctest example that is not already in a code block fenced as pycon.

    >>> print(fence_doctests("Adds.\\n\\n>>> 1 + 1\\n2\\n\\nDone."))
    Adds.
    <BLANKLINE>
    ```pycon
    >>> 1 + 1
    2
    ```
    <BLANKLINE>
    Done.
    """
    out: list[str] = []
    fence = ""  # the fence of the code block we are in, if any
    example_indent: str | None = None  # the indentation of the example we are in, if any
    for line in text.split("\n"):
        if example_indent is not None:
            if line.strip():
                out.append(line)
                continue
            out.append(f"{example_indent}```")
            example_indent = None
        opening = _FENCE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
        elif opening:
            fence = opening[1]
        elif prompt := _PROMPT.match(line):
            example_indent = prompt["indent"]
            out.append(f"{example_indent}```pycon")
        out.append(line)
    if example_indent is not None:
        out.append(f"{example_indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every docstring before it is parsed and rendered."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)

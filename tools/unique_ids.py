"""mkdocs hook: ids that several renderers number from scratch on each page (code-line anchors,
Graphviz's graph0/node1...) are made unique on the page."""

from __future__ import annotations

import itertools
import re


def on_page_content(html_text: str, page, **kwargs) -> str:
    return _unique_svg_ids(_unique_line_anchors(html_text))


# pymdownx.highlight numbers the line anchors of each code block `__codelineno-<block>-<line>`, but
# markdown-exec and mkdocstrings render blocks with Markdown instances of their own, each counting
# blocks from 0: a page would have the same anchor many times. Renumber the blocks in page order.
_PRE = re.compile(r"<pre\b.*?</pre>", re.S)
_LINE_ANCHOR = re.compile(r"__codelineno-\d+-(?=\d)")


def _unique_line_anchors(html_text: str) -> str:
    numbers = itertools.count()

    def renumber(m: re.Match) -> str:
        if "__codelineno-" not in m[0]:
            return m[0]
        return _LINE_ANCHOR.sub(f"__codelineno-{next(numbers)}-", m[0])

    return _PRE.sub(renumber, html_text)


# Graphviz names the parts of every drawing graph0, node1, edge1...: two graphs on a page would
# share ids. Prefix the ids of each inline <svg>, and the references to them, with its number.
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def _unique_svg_ids(html_text: str) -> str:
    numbers = itertools.count(1)

    def prefix(m: re.Match) -> str:
        ids = set(_ID.findall(m[0]))
        if not ids:
            return m[0]
        number = next(numbers)
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        refs = re.compile(rf'(\bid="|#)({names})(?=["\)])')
        return refs.sub(lambda r: f"{r[1]}svg{number}-{r[2]}", m[0])

    return _SVG.sub(prefix, html_text)

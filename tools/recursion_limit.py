"""mkdocs hook: a page's examples run at CPython's default recursion limit.

mkdocstrings raises the limit of the whole build process to 2,000 for its own parser (griffe).
The pages print and rely on the limit in force (page 3's recursive sort stops at it, page 9's
chain is ten times it, the benchmark table states the default), so each page with executed code
is rendered at the default, and the build's own limit is put back afterwards.
"""

from __future__ import annotations

import sys

DEFAULT = 1000  # CPython's Py_DEFAULT_RECURSION_LIMIT, what a fresh `python` reports
_saved = {}  # page src_uri -> the build's limit, from on_page_markdown to on_page_content


def _executes(markdown: str) -> bool:
    return 'exec="on"' in markdown or 'exec="1"' in markdown


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if _executes(markdown):
        _saved[page.file.src_uri] = sys.getrecursionlimit()
        sys.setrecursionlimit(DEFAULT)
    return markdown


def on_page_content(html: str, page, **kwargs) -> str:
    if page.file.src_uri in _saved:
        sys.setrecursionlimit(_saved.pop(page.file.src_uri))
    return html

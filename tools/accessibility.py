"""mkdocs hook (mkdocs.yml `hooks:`): HTML fixes for readers who use a keyboard or a screen reader.

on_post_page, on every built page:
- each graph or plot (`<svg class="litgrad-graph">`, `<svg class="litgrad-plot">`) is wrapped in a
  card that scrolls sideways when the drawing is wider than the column (docs/assets/litgrad.css
  lets it shrink only as far as its text stays readable). The card is a named region that takes
  focus, so a keyboard can scroll it; docs/assets/graphs.js shows a hint when it overflows.
- display math, tables and notebook code, which scroll sideways on a narrow screen, take focus
  too (Material does this for its own code blocks, at run time; it wraps a table in a scrolling
  box at run time, which a focusable table inside makes reachable).
The markup is our own (to_svg, the pages' plots, arithmatex through tools/mathml.py, nbconvert), so
a regular expression on its opening tag is exact; an HTML parser would re-serialise the whole page.
"""

from __future__ import annotations

import html
import re

# nbconvert re-serialises a notebook's HTML output: there the class is not the first attribute.
_DRAWING = re.compile(r'<svg\b[^>]*\bclass="litgrad-(?:graph|plot)"[^>]*>.*?</svg>', re.S)
_LABEL = re.compile(r'^<svg[^>]*\baria-label="([^"]*)"')
_SCROLLS = re.compile(r'<div class="(arithmatex|highlight-ipynb[^"]*)">')
_TABLE = "<table>"  # Markdown's tables; mkdocstrings' and Graphviz's have attributes


def _card(m: re.Match) -> str:
    label = _LABEL.match(m[0])
    if not label:
        raise ValueError(f"a drawing has no text alternative (aria-label): {m[0][:200]}")
    name = html.escape(f"Drawing: {html.unescape(label[1])}")
    # A <span>, made a block by the stylesheet: valid inside a <p> too, where a <div> is not.
    card = f'<span class="litgrad-scroll" role="region" tabindex="0" aria-label="{name}">'
    return f"{card}{m[0]}</span>"


def accessible(page_html: str) -> str:
    page_html = _DRAWING.sub(_card, page_html)
    page_html = page_html.replace(_TABLE, '<table tabindex="0">')
    return _SCROLLS.sub(r'<div class="\1" tabindex="0">', page_html)


def on_post_page(output: str, page, **kwargs) -> str:
    try:
        return accessible(output)
    except ValueError as exc:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{page.file.src_path}: {exc}") from exc

"""mkdocs hook: arithmatex's TeX becomes MathML at build time, so the site needs no JavaScript and
makes no network request to show math. tools/runtime_assets.py also packs this module for the
in-browser runner, which renders the Markdown an example prints as the build does: so mkdocs is
imported only where a build needs it."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

# pymdownx.arithmatex (generic: true) wraps TeX, HTML-escaped, in \( \) or \[ \].
_MATH = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.S)
_DELIMITERS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}
# latex2mathml echoes what it does not understand as a token (`<mi>\foo</mi>`, `<mi>&</mi>`).
_LEFTOVER = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+|&)</m[io]>")


def tex_to_mathml(tex: str, display: str) -> str:
    """MathML for `tex`; ValueError when latex2mathml fails or would show TeX as text."""
    depth = 0
    for char in re.sub(r"\\.", "", tex):  # escaped \{ \} are literal braces
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:  # latex2mathml accepts `\frac{a` and quietly drops the denominator
        raise ValueError("unbalanced braces")
    try:
        mathml = convert(tex, display=display)
    except Exception as exc:  # its errors have no common base class
        raise ValueError(f"{type(exc).__name__} {exc}".strip()) from exc
    leftover = _LEFTOVER.search(mathml)
    if leftover:
        raise ValueError(f"{leftover[1]!r} is not supported")
    return mathml


def on_page_content(html_text: str, page, **kwargs) -> str:
    """Replace the content of each arithmatex element by MathML; bad TeX fails the build."""
    from mkdocs.exceptions import PluginError

    def replace(m: re.Match) -> str:
        tag = m["tag"]
        tex = html.unescape(m["tex"]).strip()
        start, end = _DELIMITERS[tag]
        if tex.startswith(start) and tex.endswith(end):  # \begin{align}... comes undelimited
            tex = tex[len(start) : -len(end)]
        display = "block" if tag == "div" else "inline"
        try:
            mathml = tex_to_mathml(tex.strip(), display)
        except ValueError as exc:
            raise PluginError(
                f"{page.file.src_path}: cannot turn TeX into MathML ({exc}): {tex.strip()}"
            ) from exc
        # The wrapper stays: the theme styles .arithmatex (e.g. scrolling of wide equations).
        return f'<{tag} class="arithmatex">{mathml}</{tag}>'

    return _MATH.sub(replace, html_text)

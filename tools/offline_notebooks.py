"""mkdocs hook: notebook pages (mkdocs-jupyter) lose the scripts nbconvert points at a CDN."""

from __future__ import annotations

import re


def on_page_content(html_text: str, page, **kwargs) -> str:
    if page.file.src_path.endswith(".ipynb"):
        html_text = _NOTEBOOK_CDN.sub("", html_text)
    return html_text


# What nbconvert's template (used by mkdocs-jupyter) adds for MathJax and Mermaid: an empty
# <script src=""> when no MathJax URL is set, MathJax's configuration, and a module script that
# imports Mermaid from cdnjs when the notebook has a diagram. Math and diagrams would need a CDN.
_NOTEBOOK_CDN = re.compile(
    r"<!-- Load mathjax -->|<!-- (?:MathJax configuration|End of mathjax configuration) -->"
    r'|<script src="">\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?import\("https?://.*?</script>',
    re.S,
)

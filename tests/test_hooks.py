"""tools/fence_titles.py and tools/mathml.py: block titles and build-time MathML; and
tools/recursion_limit.py: the examples' recursion limit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from html import escape
from pathlib import Path
from types import SimpleNamespace

import pytest
import recursion_limit
from conftest import DEFAULT_RECURSION_LIMIT
from fence_titles import on_page_markdown
from mathml import on_page_content
from mkdocs.exceptions import PluginError

F = "```"
TOOLS = Path(__file__).resolve().parents[1] / "tools"
HOOKS = [str(TOOLS / "fence_titles.py"), str(TOOLS / "mathml.py")]
PAGE = SimpleNamespace(file=SimpleNamespace(src_path="notes/01-value.md"))


def test_attributed_fences_get_a_title():
    page = textwrap.dedent(
        f"""\
        {F} {{.python file=src/litgrad/engine.py}}
        <<value-add>>
        {F}

        !!! note
            ~~~~ {{ .python #value-add title="ignored" }}
            x = 1
            ~~~~

        {F}python
        plain = True
        {F}

        ````markdown
        {F} {{.python #an-example-of-the-syntax}}
        {F}
        ````
        """
    )
    assert on_page_markdown(page, page=PAGE) == textwrap.dedent(
        f"""\
        {F}python title="src/litgrad/engine.py"
        <<value-add>>
        {F}

        !!! note
            ~~~~python title="«value-add»"
            x = 1
            ~~~~

        {F}python
        plain = True
        {F}

        ````markdown
        {F} {{.python #an-example-of-the-syntax}}
        {F}
        ````
        """
    )


def test_inline_and_display_math_become_mathml():
    html = (
        '<p>So <span class="arithmatex">\\(\\frac{\\partial L}{\\partial a} &lt; 1\\)</span>.</p>\n'
        '<div class="arithmatex">\\[\na \\&amp; b &gt; c\n\\]</div>'
    )
    out = on_page_content(html, page=PAGE)
    inline, display = out.split("\n", 1)
    assert '<span class="arithmatex"><math' in inline and 'display="inline"' in inline
    assert "<mfrac>" in inline and "<mo>&#x0003C;</mo>" in inline
    assert '<div class="arithmatex"><math' in display and 'display="block"' in display
    assert "<mi>&#x00026;</mi>" in display and "<mo>&#x0003E;</mo>" in display
    assert "\\[" not in out and "\\(" not in out and "&amp;" not in out


# Raising, unbalanced (silently loses the denominator), unclosed \left, unknown command,
# alignment `&` outside an environment: all would otherwise show raw TeX or wrong math.
@pytest.mark.parametrize("tex", ["x^", "\\frac{a", "\\left( x", "\\notacommand x", "a & b"])
def test_tex_latex2mathml_cannot_convert_fails_naming_page_and_tex(tex):
    with pytest.raises(PluginError, match="notes/01-value.md") as error:
        on_page_content(f'<span class="arithmatex">\\({escape(tex)}\\)</span>', page=PAGE)
    assert tex in str(error.value)


def test_hooks_run_in_a_real_mkdocs_build(tmp_path):
    """The hook signatures match how mkdocs calls them, and superfences renders the title."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text(
        f"# T\n\n{F} {{.python file=src/m.py}}\nx = 1\n{F}\n\nSo \\(a < \\frac{{1}}{{2}}\\).\n"
    )
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: t
            nav: [index.md]
            theme: {{name: material, font: false}}
            hooks: [{", ".join(HOOKS)}]
            markdown_extensions:
              - pymdownx.highlight
              - pymdownx.superfences
              - pymdownx.arithmatex: {{generic: true}}
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=tmp_path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "site/index.html").read_text()
    assert '<span class="filename">src/m.py</span>' in html
    assert "<mfrac>" in html and "\\(" not in html


def test_examples_run_at_cpythons_default_recursion_limit_and_the_build_gets_its_own_back():
    """Pages 3 and 9 print the limit their examples run at, and the benchmark table states it:
    one figure, a fresh interpreter's, whatever mkdocstrings raised the build's to."""
    fresh = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; print(sys.getrecursionlimit())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(fresh.stdout) == recursion_limit.DEFAULT == DEFAULT_RECURSION_LIMIT
    table = (TOOLS.parent / "benchmarks" / "results.md").read_text(encoding="utf-8")
    assert f"at the default recursion limit ({recursion_limit.DEFAULT:,})" in table
    page = SimpleNamespace(file=SimpleNamespace(src_uri="notes/03-backward.md"))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(2000)  # as mkdocstrings does
    try:
        recursion_limit.on_page_markdown('```python exec="on"\n```', page)
        assert sys.getrecursionlimit() == recursion_limit.DEFAULT
        recursion_limit.on_page_content("", page)
        assert sys.getrecursionlimit() == 2000
    finally:
        sys.setrecursionlimit(old)

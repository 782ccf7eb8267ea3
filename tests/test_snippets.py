"""Every Python example on every page runs as written, in page order, one namespace per page.

This is what a reader does who copies the examples of a page into one session. pytest-markdown-docs
runs each block alone unless it is marked as a continuation, a marker that would clash with
markdown-exec's options on the same fence, so the blocks are collected with the tangler's parser.
"""

import contextlib
import io
from pathlib import Path

import pytest
from tangle import parse_blocks, read_nav

ROOT = Path(__file__).resolve().parents[1]
PAGES = [page for page in read_nav(ROOT) if page.endswith(".md")]


def examples(page):
    """The page's plain `python` blocks, executed at build time or not; attributed ones are code."""
    blocks = parse_blocks((ROOT / page).read_text(encoding="utf-8"), page)
    return [b for b in blocks if b.info.split(" ", 1)[0] == "python"]


def test_pages_have_examples():
    assert len(PAGES) >= 6
    assert all(examples(page) for page in PAGES if "/notes/" in page)


def shown(block):
    """False for a markdown-exec block that shows only its output (a picture, a sentence)."""
    return 'exec="on"' not in block.info or "source=" in block.info


@pytest.mark.parametrize("page", PAGES)
def test_shown_examples_run_in_page_order(page, tmp_path, monkeypatch):
    """The shown blocks run alone, in order, which is what a reader copies: a hidden rendering
    block must not define anything a later example needs.

    Every block in order, hidden ones included, is what the page's downloadable notebook holds;
    tests/test_browser.py runs each of those notebooks top to bottom, so it is not run again here.
    """
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    namespace = {"__name__": "__main__"}
    for block in examples(page):
        if not shown(block):
            continue
        code = compile("\n".join(block.lines), block.where(), "exec")
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
        except Exception as error:  # report the page and line of the failing block
            pytest.fail(f"{block.where()}: {type(error).__name__}: {error}")


def readme_neuron_svg():
    """The README's picture: the neuron of page 2 after backward(), labelled."""
    from litgrad import Value, draw_graph, to_svg

    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.7, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return to_svg(draw_graph(o))


README_SVG = ROOT / "docs" / "assets" / "neuron-graph.svg"


def test_readme_picture_is_what_draw_graph_draws():
    # Regenerate with: PYTHONPATH=tools .venv/bin/python tests/test_snippets.py
    assert README_SVG.read_text(encoding="utf-8") == readme_neuron_svg()


def test_readme_example_prints_what_its_comment_says():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in parse_blocks(text, "README.md") if b.info == "python"]
    assert blocks, "README.md has no python example"
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\n".join(block.lines), block.where(), "exec"), {})
        promised = [line.split("# ", 1)[1] for line in block.lines if "print(" in line]
        assert out.getvalue().splitlines() == promised


if __name__ == "__main__":
    README_SVG.write_text(readme_neuron_svg(), encoding="utf-8")

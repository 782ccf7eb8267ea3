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


@pytest.mark.parametrize("page", PAGES)
def test_examples_run_in_page_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    namespace = {"__name__": "__main__"}
    for block in examples(page):
        code = compile("\n".join(block.lines), block.where(), "exec")
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
        except Exception as error:  # report the page and line of the failing block
            pytest.fail(f"{block.where()}: {type(error).__name__}: {error}")

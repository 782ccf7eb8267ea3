"""The home page's list of stored figures: a file a page includes that the list leaves out, or one
that does not say when it was measured, fails the build.

The page's hidden block is run here on a copy of the repository's docs/ and benchmarks/, to which
each test adds what the block must refuse.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from tangle import parse_blocks

import litgrad

ROOT = Path(__file__).resolve().parents[1]
PAGE = "docs/index.md"
(BLOCK,) = [
    b
    for b in parse_blocks((ROOT / PAGE).read_text(encoding="utf-8"), PAGE)
    if any("STORED = {" in line for line in b.lines)
]


def run_list(repo: Path, monkeypatch) -> str:
    """Run the block as if the repository were `repo`; return what it printed."""
    monkeypatch.setattr(litgrad, "__file__", str(repo / "src" / "litgrad" / "__init__.py"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(BLOCK.lines), BLOCK.where(), "exec"), {"__name__": "index"})
    return out.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for folder in ("docs", "benchmarks"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.py"))
    return tmp_path


def test_every_stored_file_is_listed_with_its_date(repo, monkeypatch) -> None:
    printed = run_list(repo, monkeypatch)
    items = [line for line in printed.splitlines() if line.startswith("- [")]
    assert len(items) == 5 and all("measured on 20" in line for line in items), printed


def test_a_new_stored_file_left_out_of_the_list_fails(repo, monkeypatch) -> None:
    (repo / "benchmarks" / "new.md").write_text("Measured on 2026-12-05 at 12:00 UTC, 2 cores.\n")
    page = repo / "docs" / "running.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n--8<-- "benchmarks/new.md"\n')
    with pytest.raises(AssertionError, match=r"not listed here: \['benchmarks/new.md'\]"):
        run_list(repo, monkeypatch)


def test_a_stored_file_without_its_date_fails(repo, monkeypatch) -> None:
    (repo / "benchmarks" / "browser.md").write_text("| what | measured |\n| --- | --- |\n")
    with pytest.raises(AssertionError, match="browser.md does not say when and where"):
        run_list(repo, monkeypatch)

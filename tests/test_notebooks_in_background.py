"""tools/notebooks_in_background.py: a notebook run on a thread, and a failing cell reported.

The site's own notebook is run by the build itself (the `site_dir` fixture) and checked in the
built site (tests/test_site_build.py); these tests use small notebooks of their own.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from mkdocs.exceptions import PluginError
from notebooks_in_background import NotebookRun


def _notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_the_executed_copy_has_the_outputs_and_the_source_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("read from the notebook's folder", encoding="utf-8")
    source = _notebook(tmp_path / "ok.ipynb", "x = 6 * 7", "print(x, open('data.txt').read())")
    executed = NotebookRun(source).wait()
    assert executed.name == "ok.ipynb" and executed != source
    outputs = nbformat.read(executed, as_version=4).cells[1].outputs
    assert [o.get("text") for o in outputs] == ["42 read from the notebook's folder\n"]
    assert all(not cell.outputs for cell in nbformat.read(source, as_version=4).cells)


def test_a_failing_cell_fails_with_the_notebook_and_the_error(tmp_path: Path) -> None:
    source = _notebook(tmp_path / "bad.ipynb", "1 / 0")
    with pytest.raises(PluginError, match=r"bad\.ipynb: a cell failed:(.|\n)*ZeroDivisionError"):
        NotebookRun(source).wait()

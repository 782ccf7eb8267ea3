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


def test_notebooks_are_rendered_last_while_they_run(tmp_path: Path, monkeypatch) -> None:
    """mkdocs renders pages in the order of its files, where notebooks/ sorts before notes/: the
    hook starts each notebook's run and moves the notebook to the end, so that the other pages are
    rendered while the kernel works, instead of after it."""
    import notebooks_in_background as hook
    from mkdocs.structure.files import File, Files

    names = ["index.md", "notebooks/moons.ipynb", "notes/01-value.md", "notes/02-neuron.md"]
    for name in names:
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text("", encoding="utf-8")
    files = Files([File(n, str(tmp_path / "docs"), str(tmp_path / "site"), True) for n in names])
    # mkdocs-jupyter makes a notebook a page (its on_files runs before the hooks').
    monkeypatch.setattr(files.get_file_from_path(names[1]), "is_documentation_page", lambda: True)
    started = []
    monkeypatch.setattr(hook, "NotebookRun", lambda source: started.append(source.name))
    monkeypatch.setattr(hook, "_runs", {})
    monkeypatch.setenv("LITGRAD_MKDOCS_DIRTY", "")
    returned = hook.on_files(files, config=None)
    assert [f.src_uri for f in returned] == [names[0], names[2], names[3], names[1]]
    assert started == ["moons.ipynb"] and list(hook._runs) == ["notebooks/moons.ipynb"]

"""mkdocs hook (mkdocs.yml `hooks:`): the notebooks run in the background while the pages build.

mkdocs-jupyter would execute docs/notebooks/*.ipynb when the notebook's page comes up, and the
build would wait for the kernel with a core idle. This hook starts each notebook in its own
kernel as soon as the files are known (on_files), on a thread, so that the kernel works on one
core while markdown-exec runs the pages' examples on the other, and moves the notebooks to the end
of the files, the order in which mkdocs renders pages. When the notebook's page is rendered, last,
it waits for that run and hands mkdocs-jupyter (`execute: false` in mkdocs.yml) the executed copy.
Every build still executes every notebook it renders, from the .ipynb as it is; a cell that fails
fails the build, naming the notebook and the cell. The download link keeps serving the .ipynb as
written, without outputs.

Under `mkdocs serve --dirty`, only a notebook that has changed since its page was last built is
run, as only that page is rendered again.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import nbformat
from mkdocs.exceptions import PluginError
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config.loader import JSONFileConfigLoader

KERNEL = "python3"
# The kernel settings mkdocs-jupyter would read through nbconvert (tools/notebook_kernel.py,
# on_startup).
JUPYTER_CONFIG = JSONFileConfigLoader(
    "jupyter_nbconvert_config.json", path=str(Path(__file__).resolve().parent / "jupyter")
)
CELL_TIMEOUT = 600  # seconds for one cell
_DIRTY = "LITGRAD_MKDOCS_DIRTY"  # set by on_startup; mkdocs reloads this module on each rebuild


class NotebookRun:
    """One notebook executed on a thread into a copy of the same name in a temporary directory."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.tmp = tempfile.TemporaryDirectory(prefix="litgrad-notebook-")
        self.executed = Path(self.tmp.name) / source.name
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"notebook {source.name}")
        self.thread.start()

    def _run(self) -> None:
        try:
            notebook = nbformat.read(self.source, as_version=4)
            NotebookClient(
                notebook,
                config=JUPYTER_CONFIG.load_config(),
                kernel_name=KERNEL,
                timeout=CELL_TIMEOUT,
                allow_errors=False,
                resources={"metadata": {"path": str(self.source.parent)}},  # its folder as cwd
            ).execute()
            nbformat.write(notebook, self.executed)
        except BaseException as error:  # reported by wait(), on the build's own thread
            self.error = error

    def wait(self) -> Path:
        self.thread.join()
        if isinstance(self.error, CellExecutionError):
            raise PluginError(f"{self.source}: a cell failed:\n{self.error}")
        if self.error is not None:
            raise PluginError(f"{self.source}: {type(self.error).__name__}: {self.error}")
        return self.executed


_runs: dict[str, NotebookRun] = {}


def on_startup(command: str, dirty: bool, **kwargs) -> None:
    os.environ[_DIRTY] = "1" if dirty else ""


def on_files(files, config, **kwargs):
    dirty = bool(os.environ.get(_DIRTY))
    notebooks = [f for f in files.documentation_pages() if f.src_uri.endswith(".ipynb")]
    for file in notebooks:
        if not dirty or file.is_modified():
            _runs[file.src_uri] = NotebookRun(Path(file.abs_src_path))
        # mkdocs renders pages in the order of `files` (notebooks/ sorts before notes/), and a
        # notebook's page waits for its run: last, it waits while the other pages are rendered,
        # not before. (The nav, and so the site, keeps its own order.)
        files.remove(file)
        files.append(file)
    return files


def on_pre_page(page, config, files, **kwargs):
    """Runs after mkdocs-jupyter's (hooks come after plugins), which has replaced page.render:
    wrap it so that it converts the executed copy, and the original path is put back for the
    download that mkdocs-jupyter copies after rendering."""
    run = _runs.pop(page.file.src_uri, None)
    if run is None:
        return page
    render = page.render

    def render_executed(*args, **kwargs):
        source = page.file.abs_src_path
        page.file.abs_src_path = str(run.wait())
        try:
            return render(*args, **kwargs)
        finally:
            page.file.abs_src_path = source
            run.tmp.cleanup()

    page.render = render_executed
    return page


def _join_the_rest() -> None:
    """Wait for runs whose page was not rendered, so that no kernel is left running."""
    for run in _runs.values():
        run.thread.join()
        run.tmp.cleanup()
    _runs.clear()


def on_post_build(config, **kwargs) -> None:
    _join_the_rest()


def on_build_error(error, **kwargs) -> None:
    _join_the_rest()

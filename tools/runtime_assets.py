"""mkdocs hook: the files the in-browser runner needs, written into the site after each build.

- Pyodide's runtime and Graphviz compiled to WebAssembly (@viz-js/viz), copied from node_modules/
  (`npm ci` from the committed package-lock.json): the site serves them itself, nothing comes
  from a CDN.
- assets/runner/python.zip: the Python packages the runner imports that Pyodide's npm package
  lacks (it has the standard library and no wheels): litgrad from src/ (just tangled), and the
  pure-Python graphviz, python-markdown and latex2mathml from this build's own environment, with
  tools/mathml.py, so that Markdown output is rendered in the browser as the build renders it.
  The worker unpacks the zip into its file system, so no micropip and no index are needed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import zipfile
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
DEST = "assets/runner"
# What loadPyodide() fetches from its indexURL for the core interpreter (no packages).
PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
# An ES module with its WebAssembly inline: one file, imported by the (module) worker.
VIZ_FILE = "@viz-js/viz/dist/viz.js"
PACKAGES = ["graphviz", "markdown", "latex2mathml"]  # pure Python, from the build's environment
TOOLS_MODULES = ["mathml.py", "browser_session.py"]
_EPOCH = (1980, 1, 1, 0, 0, 0)  # a fixed time in the zip: the same sources give the same bytes


def runtime_files(node_modules: Path) -> dict[str, Path]:
    """Site path -> source file, for the copied runtime; PluginError naming what is missing."""
    files = {f"{DEST}/pyodide/{name}": node_modules / "pyodide" / name for name in PYODIDE_FILES}
    files[f"{DEST}/viz.js"] = node_modules / VIZ_FILE
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise PluginError(
            "the in-browser runner's files are missing (" + ", ".join(missing) + "): run "
            "`make node_modules/.installed` (npm ci from package-lock.json) and build again"
        )
    return files


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise PluginError(f"the runner packs the Python package {name!r}, which is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _distributions(package: str) -> list[importlib.metadata.Distribution]:
    """The installed distributions that provide the import package `package`: the one of the same
    name, as for each package packed here. Only if there is none, importlib's map of every
    distribution, which reads every installed file list, torch's too (0.2 s of each rebuild)."""
    try:
        return [importlib.metadata.distribution(package)]
    except importlib.metadata.PackageNotFoundError:
        names = importlib.metadata.packages_distributions().get(package, [])
        return [importlib.metadata.distribution(name) for name in names]


def pack_python(zip_path: Path, src: Path = ROOT / "src", tools: Path = ROOT / "tools") -> int:
    """Write the runner's Python packages into `zip_path`; return the number of files packed."""
    entries: dict[str, Path] = {}
    litgrad = src / "litgrad"
    if not (litgrad / "__init__.py").is_file():
        raise PluginError(f"{litgrad}/__init__.py not found: tangle the pages first")
    for root_dir, name in [(litgrad, "litgrad")] + [(_package_dir(p), p) for p in PACKAGES]:
        for path in sorted(root_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                entries[f"{name}/{path.relative_to(root_dir).as_posix()}"] = path
    # Their metadata too: latex2mathml asks importlib.metadata for its own version on import.
    for package in PACKAGES:
        for dist in _distributions(package):
            for file in dist.files or []:
                if file.parts[0].endswith(".dist-info") and file.name in ("METADATA", "RECORD"):
                    entries[file.as_posix()] = Path(dist.locate_file(file))
    for module in TOOLS_MODULES:
        entries[module] = tools / module
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname, path in sorted(entries.items()):
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return len(entries)


def _copy_if_changed(source: Path, target: Path) -> None:
    """Copy unless the same file is there already (`mkdocs serve` rebuilds often; 10 MB each)."""
    if target.is_file():
        old, new = target.stat(), source.stat()
        if old.st_size == new.st_size and old.st_mtime_ns == new.st_mtime_ns:
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    root = Path(config.config_file_path).parent
    for site_path, source in runtime_files(root / "node_modules").items():
        _copy_if_changed(source, site / site_path)
    pack_python(site / DEST / "python.zip", root / "src", root / "tools")

"""The small build steps: tools/tangle_on_build.py, notebook_kernel.py, unique_ids.py,
offline_notebooks.py and runtime_assets.py (titles and math: test_hooks.py; the page notebooks:
test_page_notebooks.py; the runner's cells: test_runner_cells.py)."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import notebook_kernel
import pytest
import runtime_assets
import tangle_on_build
from mkdocs.exceptions import PluginError
from offline_notebooks import on_page_content as strip_notebook_cdn
from unique_ids import on_page_content as unique_ids

ROOT = Path(__file__).resolve().parents[1]
F = "```"


def page(src: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_path=src, src_uri=src))


# --- tangle_on_build ----------------------------------------------------------------------------


def write_site(root: Path, page_text: str) -> SimpleNamespace:
    (root / "docs").mkdir()
    (root / "docs/index.md").write_text(page_text)
    (root / "mkdocs.yml").write_text("site_name: t\nnav: [index.md]\n")
    return SimpleNamespace(config_file_path=str(root / "mkdocs.yml"))


def test_tangle_on_build_writes_src_and_forgets_the_imported_package(tmp_path, monkeypatch):
    config = write_site(tmp_path, f"{F} {{.python file=src/litgrad/m.py}}\nx = 1\n{F}\n")
    # Put back the litgrad modules the hook forgets, so that later tests in this process keep
    # using the classes they imported (a second import would make a second `Value` class).
    for name in [m for m in sys.modules if m == "litgrad" or m.startswith("litgrad.")]:
        monkeypatch.setitem(sys.modules, name, sys.modules[name])
    monkeypatch.setitem(sys.modules, "litgrad.stale", SimpleNamespace())
    tangle_on_build.on_pre_build(config)
    assert "x = 1" in (tmp_path / "src/litgrad/m.py").read_text()
    assert "litgrad.stale" not in sys.modules  # the examples import the code just tangled


def test_tangle_on_build_fails_the_build_when_tangling_fails(tmp_path, capsys):
    config = write_site(tmp_path, f"{F} {{.python file=src/m.py}}\n<<missing>>\n{F}\n")
    with pytest.raises(PluginError, match="tools/tangle.py failed"):
        tangle_on_build.on_pre_build(config)
    assert "missing" in capsys.readouterr().err


# --- notebook_kernel ----------------------------------------------------------------------------


def test_the_notebook_kernel_reads_our_jupyter_config_once(monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    notebook_kernel.on_startup()
    notebook_kernel.on_startup()
    paths = os.environ["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert paths == [str(ROOT / "tools/jupyter"), "/elsewhere"]


# --- unique_ids ---------------------------------------------------------------------------------


def test_ids_repeated_by_separate_renderers_become_unique_on_the_page():
    block = '<pre><a id="__codelineno-0-1" href="#__codelineno-0-1"></a></pre>'
    svg = '<svg><g id="graph0"><path fill="url(#a)"/><use href="#graph0"/></g><x id="a"/></svg>'
    out = unique_ids(block + block + svg + svg, page=page("notes/01-value.md"))
    assert out.count('id="__codelineno-0-1"') == 1 and out.count('id="__codelineno-1-1"') == 1
    assert 'id="svg1-graph0"' in out and 'id="svg2-graph0"' in out
    assert 'href="#svg2-graph0"' in out and "url(#svg1-a)" in out


# --- offline_notebooks --------------------------------------------------------------------------


def test_notebook_pages_lose_the_scripts_that_point_at_a_cdn():
    html = (
        '<p>x</p><script src=""> </script>'
        '<script type="module">const m = await import("https://cdn.example/mermaid.js")</script>'
    )
    assert strip_notebook_cdn(html, page=page("notebooks/moons.ipynb")) == "<p>x</p>"
    assert strip_notebook_cdn(html, page=page("notes/01-value.md")) == html


# --- runtime_assets -----------------------------------------------------------------------------


def test_the_runtime_comes_from_node_modules_and_a_missing_file_says_how_to_get_it(tmp_path):
    files = runtime_assets.runtime_files(ROOT / "node_modules")
    assert {"assets/runner/pyodide/pyodide.asm.wasm", "assets/runner/viz.js"} <= set(files)
    assert all(path.is_file() for path in files.values())
    with pytest.raises(PluginError, match=r"make node_modules/\.installed"):
        runtime_assets.runtime_files(tmp_path)


def test_python_zip_holds_litgrad_from_src_its_imports_and_the_runners_module(tmp_path):
    target = tmp_path / "python.zip"
    count = runtime_assets.pack_python(target)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        engine = archive.read("litgrad/engine.py").decode()
    assert count == len(names)
    assert engine == (ROOT / "src/litgrad/engine.py").read_text(encoding="utf-8")
    for package in ("graphviz", "markdown", "latex2mathml"):
        assert f"{package}/__init__.py" in names
    assert {"browser_session.py", "mathml.py"} <= set(names)
    assert any(n.startswith("latex2mathml-") and n.endswith(".dist-info/METADATA") for n in names)
    assert not [n for n in names if "__pycache__" in n]
    again = tmp_path / "again.zip"
    runtime_assets.pack_python(again)
    assert again.read_bytes() == target.read_bytes()  # the same sources, the same bytes


def test_pack_python_without_a_tangled_package_says_so(tmp_path):
    with pytest.raises(PluginError, match="tangle the pages first"):
        runtime_assets.pack_python(tmp_path / "p.zip", src=tmp_path)


def test_post_build_writes_the_runtime_into_the_site(tmp_path):
    site = tmp_path / "site"

    class Config(dict):
        config_file_path = str(ROOT / "mkdocs.yml")

    runtime_assets.on_post_build(Config(site_dir=str(site)))
    wasm = site / "assets/runner/pyodide/pyodide.asm.wasm"
    assert wasm.read_bytes()[:4] == b"\0asm"
    assert (site / "assets/runner/python.zip").is_file()
    before = wasm.stat().st_mtime_ns
    runtime_assets.on_post_build(Config(site_dir=str(site)))  # unchanged: not copied again
    assert wasm.stat().st_mtime_ns == before

"""Every Python example on every page runs as written, in page order, one namespace per page.

This is what a reader does who copies the examples of a page into one session. pytest-markdown-docs
runs each block alone unless it is marked as a continuation, a marker that would clash with
markdown-exec's options on the same fence, so the blocks are collected with the tangler's parser.

A page's main flow (its examples outside boxes and exercises) also runs alone, in a fresh Python
with only what the home page says to install, and an example that needs names from earlier ones
says which in its first line.
"""

import ast
import builtins
import contextlib
import io
import re
import subprocess
import symtable
import sys
from importlib import metadata
from pathlib import Path

import pytest
from tangle import parse_blocks, read_nav

import litgrad

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


_ADMONITION = re.compile(r"^[ \t]*(!!!|\?\?\?)")
_SECTION = re.compile(r"^##[ \t]+(.*?)[ \t#]*$")


def main_flow(page, text=None):
    """The examples of the page's main flow: shown, outside every admonition box ("In the notes",
    a folded solution) and outside the section `## Exercises`; what a reader copies to follow it.
    """
    lines = (text or (ROOT / page).read_text(encoding="utf-8")).splitlines()
    blocks = parse_blocks("\n".join(lines), page)
    fenced = {n for b in blocks for n in range(b.line, b.line + len(b.lines) + 2)}
    section = {}  # line -> the `##` section it is in (a `#` comment in a fence is no heading)
    for number, line in enumerate(lines, start=1):
        heading = None if number in fenced else _SECTION.match(line)
        section[number] = heading[1] if heading else section.get(number - 1)

    def in_box(block):
        for line in reversed(lines[: block.line - 1]):  # the nearest line indented less
            if line.strip() and len(line) - len(line.lstrip()) < len(block.indent):
                return bool(_ADMONITION.match(line))
        return False

    return [
        b
        for b in blocks
        if b.info.split(" ", 1)[0] == "python"
        and shown(b)
        and section[b.line] != "Exercises"
        and not (b.indent and in_box(b))
    ]


def test_main_flow_leaves_out_boxes_exercises_and_hidden_blocks():
    page = """# A page
```python
a = 1
```
!!! warning "In the notes"
    ```python exec="on" source="block"
    b = 2
    ```
1. A list item's example:

    ```python
    # needs a from the block above
    c = a
    ```
```python exec="on" html="1"
print("<p>only a picture</p>")
```
```python exec="on" source="block"
## Exercises (a comment in a block, not a heading)
```
## Exercises
```python
d = 4
```
??? success "Solution"
    ```python
    e = 5
    ```
## After the exercises
```{.python #chunk}
f = 6
```
```python
g = 7
```
"""
    flow = main_flow("page.md", page)
    assert [b.lines[-1] for b in flow] == [
        "a = 1",
        "c = a",
        "## Exercises (a comment in a block, not a heading)",
        "g = 7",
    ]


def read_and_bound(code):
    """(names the code reads from its namespace, names it binds there), by Python's own symbol
    tables: names read inside its functions count, their locals and arguments do not. Flow-blind:
    a name the block binds anywhere is not counted as read from before.
    """
    read, top = set(), symtable.symtable(code, "<example>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    bound |= {s.get_name() for s in top.get_symbols() if s.is_namespace()}  # def, class

    def walk(table):
        for s in table.get_symbols():
            if s.is_referenced() and (table is top or s.is_global()):
                read.add(s.get_name())
        for child in table.get_children():
            walk(child)

    walk(top)
    return read - bound - set(dir(builtins)), bound


_NEEDS = re.compile(r"^# needs (?P<names>[\w, ]+?) from \S")


@pytest.mark.parametrize("page", PAGES)
def test_an_example_that_needs_earlier_names_says_which(page):
    """Each example of the main flow reads only names that earlier ones bind, and if it reads any,
    its first line says which: `# needs x, w from the block above` (CONTRIBUTING.md).
    """
    earlier, previous, problems = set(), set(), []
    for block in main_flow(page):
        read, bound = read_and_bound("\n".join(block.lines))
        if read - earlier:
            problems.append(f"{block.where()}: no earlier example defines {sorted(read - earlier)}")
        note = _NEEDS.match(block.lines[0]) if block.lines else None
        said = set(re.findall(r"\w+", note["names"])) if note else set()
        if said != read:
            want = f"# needs {', '.join(sorted(read))} from ..." if read else "no `# needs` line"
            problems.append(f"{block.where()}: says {sorted(said)}, reads {sorted(read)}: {want}")
        elif note and "from the block above" in block.lines[0] and not read <= previous:
            problems.append(
                f"{block.where()}: {sorted(read - previous)} are not from the block above"
            )
        earlier |= bound
        previous = bound
    assert not problems, "\n".join(problems)


def copy_it_and_run_it():
    """The home page's sentence on what to install before copying examples."""
    text = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    return " ".join(re.search(r"copy it and run it.*?(?:\n\n|\n- )", text, re.S)[0].split())


def named_packages():
    """The packages the home page's `pip install` names besides litgrad (`.`)."""
    command = re.search(r"`pip install ([^`]*)`", copy_it_and_run_it())[1].split()
    return {word for word in command if not word.startswith("-") and word != "."}


def test_the_home_page_names_what_the_examples_need():
    """Everything the shown examples import outside the standard library and litgrad is in the
    home page's `pip install`, and nothing more; Graphviz's `dot` is named if one draws (to_svg).
    """
    imported, draws = set(), False
    for page in PAGES:
        for block in filter(shown, examples(page)):
            for node in ast.walk(ast.parse("\n".join(block.lines))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    imported.add(node.module.split(".")[0])
                draws |= isinstance(node, ast.Name) and node.id == "to_svg"
    assert imported - set(sys.stdlib_module_names) - {"litgrad"} == named_packages()
    assert ("Graphviz" in copy_it_and_run_it()) == draws


# Run in a fresh `python -I` (no PYTHONPATH, no user site, not this process): only the standard
# library, litgrad and what it requires, and the home page's `pip install` can be imported,
# whatever else this environment has. litgrad is the one this test imports (a worktree's).
_FRESH = """
import importlib.abc, runpy, sys
sys.path.insert(0, {src!r})
ALLOWED = set(sys.stdlib_module_names) | {allowed!r}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if "." not in name and name not in ALLOWED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the named install)")
sys.meta_path.insert(0, Refuse())
runpy.run_path(sys.argv[1], run_name="__main__")
"""


@pytest.mark.parametrize("page", [page for page in PAGES if main_flow(page)])
def test_main_flow_runs_in_a_fresh_python(page, tmp_path):
    """The page's main flow, copied in page order into one file, runs in a new Python process
    with only the home page's install: the reader who copies the examples of one page."""
    blocks = main_flow(page)
    script = tmp_path / "flow.py"
    script.write_text("\n\n".join("\n".join(b.lines) for b in blocks) + "\n", encoding="utf-8")
    required = [r for r in metadata.requires("litgrad") if ";" not in r]  # not extras: graphviz
    allowed = {"litgrad", *(re.match(r"[\w-]+", r)[0] for r in required), *named_packages()}
    fresh = _FRESH.format(src=str(Path(litgrad.__file__).parents[1]), allowed=allowed)
    run = subprocess.run(
        [sys.executable, "-I", "-c", fresh, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, f"{page}: its main flow fails when copied:\n{run.stderr[-3000:]}"


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

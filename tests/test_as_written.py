"""litgrad.as_written against the notes' own text: each reproduction is the notes' listing.

The notes' listings are read from the notes (`../shared/seed/` next to the repository, or the file
named by $LITGRAD_NOTES) and compared with the reproductions by their syntax trees, statement by
statement and method by method, so that formatting and comments do not count and anything else
does. Every deliberate difference is applied below by name, with its reason; a reproduction that
drifts from the notes in any other way fails.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import inspect
import io
import os
import sys
import textwrap
from pathlib import Path

import pytest
from runner_cells import MISSING_IN_BROWSER, page_cells

from litgrad import as_written

ROOT = Path(__file__).resolve().parents[1]
NOTES = Path(
    os.environ.get("LITGRAD_NOTES") or ROOT.parent / "shared" / "seed" / "nn-basics-part-2-notes.md"
)
needs_notes = pytest.mark.skipif(
    not NOTES.is_file(), reason=f"the notes are not at {NOTES} (set LITGRAD_NOTES to their path)"
)


def listing(first: str, occurrence: int = 0, stop=lambda line: False) -> str:
    """The notes' indented block that starts at the `occurrence`-th line reading `first`
    (stripped), up to the first line that is not indented by 4 spaces or more, or for which
    `stop(stripped line)` holds; dedented."""
    lines = NOTES.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == first]
    start = starts[occurrence]
    block = []
    for line in lines[start:]:
        if line.strip() and (not line.startswith("    ") or stop(line.strip())):
            break
        block.append(line.rstrip())
    while block and not block[-1]:
        block.pop()
    return textwrap.dedent("\n".join(block))


def statements(source: str) -> list[ast.stmt]:
    return ast.parse(source).body


def dump(node: ast.AST) -> str:
    """The node without docstrings (left out of the comparison: see the module docstring)."""
    node = ast.parse(ast.unparse(node)).body[0] if isinstance(node, ast.stmt) else node
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if (
            isinstance(inner, (ast.FunctionDef, ast.ClassDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            inner.body = body[1:] or [ast.Pass()]
    return ast.dump(node)


MODULE = ast.parse(inspect.getsource(as_written))
FUNCTIONS = {node.name: node for node in MODULE.body if isinstance(node, ast.FunctionDef)}
COMPARED: set[str] = set()  # the reproductions some test below compares with the notes


def body(function: str) -> list[ast.stmt]:
    """The reproduction's statements, its docstring left out."""
    COMPARED.add(function)
    nodes = FUNCTIONS[function].body
    return nodes[1:] if isinstance(nodes[0], ast.Expr) else nodes


def cls(function: str, name: str) -> ast.ClassDef:
    """The class `name` that the reproduction `function` defines."""
    (found,) = [node for node in body(function) if isinstance(node, ast.ClassDef)]
    assert found.name == name
    return found


def methods(node: ast.ClassDef) -> dict[str, str]:
    return {m.name: dump(m) for m in node.body if isinstance(m, ast.FunctionDef)}


def same_class(notes: ast.ClassDef, mine: ast.ClassDef, shown_only=()) -> None:
    """Same name, bases and methods, in order; `shown_only`: methods the notes do not show."""
    assert (notes.name, ast.dump(ast.Tuple(notes.bases))) == (
        mine.name,
        ast.dump(ast.Tuple(mine.bases)),
    )
    theirs, ours = methods(notes), methods(mine)
    assert list(theirs) == [name for name in ours if name not in shown_only]
    for name, tree in theirs.items():
        assert tree == ours[name], f"{mine.name}.{name} differs from the notes"


def same(notes: list[ast.stmt], mine: list[ast.stmt]) -> None:
    assert [dump(s) for s in notes] == [dump(s) for s in mine]


def returned(statement: ast.stmt) -> ast.Return:
    """Difference: a listing's last line, which the notes show the value of (or print), is
    returned by the function that reproduces it."""
    value = statement.value
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "print":
        (value,) = value.args
    return ast.Return(value)


def top_level(source: str) -> list[ast.stmt]:
    """Difference: the notes' `import random` is at the top of the module, not in the listing."""
    return [s for s in statements(source) if not isinstance(s, ast.Import)]


@needs_notes
def test_the_early_class_is_the_notes_add_mul_and_tanh():
    add = statements(listing("def __add__(self,other):"))
    mul = statements(listing("def __mul__(self,other):"))
    tanh = statements(listing("def tanh(self):"))
    notes = ast.ClassDef("value", [], [], add + mul + tanh, [])
    # Difference: the notes show neither the constructor nor __repr__ of this class.
    mine = cls("early_value", "value")
    same_class(notes, mine, shown_only=("__init__", "__repr__"))
    final = methods(cls("final_value", "value"))
    assert methods(mine)["__init__"] == final["__init__"]  # taken from the final listing
    # __repr__ as their printed topological order shows it: data only.
    printed = listing("topo = []", stop=lambda line: line.startswith("["))
    assert "Value(data=-3.0)," in listing("topo = []").replace(printed, "")
    assert as_written.early_value()(-3.0).__repr__() == "Value(data=-3.0)"


@needs_notes
def test_the_values_the_sort_and_the_loop_over_it():
    same(statements(listing("#Inputs x1, x2")), body("values_listing")[:-1])
    by_hand = statements(listing("o.grad = 1.0"))
    # Difference: draw_graph(o), the notes' picture, is left out.
    assert ast.unparse(by_hand[-1]) == "draw_graph(o)"
    same(by_hand[:-1], body("backward_by_hand"))
    topo = statements(listing("topo = []", stop=lambda line: line.startswith("[")))
    same(topo[:-1] + [returned(topo[-1])], body("topological_sort"))
    same(statements(listing("o.grad = 1.0", 1)), body("backward_over"))


@needs_notes
def test_the_final_class_has_exactly_the_notes_methods():
    (notes,) = statements(listing("class value():"))
    same_class(notes, cls("final_value", "value"))
    assert not hasattr(as_written.final_value(), "tanh")


@needs_notes
def test_tanh_from_exp_is_the_notes_two_lines():
    notes = statements(listing("#Inputs x1, x2", 1))
    mine = body("exp_tanh_listing")
    k = next(i for i, s in enumerate(notes) if ast.unparse(s).startswith("e = "))
    same(notes[:k], mine[:k])
    same(notes[k : k + 3], body("tanh_from_exp")[:3])
    assert ast.unparse(mine[k]) == "o = tanh_from_exp(n)"
    # Difference: draw_graph(o), the notes' picture, is left out; `o` is returned instead.
    same(notes[k + 3 : k + 4], mine[k + 1 : k + 2])
    assert ast.unparse(notes[k + 4]) == "draw_graph(o)" and len(notes) == k + 5
    assert ast.unparse(mine[k + 2 :]) == "return o"


@needs_notes
def test_the_first_neuron_and_its_example():
    printed = listing("import random")
    # Difference: the listing starts ` import random`, one space further in than the class, which
    # Python refuses; the space is dropped.
    with pytest.raises(IndentationError):
        ast.parse(printed)
    assert printed.startswith(" import random\n")
    notes = top_level(printed[1:])
    same_class(notes[0], cls("first_neuron", "Neuron"))
    same(notes[1:3] + [returned(notes[3])], body("first_neuron_example"))
    assert ast.unparse(notes[4]) == "Value(data=-0.9084999876662039, grad=0)"  # their output


@needs_notes
def test_the_layer_and_mlp_listings():
    layer = top_level(listing("import random", 1))
    same_class(layer[0], cls("_neuron", "Neuron"))
    same_class(layer[1], cls("layer_listing", "Layer"))
    same(layer[2:4] + [returned(layer[4])], body("layer_example"))
    mlp = top_level(listing("import random", 2))
    same_class(mlp[0], cls("_neuron", "Neuron"))
    same_class(mlp[1], cls("layer_listing", "Layer"))
    same_class(mlp[2], cls("mlp_listing", "MLP"))
    same(mlp[3:5] + [returned(mlp[5])], body("mlp_example"))


@needs_notes
def test_the_mlp_with_prints_prints_what_the_notes_print():
    notes = statements(listing("class MLP:", 1, stop=lambda line: line == "###Print results"))
    same_class(notes[0], cls("mlp_with_prints", "MLP"))
    output = listing("sz=[3, 5, 5, 1]").splitlines()
    namespace = {"MLP": as_written.mlp_with_prints()}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(ast.Module(notes[1:], []), "the notes", "exec"), namespace)
    assert out.getvalue().splitlines() == output


@needs_notes
def test_the_data_the_loss_and_the_update():
    notes = statements(listing("xs = [", stop=lambda line: line.startswith("- ")))
    same(notes, body("inputs_listing")[:-1])
    assert as_written.inputs_listing()[1] == [1.0, -1.0, -1.0, 1.0]
    notes = statements(listing("y_pred = [n(x) for x in xs]", stop=lambda s: s.startswith("- ")))
    same(notes[:2], body("loss_listing")[:-1])
    assert [ast.unparse(s) for s in notes[2:]] == ["loss", "Value(data=0.532236287306165, grad=0)"]
    same(statements(listing("# update parameters")), body("update_listing"))


@needs_notes
def test_the_final_listing():
    notes = statements(listing("class Module:"))
    assert [c.name for c in notes] == ["Module", "Neurons", "Layer", "MLP"]
    mine = [n for n in body("final_listing") if isinstance(n, ast.ClassDef)]
    for theirs, ours in zip(notes, mine, strict=True):
        same_class(theirs, ours)


@needs_notes
def test_the_loop_as_printed_and_as_run():
    printed = listing("for k in range(20):")
    assert printed + "\n" == as_written.TRAINING_LOOP
    error = as_written.loop_error()
    assert isinstance(error, IndentationError)
    # Difference: the one change that makes it run, its body indented under the `for`.
    first, rest = printed.split("\n", 1)
    indented = first + "\n" + textwrap.indent(rest, "    ")
    same(statements(indented), body("training_loop"))
    COMPARED.add("loop_error")


@needs_notes
def test_each_reproduction_names_its_section_of_the_notes():
    text = NOTES.read_text(encoding="utf-8")
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    for name, function in FUNCTIONS.items():
        docstring = ast.get_docstring(function) or ""
        quoted = [h for h in headings if f'"{h}"' in " ".join(docstring.split())]
        assert quoted, f"{name}'s docstring names no section of the notes"


@needs_notes
def test_every_reproduction_is_compared():
    """A new reproduction needs a comparison here; `in_order` only calls the others."""
    for test in [v for k, v in globals().items() if k.startswith("test_the_")]:
        test()
    assert set(FUNCTIONS) - COMPARED == {"in_order"}


PAGES_USING_IT = [
    page.name
    for page in sorted((ROOT / "docs" / "notes").glob("*.md"))
    if "as_written" in page.read_text(encoding="utf-8")
]


@pytest.mark.parametrize("page", PAGES_USING_IT)
def test_a_block_whose_reproduction_needs_numpy_is_marked(page, monkeypatch, tmp_path):
    """In the browser there is no numpy: the runner skips the blocks tools/runner_cells.py marks
    and runs the rest in order. Done here with numpy and matplotlib unimportable, up to the
    page's last block that uses a reproduction: none of those it runs may need them."""
    cells = page_cells((ROOT / "docs" / "notes" / page).read_text(encoding="utf-8"), page)
    last = max(i for i, cell in enumerate(cells) if "as_written" in cell["code"])
    for name in MISSING_IN_BROWSER:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    ran = 0
    try:
        for cell in cells[: last + 1]:
            if cell["needs"]:
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell["code"], f"{page}:{cell['line']}", "exec"), namespace)
            except ImportError as error:
                pytest.fail(f"{page}:{cell['line']} needs {error.name}, but runs in the browser")
            ran += 1
    finally:
        # The page's functions hold the namespace, a cycle: freed now, not by a later collection
        # inside another test that counts the values it frees (tests/test_browser_session.py).
        namespace.clear()
        gc.collect()
    assert ran


def test_only_what_calls_numpy_needs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    value = as_written.final_value()
    assert (value(6.0) / value(3.0)).data == 2.0
    with pytest.raises(ModuleNotFoundError, match=r"np\.exp .* numpy is not installed") as caught:
        value(1.0).exp()
    assert caught.value.name == "numpy"

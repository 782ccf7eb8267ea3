"""The cheat sheet: its table of operations cannot drift from the engine, its slips are real, and
it prints without the site around it.

The page's hidden blocks build and check the tables at build time; here they are run on their own,
then fed a wrong formula, a missing row and a new operation, each of which must fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import re
from pathlib import Path

import pytest
from tangle import parse_blocks
from test_browser import base_url, browser  # noqa: F401 (fixtures: the served site, chromium)

import litgrad.engine as engine
from litgrad import Value, as_written

ROOT = Path(__file__).resolve().parents[1]
PAGE = "docs/cheatsheet.md"
BLOCKS = [b for b in parse_blocks((ROOT / PAGE).read_text(encoding="utf-8"), PAGE)]


def run_block(marker: str) -> tuple[dict, str]:
    """Run the page's block that contains `marker`; return its namespace and what it printed."""
    (block,) = [b for b in BLOCKS if any(marker in line for line in b.lines)]
    namespace = {"__name__": "cheatsheet"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(block.lines), block.where(), "exec", dont_inherit=True), namespace)
    return namespace, out.getvalue()


@pytest.fixture(scope="module")
def ops() -> tuple[dict, str]:
    return run_block("def completeness")


def test_every_node_the_engine_makes_has_a_row(ops) -> None:
    """Read independently of the page: every `_op` written in the engine's source is a row."""
    namespace, printed = ops
    source = inspect.getsource(engine)
    in_source = set(re.findall(r'return Value\(.*, (f?"[^"]+")\)$', source, re.M))
    in_source = {s[1:-1] if s[0] == '"' else s[2:-1] for s in in_source}
    assert in_source == {row.op for row in namespace["OPS"]}
    table = [line for line in printed.splitlines() if line.startswith("| `")]
    assert len(table) == len(namespace["OPS"]) + len(namespace["COMPOSITES"])
    for row in namespace["OPS"]:
        assert f"`{row.op.replace('{k:g}', 'k')}`" in printed


def test_a_wrong_derivative_fails(ops) -> None:
    namespace, _ = ops
    tanh = next(row for row in namespace["OPS"] if row.op == "tanh")
    wrong = dataclasses.replace(tanh, local=lambda k, a: [1 - a**2])  # tanh**2 slipped to a**2
    with pytest.raises(AssertionError, match=r"_local\[0\] is .* the formula gives"):
        namespace["check"](wrong)


def test_a_wrong_formula_that_matches_a_wrong_engine_fails(ops) -> None:
    """An engine and a table wrong in the same way are caught by the central difference."""
    namespace, _ = ops
    square = namespace["Op"](
        "a.square()", ("square",), "sq", "a^2", (("a", "a"),), 1,
        lambda k, a: Value(a.data**2, "", (a,), (a.data,), "sq"),  # local should be 2a
        lambda k, a: a**2,
        lambda k, a: [a],
    )  # fmt: skip
    with pytest.raises(AssertionError, match="the slope is"):
        namespace["check"](square)


def test_a_renamed_node_fails(ops) -> None:
    namespace, _ = ops
    exp = next(row for row in namespace["OPS"] if row.op == "exp")
    with pytest.raises(AssertionError, match="_op is 'exp', not 'EXP'"):
        namespace["check"](dataclasses.replace(exp, op="EXP"))


def test_a_new_operation_fails_until_it_has_a_row(ops, monkeypatch) -> None:
    namespace, _ = ops
    monkeypatch.setattr(Value, "sigmoid", lambda self: 1 / (1 + (-self).exp()), raising=False)
    with pytest.raises(AssertionError, match=r"missing from the cheat sheet: \['sigmoid'\]"):
        namespace["completeness"]()


def test_a_dropped_row_fails(ops, monkeypatch) -> None:
    namespace, _ = ops
    monkeypatch.setitem(namespace, "OPS", [r for r in namespace["OPS"] if r.op != "relu"])
    with pytest.raises(AssertionError, match=r"missing from the cheat sheet: \['relu'\]"):
        namespace["completeness"]()


def test_a_composite_built_otherwise_fails(ops) -> None:
    namespace, _ = ops
    with pytest.raises(AssertionError, match="builds"):
        namespace["composite_ops"](("-a", "__neg__", "0 - a", ["+"]))


def test_the_recipe_lowers_the_loss() -> None:
    namespace = {"__name__": "cheatsheet"}
    (recipe,) = [b for b in BLOCKS if 'source="block"' in b.info]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile("\n".join(recipe.lines), recipe.where(), "exec", dont_inherit=True), namespace)
    losses = [float(line.split()[-1]) for line in out.getvalue().splitlines()]
    assert losses[-1] < losses[0] / 100


def test_each_slip_shows_what_the_notes_code_does() -> None:
    namespace, printed = run_block("SLIPS = [")
    seen = {run.__name__: namespace["symptom"](run) for _, run, _ in namespace["SLIPS"]}
    assert seen["tanh_from_exp"].startswith("OverflowError")
    assert "is inf" in seen["exp_with_numpy"] and "is nan" in seen["exp_with_numpy"]
    assert seen["neuron_of_a_list"].startswith("TypeError")
    assert seen["one_neuron_hidden_layer"].startswith("TypeError")
    assert seen["unindented_loop"].startswith("IndentationError")
    # Page 8 prints the same error: both come from as_written.loop_error(), one computation.
    assert f"line {as_written.loop_error().lineno})" in seen["unindented_loop"]
    assert "(3, 5)" in seen["matrix_shape"]
    assert "with no error" in seen["wrong_length"]
    found = re.search(r"d = (\d+)\\\).* = (\S+)\\\) times .* not (\S+)$", seen["backward_twice"])
    depth, notes, litgrad = found.groups()
    assert float(litgrad) == 2.0 and float(notes) == int(depth) + 1 and int(depth) >= 2
    rows = [
        line for line in printed.splitlines() if line.startswith("| ") and "](../notes/" in line
    ]
    assert len(rows) == len(namespace["SLIPS"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_prints_the_page_alone_in_black_on_white(browser, base_url, scheme) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        tab = context.new_page()
        tab.goto(base_url + "cheatsheet/", wait_until="load")
        assert tab.locator(".md-sidebar--primary").is_visible()  # on screen, the site is there
        tab.emulate_media(media="print")
        for around in (
            ".md-header",
            ".md-sidebar--primary",
            ".md-sidebar--secondary",
            ".md-footer",
        ):
            assert not tab.locator(around).first.is_visible(), f"{around} is printed"
        assert tab.locator("article table").first.is_visible()
        colours = tab.evaluate(
            """() => [getComputedStyle(document.body).backgroundColor,
                      getComputedStyle(document.querySelector("article p")).color]"""
        )
        assert colours[0] == "rgb(255, 255, 255)", colours
        ink = [int(c) for c in re.findall(r"\d+", colours[1])[:3]]
        assert max(ink) < 80, f"text colour {colours[1]} is not dark"
        overflow = tab.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"the printed page is {overflow}px wider than the paper"
        assert tab.pdf(format="A4")[:5] == b"%PDF-"
    finally:
        context.close()

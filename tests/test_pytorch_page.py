"""The page "From litgrad to PyTorch": its stored figures are what its code computes today.

The page shows code from benchmarks/pytorch_compare.py and includes the figures of its last run,
benchmarks/pytorch.json rendered as benchmarks/pytorch.md. These tests run that code again (all
but the timings, and the moons training on litgrad's elementary graph, which only counts its
graph: that run is the slowest, and computes what the fused one does) and compare.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import random
import re
from pathlib import Path

import pytest
import torch

from litgrad import MLP

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "pytorch_compare.py"


def load_script():
    spec = importlib.util.spec_from_file_location("pytorch_compare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare = load_script()
STORED = json.loads(compare.STORED_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rerun() -> dict:
    return compare.figures(timed=False, elementary_run=False)


def test_the_page_promises_1e_12() -> None:
    assert compare.TOLERANCE == 1e-12
    assert "1e-12" in compare.STORED_MD.read_text(encoding="utf-8")


def test_loss_gradients_and_step_agree_to_1e_12(rerun: dict) -> None:
    one = rerun["one_step"]
    assert one["parameters"] == 41  # (3*4 + 4) + (4*4 + 4) + (4*1 + 1)
    for gap in compare.GAPS:
        assert 0 <= one[gap] <= compare.TOLERANCE, f"{gap} = {one[gap]}"
    assert one["loss"][0] > one["loss_after"][0], "the step did not lower the loss"


def _compare(stored, fresh, where="") -> None:
    """Every figure of `fresh` equals the stored one; timings are only checked to exist."""
    if isinstance(stored, dict):
        assert stored.keys() >= fresh.keys(), f"{where}: keys {fresh.keys() - stored.keys()}"
        for key, value in fresh.items():
            _compare(stored[key], value, f"{where}.{key}")
    elif isinstance(stored, list):
        assert len(stored) == len(fresh), where
        for i, (s, f) in enumerate(zip(stored, fresh)):
            _compare(s, f, f"{where}[{i}]")
    elif where.endswith(".seconds"):
        assert fresh is None and stored > 0, where
    elif where.endswith("_gap"):  # rounding noise: what matters is that both are tiny
        assert stored <= compare.TOLERANCE and fresh <= compare.TOLERANCE, where
    elif isinstance(stored, float):
        assert math.isclose(stored, fresh, rel_tol=1e-9, abs_tol=1e-15), (where, stored, fresh)
    else:
        assert stored == fresh, (where, stored, fresh)


def test_stored_figures_match_a_rerun(rerun: dict) -> None:
    _compare(STORED, rerun)


def test_stored_markdown_is_the_rendering_of_the_stored_figures() -> None:
    """pytorch.md is not edited by hand, and it shows the step functions as they are now."""
    assert compare.STORED_MD.read_text(encoding="utf-8") == compare.render(STORED)


def test_stored_run_says_when_and_with_what() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\d at \d\d:\d\d UTC", STORED["when"])
    assert STORED["torch"].split("+")[0] == torch.__version__.split("+")[0]
    moons = STORED["moons"]
    # the page says how many times less CPU time PyTorch took than each litgrad path, and the
    # fused path than the elementary one
    fused, elementary, torch_run = (moons[run]["seconds"] for run in compare.MOONS_RUNS)
    assert torch_run < fused < elementary


def test_the_three_moons_runs_end_where_the_others_do() -> None:
    """The stored moons runs train the same network to the same loss and accuracy; the elementary
    run, which the rerun above skips, is held to the other two here."""
    runs = [STORED["moons"][run] for run in compare.MOONS_RUNS]
    losses = [run["loss"] for run in runs]
    assert max(losses) - min(losses) <= compare.MOONS_TOLERANCE, losses
    assert len({run["accuracy"] for run in runs}) == 1
    # "the same loss with more nodes"; the fused path's "fewer" nodes; PyTorch's node per tensor op
    fused, elementary, torch_run = (run["nodes"] for run in runs)
    assert elementary > fused > torch_run


def test_the_copy_puts_each_weight_where_litgrad_has_it() -> None:
    """A weight nudged by 1e-9 in PyTorch shows up at its litgrad place, and the comparison that
    the page prints sees it: the 1e-12 check can fail."""
    random.seed(0)
    model = MLP(3, [4, 4, 1], activation="tanh")
    net = compare.to_torch(model)
    params = model.parameters()
    with torch.no_grad():
        net[0].weight[1, 2] += 1e-9  # neuron 1 of layer 1, weight 2
        net[0].bias[1] = 123.0
    flat = compare.in_litgrad_order(net, list(net.parameters()))
    assert len(flat) == len(params)
    assert params[6] is model.layers[0].neurons[1].w[2]
    assert params[7] is model.layers[0].neurons[1].b
    assert flat[7] == 123.0
    assert abs(flat[6] - params[6].data) > compare.TOLERANCE
    others = [abs(f - p.data) for i, (f, p) in enumerate(zip(flat, params)) if i not in (6, 7)]
    assert max(others) == 0.0


def test_step_table_pairs_the_same_steps() -> None:
    steps = ["1. forward", "2. zero", "3. backward", "4. update"]
    assert list(compare.step_lines(compare.litgrad_step)) == steps
    assert list(compare.step_lines(compare.torch_step)) == steps
    assert compare.step_lines(compare.torch_step)["4. update"] == ["optimizer.step()"]


def test_built_page_shows_the_code_and_the_figures(site_dir: Path) -> None:
    html = (site_dir / "pytorch" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    for shown in ("def to_torch", "def litgrad_step", "def torch_step", "def moons_torch"):
        assert shown in text, f"the page does not show {shown}"
    assert "--8&lt;--" not in html and "--8<--" not in text, "a snippet was not included"
    assert repr(STORED["one_step"]["loss"][0]) in text
    assert STORED["when"] in text


def test_the_moons_training_is_the_notebooks() -> None:
    """The page calls its moons run the notebook's training: the model, the data, the loss and the
    schedule of benchmarks/pytorch_compare.py are those of docs/notebooks/moons.ipynb."""
    cells = json.loads((ROOT / "docs" / "notebooks" / "moons.ipynb").read_text(encoding="utf-8"))
    notebook = "\n".join("".join(c["source"]) for c in cells["cells"] if c["cell_type"] == "code")
    script = SCRIPT.read_text(encoding="utf-8")
    for line in [
        "make_moons(100, noise=0.1, seed=0)",
        "steps = 100",
    ]:
        assert line in notebook, f"the moons notebook no longer has {line!r}: update {SCRIPT.name}"
    for line in [  # in both, word for word
        "random.seed(0)",
        "MLP(2, [16, 16, 1], fused=True)",
        "total([(1 - yi * si).relu() for yi, si in zip(ys, scores)]) / len(ys)",
        "1e-4 * weighted_sum(params, params)",
        "sum((si.data > 0) == (yi > 0) for yi, si in zip(ys, scores)) / len(ys)",
        "learning_rate = 1.0 - 0.9 * k / steps",
    ]:
        assert line in notebook, f"the moons notebook no longer has {line!r}: update {SCRIPT.name}"
        assert line in script, f"{SCRIPT.name} does not have the notebook's {line!r}"
    assert "def make_moons(n=100, noise=0.1, seed=0)" in script
    body = inspect.getsource(compare.make_moons).splitlines()[2:]  # after the def and docstring
    assert body and all(line in notebook for line in body), "make_moons differs from the notebook"
    assert compare.MOONS_STEPS == 100


def test_each_twin_has_its_models_activation() -> None:
    """The page's table: `MLP(3, [4, 4, 1])` is ReLU (litgrad's default), and so is its twin;
    with `activation="tanh"`, Tanh. Each twin computes what its model computes."""
    layers = [torch.nn.Linear, None, torch.nn.Linear, None, torch.nn.Linear]
    for kwargs, module in [({}, torch.nn.ReLU), ({"activation": "tanh"}, torch.nn.Tanh)]:
        random.seed(0)
        model = MLP(3, [4, 4, 1], **kwargs)
        net = compare.to_torch(model)
        assert [type(m) for m in net] == [kind or module for kind in layers], kwargs
        got = net(torch.tensor(compare.XS, dtype=torch.float64)).squeeze(1).tolist()
        want = [model(x).data for x in compare.XS]
        assert max(abs(g - w) for g, w in zip(got, want)) <= compare.TOLERANCE, kwargs
    page = (ROOT / "docs" / "pytorch.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| `MLP(3, [4, 4, 1])`"))
    assert "ReLU()" in row and "Tanh()" not in row, row


def test_zero_grad_has_litgrads_name_in_pytorch_and_the_loop_is_autograds_engine() -> None:
    """`net.zero_grad()` exists on any torch.nn.Module and sets the gradients to None; the loop
    of backward() is autograd's engine, compiled (torch._C), not a grad_fn."""
    random.seed(0)
    net = compare.to_torch(MLP(3, [4, 4, 1]))
    net(torch.tensor(compare.XS, dtype=torch.float64)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    net(torch.tensor(compare.XS, dtype=torch.float64)).sum().backward()
    optimizer.zero_grad()  # the table's other name: the same effect
    assert all(p.grad is None for p in net.parameters())
    engine = torch.autograd.variable.Variable._execution_engine
    assert type(engine).__module__ == "torch._C"
    assert "_engine_run_backward" in inspect.getsource(torch.autograd.backward)
    page = (ROOT / "docs" / "pytorch.md").read_text(encoding="utf-8")
    assert "`net.zero_grad()`, the same name" in page and "autograd's engine" in page

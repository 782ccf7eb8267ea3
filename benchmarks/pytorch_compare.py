"""litgrad and PyTorch on the same networks: the stored run behind "From litgrad to PyTorch".

Two comparisons, both in float64:

- page 8's `MLP(3, [4, 4, 1], activation="tanh")` on the notes' four examples, copied
  weight for weight into a `torch.nn.Sequential`: one training step each, then the loss, every
  gradient and every updated parameter side by side;
- the moons notebook's training (micrograd's demo network `MLP(2, [16, 16, 1])`, hinge loss and
  L2 penalty, 100 full-batch steps), timed in both: litgrad as the notebook trains it, on the
  fused path (`fused=True`, `total`, `weighted_sum`), and once more on the elementary graph
  (`fused=False`, Python's `sum`), from the same weights.

Run `make pytorch` (or `.venv/bin/python benchmarks/pytorch_compare.py`): it prints the figures
and writes them to `benchmarks/pytorch.json` and, as tables, to `benchmarks/pytorch.md`, which the
page includes. The page shows the code between the `--8<--` markers below, so what it shows is
what ran. Building the site never runs this file (torch is not in the docs extra);
tests/test_pytorch_page.py re-runs it without the timings (and without the slow elementary moons
run, whose final loss it holds to the other two) and fails when the stored figures no longer
match.
"""

from __future__ import annotations

import datetime
import gc
import html
import inspect
import json
import os
import platform
import random
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch

from litgrad import MLP, Value, topo_sort, total, weighted_sum

HERE = Path(__file__).parent
STORED_JSON, STORED_MD = HERE / "pytorch.json", HERE / "pytorch.md"
TOLERANCE = 1e-12  # the largest difference allowed between the two engines, after one step
MOONS_STEPS = 100
MOONS_RUNS = ("litgrad", "litgrad_elementary", "torch")
MOONS_TOLERANCE = 1e-9  # the largest difference allowed between their final losses

# The notes' four examples and their targets (page 8).
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YGT = [1.0, -1.0, -1.0, 1.0]


# --8<-- [start:copy]
ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}  # litgrad's name: PyTorch's module


def to_torch(model):
    """A torch.nn.Sequential computing what the litgrad MLP `model` computes, with its weights
    and its activation (ReLU unless the model was made with activation="tanh")."""
    modules = []
    for i, layer in enumerate(model.layers):
        nin, nout = len(layer.neurons[0].w), len(layer.neurons)
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        with torch.no_grad():  # copying is not part of any graph
            weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if i < len(model.layers) - 1:  # hidden layers only: the last one is linear
            modules.append(ACTIVATIONS[layer.neurons[0].activation]())
    return torch.nn.Sequential(*modules)


def in_litgrad_order(net, tensors):
    """Flatten one tensor per torch parameter (weights or gradients) in litgrad's order:
    layer by layer, neuron by neuron, the neuron's weights and then its bias."""
    weights, biases = tensors[0::2], tensors[1::2]  # Linear's parameters: weight, bias, ...
    return [
        float(x)
        for w, b in zip(weights, biases)
        for row, bias in zip(w.tolist(), b.tolist())
        for x in row + [bias]
    ]


# --8<-- [end:copy]


# --8<-- [start:litgrad-step]
def litgrad_step(model, xs, ygt, learning_rate):
    ypred = [model(x) for x in xs]  # 1. forward, one example at a time
    loss = sum((yout - ytrue) ** 2 for ytrue, yout in zip(ygt, ypred))
    model.zero_grad()  # 2. zero
    loss.backward()  # 3. backward
    for p in model.parameters():  # 4. update
        p.data -= learning_rate * p.grad
    return loss.data


# --8<-- [end:litgrad-step]
# --8<-- [start:torch-step]
def torch_step(net, optimizer, X, Y):
    ypred = net(X).squeeze(1)  # 1. forward, all four examples at once
    loss = ((ypred - Y) ** 2).sum()
    optimizer.zero_grad()  # 2. zero
    loss.backward()  # 3. backward
    optimizer.step()  # 4. update
    return loss.item()


# --8<-- [end:torch-step]


def step_lines(function):
    """The lines of a step function by step: a comment '# 1. forward' starts a step, which runs
    to the next such comment or to the `return`."""
    steps, step = {}, None
    for line in inspect.getsource(function).splitlines()[1:]:
        code, _, comment = line.partition("  # ")
        if code.strip().startswith("return"):
            break
        if comment[:1].isdigit():
            step = " ".join(comment.split()[:2]).rstrip(",")
        steps.setdefault(step, []).append(code[4:])  # less the function body's indentation
    return steps


def one_step(learning_rate=0.05):
    """One step of each engine from the same weights, and the largest differences after it."""
    # --8<-- [start:one-step]
    random.seed(0)
    model = MLP(3, [4, 4, 1], activation="tanh")  # page 8's network
    net = to_torch(model)
    X, Y = torch.tensor(XS, dtype=torch.float64), torch.tensor(YGT, dtype=torch.float64)
    optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)

    loss_litgrad = litgrad_step(model, XS, YGT, learning_rate)
    loss_torch = torch_step(net, optimizer, X, Y)

    params = model.parameters()
    grads_torch = in_litgrad_order(net, [p.grad for p in net.parameters()])
    data_torch = in_litgrad_order(net, list(net.parameters()))
    gradient_gap = max(abs(p.grad - g) for p, g in zip(params, grads_torch))
    parameter_gap = max(abs(p.data - d) for p, d in zip(params, data_torch))
    # --8<-- [end:one-step]
    assert len(grads_torch) == len(params), "the two networks have different parameter counts"
    after = sum((model(x) - y) ** 2 for x, y in zip(XS, YGT)).data
    after_torch = ((net(X).squeeze(1) - Y) ** 2).sum().item()
    return {
        "parameters": len(params),
        "learning_rate": learning_rate,
        "loss": [loss_litgrad, loss_torch],
        "loss_after": [after, after_torch],
        "first_gradient": [params[0].grad, grads_torch[0]],
        "loss_gap": abs(loss_litgrad - loss_torch),
        "gradient_gap": gradient_gap,
        "parameter_gap": parameter_gap,
        "loss_after_gap": abs(after - after_torch),
        "eps": [torch.finfo(torch.float64).eps, torch.finfo(torch.float32).eps],
    }


def grad_fn_names():
    """The tensor version of page 2's neuron, and what PyTorch recorded for its graph."""
    # --8<-- [start:grad-fn]
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(-3.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(6.7, dtype=torch.float64, requires_grad=True)
    o = (x * w + b).tanh()
    o.backward()
    node = o.grad_fn  # what made o: litgrad's o._op and o._local in one object
    below = [type(f).__name__ for f, _ in node.next_functions]  # like o._prev
    # --8<-- [end:grad-fn]
    lx, lw, lb = Value(2.0), Value(-3.0), Value(6.7)
    lo = (lx * lw + lb).tanh()
    lo.backward()
    return {
        "op": lo._op,
        "grad_fn": type(node).__name__,
        "prev_op": "`, `".join(v._op for v in lo._prev),
        "next_functions": below,
        "leaf_prev": repr(lw._prev),
        "leaf_grad_fn": repr(w.grad_fn),
        "w_grad": [lw.grad, w.grad.item()],
    }


def make_moons(n=100, noise=0.1, seed=0):
    """The moons notebook's data: two noisy half circles, labels +1 and -1."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, n // 2)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([np.ones(n // 2), -np.ones(n // 2)])
    return X, y


# --8<-- [start:moons-loss]
def moons_loss(model, xs, ys, fused=True):
    """The moons notebook's loss and training accuracy. fused=True is the notebook's code;
    fused=False adds up the same terms with Python's `sum`, the elementary graph of pages 2 to 8."""
    params = model.parameters()
    scores = [model(x) for x in xs]
    if fused:
        data_loss = total([(1 - yi * si).relu() for yi, si in zip(ys, scores)]) / len(ys)
        penalty = 1e-4 * weighted_sum(params, params)  # the sum of p * p
    else:
        data_loss = sum((1 - yi * si).relu() for yi, si in zip(ys, scores)) / len(ys)
        penalty = 1e-4 * sum(p * p for p in params)
    accuracy = sum((si.data > 0) == (yi > 0) for yi, si in zip(ys, scores)) / len(ys)
    return data_loss + penalty, accuracy


# --8<-- [end:moons-loss]


def moons_litgrad(model, xs, ys, steps, fused=True):
    """The moons notebook's training loop; returns (loss, accuracy) after the last step."""
    params = model.parameters()
    for k in range(steps):
        loss, accuracy = moons_loss(model, xs, ys, fused)
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / steps
        for p in params:
            p.data -= learning_rate * p.grad
    loss, accuracy = moons_loss(model, xs, ys, fused)  # after the last step
    return loss.data, accuracy


# --8<-- [start:moons]
def moons_torch(net, X, Y, steps):
    """The same training with tensors: every point of the batch in one call of `net`."""
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    for k in range(steps + 1):
        scores = net(X).squeeze(1)
        data_loss = torch.relu(1 - Y * scores).mean()
        loss = data_loss + 1e-4 * sum((p * p).sum() for p in net.parameters())
        if k == steps:
            accuracy = ((scores > 0) == (Y > 0)).double().mean()
            return loss.item(), accuracy.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.param_groups[0]["lr"] = 1.0 - 0.9 * k / steps  # the notebook's schedule
        optimizer.step()


# --8<-- [end:moons]


def litgrad_nodes(model, X, y, fused):
    """How many values one step's graph has in litgrad."""
    loss, _ = moons_loss(model, X.tolist(), y.tolist(), fused)
    return len(topo_sort(loss))


def torch_nodes(net, X, y):
    """How many grad_fn objects one step's graph has in PyTorch."""
    X, Y = torch.tensor(X), torch.tensor(y)
    scores = net(X).squeeze(1)
    loss = torch.relu(1 - Y * scores).mean() + 1e-4 * sum((p * p).sum() for p in net.parameters())
    seen, todo = set(), [loss.grad_fn]
    while todo:  # every grad_fn reachable from the loss, each once
        node = todo.pop()
        if node is not None and node not in seen:
            seen.add(node)
            todo.extend(f for f, _ in node.next_functions)
    return len(seen)


def moons(steps=MOONS_STEPS, timed=True, elementary_run=True):
    """Train the moons network from the same weights three times: litgrad on the fused path, as
    the notebook does, litgrad on the elementary graph, and PyTorch; time each run (CPU time of
    this process, one thread, as the machine may be busy with other work; with the objects that
    were alive before each run out of the garbage collector's walks). Without
    `elementary_run`, the slowest of the three, the elementary graph is only counted, not trained:
    it computes what the fused path computes (page 9; tests/test_fused.py)."""
    X, y = make_moons()
    torch.set_num_threads(1)  # tensors this small gain nothing from threads; timings are steadier
    random.seed(0)
    model = MLP(2, [16, 16, 1], fused=True)  # the notebook's network
    random.seed(0)
    elementary = MLP(2, [16, 16, 1])  # the same weights, fused=False
    net = to_torch(model)  # ReLU, as the model
    xs, ys = X.tolist(), y.tolist()
    nodes = {
        "litgrad": litgrad_nodes(model, X, y, fused=True),
        "litgrad_elementary": litgrad_nodes(elementary, X, y, fused=False),
        "torch": torch_nodes(net, X, y),
    }
    runs = {name: {"nodes": count} for name, count in nodes.items()}
    for name, train in [
        ("litgrad", lambda: moons_litgrad(model, xs, ys, steps)),
        ("litgrad_elementary", lambda: moons_litgrad(elementary, xs, ys, steps, fused=False)),
        ("torch", lambda: moons_torch(net, torch.tensor(X), torch.tensor(y), steps)),
    ]:
        if name == "litgrad_elementary" and not elementary_run:
            continue
        # The objects alive before the run, torch's by the hundred thousand, are moved out of the
        # garbage collector's reach: a notebook without torch does not walk them at every full
        # collection, and litgrad's time should not depend on what else this process imported.
        # Each run still pays for collecting the garbage it makes.
        gc.collect()
        gc.freeze()
        start = time.process_time()  # CPU time: other programs on the machine count less
        loss, accuracy = train()
        seconds = time.process_time() - start
        runs[name] |= {"loss": loss, "accuracy": accuracy, "seconds": seconds if timed else None}
    gc.unfreeze()
    parameters = len(model.parameters())
    return {"steps": steps, "points": len(y), "parameters": parameters, **runs}


def figures(timed=True, elementary_run=True):
    """Everything the page shows; only the timings change from one run to the next."""
    return {
        "one_step": one_step(),
        "grad_fn": grad_fn_names(),
        "moons": moons(timed=timed, elementary_run=elementary_run),
    }


def machine():
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"


def render(stored):
    """`stored` (the figures, and where and when they were measured) as Markdown, in sections
    that the page includes one by one."""
    one, names, moon = stored["one_step"], stored["grad_fn"], stored["moons"]
    lit, ele, tor = moon["litgrad"], moon["litgrad_elementary"], moon["torch"]
    steps = moon["steps"]
    ok = "yes" if max(one[k] for k in GAPS) <= TOLERANCE else "**NO**"
    n, below = one["parameters"], "`, `".join(names["next_functions"])
    grad_fn = f"""\
|  | litgrad | PyTorch |
| --- | --- | --- |
| what made `o` | `o._op`: `{names["op"]}` | `o.grad_fn`: `{names["grad_fn"]}` |
| the nodes below it | `o._prev`: `{names["prev_op"]}` | `o.grad_fn.next_functions`: `{below}` |
| a leaf | `w._prev`: `{names["leaf_prev"]}` | `w.grad_fn`: `{names["leaf_grad_fn"]}` |
| `w.grad` after `o.backward()` | {names["w_grad"][0]!r} | {names["w_grad"][1]!r} |
"""
    one_step = f"""\
|  | litgrad | PyTorch | largest difference |
| --- | ---: | ---: | ---: |
| loss before the step | {one["loss"][0]!r} | {one["loss"][1]!r} | {one["loss_gap"]:.1e} |
| first weight's gradient | {one["first_gradient"][0]!r} | {one["first_gradient"][1]!r} | |
| all {n} gradients | | | {one["gradient_gap"]:.1e} |
| all {n} parameters after the step | | | {one["parameter_gap"]:.1e} |
| loss after the step | {one["loss_after"][0]!r} | {one["loss_after"][1]!r} \
| {one["loss_after_gap"]:.1e} |

Learning rate {one["learning_rate"]}, {n} parameters. Every difference at most {TOLERANCE:.0e}: \
{ok}. (The rounding unit of float64 is {one["eps"][0]:.1e}; of float32, PyTorch's default, \
{one["eps"][1]:.1e}.)
"""

    def row(label, cell):  # one row of the moons table: a cell per run
        return f"| {label} | " + " | ".join(cell(run) for run in (lit, ele, tor)) + " |\n"

    moons = (
        f"`MLP(2, [16, 16, 1])`, {moon['parameters']} parameters, {steps} steps on all "
        f"{moon['points']} points, from the same weights:\n\n"
        "|  | litgrad, fused (as the notebook) | litgrad, elementary | PyTorch |\n"
        "| --- | ---: | ---: | ---: |\n"
        + row(f"CPU time for {steps} steps", lambda r: seconds(r["seconds"]))
        + row("CPU time per step", lambda r: seconds(r["seconds"] / steps))
        + row("final loss", lambda r: f"{r['loss']:.10f}")
        + row("training accuracy", lambda r: f"{r['accuracy']:.0%}")
        + row("nodes in one step's graph", lambda r: f"{r['nodes']:,} {UNITS[r is tor]}")
        + f"""
PyTorch needed **{lit["seconds"] / tor["seconds"]:.0f}× less CPU time** than litgrad on the \
fused path, which the notebook trains, and \
**{ele["seconds"] / tor["seconds"]:.0f}× less** than on the elementary graph (the fused path \
itself took {ele["seconds"] / lit["seconds"]:.1f}× less than the elementary one). Measured by \
`benchmarks/pytorch_compare.py` on {stored["when"]}: Python {stored["python"]}, \
torch {stored["torch"]} on one thread, {stored["machine"]}; `gc.freeze()` before each run, so \
that the garbage collector does not walk torch's objects while it times litgrad.
"""
    )
    lit_steps, torch_steps = step_lines(litgrad_step), step_lines(torch_step)
    assert list(lit_steps) == list(torch_steps), "the two step functions differ in their steps"
    steps = "| Step | litgrad | PyTorch |\n| --- | --- | --- |\n" + "".join(
        f"| {step} | {code_cell(lit_steps[step])} | {code_cell(torch_steps[step])} |\n"
        for step in lit_steps
    )
    sections = {"grad-fn": grad_fn, "steps": steps, "one-step": one_step, "moons": moons}
    return "".join(
        f"<!-- --8<-- [start:{name}] -->\n{text}<!-- --8<-- [end:{name}] -->\n"
        for name, text in sections.items()
    )


GAPS = ("loss_gap", "gradient_gap", "parameter_gap", "loss_after_gap")
UNITS = {False: "values", True: "`grad_fn`s"}  # what a node is in litgrad, in PyTorch


def code_cell(lines):
    """Lines of code in one table cell, indentation kept."""
    cells = []
    for line in lines:
        text = line.lstrip(" ")
        indent = "&nbsp;" * (len(line) - len(text))
        cells.append(f"<code>{indent}{html.escape(text)}</code>")
    return "<br>".join(cells)


def seconds(s):
    return f"{s:.2f} s" if s >= 1 else f"{s * 1000:.1f} ms"


def main():
    stored = figures(timed=True)
    gaps = {k: stored["one_step"][k] for k in GAPS}
    if max(gaps.values()) > TOLERANCE:
        sys.exit(f"litgrad and PyTorch disagree by more than {TOLERANCE:.0e}: {gaps}")
    finals = {k: v["loss"] for k, v in stored["moons"].items() if k in MOONS_RUNS}
    if max(finals.values()) - min(finals.values()) > MOONS_TOLERANCE:
        sys.exit(f"the three moons runs end at different losses: {finals}")
    now = datetime.datetime.now(datetime.timezone.utc)
    stored |= {
        "when": now.strftime("%Y-%m-%d at %H:%M UTC"),
        "python": platform.python_version(),
        "torch": version("torch"),
        "machine": machine(),
    }
    STORED_JSON.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    STORED_MD.write_text(render(stored), encoding="utf-8")
    print(render(stored))


if __name__ == "__main__":
    main()

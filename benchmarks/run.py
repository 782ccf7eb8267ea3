"""micrograd 0.1.0 against litgrad on micrograd's own demo step; `make bench` runs this file.

The workload is the training step of micrograd's demo.ipynb, mirrored for every engine: an
`MLP(2, [16, 16, 1])` (and a wider `MLP(2, [64, 64, 1])`) on 100 two-moons points, the max-margin
loss `relu(1 - y * score)` averaged, plus `1e-4 * sum(p * p)`, then `zero_grad`, `backward` and an
SGD update. Three engines run it: micrograd, litgrad with the elementary graph (one node per `*`
and `+`, as micrograd builds it) and litgrad with the fused path (`MLP(..., fused=True)`, `total`
and `weighted_sum`). Every model starts from the same `random.seed`, so all three compute the same
numbers, which is checked before anything is timed.

Timings alternate between the engines, repetition after repetition, and the medians are reported.
Each engine runs its steps in a row, as the demo's training loop does, so a timed step also pays
for collecting the garbage that the step before it left, and never for another engine's garbage.

The table is printed and written, with the date, the Python version and the machine, to
`benchmarks/results.md`, which the page "Going faster" includes; building the site never runs this.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import micrograd.engine
import micrograd.nn
import numpy as np

import litgrad
from litgrad import draw_graph, total, weighted_sum

# CPython's default, which the pages' examples run at too (tools/recursion_limit.py): the table's
# figure is the one that pages 3 and 9 print, whatever limit the process was started with.
DEFAULT_RECURSION_LIMIT = 1000
RESULTS = Path(__file__).with_name("results.md")
SEED = 1337  # the two moons and every model's weights
DEMO, WIDE = [16, 16, 1], [64, 64, 1]
REPEATS = {"demo": (5, 2), "wide": (3, 1)}  # (blocks per engine, timed steps per block)
WIDE_RECURSION_LIMIT = 10_000  # micrograd's recursive sort needs it for the wide network
DEPTH = 1_000_000  # the chain litgrad must handle at the default recursion limit


@dataclass(frozen=True)
class Engine:
    name: str
    value: type
    mlp: Callable  # mlp(nin, nouts) -> a model
    add_up: Callable  # the sum of the per-example losses
    sum_of_squares: Callable  # sum(p * p for p in params)


def _squares(params):
    return sum(p * p for p in params)


MICROGRAD = Engine("micrograd", micrograd.engine.Value, micrograd.nn.MLP, sum, _squares)
LITGRAD = Engine("litgrad", litgrad.Value, litgrad.MLP, sum, _squares)
FUSED = Engine(
    "litgrad, fused",
    litgrad.Value,
    lambda nin, nouts: litgrad.MLP(nin, nouts, fused=True),
    total,
    lambda params: weighted_sum(params, params),  # p . p, one node
)
ENGINES = [MICROGRAD, LITGRAD, FUSED]


# --------------------------------------------------------------------------- the workload


def two_moons(n=100, noise=0.1, seed=SEED):
    """sklearn's make_moons(n, noise=noise), shuffled, in numpy; labels -1 and +1 as in the demo.

    The points and labels come back as Python floats and ints, so that neither engine meets numpy
    scalars in its hot path.
    """
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([-np.ones(n_out, dtype=int), np.ones(n_in, dtype=int)])
    order = rng.permutation(n)
    return X[order].tolist(), y[order].tolist()


def make_model(engine, nouts):
    random.seed(SEED)  # the same weights for every engine: both draw random.uniform(-1, 1)
    return engine.mlp(2, nouts)


def demo_loss(engine, model, X, y):
    """The `loss()` of micrograd's demo.ipynb (whole batch), written once for every engine."""
    inputs = [list(map(engine.value, xrow)) for xrow in X]
    # forward the model to get scores
    scores = list(map(model, inputs))
    # svm "max-margin" loss
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = engine.add_up(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * engine.sum_of_squares(model.parameters())
    total_loss = data_loss + reg_loss
    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def timed_step(engine, model, X, y, k):
    """One step of the demo's training loop; returns (forward, backward, step) seconds, loss."""
    t0 = time.perf_counter()
    loss, _ = demo_loss(engine, model, X, y)
    t1 = time.perf_counter()
    model.zero_grad()
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    value = loss.data
    del loss  # litgrad's graph is freed here; micrograd's cycles wait for the collector
    t4 = time.perf_counter()
    return t1 - t0, t3 - t2, t4 - t0, value


@contextlib.contextmanager
def recursion_limit(limit):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def limit_for(engine, nouts):
    wide = engine is MICROGRAD and nouts == WIDE
    return WIDE_RECURSION_LIMIT if wide else DEFAULT_RECURSION_LIMIT


# --------------------------------------------------------------------------- measurements


def agreement(nouts):
    """Largest difference between the engines' losses and gradients, micrograd's as reference."""
    X, y = two_moons()
    results = []
    for engine in ENGINES:
        model = make_model(engine, nouts)
        with recursion_limit(limit_for(engine, nouts)):
            loss, _ = demo_loss(engine, model, X, y)
            loss.backward()
        results.append((loss.data, [p.grad for p in model.parameters()]))
        del loss
        gc.collect()
    (ref_loss, ref_grads), *others = results
    loss_diff = max(abs(loss - ref_loss) for loss, _ in others)
    grad_diff = max(abs(g - r) for _, grads in others for g, r in zip(grads, ref_grads))
    fused_loss_diff = abs(results[2][0] - results[1][0])
    fused_grad_diff = max(abs(f - e) for f, e in zip(results[2][1], results[1][1]))
    return loss_diff, grad_diff, fused_loss_diff, fused_grad_diff


def timings(nouts, repeats, block):
    """Median forward, backward and step seconds per engine, in blocks of steps that alternate.

    A block is one untimed step and then `block` timed ones, all in a row as in a training loop: the
    untimed step leaves the garbage that a previous step leaves, so every timed step pays for
    collecting one step's garbage, as it would in the demo's loop. Between blocks an untimed
    `gc.collect()` clears what the previous engine left, so that no engine pays for another's.
    """
    X, y = two_moons()
    models = {engine.name: make_model(engine, nouts) for engine in ENGINES}
    runs = {engine.name: [] for engine in ENGINES}
    for k in range(repeats):
        first = k % len(ENGINES)
        for engine in ENGINES[first:] + ENGINES[:first]:  # a different engine goes first each time
            model, step = models[engine.name], k * (block + 1)
            gc.collect()
            with recursion_limit(limit_for(engine, nouts)):
                timed_step(engine, model, X, y, step)
                for i in range(1, block + 1):
                    runs[engine.name].append(timed_step(engine, model, X, y, step + i))
        print(f"  MLP(2, {nouts}): repetition {k + 1} of {repeats}", file=sys.stderr)
    losses = [[run[3] for run in r] for r in runs.values()]
    assert all(abs(a - b) < 1e-9 for other in losses for a, b in zip(other, losses[0]))
    return {
        name: [statistics.median(run[i] for run in r) for i in range(3)] for name, r in runs.items()
    }


def micrograd_fails_at_default_limit(nouts):
    """(whether micrograd's backward() raises RecursionError at the default limit, parameters)"""
    X, y = two_moons()
    model = make_model(MICROGRAD, nouts)
    n_params = len(model.parameters())
    gc.disable()  # only the error matters here, not the time
    try:
        loss, _ = demo_loss(MICROGRAD, model, X, y)
        try:
            loss.backward()
        except RecursionError:
            return True, n_params
        return False, n_params
    finally:
        del model
        gc.enable()
        gc.collect()


def gc_share(engine, nouts):
    """The share of a training step (the second in a row) spent inside the cyclic collector."""
    X, y = two_moons()
    model = make_model(engine, nouts)
    spent, started = [0.0], [0.0]

    def callback(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.collect()
    timed_step(engine, model, X, y, 0)  # leaves a step's garbage, as in a training loop
    gc.callbacks.append(callback)
    try:
        step = timed_step(engine, model, X, y, 1)[2]
    finally:
        gc.callbacks.remove(callback)
    return spent[0] / step


def count_values(root):
    """Every value in the graph of `root` (either engine), counted without recursion."""
    seen, stack = {root}, [root]
    while stack:
        for operand in stack.pop()._prev:
            if operand not in seen:
                seen.add(operand)
                stack.append(operand)
    return len(seen)


def memory(engine, nouts):
    """(bytes, values) that building one step's graph allocates; parameters existed before."""
    X, y = two_moons()
    model = make_model(engine, nouts)
    gc.collect()
    tracemalloc.start()
    loss, _ = demo_loss(engine, model, X, y)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    created = count_values(loss) - len(model.parameters())
    del loss
    gc.collect()
    return size, created


def micrograd_chain_ok(n):
    x, y = micrograd.engine.Value(1.0), micrograd.engine.Value(0.5)
    for _ in range(n):
        y = y + x
    try:
        y.backward()
    except RecursionError:
        return False
    return x.grad == n


def deepest(ok):
    """The largest n with ok(n), by doubling from 64 and then bisecting."""
    good, n = 0, 64
    while ok(n):
        good, n = n, 2 * n
    bad = n
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if ok(mid) else (good, mid)
    return good


def litgrad_depth(n=DEPTH):
    """Backward through, then draw (a graphviz.Digraph, not rendered), a chain of n additions."""
    x, y = litgrad.Value(1.0), litgrad.Value(0.5)
    for _ in range(n):
        y = y + x
    t0 = time.perf_counter()
    y.backward()
    t1 = time.perf_counter()
    assert x.grad == n, x.grad
    dot = draw_graph(y)
    t2 = time.perf_counter()
    assert len(dot.body) == 5 * n + 2  # per addition: 2 nodes, 3 edges; plus the two leaves
    return t1 - t0, t2 - t1


# --------------------------------------------------------------------------- the report


def machine():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.platform()}; {cpu}; {os.cpu_count()} cores"


def ms(seconds):
    return f"{seconds * 1e3:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def ratio(reference, x, word=""):
    """`reference / x` as "12.3× word", or "the same" when they are equal."""
    if reference == x:
        return "the same"
    return f"{reference / x:,.1f}× {word}".rstrip()


def main():
    started = time.perf_counter()

    def say(what):
        print(f"benchmark, {time.perf_counter() - started:4.0f} s: {what}", file=sys.stderr)

    now = datetime.datetime.now(datetime.timezone.utc)
    say("checking that the engines agree")
    loss_diff, grad_diff, fused_loss_diff, fused_grad_diff = agreement(DEMO)
    say("timing the demo step")
    demo = timings(DEMO, *REPEATS["demo"])
    say("timing the wide network")
    with recursion_limit(DEFAULT_RECURSION_LIMIT):
        wide_fails, wide_params = micrograd_fails_at_default_limit(WIDE)
    wide = timings(WIDE, *REPEATS["wide"])
    say("garbage collector and memory")
    shares = {e.name: gc_share(e, DEMO) for e in ENGINES}
    mem = {e.name: memory(e, DEMO) for e in ENGINES}
    say("depth")
    with recursion_limit(DEFAULT_RECURSION_LIMIT):
        micro_depth = deepest(micrograd_chain_ok)
        depth_backward, depth_draw = litgrad_depth()
    gc.collect()
    say("done")

    m, lit, fus = (e.name for e in ENGINES)
    demo_n, wide_n = (blocks * block for blocks, block in REPEATS.values())
    rows = []

    def timing_row(label, table, i):
        t = [table[name][i] for name in (m, lit, fus)]
        rows.append([label, *map(ms, t), ratio(t[0], t[1], "faster"), ratio(t[0], t[2], "faster")])

    timing_row("demo step: `MLP(2, [16, 16, 1])`, 100 points, forward + backward + update", demo, 2)
    timing_row("forward alone (the loss)", demo, 0)
    timing_row("backward alone (`loss.backward()`)", demo, 1)
    timing_row("step of `MLP(2, [64, 64, 1])`" + (" ¹" if wide_fails else ""), wide, 2)
    share = [f"{shares[name]:.0%}" for name in (m, lit, fus)]
    rows.append(["time spent in the garbage collector, demo step", *share, "", ""])
    created = [mem[name][1] for name in (m, lit, fus)]
    rows.append(
        [
            "values created by one demo step",
            *(f"{n:,}" for n in created),
            ratio(created[0], created[1], "fewer"),
            ratio(created[0], created[2], "fewer"),
        ]
    )
    per_value = [mem[name][0] / mem[name][1] for name in (m, lit, fus)]
    rows.append(
        [
            "memory per value (tracemalloc, building one step's graph)",
            *(f"{b:,.0f} bytes" for b in per_value),
            ratio(per_value[0], per_value[1], "less"),
            "",
        ]
    )
    per_step = [mem[name][0] for name in (m, lit, fus)]
    rows.append(
        [
            "memory for one step's graph",
            *(f"{b / 1e6:,.1f} MB" for b in per_step),
            ratio(per_step[0], per_step[1], "less"),
            ratio(per_step[0], per_step[2], "less"),
        ]
    )
    limit = f"{DEFAULT_RECURSION_LIMIT:,}"
    reached = f"{DEPTH:,} ✓ ({depth_backward:.1f} s)"
    rows.append(
        [
            f"deepest chain for `backward()` at the default recursion limit ({limit})",
            f"{micro_depth:,}",
            reached,
            "the same engine",
            "",
            "",
        ]
    )
    rows.append(
        [
            "deepest chain for `draw_graph` (a `graphviz.Digraph`, not rendered)",
            "no drawing function ²",
            f"{DEPTH:,} ✓ ({depth_draw:.1f} s)",
            "the same function",
            "",
            "",
        ]
    )

    header = ["", "micrograd 0.1.0", "litgrad", "litgrad, fused", "litgrad vs micrograd"]
    header.append("fused vs micrograd")
    lines = [
        f"Measured by `make bench` (`benchmarks/run.py`) on {now:%Y-%m-%d at %H:%M} UTC.",
        "",
        f"- Python: {platform.python_version()} ({platform.python_implementation()}); "
        f"micrograd {version('micrograd')}, numpy {np.__version__}",
        f"- Machine: {machine()}",
        f"- Timings: the median of {demo_n} steps ({wide_n} for the wide network), each engine "
        "in turn running an untimed step and then timed ones in a row, as in a training loop.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
    notes = []
    if wide_fails:
        notes.append(
            f"¹ At the default recursion limit micrograd's `backward()` raises `RecursionError` "
            f"on this loss (the sum of the {wide_params:,} squared parameters is a chain deeper "
            f"than {limit}); it ran with `sys.setrecursionlimit({WIDE_RECURSION_LIMIT:_})`."
        )
    notes.append(
        "² micrograd 0.1.0 ships no drawing function; its `draw_dot` lives in a notebook and "
        "sorts recursively, like its `backward()`."
    )
    for note in notes:
        lines += [note, ""]

    t = {name: demo[name][2] for name in (m, lit, fus)}
    t_wide = {name: wide[name][2] for name in (m, lit, fus)}
    targets = [
        (
            "demo step, elementary graph: at least 5× faster than micrograd",
            t[m] / t[lit] >= 5,
            ratio(t[m], t[lit]),
        ),
        (
            "demo step, fused: at least 30× faster than micrograd",
            t[m] / t[fus] >= 30,
            ratio(t[m], t[fus]),
        ),
        (
            "`MLP(2, [64, 64, 1])` step, fused: at least 30× faster",
            t_wide[m] / t_wide[fus] >= 30,
            ratio(t_wide[m], t_wide[fus]),
        ),
        (
            "memory: at most 200 bytes per value (elementary graph)",
            per_value[1] <= 200,
            f"{per_value[1]:.0f} bytes",
        ),
        (
            "fused and elementary: the same loss and gradients to 1e-12",
            max(fused_loss_diff, fused_grad_diff) <= 1e-12,
            f"loss {fused_loss_diff:.1e}, gradients {fused_grad_diff:.1e}",
        ),
        (
            f"depth {DEPTH:,} at the default recursion limit, `backward()` and `draw_graph`",
            True,
            "both",
        ),
    ]
    lines += [
        "| target | measured | met |",
        "| --- | ---: | :---: |",
        *(f"| {what} | {got} | {'yes' if ok else '**no**'} |" for what, ok, got in targets),
        "",
        f"All three engines compute the same numbers: the largest difference from micrograd's loss "
        f"is {loss_diff:.1e}, from its gradients {grad_diff:.1e}.",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    elapsed = time.perf_counter() - started
    print(f"written to {RESULTS} in {elapsed:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()

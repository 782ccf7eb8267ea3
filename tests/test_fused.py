"""The fused path (docs/notes/09-faster.md): `weighted_sum`, `total` and `MLP(..., fused=True)`."""

import math
import random

import numpy as np
import pytest
from conftest import DEFAULT_RECURSION_LIMIT

from litgrad import MLP, Neuron, Value, draw_graph, topo_sort, total, weighted_sum

TOL = 1e-12


def close(a, b):
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def grads(values):
    return [v.grad for v in values]


def run_both(build, seed, nin, nouts, activation, fused_loss=False):
    """(loss, gradients) of the elementary and of the fused network built from the same seed."""
    found = []
    for fused in (False, True):
        random.seed(seed)
        model = MLP(nin, nouts, activation=activation, fused=fused)
        loss = build(model, fused and fused_loss)
        loss.backward()
        found.append((loss.data, grads(model.parameters())))
    return found


# --------------------------------------------------------------------------- fused = elementary


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fused_mlp_gives_the_same_outputs_and_gradients(seed, activation):
    rng = random.Random(100 + seed)
    nin = rng.randint(1, 5)
    nouts = [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]
    points = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(4)]
    as_values = seed % 2 == 1  # inputs as Values (they get gradients too) or plain floats
    inputs = {}

    def loss_of(model, _):
        rows = [[Value(x) for x in row] if as_values else row for row in points]
        inputs[model] = [x for row in rows for x in row] if as_values else []
        outs = [model(row) for row in rows]
        outs = [o for out in outs for o in (out if isinstance(out, list) else [out])]
        return sum(o * o * 0.5 + o for o in outs)

    found = []
    for fused in (False, True):
        random.seed(seed)
        model = MLP(nin, nouts, activation=activation, fused=fused)
        loss = loss_of(model, fused)
        loss.backward()
        found.append((loss.data, grads(model.parameters()), grads(inputs[model])))
    (loss_e, grads_e, in_e), (loss_f, grads_f, in_f) = found
    assert close(loss_e, loss_f)
    assert len(grads_e) == len(grads_f) and all(map(close, grads_e, grads_f))
    assert len(in_e) == len(in_f) and all(map(close, in_e, in_f))


def test_fused_neuron_builds_one_node_for_its_sum():
    random.seed(0)
    n = Neuron(4, fused=True)
    out = n([1.0, -2.0, 0.5, 3.0])
    assert out._op == "relu"
    (s,) = out._prev
    assert s._op == "Σw·x"
    assert s._prev == (n.b, *n.w)  # the plain-number inputs are not operands
    assert s._local == (1.0, 1.0, -2.0, 0.5, 3.0)
    assert all(not v._prev for v in s._prev)


def test_fused_is_off_by_default_and_passed_down_to_every_neuron():
    random.seed(0)
    assert not Neuron(2).fused
    assert not any(n.fused for layer in MLP(2, [3, 1]).layers for n in layer.neurons)
    model = MLP(2, [3, 3, 1], fused=True)
    assert all(n.fused for layer in model.layers for n in layer.neurons)
    assert repr(model) == repr(MLP(2, [3, 3, 1]))


def two_moons(n=100, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, np.pi, n // 2)
    X = np.concatenate(
        [np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = [-1] * (n // 2) + [1] * (n // 2)
    return X.tolist(), y


def demo_loss(model, fused):
    """micrograd's demo loss; the fused version adds up with `total` and `weighted_sum`."""
    X, y = two_moons()
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    params = model.parameters()
    if fused:
        return total(losses) * (1.0 / len(losses)) + 1e-4 * weighted_sum(params, params)
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)


@pytest.mark.parametrize("nouts", [[16, 16, 1], [8, 1]])
def test_fused_demo_loss_gives_the_same_loss_and_gradients(nouts):
    (loss_e, grads_e), (loss_f, grads_f) = run_both(demo_loss, 3, 2, nouts, "relu", True)
    assert close(loss_e, loss_f)
    assert all(map(close, grads_e, grads_f))
    assert any(g != 0.0 for g in grads_f)


def test_fused_training_follows_the_elementary_one():
    found = []
    for fused in (False, True):
        random.seed(5)
        model = MLP(2, [8, 8, 1], fused=fused)
        for k in range(5):
            loss = demo_loss(model, fused)
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= (1.0 - 0.9 * k / 100) * p.grad
        found.append([p.data for p in model.parameters()])
    assert all(map(close, *found))


# --------------------------------------------------------------------------- weighted_sum, total


def test_weighted_sum_matches_the_chain_of_products_and_sums():
    w = [Value(0.5), Value(-1.0), Value(2.0)]
    x = [Value(1.5), Value(3.0), Value(-0.5)]
    b = Value(0.25)
    s = weighted_sum(w, x, b)
    chain = sum((wi * xi for wi, xi in zip(w, x)), b)
    assert s.data == chain.data  # the same additions in the same order
    assert s._prev == (b, w[0], x[0], w[1], x[1], w[2], x[2])
    s.backward()
    fused = grads(w + x + [b])
    for v in w + x + [b]:
        v.grad = 0.0
    chain.backward()
    assert fused == grads(w + x + [b])


def test_plain_number_inputs_contribute_data_only():
    w = [Value(2.0), Value(-3.0)]
    s = weighted_sum(w, [4, np.float64(0.5)], 1)  # ints and numpy scalars too
    assert s.data == 1 + 8.0 - 1.5
    assert s._prev == tuple(w) and s._local == (4.0, 0.5)
    assert all(type(local) is float for local in s._local)
    s.backward()
    assert grads(w) == [4.0, 0.5]

    x = [Value(1.0), Value(2.0)]
    s = weighted_sum([3.0, -1.0], x)  # plain weights, Value inputs
    assert s._prev == tuple(x) and s._local == (3.0, -1.0) and s.data == 1.0

    constant = weighted_sum([1.0, 2.0], [3.0, 4.0], 0.5)
    assert constant.data == 11.5 and constant._prev == ()

    t = total([Value(1.0), 2, np.float32(0.5)])
    assert t.data == 3.5 and len(t._prev) == 1


def test_repeated_operands_each_count():
    a = Value(3.0)
    s = weighted_sum([a, a], [a, 2.0])  # a*a + 2a
    assert s.data == 15.0 and s._prev == (a, a, a)
    s.backward()
    assert a.grad == 2 * 3.0 + 2.0

    p = [Value(3.0), Value(-2.0)]
    squares = weighted_sum(p, p)
    squares.backward()
    assert squares.data == 13.0 and grads(p) == [6.0, -4.0]

    b = Value(-1.0)
    t = total([a, b, a, a])
    a.grad = 0.0
    t.backward()
    assert t.data == 8.0 and (a.grad, b.grad) == (3.0, 1.0)


def test_empty_lists():
    zero = weighted_sum([], [])
    assert zero.data == 0.0 and zero._prev == ()
    b = Value(1.5)
    only_bias = weighted_sum([], [], b)
    assert only_bias.data == 1.5 and only_bias._prev == (b,)
    only_bias.backward()
    assert b.grad == 1.0
    nothing = total([])
    assert nothing.data == 0.0 and nothing._prev == () and nothing._local == ()
    nothing.backward()
    assert nothing.grad == 1.0


def test_any_iterable_is_read_once():
    w = [Value(1.0), Value(2.0)]
    s = weighted_sum((v for v in w), iter([3.0, 4.0]))
    assert s.data == 11.0
    assert total(v for v in w).data == 3.0
    assert weighted_sum(w, np.array([1.0, 1.0])).data == 3.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: weighted_sum([Value(1.0)], [1.0, 2.0]), ValueError, "1 weights and 2 inputs"),
        (lambda: weighted_sum([Value(1.0)], ["2"]), TypeError, "each input must be a Value or"),
        (lambda: weighted_sum([None], [1.0]), TypeError, "each weight must be a Value or"),
        (lambda: weighted_sum([Value(1.0)], [True]), TypeError, "got bool: True"),
        (lambda: weighted_sum([1.0], [1.0], "b"), TypeError, "the bias must be a Value or"),
        (lambda: weighted_sum(Value(1.0), [1.0]), TypeError, "weights must be a list"),
        (lambda: weighted_sum([1.0], 2.0), TypeError, "inputs must be a list"),
        (lambda: weighted_sum("ab", [1.0, 2.0]), TypeError, "weights must be a list"),
        (lambda: total(3.0), TypeError, "values must be a list of Values or numbers"),
        (lambda: total([Value(1.0), "x"]), TypeError, "each value must be a Value or"),
        (lambda: total([[Value(1.0)]]), TypeError, "got list"),
    ],
)
def test_bad_inputs_are_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- depth


def test_draw_graph_builds_a_digraph_far_deeper_than_the_recursion_limit(default_recursion_limit):
    """backward() through a chain 200 times the limit is tested in test_engine.py; here the
    picture's graph, built with no recursion: 20 times the limit shows it in a tenth of the time."""
    depth = 20 * DEFAULT_RECURSION_LIMIT
    x, y = Value(1.0), Value(0.5)
    for _ in range(depth):
        y = y + x
    dot = draw_graph(y)  # builds the graphviz source; rendering it is not the point
    assert len(dot.body) == 5 * depth + 2  # per addition: a record, an op node, three edges
    assert sum("->" in line for line in dot.body) == 3 * depth


def test_fused_nodes_chain_as_deep_as_any(default_recursion_limit):
    depth = 200_000
    x, y = Value(1.0), Value(0.0)
    for _ in range(depth):
        y = total([y, x])
    y.backward()
    assert x.grad == depth and len(topo_sort(y)) == depth + 2

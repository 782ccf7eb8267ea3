"""The contract of `litgrad.engine`: construction, arithmetic, errors, backward, determinism."""

import math
import operator
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import DEFAULT_RECURSION_LIMIT

import litgrad
from litgrad.engine import Value, topo_sort


def _num(x):
    """A regex matching the number `x` as an error message may print it: repr, str or :g."""
    forms = {repr(x), str(x), f"{x:g}", repr(float(x)), f"{float(x):g}"}
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def _mentions(*patterns):
    """A regex (for `pytest.raises(match=...)`) that matches when every pattern occurs somewhere."""
    return "(?s)^" + "".join(f"(?=.*{p})" for p in patterns)


# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    "data",
    [
        0,
        3,
        -7,
        2.5,
        -0.125,
        10**20,
        np.float16(0.5),
        np.float32(1.5),
        np.float64(-2.25),
        np.int8(-3),
        np.int32(7),
        np.int64(3),
        np.uint8(200),
    ],
    ids=repr,
)
def test_data_is_stored_as_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)
    assert v.grad == 0.0
    assert v._prev == ()


@pytest.mark.parametrize(
    "bad",
    [
        True,
        False,
        np.True_,
        np.bool_(False),
        "1.0",
        None,
        [1.0],
        (1.0,),
        1j,
        complex(2, 0),
        np.complex128(1.0),
        Value(1.0),
        np.array(1.0),
        np.array([1.0]),
    ],
    ids=lambda b: f"{type(b).__name__}:{b!r}",
)
def test_data_of_the_wrong_type_raises_typeerror_naming_it(bad):
    with pytest.raises(TypeError, match=rf"\b{re.escape(type(bad).__name__)}\b"):
        Value(bad)


def test_repr():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-3)) == "Value(data=-3.0, grad=0.0)"


# --------------------------------------------------------------------------- mixed arithmetic

L2 = math.log(2.0)
L3 = math.log(3.0)

# (expression of a = Value(3.0), expected data, expected a.grad)
MIXED = {
    "a + 2": (lambda a: a + 2, 5.0, 1.0),
    "2 + a": (lambda a: 2 + a, 5.0, 1.0),
    "a + 0.5": (lambda a: a + 0.5, 3.5, 1.0),
    "a - 2": (lambda a: a - 2, 1.0, 1.0),
    "2 - a": (lambda a: 2 - a, -1.0, -1.0),
    "a * 2": (lambda a: a * 2, 6.0, 2.0),
    "2 * a": (lambda a: 2 * a, 6.0, 2.0),
    "a / 2": (lambda a: a / 2, 1.5, 0.5),
    "2 / a": (lambda a: 2 / a, 2.0 / 3.0, -2.0 / 9.0),
    "-a": (lambda a: -a, -3.0, -1.0),
    "a ** 2": (lambda a: a**2, 9.0, 6.0),
    "a ** 2.0": (lambda a: a**2.0, 9.0, 6.0),
    "a ** -1": (lambda a: a**-1, 1.0 / 3.0, -1.0 / 9.0),
    "a ** 0.5": (lambda a: a**0.5, math.sqrt(3.0), 0.5 / math.sqrt(3.0)),
    "a ** 0": (lambda a: a**0, 1.0, 0.0),
    "2 ** a": (lambda a: 2**a, 8.0, 8.0 * L2),
    "2.5 ** a": (lambda a: 2.5**a, 2.5**3, 2.5**3 * math.log(2.5)),
    "np.float64(2) * a": (lambda a: np.float64(2) * a, 6.0, 2.0),
    "np.float64(2) + a": (lambda a: np.float64(2) + a, 5.0, 1.0),
    "np.float32(2) - a": (lambda a: np.float32(2) - a, -1.0, -1.0),
    "np.int64(2) / a": (lambda a: np.int64(2) / a, 2.0 / 3.0, -2.0 / 9.0),
    "np.float64(2) ** a": (lambda a: np.float64(2) ** a, 8.0, 8.0 * L2),
    "a * np.int64(2)": (lambda a: a * np.int64(2), 6.0, 2.0),
    "a ** np.int64(2)": (lambda a: a ** np.int64(2), 9.0, 6.0),
}


@pytest.mark.parametrize("name", list(MIXED))
def test_mixed_arithmetic(name):
    fn, data, grad = MIXED[name]
    a = Value(3.0)
    out = fn(a)
    assert isinstance(out, Value)
    assert type(out.data) is float
    assert math.isclose(out.data, data, rel_tol=1e-15, abs_tol=1e-15)
    out.backward()
    assert math.isclose(a.grad, grad, rel_tol=1e-15, abs_tol=1e-15)


def test_value_to_the_power_of_a_value():
    a, b = Value(3.0), Value(2.0)
    out = a**b
    assert out.data == 9.0
    out.backward()
    assert math.isclose(a.grad, 6.0, rel_tol=1e-15)  # b * a ** (b - 1)
    assert math.isclose(b.grad, 9.0 * L3, rel_tol=1e-15)  # a ** b * log(a)


@pytest.mark.parametrize(
    ("base", "exponent", "data", "grad"),
    [(-2.0, 3, -8.0, 12.0), (-2.0, 2.0, 4.0, -4.0), (-2.0, -1, -0.5, -0.25), (0.0, 2, 0.0, 0.0)],
)
def test_integer_powers_of_any_base_are_real(base, exponent, data, grad):
    a = Value(base)
    out = a**exponent
    assert out.data == data
    out.backward()
    assert a.grad == grad


BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


@pytest.mark.parametrize("other", ["x", None, [1.0], 1j], ids=repr)
@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("side", ["value-left", "value-right"])
def test_unsupported_operand_types_raise_typeerror(side, op, other):
    a = Value(3.0)
    fn = BINARY[op]
    with pytest.raises(TypeError):
        if side == "value-left":
            fn(a, other)
        else:
            fn(other, a)


@pytest.mark.parametrize("bad", [True, np.True_], ids=repr)
def test_bool_operand_raises_typeerror_in_sums_and_products(bad):
    a = Value(3.0)
    for expr in (lambda: a + bad, lambda: bad + a, lambda: a * bad, lambda: bad * a):
        with pytest.raises(TypeError):
            expr()


# --------------------------------------------------------------------------- domain errors


@pytest.mark.parametrize("x", [0.0, -0.0, -2.5, -1e-300, -math.inf])
def test_log_of_non_positive_raises_valueerror(x):
    with pytest.raises(ValueError, match=_mentions("log", _num(x))):
        Value(x).log()


@pytest.mark.parametrize(("x", "k"), [(-2.0, 0.5), (-8.0, 1.0 / 3.0), (-1e-3, 2.5), (-4.0, -0.5)])
def test_fractional_power_of_negative_base_raises_valueerror(x, k):
    with pytest.raises(ValueError, match=_mentions(_num(x))):
        Value(x) ** k


@pytest.mark.parametrize(("x", "k"), [(0, -1), (0.0, -1), (0.0, -2), (0.0, -0.5)])
def test_zero_to_a_negative_power_raises_zerodivisionerror(x, k):
    with pytest.raises(ZeroDivisionError, match=_mentions(r"(\*\*|pow|power)", _num(x), _num(k))):
        Value(x) ** k


@pytest.mark.parametrize(
    ("expr", "numerator"),
    [
        (lambda: Value(1.5) / 0, 1.5),
        (lambda: Value(1.5) / 0.0, 1.5),
        (lambda: Value(1.5) / Value(0.0), 1.5),
        (lambda: 1.5 / Value(0.0), 1.5),
        (lambda: Value(1.5) / Value(-0.0), 1.5),
    ],
    ids=["Value/0", "Value/0.0", "Value/Value(0)", "number/Value(0)", "Value/Value(-0.0)"],
)
def test_division_by_zero_raises_zerodivisionerror(expr, numerator):
    with pytest.raises(ZeroDivisionError, match=_mentions(r"(/|divi)", _num(numerator), "0")):
        expr()


@pytest.mark.parametrize(
    ("expr", "base"),
    [
        (lambda: Value(0.0) ** Value(2.0), 0.0),
        (lambda: Value(-2.0) ** Value(2.0), -2.0),
        (lambda: Value(-2.0) ** Value(0.5), -2.0),
        (lambda: 0 ** Value(1.0), 0.0),
        (lambda: (-1.5) ** Value(3.0), -1.5),
    ],
    ids=["0**V", "-2**V(2)", "-2**V(0.5)", "0**V(1)", "-1.5**V(3)"],
)
def test_value_exponent_needs_a_positive_base(expr, base):
    with pytest.raises(ValueError, match=_mentions(_num(base))):
        expr()


@pytest.mark.parametrize("x", [710.0, 1000.0, 1e6, 1e308])
def test_exp_overflow_raises_overflowerror_naming_exp(x):
    with pytest.raises(OverflowError, match="exp"):
        Value(x).exp()


@pytest.mark.parametrize(("x", "t"), [(1e6, 1.0), (-1e6, -1.0), (1e308, 1.0), (-800.0, -1.0)])
def test_tanh_saturates_without_overflow(x, t):
    a = Value(x)
    out = a.tanh()
    assert out.data == t
    out.backward()
    assert a.grad == 0.0


# --------------------------------------------------------------------------- backward


def test_backward_through_a_chain_far_deeper_than_the_recursion_limit(default_recursion_limit):
    depth = 200 * DEFAULT_RECURSION_LIMIT  # past any recursion; `make bench` measures a million
    assert sys.getrecursionlimit() == DEFAULT_RECURSION_LIMIT
    x, y0 = Value(1.0), Value(0.5)
    y = y0
    for _ in range(depth):
        y = y + x
    y.backward()
    assert y.data == depth + 0.5
    assert x.grad == float(depth)
    assert y0.grad == 1.0
    del y  # freeing the chain must not crash either


def test_operands_are_kept_in_order_with_duplicates():
    a, b = Value(3.0), Value(-2.0)
    ab, ba = a * b, b * a
    assert ab._prev[0] is a and ab._prev[1] is b
    assert ba._prev[0] is b and ba._prev[1] is a
    assert ab._local == (b.data, a.data)
    s = a + b
    assert s._prev[0] is a and s._prev[1] is b
    aa = a + a
    assert len(aa._prev) == 2 and aa._prev[0] is a and aa._prev[1] is a
    p = a**b
    assert p._prev[0] is a and p._prev[1] is b


def test_a_plus_a_and_a_times_a():
    a = Value(3.0)
    s = a + a
    s.backward()
    assert s.data == 6.0
    assert a.grad == 2.0

    b = Value(3.0)
    p = b * b
    p.backward()
    assert p.data == 9.0
    assert b.grad == 6.0  # 2 * b


def test_shared_node_gets_every_path():
    a, b = Value(2.0), Value(-3.0)
    c = a * b  # shared
    d = c + a
    e = c * c + d  # c**2 + c + a
    e.backward()
    dc = 2 * c.data + 1
    assert c.grad == dc
    assert a.grad == dc * b.data + 1
    assert b.grad == dc * a.data


def test_backward_twice_accumulates_leaves_and_recomputes_interior():
    a, b = Value(0.75), Value(-1.25)
    c = a * b
    d = c + a
    e = (d * c).tanh()
    f = e * 2 + b  # also makes a constant leaf Value(2)
    f.backward()
    leaves1 = {"a": a.grad, "b": b.grad}
    interior1 = {"c": c.grad, "d": d.grad, "e": e.grad, "f": f.grad}
    assert all(g != 0 for g in leaves1.values())
    f.backward()
    assert {"a": a.grad, "b": b.grad} == {k: 2 * g for k, g in leaves1.items()}
    assert {"c": c.grad, "d": d.grad, "e": e.grad, "f": f.grad} == interior1
    assert f.grad == 1.0


def test_backward_on_a_leaf_accumulates_too():
    a = Value(3.0)
    a.backward()
    assert a.grad == 1.0
    a.backward()
    assert a.grad == 2.0  # a root that is a leaf is still a leaf


def test_topo_sort_each_node_once_operands_first_root_last():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    d = a * b
    e = d + a
    f = e * d + (c - a)  # shared d and a, constant leaves from `-`
    g = f * f + e.tanh()
    order = topo_sort(g)

    assert order[-1] is g
    ids = [id(v) for v in order]
    assert len(ids) == len(set(ids))
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for child in v._prev:
            assert position[id(child)] < position[id(v)]

    reachable, stack = {}, [g]  # every node reachable from g, found independently
    while stack:
        v = stack.pop()
        if id(v) not in reachable:
            reachable[id(v)] = v
            stack.extend(v._prev)
    assert set(ids) == set(reachable)
    assert all(id(x) in position for x in (a, b, c, d, e, f))


def test_topo_sort_of_a_leaf():
    a = Value(1.0)
    assert topo_sort(a) == [a]


def test_topo_sort_is_iterative(default_recursion_limit):
    y = Value(0.0)
    for _ in range(5 * DEFAULT_RECURSION_LIMIT):
        y = y.tanh()
    order = topo_sort(y)
    assert len(order) == 5 * DEFAULT_RECURSION_LIMIT + 1
    assert order[-1] is y


# --------------------------------------------------------------------------- determinism

DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import random
    from litgrad.engine import Value, topo_sort

    rng = random.Random(20240601)
    leaves = [Value(rng.uniform(-1.5, 1.5)) for _ in range(6)]
    pool = list(leaves)
    for step in range(400):
        x, y = rng.choice(pool), rng.choice(pool[-12:])  # old and recent nodes, reused
        kind = step % 7
        if kind == 0:
            z = x * y
        elif kind == 1:
            z = x + y * 0.3
        elif kind == 2:
            z = (x - y).tanh()
        elif kind == 3:
            z = x / (y * y + 1)
        elif kind == 4:
            z = (x * x + 1).log() + x.tanh().exp()
        elif kind == 5:
            z = x * x * 0.5
        else:
            z = (x.tanh() + 2) ** y.tanh() + x.relu()
        pool.append(z)
    out = pool[-1]
    for v in pool[-50:]:
        out = out + v * 0.01
    out.backward()
    print(len(topo_sort(out)))
    for v in topo_sort(out):
        print(float.hex(v.data), float.hex(v.grad))
    """
)


def test_gradients_are_bit_for_bit_identical_across_processes(tmp_path):
    script = tmp_path / "graph.py"
    script.write_text(DETERMINISM_SCRIPT)
    src = str(Path(litgrad.__file__).resolve().parents[1])
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
        result = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0].count("\n") > 500
    assert outputs[0] == outputs[1]


# --------------------------------------------------------------------------- the neuron


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.7, label="b")
    n = x1 * w1 + x2 * w2 + b
    return (x1, x2, w1, w2, b), n


def test_neuron_forward_and_backward():
    (x1, x2, w1, w2, b), n = _neuron()
    o = n.tanh()
    assert math.isclose(o.data, 0.6043677771171636, rel_tol=0, abs_tol=1e-15)
    o.backward()
    dn = 1 - o.data**2
    assert math.isclose(n.grad, dn, rel_tol=1e-15)
    assert math.isclose(b.grad, dn, rel_tol=1e-15)
    assert math.isclose(x1.grad, w1.data * dn, rel_tol=1e-15)
    assert math.isclose(w1.grad, x1.data * dn, rel_tol=1e-15)
    assert math.isclose(x2.grad, w2.data * dn, rel_tol=1e-15)
    assert w2.grad == x2.data * dn == 0.0


def test_neuron_with_tanh_built_from_exp():
    leaves, n = _neuron()
    o = n.tanh()
    o.backward()
    expected = [v.grad for v in leaves]

    leaves2, n2 = _neuron()
    e = (2 * n2).exp()
    o2 = (e - 1) / (e + 1)
    assert math.isclose(o2.data, o.data, rel_tol=1e-12, abs_tol=1e-12)
    o2.backward()
    for v, g in zip(leaves2, expected, strict=True):
        assert math.isclose(v.grad, g, rel_tol=1e-12, abs_tol=1e-12), v.label


@pytest.mark.parametrize("expression", ["a - True", "True - a", "a - 'x'", "'x' - a"])
def test_subtraction_refuses_bools_and_strings_with_the_minus_in_the_message(expression):
    a = Value(3.0)  # noqa: F841 (used by eval)
    with pytest.raises(TypeError, match="unsupported operand type.*for -"):
        eval(expression)


def test_a_graph_has_no_reference_cycles_so_reference_counting_frees_it():
    """The notes' closures make every node a cycle; litgrad stores numbers, so nothing is left
    for the cyclic garbage collector when the last reference to a graph goes."""
    import gc

    def values_alive():
        return sum(type(obj) is Value for obj in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        a, b = Value(2.0), Value(-3.0)
        before = values_alive()
        out = ((a * b + a) / (b - 1)).tanh() ** 2 + (2**a).log() + a.relu() * a
        out.backward()
        assert values_alive() > before + 10
        del out
        assert values_alive() == before  # freed at once by reference counting
        assert gc.collect() == 0  # and no cycle was left behind for the collector
    finally:
        gc.enable()

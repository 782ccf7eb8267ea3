"""Every operator's value and gradient against PyTorch (float64), then random expression graphs.

Tolerances: single operators agree to `math.isclose(rel_tol=1e-12, abs_tol=1e-12)` (the formulas
are the same; libm and torch may differ by an ulp in tanh/exp/log, which `1 - t*t` can amplify in
relative terms near saturation, hence the absolute part). Random graphs sum many paths in a
different order than torch does, so they are compared to `rel_tol=1e-9, abs_tol=1e-9`.
"""

import math

import torch  # a missing torch must fail the run, not skip it
from hypothesis import given, settings
from hypothesis import strategies as st

from litgrad.engine import Value

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None)
GRAPH_SETTINGS = settings(max_examples=500, deadline=None, derandomize=True, database=None)

REL, ABS = 1e-12, 1e-12


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def nonzero(lo, hi, smallest=1e-3):
    """Floats in [lo, hi] at least `smallest` away from zero (divisors, negative powers)."""
    return floats(lo, hi).filter(lambda v: abs(v) >= smallest)


def leaf(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def grad_of(t):
    return 0.0 if t.grad is None else t.grad.item()


def assert_close(got, want, what, rel=REL, abs_=ABS):
    assert math.isclose(got, want, rel_tol=rel, abs_tol=abs_), (
        f"{what}: litgrad {got!r}, torch {want!r}"
    )


# --------------------------------------------------------------------------- unary operators

# name -> (strategy for x, litgrad f(Value), torch f(tensor))
UNARY = {
    "tanh": (floats(-20, 20), lambda v: v.tanh(), torch.tanh),
    "exp": (floats(-50, 50), lambda v: v.exp(), torch.exp),
    "log": (floats(1e-6, 1e6), lambda v: v.log(), torch.log),
    "relu": (floats(-10, 10), lambda v: v.relu(), torch.relu),
    "neg": (floats(-1e3, 1e3), lambda v: -v, lambda t: -t),
    "2 ** x": (floats(-30, 30), lambda v: 2**v, lambda t: 2**t),
    "2.5 ** x": (floats(-30, 30), lambda v: 2.5**v, lambda t: 2.5**t),
}


@given(data=st.data())
@SETTINGS
def test_unary_ops_match_torch(data):
    for name, (xs, f_lit, f_torch) in UNARY.items():
        x = data.draw(xs, label=name)
        a, t = Value(x), leaf(x)
        out, ref = f_lit(a), f_torch(t)
        out.backward()
        ref.backward()
        assert_close(out.data, ref.item(), f"{name}({x!r}) value")
        assert_close(a.grad, grad_of(t), f"{name}({x!r}) grad")


@given(
    x=floats(-10, 10).filter(lambda v: v == 0 or abs(v) >= 1e-2),
    k=st.integers(-3, 5),
)
@SETTINGS
def test_integer_power_matches_torch(x, k):
    if x == 0 and k < 0:
        k = -k  # 0 ** negative is an error, tested in test_engine.py
    for exponent in (k, float(k)):
        a, t = Value(x), leaf(x)
        out, ref = a**exponent, t**exponent
        out.backward()
        ref.backward()
        assert_close(out.data, ref.item(), f"{x!r} ** {exponent!r} value")
        assert_close(a.grad, grad_of(t), f"{x!r} ** {exponent!r} grad")


@given(x=floats(1e-3, 100), k=floats(-3, 3))
@SETTINGS
def test_float_power_matches_torch(x, k):
    a, t = Value(x), leaf(x)
    out, ref = a**k, t**k
    out.backward()
    ref.backward()
    assert_close(out.data, ref.item(), f"{x!r} ** {k!r} value")
    assert_close(a.grad, grad_of(t), f"{x!r} ** {k!r} grad")


# --------------------------------------------------------------------------- binary operators

# name -> (strategy for the left operand, for the right operand, the operation on either type)
BINARY = {
    "+": (floats(-1e3, 1e3), floats(-1e3, 1e3), lambda x, y: x + y),
    "-": (floats(-1e3, 1e3), floats(-1e3, 1e3), lambda x, y: x - y),
    "*": (floats(-1e3, 1e3), floats(-1e3, 1e3), lambda x, y: x * y),
    "/": (floats(-1e3, 1e3), nonzero(-1e3, 1e3), lambda x, y: x / y),
    "**": (floats(1e-3, 100), floats(-3, 3), lambda x, y: x**y),
}


@given(data=st.data())
@SETTINGS
def test_binary_ops_match_torch(data):
    for name, (xs, ys, f) in BINARY.items():
        x, y = data.draw(xs, label=f"{name} x"), data.draw(ys, label=f"{name} y")
        for form in ("Value op Value", "Value op number", "number op Value"):
            a, b = Value(x), Value(y)
            ta, tb = leaf(x), leaf(y)
            if form == "Value op Value":
                out, ref = f(a, b), f(ta, tb)
            elif form == "Value op number":
                out, ref = f(a, y), f(ta, y)
            else:
                out, ref = f(x, b), f(x, tb)
            what = f"{x!r} {name} {y!r} ({form})"
            out.backward()
            ref.backward()
            assert_close(out.data, ref.item(), f"{what} value")
            assert_close(a.grad, grad_of(ta), f"{what} d/dx")
            assert_close(b.grad, grad_of(tb), f"{what} d/dy")


def test_same_operand_twice_matches_torch():
    for f in (lambda x: x + x, lambda x: x * x, lambda x: x - x, lambda x: x / x, lambda x: x**x):
        a, t = Value(1.7), leaf(1.7)
        out, ref = f(a), f(t)
        out.backward()
        ref.backward()
        assert_close(out.data, ref.item(), "value")
        assert_close(a.grad, grad_of(t), "grad")


# --------------------------------------------------------------------------- random graphs


class LitOps:
    tanh = staticmethod(lambda v: v.tanh())
    exp = staticmethod(lambda v: v.exp())
    log = staticmethod(lambda v: v.log())
    relu = staticmethod(lambda v: v.relu())


class TorchOps:
    tanh = staticmethod(torch.tanh)
    exp = staticmethod(torch.exp)
    log = staticmethod(torch.log)
    relu = staticmethod(torch.relu)


# name -> (arity, op written once for both backends, bound on |result| from bounds on |operands|)
# Every op is defined on all reals, so no program can raise; the bounds keep values finite.
GRAPH_OPS = {
    "tanh": (1, lambda B, x: B.tanh(x), lambda bx: 1.0),
    "exp_tanh": (1, lambda B, x: B.exp(B.tanh(x)), lambda bx: math.e),
    "log_sq1": (1, lambda B, x: B.log(x * x + 1), lambda bx: math.log(bx * bx + 1)),
    "relu": (1, lambda B, x: B.relu(x), lambda bx: bx),
    "neg": (1, lambda B, x: -x, lambda bx: bx),
    "square": (1, lambda B, x: x**2, lambda bx: bx * bx),
    "cube": (1, lambda B, x: x**3, lambda bx: bx**3),
    "rsub": (1, lambda B, x: 1.5 - x, lambda bx: 1.5 + bx),
    "recip": (1, lambda B, x: 1 / (x * x + 1), lambda bx: 1.0),
    "rpow": (1, lambda B, x: 2 ** B.tanh(x), lambda bx: 2.0),
    "add": (2, lambda B, x, y: x + y, lambda bx, by: bx + by),
    "sub": (2, lambda B, x, y: x - y, lambda bx, by: bx + by),
    "mul": (2, lambda B, x, y: x * y, lambda bx, by: bx * by),
    "div": (2, lambda B, x, y: x / (y * y + 1), lambda bx, by: bx),
    "pow": (2, lambda B, x, y: (x * x + 1) ** B.tanh(y), lambda bx, by: bx * bx + 1),
    "scale": (1, lambda B, x: 0.5 * x + 0.25, lambda bx: 0.5 * bx + 0.25),
}
BOUND_LIMIT = 1e3  # an op whose result could exceed this becomes tanh


@st.composite
def programs(draw):
    """A random straight-line program over 2-4 leaves; operands are drawn from every earlier node,
    so intermediate nodes are shared and the same operand can appear twice (`x * x`)."""
    n_leaves = draw(st.integers(2, 4))
    leaves = draw(st.lists(floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
    bounds = [2.0] * n_leaves
    steps = []
    for _ in range(draw(st.integers(1, 14))):
        name = draw(st.sampled_from(sorted(GRAPH_OPS)))
        arity, _, bound = GRAPH_OPS[name]
        # favour recent nodes so chains get deep, but reach back to leaves and old nodes too
        args = tuple(
            draw(st.one_of(st.integers(0, len(bounds) - 1), st.just(len(bounds) - 1)))
            for _ in range(arity)
        )
        b = bound(*(bounds[i] for i in args))
        if b > BOUND_LIMIT:
            name, args, b = "tanh", args[:1], 1.0
        steps.append((name, args))
        bounds.append(b)
    return leaves, steps


def run(program, B, leaves):
    """Evaluate `program` on `leaves` with the ops of backend `B`; the output sums every step."""
    _, steps = program
    nodes = list(leaves)
    for name, args in steps:
        nodes.append(GRAPH_OPS[name][1](B, *(nodes[i] for i in args)))
    out = nodes[len(leaves)]
    for v in nodes[len(leaves) + 1 :]:
        out = out + v
    return out


@given(program=programs())
@GRAPH_SETTINGS
def test_random_graphs_match_torch(program):
    xs, steps = program
    lit_leaves = [Value(x) for x in xs]
    torch_leaves = [leaf(x) for x in xs]
    out = run(program, LitOps, lit_leaves)
    ref = run(program, TorchOps, torch_leaves)
    out.backward()
    ref.backward()
    what = f"program {steps} on {xs}"
    assert_close(out.data, ref.item(), f"{what}: value", rel=1e-9, abs_=1e-9)
    for i, (a, t) in enumerate(zip(lit_leaves, torch_leaves, strict=True)):
        assert_close(a.grad, grad_of(t), f"{what}: grad of leaf {i}", rel=1e-9, abs_=1e-9)

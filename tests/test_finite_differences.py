"""Every operator's gradient against central finite differences of litgrad's own forward pass.

(f(x + h) - f(x - h)) / (2h) with h = 1e-6 is accurate to about 1e-9 relative for the smooth,
moderately scaled functions and input ranges below (truncation ~ h**2 * f''' / 6, rounding
~ 1e-16 * |f| / h). The check is `|fd - grad| <= 1e-6 * max(1, |grad|)`: 1e-6 relative, or 1e-6
absolute for gradients below 1 (tanh's tails, relu's flat side).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from litgrad.engine import Value

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None)
H = 1e-6
TOL = 1e-6


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo, hi, smallest):
    return floats(lo, hi).filter(lambda v: abs(v) >= smallest)


def central_difference(f, x):
    return (f(x + H) - f(x - H)) / (2 * H)


def assert_matches_fd(grad, fd, what):
    assert abs(fd - grad) <= TOL * max(1.0, abs(grad)), f"{what}: grad {grad!r}, fd {fd!r}"


def check_unary(op, x, what):
    a = Value(x)
    out = op(a)
    out.backward()
    fd = central_difference(lambda u: op(Value(u)).data, x)
    assert_matches_fd(a.grad, fd, f"{what} at {x!r}")


def check_binary(op, x, y, what):
    a, b = Value(x), Value(y)
    out = op(a, b)
    out.backward()
    fd_x = central_difference(lambda u: op(Value(u), Value(y)).data, x)
    fd_y = central_difference(lambda u: op(Value(x), Value(u)).data, y)
    assert_matches_fd(a.grad, fd_x, f"d/dx {what} at ({x!r}, {y!r})")
    assert_matches_fd(b.grad, fd_y, f"d/dy {what} at ({x!r}, {y!r})")


# name -> (strategy, f(Value)); relu keeps clear of its kink at 0
UNARY = {
    "tanh": (floats(-5, 5), lambda v: v.tanh()),
    "exp": (floats(-5, 5), lambda v: v.exp()),
    "log": (floats(0.05, 20), lambda v: v.log()),
    "relu": (away_from_zero(-10, 10, 1e-3), lambda v: v.relu()),
    "neg": (floats(-100, 100), lambda v: -v),
    "2 ** x": (floats(-5, 5), lambda v: 2**v),
    "x ** 0.5": (floats(0.05, 20), lambda v: v**0.5),
    "x ** -1.5": (floats(0.1, 20), lambda v: v**-1.5),
    "x + 2": (floats(-100, 100), lambda v: v + 2),
    "2 - x": (floats(-100, 100), lambda v: 2 - v),
    "3 * x": (floats(-100, 100), lambda v: 3 * v),
    "x / 3": (floats(-100, 100), lambda v: v / 3),
    "3 / x": (away_from_zero(-20, 20, 0.1), lambda v: 3 / v),
}


@given(data=st.data())
@SETTINGS
def test_unary_ops_match_finite_differences(data):
    for name, (xs, op) in UNARY.items():
        check_unary(op, data.draw(xs, label=name), name)


@given(x=away_from_zero(-3, 3, 0.1), k=st.integers(-3, 5))
@SETTINGS
def test_integer_power_matches_finite_differences(x, k):
    check_unary(lambda v: v**k, x, f"x ** {k}")


@given(x=floats(0.1, 10), k=floats(-3, 3))
@SETTINGS
def test_float_power_matches_finite_differences(x, k):
    check_unary(lambda v: v**k, x, f"x ** {k!r}")


BINARY = {
    "+": (floats(-100, 100), floats(-100, 100), lambda x, y: x + y),
    "-": (floats(-100, 100), floats(-100, 100), lambda x, y: x - y),
    "*": (floats(-100, 100), floats(-100, 100), lambda x, y: x * y),
    "/": (floats(-100, 100), away_from_zero(-20, 20, 0.1), lambda x, y: x / y),
    "**": (floats(0.1, 10), floats(-3, 3), lambda x, y: x**y),
}


@given(data=st.data())
@SETTINGS
def test_binary_ops_match_finite_differences(data):
    for name, (xs, ys, op) in BINARY.items():
        x, y = data.draw(xs, label=f"{name} x"), data.draw(ys, label=f"{name} y")
        check_binary(op, x, y, name)


@given(x=floats(-2, 2))
@SETTINGS
def test_composite_with_shared_nodes_matches_finite_differences(x):
    def f(v):
        t = v.tanh()
        s = v * v + 1
        return t * s.log() + (t / s) ** 2 + 2**t - (v * 0.5).exp() * t

    check_unary(f, x, "composite")

"""The step-through frames and the numerical gradient check (litgrad.steps, litgrad.check)."""

import math
import re

import pytest

from litgrad import Value, gradcheck
from litgrad.steps import backward_steps, stepper_html


def neuron(tanh_from_exp=False):
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.7, label="b")
    n = x1 * w1 + x2 * w2 + b
    if tanh_from_exp:
        e = (2 * n).exp()
        return (e - 1) / (e + 1), [x1, x2, w1, w2, b]
    return n.tanh(), [x1, x2, w1, w2, b]


@pytest.mark.parametrize("from_exp", [False, True])
def test_one_step_per_node_with_operands_and_final_grads_match_backward(from_exp):
    o, leaves = neuron(from_exp)
    steps = backward_steps(o)
    interior = [v for v in steps[0].grads if v._prev]
    assert len(steps) == len(interior) == (5 if not from_exp else 9)
    assert [s.node for s in steps] == interior[::-1]  # reverse topological order
    o2, leaves2 = neuron(from_exp)
    o2.backward()
    assert [v.grad for v in leaves] == [v.grad for v in leaves2]  # bit for bit
    assert [steps[-1].grads[v] for v in leaves] == [v.grad for v in leaves2]


def test_frames_fill_in_gradients_one_step_at_a_time():
    o, (x1, x2, w1, w2, b) = neuron()
    steps = backward_steps(o)
    first = steps[0]
    assert first.node is o
    assert [u[0] for u in first.updates] == [o._prev[0]]
    assert first.grads[x1] is None and first.grads[b] is None  # not reached yet
    operand, local, upstream, new = first.updates[0]
    assert upstream == 1.0 and math.isclose(local, 1 - o.data**2) and new == local
    assert steps[1].grads[b] == pytest.approx(1 - o.data**2)
    reached = [sum(g is not None for g in s.grads.values()) for s in steps]
    assert reached == sorted(reached) and reached[-1] == len(steps[0].grads)


def test_stepper_html_has_a_frame_per_step_plus_the_seed():
    o, _ = neuron()
    html = stepper_html(o)
    assert html.count('class="litgrad-frame"') == 6
    assert html.count("<svg") == 6
    assert html.count(" hidden>") == 5  # only the first frame shows without the script
    assert 'max="5"' in html
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    assert captions[1].startswith("Step 1 of 5: a <code>tanh</code> node passes its gradient on")
    assert "× 1.0000 → 0.6347" in captions[1]


def test_gradcheck_passes_for_correct_gradients():
    result = gradcheck(lambda a, b: (a * b).tanh() + a / b, [0.3, -1.7])
    assert result.ok and bool(result)
    assert result.max_error < 1e-8
    assert len(result.analytic) == len(result.numeric) == 2
    assert "match central differences" in str(result)


def test_gradcheck_catches_a_wrong_backward():
    def wrong_square(a):  # the local derivative should be 2a
        return Value(a.data**2, "", (a,), (a.data,), "square")

    result = gradcheck(wrong_square, [3.0])
    assert not result.ok
    assert result.analytic == (3.0,)
    assert result.numeric[0] == pytest.approx(6.0, rel=1e-6)
    assert result.max_error == pytest.approx(0.5, rel=1e-6)
    assert "DO NOT match" in str(result)


def test_gradcheck_refuses_bad_input():
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="return a Value, got float"):
        gradcheck(lambda a: a.data * 2, [1.0])
    with pytest.raises(TypeError, match="got str"):
        gradcheck(lambda a: a, ["1"])

"""Bad input a new user might try: each is refused where it enters, with a message naming it."""

import random
from fractions import Fraction

import numpy as np
import pytest

from litgrad import MLP, Layer, Neuron, Value, draw_graph


@pytest.mark.parametrize("label", [5, None, 1.5, b"a", ["a"]])
def test_label_must_be_a_string_at_construction(label):
    with pytest.raises(TypeError, match=rf"label must be a string, got {type(label).__name__}"):
        Value(1.0, label=label)


@pytest.mark.parametrize("label", [5, None, b"a"])
def test_label_must_be_a_string_when_assigned(label):
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match=rf"label must be a string, got {type(label).__name__}"):
        v.label = label
    assert v.label == "v"  # the refused label changed nothing


def test_string_labels_are_kept_and_drawn():
    class Name(str):
        pass

    v = Value(1.0, label=Name("x<1>"))
    v.label = v.label + "!"
    assert v.label == "x<1>!"
    assert (v * 2).label == ""
    assert "x&lt;1&gt;!" in draw_graph(v).source


def test_value_too_large_for_a_float_names_value():
    with pytest.raises(OverflowError, match=r"must fit in a float .*int: about 10\*\*400"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"int: about -10\*\*400"):
        Value(-(10**400))
    with pytest.raises(OverflowError, match=r"Value data must fit in a float .*Fraction"):
        Value(Fraction(10**400, 3))
    assert Value(10**308).data == 1e308  # the largest ints that fit still go through


@pytest.mark.parametrize("bad", ["ab", b"ab", 2.0, None])
def test_forward_pass_refuses_what_is_not_a_list_of_inputs(bad):
    random.seed(0)
    for model in (MLP(2, [1]), Layer(2, 3), Neuron(2)):
        message = rf"input must be a list of numbers or Values, got {type(bad).__name__}"
        with pytest.raises(TypeError, match=message):
            model(bad)


def test_forward_pass_reads_other_iterables_as_lists():
    random.seed(0)
    model = MLP(2, [3, 1])
    expected = model([0.5, -1.0]).data
    assert model((0.5, -1.0)).data == expected
    assert model(np.array([0.5, -1.0])).data == expected
    assert model(x for x in [0.5, -1.0]).data == expected
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        model(iter([0.5, -1.0, 2.0]))

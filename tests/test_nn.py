"""litgrad.nn: Neuron, Layer, MLP and Module, against hand computations and numpy's matrix form."""

import math
import random

import numpy as np
import pytest

from litgrad import MLP, Layer, Module, Neuron, Value, topo_sort

# The notes' four examples (docs/notes/08-training.md).
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YGT = [1.0, -1.0, -1.0, 1.0]


def squared_error(model):
    return sum((model(x) - y) ** 2 for x, y in zip(XS, YGT))


def train(model, steps, learning_rate=0.05):
    losses = []
    for _ in range(steps):
        loss = squared_error(model)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(loss.data)
    return losses


def weights(layer):
    return np.array([[w.data for w in neuron.w] for neuron in layer.neurons])


def biases(layer):
    return np.array([neuron.b.data for neuron in layer.neurons])


def activation(layer):
    neuron = layer.neurons[0]
    if not neuron.nonlin:
        return (lambda z: z), (lambda z, h: np.ones_like(z))
    if neuron.activation == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda z, h: (z > 0).astype(float))
    return np.tanh, (lambda z, h: 1.0 - h * h)


# --- construction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nin", "nouts", "expected"),
    [
        (3, [4, 4, 1], (3 * 4 + 4) + (4 * 4 + 4) + (4 * 1 + 1)),
        (3, [5, 5, 1], (3 * 5 + 5) + (5 * 5 + 5) + (5 * 1 + 1)),
        (2, [16, 16, 1], (2 * 16 + 16) + (16 * 16 + 16) + (16 * 1 + 1)),
        (2, [16, 1, 1], (2 * 16 + 16) + (16 * 1 + 1) + (1 * 1 + 1)),
        (1, [1], 2),
    ],
)
def test_parameter_count(nin, nouts, expected):
    model = MLP(nin, nouts)
    params = model.parameters()
    assert len(params) == expected
    assert len({id(p) for p in params}) == expected  # no parameter listed twice
    assert all(isinstance(p, Value) for p in params)


def test_layer_shapes_follow_sz():
    model = MLP(3, [5, 5, 1])
    sz = [3, 5, 5, 1]
    assert len(model.layers) == 3
    for i, layer in enumerate(model.layers):
        assert len(layer.neurons) == sz[i + 1]
        assert {len(neuron.w) for neuron in layer.neurons} == {sz[i]}
        assert weights(layer).shape == (sz[i + 1], sz[i])
        assert biases(layer).shape == (sz[i + 1],)


def test_neuron_starts_with_uniform_weights_and_zero_bias():
    random.seed(3)
    n = Neuron(50)
    assert len(n.w) == 50
    assert all(isinstance(w, Value) and -1.0 <= w.data <= 1.0 for w in n.w)
    assert len({w.data for w in n.w}) == 50
    assert isinstance(n.b, Value) and n.b.data == 0.0
    assert n.parameters() == n.w + [n.b]


def test_hidden_layers_use_the_activation_and_the_last_layer_is_linear():
    for act in ("relu", "tanh"):
        model = MLP(3, [4, 4, 2], activation=act)
        for layer in model.layers[:-1]:
            assert all(n.nonlin and n.activation == act for n in layer.neurons)
        assert all(not n.nonlin for n in model.layers[-1].neurons)


def test_module_base_and_public_api():
    import litgrad

    assert {"MLP", "Layer", "Module", "Neuron"} <= set(dir(litgrad))
    assert Module().parameters() == []
    Module().zero_grad()  # nothing to zero, and no error
    model = MLP(3, [2, 1])
    assert isinstance(model, Module)
    assert all(isinstance(layer, Module) for layer in model.layers)
    assert isinstance(model.layers[0].neurons[0], Module)


def test_numpy_integers_are_accepted_as_sizes():
    model = MLP(np.int64(3), [np.int64(2), 1])
    assert [len(layer.neurons) for layer in model.layers] == [2, 1]
    assert len(Neuron(np.int32(4)).w) == 4


# --- forward pass --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, lambda z: max(z, 0.0)),
        ({"activation": "relu"}, lambda z: max(z, 0.0)),
        ({"activation": "tanh"}, math.tanh),
        ({"nonlin": False}, lambda z: z),
        ({"nonlin": False, "activation": "tanh"}, lambda z: z),
    ],
)
def test_neuron_forward_matches_the_formula(kwargs, expected):
    random.seed(11)
    n = Neuron(3, **kwargs)
    n.b.data = 0.25
    for x in XS + [[-2.0, -3.0, 1.0]]:
        z = 0.25 + sum(w.data * xi for w, xi in zip(n.w, x))
        assert n(x).data == pytest.approx(expected(z), rel=1e-12, abs=1e-12)


def test_neuron_builds_the_elementary_graph():
    n = Neuron(3)
    ops = [v._op for v in topo_sort(n([1.0, 2.0, 3.0]))]
    assert ops.count("*") == 3
    assert ops.count("+") == 3
    assert ops.count("relu") == 1
    assert set(ops) == {"", "*", "+", "relu"}


def test_inputs_may_be_numbers_or_values():
    random.seed(5)
    n = Neuron(3, activation="tanh")
    x = [Value(v) for v in XS[0]]
    out = n(x)
    assert out.data == n(XS[0]).data
    out.backward()
    for xi, w in zip(x, n.w):  # d tanh(z) / d x_i = (1 - tanh^2) * w_i
        assert xi.grad == pytest.approx((1 - out.data**2) * w.data, rel=1e-12)


def test_layer_always_returns_a_list():
    assert isinstance(Layer(3, 1)(XS[0]), list)
    assert len(Layer(3, 1)(XS[0])) == 1
    assert len(Layer(3, 6)(XS[0])) == 6


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(3, [4, 1])(XS[0]), Value)
    out = MLP(3, [4, 2])(XS[0])
    assert isinstance(out, list) and len(out) == 2
    assert all(isinstance(v, Value) for v in out)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_one_neuron_hidden_layer(act):
    random.seed(2)
    model = MLP(2, [16, 1, 1], activation=act)
    x = [0.5, -1.0]
    first, middle, last = model.layers
    h1 = [v.data for v in first(x)]
    z2 = middle.neurons[0].b.data + sum(w.data * h for w, h in zip(middle.neurons[0].w, h1))
    h2 = max(z2, 0.0) if act == "relu" else math.tanh(z2)
    expected = last.neurons[0].b.data + last.neurons[0].w[0].data * h2
    y = model(x)
    assert isinstance(y, Value)
    assert y.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    y.backward()
    assert last.neurons[0].b.grad == 1.0
    assert last.neurons[0].w[0].grad == pytest.approx(h2, rel=1e-12, abs=1e-12)


# --- the matrix form -----------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layers_equal_the_matrix_form(act, seed):
    random.seed(seed)
    model = MLP(3, [5, 5, 1], activation=act)
    for x in XS:
        h_scalar, h_matrix = x, np.array(x)
        for layer in model.layers:
            f, _ = activation(layer)
            h_scalar = layer(h_scalar)
            h_matrix = f(weights(layer) @ h_matrix + biases(layer))
            np.testing.assert_allclose([v.data for v in h_scalar], h_matrix, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weight_gradients_are_outer_products(act, seed):
    """The engine's gradients of the squared error over XS equal numpy's backpropagation."""
    random.seed(seed)
    model = MLP(3, [5, 4, 1], activation=act)
    loss = squared_error(model)
    loss.backward()

    grad_W = [np.zeros_like(weights(layer)) for layer in model.layers]
    grad_b = [np.zeros_like(biases(layer)) for layer in model.layers]
    for x, y in zip(XS, YGT):
        inputs, sums, outs = [np.array(x)], [], []
        for layer in model.layers:
            f, _ = activation(layer)
            z = weights(layer) @ inputs[-1] + biases(layer)
            sums.append(z)
            outs.append(f(z))
            inputs.append(outs[-1])
        delta = 2.0 * (outs[-1] - y)  # d loss / d z at the linear output
        for i in reversed(range(len(model.layers))):
            grad_W[i] += np.outer(delta, inputs[i])
            grad_b[i] += delta
            if i:
                _, df = activation(model.layers[i - 1])
                delta = (weights(model.layers[i]).T @ delta) * df(sums[i - 1], outs[i - 1])

    for i, layer in enumerate(model.layers):
        engine_W = np.array([[w.grad for w in n.w] for n in layer.neurons])
        engine_b = np.array([n.b.grad for n in layer.neurons])
        assert engine_W.shape == grad_W[i].shape == weights(layer).shape
        np.testing.assert_allclose(engine_W, grad_W[i], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(engine_b, grad_b[i], rtol=1e-10, atol=1e-12)


# --- training ------------------------------------------------------------------------------------


def test_tanh_network_learns_the_notes_examples():
    random.seed(0)
    model = MLP(3, [4, 4, 1], activation="tanh")
    losses = train(model, 20)
    assert losses[0] > 1.0
    assert squared_error(model).data < 1e-3
    for x, y in zip(XS, YGT):
        assert model(x).data == pytest.approx(y, abs=0.05)


def test_relu_network_learns_from_a_seed_that_does_not_die():
    random.seed(1)
    model = MLP(3, [4, 4, 1])
    train(model, 300)
    assert squared_error(model).data < 1e-3


def test_dead_relu_network_freezes_at_exactly_four():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    params = model.parameters()
    for _ in range(300):
        loss = squared_error(model)
        model.zero_grad()
        loss.backward()
        if all(p.grad == 0.0 for p in params):
            break
        for p in params:
            p.data -= 0.05 * p.grad
    else:
        pytest.fail("the run never froze")
    assert loss.data == sum(y * y for y in YGT) == 4.0
    hidden = model.layers[1]
    for x in XS:
        assert [v.data for v in hidden(model.layers[0](x))] == [0.0] * len(hidden.neurons)


def test_bias_is_trained():
    random.seed(0)
    model = MLP(3, [4, 4, 1], activation="tanh")
    before = [n.b.data for layer in model.layers for n in layer.neurons]
    train(model, 5)
    after = [n.b.data for layer in model.layers for n in layer.neurons]
    assert all(b == 0.0 for b in before)
    assert sum(a != 0.0 for a in after) == len(after)


def test_zero_grad():
    random.seed(4)
    model = MLP(3, [4, 4, 1], activation="tanh")
    loss = squared_error(model)
    loss.backward()
    first = [p.grad for p in model.parameters()]
    assert any(g != 0.0 for g in first)

    loss.backward()  # without zeroing, the gradients of the leaves add up
    assert [p.grad for p in model.parameters()] == pytest.approx([2 * g for g in first])

    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    loss.backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(first)


def test_seeded_models_are_bit_identical():
    def build_and_train():
        random.seed(123)
        model = MLP(3, [4, 4, 1], activation="tanh")
        initial = [p.data.hex() for p in model.parameters()]
        losses = [loss.hex() for loss in train(model, 10)]
        return initial, losses, [p.data.hex() for p in model.parameters()]

    first = build_and_train()
    np.random.seed(999)  # numpy's generator plays no part
    assert build_and_train() == first
    random.seed(124)
    assert [p.data.hex() for p in MLP(3, [4, 4, 1]).parameters()] != first[0]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "inputs", "message"),
    [
        (lambda: Neuron(3), [1.0, 2.0, 3.0, 4.0], "expected 3 inputs, got 4"),
        (lambda: Neuron(3), [1.0, 2.0], "expected 3 inputs, got 2"),
        (lambda: Neuron(3), [], "expected 3 inputs, got 0"),
        (lambda: Layer(3, 4), [1.0, 2.0], "expected 3 inputs, got 2"),
        (lambda: MLP(3, [4, 4, 1]), [1.0] * 5, "expected 3 inputs, got 5"),
    ],
)
def test_wrong_input_length(make, inputs, message):
    with pytest.raises(ValueError) as excinfo:
        make()(inputs)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Neuron(3.0), TypeError, ["nin", "float", "3.0"]),
        (lambda: Neuron(True), TypeError, ["nin", "bool", "True"]),
        (lambda: Neuron("3"), TypeError, ["nin", "str", "'3'"]),
        (lambda: Neuron([1.3, 2.1, 1.7]), TypeError, ["nin", "list", "[1.3, 2.1, 1.7]"]),
        (lambda: Neuron(0), ValueError, ["nin", "0"]),
        (lambda: Neuron(-2), ValueError, ["nin", "-2"]),
        (lambda: Neuron(3, activation="sigmoid"), ValueError, ["activation", "'sigmoid'"]),
        (lambda: Neuron(3, nonlin=False, activation="ReLU"), ValueError, ["'ReLU'"]),
        (lambda: Layer(3, 0), ValueError, ["nout", "0"]),
        (lambda: Layer(3, 2.5), TypeError, ["nout", "float", "2.5"]),
        (lambda: Layer(0, 2), ValueError, ["nin", "0"]),
        (lambda: Layer(3, 2, activation="elu"), ValueError, ["'elu'"]),
        (lambda: MLP(3, 4), TypeError, ["nouts", "int", "4"]),
        (lambda: MLP(3, "41"), TypeError, ["nouts", "str", "'41'"]),
        (lambda: MLP(3, []), ValueError, ["nouts", "[]"]),
        (lambda: MLP(3, [4, 0, 1]), ValueError, ["nouts[1]", "0"]),
        (lambda: MLP(3, [4, 4.0, 1]), TypeError, ["nouts[1]", "float", "4.0"]),
        (lambda: MLP(3.0, [4, 1]), TypeError, ["nin", "float", "3.0"]),
        (lambda: MLP(3, [4, 1], activation="sigmoid"), ValueError, ["'sigmoid'"]),
    ],
)
def test_bad_constructor_arguments(make, error, words):
    with pytest.raises(error) as excinfo:
        make()
    for word in words:
        assert word in str(excinfo.value)


# --- repr ----------------------------------------------------------------------------------------


def test_repr():
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, activation="tanh")) == "TanhNeuron(3)"
    assert repr(Neuron(5, nonlin=False)) == "LinearNeuron(5)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [2, 1], activation="tanh")) == (
        "MLP of [Layer of [TanhNeuron(2), TanhNeuron(2)], Layer of [LinearNeuron(2)]]"
    )

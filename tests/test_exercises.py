"""The exercises at the end of notes pages 1-8, and the checkers of litgrad.exercises.

The build runs every page's blocks in page order and shows what each printed: the built pages must
show one verdict per exercise block, ✗ for the starter the reader edits, ✓ for the solution folded
under it (read from the build, not run again here). Then each checker is given plausible wrong
answers, including constants that are right at the fixed input, and must answer ✗ to every one:
no checker passes everything.
"""

import contextlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from tangle import parse_blocks

from litgrad import Value, topo_sort
from litgrad import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs/notes").glob("0[1-8]-*.md"))
SOLUTION = '??? success "Solution"'


def exercise_blocks(page):
    """(kind, block) for every python block after the page's "## Exercises" heading."""
    text = (ROOT / page).read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("## Exercises") + 1
    found = []
    for block in parse_blocks(text, page):
        if block.line <= start or block.info.split(" ", 1)[0] != "python":
            continue
        kind = "solution" if lines[block.line - 2].strip() == SOLUTION else "starter"
        if kind == "starter" and block.indent and not block.lines[-1].startswith("print(check_"):
            continue  # an aside in a box, such as page 6's zip message under its solution
        assert kind == "solution" or not block.indent, f"{block.where()}: starter in a box"
        found.append((kind, block))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_page_ends_with_what_to_remember_and_exercises(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    remember = text.split("## What to remember\n", 1)[1].split("\n## ", 1)[0]
    points = [line for line in remember.splitlines() if line.startswith("- ")]
    assert 3 <= len(points) <= 6, f"{page}: {len(points)} points to remember"
    assert text.index("## What to remember") < text.index("## Exercises")
    kinds = [kind for kind, _ in exercise_blocks(page)]
    assert 2 <= kinds.count("starter") <= 4, f"{page}: {kinds.count('starter')} exercises"
    # every starter is followed by its solution
    assert kinds == ["starter", "solution"] * kinds.count("starter"), kinds


@pytest.mark.parametrize("page", PAGES)
def test_built_page_shows_not_yet_for_each_starter_and_right_for_each_solution(site_dir, page):
    """markdown-exec shows under each block what the block printed, in page order: the verdict
    lines of the built page, in order, are one per exercise block, ✗ then ✓ for each exercise."""
    from test_site_build import built_path

    blocks = exercise_blocks(page)
    for _, block in blocks:
        assert block.lines[-1].startswith("print(check_"), f"{block.where()}: prints no verdict"
    html = (site_dir / built_path(page.removeprefix("docs/"))).read_text(encoding="utf-8")
    # each line of a shown result starts after its line anchor, <a ...></a>
    shown = re.findall(r"</a>(✓ Right|✗ Not yet): ", html)
    expected = ["✓ Right" if kind == "solution" else "✗ Not yet" for kind, _ in blocks]
    assert shown == expected, f"{page}: the page shows {shown}"


# --- Wrong answers: each checker must print ✗ for every one -------------------------------------


def node(op, *locals_of):
    """A one-node operation builder: forward `op` on the data, local derivatives from the data."""

    def build(*args):
        data = [a.data for a in args]
        return Value(op(*data), "", tuple(args), tuple(f(*data) for f in locals_of), "op")

    return build


def sub_one_node(a, b):
    return a - b


def notes_backward(root):
    root.grad = 1.0
    for v in reversed(topo_sort(root)):
        for operand, local in zip(v._prev, v._local):
            operand.grad += local * v.grad


def zero_everything_backward(root):
    order = topo_sort(root)
    for v in order:
        v.grad = 0.0  # the leaves too: a second call forgets the first
    root.grad = 1.0
    for v in reversed(order):
        for operand, local in zip(v._prev, v._local):
            operand.grad += local * v.grad


def assign_backward(root):
    root.grad = 1.0
    for v in reversed(topo_sort(root)):
        for operand, local in zip(v._prev, v._local):
            operand.grad = local * v.grad


def forward_order_backward(root):
    root.grad = 1.0
    for v in topo_sort(root):
        for operand, local in zip(v._prev, v._local):
            operand.grad += local * v.grad


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def neuron_grads_without_tanh(x, w, b):
    return w, x, 1.0


def step_ascent(net, inputs, targets, rate):
    loss = sum((net(x) - y) ** 2 for x, y in zip(inputs, targets))
    net.zero_grad()
    loss.backward()
    for p in net.parameters():
        p.data += rate * p.grad
    return loss.data


def step_without_zero_grad(net, inputs, targets, rate):
    loss = sum((net(x) - y) ** 2 for x, y in zip(inputs, targets))
    loss.backward()
    for p in net.parameters():
        p.data -= rate * p.grad
    return loss.data


def step_zero_grad_after_backward(net, inputs, targets, rate):
    loss = sum((net(x) - y) ** 2 for x, y in zip(inputs, targets))
    loss.backward()
    net.zero_grad()
    for p in net.parameters():
        p.data -= rate * p.grad
    return loss.data


def step_returns_loss_after(net, inputs, targets, rate):
    step_ascent(net, inputs, targets, -rate)  # a right step...
    return sum((net(x) - y) ** 2 for x, y in zip(inputs, targets)).data  # ...the wrong loss


def checked_sum_with_assert(w, x, b):
    assert len(w) == len(x)
    return sum((wi * xi for wi, xi in zip(w, x)), b)


def checked_sum_vague(w, x, b):
    if len(w) != len(x):
        raise ValueError("lengths differ")
    return sum((wi * xi for wi, xi in zip(w, x)), b)


def product_shape_no_check(a, b):
    return (a[0], b[1])


def product_shape_vague(a, b):
    if a[1] != b[0]:
        raise ValueError("shapes do not match")
    return (a[0], b[1])


def count_everything_as_first_layer(nin, nouts):
    return (nin + 1) * sum(nouts)


def count_weights_only(nin, nouts):
    sizes = [nin] + nouts
    return sum(sizes[i] * sizes[i + 1] for i in range(len(nouts)))


def weight_shapes_transposed(nin, nouts):
    sizes = [nin] + nouts
    return [(sizes[i], sizes[i + 1]) for i in range(len(nouts))]


def weight_shapes_notes_only(nin, nouts):
    return [(5, 3), (5, 5), (1, 5)]  # right for MLP(3, [5, 5, 1]) only


WRONG = {
    "check_predicted_grads": {
        "forgot the second use of b": lambda a, b: (b, a),
        "operands swapped": lambda a, b: (a, b + 1),
        "constants right at a=2, b=-3": lambda a, b: (-3.0, 3.0),
    },
    "check_sub": {
        "addition's locals copied": node(sub_one_node, lambda a, b: 1.0, lambda a, b: 1.0),
        "signs the wrong way round": node(sub_one_node, lambda a, b: -1.0, lambda a, b: 1.0),
        "forward of addition": node(lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: -1.0),
        "two nodes": lambda a, b: a + (-b),
        "one local derivative": lambda a, b: Value(a.data - b.data, "", (a, b), (1.0,), "-"),
    },
    "check_mul_add": {
        "product's locals swapped": node(
            lambda a, b, c: a * b + c, lambda a, b, c: a, lambda a, b, c: b, lambda a, b, c: 1.0
        ),
        "c's local derivative 0": node(
            lambda a, b, c: a * b + c, lambda a, b, c: b, lambda a, b, c: a, lambda a, b, c: 0.0
        ),
        "constants right at (2, -3, 10)": node(
            lambda a, b, c: a * b + c,
            lambda a, b, c: -3.0,
            lambda a, b, c: 2.0,
            lambda a, b, c: 1.0,
        ),
    },
    "check_sigmoid": {
        "local derivative s": node(sigmoid, sigmoid),
        "tanh's local derivative": node(sigmoid, lambda x: 1 - sigmoid(x) ** 2),
        "e**-x alone": node(sigmoid, lambda x: math.exp(-x)),
        "constant right at 0.5": node(sigmoid, lambda x: sigmoid(0.5) * (1 - sigmoid(0.5))),
    },
    "check_neuron_grads": {
        "forgot the tanh factor": neuron_grads_without_tanh,
        "tanh factor 1 - tanh": lambda x, w, b: tuple(
            (1 - math.tanh(x * w + b)) * g for g in (w, x, 1.0)
        ),
        "x and w swapped": lambda x, w, b: tuple(
            (1 - math.tanh(x * w + b) ** 2) * g for g in (x, w, 1.0)
        ),
    },
    "check_backward": {
        "= for +=": assign_backward,
        "wrong order": forward_order_backward,
        "does nothing": lambda root: None,
    },
    "check_second_call": {
        "the notes' backward": notes_backward,
        "zeroes the leaves too": zero_everything_backward,
        "= for += (a second call is harmless, the first is wrong)": assign_backward,
    },
    "check_sqrt": {
        "local derivative sqrt(v)": node(math.sqrt, math.sqrt),
        "1 / sqrt(v), the half forgotten": node(math.sqrt, lambda x: 1 / math.sqrt(x)),
        "constant right at 4": node(math.sqrt, lambda x: 0.25),
    },
    "check_leaky_relu": {
        "relu's local derivative": node(lambda x: x if x > 0 else 0.01 * x, lambda x: float(x > 0)),
        "0.01 everywhere": node(lambda x: x if x > 0 else 0.01 * x, lambda x: 0.01),
        "forward of relu": node(lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.01),
    },
    "check_pow": {
        "exponent treated as a constant": node(
            lambda a, b: a**b, lambda a, b: b * a ** (b - 1), lambda a, b: 0.0
        ),
        "ln a forgotten": node(lambda a, b: a**b, lambda a, b: b * a ** (b - 1), lambda a, b: a**b),
        "power rule without the -1": node(
            lambda a, b: a**b, lambda a, b: b * a**b, lambda a, b: a**b * math.log(a)
        ),
    },
    "check_reflected_grads": {
        "signs forgotten": lambda a: (1.0, 2 / a**2, 2**a * math.log(2)),
        "power rule on 2 ** a": lambda a: (-1.0, -2 / a**2, a * 2 ** (a - 1)),
        "constants right at 4": lambda a: (-1.0, -0.125, 16 * math.log(2)),
    },
    "check_reflected": {
        "self - other": (lambda s, o: s - o, lambda s, o: o / s),
        "self / other": (lambda s, o: o - s, lambda s, o: s / o),
        "a new Value, cut from self": (lambda s, o: Value(o - s.data), lambda s, o: o / s),
    },
    "check_count_parameters": {
        "weights only": count_weights_only,
        "every layer reads the inputs": count_everything_as_first_layer,
        "the notes' network's count, for every network": lambda nin, nouts: 56,
    },
    "check_weighted": {
        "the notes' zip": lambda w, x, b: sum((wi * xi for wi, xi in zip(w, x)), b),
        "an assert": checked_sum_with_assert,
        "a message without the lengths": checked_sum_vague,
        "the bias left out": lambda w, x, b: sum((wi * xi for wi, xi in zip(w, x, strict=True))),
    },
    "check_weight_shapes": {
        "transposed": weight_shapes_transposed,
        "every layer reads the inputs": lambda nin, nouts: [(n, nin) for n in nouts],
        "right for the notes' network only": weight_shapes_notes_only,
    },
    "check_product_shape": {
        "no check": product_shape_no_check,
        "a message without the shapes": product_shape_vague,
        "inner sizes kept": lambda a, b: (a[1], b[0]),
    },
    "check_weight_grads": {
        "transposed": lambda delta, x: [[d * xj for d in delta] for xj in x],
        "inputs alone": lambda delta, x: [list(x) for _ in delta],
        "delta times the sum of x": lambda delta, x: [[d * sum(x)] * len(x) for d in delta],
    },
    "check_without_zeroing": {
        "as if zeroed": lambda g: list(g),
        "each gradient counted k times": lambda g: [(k + 1) * x for k, x in enumerate(g)],
        "the total at every step": lambda g: [sum(g)] * len(g),
    },
    "check_train_step": {
        "up the gradient": step_ascent,
        "no zero_grad": step_without_zero_grad,
        "zero_grad after backward": step_zero_grad_after_backward,
        "returns the loss after the step": step_returns_loss_after,
    },
}


def run_checker(name, answer):
    """The checker's verdict on `answer` (a tuple holds several functions), as a list of lines."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # a checker prints nothing itself
        verdict = getattr(ex, name)(*answer if isinstance(answer, tuple) else [answer])
    assert out.getvalue() == "" and isinstance(verdict, str)
    return verdict.splitlines()


CASES = [(name, why) for name, answers in WRONG.items() for why in answers]


@pytest.mark.parametrize(("name", "why"), CASES, ids=[f"{n}: {w}" for n, w in CASES])
def test_checker_refuses_a_plausible_wrong_answer(name, why):
    for _ in range(3):  # random inputs: a wrong answer must fail every time, not by chance
        lines = run_checker(name, WRONG[name][why])
        assert len(lines) == 1 and lines[0].startswith("✗ Not yet: "), lines


def test_every_checker_is_tried_with_wrong_answers():
    checkers = {name for name in dir(ex) if name.startswith("check_")}
    assert checkers == set(WRONG)
    assert all(len(answers) >= 2 for answers in WRONG.values())


def test_a_hint_names_what_is_off_without_the_answer():
    (line,) = run_checker("check_sub", WRONG["check_sub"]["addition's locals copied"])
    assert "gradient reaching b" in line and "-1" not in line
    (line,) = run_checker("check_weight_grads", WRONG["check_weight_grads"]["transposed"])
    assert "the shape of W" in line
    (line,) = run_checker("check_backward", WRONG["check_backward"]["= for +="])
    assert "used more than once" in line and "+=" not in line


def test_checkers_leave_the_readers_random_state_alone():
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    run_checker("check_count_parameters", lambda nin, nouts: 0)
    run_checker("check_weight_shapes", weight_shapes_transposed)
    assert random.random() == expected


# --- Junk: whatever the reader writes, a verdict about that mistake, never a traceback ----------


def raises_its_own_error(*args):
    raise RuntimeError("my own mistake")


RAISE_LINE = raises_its_own_error.__code__.co_firstlineno + 1


JUNK = {  # what the reader's function does: (the function, words its verdict must contain)
    "forgets return": (lambda *args: None, "not None (is a return missing?)"),
    "returns an int": (lambda *args: 0, "not an int"),
    "returns a float": (lambda *args: 1.5, "not a float"),
    "returns a string": (lambda *args: "b, a + 1", "not a string"),
    "returns a numpy array": (lambda *args: np.zeros(7), "not a numpy array of shape (7,)"),
    "returns a list of the wrong length": (lambda *args: [1.0] * 7, "not a list of 7"),
    "returns a Value": (lambda *args: Value(1.5), "not a Value"),
    "raises": (
        raises_its_own_error,
        f"raised RuntimeError: my own mistake (line {RAISE_LINE})",
    ),
    "takes no argument": (lambda: 1.0, "but its parameters are ()"),
    "is not a function": (2.5, "the checker needs your function itself, but got a float"),
}
ONE_NODE = "check_sub check_mul_add check_sigmoid check_sqrt check_leaky_relu check_pow".split()
NOTHING_DONE = "each operand gets the node's gradient times its local derivative"
RETURNS = [kind for kind in JUNK if kind.startswith(("forgets", "returns"))]
JUNK_HINTS = {  # where what the function returns is the right kind of thing, or is not used
    **{
        (name, kind): NOTHING_DONE
        for name in ("check_backward", "check_second_call")
        for kind in RETURNS
    },
    ("check_count_parameters", "returns an int"): "is too low",
    ("check_count_parameters", "returns a float"): "is too low",
    ("check_train_step", "returns an int"): "should return the loss before the update",
    ("check_train_step", "returns a float"): "should return the loss before the update",
    **{(name, "returns a Value"): "one node whose operands are" for name in ONE_NODE},
    ("check_reflected", "returns a Value"): "computes the wrong result",
    ("check_weighted", "returns a Value"): "the sum is wrong",
}
CHECKERS = sorted(name for name in dir(ex) if name.startswith("check_"))
JUNK_CASES = [(name, kind) for name in CHECKERS for kind in JUNK]


@pytest.mark.parametrize(("name", "kind"), JUNK_CASES, ids=[f"{n}: {k}" for n, k in JUNK_CASES])
def test_every_checker_answers_junk_with_a_hint_about_it(name, kind):
    """Issue 18: anything a reader might write gets one ✗ line about that mistake, from the
    checker's own helpers (never its last resort, 'could not read'), and nothing raises."""
    answer, words = JUNK[kind]
    checker = getattr(ex, name)
    answers = [answer] * checker.__code__.co_argcount  # check_reflected takes two functions
    (line,) = run_checker(name, tuple(answers))
    assert line.startswith("✗ Not yet: ") and "could not read" not in line, line
    assert JUNK_HINTS.get((name, kind), words) in line, line


def test_an_error_inside_litgrad_is_shown_at_the_readers_line():
    def my_sub(a, b):
        return Value("a - b")

    (line,) = run_checker("check_sub", my_sub)
    assert "my_sub raised TypeError: Value data must be a real number" in line, line
    assert line.endswith(f"(line {my_sub.__code__.co_firstlineno + 1})"), line


def test_a_local_derivative_given_as_a_value_is_named():
    def my_sub(a, b):
        return Value(a.data - b.data, "", (a, b), (Value(1.0), -1.0), "-")

    (line,) = run_checker("check_sub", my_sub)
    assert "the local derivative for a should be a plain number, not a Value" in line, line


def backward_without_seed(root):
    for v in reversed(topo_sort(root)):
        for operand, local in zip(v._prev, v._local):
            operand.grad += local * v.grad


def backward_without_local(root):
    root.grad = 1.0
    for v in reversed(topo_sort(root)):
        for operand in v._prev:
            operand.grad += v.grad  # the local derivative forgotten


def backward_without_chain(root):
    root.grad = 1.0
    for v in reversed(topo_sort(root)):
        for operand, local in zip(v._prev, v._local):
            operand.grad += local  # the node's own gradient forgotten


def backward_of_the_output_only(root):
    root.grad = 1.0
    for operand, local in zip(root._prev, root._local):
        operand.grad += local * root.grad


def breadth_first_backward(root):
    root.grad = 1.0
    queue, seen = [root], {root}
    while queue:
        v = queue.pop(0)
        for operand, local in zip(v._prev, v._local):
            operand.grad += local * v.grad
            if operand not in seen:
                seen.add(operand)
                queue.append(operand)


BACKWARD_HINTS = {
    "seed": "seed the output's gradient with 1",
    "local derivative": NOTHING_DONE,
    "order": "out of order",
    "accumulation": "used more than once",
}
WRONG_BACKWARDS = {  # a wrong backward pass: the one hint it must get
    "no seed": (backward_without_seed, "seed"),
    "no local derivative": (backward_without_local, "local derivative"),
    "no chain": (backward_without_chain, "local derivative"),
    "only the output's node": (backward_of_the_output_only, "local derivative"),
    "topological, not reversed": (forward_order_backward, "order"),
    "breadth first: a node used thrice": (breadth_first_backward, "order"),
    "= for +=": (assign_backward, "accumulation"),
}


@pytest.mark.parametrize("why", WRONG_BACKWARDS)
def test_page_3s_hints_tell_the_mistakes_apart(why):
    """The seed, the local derivatives and the order are told apart by running the reader's
    function on graphs where only that mistake shows, and each gets its own hint alone."""
    backward, mistake = WRONG_BACKWARDS[why]
    for name in ("check_backward", "check_second_call"):
        (line,) = run_checker(name, backward)
        found = {kind for kind, words in BACKWARD_HINTS.items() if words in line}
        assert found == {mistake}, line


def test_the_module_is_tangled_from_the_exercise_sections():
    text = (ROOT / "src/litgrad/exercises.py").read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert header.startswith("# Generated by tools/tangle.py")
    assert all(page in header for page in PAGES), header

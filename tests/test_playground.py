"""The playground page (docs/playground.md): its data sets, its plain-float forward pass and its
session in CPython; then the page in chromium, where a network trains in the runner's worker.

The browser tests share one tab, in the order written (Python starts once, on the first Train):
the moons from a seed known to reach 95 % in a few steps are trained to 95 %, offline, and
paused; then the training step's code is edited to the squared error, and the loss the page shows
is the one CPython computes with that loss. The full run (100 steps, its times) is the
benchmark's: benchmarks/browser_playground.py. Under `make screenshots`, the paused playground at
1280 and 390 px, light and dark, goes to build/screenshots/playground-*.png.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import screenshots_wanted
from playwright.sync_api import Browser, Page
from test_accessibility import _PALETTE_JS, _STILL_JS, COLOUR_RULES, SIZES, axe_violations, serious
from test_browser import Visit, base_url, browser, screenshot  # noqa: F401  (fixtures by name)

from litgrad import MLP, total, weighted_sum
from litgrad import playground as pg
from litgrad.data import DATA_SETS, make_circles, make_moons, make_spiral, make_xor

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("playground")  # one tab, one start of Python
KNOWN_GOOD_SEED = 1  # the moons from this seed pass 95 % at step 17 of the default setting


def demo_step(model, points, labels, k, learning_rate=1.0, alpha=1e-4):
    """The page's training step, micrograd's demo (the page's block, copied to compare with)."""
    scores = [model(point) for point in points]
    margins = [(1 + -y * score).relu() for y, score in zip(labels, scores)]
    params = model.parameters()
    data_loss = total(margins) * (1.0 / len(margins))
    loss = data_loss + alpha * weighted_sum(params, params)
    model.zero_grad()
    loss.backward()
    rate = learning_rate * max(0.1, 1.0 - 0.9 * k / 100)
    for p in params:
        p.data -= rate * p.grad
    right = sum((s.data > 0) == (y > 0) for y, s in zip(labels, scores))
    return loss.data, right / len(labels)


def page_step_code() -> str:
    """The code of the page's training step, as the page shows it."""
    text = (ROOT / "docs/playground.md").read_text(encoding="utf-8")
    block = text.split('<div class="litgrad-playground-step" markdown>')[1].split("</div>")[0]
    return block.split("```python", 1)[1].split("\n", 1)[1].rsplit("```", 1)[0]


# --- CPython --------------------------------------------------------------------------------


def test_the_copy_above_is_the_pages_step():
    namespace: dict = {}
    exec(page_step_code(), namespace)
    for step in (namespace["train_step"], demo_step):
        random.seed(3)
        model = MLP(2, [8, 1], fused=True)
        points, labels = make_moons(20, 0.1, 3)
        namespace.setdefault("results", []).append(
            [step(model, points, labels, k) for k in range(3)]
        )
    assert namespace["results"][0] == namespace["results"][1]


@pytest.mark.parametrize("make", DATA_SETS.values())
def test_each_data_set_is_seeded_balanced_and_sized(make):
    points, labels = make(150, noise=0.2, seed=7)
    assert len(points) == len(labels) == 150
    assert labels.count(1.0) == labels.count(-1.0) == 75
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in points)
    assert make(150, noise=0.2, seed=7) == (points, labels)
    assert make(150, noise=0.2, seed=8)[0] != points


def notebook_moons(n: int, noise: float, seed: int):
    """The moons notebook's own `make_moons`, run from its cell."""
    notebook = json.loads((ROOT / "docs/notebooks/moons.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if "".join(c["source"]).startswith("def make_moons"))
    namespace = {"np": np}
    exec("".join(cell["source"]).split("\n\n\nX, y")[0], namespace)
    X, y = namespace["make_moons"](n, noise=noise, seed=seed)
    return X.tolist(), y.tolist()


def off_curve(points, labels):
    """Each point's distance from its moon's curve, the notebook's: the upper half circle of
    radius 1 centred at (0, 0) for +1, the lower one centred at (1, 0.5) for -1."""
    distances = []
    for (x, y), label in zip(points, labels):
        cx, cy, side = (0.0, 0.0, 1.0) if label > 0 else (1.0, 0.5, -1.0)
        dx, dy = x - cx, y - cy
        if dy * side >= 0:  # beside the arc: the distance to the circle
            distances.append(abs(math.hypot(dx, dy) - 1.0))
        else:  # beyond its ends: the distance to the nearer end
            distances.append(min(math.hypot(dx - 1, dy), math.hypot(dx + 1, dy)))
    return distances


def test_the_moons_are_the_notebooks_within_its_noise():
    noise = 0.1
    ours, theirs = make_moons(100, noise, 0), notebook_moons(100, noise, 0)
    assert ours[1] == theirs[1]  # 50 of +1, then 50 of -1
    for points, labels in (ours, theirs):
        distances = off_curve(points, labels)
        rms = math.sqrt(sum(d * d for d in distances) / len(distances))
        # the distance from a curve of a point moved by N(0, noise) on each axis: about one noise
        assert 0.5 * noise < rms < 1.3 * noise and max(distances) < 4 * noise
    # the same region of the plane, within the noise
    for axis in (0, 1):
        for pick in (min, max):
            a, b = (pick(p[axis] for p in s[0]) for s in (ours, theirs))
            assert abs(a - b) < 3 * noise
    # without noise, ours are on the curves exactly
    assert max(off_curve(*make_moons(100, 0.0, 0))) < 1e-12


def test_the_other_data_sets_have_their_shapes_without_noise():
    points, labels = make_circles(100, 0.0, 1)
    assert all(math.isclose(math.hypot(*p), 0.5 if y > 0 else 1.0) for p, y in zip(points, labels))
    points, labels = make_xor(100, 0.0, 1)
    assert all(
        (x * y > 0) == (label > 0) and min(abs(x), abs(y)) >= 0.1
        for (x, y), label in zip(points, labels)
    )
    points, labels = make_spiral(100, 0.0, 1)
    assert all(0.05 <= math.hypot(*p) <= 1.0 for p in points)


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((1, 0.1, 0), ValueError, "n must be an int of at least 2"),
        ((100.0, 0.1, 0), ValueError, "n must be an int"),
        ((100, -0.1, 0), ValueError, "noise must be a number of at least 0"),
        ((100, "0.1", 0), ValueError, "noise must be a number"),
        ((100, 0.1, "seed"), TypeError, "seed must be an int, got str"),
    ],
)
def test_bad_arguments_are_named(args, error, words):
    with pytest.raises(error, match=words):
        make_moons(*args)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_predict_is_the_forward_pass_without_a_graph(activation):
    random.seed(4)
    model = MLP(2, [8, 8, 1], activation=activation)
    points, _ = make_spiral(50, 0.1, 4)
    graph = [model(p).data for p in points]
    fast = pg.predict(model, points)
    assert max(abs(a - b) for a, b in zip(graph, fast)) < 1e-12
    assert len({round(s, 6) for s in fast}) > 40  # not a constant: the test would pass on one


def test_a_session_trains_reports_and_says_what_is_wrong():
    state = json.loads(pg.start(demo_step, json.dumps({"seed": KNOWN_GOOD_SEED})))
    assert state["step"] == 0 and len(state["grid"]) == pg.GRID**2 and len(state["points"]) == 100
    untrained = len(state["wrong"])
    state = json.loads(pg.advance(20, grid=True))
    assert state["step"] == 20 and len(state["losses"]) == 20
    assert state["losses"][-1] < state["losses"][0] and max(state["accuracies"]) >= 0.95
    assert len(state["wrong"]) < untrained
    scores = pg.predict(pg._session.model, pg._session.points)
    assert state["wrong"] == [
        i for i, (s, y) in enumerate(zip(scores, pg._session.labels)) if (s > 0) != (y > 0)
    ]


def test_a_session_refuses_a_bad_step_and_bad_settings():
    pg.start(lambda *args: 0.5, json.dumps({}))
    with pytest.raises(TypeError, match=r"train_step must return \(loss, accuracy\)"):
        pg.advance(1)
    with pytest.raises(ValueError, match="data must be one of moons, circles, xor, spiral"):
        pg.start(demo_step, json.dumps({"data": "rings"}))


# --- In the browser -------------------------------------------------------------------------

SQUARED = "    margins = [(score - y) ** 2 for y, score in zip(labels, scores)]"
STEP_JS = "() => Number(document.getElementById('litgrad-playground').dataset.step || -1)"
IDLE_JS = "() => !document.querySelector('.litgrad-playground-controls button').disabled"


@pytest.fixture(scope="module")
def playground_tab(browser: Browser, base_url: str) -> Iterator[tuple[Visit, Page]]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    visit = Visit(context)
    tab = visit.new_page()
    tab.set_default_timeout(180_000)  # Python's first start, on a busy two-core machine
    tab.goto(base_url + "playground/", wait_until="load")
    yield visit, tab
    context.close()


def status(tab: Page) -> dict:
    text = tab.locator(".litgrad-playground-status").inner_text()
    m = re.fullmatch(r"step (\d+) · loss ([\d.]+) · accuracy (\d+) %", text)
    assert m, f"status line: {text!r}"
    return {"step": int(m[1]), "loss": float(m[2]), "accuracy": int(m[3])}


def focused_name(tab: Page) -> str:
    return tab.evaluate(
        "() => { const e = document.activeElement;"
        " const label = e.labels && e.labels.length ? e.labels[0].firstChild.textContent : '';"
        " return e.getAttribute('aria-label') || label || ''; }"
    )


def test_the_moons_train_to_95_percent_offline_and_pause_stops(playground_tab):
    """Driven from the keyboard alone, once the seed is typed in."""
    visit, tab = playground_tab
    tab.get_by_label("Seed", exact=True).fill(str(KNOWN_GOOD_SEED))
    names = []
    for _ in range(5):  # Hidden layers, Activation, Learning rate, L2 strength, Train
        tab.keyboard.press("Tab")
        names.append(focused_name(tab))
    assert names[:4] == ["Hidden layers", "Activation", "Learning rate", "L2 strength"]
    assert names[4].startswith("Train")
    pause = tab.get_by_role("button", name=re.compile("^Pause"))
    # the step shown when the click arrives, not when Playwright was asked to press
    pause.evaluate(f"b => b.addEventListener('click', () => {{ window.pausedAt = ({STEP_JS})() }})")
    tab.keyboard.press("Enter")
    assert focused_name(tab).startswith("Pause")  # Train is off while it trains: focus moves
    tab.wait_for_function(
        "() => / · accuracy (9[5-9]|100) %/.test("
        "document.querySelector('.litgrad-playground-status').textContent)"
    )
    tab.keyboard.press("Enter")
    paused_at = tab.evaluate("window.pausedAt")
    tab.wait_for_function(IDLE_JS)
    stopped = tab.evaluate(STEP_JS)
    assert stopped <= paused_at + 1, "Pause let more than the step in progress run"
    tab.wait_for_timeout(1000)
    assert tab.evaluate(STEP_JS) == stopped, "the step counter moved after Pause"
    assert focused_name(tab).startswith("Train")
    for expected in ("Step", "Reset"):  # Pause is off now, and skipped
        tab.keyboard.press("Tab")
        assert focused_name(tab).startswith(expected)
    shown = status(tab)
    assert shown["step"] == stopped and shown["accuracy"] >= 95 and stopped < 30
    # what the page showed is what CPython computes, step for step, from the same seed
    pg.start(demo_step, json.dumps({"seed": KNOWN_GOOD_SEED}))
    cpython = json.loads(pg.advance(stopped, grid=True))
    assert f"{cpython['losses'][-1]:.4f}" == f"{shown['loss']:.4f}"
    caption = tab.locator("#litgrad-playground-caption").inner_text()
    right = 100 - len(cpython["wrong"])
    assert caption.startswith(f"Decision boundary after step {stopped}, on the two moons data")
    assert f"puts {right} of 100 points" in caption
    for i in cpython["wrong"][:8]:
        assert f"point {i + 1} (" in caption
    assert not serious(axe_violations(tab)), "axe: serious or critical violations, trained"
    tab.evaluate(_STILL_JS)  # no colour transitions for axe to catch half-way
    tab.evaluate(_PALETTE_JS, "slate")
    assert not serious(axe_violations(tab, COLOUR_RULES)), "axe: colours, trained, dark"
    tab.evaluate(_PALETTE_JS, "default")
    if screenshots_wanted():
        for scheme in ("default", "slate"):
            tab.evaluate(_PALETTE_JS, scheme)
            for size in ("desktop", "phone"):
                tab.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
                tab.evaluate("window.litgradPlayground.redraw()")  # the ink of this palette
                dark = "dark-" if scheme == "slate" else ""
                box = tab.locator("#litgrad-playground").bounding_box()
                box["y"] += tab.evaluate("window.scrollY")  # a clip of the page, not of the view:
                name = f"playground-{dark}{SIZES[size][0]}"  # no sticky header over the widget
                screenshot(tab, name, full_page=True, clip=box)
        tab.evaluate(_PALETTE_JS, "default")
        tab.set_viewport_size({"width": 1280, "height": 900})
    visit.check()  # no request left 127.0.0.1, no console error


def test_an_edited_loss_is_the_one_trained_with(playground_tab):
    visit, tab = playground_tab
    editor = tab.get_by_role("textbox", name=re.compile("^The training step"))
    code = editor.inner_text()
    margins = next(line for line in code.splitlines() if line.strip().startswith("margins ="))
    editor.fill(code.replace(margins, SQUARED))
    tab.get_by_role("button", name=re.compile("^Reset")).click()
    tab.wait_for_function(
        "() => document.getElementById('litgrad-playground').dataset.step === '0'"
    )
    tab.get_by_role("button", name=re.compile("^Step")).click()
    tab.wait_for_function(
        "() => document.getElementById('litgrad-playground').dataset.step === '1'"
    )
    shown = status(tab)

    namespace: dict = {}
    exec(page_step_code().replace(margins, SQUARED), namespace)
    squared = json.loads(pg.start(namespace["train_step"], json.dumps({"seed": KNOWN_GOOD_SEED})))
    squared = json.loads(pg.advance(1))
    pg.start(demo_step, json.dumps({"seed": KNOWN_GOOD_SEED}))
    hinge = json.loads(pg.advance(1))
    assert f"{squared['losses'][0]:.4f}" != f"{hinge['losses'][0]:.4f}"  # the test can tell
    assert f"{shown['loss']:.4f}" == f"{squared['losses'][0]:.4f}"

    tab.get_by_role("button", name=re.compile("^Restore the")).click()
    assert "margins = [(1 + -y * score).relu()" in editor.inner_text()
    visit.check()

"""Readable on every screen, usable by every reader: the built site audited in chromium.

Every page is opened once, in one tab per worker, on a 390x844 phone, then widened to a 1280x900
desktop (a resize, as when a reader turns a tablet: the layout follows the width, and nothing is
loaded again). It must load with no console error and no request outside the site; the smallest
rendered text of its drawings (every text of a Graphviz graph, or of a matplotlib plot that keeps
its text as text) must be at least 10 CSS px on the phone and 11 on the desktop; and axe-core must
find no serious or critical violation (the tests' server serves node_modules/axe-core beside the
site, so the browser keeps it compiled from page to page). On the desktop axe runs every rule in
the light palette and the colour rules in the dark one; on the phone, every rule but the colour
ones.

Colours come from the palette, not from the width: the site's own stylesheets set none inside a
width query, which a test below checks; Material's set some for narrow screens, all on its
navigation drawer, sidebar and search, which are closed on a page as loaded: axe found them not
visible on screen at 390 px when this was written. So the colour rules on the phone would repeat
the desktop's, and they are axe's costliest (each text element's colours and what lies under it).

Where axe cannot decide a text's contrast (it marks it *incomplete*: text over an SVG shape, a
lone symbol, a faded element), the audit computes it from the browser's colours (_CONTRAST_JS) and
fails below WCAG's 4.5:1 (3:1 for large text); a text it cannot compute either (over an image or a
gradient) must be listed, with why, in UNDECIDED.

On the desktop the same visit runs test_browser.py's `assert_page_content` (title, MathML, footer
links, graphs, notebook link), so no page is loaded twice for it. The step-through must work from
the keyboard alone and announce its captions. Every control of page 2 and the playground, tabbed
to and pointed at in both palettes, keeps its text at 4.5:1 (an icon at 3:1) and shows a focus
ring of 3:1 on what surrounds it: states axe never sees, as it audits the page at rest.

With LITGRAD_SCREENSHOTS=1 (`make screenshots`), each page is saved at both sizes in both palettes
as build/screenshots/a11y/[dark-]<size>-<page>.png: the pictures to look at after a change.
`python tests/test_accessibility.py SITE_DIR [PAGE...]` prints the same figures as a table.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import AXE, AXE_PATH
from playwright.sync_api import Browser, Page
from test_browser import (
    NAV_PAGES,
    Visit,
    assert_page_content,
    base_url,
    browser,
    page_url,
    screenshot,
    screenshots_wanted,
    shot_name,
)

from litgrad import Value, draw_graph, to_svg

__all__ = ["base_url", "browser"]  # fixtures, imported so that pytest finds them here

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
MIN_TEXT_PX = {"desktop": 11.0, "phone": 10.0}
COLOUR_RULES = ("color-contrast", "link-in-text-block")

# The rendered size of every text in each drawing, Graphviz's or matplotlib's (a node's record, a
# cluster's title, a tick label and its exponent): its font size in SVG units times the scale from
# SVG units to CSS px (the screen matrix's, rotation aside). Hidden step-through frames: skipped.
# A plot whose text matplotlib drew as outlines (the notebook's) has no text to measure: its
# smallest font as declared (to_svg's --litgrad-font, pt, over --litgrad-width, pt) stands for it.
_TEXT_PX_JS = """() => [...document.querySelectorAll("svg:is(.litgrad-graph, .litgrad-plot)")]
  .flatMap(svg => {
    if (!svg.getClientRects().length) return [];
    const texts = [...svg.querySelectorAll("text, tspan")].filter(t => t.textContent.trim());
    if (!texts.length) {
      const style = getComputedStyle(svg), font = style.getPropertyValue("--litgrad-font");
      return font ? [parseFloat(font) * svg.getBoundingClientRect().width
                     / parseFloat(style.getPropertyValue("--litgrad-width"))] : [];
    }
    return texts.filter(t => t.getClientRects().length).map(t => {
      const m = t.getScreenCTM();
      return parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    });
  })"""

# The contrast axe leaves undecided ("incomplete": text over an SVG shape, a lone symbol, a
# faded notebook prompt), computed from the browser's colours: for each element, its text colour
# (`fill` in SVG), faded by its own and its ancestors' opacity, over what is painted under its
# centre (elementsFromPoint, in paint order; an SVG node's shape, which precedes its text in the
# document), down to the first opaque colour. Where something under it is an image, a gradient or
# a pattern, or something over it paints, the contrast is not computed but `why` says so.
_CONTRAST_JS = """targets => {
  const rgba = text => {  // "rgb(r, g, b)" or "rgba(r, g, b, a)", else null
    const m = /^rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)$/.exec(text);
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const luminance = c => c.map(v => v / 255)
    .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + [0.2126, 0.7152, 0.0722][i] * v, 0);
  const name = e => e.tagName.toLowerCase() + (e.classList.length ? "." + e.classList[0] : "");
  const paint = e => {  // what e paints behind its content: a colour, null, or why it is unknown
    const style = getComputedStyle(e);
    if (["IMG", "CANVAS", "VIDEO", "IFRAME", "image"].includes(e.tagName)) return `an image`;
    if (style.backgroundImage !== "none") return `a background image or gradient`;
    if (e instanceof SVGGeometryElement && style.fill !== "none") {
      const fill = rgba(style.fill);
      if (!fill) return "an SVG gradient or pattern";
      fill[3] *= parseFloat(style.fillOpacity) * parseFloat(style.opacity);
      return fill[3] ? fill : null;
    }
    const colour = rgba(style.backgroundColor);
    return colour && colour[3] ? colour : null;
  };
  const judge = e => {
    const style = getComputedStyle(e);
    const fg = rgba(e instanceof SVGElement ? style.fill : style.color);
    if (!fg) return {why: "its text is painted with a gradient or pattern"};
    if (e instanceof SVGElement) fg[3] *= parseFloat(style.fillOpacity);
    e.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
    const box = e.getBoundingClientRect();
    const stack = document.elementsFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    const at = stack.findIndex(other => other.contains(e));  // e, or the ancestor hit
    if (at < 0) return {why: "it is not under its own centre"};
    const under = [e];  // its own background first
    for (const [i, other] of stack.entries()) {
      if (e.contains(other)) continue;
      if (i > at || other.contains(e) || (stack[at].contains(other)
          && e.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_PRECEDING)) {
        under.push(other);
      } else if (paint(other)) return {why: `${name(other)} is painted over it`};
    }
    const layers = [];
    let base = document.documentElement;
    for (const other of under) {
      const colour = paint(other);
      if (typeof colour === "string") return {why: `it is over ${colour} (${name(other)})`};
      if (colour) layers.push(colour);
      if (colour && colour[3] === 1) { base = other; break; }
    }
    for (let a = e; a && !a.contains(base); a = a.parentElement) {
      fg[3] *= parseFloat(getComputedStyle(a).opacity);  // fades the text, not what is under
    }
    let bg = [255, 255, 255];  // the canvas, if nothing under the text is opaque
    for (const layer of layers.reverse()) bg = over(layer, bg);
    const text = over(fg, bg);
    const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    const matrix = e instanceof SVGGraphicsElement ? e.getScreenCTM() : null;  // rendered size
    const px = parseFloat(style.fontSize) * (matrix ? Math.hypot(matrix.a, matrix.b) : 1);
    const large = px >= 24 || (px >= 18.66 && parseInt(style.fontWeight) >= 700);  // WCAG's
    const hex = c => "#" + c.map(v => Math.round(v).toString(16).padStart(2, "0")).join("");
    return {ratio: (hi + 0.05) / (lo + 0.05), needed: large ? 3 : 4.5,
            colours: `${hex(text)} on ${hex(bg)}`};
  };
  const [x, y] = [scrollX, scrollY];
  const judged = targets.map(target => {
    const e = document.querySelector(target);
    return {target, ...(e ? judge(e) : {why: "its selector finds nothing"})};
  });
  scrollTo({left: x, top: y, behavior: "instant"});
  return judged;
}"""

# axe's violations, and two of our own from the contrast it could not decide (_CONTRAST_JS): the
# nodes computed below WCAG's minimum, as serious; those not computable, with why, as "undecided".
_AXE_JS = (
    """async ([only, off]) => {
  const options = {resultTypes: ["violations", "incomplete"], rules: {}};
  if (only) options.runOnly = only;
  for (const rule of off) options.rules[rule] = {enabled: false};
  const result = await axe.run(document, options);
  const found = result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
  const undecided = result.incomplete.filter(r => r.id === "color-contrast")
    .flatMap(r => r.nodes.map(n => n.target.join(" ")));
  const judged = ("""
    + _CONTRAST_JS
    + """)(undecided);
  const low = judged.filter(j => j.ratio < j.needed).map(j =>
    `${j.target}: ${j.ratio.toFixed(2)}:1 < ${j.needed}:1, ${j.colours}`);
  const unknown = judged.filter(j => j.why).map(j => `${j.target}: ${j.why}`);
  if (low.length) found.push({id: "color-contrast (computed)", impact: "serious",
                              nodes: low.length, targets: low.slice(0, 3)});
  if (unknown.length) found.push({id: "color-contrast (undecided)", impact: "undecided",
                                  nodes: unknown.length, targets: unknown});
  return found;
}"""
)

# No transitions: axe would measure colours half-way through one (a palette switch, or Material's
# navigation changing its colours when the screen widens from phone to desktop).
_STILL_JS = """() => {
  const still = document.createElement("style");
  still.textContent = "*, *::before, *::after { transition: none !important; }";
  document.head.append(still);
}"""
# The palette toggle's effect: "slate" is the dark palette, "default" the light one.
_PALETTE_JS = """scheme => {
  document.body.setAttribute("data-md-color-scheme", scheme);
  document.body.setAttribute("data-md-color-media",
                             `(prefers-color-scheme: ${scheme === "slate" ? "dark" : "light"})`);
}"""
# Highlighted code repeats itself: every token of one Pygments class in one code block has the same
# colour, font and background (the stylesheet tells them apart by class and line only), so axe's
# contrast rule checks one of each per block: the first on screen, by class and by the class of the
# line around it. It checks thousands fewer tokens on a notes page, a quarter of the desktop
# audit's time when this was written; the one it checks stands for the others.
_SAMPLE_CODE_JS = """() => {
  let left = 0;
  for (const block of document.querySelectorAll("pre > code")) {
    const view = block.parentElement.getBoundingClientRect(), seen = new Set();
    for (const token of block.querySelectorAll("span[class]")) {
      const key = token.className + " in " + token.parentElement.className;
      const box = token.getBoundingClientRect();
      const onScreen = box.right > view.left && box.left < view.right
                       && box.bottom > view.top && box.top < view.bottom;
      if (onScreen && !seen.has(key)) {
        seen.add(key);
        token.removeAttribute("data-litgrad-same");
      } else {
        token.setAttribute("data-litgrad-same", "");
        left++;
      }
    }
  }
  axe.configure({rules: [{id: "color-contrast", selector: "*:not([data-litgrad-same])"}]});
  return left;
}"""
# Two frames after a resize: the layout is final and ResizeObserver callbacks have run (the
# "Scroll sideways" hints of docs/assets/graphs.js).
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def smallest_graph_text(tab: Page) -> float | None:
    sizes = tab.evaluate(_TEXT_PX_JS)
    return round(min(sizes), 2) if sizes else None


def load_axe(tab: Page) -> None:
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.add_script_tag(url=urljoin(tab.url, AXE_PATH))  # served by SiteHandler


def axe_violations(
    tab: Page, only: list[str] | None = None, disable: tuple[str, ...] = ()
) -> list[dict]:
    """axe-core's violations on the page as it is now: every rule, or only those in `only`, less
    those in `disable`."""
    load_axe(tab)
    return tab.evaluate(_AXE_JS, [only, list(disable)])


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def undecided(violations: list[dict]) -> list[str]:
    """Each text whose contrast was left undecided, and why (_AXE_JS)."""
    return sorted(t for v in violations if v["impact"] == "undecided" for t in v["targets"])


# (page, size, palette) -> the texts whose contrast neither axe nor _CONTRAST_JS can decide, each
# `selector: why`. None today: axe's undecided texts are Graphviz's labels over their node's
# shape, MathML's lone operators, matplotlib's tick labels and the notebook's prompts, all over
# plain colours. A new one fails until it is looked at (screenshots) and listed here, with why.
UNDECIDED: dict[tuple[str, str, str], list[str]] = {}


def open_at(tab: Page, base: str, page: str, size: str) -> None:
    """Open `page` at `size`, once it has loaded and its fonts are in (text boxes are final), with
    no transitions from then on."""
    resize(tab, size)
    response = tab.goto(page_url(base, page), wait_until="load")
    assert response is not None and response.status == 200, f"{page}: HTTP {response.status}"
    tab.evaluate("document.fonts.ready")
    tab.evaluate(_STILL_JS)


def resize(tab: Page, size: str) -> None:
    tab.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    tab.evaluate(_TWO_FRAMES_JS)


def audit_page(tab: Page, page: str, size: str) -> dict:
    """The open page's smallest graph text and axe's findings: on the desktop, every rule in the
    light palette and the colour rules in the dark one, with one token of highlighted code per
    class and block for the contrast rule (_SAMPLE_CODE_JS); on the phone, every rule but the
    colour ones (see the module's docstring). The page is left light. Under `make screenshots`,
    the page in both palettes."""
    name = f"a11y/{size}-{shot_name(page)}"
    screenshot(tab, name, full_page=True)
    found = {"text": smallest_graph_text(tab), "dark": []}
    if size == "desktop":
        load_axe(tab)
        tab.evaluate(_SAMPLE_CODE_JS)
        found["light"] = axe_violations(tab)
    else:
        found["light"] = axe_violations(tab, disable=COLOUR_RULES)
    if size == "desktop" or screenshots_wanted():
        tab.evaluate(_PALETTE_JS, "slate")
        screenshot(tab, name.replace("a11y/", "a11y/dark-"), full_page=True)
        if size == "desktop":
            found["dark"] = axe_violations(tab, COLOUR_RULES)
        tab.evaluate(_PALETTE_JS, "default")
    return found


def audit_at_both_sizes(
    tab: Page, base: str, page: str, on_the_desktop: Callable[[], None] = lambda: None
) -> dict[str, dict]:
    """`page` opened on the phone and audited, then widened to the desktop, where
    `on_the_desktop` runs before the audit: each size's findings (audit_page)."""
    open_at(tab, base, page, "phone")
    found = {"phone": audit_page(tab, page, "phone")}
    resize(tab, "desktop")
    on_the_desktop()
    found["desktop"] = audit_page(tab, page, "desktop")
    return found


@pytest.fixture(scope="module")
def visit_tab(browser: Browser) -> Iterator[tuple[Visit, Page]]:
    """One tab for every page and size, recording requests and console errors (test_browser.py's
    Visit): each page is loaded once, for every check this module and test_browser.py make of a
    loaded page."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make node_modules/.installed`", pytrace=False)
    visit = Visit(browser.new_context(color_scheme="light"))
    yield visit, visit.new_page()
    visit.context.close()


@pytest.fixture
def tab(visit_tab: tuple[Visit, Page]) -> Page:
    visit_tab[0].reset()
    return visit_tab[1]


@pytest.mark.parametrize("page", NAV_PAGES)
def test_page_loads_cleanly_reads_well_and_axe_finds_nothing_serious(
    visit_tab: tuple[Visit, Page], base_url: str, page: str
) -> None:
    visit, tab = visit_tab
    visit.reset()
    found = audit_at_both_sizes(tab, base_url, page, lambda: assert_page_content(tab, page))
    visit.check()
    assert visit.requests, "no request recorded"
    for size, seen in found.items():
        text = seen["text"]
        if text is not None:
            assert text >= MIN_TEXT_PX[size], f"{page} at {size}: graph text {text}px"
        for scheme in ("light", "dark"):
            bad = serious(seen[scheme])
            assert not bad, f"{page} at {size}, {scheme}: {json.dumps(bad, indent=1)}"
            assert undecided(seen[scheme]) == UNDECIDED.get((page, size, scheme), []), (
                f"{page} at {size}, {scheme}: a contrast neither axe nor _CONTRAST_JS decides"
            )


def wcag_contrast(fg: str, bg: str) -> float:
    """WCAG 2's contrast ratio of two opaque colours given as #rrggbb."""

    def luminance(colour: str) -> float:
        c = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_contrast_axe_leaves_undecided_is_computed_or_said_unknown(tab: Page) -> None:
    """_CONTRAST_JS on the cases axe leaves incomplete: text faded by opacity, SVG text over its
    node's shape, text over a translucent colour, large text; over a gradient or under another
    element, not computed."""
    tab.set_content("""<body style="margin: 0; background: #fff">
      <div style="opacity: 0.5; color: #616161"><span id="faded">In [1]:</span></div>
      <svg width="200" height="40"><g><rect width="200" height="40" fill="#1e2129"/>
        <text id="svg" x="8" y="25" font-size="14" fill="#777777">+</text></g></svg>
      <div style="background: rgba(0, 0, 0, 0.6)"><span id="half" style="color: #fff">x</span></div>
      <h1 id="large" style="font-size: 32px; color: #949494">y</h1>
      <div style="background: linear-gradient(#000, #fff)"><span id="gradient">z</span></div>
      <div style="position: relative"><span id="covered">w</span>
        <div style="position: absolute; inset: 0; background: #eee"></div></div>
    </body>""")
    judged = {
        j["target"]: j
        for j in tab.evaluate(
            _CONTRAST_JS, ["#faded", "#svg", "#half", "#large", "#gradient", "#covered"]
        )
    }
    expected = {  # (text over background, as blended by hand; the minimum WCAG asks)
        "#faded": ("#b0b0b0", "#ffffff", 4.5),  # 0x61 at half opacity over 0xff: 0xb0
        "#svg": ("#777777", "#1e2129", 4.5),
        "#half": ("#ffffff", "#666666", 4.5),  # black at 0.6 over white: 0x66
        "#large": ("#949494", "#ffffff", 3),
    }
    for target, (fg, bg, needed) in expected.items():
        got = judged[target]
        assert got["colours"] == f"{fg} on {bg}" and got["needed"] == needed, got
        assert got["ratio"] == pytest.approx(wcag_contrast(fg, bg), rel=1e-9), got
    assert judged["#gradient"]["why"] == "it is over a background image or gradient (div)"
    assert judged["#covered"]["why"] == "div is painted over it"


def test_the_sites_stylesheets_set_no_colour_by_screen_width() -> None:
    """Why the colour rules run on the desktop only (above)."""
    for sheet in sorted((ROOT / "docs" / "assets").glob("*.css")):
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for query in re.finditer(r"@media[^{]*\{", css):
            if "width" not in query[0]:
                continue  # print.css: paper, not a screen
            depth, end = 1, query.end()
            while depth:  # to the query's own closing brace
                depth += {"{": 1, "}": -1}.get(css[end], 0)
                end += 1
            block = css[query.end() : end]
            assert not re.search(r"(^|[;{\s])(color|background|fill|stroke|border)", block), (
                f"{sheet.name}: {query[0]} sets a colour; run the colour rules on the phone too"
            )


# --- Every control's focused and hovered state, in both palettes ---------------------------------

# The control `e` as the reader sees it in its present state (focused or hovered): its text's (or
# icon's) contrast from _CONTRAST_JS's judge, 3:1 enough for an icon without text (WCAG 1.4.11);
# and, when focused, its focus ring: outline style and width, and its colour's contrast with the
# first opaque background behind the control (the ring is drawn around it, on that background).
# Material's palette toggle is a hidden radio button whose label shows the focus: the label is
# measured. `kind` names the control for the report: its tag, classes and name.
_CONTROL_JS = (
    """([selector, focused]) => {
  let e = selector ? document.querySelector(selector) : document.activeElement;
  if (e === document.body) return null;  // tabbed past the last control
  const at = e.outerHTML.slice(0, 200);
  if (e.matches(".md-option")) e = e.nextElementSibling;
  const name = e.getAttribute("aria-label") || e.getAttribute("title") || e.textContent.trim();
  const classes = [...e.classList].filter(c => c !== "focus-visible").join(".");
  const kind = `${e.tagName.toLowerCase()}.${classes} "${name.slice(0, 24)}"`;
  // One of each kind per palette is judged: Reset example 3 stands for every Reset.
  const key = [document.body.dataset.mdColorScheme, e.tagName, classes,
               name.replace(/\\d+/g, "N")].join(" ");
  const known = window.litgradControls ??= new Set();
  if (focused && known.has(key)) return {at, known: true};
  known.add(key);
  e.setAttribute("data-litgrad-control", "");
  const judged = ("""
    + _CONTRAST_JS
    + """)(["[data-litgrad-control]"])[0];
  e.removeAttribute("data-litgrad-control");
  const rgba = text => (/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/
    .exec(text) || []).slice(1).map(v => v === undefined ? 1 : +v);
  const luminance = c => c.slice(0, 3).map(v => v / 255)
    .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + [0.2126, 0.7152, 0.0722][i] * v, 0);
  let behind = [255, 255, 255, 1];
  for (let a = e.parentElement; a; a = a.parentElement) {
    const c = rgba(getComputedStyle(a).backgroundColor);
    if (c.length && c[3] === 1) { behind = c; break; }
  }
  const style = getComputedStyle(e), ring = rgba(style.outlineColor);
  const over = ring.slice(0, 3).map((v, i) => v * ring[3] + behind[i] * (1 - ring[3]));
  const [hi, lo] = [luminance(over), luminance(behind)].sort((a, b) => b - a);
  return {at, kind, icon: !e.textContent.trim(), ...judged,
          ring: focused ? {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                           ratio: (hi + 0.05) / (lo + 0.05)} : null};
}"""
)
# One control of each kind on screen, for the pointer: a selector for each (marked here).
_HOVER_TARGETS_JS = """() => {
  const kinds = [".md-header__button.md-logo", "label.md-header__button",
    ".md-typeset .md-button--primary", ".md-typeset .md-button:not(.md-button--primary)",
    ".md-code__button, .md-clipboard", ".md-nav__link[href]", ".md-footer__link",
    ".litgrad-controls button"];
  return kinds.flatMap((kind, i) => {
    const e = [...document.querySelectorAll(kind)].find(e => e.checkVisibility()
      && e.getBoundingClientRect().width && !e.disabled);
    if (!e) return [];
    e.setAttribute("data-litgrad-hover", i);
    return [`[data-litgrad-hover="${i}"]`];
  });
}"""
CONTROL_PAGES = ["notes/02-neuron.md", "playground.md"]


def control_problems(state: dict, how: str) -> list[str]:
    """What is wrong with one control's measured state (_CONTROL_JS), in words."""
    kind, problems = f"{state['kind']} {how}", []
    if state["kind"].startswith("div.md-search__scrollwrap"):
        return []  # the search results' box, empty until the reader types (Material's search)
    if "why" in state:
        return [f"{kind}: contrast not computed, {state['why']}"]
    needed = 3 if state["icon"] else state["needed"]
    if state["ratio"] < needed:
        problems.append(f"{kind}: {state['ratio']:.2f}:1 < {needed}:1 ({state['colours']})")
    ring = state["ring"]
    if state["kind"].startswith("input.md-search__input"):
        ring = (
            None  # focused, Material's search field opens as a panel over the page: that shows it
        )
    if ring is not None and (ring["style"] == "none" or ring["width"] < 1 or ring["ratio"] < 3):
        problems.append(f"{kind}: focus ring {ring}")
    return problems


@pytest.mark.parametrize("page", CONTROL_PAGES)
def test_every_control_is_readable_focused_and_hovered_in_both_palettes(
    tab: Page, base_url: str, page: str
) -> None:
    """Tab through the whole page, as a keyboard reader does, then point at each kind of control
    (button, link styled as one, navigation entry, header button, copy button): its text at least
    4.5:1 (an icon 3:1) and a focus ring of at least 3:1 on what surrounds it (WCAG 1.4.3, 1.4.11),
    in both palettes. Material's accent fell below both (litgrad.css, "Focus and hover")."""
    open_at(tab, base_url, page, "desktop")
    tab.evaluate("window.litgradControls = new Set()")
    seen: dict[str, dict] = {}
    problems: list[str] = []
    for scheme in ("default", "slate"):
        tab.evaluate(_PALETTE_JS, scheme)
        tab.evaluate("document.activeElement.blur(); scrollTo(0, 0)")
        first = None
        for _ in range(400):  # every focusable element of the page, once
            tab.keyboard.press("Tab")
            state = tab.evaluate(_CONTROL_JS, [None, True])
            if state is None or state["at"] == first:
                break
            first = first or state["at"]
            if not state.get("known"):
                seen[f"{scheme} {state['kind']}"] = state
                problems += control_problems(state, f"focused, {scheme}")
        # Hover each kind of button once: the pointer over it, nothing focused.
        tab.evaluate("document.activeElement.blur()")
        for selector in tab.evaluate(_HOVER_TARGETS_JS):
            tab.locator(selector).first.scroll_into_view_if_needed()
            tab.hover(selector)
            state = tab.evaluate(_CONTROL_JS, [selector, False])
            problems += control_problems(state, f"hovered, {scheme}")
        tab.mouse.move(0, 0)
    tab.evaluate(_PALETTE_JS, "default")
    if os.environ.get("LITGRAD_CONTROLS"):  # the figures, for a report
        print(
            *(f"{k}: {v.get('ratio', 0):.2f} ring {v['ring']}" for k, v in seen.items()), sep="\n"
        )
    kinds = {k.split(" ", 1)[1].split(" ")[0] for k in seen}
    assert {"button.md-button.md-button--primary", "button.md-button", "a.md-nav__link"} <= kinds
    assert not problems, "\n".join(problems)


# --- The drawings themselves (no browser) ---------------------------------------------------------


def neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2 + Value(6.7, label="b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def test_a_graph_says_what_it_shows_and_each_part_is_titled_by_its_values() -> None:
    o = neuron()
    svg = to_svg(draw_graph(o))
    alt = f"o = tanh(n): 10 values, 5 operations; o = {math.tanh(0.7):.4f}, grad 1"
    assert f'aria-label="{alt}"' in svg and f"<title>{alt}</title>" in svg
    titles = re.findall(r"<title>(.*?)</title>", svg)
    assert len(titles) == 1 + 15 + 14  # the drawing, 10 values + 5 operations, 14 edges
    assert not [t for t in titles if re.fullmatch(r"v\d+(op)?(&#45;&gt;.*)?|%\d+", t)], titles
    assert "x1: data 2, grad -1.9042" in titles  # grad = w1 * (1 - o**2)
    assert f"w1: data -3, grad {2 * (1 - o.data**2):.4f}" in titles
    assert "x1 into (*) = x1 * w1" in titles and "o = tanh(n)" in titles


def test_long_chains_are_drawn_top_to_bottom_and_short_ones_left_to_right() -> None:
    a = Value(1.0, label="a")
    assert draw_graph(a * a + a).graph_attr["rankdir"] == "LR"  # 2 operations deep
    assert draw_graph(((a * a + a) * a).tanh()).graph_attr["rankdir"] == "TB"  # 4 deep
    assert draw_graph(((a * a + a) * a).tanh(), "LR").graph_attr["rankdir"] == "LR"
    with pytest.raises(ValueError, match="rankdir must be"):
        draw_graph(a, "RL ")


@pytest.mark.parametrize(
    ("x", "shown"),
    [(2.0, "2"), (-3.0, "-3"), (0.60436, "0.6044"), (6.7, "6.7"), (-0.0, "0"), (1e-5, "1.000e-05")],
)
def test_numbers_in_records_lose_only_trailing_zeros(x: float, shown: str) -> None:
    record = draw_graph(Value(x, label="v")).source
    assert f"data {shown}<" in record


def test_any_drawing_carries_its_size_for_the_stylesheet_and_an_alt_when_given() -> None:
    import graphviz

    dot = graphviz.Digraph(node_attr={"fontsize": "9"})
    dot.edge("a", "b")
    svg = to_svg(dot, alt="a points at b")
    width = re.search(r' width="([\d.]+)pt"', svg)[1]
    assert f'style="--litgrad-width: {width}pt; --litgrad-font: 9"' in svg
    assert 'aria-label="a points at b"' in svg and "<title>a points at b</title>" in svg
    assert "aria-label" not in to_svg(dot)  # no alt, none invented
    dot.graph_attr["tooltip"] = "a, then b"
    assert 'aria-label="a, then b"' in to_svg(dot)  # Graphviz's hover text for the drawing


def test_the_build_puts_each_drawing_in_a_focusable_named_card() -> None:
    from accessibility import accessible

    page = accessible('<p><svg class="litgrad-graph" aria-label="x &lt; 1"><g/></svg></p>')
    card = '<span class="litgrad-scroll" role="region" tabindex="0" aria-label="Drawing: x &lt; 1">'
    assert (
        page == f'<p>{card}<svg class="litgrad-graph" aria-label="x &lt; 1"><g/></svg></span></p>'
    )
    with pytest.raises(ValueError, match="no text alternative"):
        accessible('<svg class="litgrad-plot"><g/></svg>')
    assert accessible("<table><tr></tr></table>") == '<table tabindex="0"><tr></tr></table>'


# --- The step-through from the keyboard alone ----------------------------------------------------

# What has focus: its class or tag, and whether it shows a focus ring of at least 2 px.
_FOCUS_JS = """() => {
  const e = document.activeElement, style = getComputedStyle(e);
  return {what: e.classList[0] || e.tagName.toLowerCase(), label: e.getAttribute("aria-label"),
          ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""
# Focus the last focusable element before the first widget: from there on, only keys are used.
_BEFORE_WIDGET_JS = """() => {
  const widget = document.querySelector(".litgrad-stepper");
  const focusable = [...document.querySelectorAll("a[href], button, input, [tabindex='0']")]
    .filter(e => e.checkVisibility() && !widget.contains(e)
                 && e.compareDocumentPosition(widget) & Node.DOCUMENT_POSITION_FOLLOWING);
  focusable.at(-1).focus();
}"""


def focused(tab: Page) -> dict:
    return tab.evaluate(_FOCUS_JS)


def shown_and_said(widget) -> tuple[int, str, str]:
    """The visible frame's index and caption, and what the live region last said."""
    return widget.evaluate("""w => {
      const frames = [...w.querySelectorAll(".litgrad-frame")];
      const shown = frames.findIndex(f => f.checkVisibility());
      const live = w.querySelector("[aria-live]");
      return [shown, frames[shown].querySelector("figcaption").textContent,
              live ? live.textContent : ""];
    }""")


def test_step_through_works_from_the_keyboard_alone_and_says_each_caption(
    tab: Page, base_url: str
) -> None:
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto(page_url(base_url, "notes/02-neuron.md"), wait_until="load")
    widget = tab.locator(".litgrad-stepper").first
    last = widget.locator(".litgrad-frame").count() - 1
    tab.evaluate(_BEFORE_WIDGET_JS)
    tab.keyboard.press("Tab")
    assert focused(tab)["what"] == "litgrad-stepper" and focused(tab)["ring"], focused(tab)
    assert focused(tab)["label"], "the widget has no accessible name"

    def expect(index: int) -> None:
        shown, caption, said = shown_and_said(widget)
        assert shown == index, (shown, index)
        assert said == caption and caption.startswith(f"Step {index} of {last}" if index else "")

    for key, index in [("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1), ("End", last)]:
        tab.keyboard.press(key)
        expect(index)
    tab.keyboard.press("Home")
    assert shown_and_said(widget)[0] == 0
    # Tab on through the controls: each shows its focus ring and works from the keyboard.
    tab.keyboard.press("Tab")
    assert focused(tab)["label"] == "Previous step" and focused(tab)["ring"], focused(tab)
    tab.keyboard.press("Tab")
    assert focused(tab)["label"] == "Step" and focused(tab)["ring"], focused(tab)
    tab.keyboard.press("ArrowRight")  # the slider's own key
    expect(1)
    tab.keyboard.press("Tab")
    assert focused(tab)["label"] == "Next step" and focused(tab)["ring"], focused(tab)
    tab.keyboard.press("Enter")
    expect(2)
    tab.keyboard.press("Space")
    expect(3)
    tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Enter")  # Previous
    expect(2)


def main(site: Path, pages: list[str]) -> None:
    """Print, per page and size, the smallest graph text and axe's counts."""
    import http.server
    import threading
    from functools import partial

    from chromium import CHROMIUM, CHROMIUM_ARGS
    from conftest import SiteHandler, site_prefix
    from playwright.sync_api import sync_playwright

    prefix = site_prefix()
    handler = partial(type("Handler", (SiteHandler,), {"prefix": prefix}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    moderate: dict[str, int] = {}
    print(
        "| page | size | smallest graph text (px) | serious+critical light / dark | moderate "
        "| contrast undecided |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = chromium.new_context(color_scheme="light").new_page()
        for page in pages:
            for size, found in audit_at_both_sizes(tab, base, page).items():
                bad = [sum(v["nodes"] for v in serious(found[s])) for s in ("light", "dark")]
                mod = [v for s in ("light", "dark") for v in found[s] if v["impact"] == "moderate"]
                for v in mod:
                    moderate[v["id"]] = moderate.get(v["id"], 0) + v["nodes"]
                ids = sorted({v["id"] for s in ("light", "dark") for v in serious(found[s])})
                unknown = [t for s in ("light", "dark") for t in undecided(found[s])]
                print(
                    f"| {page} | {size} | {found['text']} | {bad[0]} / {bad[1]} {ids} |"
                    f" {sum(v['nodes'] for v in mod)} | {len(unknown)} {unknown[:3]} |"
                )
        chromium.close()
    server.shutdown()
    print("moderate, nodes over all pages, sizes and palettes:", moderate)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] or NAV_PAGES)

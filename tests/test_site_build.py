"""The built site: every nav page is there, math is MathML, and nothing is loaded from elsewhere.

The site is built once per session by the `site_dir` fixture (tests/conftest.py), which also fails
on any build warning.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
from tangle import nav_entries, read_config

ROOT = Path(__file__).resolve().parents[1]


CONFIG = read_config(ROOT)
SITE_HOST = (urlsplit(CONFIG.get("site_url") or "").hostname or "").lower()
NAV_PAGES = nav_entries(CONFIG.get("nav") or [])  # relative to docs/, notebooks included


def built_path(page: str) -> PurePosixPath:
    """Where mkdocs writes a page: `notes/01-value.md` -> `notes/01-value/index.html`."""
    src = PurePosixPath(page)
    if src.stem in ("index", "README"):
        return src.parent / "index.html"
    if CONFIG.get("use_directory_urls", True):
        return src.parent / src.stem / "index.html"
    return src.with_suffix(".html")


def test_nav_is_not_empty() -> None:
    assert NAV_PAGES, "mkdocs.yml has no nav pages"


@pytest.mark.parametrize("page", NAV_PAGES)
def test_nav_page_is_built(site_dir: Path, page: str) -> None:
    out = site_dir / built_path(page)
    assert out.is_file(), f"{page} in mkdocs.yml nav was not built to {out.relative_to(site_dir)}"


class _PageScan(HTMLParser):
    """Collects, for one HTML page, the text of arithmatex elements outside <math>, and every URL
    the page would load (src/href/... attributes, except the href of an <a> link)."""

    URL_ATTRS = ("src", "href", "xlink:href", "data", "poster", "srcset")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.math_spans: list[dict] = []  # {"text": raw text outside <math>, "has_math": bool}
        self.loads: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self._open: list[list] = []  # per arithmatex element we are in: [tag, open <tag> count]
        self._in_math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in self.URL_ATTRS:
            value = attributes.get(name)
            if value is None or (tag == "a" and name in ("href", "xlink:href")):
                continue
            urls = [value]
            if name == "srcset":  # "a.png 1x, b.png 2x"
                urls = [c.split()[0] for c in value.split(",") if c.strip()]
            self.loads += [(tag, name, url.strip()) for url in urls]
        if self._open and self._open[-1][0] == tag:
            self._open[-1][1] += 1
        if tag == "math":
            self._in_math += 1
            if self._open:
                self.math_spans[-1]["has_math"] = True
        if "arithmatex" in (attributes.get("class") or "").split():
            self._open.append([tag, 1])
            self.math_spans.append({"text": "", "has_math": False})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "math" and self._in_math:
            self._in_math -= 1
        if self._open and self._open[-1][0] == tag:
            self._open[-1][1] -= 1
            if self._open[-1][1] == 0:
                self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and not self._in_math:
            self.math_spans[-1]["text"] += data


def _scan(page: Path) -> _PageScan:
    scan = _PageScan()
    scan.feed(page.read_text(encoding="utf-8"))
    scan.close()
    return scan


def _html_pages(site_dir: Path) -> list[Path]:
    pages = sorted(site_dir.rglob("*.html"))
    assert pages, f"no HTML in {site_dir}"
    return pages


TEX = re.compile(r"\\[()\[\]]|\\[A-Za-z]+|\$\$")  # \( \) \[ \] \frac ... $$


def test_math_is_mathml(site_dir: Path) -> None:
    problems = []
    for page in _html_pages(site_dir):
        for span in _scan(page).math_spans:
            if not span["has_math"] or TEX.search(span["text"]):
                problems.append(f"{page.relative_to(site_dir)}: {span['text'].strip()[:80]!r}")
    assert not problems, "arithmatex elements left as raw TeX (not <math>):\n" + "\n".join(problems)


_CODE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$|`[^`\n]+`", re.M | re.S)


def _has_math(page: str) -> bool:
    """Whether a page's Markdown has \\( or \\[ math outside code."""
    source = ROOT / "docs" / page
    return source.is_file() and bool(
        re.search(r"\\\(|\\\[", _CODE.sub("", source.read_text(encoding="utf-8")))
    )


@pytest.mark.parametrize("page", [p for p in NAV_PAGES if p.endswith(".md") and _has_math(p)])
def test_page_with_math_has_mathml(site_dir: Path, page: str) -> None:
    html = (site_dir / built_path(page)).read_text(encoding="utf-8")
    if "<math" not in html:
        pytest.fail(f"{page} has \\( or \\[ math but its HTML has no <math> element")


def _external(url: str) -> bool:
    """True for an absolute URL (http://, https://, //) to a host other than the site's own."""
    if not re.match(r"(?i)(https?:)?//", url):
        return False
    return (urlsplit(url).hostname or "").lower() != SITE_HOST


def test_nothing_loaded_from_outside(site_dir: Path) -> None:
    loads = [
        f"{page.relative_to(site_dir)}: <{tag} {attr}={url!r}>"
        for page in _html_pages(site_dir)
        for tag, attr, url in _scan(page).loads
        if _external(url)
    ]
    assert not loads, "the site loads resources from other hosts:\n" + "\n".join(loads)


_CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)["']?((?:https?:)?//[^"')\s;]+)""", re.I)


def test_no_stylesheet_loads_from_outside(site_dir: Path) -> None:
    """No stylesheet, <style> or style= in the site fetches a url(...) or @import from elsewhere."""
    loads = [
        f"{path.relative_to(site_dir)}: {url}"
        for path in sorted(site_dir.rglob("*.css")) + _html_pages(site_dir)
        for url in _CSS_URL.findall(path.read_text(encoding="utf-8"))
        if _external(url)
    ]
    assert not loads, "the site's CSS loads from other hosts:\n" + "\n".join(loads)

"""Every link in the built site leads somewhere: no broken internal link or anchor, no duplicate id.

mkdocs' own validation (mkdocs.yml `validation:`) checks the links written in Markdown; this checks
the HTML as served, so it also covers the theme's links, the 404 page, mkdocstrings' and autorefs'
cross-references and the links the hooks add (the notebook downloads). The site is built once per
session by the `site_dir` fixture (tests/conftest.py).
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from test_site_build import CONFIG

import litgrad

SITE_URL = CONFIG.get("site_url") or "http://localhost/"
SITE = urlsplit(SITE_URL)
SITE_PATH = SITE.path if SITE.path.endswith("/") else SITE.path + "/"
LINK_ATTRS = {"a": "href", "link": "href", "area": "href", "script": "src", "img": "src"}
LINK_ATTRS |= {"iframe": "src", "source": "src", "audio": "src", "video": "src", "embed": "src"}


class _Page(HTMLParser):
    """The ids (and <a name>s) of one page, and the URLs of its links and resources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []  # (tag, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "a" and attributes.get("name") not in (None, attributes.get("id")):
            self.ids.append(attributes["name"])
        url = attributes.get(LINK_ATTRS.get(tag, ""))
        if url is not None:
            self.links.append((tag, url.strip()))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def pages(site_dir: Path) -> dict[str, _Page]:
    """Every HTML file of the site, parsed, by its path relative to the site."""
    found = {
        p.relative_to(site_dir).as_posix(): _parse(p) for p in sorted(site_dir.rglob("*.html"))
    }
    assert found, f"no HTML in {site_dir}"
    return found


def _target(site_dir: Path, page: str, url: str) -> tuple[str | None, str]:
    """The site file a URL on `page` points to (None if outside the site) and its fragment."""
    absolute = urljoin(urljoin(SITE_URL, page), url)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != SITE.netloc:
        return None, ""
    if not parts.path.startswith(SITE_PATH) and parts.path + "/" != SITE_PATH:
        return "<outside the site's path>", parts.fragment
    rel = unquote(parts.path[len(SITE_PATH) :])
    if rel == "" or rel.endswith("/") or (site_dir / rel).is_dir():
        rel = str(PurePosixPath(rel) / "index.html")
    return rel, unquote(parts.fragment)


def test_internal_links_and_anchors_resolve(site_dir: Path, pages: dict[str, _Page]) -> None:
    broken = []
    checked = 0
    for page, parsed in pages.items():
        for tag, url in parsed.links:
            if re.match(r"(?i)(mailto|tel|javascript|data):", url) or url in ("", "#"):
                continue
            rel, fragment = _target(site_dir, page, url)
            if rel is None:
                continue  # another site: links out are fine (loads are checked elsewhere)
            checked += 1
            where = f"{page}: <{tag}> {url!r}"
            if not (site_dir / rel).is_file():
                broken.append(f"{where} -> {rel} does not exist")
            elif fragment and rel.endswith(".html") and fragment not in pages[rel].ids:
                broken.append(f"{where} -> no id {fragment!r} on {rel}")
    assert checked > 100, f"only {checked} internal links found: is the site complete?"
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_ids_are_unique_on_each_page(pages: dict[str, _Page]) -> None:
    """A repeated id makes an anchor ambiguous (the browser jumps to the first one)."""
    repeated = [
        f"{page}: {name!r} x{count}"
        for page, parsed in pages.items()
        for name, count in Counter(parsed.ids).items()
        if count > 1
    ]
    assert not repeated, "ids used more than once on a page:\n" + "\n".join(repeated[:50])


def test_sitemap_lists_only_pages_that_exist(site_dir: Path) -> None:
    sitemap = (site_dir / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert locations, "sitemap.xml lists no page"
    missing = [
        url for url in locations if not (site_dir / (_target(site_dir, "", url)[0] or "")).is_file()
    ]
    assert not missing, "sitemap.xml lists pages that were not built:\n" + "\n".join(missing)


def test_404_page_exists_and_links_home(site_dir: Path, pages: dict[str, _Page]) -> None:
    """GitHub Pages serves 404.html for any unknown address, so its links must be absolute."""
    assert "404.html" in pages, "no 404.html in the site"
    html = (site_dir / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in html
    hrefs = [url for tag, url in pages["404.html"].links if tag == "a"]
    assert any(url.rstrip("./") == SITE_PATH.rstrip("/") for url in hrefs), hrefs
    relative = [
        url for _, url in pages["404.html"].links if not re.match(r"(?i)([a-z]+:|/|#)", url) and url
    ]
    assert not relative, f"404.html has relative links, broken below the top level: {relative}"


def test_api_reference_has_an_anchor_for_every_public_name(pages: dict[str, _Page]) -> None:
    """Every name `litgrad` exports is documented, so `[name][litgrad.name]` links resolve."""
    public = [
        name
        for name, value in vars(litgrad).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    ]
    assert "Value" in public
    ids = set(pages["reference/index.html"].ids)
    missing = [name for name in public if f"litgrad.{name}" not in ids]
    assert not missing, f"docs/reference.md does not document: {', '.join(missing)}"

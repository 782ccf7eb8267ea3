"""Shared fixtures: one site build per test session, one server and one browser per worker.

`make test` runs the suite on every core with pytest-xdist (`-n auto`); each worker is a process
with its own session. The site is still built only once: the first worker that collects a test
needing it starts `mkdocs build --strict` in the background, into a directory that every worker of
the run shares, and the others find it started. The tests that read the site are moved to the end
of the run, so the engine and PyTorch tests keep both cores busy while the site builds, and
`site_dir` waits only for what is left of the build. A plain `pytest` (no `-n`) works the same way,
with one process.

`site_server` and `chromium` are what `base_url` and `browser` (tests/test_browser.py, which other
test files import) stand on: defined here, once, so that every module sharing them shares one
server and one browser per worker.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS  # tools/chromium.py (tools/ is on pythonpath)
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 1800  # seconds; the build runs every executed example on every page
SITE_FIXTURES = {"site_dir", "site_server", "base_url"}  # the tests that read the built site


def venv_tool(name: str) -> Path:
    """A console script installed next to the running interpreter (the venv's bin/)."""
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        pytest.fail(
            f"{name!r} not found next to {sys.executable}; run the tests with the project's venv "
            "(`make test`, or `pip install -e '.[test]'` into the venv first)"
        )
    return tool


# --- The site, built once per run ---------------------------------------------------------------


class SiteBuild:
    """`mkdocs build --strict` running in the background, into `<run>/site/`, shared by workers.

    `<run>` is the parent of each worker's temporary directory: the same for every worker of one
    pytest run (pytest-xdist's documented way to share a directory), new for the next run. The
    build writes `result.json` (its exit code and output) when it ends; that file is the signal.
    """

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir / "litgrad-site"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.site = self.dir / "site"
        self.result = self.dir / "result.json"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the build unless a worker of this run already has; never blocks on it."""
        with FileLock(self.dir / "start.lock"):
            started = self.dir / "started"
            if started.exists():
                return
            started.touch()
            cmd = [str(venv_tool("mkdocs")), "build", "--strict", "-d", str(self.site)]
            # A detached helper runs the build and writes result.json, so the result is there even
            # if this worker is busy with another test when the build ends.
            script = (
                "import json, subprocess, sys\n"
                "p = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, capture_output=True,"
                " text=True)\n"
                "out = p.stdout + p.stderr\n"
                "tmp = sys.argv[1] + '.tmp'\n"
                "open(tmp, 'w').write(json.dumps({'cmd': sys.argv[2:], 'rc': p.returncode,"
                " 'output': out}))\n"
                "import os; os.replace(tmp, sys.argv[1])\n"
            )
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life banner
            self.process = subprocess.Popen(
                [sys.executable, "-c", script, str(self.result), *cmd],
                cwd=ROOT,
                env=env,
                start_new_session=True,  # its own process group: stopped as a whole if need be
            )

    def wait(self) -> Path:
        """The built site, once the build has ended; fails the test if it failed or warned."""
        self.start()
        deadline = time.monotonic() + BUILD_TIMEOUT
        while not self.result.exists():
            if self.process is not None and self.process.poll() not in (None, 0):
                pytest.fail(f"the site build was stopped (exit {self.process.returncode})")
            if time.monotonic() > deadline:
                pytest.fail(f"the site build did not end in {BUILD_TIMEOUT} s", pytrace=False)
            time.sleep(0.2)
        result = json.loads(self.result.read_text(encoding="utf-8"))
        cmd, output = " ".join(result["cmd"]), result["output"]
        if result["rc"] != 0:
            pytest.fail(f"`{cmd}` exited {result['rc']}:\n{output}", pytrace=False)
        warnings = [line for line in output.splitlines() if "WARNING" in line]
        if warnings:
            listed = "\n".join(warnings)
            pytest.fail(f"the build warns:\n{listed}\n\nfull output:\n{output}", pytrace=False)
        return self.site


@functools.cache
def _site_build(run_dir: Path) -> SiteBuild:
    return SiteBuild(run_dir)


def _run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory for this pytest run: shared by its xdist workers, not by the next run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _needs_site(item: pytest.Item) -> bool:
    return bool(SITE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read the site run last, so that the others run while it builds. (A stable
    sort: every worker collects the same order, as pytest-xdist requires. Under `--dist loadgroup`
    pytest-xdist hands out its largest unit first, the runner's group, whose first test waits for
    the build while the other worker takes the rest.)"""
    items.sort(key=_needs_site)


@pytest.fixture(scope="session", autouse=True)
def _start_site_build(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[None]:
    """Before the first test: start the build if any collected test will read the site."""
    build = None
    if any(_needs_site(item) for item in request.session.items):
        build = _site_build(_run_dir(tmp_path_factory))
        build.start()
    yield
    if build is not None and build.process is not None:  # this worker started it: reap it
        if request.session.shouldfail or request.session.shouldstop:
            os.killpg(build.process.pid, signal.SIGTERM)
        build.process.wait()


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with `mkdocs build --strict` once per test run; fails on any warning."""
    return _site_build(_run_dir(tmp_path_factory)).wait()


# --- One server and one browser per worker ------------------------------------------------------


def site_prefix() -> str:
    """The path the site is served under: that of its site_url, as GitHub Pages serves it."""
    from tangle import read_config

    return urlsplit(read_config(ROOT).get("site_url") or "/").path.rstrip("/") + "/"


# axe-core, the accessibility checker, and the address SiteHandler serves it at, beside the site.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/_tests/axe.min.js"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under its prefix; anything else, or a missing file, gets 404.html, a 404.

    sitemap.xml is served with this server's address in place of site_url's: Material's instant
    navigation only intercepts links to the addresses the sitemap lists, so without it every click
    in a test would be a full reload.
    """

    prefix = "/"
    site_url = "/"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if urlsplit(self.path).path != self.prefix + "sitemap.xml":
            super().do_GET()
            return
        text = (Path(self.directory) / "sitemap.xml").read_text(encoding="utf-8")
        here = f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"
        body = text.replace(self.site_url, here).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # Files for the tests, outside the site's prefix: axe-core, loaded by URL so that the browser
    # keeps it, compiled, from one page to the next (tests/test_accessibility.py).
    test_files = {AXE_PATH: AXE}

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ipynb": "application/x-ipynb+json",
    }

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if path in self.test_files:
            return str(self.test_files[path])
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\0outside")  # no such file: a 404
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: failures are reported by the tests


@pytest.fixture(scope="session")
def site_server(site_dir: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1: its address, http://127.0.0.1:<free port>/litgrad/."""
    from tangle import read_config

    prefix = site_prefix()
    site_url = (read_config(ROOT).get("site_url") or "").rstrip("/") + "/"
    handler = functools.partial(
        type("Handler", (SiteHandler,), {"prefix": prefix, "site_url": site_url}),
        directory=str(site_dir),
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium per worker ($CHROMIUM; never a download), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"no browser at CHROMIUM={CHROMIUM!r}: install Debian's chromium (`make test` does, "
            "as root) or point $CHROMIUM at Chrome or Chromium",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- Screenshots, for people --------------------------------------------------------------------

SCREENSHOTS = ROOT / "build" / "screenshots"


def screenshots_wanted() -> bool:
    """`make screenshots` sets LITGRAD_SCREENSHOTS=1 and runs the browser tests. No test reads a
    screenshot, so a plain `make test` takes none: full pages cost about a second each."""
    return os.environ.get("LITGRAD_SCREENSHOTS") == "1"


def screenshot(target, name: str, **kwargs) -> None:
    """Save a Playwright page or element as build/screenshots/<name>.png, when asked to."""
    if not screenshots_wanted():
        return
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=path, **kwargs)


# --- Engine tests -------------------------------------------------------------------------------

DEFAULT_RECURSION_LIMIT = 1000  # CPython's default: depth tests run at it, whatever the host set


@pytest.fixture
def default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)

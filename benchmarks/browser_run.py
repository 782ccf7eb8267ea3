"""How long the in-browser runner takes, and what it adds to the site; `make bench-browser`.

Serves a built site (default `site/`, from `make build`) on 127.0.0.1 under /litgrad/, opens
page 2 in headless chromium (Debian's, or $CHROMIUM) with an empty cache, and measures:

- the first Run of the neuron example: from the click until its output is back, which includes
  fetching and starting Python (Pyodide) and Graphviz (viz.js);
- later Runs of the same example, the Python already loaded (the median of several);
- the bytes the runner adds to the site: assets/runner/ and the runner's scripts and CSS, raw and
  gzip-compressed (as a server that compresses would send them).

Targets (issue 9): first Run <= 8 s, later Runs <= 0.5 s, <= 16 MB added. The table is printed and
written, with the date and the machine, to `benchmarks/browser.md`, which the page "What runs where"
includes; building the site never runs this. Every request outside 127.0.0.1 is refused and counted.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gzip
import http.server
import os
import platform
import re
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (shared with the tests)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("browser.md")
PREFIX = "/litgrad/"
RUNNER_FILES = ["assets/runner", "assets/runner.js", "assets/runner-worker.js", "assets/runner.css"]
TARGETS = {"first": 8.0, "later": 0.5, "bytes": 16_000_000}
RUN = "Run example 2 (Ctrl+Enter)"  # the neuron example on page 2
LATER_RUNS = 7


class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        path = path.split("?")[0]
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "\0outside")
        return super().translate_path("/" + path[len(PREFIX) :])

    def log_message(self, format: str, *args: object) -> None:
        pass


def runner_bytes(site: Path) -> tuple[int, int]:
    """(raw, gzip level 6) bytes of every file the runner adds to the site."""
    raw = packed = 0
    for name in RUNNER_FILES:
        path = site / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        if not files or not files[0].is_file():
            sys.exit(f"error: {path} not found: build the site first (`make build`)")
        for file in files:
            data = file.read_bytes()
            raw += len(data)
            packed += len(gzip.compress(data, compresslevel=6, mtime=0))
    return raw, packed


def offline_tab(playwright, outside: list[str]):
    """(browser, tab): headless chromium at 1280 x 900 with an empty cache; each request outside
    127.0.0.1 is refused and its address appended to `outside`."""

    def route(r) -> None:
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", route)
    return browser, context.new_page()


def time_runs(base: str) -> tuple[float, float, list[float], list[str]]:
    """(first Run in s, of which starting Python, later Runs in s, requests refused) on page 2,
    from an empty cache."""
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser, tab = offline_tab(playwright, outside)
        tab.goto(base + "notes/02-neuron/", wait_until="networkidle")
        button = tab.get_by_role("button", name=RUN, exact=True)
        status = tab.locator(".litgrad-runbar:has([aria-label='" + RUN + "']) [role=status]")

        def one_run() -> float:
            status.evaluate("e => { e.textContent = '' }")
            start = time.perf_counter()
            button.click()
            status.filter(has_text="Done in").wait_for(timeout=300_000)
            return time.perf_counter() - start

        first = one_run()
        started = re.search(r"Python started in ([\d.]+) s", status.inner_text())
        startup = float(started[1]) if started else float("nan")
        later = [one_run() for _ in range(LATER_RUNS)]
        browser.close()
    return first, startup, later, outside


def verdict(value: float, target: float) -> str:
    return "✓" if value <= target else "✗ over the target"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    raw, packed = runner_bytes(args.site)
    handler = functools.partial(Handler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        first, startup, later, outside = time_runs(
            f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
        )
    finally:
        server.shutdown()
    median = statistics.median(later)
    now = datetime.datetime.now(datetime.timezone.utc)
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    lines = [
        f"Measured by `benchmarks/browser_run.py` on {now:%Y-%m-%d} at {now:%H:%M} UTC, in "
        f"headless chromium on {platform.machine()} with {cores} cores, load average {load:.1f} "
        "(other work shares the cores: the higher the load, the slower every figure).",
        "",
        "| what | measured | target |",
        "| --- | ---: | ---: |",
        f"| first Run on page 2, empty cache (loads Python and Graphviz) | {first:.1f} s "
        f"| ≤ {TARGETS['first']:.0f} s {verdict(first, TARGETS['first'])} |",
        f"| of which starting Python and Graphviz (in the worker) | {startup:.1f} s | |",
        f"| later Runs of the same example (median of {len(later)}) | {median * 1000:.0f} ms "
        f"| ≤ {TARGETS['later'] * 1000:.0f} ms {verdict(median, TARGETS['later'])} |",
        f"| bytes the runner adds to the site | {raw / 1e6:.1f} MB "
        f"| ≤ {TARGETS['bytes'] / 1e6:.0f} MB {verdict(raw, TARGETS['bytes'])} |",
        f"| the same, gzip-compressed | {packed / 1e6:.1f} MB | |",
        f"| requests to other hosts | {len(outside)} | 0 {verdict(len(outside), 0)} |",
    ]
    publish(lines, RESULTS, write=not args.no_write)
    return 1 if outside else 0


def publish(lines: list[str], results: Path, write: bool) -> None:
    """Print the lines and, unless told not to, store them in `results`."""
    text = "\n".join(lines) + "\n"
    print(text)
    if write:
        results.write_text(text, encoding="utf-8")
        print(f"written to {results.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())

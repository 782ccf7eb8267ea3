"""How deep a chain of values the in-browser runner's worker can free; `make bench-browser`.

When the last reference to a chain of `Value`s goes (x = x + one, thousands of times), CPython
frees it recursively, a few C calls per value, and in a Web Worker those calls run on the
browser's stack, which is small. The worker gives Value a __del__ that frees graphs iteratively
instead (tools/browser_session.py, free_graphs_iteratively). This serves a built site (default
`site/`) on 127.0.0.1 under /litgrad/, starts the site's own worker (assets/runner-worker.js) in
headless chromium (Debian's, or $CHROMIUM), and finds, by bisection with a fresh worker per try
(an overflow ends its Python), the deepest chain that is freed:

- with the engine's plain deallocation (the __del__ removed again), as before the fix;
- as the worker runs pages, up to a cap.

It also times a forward pass of MLP(2, [16, 16, 1]) over 100 points in the worker, with and
without the __del__: what freeing iteratively costs in the browser (CPython never runs it).
The table is printed and written to `benchmarks/browser_stack.md`, which "What runs where"
includes.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import os
import platform
import sys
import threading
from pathlib import Path

from browser_run import CHROMIUM, CHROMIUM_ARGS, PREFIX, ROOT, Handler
from playwright.sync_api import sync_playwright

RESULTS = Path(__file__).with_name("browser_stack.md")
CAP = 1_000_000  # deeper than any page goes: stop there
PLAIN = "if '__del__' in vars(Value):\n    del Value.__del__  # the engine's own deallocation\n"
CHAIN = """from litgrad import Value
{plain}x, one = Value(0.0), Value(1.0)
for _ in range({n}):
    x = x + one
del x
print("freed")
"""
FORWARD = """import random, timeit
from litgrad import MLP, Value
{plain}random.seed(1)
points = [[random.uniform(-1.5, 2.5), random.uniform(-1.0, 1.5)] for _ in range(100)]
model = MLP(2, [16, 16, 1])
print(min(timeit.repeat(lambda: [model(p) for p in points], number=5, repeat=7)) / 5)
"""
# A fresh worker of the site's own, one list of cells run, then ended.
IN_WORKER = """async ([url, code]) => {
  const worker = new Worker(url, { type: "module" });
  const reply = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ failed: String(event.message) });
    worker.postMessage({ id: 1, cells: [{ code, output: "text" }] });
  });
  worker.terminate();
  return reply;
}"""


def deepest(run, plain: bool) -> tuple[int, bool]:
    """(deepest chain freed, whether that is the cap rather than a limit found)."""

    def frees(n: int) -> bool:
        reply = run(CHAIN.format(plain=PLAIN if plain else "", n=n))
        ok = bool(reply.get("results")) and reply["results"][0].get("printed") == "freed\n"
        print(f"  chain of {n:,}: {'freed' if ok else 'Python stopped'}", flush=True)
        return ok

    low, high, n = 0, None, 250
    while high is None:
        if not frees(n):
            high = n
        elif n >= CAP:
            return n, True
        else:
            low, n = n, min(CAP, n * 4)
    while high - low > max(low // 100, 10):  # within 1 %
        middle = (low + high) // 2
        low, high = (middle, high) if frees(middle) else (low, middle)
    return low, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not (args.site / "assets/runner-worker.js").is_file():
        sys.exit(f"error: {args.site}/assets/runner-worker.js not found: `make build` first")
    handler = functools.partial(Handler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_page()
            tab.goto(base + "running/")

            def run(code: str) -> dict:
                return tab.evaluate(IN_WORKER, [base + "assets/runner-worker.js", code])

            print("plain deallocation:")
            before, _ = deepest(run, plain=True)
            print("freed iteratively:")
            after, capped = deepest(run, plain=False)
            times = {}
            for plain in (True, False):
                reply = run(FORWARD.format(plain=PLAIN if plain else ""))
                times[plain] = float(reply["results"][0]["printed"])
            browser.close()
    finally:
        server.shutdown()
    now = datetime.datetime.now(datetime.timezone.utc)
    after_text = f"{after:,}" + (" (no limit met: the measurement stops there)" if capped else "")
    lines = [
        f"Measured by `benchmarks/browser_stack.py` on {now:%Y-%m-%d} at {now:%H:%M} UTC, in the "
        f"runner's worker in headless chromium on {platform.machine()} with {os.cpu_count()} "
        f"cores, load average {os.getloadavg()[0]:.1f}.",
        "",
        "| in the worker | freed recursively (CPython's own way) "
        "| freed iteratively (as the runner does) |",
        "| --- | ---: | ---: |",
        f"| deepest chain of values freed (`x = x + one`, then `del x`) | {before:,} "
        f"| {after_text} |",
        f"| a forward pass of `MLP(2, [16, 16, 1])` over 100 points | {times[True] * 1e3:.0f} ms "
        f"| {times[False] * 1e3:.0f} ms |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

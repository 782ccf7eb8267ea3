"""The browser the tests and the browser benchmarks drive: Debian's chromium (or $CHROMIUM), never
a download, started headless and without the background requests it would make to Google's hosts
(this project's machines reach no network but package registries)."""

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No host resolves but 127.0.0.1, where the site is served: nothing leaves the machine, and a
    # page that asks for another host gets an error the tests see.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

"""mkdocs hook (mkdocs.yml `hooks:`): the theme's compiled templates are kept between builds.

`mkdocs serve` loads the configuration again for every rebuild, with a new Jinja environment, so
each rebuild parsed and compiled Material's templates again: a good part of the wait after saving
a page. Jinja's own bytecode cache stores each compiled template, under a key that includes a
checksum of its source, in a folder of the system's temporary directory; an edited template is
compiled again, an unchanged one is loaded. The site built is the same.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

CACHE = Path(tempfile.gettempdir()) / "litgrad-jinja-cache"


def on_env(env, config, files, **kwargs):
    CACHE.mkdir(exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(CACHE))
    return env

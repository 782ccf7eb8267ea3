"""mkdocs hook: the pages are tangled into src/ before each build, so `mkdocs serve` runs edited
code without a restart."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# mkdocs loads this file by path, so its folder is not importable unless we add it.
_TOOLS = str(Path(__file__).resolve().parent)
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)
import tangle  # noqa: E402  (needs the path above)


def on_pre_build(config, **kwargs) -> None:
    """Tangle the pages, then forget the imported package, so that every build (each rebuild of
    `mkdocs serve` too) runs the examples against the code the pages hold now."""
    if tangle.main(["--root", str(Path(config.config_file_path).parent)]) != 0:
        raise PluginError("tools/tangle.py failed: see its messages above")
    for name in [m for m in sys.modules if m == "litgrad" or m.startswith("litgrad.")]:
        del sys.modules[name]

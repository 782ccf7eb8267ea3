"""mkdocs hook: the notebook kernel that mkdocs-jupyter starts reads tools/jupyter/, which turns on
transport encryption so the kernel does not print a warning into the build log."""

from __future__ import annotations

import os
from pathlib import Path

_TOOLS = str(Path(__file__).resolve().parent)


def on_startup(**kwargs) -> None:
    ours = str(Path(_TOOLS) / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    if ours not in paths:
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([ours, *paths])

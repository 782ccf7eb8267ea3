"""Shared fixtures: the site is built once per test session and reused by the tests that need it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 1800  # seconds; the build runs every executed example on every page


def venv_tool(name: str) -> Path:
    """A console script installed next to the running interpreter (the venv's bin/)."""
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        pytest.fail(
            f"{name!r} not found next to {sys.executable}; run the tests with the project's venv "
            "(`make test`, or `pip install -e '.[test]'` into the venv first)"
        )
    return tool


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site with `mkdocs build --strict` into a temporary directory and return it."""
    site = tmp_path_factory.mktemp("mkdocs") / "site"
    cmd = [str(venv_tool("mkdocs")), "build", "--strict", "-d", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life banner
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    output = proc.stdout
    if proc.returncode != 0:
        pytest.fail(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{output}", pytrace=False)
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    if warnings:
        listed = "\n".join(warnings)
        pytest.fail(f"the build warns:\n{listed}\n\nfull output:\n{output}", pytrace=False)
    return site


DEFAULT_RECURSION_LIMIT = 1000  # CPython's default: depth tests run at it, whatever the host set


@pytest.fixture
def default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)

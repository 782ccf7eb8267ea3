"""What the Makefile's targets install: `make serve` and `make build` only what builds the site."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def planned_installs(target):
    """The `pip install` lines `make` would run for `target` if pyproject.toml had just changed."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = ["make", "--no-print-directory", "-n", "-W", "pyproject.toml", target]
    out = subprocess.run(dry_run, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if "pip install" in line]


@pytest.mark.parametrize("target", ["serve", "build", "tangle"])
def test_site_targets_install_the_docs_extra_only(target):
    installs = planned_installs(target)
    assert len(installs) == 1 and installs[0].endswith("-e '.[docs]'"), installs


def test_the_test_target_installs_the_test_extra():
    installs = planned_installs("test")
    assert len(installs) == 1 and installs[0].endswith("-e '.[test]'"), installs

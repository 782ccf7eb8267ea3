"""Tangle the code blocks of the documentation pages into the package.

The syntax is Entangled's (``` {.python file=src/x.py} ``` and ``` {.python #chunk} ```, expanded at
`<<chunk>>` lines), but Entangled itself does not fit: its errors exit 0, it has no check mode, its
chunk order across pages follows the directory listing, and it writes whitespace ruff rejects.

Pages are read in mkdocs.yml `nav` order. Errors are printed as `path:line: message`, exit 1, and
nothing is written. `--check` writes nothing and fails, with a diff, when src/ has drifted.
"""

from __future__ import annotations

import argparse
import difflib
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NamedTuple

import yaml

MAX_LINE = 100  # the project's ruff line length; the header must obey it too

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CLOSE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")
_REF = re.compile(r"^(?P<indent>[ \t]*)<<(?P<id>[^\s<>]+)>>[ \t]*$")
# One token of `{.python #chunk file="src/x.py" title=...}`: a class, an id, or key=value.
_ATTR = re.compile(
    r"""\.(?P<cls>[^\s=]+)|#(?P<id>\S+)|(?P<key>[\w-]+)=(?P<val>"[^"]*"|'[^']*'|\S+)"""
)


class TangleError(Exception):
    """All the problems found, each as `path:line: message`."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Block:
    """One fenced code block of a page, its content without the fence's indentation."""

    path: str  # page path relative to the root, as shown in messages
    line: int  # 1-based line of the opening fence
    indent: str
    fence: str
    info: str
    lines: list[str] = field(default_factory=list)
    closed: bool = False

    def where(self, offset: int | None = None) -> str:
        """`path:line` of the fence, or of content line `offset` (0-based) when given."""
        return f"{self.path}:{self.line if offset is None else self.line + 1 + offset}"


class Info(NamedTuple):
    language: str | None
    id: str | None
    file: str | None
    attrs: dict[str, str]


def parse_info(info: str) -> Info | None:
    """Parse a fence info string; None unless it is an attribute list in braces.

    >>> parse_info('{.python file="src/litgrad/engine.py" title=x}')
    Info(language='python', id=None, file='src/litgrad/engine.py', attrs={'title': 'x'})
    >>> parse_info('python exec="on"') is None
    True
    """
    info = info.strip()
    if not (info.startswith("{") and info.endswith("}")):
        return None
    body = info[1:-1].strip()
    language = chunk_id = file = None
    attrs: dict[str, str] = {}
    pos = 0
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
            continue
        m = _ATTR.match(body, pos)
        # A token must end at whitespace, or `.python{` would silently parse as `.python`.
        if not m or (m.end() < len(body) and not body[m.end()].isspace()):
            raise ValueError(f"cannot parse attribute list {info!r} at {body[pos:]!r}")
        pos = m.end()
        if m["cls"]:
            language = language or m["cls"]  # the first class is the language, as in pandoc
        elif m["id"]:
            chunk_id = m["id"]
        else:
            val = m["val"]
            if val[:1] in "\"'" and val[-1:] == val[:1]:
                val = val[1:-1]
            if m["key"] == "file":
                file = val
            else:
                attrs[m["key"]] = val
    return Info(language, chunk_id, file, attrs)


def parse_blocks(text: str, path: str) -> list[Block]:
    """Every fenced block of a page, in order; an unclosed one is returned with closed=False.

    Fences may be indented (admonitions, list items); a block closes at a line holding only the
    same fence character, at least as many times, so ```` fences can show ``` examples.
    """
    blocks: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None:
            m = _OPEN.match(line)
            # A backtick in a backtick fence's info string makes it inline code, not a fence.
            if m and not (m["fence"][0] == "`" and "`" in m["info"]):
                current = Block(path, number, m["indent"], m["fence"], m["info"].strip())
            continue
        m = _CLOSE.match(line)
        if m and m["fence"][0] == current.fence[0] and len(m["fence"]) >= len(current.fence):
            current.closed = True
            blocks.append(current)
            current = None
        elif line.startswith(current.indent):
            current.lines.append(line[len(current.indent) :])
        else:
            current.lines.append(line.lstrip())  # less indented than its fence: keep the text
    if current is not None:
        blocks.append(current)
    return blocks


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml may hold `!!python/name:` or `!ENV` tags; nav never needs their values."""


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def read_config(root: Path) -> dict:
    """mkdocs.yml as plain data (tags such as `!ENV` read as None)."""
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_TolerantLoader)


def nav_entries(nav) -> list[str]:
    """Every local page of a mkdocs `nav` (Markdown or notebook), relative to docs/, in order."""
    if isinstance(nav, str):
        return [] if "://" in nav else [nav]
    if isinstance(nav, dict):
        nav = list(nav.values())
    if isinstance(nav, list):
        return [page for item in nav for page in nav_entries(item)]
    return []


def read_nav(root: Path) -> list[str]:
    """The Markdown pages of mkdocs.yml's `nav`, in order, as paths relative to `root`."""
    config = read_config(root)
    docs_dir = config.get("docs_dir", "docs")
    if not config.get("nav"):
        # Without a nav mkdocs orders pages by directory listing: exactly what we must avoid.
        raise TangleError(["mkdocs.yml:1: no `nav`: the tangle order would be undefined"])
    pages = [posixpath.join(docs_dir, p) for p in nav_entries(config["nav"]) if p.endswith(".md")]
    return list(dict.fromkeys(pages))  # a page listed twice is read once


def _escapes_root(path: str) -> bool:
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute():
        return True
    return posixpath.normpath(path).split("/")[0] == ".."


def _header(pages: list[str]) -> list[str]:
    plural = "s" if len(pages) > 1 else ""
    first = (
        f"# Generated by tools/tangle.py from {', '.join(pages)}: "
        f"edit the page{plural}, then run 'make tangle'."
    )
    if len(first) <= MAX_LINE:
        return [first]
    return [
        "# Generated by tools/tangle.py from the pages below: edit them, then run 'make tangle'.",
        *(f"#   {page}" for page in pages),
    ]


def tangle(root: Path) -> dict[str, str]:
    """Return {file path relative to root: content}; raise TangleError listing every problem."""
    pages = read_nav(root)
    errors: list[str] = []
    blocks: list[tuple[Block, Info]] = []
    for page in pages:
        try:
            text = (root / page).read_text(encoding="utf-8")
        except FileNotFoundError:
            config = (root / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
            name = posixpath.basename(page)
            line = next((n for n, text in enumerate(config, 1) if name in text), 1)
            errors.append(f"mkdocs.yml:{line}: nav lists {page}, which does not exist")
            continue
        for block in parse_blocks(text, page):
            if not block.closed:
                errors.append(f"{block.where()}: unclosed code fence {block.fence}")
                continue
            try:
                info = parse_info(block.info)
            except ValueError as exc:
                errors.append(f"{block.where()}: {exc}")
                continue
            if info and info.id and info.file:
                errors.append(f"{block.where()}: a block is a file or a chunk, not both")
            elif info and (info.id or info.file):
                blocks.append((block, info))
    # A broken page hides its chunks; the graph errors that follow would only be noise.
    if errors:
        raise TangleError(errors)

    files: dict[str, Block] = {}
    chunks: dict[str, list[Block]] = {}
    for block, info in blocks:
        if info.id:
            chunks.setdefault(info.id, []).append(block)
            continue
        path = posixpath.normpath(info.file)
        if _escapes_root(info.file):
            errors.append(f"{block.where()}: file path {info.file!r} is outside the repository")
        elif path in files:
            errors.append(
                f"{block.where()}: file {path} is already defined at {files[path].where()}"
            )
        else:
            files[path] = block

    # References, with their location, of every block: chunk graph and missing chunks.
    refs: dict[int, list[tuple[str, str]]] = {}
    for block, _ in blocks:
        refs[id(block)] = []
        for offset, text in enumerate(block.lines):
            m = _REF.match(text)
            if m:
                refs[id(block)].append((m["id"], block.where(offset)))
                if m["id"] not in chunks:
                    errors.append(f"{block.where(offset)}: chunk <<{m['id']}>> is never defined")

    def edges(name: str):
        return [ref for block in chunks[name] for ref in refs[id(block)] if ref[0] in chunks]

    # Cycles: depth-first search; a reference back into the current path closes a cycle.
    state: dict[str, str] = {}  # "active" while on the path, then "done"
    stack: list[str] = []

    def visit(name: str):
        state[name] = "active"
        stack.append(name)
        for target, where in edges(name):
            if state.get(target) == "active":
                chain = stack[stack.index(target) :] + [target]
                errors.append(f"{where}: chunk cycle {' -> '.join(chain)}")
            elif target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in chunks:
        if name not in state:
            visit(name)

    # Unused: chunks no file reaches, even through other chunks.
    reached: set[str] = set()
    todo = [target for b in files.values() for target, _ in refs[id(b)] if target in chunks]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(target for target, _ in edges(name))
    for name, defs in chunks.items():
        if name not in reached:
            errors.append(f"{defs[0].where()}: chunk #{name} is never used by any file")
    if errors:
        raise TangleError(errors)

    def expand(parts: list[Block], prefix: str, used: set[str]) -> list[str]:
        out: list[str] = []
        for block in parts:
            used.add(block.path)
            for text in block.lines:
                m = _REF.match(text)
                if m:
                    out += expand(chunks[m["id"]], prefix + m["indent"], used)
                else:
                    # rstrip: blank lines stay empty and no trailing whitespace reaches ruff.
                    out.append((prefix + text).rstrip())
        return out

    result: dict[str, str] = {}
    for path, block in files.items():
        used: set[str] = set()
        body = expand([block], "", used)
        while body and not body[-1]:
            body.pop()
        header = _header([page for page in pages if page in used])
        result[path] = "\n".join(header + body) + "\n"
    return result


def stale_files(root: Path, generated: dict[str, str]) -> list[str]:
    """`*.py` files beside generated ones that no page generates (left over after a rename)."""
    folders = {posixpath.dirname(path) for path in generated}
    found = (p.relative_to(root).as_posix() for d in folders for p in (root / d).glob("*.py"))
    return sorted(path for path in found if path not in generated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; fail on any drift")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        generated = tangle(root)
    except TangleError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return 1

    status = 0
    for path, text in generated.items():
        target = root / path
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old == text:
            continue
        if args.check:
            status = 1
            diff = difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{path} (on disk)",
                tofile=f"{path} (from the pages)",
            )
            sys.stdout.writelines(diff)
            print(f"{path}: differs from the pages; run 'make tangle'", file=sys.stderr)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path}")
    for path in stale_files(root, generated):
        # Never deleted automatically: it may be work in progress; --check makes it visible.
        print(f"{path}: not generated by any page; delete it or tangle it", file=sys.stderr)
        status = 1 if args.check else status
    return status


if __name__ == "__main__":
    sys.exit(main())

"""mkdocs hook: every docs/notes/*.md page is also written as a Jupyter notebook next to its page
(prose as Markdown cells, examples as code cells), and the page links to it."""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path

import nbformat
from mkdocs.structure.files import File

# mkdocs loads this file by path, so its folder is not importable unless we add it.
_TOOLS = str(Path(__file__).resolve().parent)
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)
from tangle import parse_blocks, parse_info  # noqa: E402  (needs the path above)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    return _with_notebook_link(markdown, page)


NOTEBOOK_LINK = "Download this page as a notebook"
_NOTES_PAGE = re.compile(r"^notes/[^/]+\.md$")
_ADMONITION = re.compile(
    r"^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?)[ \t]+(?P<kind>[\w-]+)"
    r'(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$'
)
_OPTION = re.compile(r"""(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))""")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_INLINE_TEX = re.compile(r"(?<!\\)\\\(\s*(.+?)\s*(?<!\\)\\\)")
_DISPLAY_TEX = re.compile(r"(?<!\\)\\[\[\]]")
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)(?P<title>[^)]*)\)")
_AUTOREF = re.compile(r"\[(?P<text>[^\]]*)\]\[(?P<id>[^\]\s]+)\]")
_SVG_PRINT = re.compile(r"print\(to_svg\((?P<graph>.+)\)\)[ \t]*")


def notebook_uri(file: File) -> str:
    """Where a page's notebook goes in the site: beside the page's index.html, named as the page.

    `notes/01-value.md` -> `notes/01-value/01-value.ipynb` (with use_directory_urls).
    """
    stem = posixpath.splitext(posixpath.basename(file.src_uri))[0]
    return posixpath.join(posixpath.dirname(file.dest_uri), f"{stem}.ipynb")


def on_files(files, config, **kwargs):
    """Add the notebook of every notes page to the site's files (written when the site is)."""
    site_url = config.get("site_url") or ""

    def resolve(target: str) -> str | None:
        """The absolute URL on the site of a docs/ path, with its #fragment; None if unknown."""
        path, _, fragment = target.partition("#")
        found = files.get_file_from_path(path)
        if found is None or not site_url:
            return None
        return site_url.rstrip("/") + "/" + found.url + (f"#{fragment}" if fragment else "")

    root = Path(config.config_file_path).parent  # pymdownx.snippets' base_path is "."
    for file in list(files):
        if not (_NOTES_PAGE.match(file.src_uri) and file.is_documentation_page()):
            continue
        markdown = expand_snippets(file.content_string, root)
        notebook = page_to_notebook(markdown, file.src_uri, resolve)
        uri = notebook_uri(file)
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, content=nbformat.writes(notebook) + "\n"))
    return files


_SNIPPET = re.compile(r'^(?P<indent>[ \t]*)--8<--[ \t]+"(?P<path>[^"]+)"[ \t]*$', re.M)


def expand_snippets(markdown: str, root: Path) -> str:
    """Inline `--8<-- "path"` lines as pymdownx.snippets does on the page, for the notebook."""

    def include(m: re.Match) -> str:
        text = (root / m["path"]).read_text(encoding="utf-8").rstrip("\n")
        return "\n".join(m["indent"] + line if line else line for line in text.splitlines())

    return _SNIPPET.sub(include, markdown)


def _with_notebook_link(markdown: str, page) -> str:
    """A notes page with a link to its notebook under its title (at the top if it has none)."""
    src = getattr(page.file, "src_uri", None)
    if src is None or not _NOTES_PAGE.match(src):
        return markdown  # not a notes page of a site being built
    uri = notebook_uri(page.file)
    href = posixpath.relpath(uri, posixpath.dirname(src) or ".")
    link = (
        f"[{NOTEBOOK_LINK}]({href})"
        f'{{ .md-button .litgrad-notebook download="{posixpath.basename(uri)}" }}\n\n'
    )
    lines = markdown.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            break  # no title before the first code block
        if line.startswith("# "):
            return "".join(lines[: i + 1]) + "\n" + link + "".join(lines[i + 1 :])
    return link + markdown


def _is_on(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def page_to_notebook(markdown: str, src_uri: str, resolve=None) -> nbformat.NotebookNode:
    """A notes page as a notebook a reader can run top to bottom.

    Prose becomes Markdown cells (admonitions as block quotes, `\\( \\)` and `\\[ \\]` math as `$`
    and `$$`, links to other pages as links to the site); each plain ```python block becomes a
    code cell, in page order. Blocks of the package ({.python file=...} / {.python #chunk}) stay in
    the prose as code to read: the package itself comes from `import litgrad`. A block executed at
    build time with no source shown only prints HTML or Markdown into the page: here it runs, and
    what it printed is displayed (`print(to_svg(g))` becomes `g`, which Jupyter draws).
    `resolve(docs_path_with_fragment)` gives the site URL of a page, or None to leave a link as is.

    Written here rather than with jupytext: its Markdown reader makes cells of top-level fences
    only, so the examples inside "In the notes" boxes would stay text, and it knows nothing of
    markdown-exec's hidden render blocks or of arithmatex's delimiters.
    """
    resolve = resolve or (lambda target: None)
    lines = markdown.splitlines()
    blocks = {block.line: block for block in parse_blocks(markdown, src_uri)}
    cells: list[nbformat.NotebookNode] = []
    prose: list[str] = []
    admonition: str | None = None  # the indentation of the admonition we are in
    titled = False

    def link(m: re.Match) -> str:
        target = m["target"]
        if re.match(r"[a-z][a-z0-9+.-]*:|/", target):
            return m[0]  # absolute
        path, hash_, fragment = target.partition("#")
        if path:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path))
        url = resolve((path or src_uri) + hash_ + fragment)
        return f"]({url}{m['title']})" if url else m[0]

    def autoref(m: re.Match) -> str:
        url = resolve(f"reference.md#{m['id']}") if m["id"].startswith("litgrad") else None
        return f"[{m['text']}]({url})" if url else m["text"]

    def convert_math(text: str) -> str:
        return _DISPLAY_TEX.sub("$$", _INLINE_TEX.sub(lambda m: f"${m[1]}$", text))

    def convert_line(line: str) -> str:
        """Links to the site; math to dollars, outside code spans (a link's text may hold one)."""
        line = _LINK.sub(link, _AUTOREF.sub(autoref, line))
        out, pos = [], 0
        for m in _CODE_SPAN.finditer(line):
            out += [convert_math(line[pos : m.start()]), m[0]]
            pos = m.end()
        return "".join(out) + convert_math(line[pos:])

    def add_prose(line: str, convert: bool = True) -> None:
        nonlocal admonition, titled
        if admonition is not None:
            inner = admonition + "    "
            if not line.strip():
                prose.append(f"{admonition}>")
                return
            if line.startswith(inner):
                body = line[len(inner) :]
                prose.append(f"{admonition}> {convert_line(body) if convert else body}")
                return
            if prose and prose[-1] == f"{admonition}>":
                prose[-1] = ""  # the blank line that ended the admonition
            admonition = None
        m = _ADMONITION.match(line) if convert else None
        if m:
            admonition = m["indent"]
            title = m["kind"].capitalize() if m["title"] is None else m["title"]
            if title:
                prose.extend([f"{admonition}> **{convert_line(title)}**", f"{admonition}>"])
            return
        prose.append(convert_line(line) if convert else line)
        if convert and not titled and line.startswith("# "):
            titled = True
            page = resolve(src_uri)
            where = f"[this page of the litgrad site]({page})" if page else "a page of litgrad"
            prose.extend(
                [
                    "",
                    f"*This notebook is {where}, made when the site was built: its prose, and its "
                    "examples as code cells to run in order. The package's own code is shown, not "
                    "run: it is imported from `litgrad`, which needs to be installed "
                    "(`pip install -e .` in a clone of the repository), with Graphviz for the "
                    "graphs.*",
                ]
            )

    def flush() -> None:
        while prose and prose[-1].strip() in ("", ">"):
            prose.pop()
        while prose and prose[0].strip() in ("", ">"):
            prose.pop(0)
        if prose:
            cells.append(nbformat.v4.new_markdown_cell("\n".join(prose)))
        prose.clear()

    def code(source: str) -> None:
        flush()
        cells.append(nbformat.v4.new_code_cell(source))

    i = 0
    while i < len(lines):
        block = blocks.get(i + 1)
        if block is None:
            add_prose(lines[i])
            i += 1
            continue
        end = i + 1 + len(block.lines) + block.closed
        words = block.info.split(" ", 1)
        exec_options = words[-1] if len(words) > 1 else ""  # markdown-exec's options, key="value"
        try:
            info = parse_info(block.info)
        except ValueError:
            info = None
        if words[0] == "python":
            found = _OPTION.finditer(exec_options)
            options = {o["key"]: o["dq"] or o["sq"] or o["bare"] for o in found}
            source = "\n".join(block.lines).strip("\n")
            if not _is_on(options.get("exec")) or "source" in options:
                code(source)
            elif _is_on(options.get("html")) and _SVG_PRINT.fullmatch(source.splitlines()[-1]):
                *head, last = source.splitlines()
                code("\n".join([*head, _SVG_PRINT.fullmatch(last)["graph"]]))
            else:  # run it, keep what it prints, and show that as the page does
                shown = "HTML" if _is_on(options.get("html")) else "Markdown"
                code(f"%%capture printed\n{source}")
                code(f"from IPython.display import {shown}\n\n{shown}(printed.stdout)")
        else:  # prose: another language, or a block of the package, shown as code to read
            raw = lines[i:end]
            if info and (info.file or info.id):
                name = info.file or f"«{info.id}»"
                raw[0] = f"{block.indent}{block.fence}{info.language or ''}"
                add_prose(f"{block.indent}`{name}`, part of the package:", convert=False)
                add_prose(block.indent, convert=False)
            for line in raw:
                add_prose(line, convert=False)
        i = end
    flush()
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )

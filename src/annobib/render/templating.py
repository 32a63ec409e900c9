"""The Jinja environment every page and feed is made with, and the package's folders.

Corpus text is only ever template data, never template source, and every value a
template prints goes through `escape.finalize` (see `escape.py` for why that one rule
makes it inert in both Markdown and HTML).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from ..atomic import replacing
from . import escape

TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"          # copied to stylesheets/
OVERRIDES_DIR = Path(__file__).parent / "overrides"    # the theme's custom_dir


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,                 # belt: nothing reaches output unescaped ...
        finalize=escape.finalize,        # ... braces: and it is escaped for Markdown too
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for name in escape.UNSAFE_JINJA_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(escape.FILTERS)
    return env


_ENV = _environment()


def render(name: str, **context) -> str:
    """Fill one template of `render/templates/` (the only way pages are made)."""
    return _ENV.get_template(name).render(**context)


def compile_templates() -> None:
    """Compile every template now, ahead of the first page (Jinja keeps them compiled)."""
    for name in _ENV.list_templates():
        _ENV.get_template(name)


class RenderMemo:
    """Pages rendered by an earlier build, by a digest of their template, their context
    (frozen view records, links, and dicts and lists of them: their repr holds every field)
    and annobib's own files, so an unchanged page is read back instead of filled again. Only
    this build's pages are kept. Used for paper, theme and index letter pages; a page whose
    context costs more to repr than its template to fill (a chapter's) is filled."""

    def __init__(self, folder: Path | None):
        self.folder, self.used = folder, set()
        if folder is not None:
            from ..build_stamp import package_digest

            self.code = package_digest()

    def render(self, name: str, **context) -> str | Path:
        """The page's Markdown; with a folder, the memo's file that holds it (the writer
        links it into the docs folder instead of writing it again)."""
        if self.folder is None:
            return render(name, **context)
        key = hashlib.sha256(f"{self.code}\0{name}\0{sorted(context.items())!r}".encode("utf-8")).hexdigest()
        self.used.add(key)
        path = self.folder / f"{key}.md"
        if not path.is_file():
            text = render(name, **context)
            with replacing(path) as tmp:     # a killed build never leaves half a page here
                with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
        return path

    def prune(self) -> None:
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.md"):
                if path.stem not in self.used:
                    path.unlink(missing_ok=True)

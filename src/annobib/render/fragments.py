"""Converted HTML of the entry blocks of generated pages, kept between builds.

A chapter, theme, keyword, author or venue page is a list of entries, each a block
`<div class="annobib-..." markdown>` ... `</div>` (templates/*.md.j2). When one paper joins a
chapter of 3,000 papers the chapter page is rendered again (render/incremental.py), and MkDocs
converted all of it again: 1.1 MB of Markdown for one new entry. A block converts to the same
HTML wherever it stands, given the folders of the page (its links are relative), the site
fingerprint (the config with its Markdown extensions, the versions) and its link targets
existing. So the page cache plugin keeps each block's HTML under a key of those, in
`fragments.sqlite` in the page cache, and MkDocs converts only the blocks it has not seen:

- before the conversion (`FragmentStore.prepare`, from `on_page_markdown`), a known block
  becomes an empty stub div carrying the block's id, so Markdown's table of contents makes
  the same heading ids and MkDocs' anchor check sees the same ids; a new block gets a
  `data-annobib-fragment` attribute;
- after it (`FragmentStore.finish`, from `on_page_content`), each stub is replaced by the stored
  HTML, and each marked block loses its mark and is stored.

The page's HTML is then byte for byte the HTML of the whole page converted
(tests/test_fragments.py). A block holding a heading, an absolute link or a link to an
anchor of its own page is converted as always, and so is a known block one of whose link
targets is missing from this build: MkDocs then reports it as in a full build. A stored
block's links into another page's anchor are handed to MkDocs' anchor check
(`Page.links_to_anchors`, by the plugin), as its conversion would have. A page under
`MIN_PAGE_CHARACTERS` (a paper page) is converted whole. Blocks not used in the last `KEEP_BUILDS` builds that rendered a page are dropped. Should a project's
own Markdown extensions turn a stub into something else, the page is not published with a
block missing: the build stops and says to turn the page cache off.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import unquote

from ..errors import BuildError

STORE_FILE = "fragments.sqlite"
KEEP_BUILDS = 20
# A paper page (about 11 KB) converts in a few milliseconds: looking its blocks up would cost
# more than it saves (2 s of a cold build at 10,000 papers). Index pages run to megabytes.
MIN_PAGE_CHARACTERS = 32_000
_BATCH = 500
# An entry block as the templates write it: a div of annobib's with `markdown` at the start
# of a line, its nested divs balanced and no heading inside, up to its own closing line.
_OPENING = re.compile(r'^<div class="annobib-[^"\n]*"[^\n]* markdown>\n', re.M)
_MARKED = re.compile(r'<div class="annobib-[^"]*" data-annobib-fragment="(\d+)"')
_STUB = re.compile(r'<div data-annobib-cached="(\d+)"[^>]*>.*?</div>', re.S)
_DIV = re.compile(r"<div\b|</div>")
# A link of a page's Markdown (or of HTML in it), and an element's id: also what
# render/incremental.py reads pages' links and ids with.
LINK = re.compile(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"")
ELEMENT_ID = re.compile(r"""\s(?:id|name)=["']([^"']*)["']""")
_OPENING_ID = re.compile(r"""^<div [^>]*?\bid=["']([^"']*)["']""")


def entry_blocks(markdown: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each top-level entry block of a page's Markdown."""
    position = 0
    for opening in _OPENING.finditer(markdown):
        if opening.start() < position:
            continue                     # inside the block found last
        depth, cursor, line = 1, opening.end(), ""
        while 0 < depth and cursor < len(markdown):
            end = markdown.find("\n", cursor) + 1 or len(markdown)
            line = markdown[cursor:end]
            if line.startswith("#"):
                break
            depth += sum(1 if tag == "<div" else -1 for tag in _DIV.findall(line))   # as _block_end counts
            cursor = end
        if depth == 0 and line == "</div>\n":
            yield opening.start(), cursor
            position = cursor


def _links(page_folder: str, block: str) -> tuple[list[str], list[tuple[str, str, str]]] | None:
    """The files a block links to (relative to the docs folder) and its links into another
    page's anchor (file, anchor, link); None when a link is absolute or to this page's own
    anchor: such a block is always converted."""
    files, anchored = [], []
    for match in LINK.finditer(block):
        link = unescape(match.group(1) or match.group(2) or "")
        if "://" in link or link.startswith("mailto:"):
            continue
        path, _, anchor = link.partition("#")
        if not path or path.startswith("/"):
            return None
        target = posixpath.normpath(posixpath.join(page_folder, unquote(path)))
        files.append(target)
        if anchor:
            anchored.append((target, anchor, link))
    return files, anchored


def _block_end(html: str, start: int) -> int:
    """Where the div opened before `start` closes in the converted HTML (-1: nowhere)."""
    depth = 1
    for tag in _DIV.finditer(html, start):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return tag.end()
    return -1


def _outer_id(html: str) -> str | None | bool:
    """The id of a converted block's outer div (None: no id); False when any other element of
    it has an id, which a stub could not carry."""
    ids = ELEMENT_ID.findall(html)
    outer = _OPENING_ID.match(html)
    if not ids:
        return None
    if len(ids) == 1 and outer and outer.group(1) == ids[0] and '"' not in ids[0]:
        return ids[0]     # as written in the HTML, so the stub's attribute reads back the same
    return False


@dataclass
class FragmentPage:
    """One page's blocks between `prepare` and `finish`."""
    keys: list[str] = field(default_factory=list)          # index -> key, of marked and stubbed blocks
    stored: dict[int, str] = field(default_factory=dict)   # stub index -> stored HTML
    anchored: list[tuple[str, str, str]] = field(default_factory=list)   # the stubs' links into anchors


class FragmentStore:
    """The blocks' HTML, by key (module docstring); one per MkDocs run."""

    def __init__(self, path: Path, salt: str):
        self.salt = salt.encode("utf-8")
        self.new: dict[str, tuple[str, str | None]] = {}   # key -> (HTML, outer id)
        self.used: set[str] = set()
        self.reused = self.converted = 0     # blocks put in place from the store / converted by MkDocs
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError:      # a damaged store is only a slower build: start again
            path.unlink(missing_ok=True)
            self.db = self._open(path)
        row = self.db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        self.generation = (int(row[0]) if row else 0) + 1

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, html TEXT NOT NULL, "
                   "outer_id TEXT, used INTEGER NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        return db

    def _key(self, page_folder: str, dest_folder: str, block: str) -> str:
        material = b"\0".join((self.salt, page_folder.encode(), dest_folder.encode(), block.encode("utf-8")))
        return hashlib.sha256(material).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        found = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            rows = self.db.execute(f"SELECT key, html, outer_id FROM fragments WHERE key IN "
                                   f"({','.join('?' * len(batch))})", batch)
            found.update((key, (html, outer)) for key, html, outer in rows)
        return found

    def prepare(self, markdown: str, src_uri: str, dest_uri: str, exists) -> tuple[str, FragmentPage]:
        """The page's Markdown with known blocks stubbed and new ones marked; `exists(path)`:
        whether the docs folder file `path` is in this build."""
        if len(markdown) < MIN_PAGE_CHARACTERS:
            return markdown, FragmentPage()
        page_folder, dest_folder = posixpath.dirname(src_uri), posixpath.dirname(dest_uri)
        blocks = [(start, end, _links(page_folder, markdown[start:end])) for start, end in entry_blocks(markdown)]
        blocks = [(start, end, links, self._key(page_folder, dest_folder, markdown[start:end]))
                  for start, end, links in blocks if links is not None]
        known = self._lookup(sorted({key for *_, key in blocks}))
        page, parts, position = FragmentPage(), [], 0
        for start, end, (targets, anchored), key in blocks:
            index = len(page.keys)
            page.keys.append(key)
            parts.append(markdown[position:start])
            position = end
            if key in known and all(exists(target) for target in targets):
                html, outer = known[key]
                page.stored[index] = html
                page.anchored += anchored
                self.used.add(key)
                self.reused += 1
                id_attribute = f' id="{outer}"' if outer else ""
                parts.append(f'<div data-annobib-cached="{index}"{id_attribute} markdown>\n</div>\n')
            else:
                self.converted += 1
                class_end = markdown.index('"', start + len('<div class="')) + 1
                parts.append(f'{markdown[start:class_end]} data-annobib-fragment="{index}"{markdown[class_end:end]}')
        parts.append(markdown[position:])
        return "".join(parts), page

    def finish(self, html: str, page: FragmentPage) -> str:
        """The converted page with stubs filled and marks removed; new blocks stored."""
        if not page.keys:
            return html
        for match in _MARKED.finditer(html):
            index = int(match.group(1))
            end = _block_end(html, match.end())
            if end < 0:
                continue
            block = html[match.start():end].replace(f' data-annobib-fragment="{index}"', "", 1)
            outer = _outer_id(block)
            if outer is not False:
                self.new[page.keys[index]] = (block, outer)
        html = re.sub(r' data-annobib-fragment="\d+"', "", html)
        html, filled = _STUB.subn(lambda m: page.stored[int(m.group(1))], html)
        if filled != len(page.stored):
            raise BuildError(f"{len(page.stored) - filled} entry block(s) could not be put back after the "
                               "conversion (a Markdown extension changed them); set render_page_cache: false")
        return html

    def close(self) -> None:
        """Store the new blocks, mark those used, drop those unused for `KEEP_BUILDS` builds."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?, ?, ?)",
                                [(key, html, outer, self.generation) for key, (html, outer) in self.new.items()])
            used = sorted(self.used)
            for start in range(0, len(used), _BATCH):
                batch = used[start:start + _BATCH]
                self.db.execute(f"UPDATE fragments SET used = ? WHERE key IN ({','.join('?' * len(batch))})",
                                [self.generation, *batch])
            self.db.execute("DELETE FROM fragments WHERE used < ?", (self.generation - KEEP_BUILDS,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(self.generation),))
        self.db.close()

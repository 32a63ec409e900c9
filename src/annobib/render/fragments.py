"""Converted HTML of the entry blocks of generated pages, kept between builds.

A chapter, theme, keyword, author or venue page is a list of entries, each a block
`<div class="annobib-..." markdown>` ... `</div>` (templates/*.md.j2). When one paper joins a
chapter of 3,000 papers the chapter page is rendered again (render/incremental.py), and MkDocs
converted all of it again: 1.1 MB of Markdown for one new entry. A block converts to the same
HTML wherever it stands, given the folders of the page (its links are relative), the site
fingerprint (the config with its Markdown extensions, the versions) and its link targets
existing. So the page cache plugin keeps each block's HTML under a key of those, in
`fragments.sqlite` in the page cache, and MkDocs converts only the blocks it has not seen:

- before the conversion (`FragmentPage.prepare`, from `on_page_markdown`), a known block
  becomes an empty stub div carrying the block's id, so Markdown's table of contents makes
  the same heading ids and MkDocs' anchor check sees the same ids; a new block gets a
  `data-annobib-fragment` attribute;
- after it (`FragmentPage.finish`, from `on_page_content`), each stub is replaced by the stored
  HTML, and each marked block loses its mark and is stored.

The page's HTML is then byte for byte the HTML of the whole page converted
(tests/test_fragments.py). A block holding a heading, a nested div or a link with an anchor
or an absolute path is converted as always, and so is a known block one of whose link
targets is missing from this build: MkDocs then reports it as in a full build. Blocks not
used in the last `KEEP_BUILDS` builds that rendered a page are dropped.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
import sqlite3
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

STORE_FILE = "fragments.sqlite"
KEEP_BUILDS = 20
_BATCH = 500
# An entry block as the templates write it: a class of annobib's, `markdown`, and neither a
# heading nor another div inside it, up to its own closing line.
BLOCK = re.compile(r'^(<div class="annobib-[^"\n]*")([^\n]* markdown>\n(?:(?!</?div|#)[^\n]*\n)*?</div>\n)', re.M)
_MARKED = re.compile(r'<div class="annobib-[^"]*" data-annobib-fragment="(\d+)"')
_STUB = re.compile(r'<div data-annobib-cached="(\d+)"[^>]*>.*?</div>', re.S)
_LINK = re.compile(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"")
_ID = re.compile(r"""\s(?:id|name)=["']([^"']*)["']""")
_OPENING_ID = re.compile(r"""^<div [^>]*?\bid=["']([^"']*)["']""")


def _targets(page_folder: str, block: str) -> list[str] | None:
    """The files a block links to, relative to the docs folder; None when one of its links
    is not a plain relative one (an anchor, an absolute path): such a block is always converted."""
    found = []
    for match in _LINK.finditer(block):
        target = match.group(1) or match.group(2) or ""
        if "://" in target or target.startswith("mailto:"):
            continue
        if "#" in target or target.startswith("/") or not target:
            return None
        found.append(posixpath.normpath(posixpath.join(page_folder, unescape(target))))
    return found


def _outer_id(html: str) -> str | None | bool:
    """The id of a converted block's outer div (None: no id); False when any other element of
    it has an id, which a stub could not carry."""
    ids = _ID.findall(html)
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
        page_folder, dest_folder = posixpath.dirname(src_uri), posixpath.dirname(dest_uri)
        blocks = [(match, _targets(page_folder, match.group())) for match in BLOCK.finditer(markdown)]
        keys = {match.start(): self._key(page_folder, dest_folder, match.group())
                for match, targets in blocks if targets is not None}
        known = self._lookup(sorted(set(keys.values())))
        page, parts, position = FragmentPage(), [], 0
        for match, targets in blocks:
            key = keys.get(match.start())
            if key is None:
                continue
            index = len(page.keys)
            page.keys.append(key)
            parts.append(markdown[position:match.start()])
            position = match.end()
            if key in known and all(exists(target) for target in targets):
                html, outer = known[key]
                page.stored[index] = html
                self.used.add(key)
                self.reused += 1
                id_attribute = f' id="{outer}"' if outer else ""
                parts.append(f'<div data-annobib-cached="{index}"{id_attribute} markdown>\n</div>\n')
            else:
                self.converted += 1
                parts.append(f'{match.group(1)} data-annobib-fragment="{index}"{match.group(2)}')
        parts.append(markdown[position:])
        return "".join(parts), page

    def finish(self, html: str, page: FragmentPage) -> str:
        """The converted page with stubs filled and marks removed; new blocks stored."""
        if not page.keys:
            return html
        for match in _MARKED.finditer(html):
            index = int(match.group(1))
            end = html.find("</div>", match.end())
            if end < 0:
                continue
            block = html[match.start():end + len("</div>")].replace(f' data-annobib-fragment="{index}"', "", 1)
            outer = _outer_id(block)
            if block.count("<div") == 1 and outer is not False:
                self.new[page.keys[index]] = (block, outer)
        html = re.sub(r' data-annobib-fragment="\d+"', "", html)
        return _STUB.sub(lambda m: page.stored[int(m.group(1))], html)

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

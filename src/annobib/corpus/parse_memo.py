"""Parsed `.bib` files remembered between builds, by content: only a changed file is parsed.

A file's parse (bibtexparser, macros, concatenation; `load.read_file`) depends on its
bytes, its path, the @string macros of the files read before it and annobib's code, so
those are the key. The entries, problems, block count and the macros after the file are
kept in one JSON file per `.bib` file under `build/cache/parsed/`; `save` keeps only this
build's. A missing or unreadable entry is parsed again.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from pathlib import Path

from ..atomic import write_json
from ..errors import Problem
from .entries import RawEntry


def _fields(record) -> dict:
    """A flat record's fields for JSON: `asdict` would deep-copy every value first, about
    half a second for a 10,000-entry file, and these values are strings, tuples of strings
    and a dict of strings."""
    return {field.name: getattr(record, field.name) for field in fields(record)}


class ParseMemo:
    """`read(path, strings, parse)`: `parse(path, strings, data)` for a file not seen in
    this form (`data`: its bytes, read once for the key and the parse)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._code = ""
        self._used: set[str] = set()

    def read(self, path: Path, strings: dict[str, str], parse):
        from .load import FileRead

        data = path.read_bytes()
        key = self._key(path, strings, data)
        self._used.add(key)
        stored = self._load(key)
        if stored is not None:
            read, after = stored
            strings.clear()
            strings.update(after)
            return read
        read: FileRead = parse(path, strings, data)
        try:
            write_json(self.folder / f"{key}.json", {
                "entries": [_fields(e) for e in read.entries], "problems": [_fields(p) for p in read.problems],
                "blocks": read.blocks, "strings": strings})
        except OSError:
            pass    # a read-only project is checked all the same, only not remembered
        return read

    def save(self) -> None:
        """Forget the files this build did not read (edited or deleted since)."""
        for stale in self.folder.glob("*.json"):
            if stale.stem not in self._used:
                try:
                    stale.unlink(missing_ok=True)
                except OSError:
                    pass

    def _key(self, path: Path, strings: dict[str, str], data: bytes) -> str:
        if not self._code:
            from ..build_stamp import package_digest

            self._code = package_digest()
        digest = hashlib.sha256(f"{self._code}\0{path}\0".encode())
        digest.update(json.dumps(sorted(strings.items())).encode() + b"\0" + data)
        return digest.hexdigest()

    def _load(self, key: str):
        from .load import FileRead

        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            entries = [RawEntry(**{**e, "order": tuple(e["order"]), "inherited": tuple(e["inherited"])})
                       for e in data["entries"]]
            problems = [Problem(**p) for p in data["problems"]]
            read = FileRead(entries, problems, int(data["blocks"]))
            after = {str(k): str(v) for k, v in data["strings"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return read, after


class CodeKeyedMemo:
    """One JSON file of results that hold for one version of annobib's code and of the
    library that made them (`LIBRARY`): `_stored()` is what the file holds when those
    versions wrote it, `_write` writes it (a read-only project is checked all the same,
    only not remembered)."""

    LIBRARY = ""

    def __init__(self, path: Path):
        from importlib.metadata import version

        from ..build_stamp import package_digest

        self.path = path
        self._code = f"{package_digest()} {self.LIBRARY} {version(self.LIBRARY)}"

    def _stored(self) -> dict:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stored if isinstance(stored, dict) and stored.get("code") == self._code else {}

    def _write(self, content: dict) -> None:
        try:
            write_json(self.path, {"code": self._code, **content})
        except OSError:
            pass


class LatexVerdicts(CodeKeyedMemo):
    """Strict-parse verdicts of LaTeX values (`rules.latex_problems`) between builds, by a
    digest of the value: "" parses, else the parser's complaint. The strict parse was the
    costliest rule of a 10,000-paper load (about 2.5 s), and a value's verdict depends only
    on the value, pylatexenc and annobib's code, which key the whole file. `save` keeps
    only the values of this build."""

    LIBRARY = "pylatexenc"

    def __init__(self, path: Path):
        super().__init__(path)
        self._used = {}
        known = self._stored().get("verdicts")
        self._known = known if isinstance(known, dict) else {}

    @staticmethod
    def _digest(value: str) -> str:
        return hashlib.sha256(value.encode("utf-8")).hexdigest()

    def get(self, value: str) -> str | None:
        digest = self._digest(value)
        verdict = self._known.get(digest)
        if isinstance(verdict, str):
            self._used[digest] = verdict
            return verdict
        return None

    def __setitem__(self, value: str, verdict: str) -> None:
        self._used[self._digest(value)] = verdict

    def save(self) -> None:
        if self._used != self._known:
            self._write({"verdicts": self._used})


class TitlePairs(CodeKeyedMemo):
    """The near-identical title pairs of the last build (`rules.duplicate_papers`), so a
    build compares only its new titles: at 10,000 papers comparing every title costs about
    15 million rapidfuzz ratios, one new paper a few thousand. Kept: the distinct normal
    titles compared and the pairs among them at or above the ratio, keyed like
    `LatexVerdicts` (annobib's code, rapidfuzz's version). `save` keeps this build's titles."""

    LIBRARY = "rapidfuzz"

    def __init__(self, path: Path):
        super().__init__(path)
        self.titles: frozenset[str] = frozenset()
        self.pairs: dict[tuple[str, str], float] = {}
        stored = self._stored()
        if stored:
            try:
                self.titles = frozenset(str(title) for title in stored["titles"])
                self.pairs = {(str(a), str(b)): float(score) for a, b, score in stored["pairs"]}
            except (ValueError, KeyError, TypeError):
                self.titles, self.pairs = frozenset(), {}
        self._saved = (self.titles, self.pairs)

    def remember(self, titles, pairs: dict[tuple[str, str], float]) -> None:
        self.titles, self.pairs = frozenset(titles), dict(pairs)

    def save(self) -> None:
        if (self.titles, self.pairs) != self._saved:
            self._write({"titles": sorted(self.titles),
                         "pairs": [[a, b, score] for (a, b), score in sorted(self.pairs.items())]})

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
from dataclasses import asdict
from pathlib import Path

from ..atomic import write_json
from ..errors import Problem
from .entries import RawEntry


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
                "entries": [asdict(e) for e in read.entries], "problems": [asdict(p) for p in read.problems],
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


class LatexVerdicts:
    """Strict-parse verdicts of LaTeX values (`rules.latex_problems`) between builds, by a
    digest of the value: "" parses, else the parser's complaint. The strict parse was the
    costliest rule of a 10,000-paper load (about 2.5 s), and a value's verdict depends only
    on the value, pylatexenc and annobib's code, which key the whole file. `save` keeps
    only the values of this build."""

    def __init__(self, path: Path):
        from importlib.metadata import version

        from ..build_stamp import package_digest

        self.path, self._used = path, {}
        self._code = f"{package_digest()} pylatexenc {version('pylatexenc')}"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            self._known = stored["verdicts"] if stored.get("code") == self._code else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._known = {}

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
        if self._used == self._known:
            return
        try:
            write_json(self.path, {"code": self._code, "verdicts": self._used})
        except OSError:
            pass    # a read-only project is checked all the same, only not remembered

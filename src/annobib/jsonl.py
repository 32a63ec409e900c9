"""JSON-lines input (metadata for the importer, documents for `annobib keyphrases`)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .errors import JsonLinesError


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a clear error names the bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise JsonLinesError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JsonLinesError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise JsonLinesError(f"{path}:{number}: expected a JSON object")
        yield number, row

"""Cache files written so that an interrupted build never leaves half a file."""
from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path, data, **dumps_options) -> None:
    """Write `data` as JSON to a temporary sibling, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, **dumps_options), encoding="utf-8")
    tmp.replace(path)

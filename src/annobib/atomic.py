"""Files written so that an interrupted build never leaves half a file.

Each file is written to a temporary sibling (`<name>.tmp`) and renamed over its target
only when complete; a write that fails removes its temporary file, and the temporary
files of a build that was killed are removed by the next build (`staging.clean_leftovers`).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_SUFFIX = ".tmp"


def temporary_path(path: Path) -> Path:
    """Where the next version of `path` is written before it replaces `path`."""
    return path.with_name(path.name + TMP_SUFFIX)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling to write; rename it over `path` if the block succeeds,
    remove it if the block fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data, **dumps_options) -> None:
    """Write `data` as JSON to a temporary sibling, then rename it over `path`."""
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, **dumps_options), encoding="utf-8")


def link_or_copy(source: Path, target: Path) -> None:
    """`source`'s bytes at the new path `target`: a hard link, or a copy where a link cannot
    be made (another filesystem). Whoever links must never change either file in place."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)

"""Writing the docs folder: files under it only, and a record of what was written."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..atomic import link_or_copy
from ..errors import BuildError


class Writer:
    """Writes files under docs_dir only, and remembers what it wrote."""

    def __init__(self, docs_dir: Path):
        self.root = docs_dir.resolve()
        self.written: set[str] = set()
        self._folders: set[str] = set()

    def path(self, relative: str) -> Path:
        # Lexical: the docs folder is made empty by the build and the writer puts no link
        # to a folder in it, so no symbolic link can lead out (resolving 40,000 paths was
        # a second of a 10,000-paper build).
        target = os.path.normpath(os.path.join(self.root, relative))
        if not target.startswith(str(self.root) + os.sep):
            raise BuildError(f"refusing to write outside the docs folder: {relative}")
        return Path(target)

    def _parent_made(self, target: Path) -> None:
        folder = str(target.parent)
        if folder not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

    def write(self, relative: str, content: str) -> None:
        target = self.path(relative)
        self._parent_made(target)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        self.written.add(relative)

    def place(self, relative: str, content: str | Path) -> None:
        """Text is written; a Path (a file kept in the build cache) is hard-linked, which
        costs a fraction of writing it (copied where a link cannot be made)."""
        if isinstance(content, str):
            self.write(relative, content)
            return
        target = self.path(relative)
        self._parent_made(target)
        link_or_copy(content, target)
        self.written.add(relative)

    def copy(self, source: Path, relative: str) -> None:
        target = self.path(relative)
        self._parent_made(target)
        shutil.copyfile(source, target)
        self.written.add(relative)


def copy_tree(writer: Writer, source_dir: Path, prefix: str = "") -> set[str]:
    """Every file of `source_dir` (hidden ones left out) under `prefix`; the paths written."""
    copied = set()
    for source in sorted(source_dir.rglob("*")):
        relative = source.relative_to(source_dir)
        if source.is_file() and not any(part.startswith(".") for part in relative.parts):
            writer.copy(source, prefix + relative.as_posix())
            copied.add(prefix + relative.as_posix())
    return copied

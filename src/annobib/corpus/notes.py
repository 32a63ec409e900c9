"""The curator's own note about each work: `notes/<key>.md`, or a note field on purpose.

An annotated bibliography is a list of works each followed by the curator's paragraph.
A note written for the site lives in `notes/<file name of the key>.md` in the project:
the citation key with each character that a file name cannot hold on every system
(`/ \\ : * ? " < > |`) written as `_` (`DBLP:conf/nips/X17` -> `DBLP_conf_nips_X17.md`).
Note fields exported by reference managers (`annote`, `annotation`, `comment`) are often
private reading notes: they are published only with `publish_field_notes: true`, and a
`notes/` file wins over them. Notes are untrusted Markdown; `render` turns them into HTML
with a CommonMark renderer, raw HTML off.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..errors import Problem

NOT_IN_FILE_NAMES = re.compile(r'[/\\:*?"<>|]')
# A note is a paragraph or a page; a longer file is a mistake (a pasted paper, a binary).
MAX_NOTE_CHARS = 100_000
NOTE_FIELD_ORDER = ("annotation", "annote", "comment")


def note_file_name(key: str) -> str:
    """The file name of a key's note: characters a file name cannot hold become `_`."""
    return NOT_IN_FILE_NAMES.sub("_", key) + ".md"


def field_note(values: dict[str, str]) -> str:
    """The first non-empty note field (BibLaTeX `annotation`, BibTeX `annote`, JabRef `comment`)."""
    from .latex import to_text

    for name in NOTE_FIELD_ORDER:
        text = to_text(values.get(name, "")).strip()
        if text:
            return text
    return ""


def apply_note_files(papers: list, notes_dir: Path | None) -> tuple[list, list[Problem]]:
    """Papers with their `notes/` note attached (it wins over a note field), and problems:
    a note for no entry, an unreadable or oversized note, two keys sharing one file name."""
    if notes_dir is None or not notes_dir.is_dir():
        return papers, []
    files = {path.name: path for path in notes_dir.glob("*.md")}
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    attached = []
    for paper in papers:
        name = note_file_name(paper.key)
        path = files.get(name)
        if path is None:
            attached.append(paper)
            continue
        if name in claimed:
            problems.append(Problem(str(path), 1, paper.key, (
                f"note file {name} is also the note of '{claimed[name]}' (keys that differ only in "
                "characters a file name cannot hold); it is shown on that paper only"), "warning"))
            attached.append(paper)
            continue
        claimed[name] = paper.key
        text, problem = _read_note(path, paper.key)
        if problem:
            problems.append(problem)
        attached.append(replace(paper, note=text, note_source="file") if text else paper)
    keys = {note_file_name(p.key) for p in papers}
    problems += [Problem(str(path), 1, "", f"note {name} belongs to no entry of the corpus (file name rule: "
                         "the key with / \\ : * ? \" < > | written as _); it is not shown", "warning")
                 for name, path in sorted(files.items()) if name not in keys]
    return attached, problems


def _read_note(path: Path, key: str) -> tuple[str, Problem | None]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return "", Problem(str(path), 1, key, f"note cannot be read ({exc.__class__.__name__}); save it as UTF-8 text",
                           "warning")
    if len(text) > MAX_NOTE_CHARS:
        return "", Problem(str(path), 1, key, (
            f"note is too long ({len(text):,} characters; the limit is {MAX_NOTE_CHARS:,}); it is not shown"),
            "warning")
    return text.strip(), None

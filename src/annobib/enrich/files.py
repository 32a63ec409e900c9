"""The PDFs a BibTeX `file` field names, in every reference manager's way of writing it.

What real exports hold (see tests/fixtures/realbib/):

- a bare path: `/home/erb/Zotero/storage/FEUEWUVV/Baltes - 2021 - Sampling.pdf`
  (Better BibLaTeX), or `papers/a.pdf`;
- `description:path:type` items: Zotero's own exporter
  (`Silver et al_2021.pdf:/home/x/Zotero/storage/DE8PXLYA/Silver.pdf:application/pdf`),
  Mendeley (`:home/x/Mendeley Desktop/Downloaded/a.pdf:pdf`: no leading '/', `{\\_}` for '_'),
  JabRef (`:geiger2016evolution.pdf:PDF`, relative to the .bib file's folder);
- `;`-separated lists of items (Zotero puts a web snapshot, `.html`, beside the PDF);
- escapes: Better BibTeX and JabRef write `\\:` `\\;` `\\\\` inside paths
  (`C\\:\\\\Users\\\\name\\\\Zotero\\\\storage\\\\5RENH7XE\\\\x.pdf`); old Mendeley on Windows
  writes `C$\\backslash$:/Users/...`;
- Windows paths, with a drive (`C:\\Users\\...`) or relative (`papers\\a.pdf`).

`pdf_paths(value, bib_dir)` turns one field value into the candidate PDF paths, in the
order to try them; nothing here touches the file system.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlparse

# The mime type or file type an item ends with: `application/pdf`, `PDF`, `text/html`, `jpg`.
_TYPE = re.compile(r"^(?:[a-z]+/[\w.+-]+|[A-Za-z0-9]{2,5})$")
_DRIVE = re.compile(r"^[A-Za-z]$")
# LaTeX a Mendeley or JabRef export wraps around characters of a path: {\_} {\&} {\%} {\~{}} ...
_LATEX_CHARACTER = re.compile(r"\{\\([_&%$#~^{}])(?:\{\})?\}")


@dataclass(frozen=True)
class FileItem:
    """One attachment of a `file` field: the path as written (unescaped) and what it says it is."""

    path: str
    description: str = ""
    kind: str = ""                 # the item's type as written: "application/pdf", "PDF", "" ...

    @property
    def is_pdf(self) -> bool:
        return "pdf" in self.kind.lower() or self.path.lower().endswith(".pdf")


def parse_file_field(value: str) -> list[FileItem]:
    """Every attachment of one `file` field value, in the order written."""
    text = (value or "").strip()
    text = text.replace("$\\backslash$", "\\")            # old Mendeley: C$\backslash$: is an escaped ':' 
    text = _LATEX_CHARACTER.sub(lambda m: "\\" + m.group(1) if m.group(1) in ":;\\" else m.group(1), text)
    if text.startswith("{") and text.endswith("}") and text.count("{") == 1:
        text = text[1:-1]
    items = []
    for raw in _split_unescaped(text, ";"):
        parts = [_unescape(p) for p in _split_unescaped(raw, ":")]
        item = _item(parts)
        if item is not None and item.path.strip():
            items.append(item)
    return items


def pdf_paths(value: str, bib_dir: Path) -> list[Path]:
    """Candidate paths of the PDFs a `file` field names, in the order to try them.

    Relative paths are resolved against the .bib file's folder. A Mendeley or JabRef item
    (`:path:type`, empty description) whose path has no leading '/' may be absolute with
    the '/' dropped (Mendeley) or relative (JabRef): both are returned, relative first.
    Non-PDF attachments (snapshots, images) are left out.
    """
    found: list[Path] = []
    for item in parse_file_field(value):
        if not item.is_pdf:
            continue
        for candidate in _candidates(item, Path(bib_dir)):
            if candidate not in found:
                found.append(candidate)
    return found


# --- the parts of a field ----------------------------------------------------------------

def _split_unescaped(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not escaped by a backslash (escapes are kept)."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(part: str) -> str:
    """`\\:` -> `:`, `\\\\` -> `\\`; a backslash before anything else is a Windows separator."""
    out, i = [], 0
    while i < len(part):
        if part[i] == "\\" and i + 1 < len(part) and part[i + 1] in ":;\\{}":
            out.append(part[i + 1])
            i += 2
            continue
        out.append(part[i])
        i += 1
    return "".join(out)


def _item(parts: list[str]) -> FileItem | None:
    parts = [p.strip() for p in parts]
    if not parts or not any(parts):
        return None
    # A drive letter split off by an unescaped ':' (`C:\Users\a.pdf`) joins its path again.
    joined: list[str] = []
    for part in parts:
        if joined and (_DRIVE.match(joined[-1]) and part[:1] in ("\\", "/")
                       or joined[-1].lower() == "file" and part.startswith("//")):   # file:///...
            joined[-1] = joined[-1] + ":" + part
        else:
            joined.append(part)
    parts = joined
    if len(parts) == 1:
        return FileItem(parts[0])
    if len(parts) == 2:
        # `path:PDF` (a type after the path) or `description:path`.
        if _TYPE.match(parts[1]) and not _looks_like_path(parts[1]):
            return FileItem(parts[0], kind=parts[1])
        return FileItem(parts[1], description=parts[0])
    description, kind = parts[0], parts[-1]
    if not _TYPE.match(kind) or _looks_like_path(kind):
        return FileItem(":".join(parts[1:]), description=description)
    return FileItem(":".join(parts[1:-1]), description=description, kind=kind)


def _looks_like_path(text: str) -> bool:
    return "." in text.rsplit("/", 1)[-1] or "\\" in text


def _candidates(item: FileItem, bib_dir: Path) -> list[Path]:
    path = item.path.strip()
    if path.lower().startswith("file:"):
        parsed = urlparse(path)
        path = unquote(parsed.path)
        if re.match(r"^/[A-Za-z]:", path):
            path = path[1:]                                 # file:///C:/Users/...
    windows = PureWindowsPath(path)
    if windows.drive or path.startswith("\\\\"):
        return [Path(path)]                                 # C:\... or \\server\share: only on Windows
    if "\\" in path and "/" not in path:
        path = str(PurePosixPath(*windows.parts))           # a relative Windows path: papers\a.pdf
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return [Path(path)]
    if path.startswith("~"):
        return [Path(path).expanduser()]
    relative = bib_dir / path
    if not item.description and item.kind and len(posix.parts) > 1:
        return [relative, Path("/" + path)]                 # Mendeley drops the leading '/'
    return [relative]

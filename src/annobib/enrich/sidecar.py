"""`corpus/enrichment.json`: what `annobib enrich` found, committed beside the .bib files.

    {"version": 1,
     "entries": {"<citation key>": {
         "abstract": {"text": "...", "source": "pdf" | "pdf-body" | "<service name>",
                      "file": "<the PDF's file name>", "sha256": "<of the PDF>", "date": "YYYY-MM-DD"},
         "ids": {...},                       # identifiers the open-metadata services reported
         "references": ["<citation key>", ...]}}}   # entries of the collection it cites

The user's .bib files are never changed: the build reads this file (`apply_sidecar`, called
by `corpus.load.load_corpus`) and gives its abstracts to the papers whose entry has none,
so a clone without the PDFs builds the same site; "references" become `Paper.cites` (who
cites whom inside the collection, shown on the pages). It is written deterministically (sorted
keys, indent 1, UTF-8, one final newline) and atomically; what it does not know (other
keys of an entry, other top-level keys) is kept when it is rewritten.

Privacy: a record holds the PDF's file name and checksum, never its folder (a local path
names the user); `abstract_record` takes the base name, and reading warns about a record
that holds more.

Reading never fails: a file that is not JSON, a record of the wrong shape, is a warning
located at its line (`annobib.errors.Problem`), and the rest is used.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..atomic import replacing
from ..errors import Problem

SIDECAR_NAME = "enrichment.json"
VERSION = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SOURCE_LABELS = {"pdf": "the PDF (first page)", "pdf-body": "the PDF's first paragraphs (no abstract heading found)"}


@dataclass(frozen=True)
class AbstractRecord:
    text: str
    source: str          # "pdf", "pdf-body" or the name of the service it came from
    file: str = ""       # the PDF's base name ("" for a service)
    sha256: str = ""     # of the PDF ("" for a service)
    date: str = ""       # YYYY-MM-DD it was found

    def as_json(self) -> dict:
        return {"text": self.text, "source": self.source, "file": self.file, "sha256": self.sha256, "date": self.date}


@dataclass
class Sidecar:
    """The file as read: its raw entries (unknown keys kept), the valid abstracts, problems."""

    path: Path
    data: dict = field(default_factory=lambda: {"version": VERSION, "entries": {}})
    abstracts: dict[str, AbstractRecord] = field(default_factory=dict)
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)   # key -> keys it cites
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True    # False: the file is there but not a JSON object (not to be overwritten)

    @property
    def entries(self) -> dict:
        return self.data.setdefault("entries", {})

    def set_abstract(self, key: str, record: AbstractRecord) -> None:
        entry = self.entries.get(key)
        if not isinstance(entry, dict):
            entry = self.entries[key] = {}
        entry["abstract"] = record.as_json()
        self.abstracts[key] = record


def abstract_record(text: str, source: str, pdf: Path | str = "", sha256: str = "", date: str = "") -> AbstractRecord:
    """A record naming the PDF by its base name only (never the folder: it names the user)."""
    name = PureWindowsPath(str(pdf)).name if "\\" in str(pdf) else PurePosixPath(str(pdf)).name
    return AbstractRecord(text=text, source=source, file=name, sha256=sha256, date=date)


def read_sidecar(path: Path) -> Sidecar:
    """The sidecar at `path` (an empty one when there is none); never raises for its content."""
    sidecar = Sidecar(path)
    if not path.is_file():
        return sidecar
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        sidecar.readable = False
        sidecar.problems.append(Problem(where, 1, "", f"cannot be read ({exc}); its abstracts are not used", "warning"))
        return sidecar
    except json.JSONDecodeError as exc:
        sidecar.readable = False
        sidecar.problems.append(Problem(where, exc.lineno, "", (
            f"not valid JSON ({exc.msg}, column {exc.colno}); its abstracts are not used. "
            "Fix the file or delete it and run 'annobib enrich' again"), "warning"))
        return sidecar
    if not isinstance(data, dict) or not isinstance(data.get("entries", {}), dict):
        sidecar.readable = False
        sidecar.problems.append(Problem(where, 1, "", (
            'expected {"version": 1, "entries": {...}}; its abstracts are not used'), "warning"))
        return sidecar
    sidecar.data = data
    if data.get("version", VERSION) != VERSION:
        sidecar.problems.append(Problem(where, _line_of(text, "version"), "", (
            f"version {data.get('version')!r} is not {VERSION}: read as version {VERSION}"), "warning"))
    for key, entry in sidecar.entries.items():
        record, message = _abstract_of(entry)
        if message:
            sidecar.problems.append(Problem(where, _line_of(text, key), key, message, "warning"))
        if record is not None:
            sidecar.abstracts[key] = record
        references, message = _references_of(entry)
        if message:
            sidecar.problems.append(Problem(where, _line_of(text, key), key, message, "warning"))
        if references:
            sidecar.references[key] = references
    return sidecar


def write_sidecar(sidecar: Sidecar) -> None:
    """Write the sidecar deterministically (sorted keys, indent 1, UTF-8) and atomically."""
    data = dict(sidecar.data)
    data["version"] = VERSION
    data.setdefault("entries", {})
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    with replacing(sidecar.path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def apply_sidecar(papers: list, problems: list[Problem], corpus_dir: Path) -> tuple[list, list[Problem]]:
    """Papers whose entry has no abstract take the sidecar's (`abstract_source` says from where);
    the sidecar's problems are added, and an entry's "no abstract" warning goes when it got one.
    Each paper's `cites` are its "references" that are other papers of `papers` (sorted).

    An abstract the curator wrote is never replaced."""
    sidecar = read_sidecar(Path(corpus_dir) / SIDECAR_NAME)
    if not sidecar.abstracts and not sidecar.references and not sidecar.problems:
        return papers, problems
    from ..corpus.bibtex import plain_to_bibtex

    filled: set[str] = set()
    keys = {paper.key for paper in papers}
    result = []
    for paper in papers:
        cites = tuple(sorted({k for k in sidecar.references.get(paper.key, ()) if k in keys and k != paper.key}))
        if cites:
            paper = replace(paper, cites=cites)
        record = sidecar.abstracts.get(paper.key)
        if record is not None and not paper.has_abstract:
            paper = replace(paper, abstract=plain_to_bibtex(record.text), abstract_text=record.text,
                            abstract_source=record.source)
            filled.add(paper.key)
        result.append(paper)
    kept = [p for p in problems if not (p.entry in filled and p.severity != "error"
                                        and p.message.startswith("no abstract"))]
    return result, kept + sidecar.problems


# --- one record ----------------------------------------------------------------------------

def _abstract_of(entry) -> tuple[AbstractRecord | None, str]:
    if not isinstance(entry, dict):
        return None, f"the entry must be an object, not {type(entry).__name__}; ignored"
    raw = entry.get("abstract")
    if raw is None:
        return None, ""
    if not isinstance(raw, dict):
        return None, f'"abstract" must be an object, not {type(raw).__name__}; ignored'
    for name in ("text", "source", "file", "sha256", "date"):
        if not isinstance(raw.get(name, ""), str):
            return None, f'"abstract"."{name}" must be a text, not {type(raw[name]).__name__}; ignored'
    text, source = " ".join(raw.get("text", "").split()), raw.get("source", "").strip()
    if not text or not source:
        return None, '"abstract" needs a non-empty "text" and "source"; ignored'
    file, sha256, date = raw.get("file", ""), raw.get("sha256", ""), raw.get("date", "")
    if "/" in file or "\\" in file:
        return None, '"abstract"."file" must be a file name, not a path (a path names the user); ignored'
    if sha256 and not _SHA256.match(sha256):
        return None, '"abstract"."sha256" is not a SHA-256 checksum (64 hex digits); ignored'
    if date and not _DATE.match(date):
        return None, '"abstract"."date" is not a date (YYYY-MM-DD); ignored'
    return AbstractRecord(text, source, file, sha256, date), ""


def _references_of(entry) -> tuple[tuple[str, ...], str]:
    """The citation keys an entry's "references" lists (() when it has none)."""
    if not isinstance(entry, dict) or entry.get("references") is None:
        return (), ""
    raw = entry["references"]
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        return (), '"references" must be a list of citation keys; ignored'
    return tuple(dict.fromkeys(k.strip() for k in raw if k.strip())), ""


def _line_of(text: str, key: str) -> int:
    """The line where `"key":` first appears (1 if it cannot be found)."""
    needle = json.dumps(key, ensure_ascii=False)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith('"entries"')), 0)
    for number, line in enumerate(lines[start:], start + 1):
        stripped = line.lstrip()
        if stripped.startswith(needle) and stripped[len(needle):].lstrip().startswith(":"):
            return number
    return 1

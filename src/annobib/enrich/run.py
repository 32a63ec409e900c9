"""`annobib enrich`: abstracts for the entries that have none, into `corpus/enrichment.json`.

    report = enrich_project(root, settings, offline=True)    # EnrichReport (counts, warnings)

Offline, each entry without an abstract whose `file` field names a PDF found on this
machine gets the abstract printed in it (`pdf.py`), or the first paragraphs of its body
when it prints none. Online (not `offline`), the entries still without one are looked up
in open-metadata services (`annobib.enrich.services`, when installed).

What it never does: change a .bib file, replace an abstract the curator wrote, store a
local path (the sidecar holds the PDF's base name and checksum). A PDF named in a `file`
field but absent here (a clone on another machine) is counted and reported once; it is
not an error, and what an earlier run found for it is kept.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import AnnobibError, HasProblems, Problem
from .files import pdf_paths
from .sidecar import SIDECAR_NAME, AbstractRecord, abstract_record, read_sidecar, write_sidecar

PDF_SOURCES = ("pdf", "pdf-body")


@dataclass(frozen=True)
class _Described:
    """An entry still without an abstract, with what `services.as_target` reads of it."""

    key: str
    title_text: str
    authors: tuple[str, ...] = ()     # raw BibTeX names
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EnrichReport(HasProblems):
    entries: int                 # usable entries read
    had_abstract: int            # written by the curator: left alone
    filled_pdf: int              # new: after an abstract heading in the PDF
    filled_body: int             # new: the PDF's first paragraphs (no heading found)
    filled_service: int          # new: from an open-metadata service
    kept: int                    # found by an earlier run and still valid
    missing_files: int           # PDFs named in `file` fields that are not on this machine
    without_pdf: int             # entries without abstract whose `file` names no PDF
    failures: int                # PDFs found but unreadable, or with no text to take
    problems: list[Problem] = field(default_factory=list)
    sidecar: str = ""            # the sidecar's path
    written: bool = False        # whether the sidecar changed
    services: str = ""           # "" = looked up; else why not ("offline", "not installed")

    @property
    def filled(self) -> int:
        return self.filled_pdf + self.filled_body + self.filled_service

    @property
    def still_missing(self) -> int:
        return self.entries - self.had_abstract - self.filled - self.kept

    def summary(self) -> str:
        services = f"; services {self.services}" if self.services else ""
        return (f"annobib enrich: {self.filled} abstract(s) added ({self.filled_pdf} from PDFs, "
                f"{self.filled_body} from PDF body text, {self.filled_service} from services), "
                f"{self.kept} kept from earlier runs, {self.had_abstract} entries had one; "
                f"{self.still_missing} still without; {self.missing_files} PDF(s) not found, "
                f"{self.failures} failed{services}; "
                + (f"wrote {self.sidecar}" if self.written else
                   f"{self.sidecar} unchanged" if Path(self.sidecar).is_file() else "nothing to write"))


def enrich_project(root: Path, settings: Settings, offline: bool,
                   progress: Callable[[int, int, str], None] | None = None) -> EnrichReport:
    """Fill `corpus/enrichment.json` for the entries of `root`'s corpus that lack an abstract."""
    corpus_dir = Path(root) / settings.corpus_dir
    sidecar = read_sidecar(corpus_dir / SIDECAR_NAME)
    if not sidecar.readable:
        problem = sidecar.problems[0]
        raise AnnobibError(f"{problem}: not overwritten; fix or delete it, then run 'annobib enrich' again")
    before = _serialised(sidecar.data)
    entries = _entries(corpus_dir)
    problems: list[Problem] = []
    counts = dict(had_abstract=0, filled_pdf=0, filled_body=0, filled_service=0, kept=0,
                  missing_files=0, without_pdf=0, failures=0)
    missing_first = None
    today = datetime.date.today().isoformat()
    todo = [e for e in entries if not _has_abstract(e.values.get("abstract", ""))]
    counts["had_abstract"] = len(entries) - len(todo)
    still: list = []
    for index, entry in enumerate(todo, 1):
        if progress:
            progress(index, len(todo), entry.key)
        known = sidecar.abstracts.get(entry.key)
        candidates = pdf_paths(entry.values.get("file", ""), Path(entry.source).parent)
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            if candidates:
                counts["missing_files"] += 1
                missing_first = missing_first or entry
            else:
                counts["without_pdf"] += 1
            if known is not None:
                counts["kept"] += 1
            else:
                still.append(entry)
            continue
        checksum = _sha256(found)
        if known is not None and (known.source not in PDF_SOURCES or known.sha256 == checksum):
            counts["kept"] += 1     # a service's abstract, or the same PDF as last time
            continue
        record, problem = _from_pdf(entry, found, checksum, today)
        if record is None:
            counts["failures"] += 1
            problems.append(problem)
            if known is not None:
                counts["kept"] += 1
            else:
                still.append(entry)
            continue
        sidecar.set_abstract(entry.key, record)
        counts["filled_pdf" if record.source == "pdf" else "filled_body"] += 1
    services = "skipped (--offline)" if offline else _services(still, settings, progress, sidecar, today, counts)
    if counts["missing_files"]:
        first = missing_first
        problems.append(Problem(first.source, first.line, first.key, (
            f"{counts['missing_files']} PDF(s) named in `file` fields are not on this machine (the first: "
            f"entry '{first.key}'); their entries keep what an earlier run found, or no abstract"), "warning"))
    written = False
    if _serialised(sidecar.data) != before:
        write_sidecar(sidecar)
        written = True
    return EnrichReport(entries=len(entries), problems=sidecar.problems + problems, sidecar=str(sidecar.path),
                        written=written, services=services, **counts)


# --- pieces ------------------------------------------------------------------------------------

def _entries(corpus_dir: Path) -> list:
    """The corpus's raw entries (with their `file` fields), first of each key, keyless ones left out."""
    from ..corpus import load

    missing_key = getattr(load, "MISSING_KEY", None)
    entries, seen, strings = [], set(), {}
    for path in load.corpus_files(corpus_dir):
        for entry in load.read_file(path, strings).entries:
            if not entry.key or (missing_key and entry.key.startswith(missing_key)) or entry.key in seen:
                continue
            seen.add(entry.key)
            entries.append(entry)
    return entries


def _has_abstract(value: str) -> bool:
    from ..latex import to_text

    return bool(value.strip()) and bool(to_text(value).strip())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _from_pdf(entry, path: Path, checksum: str, today: str) -> tuple[AbstractRecord | None, Problem | None]:
    from .pdf import PdfUnreadable, extract_abstract

    try:
        found = extract_abstract(path)
    except PdfUnreadable as exc:
        return None, Problem(entry.source, entry.line, entry.key, f"PDF '{path.name}' cannot be read: {exc}", "warning")
    if found is None:
        return None, Problem(entry.source, entry.line, entry.key,
                             f"no abstract and no paragraph of text found in PDF '{path.name}'", "warning")
    return abstract_record(found.text, found.source, path, checksum, today), None


def _services(still: list, settings: Settings, progress, sidecar, today: str, counts: dict) -> str:
    """Look the entries still without an abstract up in open-metadata services, if installed."""
    try:
        from . import services   # written separately; absent in a checkout without it
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith("enrich.services"):
            return "not installed (pip install 'annobib[enrich]')"
        raise
    # TODO(services): the interface this calls is
    #   lookup(entries: list[EnrichTarget], contact: str, progress) -> dict[key, ServiceRecord]
    # (services.as_target turns each entry described here into an EnrichTarget); a
    # ServiceRecord has .abstract ("" if none), .source (the service's name), .ids (dict) and
    # .references. Left for the services' part: a `contact` setting, the look-up cache, and
    # `references` as citation keys of the collection (citations.links_in_collection).
    targets = [_target(e) for e in still]
    if not targets:
        return ""
    contact = getattr(settings, "enrich_contact", "") or settings.site_author
    try:
        found = services.lookup(targets, contact, progress)
    except AnnobibError as exc:          # ServiceUnavailable: what the PDFs gave is still written
        return f"stopped ({exc})"
    for key, record in (found or {}).items():
        entry = sidecar.entries.setdefault(key, {})
        if not isinstance(entry, dict):
            continue
        if getattr(record, "ids", None):
            entry["ids"] = dict(record.ids)
        if getattr(record, "references", None):
            entry["references"] = list(record.references)
        text = " ".join((getattr(record, "abstract", "") or "").split())
        if text and key not in sidecar.abstracts:
            sidecar.set_abstract(key, AbstractRecord(text, str(getattr(record, "source", "") or "service"),
                                                     date=today))
            counts["filled_service"] += 1
    return ""


def _target(entry) -> _Described:
    from ..corpus.load import arxiv_of, doi_of, split_authors, year_of
    from ..latex import to_text

    values = entry.values
    return _Described(key=entry.key, title_text=to_text(values.get("title", "")),
                      authors=split_authors(values.get("author", "")), year=year_of(values)[0],
                      doi=doi_of(values), arxiv=arxiv_of(values), fields=tuple(values.items()))


def _serialised(data: dict) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True)

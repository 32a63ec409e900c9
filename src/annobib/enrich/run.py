"""`annobib enrich`: abstracts, identifiers and citation links into `corpus/enrichment.json`.

    report = enrich_project(root, settings, offline=True)    # EnrichReport (counts, warnings)

Offline, each entry without an abstract whose `file` field names a PDF found on this
machine gets the abstract printed in it (`pdf.py`), or the first paragraphs of its body
when it prints none. Online (not `offline`), EVERY entry is looked up in open-metadata
services (`annobib.enrich.services`): the entries still without an abstract may get one,
and every entry gets its identifiers and the citation keys of the collection's entries it
cites ("references", from `citations.links_in_collection`), which the build shows as
"cites" / "cited by". An abstract the curator wrote, or an earlier run found, is kept.

Each request names the maintainer: the `enrich_contact` setting (an e-mail address), else
`site_author` when it is one; else none is sent, and the report says so once.

Resuming: what the services answered is kept, entry by entry, in
`<analyze_cache_dir>/enrich-services.json` (`build/cache/`, not committed). When the run
stops early (no network, a service refusing or failing: `ServiceUnavailable`; Ctrl-C),
that cache and the sidecar are saved with everything found so far, and the next run asks
only for the entries not yet looked up. With no network at all the run ends at the first
request with a one-line report and changes no file.

What it never does: change a .bib file, replace an abstract the curator wrote, store a
local path (the sidecar holds the PDF's base name and checksum). A PDF named in a `file`
field but absent here (a clone on another machine) is counted and reported once; it is
not an error, and what an earlier run found for it is kept.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_json
from ..config import Settings
from ..errors import AnnobibError, HasProblems, Problem, SidecarUnreadable
from .files import pdf_paths
from .sidecar import SIDECAR_NAME, AbstractRecord, abstract_record, read_sidecar, write_sidecar

PDF_SOURCES = ("pdf", "pdf-body")
CACHE_NAME = "enrich-services.json"     # in settings.analyze_cache_dir: the services' answers, to resume
NO_CONTACT = "no contact address given"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


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
    services: str = ""           # "" = looked up; else why not ("skipped (--offline)", "stopped")
    looked_up: int = 0           # entries a service knew (asked in this run or an earlier one)
    links: int = 0               # citation links between entries of the collection, from those
    stopped: str = ""            # why the lookups stopped before the end ("" when they did not)

    @property
    def filled(self) -> int:
        return self.filled_pdf + self.filled_body + self.filled_service

    @property
    def still_missing(self) -> int:
        return self.entries - self.had_abstract - self.filled - self.kept

    def summary(self) -> str:
        """One line."""
        if self.stopped:
            head = (f"annobib enrich stopped: {self.stopped}; {self.looked_up} of {self.entries} entries looked up "
                    "so far, kept: run again to continue; ")
            services = ""
        else:
            head = "annobib enrich: "
            services = (f"; services {self.services}" if self.services else
                        f"; services: {self.looked_up} of {self.entries} entries found, "
                        f"{self.links} citation link(s) inside the collection")
        return (f"{head}{self.filled} abstract(s) added ({self.filled_pdf} from PDFs, "
                f"{self.filled_body} from PDF body text, {self.filled_service} from services), "
                f"{self.kept} kept from earlier runs, {self.had_abstract} entries had one; "
                f"{self.still_missing} still without; {self.missing_files} PDF(s) not found, "
                f"{self.failures} failed{services}; "
                + (f"wrote {self.sidecar}" if self.written else
                   f"{self.sidecar} unchanged" if Path(self.sidecar).is_file() else "nothing to write"))


def enrich_project(root: Path, settings: Settings, offline: bool,
                   progress: Callable[[int, int, str], None] | None = None, *,
                   services: Iterable[str] | None = None) -> EnrichReport:
    """Fill `corpus/enrichment.json`: abstracts for the entries of `root`'s corpus that lack
    one; online, identifiers and citation links for every entry.

    `progress(done, total, key)` is called per entry (PDFs, then lookups). `services`: the
    services to ask (default all of `services.SERVICES`; fewer only leaves some out).
    Ctrl-C (KeyboardInterrupt) saves what was found, then is raised again."""
    corpus_dir = Path(root) / settings.corpus_dir
    sidecar = read_sidecar(corpus_dir / SIDECAR_NAME)
    if not sidecar.readable:
        problem = sidecar.problems[0]
        raise SidecarUnreadable(f"{problem}: not overwritten; fix or delete it, then run 'annobib enrich' again")
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
    online = _Online()
    try:
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
        if offline:
            online.state = "skipped (--offline)"
        else:
            _services(Path(root), entries, {e.key for e in still}, settings, progress, sidecar, today, counts,
                      services, online)
    except KeyboardInterrupt:
        _save_sidecar(sidecar, before)       # what was found so far; the lookups' cache is saved too
        raise
    problems += online.problems
    if counts["missing_files"]:
        first = missing_first
        problems.append(Problem(first.source, first.line, first.key, (
            f"{counts['missing_files']} PDF(s) named in `file` fields are not on this machine (the first: "
            f"entry '{first.key}'); their entries keep what an earlier run found, or no abstract"), "warning"))
    written = _save_sidecar(sidecar, before)
    return EnrichReport(entries=len(entries), problems=sidecar.problems + problems, sidecar=str(sidecar.path),
                        written=written, services=online.state, looked_up=online.looked_up, links=online.links,
                        stopped=online.stopped, **counts)


def _save_sidecar(sidecar, before: str) -> bool:
    if _serialised(sidecar.data) == before:
        return False
    write_sidecar(sidecar)
    return True


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
    from ..corpus.latex import to_text

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


@dataclass
class _Online:
    """What the lookups did, for the report."""

    state: str = ""
    looked_up: int = 0
    links: int = 0
    stopped: str = ""
    problems: list[Problem] = field(default_factory=list)


def contact_of(settings: Settings) -> tuple[str, str]:
    """(what to send as the contact, a note when it holds no e-mail address).

    `enrich_contact`, else `site_author` when it is an e-mail address; else no address is
    sent (services then serve the requests more slowly, or not at all)."""
    given = " ".join((settings.enrich_contact or "").split())
    if given and _EMAIL.search(given):
        return given, ""
    author = " ".join((settings.site_author or "").split())
    if not given and _EMAIL.search(author):
        return author, ""
    why = (f"the enrich_contact setting ({given!r}) holds no e-mail address" if given else
           "no enrich_contact setting (and site_author is not an e-mail address)")
    return given or NO_CONTACT, (
        f"{why}: the requests named no contact. OpenAlex and Crossref ask for one (Crossref's polite pool); "
        "add `enrich_contact: you@example.org` to annobib.yml")


def _services(root: Path, entries: list, still: set[str], settings: Settings, progress, sidecar, today: str,
              counts: dict, wanted: Iterable[str] | None, online: _Online) -> None:
    """Every entry looked up; abstracts for the `still` ones, ids and references for all."""
    from . import services

    targets = [_target(e) for e in entries]
    if not targets:
        return
    wanted = tuple(wanted) if wanted is not None else services.SERVICES
    contact, contact_note = contact_of(settings)
    cache_path = root / settings.analyze_cache_dir / CACHE_NAME
    cache = _read_cache(cache_path, online.problems)
    cached_before = json.dumps(cache, sort_keys=True)
    complete = True
    try:
        records = services.lookup(targets, contact, progress, cache, services=wanted)
    except AnnobibError as exc:      # ServiceUnavailable, a client package missing: keep what was found
        records, complete = services.cached_records(targets, cache, services=wanted), False
        online.state, online.stopped = "stopped", _reason(str(exc))
    except KeyboardInterrupt:
        _apply(services.cached_records(targets, cache, services=wanted), targets, still, sidecar, today, counts,
               complete=False)
        _save_cache(cache_path, cache, cached_before)
        raise
    asked = _save_cache(cache_path, cache, cached_before)      # True: some request was answered
    if contact_note and asked:
        online.problems.append(Problem(str(root / "annobib.yml"), 0, "", contact_note, "warning"))
    online.looked_up = len(records)
    online.links = _apply(records, targets, still, sidecar, today, counts, complete)


def _apply(records: dict, targets: list, still: set[str], sidecar, today: str, counts: dict,
           complete: bool) -> int:
    """Records into the sidecar; returns the number of citation links among `targets`.

    An abstract only for the entries in `still` (none written by the curator, none found
    before). "references": the keys of the collection an entry cites; a `complete` run
    replaces them, a run stopped early only adds to them (the entries it did not reach
    might be the cited ones)."""
    from .citations import links_in_collection
    from .services import NAMES

    for key, record in records.items():
        entry = _sidecar_entry(sidecar, key) if record.ids else None
        if entry is not None:
            entry["ids"] = dict(sorted(record.ids.items()))
        text = " ".join((record.abstract or "").split())
        if text and key in still and key not in sidecar.abstracts:
            source = NAMES.get(record.source, record.source) or "an open-metadata service"
            sidecar.set_abstract(key, AbstractRecord(text, source, date=today))
            counts["filled_service"] += 1
    links = links_in_collection(records, targets)
    for target in targets:
        cited = set(links.get(target.key, ()))
        old = sidecar.entries.get(target.key)
        if not complete:
            if not cited:
                continue
            if isinstance(old, dict) and isinstance(old.get("references"), list):
                cited.update(k for k in old["references"] if isinstance(k, str))
        if cited:
            entry = _sidecar_entry(sidecar, target.key)
            if entry is not None:
                entry["references"] = sorted(cited)
        elif isinstance(old, dict) and "references" in old:
            del old["references"]
            if not old:
                del sidecar.entries[target.key]
    return sum(len(cited) for cited in links.values())


def _sidecar_entry(sidecar, key: str) -> dict | None:
    """The sidecar's entry for `key` (made when absent); None for a malformed one (left as it is)."""
    entry = sidecar.entries.setdefault(key, {})
    return entry if isinstance(entry, dict) else None


def _read_cache(path: Path, problems: list[Problem]) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(str(path), 0, "", f"cannot be read ({exc.__class__.__name__}); "
                                "every entry is looked up again", "warning"))
        return {}
    return data if isinstance(data, dict) else {}


def _save_cache(path: Path, cache: dict, before: str) -> bool:
    """Write the cache when it changed; whether it did."""
    if json.dumps(cache, sort_keys=True) == before:
        return False
    write_json(path, cache, sort_keys=True, indent=1)
    return True


def _reason(text: str) -> str:
    """Why the lookups stopped, without the services' advice (the summary gives its own)."""
    return re.split(r"[;.]\s*no more lookups were made", " ".join(text.split()))[0]


def _target(entry):
    """The services' EnrichTarget of a raw entry."""
    from types import SimpleNamespace

    from ..corpus.entries import arxiv_of, doi_of, split_authors, year_of
    from ..corpus.latex import to_text
    from .services import as_target

    values = entry.values
    return as_target(SimpleNamespace(
        key=entry.key, title=to_text(values.get("title", "")), authors=split_authors(values.get("author", "")),
        year=year_of(values)[0], doi=doi_of(values), arxiv=arxiv_of(values), fields=tuple(values.items())))


def _serialised(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)

"""Import a captured paper listing plus gathered metadata into `corpus/*.bib`.

Not part of annobib: the one-off tool the shipped corpus was made with (a text capture
of one web listing, whose page chrome it knows), kept beside the project:

    .venv/bin/python scripts/import_listing.py corpus/sources/listing-implicit-neural-networks.txt \
        --metadata corpus/sources/metadata.jsonl --out corpus/papers.bib

The listing is a text capture of a web page: page chrome, then alternating lines
of title and abstract (the first title may have 'Subscribe' glued to its front).
The metadata file holds one JSON object per paper, matched by title; only rows
of `high` or `medium` confidence are used, and nothing is invented where a row is
missing. Keys already in the target file are never changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from rapidfuzz import fuzz

from annobib.corpus.bibtex import format_entry, plain_to_bibtex, protect_title_case
from annobib.corpus.keys import base_key, unique_key
from annobib.corpus.load import load_file, read_text
from annobib.corpus.rules import normal_title, venue_years
from annobib.errors import AnnobibError, CorpusError
from annobib.jsonl import read_jsonl
from annobib.models import Paper

TRUSTED_CONFIDENCE = frozenset({"high", "medium"})
CHROME_MARKERS = ("Get trending papers", "Subscribe")
# Venues that are conference proceedings (-> @inproceedings); the rest are journals.
CONFERENCE_WORDS = re.compile(r"\b(Conference|Proceedings|Workshop|Symposium|Congress|Meeting|Colloquium)\b", re.I)
TITLE_MATCH_THRESHOLD = 95


def _is_conference(venue: str) -> bool:
    """'CVPR 2024', 'Proceedings of ...': a conference (the vocabulary knows the acronyms)."""
    from annobib.analyze.vocabulary import default_vocabulary

    conferences = default_vocabulary().conferences
    return bool(CONFERENCE_WORDS.search(venue)) or any(w.lower() in conferences for w in re.findall(r"\w+", venue))


@dataclass(frozen=True)
class ListedPaper:
    title: str
    abstract: str
    line: int


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    skipped: list[str]            # "title: reason" for papers already in the corpus
    without_metadata: list[str]   # keys of papers with no trusted metadata row


def parse_listing(path: Path) -> list[ListedPaper]:
    text, _problems = read_text(path)
    lines = text.splitlines()
    start = _first_title_line(lines, path)
    body = [line.rstrip() for line in lines[start:]]
    while body and not body[-1].strip():
        body.pop()
    body[0] = re.sub(r"^Subscribe(?=\S)", "", body[0])
    if len(body) % 2:
        raise AnnobibError(
            f"{path}:{start + len(body)}: the listing should alternate title and abstract lines, "
            f"but has an odd number ({len(body)}) of lines after the page chrome")
    papers = []
    for i in range(0, len(body), 2):
        title, abstract = body[i].strip(), body[i + 1].strip()
        line = start + i + 1
        if not title or not abstract:
            raise AnnobibError(f"{path}:{line}: empty title or abstract line in the listing")
        papers.append(ListedPaper(title, abstract, line))
    return papers


def _first_title_line(lines: list[str], path: Path) -> int:
    """Index of the line holding the first title: the one that starts with 'Subscribe'."""
    for index, line in enumerate(lines[:10]):
        if line.startswith("Subscribe") and len(line) > len("Subscribe"):
            return index
    if any(lines[0].startswith(marker) for marker in CHROME_MARKERS) if lines else False:
        raise AnnobibError(f"{path}:1: page chrome found but no title line starting with 'Subscribe'")
    return 0


def load_metadata(path: Path) -> list[dict]:
    rows = []
    for number, row in read_jsonl(path):
        if not isinstance(row.get("title"), str):
            raise AnnobibError(f"{path}:{number}: expected an object with a 'title'")
        rows.append(row)
    return rows


def match_metadata(title: str, rows: list[dict]) -> dict | None:
    """The trusted row whose title is the same (or near-identical) paper title."""
    wanted = normal_title(title)
    trusted = [r for r in rows if r.get("confidence") in TRUSTED_CONFIDENCE]
    for row in trusted:
        if normal_title(row["title"]) == wanted:
            return row
    best = max(trusted, key=lambda r: fuzz.ratio(normal_title(r["title"]), wanted), default=None)
    if best and fuzz.ratio(normal_title(best["title"]), wanted) >= TITLE_MATCH_THRESHOLD:
        return best
    return None


def entry_fields(listed: ListedPaper, row: dict | None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Entry type and BibTeX fields from a listed paper and its metadata row (if trusted)."""
    row = row or {}
    fields: list[tuple[str, str]] = []
    if row.get("authors"):
        fields.append(("author", " and ".join(plain_to_bibtex(a) for a in row["authors"])))
    fields.append(("title", protect_title_case(plain_to_bibtex(listed.title))))
    venue = row.get("venue")
    entry_type = "misc"
    if venue:
        entry_type = "inproceedings" if _is_conference(venue) else "article"
        fields.append(("booktitle" if entry_type == "inproceedings" else "journal", plain_to_bibtex(venue)))
    if row.get("year"):
        # The year of the venue that published it ('CVPR 2023'), not the preprint's (the metadata's
        # year is the arXiv one; it stays in the eprint id and in the key): `annobib check` rule.
        venue_year = venue_years(venue or "")
        fields.append(("year", str(venue_year[0] if len(set(venue_year)) == 1 else int(row["year"]))))
    if row.get("doi"):
        fields.append(("doi", row["doi"]))
    if row.get("arxiv"):
        fields += [("eprint", row["arxiv"]), ("archiveprefix", "arXiv")]
        if entry_type == "misc":
            fields.append(("howpublished", f"arXiv:{row['arxiv']}"))
    if row.get("url"):
        fields.append(("url", row["url"]))
    fields.append(("abstract", plain_to_bibtex(listed.abstract)))
    return entry_type, tuple(fields)


def import_listing(listing: Path, metadata: Path | None, target: Path) -> ImportReport:
    """Append the listing's papers that are not yet in `target` (a .bib file)."""
    rows = load_metadata(metadata) if metadata else []
    existing: list[Paper] = []
    if target.exists():
        existing, problems = load_file(target)
        if any(p.severity == "error" for p in problems):
            raise CorpusError(problems)
    taken = {p.key for p in existing}
    known_titles = {normal_title(p.title) for p in existing}
    known_arxiv = {p.arxiv for p in existing if p.arxiv}
    added, skipped, without, blocks = [], [], [], []
    for listed in parse_listing(listing):
        row = match_metadata(listed.title, rows)
        if normal_title(listed.title) in known_titles or (row and row.get("arxiv") in known_arxiv):
            skipped.append(f"{listed.title}: already in {target}")
            continue
        key = unique_key(base_key(tuple((row or {}).get("authors") or ()), (row or {}).get("year"), listed.title), taken)
        taken.add(key)
        known_titles.add(normal_title(listed.title))
        entry_type, fields = entry_fields(listed, row)
        blocks.append(format_entry(Paper(key=key, entry_type=entry_type, title="", abstract="", fields=fields)))
        added.append(key)
        if row is None:
            without.append(key)
    _append_entries(target, blocks)
    return ImportReport(added, skipped, without)


def _append_entries(target: Path, blocks: list[str]) -> None:
    if not blocks:
        return
    new_text = "\n".join(blocks)
    library = bibtexparser.parse_string(new_text)
    if library.failed_blocks or len(library.entries) != len(blocks):
        raise AnnobibError("internal error: the imported entries do not parse back; nothing was written")
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    separator = "\n" if old and not old.endswith("\n\n") else ""
    target.write_text(old + separator + new_text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: a one-line error and exit 1 on a bad listing, never a traceback."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listing", type=Path)
    parser.add_argument("--metadata", type=Path, help="JSON lines matched by title (high/medium confidence rows)")
    parser.add_argument("--out", type=Path, default=Path("corpus/papers.bib"))
    args = parser.parse_args(argv)
    try:
        report = import_listing(args.listing, args.metadata, args.out)
    except (AnnobibError, OSError) as exc:
        print(f"Error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    print(f"added {len(report.added)} paper(s) to {args.out}; skipped {len(report.skipped)} already present")
    for line in report.skipped:
        print(f"  skipped: {line}")
    if report.without_metadata:
        print(f"no trusted metadata (authors/year left empty) for: {', '.join(report.without_metadata)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

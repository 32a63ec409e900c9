"""What one BibTeX entry says, before any rule: the `RawEntry` record and the readers of its
values (authors, year, venue, arXiv id, DOI, keywords).

`load.py` reads entries from the files and makes papers of them, `rules.py` judges them;
both read an entry's values here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .ids import arxiv_id, clean_doi

VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "eventtitle", "venue", "school",
                "institution", "organization", "publisher", "howpublished")
# Zotero / Better BibTeX tags and export noise that are no keywords of the paper.
_KEYWORD_NOISE = re.compile(r"^(?:[/#]|.*(?:⛔|no doi found|no isbn found|#nosource))", re.I)
# The placeholder key of an entry written without one (`load.mark_missing_keys`), until
# `rules.give_missing_keys` gives it a key by the importer's rule.
MISSING_KEY = "annobib-missing-key-line-"


@dataclass(frozen=True)
class RawEntry:
    """One parsed entry before the rules: its fields resolved, its place in the file."""

    key: str
    entry_type: str
    values: dict[str, str]           # lower-case field name -> resolved value
    order: tuple[str, ...]           # field names in the order written
    source: str
    line: int                        # 1-based line of the '@'
    region: str = ""                 # the file's text of the entry (to explain early ends)
    inherited: tuple[str, ...] = ()  # field names taken from the crossref target


# --- what an entry says ------------------------------------------------------------------

def split_authors(value: str) -> tuple[str, ...]:
    """Split on ' and ' outside braces ('{Barnes and Noble}' stays one name)."""
    names, start, depth = [], 0, 0
    depths = []
    for ch in value:
        depth += (ch == "{") - (ch == "}")
        depths.append(depth)
    for separator in re.finditer(r"\s+and\s+", value, flags=re.I):
        if depths[separator.start()] == 0:
            names.append(value[start:separator.start()])
            start = separator.end()
    names.append(value[start:])
    return tuple(n.strip() for n in names if n.strip())


def year_of(values: dict[str, str]) -> tuple[int | None, str | None]:
    """The year from `year`, else BibLaTeX `date` (YYYY, YYYY-MM, YYYY-MM-DD, ranges)."""
    raw = values.get("year") or values.get("date") or ""
    if not raw:
        return None, None
    match = re.search(r"\b(1[5-9]\d\d|20\d\d|2100)\b", raw)
    if not match:
        return None, f"year '{raw}' is not a year; the paper is shown without one"
    return int(match.group(1)), None


def venue_of(values: dict[str, str]) -> str | None:
    return next((values[f] for f in VENUE_FIELDS if values.get(f)), None)


def arxiv_of(values: dict[str, str]) -> str | None:
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").lower()
    if values.get("eprint") and prefix in {"arxiv", ""}:
        found = arxiv_id(values["eprint"])
        if found:
            return found
    for name in ("journal", "journaltitle", "note", "url", "howpublished", "eprint"):
        text = values.get(name, "")
        if "arxiv" in text.lower():
            found = arxiv_id(text)
            if found:
                return found
    return None


def doi_of(values: dict[str, str]) -> str | None:
    return clean_doi(values.get("doi"))


def keywords_of(values: dict[str, str]) -> tuple[str, ...]:
    """The entry's `keywords` (author keywords or Zotero tags), export noise dropped."""
    from .latex import to_text

    raw = values.get("keywords", "")
    separator = ";" if ";" in raw else ","
    seen: dict[str, str] = {}
    for item in raw.split(separator):
        word = to_text(item).strip().strip(".")
        if word and len(word) <= 80 and not _KEYWORD_NOISE.match(word) and any(c.isalpha() for c in word):
            seen.setdefault(word.lower(), word)
    return tuple(seen.values())

"""Identifiers read from entries: arXiv ids and DOIs, one pattern each for every stage."""
from __future__ import annotations

import re

# New-style (2003.08934, 2103.01234v2) and old-style (hep-th/9901001, math.GT/0309136) ids.
ARXIV_ID = re.compile(r"(?<![\w.])(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\d])")
# 10.<registrant>/<suffix>, or a ShortDOI (10/fvn296).
DOI = re.compile(r"^10(?:\.\d{4,9})?/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def arxiv_id(text: str) -> str | None:
    """The first arXiv id in `text` (version dropped), or None."""
    match = ARXIV_ID.search(text or "")
    return match.group(1) if match else None


def clean_doi(doi: str | None) -> str | None:
    """A DOI as written minus any resolver prefix ('https://doi.org/10.1/x' -> '10.1/x')."""
    if not doi:
        return None
    return _DOI_PREFIX.sub("", doi.strip()).strip() or None


def normal_doi(doi: str | None) -> str | None:
    """The comparison form of a DOI (DOIs are case-insensitive)."""
    cleaned = clean_doi(doi)
    return cleaned.lower() if cleaned else None

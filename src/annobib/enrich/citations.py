"""Who cites whom inside the collection, from the references the services reported.

A reference (`ServiceRecord.references`) is a DOI, an OpenAlex W-id or an arXiv id. It
points to an entry of the collection when one of that entry's identifiers is the same:
its own DOI or arXiv id (from the .bib), or a DOI / arXiv id / OpenAlex id a service
reported for it. DOIs compare case-insensitively without a resolver prefix, and arXiv's
own DOIs (10.48550/arXiv.<id>) count as the arXiv id. References to works outside the
collection, and an entry's references to itself, are dropped.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..corpus.ids import arxiv_id, normal_doi

_WORK = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.I)
_ARXIV_DOI = "10.48550/arxiv."


def reference_ids(reference: str) -> list[str]:
    """The comparison forms of one identifier: 'doi:10.1/x', 'openalex:W1', 'arxiv:2101.00001'."""
    text = (reference or "").strip()
    work = _WORK.match(text)
    if work:
        return [f"openalex:{work.group(1).upper()}"]
    doi = normal_doi(text) if re.match(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?10\.", text, re.I) else None
    if doi:
        forms = [f"doi:{doi}"]
        if doi.startswith(_ARXIV_DOI) and arxiv_id(doi[len(_ARXIV_DOI):]):
            forms.append(f"arxiv:{arxiv_id(doi[len(_ARXIV_DOI):])}")
        return forms
    ident = arxiv_id(text)
    return [f"arxiv:{ident}"] if ident else []


def _entry_ids(paper, record) -> set[str]:
    ids: set[str] = set()
    doi, axv = normal_doi(getattr(paper, "doi", None)), arxiv_id(getattr(paper, "arxiv", None) or "")
    if doi:
        ids.update(reference_ids(doi))
    if axv:
        ids.add(f"arxiv:{axv}")
    if record is not None:
        for name, value in (record.ids or {}).items():
            if name in {"doi", "arxiv", "openalex"} and value:
                ids.update(reference_ids(value) if name != "arxiv" else [f"arxiv:{arxiv_id(value) or value}"])
    return ids


def links_in_collection(records: Mapping[str, object], papers: Iterable) -> dict[str, tuple[str, ...]]:
    """key -> keys of the collection's entries it cites (sorted), for entries citing at least one.

    `records`: key -> ServiceRecord (entries without one cite nothing known);
    `papers`: the collection, anything with `key` and optional `doi` / `arxiv` (Paper, EnrichTarget)."""
    papers = list(papers)
    owners: dict[str, set[str]] = {}
    for paper in papers:
        for ident in _entry_ids(paper, records.get(paper.key)):
            owners.setdefault(ident, set()).add(paper.key)
    links: dict[str, tuple[str, ...]] = {}
    for paper in papers:
        record = records.get(paper.key)
        if record is None:
            continue
        cited: set[str] = set()
        for reference in record.references:
            for ident in reference_ids(reference):
                cited.update(owners.get(ident, ()))
        cited.discard(paper.key)
        if cited:
            links[paper.key] = tuple(sorted(cited))
    return links


def cited_by(links: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """The other direction of `links`: key -> keys of the entries that cite it (sorted)."""
    backwards: dict[str, set[str]] = {}
    for citing, cited in links.items():
        for key in cited:
            if key != citing:
                backwards.setdefault(key, set()).add(citing)
    return {key: tuple(sorted(citing)) for key, citing in sorted(backwards.items())}

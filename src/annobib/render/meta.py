"""Embedded metadata of a paper page: what reference managers and search engines read.

- Highwire Press `citation_*` tags (Google Scholar's inclusion guidelines; Zotero's
  "Embedded Metadata" translator): one `citation_author` per author as 'Family, Given'
  (the translator splits at the comma, so particles stay with the family name), the
  venue as `citation_journal_title` / `citation_conference_title` / ..., which is also
  how that translator picks the item type; `DC.type` names the Zotero item type for
  the others (a preprint, which has no Highwire type tag).
- OpenGraph tags for link previews, and a schema.org `ScholarlyArticle` JSON-LD block.

Values are plain text here. The paper template writes them into the page's front
matter through `escape.front_matter_text` / `escape.json_ld` (the one escaping rule),
and the theme prints them into <head> (Material's `meta` list; render/overrides/main.html).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from ..models import Paper
from . import citation, escape
from ..organize.people import parse_name

OG_DESCRIPTION_LENGTH = 300

# Zotero item type -> the Highwire tag that names the container (and the type).
CONTAINER_TAGS = {
    "journalArticle": "citation_journal_title",
    "conferencePaper": "citation_conference_title",
    "bookSection": "citation_inbook_title",
    "thesis": "citation_dissertation_institution",
    "report": "citation_technical_report_institution",
}


@dataclass(frozen=True)
class MetaTag:
    attribute: str      # "name" or "property"
    name: str           # 'citation_title', 'og:title', ...
    content: str        # plain text


@dataclass(frozen=True)
class Head:
    meta: tuple[MetaTag, ...]
    json_ld: dict


def page_url(site_url: str, slug: str) -> str:
    """The absolute URL of a paper page, or '' when the site has no site_url."""
    return f"{site_url.rstrip('/')}/papers/{slug}/" if site_url else ""


def _short(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def paper_head(paper: Paper, title: str, slug: str, site_name: str, site_url: str = "",
               summary: str = "", keyphrases: tuple[str, ...] = ()) -> Head:
    """Every <meta> tag and the JSON-LD object of one paper page."""
    item_type = citation.kind(paper)[2]
    names = [parse_name(raw) for raw in paper.authors]
    abstract = paper.abstract_text
    container = citation.container(paper)
    arxiv, doi = citation.arxiv(paper), citation.doi(paper)
    url = page_url(site_url, slug)

    tags = [("name", "citation_title", title)]
    tags += [("name", "citation_author", name.inverted) for name in names if name.inverted]
    if paper.year:
        tags.append(("name", "citation_publication_date", str(paper.year)))
    if container and item_type in CONTAINER_TAGS:
        tags.append(("name", CONTAINER_TAGS[item_type], container))
    if item_type == "preprint":
        tags.append(("name", "citation_publisher", "arXiv"))
    if doi:
        tags.append(("name", "citation_doi", doi))
    if arxiv:
        tags += [("name", "citation_arxiv_id", arxiv),
                 ("name", "citation_pdf_url", f"https://arxiv.org/pdf/{arxiv}")]
    if citation.url(paper):
        tags.append(("name", "citation_public_url", citation.url(paper)))
    if abstract:
        tags.append(("name", "citation_abstract", abstract))
    tags.append(("name", "DC.type", item_type))
    tags += [("property", "og:type", "article"), ("property", "og:title", title),
             ("property", "og:site_name", site_name)]
    description = summary or abstract
    if description:
        tags.append(("property", "og:description", _short(description, OG_DESCRIPTION_LENGTH)))
    if url:
        tags.append(("property", "og:url", url))

    return Head(
        meta=tuple(MetaTag(*tag) for tag in tags if tag[2]),
        json_ld=_json_ld(paper, title, names, abstract, container, item_type, arxiv, doi, url, keyphrases),
    )


def _json_ld(paper, title, names, abstract, container, item_type, arxiv, doi, url, keyphrases) -> dict:
    data: dict = {"@context": "https://schema.org", "@type": "ScholarlyArticle",
                  "headline": _short(title, 110), "name": title}
    authors = []
    for name in names:
        if name.literal:
            authors.append({"@type": "Organization", "name": name.literal})
        else:
            person = {"@type": "Person", "name": name.display, "familyName": name.family}
            if name.given:
                person["givenName"] = name.given
            authors.append(person)
    if authors:
        data["author"] = authors
    if paper.year:
        data["datePublished"] = str(paper.year)
    if container:
        kind = "Periodical" if item_type == "journalArticle" else "CreativeWork"
        data["isPartOf"] = {"@type": kind, "name": container}
    if item_type == "preprint":
        data["publisher"] = {"@type": "Organization", "name": "arXiv"}
    identifiers, same_as = [], []
    if doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": doi})
        same_as.append(html.unescape(str(escape.doi_url(doi))))
    if arxiv:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": arxiv})
        same_as.append(f"https://arxiv.org/abs/{arxiv}")
    if identifiers:
        data["identifier"] = identifiers
        data["sameAs"] = same_as
    if url:
        data["url"] = url
    if abstract:
        data["abstract"] = abstract
    if keyphrases:
        data["keywords"] = list(keyphrases)
    return data

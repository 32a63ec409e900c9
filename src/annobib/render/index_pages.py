"""The index pages: methods and datasets, keywords, authors, venues and years.

The index records are built by organize (methods and keywords by organize/indexes.py;
authors, venues and years, with their anchors, by organize/people.py, into the
`Bibliography`); these functions only lay them out: alphabetically under an initial
letter, each group with an id the A-Z jump list links to.
"""
from __future__ import annotations

from ..models import MethodEntry
from ..organize.people import fold
from . import escape, timeline
from .templating import render
from .views import Link, Site, initial, keyword_letter_page, keywords_split, kind_prefix, reading_order

INDEX_PAGES = ("authors.md", "venues.md", "years.md")   # in the nav, after Keywords (generator_config._nav)


def index_pages(site: Site) -> dict[str, str]:
    """Relative path -> Markdown of every index page."""
    return {
        "methods.md": render("methods.md.j2", groups=_method_groups(site)),
        **_keyword_pages(site),
        "authors.md": render("authors.md.j2", **_authors_context(site)),
        "venues.md": render("venues.md.j2", **_venues_context(site)),
        "years.md": render("years.md.j2", **_years_context(site)),
    }


def initial_anchor(prefix: str, initial: str) -> str:
    """The id of an index's letter group ('initial-a', 'methods-initial-other'): the A-Z jump list's target."""
    return f"{prefix}initial-{'other' if initial == '#' else initial.lower()}"


def _by_initial(groups: dict[str, list]) -> list[tuple[str, list]]:
    """Letter groups A-Z, then '#'."""
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))


def _method_groups(site: Site) -> list[tuple[str, int, list]]:
    """[(heading, names, [(initial, anchor, entries)])], methods first, then datasets, then any
    other kind; entries alphabetically under their initial letter (the A-Z jump list's targets)."""
    order = {"method": 0, "dataset": 1}
    kinds = sorted({m.kind for m in site.bib.methods}, key=lambda k: (order.get(k, 2), k))
    headings = {"method": "Methods", "dataset": "Datasets"}
    groups = []
    for kind in kinds:
        entries = sorted((m for m in site.bib.methods if m.kind == kind), key=lambda m: (m.name.lower(), m.name))
        letters: dict[str, list[dict]] = {}
        for entry in entries:
            letters.setdefault(initial(entry.name), []).append(_method_entry(site, entry))
        prefix = kind_prefix(kind) + "s-"        # 'methods-initial-a': no method id starts so ('method-...')
        groups.append((headings.get(kind, kind.capitalize()), len(entries),
                       [(letter, initial_anchor(prefix, letter), items) for letter, items in _by_initial(letters)]))
    return groups


def _method_entry(site: Site, entry: MethodEntry) -> dict:
    return dict(
        name=entry.name,
        kind=entry.kind,
        anchor=site.method_ids[(entry.kind, entry.name)],
        introduced=[site.paper_link(k, "") for k in entry.introduced_by],
        mentioned=[site.paper_link(k, "") for k in entry.mentioned_by],
        count=len(set(entry.introduced_by) | set(entry.mentioned_by)),
        lineage=timeline.method_lineage(site, entry),   # introduced 2020 by X; mentioned 2021 (2), ...
    )


def _keyword_groups(site: Site, prefix: str) -> list[tuple[str, list[dict]]]:
    """Keyphrases alphabetically, grouped under their initial letter (others under '#')."""
    groups: dict[str, list[dict]] = {}
    for phrase in sorted(site.bib.keywords, key=lambda k: (k.lower(), k)):
        groups.setdefault(initial(phrase), []).append(dict(
            phrase=phrase,
            anchor=site.keyword_ids[phrase],
            papers=[site.short_paper_link(k, prefix) for k in sorted(site.bib.keywords[phrase])],
        ))
    return _by_initial(groups)


def _keyword_pages(site: Site) -> dict[str, str]:
    """The keywords index: one page, or (KEYWORDS_SPLIT_FROM) an A-Z page linking one page per letter."""
    phrases = site.bib.phrases
    shared = dict(count=len(site.bib.keywords), generic=phrases.generic_display() if phrases is not None else [])
    if not keywords_split(site.bib):
        groups = [(letter, initial_anchor("", letter), entries) for letter, entries in _keyword_groups(site, "")]
        return {"keywords.md": render("keywords.md.j2", groups=groups, letters=[], **shared)}
    groups = _keyword_groups(site, "../")
    names = {letter: "Other" if letter == "#" else letter for letter, _ in groups}
    letters = [(Link(keyword_letter_page(letter), names[letter]), len(entries)) for letter, entries in groups]
    pages = {"keywords.md": render("keywords.md.j2", groups=[], letters=letters, **shared)}
    for letter, entries in groups:
        jump = [(Link(f"../{keyword_letter_page(other)}", names[other]), other == letter) for other, _ in groups]
        pages[keyword_letter_page(letter)] = render("keywords_letter.md.j2", heading=names[letter], entries=entries,
                                                    letters=jump)
    return pages


def _authors_context(site: Site) -> dict:
    groups: dict[str, list[dict]] = {}
    for person in site.people.people:
        name = person.name
        groups.setdefault(initial(fold(name.literal or name.family)), []).append(dict(
            anchor=person.anchor,
            name=name.literal or name.inverted,
            papers=[site.short_paper_link(p.key, "") for p in reading_order(site, person.papers)],
        ))
    return dict(groups=_by_initial(groups), count=len(site.people.people))


def _venues_context(site: Site) -> dict:
    groups: dict[str, list[dict]] = {}
    for venue in site.bib.venues.venues:
        groups.setdefault(initial(fold(venue.name)), []).append(
            dict(anchor=venue.anchor, name=venue.name, papers=[_dated_link(site, k) for k in venue.papers]))
    newest = reading_order(site, [p.key for p in site.bib.papers])
    return dict(groups=[(letter, initial_anchor("", letter), venues) for letter, venues in _by_initial(groups)],
                count=len(site.bib.venues.venues),
                unplaced=[_dated_link(site, p.key) for p in newest if p.key not in site.venue_of])


def _years_context(site: Site) -> dict:
    entries = []
    for group in site.bib.years:
        entries.append(dict(anchor=group.anchor, year=group.year, papers=[
            Link(f"papers/{site.paper_slug(p.key)}.md", site.titles[p.key], _venue_note(site, p.key))
            for p in reading_order(site, group.papers)]))
    return dict(years=entries)


def _venue_note(site: Site, key: str) -> str:
    venue = site.venue_of.get(key)
    return venue.name if venue else ""


def _dated_link(site: Site, key: str) -> Link:
    paper = site.papers[key]
    return Link(f"papers/{site.paper_slug(key)}.md", site.titles[key], str(paper.year) if paper.year else "")

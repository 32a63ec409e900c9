"""The index pages: methods and datasets, keywords, authors, venues and years.

The index records are built by organize (methods and keywords by organize/indexes.py;
authors, venues and years, with their anchors, by organize/people.py, into the
`Bibliography`); these functions only lay them out: alphabetically under an initial
letter, each group with an id the A-Z jump list links to. Past `views.INDEX_SPLIT_FROM`
paper links an index is an overview and one page per letter group (per year for the
years, `views.split_indexes`), laid out by `index_group.md.j2` with the entries template
the single page uses.
"""
from __future__ import annotations

from pathlib import Path

from ..models import MethodEntry
from . import timeline
from .templating import render
from .views import Link, Site, initial, kind_prefix, person_initial, reading_order, venue_initial, year_group

INDEX_PAGES = ("authors.md", "venues.md", "years.md")   # in the nav, after Keywords (generator_config._nav)
OTHER = "Other"                       # the heading of the '#' initial (digits, symbols)


def index_pages(site: Site, fill=render) -> dict[str, str | Path]:
    """Relative path -> Markdown of every index page (and, for a split index, of its letter pages).

    `fill` fills a split index's letter pages: `templating.render`, or a `RenderMemo`'s, which
    reads an unchanged page back (a new paper changes a few of hundreds, of up to 1 MB each)."""
    return {**_method_pages(site, fill), **_keyword_pages(site, fill), **_author_pages(site, fill),
            **_venue_pages(site, fill), **_year_pages(site, fill)}


def initial_anchor(prefix: str, initial: str) -> str:
    """The id of an index's letter group ('initial-a', 'methods-initial-other'): the A-Z jump list's target."""
    return f"{prefix}initial-{'other' if initial == '#' else initial.lower()}"


def group_name(group: str) -> str:
    """A letter group's heading: the letter, OTHER for '#'; 'Co' and 'C (other)' for the
    two-letter groups of a large letter (views.keyword_groups)."""
    if group == "#":
        return OTHER
    return f"{group[0]} ({OTHER.lower()})" if group.endswith("#") else group.capitalize()


def _by_initial(groups: dict[str, list]) -> list[tuple[str, list]]:
    """Letter groups A-Z, then '#'."""
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0].replace("#", "~")))


def _split(site: Site, index: str, title: str, groups: list[tuple[str, object]], entries_template: str,
           fill, searchable: bool = False, name=group_name) -> dict[str, str | Path]:
    """The pages of a split index but its overview: one per group, each with the jump list
    of all groups and a link back to the overview. `groups`: [(group, context of its page)]."""
    pages = {}
    for group, context in groups:
        jump = [(Link(f"../{site.index_page(index, other)}", name(other)), other == group) for other, _ in groups]
        pages[site.index_page(index, group)] = fill(
            "index_group.md.j2", title=f"{title}: {name(group)}", searchable=searchable, letters=jump,
            overview=Link(f"../{index}.md", title), entries_template=entries_template, **context)
    return pages


def _overview_links(site: Site, index: str, groups: list[tuple[str, int]], name=group_name) -> list:
    """[(link to a group's page, its number of entries)] for a split index's overview."""
    return [(Link(site.index_page(index, group), name(group)), count) for group, count in groups]


def _method_pages(site: Site, fill) -> dict[str, str | Path]:
    """The methods index: one page of kinds (methods, datasets) and letters, or when split an
    overview of the letters of each kind and one page per letter with every kind's names."""
    groups = _method_groups(site)
    if "methods" not in site.split:
        return {"methods.md": render("methods.md.j2", groups=groups, kinds=[])}
    kinds = [(heading, count, _overview_links(site, "methods", [(letter, len(items)) for letter, _, items in letters]))
             for heading, count, letters in groups]
    by_letter: dict[str, list] = {}
    for heading, _, letters in groups:
        for letter, _, items in letters:
            by_letter.setdefault(letter, []).append((heading, items))
    pages = {"methods.md": render("methods.md.j2", groups=[], kinds=kinds)}
    pages.update(_split(site, "methods", "Methods and datasets",
                        [(letter, dict(sections=sections)) for letter, sections in _by_initial(by_letter)],
                        "_method_entries.md.j2", fill, searchable=True))
    return pages


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
    prefix = "../" if "methods" in site.split else ""
    return dict(
        name=entry.name,
        kind=entry.kind,
        anchor=site.method_ids[(entry.kind, entry.name)],
        introduced=[site.paper_link(k, prefix) for k in entry.introduced_by],
        mentioned=[site.paper_link(k, prefix) for k in entry.mentioned_by],
        count=len(set(entry.introduced_by) | set(entry.mentioned_by)),
        lineage=timeline.method_lineage(site, entry, prefix),   # introduced 2020 by X; mentioned 2021 (2), ...
    )


def _keyword_groups(site: Site, prefix: str) -> list[tuple[str, list[dict]]]:
    """Keyphrases alphabetically, grouped under their initial letter (others under '#'), the
    largest letters of a split index under their first two (views.keyword_groups)."""
    groups: dict[str, list[dict]] = {}
    for phrase in sorted(site.bib.keywords, key=lambda k: (k.lower(), k)):
        groups.setdefault(site.keyword_groups[phrase], []).append(dict(
            phrase=phrase,
            anchor=site.keyword_ids[phrase],
            papers=[site.short_paper_link(k, prefix) for k in sorted(site.bib.keywords[phrase])],
        ))
    return _by_initial(groups)


def _keyword_pages(site: Site, fill) -> dict[str, str | Path]:
    """The keywords index: one page, or when split an A-Z page and one page per letter."""
    phrases = site.bib.phrases
    shared = dict(count=len(site.bib.keywords), generic=phrases.generic_display() if phrases is not None else [])
    if "keywords" not in site.split:
        groups = [(letter, initial_anchor("", letter), entries) for letter, entries in _keyword_groups(site, "")]
        return {"keywords.md": render("keywords.md.j2", groups=groups, letters=[], **shared)}
    groups = _keyword_groups(site, "../")
    letters = _overview_links(site, "keywords", [(letter, len(entries)) for letter, entries in groups])
    pages = {"keywords.md": render("keywords.md.j2", groups=[], letters=letters, **shared)}
    pages.update(_split(site, "keywords", "Keywords", [(letter, dict(entries=entries)) for letter, entries in groups],
                        "_keyword_entries.md.j2", fill))
    return pages


def _author_pages(site: Site, fill) -> dict[str, str | Path]:
    prefix = "../" if "authors" in site.split else ""
    groups: dict[str, list[dict]] = {}
    for person in site.people.people:
        name = person.name
        groups.setdefault(person_initial(person), []).append(dict(
            anchor=person.anchor,
            name=name.literal or name.inverted,
            papers=[site.short_paper_link(p.key, prefix) for p in reading_order(site, person.papers)],
        ))
    count, ordered = len(site.people.people), _by_initial(groups)
    if "authors" not in site.split:
        return {"authors.md": render("authors.md.j2", groups=ordered, letters=[], count=count)}
    letters = _overview_links(site, "authors", [(letter, len(entries)) for letter, entries in ordered])
    pages = {"authors.md": render("authors.md.j2", groups=[], letters=letters, count=count)}
    pages.update(_split(site, "authors", "Authors", [(letter, dict(entries=entries)) for letter, entries in ordered],
                        "_author_entries.md.j2", fill))
    return pages


NO_VENUE = "no-venue"                 # the group (and, split, the page) of the papers naming no venue


def _venue_pages(site: Site, fill) -> dict[str, str | Path]:
    split = "venues" in site.split
    prefix = "../" if split else ""
    groups: dict[str, list[dict]] = {}
    for venue in site.bib.venues.venues:
        groups.setdefault(venue_initial(venue), []).append(
            dict(anchor=venue.anchor, name=venue.name, papers=[_dated_link(site, k, prefix) for k in venue.papers]))
    newest = reading_order(site, [p.key for p in site.bib.papers])
    unplaced = [_dated_link(site, p.key, prefix) for p in newest if p.key not in site.venue_of]
    count = len(site.bib.venues.venues)
    if not split:
        return {"venues.md": render("venues.md.j2", count=count, unplaced=unplaced, letters=[], groups=[
            (letter, initial_anchor("", letter), venues) for letter, venues in _by_initial(groups)])}
    pages_of = [(letter, dict(venues=venues, unplaced=[])) for letter, venues in _by_initial(groups)]
    pages_of += [(NO_VENUE, dict(venues=[], unplaced=unplaced))] if unplaced else []
    name = lambda group: "No venue" if group == NO_VENUE else group_name(group)  # noqa: E731
    letters = _overview_links(site, "venues", [(group, len(c["venues"]) or len(c["unplaced"])) for group, c in pages_of],
                              name)
    pages = {"venues.md": render("venues.md.j2", count=count, unplaced=[], letters=letters, groups=[])}
    pages.update(_split(site, "venues", "Venues", pages_of, "_venue_entries.md.j2", fill, name=name))
    return pages


def _year_pages(site: Site, fill) -> dict[str, str | Path]:
    split = "years" in site.split
    prefix = "../" if split else ""
    years = [dict(anchor=group.anchor, year=group.year, papers=[
        Link(f"{prefix}papers/{site.paper_slug(p.key)}.md", site.titles[p.key], _venue_note(site, p.key))
        for p in reading_order(site, group.papers)]) for group in site.bib.years]
    if not split:
        return {"years.md": render("years.md.j2", years=years, links=[])}
    name = lambda group: "Undated" if group == "undated" else group  # noqa: E731
    groups = [(year_group(entry["year"]), dict(years=[entry])) for entry in years]
    links = _overview_links(site, "years", [(group, len(c["years"][0]["papers"])) for group, c in groups], name)
    pages = {"years.md": render("years.md.j2", years=[], links=links)}
    pages.update(_split(site, "years", "Years", groups, "_year_entries.md.j2", fill, name=name))
    return pages


def _venue_note(site: Site, key: str) -> str:
    venue = site.venue_of.get(key)
    return venue.name if venue else ""


def _dated_link(site: Site, key: str, prefix: str) -> Link:
    paper = site.papers[key]
    return Link(f"{prefix}papers/{site.paper_slug(key)}.md", site.titles[key], str(paper.year) if paper.year else "")

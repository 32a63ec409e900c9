"""Cite, collect and follow: what paper, theme and home pages gain beyond the core views.

One `Extras` per render (built by `render_site` after `Site.build`) holds what is made
once for the whole site: the people and venues (render/people.py), the loaded citation
styles (render/citation.py) and the added dates (render/feeds.py). It gives the page
templates their extra context (`paper`, `theme`, `home`) and writes the new files
(`files`): the authors, venues and years pages, the Atom feeds, and the RIS and
CSL-JSON downloads beside every BibTeX one. Paths come from `site.paper_slug`; files
name papers by their citation key, verbatim.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..models import Bibliography, Paper, Theme
from . import citation, escape, feeds, meta, people
from .notes import note_text

OVERRIDES_DIR = Path(__file__).parent / "overrides"      # MkDocs theme custom_dir
FEEDS_DIR = "feeds"
SITE_FEED = f"{FEEDS_DIR}/all.xml"
INDEX_PAGES = ("authors.md", "venues.md", "years.md")   # in the nav, after Keywords (render._nav)
REFERENCES_CACHE = "references.json"                       # formatted references between builds
SUMMARY_LENGTH = 400                                       # feed summary when there is no contribution sentence


def keyword_aliases(bib: Bibliography, keyword_ids: dict[str, str]) -> dict[str, str]:
    """Each paper's own spelling of a keyphrase -> the id of its keywords-index entry.

    The index shows merged spellings ('radiance fields' for 'Radiance Field'), so a chip
    finds its entry by the index's comparison form, not by its exact spelling.
    """
    from ..organize.labels import normalise

    by_form = {}
    for phrase, ident in keyword_ids.items():
        by_form.setdefault(normalise(phrase), ident)
    aliases = {}
    for note in bib.annotations.values():
        for phrase in note.keyphrases:
            if phrase not in keyword_ids and normalise(phrase) in by_form:
                aliases[phrase] = by_form[normalise(phrase)]
    if bib.phrases is not None:      # a shown phrase finds its concept's entry ('GNNs' -> 'graph neural networks (GNNs)')
        for shown in bib.phrases.shown.values():
            for phrase in shown:
                entry = bib.phrases.display.get(bib.phrases.concept(phrase), "")
                if phrase not in keyword_ids and entry in keyword_ids:
                    aliases[phrase] = keyword_ids[entry]
    return aliases


def _link(target: str, text: str, note: str = "", anchor: str = ""):
    from . import Link
    return Link(target, text, note, anchor)


@dataclass(frozen=True)
class FeedLink:
    """A feed for <link rel="alternate"> in a page's <head>."""
    href: str        # site-relative path ('feeds/all.xml')
    title: str


class Extras:
    def __init__(self, site, added: dict[str, str] | None = None, cache_dir: Path | None = None):
        self.site = site
        papers = site.bib.papers
        self.people = people.group_people(papers)
        self.venues, self.venue_of = people.group_venues(papers)
        self.references = citation.References(site.settings.render_citation_styles,
                                              cache_dir / REFERENCES_CACHE if cache_dir else None)
        today = feeds.build_date()
        self.added = {p.key: (added or {}).get(p.key) or today for p in papers}
        self.identity = site.settings.site_url or site.settings.site_name

    # ------------------------------------------------------------------ page contexts

    def paper(self, paper: Paper) -> dict:
        """Extra context of paper.md.j2 (the paper page sits one folder below the root)."""
        site = self.site
        slug = site.paper_slug(paper.key)
        note = site.annotation(paper.key)
        shown = site.shown_keyphrases(paper.key)[:site.settings.analyze_keyphrases_shown]
        head = meta.paper_head(paper, site.titles[paper.key], slug, site.settings.site_name,
                               site.settings.site_url, note.summary if paper.has_abstract else "",
                               tuple(dict.fromkeys(paper.keywords + tuple(shown))))
        authors = tuple(_link("../authors.md", people.parse_name(raw).display,
                              anchor=self.people.person(paper.key, raw).anchor) for raw in paper.authors)
        venue = self.venue_of.get(paper.key)
        return dict(
            head=head,
            authors=authors,
            year=_link("../years.md", str(paper.year), anchor=people.year_anchor(paper.year)) if paper.year else None,
            venue=_link("../venues.md", paper.venue_text, anchor=venue.anchor) if venue else None,
            references=self.references.format(paper),
            downloads=(_link(f"../bib/papers/{slug}.ris", "RIS (.ris)"),
                       _link(f"../bib/papers/{slug}.json", "CSL-JSON (.json)")),
            # The other spelling of each acronym the paper uses ('NeRF' for 'neural radiance
            # fields' and back): hidden text that only search reads (render/search.py).
            search_aliases=site.bib.phrases.aliases.get(paper.key, ()) if site.bib.phrases else (),
        )

    def theme(self, theme: Theme) -> dict:
        slug = escape.path_segment(theme.slug)
        return dict(
            downloads=(_link(f"../bib/themes/{slug}.ris", "RIS (.ris)"),
                       _link(f"../bib/themes/{slug}.json", "CSL-JSON (.json)")),
            feed=_link(f"../{FEEDS_DIR}/themes/{slug}.xml", "Atom feed of this theme"),
            feeds=(FeedLink(f"{FEEDS_DIR}/themes/{slug}.xml", f"{theme.label}: newly added papers"),),
        )

    def home(self) -> dict:
        return dict(
            downloads=(_link("bib/all.ris", "RIS"), _link("bib/all.json", "CSL-JSON")),
            feed=_link(SITE_FEED, "Atom feed of newly added papers"),
            feeds=(FeedLink(SITE_FEED, f"{self.site.settings.site_name}: newly added papers"),),
            browse=(_link("authors.md", "author"), _link("venues.md", "venue"), _link("years.md", "year")),
        )

    # ------------------------------------------------------------------ files

    def files(self) -> dict[str, str]:
        from . import render

        site = self.site
        files = {
            "authors.md": render("authors.md.j2", **self._authors_context()),
            "venues.md": render("venues.md.j2", **self._venues_context()),
            "years.md": render("years.md.j2", **self._years_context()),
        }
        by_key = sorted(site.bib.papers, key=lambda p: p.key)
        files["bib/all.ris"] = citation.ris_file(by_key)
        files["bib/all.json"] = citation.csl_json(by_key)
        for paper in by_key:
            slug = site.paper_slug(paper.key)
            files[f"bib/papers/{slug}.ris"] = citation.ris_file([paper])
            files[f"bib/papers/{slug}.json"] = citation.csl_json([paper])
        for theme in site.bib.themes:
            papers = [site.papers[k] for k in sorted(theme.papers)]
            files[f"bib/themes/{theme.slug}.ris"] = citation.ris_file(papers)
            files[f"bib/themes/{theme.slug}.json"] = citation.csl_json(papers)
        files[SITE_FEED] = render("feed.xml.j2", feed=self._feed(None))
        for theme in site.bib.themes:
            files[f"{FEEDS_DIR}/themes/{theme.slug}.xml"] = render("feed.xml.j2", feed=self._feed(theme))
        return files

    def _authors_context(self) -> dict:
        groups: dict[str, list[dict]] = {}
        for person in self.people.people:
            name = person.name
            initial = people.index_initial(people.fold(name.literal or name.family))
            groups.setdefault(initial, []).append(dict(
                anchor=person.anchor,
                name=name.literal or name.inverted,
                papers=[self.site.short_paper_link(k, "") for k in self._newest_first(person.papers)],
            ))
        ordered = sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))
        return dict(groups=ordered, count=len(self.people.people))

    def _venues_context(self) -> dict:
        from . import initial_anchor

        groups: dict[str, list[dict]] = {}
        for v in self.venues:
            groups.setdefault(people.index_initial(people.fold(v.name)), []).append(
                dict(anchor=v.anchor, name=v.name, papers=[self._dated_link(k) for k in v.papers]))
        ordered = sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))
        return dict(groups=[(initial, initial_anchor("", initial), venues) for initial, venues in ordered],
                    count=len(self.venues),
                    unplaced=[self._dated_link(p.key) for p in self._newest_papers() if p.key not in self.venue_of])

    def _years_context(self) -> dict:
        years: dict[int | None, list[str]] = {}
        for paper in self._newest_papers():
            years.setdefault(paper.year, []).append(paper.key)
        entries = []
        for year, keys in years.items():
            entries.append(dict(anchor=people.year_anchor(year), year=year, papers=[
                _link(f"papers/{self.site.paper_slug(k)}.md", self.site.titles[k], self._venue_note(k))
                for k in keys]))
        return dict(years=entries)

    def _newest_papers(self) -> list[Paper]:
        return sorted(self.site.bib.papers, key=lambda p: (-(p.year or 0), self.site.titles[p.key].lower(), p.key))

    def _newest_first(self, keys) -> list[str]:
        papers = [self.site.papers[k] for k in keys]
        return [p.key for p in sorted(papers, key=lambda p: (-(p.year or 0), self.site.titles[p.key].lower(), p.key))]

    def _venue_note(self, key: str) -> str:
        venue = self.venue_of.get(key)
        return venue.name if venue else ""

    def _dated_link(self, key: str):
        paper = self.site.papers[key]
        return _link(f"papers/{self.site.paper_slug(key)}.md", self.site.titles[key],
                     str(paper.year) if paper.year else "")

    # ------------------------------------------------------------------ feeds

    def _feed(self, theme: Theme | None) -> feeds.Feed:
        site = self.site
        settings = site.settings
        keys = list(theme.papers) if theme else [p.key for p in site.bib.papers]
        by_title = sorted(keys, key=lambda k: (site.titles[k].lower(), k))
        ordered = sorted(by_title, key=lambda k: (self.added[k], site.papers[k].year or 0), reverse=True)
        entries = tuple(self._feed_entry(k, depth=2 if theme else 1) for k in ordered[:settings.render_feed_entries])
        latest = max(self.added.values(), default="1970-01-01")
        if theme:
            path = f"{FEEDS_DIR}/themes/{theme.slug}.xml"
            title, alternate = f"{settings.site_name}: {theme.label}", f"themes/{theme.slug}/"
            subtitle = theme.description or f"Papers newly added to the theme {theme.label}."
        else:
            path, title, alternate = SITE_FEED, f"{settings.site_name}: newly added papers", ""
            subtitle = "Papers newly added to the bibliography, newest first."
        updated = max((self.added[k] for k in keys), default=latest)
        return feeds.Feed(
            id=feeds.feed_id(self.identity, path),
            title=title,
            subtitle=subtitle,
            updated=feeds.timestamp(updated),
            self_href=self._href(path, path),
            alternate_href=self._href(alternate, path),
            author=settings.site_author or settings.site_name,
            entries=entries,
        )

    def _feed_entry(self, key: str, depth: int) -> feeds.FeedEntry:
        site = self.site
        paper = site.papers[key]
        note = site.annotation(key)
        summary = (note.summary if paper.has_abstract else "") or _short(paper.abstract_text, SUMMARY_LENGTH)
        if paper.note:   # the curator's word first: it is what the bibliography adds
            summary = _short(note_text(paper.note), SUMMARY_LENGTH)
        theme_slug = site.bib.theme_of.get(key)
        slug = site.paper_slug(key)
        return feeds.FeedEntry(
            id=feeds.feed_id(self.identity, f"paper:{key}"),
            title=site.titles[key],
            href=self._href(f"papers/{slug}/", f"{FEEDS_DIR}/themes/x.xml" if depth == 2 else SITE_FEED),
            date=feeds.timestamp(self.added[key]),
            authors=tuple(people.parse_name(raw).display for raw in paper.authors),
            summary=summary,
            category=(theme_slug, site.themes[theme_slug].label) if theme_slug else None,
        )

    def _href(self, target: str, from_file: str) -> str:
        """A link from a feed file to a site path: absolute with site_url, else relative."""
        if self.site.settings.site_url:
            return f"{self.site.settings.site_url.rstrip('/')}/{target}"
        if target == from_file:
            return from_file.rsplit("/", 1)[-1]
        return "../" * from_file.count("/") + target


def _short(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"

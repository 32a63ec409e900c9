"""The view records pages are filled with, and `Site`, the lookup tables every page shares.

Views are plain data whose corpus text is already readable unicode (`Paper.*_text`);
links are `Link`s whose targets `escape.markdown_link` validates. Paper pages and theme
pages sit one folder below the docs root, so their links start '../'.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..corpus import bibtex
from ..errors import BuildError
from ..models import Annotation, Bibliography, Chapter, Paper, People, Person, Theme, Venue
from ..organize.indexes import keyword_aliases
from ..text import name_key
from . import escape
from .notes import note_excerpt, note_html

SHORT_TITLE_LENGTH = 80                    # link text on the keywords index
# Paper links on an index page from which it becomes an overview and one page per initial
# letter (per year for the years): at 10,000 papers the keywords page was 17.7 MB of HTML and
# the authors page 2.9 MB, too much for a reader's browser, and every added paper made MkDocs
# convert each of them whole again.
INDEX_SPLIT_FROM = 3000
SPLIT_INDEXES = ("keywords", "methods", "authors", "venues", "years")


@dataclass(frozen=True)
class Link:
    """A link to another generated page: `target` is validated, `text` is display text."""
    target: str
    text: str
    note: str = ""                   # e.g. the reason a paper is related
    anchor: str = ""


@dataclass(frozen=True)
class FeedLink:
    """A feed for <link rel="alternate"> in a page's <head>."""
    href: str        # site-relative path ('feeds/all.xml')
    title: str


@dataclass(frozen=True)
class PaperView:
    key: str
    page: Link                       # this paper's page, relative to the page showing it
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str
    abstract: str                    # "" when the entry has none (the page says so)
    links: tuple[tuple[str, str], ...]      # (validated http(s) href, label): arXiv, DOI, web page
    summary: str
    note: str                        # the curator's note as inert HTML (render/notes.py), "" when none
    note_excerpt: str                # its first words, one line, for lists
    author_keywords: tuple[Link, ...]       # the entry's own keywords, shown apart from extracted ones
    keyphrases: tuple[Link, ...]
    introduced: tuple[Link, ...]
    mentioned: tuple[Link, ...]
    datasets: tuple[Link, ...]
    theme: Link | None
    related: tuple[Link, ...]
    bibtex: str
    download: Link
    abstract_source: str = ""        # "" the entry's own; "pdf", "pdf-body" or a service (annobib enrich)
    cites: tuple[Link, ...] = ()     # papers of the collection it cites (corpus/enrichment.json), newest first
    cited_by: tuple[Link, ...] = ()  # papers of the collection citing it, newest first
    chapter: Link | None = None      # the chapter of its theme (None: no chapters)


@dataclass(frozen=True)
class ThemeView:
    slug: str
    label: str
    description: str
    keyphrases: tuple[Link, ...]
    see_also: tuple[Link, ...]
    papers: tuple[PaperView, ...]
    download: Link
    chapter: Link | None = None      # the chapter this theme is a section of
    page: Link | None = None         # its own page (/themes/<slug>/), from a chapter page


@dataclass(frozen=True)
class ChapterView:
    slug: str
    label: str
    description: str
    sections: tuple[ThemeView, ...]  # in the chapter's order; papers newest first in each
    paper_count: int
    download: Link


@dataclass
class Site:
    """Lookup tables shared by every page, built once."""
    bib: Bibliography
    settings: Settings
    papers: dict[str, Paper] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    chapters: dict[str, Chapter] = field(default_factory=dict)
    method_ids: dict[tuple[str, str], str] = field(default_factory=dict)   # (kind, name) -> id
    keyword_ids: dict[str, str] = field(default_factory=dict)
    keyword_groups: dict[str, str] = field(default_factory=dict)  # phrase -> its letter group ('A', 'CO': keyword_groups)
    keyword_pages: dict[str, str] = field(default_factory=dict)   # phrase -> its index page ('keywords.md', 'keywords/a.md')
    split: frozenset[str] = frozenset()           # the SPLIT_INDEXES that are one page per letter (year)
    titles: dict[str, str] = field(default_factory=dict)
    hand_written: frozenset[str] = frozenset()     # pages copied from the repo's docs/
    views: dict[str, "PaperView"] = field(default_factory=dict)   # paper_view cache
    segments: dict[str, str] = field(default_factory=dict)        # paper_slug cache: every link to a paper asks
    cites: dict[str, tuple[str, ...]] = field(default_factory=dict)      # key -> keys it cites (sorted)
    cited_by: dict[str, tuple[str, ...]] = field(default_factory=dict)   # key -> keys citing it (sorted)

    @classmethod
    def build(cls, bib: Bibliography, settings: Settings) -> "Site":
        site = cls(bib, settings)
        for paper in bib.papers:
            if paper.key in site.papers:
                raise BuildError(f"duplicate citation key in the bibliography: {paper.key}")
            site.papers[paper.key] = paper
            site.titles[paper.key] = paper.title_text or paper.key
        for theme in bib.themes:
            escape.path_segment(theme.slug)
            site.themes[theme.slug] = theme
        for chapter in bib.chapters:
            escape.path_segment(chapter.slug)
            site.chapters[chapter.slug] = chapter
        for kind in sorted({m.kind for m in bib.methods}):
            names = [m.name for m in bib.methods if m.kind == kind]
            ids = escape.anchor_ids(names, kind_prefix(kind))
            site.method_ids.update({(kind, name): ident for name, ident in ids.items()})
        site.keyword_ids = escape.anchor_ids(list(bib.keywords), "kw")
        site.split = split_indexes(bib)
        site.keyword_groups = keyword_groups(bib.keywords)
        site.keyword_pages = {phrase: site.index_page("keywords", group) for phrase, group in site.keyword_groups.items()}
        for spelling, entry in keyword_aliases(bib).items():     # chips find merged spellings
            site.keyword_ids[spelling], site.keyword_pages[spelling] = site.keyword_ids[entry], site.keyword_pages[entry]
        site.cites, site.cited_by = citation_links(bib.papers)
        site.check_references()
        return site

    @property
    def people(self) -> People:
        """The authors index (organize/people.py): one record per person."""
        return self.bib.people

    @property
    def venue_of(self) -> dict[str, Venue]:
        """Paper key -> its venue on the venues index (papers that name one)."""
        return self.bib.venues.of_paper

    def check_references(self) -> None:
        """Every key and slug a page links to must exist, or strict MkDocs fails later."""
        missing = []
        for theme in self.bib.themes:
            missing += [f"theme {theme.slug}: paper {k}" for k in theme.papers if k not in self.papers]
            missing += [f"theme {theme.slug}: see-also {s}" for s in theme.see_also if s not in self.themes]
        missing += [f"theme_of {k}: theme {s}" for k, s in self.bib.theme_of.items() if s not in self.themes]
        for chapter in self.bib.chapters:
            missing += [f"chapter {chapter.slug}: section {s}" for s in chapter.sections if s not in self.themes]
        missing += [f"chapter_of {s}: chapter {c}" for s, c in self.bib.chapter_of.items()
                    if s not in self.themes or c not in self.chapters]
        for key, related in self.bib.related.items():
            missing += [f"related of {key}: {r.key}" for r in related if r.key not in self.papers]
        for entry in self.bib.methods:
            missing += [f"method {entry.name}: {k}" for k in entry.introduced_by + entry.mentioned_by
                        if k not in self.papers]
        for phrase, keys in self.bib.keywords.items():
            missing += [f"keyword {phrase}: {k}" for k in keys if k not in self.papers]
        missing += [f"author {raw} of {p.key}: not in the authors index" for p in self.bib.papers
                    for raw in p.authors if (p.key, raw) not in self.bib.people.of_author]
        if missing:
            raise BuildError("the bibliography refers to unknown papers/themes: " + "; ".join(missing[:10]))

    def annotation(self, key: str) -> Annotation:
        return self.bib.annotations.get(key) or Annotation(key=key, keyphrases=())

    def shown_keyphrases(self, key: str) -> tuple[str, ...]:
        """A paper's keyphrases as its page shows them: cleaned, no generic phrase, one of each
        near-duplicate, acronyms with their expansions (organize/phrases.py), best first."""
        if self.bib.phrases is not None and key in self.bib.phrases.shown:
            return self.bib.phrases.shown[key]
        return self.annotation(key).keyphrases

    def paper_slug(self, key: str) -> str:
        """The URL segment of a paper's page and files: /papers/<slug>/, /bib/papers/<slug>.bib."""
        segment = self.segments.get(key)
        if segment is None:
            segment = self.segments[key] = escape.path_segment(self.bib.slugs.get(key, key))
        return segment

    def paper_link(self, key: str, prefix: str, note: str = "") -> Link:
        return Link(f"{prefix}papers/{self.paper_slug(key)}.md", self.titles[key], note)

    def short_paper_link(self, key: str, prefix: str) -> Link:
        return Link(f"{prefix}papers/{self.paper_slug(key)}.md", shorten(self.titles[key], SHORT_TITLE_LENGTH))

    def theme_link(self, slug: str, prefix: str) -> Link:
        return Link(f"{prefix}themes/{escape.path_segment(slug)}.md", self.themes[slug].label)

    def chapter_link(self, slug: str, prefix: str) -> Link:
        return Link(f"{prefix}chapters/{escape.path_segment(slug)}.md", self.chapters[slug].label)

    def chapter_of_theme(self, theme_slug: str | None, prefix: str) -> Link | None:
        chapter = self.bib.chapter_of.get(theme_slug) if theme_slug else None
        return self.chapter_link(chapter, prefix) if chapter in self.chapters else None

    def method_links(self, kind: str, names: tuple[str, ...], prefix: str) -> tuple[Link, ...]:
        ids = [self.method_ids.get((kind, name), "") for name in names]
        # A name the methods index does not list is shown as plain text (empty target).
        return tuple(Link(prefix + self.index_page("methods", initial(name)) if ident else "", name, anchor=ident)
                     for name, ident in zip(names, ids))

    def index_page(self, index: str, group: str) -> str:
        """The page of `index` that lists a group: 'authors.md', or once the index is split,
        its letter's page ('authors/a.md', 'authors/other.md') or year's ('years/2021.md')."""
        return f"{index}/{group_segment(group)}.md" if index in self.split else f"{index}.md"

    def person_page(self, person: Person) -> str:
        return self.index_page("authors", person_initial(person))

    def venue_page(self, venue: Venue) -> str:
        return self.index_page("venues", venue_initial(venue))

    def year_page(self, year: int | None) -> str:
        return self.index_page("years", year_group(year))

    def keyphrase_links(self, phrases: tuple[str, ...], prefix: str) -> tuple[Link, ...]:
        ids = [self.keyword_ids.get(phrase, "") for phrase in phrases]
        return tuple(Link(f"{prefix}{self.keyword_pages[phrase]}" if ident else "", phrase, anchor=ident)
                     for phrase, ident in zip(phrases, ids))


def initial(text: str) -> str:
    """'A'..'Z' for an index heading, '#' for anything else ('Ørsted' -> 'O', '王' -> 'W', '3D' -> '#')."""
    letter = escape.slug(text[:1])[:1].upper() or "#"
    return letter if letter.isalpha() else "#"


def person_initial(person: Person) -> str:
    """The letter a person is listed under on the authors index: their family name's."""
    return initial(name_key(person.name.literal or person.name.family))


def venue_initial(venue: Venue) -> str:
    """The letter a venue is listed under on the venues index."""
    return initial(name_key(venue.name))


def year_group(year: int | None) -> str:
    """A year's group on a split years index: '2021', or 'undated'."""
    return str(year) if year else "undated"


def split_indexes(bib: Bibliography) -> frozenset[str]:
    """The SPLIT_INDEXES with at least INDEX_SPLIT_FROM paper links: one page per letter (year)."""
    links = {
        "keywords": sum(len(keys) for keys in bib.keywords.values()),
        "methods": sum(len(m.introduced_by) + len(m.mentioned_by) for m in bib.methods),
        "authors": sum(len(person.papers) for person in bib.people.people),
        "venues": sum(len(venue.papers) for venue in bib.venues.venues),
        "years": len(bib.papers),
    }
    return frozenset(index for index, count in links.items() if count >= INDEX_SPLIT_FROM)


def group_segment(group: str) -> str:
    """The file name of an index group's page: 'A' -> 'a', '#' -> 'other', 'CO' -> 'co',
    'C#' -> 'c-other', '2021' -> '2021'."""
    return "other" if group == "#" else group.lower().replace("#", "-other")


def keyword_groups(keywords: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each keyphrase's group on a split keywords index: its initial letter, or, for a letter
    whose phrases list INDEX_SPLIT_FROM paper links or more, its first two letters ('CO';
    'C#' when the second is no letter). At 10,000 papers the letters C and S held 1.8 MB of
    Markdown each, and a new paper's ten keyphrases made MkDocs convert ten such pages."""
    letters = {phrase: initial(phrase) for phrase in keywords}
    links: dict[str, int] = {}
    for phrase, letter in letters.items():
        links[letter] = links.get(letter, 0) + len(keywords[phrase])
    big = {letter for letter, count in links.items() if count >= INDEX_SPLIT_FROM and letter != "#"}
    return {phrase: letter + _second_letter(phrase) if letter in big else letter for phrase, letter in letters.items()}


def _second_letter(text: str) -> str:
    second = escape.slug(text).replace("-", "")[1:2].upper()
    return second if second.isalpha() else "#"


def citation_links(papers) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(cites, cited_by): who cites whom among `papers`, from each paper's `cites` (keys of
    papers not in `papers`, and a paper citing itself, are left out)."""
    from ..enrich.citations import cited_by

    keys = {p.key for p in papers}
    cites = {p.key: tuple(sorted({k for k in p.cites if k in keys and k != p.key})) for p in papers}
    cites = {key: cited for key, cited in cites.items() if cited}
    return cites, cited_by(cites)


def kind_prefix(kind: str) -> str:
    """The id prefix of a kind of methods-index entry ('method', 'dataset')."""
    return escape.slug(kind) or "entry"


def shorten(text: str, length: int) -> str:
    """`text` cut at a word to at most `length` characters, with an ellipsis when cut."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def paper_view(site: Site, paper: Paper) -> PaperView:
    """Everything a page shows about one paper, as display text, made once per paper.

    Paper pages and theme pages both sit one folder below the docs root, so one view
    (with links starting '../') serves both; `latex.to_text` is slow on long abstracts.
    """
    if paper.key not in site.views:
        site.views[paper.key] = _make_paper_view(site, paper, "../")
    return site.views[paper.key]


def _make_paper_view(site: Site, paper: Paper, prefix: str) -> PaperView:
    note = site.annotation(paper.key)
    shown = site.settings.analyze_keyphrases_shown
    theme_slug = site.bib.theme_of.get(paper.key)
    return PaperView(
        key=paper.key,
        page=site.paper_link(paper.key, prefix),
        title=site.titles[paper.key],
        authors=paper.authors_text,
        year=paper.year,
        venue=paper.venue_text,
        abstract=paper.abstract_text,
        links=external_links(paper),
        summary=note.summary if paper.has_abstract else "",
        note=note_html(paper.note),
        note_excerpt=note_excerpt(paper.note),
        author_keywords=site.keyphrase_links(paper.keywords, prefix),
        keyphrases=site.keyphrase_links(site.shown_keyphrases(paper.key)[:shown], prefix),
        introduced=site.method_links("method", note.methods_introduced, prefix),
        mentioned=site.method_links("method", note.methods_mentioned, prefix),
        datasets=site.method_links("dataset", note.datasets, prefix),
        theme=site.theme_link(theme_slug, prefix) if theme_slug else None,
        related=tuple(site.paper_link(r.key, prefix, r.reason) for r in site.bib.related.get(paper.key, ())),
        bibtex=bibtex.format_entry(paper),
        download=Link(f"{prefix}bib/papers/{site.paper_slug(paper.key)}.bib", "Download the BibTeX entry (.bib)"),
        abstract_source=paper.abstract_source if paper.abstract_text else "",
        cites=tuple(site.paper_link(p.key, prefix) for p in reading_order(site, site.cites.get(paper.key, ()))),
        cited_by=tuple(site.paper_link(p.key, prefix)
                       for p in reading_order(site, site.cited_by.get(paper.key, ()))),
        chapter=site.chapter_of_theme(theme_slug, prefix),
    )


def external_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """arXiv, DOI and web-page links; only http(s) URLs survive `escape`."""
    arxiv, doi, url = escape.arxiv_url(paper.arxiv), escape.doi_url(paper.doi), escape.http_url(paper.url)
    links = []
    if arxiv:
        links.append((arxiv, f"arXiv:{paper.arxiv}"))
    if doi:
        links.append((doi, f"DOI: {paper.doi}"))
    if url and url not in (arxiv, doi):
        links.append((url, "Web page"))
    return tuple(links)


def reading_order(site: Site, keys) -> list[Paper]:
    """Newest first, then by title: how a reader scans a chapter."""
    papers = [site.papers[k] for k in keys]
    return sorted(papers, key=lambda p: (-(p.year or 0), site.titles[p.key].lower(), p.key))


def theme_view(site: Site, theme: Theme) -> ThemeView:
    return ThemeView(
        slug=theme.slug,
        label=theme.label,
        description=theme.description,
        keyphrases=site.keyphrase_links(theme.keyphrases, "../"),
        see_also=tuple(site.theme_link(s, "../") for s in theme.see_also),
        papers=tuple(paper_view(site, p) for p in reading_order(site, theme.papers)),
        download=Link(f"../bib/themes/{theme.slug}.bib", "Download this theme as BibTeX (.bib)"),
        chapter=site.chapter_of_theme(theme.slug, "../"),
        page=Link(f"../themes/{escape.path_segment(theme.slug)}.md", "This section's page"),
    )


def chapter_view(site: Site, chapter: Chapter) -> ChapterView:
    sections = tuple(theme_view(site, site.themes[s]) for s in chapter.sections)
    return ChapterView(
        slug=chapter.slug, label=chapter.label, description=chapter.description, sections=sections,
        paper_count=sum(len(t.papers) for t in sections),
        download=Link(f"../bib/chapters/{chapter.slug}.bib", "Download this chapter as BibTeX (.bib)"),
    )

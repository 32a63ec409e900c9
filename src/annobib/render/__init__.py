"""Render stage: Bibliography -> MkDocs docs folder (Markdown, BibTeX, JSON) + mkdocs config.

Pages are Jinja2 templates (`render/templates/`) filled with *view* records built
here: plain data whose corpus text is already readable unicode (`Paper.*_text`).
Corpus text is only ever template data, never template source, and every value a
template prints goes through `escape.finalize` (see `escape.py` for why that one
rule makes it inert in both Markdown and HTML).

URL layout (use_directory_urls): /papers/<key>/, /chapters/, /chapters/<slug>/, /themes/,
/themes/<slug>/ (a chapter's sections), /methods/, /keywords/, /about/, /bib/all.bib,
/bib/chapters/<slug>.bib, /bib/themes/<slug>.bib, /bib/papers/<key>.bib, /data/papers.json.
The nav lists the chapters; themes are reached from their chapter (and keep their URLs). Papers are kept out of the nav: MkDocs renders the whole nav on
every page, so listing hundreds of papers makes the build O(pages^2).
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml

from .. import bibtex
from ..config import Settings
from ..errors import BuildError
from ..models import Annotation, Bibliography, Chapter, MethodEntry, Paper, Theme
from . import charts, escape
from .notes import note_excerpt, note_html
from .extras import INDEX_PAGES, OVERRIDES_DIR, Extras, keyword_aliases
from . import timeline

TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"
THEME_KEYPHRASES_SHOWN = 5                 # per paper on a theme page: a short annotation
SHORT_TITLE_LENGTH = 80                    # link text on the keywords index


@dataclass(frozen=True)
class RenderResult:
    paper_pages: int
    theme_pages: int
    bib_entries: int                 # entries written to bib/all.bib
    files: tuple[str, ...]           # relative paths written, sorted
    chapter_pages: int = 0


# --------------------------------------------------------------------------- templates

def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,                 # belt: nothing reaches output unescaped ...
        finalize=escape.finalize,        # ... braces: and it is escaped for Markdown too
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for name in escape.UNSAFE_JINJA_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(escape.FILTERS)
    return env


_ENV = _environment()


def render(name: str, **context) -> str:
    """Fill one template of `render/templates/` (the only way pages are made)."""
    return _ENV.get_template(name).render(**context)


# --------------------------------------------------------------------------- views

@dataclass(frozen=True)
class Link:
    """A link to another generated page: `target` is validated, `text` is display text."""
    target: str
    text: str
    note: str = ""                   # e.g. the reason a paper is related
    anchor: str = ""


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
    titles: dict[str, str] = field(default_factory=dict)
    hand_written: frozenset[str] = frozenset()     # pages copied from the repo's docs/
    views: dict[str, "PaperView"] = field(default_factory=dict)   # paper_view cache
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
            ids = escape.anchor_ids(names, _kind_prefix(kind))
            site.method_ids.update({(kind, name): ident for name, ident in ids.items()})
        site.keyword_ids = escape.anchor_ids(list(bib.keywords), "kw")
        site.keyword_ids.update(keyword_aliases(bib, site.keyword_ids))   # chips find merged spellings
        site.cites, site.cited_by = citation_links(bib.papers)
        site.check_references()
        return site

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
        return escape.path_segment(self.bib.slugs.get(key, key))

    def paper_link(self, key: str, prefix: str, note: str = "") -> Link:
        return Link(f"{prefix}papers/{self.paper_slug(key)}.md", self.titles[key], note)

    def short_paper_link(self, key: str, prefix: str) -> Link:
        return Link(f"{prefix}papers/{self.paper_slug(key)}.md", _shorten(self.titles[key], SHORT_TITLE_LENGTH))

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
        return tuple(Link(f"{prefix}methods.md" if ident else "", name, anchor=ident)
                     for name, ident in zip(names, ids))

    def keyphrase_links(self, phrases: tuple[str, ...], prefix: str) -> tuple[Link, ...]:
        ids = [self.keyword_ids.get(phrase, "") for phrase in phrases]
        return tuple(Link(f"{prefix}keywords.md" if ident else "", phrase, anchor=ident)
                     for phrase, ident in zip(phrases, ids))


def citation_links(papers) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(cites, cited_by): who cites whom among `papers`, from each paper's `cites` (keys of
    papers not in `papers`, and a paper citing itself, are left out)."""
    from ..enrich.citations import cited_by

    keys = {p.key for p in papers}
    cites = {p.key: tuple(sorted({k for k in p.cites if k in keys and k != p.key})) for p in papers}
    cites = {key: cited for key, cited in cites.items() if cited}
    return cites, cited_by(cites)


def _kind_prefix(kind: str) -> str:
    return escape.slug(kind) or "entry"


def _shorten(text: str, length: int) -> str:
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
        cites=tuple(site.paper_link(p.key, prefix) for p in _reading_order(site, site.cites.get(paper.key, ()))),
        cited_by=tuple(site.paper_link(p.key, prefix)
                       for p in _reading_order(site, site.cited_by.get(paper.key, ()))),
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


def _reading_order(site: Site, keys) -> list[Paper]:
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
        papers=tuple(paper_view(site, p) for p in _reading_order(site, theme.papers)),
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


# --------------------------------------------------------------------------- writing

class _Writer:
    """Writes files under docs_dir only, and remembers what it wrote."""

    def __init__(self, docs_dir: Path):
        self.root = docs_dir.resolve()
        self.written: set[str] = set()

    def path(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if self.root not in target.parents:
            raise BuildError(f"refusing to write outside the docs folder: {relative}")
        return target

    def write(self, relative: str, content: str) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        self.written.add(relative)

    def copy(self, source: Path, relative: str) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.written.add(relative)


def _copy_tree(writer: _Writer, source_dir: Path, prefix: str = "") -> set[str]:
    copied = set()
    for source in sorted(source_dir.rglob("*")):
        relative = source.relative_to(source_dir)
        if source.is_file() and not any(part.startswith(".") for part in relative.parts):
            writer.copy(source, prefix + relative.as_posix())
            copied.add(prefix + relative.as_posix())
    return copied


def render_site(bib: Bibliography, docs_dir: Path, settings: Settings,
                hand_written_docs: Path | None = None, added: dict[str, str] | None = None,
                cache_dir: Path | None = None) -> RenderResult:
    """Write the whole MkDocs docs folder for `bib` into `docs_dir` (empty, made by the caller).

    `added`: citation key -> date the paper entered the corpus, for the feeds (render/feeds.py).
    `cache_dir`: where formatted references are kept between builds (None: not kept).
    """
    site = Site.build(bib, settings)
    extras = Extras(site, added, cache_dir)
    writer = _Writer(docs_dir)
    hand_written = _copy_tree(writer, hand_written_docs) if hand_written_docs and hand_written_docs.is_dir() else set()
    site.hand_written = frozenset(hand_written)
    _copy_tree(writer, ASSETS_DIR, "stylesheets/")
    pages = {}
    pages.update(_paper_pages(site, extras))
    pages.update(_theme_pages(site, extras))
    pages.update(_chapter_pages(site))
    pages.update(_index_pages(site, extras))
    pages.update(_downloads(site))
    pages.update(extras.files())          # authors/venues/years pages, feeds, RIS and CSL-JSON
    clashes = sorted(hand_written & set(pages))
    if clashes:
        raise BuildError(f"hand-written docs clash with generated pages: {', '.join(clashes)}")
    for relative, content in sorted(pages.items()):
        writer.write(relative, content)
    extras.references.save()
    return RenderResult(
        paper_pages=sum(1 for f in writer.written if f.startswith("papers/")),
        theme_pages=sum(1 for f in writer.written if f.startswith("themes/") and f != "themes/index.md"),
        bib_entries=len(bib.papers),
        files=tuple(sorted(writer.written)),
        chapter_pages=sum(1 for f in writer.written if f.startswith("chapters/") and f != "chapters/index.md"),
    )


def _paper_pages(site: Site, extras: Extras) -> dict[str, str]:
    return {f"papers/{site.paper_slug(p.key)}.md": render("paper.md.j2", paper=paper_view(site, p), more=extras.paper(p))
            for p in site.bib.papers}


def _theme_pages(site: Site, extras: Extras) -> dict[str, str]:
    pages = {f"themes/{t.slug}.md": render("theme.md.j2", theme=theme_view(site, t),
                                           keyphrases_shown=THEME_KEYPHRASES_SHOWN, more=extras.theme(t),
                                           timeline=timeline.theme_timeline(site, t.slug))
             for t in site.bib.themes}
    unthemed = [p for p in site.bib.papers if p.key not in site.bib.theme_of]
    pages["themes/index.md"] = render(
        "themes.md.j2",
        themes=[(site.theme_link(t.slug, "../"), t, len(t.papers)) for t in site.bib.themes],
        chapters=_outline(site, "../"),
        unthemed=[site.paper_link(p.key, "../") for p in _reading_order(site, [p.key for p in unthemed])],
    )
    return pages


def _outline(site: Site, prefix: str) -> list[dict]:
    """Chapters with their sections, for the lists of the home, chapters and themes pages."""
    return [dict(link=site.chapter_link(c.slug, prefix), description=c.description,
                 count=sum(len(site.themes[s].papers) for s in c.sections),
                 sections=[(site.theme_link(s, prefix), len(site.themes[s].papers)) for s in c.sections])
            for c in site.bib.chapters]


def _chapter_pages(site: Site) -> dict[str, str]:
    """/chapters/<slug>/ for every chapter and /chapters/ listing them; none without chapters."""
    if not site.bib.chapters:
        return {}
    pages = {f"chapters/{c.slug}.md": render("chapter.md.j2", chapter=chapter_view(site, c))
             for c in site.bib.chapters}
    pages["chapters/index.md"] = render("chapters.md.j2", chapters=_outline(site, "../"),
                                        paper_count=len(site.bib.papers), theme_count=len(site.bib.themes))
    return pages


def _index_pages(site: Site, extras: Extras) -> dict[str, str]:
    return {
        "index.md": render("home.md.j2", **_home_context(site), more=extras.home()),
        "methods.md": render("methods.md.j2", groups=_method_groups(site)),
        "keywords.md": render("keywords.md.j2", **_keywords_context(site)),
    }


def _home_context(site: Site) -> dict:
    years = [p.year for p in site.bib.papers if p.year]
    methods = [m for m in site.bib.methods if m.kind == "method"]
    return dict(
        site_name=site.settings.site_name,
        site_description=site.settings.site_description,
        paper_count=len(site.bib.papers),
        theme_count=len(site.bib.themes),
        chapter_count=len(site.bib.chapters),
        chapters=_outline(site, ""),
        method_count=len(methods),
        dataset_count=len(site.bib.methods) - len(methods),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
        themes=[(site.theme_link(t.slug, ""), len(t.papers)) for t in site.bib.themes],
        charts=_charts(site),
        has_about="about.md" in site.hand_written,
        rising=timeline.home_rising(site),            # render/timeline.py: "What is rising"
        map_years=timeline.map_years(site.bib),       # ... and the map's "colour by year" legend
    )


def _charts(site: Site) -> list[dict]:
    """{caption, svg, legend} for the home page.

    `legend` (the map's): entries written as HTML beside the SVG, so their text keeps the
    page's size on every screen (charts.map_legend); each swatch is a small SVG."""
    bib = site.bib
    legend = [dict(entry, swatch=escape.svg(entry["swatch"])) for entry in charts.map_legend(bib)]
    made = [
        ("Map of the papers: nearby papers are about similar things",
         charts.map_svg(bib, lambda key: f"papers/{site.paper_slug(key)}/", lambda slug: f"themes/{slug}/"), legend),
        ("Papers per theme", charts.themes_chart_svg(bib, lambda slug: f"themes/{slug}/"), []),
        ("Papers per year", charts.years_chart_svg(bib), []),
    ]
    return [dict(caption=caption, svg=escape.svg(svg), legend=items) for caption, svg, items in made
            if svg and svg.strip()]


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
            letters.setdefault(_initial(entry.name), []).append(_method_entry(site, entry))
        prefix = _kind_prefix(kind) + "s-"        # 'methods-initial-a': no method id starts so ('method-...')
        groups.append((headings.get(kind, kind.capitalize()), len(entries),
                       [(initial, initial_anchor(prefix, initial), items) for initial, items
                        in sorted(letters.items(), key=lambda item: (item[0] == "#", item[0]))]))
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


def _keyword_groups(site: Site) -> list[tuple[str, list[dict]]]:
    """Keyphrases alphabetically, grouped under their initial letter (others under '#')."""
    groups: dict[str, list[dict]] = {}
    for phrase in sorted(site.bib.keywords, key=lambda k: (k.lower(), k)):
        groups.setdefault(_initial(phrase), []).append(dict(
            phrase=phrase,
            anchor=site.keyword_ids[phrase],
            papers=[site.short_paper_link(k, "") for k in sorted(site.bib.keywords[phrase])],
        ))
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))


def _initial(text: str) -> str:
    """'A'..'Z' for an index heading, '#' for anything else ('Ørsted' -> 'O', '王' -> 'W', '3D' -> '#')."""
    initial = escape.slug(text[:1])[:1].upper() or "#"
    return initial if initial.isalpha() else "#"


def initial_anchor(prefix: str, initial: str) -> str:
    """The id of an index's letter group ('initial-a', 'methods-initial-other'): the A-Z jump list's target."""
    return f"{prefix}initial-{'other' if initial == '#' else initial.lower()}"


def _keywords_context(site: Site) -> dict:
    phrases = site.bib.phrases
    return dict(
        groups=[(initial, initial_anchor("", initial), entries) for initial, entries in _keyword_groups(site)],
        count=len(site.bib.keywords),
        generic=phrases.generic_display() if phrases is not None else [],
    )


def _downloads(site: Site) -> dict[str, str]:
    by_key = sorted(site.bib.papers, key=lambda p: p.key)
    # Collections are for `bibtex` (BibLaTeX-only types and fields mapped); a paper's own
    # file keeps the entry as written, for BibLaTeX users (see bibtex.py).
    files = {"bib/all.bib": bibtex.format_bibliography(by_key, flavour="bibtex")}
    for paper in by_key:
        files[f"bib/papers/{site.paper_slug(paper.key)}.bib"] = bibtex.format_entry(paper)
    for theme in site.bib.themes:
        papers = [site.papers[k] for k in sorted(theme.papers)]
        files[f"bib/themes/{theme.slug}.bib"] = bibtex.format_bibliography(papers, flavour="bibtex")
    for chapter in site.bib.chapters:
        papers = [site.papers[k] for k in sorted(k for s in chapter.sections for k in site.themes[s].papers)]
        files[f"bib/chapters/{chapter.slug}.bib"] = bibtex.format_bibliography(papers, flavour="bibtex")
    files["data/papers.json"] = papers_json(site, by_key)
    files["data/trends.json"] = timeline.trends_json(site)
    return files


def _slug_label(known: dict, slug: str | None) -> dict | None:
    """{slug, label} of a theme or chapter for papers.json; None when the paper has none."""
    return {"slug": slug, "label": known[slug].label} if slug in known else None


def papers_json(site: Site, papers: list[Paper]) -> str:
    records = []
    for paper in papers:
        note = site.annotation(paper.key)
        records.append(dict(
            key=paper.key,
            title=site.titles[paper.key],
            url_slug=site.paper_slug(paper.key),
            has_abstract=paper.has_abstract,
            author_keywords=list(paper.keywords),
            authors=list(paper.authors_text),
            year=paper.year,
            venue=paper.venue_text or None,
            arxiv=paper.arxiv,
            doi=paper.doi,
            url=paper.url if escape.http_url(paper.url) else None,   # http(s) only, as on the pages
            keyphrases=list(note.keyphrases),
            methods_introduced=list(note.methods_introduced),
            methods_mentioned=list(note.methods_mentioned),
            datasets=list(note.datasets),
            summary=note.summary,
            note=paper.note or None,          # the curator's note, Markdown as written
            theme=_slug_label(site.themes, site.bib.theme_of.get(paper.key)),            # the section
            chapter=_slug_label(site.chapters, site.bib.chapter_of.get(site.bib.theme_of.get(paper.key, ""))),
            related=[r.key for r in site.bib.related.get(paper.key, ())],
            cites=list(site.cites.get(paper.key, ())),          # keys of the collection it cites
            cited_by=list(site.cited_by.get(paper.key, ())),    # keys of the collection citing it
        ))
    return json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- mkdocs config

def write_mkdocs_config(bib: Bibliography, docs_dir: Path, site_dir: Path, config_path: Path,
                        base_config: Path, settings: Settings | None = None) -> None:
    """A generated config that inherits the root mkdocs.yml and adds folders and the nav.

    Paths are written relative to the generated file (MkDocs resolves them that way).
    `settings`, when given, overrides site_name / site_url from annobib.yml.
    """
    here = config_path.parent.resolve()
    config: dict = {
        "INHERIT": _relative(base_config, here),
        "docs_dir": _relative(docs_dir, here),
        "site_dir": _relative(site_dir, here),
    }
    if settings is not None:
        config["site_name"] = settings.site_name
        identity = {"site_description": settings.site_description, "site_url": settings.site_url,
                    "site_author": settings.site_author, "repo_url": settings.site_repo_url}
        config.update({name: value for name, value in identity.items() if value})
    config["nav"] = _nav(bib, with_about=(docs_dir / "about.md").is_file())
    # Papers are reachable from themes, methods, keywords and search, not from the nav;
    # the authors, venues and years pages are in the nav (`_nav`), and linked from every paper page.
    config["not_in_nav"] = "/papers/\n/themes/" if bib.chapters else "/papers/"   # themes: from their chapter
    # Theme override: JSON-LD and feed links in <head> (render/overrides/main.html).
    config["theme"] = {"custom_dir": _relative(OVERRIDES_DIR, here)}
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start)).as_posix()


def _nav(bib: Bibliography, with_about: bool) -> list:
    # Theme entries carry no title: MkDocs then uses the page's front-matter title, which
    # is HTML-escaped (the theme inserts nav titles into HTML without escaping them).
    theme_pages = [f"themes/{escape.path_segment(t.slug)}.md" for t in bib.themes]
    chapter_pages = [f"chapters/{escape.path_segment(c.slug)}.md" for c in bib.chapters]
    nav = [
        {"Home": "index.md"},
        {"Chapters": ["chapters/index.md", *chapter_pages]} if chapter_pages else
        {"Themes": ["themes/index.md", *theme_pages]},
        {"Methods": "methods.md"},
        {"Keywords": "keywords.md"},
    ]
    nav += [{"Authors": "authors.md"}, {"Venues": "venues.md"}, {"Years": "years.md"}]   # INDEX_PAGES
    return nav + ([{"About": "about.md"}] if with_about else [])

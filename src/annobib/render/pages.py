"""Render stage: Bibliography -> MkDocs docs folder (Markdown, downloads, feeds).

`render_site` builds the shared `Site` once, writes every page from its template
(render/templates/) and every download, feed and index, and copies the hand-written
docs and the stylesheets.

URL layout (use_directory_urls): /papers/<key>/, /chapters/, /chapters/<slug>/, /themes/,
/themes/<slug>/ (a chapter's sections), /methods/, /keywords/, /authors/, /venues/, /years/,
/about/, /bib/all.bib, /bib/chapters/<slug>.bib, /bib/themes/<slug>.bib, /bib/papers/<key>.bib
(each .bib with .ris and .json beside it but the chapters'), /data/papers.json, /feeds/.
The nav lists the chapters; themes are reached from their chapter (and keep their URLs).
Papers are kept out of the nav: MkDocs renders the whole nav on every page, so listing
hundreds of papers makes the build O(pages^2).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import BuildError
from ..models import Bibliography, Paper, Theme
from . import charts, citation, escape, feeds, meta, timeline
from .downloads import PaperFiles, download_files, home_downloads, paper_downloads, theme_downloads
from .index_pages import index_pages
from ..organize.people import parse_name, year_anchor
from .templating import ASSETS_DIR, RenderMemo, render
from .views import Link, Site, chapter_view, paper_view, reading_order, theme_view
from .writer import Writer, copy_tree

THEME_KEYPHRASES_SHOWN = 5                 # per paper on a theme page: a short annotation
REFERENCES_CACHE = "references.json"       # formatted references between builds
PAGES_CACHE = "markdown"                   # paper, theme and index letter pages' Markdown between builds (RenderMemo)
DOWNLOADS_CACHE = "downloads"              # each paper's .bib, .ris, .json and collection entry between builds (PaperFiles)


@dataclass(frozen=True)
class RenderResult:
    paper_pages: int
    theme_pages: int
    bib_entries: int                 # entries written to bib/all.bib
    files: tuple[str, ...]           # relative paths written, sorted
    chapter_pages: int = 0


def render_site(bib: Bibliography, docs_dir: Path, settings: Settings,
                hand_written_docs: Path | None = None, added: dict[str, str] | None = None,
                cache_dir: Path | None = None) -> RenderResult:
    """Write the whole MkDocs docs folder for `bib` into `docs_dir` (empty, made by the caller).

    `added`: citation key -> date the paper entered the corpus, for the feeds (render/feeds.py).
    `cache_dir`: where formatted references are kept between builds (None: not kept).
    """
    site = Site.build(bib, settings)
    references = citation.References(settings.render_citation_styles,
                                     cache_dir / REFERENCES_CACHE if cache_dir else None)
    writer = Writer(docs_dir)
    hand_written = copy_tree(writer, hand_written_docs) if hand_written_docs and hand_written_docs.is_dir() else set()
    site.hand_written = frozenset(hand_written)
    copy_tree(writer, ASSETS_DIR, "stylesheets/")
    memo = RenderMemo(cache_dir / PAGES_CACHE if cache_dir else None)
    pages = {}
    pages.update(_paper_pages(site, references, memo))
    pages.update(_theme_pages(site, memo.render))
    pages.update(_chapter_pages(site))      # filled: its context's repr costs more than its template
    pages["index.md"] = render("home.md.j2", **_home_context(site), more=_home_more(site))
    pages.update(index_pages(site, memo.render))
    paper_files = PaperFiles(cache_dir / DOWNLOADS_CACHE if cache_dir else None)
    pages.update(download_files(site, paper_files))
    pages.update(feeds.feed_files(site, added))
    clashes = sorted(hand_written & set(pages))
    if clashes:
        raise BuildError(f"hand-written docs clash with generated pages: {', '.join(clashes)}")
    for relative, content in sorted(pages.items()):
        writer.place(relative, content)
    references.save()
    memo.prune()
    paper_files.save()
    return _result(writer, bib)


def _result(writer: Writer, bib: Bibliography) -> RenderResult:
    return RenderResult(
        paper_pages=sum(1 for f in writer.written if f.startswith("papers/")),
        theme_pages=sum(1 for f in writer.written if f.startswith("themes/") and f != "themes/index.md"),
        bib_entries=len(bib.papers),
        files=tuple(sorted(writer.written)),
        chapter_pages=sum(1 for f in writer.written if f.startswith("chapters/") and f != "chapters/index.md"),
    )


# --------------------------------------------------------------------------- papers

def _paper_pages(site: Site, references: citation.References, memo: RenderMemo) -> dict[str, str | Path]:
    return {f"papers/{site.paper_slug(p.key)}.md": memo.render("paper.md.j2", paper=paper_view(site, p),
                                                               more=_paper_more(site, p, references))
            for p in site.bib.papers}


def _paper_more(site: Site, paper: Paper, references: citation.References) -> dict:
    """What a paper page shows beyond its view: <head> tags, the links to its authors, year
    and venue on the index pages, its formatted references and RIS / CSL-JSON downloads."""
    slug = site.paper_slug(paper.key)
    note = site.annotation(paper.key)
    shown = site.shown_keyphrases(paper.key)[:site.settings.analyze_keyphrases_shown]
    head = meta.paper_head(paper, site.titles[paper.key], slug, site.settings.site_name,
                           site.settings.site_url, note.summary if paper.has_abstract else "",
                           tuple(dict.fromkeys(paper.keywords + tuple(shown))))
    people = [site.people.person(paper.key, raw) for raw in paper.authors]
    authors = tuple(Link(f"../{site.person_page(person)}", parse_name(raw).display, anchor=person.anchor)
                    for raw, person in zip(paper.authors, people))
    venue = site.venue_of.get(paper.key)
    return dict(
        head=head,
        authors=authors,
        year=Link(f"../{site.year_page(paper.year)}", str(paper.year), anchor=year_anchor(paper.year))
        if paper.year else None,
        venue=Link(f"../{site.venue_page(venue)}", paper.venue_text, anchor=venue.anchor) if venue else None,
        references=references.format(paper),
        downloads=paper_downloads(slug),
        # The other spelling of each acronym the paper uses ('NeRF' for 'neural radiance
        # fields' and back): hidden text that only search reads (render/search.py).
        search_aliases=site.bib.phrases.aliases.get(paper.key, ()) if site.bib.phrases else (),
    )


# --------------------------------------------------------------------------- themes and chapters

def _theme_pages(site: Site, fill=render) -> dict[str, str | Path]:
    """Every theme's page (filled by `fill`, as index_pages's) and /themes/ listing them."""
    pages = {f"themes/{t.slug}.md": fill("theme.md.j2", theme=theme_view(site, t),
                                           keyphrases_shown=THEME_KEYPHRASES_SHOWN, more=_theme_more(t),
                                           timeline=timeline.theme_timeline(site, t.slug))
             for t in site.bib.themes}
    unthemed = [p for p in site.bib.papers if p.key not in site.bib.theme_of]
    pages["themes/index.md"] = render(
        "themes.md.j2",
        themes=[(site.theme_link(t.slug, "../"), t, len(t.papers)) for t in site.bib.themes],
        chapters=_outline(site, "../"),
        unthemed=[site.paper_link(p.key, "../") for p in reading_order(site, [p.key for p in unthemed])],
    )
    return pages


def _theme_more(theme: Theme) -> dict:
    """A theme page's RIS / CSL-JSON downloads and its feed."""
    return dict(downloads=theme_downloads(escape.path_segment(theme.slug)), **feeds.theme_feeds(theme))


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


# --------------------------------------------------------------------------- home

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


def _home_more(site: Site) -> dict:
    """The home page's downloads, feed and links to the authors, venues and years pages."""
    return dict(
        downloads=home_downloads(),
        **feeds.home_feeds(site.settings.site_name),
        browse=(Link("authors.md", "author"), Link("venues.md", "venue"), Link("years.md", "year")),
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

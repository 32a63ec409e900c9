"""The files a reader downloads: BibTeX, RIS and CSL-JSON of every paper, theme and chapter,
of the whole bibliography, and the data files `data/papers.json` and `data/trends.json`.

Collections are for `bibtex` (BibLaTeX-only types and fields mapped); a paper's own .bib
file keeps the entry as written, for BibLaTeX users (see corpus/bibtex.py). Paths come from
`site.paper_slug`; the files name papers by their citation key, verbatim.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..atomic import replacing, write_json
from ..corpus import bibtex
from ..models import Paper
from . import citation, escape, timeline
from .views import Link, Site


def download_files(site: Site, store: PaperFiles | None = None) -> dict[str, str | Path]:
    """Relative path -> content of every download and data file (a paper's own files are
    paths into `store`, the build cache, when there is one)."""
    store = store or PaperFiles(None)
    by_key = sorted(site.bib.papers, key=lambda p: p.key)
    files: dict[str, str | Path] = {"bib/all.bib": bibtex.format_bibliography(by_key, flavour="bibtex")}
    for paper in by_key:
        slug = site.paper_slug(paper.key)
        for extension, content in store.files(paper).items():
            files[f"bib/papers/{slug}.{extension}"] = content
    for theme in site.bib.themes:
        files[f"bib/themes/{theme.slug}.bib"] = bibtex.format_bibliography(_theme_papers(site, theme), flavour="bibtex")
    for chapter in site.bib.chapters:
        papers = [site.papers[k] for k in sorted(k for s in chapter.sections for k in site.themes[s].papers)]
        files[f"bib/chapters/{chapter.slug}.bib"] = bibtex.format_bibliography(papers, flavour="bibtex")
    files.update(_reference_files(site, by_key))
    files["data/papers.json"] = papers_json(site, by_key)
    files["data/trends.json"] = timeline.trends_json(site)
    return files


def _theme_papers(site: Site, theme) -> list[Paper]:
    return [site.papers[k] for k in sorted(theme.papers)]


def _reference_files(site: Site, by_key: list[Paper]) -> dict[str, str]:
    """RIS and CSL-JSON beside every BibTeX file of the whole bibliography and of a theme."""
    files = {"bib/all.ris": citation.ris_file(by_key), "bib/all.json": citation.csl_json(by_key)}
    for theme in site.bib.themes:
        papers = _theme_papers(site, theme)
        files[f"bib/themes/{theme.slug}.ris"] = citation.ris_file(papers)
        files[f"bib/themes/{theme.slug}.json"] = citation.csl_json(papers)
    return files


# A paper's own downloads: its entry as written, RIS and CSL-JSON.
PAPER_FORMATS = {
    "bib": bibtex.format_entry,
    "ris": lambda paper: citation.ris_file([paper]),
    "json": lambda paper: citation.csl_json([paper]),
}


class PaperFiles:
    """Each paper's own download files, kept in `folder` between builds by a digest of the
    paper record (where it stands in its file aside) and annobib's code: an unchanged
    paper's files are linked into the docs folder, not formatted and written again
    (30,000 files at 10,000 papers). A kept file whose modification time is not the one
    recorded (edited through a link in a published site) is made again, as a new file.
    `save` keeps only this build's files. Without a folder, the contents are made."""

    INDEX = "index.json"

    def __init__(self, folder: Path | None):
        self.folder, self.used = folder, {}
        self.recorded: dict = {}
        if folder is not None:
            from ..build_stamp import package_digest

            self.code = package_digest()
            try:
                recorded = json.loads((folder / self.INDEX).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                recorded = {}
            self.recorded = recorded if isinstance(recorded, dict) else {}

    def files(self, paper: Paper) -> dict[str, str | Path]:
        """extension -> the file in the store (or its content, without a store)."""
        if self.folder is None:
            return {extension: make(paper) for extension, make in PAPER_FORMATS.items()}
        from ..build_stamp import record_key

        key = record_key(paper, self.code)
        return {extension: self._kept(f"{key}.{extension}", make, paper) for extension, make in PAPER_FORMATS.items()}

    def _kept(self, name: str, make, paper: Paper) -> Path:
        path = self.folder / name
        try:
            fresh = path.stat().st_mtime_ns == self.recorded.get(name)
        except OSError:
            fresh = False
        if not fresh:
            with replacing(path) as tmp:       # a new file: a site linked to the old one keeps it
                with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(make(paper))
        self.used[name] = path.stat().st_mtime_ns
        return path

    def save(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used and path.name != self.INDEX:
                path.unlink(missing_ok=True)
        if self.used != self.recorded:
            write_json(self.folder / self.INDEX, self.used)


def paper_downloads(slug: str) -> tuple[Link, Link]:
    """The RIS and CSL-JSON links of a paper page (one folder below the root)."""
    return (Link(f"../bib/papers/{slug}.ris", "RIS (.ris)"), Link(f"../bib/papers/{slug}.json", "CSL-JSON (.json)"))


def theme_downloads(slug: str) -> tuple[Link, Link]:
    """The RIS and CSL-JSON links of a theme page (one folder below the root)."""
    return (Link(f"../bib/themes/{slug}.ris", "RIS (.ris)"), Link(f"../bib/themes/{slug}.json", "CSL-JSON (.json)"))


def home_downloads() -> tuple[Link, Link]:
    """The RIS and CSL-JSON links of the home page."""
    return (Link("bib/all.ris", "RIS"), Link("bib/all.json", "CSL-JSON"))


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

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
    kept = {paper.key: store.files(paper) for paper in by_key}
    files: dict[str, str | Path] = {}
    for paper in by_key:
        slug = site.paper_slug(paper.key)
        for extension in PAPER_FORMATS:
            files[f"bib/papers/{slug}.{extension}"] = kept[paper.key][extension]
    pieces = Collections(kept)
    files.update(pieces.files("bib/all", by_key))
    for theme in site.bib.themes:
        files.update(pieces.files(f"bib/themes/{theme.slug}", [site.papers[k] for k in sorted(theme.papers)]))
    for chapter in site.bib.chapters:
        papers = [site.papers[k] for k in sorted(k for s in chapter.sections for k in site.themes[s].papers)]
        files[f"bib/chapters/{chapter.slug}.bib"] = pieces.bibtex(papers)
    files["data/papers.json"] = papers_json(site, by_key)
    files["data/trends.json"] = timeline.trends_json(site)
    return files


# A paper's own downloads: its entry as written, RIS and CSL-JSON.
PAPER_FORMATS = {
    "bib": bibtex.format_entry,
    "ris": lambda paper: citation.ris_file([paper]),
    "json": lambda paper: citation.csl_json([paper]),
}
# Kept beside them: its entry as the collections hold it (for `bibtex`: BibLaTeX-only types
# and fields mapped), not published on its own.
COLLECTION_ENTRY = "entry.bib"
STORED_FORMATS = {**PAPER_FORMATS, COLLECTION_ENTRY: lambda paper: bibtex.format_entry(paper, flavour="bibtex")}


class Collections:
    """The BibTeX, RIS and CSL-JSON of a set of papers (everything, a theme, a chapter) put
    together from each paper's stored files, each read once a build: formatting every paper
    again for every set it is in took seconds at 10,000 papers (its title sentence-cased for
    RIS and CSL-JSON each time). The result is what formatting the set whole gives:
    `bibtex.format_bibliography(papers, flavour="bibtex")`, `citation.ris_file(papers)`,
    `citation.csl_json(papers)`."""

    def __init__(self, kept: dict[str, dict[str, str | Path]]):
        self.kept, self.texts = kept, {}

    def files(self, stem: str, papers: list[Paper]) -> dict[str, str]:
        """`stem`.bib, .ris and .json of `papers`."""
        return {f"{stem}.bib": self.bibtex(papers), f"{stem}.ris": self.ris(papers), f"{stem}.json": self.csl_json(papers)}

    def bibtex(self, papers: list[Paper]) -> str:
        return "\n".join(self._text(p.key, COLLECTION_ENTRY) for p in papers)

    def ris(self, papers: list[Paper]) -> str:
        return "\n".join(self._text(p.key, "ris") for p in papers)

    def csl_json(self, papers: list[Paper]) -> str:
        # A paper's file is the array of its one item, '[\n  {...}\n]\n': the item is indented
        # as it is in any array, so the items join as json.dumps writes a longer one.
        items = [self._text(p.key, "json")[2:-3] for p in papers]
        return "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"

    def _text(self, key: str, extension: str) -> str:
        text = self.texts.get((key, extension))
        if text is None:
            content = self.kept[key][extension]
            # Read as written: no newline translation.
            text = content.read_bytes().decode("utf-8") if isinstance(content, Path) else content
            self.texts[(key, extension)] = text
        return text


class PaperFiles:
    """Each paper's own download files and its collection entry (STORED_FORMATS), kept in
    `folder` between builds by a digest of the paper record (where it stands in its file
    aside) and annobib's code: an unchanged paper's files are linked into the docs folder and
    read into the collections (`Collections`), not formatted and written again (40,000
    files at 10,000 papers). A kept file whose modification time is not the one
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
        """extension -> the file in the store (or its content, without a store), for every
        STORED_FORMATS."""
        if self.folder is None:
            return {extension: make(paper) for extension, make in STORED_FORMATS.items()}
        from ..build_stamp import record_key

        key = record_key(paper, self.code)
        return {extension: self._kept(f"{key}.{extension}", make, paper) for extension, make in STORED_FORMATS.items()}

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

"""Search that stays small: a reader's first result must not need the whole index.

Material's built-in search downloads `search/search_index.json` whole on every page load
(1.44 MB gzip at 3,000 papers in issue 13) before a query can run. Two replacements,
both built after MkDocs from the finished site, both inside the Material header's box
(render/overrides/partials/search.html):

- `pagefind` (default, `render_search: pagefind`): Pagefind's sharded static index
  (the `pagefind` PyPI package with its bundled binary). The browser loads a small
  entry file and WebAssembly, then only the index chunks for the words typed and the
  fragments of the results shown. Indexed: paper pages (title, authors, venue, abstract
  unless `render_search_abstracts: false`, keyphrases, methods, datasets, and the other
  spelling of each acronym the paper uses, as hidden text: 'NeRF' finds a paper that only
  writes 'neural radiance fields'; BibTeX, references, the related-papers list and page
  chrome such as headings and labels left out, `PAGEFIND_EXCLUDE`) and theme pages
  (label, description, keyphrases).
- `lunr` (`render_search: lunr`): Material's own search with a trimmed index, one entry
  per paper with only what is searched (title, authors, keyphrases, method and dataset
  names; abstracts as above) and one per theme. Still downloaded whole, so it grows
  with the corpus; kept as the fallback where the Pagefind binary cannot run.

The choice and the figures behind it: bench/RESULTS.md, `## Search`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from ..atomic import link_or_copy
from ..errors import BuildError
from ..models import Bibliography

MODES = ("pagefind", "lunr")
PAGEFIND_GLOB = "{papers,themes}/**/*.html"
PAGEFIND_ROOT = "article"     # Material's page content; the nav and header stay out
# What is no content of a paper, so neither searched nor in an excerpt: section headings
# ("Abstract", "Cite"), the theme line, labels ("Introduces"), links and downloads, counts,
# the "In short:" label, notes about where an abstract came from. Related papers, formatted
# references and BibTeX carry `data-pagefind-ignore` in the templates.
PAGEFIND_EXCLUDE = ("pre, [data-pagefind-ignore], .annobib-entry, .headerlink, .md-source-file, h2, "
                    ".annobib-theme, .annobib-label, .annobib-links, .annobib-download, .annobib-count, "
                    ".annobib-summary strong, .annobib-abstract-source, .annobib-no-abstract, .annobib-reason")
ABSTRACT_SELECTOR = ".annobib-abstract"
DEFAULT_SEARCH_CONFIG = {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}


def search_mode(settings) -> str:
    mode = getattr(settings, "render_search", "pagefind") or "pagefind"
    if mode not in MODES:
        raise BuildError(f"render_search must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise BuildError("search needs Pagefind (render_search: pagefind): pip install 'annobib[site]' "
                         "(or pip install 'pagefind[bin]'); render_search: lunr needs no binary") from None
    return Path(get_executable())


def build_search_index(bib: Bibliography, site_dir: Path, settings, search_config: dict | None = None,
                       pages_key: str | None = None, cache_dir: Path | None = None) -> str:
    """Write the search index into the finished `site_dir`; returns the mode used.

    `pages_key`: a digest of every page's cache key (render/incremental.py); with
    `cache_dir`, a Pagefind bundle made from the same pages is reused, not rebuilt."""
    mode = search_mode(settings)
    abstracts = getattr(settings, "render_search_abstracts", True)
    if mode == "pagefind":
        key = None
        if pages_key and cache_dir is not None:
            material = f"{pages_key}|{abstracts}|{PAGEFIND_GLOB}|{PAGEFIND_ROOT}|{PAGEFIND_EXCLUDE}|{_pagefind_version()}"
            key = hashlib.sha256(material.encode("utf-8")).hexdigest()
        cached = cache_dir / f"pagefind-{key}" if key else None
        if cached is not None and (cached / "pagefind.js").is_file():
            _link_tree(cached, site_dir / "pagefind")
        else:
            _pagefind(site_dir, abstracts)
            if cached is not None:
                for old in cache_dir.glob("pagefind-*"):
                    shutil.rmtree(old, ignore_errors=True)
                _link_tree(site_dir / "pagefind", cached)
    else:
        _lunr(bib, site_dir, abstracts, search_config or DEFAULT_SEARCH_CONFIG)
    return mode


def _pagefind_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pagefind-bin")
    except metadata.PackageNotFoundError:
        return "?"


def _link_tree(source: Path, target: Path) -> None:
    """A copy of the folder `source` at `target`, files hard-linked where possible (written
    to a temporary name first, so an interrupted copy is never taken for a finished one)."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, copy_function=link_or_copy)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(partial, target)


def _pagefind(site_dir: Path, abstracts: bool) -> None:
    exclude = PAGEFIND_EXCLUDE + ("" if abstracts else f", {ABSTRACT_SELECTOR}")
    command = [str(pagefind_executable()), "--site", str(site_dir), "--output-subdir", "pagefind",
               "--glob", PAGEFIND_GLOB, "--root-selector", PAGEFIND_ROOT, "--exclude-selectors", exclude,
               "--force-language", "en", "--silent"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not (site_dir / "pagefind" / "pagefind.js").is_file():
        detail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise BuildError(f"pagefind could not index the site; the previous site is untouched:\n{detail}")


def _lunr(bib: Bibliography, site_dir: Path, abstracts: bool, config: dict) -> None:
    from html import escape as html_escape

    from . import escape

    def entry(location: str, title: str, parts) -> dict:   # Material shows both as HTML: escape
        return {"location": location, "title": html_escape(title),
                "text": html_escape(" · ".join(p for p in parts if p))}

    docs = []
    annotations = bib.annotations
    for paper in sorted(bib.papers, key=lambda p: p.key):
        note = annotations.get(paper.key)
        parts = [", ".join(paper.authors_text)]
        if note is not None:
            shown = bib.phrases.shown.get(paper.key, note.keyphrases) if bib.phrases else note.keyphrases
            parts += ["; ".join(shown), "; ".join(note.methods_introduced + note.methods_mentioned),
                      "; ".join(note.datasets)]
        if bib.phrases is not None:      # the other spelling of its acronyms ('NeRF' / 'neural radiance fields')
            parts.append("; ".join(bib.phrases.aliases.get(paper.key, ())))
        if abstracts and paper.abstract_text:
            parts.append(paper.abstract_text)
        slug = escape.path_segment(bib.slugs.get(paper.key, paper.key))
        docs.append(entry(f"papers/{slug}/", paper.title_text or paper.key, parts))
    for theme in bib.themes:
        docs.append(entry(f"themes/{theme.slug}/", theme.label, (theme.description, "; ".join(theme.keyphrases))))
    labels = {t.slug: t.label for t in bib.themes}
    for chapter in bib.chapters:     # a chapter: its label, description and its sections' labels
        docs.append(entry(f"chapters/{escape.path_segment(chapter.slug)}/", chapter.label,
                          (chapter.description, "; ".join(labels.get(s, "") for s in chapter.sections))))
    target = site_dir / "search" / "search_index.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"config": config, "docs": docs}, separators=(",", ":"), ensure_ascii=False),
                      encoding="utf-8")

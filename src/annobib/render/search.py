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

Pagefind has no update mode: every build that changes a page indexes the whole site again.
But its service (the `pagefind` package's `PagefindService`) takes folders one after
another and writes the bundle at the end, so a build that reuses pages from the page cache
(render/incremental.py) starts an `EarlyIndex` before MkDocs runs: the reused pages, whose
final HTML is already in the cache, are read while MkDocs renders the others, which are
added after it. The bundle holds the same pages with the same text as one made from the
finished site (tests/test_search_index.py); the pages' order in it, as in any Pagefind
bundle, follows the order the files were found in.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import threading
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
                       pages_key: str | None = None, cache_dir: Path | None = None,
                       early: "EarlyIndex | None" = None,
                       pages: tuple[set[str], dict[str, Path]] | None = None) -> str:
    """Write the search index into the finished `site_dir`; returns the mode used.

    `pages_key`: a digest of every page's cache key (render/incremental.py); with
    `cache_dir`, a Pagefind bundle made from the same pages is reused, not rebuilt.
    `early`: the index of the reused pages begun before MkDocs (`start_early_index`),
    finished here, `pages` being (the reused pages' paths in the site, rendered page's
    path -> its file); where it cannot be, the finished site is indexed whole."""
    mode = search_mode(settings)
    abstracts = _abstracts(settings)
    if mode == "pagefind":
        cached = _bundle_folder(pages_key, cache_dir, abstracts)
        if cached is not None and (cached / "pagefind.js").is_file():
            _link_tree(cached, site_dir / "pagefind")
        else:
            if early is None or not early.finish(*(pages or (set(), {}))):
                _pagefind(site_dir, abstracts)
            if cached is not None:
                for old in cache_dir.glob("pagefind-*"):
                    shutil.rmtree(old, ignore_errors=True)
                _link_tree(site_dir / "pagefind", cached)
    else:
        _lunr(bib, site_dir, abstracts, search_config or DEFAULT_SEARCH_CONFIG)
    return mode


def _abstracts(settings) -> bool:
    return getattr(settings, "render_search_abstracts", True)


def _bundle_folder(pages_key: str | None, cache_dir: Path | None, abstracts: bool) -> Path | None:
    """Where the page cache keeps the Pagefind bundle of exactly these pages (None: no cache)."""
    if not pages_key or cache_dir is None:
        return None
    material = f"{pages_key}|{abstracts}|{PAGEFIND_GLOB}|{PAGEFIND_ROOT}|{PAGEFIND_EXCLUDE}|{_pagefind_version()}"
    return cache_dir / f"pagefind-{hashlib.sha256(material.encode('utf-8')).hexdigest()}"


def start_early_index(reused: dict[str, Path], site_dir: Path, settings, folder: Path,
                      pages_key: str | None = None, cache_dir: Path | None = None) -> "EarlyIndex | None":
    """An `EarlyIndex` of the `reused` pages (path in the site -> file holding its final
    HTML), to be written into `site_dir`; None where it would not be used (lunr, no page
    reused, or a bundle of these very pages kept in the cache)."""
    abstracts = _abstracts(settings)
    if search_mode(settings) != "pagefind" or not reused:
        return None
    cached = _bundle_folder(pages_key, cache_dir, abstracts)
    if cached is not None and (cached / "pagefind.js").is_file():
        return None
    return EarlyIndex(reused, site_dir / "pagefind", _exclusions(abstracts), folder)


class EarlyIndex:
    """Pagefind's index begun before MkDocs runs (module docstring). In a thread of this
    process, the reused pages are linked into `folder`, laid out as the site, and indexed
    by Pagefind's service; `finish` adds the rendered pages the same way and writes the
    bundle; `close` ends it unwritten."""

    def __init__(self, reused: dict[str, Path], output: Path, exclusions: str, folder: Path):
        self.reused, self.output, self.folder = set(reused), output, folder
        self._rest: Path | None = None
        self._go = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(reused, exclusions), daemon=True)
        self._thread.start()

    def finish(self, reused: set[str], rendered: dict[str, Path]) -> bool:
        """Add the `rendered` pages (path in the site -> file) and write the bundle. False,
        with nothing written, when the index cannot be finished: the service failed, or the
        site's `reused` pages (paths) are not the ones indexed."""
        if not self._thread.is_alive() or reused != self.reused:
            self.close()
            return False
        _link_pages(rendered, self.folder / "rendered")
        self._rest = self.folder / "rendered"
        self._go.set()
        self._thread.join()
        if self._error is not None:
            shutil.rmtree(self.output, ignore_errors=True)   # a half-written bundle is made again, whole
            return False
        return True

    def close(self) -> None:
        """End the index unwritten (when `finish` did not run)."""
        self._go.set()
        self._thread.join()

    def _run(self, reused: dict[str, Path], exclusions: str) -> None:
        try:
            _link_pages(reused, self.folder / "reused")
            asyncio.run(self._index(exclusions))
        except BaseException as exc:   # noqa: BLE001 - `finish` then indexes the finished site whole
            self._error = exc

    async def _index(self, exclusions: str) -> None:
        from pagefind.service import PagefindService

        config = {"root_selector": PAGEFIND_ROOT, "exclude_selectors": [exclusions], "force_language": "en"}
        async with PagefindService() as service:
            # A request is never answered when the service's process dies or the task reading
            # its replies fails (the package's own attributes): each is waited on beside it.
            ended = asyncio.ensure_future(asyncio.wait({asyncio.ensure_future(service._backend.wait()),
                                                        service._poll_task}, return_when=asyncio.FIRST_COMPLETED))
            index = await _unless(ended, service.create_index(config))
            await _unless(ended, index.add_directory(str(self.folder / "reused"), glob=PAGEFIND_GLOB))
            await asyncio.get_running_loop().run_in_executor(None, self._go.wait)
            if self._rest is None:
                raise _Abandoned()
            await _unless(ended, index.add_directory(str(self._rest), glob=PAGEFIND_GLOB))
            await _unless(ended, index.write_files(output_path=str(self.output)))
            ended.cancel()


class _Abandoned(Exception):
    """The build ended the early index before its bundle was written."""


async def _unless(ended: asyncio.Future, request):
    """The value of `request`, unless the service `ended` first."""
    task = asyncio.ensure_future(request)
    await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()
        raise BuildError("the Pagefind service ended before it answered")
    return task.result()


def _link_pages(pages: dict[str, Path], folder: Path) -> None:
    """Each file at its path in the site, under `folder` (hard links where possible)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, source in pages.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(source, target)


def _exclusions(abstracts: bool) -> str:
    return PAGEFIND_EXCLUDE + ("" if abstracts else f", {ABSTRACT_SELECTOR}")


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
    exclude = _exclusions(abstracts)
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

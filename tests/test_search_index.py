"""Pagefind's index begun before MkDocs (render/search.py, `EarlyIndex`): the pages a build
reuses are read while MkDocs renders the others. Its bundle must hold what indexing the
finished site whole holds, and whatever goes wrong with it, the build indexes the finished
site instead, never hangs. Real Pagefind on small hand-written pages (fast)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annobib.config import Settings
from annobib.render import search
from helpers.search import bundle_pages

PAGES = {
    "papers/alpha/index.html": ("Alpha radiance", "Neural radiance fields for quokka habitats."),
    "papers/beta/index.html": ("Beta graphs", "Graph neural networks on wombat burrows."),
    "papers/gamma/index.html": ("Gamma waves", "Spectral methods for platypus sonar."),
    "papers/delta/index.html": ("Delta rivers", "Sediment transport in braided rivers."),
    "themes/animals/index.html": ("Animals", "Papers on quokkas, wombats and platypuses."),
    "about/index.html": ("About", "Not indexed: outside papers/ and themes/."),
}
REUSED = ("papers/alpha/index.html", "papers/beta/index.html", "themes/animals/index.html", "about/index.html")


def page_html(title: str, text: str) -> str:
    return (f"<!doctype html><html lang=en><head><title>{title}</title></head><body>"
            f"<nav>navigation words</nav><article><h1>{title}</h1><p>{text}</p></article></body></html>")


def cached_and_site(tmp_path: Path) -> tuple[dict[str, Path], Path]:
    """The reused pages' HTML in a cache folder (as the page cache keeps it: flat, by key),
    and the finished site holding every page."""
    cache, site = tmp_path / "cache", tmp_path / "site"
    cache.mkdir()
    reused = {}
    for n, (path, (title, text)) in enumerate(PAGES.items()):
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_html(title, text), encoding="utf-8")
        if path in REUSED:
            reused[path] = cache / f"{n:04d}.html"
            shutil.copyfile(target, reused[path])
    return reused, site


def whole_site_bundle(site: Path, tmp_path: Path) -> dict:
    copy = tmp_path / "whole"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
    search._pagefind(copy, abstracts=True)
    return bundle_pages(copy / "pagefind")


def rendered_pages(site: Path) -> dict[str, Path]:
    return {path: site / path for path in PAGES if path not in REUSED}


def test_the_early_index_holds_what_indexing_the_finished_site_holds(tmp_path):
    reused, site = cached_and_site(tmp_path)
    early = search.start_early_index(reused, site, Settings(), tmp_path / "staging")
    assert early is not None
    assert early.finish(set(REUSED), rendered_pages(site))
    made = bundle_pages(site / "pagefind")
    assert set(made) == {"/papers/alpha/", "/papers/beta/", "/papers/gamma/", "/papers/delta/", "/themes/animals/"}
    assert "quokka" in made["/papers/alpha/"][1] and "navigation" not in made["/papers/alpha/"][1]
    assert made == whole_site_bundle(site, tmp_path)
    assert (site / "pagefind" / "pagefind.js").is_file()


def test_when_the_reused_pages_are_not_the_ones_indexed_the_finished_site_is_indexed_whole(tmp_path):
    reused, site = cached_and_site(tmp_path)
    early = search.start_early_index(reused, site, Settings(), tmp_path / "staging")
    actually_reused = set(REUSED) - {"papers/beta/index.html"}      # MkDocs rendered it after all
    rendered = {**rendered_pages(site), "papers/beta/index.html": site / "papers/beta/index.html"}
    assert not early.finish(actually_reused, rendered)
    assert not (site / "pagefind").exists(), "nothing written"
    search.build_search_index(None, site, Settings(), early=early, pages=(actually_reused, rendered))
    assert bundle_pages(site / "pagefind") == whole_site_bundle(site, tmp_path)


def test_a_pagefind_service_that_dies_is_no_hang_and_the_site_is_indexed_whole(tmp_path, monkeypatch):
    import pagefind.service

    monkeypatch.setattr(pagefind.service, "_must_get_executable", lambda: Path(shutil.which("false")))
    reused, site = cached_and_site(tmp_path)
    early = search.start_early_index(reused, site, Settings(), tmp_path / "staging")
    assert not early.finish(set(REUSED), rendered_pages(site))
    monkeypatch.undo()
    search.build_search_index(None, site, Settings(), early=early, pages=(set(REUSED), rendered_pages(site)))
    assert len(bundle_pages(site / "pagefind")) == 5


@pytest.mark.parametrize("settings", [Settings(render_search="lunr"), Settings()], ids=["lunr", "nothing reused"])
def test_no_early_index_for_lunr_or_when_no_page_is_reused(tmp_path, settings):
    reused, site = cached_and_site(tmp_path)
    assert search.start_early_index(reused if settings.render_search == "lunr" else {}, site, settings,
                                    tmp_path / "staging") is None


def test_a_reused_page_is_expected_where_mkdocs_writes_it():
    from annobib.render.incremental import site_path

    assert site_path("papers/alpha.md") == "papers/alpha/index.html"
    assert site_path("papers/alpha.md", directory_urls=False) == "papers/alpha.html"
    assert site_path("themes/index.md") == "themes/index.html"
    assert site_path("index.md") == "index.html"

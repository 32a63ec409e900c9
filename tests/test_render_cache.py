"""A rebuild re-uses each unchanged paper's page Markdown and download files from the build
cache (render/templating.RenderMemo, render/downloads.PaperFiles), and never serves a stale
or hand-edited one."""
from __future__ import annotations

import os
from dataclasses import replace

import pytest

from annobib.config import Settings
from annobib.render import render_site
from annobib.render import downloads

from helpers.small_bib import bibliography


def _render(tmp_path, bib, name: str):
    docs = tmp_path / name
    docs.mkdir()
    render_site(bib, docs, Settings(), cache_dir=tmp_path / "cache")
    return docs


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_rebuild_from_the_cache_writes_the_same_docs_without_formatting_again(tmp_path, monkeypatch):
    bib = bibliography()
    fresh = _tree(_render(tmp_path, bib, "first"))
    made = []
    real = dict(downloads.PAPER_FORMATS)
    monkeypatch.setattr(downloads, "PAPER_FORMATS",
                        {ext: (lambda f, e: lambda p: made.append(e) or f(p))(f, ext) for ext, f in real.items()})
    again = _render(tmp_path, bib, "second")
    assert _tree(again) == fresh
    assert made == []                                  # no paper's downloads were made again
    bib_file = next(p for p in (again / "bib" / "papers").glob("*.bib"))
    assert bib_file.stat().st_nlink >= 2               # linked from the cache, not written


def test_an_edited_paper_gets_new_files_and_the_old_ones_are_forgotten(tmp_path):
    bib = bibliography()
    _render(tmp_path, bib, "first")
    stored = set(os.listdir(tmp_path / "cache" / "downloads"))
    first = bib.papers[0]
    fields = tuple((n, "A renamed paper" if n == "title" else v) for n, v in first.fields)
    renamed = replace(first, title="A renamed paper", title_text="A renamed paper", fields=fields)
    edited = replace(bib, papers=[renamed] + list(bib.papers[1:]))
    docs = _render(tmp_path, edited, "second")
    slug_files = [p for p in (docs / "bib" / "papers").glob("*.bib") if "A renamed paper" in p.read_text(encoding="utf-8")]
    assert len(slug_files) == 1
    now = set(os.listdir(tmp_path / "cache" / "downloads"))
    assert len(now - stored) == 3 and len(stored - now) == 3     # .bib, .ris, .json of that paper only


def test_a_kept_file_edited_through_a_published_link_is_made_again(tmp_path):
    bib = bibliography()
    first = _render(tmp_path, bib, "first")
    published = next((first / "bib" / "papers").glob("*.ris"))
    expected = published.read_bytes()
    with open(published, "ab") as handle:                # a deploy step edits the site in place
        handle.write(b"EDITED\n")
    again = _render(tmp_path, bib, "second")
    assert (again / "bib" / "papers" / published.name).read_bytes() == expected


def test_the_writer_refuses_paths_out_of_the_docs_folder(tmp_path):
    from annobib.errors import BuildError
    from annobib.render.writer import Writer

    writer = Writer(tmp_path / "docs")
    for outside in ("../escape.md", "papers/../../escape.md", "/etc/passwd"):
        with pytest.raises(BuildError):
            writer.place(outside, "x")
    writer.place("papers/../themes/a.md", "kept inside")
    assert (tmp_path / "docs" / "themes" / "a.md").read_text(encoding="utf-8") == "kept inside"
    assert not (tmp_path / "escape.md").exists()

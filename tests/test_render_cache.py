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
    real = dict(downloads.STORED_FORMATS)
    monkeypatch.setattr(downloads, "STORED_FORMATS",
                        {ext: (lambda f, e: lambda p: made.append(e) or f(p))(f, ext) for ext, f in real.items()})
    again = _render(tmp_path, bib, "second")
    assert _tree(again) == fresh
    assert made == []                  # no paper's downloads nor collection entry were made again
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
    theme = next(t for t in bib.themes if first.key in t.papers)          # its theme page is filled again
    assert "A renamed paper" in (docs / "themes" / f"{theme.slug}.md").read_text(encoding="utf-8")
    now = set(os.listdir(tmp_path / "cache" / "downloads"))
    # .bib, .ris, .json and the collection entry (.entry.bib) of that paper only
    assert len(now - stored) == 4 and len(stored - now) == 4


def test_collections_put_together_from_kept_files_are_the_sets_formatted_whole(tmp_path):
    """all.bib / .ris / .json and every theme's and chapter's files, made from each paper's kept
    files on a rebuild, are byte for byte what formatting the set in one go gives."""
    from annobib.corpus.bibtex import format_bibliography
    from annobib.render.citation import csl_json, ris_file

    bib = bibliography()
    _render(tmp_path, bib, "first")
    docs = _render(tmp_path, bib, "second")
    by_key = {p.key: p for p in bib.papers}
    sets = {"bib/all": sorted(bib.papers, key=lambda p: p.key)}
    sets.update({f"bib/themes/{t.slug}": [by_key[k] for k in sorted(t.papers)] for t in bib.themes})
    assert len(sets) > 2 and any(len(papers) > 1 for papers in sets.values())
    for stem, papers in sets.items():
        assert (docs / f"{stem}.bib").read_bytes().decode() == format_bibliography(papers, flavour="bibtex")
        assert (docs / f"{stem}.ris").read_bytes().decode() == ris_file(papers)
        assert (docs / f"{stem}.json").read_bytes().decode() == csl_json(papers)
    assert csl_json([]) == downloads.Collections({}).csl_json([])


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


def test_split_index_pages_are_read_back_unchanged_and_filled_again_when_a_paper_changes(tmp_path, monkeypatch):
    """An index's letter pages come from the cache while what they list is unchanged, and
    show a renamed paper's new title on the next build, as a build without the cache does."""
    from annobib.render import views

    monkeypatch.setattr(views, "INDEX_SPLIT_FROM", 1)
    bib = bibliography()
    first = _tree(_render(tmp_path, bib, "first"))
    assert any(path.startswith("years/") for path in first)
    assert _tree(_render(tmp_path, bib, "again")) == first
    paper = bib.papers[0]
    fields = tuple((n, "A renamed paper" if n == "title" else v) for n, v in paper.fields)
    renamed = replace(paper, title="A renamed paper", title_text="A renamed paper", fields=fields)
    edited = replace(bib, papers=[renamed] + list(bib.papers[1:]))
    cached = _tree(_render(tmp_path, edited, "second"))
    uncached = tmp_path / "uncached"
    uncached.mkdir()
    render_site(edited, uncached, Settings())
    assert cached == _tree(uncached)
    assert any(b"A renamed paper" in content for path, content in cached.items() if path.startswith("years/"))

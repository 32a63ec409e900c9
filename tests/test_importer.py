"""The importer on the shipped listing: 232 papers, page chrome stripped, nothing invented."""
from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest

from annobib.cli import main
from annobib.corpus import load_corpus
from conftest import load_script

IMPORTER = load_script("import_listing")
import_listing, parse_listing = IMPORTER.import_listing, IMPORTER.parse_listing
from annobib.corpus.latex import to_text

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
LISTING = SOURCES / "listing-implicit-neural-networks.txt"
METADATA = SOURCES / "metadata.jsonl"


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, object]:
    target = tmp_path_factory.mktemp("corpus") / "papers.bib"
    report = import_listing(LISTING, METADATA, target)
    return target, report


def test_listing_has_232_papers_with_chrome_stripped():
    papers = parse_listing(LISTING)
    assert len(papers) == 232
    assert papers[0].title == "Efficient Geometry-aware 3D Generative Adversarial Networks"
    assert papers[1].title.startswith("StyleSDF: ")
    assert not any("Subscribe" in p.title or "trending papers" in p.title for p in papers)
    assert all(len(p.abstract) > 100 for p in papers)


def test_import_writes_232_parseable_entries_with_abstracts(imported):
    target, report = imported
    assert len(report.added) == 232
    library = bibtexparser.parse_string(target.read_text(encoding="utf-8"))
    assert not library.failed_blocks
    assert len(library.entries) == 232
    assert all(e.fields_dict.get("abstract") for e in library.entries)
    assert len({e.key for e in library.entries}) == 232


def test_metadata_is_used_only_when_trusted_and_never_invented(imported):
    target, report = imported
    papers = {p.key: p for p in load_corpus(target.parent).raise_on_errors()}
    rows = [json.loads(line) for line in METADATA.read_text().splitlines()]
    untrusted = [r for r in rows if r["confidence"] not in ("high", "medium")]
    assert len(report.without_metadata) == len(untrusted) == 2
    for key in report.without_metadata:
        assert papers[key].authors == () and papers[key].year is None
    chan = papers["chan2021efficient"]
    # cited by the venue's year (CVPR 2022), the key keeps the preprint's (2021)
    assert chan.authors[0] == "Eric R. Chan" and chan.year == 2022 and chan.arxiv == "2112.07945"
    assert chan.venue == "CVPR 2022" and chan.entry_type == "inproceedings"
    with_year = sum(p.year is not None for p in papers.values())
    assert with_year == 230


def test_latex_titles_survive_import(imported):
    target, _ = imported
    titles = [to_text(p.title) for p in load_corpus(target.parent).papers]
    assert "Single-Layer Learnable Activation for Implicit Neural Representation (SL²A-INR)" in titles
    assert any(t.startswith("HyperZ·Z·W Operator") for t in titles)


def test_reimport_adds_nothing_and_keeps_keys(imported, tmp_path):
    target, _ = imported
    copy = tmp_path / "papers.bib"
    copy.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
    report = import_listing(LISTING, METADATA, copy)
    assert report.added == [] and len(report.skipped) == 232
    assert copy.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


def test_shipped_corpus_is_the_import_of_the_shipped_listing(imported, repo_root):
    target, _ = imported
    assert (repo_root / "corpus" / "papers.bib").read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


def test_import_script_reports_and_odd_listing_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "papers.bib"
    assert IMPORTER.main([str(LISTING), "--metadata", str(METADATA), "--out", str(out)]) == 0
    assert "added 232 paper(s)" in capsys.readouterr().out
    broken = tmp_path / "broken.txt"
    broken.write_text("SubscribeA title\nits abstract\nan orphan title\n", encoding="utf-8")
    assert IMPORTER.main([str(broken), "--out", str(tmp_path / "x.bib")]) == 1
    error = capsys.readouterr().err
    assert "broken.txt" in error and "odd number" in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "x.bib").exists()


def test_the_importer_is_no_command_of_the_tool():
    assert "import" not in main.commands

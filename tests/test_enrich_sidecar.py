"""`annobib enrich --offline` on a project whose .bib names real PDFs, and the sidecar it writes.

The sidecar (corpus/enrichment.json) is committed: a clone without the PDFs builds the same
abstracts; the .bib files are never changed; no local path or user name is stored; a bad
sidecar is a located warning, never a crash.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from annobib.cli import main
from annobib.config import load_settings
from annobib.corpus import load_corpus
from annobib.enrich import SIDECAR_NAME, enrich_project, read_sidecar
from annobib.errors import AnnobibError

PDFS = Path(__file__).resolve().parent / "fixtures" / "pdfs"

BIB = r"""@article{datta2010,
  title = {Complications related to deep venous thrombosis prophylaxis in trauma},
  author = {Datta, Indraneel and Ball, Chad G.},
  year = {2010},
  file = {:papers/bmc-trauma-2010.pdf:PDF}
}

@inproceedings{cohan2020specter,
  title = {{SPECTER}: Document-level Representation Learning using Citation-informed Transformers},
  author = {Cohan, Arman and Feldman, Sergey},
  year = {2020},
  file = {Snapshot:papers/specter.html:text/html;Full Text PDF:papers/acl 2020 specter.pdf:application/pdf}
}

@article{tully2010,
  title = {Patient Experiences of Structured Heart Failure Programmes},
  author = {Tully, Nuala E.},
  year = {2010},
  file = {papers/hindawi-rrp-2010.pdf}
}

@article{curated2014,
  title = {Understanding the barriers to setting up a healthcare quality improvement process},
  author = {Agyeman-Duah, Josephine},
  year = {2014},
  abstract = {The curator's own abstract, written by hand.},
  file = {:papers/bmc-hsr-2014.pdf:PDF}
}

@article{gone2021,
  title = {A paper whose PDF is on another machine},
  author = {Someone, Else},
  year = {2021},
  file = {/home/someone/Zotero/storage/ABCD1234/gone.pdf}
}

@article{gone2022,
  title = {Another paper whose PDF is on another machine},
  author = {Someone, Else},
  year = {2022},
  file = {:Users/someone/Library/Application Support/Mendeley Desktop/Downloaded/gone2.pdf:pdf}
}

@article{nofile2023,
  title = {A paper without any file},
  author = {Nobody, Anne},
  year = {2023}
}
"""


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    """A project with the PDFs beside its .bib, after `annobib enrich --offline`."""
    root = tmp_path_factory.mktemp("enrich") / "project"
    papers = root / "corpus" / "papers"
    papers.mkdir(parents=True)
    shutil.copy(PDFS / "bmc-trauma-2010.pdf", papers / "bmc-trauma-2010.pdf")
    shutil.copy(PDFS / "acl-2020-specter.pdf", papers / "acl 2020 specter.pdf")
    shutil.copy(PDFS / "hindawi-rrp-2010.pdf", papers / "hindawi-rrp-2010.pdf")
    shutil.copy(PDFS / "bmc-hsr-2014.pdf", papers / "bmc-hsr-2014.pdf")
    (papers / "specter.html").write_text("<html>snapshot</html>", encoding="utf-8")
    bib = root / "corpus" / "refs.bib"
    bib.write_bytes(BIB.encode("utf-8"))
    # A sidecar with what the open-metadata lookups write: it must survive the rewrite.
    (root / "corpus" / SIDECAR_NAME).write_text(json.dumps({
        "version": 1, "lookups": {"note": "kept"},
        "entries": {"cohan2020specter": {"ids": {"doi": "10.18653/v1/2020.acl-main.207"},
                                         "references": ["datta2010"]}}}), encoding="utf-8")
    result = CliRunner().invoke(main, ["enrich", "--root", str(root), "--offline"])
    return root, bib, result


def test_enrich_fills_the_sidecar_from_the_pdfs(enriched):
    root, _, result = enriched
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("annobib enrich: 3 abstract(s) added (2 from PDFs, 1 from PDF body text")
    data = json.loads((root / "corpus" / SIDECAR_NAME).read_text(encoding="utf-8"))
    entries = data["entries"]
    assert sorted(k for k, v in entries.items() if "abstract" in v) == ["cohan2020specter", "datta2010", "tully2010"]
    assert entries["datta2010"]["abstract"]["text"].startswith("Deep venous thrombosis prophylaxis is essential")
    assert entries["datta2010"]["abstract"]["source"] == "pdf"
    assert entries["tully2010"]["abstract"]["source"] == "pdf-body"
    specter = entries["cohan2020specter"]["abstract"]
    assert specter["file"] == "acl 2020 specter.pdf"
    assert specter["sha256"] == hashlib.sha256((PDFS / "acl-2020-specter.pdf").read_bytes()).hexdigest()
    assert len(specter["date"]) == 10 and specter["date"][4] == "-"
    # what other tools wrote is kept
    assert entries["cohan2020specter"]["ids"] == {"doi": "10.18653/v1/2020.acl-main.207"}
    assert entries["cohan2020specter"]["references"] == ["datta2010"]
    assert data["lookups"] == {"note": "kept"}
    # the curator's abstract wins: no record for it
    assert "curated2014" not in entries


def test_sidecar_is_deterministic_json_without_local_paths(enriched):
    root, _, _ = enriched
    text = (root / "corpus" / SIDECAR_NAME).read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    assert str(root) not in text and "/home/" not in text and "Users/" not in text and "papers/" not in text
    for entry in data["entries"].values():
        if "abstract" in entry:
            assert "/" not in entry["abstract"]["file"] and "\\" not in entry["abstract"]["file"]


def test_bib_files_are_never_changed(enriched):
    _, bib, _ = enriched
    assert bib.read_bytes() == BIB.encode("utf-8")


def test_missing_pdfs_are_one_warning_with_a_count(enriched):
    root, bib, result = enriched
    warnings = [line for line in result.output.splitlines() if "not on this machine" in line]
    assert len(warnings) == 1
    assert "2 PDF(s)" in warnings[0] and "gone2021" in warnings[0] and "warning" in warnings[0]
    assert str(bib) in warnings[0]
    assert "2 PDF(s) not found" in result.output.splitlines()[-1]


def test_running_again_changes_nothing(enriched):
    root, bib, _ = enriched
    sidecar = root / "corpus" / SIDECAR_NAME
    before = sidecar.read_bytes()
    report = enrich_project(root, load_settings(root), offline=True)
    assert not report.written and report.filled == 0 and report.kept == 3
    assert sidecar.read_bytes() == before and bib.read_bytes() == BIB.encode("utf-8")


def test_a_clone_without_the_pdfs_builds_the_same_abstracts(enriched, tmp_path):
    root, _, _ = enriched
    clone = tmp_path / "clone"
    (clone / "corpus").mkdir(parents=True)
    for name in ("refs.bib", SIDECAR_NAME):
        shutil.copy(root / "corpus" / name, clone / "corpus" / name)
    loaded = load_corpus(clone / "corpus")
    papers = {p.key: p for p in loaded.papers}
    assert papers["datta2010"].abstract_source == "pdf"
    assert papers["datta2010"].abstract_text.startswith("Deep venous thrombosis prophylaxis")
    assert papers["tully2010"].abstract_source == "pdf-body"
    assert papers["cohan2020specter"].has_abstract
    assert papers["curated2014"].abstract_text == "The curator's own abstract, written by hand."
    assert papers["curated2014"].abstract_source == ""
    assert not papers["gone2021"].has_abstract and papers["gone2021"].abstract_source == ""
    assert loaded.without_abstract == 3
    # the "no abstract" warning goes for the entries that got one
    no_abstract = {p.entry for p in loaded.problems if p.message.startswith("no abstract")}
    assert no_abstract == {"gone2021", "gone2022", "nofile2023"}


def test_check_names_enrich_for_the_missing_abstracts(enriched):
    from annobib.check import check_project

    root, _, _ = enriched
    report = check_project(root, load_settings(root))
    summary = report.summary()
    assert "3 without abstract" in summary and "annobib enrich" in summary


def test_the_paper_page_says_where_its_abstract_came_from(enriched, tmp_path):
    from annobib.models import Bibliography
    from annobib.organize.people import with_people_venues_years
    from annobib.render import render_site

    from dataclasses import replace

    root, _, _ = enriched
    papers = tuple(p if p.key != "gone2021" else replace(
        p, abstract="From a service.", abstract_text="From a service.", abstract_source="Crossref <b>x</b>")
        for p in load_corpus(root / "corpus").papers)
    bib = with_people_venues_years(Bibliography(papers=papers, annotations={}, themes=(), theme_of={}, related={}))
    docs = tmp_path / "docs"
    docs.mkdir()
    render_site(bib, docs, load_settings(root))
    page = (docs / "papers" / "datta2010.md").read_text(encoding="utf-8")
    assert "Abstract from the PDF (first page)" in page
    assert "Abstract from the PDF's first paragraphs (no abstract heading found)" in (
        docs / "papers" / "tully2010.md").read_text(encoding="utf-8")
    assert "Abstract from" not in (docs / "papers" / "curated2014.md").read_text(encoding="utf-8")
    service = (docs / "papers" / "gone2021.md").read_text(encoding="utf-8")
    assert "Abstract from Crossref &#60;b&#62;x" in service and "<b>x" not in service    # escaped


# --- a bad sidecar ----------------------------------------------------------------------------

def _corpus_with(tmp_path: Path, sidecar_text: str) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "refs.bib").write_text(BIB, encoding="utf-8")
    (corpus / SIDECAR_NAME).write_text(sidecar_text, encoding="utf-8")
    return corpus


def test_a_corrupt_record_is_a_located_warning(tmp_path):
    good = {"text": "A good abstract: 50% better {sic} at $5.", "source": "pdf", "file": "a.pdf",
            "sha256": "0" * 64, "date": "2026-01-02"}
    text = json.dumps({"version": 1, "entries": {
        "datta2010": {"abstract": "just a string"},
        "gone2021": {"abstract": {**good, "file": "/home/someone/papers/a.pdf"}},
        "nofile2023": {"abstract": {**good, "text": 12}},
        "tully2010": {"abstract": good}}}, indent=1, sort_keys=True)
    corpus = _corpus_with(tmp_path, text)
    loaded = load_corpus(corpus)          # never raises
    sidecar = str(corpus / SIDECAR_NAME)
    found = {p.entry: p for p in loaded.problems if p.file == sidecar}
    assert set(found) == {"datta2010", "gone2021", "nofile2023"}
    lines = text.splitlines()
    for key, problem in found.items():
        assert problem.severity == "warning"
        assert lines[problem.line - 1].lstrip().startswith(f'"{key}"')
    assert "not a path" in found["gone2021"].message
    papers = {p.key: p for p in loaded.papers}
    # plain text, not LaTeX: '%', braces and '$' stay as they are
    assert papers["tully2010"].abstract_text == "A good abstract: 50% better {sic} at $5."
    assert papers["tully2010"].abstract_source == "pdf"
    assert not papers["datta2010"].has_abstract


def test_a_sidecar_that_is_not_json_is_a_warning_and_enrich_will_not_overwrite_it(tmp_path):
    corpus = _corpus_with(tmp_path, '{"version": 1,\n "entries": {\n  "datta2010": {,}\n}}\n')
    loaded = load_corpus(corpus)
    problem = next(p for p in loaded.problems if p.file == str(corpus / SIDECAR_NAME))
    assert problem.severity == "warning" and problem.line == 3 and "not valid JSON" in problem.message
    assert len(loaded.papers) == 7
    with pytest.raises(AnnobibError, match="not overwritten"):
        enrich_project(tmp_path, load_settings(tmp_path), offline=True)
    assert (corpus / SIDECAR_NAME).read_text(encoding="utf-8").startswith('{"version": 1,')
    assert read_sidecar(corpus / SIDECAR_NAME).abstracts == {}

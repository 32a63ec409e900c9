"""Fields that never leave the user's machine (corpus/privacy.py), on real exports.

Zotero / Better BibTeX, Zotero's own exporter, Mendeley and JabRef libraries carry local
file paths, reading notes and bookkeeping. None of it may reach a published file; the
user's .bib files stay as they are; `check` says once what was left out. The whole-site
assertion (every file of a built site, Pagefind's index included) is in
tests/test_realbib.py::test_real_file_builds_a_site, which builds each real export.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, leaked, private_fragments

from annobib.corpus.bibtex import format_bibliography
from annobib.cli import main
from annobib.config import load_settings
from annobib.corpus import load_corpus
from annobib.corpus.privacy import PrivacyRule

EXPORTS = ["zotero-bbt-continualai.bib", "zotero-native-ferigo.bib", "mendeley-jollyhrothgar.bib",
           "jabref-authors.bib", "zotero-biblatex-bjare.bib"]


def project(tmp_path: Path, files=EXPORTS, config: str = "") -> Path:
    (tmp_path / "corpus").mkdir(parents=True)
    for name in files:
        shutil.copy(FIXTURES / "realbib" / name, tmp_path / "corpus" / name)
    (tmp_path / "annobib.yml").write_text(config, encoding="utf-8")
    return tmp_path


def test_the_default_list_covers_what_exporters_add_for_local_use():
    rule = PrivacyRule()
    for name in ("file", "annote", "annotation", "comment", "owner", "timestamp", "mendeley-tags",
                 "mendeley-groups", "groups", "comment-jdoe", "bdsk-file-1", "date-added", "readstatus"):
        assert rule.is_private(name), name
    for name in ("title", "abstract", "author", "doi", "url", "note", "keywords", "urldate"):
        assert not rule.is_private(name), name


def test_real_exports_carry_private_fields_and_no_paper_keeps_one(tmp_path):
    root = project(tmp_path)
    fragments = private_fragments(root / "corpus")
    assert {"file", "annotation", "timestamp"} <= set(fragments)     # the exports do carry them
    loaded = load_corpus(root / "corpus")
    rule = PrivacyRule()
    assert all(not rule.is_private(name) for p in loaded.papers for name, _ in p.fields)
    assert sum(bool(p.private_fields) for p in loaded.papers) > 400
    bib = format_bibliography(loaded.papers, flavour="bibtex").lower()
    assert leaked(fragments, " ".join(bib.split())) == {}


def test_the_scan_finds_a_field_published_on_purpose(tmp_path):
    """public_fields shortens the list: then the same scan finds the paths, so it can fail."""
    root = project(tmp_path, config="public_fields: [file]\n")
    settings = load_settings(root)
    loaded = load_corpus(root / "corpus", privacy=PrivacyRule.from_settings(settings))
    bib = " ".join(format_bibliography(loaded.papers, flavour="bibtex").lower().split())
    hits = leaked(private_fragments(root / "corpus"), bib)
    assert set(hits) == {"file"} and len(hits["file"]) > 100


def test_private_fields_setting_extends_the_list(tmp_path):
    root = project(tmp_path, ["zotero-native-ferigo.bib"], config="private_fields: [urldate, 'isb*']\n")
    loaded = load_corpus(root / "corpus", privacy=PrivacyRule.from_settings(load_settings(root)))
    names = {name for p in loaded.papers for name, _ in p.fields}
    assert "urldate" not in names and not any(n.startswith("isb") for n in names)
    assert any("urldate" in p.private_fields for p in loaded.papers)


def test_field_notes_are_published_only_on_purpose(tmp_path):
    root = project(tmp_path, ["zotero-bbt-continualai.bib"])
    plain = load_corpus(root / "corpus", privacy=PrivacyRule.from_settings(load_settings(root)))
    assert not any(p.note for p in plain.papers)
    (root / "annobib.yml").write_text("publish_field_notes: true\n", encoding="utf-8")
    published = load_corpus(root / "corpus", privacy=PrivacyRule.from_settings(load_settings(root)))
    noted = [p for p in published.papers if p.note]
    assert len(noted) > 30 and all(p.note_source == "field" for p in noted)
    assert all("annotation" not in p.private_fields for p in noted)


def test_check_reports_once_and_never_changes_the_corpus(tmp_path):
    root = project(tmp_path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "corpus").glob("*.bib")}
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    lines = result.output.splitlines()
    private = [line for line in lines if line.startswith("private fields:")]
    notes = [line for line in lines if line.startswith("notes:")]
    assert len(private) == 1 and "left out of the site" in private[0] and "file " in private[0]
    assert len(notes) == 1 and "stay" in notes[0] and "publish_field_notes" in notes[0]
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "corpus").glob("*.bib")}
    assert after == before
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["file", "annote"])
def test_a_private_value_never_reaches_csl_or_ris(tmp_path, value):
    from annobib.render.citation import csl_item

    bib = tmp_path / "corpus"
    bib.mkdir()
    (bib / "a.bib").write_text(
        "@article{k1, title={A title}, author={Doe, Jane}, year={2020},\n"
        f"  {value} = {{C\\:\\\\Users\\\\jane\\\\Zotero\\\\storage\\\\SECRET42\\\\secret reading note.pdf}}}}\n",
        encoding="utf-8")
    paper = load_corpus(bib).papers[0]
    assert value in paper.private_fields
    assert "secret" not in repr(csl_item(paper)).lower()

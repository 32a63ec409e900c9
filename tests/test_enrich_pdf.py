"""Abstracts from real PDFs (tests/fixtures/pdfs/) and the `file` fields of real exports.

Each PDF's printed abstract was copied by hand into abstracts.yml; the extractor must reach
a token F1 of at least 0.9 on each and say whether it found an abstract heading ("pdf") or
fell back to the body ("pdf-body"). Sources and licences: tests/fixtures/pdfs/SOURCES.md.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from annobib.corpus.load import read_file
from annobib.enrich.files import parse_file_field, pdf_paths
from annobib.enrich.pdf import PdfUnreadable, extract_abstract, join_lines

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PDFS = FIXTURES / "pdfs"
REALBIB = FIXTURES / "realbib"
EXPECTED = yaml.safe_load((PDFS / "abstracts.yml").read_text(encoding="utf-8"))


def token_f1(found: str, expected: str) -> float:
    """F1 over lower-cased word tokens, counted with repeats."""
    a, b = Counter(re.findall(r"\w+", found.lower())), Counter(re.findall(r"\w+", expected.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


# --- PDFs ----------------------------------------------------------------------------------

def test_the_fixture_set_is_varied_and_small():
    assert len(EXPECTED) >= 10
    layouts = " ".join(r["layout"] for r in EXPECTED.values()).lower()
    for kind in ("two columns", "cover page", "hyphenated", "no abstract heading"):
        assert kind in layouts, kind
    assert any(r["language"] not in ("en", "la") for r in EXPECTED.values())       # a non-English paper
    for name in EXPECTED:
        assert (PDFS / name).stat().st_size < 1.5 * 1024 * 1024, name
    listed = (PDFS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in listed for name in EXPECTED)
    assert sorted(p.name for p in PDFS.glob("*.pdf")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_abstract_from_pdf_matches_the_printed_one(name):
    expected = EXPECTED[name]
    found = extract_abstract(PDFS / name)
    assert found is not None
    score = token_f1(found.text, expected["abstract"])
    assert score >= 0.9, f"{name}: token F1 {score:.3f}\n{found.text}"
    assert found.source == expected["source"]


def test_cover_page_is_skipped():
    found = extract_abstract(PDFS / "jabref-ieee-cover.pdf")
    assert found.page == 2 and found.text.startswith("Lorem ipsum")


def test_a_file_that_is_no_pdf_is_unreadable(tmp_path):
    fake = tmp_path / "paper.pdf"
    fake.write_text("<html>a login page saved as .pdf</html>", encoding="utf-8")
    with pytest.raises(PdfUnreadable):
        extract_abstract(fake)


@pytest.mark.parametrize("lines, joined", [
    (["parameter esti-", "mation is hard"], "parameter estimation is hard"),
    (["a state-of-the-", "art result"], "a state-of-the-art result"),
    (["a model-", "based method; model-based again"], "a model-based method; model-based again"),
    (["a strong Lucene-", "BM25 system"], "a strong Lucene-BM25 system"),
    (["ends with a dash -", "and goes on"], "ends with a dash - and goes on"),
    (["no hyphen", "here"], "no hyphen here"),
])
def test_join_lines_mends_words_broken_at_line_ends(lines, joined):
    text = " ".join(lines)
    vocabulary = {w.lower() for w in re.findall(r"[^\W_]+(?:-[^\W_]+)*", text)}
    assert join_lines(lines, vocabulary) == joined


# --- file fields --------------------------------------------------------------------------

def _file_values(name: str) -> list[str]:
    return [e.values["file"] for e in read_file(REALBIB / f"{name}.bib").entries if "file" in e.values]


def test_zotero_native_description_path_type_and_snapshot_first():
    values = _file_values("zotero-native-ferigo")
    assert len(values) > 100
    first = values[0]     # ScienceDirect Snapshot (.html) first, then the PDF
    assert first.startswith("ScienceDirect Snapshot:")
    assert pdf_paths(first, Path("/bib")) == [
        Path("/home/dferigo/Zotero/storage/DE8PXLYA/Silver et al_2021_Reward is enough.pdf")]
    items = parse_file_field(first)
    assert [i.kind for i in items] == ["text/html", "application/pdf"]
    # every value names a PDF, or only snapshots / web pages
    for value in values:
        paths = pdf_paths(value, Path("/bib"))
        assert all(str(p).endswith(".pdf") and str(p).startswith("/home/dferigo/") for p in paths)
        assert paths or all(i.kind == "text/html" for i in parse_file_field(value))


def test_mendeley_path_without_leading_slash_and_latex_underscores():
    values = _file_values("mendeley-jollyhrothgar")
    first = values[0]
    assert first == ":home/mjbeaumier/Dropbox/physics/thesis{\\_}reference{\\_}talks/FROAAB01{\\_}TALK.PDF:PDF"
    assert pdf_paths(first, Path("/bib")) == [
        Path("/bib/home/mjbeaumier/Dropbox/physics/thesis_reference_talks/FROAAB01_TALK.PDF"),
        Path("/home/mjbeaumier/Dropbox/physics/thesis_reference_talks/FROAAB01_TALK.PDF")]
    images = [v for v in values if v.endswith((":jpg", ":png"))]
    assert images and all(pdf_paths(v, Path("/bib")) == [] for v in images)
    # LaTeX escapes are read back: no backslash is left in any path (`{\$}{\{}pm{\}}` -> "${pm}")
    assert all("\\" not in str(p) for v in values for p in pdf_paths(v, Path("/bib")))


def test_jabref_relative_to_the_bib_folder(tmp_path):
    values = _file_values("jabref-authors")
    assert ":geiger2016evolution.pdf:PDF" in values
    assert pdf_paths(":geiger2016evolution.pdf:PDF", tmp_path) == [tmp_path / "geiger2016evolution.pdf"]
    assert all(pdf_paths(v, tmp_path)[0].parent == tmp_path for v in values)


def test_better_biblatex_bare_paths_separated_by_semicolons():
    values = _file_values("zotero-biblatex-bjare")
    first = values[0]
    assert ";" in first
    assert pdf_paths(first, Path("/bib")) == [Path(
        "/home/erb/Zotero/storage/FEUEWUVV/Baltes and Ralph - 2021 - Sampling in Software Engineering Research A Criti.pdf")]
    html_only = [v for v in values if not v.lower().count(".pdf")]
    assert html_only and all(pdf_paths(v, Path("/bib")) == [] for v in html_only)


@pytest.mark.parametrize("value, path", [
    # Better BibTeX escapes ':' ';' and '\' in paths (a Windows library)
    (r"C\:\\Users\\name\\Zotero\\storage\\5RENH7XE\\x.pdf", r"C:\Users\name\Zotero\storage\5RENH7XE\x.pdf"),
    (r"Full Text PDF:C\:\\Users\\name\\Zotero\\storage\\AB12CD34\\a\;b.pdf:application/pdf",
     r"C:\Users\name\Zotero\storage\AB12CD34\a;b.pdf"),
    # JabRef on Windows, escaped; Zotero's own exporter, unescaped drive letter
    (r":C\:\\Users\\x\\papers\\a.pdf:PDF", r"C:\Users\x\papers\a.pdf"),
    (r"Full Text:C:\Users\me\Zotero\storage\AB\x y.pdf:application/pdf", r"C:\Users\me\Zotero\storage\AB\x y.pdf"),
    # old Mendeley on Windows and macOS
    (r":C$\backslash$:/Users/me/Documents/a.pdf:pdf", "C:/Users/me/Documents/a.pdf"),
    (":file\\:///home/me/a%20b.pdf:PDF", "/home/me/a b.pdf"),
])
def test_escaped_and_windows_paths(value, path):
    assert [str(p) for p in pdf_paths(value, Path("/bib"))][0] == str(Path(path))


def test_relative_windows_path_resolves_against_the_bib_folder(tmp_path):
    assert pdf_paths(r"papers\a.pdf", tmp_path) == [tmp_path / "papers" / "a.pdf"]
    assert pdf_paths(r"papers\\a.pdf", tmp_path) == [tmp_path / "papers" / "a.pdf"]

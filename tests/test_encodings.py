"""Bibliographies in other encodings (issue 26): real public files, read as their tools wrote them.

Each file under tests/fixtures/encodings/ (sources in SOURCES.md) has its UTF-8 conversion
(iconv) under utf8/: what a user notices, the keys, titles and author names, must be the
same from both, with one warning that names the encoding used. A UTF-8 file with stray
bytes loses no entry: each damaged entry is named with its line.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annobib.corpus.bibtex import format_bibliography
from annobib.check import check_project
from annobib.config import Settings
from annobib.corpus import load_corpus
from annobib.corpus.encoding import decode_bib

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "encodings"
HOSTILE_LATIN1 = Path(__file__).resolve().parent / "hostile" / "error" / "not_utf8.bib"
STRAY = "utf8-stray-bytes-ferigo.bib"

# file -> (what its one warning says, its line, entries in the file, text only the right decoding gives)
FILES = {
    "latin1-jabref22-header.bib": (
        "read as ISO-8859-1 (declared by JabRef's '% Encoding:' header)", 2, 6, "Fenn, Jürgen"),
    "latin9-kbibtex-declared.bib": (
        "read as ISO-8859-15 (declared by KBibTeX's 'x-kbibtex-encoding' comment)", 1, 100, "Marco Bräuer"),
    "cp1250-jabref210-header.bib": (
        "read as Windows-1250 (declared by JabRef's '% Encoding:' header)", 2, 20, "„Wybrane Kraje” obowiązuje"),
    "cp1252-jabref-test-header.bib": (
        "read as Windows-1252 (declared by JabRef's '% Encoding:' header)", 1, 1, "25° C"),
    "latin1-ligges-handkept.bib": ("not UTF-8: read as ISO-8859-1 (detected)", 1, 50, "Büning, H."),
    "latin1-carton-handkept.bib": ("not UTF-8: read as ISO-8859-1 (detected)", 1, 31, "Calculabilité et Décidabilité"),
    "cp1252-iconv-coq.bib": ("not UTF-8: read as Windows-1252 (detected)", 1, 57, "RTT—as well"),
    "utf16-iconv-ligges.bib": ("read as UTF-16 (byte-order mark)", 1, 50, "Die Sängerstimme"),
}


def corpus_of(folder: Path, *files: Path) -> Path:
    folder.mkdir(parents=True)
    for source in files:
        shutil.copy(source, folder / source.name)
    return folder


def seen(result) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a reader of the site sees of each paper: key, title, authors."""
    return [(p.key, p.title_text, p.authors_text) for p in result.papers]


def everything(result) -> str:
    return "\n".join(f"{p.title_text} {' '.join(p.authors_text)} {p.abstract_text} {p.venue_text} "
                     f"{' '.join(v for _, v in p.fields)}" for p in result.papers)


@pytest.mark.parametrize("name", FILES)
def test_same_papers_as_from_the_utf8_version(name, tmp_path):
    message, _, entries, only_if_right = FILES[name]
    legacy = load_corpus(corpus_of(tmp_path / "legacy", FIXTURES / name))
    utf8 = load_corpus(corpus_of(tmp_path / "utf8", FIXTURES / "utf8" / name))
    assert seen(legacy) == seen(utf8)
    assert legacy.entries_read == utf8.entries_read == entries == len(legacy.papers) + len(legacy.skipped)
    assert [p.entry for p in legacy.skipped] == [p.entry for p in utf8.skipped]
    # JabRef's test entry has no title (so is skipped, as from UTF-8): its abstract is checked as read
    text = everything(legacy) if legacy.papers else decode_bib((FIXTURES / name).read_bytes()).text
    assert only_if_right in text and "\ufffd" not in text
    assert [p.message for p in legacy.errors] == [p.message for p in utf8.errors]


@pytest.mark.parametrize("name", FILES)
def test_one_warning_names_the_encoding(name, tmp_path):
    message, line, _, _ = FILES[name]
    legacy = load_corpus(corpus_of(tmp_path / "legacy", FIXTURES / name))
    said = [p for p in legacy.warnings if "UTF-8" in p.message and "no abstract" not in p.message]
    assert [(Path(p.file).name, p.line, p.entry) for p in said] == [(name, line, "")]
    assert said[0].message == f"{message}; save the file as UTF-8 to silence this"


def test_real_files_cover_each_way_of_saying_an_encoding():
    """JabRef 2.2's header without '%', JabRef 2.10's with it, KBibTeX's comment, a BOM, no mark."""
    heads = {name: (FIXTURES / name).read_bytes()[:120] for name in FILES}
    assert heads["latin1-jabref22-header.bib"].startswith(b"This file was created with JabRef 2.2.\nEncoding: ISO8859_1")
    assert b"% Encoding: Cp1250" in heads["cp1250-jabref210-header.bib"]
    assert b"% Encoding: windows-1252" in heads["cp1252-jabref-test-header.bib"]
    assert heads["latin9-kbibtex-declared.bib"].startswith(b"@Comment{x-kbibtex-encoding=iso-8859-15}")
    assert heads["utf16-iconv-ligges.bib"][:2] in (b"\xff\xfe", b"\xfe\xff")
    for name in FILES:
        data = (FIXTURES / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    cp1252 = (FIXTURES / "cp1252-iconv-coq.bib").read_bytes()
    assert any(0x80 <= b <= 0x9F for b in cp1252)     # curly quotes and dashes: Windows-1252, not Latin-1


def test_stray_bytes_cost_no_entry_and_each_damaged_entry_is_named(tmp_path):
    damaged = load_corpus(corpus_of(tmp_path / "damaged", FIXTURES / STRAY))
    original = load_corpus(corpus_of(tmp_path / "original", FIXTURES / "utf8" / STRAY))
    lines = (FIXTURES / STRAY).read_bytes().split(b"\n")
    at = {key: next(n for n, line in enumerate(lines, 1) if line.startswith(b"@") and key.encode() in line)
          for key in ("andrychowicz_what_2020", "korber_comparing_2021")}
    assert at == {"andrychowicz_what_2020": 129, "korber_comparing_2021": 144}

    assert [p.key for p in damaged.papers] == [p.key for p in original.papers]
    assert damaged.entries_read == 40 == len(damaged.papers) + len(damaged.skipped) and not damaged.skipped
    warnings = [(Path(p.file).name, p.line, p.entry, p.message) for p in damaged.warnings if "U+FFFD" in p.message]
    assert warnings == [
        (STRAY, 129, "andrychowicz_what_2020",
         "byte 0xe9 at line 136 is not UTF-8; shown as U+FFFD; fix the character in the file"),
        (STRAY, 144, "korber_comparing_2021",
         "bytes 0xf6, 0xfc at line 151 are not UTF-8; each shown as U+FFFD; fix the characters in the file")]
    assert [p for p in damaged.warnings if "UTF-8" in p.message and "U+FFFD" not in p.message] == []

    by_key = {p.key: p for p in damaged.papers}
    assert "Hussenot, L\ufffdonard" in by_key["andrychowicz_what_2020"].authors_text
    assert by_key["korber_comparing_2021"].authors_text[0] == "K\ufffdrber, Marian"
    assert "Gl\ufffdck, Roland" in by_key["korber_comparing_2021"].authors_text
    whole = [p for p in original.papers if p.key not in at]
    assert [(p.key, p.title_text, p.authors_text, p.abstract_text) for p in whole] == [
        (p.key, p.title_text, p.authors_text, p.abstract_text) for p in damaged.papers if p.key not in at]


def test_check_says_what_build_reads(tmp_path):
    """`annobib check` and `build` share load_corpus: the same papers and the same warnings."""
    files = [FIXTURES / "latin1-ligges-handkept.bib", FIXTURES / STRAY, FIXTURES / "cp1250-jabref210-header.bib"]
    root = tmp_path / "project"
    corpus_of(root / "corpus", *files)
    report = check_project(root, Settings())
    loaded = load_corpus(root / "corpus")
    assert report.papers == len(loaded.papers) == 50 + 40 + 20 and report.errors == []
    about_encoding = sorted((Path(p.file).name, p.line, p.message) for p in report.warnings
                            if "UTF-8" in p.message and "no abstract" not in p.message)
    assert about_encoding == sorted((Path(p.file).name, p.line, p.message) for p in loaded.warnings
                                    if "UTF-8" in p.message and "no abstract" not in p.message)
    assert [name for name, _, _ in about_encoding] == sorted(
        ["cp1250-jabref210-header.bib", "latin1-ligges-handkept.bib", STRAY, STRAY])


@pytest.mark.parametrize("name", ["latin1-carton-handkept.bib", "cp1250-jabref210-header.bib", "cp1252-iconv-coq.bib"])
def test_bibtex_written_is_utf8_and_equals_the_utf8_originals(name, tmp_path):
    legacy = load_corpus(corpus_of(tmp_path / "legacy", FIXTURES / name))
    utf8 = load_corpus(corpus_of(tmp_path / "utf8", FIXTURES / "utf8" / name))
    for flavour in ("original", "bibtex"):
        written = tmp_path / f"{flavour}.bib"
        written.write_text(format_bibliography(legacy.papers, flavour=flavour), encoding="utf-8")
        text = written.read_bytes().decode("utf-8")          # strict: valid UTF-8
        assert text == format_bibliography(utf8.papers, flavour=flavour)
        assert not text.isascii() and "\ufffd" not in text


def test_latin1_hostile_case_reads_the_name(tmp_path):
    result = load_corpus(corpus_of(tmp_path / "c", HOSTILE_LATIN1))
    assert [p.authors_text for p in result.papers] == [("José García",)] and result.errors == []


# --- the decoder's rules, on small inputs ----------------------------------------------------

def test_declared_iso_8859_1_with_bytes_0x80_0x9f_is_windows_1252():
    data = "% Encoding: ISO8859_1\n\n@misc{a, title={“Quoted” – dash}}\n".encode("cp1252")
    decoded = decode_bib(data)
    assert (decoded.encoding, decoded.how) == ("cp1252", "declared") and "“Quoted” – dash" in decoded.text
    assert "declares ISO-8859-1" in decoded.why


def test_valid_utf8_wins_over_a_stale_header():
    decoded = decode_bib("% Encoding: Cp1252\n\n@misc{a, title={Müller}}\n".encode("utf-8"))
    assert decoded.encoding == "utf-8" and "Müller" in decoded.text and "but the file is UTF-8" in decoded.why
    assert decode_bib(b"% Encoding: Cp1252\n\n@misc{a, title={M}}\n").why == ""   # ASCII: nothing to say


def test_an_abstract_saying_encoding_is_no_header():
    data = "@misc{a, title={T},\nabstract={x\nEncoding: KOI8-R\n}}\n@misc{b, title={Caf\xe9}}\n".encode("latin-1")
    assert decode_bib(data).encoding == "iso8859-1"


def test_utf8_bom_is_utf8_without_a_warning():
    decoded = decode_bib(b"\xef\xbb\xbf@misc{a, title={Caf\xc3\xa9}}\n")
    assert (decoded.how, decoded.why, decoded.text) == ("utf-8", "", "@misc{a, title={Café}}\n")

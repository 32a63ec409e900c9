"""The curator's note: notes/<key>.md read with the corpus, rendered inert (render/notes.py).

The whole-site checks (every hostile note inert in the built pages and in Chromium, the
note in search, papers.json, CSL-JSON, RIS and theme lists) are in test_hostile_site.py
and test_browser.py, on the cases of tests/hostile/cases.yml.
"""
from __future__ import annotations

from pathlib import Path

from annobib.corpus import load_corpus
from annobib.corpus.notes import note_file_name
from annobib.render.notes import allowed_link, note_excerpt, note_html

ENTRY = "@article{{{key}, title={{A title}}, author={{Doe, Jane}}, year={{2020}}{extra}}}\n"


def corpus_with(tmp_path: Path, key: str, extra: str = "") -> Path:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.bib").write_text(ENTRY.format(key=key, extra=extra), encoding="utf-8")
    return tmp_path / "corpus"


def test_note_file_names_of_keys_with_slashes_and_colons():
    assert note_file_name("DBLP:conf/nips/VaswaniSPUJGKP17") == "DBLP_conf_nips_VaswaniSPUJGKP17.md"
    assert note_file_name("smith2020") == "smith2020.md"


def test_a_note_file_is_attached_to_its_entry(tmp_path):
    corpus = corpus_with(tmp_path, "DBLP:conf/x/Y20")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "DBLP_conf_x_Y20.md").write_text("Worth reading for *its* proofs.\n", encoding="utf-8")
    (tmp_path / "notes" / "nobody.md").write_text("orphan", encoding="utf-8")
    loaded = load_corpus(corpus, notes_dir=tmp_path / "notes")
    paper = loaded.papers[0]
    assert paper.note == "Worth reading for *its* proofs." and paper.note_source == "file"
    assert any("nobody.md belongs to no entry" in p.message for p in loaded.warnings)


def test_the_file_wins_over_a_published_note_field(tmp_path):
    from annobib.corpus.privacy import PrivacyRule

    corpus = corpus_with(tmp_path, "k1", ", annote={field note}")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "k1.md").write_text("file note", encoding="utf-8")
    paper = load_corpus(corpus, privacy=PrivacyRule(publish_notes=True), notes_dir=tmp_path / "notes").papers[0]
    assert paper.note == "file note"
    paper = load_corpus(corpus, privacy=PrivacyRule(publish_notes=True)).papers[0]
    assert paper.note == "field note" and paper.note_source == "field"
    assert load_corpus(corpus).papers[0].note == ""


def test_only_http_mailto_and_relative_links_survive():
    for url in ("https://example.org/a", "http://x.org", "mailto:a@b.org", "../themes/", "papers/x/"):
        assert allowed_link(url), url
    for url in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd",
                "//evil.example/x", "java\tscript:alert(1)"):
        assert not allowed_link(url), url


def test_rendered_note_is_one_inert_line():
    html = note_html("A <b>raw</b> [x](javascript:alert(1)) [ok](https://example.org)\n\n    code\n\n* item")
    assert "\n" not in html
    assert "<b>" not in html and 'href="javascript' not in html
    assert '<a href="https://example.org" rel="nofollow noopener">ok</a>' in html
    assert note_html("   \n\t") == ""


def test_excerpt_is_plain_and_short():
    text = note_excerpt("**Bold** start. " + "word " * 100)
    assert text.startswith("Bold start.") and len(text) <= 161 and text.endswith("…")

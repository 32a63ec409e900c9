"""The BibTeX annobib writes, read by real BibTeX programs.

- the real `bibtex` (Debian texlive-binaries) with \\bibstyle{plain} on an .aux citing
  every entry: zero error messages (warnings are allowed, and printed);
- pybtex reads the same entries, in the same order, with the same titles and authors, as
  bibtexparser (which the build's conservation check uses).

On: the shipped corpus as `format_bibliography` writes it (no model needed), the hostile
'literal' corpus, a small set of nasty entries through `format_entry`, and (slow) the
all.bib of a real build.
"""
from __future__ import annotations

import re

import bibtexparser
import pybtex.database
import pytest

from helpers.bibtex import assert_bibtex_accepts, run_bibtex
from helpers.hostile import REPO, hostile_literal_corpus, session_site

from annobib.corpus.bibtex import escape_text, format_bibliography, format_entry
from annobib.corpus import load_corpus, split_authors
from annobib.models import Paper


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def assert_pybtex_agrees(bib_text: str, papers: list[Paper] | None = None) -> None:
    """pybtex and bibtexparser read the same entries, titles and (when given) author counts."""
    library = bibtexparser.parse_string(bib_text)
    assert not library.failed_blocks, [getattr(b, "error", b) for b in library.failed_blocks][:5]
    data = pybtex.database.parse_string(bib_text, "bibtex")
    ours = [(e.key, _squash(e["title"])) for e in library.entries]
    theirs = [(key, _squash(entry.fields["title"])) for key, entry in data.entries.items()]
    assert theirs == ours
    if papers is not None:
        counts = {key: len(entry.persons.get("author", [])) for key, entry in data.entries.items()}
        wrong = {p.key: (len(p.authors), counts[p.key]) for p in papers if len(p.authors) != counts[p.key]}
        assert not wrong, f"author counts (annobib, pybtex) differ: {wrong}"


# ---------------------------------------------------------------- the shipped corpus (fast)

@pytest.fixture(scope="module")
def shipped_papers() -> list[Paper]:
    loaded = load_corpus(REPO / "corpus")
    assert not loaded.errors, loaded.errors[:5]
    assert len(loaded.papers) >= 200
    return loaded.papers


def test_shipped_corpus_through_real_bibtex(shipped_papers, tmp_path):
    text = format_bibliography(shipped_papers)
    assert_bibtex_accepts("shipped corpus, format_bibliography", text, [p.key for p in shipped_papers], tmp_path)


def test_shipped_corpus_without_abstracts_through_real_bibtex(shipped_papers, tmp_path):
    text = format_bibliography(shipped_papers, include_abstract=False)
    assert_bibtex_accepts("shipped corpus, no abstracts", text, [p.key for p in shipped_papers], tmp_path)


def test_shipped_corpus_pybtex_agrees_with_bibtexparser(shipped_papers):
    assert_pybtex_agrees(format_bibliography(shipped_papers), shipped_papers)


# ---------------------------------------------------------------- the hostile corpus (fast)

@pytest.fixture(scope="module")
def hostile_papers(tmp_path_factory) -> list[Paper]:
    loaded = load_corpus(hostile_literal_corpus(tmp_path_factory.mktemp("hostile-bib")))
    assert not loaded.errors, loaded.errors
    return loaded.papers


def test_hostile_corpus_through_real_bibtex(hostile_papers, tmp_path):
    text = format_bibliography(hostile_papers)
    assert_bibtex_accepts("hostile corpus", text, [p.key for p in hostile_papers], tmp_path)


def test_hostile_corpus_pybtex_agrees_with_bibtexparser(hostile_papers):
    assert_pybtex_agrees(format_bibliography(hostile_papers), hostile_papers)


def test_hostile_corpus_round_trips_through_the_writer(hostile_papers, tmp_path):
    """Writing then reading again gives the same papers (the writer loses nothing)."""
    (tmp_path / "again.bib").write_text(format_bibliography(hostile_papers), encoding="utf-8")
    again = load_corpus(tmp_path)
    assert not again.errors, again.errors
    before = {p.key: (p.entry_type, p.year, len(p.authors)) for p in hostile_papers}
    after = {p.key: (p.entry_type, p.year, len(p.authors)) for p in again.papers}
    assert after == before


# ---------------------------------------------------------------- nasty entries (fast)

def _paper(key: str, title: str, abstract: str = "An abstract.", **fields: str) -> Paper:
    all_fields = {"author": "Ada Lovelace", "title": title, "journal": "Journal of Nasty Inputs",
                  "year": "2020", **fields, "abstract": abstract}
    return Paper(key=key, entry_type="article", title=title, abstract=abstract,
                 authors=split_authors(all_fields["author"]), year=2020, fields=tuple(all_fields.items()))


NASTY = [
    _paper("nasty-amp", "Research & Development & More", "Fish & chips & peas."),
    _paper("nasty-percent", "Pruning 90% of Weights", "A 50% cut; the rest % stays."),
    _paper("nasty-hash", "C# and F# Bindings", "Issue #42 and ## double."),
    _paper("nasty-underscore", "snake_case and __init__ Names", "x_1 outside math and $x_1$ inside."),
    _paper("nasty-stacked", r"Stacked {\"{\i}} and \'{\^{e}} and {\c{\c{c}}} Accents",
           r"M{\"u}ller, {\o}rsted, \v{S}koda, \H{o}, \r{a}, {\L}{\"o}w."),
    _paper("nasty-breve", r"The \u{g} Breve and \u00e9 Escapes", r"Literal \u00e9 and \u{a} and \\u sequences."),
    _paper("nasty-parens", "Parentheses (Unbalanced ( and ) Closed) [Brackets] <Angles>",
           "Text (with (nested) parentheses and an unbalanced ( one."),
    _paper("nasty-quotes", 'Quotes "Double" and `Single\' and \'Apostrophes\'', 'He said "hi" @home, see a@b.c.'),
    _paper("nasty-math", r"Math $a_b^{c}$ with $\mathcal{O}(n^2)$ and 100\% Escaped",
           r"Inline $x \& y$ stays, $50\%$ too, and $\#$."),
    _paper("nasty-unicode", "Ünïcödé — “Quotes” ≤ ≥ ∞ 名前", "Emoji 🚀 and Ελληνικά.",
           author="Łukasz Kaiser and Zoë Ñúñez and {Barnes and Noble}"),
    _paper("nasty-url", "A URL With Specials", "See the URL.",
           url="https://example.org/a_b?x=1&y=2%20z#frag", doi="10.1000/a_b#c%d"),
    _paper("nasty-braces", r"Escaped \{Braces\} and {Grouped {Deep {Braces}}}", r"Set \{1, 2\}."),
]


@pytest.mark.parametrize("paper", [pytest.param(p, id=p.key) for p in NASTY])
def test_nasty_entry_through_real_bibtex(paper, tmp_path):
    text = format_entry(paper)
    assert_bibtex_accepts(paper.key, text, [paper.key], tmp_path)


def test_nasty_entries_together(tmp_path):
    text = format_bibliography(NASTY)
    assert_bibtex_accepts("nasty entries", text, [p.key for p in NASTY], tmp_path)
    assert_pybtex_agrees(text, NASTY)


@pytest.mark.parametrize("raw, written", [
    ("R&D", r"R\&D"), ("50%", r"50\%"), ("C#", r"C\#"), ("a_b", r"a\_b"),
    (r"R\&D", r"R\&D"), (r"$x_1 & y$", r"$x_1 & y$"), (r"50\% and 5%", r"50\% and 5\%"),
])
def test_writer_escapes_bare_specials_outside_math(raw, written):
    assert escape_text(raw) == written


def test_verbatim_fields_stay_verbatim():
    entry = format_entry(NASTY[-2])
    assert "url = {https://example.org/a_b?x=1&y=2%20z#frag}" in entry
    assert "doi = {10.1000/a_b#c%d}" in entry


# ---------------------------------------------------------------- a real build (slow)

@pytest.mark.slow
def test_built_all_bib_through_real_bibtex(shipped_site, tmp_path, shipped_papers):
    site = shipped_site[0] / "site"
    text = (site / "bib" / "all.bib").read_text(encoding="utf-8")
    assert_bibtex_accepts("built site/bib/all.bib", text, [p.key for p in shipped_papers], tmp_path)
    assert_pybtex_agrees(text)


@pytest.mark.slow
def test_built_hostile_all_bib_through_real_bibtex(tmp_path_factory, tmp_path, hostile_papers):
    site = session_site(tmp_path_factory, "hostile", "hostile").site
    text = (site / "bib" / "all.bib").read_text(encoding="utf-8")
    assert_bibtex_accepts("built hostile all.bib", text, [p.key for p in hostile_papers], tmp_path)
    assert_pybtex_agrees(text)
    for bib in sorted((site / "bib" / "papers").glob("*.bib")):
        library = bibtexparser.parse_string(bib.read_text(encoding="utf-8"))
        assert [e.key for e in library.entries] == [bib.stem], bib


def test_the_blg_reader_counts_real_errors(tmp_path):
    """The zero above means something: a broken file does give bibtex errors."""
    run = run_bibtex("@article{a,\n  title = {Unclosed,\n  year = 2020\n}\n\n@article{a,\n  title = {Twice}\n}\n", tmp_path)
    assert run.errors >= 1, run.blg
    assert run.error_lines, run.blg

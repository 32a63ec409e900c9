"""BibTeX output round-trips through bibtexparser and escapes what LaTeX treats as special."""
from __future__ import annotations

import bibtexparser

from annobib.corpus.bibtex import escape_text, format_bibliography, format_entry, plain_to_bibtex, protect_title_case
from annobib.corpus import load_corpus
from annobib.corpus.latex import to_text
from annobib.models import Paper


def test_shipped_corpus_round_trips_field_for_field(repo_root):
    papers = load_corpus(repo_root / "corpus").raise_on_errors()
    library = bibtexparser.parse_string(format_bibliography(papers))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [p.key for p in papers]
    for paper, entry in zip(papers, library.entries):
        assert dict(paper.fields) == {f.key: f.value for f in entry.fields}, paper.key


def test_bare_specials_are_escaped_outside_math_only():
    assert escape_text("R&D at 50% of #1 x_i") == r"R\&D at 50\% of \#1 x\_i"
    assert escape_text(r"already \& fine") == r"already \& fine"
    assert escape_text("$x_i$ and y_j") == r"$x_i$ and y\_j"


def test_plain_text_becomes_safe_bibtex_and_reads_back_the_same():
    text = "Braces {like this} & 100% of $\\alpha_1$ cases #2"
    value = plain_to_bibtex(text)
    assert value == r"Braces \{like this\} \& 100\% of $\alpha_1$ cases \#2"
    assert to_text(value) == "Braces {like this} & 100% of α₁ cases #2"


def test_title_words_whose_case_matters_are_protected():
    assert protect_title_case("StyleSDF for 3D with NeRF and nets") == "{StyleSDF} for {3D} with {NeRF} and nets"
    assert protect_title_case("SL$^{2}$A-INR") == "{SL}$^{2}${A-INR}"


def test_urls_are_written_verbatim_and_fields_in_stable_order():
    paper = Paper(key="x2020y", entry_type="misc", title="T", abstract="A", fields=(
        ("abstract", "A"), ("url", "https://e.org/a_b%20c"), ("custom", "c"), ("title", "T"), ("author", "X Y")))
    assert format_entry(paper) == (
        "@misc{x2020y,\n  author = {X Y},\n  title = {T},\n  url = {https://e.org/a_b%20c},\n"
        "  custom = {c},\n  abstract = {A}\n}\n")
    assert "abstract" not in format_entry(paper, include_abstract=False)


def test_collections_map_biblatex_to_bibtex_and_paper_files_keep_it():
    from annobib.corpus.bibtex import format_entry
    from annobib.models import Paper

    paper = Paper(key="AltonjiElderTaber:2005", entry_type="online", title="Selection", abstract="",
                  fields=(("title", "Selection"), ("date", "2005-03"), ("journaltitle", "J. Pol. Econ."),
                          ("location", "Chicago")))
    classic = format_entry(paper, flavour="bibtex")
    assert classic.startswith("@misc{AltonjiElderTaber:2005,")
    assert "year = {2005}" in classic and "month = {3}" in classic and "journal = {J. Pol. Econ.}" in classic
    assert "address = {Chicago}" in classic and "date" not in classic and "journaltitle" not in classic
    original = format_entry(paper)
    assert original.startswith("@online{AltonjiElderTaber:2005,") and "date = {2005-03}" in original
    thesis = Paper(key="t", entry_type="thesis", title="T", abstract="",
                   fields=(("title", "T"), ("type", "Master's thesis"), ("institution", "MIT")))
    assert format_entry(thesis, flavour="bibtex").startswith("@mastersthesis{t,")
    assert "school = {MIT}" in format_entry(thesis, flavour="bibtex")

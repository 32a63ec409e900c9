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
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pybtex.database
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile.support import REPO, hostile_literal_corpus, session_site  # noqa: E402

from annobib.bibtex import escape_text, format_bibliography, format_entry  # noqa: E402
from annobib.corpus import load_corpus, split_authors  # noqa: E402
from annobib.models import Paper  # noqa: E402

BIBTEX = shutil.which("bibtex")


class BibtexRun:
    def __init__(self, blg: str, bbl: str, returncode: int):
        self.blg, self.bbl, self.returncode = blg, bbl, returncode
        self.errors = _count(blg, "error message")
        self.warnings = [line for line in blg.splitlines() if line.startswith("Warning--")]
        self.error_lines = _error_lines(blg)
        self.bibitems = re.findall(r"\\bibitem(?:\[[^\]]*\])?\{([^}]*)\}", bbl)


def _count(blg: str, what: str) -> int:
    match = re.search(rf"\(There (?:was|were) (\d+|one) {what}s?\)", blg)
    if not match:
        return 0
    return 1 if match.group(1) == "one" else int(match.group(1))


def _error_lines(blg: str) -> list[str]:
    lines = blg.splitlines()
    out = []
    for i, line in enumerate(lines):
        if "---" in line and ("line" in line or "this can't" in line.lower()) or line.startswith("I was expecting") \
                or "I'm skipping" in line or line.startswith("Repeated entry") or "Illegal" in line:
            out.append(" | ".join(lines[max(0, i - 1): i + 2]))
    return out


def run_bibtex(bib_text: str, workdir: Path, style: str = "plain", keys: list[str] | None = None) -> BibtexRun:
    """bibtex on refs.bib with an .aux citing `keys` (default: \\citation{*})."""
    assert BIBTEX, "the `bibtex` program is missing: run 'make system-deps' (texlive-binaries)"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_text(bib_text, encoding="utf-8")
    citations = "\n".join(f"\\citation{{{k}}}" for k in keys) if keys else "\\citation{*}"
    (workdir / "refs.aux").write_text(f"\\relax\n{citations}\n\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n",
                                      encoding="utf-8")
    done = subprocess.run([BIBTEX, "refs"], cwd=workdir, capture_output=True, text=True, timeout=120,
                          encoding="utf-8", errors="replace")
    blg = (workdir / "refs.blg").read_text(encoding="utf-8", errors="replace")
    bbl_path = workdir / "refs.bbl"
    bbl = bbl_path.read_text(encoding="utf-8", errors="replace") if bbl_path.exists() else ""
    return BibtexRun(blg, bbl, done.returncode)


def report(label: str, run: BibtexRun) -> None:
    print(f"\n[{label}] bibtex: {run.errors} error(s), {len(run.warnings)} warning(s), "
          f"{len(run.bibitems)} \\bibitem(s), exit {run.returncode}")
    for warning in run.warnings:
        print(f"  {warning}")


def assert_bibtex_accepts(label: str, bib_text: str, keys: list[str], workdir: Path) -> BibtexRun:
    run = run_bibtex(bib_text, workdir)
    report(label, run)
    assert run.errors == 0 and run.returncode < 2, (
        f"{label}: bibtex reported {run.errors} error(s) (exit {run.returncode}):\n"
        + "\n".join(run.error_lines[:20]) + "\n--- blg tail ---\n" + run.blg[-2000:])
    assert sorted(run.bibitems) == sorted(keys), (
        f"{label}: bibtex printed {len(run.bibitems)} item(s) for {len(keys)} entries; "
        f"missing {sorted(set(keys) - set(run.bibitems))[:10]}")
    return run


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

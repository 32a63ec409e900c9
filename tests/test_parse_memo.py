"""Only changed .bib files are parsed again: the parse memo (corpus/parse_memo.py)."""
from pathlib import Path

from annobib.corpus import load

A = """@string{venue = "Journal of Tests"}
@article{first2020,
  title = {A first paper},
  author = {Lovelace, Ada},
  journal = venue,
  year = {2020},
  abstract = {We study the first thing.}
}
"""
B = """@article{second2021,
  title = {A second paper},
  author = {Babbage, Charles},
  journal = venue # " Letters",
  year = {2021},
  abstract = {We study the second thing.}
}
"""


def _project(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.bib").write_text(A, encoding="utf-8")
    (corpus / "b.bib").write_text(B, encoding="utf-8")
    return corpus


class _Names(list):
    reads: list[str]


def _counting(monkeypatch) -> _Names:
    parsed, real = _Names(), load.read_file
    reads, real_bytes = [], Path.read_bytes
    monkeypatch.setattr(load, "read_file", lambda path, strings=None, data=None:
                        parsed.append(path.name) or real(path, strings, data))
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real_bytes(self))
    parsed.reads = reads
    return parsed


def test_an_unchanged_file_is_not_parsed_again_and_gives_the_same_papers(tmp_path, monkeypatch):
    corpus, cache = _project(tmp_path), tmp_path / "parsed"
    plain = load.load_corpus(corpus)
    first = load.load_corpus(corpus, parse_cache=cache)
    parsed = _counting(monkeypatch)
    again = load.load_corpus(corpus, parse_cache=cache)
    assert parsed == []
    assert again.papers == first.papers == plain.papers
    assert again.problems == plain.problems and again.entries_read == plain.entries_read == 2
    assert [p.venue for p in again.papers] == ["Journal of Tests", "Journal of Tests Letters"]


def test_an_edited_file_is_parsed_again_and_a_changed_macro_reaches_the_files_after_it(tmp_path, monkeypatch):
    corpus, cache = _project(tmp_path), tmp_path / "parsed"
    load.load_corpus(corpus, parse_cache=cache)
    parsed = _counting(monkeypatch)
    (corpus / "b.bib").write_text(B.replace("A second paper", "A second, revised paper"), encoding="utf-8")
    edited = load.load_corpus(corpus, parse_cache=cache)
    assert parsed == ["b.bib"]
    assert [n for n in parsed.reads if n.endswith(".bib")] == ["a.bib", "b.bib"], "a changed file was read twice"
    assert edited.papers[1].title == "A second, revised paper"
    parsed.clear()
    (corpus / "a.bib").write_text(A.replace("Journal of Tests", "Annals of Tests"), encoding="utf-8")
    renamed = load.load_corpus(corpus, parse_cache=cache)
    assert parsed == ["a.bib", "b.bib"]          # b.bib uses a.bib's macro
    assert [p.venue for p in renamed.papers] == ["Annals of Tests", "Annals of Tests Letters"]
    assert len(list(cache.glob("*.json"))) == 2   # the forms no longer read are forgotten


def test_a_damaged_memo_is_parsed_again(tmp_path):
    corpus, cache = _project(tmp_path), tmp_path / "parsed"
    first = load.load_corpus(corpus, parse_cache=cache)
    for stored in cache.glob("*.json"):
        stored.write_text('{"entries": [{"key": 3}]', encoding="utf-8")
    assert load.load_corpus(corpus, parse_cache=cache).papers == first.papers


def test_a_failed_entry_is_still_reported_from_the_memo(tmp_path):
    corpus, cache = _project(tmp_path), tmp_path / "parsed"
    (corpus / "b.bib").write_text(B + "\n@article{broken,\n  title = {Unclosed\n", encoding="utf-8")
    first = load.load_corpus(corpus, parse_cache=cache)
    again = load.load_corpus(corpus, parse_cache=cache)
    assert again.skipped == first.skipped and len(again.skipped) == 1
    assert again.entries_read == len(again.papers) + len(again.skipped) == 3


LATEX = """@article{bad2022,
  title = {Broken proof},
  author = {Noether, Emmy},
  year = {2022},
  abstract = {Rings with \\begin{proof} and \\emph{ideals}.}
}
@article{good2023,
  title = {Fine \\emph{math}},
  author = {Hopper, Grace},
  year = {2023},
  abstract = {We compute $x^2$ \\cite{a}.}
}
"""


def test_strict_latex_verdicts_are_remembered_and_give_the_same_warnings(tmp_path, monkeypatch):
    """A LaTeX value's strict parse (the costliest rule of a large load) runs once: a later
    load reads its verdict, and warns exactly as a load without the memo does."""
    from annobib.corpus import rules

    corpus, cache = tmp_path / "corpus", tmp_path / "cache" / "parsed"
    corpus.mkdir()
    (corpus / "latex.bib").write_text(LATEX, encoding="utf-8")
    plain = load.load_corpus(corpus)
    assert any("does not parse" in p.message and p.entry == "bad2022" for p in plain.problems)
    first = load.load_corpus(corpus, parse_cache=cache)
    parses, real = [], rules._strict_parse_error
    monkeypatch.setattr(rules, "_strict_parse_error", lambda value: parses.append(value) or real(value))
    again = load.load_corpus(corpus, parse_cache=cache)
    assert parses == []
    assert again.problems == first.problems == plain.problems
    (corpus / "latex.bib").write_text(LATEX.replace("$x^2$", "$y^3$"), encoding="utf-8")
    load.load_corpus(corpus, parse_cache=cache)
    assert parses == ["We compute $y^3$ \\cite{a}."]

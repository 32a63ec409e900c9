"""`annobib check`: every corpus fault located, no model loaded, fast."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from annobib.check import github_annotation
from annobib.cli import main
from annobib.corpus import load_corpus
from annobib.errors import Problem

HEAVY_MODULES = ("spacy", "torch", "sentence_transformers", "keybert", "transformers")


def entry(key: str, title: str, abstract: str = "An abstract.", kind: str = "article", **fields) -> str:
    """An entry; with authors and a year unless given (author=None / year=None leaves them out)."""
    fields = {"author": "Ada Lovelace", "year": "2020", **fields}
    lines = [f"@{kind}{{{key},", f"  title = {{{title}}},", f"  abstract = {{{abstract}}},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields.items() if value is not None]
    return "\n".join(lines) + "\n}\n\n"


def project(tmp_path: Path, *entries: str, name: str = "papers.bib", themes: str | None = None) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text("".join(entries), encoding="utf-8")
    if themes is not None:
        (corpus / "themes.yml").write_text(textwrap.dedent(themes), encoding="utf-8")
    return tmp_path


def run_check(root: Path, *args: str):
    return CliRunner().invoke(main, ["check", "--root", str(root), *args])


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture(autouse=True)
def _no_pull_request_env(monkeypatch):
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)


GOOD = entry("chen2021first", "Learning Continuous Image Representation", eprint="2012.09161",
             archiveprefix="arXiv") + entry("park2019deepsdf", "DeepSDF: Learning Continuous Signed Distance Functions")


# --- the real corpus ------------------------------------------------------------------

def test_repository_corpus_passes_and_counts(repo_root):
    result = run_check(repo_root)
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    papers = len(load_corpus(repo_root / "corpus").papers)
    assert "0 error(s)" in summary and f" {papers} paper(s) in " in summary


def test_check_loads_no_model(repo_root):
    """A fresh interpreter runs the command; none of the heavy modules may be imported
    (what keeps `check` fast; its time is measured in bench/, not asserted here)."""
    script = textwrap.dedent(f"""
        import sys
        from annobib.cli import main
        try:
            main(["check", "--root", {str(repo_root)!r}], standalone_mode=False)
        except SystemExit:
            pass
        print("HEAVY:" + ",".join(m for m in {HEAVY_MODULES!r} if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY:\n" in done.stdout, done.stdout


# --- what load_corpus finds, located ----------------------------------------------------

def test_syntax_error_is_an_error_with_file_and_line(tmp_path):
    root = project(tmp_path, GOOD, "@article{broken2020x,\n  title = {Unclosed,\n  abstract = {x},\n}\n\n",
                   entry("later2020y", "A Later Paper"))
    result = run_check(root)
    assert result.exit_code == 1
    bib = root / "corpus" / "papers.bib"
    assert f"{bib}:{line_of(bib, 'broken2020x')}:" in result.output
    assert "syntax error" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("bad, expected", [
    ("@article{notitle2020,\n  abstract = {Text.},\n}\n", "missing required field(s): title"),
    (entry("chen2021first", "Another Paper Entirely"), "duplicate citation key"),
    (entry("bad{key", "Brace Key"), "syntax error"),
    (entry("bad%key", "Percent Key"), "BibTeX does not accept"),
], ids=["no-title", "repeated-key", "brace-in-key", "percent-in-key"])
def test_load_corpus_errors_fail_the_check(tmp_path, bad, expected):
    result = run_check(project(tmp_path, GOOD, bad))
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "1 error(s)" in result.output.splitlines()[-1]


def test_non_utf8_file_is_read_with_a_warning(tmp_path):
    root = project(tmp_path, GOOD)
    (root / "corpus" / "latin1.bib").write_bytes(entry("muller2020x", "Müller's Paper").encode("latin-1"))
    result = run_check(root)
    assert result.exit_code == 0, result.output
    assert "latin1.bib:1: warning: not UTF-8: read as ISO-8859-1" in result.output
    assert "3 paper(s)" in result.output.splitlines()[-1]


@pytest.mark.parametrize("key", ["DBLP:conf/icfp/2010", "AltonjiElderTaber:2005", "Pierce:gridapple", "a.b+c"])
def test_keys_bibtex_accepts_are_fine(tmp_path, key):
    result = run_check(project(tmp_path, GOOD, entry(key, "A Paper With A Real Key")))
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output.splitlines()[-1]


def test_no_abstract_is_a_warning_unless_required(tmp_path):
    root = project(tmp_path, GOOD, entry("noabstract2020", "Title Only", abstract=""))
    result = run_check(root)
    assert result.exit_code == 0, result.output
    assert "entry 'noabstract2020' warning: no abstract" in result.output
    assert "1 without abstract" in result.output.splitlines()[-1]
    (root / "annobib.yml").write_text("require_abstract: true\n", encoding="utf-8")
    strict = run_check(root)
    assert strict.exit_code == 1 and "require_abstract" in strict.output


def test_unknown_entry_type_is_only_a_warning(tmp_path):
    result = run_check(project(tmp_path, GOOD, entry("odd2020type", "An Odd Type", kind="weirdtype")))
    assert result.exit_code == 0, result.output
    assert "warning: unknown entry type '@weirdtype'" in result.output
    assert "0 error(s), 1 warning(s)" in result.output.splitlines()[-1]


# --- duplicates ---------------------------------------------------------------------------

def test_same_arxiv_id_is_a_duplicate_naming_both_locations(tmp_path):
    root = project(tmp_path, GOOD, entry("chen2021liif", "LIIF, again", eprint="2012.09161v2", archiveprefix="arXiv"))
    result = run_check(root)
    assert result.exit_code == 0   # a warning: both stay published until the maintainer removes one
    bib = root / "corpus" / "papers.bib"
    [message] = [line for line in result.output.splitlines() if "duplicate paper" in line]
    assert "warning: likely duplicate paper" in message
    assert message.startswith(f"{bib}:{line_of(bib, 'chen2021liif')}:")
    assert f"{bib}:{line_of(bib, 'chen2021first')} (entry 'chen2021first')" in message
    assert "same arXiv id 2012.09161" in message


def test_same_doi_in_different_spellings_is_a_duplicate(tmp_path):
    root = project(tmp_path, entry("a2020x", "First Title", doi="10.1109/CVPR.2020.123"),
                   entry("b2020y", "Second Title", doi="https://doi.org/10.1109/cvpr.2020.123"))
    result = run_check(root)
    assert result.exit_code == 0 and "warning: likely duplicate paper" in result.output
    assert "same DOI 10.1109/cvpr.2020.123" in result.output and "entry 'a2020x'" in result.output


def test_near_identical_titles_are_duplicates(tmp_path):
    root = project(tmp_path, GOOD, entry("park2019deepsdfb", "{DeepSDF}: learning continuous signed distance functions."))
    result = run_check(root)
    assert result.exit_code == 0 and "warning: likely duplicate paper" in result.output
    assert "near-identical title" in result.output
    assert "entry 'park2019deepsdf'" in result.output


def test_similar_titles_with_different_arxiv_ids_are_a_warning(tmp_path):
    root = project(tmp_path, entry("a2020x", "Neural Fields in Visual Computing", eprint="2111.11426", archiveprefix="arXiv"),
                   entry("b2021y", "Neural Fields in Visual Computing.", eprint="2111.99999", archiveprefix="arXiv"))
    result = run_check(root)
    assert result.exit_code == 0, result.output
    assert "warning: likely duplicate paper: near-identical title" in result.output
    assert "two versions of one work" in result.output


def test_different_titles_are_not_duplicates(tmp_path):
    root = project(tmp_path, entry("a2020x", "Neural Fields for Images"), entry("b2020y", "Neural Fields for Shapes"))
    assert run_check(root).exit_code == 0


def test_keys_equal_but_for_case_are_two_papers_with_a_warning(tmp_path):
    root = project(tmp_path, entry("Chen2014", "One Paper"), entry("chen2014", "Another Paper"))
    result = run_check(root)
    assert result.exit_code == 0, result.output
    assert "entry 'chen2014' warning: key equal but for case to 'Chen2014'" in result.output
    assert "2 paper(s)" in result.output.splitlines()[-1]


# --- LaTeX ----------------------------------------------------------------------------------

def test_unbalanced_dollar_is_a_warning_at_the_field_line(tmp_path):
    root = project(tmp_path, GOOD, entry("cost2020x", "Cheap Training", abstract="Training costs $5 per run."))
    result = run_check(root)
    assert result.exit_code == 0
    bib = root / "corpus" / "papers.bib"
    assert f"{bib}:{line_of(bib, 'costs $5')}: entry 'cost2020x' warning: unbalanced '$' in abstract" in result.output


def test_escaped_dollar_and_inline_math_are_fine(tmp_path):
    root = project(tmp_path, entry("cost2020x", "SL$^{2}$A-INR", abstract=r"Costs \$5; error is $O(n^2)$."))
    result = run_check(root)
    assert result.exit_code == 0 and "0 warning(s)" in result.output, result.output


def test_latex_that_does_not_parse_is_a_warning(tmp_path):
    root = project(tmp_path, GOOD, entry("frac2020x", r"A \begin{itemize} Title", abstract=r"Uses \textbf"))
    result = run_check(root)
    assert result.exit_code == 0, result.output
    assert "warning: LaTeX in title does not parse" in result.output
    assert "warning: LaTeX in abstract does not parse" in result.output


# --- published keys ---------------------------------------------------------------------------

def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


THEMES = """\
themes:
  - slug: image-fields
    label: Image fields
    papers:
      - chen2021first
      - park2019deepsdf
"""


def test_renamed_published_key_is_an_error(tmp_path):
    root = project(tmp_path, GOOD, themes=THEMES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "published")
    bib = root / "corpus" / "papers.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("chen2021first", "chen2020liif"), encoding="utf-8")
    result = run_check(root)
    assert result.exit_code == 1, result.output
    assert "key renamed: /papers/chen2021first/ would break" in result.output
    assert f"{bib}:{line_of(bib, 'chen2020liif')}: entry 'chen2020liif' error" in result.output


def test_renamed_key_found_by_title_in_a_base_revision(tmp_path):
    """In a pull request the base branch, not HEAD, holds the published corpus."""
    root = project(tmp_path, GOOD, themes=THEMES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "published")
    git(root, "tag", "base")
    bib = root / "corpus" / "papers.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("park2019deepsdf", "park2019sdf"), encoding="utf-8")
    git(root, "commit", "-qam", "rename")
    assert "key renamed: /papers/park2019deepsdf/" in run_check(root, "--base", "base").output
    # Without the base revision the paper merely looks removed.
    without = run_check(root)
    assert without.exit_code == 0 and "published paper 'park2019deepsdf' is no longer" in without.output


def test_vanished_published_key_is_a_warning(tmp_path):
    root = project(tmp_path, GOOD, themes="""\
        themes:
        - slug: image-fields
          label: Image fields
          papers: [chen2021first, park2019deepsdf, gone2018paper]
        """)
    result = run_check(root)
    assert result.exit_code == 0, result.output
    themes = root / "corpus" / "themes.yml"
    assert f"{themes}:4: entry 'gone2018paper' warning: published paper 'gone2018paper'" in result.output


def test_published_key_of_a_broken_entry_is_not_reported_twice(tmp_path):
    root = project(tmp_path, GOOD.replace("title = {Learning Continuous Image Representation},", "", 1), themes=THEMES)
    result = run_check(root)
    assert result.exit_code == 1
    assert "missing required field(s): title" in result.output
    assert "no longer in the corpus" not in result.output


@pytest.mark.parametrize("themes, expected", [
    ("themes:\n- slug: Bad Slug\n  label: X\n  papers: [chen2021first]\n", "slug must be lower-case words"),
    ("themes:\n- slug: a\n  label: A\n  colour: red\n  papers: []\n", "unknown field(s): colour"),
    ("themes: [\n", "not valid YAML"),
])
def test_a_themes_file_the_build_would_refuse_is_an_error(tmp_path, themes, expected):
    result = run_check(project(tmp_path, GOOD, themes=themes))
    assert result.exit_code == 1, result.output
    assert f"{tmp_path / 'corpus' / 'themes.yml'}:" in result.output and expected in result.output


# --- output -------------------------------------------------------------------------------------

def test_github_format_prints_annotations_with_relative_paths(tmp_path):
    root = project(tmp_path, GOOD, "@article{notitle2020,\n  abstract = {Text.},\n}\n\n",
                   entry("odd2020type", "Odd", kind="weirdtype"))
    result = run_check(root, "--format", "github")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    bib = root / "corpus" / "papers.bib"
    assert f"::error file=corpus/papers.bib,line={line_of(bib, 'notitle2020')},title=annobib::entry 'notitle2020': missing" in lines[0]
    assert lines[1].startswith(f"::warning file=corpus/papers.bib,line={line_of(bib, 'odd2020type')},title=annobib::")
    assert lines[-1].startswith("annobib check FAILED:") and "1 error(s), 1 warning(s)" in lines[-1]


def test_github_annotation_escapes_special_characters(tmp_path):
    problem = Problem(str(tmp_path / "corpus" / "a,b.bib"), 0, "k", "50% done\nnext line")
    line = github_annotation(problem, tmp_path)
    assert line == "::error file=corpus/a%2Cb.bib,line=1,title=annobib::entry 'k': 50%25 done%0Anext line"


def test_empty_corpus_folder_is_an_error(tmp_path):
    (tmp_path / "corpus").mkdir()
    result = run_check(tmp_path, "--format", "github")
    assert result.exit_code == 1
    assert result.output.startswith("::error title=annobib::no .bib files")


def test_renamed_key_lines_are_found_for_keys_with_punctuation():
    """The line check reports for a published key is the first line holding that key as a
    whole word, also for DBLP-style keys and for keys that begin another key."""
    from annobib.check import _first_lines

    lines = ["themes:", "- slug: a", "  papers:", "  - DBLP:conf/nips/X17-b", "  - DBLP:conf/nips/X17",
             "  - chen2014a", "  - chen2014", "# chen2014 again"]
    found = _first_lines(["DBLP:conf/nips/X17", "chen2014", "chen2014a", "missing", "nips"], lines)
    assert found == {"DBLP:conf/nips/X17": 5, "chen2014": 7, "chen2014a": 6, "missing": 1, "nips": 4}


def _titled_papers(tmp_path: Path, name: str, titles: list[str]):
    from annobib.corpus import load_file

    path = tmp_path / f"{name}.bib"
    path.write_text("".join(entry(f"{name}{i}", title) for i, title in enumerate(titles)), encoding="utf-8")
    return load_file(path)[0]


def _shipped_titles() -> list[str]:
    from annobib.corpus import load_file

    root = Path(__file__).resolve().parents[1]
    return [paper.title for bib in sorted((root / "corpus").glob("*.bib")) for paper in load_file(bib)[0]]


def test_duplicate_titles_remembered_from_the_last_build_find_what_a_fresh_check_finds(tmp_path):
    """A build compares only its new titles with the titles the last build compared
    (parse_memo.TitlePairs): the warnings must be those of comparing every title, when
    papers are added (near-duplicates of an old title, shorter and longer than it, and of
    each other) and removed (one of a pair found before among them)."""
    from annobib.corpus import duplicate_papers
    from annobib.corpus.parse_memo import TitlePairs

    def warnings(papers, memo=None):
        return sorted((p.entry, p.line, p.message) for p in duplicate_papers(papers, memo))

    shipped = _shipped_titles()
    assert len(shipped) > 200
    before = shipped[:150] + [shipped[3] + ".", "A " + shipped[7]]
    memo_file = tmp_path / "title-pairs.json"
    first = _titled_papers(tmp_path, "a", before)
    memo = TitlePairs(memo_file)
    assert warnings(first, memo) == warnings(first) and len(warnings(first)) >= 2
    memo.save()

    after = (shipped[:7] + shipped[8:40] + shipped[60:150] + [shipped[3] + ".", "A " + shipped[7]]  # 21 removed
             + shipped[150:] + [shipped[20][:-1], shipped[20] + "s", shipped[45] + "!",    # added
                                shipped[160] + ".", shipped[160] + ".", shipped[3].lower()])
    second = _titled_papers(tmp_path, "a", after)
    remembered = TitlePairs(memo_file)
    assert remembered.titles      # the first build's titles were kept
    found = warnings(second, remembered)
    assert found == warnings(second)
    assert sum("near-identical title" in message for *_, message in found) >= 6

"""Hostile and broken corpus inputs (tests/hostile/cases.yml), through the real CLI.

Every 'error' case must end in `annobib check` / `annobib build --strict` exiting 1 with
one message line that names the file, the line and the entry — never a traceback, never
a site. Every 'accepted' case is published with its key verbatim at a safe, distinct URL.
Every 'literal' case must be accepted (what it shows is tested in
test_hostile_site.py and test_browser.py). No model is loaded here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.hostile import (HERE, accepted_cases, error_cases, literal_cases, load_cases,
                             make_project, materialise, run_cli, snapshot)

from annobib.corpus import load_corpus, paper_slugs
from annobib.corpus.slugs import SLUG

ERRORS = error_cases()
ACCEPTED = accepted_cases()
LITERALS = literal_cases()


def _param(case):
    return pytest.param(case, id=case["id"])


def _lines(case) -> list[int]:
    return case["line"] if isinstance(case["line"], list) else [case["line"]]


def _project(tmp_path: Path, case: dict) -> Path:
    """A project like the repository's (mkdocs.yml, docs/) whose corpus is the case's files.

    Its annobib.yml names models that do not exist: a broken corpus must be refused before
    any model is loaded, and a case the loader wrongly accepts then fails in seconds
    (with a message that names no file) instead of running the whole analysis.
    """
    root = make_project(tmp_path / "project")
    (root / "annobib.yml").write_text("analyze_spacy_model: no-such-model-hostile-test\n"
                                      "analyze_encoder_model: no-such-encoder-hostile-test\n", encoding="utf-8")
    materialise(case, root / "corpus")
    return root


def assert_clear_error(case: dict, done) -> None:
    """Exit 1, no traceback, and one output line naming file, line, entry and the fault."""
    output = (done.stdout or "") + (done.stderr or "")
    shown = f"exit {done.returncode}; output:\n{output[-3000:]}"
    assert "Traceback" not in output, shown
    assert done.returncode == 1, shown
    file_line = re.compile(
        re.escape(case["file"]) + r"(?::|\s*,?\s*line\s+)(" + "|".join(str(n) for n in _lines(case)) + r")\b")
    candidates = [line for line in output.splitlines() if file_line.search(line)]
    assert candidates, f"no message names {case['file']} at line {_lines(case)}; {shown}"
    if case.get("key") is not None:
        quoted = re.compile(r"""['"`‘“]""" + re.escape(case["key"]) + r"""['"`’”]""")
        candidates = [line for line in candidates if quoted.search(line)]
        assert candidates, f"no message at {case['file']}:{_lines(case)} names the entry '{case['key']}'; {shown}"
    message = re.compile(case["message"], re.I)
    without_key = [line.replace(case["key"] or "\0", "") for line in candidates]
    assert any(message.search(line) for line in without_key), (
        f"the message for {case['file']}:{_lines(case)} does not say /{case['message']}/; {shown}")
    for text in case.get("also", []):
        assert any(text in line for line in candidates), f"the message does not mention {text!r}; {shown}"
    for text in case.get("not_in_output", []):
        assert text not in output, f"misleading message {text!r}; {shown}"


def test_case_table(tmp_path):
    cases = load_cases()
    ids = [c["id"] for c in cases["error"] + cases["literal"] + cases["accepted"]]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(ids) >= 30
    for case in cases["error"] + cases["literal"] + cases["accepted"]:
        for name in case["files"]:
            assert (HERE / name).is_file(), f"{case['id']}: {name} is missing"
        assert case.get("literal") or case.get("message") or case.get("slugs"), f"{case['id']}: no expected behaviour"
    keys = [c["key"] for c in cases["literal"]]
    assert len(keys) == len(set(keys)), "literal cases share one site: keys must be unique"
    names = [Path(n).name for c in cases["literal"] for n in c["files"]]
    assert len(names) == len(set(names)), "literal cases share one corpus folder: file names must be unique"


@pytest.mark.parametrize("case", [_param(c) for c in ERRORS])
def test_error_case_check(case, tmp_path):
    root = _project(tmp_path, case)
    assert_clear_error(case, run_cli("check", "--root", str(root)))


@pytest.mark.parametrize("case", [_param(c) for c in ERRORS])
def test_error_case_build_strict(case, tmp_path):
    root = _project(tmp_path, case)
    before = snapshot(tmp_path)
    done = run_cli("build", "--strict", "--quiet", "--root", str(root), cwd=tmp_path)
    assert_clear_error(case, done)
    assert not (root / "site").exists(), "a failed build must not publish a site"
    created = sorted(set(snapshot(tmp_path)) - set(before))
    outside = [p for p in created if not p.startswith("project/build/")]
    assert not outside, f"the failed build wrote files: {outside}"


@pytest.mark.parametrize("case", [_param(c) for c in ACCEPTED])
def test_accepted_case_is_published_at_a_safe_url(case, tmp_path):
    root = _project(tmp_path, case)
    done = run_cli("check", "--root", str(root))
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output, output
    if case.get("warning"):
        assert re.search(case["warning"], output, re.I), output
    loaded = load_corpus(root / "corpus")
    keys = [p.key for p in loaded.papers]
    assert keys == case["keys"]
    slugs = paper_slugs(keys, {}, set())
    assert [slugs[k] for k in keys] == case["slugs"]
    assert all(SLUG.match(s) for s in slugs.values()) and len(set(slugs.values())) == len(keys)


def test_case_only_keys_keep_the_url_published_first():
    """The key listed in the themes file keeps /papers/casekey2020/ even when the other sorts first."""
    keys = ["CaseKey2020", "casekey2020"]
    assert paper_slugs(keys, {}, {"casekey2020"}) == {"casekey2020": "casekey2020", "CaseKey2020": "casekey2020-2"}
    recorded = {"CaseKey2020": "casekey2020-2"}
    assert paper_slugs(keys, recorded, set(keys)) == {"casekey2020": "casekey2020", "CaseKey2020": "casekey2020-2"}


@pytest.mark.parametrize("case", [_param(c) for c in LITERALS])
def test_literal_case_loads(case, tmp_path):
    root = _project(tmp_path, case)
    loaded = load_corpus(root / "corpus")
    assert not loaded.errors, "\n".join(str(p) for p in loaded.errors)
    assert [p.key for p in loaded.papers] == [case["key"]]


@pytest.mark.parametrize("case", [_param(c) for c in LITERALS])
def test_literal_case_check(case, tmp_path):
    root = _project(tmp_path, case)
    done = run_cli("check", "--root", str(root))
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 0, f"exit {done.returncode}:\n{output}"


def test_all_literal_cases_load_together(tmp_path):
    corpus = tmp_path / "corpus"
    for case in LITERALS:
        materialise(case, corpus)
    loaded = load_corpus(corpus)
    assert not loaded.errors, "\n".join(str(p) for p in loaded.errors)
    assert sorted(p.key for p in loaded.papers) == sorted(c["key"] for c in LITERALS)


def test_good_entries_around_a_broken_one_still_load(tmp_path):
    """An unbalanced brace costs its own entry, not the entries after it."""
    case = next(c for c in ERRORS if c["id"] == "unbalanced_brace_open")
    root = _project(tmp_path, case)
    loaded = load_corpus(root / "corpus")
    assert {"goodbefore2020", "goodafter2022"} <= {p.key for p in loaded.papers}


def test_every_error_is_reported_at_once(tmp_path):
    """One run lists every broken file's fault, not just the first."""
    corpus = tmp_path / "project" / "corpus"
    chosen = [c for c in ERRORS if c["id"] in {"missing_title", "key_with_space", "duplicate_key_same_file", "not_utf8"}]
    for case in chosen:
        materialise(case, corpus)
    done = run_cli("check", "--root", str(tmp_path / "project"))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    for case in chosen:
        assert case["file"] in output, f"{case['file']} is not reported:\n{output}"

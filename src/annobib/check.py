"""`annobib check` (and the first step of `annobib build`): the whole project's problems.

Entry problems come from the one rule set, `corpus.rules` (errors skip an entry,
warnings do not). The project adds two checks that need more than the .bib files:

- a `corpus/themes.yml` the build would refuse (not YAML, unknown fields, bad slugs,
  a paper pinned in two themes), checked with the build's own parser: an error;
- a published key that was renamed: `corpus/themes.yml` (committed, written by the
  build) lists every published key; when one of them is gone and the same paper (same
  arXiv id, DOI or title, looked up in the committed corpus in git) is in the corpus
  under another key, /papers/<old>/ would break for everyone who linked to it: an
  error (the entry itself is still usable, so `build` publishes it and says so);
  a published key that vanished with no paper like it left is a warning.

Beside the problems it reports, one line each (`notices`), the private fields left out
(worded by `corpus.privacy`) and the notes published or kept private.

`check` exits 1 on any error, as does `build --strict`; plain `build` publishes every
usable entry. Imports here stay light (bibtexparser, pylatexenc, rapidfuzz, PyYAML): no
spaCy, torch or sentence-transformers, so the check runs in CI before anything heavy
is installed and a test asserts none of them is imported.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from .config import Settings
from .corpus import LoadResult, arxiv_id, corpus_files, load_corpus, normal_doi, normal_title
from .corpus.keys import read_generated_keys
from .corpus.privacy import PrivacyRule, private_fields_notice
from .corpus.rules import TITLE_RATIO
from .errors import HasProblems, Problem
from .models import Paper
from .yaml_text import load_yaml


@dataclass(frozen=True)
class CheckReport(HasProblems):
    problems: list[Problem]
    papers: int
    files: int
    seconds: float
    loaded: LoadResult | None = None     # the usable papers and the counts, for the build
    notices: tuple[str, ...] = ()        # one line each: private fields left out, notes published / private

    def summary(self) -> str:
        verdict = "FAILED" if self.errors else "ok"
        counts = ""
        if self.loaded is not None:
            counts = (f" ({self.loaded.entries_read} entries read, {len(self.loaded.skipped)} skipped, "
                      f"{self.loaded.without_abstract} without abstract)")
        enrich = ""
        if self.loaded is not None and self.loaded.without_abstract:
            enrich = (f"; 'annobib enrich' can fill the {self.loaded.without_abstract} missing abstract(s) "
                      "from the PDFs the entries' `file` fields name and from OpenAlex, Crossref and arXiv")
        return (f"annobib check {verdict}: {self.papers} paper(s) in {self.files} file(s){counts}, "
                f"{len(self.errors)} error(s), {len(self.warnings)} warning(s) in {self.seconds:.2f} s{enrich}")


def check_project(root: Path, settings: Settings, base_refs: tuple[str, ...] = (), on_papers=None,
                  on_parse=None) -> CheckReport:
    """Every problem of the corpus under `root`; never raises for a corpus fault.

    `base_refs`: extra git revisions whose corpus counts as published (besides HEAD and,
    in a GitHub pull request, origin/$GITHUB_BASE_REF), used to recognise renamed keys;
    `on_papers`, `on_parse`: see `load_corpus`.
    """
    started = time.perf_counter()
    corpus_dir = root / settings.corpus_dir
    privacy = PrivacyRule.from_settings(settings)
    loaded = load_corpus(corpus_dir, require_abstract=settings.require_abstract, privacy=privacy,
                         notes_dir=root / settings.notes_dir,
                         recorded_keys=read_generated_keys(root / settings.generated_keys_file),
                         parse_cache=root / settings.analyze_cache_dir / "parsed", on_papers=on_papers,
                         on_parse=on_parse)
    problems = list(loaded.problems)
    broken_keys = {p.entry for p in loaded.problems if p.entry and p.severity == "error"}
    problems += published_key_problems(root, settings, loaded.papers, broken_keys, base_refs)
    problems.sort(key=lambda p: (p.file, p.line, p.severity != "error", p.entry, p.message))
    return CheckReport(problems, len(loaded.papers), len(corpus_files(corpus_dir)),
                       time.perf_counter() - started, loaded, notices(loaded.papers, privacy))


# --- notices -----------------------------------------------------------------------------

def notices(papers: list[Paper], privacy: PrivacyRule) -> tuple[str, ...]:
    """The one-line reports of `check` and `build`: the private fields left out, then the notes."""
    return tuple(line for line in (private_fields_notice(papers), notes_notice(papers, privacy)) if line)


def notes_notice(papers: list[Paper], privacy: PrivacyRule) -> str | None:
    """How many notes are published (from notes/, from note fields) and how many note fields
    stay private; None when there are neither."""
    with_field_notes = sum(any(privacy.is_note(n) for n in p.private_fields) for p in papers)
    published = sum(bool(p.note) for p in papers)
    from_fields = sum(p.note_source == "field" for p in papers)
    if not (with_field_notes or published):
        return None
    return (f"notes: {published} published ({published - from_fields} from notes/, {from_fields} from "
            f"note fields), {with_field_notes} with a note field that stays private"
            + (" (publish_field_notes: true publishes them)" if with_field_notes else ""))


# --- published keys ------------------------------------------------------------------

@dataclass(frozen=True)
class _Identity:
    key: str
    arxiv: str | None
    doi: str | None
    title: str     # normalised


def published_keys(themes_path: Path) -> tuple[dict[str, int], list[Problem], dict[str, _Identity]]:
    """{key: line in themes.yml} of every key listed under a `papers:` list.

    The walk does not assume one layout of themes.yml: any `papers:` list of keys (or of
    mappings with a `key`, whose arxiv/doi/title are then used as the identity) counts.
    """
    if not themes_path.is_file():
        return {}, [], {}
    text = themes_path.read_text(encoding="utf-8")
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return {}, [Problem(str(themes_path), (mark.line + 1) if mark else 1, "",
                            f"not valid YAML ({getattr(exc, 'problem', exc)}); published keys cannot be checked")], {}
    keys: list[str] = []
    identities: dict[str, _Identity] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "papers" and isinstance(value, list):
                    for item in value:
                        if isinstance(item, str):
                            keys.append(item)
                        elif isinstance(item, dict) and isinstance(item.get("key"), str):
                            keys.append(item["key"])
                            identities[item["key"]] = _Identity(
                                item["key"], arxiv_id(str(item.get("arxiv") or "")),
                                normal_doi(str(item.get("doi") or "")), normal_title(str(item.get("title") or "")))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    problems = _themes_schema_problems(document, themes_path)
    return _first_lines(keys, text.splitlines()), problems, identities


_RUN = re.compile(r"[\w-]+")


def _first_lines(keys: list[str], lines: list[str]) -> dict[str, int]:
    """The first line (1-based; 1 if none) holding each key as a whole word.

    A key's first run of word characters stands whole in any line that holds the key, so
    only the lines holding that run are searched (not every line for every key: 10,000
    keys in a 10,000-line themes.yml would be 10^8 searches)."""
    runs: dict[str, list[int]] = {}
    for number, line in enumerate(lines, 1):
        for run in dict.fromkeys(_RUN.findall(line)):
            runs.setdefault(run, []).append(number)
    located = {}
    for key in keys:
        if _RUN.fullmatch(key):
            # A key of word characters only stands whole exactly where it is a whole run:
            # its lines are already known, without a pattern compiled per key.
            located[key] = runs.get(key, [1])[0]
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(key)}(?![\w-])")
        first = _RUN.match(key)
        candidates = runs.get(first.group(), []) if first else range(1, len(lines) + 1)
        located[key] = next((n for n in candidates if pattern.search(lines[n - 1])), 1)
    return located


def _themes_schema_problems(document, themes_path: Path) -> list[Problem]:
    """The build's own validation of themes.yml (maintainers edit it by hand)."""
    from .corpus.themes_file import themes_from_doc
    from .errors import ThemesFileError

    try:
        themes_from_doc(document, str(themes_path))
    except ThemesFileError as exc:
        detail = str(exc).removeprefix(f"{themes_path}: ")
        return [Problem(str(themes_path), 1, "", f"the build would stop here: {detail}")]
    return []


def published_key_problems(root: Path, settings: Settings, papers: list[Paper], broken_keys: set[str],
                           base_refs: tuple[str, ...] = ()) -> list[Problem]:
    themes_path = root / settings.themes_file
    published, problems, identities = published_keys(themes_path)
    current = {p.key for p in papers}
    gone = [k for k in sorted(published) if k not in current and k not in broken_keys]
    if not gone:
        return problems
    refs = ["HEAD", *base_refs]
    if os.environ.get("GITHUB_BASE_REF"):
        refs.append(f"origin/{os.environ['GITHUB_BASE_REF']}")
    known = {**committed_identities(root, settings.corpus_dir, refs), **identities}
    newcomers = [p for p in papers if p.key not in published]
    for key in gone:
        old = known.get(key)
        successor = _same_paper(old, newcomers) if old else None
        if successor:
            paper, how = successor
            problems.append(Problem(paper.source, paper.line, paper.key, (
                f"key renamed: /papers/{key}/ would break; the paper published as '{key}' ({how}) "
                f"is now '{paper.key}'. Published keys are permanent: change the key back to '{key}'")))
        else:
            problems.append(Problem(str(themes_path), published[key], key, (
                f"published paper '{key}' is no longer in the corpus: /papers/{key}/ will disappear. "
                "If it was renamed rather than removed, restore the key"), "warning"))
    return problems


def _same_paper(old: _Identity, candidates: list[Paper]) -> tuple[Paper, str] | None:
    for paper in candidates:
        if old.arxiv and paper.arxiv == old.arxiv:
            return paper, f"arXiv {old.arxiv}"
        if old.doi and normal_doi(paper.doi) == old.doi:
            return paper, f"DOI {old.doi}"
    if old.title:
        for paper in candidates:
            if fuzz.ratio(old.title, normal_title(paper.title), score_cutoff=TITLE_RATIO):
                return paper, "same title"
    return None


def committed_identities(root: Path, corpus_dir: str, refs: list[str]) -> dict[str, _Identity]:
    """key -> identity of every entry of the corpus as committed at each of `refs` (git).

    Only called when a published key is missing, so a clean check never runs git.
    No git, no repository or an unknown ref: nothing is known, and a missing key is
    reported as removed (warning) rather than renamed.
    """
    import tempfile

    from .corpus import load_file

    found: dict[str, _Identity] = {}
    with tempfile.TemporaryDirectory(prefix="annobib-check-") as tmp:
        for ref in refs:
            listing = _git(root, "ls-tree", "-r", "--name-only", ref, "--", corpus_dir)
            if listing is None:
                continue
            for number, name in enumerate(listing.splitlines()):
                if not name.endswith(".bib"):
                    continue
                text = _git(root, "show", f"{ref}:{name}")
                if text is None:
                    continue
                copy = Path(tmp) / f"{number}.bib"   # the loader's public API reads files
                copy.write_text(text, encoding="utf-8")
                for paper in load_file(copy)[0]:
                    found.setdefault(paper.key, _Identity(paper.key, paper.arxiv, normal_doi(paper.doi),
                                                          normal_title(paper.title)))
    return found


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


# --- output --------------------------------------------------------------------------

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def github_annotation(problem: Problem, root: Path) -> str:
    """`::error file=F,line=L,title=annobib::message`: shown on the pull request's diff."""
    command = "error" if problem.severity == "error" else "warning"
    props = []
    if problem.file and Path(problem.file).suffix:
        props.append(f"file={_escape_property(_relative(problem.file, root))}")
        props.append(f"line={max(problem.line, 1)}")
    props.append("title=annobib")
    who = f"entry '{problem.entry}': " if problem.entry else ""
    return f"::{command} {','.join(props)}::{_escape_data(who + problem.message)}"


def format_report(report: CheckReport, output_format: str, root: Path) -> list[str]:
    if output_format == "github":
        lines = [github_annotation(p, root) for p in report.problems]
        lines += [f"::notice title=annobib::{_escape_data(notice)}" for notice in report.notices]
    else:
        lines = [str(p) for p in report.problems] + list(report.notices)
    return lines + [report.summary()]

"""`annobib check`: validate every corpus file in well under a second, loading no model.

What it reports, and why each is an error or a warning:

errors (exit 1; a pull request should not merge with them)
- everything `load_corpus` calls an error: BibTeX syntax errors (file and line), missing
  title/abstract, duplicate citation keys (also equal but for case), non-UTF-8 files,
  keys that cannot be URLs.
  The build refuses to run with any of these.
- the same paper twice: equal arXiv id, equal DOI, or near-identical plain-text titles
  (rapidfuzz ratio >= 95). Two pages, two all.bib entries and two theme memberships
  for one paper. Both locations are named.
- an unbalanced `$` in a rendered field: the tolerant LaTeX reader silently drops the
  `$` and reads the rest as math, so the page shows something the author did not write
  and no reader can tell. The fix (`\\$` or closing the formula) is unambiguous.
- a `corpus/themes.yml` the build would refuse (not YAML, unknown fields, bad slugs,
  a paper pinned in two themes), checked with the build's own parser.
- a published key that was renamed: `corpus/themes.yml` (committed, written by the
  build) lists every published key; when one of them is gone and the same paper (same
  arXiv id, DOI or title, looked up in the committed corpus in git) is in the corpus
  under another key, /papers/<old>/ would break for everyone who linked to it.

warnings (exit 0)
- everything `load_corpus` calls a warning (unknown entry type, bare `%`, odd year, ...).
- LaTeX that pylatexenc cannot parse in strict mode (a macro argument never closed, a
  stray `}` inside math, ...): the tolerant reader still renders readable text, so the
  build is fine, but the page may not show what was meant.
- near-identical titles of two entries whose arXiv ids or DOIs differ: probably two
  versions of one work (workshop / journal), possibly two papers; a human decides.
- a published key that vanished with no paper like it left: a removal is allowed, but
  /papers/<key>/ will disappear, so it is said out loud.

Imports here stay light (bibtexparser, pylatexenc, rapidfuzz, PyYAML): no spaCy, torch
or sentence-transformers, so the check runs in CI before anything heavy is installed
and a test asserts none of them is imported.
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
from .corpus import ARXIV_ID, corpus_files, load_corpus, normal_title
from .errors import Problem
from .latex import percent_as_text, to_text
from .models import Paper

TITLE_RATIO = 95
RENDERED_FIELDS = ("title", "abstract", "author", "journal", "journaltitle", "booktitle", "venue")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_FIELD_START = re.compile(r"^\s*([A-Za-z][\w:-]*)\s*=")


@dataclass(frozen=True)
class CheckReport:
    problems: list[Problem]
    papers: int
    files: int
    seconds: float

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def summary(self) -> str:
        verdict = "FAILED" if self.errors else "ok"
        return (f"annobib check {verdict}: {self.papers} paper(s) in {self.files} file(s), "
                f"{len(self.errors)} error(s), {len(self.warnings)} warning(s) in {self.seconds:.2f} s")


def check_project(root: Path, settings: Settings, base_refs: tuple[str, ...] = ()) -> CheckReport:
    """Every problem of the corpus under `root`; never raises for a corpus fault.

    `base_refs`: extra git revisions whose corpus counts as published (besides HEAD and,
    in a GitHub pull request, origin/$GITHUB_BASE_REF), used to recognise renamed keys.
    """
    started = time.perf_counter()
    corpus_dir = root / settings.corpus_dir
    loaded = load_corpus(corpus_dir)
    papers = loaded.papers
    locator = _FieldLocator()
    problems = list(loaded.problems)
    problems += duplicate_papers(papers)
    problems += latex_problems(papers, locator)
    broken_keys = {p.entry for p in loaded.problems if p.entry}
    problems += published_key_problems(root, settings, papers, broken_keys, base_refs)
    problems.sort(key=lambda p: (p.file, p.line, p.severity != "error", p.entry, p.message))
    return CheckReport(problems, len(papers), len(corpus_files(corpus_dir)), time.perf_counter() - started)


# --- duplicates ----------------------------------------------------------------------

def normal_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    return _DOI_PREFIX.sub("", doi.strip()).strip().lower() or None


def _where(paper: Paper) -> str:
    return f"{paper.source}:{paper.line} (entry '{paper.key}')"


def duplicate_papers(papers: list[Paper]) -> list[Problem]:
    """The same paper twice: one problem at the later entry, naming the earlier one too."""
    problems: list[Problem] = []
    reported: set[tuple[str, str]] = set()

    def report(first: Paper, later: Paper, why: str, severity: str = "error", advice: str = "") -> None:
        pair = (first.key, later.key)
        if pair in reported:
            return
        reported.add(pair)
        problems.append(Problem(later.source, later.line, later.key, (
            f"duplicate paper: {why}, also at {_where(first)}; "
            + (advice or "keep one entry (the published key) and delete the other")), severity))

    for label, ident in (("same arXiv id", lambda p: p.arxiv), ("same DOI", lambda p: normal_doi(p.doi))):
        first_with: dict[str, Paper] = {}
        for paper in papers:
            value = ident(paper)
            if not value:
                continue
            if value in first_with:
                report(first_with[value], paper, f"{label} {value}")
            else:
                first_with[value] = paper

    # Near-identical titles. ratio >= 95 needs lengths within 2.5% of each other, so
    # compare only neighbours in length order: O(n log n + pairs), not O(n^2).
    order = {p.key: i for i, p in enumerate(papers)}
    titled = sorted(((normal_title(p.title), p) for p in papers), key=lambda tp: (len(tp[0]), order[tp[1].key]))
    for i, (title_a, a) in enumerate(titled):
        if not title_a:
            continue
        for title_b, b in titled[i + 1:]:
            if 2 * len(title_a) < TITLE_RATIO / 100 * (len(title_a) + len(title_b)):
                break
            score = fuzz.ratio(title_a, title_b, score_cutoff=TITLE_RATIO)
            if not score:
                continue
            first, later = (a, b) if order[a.key] < order[b.key] else (b, a)
            if (first.key, later.key) in reported:
                continue
            distinct = _distinct_ids(first, later)
            if distinct:
                report(first, later, f"near-identical title (similarity {score:.0f}%)", "warning",
                       f"but {distinct} differ: two versions of one work, or two papers? "
                       "Keep one entry if they are the same paper")
            else:
                report(first, later, f"near-identical title (similarity {score:.0f}%)")
    return problems


def _distinct_ids(a: Paper, b: Paper) -> str:
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return f"the arXiv ids ({a.arxiv}, {b.arxiv})"
    if a.doi and b.doi and normal_doi(a.doi) != normal_doi(b.doi):
        return f"the DOIs ({a.doi}, {b.doi})"
    return ""


# --- LaTeX ---------------------------------------------------------------------------

class _FieldLocator:
    """Line of a field inside an entry, reading each file once."""

    def __init__(self):
        self._lines: dict[str, list[str]] = {}

    def line(self, paper: Paper, field: str) -> int:
        if paper.source not in self._lines:
            try:
                self._lines[paper.source] = Path(paper.source).read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[paper.source] = []
        lines = self._lines[paper.source]
        for number in range(paper.line, min(len(lines), paper.line + 500) + 1):
            text = lines[number - 1]
            if number > paper.line and text.lstrip().startswith("@"):
                break
            match = _FIELD_START.match(text) if number > paper.line else None
            if match and match.group(1).lower() == field:
                return number
        return paper.line


def latex_problems(papers: list[Paper], locator: _FieldLocator | None = None) -> list[Problem]:
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerError

    locator = locator or _FieldLocator()
    problems = []
    for paper in papers:
        for field, value in paper.fields:
            if field not in RENDERED_FIELDS or ("\\" not in value and "$" not in value):
                continue  # text without '\' or '$' cannot fail a strict parse: keeps check fast
            where = dict(file=paper.source, line=locator.line(paper, field), entry=paper.key)
            dollars = len(_UNESCAPED_DOLLAR.findall(value))
            if dollars % 2:
                problems.append(Problem(**where, message=(
                    f"unbalanced '$' in {field} ({dollars} unescaped): the text after it would be read as "
                    "math and the '$' would vanish from the page; write '\\$' for a dollar sign or close the formula")))
                continue
            prepared = percent_as_text(value)  # bare '%' is already its own warning
            try:
                LatexWalker(prepared, tolerant_parsing=False).get_latex_nodes()
            except LatexWalkerError as exc:
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                problems.append(Problem(**where, severity="warning", message=(
                    f"LaTeX in {field} does not parse ({detail}); the page shows a best guess: "
                    f"{_shorten(to_text(value))!r}")))
    return problems


def _shorten(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
                                item["key"], _arxiv(str(item.get("arxiv") or "")),
                                normal_doi(str(item.get("doi") or "")), normal_title(str(item.get("title") or "")))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    problems = _themes_schema_problems(document, themes_path)
    lines = text.splitlines()
    located = {}
    for key in keys:
        pattern = re.compile(rf"(?<![\w-]){re.escape(key)}(?![\w-])")
        located[key] = next((n for n, line in enumerate(lines, 1) if pattern.search(line)), 1)
    return located, problems, identities


def _themes_schema_problems(document, themes_path: Path) -> list[Problem]:
    """The build's own validation of themes.yml (maintainers edit it by hand).

    annobib.organize needs numpy; where only the light parsing packages are installed
    the schema check is skipped (the build job still makes it).
    """
    try:
        from .organize import parse_themes_doc
    except ImportError:
        return []
    from .errors import AnnobibError

    try:
        parse_themes_doc(document, str(themes_path))
    except AnnobibError as exc:
        detail = str(exc).removeprefix(f"{themes_path}: ")
        return [Problem(str(themes_path), 1, "", f"the build would stop here: {detail}")]
    return []


def _arxiv(text: str) -> str | None:
    match = ARXIV_ID.search(text)
    return match.group(1) if match else None


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
    else:
        lines = [str(p) for p in report.problems]
    return lines + [report.summary()]

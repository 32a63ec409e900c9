"""The one rule set of the corpus, used by both `annobib check` and `annobib build`.

Each rule says whether its problem is an error or a warning:

errors: the entry cannot be used, so it is skipped (and `check` / `build --strict` exit 1)
- an unparseable block, a block without a key, a repeated field (bibtexparser's failed blocks);
- a repeated citation key (the later entry is skipped; keys equal but for case are
  two papers and both get pages, see `slugs.paper_slugs`);
- no title; a key BibTeX itself refuses (whitespace, braces, quotes, comma, '#', '%', ...);
- a field too long to be one (a pasted paper);
- no abstract, only when the maintainer set `require_abstract: true`.

warnings: the entry is published as it is
- no abstract: the page shows title, authors, venue, links, theme and the entry's own keywords;
- a likely duplicate paper: the same DOI or arXiv id, or near-identical titles (both named);
- a control character in a field (pasted from a PDF): dropped, the entry published;
- an entry written without a key: given one by the importer's rule (recorded);
- LaTeX that reads differently from what was probably meant: a bare `%`, an unbalanced
  `$`, LaTeX that does not parse in strict mode;
- an unknown entry type, a year that is not a year;
- what a formatted reference needs (`citation_problems`): a year that disagrees with the
  year in the venue's name, no authors, no year;
- a file not in UTF-8 (read in the encoding it declares or shows, `encoding.py`), and each
  entry holding a byte that is not UTF-8 (shown as U+FFFD).
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from ..errors import Problem
from .latex import has_bare_percent, percent_as_text, to_text
from ..models import Paper
from ..text import normal_title  # the comparison form of a title (also imported from here)
from .encoding import read_bib_text
from .entries import MISSING_KEY, VENUE_FIELDS, RawEntry, split_authors, year_of
from .ids import normal_doi

if TYPE_CHECKING:
    from .parse_memo import TitlePairs

KNOWN_ENTRY_TYPES = frozenset(
    """article book booklet inbook incollection inproceedings conference manual mastersthesis
    misc phdthesis proceedings techreport unpublished online report thesis preprint software
    dataset collection mvbook reference inreference periodical suppbook patent standard
    electronic www webpage""".split()
)
# What real `bibtex` refuses in a key (and what would end it early in a .bib file).
BAD_KEY_CHARACTER = re.compile(r"[\s,{}()\"#%'=\\~]")
# An abstract is a paragraph; anything this long is a pasted paper or a mistake, and
# spaCy refuses texts over 1,000,000 characters anyway.
MAX_FIELD_CHARS = 20_000
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TITLE_RATIO = 95
RENDERED_FIELDS = ("title", "abstract", "author", "journal", "journaltitle", "booktitle", "venue")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


# --- entries written without a key ---------------------------------------------------------

def key_identity(entry: RawEntry) -> str:
    """What names a keyless entry across builds: its file and its title and year as read."""
    return f"{Path(entry.source).name}|{normal_title(entry.values.get('title', ''))}|{year_of(entry.values)[0] or ''}"


def give_missing_keys(entries: list[RawEntry], recorded: dict[str, str]) -> tuple[list[RawEntry], list[Problem], dict[str, str]]:
    """Entries written without a key get one by the importer's rule (surname + year + first
    title word, a suffix on collision), or the one recorded for them by an earlier build,
    so a published page never moves. Each is a warning; the keys given are returned."""
    from .keys import base_key, unique_key

    taken = {e.key.lower() for e in entries if not e.key.startswith(MISSING_KEY)}
    given: dict[str, str] = {}
    problems, keyed = [], []
    for entry in entries:
        if not entry.key.startswith(MISSING_KEY):
            keyed.append(entry)
            continue
        identity = key_identity(entry)
        key = recorded.get(identity, "")
        if not key or key.lower() in taken or BAD_KEY_CHARACTER.search(key):
            values = entry.values
            key = unique_key(base_key(split_authors(values.get("author", "")), year_of(values)[0],
                                      values.get("title", "")), taken)
        taken.add(key.lower())
        given[identity] = key
        keyed.append(replace(entry, key=key))
        problems.append(Problem(entry.source, entry.line, key, (
            f"entry has no citation key: published as '{key}' (surname + year + first title word, kept in "
            "corpus/generated-keys.yml so it never changes); write the key into the entry to own it"), "warning"))
    return keyed, problems, given


# --- one entry -----------------------------------------------------------------------------

def judged_entries(entries: list[RawEntry], require_abstract: bool = False) -> Iterator[tuple[RawEntry, list[Problem]]]:
    """Each entry with its problems: its own (`entry_rules`), an error when its key was used
    by an earlier usable entry (the entry is skipped), a warning when the key equals an
    earlier one but for case (both are published)."""
    seen: dict[str, RawEntry] = {}
    seen_folded: dict[str, RawEntry] = {}     # lower-case key -> first usable entry with it
    for entry in entries:
        problems = entry_rules(entry, require_abstract)
        if entry.key in seen:
            other = seen[entry.key]
            problems.insert(0, _problem(entry, (
                f"duplicate citation key: also at {other.source}:{other.line}; this entry is skipped")))
        if not any(p.severity == "error" for p in problems):
            twin = seen_folded.setdefault(entry.key.lower(), entry)
            if twin is not entry:
                problems.append(_problem(entry, (
                    f"key equal but for case to '{twin.key}' at {twin.source}:{twin.line}: both are published "
                    "(at different URLs), but `bibtex` reads them as one key; rename one if you cite both"),
                    "warning"))
            seen[entry.key] = entry
        yield entry, problems


def _problem(entry: RawEntry, message: str, severity: str = "error") -> Problem:
    return Problem(entry.source, entry.line, entry.key, message, severity)


def entry_rules(entry: RawEntry, require_abstract: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    values = entry.values
    bad = BAD_KEY_CHARACTER.search(entry.key or "")
    if not entry.key or bad:
        problems.append(_problem(entry, (
            f"citation key '{entry.key}' holds {bad.group(0)!r}, which BibTeX does not accept in a key; "
            "the entry is skipped" if bad else "entry has no citation key; the entry is skipped")))
    if not has_text(values.get("title", "")):
        problems.append(_problem(entry, _missing_message(entry, "title")))
    if not has_text(values.get("abstract", "")):
        if require_abstract:
            problems.append(_problem(entry, _missing_message(entry, "abstract") + " (require_abstract is set)"))
        elif "abstract" not in values and _swallowed(entry, "abstract"):
            problems.append(_problem(entry, _missing_message(entry, "abstract") + "; the entry is skipped"))
        else:
            problems.append(_problem(entry, (
                "no abstract: the page shows the title, authors, venue and the entry's keywords; "
                "annotations come from the title"), "warning"))
    problems += _field_faults(entry)
    if problems and any(p.severity == "error" for p in problems):
        return problems
    if entry.entry_type not in KNOWN_ENTRY_TYPES:
        problems.append(_problem(entry, f"unknown entry type '@{entry.entry_type}'; shown as a generic work", "warning"))
    for name in ("title", "abstract"):
        if has_bare_percent(values.get(name, "")):
            problems.append(_problem(entry, (
                f"bare '%' in {name} starts a LaTeX comment; read as a percent sign, write '\\%'"), "warning"))
    year, year_problem = year_of(values)
    if year_problem:
        problems.append(_problem(entry, year_problem, "warning"))
    problems += citation_problems(entry, year, bool(year_problem))
    return problems


def _field_problem(entry: RawEntry, name: str, message: str, severity: str = "warning") -> Problem:
    """A problem located at the line where the entry writes field `name` (else at the entry)."""
    match = re.search(rf"^\s*{name}\s*=", entry.region, re.I | re.M)
    line = entry.line + entry.region.count("\n", 0, match.start()) if match else entry.line
    return Problem(entry.source, line, entry.key, message, severity)


# --- what a reference needs ------------------------------------------------------------------

# A year inside a venue's name ('CVPR 2023', 'Proceedings of ICML 2019'); arXiv ids
# ('arXiv:2006.10141', 'CoRR abs/2006.10141') and DOIs are taken out first, their digits are no year.
_VENUE_YEAR = re.compile(r"(?<![\w./:-])(19[5-9]\d|20\d\d)(?![\w/-]|\.\d)")
_NOT_A_YEAR = re.compile(r"\b\d{4}\.\d{4,5}(?:v\d+)?\b|\b10\.\d{4,9}/\S+|\babs/\S+")


def venue_years(venue: str) -> list[int]:
    """The years a venue's name holds, in order ('CVPR 2023' -> [2023]; 'arXiv:2006.10141' -> [])."""
    text = _NOT_A_YEAR.sub(" ", to_text(venue or ""))
    return [int(y) for y in _VENUE_YEAR.findall(text)]


def citation_problems(entry: RawEntry, year: int | None, bad_year: bool = False) -> list[Problem]:
    """What makes a formatted reference wrong or odd, as warnings (the entry is published):

    - a year that disagrees with the year in the venue's name ('booktitle = {CVPR 2023},
      year = {2022}': the arXiv year beside the conference's); a paper is cited by the year
      of the venue that published it;
    - no authors (nor editors): references start with the title in the author's place;
    - no year (nor date): references say 'n.d.' (no date).

    annobib changes no .bib file, so each says what the maintainer has to write."""
    values = entry.values
    problems = []
    venue_field = next((name for name in VENUE_FIELDS if values.get(name)), "")
    years = sorted(set(venue_years(values.get(venue_field, "")))) if venue_field else []
    if year and len(years) == 1 and years[0] != year:
        problems.append(_field_problem(entry, "year" if "year" in values else "date", (
            f"year {year} disagrees with {venue_field} '{to_text(values[venue_field])}', which names {years[0]}: "
            f"a paper is cited by the year of the venue that published it; write year = {{{years[0]}}} "
            "(a preprint's own year stays in its eprint id)"), "warning"))
    if not has_text(values.get("author", "")) and not has_text(values.get("editor", "")):
        problems.append(_problem(entry, (
            "no authors: annobib cannot supply them, and the formatted references start with the title "
            "in their place; add author = {...} from the paper itself"), "warning"))
    if year is None and not bad_year:
        problems.append(_problem(entry, (
            "no year: annobib cannot supply it, and the formatted references say 'n.d.' (no date); "
            "add year = {...} (or a BibLaTeX date)"), "warning"))
    return problems


def _swallowed(entry: RawEntry, name: str) -> bool:
    return bool(re.search(rf"\b{name}\s*=", entry.region, re.I))


def _missing_message(entry: RawEntry, name: str) -> str:
    if name not in entry.values and _swallowed(entry, name):
        return (f"BibTeX syntax error before field '{name}': a missing comma or an unbalanced brace "
                "ends the entry early")
    return f"missing required field(s): {name}" + ("; the entry is skipped" if name == "title" else "")


def has_text(value: str) -> bool:
    """Whether a value shows any text once LaTeX is read ('{ }' does not).

    A letter or digit outside a macro name settles it cheaply; only the rare rest pays
    for the full LaTeX conversion (which dominates `annobib check` otherwise).
    """
    return bool(re.search(r"(?<![\\A-Za-z])[A-Za-z0-9]", value or "")) or bool(to_text(value or ""))


def _field_faults(entry: RawEntry) -> list[Problem]:
    faults = []
    for name, value in entry.values.items():
        bad = CONTROL_CHARACTER.search(value)
        if bad:   # common in text pasted from PDFs: dropped, and the entry is published
            faults.append(_problem(entry, (
                f"field '{name}' holds the control character U+{ord(bad.group(0)):04X} "
                f"({len(CONTROL_CHARACTER.findall(value))} in all); they are dropped, remove them from the file"),
                "warning"))
        if len(value) > MAX_FIELD_CHARS:
            faults.append(_problem(entry, (
                f"field '{name}' is too long ({len(value):,} characters; the limit is {MAX_FIELD_CHARS:,}): "
                "an abstract is one paragraph")))
    return faults


# --- across entries ------------------------------------------------------------------------

def _where(paper: Paper) -> str:
    return f"{paper.source}:{paper.line} (entry '{paper.key}')"


def duplicate_papers(papers: list[Paper], known_pairs: TitlePairs | None = None) -> list[Problem]:
    """The same paper twice (same arXiv id or DOI, near-identical titles): a warning at the
    later entry naming the earlier one. Both stay published until the maintainer removes one.
    `known_pairs`: the title pairs of the last build (parse_memo.TitlePairs), updated here."""
    problems: list[Problem] = []
    reported: set[tuple[str, str]] = set()

    def report(first: Paper, later: Paper, why: str, advice: str) -> None:
        if (first.key, later.key) in reported:
            return
        reported.add((first.key, later.key))
        problems.append(Problem(later.source, later.line, later.key,
                                f"likely duplicate paper: {why}, also at {_where(first)}; {advice}", "warning"))

    keep_one = "both are published; delete one entry if they are the same paper"
    for label, ident in (("same arXiv id", lambda p: p.arxiv), ("same DOI", lambda p: normal_doi(p.doi))):
        first_with: dict[str, Paper] = {}
        for paper in papers:
            value = ident(paper)
            if value and value in first_with:
                report(first_with[value], paper, f"{label} {value}", keep_one)
            elif value:
                first_with[value] = paper

    for a, b, score in _similar_titles(papers, known_pairs):
        distinct = _distinct_ids(a, b)
        advice = (f"but {distinct} differ: two versions of one work, or two papers? " + keep_one
                  if distinct else keep_one)
        report(a, b, f"near-identical title (similarity {score:.0f}%)", advice)
    return problems


def _similar_titles(papers: list[Paper], known: TitlePairs | None = None) -> list[tuple[Paper, Paper, float]]:
    """(earlier, later, similarity) for each pair of papers with near-identical titles, in
    the corpus's order: papers with the same normal title, and papers of two titles paired
    by `_title_pairs`."""
    order = {id(p): i for i, p in enumerate(papers)}
    with_title: dict[str, list[Paper]] = {}
    for paper in papers:
        title = normal_title(paper.title)
        if title:
            with_title.setdefault(title, []).append(paper)
    found: list[tuple[Paper, Paper, float]] = []
    for same in with_title.values():
        found += [(a, b, 100.0) for i, a in enumerate(same) for b in same[i + 1:]]
    for (one, other), score in _title_pairs(list(with_title), known).items():
        for a in with_title[one]:
            found += [(a, b, score) if order[id(a)] < order[id(b)] else (b, a, score) for b in with_title[other]]
    found.sort(key=lambda pair: (order[id(pair[0])], order[id(pair[1])]))
    return found


def _title_pairs(titles: list[str], known: TitlePairs | None) -> dict[tuple[str, str], float]:
    """{(title, title): ratio} of the distinct `titles` at least TITLE_RATIO alike.

    ratio >= TITLE_RATIO (95) needs the longer title at most (200 - 95) / 95, about 1.1 times
    the shorter's length, so each title (in length order) is compared only with the titles
    of lengths within that bound, in one rapidfuzz
    `extract` call (no numpy: `annobib check` stays light). With `known`, pairs of two titles
    both compared in the last build are taken from it: only a new title is compared, with
    the longer titles and with the known shorter ones (a 10,000-paper corpus: about a second
    cold, milliseconds with one new paper)."""
    present = set(titles)
    old = (known.titles & present) if known is not None else frozenset()
    pairs = {pair: score for pair, score in (known.pairs if known is not None else {}).items()
             if pair[0] in old and pair[1] in old}
    ordered = sorted(titles, key=lambda title: (len(title), title))
    lengths = [len(title) for title in ordered]
    for i, title in enumerate(ordered):
        if title in old:
            continue
        low = bisect.bisect_left(lengths, lengths[i] * TITLE_RATIO / (200 - TITLE_RATIO))
        high = bisect.bisect_right(lengths, lengths[i] * (200 - TITLE_RATIO) / TITLE_RATIO)
        candidates = [other for other in ordered[low:i] if other in old] + ordered[i + 1:high]
        for other, score, _ in process.extract(title, candidates, scorer=fuzz.ratio, score_cutoff=TITLE_RATIO,
                                               limit=None):
            pairs[min(title, other), max(title, other)] = score
    if known is not None:
        known.remember(present, pairs)
    return pairs


def _distinct_ids(a: Paper, b: Paper) -> str:
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return f"the arXiv ids ({a.arxiv}, {b.arxiv})"
    if a.doi and b.doi and normal_doi(a.doi) != normal_doi(b.doi):
        return f"the DOIs ({a.doi}, {b.doi})"
    return ""


# --- LaTeX -----------------------------------------------------------------------------------

class FieldLocator:
    """Line of a field inside an entry, reading each file once."""

    _FIELD_START = re.compile(r"^\s*([A-Za-z][\w:-]*)\s*=")

    def __init__(self):
        self._lines: dict[str, list[str]] = {}

    def line(self, paper: Paper, name: str) -> int:
        if paper.source not in self._lines:
            try:
                self._lines[paper.source] = read_bib_text(Path(paper.source)).splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[paper.source] = []
        lines = self._lines[paper.source]
        for number in range(paper.line, min(len(lines), paper.line + 500) + 1):
            text = lines[number - 1]
            if number > paper.line and text.lstrip().startswith("@"):
                break
            match = self._FIELD_START.match(text) if number > paper.line else None
            if match and match.group(1).lower() == name:
                return number
        return paper.line


def latex_problems(papers: list[Paper], locator: FieldLocator | None = None,
                   verdicts: dict[str, str] | None = None) -> list[Problem]:
    """LaTeX the page cannot show as written: warnings (the tolerant reader still renders text).

    `verdicts`: strict-parse results remembered between builds (parse_memo.LatexVerdicts),
    read and added to; a value seen before is not parsed again."""
    locator = locator or FieldLocator()
    problems = []
    for paper in papers:
        for name, value in paper.fields:
            if name not in RENDERED_FIELDS or ("\\" not in value and "$" not in value):
                continue  # text without '\' or '$' cannot fail a strict parse: keeps check fast
            where = dict(file=paper.source, line=locator.line(paper, name), entry=paper.key, severity="warning")
            dollars = len(_UNESCAPED_DOLLAR.findall(value))
            if dollars % 2:
                problems.append(Problem(**where, message=(
                    f"unbalanced '$' in {name} ({dollars} unescaped): the text after it is read as "
                    "math and the '$' vanishes from the page; write '\\$' for a dollar sign or close the formula")))
                continue
            detail = verdicts.get(value) if verdicts is not None else None
            if detail is None:
                detail = _strict_parse_error(value)
                if verdicts is not None:
                    verdicts[value] = detail
            if detail:
                problems.append(Problem(**where, message=(
                    f"LaTeX in {name} does not parse ({detail}); the page shows a best guess: "
                    f"{_shorten(to_text(value))!r}")))
    return problems


def _strict_parse_error(value: str) -> str:
    """'' when `value` parses as strict LaTeX, else the first line of the parser's complaint."""
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerError

    try:
        LatexWalker(percent_as_text(value), tolerant_parsing=False).get_latex_nodes()
    except LatexWalkerError as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ""


def _shorten(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

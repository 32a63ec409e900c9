"""Load and validate the corpus: `corpus/*.bib` -> list[Paper].

bibtexparser 2 does the parsing. Every block it could not parse, every duplicate key
and every missing field becomes a located Problem (file, line, entry): nothing
vanishes without a word. The loader never stops at the first fault; the caller
decides what to do with the whole list.
"""
from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import model as bibmodel

from .errors import CorpusError, Problem
from .latex import has_bare_percent, to_text
from .models import Paper

REQUIRED_FIELDS = ("title", "abstract")
KNOWN_ENTRY_TYPES = frozenset(
    """article book booklet inbook incollection inproceedings conference manual mastersthesis
    misc phdthesis proceedings techreport unpublished online report thesis preprint""".split()
)
USER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(), range(1, 13)))
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "venue")
# An abstract is a paragraph; anything this long is a pasted paper or a mistake, and
# spaCy refuses texts over 1,000,000 characters anyway.
MAX_FIELD_CHARS = 20_000
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class LoadResult:
    papers: list[Paper]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def raise_on_errors(self) -> list[Paper]:
        if self.errors:
            raise CorpusError(self.problems)
        return self.papers


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("*.bib"))


def load_corpus(corpus_dir: Path) -> LoadResult:
    """Every paper of every `*.bib` file in `corpus_dir`, and every problem found."""
    files = corpus_files(corpus_dir)
    if not files:
        return LoadResult([], [Problem(str(corpus_dir), 0, "", "no .bib files in the corpus folder")])
    papers, problems = [], []
    for path in files:
        file_papers, file_problems = load_file(path)
        papers.extend(file_papers)
        problems.extend(file_problems)
    problems.extend(_duplicate_keys_across(papers))
    seen: set[str] = set()
    unique = [p for p in papers if not (p.key.lower() in seen or seen.add(p.key.lower()))]
    if not unique and not any(p.severity == "error" for p in problems):
        problems.append(Problem(str(corpus_dir), 0, "", "the corpus has no papers: nothing to build"))
    return LoadResult(unique, problems)


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        before = data[: exc.start].decode("utf-8", errors="replace")
        keys = re.findall(r"@\s*\w+\s*[{(]\s*([^,\s}=]+)\s*,", before)
        entry = keys[-1] if keys else ""
        return None, [Problem(str(path), line, entry, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")]


def load_file(path: Path) -> tuple[list[Paper], list[Problem]]:
    text, problems = read_text(path)
    if text is None:
        return [], problems
    if not text.strip():
        return [], [Problem(str(path), 1, "", "file is empty: no entries (add entries or delete the file)")]
    library = bibtexparser.parse_string(text)
    problems += [_failed_block_problem(path, block) for block in library.failed_blocks]
    strings = {s.key.lower(): s.value for s in library.strings}
    papers = []
    lines = text.splitlines()
    for entry in library.entries:
        paper, entry_problems = _paper_from_entry(path, entry, strings, _entry_region(lines, entry.start_line or 0))
        problems += entry_problems
        if paper is not None:
            papers.append(paper)
    if not library.entries and not library.failed_blocks:
        problems.append(Problem(str(path), 1, "", "no BibTeX entries found in the file"))
    return papers, problems


def _failed_block_problem(path: Path, block) -> Problem:
    line = (block.start_line or 0) + 1
    key = _key_of_raw(block.raw)
    if re.match(r"\s*@\s*\w+\s*[{(]\s*[A-Za-z_][\w-]*\s*=\s*([{\"\d]|$)", block.raw or ""):
        return Problem(str(path), line, "", "entry has no citation key: write one after '{', then a comma")
    if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
        message = f"duplicate citation key '{block.key}': the entry is ignored until the key is unique"
    elif isinstance(block, bibmodel.DuplicateFieldKeyBlock):
        message = f"a field is repeated in the entry ({_first_line(block.error)})"
    else:
        message = f"BibTeX syntax error: {_first_line(getattr(block, 'error', None)) or 'unparseable block'} (check for unbalanced braces or a missing comma)"
    return Problem(str(path), line, key, message)


def _first_line(error) -> str:
    text = str(getattr(error, "abort_reason", "") or error or "").strip()
    return text.splitlines()[0] if text else ""


def _key_of_raw(raw: str) -> str:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s}]*)", raw or "")
    return match.group(1) if match else ""


def _field_value(field, strings: dict[str, str]) -> str:
    """The field's text; only a bare (unenclosed) value can hold macros or '#' concatenation."""
    value = str(field.value)
    if getattr(field, "enclosing", "no-enclosing") == "no-enclosing":
        value = _expand(value, strings)
    return value.strip()


def _expand(value: str, strings: dict[str, str]) -> str:
    """Resolve `a # "b"` concatenation and @string / month macros, left as-is by bibtexparser."""
    parts = _split_concatenation(value)
    if len(parts) == 1 and not _is_macro(parts[0], strings):
        return value
    return "".join(_resolve_part(part, strings) for part in parts)


def _split_concatenation(value: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, []
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        if ch == "#" and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def _is_macro(part: str, strings: dict[str, str]) -> bool:
    return part.lower() in strings or part.lower() in MONTHS


def _resolve_part(part: str, strings: dict[str, str]) -> str:
    if len(part) >= 2 and part[0] == part[-1] == '"':
        return part[1:-1]
    if len(part) >= 2 and part[0] == "{" and part[-1] == "}":
        return part[1:-1]
    if part.lower() in strings:
        return strings[part.lower()]
    if part.lower() in MONTHS:
        return str(MONTHS[part.lower()])
    return part


def _entry_region(lines: list[str], start: int) -> str:
    """The file's text from an entry's first line to the next line starting with '@'.

    A stray '}' ends the entry early for the parser; the region still shows the fields
    the maintainer wrote, so the error can point at the brace instead of a missing field.
    """
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("@")), len(lines))
    return "\n".join(lines[start:end])


def _paper_from_entry(path: Path, entry, strings: dict[str, str], region: str) -> tuple[Paper | None, list[Problem]]:
    line = (entry.start_line or 0) + 1
    where = dict(file=str(path), line=line, entry=entry.key)
    problems: list[Problem] = []
    values = {f.key.lower(): _field_value(f, strings) for f in entry.fields}
    if not USER_KEY.match(entry.key or ""):
        problems.append(Problem(**where, message=(
            f"citation key '{entry.key}' may hold only letters, digits, '_' and '-' "
            "(it becomes the URL /papers/<key>/)")))
    missing = [name for name in REQUIRED_FIELDS if not _has_text(values.get(name, ""))]
    swallowed = [name for name in missing if name not in values and re.search(rf"\b{name}\s*=", region, re.I)]
    if swallowed:
        problems.append(Problem(**where, message=(
            f"BibTeX syntax error before field '{swallowed[0]}': a missing comma or an unbalanced brace "
            "ends the entry early")))
    elif missing:
        problems.append(Problem(**where, message=f"missing required field(s): {', '.join(missing)}"))
    problems += _field_faults(values, where)
    if problems:
        return None, problems
    entry_type = entry.entry_type.lower()
    if entry_type not in KNOWN_ENTRY_TYPES:
        problems.append(Problem(**where, message=f"unknown entry type '@{entry.entry_type}'", severity="warning"))
    for name in ("title", "abstract"):
        if has_bare_percent(values[name]):
            problems.append(Problem(**where, severity="warning", message=(
                f"bare '%' in {name} starts a LaTeX comment; read as a percent sign, write '\\%'")))
    year, year_problem = _year(values)
    if year_problem:
        problems.append(Problem(**where, message=year_problem, severity="warning"))
    paper = Paper(
        key=entry.key,
        entry_type=entry_type,
        title=values["title"],
        abstract=values["abstract"],
        authors=split_authors(values.get("author", "")),
        year=year,
        venue=next((values[f] for f in VENUE_FIELDS if values.get(f)), None),
        arxiv=_arxiv_id(values),
        doi=values.get("doi") or None,
        url=values.get("url") or None,
        fields=tuple((f.key.lower(), values[f.key.lower()]) for f in entry.fields),
        source=str(path),
        line=line,
    )
    return paper, problems


def _has_text(value: str) -> bool:
    """Whether a value shows any text once LaTeX is read ('{ }' does not).

    A letter or digit outside a macro name settles it cheaply; only the rare rest pays
    for the full LaTeX conversion (which dominates `annobib check` otherwise).
    """
    return bool(re.search(r"(?<![\\A-Za-z])[A-Za-z0-9]", value)) or bool(to_text(value))


def _field_faults(values: dict[str, str], where: dict) -> list[Problem]:
    faults = []
    for name, value in values.items():
        bad = CONTROL_CHARACTER.search(value)
        if bad:
            faults.append(Problem(**where, message=(
                f"field '{name}' holds the control character U+{ord(bad.group(0)):04X}; remove it")))
        if len(value) > MAX_FIELD_CHARS:
            faults.append(Problem(**where, message=(
                f"field '{name}' is too long ({len(value):,} characters; the limit is {MAX_FIELD_CHARS:,}): "
                "an abstract is one paragraph")))
    return faults


def split_authors(field: str) -> tuple[str, ...]:
    """Split on ' and ' outside braces ('{Barnes and Noble}' stays one name)."""
    depth = list(itertools.accumulate((ch == "{") - (ch == "}") for ch in field))
    names, start = [], 0
    for separator in re.finditer(r"\s+and\s+", field, flags=re.I):
        if depth[separator.start()] == 0:
            names.append(field[start:separator.start()])
            start = separator.end()
    names.append(field[start:])
    return tuple(n.strip() for n in names if n.strip())


def _year(values: dict[str, str]) -> tuple[int | None, str | None]:
    raw = values.get("year") or values.get("date") or ""
    if not raw:
        return None, None
    match = re.search(r"\b(1[5-9]\d\d|20\d\d|2100)\b", raw)
    if not match:
        return None, f"year '{raw}' is not a year; the paper is shown without one"
    return int(match.group(1)), None


def _arxiv_id(values: dict[str, str]) -> str | None:
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").lower()
    if values.get("eprint") and prefix in {"arxiv", ""}:
        match = ARXIV_ID.search(values["eprint"])
        if match:
            return match.group(1)
    for name in ("journal", "note", "url", "howpublished"):
        text = values.get(name, "")
        if "arxiv" in text.lower():
            match = ARXIV_ID.search(text)
            if match:
                return match.group(1)
    return None


def _duplicate_keys_across(papers: list[Paper]) -> list[Problem]:
    """Keys equal up to case collide too: /papers/Key/ and /papers/key/ are one folder on macOS/Windows."""
    first_seen: dict[str, Paper] = {}
    problems = []
    for paper in papers:
        other = first_seen.get(paper.key.lower())
        if other is None:
            first_seen[paper.key.lower()] = paper
        elif other.key == paper.key:
            problems.append(Problem(paper.source, paper.line, paper.key,
                                    f"duplicate citation key: also at {other.source}:{other.line}"))
        else:
            problems.append(Problem(paper.source, paper.line, paper.key, (
                f"duplicate citation key up to case: '{other.key}' at {other.source}:{other.line} "
                "(their URLs would collide)")))
    return problems


def normal_title(title: str) -> str:
    """Plain, lower-case, punctuation-free: '{NeRF}: Neural...' -> 'nerf neural ...'.

    The comparison form of a title, for finding the same paper twice."""
    folded = "".join(c if c.isascii() else "" if unicodedata.combining(c) else " "
                     for c in unicodedata.normalize("NFKD", to_text(title).lower()))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def plain_title(paper: Paper) -> str:
    return to_text(paper.title)

"""Load the corpus: `corpus/*.bib` -> entries -> Paper records, plus every problem found.

    result = load_corpus(Path("corpus"))      # LoadResult: papers, problems, counts

bibtexparser 2 does the parsing. What real exports carry and bibtexparser leaves as
written is resolved here, once: `#` concatenation, @string macros (also macros built
from other macros), month macros, crossref inheritance (an @inproceedings takes
`booktitle`, `year`, `publisher` ... from its @proceedings), BibLaTeX `date`,
`journaltitle`, `eprint` + `eprinttype`. Which entries are usable is decided by the
one rule set in `rules.py`; what an entry's values say is read in `entries.py`; this
module reads the files and makes the papers.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser import model as bibmodel

from ..enrich.sidecar import apply_sidecar
from ..errors import CorpusError, HasProblems, Problem
from ..models import Paper
from .encoding import decode_bib, encoding_problems
from .entries import (MISSING_KEY, RawEntry, arxiv_of, doi_of, keywords_of, split_authors, venue_of,
                      year_of)
from .language import declared_language
from .notes import apply_note_files, field_note
from .parse_memo import LatexVerdicts, ParseMemo, TitlePairs
from .privacy import PrivacyRule
from .rules import (CONTROL_CHARACTER, duplicate_papers, entry_rules, give_missing_keys, has_text,
                    judged_entries, latex_problems)

LATEX_VERDICTS = "latex-verdicts.json"     # beside the parse memo: strict LaTeX verdicts between builds
TITLE_PAIRS = "title-pairs.json"           # and the near-identical titles found (duplicate_papers)

MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(), range(1, 13)))
# Fields a crossref target does not pass on: they describe the target, not the paper.
NOT_INHERITED = frozenset("""title subtitle abstract keywords doi url ee eprint eprinttype archiveprefix
    pages biburl bibsource timestamp file urldate ids annote note crossref""".split())

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class LoadResult(HasProblems):
    """The usable papers, every problem, and the count that proves nothing was lost:
    `entries_read == len(papers) + len(skipped)`."""

    papers: list[Paper]
    problems: list[Problem]
    entries_read: int = 0
    skipped: tuple[Problem, ...] = ()     # one error per entry that was not used
    generated_keys: dict[str, str] = field(default_factory=dict)   # identity -> key given to a keyless entry

    @property
    def without_abstract(self) -> int:
        return sum(not p.has_abstract for p in self.papers)

    def raise_on_errors(self) -> list[Paper]:
        """The papers, or CorpusError listing every problem when there is any error."""
        if self.errors:
            raise CorpusError(self.problems)
        return self.papers


def load_corpus(corpus_dir: Path, require_abstract: bool = False, privacy: PrivacyRule = PrivacyRule(),
                notes_dir: Path | None = None, recorded_keys: dict[str, str] | None = None,
                parse_cache: Path | None = None, on_papers=None, on_parse=None) -> LoadResult:
    """Every usable paper of every `*.bib` file in `corpus_dir`, and every problem found.

    `privacy`: which fields are left out of the papers (never reach the site);
    `notes_dir`: the project's `notes/` folder of notes written for the site;
    `recorded_keys`: keys given earlier to entries written without one (identity -> key);
    `parse_cache`: a folder where parsed files are kept, so that only changed files are
    parsed again, with the strict LaTeX verdicts beside it (`parse_memo.py`);
    `on_papers(papers)`: called with the usable papers as soon as they are read, before the
    checks across entries (a build starts its models there when a text is new);
    `on_parse()`: called once, before the first file that is parsed afresh (not found in
    `parse_cache`): a build starts its models there, so they load during the parse too.
    """
    files = corpus_files(corpus_dir)
    if not files:
        return LoadResult([], [Problem(str(corpus_dir), 0, "", "no .bib files in the corpus folder")])
    memo = ParseMemo(parse_cache) if parse_cache is not None else None
    read, skipped = _read_files(files, memo, on_parse)
    if memo is not None:
        memo.save()
    entries, problems, generated = give_missing_keys(read.entries, recorded_keys or {})
    problems = read.problems + problems
    papers: list[Paper] = []
    for entry, entry_problems in judged_entries(resolve_crossrefs(entries), require_abstract):
        problems += entry_problems
        errors = [p for p in entry_problems if p.severity == "error"]
        if errors:
            skipped.append(errors[0])
        else:
            papers.append(paper_from(entry, privacy))
    papers, note_problems = apply_note_files(papers, notes_dir)
    papers, problems = apply_sidecar(papers, problems + note_problems, corpus_dir)   # corpus/enrichment.json
    if on_papers is not None:
        on_papers(papers)
    verdicts = LatexVerdicts(parse_cache.with_name(LATEX_VERDICTS)) if parse_cache is not None else None
    known_pairs = TitlePairs(parse_cache.with_name(TITLE_PAIRS)) if parse_cache is not None else None
    problems += duplicate_papers(papers, known_pairs) + latex_problems(papers, verdicts=verdicts)
    for memo in (verdicts, known_pairs):
        if memo is not None:
            memo.save()
    if not papers and not any(p.severity == "error" for p in problems):
        problems.append(Problem(str(corpus_dir), 0, "", "the corpus has no papers: nothing to build"))
    problems.sort(key=lambda p: (p.file, p.line, p.severity != "error", p.entry, p.message))
    return LoadResult(papers, problems, read.blocks, tuple(skipped), generated)


def _read_files(files: list[Path], memo: ParseMemo | None = None, on_parse=None) -> tuple[FileRead, list[Problem]]:
    """Every entry of the files, read in order (a @string holds for the files after its own),
    and the error of each failed block (an entry read and not used). `on_parse`: see `load_corpus`."""
    read, skipped = FileRead(), []
    strings: dict[str, str] = {}
    parse = _announced(read_file, on_parse) if on_parse is not None else read_file
    for path in files:
        one = memo.read(path, strings, parse) if memo is not None else parse(path, strings)
        read.entries += one.entries
        read.problems += one.problems
        read.blocks += one.blocks
        unused = one.blocks - len(one.entries)
        skipped += [p for p in one.problems if p.severity == "error"][:unused]
    return read, skipped


def _announced(parse, on_parse):
    """`parse`, calling `on_parse()` once, before the first file it parses."""
    waiting = [on_parse]

    def announced(*args):
        if waiting:
            waiting.pop()()
        return parse(*args)
    return announced


def load_file(path: Path) -> tuple[list[Paper], list[Problem]]:
    """The usable papers of one file (its own crossrefs resolved) and its problems."""
    read = read_file(path)
    papers, problems = [], list(read.problems)
    for entry in resolve_crossrefs(read.entries):
        entry_problems = entry_rules(entry)
        problems += entry_problems
        if not any(p.severity == "error" for p in entry_problems):
            papers.append(paper_from(entry))
    return papers, problems


def paper_from(entry: RawEntry, privacy: PrivacyRule = PrivacyRule()) -> Paper:
    """The paper an entry describes; private fields (corpus/privacy.py) are left out here,
    once, so that no output can carry them."""
    values = {name: CONTROL_CHARACTER.sub("", value) for name, value in entry.values.items()}
    names = list(entry.order) + [n for n in entry.inherited if n not in entry.order]
    private = tuple(n for n in dict.fromkeys(names) if privacy.is_private(n) and n in values)
    note = field_note(values) if privacy.publish_notes else ""
    return Paper(
        key=entry.key,
        entry_type=entry.entry_type,
        title=values.get("title", ""),
        abstract=values.get("abstract", "") if has_text(values.get("abstract", "")) else "",
        authors=split_authors(values.get("author", "")),
        year=year_of(values)[0],
        venue=venue_of(values),
        arxiv=arxiv_of(values),
        doi=doi_of(values),
        url=values.get("url") or None,
        fields=tuple((n, values[n]) for n in names if n != "crossref" and n in values and n not in private),
        source=entry.source,
        line=entry.line,
        keywords=keywords_of(values),
        private_fields=private,
        language=declared_language(values),
        note=note,
        note_source="field" if note else "",
    )


# --- reading the files -------------------------------------------------------------------

@dataclass
class FileRead:
    """Everything one file holds: entries, failed blocks (as problems), and counts."""

    entries: list[RawEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blocks: int = 0                  # entry-like blocks read: entries + failed ones


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("*.bib"))


def read_text(path: Path, data: bytes | None = None) -> tuple[str, list[Problem]]:
    """The file's text in the encoding it declares or shows (see `encoding`), and the
    warnings that say so: no entry is lost to an encoding, nor to a stray byte.
    `data`: the file's bytes when the caller has read them already."""
    decoded = decode_bib(path.read_bytes() if data is None else data)
    return decoded.text, encoding_problems(str(path), decoded)


def read_file(path: Path, strings: dict[str, str] | None = None, data: bytes | None = None) -> FileRead:
    """The entries of one .bib file, macros and concatenation resolved (crossref not yet).

    `strings`: @string macros of the files read before this one (bibtex reads its .bib
    files in order and a macro holds for the rest of them); this file's are added to it.
    `data`: the file's bytes when the caller has read them already (the parse memo).
    """
    read = FileRead()
    strings = {} if strings is None else strings
    text, read.problems = read_text(path, data)
    if not text.strip():
        read.problems.append(Problem(str(path), 1, "", "file is empty: no entries (add entries or delete the file)"))
        return read
    library = bibtexparser.parse_string(mark_missing_keys(text))
    macros = [b for b in library.failed_blocks if _is_macro_block(b)]
    failed = [b for b in library.failed_blocks if not _is_macro_block(b)]
    read.problems += [_failed_block_problem(path, block) for block in failed]
    read.blocks = len(library.entries) + len(failed)
    _resolve_strings(library.strings, strings)
    read.problems += _redefined_macros(path, macros, strings)
    lines = text.splitlines()
    for entry in library.entries:
        values: dict[str, str] = {}
        for f in entry.fields:
            values.setdefault(f.key.lower(), _field_value(f, strings))
        start = entry.start_line or 0
        read.entries.append(RawEntry(
            key=entry.key, entry_type=entry.entry_type.lower(), values=values,
            order=tuple(dict.fromkeys(f.key.lower() for f in entry.fields)),
            source=str(path), line=start + 1, region=_entry_region(lines, start)))
    if not library.entries and not library.failed_blocks:
        read.problems.append(Problem(str(path), 1, "", "no BibTeX entries found in the file"))
    return read


# An entry written without a key: `@article{,` (Mendeley writes these) or `@misc{` straight
# followed by a field. It gets a placeholder key naming its line, so bibtexparser reads it
# whole; `load_corpus` then gives it a key by the importer's rule (`rules.give_missing_keys`).
_NO_KEY = re.compile(r"^([ \t]*@[ \t]*(?!(?:string|comment|preamble)\b)[A-Za-z]\w*[ \t]*[{(])[ \t]*"
                     r"(?=,|\s*[A-Za-z_][\w-]*\s*=)", re.I | re.M)


def mark_missing_keys(text: str) -> str:
    """`@article{,` -> `@article{annobib-missing-key-line-12,` (same lines, same line numbers)."""
    if not _NO_KEY.search(text):
        return text
    return _NO_KEY.sub(lambda m: f"{m.group(1)}{MISSING_KEY}{text.count(chr(10), 0, m.start()) + 1}"
                       + ("" if text[m.end():m.end() + 1] == "," else ","), text)


def resolve_crossrefs(entries: list[RawEntry]) -> list[RawEntry]:
    """Each entry with a `crossref` takes the fields it lacks from its target (BibTeX rule:
    the target's `title` becomes the entry's `booktitle`); targets are looked up
    case-insensitively across all files, as bibtex does."""
    by_key = {e.key.lower(): e for e in entries}
    resolved = []
    for entry in entries:
        target = by_key.get(entry.values.get("crossref", "").strip().lower())
        if target is None or target is entry:
            resolved.append(entry)
            continue
        values, inherited = dict(entry.values), []
        for name, value in target.values.items():
            if name not in values and name not in NOT_INHERITED:
                values[name] = value
                inherited.append(name)
        if "booktitle" not in values and target.values.get("title"):
            values["booktitle"] = target.values["title"]
            inherited.append("booktitle")
        resolved.append(RawEntry(entry.key, entry.entry_type, values, entry.order, entry.source,
                                 entry.line, entry.region, tuple(inherited)))
    return resolved


# --- values ----------------------------------------------------------------------------

def _failed_block_problem(path: Path, block) -> Problem:
    line = (block.start_line or 0) + 1
    key = _key_of_raw(block.raw)
    if re.match(r"\s*@\s*\w+\s*[{(]\s*[A-Za-z_][\w-]*\s*=\s*([{\"\d]|$)", block.raw or ""):
        return Problem(str(path), line, "", "entry has no citation key: write one after '{', then a comma; the entry is skipped")
    if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
        message = f"duplicate citation key '{block.key}': this entry is skipped until the key is unique"
    elif isinstance(block, bibmodel.DuplicateFieldKeyBlock):
        message = f"a field is repeated in the entry ({_first_line(block.error)}); the entry is skipped"
    else:
        message = (f"BibTeX syntax error: {_first_line(getattr(block, 'error', None)) or 'unparseable block'} "
                   "(check for unbalanced braces or a missing comma); the entry is skipped")
    return Problem(str(path), line, key, message)


def _is_macro_block(block) -> bool:
    """A failed @string / @preamble / @comment block: no entry, so no page is lost."""
    return bool(re.match(r"\s*@\s*(string|preamble|comment)\b", block.raw or "", re.I))


def _redefined_macros(path: Path, blocks, strings: dict[str, str]) -> list[Problem]:
    """A macro defined twice: like bibtex, the later definition holds from there on.

    (Applied after the whole file, which matters only if an entry between the two
    definitions uses the macro; the warning names the line.)"""
    problems = []
    for block in blocks:
        line = (block.start_line or 0) + 1
        parsed = bibtexparser.parse_string(block.raw or "")
        if not parsed.strings:
            problems.append(Problem(str(path), line, "", "unreadable @string/@preamble/@comment block; ignored",
                                    "warning"))
            continue
        _resolve_strings(parsed.strings, strings)
        problems.append(Problem(str(path), line, "", (
            f"@string '{parsed.strings[0].key}' is defined again; the later definition is used"), "warning"))
    return problems


def _first_line(error) -> str:
    text = str(getattr(error, "abort_reason", "") or error or "").strip()
    return text.splitlines()[0] if text else ""


def _key_of_raw(raw: str) -> str:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s}]*)", raw or "")
    return match.group(1) if match else ""


def _resolve_strings(blocks, strings: dict[str, str]) -> None:
    """Add @string macros to `strings` in file order; a macro may use the ones defined before it."""
    for block in blocks:
        strings[block.key.lower()] = _expand(str(block.value), strings)


def _field_value(f, strings: dict[str, str]) -> str:
    """The field's text; only a bare (unenclosed) value can hold macros or '#' concatenation."""
    value = str(f.value)
    if getattr(f, "enclosing", "no-enclosing") == "no-enclosing":
        value = _expand(value, strings)
    return value.strip()


def _expand(value: str, strings: dict[str, str]) -> str:
    """Resolve `a # "b"` concatenation and @string / month macros."""
    parts = _split_concatenation(value)
    if len(parts) == 1 and not _is_macro(parts[0], strings):
        return _unquote(value.strip())
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


def _unquote(part: str) -> str:
    if len(part) >= 2 and (part[0] == part[-1] == '"' or (part[0] == "{" and part[-1] == "}")):
        return part[1:-1]
    return part


def _resolve_part(part: str, strings: dict[str, str]) -> str:
    if part.lower() in strings:
        return strings[part.lower()]
    if part.lower() in MONTHS:
        return str(MONTHS[part.lower()])
    return _unquote(part)


def _entry_region(lines: list[str], start: int) -> str:
    """The file's text from an entry's first line to the next line starting with '@'.

    A stray '}' ends the entry early for the parser; the region still shows the fields
    the maintainer wrote, so the error can point at the brace instead of a missing field.
    """
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("@")), len(lines))
    return "\n".join(lines[start:end])

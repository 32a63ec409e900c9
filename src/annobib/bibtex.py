"""Writing BibTeX that both bibtexparser and the real `bibtex` program accept.

Values are kept as the maintainer wrote them (LaTeX), except that characters LaTeX
treats as special outside math (& % # _) are escaped when they are bare, so that
printing the bibliography does not break. URLs and identifiers are left verbatim.
"""
from __future__ import annotations

import re

from .models import Paper

# Fields printed verbatim: \url{} and DOI resolvers want the raw characters.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "adsurl", "urldate", "archiveprefix"})
FIELD_ORDER = ("author", "title", "journal", "booktitle", "year", "month", "volume",
               "number", "pages", "publisher", "doi", "eprint", "archiveprefix",
               "primaryclass", "url", "note", "abstract")
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


def format_entry(paper: Paper, include_abstract: bool = True) -> str:
    """One entry in a stable layout: known fields in a fixed order, others before abstract."""
    lines = [f"@{paper.entry_type}{{{paper.key},"]
    for name, value in _ordered_fields(paper.fields):
        if name == "abstract" and not include_abstract:
            continue
        lines.append(f"  {name} = {{{format_value(name, value)}}},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def format_bibliography(papers: list[Paper] | tuple[Paper, ...], include_abstract: bool = True) -> str:
    return "\n".join(format_entry(p, include_abstract) for p in papers)

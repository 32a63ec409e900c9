"""LaTeX in titles and abstracts, turned into readable unicode text.

Corpus values are BibTeX/LaTeX ('SL$^{2}$A-INR', '{\\"o}', '\\&'); pages, search and
keyphrase extraction want plain text ('SL²A-INR', 'ö', '&'). pylatexenc does the parsing.
"""
from __future__ import annotations

import functools
import re

from pylatexenc.latex2text import LatexNodes2Text

_CONVERTER = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
# A bare '%' starts a LaTeX comment and would swallow the rest of the line: pasted
# abstracts often mean a percentage, so it is read as one (check warns about it).
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# A bare '&' is a LaTeX alignment tab that pylatexenc drops: pasted text means 'and'.
_BARE_AMPERSAND = re.compile(r"(?<!\\)&")
# \href{url}{text} reads as its text; pylatexenc does not know the macro.
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])\{?([0-9+\-=()n]+)\}?")


def _scripts_to_unicode(math: str) -> str:
    def swap(match: re.Match) -> str:
        table = _SUPERSCRIPTS if match.group(1) == "^" else _SUBSCRIPTS
        converted = match.group(2).translate(table)
        return converted if all(ch not in "0123456789+-=()n" for ch in converted) else match.group(0)

    return _SCRIPT.sub(swap, math)


def _inline_math_scripts(latex: str) -> str:
    """'$^{2}$' -> '$²$' before conversion, so 'SL$^{2}$A' reads 'SL²A'."""
    return re.sub(r"\$([^$]*)\$", lambda m: "$" + _scripts_to_unicode(m.group(1)) + "$", latex)


# Most values hold no LaTeX beyond escaped specials (\& \% \_ ...) and grouping braces;
# they skip pylatexenc, which costs ~15 ms per abstract and dominated rebuilds.
_ESCAPED_SPECIAL = re.compile(r"\\([&%#_${}])")
_NEEDS_PARSER = re.compile(r"[\\$~^_%&#]|--|``|''")
_PLACEHOLDERS = {ch: chr(0xE000 + i) for i, ch in enumerate("&%#_${}")}


def _simple_text(latex: str) -> str | None:
    """The text of a value with no macros, math or ligatures; None when it has any."""
    marked = _ESCAPED_SPECIAL.sub(lambda m: _PLACEHOLDERS[m.group(1)], latex)
    if _NEEDS_PARSER.search(marked):
        return None
    text = marked.replace("{", "").replace("}", "")
    for char, placeholder in _PLACEHOLDERS.items():
        text = text.replace(placeholder, char)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=8192)
def to_text(latex: str) -> str:
    """Readable unicode text of a LaTeX/BibTeX value; never raises."""
    if not latex:
        return ""
    simple = _simple_text(latex)
    if simple is not None:
        return simple
    prepared = _BARE_AMPERSAND.sub(r"\\&", percent_as_text(latex))
    prepared = _inline_math_scripts(_HREF.sub(r"\1", prepared))
    try:
        text = _CONVERTER.latex_to_text(prepared)
    except Exception:  # pylatexenc is tolerant, but a corpus value must never stop a build
        text = prepared.replace("{", "").replace("}", "")
    text = _scripts_to_unicode(text)
    return re.sub(r"\s+", " ", text).strip()


def percent_as_text(latex: str) -> str:
    """Escape bare '%' so it reads as a percent sign, not as the start of a comment."""
    return _BARE_PERCENT.sub(r"\\%", latex)


def has_bare_percent(latex: str) -> bool:
    return bool(_BARE_PERCENT.search(latex or ""))

"""The language an entry declares: BibLaTeX `langid`, `language` or `hyphenation`.

Values are babel / polyglossia names (`ngerman`, `french`, `USenglish`), ISO codes
(`de`, `deu`, `en-GB`) or the language's own name (`Deutsch`, `Français`). The result is
an ISO 639-1 code, or "" when nothing (readable) is declared: `analyze` then detects the
language from the text.
"""
from __future__ import annotations

import re

# babel / polyglossia names, English and native names, ISO 639-2 codes -> ISO 639-1
_NAMES = {
    "en": "english american british usenglish ukenglish canadian australian newzealand eng anglais englisch inglés",
    "de": "german ngerman austrian naustrian swissgerman nswissgerman deutsch allemand deu ger tedesco alemán",
    "fr": "french francais français frenchb canadien acadian fra fre französisch francés",
    "it": "italian italiano ita italienisch",
    "es": "spanish español espanol spa castellano spanisch",
    "pt": "portuguese portuges português portugues brazil brazilian por",
    "nl": "dutch nederlands nld dut flemish",
    "sv": "swedish svenska swe",
    "da": "danish dansk dan",
    "nb": "norwegian norsk nob bokmal bokmål",
    "nn": "nynorsk nno",
    "fi": "finnish suomi fin",
    "pl": "polish polski pol",
    "cs": "czech čeština cestina ces cze",
    "ru": "russian русский rus",
    "la": "latin latina lat",
    "el": "greek polutonikogreek ελληνικά ell gre",
    "hu": "hungarian magyar hun",
    "tr": "turkish türkçe tur",
    "ca": "catalan català cat",
    "ro": "romanian română ron rum",
    "hr": "croatian hrvatski hrv",
    "sl": "slovene slovenian slovenščina slv",
    "sk": "slovak slovenčina slk slo",
    "ja": "japanese 日本語 jpn",
    "zh": "chinese 中文 zho chi",
}
LANGUAGE_NAMES = {name: code for code, names in _NAMES.items() for name in names.split()}
LANGUAGE_FIELDS = ("langid", "language", "hyphenation")


def language_code(value: str) -> str:
    """'ngerman' -> 'de', 'en-GB' -> 'en', 'Deutsch' -> 'de', 'English and German' -> 'en'; '' if unknown."""
    for word in re.split(r"[\s,;/]+|\band\b", value.strip().lower()):
        word = word.strip("{}.")
        if not word:
            continue
        base = re.split(r"[-_]", word)[0]
        if base in _NAMES:
            return base
        if word in LANGUAGE_NAMES or base in LANGUAGE_NAMES:
            return LANGUAGE_NAMES.get(word) or LANGUAGE_NAMES[base]
    return ""


def declared_language(values: dict[str, str]) -> str:
    """The ISO 639-1 code of the first language field that names a language; '' if none does."""
    for name in LANGUAGE_FIELDS:
        code = language_code(values.get(name, ""))
        if code:
            return code
    return ""

"""Text rules of every stage, in one place: ASCII folding, URL slugs, unique names,
comparison forms and stop words.

    fold('Søgaard')              -> 'Sogaard'       every letter kept, transliterated
    slugify('Łukasz:2021')       -> 'lukasz-2021'   the one slug rule (URLs, file names, element ids)
    unique('p0000', {'p0000'})   -> 'p0000-2'       the one suffix rule
    name_key('Or-El')            -> 'orel'          people, methods, datasets, key parts
    normal_title('NeRF: Neural') -> 'nerf neural'   the same paper twice
    phrase_form('Radiance Fields') -> 'radiance field'

Folding transliterates with anyascii (ISC, no dependencies): letters without a Unicode
decomposition keep their sound ('ø' -> 'o', 'ł' -> 'l', 'ß' -> 'ss', 'þ' -> 'th'), where
NFKD + encode('ascii', 'ignore') dropped them ('Søgaard2020' became 'sgaard2020').
`legacy_slugify` is that earlier rule, kept only so that a URL an earlier build
published never moves (corpus/slugs.py).

Light on purpose: `annobib check` imports this; spaCy is imported only inside
`stop_words`.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

from .errors import MissingExtra

__all__ = ["SLUG", "SLUG_MAX", "fold", "legacy_slugify", "name_key", "normal_title", "phrase_form",
           "singular", "slugify", "stop_words", "unique", "words_of"]

# A slug: lower-case ASCII words of letters and digits joined by '-'; safe as a file name
# on every system and as a URL segment.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
_SLUG_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """ASCII transliteration, every letter kept: 'Søgaard' -> 'Sogaard', 'Straße' -> 'Strasse',
    'Łukasz' -> 'Lukasz', 'Müller' -> 'Muller'. Case and punctuation stay."""
    return anyascii(text or "")


def _join_words(folded: str, max_length: int, fallback: str) -> str:
    """Whole words of lower-case ASCII text joined by '-', at most `max_length` long
    (a word that does not fit is left out whole, but the first is cut if it must)."""
    made = ""
    for word in _SLUG_WORD.findall(folded.replace("&", " and ")):
        if made and len(made) + 1 + len(word) > max_length:
            break
        made = f"{made}-{word}" if made else word[:max_length]
    return made or fallback


def slugify(text: str, max_length: int = SLUG_MAX, fallback: str = "") -> str:
    """The one slug rule: 'DBLP:conf/nips/VaswaniSPUJGKP17' -> 'dblp-conf-nips-vaswanispujgkp17',
    'Søgaard2020' -> 'sogaard2020', 'Łukasz:2021' -> 'lukasz-2021', 'Straße' -> 'strasse'.
    A slug is its own slug, so a published URL never drifts."""
    return _join_words(fold(text).lower(), max_length, fallback)


def legacy_slugify(text: str, max_length: int = SLUG_MAX, fallback: str = "") -> str:
    """The slug rule of annobib 0.2 and earlier, which dropped letters without a Unicode
    decomposition ('Søgaard2020' -> 'sgaard2020'). Only for keeping the URLs it published."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _join_words(folded, max_length, fallback)


def unique(base: str, taken: set[str]) -> str:
    """base, base-2, base-3, ...: the first not in `taken` (which is not changed)."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# --- comparison forms ------------------------------------------------------------------

def name_key(name: str) -> str:
    """Comparison form of a name (person, method, dataset, key part): transliterated,
    no case, letters and digits only ('Or-El' -> 'orel', 'Instant-NGP' == 'instant ngp',
    'Müller' == 'MULLER' == 'Muller', 'Lindeløv' -> 'lindelov')."""
    return "".join(ch for ch in fold(name).casefold() if ch.isalnum())


def normal_title(title: str) -> str:
    """Plain, lower-case, punctuation-free: 'NeRF: Neural...' -> 'nerf neural ...'.

    The comparison form of a title (LaTeX or plain text), for finding the same paper twice."""
    from .corpus.latex import to_text   # here: the corpus package imports this module

    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(to_text(title)).lower()).split())


def singular(word: str) -> str:
    """Cheap English singular for comparison only (fields -> field, GANs -> gan)."""
    if word in ("series", "species") or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ics", "ous")):
        return word[:-1]
    return word


def words_of(phrase: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", phrase) if w]


@functools.lru_cache(maxsize=1 << 16)   # the same phrases are compared for every pair of related papers
def phrase_form(phrase: str) -> str:
    """Comparison form of a keyphrase: lower-case, singular words, single spaces
    ('Radiance Fields' == 'radiance field')."""
    return " ".join(singular(w.lower()) for w in words_of(phrase))


# --- stop words ------------------------------------------------------------------------

_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


@functools.lru_cache(maxsize=None)
def stop_words(language: str = "en") -> frozenset[str]:
    """spaCy's stop words of a language by ISO 639-1 code ('en', 'de', 'fr', ...);
    English for a language spaCy has no list for. Needs spaCy (`annobib[site]`).

    The list is read from spaCy's data file alone (`spacy/lang/<code>/stop_words.py`, a
    plain set), without importing spaCy itself: importing it loads thinc and torch, and a
    rebuild that analyses nothing must load no model library."""
    import importlib.util
    from pathlib import Path

    found = importlib.util.find_spec("spacy")
    if found is None or not found.submodule_search_locations:
        raise MissingExtra("stop words need spaCy: install annobib[site]")
    lang_dir = Path(list(found.submodule_search_locations)[0]) / "lang"
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    path = lang_dir / code / "stop_words.py" if _LANGUAGE_CODE.match(code) else None
    if path is None or not path.is_file():
        path = lang_dir / "en" / "stop_words.py"      # spaCy has no stop words for this language
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)   # a plain `STOP_WORDS = set(...)`
    return frozenset(namespace["STOP_WORDS"])

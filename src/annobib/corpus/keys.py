"""Citation keys: readable, restricted to [a-z0-9_-], permanent once published.

`chan2022efficient` = first author's surname + year + first significant title word.
Keys live in the committed corpus; only new arrivals get a key, and a collision gives
the newcomer a suffix (a, b, c, ...) so an existing key never changes
(the Zotero Better BibTeX lesson).
"""
from __future__ import annotations

import re
import string

from bibtexparser.middlewares.names import parse_single_name_into_parts

from .latex import to_text
from ..text import name_key
from ..yaml_text import load_yaml

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Words that never make a title word of a key: they say nothing about the paper.
TITLE_STOPWORDS = frozenset(
    """a an the on of for from in into to with without by and or via towards toward
    is are be as at its it do does can we our your how what when why which using use
    beyond through under over""".split()
)


def ascii_fold(text: str) -> str:
    """'Müller' -> 'muller', 'Søgaard' -> 'sogaard': lower-case ASCII letters and digits only."""
    return name_key(to_text(text))


_SUFFIXES = {"jr", "sr", "ii", "iii"}


def surname(author: str) -> str:
    """The last name, by BibTeX's own name rules (bibtexparser): 'Chan, Eric R.' and
    'Eric R. Chan' -> 'chan'; '{Chen}, Wei' (ADS) -> 'chen'; the von part is not in it,
    so 'van der Maaten, Laurens' and 'Laurens van der Maaten' both give 'maaten'."""
    author = author.strip()
    try:
        parts = parse_single_name_into_parts(author)
    except Exception:  # a malformed name (unbalanced braces): its last word
        parts = None
    if parts is None or not parts.last:
        words = author.replace(",", " ").split()
        return ascii_fold(words[-1]) if words else ""
    last = parts.last
    if (len(last) == 1 and not parts.jr and not parts.von and len(parts.first) > 0
            and last[0].lower().rstrip(".") in _SUFFIXES):
        last = parts.first[-1:]        # 'Eric Chan Jr.' (BibTeX wants 'Chan, Jr., Eric')
    return ascii_fold(" ".join(last))


def title_words(title: str) -> list[str]:
    words = re.split(r"[\s" + re.escape(string.punctuation.replace("-", "")) + r"]+", to_text(title))
    folded = (ascii_fold(w.replace("-", "")) for w in words)
    return [w for w in folded if w and w not in TITLE_STOPWORDS]


def base_key(authors: tuple[str, ...] | list[str], year: int | None, title: str) -> str:
    """The key before collision handling.

    Unknown authors fall back to the first two significant title words, so the key
    still says which paper it is ('dynamicappearance2021' rather than 'anon2021').
    """
    words = title_words(title) or ["untitled"]
    who = surname(authors[0]) if authors else ""
    when = str(year) if year else ""
    if who:
        return f"{who}{when}{words[0]}"
    return "".join(words[:2]) + when


def suffixes():
    """'', 'a', ..., 'z', 'aa', 'ab', ...: deterministic, never exhausted."""
    yield ""
    letters = string.ascii_lowercase
    width = 1
    while True:
        for n in range(len(letters) ** width):
            label, rest = "", n
            for _ in range(width):
                label = letters[rest % 26] + label
                rest //= 26
            yield label
        width += 1


def unique_key(base: str, taken: set[str]) -> str:
    """First free key among base, base+'a', base+'b', ...; `taken` are the existing keys."""
    for suffix in suffixes():
        candidate = base + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")  # suffixes() never ends


# --- keys given to entries written without one (rules.give_missing_keys) -----------------

GENERATED_KEYS_HEADER = (
    "# Keys annobib gave to entries written without one (file | title | year: key).\n"
    "# Written by `annobib build`; commit it: a key given once never changes, so the\n"
    "# page /papers/<key>/ stays. Writing the key into the entry itself is better still.\n"
)


def read_generated_keys(path) -> dict[str, str]:
    """The recorded keys; an unreadable file counts as none (the keys are then given again
    by the same rule, so only an entry edited since loses its recorded key)."""
    import yaml

    try:
        loaded = load_yaml(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): str(v) for k, v in loaded.items() if isinstance(v, str)}


def write_generated_keys(path, given: dict[str, str]) -> bool:
    """Add the keys given in this build to the file; True when it changed."""
    import yaml

    from ..atomic import replacing

    recorded = read_generated_keys(path)
    merged = {**recorded, **given}
    if merged == recorded:
        return False
    with replacing(path) as tmp:
        tmp.write_text(GENERATED_KEYS_HEADER + yaml.safe_dump(dict(sorted(merged.items())), allow_unicode=True,
                                                              sort_keys=True, width=1000), encoding="utf-8")
    return True

"""Citation keys: readable, restricted to [a-z0-9_-], permanent once published.

`chan2022efficient` = first author's surname + year + first significant title word.
Keys live in the committed corpus; only new arrivals get a key, and a collision gives
the newcomer a suffix (a, b, c, ...) so an existing key never changes
(the Zotero Better BibTeX lesson).
"""
from __future__ import annotations

import re
import string
import unicodedata

from ..latex import to_text

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Words that never make a title word of a key: they say nothing about the paper.
TITLE_STOPWORDS = frozenset(
    """a an the on of for from in into to with without by and or via towards toward
    is are be as at its it do does can we our your how what when why which using use
    beyond through under over""".split()
)


def ascii_fold(text: str) -> str:
    """'Müller' -> 'muller': lower-case ASCII letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", to_text(text))
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def surname(author: str) -> str:
    """'Chan, Eric R.' or 'Eric R. Chan' -> 'chan'; '{Chen}, Wei' (ADS) -> 'chen'."""
    author = author.strip()
    if "," in author:
        last = author.split(",", 1)[0]
    else:
        words = [w for w in re.split(r"\s+", author) if w]
        last = words[-1] if words else ""
        if last.lower().rstrip(".") in {"jr", "sr", "ii", "iii"} and len(words) > 1:
            last = words[-2]
    return ascii_fold(last)


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

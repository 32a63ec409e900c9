"""The one slug maker: citation keys, theme labels and index names -> URL-safe segments.

Slugs hold lower-case ASCII letters, digits and '-' only, so they are safe as file
names on every system and in every URL. Keys that already are slugs (the shipped
corpus) keep their URL: `slug('chan2022efficient') == 'chan2022efficient'`.
"""
from __future__ import annotations

import re
import unicodedata

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LENGTH = 80


def slug(text: str, max_length: int = MAX_LENGTH, fallback: str = "") -> str:
    """'DBLP:conf/nips/VaswaniSPUJGKP17' -> 'dblp-conf-nips-vaswanispujgkp17'; 'Müller' -> 'muller'."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded.replace("&", " and "))
    made = ""
    for word in words:
        if made and len(made) + 1 + len(word) > max_length:
            break
        made = f"{made}-{word}" if made else word[:max_length]
    return made or fallback


def unique(base: str, taken: set[str]) -> str:
    """base, base-2, base-3, ...: the first not in `taken` (which is not changed)."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def paper_slugs(keys: list[str], recorded: dict[str, str], published: set[str]) -> dict[str, str]:
    """URL slug of every key, stable once published.

    `recorded`: slugs written to the themes file by earlier builds (only those that
    differ from the key's plain slug, i.e. collisions); they never change. Then the
    published keys (listed in the themes file) claim their plain slugs, then new keys,
    each in `keys` order, so a newcomer never takes a published paper's URL: of
    'Hostile2024Case' and 'hostile2024case' the one published first keeps
    /papers/hostile2024case/ and the other gets /papers/hostile2024case-2/.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        if key in recorded and SLUG.match(recorded[key]) and recorded[key] not in taken:
            result[key] = recorded[key]
            taken.add(recorded[key])
    order = [k for k in keys if k in published] + [k for k in keys if k not in published]
    for key in order:
        if key in result:
            continue
        result[key] = unique(slug(key, fallback="paper"), taken)
        taken.add(result[key])
    return result

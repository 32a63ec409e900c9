"""Paper URLs: citation keys -> URL slugs, permanent once published.

The slug rule itself (and `unique`, the '-2' suffix) lives in `annobib.text`; `slug`
is its name here. Keys that already are slugs (the shipped corpus) keep their URL:
`slug('chan2022efficient') == 'chan2022efficient'`.
"""
from __future__ import annotations

from ..text import SLUG, SLUG_MAX, legacy_slugify, slugify, unique

__all__ = ["MAX_LENGTH", "SLUG", "paper_slugs", "plain_slug", "slug", "unique"]

MAX_LENGTH = SLUG_MAX


def slug(text: str, max_length: int = MAX_LENGTH, fallback: str = "") -> str:
    """'DBLP:conf/nips/VaswaniSPUJGKP17' -> 'dblp-conf-nips-vaswanispujgkp17'; 'Søgaard' -> 'sogaard'."""
    return slugify(text, max_length, fallback)


def plain_slug(key: str, published: bool) -> str:
    """A key's URL slug before collisions: the current rule for a new key; for a key an
    earlier build published (listed in the themes file), the rule it was published under
    (`legacy_slugify`, which dropped letters such as 'ø': 'Søgaard2020' keeps
    /papers/sgaard2020/, a new 'Søgaard2021' gets /papers/sogaard2021/)."""
    return legacy_slugify(key, fallback="paper") if published else slugify(key, fallback="paper")


def paper_slugs(keys: list[str], recorded: dict[str, str], published: set[str]) -> dict[str, str]:
    """URL slug of every key, stable once published.

    `recorded`: slugs written to the themes file by earlier builds (only those that
    differ from the key's slug: collisions, and slugs published under an earlier slug
    rule); they never change. Then the published keys (listed in the themes file) claim
    their plain slugs (`plain_slug`: the rule they were published under), then new keys,
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
        result[key] = unique(plain_slug(key, key in published), taken)
        taken.add(result[key])
    return result

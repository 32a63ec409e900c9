"""The authors, venues and years indexes: the one place where names are parsed and told
apart, and where each person, venue and year gets its anchor (render lays them out:
render/index_pages.py).

Authors arrive as raw BibTeX names (`Paper.authors`: 'Müller, J.', 'J. Müller',
'van der Maaten, Laurens', '{Google Research}'). bibtexparser splits each into
first / von / last / jr parts with BibTeX's rules; `latex.to_text` makes them readable.

Two spellings are one person when their surnames agree once accents, case and
punctuation are dropped ('Müller' = 'MULLER' = 'Muller') and their given names agree
as far as both go: initials match full names ('J.' = 'Jan', 'J. J.' = 'Jeong Joon'),
full names must be equal, a missing middle initial is no disagreement ('Richard' =
'Richard G.') but a missing name is ('Jun' != 'Jun-Yan'). A short form that fits two
different people ('J. Wang' with both 'Jun Wang' and 'Jie Wang' in the corpus) is
kept apart rather than guessed.

Venues are grouped by their name without the year ('ICLR 2024', 'ICLR 2025' -> ICLR);
years by the paper's year, newest first, the undated last.
"""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import replace

from bibtexparser.middlewares.names import parse_single_name_into_parts

from ..corpus.latex import to_text
from ..models import Bibliography, Paper, People, Person, PersonName, Venue, VenueIndex, YearGroup
from ..text import name_key, slugify, unique

# 'arXiv:2112.11427', 'arXiv preprint arXiv:...', DBLP's 'CoRR abs/...': the preprint server.
_ARXIV_VENUE = re.compile(r"^\s*(arxiv|corr)\b", re.I)
_YEAR_TOKEN = re.compile(r"(?<![\w-])(?:19|20)\d\d(?![\w-])")
_GIVEN_SPLIT = re.compile(r"[\s.\-‐‑]+")


# --------------------------------------------------------------------------- names

@functools.lru_cache(maxsize=8192)
def parse_name(raw: str) -> PersonName:
    """A raw BibTeX author name -> PersonName (never raises)."""
    try:
        parts = parse_single_name_into_parts(raw.strip())
    except Exception:  # a malformed name is shown as written, never stops a build
        return PersonName(literal=to_text(raw))
    given = to_text(" ".join(parts.first))
    family = to_text(" ".join(parts.von + parts.last))
    suffix = to_text(" ".join(parts.jr))
    last = " ".join(parts.last).strip()
    if not given and not parts.von and last.startswith("{") and last.endswith("}") and " " in last:
        return PersonName(literal=family)          # '{Google Research}': an institution
    if not family:
        return PersonName(literal=to_text(raw))
    return PersonName(given=given, family=family, suffix=suffix)


def fold(value: str) -> str:
    """Comparison form: transliterated, no case, letters and digits only
    ('Or-El' -> 'orel', 'Müller' == 'Muller', 'Lindeløv' -> 'lindelov'): `annobib.text.name_key`."""
    return name_key(value)


def _given_tokens(given: str) -> tuple[str, ...]:
    """'Jeong-Joon' / 'J.-J.' / 'J. J.' -> ('jeong', 'joon') / ('j', 'j') / ('j', 'j')."""
    return tuple(fold(t) for t in _GIVEN_SPLIT.split(given) if fold(t))


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Given names that can belong to one person: equal as far as both go, initials match."""
    if not a or not b:
        return a == b
    for x, y in zip(a, b):
        if len(x) > 1 and len(y) > 1:
            if x != y:
                return False
        elif x[0] != y[0]:
            return False
    short, long = sorted((a, b), key=len)
    if any(len(t) > 1 for t in short):      # a full name may lack initials, not names ('Jun' != 'Jun-Yan')
        return all(len(t) == 1 for t in long[len(short):])
    return True


def _variant(name: PersonName) -> tuple[str, tuple[str, ...], str]:
    if name.literal:
        return ("=" + fold(name.literal), (), "")
    return (fold(name.family), _given_tokens(name.given), fold(name.suffix))


def _informativeness(variant) -> tuple:
    _, tokens, _ = variant
    return (-sum(len(t) > 1 for t in tokens), -len(tokens), -sum(map(len, tokens)), tokens)


def group_people(papers: tuple[Paper, ...] | list[Paper]) -> People:
    """Every author of every paper, one Person per person (see the module docstring)."""
    spellings: dict[tuple, Counter] = defaultdict(Counter)     # variant -> display spellings
    occurrences: dict[tuple, set[str]] = defaultdict(set)       # variant -> paper keys
    variant_of: dict[tuple[str, str], tuple] = {}
    for paper in papers:
        for raw in paper.authors:
            name = parse_name(raw)
            variant = _variant(name)
            if not variant[0].strip("="):
                variant = ("=" + fold(raw) or "=?", (), "")
            variant_of[(paper.key, raw)] = variant
            spellings[variant][name] += 1
            occurrences[variant].add(paper.key)

    by_family: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for variant in spellings:
        by_family[(variant[0], variant[2])].append(variant)
    cluster_of: dict[tuple, tuple] = {}      # variant -> representative variant
    for family in sorted(by_family):
        representatives: list[tuple] = []    # people a later, shorter form may join
        for variant in sorted(by_family[family], key=_informativeness):
            fits = [r for r in representatives if _compatible(variant[1], r[1])]
            cluster_of[variant] = fits[0] if len(fits) == 1 else variant
            if not fits:
                representatives.append(variant)
            # A short form that fits several people stays a person of its own, and joins
            # no one else either: 'J. J. Park' is Jeong Joon, even when 'Jeong Park' exists.

    members: dict[tuple, list[tuple]] = defaultdict(list)
    for variant, representative in cluster_of.items():
        members[representative].append(variant)
    made = []
    for representative, variants in members.items():
        best = _fullest(spellings[representative], [spellings[v] for v in variants])
        keys = sorted(set().union(*(occurrences[v] for v in variants)))
        made.append((representative, best, tuple(keys)))
    made.sort(key=lambda item: (_sort_key(item[1]), item[0]))
    anchors = _unique_ids([_anchor_base(name) for _, name, _ in made])
    people = {rep: Person(anchor, name, keys) for (rep, name, keys), anchor in zip(made, anchors)}
    return People(
        people=tuple(people[rep] for rep, _, _ in made),
        of_author={occurrence: people[cluster_of[variant]] for occurrence, variant in variant_of.items()},
    )


def _fullest(own: Counter, everyone: list[Counter]) -> PersonName:
    """The spelling to show: the fullest variant's most frequent one, accents preferred,
    with the family name as the cluster writes it best ('Müller' over 'MÜLLER')."""
    best = min(own, key=lambda n: (-own[n], -sum(ord(ch) > 127 for ch in n.display), n.display))
    if best.literal:
        return best
    families = Counter()
    for spellings in everyone:
        for name, count in spellings.items():
            families[name.family] += count
    family = min(families, key=lambda f: (f.isupper(), -sum(ord(ch) > 127 for ch in f), -families[f], f))
    return PersonName(given=best.given, family=family, suffix=best.suffix)


def _sort_key(name: PersonName) -> tuple:
    if name.literal:
        return (fold(name.literal), "", name.literal)
    return (fold(name.family), fold(name.given), name.display)


def _anchor_base(name: PersonName) -> str:
    words = name.literal if name.literal else f"{name.family} {name.given}"
    return "a-" + (slugify(words) or "x")


def _unique_ids(bases: list[str]) -> list[str]:
    taken: set[str] = set()
    ids = []
    for base in bases:
        candidate = unique(base, taken)
        taken.add(candidate)
        ids.append(candidate)
    return ids


# --------------------------------------------------------------------------- venues

@functools.lru_cache(maxsize=1 << 14)     # pure; a corpus has few venues, each on many papers
def venue_name(venue: str | None) -> str:
    """The venue without its year, as readable text ('ICLR 2024' -> 'ICLR', 'arXiv:2112.11427' -> 'arXiv')."""
    if not venue:
        return ""
    text = to_text(venue)
    if _ARXIV_VENUE.match(text):
        return "arXiv"
    stripped = _YEAR_TOKEN.sub(" ", text)
    stripped = re.sub(r"\s+([,;:])", r"\1", re.sub(r"\s+", " ", stripped)).strip(" ,;:-–")
    return stripped or text


def group_venues(papers: tuple[Paper, ...] | list[Paper]) -> VenueIndex:
    """The venues sorted by name, and the venue of each paper that names one."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    members: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        name = venue_name(paper.venue)
        if name:
            spellings[fold(name) or name][name] += 1
            members[fold(name) or name].append(paper)
    groups = []
    for group, names in spellings.items():
        display = min(names, key=lambda n: (-names[n], -sum(ch.isupper() for ch in n), n))
        ordered = sorted(members[group], key=lambda p: (-(p.year or 0), p.key))
        groups.append((display, tuple(p.key for p in ordered)))
    groups.sort(key=lambda item: (fold(item[0]), item[0]))
    anchors = _unique_ids(["v-" + (slugify(name) or "x") for name, _ in groups])
    venues = tuple(Venue(anchor, name, keys) for (name, keys), anchor in zip(groups, anchors))
    return VenueIndex(venues, {key: venue for venue in venues for key in venue.papers})


# --------------------------------------------------------------------------- years

def year_anchor(year: int | None) -> str:
    """The element id of a year on the years index ('y2021'; 'y-undated' for no year)."""
    return f"y{year}" if year else "y-undated"


def group_years(papers: tuple[Paper, ...] | list[Paper]) -> tuple[YearGroup, ...]:
    """The papers by year, newest first, the undated last."""
    keys: dict[int | None, list[str]] = defaultdict(list)
    for paper in papers:
        keys[paper.year].append(paper.key)
    return tuple(YearGroup(year_anchor(year), year, tuple(sorted(keys[year])))
                 for year in sorted(keys, key=lambda year: -(year or 0)))


def with_people_venues_years(bib: Bibliography) -> Bibliography:
    """`bib` with its authors, venues and years indexes built from its papers."""
    return replace(bib, people=group_people(bib.papers), venues=group_venues(bib.papers),
                   years=group_years(bib.papers))

"""Plain records passed between pipeline stages.

corpus -> list[Paper]; analyze -> dict[key, Annotation]; organize -> Bibliography;
render -> files. Records are frozen so no stage can change what an earlier one made.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .organize.phrases import Phrases
    from .organize.trends import Trends


@dataclass(frozen=True)
class Paper:
    """One corpus entry, as the maintainer wrote it in `corpus/*.bib`.

    Raw values (LaTeX) are kept for BibTeX output; the `*_text` twins are the same
    values converted to readable unicode once, on the way in, for every other stage.
    """

    key: str                      # citation key exactly as written (any key BibTeX accepts)
    entry_type: str               # article, inproceedings, online, thesis, ... (lower case, as written)
    title: str                    # raw BibTeX title (may hold LaTeX)
    abstract: str                 # raw BibTeX abstract (may hold LaTeX); "" when the entry has none
    authors: tuple[str, ...] = () # as in the BibTeX author field, split on ' and '
    year: int | None = None
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # every field, original order, macros and crossref resolved
    source: str = ""              # file the entry came from
    line: int = 0                 # 1-based line of the entry's '@'
    keywords: tuple[str, ...] = ()  # the entry's own keywords / tags, export noise removed
    title_text: str = ""          # plain unicode title
    abstract_text: str = ""       # plain unicode abstract
    authors_text: tuple[str, ...] = ()
    venue_text: str = ""
    private_fields: tuple[str, ...] = ()  # names of the fields left out (corpus/privacy.py), never values
    note: str = ""                # the curator's note (untrusted Markdown), published; "" when none
    language: str = ""            # ISO 639-1 code the entry declares (langid, language, hyphenation); "" if none
    note_source: str = ""         # "file" (notes/<key>.md) or "field" (annote/annotation/comment, published on purpose)
    abstract_source: str = ""     # where the abstract came from: "" the .bib entry; "pdf", "pdf-body" or a
                                  # service's name: corpus/enrichment.json, written by `annobib enrich`
    cites: tuple[str, ...] = ()   # citation keys of the collection's entries it cites, sorted
                                  # (corpus/enrichment.json "references", from `annobib enrich`)

    def __post_init__(self):
        # The one LaTeX -> text conversion of a paper (records built by hand get it too).
        from .corpus.latex import to_text

        if self.title and not self.title_text:
            object.__setattr__(self, "title_text", to_text(self.title))
        if self.abstract and not self.abstract_text:
            object.__setattr__(self, "abstract_text", to_text(self.abstract))
        if self.authors and not self.authors_text:
            object.__setattr__(self, "authors_text", tuple(to_text(a) for a in self.authors))
        if self.venue and not self.venue_text:
            object.__setattr__(self, "venue_text", to_text(self.venue))

    @property
    def has_abstract(self) -> bool:
        return bool(self.abstract_text)


@dataclass(frozen=True)
class Annotation:
    """What analysis extracted from one paper's title and abstract."""

    key: str
    keyphrases: tuple[str, ...]
    methods_introduced: tuple[str, ...] = ()
    methods_mentioned: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    summary: str = ""
    embedding: tuple[float, ...] = ()  # document embedding (title + abstract), for themes / related


@dataclass(frozen=True)
class Related:
    key: str
    score: float
    reason: str                   # human-readable: "shares methods: NeRF, SIREN" / "similar abstract"


@dataclass(frozen=True)
class Theme:
    slug: str                     # URL slug /themes/<slug>/, stable once published
    label: str                    # chapter-title label
    description: str = ""
    keyphrases: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()  # citation keys, sorted
    see_also: tuple[str, ...] = ()  # slugs of neighbouring themes


@dataclass(frozen=True)
class Chapter:
    """A group of neighbouring themes (its "sections"): /chapters/<slug>/, stable once published."""

    slug: str                     # URL slug /chapters/<slug>/
    label: str
    description: str = ""
    sections: tuple[str, ...] = ()  # theme slugs, in reading order (largest first)


@dataclass(frozen=True)
class MethodEntry:
    name: str
    kind: str                     # "method" or "dataset"
    introduced_by: tuple[str, ...] = ()
    mentioned_by: tuple[str, ...] = ()


# --- the authors, venues and years indexes (organize/people.py) ----------------------------

@dataclass(frozen=True)
class PersonName:
    """One author as display text: given and family names, or a literal (corporate) name."""

    given: str = ""
    family: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def display(self) -> str:
        """'Jeong Joon Park', 'Laurens van der Maaten', 'Google Research'."""
        if self.literal:
            return self.literal
        name = " ".join(part for part in (self.given, self.family) if part)
        return f"{name}, {self.suffix}" if self.suffix else name

    @property
    def inverted(self) -> str:
        """'Park, Jeong Joon' (as RIS AU and Highwire citation_author read best)."""
        if self.literal:
            return self.literal
        parts = [self.family, self.given] + ([self.suffix] if self.suffix else [])
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Person:
    anchor: str                  # element id on the authors index
    name: PersonName             # the fullest spelling found
    papers: tuple[str, ...]      # citation keys, sorted


@dataclass(frozen=True)
class People:
    people: tuple[Person, ...] = ()         # sorted by family name, then given name
    of_author: dict[tuple[str, str], Person] = field(default_factory=dict)  # (paper key, raw author) -> person

    def person(self, key: str, raw: str) -> Person:
        return self.of_author[(key, raw)]


@dataclass(frozen=True)
class Venue:
    anchor: str                  # element id on the venues index
    name: str                    # the venue without its year ('ICLR 2024' -> 'ICLR')
    papers: tuple[str, ...]      # citation keys, newest first


@dataclass(frozen=True)
class VenueIndex:
    venues: tuple[Venue, ...] = ()                            # sorted by name
    of_paper: dict[str, Venue] = field(default_factory=dict)  # paper key -> its venue (papers naming one)


@dataclass(frozen=True)
class YearGroup:
    anchor: str                  # element id on the years index ('y2021', 'y-undated')
    year: int | None             # None: the papers without a year
    papers: tuple[str, ...]      # citation keys, sorted


@dataclass(frozen=True)
class Bibliography:
    """Everything the renderer needs."""

    papers: tuple[Paper, ...]
    annotations: dict[str, Annotation]
    themes: tuple[Theme, ...]
    theme_of: dict[str, str]                      # paper key -> theme slug
    related: dict[str, tuple[Related, ...]]
    methods: tuple[MethodEntry, ...] = ()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)  # keyphrase -> paper keys
    map_points: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> 2D position
    slugs: dict[str, str] = field(default_factory=dict)   # key -> URL slug /papers/<slug>/ (default: the key)
    trends: Trends | None = None   # per-year counts, rising / fading terms (organize/trends.py); None: not computed
    chapters: tuple[Chapter, ...] = ()           # the themes grouped in chapters (themes are their sections)
    chapter_of: dict[str, str] = field(default_factory=dict)   # theme slug -> chapter slug
    phrases: Phrases | None = None   # keyphrases as shown: cleaned, specific, acronyms merged (organize/phrases.py)
    people: People = field(default_factory=People)      # the authors index (organize/people.py)
    venues: VenueIndex = field(default_factory=VenueIndex)  # the venues index
    years: tuple[YearGroup, ...] = ()            # the years index: newest first, undated last

"""Why two related papers are shown together: one specific reason, in words a reader can check.

`related.related_papers` ranks the neighbours (embeddings only); this only says why, first
of these that holds:

1. a shared **method** name, then a shared **dataset** (the names the extractor found),
   leaving out names that are generic in the corpus ('MLP' is on 19 of 232 papers, spread
   over most themes: `phrases.Phrases.generic`);
2. **shared keyphrases**: concepts both papers' keyphrases hold ('neural radiance fields
   (NeRF)' == 'NeRFs'), then **both mention**: a keyphrase of one that the other's title or
   abstract uses. Only specific ones count: never a generic phrase, and a single ordinary
   word ('videos', 'sparsity') only when it is on at most `RARE_SHARE` of the papers. The
   rarest come first, at most `SHOWN` of them;
3. **shared topics**: keyphrases ending in the same two specific words ('... radiance fields');
4. **same theme and period**: the same theme, published at most `PERIOD_YEARS` apart
   ('same theme and period: Neural video representations and compression, 2022-2023');
5. only then "similar abstract": the embeddings are all that relates them.

Measured on the shipped corpus (bench/RESULTS.md, "Reading experience"): "similar abstract"
went from 53% of the reasons shown to under a third.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..models import Annotation, Paper, Theme
from ..text import name_key as _name_key
from .phrases import Phrases, is_acronym

name_key = functools.lru_cache(maxsize=1 << 17)(_name_key)   # pure; the same names meet in many pairs

SHOWN = 3             # names or phrases in one reason
RARE_SHARE = 0.03     # a single ordinary word is a reason only on at most this share of the papers
PERIOD_YEARS = 2      # "same period": published at most this many years apart
SIMILAR = "similar abstract"


@dataclass
class Explainer:
    """`explainer(a, b)` -> the reason paper `b` is shown as related to paper `a`."""

    annotations: dict[str, Annotation]
    phrases: Phrases
    theme_of: dict[str, str]
    theme_label: dict[str, str]
    years: dict[str, int | None]

    def __post_init__(self):
        self._concepts: dict[str, list[str]] = {}     # key -> concepts of its keyphrases, ranked
        for key, shown in self.phrases.shown.items():
            self._concepts[key] = [self.phrases.concept(p) for p in shown]
        self._on: dict[str, int] = {}                  # concept -> papers it is on (keyphrases or text)
        for key in set(self._concepts) | set(self.phrases.text_concepts):
            for concept in set(self._concepts.get(key, ())) | self.phrases.text_concepts.get(key, frozenset()):
                self._on[concept] = self._on.get(concept, 0) + 1
        self._total = max(1, len(self.years))
        self._specific_memo: dict[str, bool] = {}      # concept -> `_specific`, asked for many pairs

    # -- what is specific -------------------------------------------------------------

    def _specific(self, concept: str) -> bool:
        known = self._specific_memo.get(concept)
        if known is None:
            known = self._specific_memo[concept] = self._specific_uncached(concept)
        return known

    def _specific_uncached(self, concept: str) -> bool:
        if concept in self.phrases.generic:
            return False
        display = self.phrases.display.get(concept, concept)
        if len(concept.split()) >= 2 or is_acronym(display) or any(ch.isdigit() for ch in display) \
                or concept in self.phrases.acronyms.values():
            return True
        return self._on.get(concept, 0) <= RARE_SHARE * self._total

    def _names(self, mine: tuple[str, ...], theirs: tuple[str, ...]) -> list[str]:
        their_keys = {name_key(t) for t in theirs}
        found, seen = [], set()
        for name in mine:
            k = name_key(name)
            if k and k in their_keys and k not in seen and not self.phrases.is_generic(name):
                seen.add(k)
                found.append(name)
        return found

    def _rarest(self, concepts: list[str]) -> list[str]:
        ordered = sorted(dict.fromkeys(concepts), key=lambda c: (self._on.get(c, 0), concepts.index(c)))
        return [self.phrases.display.get(c, c) for c in ordered]

    # -- the reason -------------------------------------------------------------------

    def __call__(self, a: str, b: str) -> str:
        mine, theirs = self.annotations.get(a), self.annotations.get(b)
        if mine is not None and theirs is not None:
            methods = lambda n: n.methods_introduced + n.methods_mentioned
            for what, names in (("methods", self._names(methods(mine), methods(theirs))),
                                ("datasets", self._names(mine.datasets, theirs.datasets))):
                if names:
                    return f"shares {what}: {', '.join(names[:SHOWN])}"
        my_concepts, their_concepts = self._concepts.get(a, []), self._concepts.get(b, [])
        both = [c for c in my_concepts if c in set(their_concepts) and self._specific(c)]
        if both:
            return f"shares keyphrases: {', '.join(self._rarest(both)[:SHOWN])}"
        my_text = self.phrases.text_concepts.get(a, frozenset())
        their_text = self.phrases.text_concepts.get(b, frozenset())
        mentioned = [c for c in my_concepts if c in their_text and self._specific(c)] + \
                    [c for c in their_concepts if c in my_text and self._specific(c)]
        if mentioned:
            return f"both mention: {', '.join(self._rarest(mentioned)[:SHOWN])}"
        topics = self._topics(a, my_concepts, their_concepts)
        if topics:
            return f"shares topics: {', '.join(topics[:SHOWN])}"
        theme = self.theme_of.get(a)
        ya, yb = self.years.get(a), self.years.get(b)
        if theme and theme == self.theme_of.get(b) and ya and yb and abs(ya - yb) <= PERIOD_YEARS:
            period = str(ya) if ya == yb else f"{min(ya, yb)}–{max(ya, yb)}"
            return f"same theme and period: {self.theme_label.get(theme, theme)}, {period}"
        return SIMILAR

    def _topics(self, a: str, mine: list[str], theirs: list[str]) -> list[str]:
        """Shared last two words of longer phrases, spelled as paper `a` shows them ('3D shapes')."""
        def topic(concept: str) -> str:
            words = concept.split()
            tail = " ".join(words[-2:]) if len(words) >= 3 else ""
            return tail if tail and self._specific(tail) else ""
        their_topics = {topic(c) for c in theirs} - {""}
        shown = dict(zip(mine, self.phrases.shown.get(a, ())))
        found = {}
        for concept in mine:
            if topic(concept) in their_topics and topic(concept) not in found:
                words = shown.get(concept, "").split(" (")[0].split()       # 'x y z (XYZ)' -> 'y z'
                found[topic(concept)] = " ".join(words[-2:]) if len(words) >= 3 else topic(concept)
        return list(found.values())


def explainer(papers: list[Paper] | tuple[Paper, ...], annotations: dict[str, Annotation], phrases: Phrases,
              themes: list[Theme] | tuple[Theme, ...]) -> Explainer:
    return Explainer(annotations=annotations, phrases=phrases,
                     theme_of={k: t.slug for t in themes for k in t.papers},
                     theme_label={t.slug: t.label for t in themes},
                     years={p.key: p.year for p in papers})


__all__ = ["Explainer", "explainer", "SIMILAR"]

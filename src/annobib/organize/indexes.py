"""The methods / datasets index and the keyword index (render formats them, with
the authors, venues and years pages: render/index_pages.py).

Variants merge: 'NeRF' / 'nerf' / 'Ne-RF' are one method; 'Radiance Fields' /
'radiance field' one keyword. Each entry is shown under its most frequent
spelling (keyphrases first lower-cased except acronyms: 'Radiance Fields' from a
title counts as 'radiance fields'; ties: more capitals), so the
index reads like the papers do.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from ..models import Annotation, Bibliography, MethodEntry
from .labels import normalise, sentence_words
from .phrases import Phrases
from .related import name_key


def display_form(forms: Counter) -> str:
    """Most frequent spelling; ties: more capitals (NeRF over Nerf), then alphabetical."""
    return min(forms, key=lambda f: (-forms[f], -sum(ch.isupper() for ch in f), f))


def method_index(annotations: dict[str, Annotation]) -> tuple[MethodEntry, ...]:
    """One MethodEntry per (kind, name variant group); introducing wins over mentioning."""
    forms: dict[tuple[str, str], Counter] = defaultdict(Counter)
    introduced: dict[tuple[str, str], set] = defaultdict(set)
    mentioned: dict[tuple[str, str], set] = defaultdict(set)
    for key in sorted(annotations):
        a = annotations[key]
        for kind, names, bucket in (("method", a.methods_introduced, introduced),
                                    ("method", a.methods_mentioned, mentioned),
                                    ("dataset", a.datasets, mentioned)):  # no "introduces a dataset" signal yet
            for name in names:
                group = (kind, name_key(name))
                if not group[1]:
                    continue
                forms[group][name.strip()] += 1
                bucket[group].add(key)
    entries = [MethodEntry(name=display_form(forms[g]), kind=g[0],
                           introduced_by=tuple(sorted(introduced[g])),
                           mentioned_by=tuple(sorted(mentioned[g] - introduced[g])))
               for g in forms]
    return tuple(sorted(entries, key=lambda e: (e.name.casefold(), e.kind, e.name)))


def keyword_index(annotations: dict[str, Annotation]) -> dict[str, tuple[str, ...]]:
    """Keyphrase (display spelling) -> sorted paper keys, case / plural variants merged."""
    forms: dict[str, Counter] = defaultdict(Counter)
    papers: dict[str, set] = defaultdict(set)
    for key in sorted(annotations):
        for phrase in annotations[key].keyphrases:
            norm = normalise(phrase)
            if norm:
                forms[norm][sentence_words(phrase.strip())] += 1   # title case is not a spelling
                papers[norm].add(key)
    index = {display_form(forms[n]): tuple(sorted(papers[n])) for n in forms}
    return dict(sorted(index.items(), key=lambda item: (item[0].casefold(), item[0])))


MIN_INDEXED = 2   # papers a keyword index entry needs: an entry of one paper finds nothing new


def concept_index(phrases: Phrases, least: int = MIN_INDEXED) -> dict[str, tuple[str, ...]]:
    """The keyword index from `organize/phrases.py`: one entry per concept (case, plural and
    spacing variants, an acronym and its expansion: 'graph neural networks (GNNs)') held by
    the keyphrases of at least `least` papers, generic phrases left out; display -> sorted keys."""
    index: dict[str, set[str]] = defaultdict(set)
    for concept, keys in phrases.papers.items():
        if len(keys) >= least and concept not in phrases.generic:
            index[phrases.display.get(concept, concept)].update(keys)
    return dict(sorted(((d, tuple(sorted(k))) for d, k in index.items()), key=lambda item: (item[0].casefold(), item[0])))


def keyword_aliases(bib: Bibliography) -> dict[str, str]:
    """Each paper's own spelling of a keyphrase -> the keyword index entry (of `bib.keywords`) it is under.

    The index shows merged spellings ('radiance fields' for 'Radiance Field'), so a chip
    finds its entry by the index's comparison form, not by its exact spelling.
    """
    by_form = {}
    for entry in sorted(set(bib.keywords)):
        by_form.setdefault(normalise(entry), entry)
    aliases = {}
    for note in bib.annotations.values():
        for phrase in note.keyphrases:
            if phrase not in bib.keywords and normalise(phrase) in by_form:
                aliases[phrase] = by_form[normalise(phrase)]
    if bib.phrases is not None:      # a shown phrase finds its concept's entry ('GNNs' -> 'graph neural networks (GNNs)')
        for shown in bib.phrases.shown.values():
            for phrase in shown:
                entry = bib.phrases.display.get(bib.phrases.concept(phrase), "")
                if phrase not in bib.keywords and entry in bib.keywords:
                    aliases[phrase] = entry
    return aliases

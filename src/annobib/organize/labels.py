"""Chapter-title labels, descriptions and characteristic keyphrases for themes.

Three steps, after BERTopic's KeyBERT-inspired representation:
1. class-based TF-IDF over the papers' keyphrases (and their 1-3 word n-grams,
   never crossing a phrase boundary), each theme one "class";
2. the top candidates re-ranked by cosine similarity of the phrase embedding to
   the theme centroid (phrases that say what the theme's papers are about beat
   phrases that are merely frequent), weighted by the c-TF-IDF score;
3. a sentence-cased "X and Y" from the two best distinct phrases, never a
   phrase made only of generic words, never near-identical to another label.
Phrases are compared lower-cased and singularised ("Radiance Fields" ==
"radiance field"); acronyms and mixed-case names (NeRF, SDF, 3D) keep their case.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np


# Words that never carry a label on their own: the whole field is about them.
GENERIC_WORDS = frozenset("""
network networks neural learning learned learn model models modeling modelling method methods
approach approaches implicit representation representations deep novel new framework technique
paper work result task system problem data performance state art function existing proposed
various different high quality efficient effective 3d 2d use using based architecture application
recent current large small simple general single multiple standard challenge experiment
""".split())
STOPWORDS = frozenset("""
a an the of for to in on and or with by from via at as is are be this that these those our their
its we it into over under than such which while without within
""".split())
CANDIDATES = 30          # c-TF-IDF candidates passed to the re-rank
KEYPHRASES_SHOWN = 8
SAME_LABEL_RATIO = 85    # rapidfuzz token_set_ratio at or above: "near-identical"

PhraseEmbedder = Callable[[list[str]], np.ndarray]


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


def normalise(phrase: str) -> str:
    """Comparison form of a phrase: lower-case, singular words, single spaces."""
    return " ".join(singular(w.lower()) for w in words_of(phrase))


def is_labelable(norm: str) -> bool:
    """At least one word that is neither generic nor a stopword; no dangling stopword."""
    words = norm.split()
    return bool(words) and words[0] not in STOPWORDS and words[-1] not in STOPWORDS and any(
        w not in GENERIC_WORDS and w not in STOPWORDS and not w.isdigit() for w in words)


def ngrams(phrase: str, longest: int = 3) -> list[tuple[str, str]]:
    """(normalised, surface) tail n-grams of one keyphrase.

    Only tails: an English noun phrase ends in its head noun, so "neural radiance
    fields" gives "radiance fields" and "fields" but never the headless "neural
    radiance" (measured: middle n-grams produced labels like "large language").
    """
    surface = words_of(phrase)
    tails = []
    for size in range(1, min(longest, len(surface)) + 1):
        words = surface[len(surface) - size:]
        tails.append((" ".join(singular(w.lower()) for w in words), " ".join(words)))
    if len(surface) > longest:
        tails.append((normalise(phrase), " ".join(surface)))
    return tails


@dataclass
class PhraseTable:
    """Per theme, in how many papers each normalised term occurs, and its surface forms."""

    counts: list[Counter]
    surfaces: dict[str, Counter]

    def display(self, norm: str) -> str:
        forms = self.surfaces[norm]
        return sentence_words(max(forms, key=lambda f: (forms[f], f)))


def phrase_table(groups: list[list[str]], keyphrases: dict[str, tuple[str, ...]]) -> PhraseTable:
    counts, surfaces = [], defaultdict(Counter)
    for group in groups:
        theme_counts = Counter()
        for key in group:
            seen = {}
            for phrase in keyphrases.get(key, ()):
                for norm, surface in ngrams(phrase):
                    seen.setdefault(norm, surface)
                    surfaces[norm][surface] += 1
            theme_counts.update(seen.keys())   # a paper counts once per term
        counts.append(theme_counts)
    return PhraseTable(counts, dict(surfaces))


def class_tfidf(table: PhraseTable) -> list[dict[str, float]]:
    """BERTopic's c-TF-IDF: tf within the theme x log(1 + A / frequency over all themes)."""
    totals = Counter()
    for counts in table.counts:
        totals.update(counts)
    average = sum(totals.values()) / max(1, len(table.counts))
    scores = []
    for counts in table.counts:
        size = sum(counts.values()) or 1
        scores.append({t: (c / size) * math.log(1 + average / totals[t]) for t, c in counts.items()})
    return scores


def sentence_words(surface: str) -> str:
    """Lower-case ordinary words, keep acronyms and mixed-case names (NeRF, 3D, SDF)."""
    def keep(word: str) -> bool:
        return any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word)
    return " ".join(w if keep(w) else w.lower() for w in surface.split())


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


@dataclass(frozen=True)
class ThemeText:
    label: str
    description: str
    keyphrases: tuple[str, ...]


def candidates(scores: dict[str, float], counts: Counter, size: int) -> list[str]:
    """Labelable terms shared by several papers of the theme, best c-TF-IDF first."""
    min_papers = 2 if size >= 4 else 1
    usable = [t for t in scores if counts[t] >= min_papers and is_labelable(t)]
    return sorted(usable, key=lambda t: (-scores[t], t))[:CANDIDATES]


def rerank(terms: list[str], scores: dict[str, float], table: PhraseTable, centroid: np.ndarray,
           embed: PhraseEmbedder) -> list[str]:
    """KeyBERT-style: similarity of each phrase to the theme centroid, times sqrt(c-TF-IDF)."""
    if not terms:
        return []
    vectors = np.asarray(embed([table.display(t) for t in terms]), dtype=float)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    top = max(scores[t] for t in terms)
    final = {t: float(v @ centroid) * math.sqrt(scores[t] / top) for t, v in zip(terms, vectors)}
    return sorted(terms, key=lambda t: (-round(final[t], 6), t))


def initials(words: list[str]) -> set[str]:
    """Acronyms a phrase could be written as: 'recurrent neural network' -> rnn, nn, rn..."""
    return {"".join(w[0] for w in words[i:j]) for i in range(len(words))
            for j in range(i + 2, len(words) + 1)}


def distinct(a: str, b: str) -> bool:
    """No shared content word, neither contains the other, neither abbreviates the other."""
    from rapidfuzz import fuzz

    content = lambda t: {w for w in t.split() if w not in GENERIC_WORDS and w not in STOPWORDS}
    abbreviates = lambda x, y: bool(set(x.split()) & initials(y.split()))
    return not (content(a) & content(b) or abbreviates(a, b) or abbreviates(b, a)) and \
        fuzz.partial_ratio(a, b) < 80


def label_options(ranked: list[str], table: PhraseTable) -> list[str]:
    """Candidate labels, best first: 'A and B' for distinct pairs, then 'A' alone."""
    options = []
    for i, first in enumerate(ranked[:6]):
        for second in ranked[i + 1:10]:
            if distinct(first, second):
                options.append(sentence_case(f"{table.display(first)} and {table.display(second)}"))
                break
    options += [sentence_case(table.display(t)) for t in ranked[:6]]
    return options


def is_near(label: str, taken: list[str]) -> bool:
    from rapidfuzz import fuzz

    return any(fuzz.token_set_ratio(label.lower(), other.lower()) >= SAME_LABEL_RATIO for other in taken)


def distinct_enough(a: str, b: str) -> bool:
    """Looser than `distinct`: only containment and abbreviation make two keyphrases one."""
    return not (a in b or b in a or set(a.split()) & initials(b.split())
                or set(b.split()) & initials(a.split()))


def characteristic(ranked: list[str], table: PhraseTable) -> tuple[str, ...]:
    """Top keyphrases, skipping one contained in or abbreviating a better one (RNN, radiance field)."""
    chosen: list[str] = []
    for term in ranked:
        if all(distinct_enough(term, better) for better in chosen):
            chosen.append(term)
        if len(chosen) == KEYPHRASES_SHOWN:
            break
    return tuple(table.display(t) for t in chosen)


def describe(keyphrases: tuple[str, ...], example_title: str) -> str:
    topics = list(keyphrases[:3])
    listed = ", ".join(topics[:-1]) + (" and " if len(topics) > 1 else "") + topics[-1] if topics else "related work"
    title = example_title   # plain text already (Paper.title_text)
    example = f", for example \u201c{title}\u201d" if title else ""
    return f"Papers on {listed}{example}."


def theme_texts(groups: list[list[str]], keyphrases: dict[str, tuple[str, ...]],
                centroids: np.ndarray, representatives: list[str], titles: dict[str, str],
                embed: PhraseEmbedder, fixed_labels: list[str | None]) -> list[ThemeText]:
    """Label, description and keyphrases for every group.

    c-TF-IDF runs over all groups so a label says what sets its theme apart. A group
    with a fixed label (from the themes file) keeps it; the others, largest first,
    take the best option not near-identical to any label already taken.
    """
    table = phrase_table(groups, keyphrases)
    scores = class_tfidf(table)
    ranked = [rerank(candidates(scores[i], table.counts[i], len(g)), scores[i], table,
                     centroids[i], embed) for i, g in enumerate(groups)]
    phrases = [characteristic(r, table) for r in ranked]
    labels = list(fixed_labels)
    taken = [label for label in labels if label]
    for i in sorted(range(len(groups)), key=lambda i: (-len(groups[i]), groups[i][:1])):
        if labels[i]:
            continue
        options = [o for o in label_options(ranked[i], table) if not is_near(o, taken)]
        labels[i] = options[0] if options else f"Theme {i + 1}"
        taken.append(labels[i])
    return [ThemeText(labels[i], describe(phrases[i], titles.get(representatives[i], "")), phrases[i])
            for i in range(len(groups))]

"""Related papers (cosine top-k over document embeddings, with a reason) and 'see also' themes.

Readers trust a reason more than a score (arxiv-sanity's lesson), so each
neighbour says what the two papers share: method names first, then datasets,
then keyphrases (compared lower-cased and singularised), then topics (keyphrases
ending in the same two words), else "similar abstract".
"""
from __future__ import annotations

import re

import numpy as np

from ..models import Annotation, Related
from .labels import is_labelable, normalise

SHOWN_IN_REASON = 3
SEE_ALSO_MIN, SEE_ALSO_MAX = 2, 3
SEE_ALSO_GAP = 0.05   # a third neighbour only if nearly as close as the second


def name_key(name: str) -> str:
    """Method / dataset names match across case and punctuation: Instant-NGP == instant ngp."""
    return re.sub(r"[\W_]+", "", name.casefold())


def shared(mine: tuple[str, ...], theirs: tuple[str, ...], key) -> list[str]:
    """Names of `mine` (in my order, my spelling) that `theirs` also has."""
    their_keys = {key(t) for t in theirs}
    seen, result = set(), []
    for name in mine:
        k = key(name)
        if k and k in their_keys and k not in seen:
            seen.add(k)
            result.append(name)
    return result


def phrase_key(phrase: str) -> str:
    """Comparison form of a keyphrase; '' for generic ones ('network', 'neural networks'),
    which every paper here shares and so explain nothing."""
    norm = normalise(phrase)
    return norm if is_labelable(norm) else ""


def topic_key(phrase: str) -> str:
    """The last two words of a multi-word keyphrase ('neural radiance fields' -> 'radiance field'):
    two papers on radiance fields share a topic even when their full phrases differ."""
    words = normalise(phrase).split()
    return phrase_key(" ".join(words[-2:])) if len(words) >= 2 else ""


def reason(mine: Annotation, theirs: Annotation) -> str:
    methods = lambda a: a.methods_introduced + a.methods_mentioned
    for what, names in (
        ("methods", shared(methods(mine), methods(theirs), name_key)),
        ("datasets", shared(mine.datasets, theirs.datasets, name_key)),
        ("keyphrases", shared(mine.keyphrases, theirs.keyphrases, phrase_key)),
        ("topics", shared(mine.keyphrases, theirs.keyphrases, topic_key)),
    ):
        if names:
            return f"shares {what}: {', '.join(names[:SHOWN_IN_REASON])}"
    return "similar abstract"


ROWS_PER_BLOCK = 512   # similarities are computed a block of rows at a time: memory ~ block x n, not n x n


def related_papers(keys: list[str], vectors: np.ndarray, annotations: dict[str, Annotation],
                   count: int) -> dict[str, tuple[Related, ...]]:
    """Top `count` neighbours per paper; scores rounded so ties break by key on any machine.

    Ordered by (-score, key) in numpy: a score has 4 decimals, so -score * 10^4 * n + the
    key's rank is one exact integer per pair (10,000 papers: seconds, not minutes)."""
    n = len(keys)
    vectors = np.asarray(vectors, dtype=float)
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=keys.__getitem__)] = np.arange(n)
    take = max(0, min(count, n - 1))
    related = {}
    for start in range(0, n, ROWS_PER_BLOCK):
        stop = min(start + ROWS_PER_BLOCK, n)
        sims = np.round(vectors[start:stop] @ vectors.T, 4)
        order = -np.rint(sims * 10_000).astype(np.int64) * n + rank[None, :]
        order[np.arange(stop - start), np.arange(start, stop)] = np.iinfo(np.int64).max   # never itself
        if take:
            top = np.argpartition(order, take - 1, axis=1)[:, :take]
            top = np.take_along_axis(top, np.argsort(np.take_along_axis(order, top, axis=1), axis=1), axis=1)
        for row, i in enumerate(range(start, stop)):
            key = keys[i]
            related[key] = tuple(
                Related(keys[j], float(sims[row, j]), reason(annotations[key], annotations[keys[j]]))
                for j in (top[row].tolist() if take else ()))
    return related


def see_also(slugs: list[str], centroids: np.ndarray) -> dict[str, tuple[str, ...]]:
    """2-3 nearest themes by centroid similarity (3 only when the third is about as near)."""
    sims = np.round(centroids @ centroids.T, 4)
    result = {}
    for i, slug in enumerate(slugs):
        order = sorted((j for j in range(len(slugs)) if j != i), key=lambda j: (-sims[i, j], slugs[j]))
        chosen = order[:SEE_ALSO_MIN]
        if len(order) > SEE_ALSO_MIN and sims[i, order[1]] - sims[i, order[2]] <= SEE_ALSO_GAP:
            chosen = order[:SEE_ALSO_MAX]
        result[slug] = tuple(slugs[j] for j in chosen)
    return result

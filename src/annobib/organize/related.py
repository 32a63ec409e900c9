"""Related papers (nearest neighbours over document embeddings, with a reason) and 'see also' themes.

Ranking: the `2 x count` nearest papers by plain cosine are the candidates; they
are ordered by the cosine of *expanded* vectors: each paper's embedding, centred on
the corpus mean (the direction every abstract of one field shares), plus its
`EXPANSION` nearest neighbours weighted by similarity (query expansion: a paper's
neighbourhood says more about its topic than its one abstract). Measured by
`bench/related.py` on 48 hand-labelled papers (which of their 10 nearest a reader
calls related; bench/data/related-labelling.yml): precision of the shown 5 is
0.400 for plain cosine, 0.467 for this ranking (both halves of the labelled set
gain); on the chapter proxies (a shown paper counts when it shares a chapter in a
hand labelling) 0.475 -> 0.522 (labelling A) and 0.508 -> 0.547 (B).

The reason is only shown, never ranked on: adding a bonus for shared keyphrases or
names to the score did not raise precision (0.400 -> 0.417 at best with cosine,
none with the expanded vectors). Readers trust a reason more than a score
(arxiv-sanity's lesson), so each neighbour says what the two papers share: method
names first, then datasets, then keyphrases (compared lower-cased and singularised),
then topics (keyphrases ending in the same two words), else "similar abstract" (`reason`,
kept for callers without a corpus). The site's reasons come from organize/reasons.py
(`explain`): only specific names and phrases, both-mention, same theme and period, and
"similar abstract" last (53% of the shown reasons before, 27% after on the shipped corpus).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import numpy as np

from ..models import Annotation, Related
from ..text import name_key   # method / dataset names: Instant-NGP == instant ngp (indexes.py imports it from here)
from ..vectors import unit_rows
from .labels import is_labelable, normalise

SHOWN_IN_REASON = 3
SEE_ALSO_MIN, SEE_ALSO_MAX = 2, 3
SEE_ALSO_GAP = 0.05   # a third neighbour only if nearly as close as the second


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


@functools.lru_cache(maxsize=1 << 16)
def phrase_key(phrase: str) -> str:
    """Comparison form of a keyphrase; '' for generic ones ('network', 'neural networks'),
    which every paper here shares and so explain nothing."""
    norm = normalise(phrase)
    return norm if is_labelable(norm) else ""


@functools.lru_cache(maxsize=1 << 16)
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


def citation_reason(a: str, b: str, links: Mapping[str, Iterable[str]] | None) -> str:
    """'cites' when paper `a` cites paper `b` in the collection, 'cited by' when `b` cites `a`
    (as the paper page's "Cites" / "Cited by in this collection"), else ''. `links`: key ->
    keys it cites (`Paper.cites`, from corpus/enrichment.json). Only the reason text: the
    ranking never looks at citations."""
    if not links:
        return ""
    if b in links.get(a, ()):
        return "cites"
    if a in links.get(b, ()):
        return "cited by"
    return ""


ROWS_PER_BLOCK = 512   # similarities are computed a block of rows at a time: memory ~ block x n, not n x n
EXPANSION = 5          # neighbours added to a paper's centred vector for ranking
CANDIDATE_FACTOR = 2   # the shown papers come from the 2 x count nearest by plain cosine
NEAR_MARGIN = 2e-4     # raw similarity below the take-th largest that may still round into the top


def key_ranks(keys: list[str]) -> np.ndarray:
    rank = np.empty(len(keys), dtype=np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return rank


def nearest(vectors: np.ndarray, take: int, rank: np.ndarray):
    """Per block of rows: (first row, rounded similarities of each row to its `take` nearest,
    the `take` nearest other rows of each, ordered by (-score, key)). A score has 4 decimals, so
    -score * 10^4 * n + the key's rank is one exact integer per pair.

    Only the rows' few near the top are rounded and ordered: the `take`-th largest raw
    similarity v bounds them (rounding keeps order, so every one of the chosen has a rounded
    score of at least round(v), hence a raw one above v - NEAR_MARGIN)."""
    n = len(vectors)
    take = max(0, min(take, n - 1))
    for start in range(0, n, ROWS_PER_BLOCK):
        stop = min(start + ROWS_PER_BLOCK, n)
        rows = stop - start
        raw = vectors[start:stop] @ vectors.T
        if not take:
            yield start, np.zeros((rows, 0)), np.zeros((rows, 0), dtype=np.int64)
            continue
        raw[np.arange(rows), np.arange(start, stop)] = -np.inf                  # never itself
        bound = -np.partition(-raw, take - 1, axis=1)[:, take - 1]
        r, c = np.nonzero(raw >= (bound - NEAR_MARGIN)[:, None])
        sims = np.round(raw[r, c], 4)
        order = -np.rint(sims * 10_000).astype(np.int64) * n + rank[c]
        by = np.lexsort((order, r))                     # row by row, best first
        r, c, sims = r[by], c[by], sims[by]
        firsts = np.searchsorted(r, np.arange(rows))    # where each row's candidates begin
        pick = (firsts[:, None] + np.arange(take)[None, :]).ravel()
        yield start, sims[pick].reshape(rows, take), c[pick].reshape(rows, take).astype(np.int64)


def expanded(vectors: np.ndarray, rank: np.ndarray, neighbours: int = EXPANSION) -> np.ndarray:
    """Centred vectors, each plus its nearest (centred) neighbours weighted by similarity."""
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    centred = unit_rows(centred, floor=1e-12)
    result = centred.copy()
    for start, sims, top in nearest(centred, neighbours, rank):
        weights = np.maximum(sims, 0.0)
        result[start:start + len(top)] += np.einsum("ij,ijk->ik", weights, centred[top])
    return unit_rows(result, floor=1e-12)


def related_papers(keys: list[str], vectors: np.ndarray, annotations: dict[str, Annotation],
                   count: int, expansion: int = EXPANSION,
                   links: Mapping[str, Iterable[str]] | None = None,
                   explain=None) -> dict[str, tuple[Related, ...]]:
    """Top `count` neighbours per paper, scores rounded so ties break by key on any machine:
    the 2 x count nearest by cosine, ordered by the cosine of the expanded vectors
    (`expansion=0`: plain cosine). Related.score is the ranking score. `links` (key -> keys it
    cites) only changes the reason of a linked pair (`citation_reason`). `explain(key, other)`,
    when given, says why for every other pair (organize/reasons.py); else `reason`."""
    n = len(keys)
    vectors = np.asarray(vectors, dtype=float)
    rank = key_ranks(keys)
    take = max(0, min(count, n - 1))
    ranking = expanded(vectors, rank, expansion) if expansion and n > 2 else vectors
    related = {}
    for start, _, candidates in nearest(vectors, CANDIDATE_FACTOR * take, rank):
        for row, i in enumerate(range(start, start + len(candidates))):
            pool = candidates[row]
            scores = np.round(ranking[pool] @ ranking[i], 4)
            chosen = sorted(range(len(pool)), key=lambda c: (-scores[c], rank[pool[c]]))[:take]
            key = keys[i]
            related[key] = tuple(
                Related(keys[pool[c]], float(scores[c]), citation_reason(key, keys[pool[c]], links)
                        or (explain(key, keys[pool[c]]) if explain else
                            reason(annotations[key], annotations[keys[pool[c]]])))
                for c in chosen)
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

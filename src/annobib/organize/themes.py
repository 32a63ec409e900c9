"""Group papers into themes: one fresh clustering, then "merge, don't refit".

The first run (no `corpus/themes.yml`) clusters every paper's document
embedding; later runs keep every assignment the file lists and only place new
papers, by centroid similarity, proposing a new theme only when enough new
papers fit none.

A fresh clustering has three steps:
1. Neighbourhood smoothing ("query expansion"): each paper's vector plus the
   vectors of its `EXPANSION` nearest neighbours, weighted by similarity. One
   abstract is a noisy sample of its topic; its neighbours vote.
2. Ward linkage on the smoothed vectors: seed-free, one tree for every k.
3. k chosen by stability: for every k from n/24 to n/12 papers per theme, the
   adjusted Rand index between the cut of the full tree and the cut of a fresh
   tree on a random 80% (10 seeded draws); k is the finest cut whose stability
   is within `STABILITY_TOLERANCE` of the most stable one (hierarchical cuts
   coarser than the true k are stable too, so "the finest stable" is the rule).
A post-pass merges any theme under 4 papers into its nearest neighbour and splits
(Ward, in two) any over a quarter of the corpus. Inputs are sorted by key, every
draw is seeded with `organize_seed`, similarities are rounded before sorting.

Measured by `bench/themes.py` on the shipped corpus (232 papers, the site's
all-MiniLM-L6-v2 document embeddings), NMI against two independent hand
labellings of the corpus into chapters (A: 24 chapters, the development set; B:
16 chapters, written by another labeller; A vs B agree at NMI 0.81):

    clustering                                   k      NMI vs A   NMI vs B
    spectral 15-NN, k = n/16 (before)            14     .656       .596
    spectral, centred embeddings                 14     .639       .604
    Ward on the embeddings                       14/18  .639/.669  .604/.627
    Ward, smoothed (8 neighbours), fixed k       14/18  .666/.701  .638/.659
    Ward, smoothed, k by stability (chosen)      18->17 .694       .662
    (k = 18 chosen; one theme under 4 papers merged by the post-pass)

Tried and not kept (NMI vs A / B at k = 14): other embedding texts, title only
.55/.49, title + keyphrases .60/.53, mean of sentence embeddings .62/.56,
title + first 80 words .66/.60; TF-IDF of the abstracts .60/.56, LSA .57/.54,
embedding + TF-IDF .64-.66/.59-.62; k-means .58-.61. Every variant is within a
few points of the others: with this encoder the embeddings, not the algorithm,
bound the agreement (a paper's 5 nearest neighbours share its chapter in A only
about half the time).

Updates never refit: on 90% of the corpus then all of it with the resulting
themes file, no paper changed theme and no slug changed (3 seeds); the new
papers went to existing themes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..vectors import unit_rows

MIN_THEME_SIZE = 4
MAX_THEME_SHARE = 0.25
PAPERS_PER_THEME = (12, 24)   # k is searched between n/24 and n/12 themes
MAX_THEMES = 40
MIN_THEMES = 6                # from CHAPTERED_FROM papers on: enough themes for 6 chapters
CHAPTERED_FROM = 50
EXPANSION = 8                 # neighbours added to each paper's vector before clustering
SMOOTH_BLOCK = 512             # rows of the similarity matrix held at once (memory: block x papers)
STABILITY_DRAWS = 10
STABILITY_SHARE = 0.8
STABILITY_TOLERANCE = 0.02
# A new paper "fits" a theme when its similarity to the centroid is no lower than
# what the worst 5% of the existing members reach, minus this margin (on the
# shipped corpus: 5th percentile ~0.62 -> threshold ~0.52; unrelated abstracts
# (biology, quantum computing) score below 0.35).
FIT_PERCENTILE = 5
FIT_MARGIN = 0.10
MIN_NEW_THEME_SIZE = 6


normalise_rows = unit_rows    # each row to length 1, zero rows stay zero (annobib.vectors)


def theme_count_range(n: int, min_size: int = MIN_THEME_SIZE) -> tuple[int, int]:
    """The k searched for n papers: n/24 .. n/12 themes, at least 1, at most MAX_THEMES,
    never more than n / min_size (themes under min_size are merged anyway); from
    CHAPTERED_FROM papers on at least MIN_THEMES (the chapters group themes: 6 at least)."""
    feasible = max(1, n // max(1, min_size))
    fewest, most = PAPERS_PER_THEME[1], PAPERS_PER_THEME[0]
    low = min(max(1, round(n / fewest)), feasible, MAX_THEMES)
    if n >= CHAPTERED_FROM:
        low = max(low, min(MIN_THEMES, feasible))
    high = min(max(low, round(n / most)), feasible, MAX_THEMES)
    return low, max(low, high)


def smooth(vectors: np.ndarray, neighbours: int = EXPANSION) -> np.ndarray:
    """Each row plus its nearest rows weighted by (positive) cosine similarity, re-normalised.

    Rows are taken SMOOTH_BLOCK at a time, so memory is a block x n, not n x n (3.2 GB of
    similarities and sort order at 10,000 papers). A block's products may differ from the
    whole matrix's in the last bits; similarities are rounded to 6 digits before they are
    ranked, so the neighbours and weights are the same (tests/test_themes.py checks it)."""
    n = len(vectors)
    m = min(neighbours, n - 1)
    if m <= 0:
        return vectors
    added = np.empty_like(vectors)
    for start in range(0, n, SMOOTH_BLOCK):
        rows = np.arange(start, min(start + SMOOTH_BLOCK, n))
        sims = np.round(vectors[rows] @ vectors.T, 6)
        sims[np.arange(len(rows)), rows] = -np.inf
        nearest = np.argsort(-sims, axis=1, kind="stable")[:, :m]
        weights = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0)
        added[rows] = np.einsum("ij,ijk->ik", weights, vectors[nearest])
    return normalise_rows(vectors + added)


def cut_tree_at(tree: np.ndarray, n: int, k: int) -> np.ndarray:
    """Cluster labels (numbered by first row) of a linkage tree after its first n - k merges."""
    parent = list(range(2 * n))
    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for step in range(n - max(1, min(k, n))):
        a, b = int(tree[step, 0]), int(tree[step, 1])
        parent[root(a)] = n + step
        parent[root(b)] = n + step
    numbers: dict[int, int] = {}
    return np.array([numbers.setdefault(root(i), len(numbers)) for i in range(n)], dtype=int)


def ward_cuts(vectors: np.ndarray, ks: list[int]) -> dict[int, np.ndarray]:
    """Labels of the Ward tree of the smoothed vectors cut at each k.

    fastcluster's `linkage_vector` builds the same tree as SciPy's `linkage` (the same merges
    on the shipped corpus and at 10,000 papers, bench/RESULTS.md) from the vectors alone, in
    memory linear in the papers; SciPy's holds all n(n-1)/2 distances and a copy, 800 MB at
    10,000 papers, the peak of a cold build."""
    import fastcluster

    n = len(vectors)
    if n < 2:
        return {k: np.zeros(n, dtype=int) for k in ks}
    tree = fastcluster.linkage_vector(smooth(vectors), method="ward")
    return {k: cut_tree_at(tree, n, k) for k in ks}


@dataclass(frozen=True)
class KChoice:
    k: int
    stability: dict[int, float]   # k -> mean ARI between the full cut and cuts of subsamples


def choose_theme_count(vectors: np.ndarray, seed: int, ks: list[int]) -> KChoice:
    """The finest k whose stability (ARI full vs 80% subsample, 10 seeded draws)
    is within STABILITY_TOLERANCE of the most stable k."""
    from sklearn.metrics import adjusted_rand_score

    ks = sorted(set(ks))
    n = len(vectors)
    if len(ks) == 1 or n < 4:
        return KChoice(ks[0], {ks[0]: 1.0})
    full = ward_cuts(vectors, ks)
    rng = np.random.default_rng(seed)
    stability = dict.fromkeys(ks, 0.0)
    for _ in range(STABILITY_DRAWS):
        rows = np.sort(rng.choice(n, max(2, int(STABILITY_SHARE * n)), replace=False))
        part = ward_cuts(vectors[rows], ks)
        for k in ks:
            stability[k] += adjusted_rand_score(full[k][rows], part[k]) / STABILITY_DRAWS
    stability = {k: round(v, 6) for k, v in stability.items()}
    best = max(stability.values())
    return KChoice(max(k for k in ks if stability[k] >= best - STABILITY_TOLERANCE), stability)


def centroids(vectors: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    return normalise_rows(np.array([vectors[g].mean(axis=0) for g in groups]))


def merge_small_groups(vectors: np.ndarray, groups: list[list[int]], min_size: int) -> list[list[int]]:
    """Fold the smallest group under min_size into its nearest neighbour, until none is left."""
    groups = [sorted(g) for g in groups if g]
    while len(groups) > 1:
        smallest = min(range(len(groups)), key=lambda i: (len(groups[i]), groups[i][0]))
        if len(groups[smallest]) >= min_size:
            break
        cents = centroids(vectors, groups)
        sims = cents @ cents[smallest]
        sims[smallest] = -np.inf
        target = int(np.argmax(sims))
        groups[target] = sorted(groups[target] + groups[smallest])
        del groups[smallest]
    return groups


def split_big_groups(vectors: np.ndarray, groups: list[list[int]], max_size: int) -> list[list[int]]:
    """Split (Ward, in two) any group over max_size; Ward has no seed."""
    from sklearn.cluster import AgglomerativeClustering

    result, queue = [], [sorted(g) for g in groups]
    while queue:
        group = queue.pop(0)
        if len(group) <= max_size or len(group) < 2:
            result.append(group)
            continue
        halves = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(vectors[group])
        queue += [[i for i, h in zip(group, halves) if h == side] for side in (0, 1)]
    return result


def cluster_papers(vectors: np.ndarray, seed: int, min_size: int = MIN_THEME_SIZE,
                   k: int | None = None) -> list[list[int]]:
    """Fresh themes for row-normalised vectors (rows sorted by key): lists of row indexes.
    `k` fixes the number of themes; by default it is chosen by stability."""
    n = len(vectors)
    if n == 0:
        return []
    if k is None:
        low, high = theme_count_range(n, min_size)
        k = choose_theme_count(vectors, seed, list(range(low, high + 1))).k
    labels = ward_cuts(vectors, [k])[k]
    groups = [list(np.flatnonzero(labels == c)) for c in sorted(set(labels))]
    max_size = max(min_size, int(n * MAX_THEME_SHARE))
    groups = split_big_groups(vectors, groups, max_size)
    groups = merge_small_groups(vectors, groups, min(min_size, n))
    if n >= CHAPTERED_FROM:      # merging may leave fewer themes than chapters need: split the largest
        while len(groups) < min(MIN_THEMES, n // max(1, min_size)):
            largest = max(range(len(groups)), key=lambda i: (len(groups[i]), -groups[i][0]))
            group = groups.pop(largest)
            groups += split_big_groups(vectors, [group], len(group) - 1)[:2]
    return sorted(groups, key=lambda g: g[0])


def fit_threshold(vectors: np.ndarray, groups: list[list[int]]) -> float:
    """Similarity below which a paper fits none of these themes (see FIT_PERCENTILE)."""
    cents = centroids(vectors, groups)
    own = np.concatenate([vectors[g] @ cents[i] for i, g in enumerate(groups)])
    return float(np.percentile(own, FIT_PERCENTILE) - FIT_MARGIN)


@dataclass(frozen=True)
class Placement:
    placed: dict[int, int]            # new row -> index of an existing group
    new_groups: list[list[int]]       # new rows that form proposed themes


def place_new_papers(vectors: np.ndarray, groups: list[list[int]], new_rows: list[int],
                     seed: int) -> Placement:
    """Nearest existing theme for each new row; a new theme only for >= 6 that fit none."""
    if not groups:
        fresh = cluster_papers(vectors[new_rows], seed)
        return Placement({}, [[new_rows[i] for i in g] for g in fresh])
    cents = centroids(vectors, groups)
    threshold = fit_threshold(vectors, groups)
    sims = vectors[new_rows] @ cents.T
    misfits = [row for row, s in zip(new_rows, sims) if s.max() < threshold]
    new_groups = []
    if len(misfits) >= MIN_NEW_THEME_SIZE:
        sub = cluster_papers(vectors[misfits], seed, min_size=MIN_NEW_THEME_SIZE)
        new_groups = [[misfits[i] for i in g] for g in sub]
    in_new = {row for g in new_groups for row in g}
    placed = {row: int(np.argmax(s)) for row, s in zip(new_rows, sims) if row not in in_new}
    return Placement(placed, new_groups)

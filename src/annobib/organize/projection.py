"""2D positions for the map of papers.

t-SNE (scikit-learn) started from the PCA
layout with a fixed random_state: PCA alone squeezes 384 dimensions into a blob,
t-SNE keeps each theme's papers together, and the PCA start plus fixed seed make
it deterministic. Exact gradients up to EXACT_UP_TO papers (measured on 232
papers: exact 4.8 s, Barnes-Hut 13.8 s; exact grows as n^2). Coordinates are scaled to [0, 1] and rounded so the written
site does not change with the last bits of floating point.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..atomic import write_json

MapProjector = Callable[[list[str], np.ndarray, int], dict[str, tuple[float, float]]]

EXACT_UP_TO = 600
TSNE_WORKING_MEMORY_MB = 64   # scikit-learn working_memory while t-SNE finds neighbours



def scale_unit(points: np.ndarray) -> np.ndarray:
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low == 0, 1.0, high - low)
    return np.round((points - low) / span, 4)


def project(vectors: np.ndarray, seed: int) -> np.ndarray:
    """One (x, y) in [0, 1] per row."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2))
    if n < 5:  # too few for t-SNE's perplexity; PCA (or a line) is enough
        from sklearn.decomposition import PCA

        if n < 3:
            return np.array([[i / max(1, n - 1), 0.5] for i in range(n)])
        return scale_unit(PCA(n_components=2, random_state=seed).fit_transform(vectors))
    import sklearn
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=2, perplexity=min(30.0, (n - 1) / 3), init="pca", metric="cosine",
                random_state=seed, method="exact" if n <= EXACT_UP_TO else "barnes_hut")
    # scikit-learn computes the neighbour distances in chunks of `working_memory` MB (1 GB by
    # default): a smaller chunk keeps the peak memory of a 10,000-paper map low, same result.
    with warnings.catch_warnings(), sklearn.config_context(working_memory=TSNE_WORKING_MEMORY_MB):
        warnings.simplefilter("ignore")  # sklearn's FutureWarnings about defaults are not ours to show
        return scale_unit(tsne.fit_transform(vectors))


def map_points(keys: list[str], vectors: np.ndarray, seed: int) -> dict[str, tuple[float, float]]:
    return {key: (float(x), float(y)) for key, (x, y) in zip(keys, project(vectors, seed))}


NEIGHBOURS_FOR_NEW = 5
# Up to this share of new papers, they are placed among their nearest neighbours and
# everything else stays put (a reader's map does not reshuffle when a few papers
# arrive); beyond it the whole map is recomputed.
INCREMENTAL_SHARE = 0.1


def _row_digest(vector: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(vector, dtype=np.float64).tobytes()).hexdigest()[:16]


def place_among_neighbours(key: str, vector: np.ndarray, known: list[str], known_vectors: np.ndarray,
                           points: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Similarity-weighted mean of the nearest known papers' positions, nudged by a
    small offset derived from the key so two new papers never sit on one spot."""
    similarity = known_vectors @ vector
    nearest = np.argsort(-similarity, kind="stable")[:NEIGHBOURS_FOR_NEW]
    weights = np.clip(similarity[nearest], 1e-3, None)
    xy = np.array([points[known[i]] for i in nearest])
    centre = (weights[:, None] * xy).sum(axis=0) / weights.sum()
    nudge = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF * 2 * np.pi
    x, y = np.clip(centre + 0.01 * np.array([np.cos(nudge), np.sin(nudge)]), 0.0, 1.0)
    return round(float(x), 4), round(float(y), 4)


class MemoisedProjection:
    """`map_points` kept on disk between builds, so the map is stable across updates.

    Same papers, same vectors: the stored map. A few new or changed papers (at most
    INCREMENTAL_SHARE): the others keep their places and the new ones are placed among
    their nearest neighbours. Anything more, or no stored map: t-SNE from scratch,
    which is what a cold build draws.
    """

    def __init__(self, path: Path):
        self.path = path

    def _stored(self, seed: int) -> dict:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            return stored if stored.get("seed") == seed else {}
        except (OSError, ValueError, AttributeError):
            return {}  # no memo or an unreadable one: compute afresh

    def __call__(self, keys: list[str], vectors: np.ndarray, seed: int) -> dict[str, tuple[float, float]]:
        digests = {key: _row_digest(v) for key, v in zip(keys, vectors)}
        stored = self._stored(seed)
        old_points, old_digests = stored.get("points", {}), stored.get("digests", {})
        kept = [k for k in keys if old_digests.get(k) == digests[k] and k in old_points]
        kept_set = set(kept)
        fresh = [k for k in keys if k not in kept_set]
        if kept and len(fresh) <= INCREMENTAL_SHARE * len(keys):
            points = {k: tuple(old_points[k]) for k in kept}
            rows = {k: i for i, k in enumerate(keys)}
            kept_vectors = vectors[[rows[k] for k in kept]]
            for key in fresh:
                points[key] = place_among_neighbours(key, vectors[rows[key]], kept, kept_vectors, points)
        else:
            points = map_points(keys, vectors, seed)
        write_json(self.path, {"seed": seed, "digests": digests, "points": points})
        return {k: points[k] for k in keys}

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

MapProjector = Callable[[list[str], np.ndarray, int], dict[str, tuple[float, float]]]

EXACT_UP_TO = 600



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
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=2, perplexity=min(30.0, (n - 1) / 3), init="pca", metric="cosine",
                random_state=seed, method="exact" if n <= EXACT_UP_TO else "barnes_hut")
    with warnings.catch_warnings():  # sklearn's FutureWarnings about defaults are not ours to show
        warnings.simplefilter("ignore")
        return scale_unit(tsne.fit_transform(vectors))


def map_points(keys: list[str], vectors: np.ndarray, seed: int) -> dict[str, tuple[float, float]]:
    return {key: (float(x), float(y)) for key, (x, y) in zip(keys, project(vectors, seed))}


class MemoisedProjection:
    """`map_points` remembered on disk for the exact same inputs (keys, vectors, seed).

    A rebuild with no paper added or changed then skips t-SNE; any change recomputes
    the whole map, so an incremental build draws exactly what a cold build draws.
    """

    def __init__(self, path: Path):
        self.path = path

    def __call__(self, keys: list[str], vectors: np.ndarray, seed: int) -> dict[str, tuple[float, float]]:
        digest = hashlib.sha256(json.dumps([keys, seed]).encode() + np.ascontiguousarray(vectors).tobytes()).hexdigest()
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("digest") == digest:
                return {key: (x, y) for key, (x, y) in stored["points"].items()}
        except (OSError, ValueError, TypeError, AttributeError):
            pass  # no memo or an unreadable one: compute
        points = map_points(keys, vectors, seed)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"digest": digest, "points": points}), encoding="utf-8")
        return points

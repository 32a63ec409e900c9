"""Vector helpers shared by analyze and organize.

    unit_rows(matrix)                 # each row scaled to length 1; zero rows stay zero
    unit_rows(matrix, floor=1e-12)    # norms below `floor` divide by `floor` instead
"""
from __future__ import annotations

import numpy as np

__all__ = ["unit_rows"]


def unit_rows(matrix: np.ndarray, floor: float | None = None) -> np.ndarray:
    """`matrix` with each row (last axis) divided by its Euclidean length, as a new array of
    the same dtype. Without `floor` a zero row stays zero; with it every norm below `floor`
    is replaced by `floor` (so near-zero rows stay near zero instead of growing to length 1)."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    if floor is None:
        return matrix / np.where(norms == 0, 1.0, norms)
    return matrix / np.maximum(norms, floor)

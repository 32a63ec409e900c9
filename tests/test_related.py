"""Related papers with reasons, 'see also' themes, and the methods / keyword indexes."""
from __future__ import annotations

import numpy as np
import pytest

from annobib.models import Annotation
from annobib.organize.indexes import keyword_index, method_index
from annobib.organize.related import reason, related_papers, see_also


def ann(key, keyphrases=(), introduced=(), mentioned=(), datasets=()):
    return Annotation(key=key, keyphrases=tuple(keyphrases), methods_introduced=tuple(introduced),
                      methods_mentioned=tuple(mentioned), datasets=tuple(datasets))


@pytest.mark.parametrize("mine, theirs, expected", [
    pytest.param(ann("a", mentioned=["NeRF", "SIREN"]), ann("b", introduced=["nerf"], mentioned=["Siren"]),
                 "shares methods: NeRF, SIREN", id="methods-any-case"),
    pytest.param(ann("a", datasets=["ShapeNet"]), ann("b", datasets=["shapenet"]),
                 "shares datasets: ShapeNet", id="datasets"),
    pytest.param(ann("a", ["Radiance Fields", "view synthesis"]), ann("b", ["radiance field"]),
                 "shares keyphrases: Radiance Fields", id="keyphrase-plural-case"),
    pytest.param(ann("a", ["graphs"], mentioned=["GCN"]), ann("b", ["graph"], mentioned=["GAT"]),
                 "shares keyphrases: graphs", id="methods-before-keyphrases-only-when-shared"),
    pytest.param(ann("a", ["x"]), ann("b", ["y"]), "similar abstract", id="nothing-shared"),
])
def test_reason(mine, theirs, expected):
    assert reason(mine, theirs) == expected


def test_related_top_k_sorted_and_deterministic():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(12, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [f"k{i:02d}" for i in range(12)]
    annotations = {k: ann(k) for k in keys}
    related = related_papers(keys, vectors, annotations, 5)
    plain = related_papers(keys, vectors, annotations, 5, expansion=0)
    for i, key in enumerate(keys):
        scores = [r.score for r in related[key]]
        assert len(scores) == 5 and key not in {r.key for r in related[key]}
        assert scores == sorted(scores, reverse=True)
        by_cosine = sorted((j for j in range(12) if j != i), key=lambda j: -vectors[i] @ vectors[j])
        assert plain[key][0].key == keys[by_cosine[0]]                  # expansion=0: plain cosine
        assert [r.key for r in plain[key]] == [keys[j] for j in by_cosine[:5]]
        assert {r.key for r in related[key]} <= {keys[j] for j in by_cosine[:10]}   # from the 10 nearest
    assert related == related_papers(keys, vectors, annotations, 5)


def test_related_ties_break_by_key():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    keys = ["a", "d", "c", "b"]
    related = related_papers(keys, vectors, {k: ann(k) for k in keys}, 2)
    assert [r.key for r in related["d"]] == ["b", "c"]


def test_see_also_two_or_three_neighbours():
    rng = np.random.default_rng(1)
    cents = rng.normal(size=(9, 6))
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    slugs = [f"t{i}" for i in range(9)]
    result = see_also(slugs, cents)
    for slug, neighbours in result.items():
        assert 2 <= len(neighbours) <= 3 and slug not in neighbours


def test_method_index_merges_case_variants():
    annotations = {
        "p1": ann("p1", introduced=["NeRF"], datasets=["ShapeNet"]),
        "p2": ann("p2", mentioned=["nerf", "SIREN"]),
        "p3": ann("p3", mentioned=["NeRF"], datasets=["shapenet"]),
        "p4": ann("p4", introduced=["NeRF"], mentioned=["NeRF"]),
    }
    entries = {(e.kind, e.name): e for e in method_index(annotations)}
    assert set(entries) == {("method", "NeRF"), ("method", "SIREN"), ("dataset", "ShapeNet")}
    nerf = entries[("method", "NeRF")]
    assert nerf.introduced_by == ("p1", "p4") and nerf.mentioned_by == ("p2", "p3")
    assert entries[("dataset", "ShapeNet")].mentioned_by == ("p1", "p3")


def test_keyword_index_merges_case_and_plural():
    annotations = {"p1": ann("p1", ["Radiance Fields", "SDF"]), "p2": ann("p2", ["radiance field"]),
                   "p3": ann("p3", ["radiance fields", "sdfs"])}
    index = keyword_index(annotations)
    assert index == {"radiance fields": ("p1", "p2", "p3"), "SDF": ("p1", "p3")}


def test_reason_names_a_shared_topic_but_never_a_generic_phrase():
    from annobib.models import Annotation
    from annobib.organize.related import reason

    mine = Annotation(key="a", keyphrases=("neural networks", "fine-grained neural radiance fields"))
    theirs = Annotation(key="b", keyphrases=("deep neural networks", "radiance fields"))
    assert reason(mine, theirs) == "shares topics: fine-grained neural radiance fields"
    generic_only = Annotation(key="c", keyphrases=("neural networks", "model"))
    assert reason(generic_only, Annotation(key="d", keyphrases=("neural networks", "models"))) == "similar abstract"


def test_expanded_ranking_prefers_the_neighbourhood_over_a_lone_close_paper():
    """Paper q belongs to topic t (t0..t5); paper s of topic u (u0..u5) happens to be q's
    single nearest paper. Plain cosine shows s first; the expanded ranking shows q's own
    topic first and keeps s among the shown."""
    rng = np.random.default_rng(4)
    def around(x, y, scale=0.05):
        return np.array([x, y, 0.0, 0.0]) + rng.normal(scale=scale, size=4)
    rows = {f"t{i}": around(1.0, 0.0) for i in range(6)}
    rows.update({f"u{i}": around(0.0, 1.0) for i in range(6)})
    rows["q"], rows["s"] = np.array([0.8, 0.6, 0.0, 0.0]), np.array([0.5, 0.866, 0.0, 0.0])
    keys = sorted(rows)
    vectors = np.array([rows[k] / np.linalg.norm(rows[k]) for k in keys])
    annotations = {k: ann(k) for k in keys}
    plain = related_papers(keys, vectors, annotations, 4, expansion=0)
    ranked = related_papers(keys, vectors, annotations, 4)
    assert plain["q"][0].key == "s"
    assert ranked["q"][0].key.startswith("t")
    assert sum(r.key.startswith("t") for r in ranked["q"]) >= sum(r.key.startswith("t") for r in plain["q"])


def test_related_is_the_same_in_blocks_and_for_shuffled_input(monkeypatch):
    from annobib.organize import related as related_mod

    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(40, 6))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [f"p{i:02d}" for i in range(40)]
    annotations = {k: ann(k) for k in keys}
    whole = related_papers(keys, vectors, annotations, 5)
    monkeypatch.setattr(related_mod, "ROWS_PER_BLOCK", 7)
    assert related_papers(keys, vectors, annotations, 5) == whole
    order = rng.permutation(40)
    shuffled = related_papers([keys[i] for i in order], vectors[order], annotations, 5)
    assert shuffled == whole

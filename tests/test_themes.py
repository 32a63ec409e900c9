"""Themes: sizes, determinism, stability under updates, maintainer edits, the themes file, labels.

Fast tests use synthetic embeddings (16 topics on a 32-d sphere) and a stub phrase
embedder; the slow test runs on the shipped corpus with the real encoder.
"""
from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annobib.config import Settings
from annobib.errors import AnnobibError
from annobib.models import Annotation
from annobib.corpus.themes_file import themes_from_doc
from annobib.organize import dump_themes_file, load_themes_file, organize
from annobib.organize import labels

from helpers.themes import DIM, TOPICS, assert_refused, run, small_groups, stub_embed, synthetic_corpus

# `corpus` and `first_run`: tests/conftest.py's fixtures of the synthetic corpus


def test_fresh_themes_have_readable_sizes(corpus, first_run):
    papers, _ = corpus
    bib, doc, report = first_run
    sizes = [len(t.papers) for t in bib.themes]
    assert len(sizes) == len(TOPICS)                                  # the planted topics, by stability
    assert min(sizes) >= 4 and max(sizes) <= len(papers) // 4
    assigned = [k for t in bib.themes for k in t.papers]
    assert sorted(assigned) == sorted(p.key for p in papers)          # exactly one theme each
    assert set(report.proposed_themes) == {t.slug for t in bib.themes}
    assert set(report.new_papers_placed) == set(assigned)


def test_same_inputs_give_identical_output(corpus, first_run):
    papers, annotations = corpus
    shuffled = papers[:]
    random.Random(5).shuffle(shuffled)
    bib, doc, _ = run(shuffled, dict(reversed(list(annotations.items()))))
    assert doc == first_run[1]
    assert [t.label for t in bib.themes] == [t.label for t in first_run[0].themes]
    assert bib.map_points == first_run[0].map_points
    assert bib.related == first_run[0].related


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_update_keeps_assignments_and_slugs(corpus, seed):
    papers, annotations = corpus
    subset = sorted(random.Random(seed).sample(papers, int(0.9 * len(papers))), key=lambda p: p.key)
    before, doc, _ = run(subset, annotations, seed=seed)
    after, doc2, report = run(papers, annotations, doc, seed=seed)
    changed = [k for k in before.theme_of if after.theme_of[k] != before.theme_of[k]]
    assert len(changed) <= 0.05 * len(subset)
    assert {t.slug for t in before.themes} <= {t.slug for t in after.themes}
    assert set(report.new_papers_placed) == {p.key for p in papers} - {p.key for p in subset}
    assert report.proposed_themes == ()       # the new papers fit existing themes


def edited(doc: dict) -> dict:
    """A maintainer's edits: rename, move a paper, merge two themes, pin a paper."""
    themes = [dict(t, papers=list(t["papers"]), pinned=list(t["pinned"])) for t in doc["themes"]]
    a, b, c = themes[0], themes[1], themes[2]
    a["label"] = "My own title"
    moved = b["papers"].pop(0)
    a["papers"].append(moved)
    b["papers"] += c["papers"]                 # merge c into b
    themes.remove(c)
    a["pinned"].append(a["papers"][0])
    return {"themes": themes}, moved, a["slug"], b["slug"], c["slug"]


def test_maintainer_edits_are_kept(corpus, first_run):
    papers, annotations = corpus
    doc, moved, slug_a, slug_b, slug_c = edited(first_run[1])
    bib, new_doc, report = run(papers, annotations, doc)
    themes = {t.slug: t for t in bib.themes}
    assert themes[slug_a].label == "My own title"
    assert bib.theme_of[moved] == slug_a
    assert slug_c not in themes
    assert all(bib.theme_of[k] == slug_b for k in doc["themes"][1]["papers"])
    assert new_doc["themes"][0]["pinned"] == doc["themes"][0]["pinned"]
    assert report.new_papers_placed == {} and report.proposed_themes == ()
    again, _, _ = run(papers, annotations, new_doc)
    assert again.theme_of == bib.theme_of


def test_pinned_wins_over_a_second_listing(corpus, first_run):
    papers, annotations = corpus
    doc = {"themes": [dict(t) for t in first_run[1]["themes"]]}
    key = doc["themes"][0]["papers"][0]
    doc["themes"][1] = dict(doc["themes"][1], papers=doc["themes"][1]["papers"] + [key], pinned=[key])
    bib, _, report = run(papers, annotations, doc)
    assert bib.theme_of[key] == doc["themes"][1]["slug"]


def test_removed_papers_are_dropped_with_a_message(corpus, first_run):
    papers, annotations = corpus
    gone = papers[0].key
    bib, doc, report = run(papers[1:], annotations, first_run[1])
    assert gone not in bib.theme_of
    assert all(gone not in t["papers"] for t in doc["themes"])
    assert any(gone in m and "no longer in the corpus" in m for m in report.messages)


def test_new_theme_only_for_enough_misfits(corpus, first_run):
    papers, annotations = corpus
    for count, expect_new in [(5, False), (8, True)]:
        extra_p, extra_a = synthetic_corpus(count, seed=9, topics=["ocean salinity"], prefix="z",
                                              noise=0.06)
        bib, doc, report = run(papers + extra_p, {**annotations, **extra_a}, first_run[1])
        assert set(report.new_papers_placed) == {p.key for p in extra_p}
        assert bool(report.proposed_themes) == expect_new
        if expect_new:
            new = {t.slug: t for t in bib.themes}[report.proposed_themes[0]]
            assert set(new.papers) == {p.key for p in extra_p}
            assert "salinity" in new.label.lower()


def test_themes_file_round_trip(tmp_path, first_run):
    path = tmp_path / "themes.yml"
    dump_themes_file(themes_from_doc(first_run[1], str(path)), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "Pin a paper" in text
    assert load_themes_file(path).form() == first_run[1]
    dump_themes_file(load_themes_file(path), path)
    assert path.read_text(encoding="utf-8") == text          # stable bytes


def test_absent_or_empty_themes_file_is_none(tmp_path):
    assert load_themes_file(tmp_path / "none.yml") is None
    (tmp_path / "empty.yml").write_text("# nothing yet\n")
    assert load_themes_file(tmp_path / "empty.yml") is None


@pytest.mark.parametrize("text, message", [
    pytest.param("themes: [\n", "not valid YAML", id="bad-yaml"),
    pytest.param("- a\n- b\n", "expected a mapping", id="list-at-top"),
    pytest.param("themes: {slug: a}\n", "must be a list", id="themes-not-list"),
    pytest.param("themes:\n- label: X\n  papers: []\n", "slug must be", id="missing-slug"),
    pytest.param("themes:\n- slug: Bad Slug\n  label: X\n", "slug must be", id="bad-slug"),
    pytest.param("themes:\n- slug: a\n  label: ''\n", "label must be", id="empty-label"),
    pytest.param("themes:\n- slug: a\n  label: A\n  papers: k1\n", "list of citation keys", id="papers-not-list"),
    pytest.param("themes:\n- slug: a\n  label: A\n  colour: red\n", "unknown field", id="unknown-field"),
    pytest.param("themes:\n- {slug: a, label: A}\n- {slug: a, label: B}\n", "used twice", id="duplicate-slug"),
    pytest.param("themes:\n- {slug: a, label: A, pinned: [k]}\n- {slug: b, label: B, pinned: [k]}\n",
                 "pinned in two themes", id="pinned-twice"),
])
def test_bad_themes_file_names_the_file(tmp_path, text, message):
    assert_refused(tmp_path / "themes.yml", text, message)


def test_missing_embedding_is_a_clear_error(corpus):
    papers, annotations = corpus
    broken = dict(annotations, **{papers[0].key: Annotation(key=papers[0].key, keyphrases=())})
    with pytest.raises(AnnobibError, match=papers[0].key):
        run(papers, broken)


# --- labels --------------------------------------------------------------------------

def test_labels_are_unique_and_never_generic_alone(first_run):
    bib = first_run[0]
    names = [t.label for t in bib.themes]
    assert len({n.lower() for n in names}) == len(names)
    for theme in bib.themes:
        assert theme.label[0].isupper()
        for part in theme.label.lower().split(" and "):
            assert labels.is_labelable(labels.label_form(part)), theme.label
        assert theme.description.endswith(".") and theme.keyphrases
    assert any("radiance" in n.lower() for n in names)


@pytest.mark.parametrize("word, expected", [
    ("fields", "field"), ("GANs".lower(), "gan"), ("bodies", "body"), ("classes", "class"),
    ("process", "process"), ("analysis", "analysis"), ("graphics", "graphics"), ("series", "series"),
])
def test_singular(word, expected):
    assert labels.singular(word) == expected


@pytest.mark.parametrize("phrase, ok", [
    ("neural network", False), ("implicit neural representation", False), ("learning", False),
    ("radiance field", True), ("neural radiance field", True), ("field of", False), ("3d", False),
])
def test_is_labelable(phrase, ok):
    assert labels.is_labelable(phrase) is ok


@pytest.mark.parametrize("a, b, ok", [
    ("recurrent neural network", "rnn", False), ("graph neural network", "gnn architecture", False),
    ("radiance field", "neural radiance field", False), ("view synthesis", "radiance field", True),
])
def test_distinct_phrases(a, b, ok):
    assert labels.distinct(a, b) is ok


def test_tail_ngrams_keep_the_head_noun():
    grams = [norm for norm, _ in labels.ngrams("Large Language Models")]
    assert grams == ["model", "language model", "large language model"]


def test_sentence_words_keeps_acronyms():
    assert labels.sentence_case(labels.sentence_words("Neural Radiance Fields")) == "Neural radiance fields"
    assert labels.sentence_words("NeRF in the Wild 3D") == "NeRF in the wild 3D"


# --- on the shipped corpus -----------------------------------------------------------

def bench_module():
    path = Path(__file__).resolve().parents[1] / "bench" / "themes.py"
    spec = importlib.util.spec_from_file_location("bench_themes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_real_corpus_sizes_and_stability(shipped_site):
    """On the shipped corpus with its real annotations (cached by the session's build)."""
    from annobib.analyze import annotate_papers
    from annobib.corpus import load_corpus

    root, _ = shipped_site
    bench = bench_module()
    papers = load_corpus(root / "corpus").raise_on_errors()
    annotations = annotate_papers(papers, Settings(), root / "build" / "cache", progress=False).annotations
    result = bench.stability(papers, annotations, seeds=(1, 2, 3))
    assert all(r["changed_share"] <= 0.05 and not r["slugs_changed"] for r in result)
    from annobib.organize.themes import theme_count_range

    organized = organize(papers, annotations, None, Settings())
    bib = organized.bib
    sizes = [len(t.papers) for t in bib.themes]
    low, high = theme_count_range(len(papers))           # 10..19 for 232 papers
    assert low <= len(sizes) <= high and min(sizes) >= 4 and max(sizes) <= len(papers) // 4
    assert organize(papers, annotations, None, Settings()).themes == organized.themes


# --- choosing the number of themes ------------------------------------------------------

def planted_blobs(k: int, per: int = 18, dim: int = DIM, noise: float = 0.05, seed: int = 3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    rows = np.repeat(np.arange(k), per)
    vectors = centres[rows] / np.linalg.norm(centres[rows], axis=1, keepdims=True) + \
        rng.normal(scale=noise, size=(k * per, dim))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), rows


@pytest.mark.parametrize("planted", [6, 11, 15])
def test_k_selection_picks_the_planted_k(planted):
    from sklearn.metrics import adjusted_rand_score

    from annobib.organize import themes

    vectors, truth = planted_blobs(planted)
    low, high = 4, 20
    choice = themes.choose_theme_count(vectors, 13, list(range(low, high + 1)))
    assert choice.k == planted
    assert set(choice.stability) == set(range(low, high + 1))
    groups = themes.cluster_papers(vectors, 13, k=choice.k)
    found = np.zeros(len(vectors), dtype=int)
    for i, g in enumerate(groups):
        found[g] = i
    assert adjusted_rand_score(truth, found) == 1.0


def test_k_selection_is_deterministic():
    from annobib.organize import themes

    vectors, _ = planted_blobs(9, noise=0.4)          # overlapping: a close call
    ks = list(range(4, 16))
    first = themes.choose_theme_count(vectors, 13, ks)
    assert themes.choose_theme_count(vectors, 13, ks) == first
    assert themes.cluster_papers(vectors, 13) == themes.cluster_papers(vectors.copy(), 13)


def test_theme_count_range_follows_corpus_size():
    from annobib.organize.themes import theme_count_range

    assert theme_count_range(232) == (10, 19)
    assert theme_count_range(8, 6) == (1, 1)           # a handful of new papers: one theme
    low, high = theme_count_range(75)
    assert 1 <= low <= high <= 75 // 4


def test_cut_matches_scipy_ward():
    from scipy.cluster.hierarchy import cut_tree, linkage
    from sklearn.metrics import adjusted_rand_score

    from annobib.organize.themes import cut_tree_at

    vectors, _ = planted_blobs(7, noise=0.3)
    tree = linkage(vectors, method="ward")
    for k in (1, 3, 7, 12):
        ours = cut_tree_at(tree, len(vectors), k)
        assert len(set(ours)) == k
        assert adjusted_rand_score(cut_tree(tree, n_clusters=k).ravel(), ours) == 1.0


def test_ward_cuts_are_scipys_ward_tree_cut():
    """The themes' Ward tree (fastcluster, linear memory) is the tree SciPy builds from all
    pairwise distances: the same clusters at every k."""
    from scipy.cluster.hierarchy import linkage

    from annobib.organize.themes import cut_tree_at, smooth, ward_cuts

    vectors, _ = planted_blobs(9, noise=0.5)
    ks = [1, 2, 5, 9, 20]
    tree = linkage(smooth(vectors), method="ward")
    assert {k: list(v) for k, v in ward_cuts(vectors, ks).items()} == \
        {k: list(cut_tree_at(tree, len(vectors), k)) for k in ks}


def test_the_ward_tree_holds_no_matrix_of_all_distances():
    """6,000 papers: all pairwise distances would be 144 MB, twice over in SciPy's linkage.
    In a fresh interpreter, after one smoothing pass (whose blocks ward_cuts needs again),
    building and cutting the tree grows the peak RSS by far less."""
    script = """
import resource, numpy as np
from annobib.organize.themes import smooth, ward_cuts
rng = np.random.default_rng(0)
vectors = rng.normal(size=(6000, 32)); vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
smooth(vectors)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
labels = ward_cuts(vectors, [40])[40]
print(len(set(labels)), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    clusters, grown_mib = map(int, done.stdout.split())
    assert clusters == 40 and grown_mib < 64, grown_mib


# --- chapter titles ------------------------------------------------------------------

def table_for(themes_phrases: list[dict[str, int]]) -> labels.PhraseTable:
    """A phrase table from {phrase: number of papers} per theme (papers named t<i>p<j>)."""
    groups, keyphrases = [], {}
    for t, phrases in enumerate(themes_phrases):
        size = max(phrases.values())
        keys = [f"t{t}p{j}" for j in range(size)]
        groups.append(keys)
        for phrase, count in phrases.items():
            for key in keys[:count]:
                keyphrases.setdefault(key, ())
                keyphrases[key] += (phrase,)
    return labels.phrase_table(groups, keyphrases)


def test_labels_never_join_two_generic_nouns():
    # generic nouns are spread over every theme; the specific phrases belong to one
    spread = {"recognition": 6, "datasets": 6, "encoder": 6}
    table = table_for([
        {**spread, "knowledge distillation": 6, "teacher network": 4},
        {**spread, "video compression": 9, "frame interpolation": 5},
        {**spread, "point clouds": 7}, {**spread, "language models": 7}])
    cases = [(0, ["recognition", "dataset", "encoder", "knowledge distillation", "teacher network"]),
             (1, ["video compression", "encoder", "dataset", "recognition", "frame interpolation"]),
             (2, ["recognition", "dataset", "encoder"])]
    for theme, ranked in cases:
        for option in labels.label_options(ranked, table, theme):
            parts = option.lower().split(" and ")
            assert len(parts) <= 2
            if len(parts) == 2:
                assert all(len(part.split()) >= 2 for part in parts), option
            else:
                assert parts[0] not in spread, option        # a generic noun never titles alone
    assert labels.label_options(cases[0][1], table, 0)[0] == "Knowledge distillation and teacher network"
    assert labels.label_options(cases[1][1], table, 1)[0] == "Video compression and frame interpolation"
    assert labels.label_options(cases[2][1], table, 2) == []   # nothing specific: no title from these


def test_a_theme_may_be_titled_by_a_word_it_owns_or_a_name():
    table = table_for([{"hypernetworks": 6, "NeRF": 5, "continual learning": 3}, {"hypernetworks": 1, "pruning": 7}])
    assert labels.is_specific("hypernetwork", 0, table)       # 6 of its 7 papers are here
    assert not labels.is_specific("hypernetwork", 1, table)
    assert labels.is_name("NeRF") and labels.pairable("nerf", table, 0)
    assert not labels.pairable("pruning", table, 1)            # a single common word never follows "and"


def test_hyphenated_words_and_subject_tags():
    grams = [norm for norm, _ in labels.ngrams("in-context learning")]
    assert "in-context learning" in grams and "context learning" not in grams
    assert labels.ngrams("Computer Science - Machine Learning") == []
    assert not labels.is_labelable("machine learning") and not labels.is_labelable("doi")


def test_a_theme_with_nothing_specific_gets_its_best_phrase_not_a_number():
    spread = {"recognition": 6, "datasets": 6}
    groups = small_groups(3, 6)
    keyphrases = {k: tuple(spread) for g in groups for k in g}
    keyphrases["t0p0"] += ("face recognition",)
    keyphrases["t0p1"] += ("face recognition",)
    cents = np.eye(3, DIM)
    titles = {"t1p0": "Recognition benchmarks: a survey", "t2p0": "Datasets for recognition"}
    texts = labels.theme_texts(groups, keyphrases, cents, [g[0] for g in groups], titles, stub_embed, [None] * 3)
    # "recognition" and "datasets" are in every group: lone words too broad to title any (issue 22);
    # a phrase of the group's papers, else its representative paper's title (before a colon), never a number
    assert [t.label for t in texts] == ["Face recognition", "Recognition benchmarks", "Datasets for recognition"]


def test_smoothing_in_row_blocks_gives_the_whole_matrix_result(monkeypatch):
    """Themes do not depend on how many rows of the similarity matrix are held at once."""
    from annobib.organize import themes

    rng = np.random.default_rng(7)
    vectors = themes.normalise_rows(rng.normal(size=(300, 48)))
    vectors[11] = vectors[3]                             # a tie among the neighbours
    monkeypatch.setattr(themes, "SMOOTH_BLOCK", 10_000)  # one block: the whole matrix
    whole = themes.smooth(vectors)
    monkeypatch.setattr(themes, "SMOOTH_BLOCK", 7)
    assert np.array_equal(themes.smooth(vectors), whole)


def test_map_memory_setting_does_not_change_the_map(monkeypatch):
    """t-SNE's neighbour search runs in small chunks (peak memory); the map is the same."""
    from annobib.organize import projection

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(projection.EXACT_UP_TO + 100, 16))     # Barnes-Hut, as for large corpora
    monkeypatch.setattr(projection, "TSNE_WORKING_MEMORY_MB", 1)       # chunks of ~190 rows of distances
    small = projection.project(vectors, 13)
    monkeypatch.setattr(projection, "TSNE_WORKING_MEMORY_MB", 1024)    # scikit-learn's default: one chunk
    assert np.array_equal(projection.project(vectors, 13), small)
    assert small.shape == (len(vectors), 2) and small.min() >= 0 and small.max() <= 1

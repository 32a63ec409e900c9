"""The organize stage's fast paths give what the plain rules give.

organize/ keeps a few shortcuts (per-phrase caches, n-grams joined only at lengths the
vocabulary has, nearest neighbours ordered only near the top, one paper's terms counted once
for the sections' and the chapters' tables). A reader must never see the difference: the same
related papers, keyphrases, labels and texts as the plain rule, and a paper whose keyphrases
change is counted with its new ones.
"""
from __future__ import annotations

import random
import re
from collections import Counter

import numpy as np
import pytest

from annobib.models import Annotation
from annobib.organize import labels, phrases, related
from annobib.organize.wording import TOKEN, SENTENCE_END, Wording, _all_caps, _is_name, _title_case
from annobib.text import singular

from helpers.themes import run, synthetic_corpus


# --- nearest neighbours ----------------------------------------------------------------

def plain_nearest(vectors: np.ndarray, take: int, rank: np.ndarray):
    """The rule: every pair's score rounded to 4 decimals, ordered by (-score, key rank)."""
    n = len(vectors)
    sims = np.round(vectors @ vectors.T, 4)
    top = []
    for i in range(n):
        others = sorted((j for j in range(n) if j != i), key=lambda j: (-sims[i, j], rank[j]))[:take]
        top.append(others)
    return sims, np.array(top, dtype=np.int64).reshape(n, take)


@pytest.mark.parametrize("block", [512, 7], ids=["one-block", "blocks-of-7"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "many-ties"])
def test_nearest_is_the_plain_ranking(monkeypatch, block, ties):
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(60, 8))
    if ties:       # a few directions only: many equal scores, broken by key
        vectors = np.round(vectors[:, :2], 0) + 0.0
        vectors[np.all(vectors == 0, axis=1)] = [1.0, 0.0]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rank = related.key_ranks([f"k{i:03d}" for i in rng.permutation(60)])
    monkeypatch.setattr(related, "ROWS_PER_BLOCK", block)
    sims, expected = plain_nearest(vectors, 6, rank)
    got_top = np.concatenate([top for _, _, top in related.nearest(vectors, 6, rank)])
    got_sims = np.concatenate([s for _, s, _ in related.nearest(vectors, 6, rank)])
    assert got_top.tolist() == expected.tolist()
    assert got_sims.tolist() == np.take_along_axis(sims, expected, axis=1).tolist()


def test_related_papers_are_the_same_as_with_the_plain_ranking(monkeypatch):
    rng = np.random.default_rng(9)
    vectors = rng.normal(size=(50, 6))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [f"p{i:02d}" for i in range(50)]
    annotations = {k: Annotation(key=k, keyphrases=()) for k in keys}
    fast = related.related_papers(keys, vectors, annotations, 5)

    def plain(vecs, take, rank):
        sims, top = plain_nearest(vecs, max(0, min(take, len(vecs) - 1)), rank)
        yield 0, np.take_along_axis(sims, top, axis=1), top

    monkeypatch.setattr(related, "nearest", plain)
    assert related.related_papers(keys, vectors, annotations, 5) == fast


# --- keyphrases: near-duplicates and phrases found in the text ------------------------------

PHRASES = ["graph neural networks", "GNNs", "GNN", "neural networks", "graph neural networks perspective",
           "nonparametric teaching", "nonparametric teaching perspective", "videos", "video compression",
           "NeRF", "NeRF-LOAM", "implicit SGD", "stochastic gradient descent", "SGD", "IL",
           "inference learning algorithm", "inference learning", "deep learning", "learning"]
ACRONYMS = {"gnn": "graph neural network", "sgd": "stochastic gradient descent", "il": "inference learning"}


def _contains(longer, shorter) -> bool:
    longer, shorter = tuple(longer), tuple(shorter)
    n = len(shorter)
    return 0 < n < len(longer) and any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def plain_one(a: str, b: str, concept_of_form) -> bool:
    """Two phrases are one, written out plainly: the same concept, or one's words inside the
    other's, as written or (for an acronym) as expanded."""
    fa, fb = phrases.form(a), phrases.form(b)
    ca, cb = concept_of_form(fa), concept_of_form(fb)
    if ca == cb:
        return True
    ta, tb = phrases._tokens(a), phrases._tokens(b)
    if _contains(ta, tb) or _contains(tb, ta):
        return True
    if ca != fa or cb != fb:
        return _contains(ca.split(), cb.split()) or _contains(cb.split(), ca.split())
    return False


def plain_present(words: list[str], vocabulary: set[str], longest: int) -> set[str]:
    """Every n-gram of `words` up to `longest` words that is in `vocabulary`."""
    return {" ".join(words[i:i + n]) for i in range(len(words)) for n in range(1, longest + 1)
            if i + n <= len(words) and " ".join(words[i:i + n]) in vocabulary}


def plain_one_of_each(items: list[str], concept_of_form) -> list[str]:
    """The rule of `phrases.one_of_each`, pair by pair with `plain_one`."""
    kept: list[str] = []
    for phrase in items:
        group = [n for n, other in enumerate(kept) if plain_one(phrase, other, concept_of_form)]
        if not group:
            kept.append(phrase)
            continue
        candidates = [kept[n] for n in group] + [phrase]
        keeper = min(candidates, key=lambda p: (phrases._is_single_word(p),
                                                len(concept_of_form(phrases.form(p)).split()),
                                                phrases.is_acronym(p), len(p), candidates.index(p)))
        kept[group[0]] = keeper
        for n in reversed(group[1:]):
            del kept[n]
    return kept


@pytest.mark.parametrize("seed", range(6))
def test_one_of_each_keeps_what_the_pairwise_rule_keeps(seed):
    concept_of_form = lambda f: ACRONYMS.get(f, f)
    items = random.Random(seed).sample(PHRASES, 12)
    assert phrases.one_of_each(items, concept_of_form) == plain_one_of_each(items, concept_of_form)


def test_phrases_in_a_text_are_found_as_by_the_plain_scan():
    vocabulary = {"graph neural network", "neural network", "network", "graph", "video compression",
                  "a b c d e f g h", "b c"}
    rng = random.Random(3)
    words = [rng.choice(["graph", "neural", "network", "video", "compression", "a", "b", "c", "d", "e",
                         "f", "g", "h", "the"]) for _ in range(400)]
    words[10:13] = ["graph", "neural", "network"]
    words[-8:] = "a b c d e f g h".split()       # the longest, at the very end
    longest = max(len(v.split()) for v in vocabulary)
    fast = phrases._present(words, vocabulary, phrases._lengths_by_first(vocabulary, longest))
    assert fast == plain_present(words, vocabulary, longest)
    assert {"graph neural network", "neural network", "a b c d e f g h"} <= fast


# --- labels: a paper's terms, and a paper that changed ---------------------------------------

def test_phrase_table_counts_a_changed_paper_with_its_new_keyphrases():
    groups = [["a", "b"], ["c"]]
    before = labels.phrase_table(groups, {"a": ("radiance fields",), "b": ("radiance fields",), "c": ("meshes",)})
    after = labels.phrase_table(groups, {"a": ("signed distance functions",), "b": ("radiance fields",),
                                         "c": ("meshes",)})
    assert before.counts[0]["radiance field"] == 2 and before.corpus_count("radiance field") == 2
    assert after.counts[0]["radiance field"] == 1 and after.corpus_count("radiance field") == 1
    assert after.members[0]["signed distance function"] == {"a"}
    assert "signed distance function" not in before.surfaces


def test_a_paper_counts_once_per_term_and_every_spelling_counts():
    table = labels.phrase_table([["a"]], {"a": ("Radiance Fields", "neural radiance fields", "radiance fields")})
    assert table.counts[0]["radiance field"] == 1
    assert table.surfaces["radiance field"] == Counter({"Radiance Fields": 1, "radiance fields": 2})


# --- the corpus's wording ---------------------------------------------------------------

def plain_wording(texts):
    """The token loop of `Wording.from_texts` written plainly (forms, weak, ids, words, flat, rows)."""
    forms, weak, ids, words_seen, flat, row_of = {}, {}, {}, [], [], []
    for row, (title, abstract) in enumerate(texts):
        for part, is_title in ((title or "", True), (abstract or "", False)):
            tokens = TOKEN.findall(part)
            words = [t for t in tokens if t[0].isalnum() or t[0] == "_"]
            weak_title = (is_title and _title_case(words)) or (is_title and _all_caps(words))
            first = True
            for token in tokens:
                if not (token[0].isalnum() or token[0] == "_"):
                    flat.append(-1)
                    row_of.append(row)
                    first = first or token in SENTENCE_END
                    continue
                target = weak if (first or weak_title) and not _is_name(token) else forms
                target.setdefault(token.lower(), Counter())[token] += 1
                first = False
                ident = ids.setdefault(singular(token.lower()), len(ids))
                if ident == len(words_seen):
                    words_seen.append(Counter())
                words_seen[ident][token.lower()] += 1
                flat.append(ident)
                row_of.append(row)
            flat.append(-1)
            row_of.append(row)
    return forms, weak, ids, words_seen, flat, row_of


def test_wording_reads_the_texts_as_the_plain_loop_does():
    texts = [("Bayesian Neural Networks For NLP", "We study NLP. The mRNA data, and iCub robots! Networks learn."),
             ("a study of task-free learning", "Task-free learning (TFL) helps; Bayesian methods too."),
             ("ALL CAPS TITLE HERE", ""), ("", "Only an abstract: NeRF and NeRFs.")]
    made = Wording.from_texts(texts)
    forms, weak, ids, words_seen, flat, row_of = plain_wording(texts)
    assert (made.forms, made.weak, made.ids, made.words) == (forms, weak, ids, words_seen)
    assert list(made.forms) == list(forms) and list(made.weak) == list(weak)
    assert made.flat.tolist() == flat + [-1] * 8
    assert made.row_of.tolist() == row_of + [len(texts)] * 8


# --- the whole stage ----------------------------------------------------------------------

def clear_caches():
    for fn in (phrases.form, phrases._word_form, phrases.clean_phrase, phrases.display_spelling,
               phrases._tokens, labels._ngrams, labels._paper_terms, labels.is_labelable):
        fn.cache_clear()


def test_organize_after_a_paper_changed_is_what_a_fresh_run_gives():
    """A rebuild in one process (warm caches) after one paper's keyphrases changed gives the
    same bibliography as a run that starts cold: nothing is served from the old paper."""
    papers, annotations = synthetic_corpus(n=96)
    first, _, _ = run(papers, annotations)
    key = papers[5].key
    changed = dict(annotations)
    changed[key] = Annotation(key=key, keyphrases=("quantile regressions", "extra 3 thing"),
                              methods_mentioned=annotations[key].methods_mentioned,
                              embedding=annotations[key].embedding)
    warm, _, _ = run(papers, changed)
    clear_caches()
    cold, _, _ = run(papers, changed)
    assert warm == cold
    assert warm.phrases.shown[key] != first.phrases.shown[key]
    assert any(re.search("quantile regression", p) for p in warm.phrases.shown[key])


_SPELLINGS_SCRIPT = """
import json, sys
from annobib.models import Annotation, Paper
from annobib.organize.phrases import organize_phrases
abstract = ("We fit non-uniform rational B-splines (NURBS) to scanned parts. "
            "The NURBS curves are smoothed and each NURBS curve is refined.")
papers = [Paper(key=f"p{i}", entry_type="article", title=f"Fitting splines, part {i}", abstract=abstract)
          for i in range(4)]
notes = {p.key: Annotation(key=p.key, keyphrases=("NURBS curves" if i % 2 else "NURBS curve", "scanned parts"))
         for i, p in enumerate(papers)}
phrases = organize_phrases(papers, notes, {p.key: "splines" for p in papers})
print(json.dumps(sorted(phrases.display.items())))
"""


def test_the_name_of_a_concept_does_not_depend_on_the_process():
    """Two spellings of one concept ('NURBS curves', 'NURBS curve'): the one shown must be the
    same in every build, whatever order Python's per-process string hashing gives a set."""
    import os
    import subprocess
    import sys

    shown = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        done = subprocess.run([sys.executable, "-c", _SPELLINGS_SCRIPT], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        shown.add(done.stdout)
    assert len(shown) == 1

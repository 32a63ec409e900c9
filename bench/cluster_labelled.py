"""Agreement on a labelled collection of another field (issue 22 item 3, second half).

A public labelled collection of scientific abstracts from medicine (OHSUMED: MEDLINE titles and
abstracts with their MeSH disease category, bench/data/clustering/ohsumed/, see SOURCES.md there)
is embedded with the site's own encoder (analyze/loaders.py `load_encoder`, the default model of
`Settings`) on the text the analysis stage encodes (title, then the abstract cut to
`document_words` words), and clustered two ways:

(a) the published anchor's protocol: plain k-means with k = number of labels on the raw
    embeddings, V-measure against the labels (MTEB's ClusteringEvaluator: sklearn
    MiniBatchKMeans, batch size 500; here over 10 seeds, with full k-means beside it);
(b) annobib's own grouping, as `organize()` does it on a fresh corpus (no themes file):
    sections by `group_papers` (organize/__init__.py -> organize/themes.py `cluster_papers`,
    k chosen by the site), chapters by `plan_chapters` (organize/chapters.py) on the same
    smoothed vectors; NMI and V-measure of sections and of chapters against the labels. The
    same algorithms at other counts, and a supervised ceiling, are shown for reading them.

With sklearn's defaults NMI (arithmetic mean) and V-measure (beta = 1) are the same number;
both are printed. Everything is seeded; the embeddings are cached (`--cache`).

    nice -n 10 .venv/bin/python bench/cluster_labelled.py                  # print
    nice -n 10 .venv/bin/python bench/cluster_labelled.py --write-results  # and write RESULTS.md

Only the subsection "### Agreement on a labelled collection of another field" of bench/RESULTS.md
is written (at the end of the `## Chapters and labels` section).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from annobib.config import Settings  # noqa: E402

DATA = ROOT / "bench" / "data" / "clustering" / "ohsumed" / "ohsumed-sample.jsonl"
RESULTS = ROOT / "bench" / "RESULTS.md"
# Its own section, after `## Chapters and labels` (which bench/chapters.py rewrites whole).
SECTION = "## Chapters: agreement on a labelled collection of another field"
SEEDS = range(10)
ANCHORS = [  # all-MiniLM-L6-v2, k-means V-measure, MTEB (huggingface.co/datasets/mteb/results, all-MiniLM-L6-v2_results.csv)
    ("ArxivClusteringP2P (arXiv titles+abstracts; the anchor of issue 22)", 0.4655),
    ("BiorxivClusteringP2P (bioRxiv titles+abstracts)", 0.3848),
    ("MedrxivClusteringP2P (medRxiv titles+abstracts)", 0.3441),
]


def load_rows(path: Path = DATA) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # neutral keys: the document number (the source's ids carry the label in their path; the site
    # sorts papers by key, so keys must not order the rows by label)
    for row in rows:
        row["key"] = "ohsumed-" + row["id"].rsplit("/", 1)[-1]
    assert len({r["key"] for r in rows}) == len(rows)
    return sorted(rows, key=lambda r: r["key"])


def site_text(row: dict) -> str:
    """What the analysis stage encodes for a paper: title, then the abstract cut to
    `document_words` words (analyze/keyphrases.py `_join`, `_truncate`). MEDLINE titles end
    with a full stop, bibliography titles do not: it is dropped before joining."""
    from annobib.analyze.keyphrases import KeyphraseSettings, _join, _truncate

    title = row["title"].rstrip().rstrip(".")
    return _join(title, _truncate(row["abstract"], KeyphraseSettings().document_words))[0]


def embeddings(rows: list[dict], cache: Path) -> np.ndarray:
    from annobib.analyze import EMBEDDING_DIGITS
    from annobib.analyze.loaders import load_encoder

    model = Settings().analyze_encoder_model
    texts = [site_text(r) for r in rows]
    digest = hashlib.sha256(json.dumps([model, texts]).encode("utf-8")).hexdigest()[:16]
    path = cache / f"ohsumed-{digest}.npy"
    if path.exists():
        return np.load(path)
    encoder = load_encoder(model)
    vectors = encoder.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    vectors = np.round(np.asarray(vectors, dtype=float), EMBEDDING_DIGITS)   # as annotations store them
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def scores(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float, float]:
    from sklearn.metrics import homogeneity_completeness_v_measure, normalized_mutual_info_score

    h, c, v = homogeneity_completeness_v_measure(truth, predicted)
    return normalized_mutual_info_score(truth, predicted), v, h, c


def kmeans_runs(vectors: np.ndarray, truth: np.ndarray, k: int, mini: bool) -> np.ndarray:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    out = []
    for seed in SEEDS:
        model = (MiniBatchKMeans(n_clusters=k, batch_size=500, n_init="auto", random_state=seed) if mini
                 else KMeans(n_clusters=k, n_init=10, random_state=seed))
        out.append(scores(truth, model.fit_predict(vectors)))
    return np.array(out)


def site_grouping(keys: list[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Sections and chapters as organize() makes them on a fresh corpus (organize/__init__.py
    `group_papers` -> themes.py `cluster_papers`; outline.py -> chapters.py `plan_chapters`)."""
    from annobib.organize import group_papers
    from annobib.organize.chapters import plan_chapters
    from annobib.organize.themes import smooth

    started = time.perf_counter()
    grouping = group_papers(keys, vectors, [], Settings().organize_seed)
    plans, _ = plan_chapters([], [None] * len(grouping.groups), vectors, grouping.groups, lambda: smooth(vectors))
    seconds = time.perf_counter() - started
    sections = np.empty(len(keys), dtype=int)
    chapters = np.empty(len(keys), dtype=int)
    for i, group in enumerate(grouping.groups):
        sections[group] = i
    for c, plan in enumerate(plans):
        for i in plan.sections:
            chapters[grouping.groups[i]] = c
    return sections, chapters, seconds


def ceiling(vectors: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = cross_val_predict(LogisticRegression(C=10, max_iter=3000), vectors, truth,
                                      cv=StratifiedKFold(5, shuffle=True, random_state=0))
    return scores(truth, predicted)[:2]


def report(rows: list[dict], vectors: np.ndarray) -> list[str]:
    from annobib.organize.themes import cluster_papers, normalise_rows

    labels = sorted({r["label"] for r in rows})
    truth = np.array([labels.index(r["label"]) for r in rows])
    keys = [r["key"] for r in rows]
    unit = normalise_rows(vectors)
    k = len(labels)
    sizes = np.bincount(truth)
    lines = [f"data: {len(rows)} MEDLINE titles + abstracts (OHSUMED, 1991), {k} MeSH disease categories "
             f"(one level; {sizes.min()}..{sizes.max()} papers each)",
             f"encoder: {Settings().analyze_encoder_model} (the site's default), text = title + abstract as the "
             "analysis stage encodes it; NMI = sklearn arithmetic NMI, V = V-measure (the same number), "
             "h / c = homogeneity / completeness", ""]
    head = f"{'clustering':62s} {'groups':>6s}  {'NMI':>5s}  {'V':>5s}  {'h':>5s}  {'c':>5s}"
    lines += ["(a) the anchor's protocol: k-means, k = number of labels, raw embeddings", head]

    def row(name, groups, s, spread=None):
        text = f"{name:62s} {groups:>6}  {s[0]:5.3f}  {s[1]:5.3f}  {s[2]:5.3f}  {s[3]:5.3f}"
        return text + (f"   (V {spread[0]:.3f}..{spread[1]:.3f}, sd {spread[2]:.3f})" if spread else "")

    for name, mini in (("MiniBatchKMeans, batch 500 (MTEB's), mean of 10 seeds", True),
                       ("KMeans, n_init 10, mean of 10 seeds", False)):
        runs = kmeans_runs(unit, truth, k, mini)
        lines.append(row(name, k, runs.mean(axis=0), (runs[:, 1].min(), runs[:, 1].max(), runs[:, 1].std())))
    lines += ["", "published anchors for the same encoder (MTEB, mean over that task's sets):"]
    lines += [f"  {name:70s} V {value:.3f}" for name, value in ANCHORS]

    sections, chapters, seconds = site_grouping(keys, unit)
    n_sections, n_chapters = len(set(sections)), len(set(chapters))
    lines += ["", f"(b) annobib's own grouping, fresh (no themes file), organize_seed {Settings().organize_seed}; "
              f"{seconds:.1f} s", head,
              row("sections (the site's count, chosen by organize/themes.py)", n_sections, scores(truth, sections)),
              row("chapters (organize/chapters.py)", n_chapters, scores(truth, chapters)),
              "", "the same at other counts, for reading (b) beside (a):", head]
    forced = np.empty(len(rows), dtype=int)
    for i, group in enumerate(cluster_papers(unit, Settings().organize_seed, k=k)):
        forced[group] = i
    lines.append(row(f"the site's sections pipeline forced to k = {k} (smoothing + Ward)", len(set(forced)),
                     scores(truth, forced)))
    for count in sorted({n_sections, n_chapters}):
        runs = kmeans_runs(unit, truth, count, False)
        lines.append(row(f"KMeans at the site's {'section' if count == n_sections else 'chapter'} count, "
                         "mean of 10 seeds", count, runs.mean(axis=0)))
    nmi, v = ceiling(unit, truth)
    lines.append(f"{'ceiling: supervised, 5-fold logistic regression on the embeddings':62s} {k:>6}  "
                 f"{nmi:5.3f}  {v:5.3f}")
    lines += ["", "(c) two levels: not applicable; OHSUMED's labels are one level (23 MeSH C-tree categories)."]
    return lines


def write_results(lines: list[str], command: str) -> None:
    """Only this benchmark's section of bench/RESULTS.md (bench/results_file.py)."""
    from results_file import replace_section

    body = [SECTION, "", f"`{command}` ({time.strftime('%Y-%m-%d')}; data and licence: "
            "bench/data/clustering/ohsumed/SOURCES.md)", "", *NOTES, "", "```", *lines, "```", ""]
    replace_section(SECTION, "\n".join(body))


NOTES = [
    "How this differs from MTEB's ArxivClusteringP2P (the 0.465 of issue 22): MTEB averages the V-measure of",
    "k-means (sklearn MiniBatchKMeans, batch size 500, k = the set's number of labels) over 30 sets of arXiv",
    "titles + abstracts labelled by main or by secondary category; here it is one set of another field",
    "(medicine), 23 MeSH categories, the encoder's input cut by the site's own rules, 10 seeds instead of one.",
    "The figures compare the encoder and the algorithms on this collection; they are not the same task's",
    "score. MTEB's medRxiv and bioRxiv tasks (also below) are the nearest fields in MTEB.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/annobib-cluster-labelled"))
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    rows = load_rows()
    started = time.perf_counter()
    vectors = embeddings(rows, args.cache)
    print(f"embeddings: {len(rows)} x {vectors.shape[1]} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    lines = report(rows, vectors)
    print("\n".join(lines))
    if args.write_results:
        write_results(lines, "nice -n 10 .venv/bin/python bench/cluster_labelled.py --write-results")


if __name__ == "__main__":
    main()

"""Benchmark of the organize stage: algorithm choice, stability, determinism, labels.

Runs on the project's own corpus (`corpus/*.bib`) with the real annotations of the
analysis stage (taken from the build cache, `build/cache`, analysing what is missing),
so the figures are those of the site. The committed `corpus/themes.yml` is NOT used:
every measurement starts from fresh themes, as a first build would.

    .venv/bin/python bench/themes.py                 # everything
    .venv/bin/python bench/themes.py --only stability
    .venv/bin/python bench/themes.py --only agreement --cache bench/out/cache   # another analysis cache

`agreement` compares fresh clusterings with two independent hand labellings of the
corpus into chapters (bench/data/themes-labelling-A.yml, -B.yml) by NMI; `other-fields`
clusters and labels real bibliographies of other fields (tests/fixtures/realbib) and
prints the automatic labels with their sizes, untouched.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from annobib.analyze import annotate_papers  # noqa: E402
from annobib.config import Settings, load_settings  # noqa: E402
from annobib.corpus import load_corpus  # noqa: E402
from annobib.models import Annotation, Paper  # noqa: E402


def load_data(cache: Path | None = None, corpus: Path | None = None) -> tuple[list[Paper], dict[str, Annotation]]:
    """Papers of a corpus folder (default: the project's) with the analysis stage's
    annotations, from `cache` (default: the build's cache), analysing what is missing."""
    settings = load_settings(ROOT)
    loaded = load_corpus(corpus or ROOT / settings.corpus_dir)
    papers = loaded.raise_on_errors() if corpus is None else loaded.papers
    result = annotate_papers(papers, settings, Path(cache) if cache else ROOT / settings.analyze_cache_dir,
                             progress=False)
    return papers, result.annotations


# --- measurements ----------------------------------------------------------------------

def fresh_fit(name: str, vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering

    if name == "kmeans":
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
    if name == "average-cosine":
        return AgglomerativeClustering(n_clusters=k, linkage="average", metric="cosine").fit_predict(vectors)
    if name == "ward":
        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(vectors)
    if name == "ward-smoothed":   # the site's: Ward on neighbour-smoothed vectors
        from annobib.organize.themes import smooth
        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(smooth(vectors))
    return SpectralClustering(n_clusters=k, affinity="nearest_neighbors", n_neighbors=15,
                              assign_labels="cluster_qr", random_state=seed).fit_predict(vectors)


def compare_algorithms(annotations: dict[str, Annotation], draws: int = 10) -> list[str]:
    """Silhouette, ARI between the full fit and fits on random 90%, sizes; per algorithm and k."""
    import warnings

    from sklearn.metrics import adjusted_rand_score, silhouette_score

    warnings.simplefilter("ignore")
    keys = sorted(annotations)
    vectors = np.array([annotations[k].embedding for k in keys])
    n = len(keys)
    rng = np.random.default_rng(1)
    subsets = [np.sort(rng.choice(n, int(0.9 * n), replace=False)) for _ in range(draws)]
    lines = ["algorithm        k  silhouette  ARI90  sizes(min..max)  constraints"]
    for name in ("kmeans", "average-cosine", "ward", "spectral-15nn", "ward-smoothed"):
        for k in range(8, 17, 2):
            labels = fresh_fit(name, vectors, k, 13)
            sizes = np.bincount(labels)
            ari = np.mean([adjusted_rand_score(labels[s], fresh_fit(name, vectors[s], k, 13)) for s in subsets])
            ok = sizes.min() >= 4 and sizes.max() <= n // 4
            lines.append(f"{name:15s} {k:2d}  {silhouette_score(vectors, labels, metric='cosine'):10.3f}  "
                         f"{ari:5.2f}  {sizes.min():3d}..{sizes.max():<3d}         {'pass' if ok else 'FAIL'}")
    return lines


def stability(papers: list[Paper], annotations: dict[str, Annotation], seeds=(1, 2, 3)) -> list[dict]:
    """organize on a random 90% (no themes file), then on all with that themes doc."""
    from annobib.organize import organize

    results = []
    for seed in seeds:
        subset = sorted(random.Random(seed).sample(papers, int(0.9 * len(papers))), key=lambda p: p.key)
        first = organize(subset, annotations, None, Settings())
        before = first.bib
        second = organize(papers, annotations, first.themes, Settings())
        after, report = second.bib, second.report
        changed = [k for k, slug in before.theme_of.items() if after.theme_of[k] != slug]
        results.append({
            "seed": seed, "subset": len(subset), "changed": len(changed),
            "changed_share": len(changed) / len(subset),
            "slugs_changed": sorted({t.slug for t in before.themes} - {t.slug for t in after.themes}),
            "placed": len(report.new_papers_placed), "proposed": list(report.proposed_themes)})
    return results


# --- agreement with hand labellings -------------------------------------------------------

LABELLINGS = {name: ROOT / "bench" / "data" / f"themes-labelling-{name}.yml" for name in "AB"}
OTHER_FIELDS = ("zotero-bbt-continualai", "zotero-native-ferigo", "zotero-biblatex-bjare")


def chapters(path: Path) -> dict[str, int]:
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {k: i for i, c in enumerate(doc["chapters"]) for k in c["papers"]}


def before_clustering(vectors: np.ndarray, seed: int) -> list[list[int]]:
    """The fresh clustering before stability-chosen k (kept here to compare): spectral
    clustering on a 15-NN cosine graph with cluster_qr, k = n/16 clamped to 8..16, the same
    merge / split post-pass."""
    import warnings

    from sklearn.cluster import SpectralClustering

    from annobib.organize import themes

    n = len(vectors)
    k = int(min(max(round(n / 16), 8), 16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = SpectralClustering(n_clusters=k, affinity="nearest_neighbors", n_neighbors=15,
                                    assign_labels="cluster_qr", random_state=seed).fit_predict(vectors)
    groups = [list(np.flatnonzero(labels == c)) for c in sorted(set(labels))]
    groups = themes.split_big_groups(vectors, groups, int(n * themes.MAX_THEME_SHARE))
    return themes.merge_small_groups(vectors, groups, themes.MIN_THEME_SIZE)


def agreement(annotations: dict[str, Annotation]) -> list[str]:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from annobib.organize import themes

    keys = sorted(annotations)
    truth = {name: chapters(path) for name, path in LABELLINGS.items() if path.exists()}
    vectors = themes.normalise_rows(np.array([annotations[k].embedding for k in keys], dtype=float))

    def as_labels(groups):
        labels = np.zeros(len(keys), dtype=int)
        for i, g in enumerate(groups):
            labels[list(g)] = i
        return labels

    def ward(k, smoothed):
        from scipy.cluster.hierarchy import linkage
        tree = linkage(themes.smooth(vectors) if smoothed else vectors, method="ward")
        return themes.cut_tree_at(tree, len(keys), k)

    lines = []
    if len(truth) == 2:
        lines.append(f"A ({len(set(truth['A'].values()))} chapters) vs B ({len(set(truth['B'].values()))} "
                     f"chapters): NMI {nmi([truth['A'][k] for k in keys], [truth['B'][k] for k in keys]):.3f}")
    low, high = themes.theme_count_range(len(keys))
    choice = themes.choose_theme_count(vectors, 13, list(range(low, high + 1)))
    lines.append(f"stability per k ({low}..{high}): " + " ".join(f"{k}:{v:.2f}" for k, v in choice.stability.items())
                 + f" -> k = {choice.k}")
    rows = [("spectral 15-NN, k = n/16 (before)", as_labels(before_clustering(vectors, 13)))]
    for k in (14, 18):
        rows.append((f"Ward on the embeddings, k = {k}", ward(k, False)))
        rows.append((f"Ward, smoothed ({themes.EXPANSION} neighbours), k = {k}", ward(k, True)))
    site = themes.cluster_papers(vectors, 13)
    rows.append((f"site now: smoothed Ward, k by stability ({len(site)} themes after the post-pass)", as_labels(site)))
    lines.append(f"{'clustering':72s} themes  " + "  ".join(f"NMI vs {n}" for n in truth))
    for name, labels in rows:
        lines.append(f"{name:72s} {len(set(labels)):6d}  " +
                     "  ".join(f"{nmi([truth[n][k] for k in keys], labels):8.3f}" for n in truth))
    return lines


def other_fields(cache: Path | None) -> list[str]:
    """Automatic themes and labels of real bibliographies from other fields, untouched."""
    import shutil

    from annobib.organize import organize

    lines = []
    for name in OTHER_FIELDS:
        folder = ROOT / "bench" / "out" / "realbib" / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "tests" / "fixtures" / "realbib" / f"{name}.bib", folder / f"{name}.bib")
        papers, annotations = load_data(cache, corpus=folder)
        bib = organize(papers, annotations, None, Settings(), project_map=lambda k, v, s: {}).bib
        lines.append(f"{name}.bib: {len(papers)} papers, {len(bib.themes)} themes")
        for theme in sorted(bib.themes, key=lambda t: (-len(t.papers), t.slug)):
            lines.append(f"  {len(theme.papers):3d}  {theme.label}")
    return lines


def digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def determinism(papers: list[Paper], annotations: dict[str, Annotation]) -> list[str]:
    """Two runs (the second on shuffled inputs): identical themes doc, labels, related, map."""
    from annobib.organize import organize

    shuffled = papers[:]
    random.Random(7).shuffle(shuffled)
    runs = [organize(ps, annotations, None, Settings()) for ps in (papers, shuffled)]
    parts = {
        "themes doc": [digest(r.themes.form()) for r in runs],
        "labels": [digest([t.label for t in r.bib.themes]) for r in runs],
        "related": [digest(r.bib.related) for r in runs],
        "map points": [digest(r.bib.map_points) for r in runs],
    }
    return [f"{name:11s} {a} {b} {'identical' if a == b else 'DIFFERENT'}" for name, (a, b) in parts.items()]


def label_lines(papers: list[Paper], annotations: dict[str, Annotation]) -> list[str]:
    from annobib.organize import organize

    started = time.perf_counter()
    bib = organize(papers, annotations, None, Settings()).bib
    seconds = time.perf_counter() - started
    sizes = [len(t.papers) for t in bib.themes]
    lines = [f"{len(bib.themes)} themes, sizes {min(sizes)}..{max(sizes)} (limit 4..{len(papers) // 4}), "
             f"organize took {seconds:.1f} s"]
    for theme in sorted(bib.themes, key=lambda t: (-len(t.papers), t.slug)):
        lines.append(f"{len(theme.papers):3d}  {theme.label}  [{theme.slug}]")
        lines.append(f"     keyphrases: {'; '.join(theme.keyphrases)}")
        lines.append(f"     see also: {', '.join(theme.see_also)}")
    reasons = [r.reason.split(":")[0] for rel in bib.related.values() for r in rel]
    lines.append("related reasons: " + ", ".join(f"{r} {reasons.count(r)}" for r in sorted(set(reasons))))
    return lines


def write_results(sections: dict[str, list[str]], source: str) -> None:
    """Replace only the '## Themes' section of bench/RESULTS.md (other sections belong to others)."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    body = [f"## Themes\n", f"`.venv/bin/python bench/themes.py --write-results` ({source}, "
            f"{time.strftime('%Y-%m-%d')}).\n"]
    match = re.search(r"^## Themes\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if match:   # subsections not re-run this time are kept as they were
        kept = dict(re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", match.group(0), flags=re.S | re.M))
        sections = {**{t: None for t in kept}, **sections}
    for title, lines in sections.items():
        body += [f"\n### {title}\n", *(["```", *lines, "```\n"] if lines is not None
                                        else [kept[title].strip("\n"), ""])]
    new_section = "\n".join(body)
    text = text[:match.start()] + new_section + "\n" + text[match.end():] if match else \
        text.rstrip("\n") + "\n\n" + new_section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["algorithms", "stability", "determinism", "labels", "agreement",
                                           "other-fields"])
    parser.add_argument("--cache", type=Path, default=None, help="analysis cache (default: the build's)")
    parser.add_argument("--write-results", action="store_true", help="update '## Themes' in bench/RESULTS.md")
    args = parser.parse_args()
    papers, annotations = load_data(args.cache)
    source = "corpus/papers.bib with the analysis stage's annotations"
    print(f"{len(papers)} papers, {source}")
    sections: dict[str, list[str]] = {}
    if args.only in (None, "algorithms"):
        sections["Algorithm comparison (fresh fits, 10 random 90% draws)"] = compare_algorithms(annotations)
    if args.only in (None, "stability"):
        sections["Stability: 90% first, then all with the themes doc"] = [
            f"seed {r['seed']}: {r['changed']}/{r['subset']} changed theme ({100 * r['changed_share']:.1f}%), "
            f"slugs changed: {r['slugs_changed'] or 'none'}, new papers placed: {r['placed']}, "
            f"themes proposed: {r['proposed'] or 'none'}" for r in stability(papers, annotations)]
    if args.only in (None, "determinism"):
        sections["Determinism: two runs, second on shuffled input"] = determinism(papers, annotations)
    if args.only in (None, "labels"):
        sections["Labels (fresh run on the whole corpus)"] = label_lines(papers, annotations)
    if args.only in (None, "agreement"):
        sections["Agreement with two hand labellings (NMI, fresh clusterings)"] = agreement(annotations)
    if args.only in (None, "other-fields"):
        sections["Other fields: automatic labels with sizes, untouched"] = other_fields(args.cache)
    for title, lines in sections.items():
        print(f"\n== {title}\n" + "\n".join(lines))
    if args.write_results:
        write_results(sections, source)


if __name__ == "__main__":
    main()

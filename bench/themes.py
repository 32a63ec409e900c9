"""Benchmark of the organize stage: algorithm choice, stability, determinism, labels.

Runs on the project's own corpus (`corpus/*.bib`) with the real annotations of the
analysis stage (taken from the build cache, `build/cache`, analysing what is missing),
so the figures are those of the site. The committed `corpus/themes.yml` is NOT used:
every measurement starts from fresh themes, as a first build would.

    .venv/bin/python bench/themes.py                 # everything
    .venv/bin/python bench/themes.py --only stability
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


def load_data() -> tuple[list[Paper], dict[str, Annotation]]:
    settings = load_settings(ROOT)
    papers = load_corpus(ROOT / settings.corpus_dir).raise_on_errors()
    result = annotate_papers(papers, settings, ROOT / settings.analyze_cache_dir, progress=False)
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
    for name in ("kmeans", "average-cosine", "ward", "spectral-15nn"):
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
        before, doc, _ = organize(subset, annotations, None, Settings())
        after, _, report = organize(papers, annotations, doc, Settings())
        changed = [k for k, slug in before.theme_of.items() if after.theme_of[k] != slug]
        results.append({
            "seed": seed, "subset": len(subset), "changed": len(changed),
            "changed_share": len(changed) / len(subset),
            "slugs_changed": sorted({t.slug for t in before.themes} - {t.slug for t in after.themes}),
            "placed": len(report.new_papers_placed), "proposed": list(report.proposed_themes)})
    return results


def digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def determinism(papers: list[Paper], annotations: dict[str, Annotation]) -> list[str]:
    """Two runs (the second on shuffled inputs): identical themes doc, labels, related, map."""
    from annobib.organize import organize

    shuffled = papers[:]
    random.Random(7).shuffle(shuffled)
    runs = [organize(ps, annotations, None, Settings()) for ps in (papers, shuffled)]
    parts = {
        "themes doc": [digest(r[1]) for r in runs],
        "labels": [digest([t.label for t in r[0].themes]) for r in runs],
        "related": [digest(r[0].related) for r in runs],
        "map points": [digest(r[0].map_points) for r in runs],
    }
    return [f"{name:11s} {a} {b} {'identical' if a == b else 'DIFFERENT'}" for name, (a, b) in parts.items()]


def label_lines(papers: list[Paper], annotations: dict[str, Annotation]) -> list[str]:
    from annobib.organize import organize

    started = time.perf_counter()
    bib, _, report = organize(papers, annotations, None, Settings())
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
    for title, lines in sections.items():
        body += [f"\n### {title}\n", "```", *lines, "```\n"]
    new_section = "\n".join(body)
    match = re.search(r"^## Themes\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    text = text[:match.start()] + new_section + "\n" + text[match.end():] if match else \
        text.rstrip("\n") + "\n\n" + new_section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["algorithms", "stability", "determinism", "labels"])
    parser.add_argument("--write-results", action="store_true", help="update '## Themes' in bench/RESULTS.md")
    args = parser.parse_args()
    papers, annotations = load_data()
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
    for title, lines in sections.items():
        print(f"\n== {title}\n" + "\n".join(lines))
    if args.write_results:
        write_results(sections, source)


if __name__ == "__main__":
    main()

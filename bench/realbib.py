"""Real bibliographies, whole: entries read / pages / skipped / warnings and the build time.

    .venv/bin/python bench/realbib.py            # every file, updates bench/RESULTS.md
    .venv/bin/python bench/realbib.py --no-write

The test suite builds the fixture files of tests/fixtures/realbib/ (prefixes of the
largest); this runs the FULL files once (bench/data/realbib/ holds the full versions of
the three that the fixtures cut), each with `annobib build` in a fresh interpreter on a
new project made by `annobib new`, timed from outside (imports, model loading, analysis,
MkDocs: what a user waits for). Only the `## Real bibliographies` section of
bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import replace_section

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Real bibliographies"
FIXTURES = ROOT / "tests" / "fixtures" / "realbib"
FULL = ROOT / "bench" / "data" / "realbib"
ANNOBIB = [sys.executable, "-m", "annobib"]
# Files that only make sense together (macros in one, entries in the other).
GROUPS = {"jabref210-crcox": ["jabref210-crcox-authorids.bib", "jabref210-crcox-main.bib"]}


def corpora() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(FIXTURES.glob("*.bib")):
        group = next((g for g, files in GROUPS.items() if path.name in files), path.stem)
        full = FULL / path.name
        found.setdefault(group, []).append(full if full.is_file() else path)
    return found


def build(name: str, files: list[Path], work: Path) -> dict:
    project = work / name
    subprocess.run([*ANNOBIB, "new", str(project), "--title", name], check=True, capture_output=True)
    for path in files:
        shutil.copy(path, project / "corpus" / path.name)
    started = time.perf_counter()
    done = subprocess.run([*ANNOBIB, "build", "--quiet", "--root", str(project)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    summary = re.search(r"entries read: (\d+) = (\d+) published \+ (\d+) skipped \((\d+) error\(s\), (\d+) warning",
                        done.stdout)
    papers = re.search(r"papers: \d+ \((\d+) without abstract", done.stdout)
    if done.returncode != 0 or not summary:
        return {"name": name, "failed": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    read, pages, skipped, errors, warnings = map(int, summary.groups())
    return {"name": name, "files": ", ".join(p.relative_to(ROOT).as_posix() for p in files), "read": read,
            "pages": pages, "skipped": skipped, "errors": errors, "warnings": warnings,
            "no_abstract": int(papers.group(1)) if papers else 0, "seconds": seconds,
            "site_pages": sum(1 for _ in (project / "site" / "papers").glob("*/index.html"))}


def table(rows: list[dict]) -> str:
    lines = [SECTION, "",
             "Every public .bib file of tests/fixtures/realbib/ (full versions from bench/data/realbib/), each built",
             "as a new user would (`annobib new`, the file into corpus/, `annobib build`), in one run of",
             "`.venv/bin/python bench/realbib.py` on this machine (2 cores; time includes interpreter start,",
             "model loading, analysis and MkDocs). `pages` is counted in the built site.", "",
             "| bibliography | entries read | pages | skipped | warnings | without abstract | build (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "failed" in row:
            lines.append(f"| {row['name']} | build failed: {' '.join(row['failed'])} | | | | | |")
            continue
        lines.append(f"| {row['name']} | {row['read']} | {row['site_pages']} | {row['skipped']} | {row['warnings']} "
                     f"| {row['no_abstract']} | {row['seconds']:.0f} |")
    ok = [r for r in rows if "failed" not in r]
    if ok:
        largest = max(ok, key=lambda r: r["read"])
        lines += ["", f"Largest: {largest['name']} ({largest['read']} entries) built in {largest['seconds']:.0f} s. "
                  f"In every row entries read = pages + skipped: "
                  f"{all(r['read'] == r['site_pages'] + r['skipped'] for r in ok)}."]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    replace_section(SECTION, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="annobib-realbib-") as tmp:
        rows = [build(name, files, Path(tmp)) for name, files in corpora().items()]
    text = table(rows)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()

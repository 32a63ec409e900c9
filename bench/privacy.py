"""Private fields on real exports: entries carrying each, and what a built site shows.

    .venv/bin/python bench/privacy.py            # prints the table, updates bench/RESULTS.md
    .venv/bin/python bench/privacy.py --no-write

For each real export (Zotero / Better BibTeX, Zotero's own exporter, Mendeley, JabRef)
the site is built twice: once with `public_fields` naming every field of the default
private list (what every build published before the list existed), once with the
defaults. It counts, in every file of each site (Pagefind's index unpacked), the
fragments of private values found (path segments and file names, six-word runs of
notes, time stamps) and the files holding any. Only the `## Private fields` section of
bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))   # the tests' own scanner, so bench and tests agree
from conftest import leaked, private_fragments, site_text  # noqa: E402
from results_file import replace_section  # noqa: E402

from annobib.build import build_site  # noqa: E402
from annobib.config import load_settings  # noqa: E402
from annobib.corpus import load_corpus  # noqa: E402
from annobib.corpus.privacy import DEFAULT_PRIVATE_FIELDS  # noqa: E402

SECTION = "## Private fields"
EXPORTS = ["zotero-bbt-continualai", "zotero-native-ferigo", "mendeley-jollyhrothgar", "jabref-authors"]


def measure(name: str, work: Path) -> dict:
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "realbib" / f"{name}.bib", corpus)
    fragments = private_fragments(corpus)
    papers = load_corpus(corpus).papers
    carrying = Counter(n for p in papers for n in p.private_fields)
    row = {"name": name, "papers": len(papers), "carrying": carrying}
    for label, config in (("before", "public_fields: [" + ", ".join(f"'{f}'" for f in DEFAULT_PRIVATE_FIELDS) + "]\n"),
                          ("after", "")):
        (work / "annobib.yml").write_text(config, encoding="utf-8")
        shutil.rmtree(work / "site", ignore_errors=True)
        build_site(work, load_settings(work), progress=False)
        site = work / "site"
        hits = leaked(fragments, site_text(site))
        files = sum(1 for p in site.rglob("*") if p.is_file()
                    and leaked(fragments, site_text_of(p)))
        row[label] = (sum(len(v) for v in hits.values()), files, sorted(hits))
    return row


def site_text_of(path: Path) -> str:
    folder = Path(tempfile.mkdtemp())
    shutil.copy(path, folder / path.name)
    try:
        return site_text(folder)
    finally:
        shutil.rmtree(folder)


def table(rows: list[dict]) -> str:
    lines = ["| export | papers | entries carrying private fields (by field) | fragments found before / after | "
             "files holding any before / after |", "|---|---:|---|---:|---:|"]
    for row in rows:
        fields = ", ".join(f"{k} {v}" for k, v in row["carrying"].most_common())
        lines.append(f"| {row['name']} | {row['papers']} | {fields} | {row['before'][0]} / {row['after'][0]} | "
                     f"{row['before'][1]} / {row['after'][1]} |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    replace_section(SECTION, f"{SECTION}\n\n`.venv/bin/python bench/privacy.py` (tests/fixtures/realbib/; 'before' = every "
                    "default private field published, as every build did before the list existed).\n\n" + text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in EXPORTS:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure(name, Path(tmp)))
    text = table(rows)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()

"""Bibliographies of other fields and languages (issue 20): what a reader sees, before and after.

    .venv/bin/python bench/fields.py              # every fixture, updates bench/RESULTS.md
    .venv/bin/python bench/fields.py --no-write
    .venv/bin/python bench/fields.py --only zotero-museology-fr-baghate --keep /tmp/fields

Each fixture of tests/fixtures/fields/ (the fixture files, not the full versions of
bench/data/fields/, to keep the run to minutes) is built as a new user would: a project
made by `annobib new`, the file in corpus/, `annobib.build.build_site`. BEFORE is the
code of commit 25dbbf0 (a `git worktree` in /tmp/annobib-base, made here when missing),
AFTER the code of this tree; each build runs in its own interpreter with PYTHONPATH on
that code's `src/`. AFTER is built a second time with `publish_field_notes: true`.

What is counted, all from the built site's `data/papers.json` and `corpus/themes.yml`,
judged the same way for both:

- entries read / published / skipped: the build's own count;
- pages with a curator's note: `note` in papers.json (the code before had none);
- summaries equal to the title (compared without case and punctuation), and summaries
  that are a piece of the title;
- method and dataset names that are no names: a structured-abstract heading (every word
  in HEADINGS), an all-caps common word (each word occurs in lower case in the file's own
  titles and abstracts and is a word of the English spaCy model's vocabulary, or is a
  stop word; 'PQS' is not one, 'pqs' being a gene), a unit, or mojibake (letters of two
  scripts other than Latin with Greek, U+FFFD, UTF-8 read as Latin-1);
- keyphrases with a function word at either edge: a spaCy stop word
  (`annobib.text.stop_words`) of the entry's language, the words split by spaCy's
  tokeniser of that language. The language is the entry's declared one (langid,
  language, hyphenation), else py3langid's (the analysis's own rule,
  `annobib.analyze.paper_document`). The entry's own keywords, shown as keyphrases as
  the curator wrote them, are not judged;
- theme labels with a function word at an edge, in the language most of the theme's
  papers are in.

Only the `## Other fields and languages` section of bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from results_file import replace_section

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Other fields and languages"
FIXTURES = ROOT / "tests" / "fixtures" / "fields"
BASE_COMMIT = "25dbbf0"
BASE_TREE = Path("/tmp/annobib-base")

# Headings of structured abstracts (PubMed, BMJ, Lancet, JATS), as written or in capitals.
HEADINGS = frozenset("""abstract background introduction context objective objectives aim aims purpose
    purposes method methods methodology design setting settings participants patients subjects intervention
    interventions measurement measurements main outcome outcomes measure measures result results finding
    findings conclusion conclusions interpretation discussion importance significance limitations evidence
    acquisition synthesis selection study data sources extraction review funding registration rationale
    summary materials material and trial""".split())
UNIT = re.compile(r"^(?:\d+(?:[.,]\d+)?\s*)?(?:[kmµμnpcd]?(?:g|l|L|M|mol|Da|Hz|s|m|Pa|V|W|J|eV|Gy|Sv)"
                  r"|[MG](?:Hz|Da|Pa|eV)|°C|°F|ppm|ppb|rpm|mmHg|IU|bpm|kcal|mEq)(?:/[A-Za-zµμ]+)*$")   # not 'MV' (a vesicle)
MOJIBAKE = re.compile(r"\ufffd|Ã.|Â.|â€")


# ----------------------------------------------------------------- worker (runs BEFORE or AFTER code)

def worker(fixture: Path, project: Path, out: Path, field_notes: bool) -> None:
    """Build `fixture` in a new project at `project` with whichever annobib PYTHONPATH gives;
    write what the site shows to `out`. Uses only what both versions have."""
    import yaml

    from annobib.build import build_site
    from annobib.config import load_settings
    from annobib.scaffold import new_project

    new_project(project, title=fixture.stem)
    shutil.copy(fixture, project / "corpus" / fixture.name)
    result: dict = {"code": str(Path(sys.modules["annobib"].__file__).parents[1])}
    started = time.perf_counter()
    try:
        summary = build_site(project, load_settings(project), progress=False)
    except Exception as exc:   # a build that fails is a result too
        result["failed"] = f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        out.write_text(json.dumps(result), encoding="utf-8")
        return
    result.update(seconds=time.perf_counter() - started, read=summary.entries_read, published=summary.paper_pages,
                  skipped=summary.skipped, warnings=len(summary.warnings))
    result["papers"] = json.loads((project / "site" / "data" / "papers.json").read_text(encoding="utf-8"))
    doc = yaml.safe_load((project / "corpus" / "themes.yml").read_text(encoding="utf-8")) or {}
    result["themes"] = [{"label": t.get("label", ""), "papers": t.get("papers", [])} for t in doc.get("themes", [])]
    if field_notes:
        with (project / "annobib.yml").open("a", encoding="utf-8") as config:
            config.write("\npublish_field_notes: true\n")
        build_site(project, load_settings(project), progress=False)
        again = json.loads((project / "site" / "data" / "papers.json").read_text(encoding="utf-8"))
        result["notes_with_field_notes"] = sum(bool(p.get("note")) for p in again)
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# ----------------------------------------------------------------- measures (this tree's helpers)

def languages(fixture: Path) -> tuple[dict[str, str], str]:
    """Key -> the language the entry is judged in (declared, else detected), and the
    file's own text (titles and abstracts) for the common-word test."""
    from annobib.analyze import paper_document
    from annobib.corpus import load_corpus

    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(fixture, folder)
        papers = load_corpus(Path(folder)).papers
    return ({p.key: paper_document(p).language for p in papers},
            "\n".join(f"{p.title_text}\n{p.abstract_text}" for p in papers))


def edge_words(phrase: str, language: str) -> tuple[str, str] | None:
    """The first and last word of a phrase by spaCy's tokeniser of `language`, lower case,
    hyphens and apostrophes normalised ('-ce' -> 'ce', 'l’' -> 'l''); None if no word."""
    from annobib.analyze.language import blank_pipeline

    words = [t.text.lower().replace("’", "'").strip("-–") for t in blank_pipeline(language).tokenizer(phrase)
             if not t.is_punct]
    words = [w for w in words if w]
    return (words[0], words[-1]) if words else None


def function_word_at_edge(phrase: str, language: str) -> bool:
    from annobib.text import stop_words

    edges = edge_words(phrase, language)
    stops = {w.replace("’", "'") for w in stop_words(language)}
    return bool(edges) and (edges[0] in stops or edges[1] in stops)


def bad_name(name: str, language: str, lower_words: Counter) -> str:
    """Why `name` is no method or dataset name ('' when it may be one)."""
    import unicodedata

    from annobib.text import stop_words

    words = re.findall(r"[^\W\d_]+", name)
    if words and all(w.lower() in HEADINGS for w in words) and any(w.lower() != "and" for w in words):
        return "heading"
    scripts = {unicodedata.name(c, "?").split()[0] for c in name if c.isalpha()}
    if (len(scripts) > 1 and scripts != {"LATIN", "GREEK"}) or MOJIBAKE.search(name):   # 'Aβ42', 'TNF-α' are names
        return "mojibake"
    if UNIT.match(name):
        return "unit"
    stops = stop_words(language) | stop_words("en")
    letters = [c for c in name if c.isalpha()]
    if words and all(len(w) >= 2 for w in words) and all(c.isupper() for c in letters) \
            and not re.search(r"\d", name) \
            and all(w.lower() in stops or (lower_words[w.lower()] >= 2 and w.lower() in _english_words())
                    for w in words):
        return "all-caps word"
    return ""


@functools.lru_cache(maxsize=1)
def _english_words():
    """The strings of the English spaCy model's vocabulary (words seen in its training)."""
    from annobib.analyze.loaders import load_spacy
    from annobib.config import Settings

    return load_spacy(Settings().analyze_spacy_model).vocab.strings


def normal(text: str) -> str:
    from annobib.text import normal_title

    return normal_title(text or "")


def measure(result: dict, language_of: dict[str, str], corpus_text: str) -> dict:
    """The counts of one build's papers.json and themes."""
    if "failed" in result:
        return result
    lower_words = Counter(re.findall(r"(?<![\w-])[^\W\d_A-Z]+(?![\w-])", corpus_text))
    row = {k: result[k] for k in ("read", "published", "skipped", "seconds")}
    row["notes"] = sum(bool(p.get("note")) for p in result["papers"])
    row["notes_with_field_notes"] = result.get("notes_with_field_notes")
    with_abstract = [p for p in result["papers"] if p["has_abstract"]]
    row["with_abstract"] = len(with_abstract)
    row["summaries"] = sum(bool(p["summary"]) for p in with_abstract)
    row["summaries_title_only"] = sum(bool(p["summary"]) for p in result["papers"] if not p["has_abstract"])
    row["summary_is_title"] = sum(bool(p["summary"]) and normal(p["summary"]) == normal(p["title"])
                                  for p in result["papers"])
    row["summary_in_title"] = sum(bool(normal(p["summary"])) and normal(p["summary"]) != normal(p["title"])
                                  and f" {normal(p['summary'])} " in f" {normal(p['title'])} " for p in result["papers"])
    bad = Counter()
    names = 0
    examples: dict[str, list[str]] = {}
    for p in result["papers"]:
        language = language_of.get(p["key"]) or "en"
        for name in {*p["methods_introduced"], *p["methods_mentioned"], *p["datasets"]}:
            names += 1
            why = bad_name(name, language, lower_words)
            if why:
                bad[why] += 1
                examples.setdefault(why, []).append(name)
    row["names"], row["bad_names"], row["bad_examples"] = names, dict(bad), {k: v[:6] for k, v in examples.items()}
    per_language: dict[str, list[int]] = {}
    phrase_examples: dict[str, list[str]] = {}
    for p in result["papers"]:
        language = language_of.get(p["key"]) or "en"
        own = {k.casefold() for k in p.get("author_keywords", [])}
        counts = per_language.setdefault(language, [0, 0, 0])   # entries, keyphrases, with a function word
        counts[0] += 1
        for phrase in p["keyphrases"]:
            if phrase.casefold() in own:
                continue
            counts[1] += 1
            if function_word_at_edge(phrase, language):
                counts[2] += 1
                phrase_examples.setdefault(language, []).append(phrase)
    row["keyphrases"] = per_language
    row["phrase_examples"] = {k: v[:8] for k, v in phrase_examples.items()}
    labels, flagged = 0, []
    for theme in result["themes"]:
        spoken = Counter(language_of.get(k) or "en" for k in theme["papers"])
        language = spoken.most_common(1)[0][0] if spoken else "en"
        labels += 1
        if function_word_at_edge(theme["label"], language):
            flagged.append(f"{theme['label']} ({language})")
    row["labels"], row["bad_labels"] = labels, flagged
    return row


# ----------------------------------------------------------------- driver

def base_tree() -> Path:
    if not (BASE_TREE / "src" / "annobib").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(BASE_TREE), BASE_COMMIT],
                       check=True, capture_output=True)
    return BASE_TREE


def run_worker(code: Path, fixture: Path, project: Path, field_notes: bool) -> dict:
    out = project.with_suffix(".json")
    shutil.rmtree(project, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(code / "src")}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(fixture), str(project), str(out)]
    done = subprocess.run(command + (["--field-notes"] if field_notes else []), env=env, capture_output=True,
                          text=True, cwd=project.parent)
    if done.returncode != 0 or not out.is_file():
        return {"failed": ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]}
    result = json.loads(out.read_text(encoding="utf-8"))
    if Path(result["code"]).resolve() != (code / "src").resolve():
        raise SystemExit(f"the worker ran {result['code']}, not {code / 'src'}")
    return result


def measure_fixture(fixture: Path, work: Path, without: tuple[str, ...] = ()) -> dict:
    name = fixture.stem + (f" without {', '.join(without)}" if without else "")
    if without:
        fixture = without_entries(fixture, without, work / "reduced")
    runs = {}
    for label, code, notes in (("before", base_tree(), False), ("after", ROOT, True)):
        project = work / f"{fixture.stem}{'-reduced' if without else ''}-{label}"
        runs[label] = run_worker(code, fixture, project, notes)
        print(f"{name} {label}: " + (runs[label].get("failed") or f"{runs[label]['seconds']:.0f} s"),
              file=sys.stderr, flush=True)
    language_of, text = languages(fixture)
    return {"name": name, **{label: measure(result, language_of, text) for label, result in runs.items()}}


def without_entries(fixture: Path, keys: tuple[str, ...], folder: Path) -> Path:
    """A copy of `fixture` without the entries of `keys` (each cut from its '@' to the next)."""
    text = fixture.read_text(encoding="utf-8")
    starts = [m for m in re.finditer(r"^[ \t]*@[ \t]*\w+[ \t]*[{(][ \t]*([^,\s]*)[ \t]*,", text, re.M)]
    cut = [(m.start(), (starts[i + 1].start() if i + 1 < len(starts) else len(text)))
           for i, m in enumerate(starts) if m.group(1) in keys]
    if len(cut) != len(keys):
        raise SystemExit(f"{fixture.name}: not every key of {keys} is written once")
    for start, end in reversed(cut):
        text = text[:start] + text[end:]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / fixture.name).write_text(text, encoding="utf-8")
    return folder / fixture.name


def _pair(row: dict, key: str, fmt=str) -> str:
    before, after = row["before"], row["after"]
    show = lambda r: "failed" if "failed" in r else fmt(r[key])   # noqa: E731
    return f"{show(before)} → {show(after)}"


def table(rows: list[dict], command: str = ".venv/bin/python bench/fields.py") -> str:
    bad = lambda r: sum(r["bad_names"].values())   # noqa: E731
    fw = lambda r: sum(c[2] for c in r["keyphrases"].values())   # noqa: E731
    lines = [SECTION, "",
             "Each bibliography of tests/fixtures/fields/ (see its SOURCES.md; the fixture files, prefixes of the",
             "biggest) built as a new user would (`annobib new`, the file into corpus/, `build_site`), once with the",
             f"code of commit {BASE_COMMIT} (before issue 20) and once with this tree (after), each in its own",
             "interpreter; after is built again with `publish_field_notes: true`. Command:", "",
             f"    {command}", "",
             "(`make bench-fields` runs it without options). Cells read before → after. A build that fails is a",
             "result: its row shows the exception; `--without NAME:KEY` measures that file again without the",
             "entries named (row '… without KEY').", "",
             "| bibliography | entries read | published | skipped | pages with a note (default; field notes on) "
             "| summary = title | summary = part of title | bad method names (of all) | keyphrases with a function "
             "word at an edge (of all) | theme labels with a function word at an edge |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        b, a = row["before"], row["after"]
        if "failed" in b or "failed" in a:
            lines.append(f"| {row['name']} | before: {b.get('failed', 'ok')}; after: {a.get('failed', 'ok')} "
                         "| | | | | | | | |")
            continue
        total = lambda r: sum(c[1] for c in r["keyphrases"].values())   # noqa: E731
        lines.append(
            f"| {row['name']} | {_pair(row, 'read')} | {_pair(row, 'published')} | {_pair(row, 'skipped')} "
            f"| {b['notes']} → {a['notes']}; {a['notes_with_field_notes']} "
            f"| {_pair(row, 'summary_is_title')} | {_pair(row, 'summary_in_title')} "
            f"| {bad(b)} ({b['names']}) → {bad(a)} ({a['names']}) "
            f"| {fw(b)} ({total(b)}) → {fw(a)} ({total(a)}) "
            f"| {len(b['bad_labels'])} ({b['labels']}) → {len(a['bad_labels'])} ({a['labels']}) |")
    ok = [r for r in rows if "failed" not in r["before"] and "failed" not in r["after"]]
    lines += ["", "Keyphrases with a function word at an edge, by the entry's language (declared, else detected;",
              "the entry's own keywords not counted):", "",
              "| language | entries | keyphrases before | with a function word before | keyphrases after "
              "| with a function word after |", "|---|---:|---:|---:|---:|---:|"]
    by_language: dict[str, list[int]] = {}
    for row in ok:
        for side, offset in (("before", 0), ("after", 3)):
            for language, (entries, phrases, flagged) in row[side]["keyphrases"].items():
                cell = by_language.setdefault(language, [0] * 6)
                cell[offset:offset + 3] = [cell[offset] + entries, cell[offset + 1] + phrases,
                                           cell[offset + 2] + flagged]
    for language, c in sorted(by_language.items(), key=lambda kv: -kv[1][3]):
        share = lambda n, d: f"{n} ({100 * n / d:.1f}%)" if d else "0"   # noqa: E731
        lines.append(f"| {language} | {c[3]} | {c[1]} | {share(c[2], c[1])} | {c[4]} | {share(c[5], c[4])} |")
    lines += ["", "spaCy's English list also holds 'serious', 'front', 'whole', 'few', 'something' and the number",
              "words, so most English hits are adjectives and numerals the tagged English path keeps on purpose",
              "('two-stage approaches'); issue 20 did not change that path."]
    kinds = ("heading", "all-caps word", "unit", "mojibake")
    lines += ["", "Method and dataset names that are no names, by kind, and the summaries given:", "",
              "| bibliography | " + " | ".join(kinds) + " | entries with an abstract | with a summary "
              "| title-only entries with a summary |", "|---|" + "---:|" * (len(kinds) + 3)]
    for row in ok:
        b, a = row["before"], row["after"]
        lines.append(f"| {row['name']} | " + " | ".join(
            f"{b['bad_names'].get(kind, 0)} → {a['bad_names'].get(kind, 0)}" for kind in kinds)
            + f" | {a['with_abstract']} | {_pair(row, 'summaries')} | {_pair(row, 'summaries_title_only')} |")
    left = []
    for row in ok:
        a = row["after"]
        found = [f"{kind}: {', '.join(repr(n) for n in sorted(set(names)))}" for kind, names in a["bad_examples"].items()]
        found += [f"keyphrases ({language}): {', '.join(repr(x) for x in phrases)}"
                  for language, phrases in a["phrase_examples"].items()]
        found += [f"theme labels: {', '.join(a['bad_labels'])}"] if a["bad_labels"] else []
        if found:
            left.append(f"- {row['name']}: " + "; ".join(found))
    if left:
        lines += ["", "What is left after (examples, up to 8 of each kind):", "", *left]
    return "\n".join(lines) + "\n"


def details(rows: list[dict]) -> str:
    """Examples behind the counts (printed, not written to RESULTS.md)."""
    out = []
    for row in rows:
        for side in ("before", "after"):
            r = row[side]
            if "failed" in r:
                continue
            out.append(f"{row['name']} {side}: names {r['bad_examples']}; labels {r['bad_labels']}; "
                       f"phrases {r['phrase_examples']}")
    return "\n".join(out)


def write_section(text: str) -> None:
    replace_section(SECTION, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", action="append", help="a fixture's name (without .bib); repeatable")
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    parser.add_argument("--json", type=Path, help="also write the measured rows here")
    parser.add_argument("--without", action="append", default=[], metavar="NAME:KEY",
                        help="measure fixture NAME a second time without entry KEY (repeatable)")
    parser.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--field-notes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, field_notes=args.field_notes)
        return
    fixtures = [p for p in sorted(FIXTURES.glob("*.bib")) if not args.only or p.stem in args.only]
    with tempfile.TemporaryDirectory(prefix="annobib-fields-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = []
        for fixture in fixtures:
            rows.append(measure_fixture(fixture, work))
            left_out = tuple(k.split(":", 1)[1] for k in args.without if k.split(":", 1)[0] == fixture.stem)
            if left_out:
                rows.append(measure_fixture(fixture, work, left_out))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    command = " ".join([".venv/bin/python bench/fields.py", *(f"--only {n}" for n in args.only or ()),
                        *(f"--without {w}" for w in args.without)])
    text = table(rows, command)
    print(text)
    print(details(rows))
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()

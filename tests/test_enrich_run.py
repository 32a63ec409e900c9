"""`annobib enrich` online, end to end: the lookups' answers into corpus/enrichment.json, and
"who cites whom" from there to the site.

Every answer is a recorded one (tests/helpers/enrich.py says how the recorded Crossref
search is replayed per DOI); vcrpy's record_mode "none" fails a test on any request that
was not recorded, so nothing here reaches the network.
"""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pyalex")
pytest.importorskip("habanero")
vcr = pytest.importorskip("vcr")

from helpers.enrich import (CONTACT, boettiger_items, crossref_cassette, expected_links, key_of,  # noqa: E402
                            write_project)

from annobib.cli import main  # noqa: E402
from annobib.config import load_settings  # noqa: E402
from annobib.corpus import load_corpus  # noqa: E402
from annobib.enrich import SIDECAR_NAME, enrich_project  # noqa: E402
from annobib.enrich import services  # noqa: E402
from annobib.enrich.citations import cited_by  # noqa: E402
from annobib.enrich.run import CACHE_NAME, contact_of  # noqa: E402

CURATED = {"w_ele.13085": "The curator's own abstract of From noise to knowledge.",
           "w_s12080-013-0192-6": "The curator's own abstract of Early warning signals."}
ONLY = ("crossref",)          # the recordings are Crossref's; OpenAlex and arXiv are left out


@pytest.fixture
def fast(monkeypatch):
    """No pause between the replayed requests (politeness is tested in test_enrich_services.py)."""
    monkeypatch.setitem(services.INTERVAL, "crossref", 0.0)


@pytest.fixture
def collection(tmp_path):
    items = boettiger_items()
    root = write_project(tmp_path / "project", items, CURATED)
    cassette = crossref_cassette(tmp_path / "crossref-works.yaml", items)
    sent: list[tuple[str, dict]] = []

    def note(request):
        # vcrpy passes each request through here more than once (and the cassette's own,
        # header-less ones): what was sent is told by the headers; how often, by play_count
        headers = dict(request.headers)
        if headers:
            sent.append((request.uri, headers))
        return request

    def replay():
        return vcr.VCR(record_mode="none", before_record_request=note).use_cassette(str(cassette))

    return root, items, replay, sent


def _sidecar(root: Path) -> dict:
    return json.loads((root / "corpus" / SIDECAR_NAME).read_text(encoding="utf-8"))["entries"]


# --------------------------------------------------------------------------- end to end

def test_enrich_end_to_end_on_the_recordings(collection, fast, tmp_path):
    root, items, replay, sent = collection
    with replay() as cassette:
        report = enrich_project(root, load_settings(root), offline=False, services=ONLY)

    # every entry was asked for, the two with the curator's abstract too, politely
    assert cassette.play_count == 20 and report.looked_up == 20
    assert all(f"mailto:{CONTACT}" in (h.get("User-Agent") or h.get("user-agent") or "") for _, h in sent)
    entries = _sidecar(root)
    # references are citation keys of the collection, never DOIs or OpenAlex ids
    references = {k: tuple(e["references"]) for k, e in entries.items() if "references" in e}
    assert references == expected_links()
    assert report.links == 5
    # abstracts: Crossref's, for the entries without one; the curator's are left alone
    with_abstract = {key_of(i["DOI"]) for i in items if i.get("abstract")}
    filled = {k for k, e in entries.items() if "abstract" in e}
    assert filled == with_abstract - set(CURATED)
    assert report.filled_service == len(filled) == 14 and report.had_abstract == 2
    assert {entries[k]["abstract"]["source"] for k in filled} == {"Crossref"}
    assert entries["w_ele.14024"]["abstract"]["text"].startswith("Encouraged by decision makers’ appetite")
    assert "<" not in entries["w_ele.14024"]["abstract"]["text"]
    assert entries["w_ele.13085"] == {"ids": {"doi": "10.1111/ele.13085"},
                                      "references": ["w_s12080-013-0192-6"]}   # no abstract: the curator's
    assert report.still_missing == 4 and "5 citation link(s)" in report.summary()
    # the .bib is untouched; the services' answers are cached outside the corpus
    assert "abstract = {The curator's own abstract of From noise" in (root / "corpus" / "refs.bib").read_text()
    assert (root / "build" / "cache" / CACHE_NAME).is_file()

    # the build's side: the sidecar's links become Paper.cites, and the site shows both directions
    loaded = load_corpus(root / "corpus")
    papers = {p.key: p for p in loaded.papers}
    assert {k: p.cites for k, p in papers.items() if p.cites} == expected_links()
    assert papers["w_ele.13085"].abstract_text.startswith("The curator's own abstract")
    assert papers["w_ele.14024"].abstract_source == "Crossref"
    assert cited_by({k: p.cites for k, p in papers.items()}) == {
        "w_ele.13085": ("w_2041-210x.14013", "w_s12080-020-00477-4"),
        "w_s12080-013-0192-6": ("w_ele.13085", "w_s12080-020-00477-4"),
        "w_s12080-020-00477-4": ("w_ele.14024",)}
    _check_site(papers, root, tmp_path)


def _check_site(papers: dict, root: Path, tmp_path: Path) -> None:
    """The rendered pages and data/papers.json of the enriched collection (one theme, no analysis)."""
    from annobib.corpus.slugs import paper_slugs
    from annobib.models import Bibliography, Theme
    from annobib.organize.people import with_people_venues_years
    from annobib.render import render_site

    keys = sorted(papers)
    bib = with_people_venues_years(Bibliography(
        papers=tuple(papers[k] for k in keys), annotations={},
        themes=(Theme(slug="all", label="All the works", papers=tuple(keys)),),
        theme_of={k: "all" for k in keys}, related={}, slugs=paper_slugs(keys, {}, set())))
    docs = tmp_path / "docs"
    docs.mkdir()
    render_site(bib, docs, load_settings(root))
    data = {r["key"]: r for r in json.loads((docs / "data" / "papers.json").read_text(encoding="utf-8"))}
    assert {k: tuple(r["cites"]) for k, r in data.items() if r["cites"]} == expected_links()
    assert data["w_ele.13085"]["cited_by"] == ["w_2041-210x.14013", "w_s12080-020-00477-4"]
    assert data["w_ele.14024"]["cited_by"] == [] and data["w_055319"]["cites"] == []

    def page(key: str) -> str:
        return (docs / "papers" / f"{data[key]['url_slug']}.md").read_text(encoding="utf-8")

    def target(key: str) -> str:
        return f"(../papers/{data[key]['url_slug']}.md)"

    # 2018's "From noise to knowledge" cites 2013's "Early warning signals"; 2020 and 2022 papers cite it
    noise = page("w_ele.13085")
    cites = noise.split("## Cites in this collection", 1)[1].split("## Cited by in this collection", 1)
    assert target("w_s12080-013-0192-6") in cites[0] and "Early warning signals" in cites[0]
    citing = cites[1].split("## Cite\n", 1)[0]
    assert citing.index(target("w_2041-210x.14013")) < citing.index(target("w_s12080-020-00477-4"))   # newest first
    assert "## Cites in this collection" not in page("w_s12080-013-0192-6")
    assert "## Cited by in this collection" not in page("w_ele.14024")
    assert "in this collection" not in page("w_055319")
    # the theme's list: a count beside each cited paper
    theme = (docs / "themes" / "all.md").read_text(encoding="utf-8")
    entry = theme.split(target("w_ele.13085"), 1)[1].split('<div class="annobib-entry"', 1)[0]
    assert "cited by 2 here" in entry
    assert theme.count(" here</span>") == 3


def test_running_again_asks_nothing_and_changes_nothing(collection, fast, monkeypatch):
    root, _, replay, _ = collection
    with replay():
        enrich_project(root, load_settings(root), offline=False, services=ONLY)
    before = (root / "corpus" / SIDECAR_NAME).read_bytes()

    def refuse(self, address):
        raise ConnectionRefusedError(111, "Connection refused (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)       # everything comes from the cache
    report = enrich_project(root, load_settings(root), offline=False, services=ONLY)
    assert not report.stopped and report.looked_up == 20 and report.links == 5 and not report.written
    assert report.kept == 14 and report.filled == 0
    assert (root / "corpus" / SIDECAR_NAME).read_bytes() == before


def test_ctrl_c_keeps_what_was_found_and_the_next_run_resumes(collection, fast):
    root, _, replay, sent = collection
    looked_up = []

    def interrupt(done, total, key):
        if total == 20:                      # the lookups (the PDF pass counts the 18 without abstract)
            looked_up.append(key)
            if done == 8:
                raise KeyboardInterrupt

    with replay() as cassette, pytest.raises(KeyboardInterrupt):
        enrich_project(root, load_settings(root), offline=False, progress=interrupt, services=ONLY)
    assert cassette.play_count == 8
    cache = json.loads((root / "build" / "cache" / CACHE_NAME).read_text(encoding="utf-8"))
    assert sorted(cache) == sorted(looked_up)
    partial = _sidecar(root)                  # saved too: what the first 8 gave
    assert {k for k, e in partial.items() if "abstract" in e} and set(partial) <= set(looked_up)

    sent.clear()
    with replay() as cassette:
        report = enrich_project(root, load_settings(root), offline=False, services=ONLY)
    assert cassette.play_count == 12          # only the entries not looked up before
    assert {u.rsplit("/", 1)[1] for u, _ in sent}.isdisjoint({k[2:] for k in looked_up})
    assert report.looked_up == 20 and not report.stopped
    references = {k: tuple(e["references"]) for k, e in _sidecar(root).items() if "references" in e}
    assert references == expected_links()


# --------------------------------------------------------------------------- no network

def test_without_network_enrich_ends_quickly_with_one_line_and_changes_no_file(collection, monkeypatch):
    root, _, _, _ = collection
    sidecar = root / "corpus" / SIDECAR_NAME
    sidecar.write_text('{"entries": {"w_ele.14024": {"references": ["w_s12080-020-00477-4"]}}, "version": 1}\n',
                       encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "corpus").iterdir()}

    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)                        # waits recorded, not slept
    result = CliRunner().invoke(main, ["enrich", "--root", str(root)])      # not --offline

    assert pauses == []                                  # no back-off, no retry: it stopped at once
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("annobib enrich stopped: OpenAlex could not be reached (")
    assert "run again" in lines[0] and "Traceback" not in result.output
    assert result.exit_code == 1
    assert {p.name: p.read_bytes() for p in (root / "corpus").iterdir()} == before
    assert not (root / "build").exists()


# --------------------------------------------------------------------------- the contact

def test_the_contact_comes_from_enrich_contact_or_an_e_mail_site_author(tmp_path):
    from annobib.config import Settings

    assert contact_of(Settings(enrich_contact="Jane <jane@example.org>", site_author="x@y.org")) == (
        "Jane <jane@example.org>", "")
    assert contact_of(Settings(site_author="jane@example.org")) == ("jane@example.org", "")
    contact, note = contact_of(Settings(site_author="Jane Maintainer"))
    assert "@" not in contact and "Jane" not in contact and "enrich_contact" in note
    contact, note = contact_of(Settings(enrich_contact="Jane Maintainer"))
    assert "holds no e-mail address" in note


def test_without_a_contact_none_is_sent_and_the_report_says_so_once(collection, fast):
    root, _, replay, sent = collection
    (root / "annobib.yml").write_text("site_author: Jane Maintainer\n", encoding="utf-8")
    with replay():
        report = enrich_project(root, load_settings(root), offline=False, services=ONLY)
    agents = {h.get("User-Agent") or h.get("user-agent") for _, h in sent}
    assert all("mailto" not in a and "Jane" not in a for a in agents)
    notes = [p for p in report.problems if "enrich_contact" in p.message]
    assert len(notes) == 1 and notes[0].severity == "warning"


# --------------------------------------------------------------------------- related papers

def test_a_linked_pair_of_related_papers_says_cites_or_cited_by_and_keeps_its_place():
    import numpy as np

    from annobib.models import Annotation
    from annobib.organize.related import citation_reason, related_papers

    links = {"a": ("b",), "c": ("a",)}
    assert citation_reason("a", "b", links) == "cites"
    assert citation_reason("b", "a", links) == "cited by"
    assert citation_reason("a", "c", links) == "cited by"
    assert citation_reason("b", "c", links) == "" and citation_reason("a", "b", None) == ""

    rng = np.random.default_rng(7)
    keys = [f"p{i:02d}" for i in range(30)]
    vectors = rng.normal(size=(30, 16))
    annotations = {k: Annotation(key=k, keyphrases=()) for k in keys}
    plain = related_papers(keys, vectors, annotations, 5)
    # link every paper to its second neighbour (it cites it) and to its fourth (it is cited by it)
    cites: dict[str, set[str]] = {}
    for key, shown in plain.items():
        cites.setdefault(key, set()).add(shown[1].key)
        cites.setdefault(shown[3].key, set()).add(key)
    linked = related_papers(keys, vectors, annotations, 5, links={k: tuple(sorted(v)) for k, v in cites.items()})
    for key in keys:
        assert [(r.key, r.score) for r in linked[key]] == [(r.key, r.score) for r in plain[key]]   # same order
        assert linked[key][1].reason in ("cites", "cited by") and linked[key][3].reason in ("cites", "cited by")
        for before, after in zip(plain[key], linked[key]):
            expected = citation_reason(key, before.key, {k: tuple(v) for k, v in cites.items()})
            assert after.reason == (expected or before.reason)


# --------------------------------------------------------------------------- the build, offline

@pytest.mark.slow
def test_build_opens_no_socket_and_shows_the_links(collection, fast, monkeypatch):
    """`annobib enrich` on the recordings, then `annobib build` (in-process) with every socket
    operation failing the test: the build reads the committed sidecar and nothing else."""
    import shutil

    from annobib.build import build_site
    from conftest import REPO

    root, _, replay, _ = collection
    with replay():
        enrich_project(root, load_settings(root), offline=False, services=ONLY)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    (root / "annobib.yml").write_text("site_name: Recorded works\nrender_search: lunr\n", encoding="utf-8")

    opened = []

    def forbidden(name):
        def call(*args, **kwargs):
            opened.append((name, args[1:] if name == "connect" else args))
            pytest.fail(f"annobib build used the network: socket {name} {args!r}")
        return call

    monkeypatch.setattr(socket.socket, "connect", forbidden("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", forbidden("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", forbidden("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", forbidden("getaddrinfo"))
    build_site(root, load_settings(root), log=lambda *a, **k: None, progress=False)
    assert opened == []

    site = root / "site"
    data = {r["key"]: r for r in json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))}
    assert {k: tuple(r["cites"]) for k, r in data.items() if r["cites"]} == expected_links()
    noise = (site / "papers" / data["w_ele.13085"]["url_slug"] / "index.html").read_text(encoding="utf-8")
    assert "Cites in this collection" in noise and "Cited by in this collection" in noise
    assert "Early warning signals" in noise.split("Cites in this collection", 1)[1]
    themes = [p.read_text(encoding="utf-8") for p in (site / "themes").glob("*/index.html")]
    assert sum(t.count("cited by 2 here") for t in themes) == 2      # both cited twice
    assert sum(t.count("cited by 1 here") for t in themes) == 1
    # a related paper that is linked says so: "cites" / "cited by" instead of what they share
    import re

    links = expected_links()
    checked = 0
    for key, record in data.items():
        html = (site / "papers" / record["url_slug"] / "index.html").read_text(encoding="utf-8")
        related = html.split('class="annobib-related"', 1)[1].split("</div>", 1)[0] if record["related"] else ""
        for item in re.findall(r"<li>(.*?)</li>", related, re.S):
            other = next(k for k in record["related"] if f"/{data[k]['url_slug']}/" in item)
            shown = re.search(r'class="annobib-reason">([^<]*)<', item).group(1)
            expected = ("cites" if other in links.get(key, ()) else "cited by" if key in links.get(other, ()) else None)
            assert shown == expected if expected else shown not in ("cites", "cited by")
            checked += expected is not None
    assert checked >= 1


# --------------------------------------------------------------------------- the sidecar's references

def test_the_build_reads_references_as_keys_of_the_collection(collection):
    root, _, _, _ = collection
    text = json.dumps({"version": 1, "entries": {
        "w_ele.14024": {"references": ["w_ele.13085", "w_ele.14024", "gone2019", "10.1111/ele.13085"]},
        "w_ele.13085": {"references": "w_s12080-013-0192-6"},
        "w_055319": {"references": ["w_ele.13085", 3]}}}, indent=1, sort_keys=True)
    (root / "corpus" / SIDECAR_NAME).write_text(text, encoding="utf-8")
    loaded = load_corpus(root / "corpus")
    cites = {p.key: p.cites for p in loaded.papers if p.cites}
    # itself, a key no longer in the corpus and an external id are left out
    assert cites == {"w_ele.14024": ("w_ele.13085",)}
    warned = {p.entry: p for p in loaded.problems if p.file.endswith(SIDECAR_NAME)}
    assert set(warned) == {"w_ele.13085", "w_055319"}
    assert all("list of citation keys" in p.message and p.severity == "warning" for p in warned.values())


def test_a_complete_run_replaces_references_an_earlier_version_stored_as_external_ids(collection, fast):
    root, _, replay, _ = collection
    (root / "corpus" / SIDECAR_NAME).write_text(json.dumps({"version": 1, "entries": {
        "w_ele.14024": {"references": ["10.1007/s12080-020-00477-4", "W2121398592"]},
        "w_055319": {"references": ["10.1111/ele.13085"], "note": "kept"}}}), encoding="utf-8")
    with replay():
        enrich_project(root, load_settings(root), offline=False, services=ONLY)
    entries = _sidecar(root)
    assert entries["w_ele.14024"]["references"] == ["w_s12080-020-00477-4"]
    assert "references" not in entries["w_055319"] and entries["w_055319"]["note"] == "kept"

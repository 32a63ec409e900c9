"""Issue 13 at test size: rebuilds that touch only what changed, search that stays small,
analysis on a Dask cluster with the same output.

One small project (tests/fixtures/small_corpus, a git repository so the build date is
fixed) is built once in a fresh interpreter; the tests then rebuild it and compare the
sha256 of every file of site/. What a build did is read from what it reports
(BuildSummary: analysed, pages_rendered, pages_reused) and from the modules it imported,
never from timings (the figures are in bench/RESULTS.md, `## Scale`).
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import copy_project

REPO = Path(__file__).resolve().parent.parent
SMALL_CORPUS = REPO / "tests" / "fixtures" / "small_corpus"
HEAVY = ("spacy", "sentence_transformers", "torch", "keybert", "dask", "distributed")
# Same chunks and threads for the serial and the cluster build: see analyze/distributed.py.
SETTINGS = "analyze_chunk_size: 4\nanalyze_threads: 2\n"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]

BUILD = """
import json, sys
from pathlib import Path
from annobib.build import build_site
from annobib.config import load_settings
root = Path(sys.argv[1])
s = build_site(root, load_settings(root, **json.loads(sys.argv[2])), progress=False)
print("RESULT " + json.dumps({"analysed": s.analysed, "rendered": s.pages_rendered, "reused": s.pages_reused,
                              "loaded": sorted(m for m in sys.argv[3:] if m in sys.modules)}))
"""


def make_project(dest: Path) -> Path:
    copy_project(dest, corpus=SMALL_CORPUS)
    with (dest / "annobib.yml").open("a", encoding="utf-8") as out:
        out.write("\n" + SETTINGS)
    env = {**os.environ, "GIT_AUTHOR_DATE": "2024-06-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2024-06-01T12:00:00+00:00",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run(["git", "-C", str(dest), *args], check=True, capture_output=True, env=env)
    return dest


def build(root: Path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run([sys.executable, "-c", BUILD, str(root), json.dumps(overrides), *HEAVY],
                          capture_output=True, text=True, env=env, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def differing(a: dict, b: dict) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("scale") / "project")
    cold = build(root)
    return root, cold


def markdown_pages(root: Path) -> int:
    """The pages MkDocs builds: one per index.html under site/ except 404."""
    return sum(1 for p in (root / "site").rglob("index.html"))


@pytest.mark.slow
def test_no_change_rebuild_renders_nothing_and_loads_no_model(built):
    root, cold = built
    assert cold["analysed"] == 9 and cold["reused"] == 0
    before = digests(root / "site")
    again = build(root)
    assert again["analysed"] == 0
    assert again["rendered"] == 0, again
    assert again["reused"] == markdown_pages(root) == cold["rendered"]
    assert again["loaded"] == [], f"a no-change rebuild imported {again['loaded']}"
    assert differing(before, digests(root / "site")) == []


@pytest.mark.slow
def test_reused_pages_are_the_bytes_a_full_render_writes(built, tmp_path):
    """A changed paper: only the pages showing it are rendered, and the site equals the
    site of a build that renders every page (page cache off)."""
    root, _ = built
    project = tmp_path / "copy"
    shutil.copytree(root, project, symlinks=True)
    bib = project / "corpus" / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    years = re.findall(r"year\s*=\s*\{?(\d{4})", text)
    assert years, "the small corpus has no year to change"
    changed = re.sub(r"(year\s*=\s*\{?)(\d{4})", lambda m: m.group(1) + str(int(m.group(2)) - 1), text, count=1)
    bib.write_text(changed, encoding="utf-8")
    partial = build(project)
    assert partial["analysed"] == 0 and partial["loaded"] == []   # a year is not analysed
    assert 0 < partial["rendered"] < markdown_pages(project), partial
    assert partial["reused"] > 0
    incremental = digests(project / "site")
    full = build(project, render_page_cache=False)
    assert full["reused"] == 0 and full["rendered"] == markdown_pages(project)
    assert differing(incremental, digests(project / "site")) == []


@pytest.mark.slow
def test_cluster_analysis_is_byte_identical_to_the_serial_build(built, tmp_path):
    """Two Dask workers (local processes) analyse the chunks; cache and site are the same bytes."""
    distributed = pytest.importorskip("distributed", reason="the cluster option needs annobib[cluster]")
    root, _ = built
    project = make_project(tmp_path / "cluster")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = build(project, analyze_scheduler=cluster.scheduler_address)
        workers = len(cluster.scheduler_info["workers"])
    assert workers == 2 and result["analysed"] == 9
    assert differing(digests(root / "build" / "cache" / "annotations"),
                     digests(project / "build" / "cache" / "annotations")) == []
    assert differing(digests(root / "site"), digests(project / "site")) == []


def test_cluster_option_without_dask_names_the_extra(monkeypatch):
    from annobib.analyze import distributed

    monkeypatch.setitem(sys.modules, "distributed", None)   # as if not installed
    with pytest.raises(distributed.ClusterError, match=r"pip install 'annobib\[cluster\]'"):
        distributed.dask_client("tcp://127.0.0.1:1")


def test_the_default_path_imports_no_cluster_library():
    code = ("import sys, annobib.analyze.distributed, annobib.render.search, annobib.render.incremental; "
            "print(sorted(m for m in ('dask', 'distributed', 'ray', 'torch', 'spacy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- search in chromium

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.slow
@pytest.mark.browser
def test_search_finds_a_title_word_offline_from_a_few_index_files(built):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make system-deps' (Debian's chromium)")
    from playwright.sync_api import sync_playwright

    root, _ = built
    site = root / "site"
    papers = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    paper = papers[-1]
    word = max(re.findall(r"[A-Za-z]{5,}", paper["title"]), key=len)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    requested, foreign, errors = [], [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            page = browser.new_page()
            page.on("request", lambda r: (requested if urlsplit(r.url).netloc == urlsplit(base).netloc
                                          else foreign).append(r.url))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base, wait_until="networkidle")
            loaded = len(requested)
            page.keyboard.press("/")
            box = page.locator("input.md-search__input")
            box.wait_for(state="visible", timeout=10_000)
            box.press_sequentially(word, delay=20)
            first = page.locator(".md-search-result__item a").first
            first.wait_for(timeout=30_000)
            hrefs = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.getAttribute('href'))")
            meta = page.locator(".md-search-result__meta").text_content()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert any(f"papers/{paper['url_slug']}/" in h for h in hrefs), (word, hrefs)
    assert re.search(r"\d", meta or ""), meta
    assert foreign == [] and errors == [], (foreign, errors)
    assert not any("search_index" in u for u in requested), "the whole lunr index was downloaded"
    assert not any("/pagefind/" in u for u in requested[:loaded]), "the index loads before the reader searches"
    fragments = [u for u in requested if "/pagefind/fragment/" in u]
    assert 0 < len(fragments) <= 10


def test_a_worker_with_several_threads_runs_one_chunk_at_a_time(monkeypatch):
    """`dask worker ADDRESS` on a multi-core machine runs several tasks at once in one process;
    the encoder's tokenizer fails when two threads call it together ("Already borrowed"), so
    a worker process analyses one chunk at a time, each with every core."""
    import threading
    import time

    from annobib import analyze
    from annobib.analyze import distributed

    active, most = [0], [0]
    lock = threading.Lock()

    def one_chunk(documents, settings, progress=False, vocabulary=None):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return [f"annotation of {d}" for d in documents]

    monkeypatch.setattr(analyze, "analyze_documents", one_chunk)
    monkeypatch.setattr(distributed, "_set_threads", lambda threads: None)
    results = {}
    workers = [threading.Thread(target=lambda i=i: results.__setitem__(i, distributed.analyze_chunk([i], None)))
               for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert most[0] == 1
    assert results == {i: [f"annotation of {i}"] for i in range(3)}

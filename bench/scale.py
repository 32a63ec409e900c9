"""Scale benchmark: N-paper corpora, cold build, rebuilds, memory, stages, site, search bytes.

    nice -n 10 .venv/bin/python bench/scale.py --sizes 1000,3000           # updates bench/RESULTS.md
    nice -n 10 .venv/bin/python bench/scale.py --sizes 1000 --no-write     # print only
    .venv/bin/python bench/scale.py --corpus-only /tmp/c 1000              # just write a corpus

The corpus (deterministic, same bytes on every run):
1. the shipped corpus (`corpus/*.bib`, 232 papers, as written),
2. the 2,000 Inspec abstracts (`bench/data/inspec/docsutf8/`, Hulth 2003; title = first
   line, abstract = the rest), in numeric id order,
3. past those real documents, recombined papers: a title joined from two real titles and
   an abstract of four to seven sentences drawn from other real abstracts, chosen with
   `random.Random(index)`; authors, years and venues from fixed pools.
Papers N+1 .. N+11 of the same sequence are the one-paper and ten-paper updates.

For each N, in ONE run, on a project in a temporary folder (the repository's build/ and
site/ are never touched), each build in a fresh interpreter timed from outside:
cold build (empty cache, no themes.yml), no-change rebuild, one-paper update, ten-paper
update. Reported per build: wall time, peak RSS of the build process (`ru_maxrss`) and of
the build's processes together (the build, its model process, MkDocs and Pagefind, sampled
every 0.1 s: `TreeMemory`; their own `ru_maxrss` would repeat the parent's high-water mark on
Linux), model modules imported into the build process, pages rendered by MkDocs vs reused, and
time per stage (load = corpus + check, analyze, organize, render = Markdown, MkDocs,
search index, publish = conservation check + swap), measured by wrapping the stage
functions inside the build process. After the cold build: site size, the home page's
bytes, and the bytes a reader downloads from opening the home page to the first search
result for a title word, measured in Debian's chromium (Playwright), raw and as gzip
would send them, with the time from the last keystroke to the first result.

Only the `## Scale` section of bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
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
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Scale"
INSPEC = ROOT / "bench" / "data" / "inspec" / "docsutf8"
MODEL_MODULES = ("spacy", "sentence_transformers", "torch", "keybert")
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]

GIVEN = ["Ana", "Ben", "Chen", "Dana", "Emre", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi",
         "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera",
         "Wei", "Ximena", "Yusuf", "Zoe"]
SURNAMES = ["Abe", "Barros", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
            "Jensen", "Kowalski", "Li", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi",
            "Schmidt", "Tanaka", "Usman", "Varga", "Wang", "Xu", "Yilmaz", "Zhang", "Novak", "Silva",
            "Kim", "Singh", "Ahmed", "Lopez", "Meyer", "Sato", "Ivanova", "Hughes"]
VENUES = ["Journal of Applied Computing", "Transactions on Information Systems",
          "Proceedings of the Conference on Data Engineering", "Computational Methods Letters",
          "Journal of Systems and Control", "Review of Signal Processing"]
CONNECTORS = ["for", "with", "in", "and", "via", "under"]


# --------------------------------------------------------------------------- corpus

def _bib_text(text: str) -> str:
    """Plain corpus text -> a safe BibTeX field value (no macros, no math)."""
    text = re.sub(r"[\\{}$^~]", " ", text)
    text = re.sub(r"([%&#_])", r"\\\1", text)
    return re.sub(r"\s+", " ", text).strip()


def inspec_documents() -> list[tuple[str, str, str]]:
    """(id, title, abstract) of the Inspec collection, numeric id order."""
    docs = []
    for path in sorted(INSPEC.glob("*.txt"), key=lambda p: int(p.stem)):
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        title, abstract = lines[0].strip(), " ".join(l.strip() for l in lines[1:])
        if title and abstract:
            docs.append((path.stem, title, abstract))
    return docs


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if len(s.split()) >= 4]


def _entry(key: str, title: str, abstract: str, rng: random.Random, index: int) -> str:
    authors = " and ".join(f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 4)))
    return (f"@article{{{key},\n  title = {{{_bib_text(title)}}},\n  author = {{{authors}}},\n"
            f"  year = {{{1995 + index % 31}}},\n  journal = {{{VENUES[index % len(VENUES)]}}},\n"
            f"  abstract = {{{_bib_text(abstract)}}}\n}}\n")


def shipped_entries() -> list[str]:
    entries = []
    for path in sorted((ROOT / "corpus").glob("*.bib")):
        entries += re.findall(r"^@.*?^}\s*$", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return [e.strip() + "\n" for e in entries]


def paper_entries(count: int) -> list[str]:
    """The first `count` papers of the deterministic sequence, as BibTeX entries."""
    entries = shipped_entries()[:count]
    inspec = inspec_documents()
    for doc_id, title, abstract in inspec:
        if len(entries) >= count:
            return entries
        entries.append(_entry(f"inspec{doc_id}", title, abstract, random.Random(f"inspec{doc_id}"), len(entries)))
    sentences = [_sentences(a) for _, _, a in inspec]
    index = len(entries)
    while len(entries) < count:
        rng = random.Random(index)
        a, b = rng.sample(range(len(inspec)), 2)
        first, second = inspec[a][1].split(), inspec[b][1].split()
        title = " ".join(first[:max(2, len(first) // 2)] + [rng.choice(CONNECTORS)] + second[len(second) // 2:])
        picked = []
        for doc in rng.sample(range(len(inspec)), rng.randint(4, 7)):
            if sentences[doc]:
                picked.append(rng.choice(sentences[doc]))
        entries.append(_entry(f"synth{index:05d}", title, " ".join(picked) or inspec[a][2], rng, index))
        index += 1
    return entries


def write_corpus(project: Path, count: int) -> None:
    (project / "corpus").mkdir(parents=True, exist_ok=True)
    (project / "corpus" / "papers.bib").write_text("\n".join(paper_entries(count)), encoding="utf-8")


def append_papers(project: Path, start: int, count: int) -> list[str]:
    """Append papers start+1 .. start+count of the sequence; returns their keys."""
    new = paper_entries(start + count)[start:]
    with (project / "corpus" / "papers.bib").open("a", encoding="utf-8") as out:
        out.write("\n" + "\n".join(new))
    return [re.match(r"@\w+\{([^,]+),", e).group(1) for e in new]


def change_abstracts(project: Path, share: float) -> list[str]:
    """Revise the abstract of every (1/share)-th paper (a sentence put first); their keys."""
    path = project / "corpus" / "papers.bib"
    entries = re.split(r"\n(?=@)", path.read_text(encoding="utf-8"))
    step, changed = max(1, round(1 / share)), []
    for index in range(0, len(entries), step):
        entry, count = re.subn(r"(\babstract\s*=\s*\{)", r"\1This version revises the analysis. ",
                               entries[index], count=1, flags=re.I)
        if count:
            entries[index] = entry
            changed.append(re.search(r"@\w+\s*\{\s*([^,\s]+)", entry).group(1))
    path.write_text("\n".join(entries), encoding="utf-8")
    return changed


def make_project(dest: Path, count: int) -> Path:
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "annobib.yml"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    if (ROOT / "docs").is_dir():
        shutil.copytree(ROOT / "docs", dest / "docs")
    write_corpus(dest, count)
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run(["git", "-C", str(dest), *args], check=True, capture_output=True, env=env)
    return dest


# --------------------------------------------------------------------------- one build

# Runs in a fresh interpreter: wraps the stage functions to time them, then builds.
# The start of a build script run in a fresh interpreter: `timed(owner, name, stage)` wraps a
# stage function so its time adds up in `stages` (bench/generators.py starts its script so too).
STAGE_TIMER = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    import annobib.build as build, annobib.check as check, annobib.render as render
    stages = {}
    def timed(owner, name, stage):
        original = getattr(owner, name, None)
        if original is None:
            return
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - started
        setattr(owner, name, wrapper)
""")
BUILD_SCRIPT = STAGE_TIMER + textwrap.dedent("""
    timed(check, "check_project", "load")
    timed(build, "annotate_papers", "analyze")
    timed(build, "_organize", "organize")
    timed(render, "render_site", "render")
    timed(build, "_run_mkdocs", "mkdocs")
    timed(build, "check_conservation", "publish")
    timed(build, "publish", "publish")
    try:
        import annobib.render.search as search
        timed(search, "build_search_index", "search")
    except ImportError:
        pass
    try:
        import annobib.render.incremental as incremental
        timed(incremental, "restore_reused", "mkdocs")
    except ImportError:
        pass
    from annobib.config import load_settings
    root = Path(sys.argv[1])
    overrides = json.loads(sys.argv[2])
    force = overrides.pop("force", False)
    summary = build.build_site(root, load_settings(root, **overrides), log=lambda line: None, progress=False,
                               **({"force": True} if force else {}))
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print("BENCH " + json.dumps({
        "analysed": summary.analysed, "cached": summary.cached, "papers": summary.papers_in,
        "inner_seconds": summary.seconds, "stages": stages,
        "rendered": getattr(summary, "pages_rendered", None), "reused": getattr(summary, "pages_reused", None),
        "up_to_date": getattr(summary, "up_to_date", False),
        "rss_mb": me.ru_maxrss / 1024, "child_rss_mb": kids.ru_maxrss / 1024,
        "loaded": [m for m in sys.argv[3:] if m in sys.modules]}))
    import gc
    gc.freeze()   # the process ends as the annobib command's does (cli.run)
""")


def this_checkout_first() -> dict:
    """The environment for a build: annobib imported from this checkout's src/ (the code
    measured is the code beside this script, whatever is installed, and a relative
    PYTHONPATH would otherwise be read from the project folder the build runs in)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH", "")])])
    return env


class TreeMemory:
    """The highest resident memory of a process and its descendants together (the build,
    its model process, MkDocs, Pagefind), sampled every `every` seconds: what the machine
    must hold at once. Pages shared between them count once per process, so this errs high."""

    def __init__(self, pid: int, every: float = 0.1):
        import threading

        import psutil

        self.root, self.every, self.peak_mb = psutil.Process(pid), every, 0.0
        self.at_peak: dict[str, float] = {}    # each process's MiB at the peak, by role
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    @staticmethod
    def role(process, root) -> str:
        if process.pid == root.pid:     # first: the build's own command line names MkDocs and Pagefind
            return "build"
        command = " ".join(process.cmdline())
        for marker, role in (("annobib.analyze.worker", "model process"), ("mkdocs", "MkDocs"),
                             ("pagefind", "Pagefind")):
            if marker in command:
                return role
        return "other"

    def _resident(self) -> dict[str, float]:
        import psutil

        by_role: dict[str, float] = {}
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                role = self.role(process, self.root)
                by_role[role] = by_role.get(role, 0.0) + process.memory_info().rss / 2**20
            except psutil.Error:     # ended between the listing and the reading
                pass
        return by_role

    def _watch(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                by_role = self._resident()
            except psutil.Error:     # the build itself has ended
                return
            if sum(by_role.values()) > self.peak_mb:
                self.peak_mb, self.at_peak = sum(by_role.values()), by_role
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def timed_build(root: Path, overrides: dict | None = None, timeout: float = 7200) -> dict:
    started = time.perf_counter()
    build = subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(root), json.dumps(overrides or {}),
                              *MODEL_MODULES], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=root, env=this_checkout_first())
    memory = TreeMemory(build.pid)
    try:
        stdout, stderr = build.communicate(timeout=timeout)
    finally:
        tree_mb = memory.stop()
    wall = time.perf_counter() - started
    if build.returncode != 0:
        raise RuntimeError(f"build failed in {root}:\n{stderr[-4000:]}")
    line = next(l for l in stdout.splitlines() if l.startswith("BENCH "))
    return {**json.loads(line[len("BENCH "):]), "seconds": wall, "tree_rss_mb": tree_mb,
            "tree_at_peak_mb": memory.at_peak}


def site_bytes(site: Path) -> tuple[int, int]:
    files = [p for p in site.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


# --------------------------------------------------------------------------- the browser

def serve(site: Path):
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


SEARCH_FILES = re.compile(r"/(search|pagefind)/|search_index|workers/search")


def title_word(site: Path) -> tuple[str, str]:
    """A distinctive word of the last paper's title (the query) and that paper's slug."""
    papers = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for p in papers:
        for w in set(re.findall(r"[A-Za-z]{5,}", p["title"].lower())):
            counts[w] = counts.get(w, 0) + 1
    for paper in reversed(papers):
        words = sorted(set(re.findall(r"[A-Za-z]{6,}", paper["title"].lower())), key=lambda w: (counts[w], w))
        if words and counts[words[0]] <= 3:
            return words[0], paper["url_slug"]
    return "network", papers[0]["url_slug"]


def search_transfer(site: Path, query: str | None = None) -> dict:
    """Bytes from opening the home page to the first search result, in chromium."""
    from playwright.sync_api import sync_playwright

    word, slug = title_word(site)
    query = query or word
    server, base = serve(site)
    responses: list[tuple[str, float, bytes]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            context = browser.new_context()
            page = context.new_page()

            def finished(response):
                try:
                    responses.append((response.url, time.perf_counter(), response.body()))
                except Exception:   # noqa: BLE001 - a redirect or aborted request has no body
                    pass

            page.on("response", finished)
            page.goto(base, wait_until="networkidle")
            loaded = len(responses)
            page.keyboard.press("/")
            box = page.locator("input.md-search__input")
            if not box.is_visible():
                page.locator("label[for='__search']").first.click()
            box.wait_for(state="visible", timeout=10_000)
            box.press_sequentially(query, delay=20)
            typed = time.perf_counter()
            first = page.locator(".md-search-result__item a, a.md-search-result__link").first
            first.wait_for(timeout=60_000)
            shown = time.perf_counter()
            hrefs = page.eval_on_selector_all(".md-search-result__item a, a.md-search-result__link",
                                              "els => els.map(e => e.getAttribute('href'))")
            page.wait_for_timeout(300)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    before_result = [r for r in responses if r[1] <= shown]
    home, search = before_result[:loaded], before_result[loaded:]
    search_total = [r for r in before_result if SEARCH_FILES.search(r[0])]
    return {
        "query": query,
        "found": any(slug and f"papers/{slug}/" in (h or "") for h in hrefs),
        "home_raw": sum(len(b) for _, _, b in home), "home_gzip": sum(gzip_size(b) for _, _, b in home),
        "after_load_raw": sum(len(b) for _, _, b in search),
        "after_load_gzip": sum(gzip_size(b) for _, _, b in search),
        "total_gzip": sum(gzip_size(b) for _, _, b in before_result),
        "search_files_gzip": sum(gzip_size(b) for _, _, b in search_total),
        "requests": len(before_result),
        "first_result_ms": (shown - typed) * 1000,
    }


# --------------------------------------------------------------------------- seeded annotations

SEED_SCRIPT = textwrap.dedent("""
    # Writes a stand-in annotation for every paper into the project's cache, under the keys
    # the build computes: keyphrases = frequent long words, embedding = hashed bag of words.
    import hashlib, json, re, sys
    from collections import Counter
    from dataclasses import asdict
    from pathlib import Path
    import numpy as np
    from annobib.analyze import cache_key, paper_document, load_vocabulary, EMBEDDING_DIGITS
    from annobib.atomic import write_json
    from annobib.check import check_project
    from annobib.config import load_settings
    from annobib.models import Annotation
    root = Path(sys.argv[1])
    settings = load_settings(root)
    vocabulary = load_vocabulary(root)
    papers = check_project(root, settings).loaded.papers
    folder = root / settings.analyze_cache_dir / "annotations"
    for paper in papers:
        doc = paper_document(paper)
        words = re.findall(r"[a-z]{6,}", f"{doc.title or ''} {doc.text}".lower())
        vector = np.zeros(384)
        for w in words:
            h = int.from_bytes(hashlib.sha256(w.encode()).digest()[:4], "little")
            vector[h % 384] += 1.0 if h & 1 << 20 else -1.0
        vector /= np.linalg.norm(vector) or 1.0
        phrases = tuple(w for w, _ in Counter(words).most_common(15))
        first = re.split(r"(?<=[.!?])\\s+", doc.text)[0]
        note = Annotation(key=paper.key, keyphrases=phrases, methods_introduced=(), methods_mentioned=(),
                          datasets=(), summary=first, embedding=tuple(round(float(x), EMBEDDING_DIGITS) for x in vector))
        write_json(folder / f"{cache_key(doc, settings, vocabulary)}.json", asdict(note))
    print(len(papers))
""")


def seed_annotations(project: Path) -> int:
    done = subprocess.run([sys.executable, "-c", SEED_SCRIPT, str(project)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return int(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- analysis cost

ANALYSIS_SCRIPT = textwrap.dedent("""
    import json, re, sys, time
    from pathlib import Path
    import bibtexparser
    from annobib.analyze import Document, analyze_documents
    from annobib.analyze.distributed import analyze_in_chunks
    from annobib.analyze.loaders import load_encoder, load_spacy
    from annobib.config import Settings
    from annobib.corpus.latex import to_text
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    entries = bibtexparser.parse_string(text).entries
    docs = [Document(id=e.key, text=to_text(e["abstract"]), title=to_text(e["title"])) for e in entries]
    settings = Settings()
    nlp, encoder = load_spacy(settings.analyze_spacy_model), load_encoder(settings.analyze_encoder_model)
    analyze_documents(docs[:8], settings)                 # warm up both models
    started = time.perf_counter()
    encoder.encode([f"{d.title}. {d.text}" for d in docs], batch_size=32, show_progress_bar=False)
    encode = time.perf_counter() - started
    started = time.perf_counter()
    list(nlp.pipe([d.text for d in docs], batch_size=64))
    spacy_full = time.perf_counter() - started
    started = time.perf_counter()
    list(analyze_in_chunks(docs, settings))
    here = time.perf_counter() - started
    from annobib.analyze.worker import ModelProcesses
    with ModelProcesses() as models:                     # the build's path (analyze_models_apart: auto)
        list(analyze_in_chunks(docs[:8], settings, models=models))   # both processes started and warm
        started = time.perf_counter()
        list(analyze_in_chunks(docs, settings, models=models))
        apart = time.perf_counter() - started
    print("BENCH " + json.dumps({"documents": len(docs), "encode": encode, "spacy_full": spacy_full,
                                 "analysis": apart, "analysis_one_process": here}))
""")


def analysis_cost(count: int, tmp: Path) -> dict:
    """The site's analysis path over `count` papers / one encode() pass over the same texts."""
    corpus = tmp / f"analysis-{count}.bib"
    corpus.write_text("\n".join(paper_entries(count)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", ANALYSIS_SCRIPT, str(corpus)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    line = next(l for l in done.stdout.splitlines() if l.startswith("BENCH "))
    return json.loads(line[len("BENCH "):])


# --------------------------------------------------------------------------- one size

def run_size(count: int, tmp: Path, overrides: dict, log, seeded: bool = False, keep: Path | None = None,
             full: bool = True) -> dict:
    """Every build of one size, in order. With `keep`, the project stays in that folder and a
    later run reuses its cold build (figures in n<N>-cold.json) and analysis cache."""
    project, cold_file = (keep or tmp) / f"n{count}", (keep or tmp) / f"n{count}-cold.json"
    out = {"papers": count, "seeded": seeded}
    if keep and cold_file.is_file() and project.is_dir():
        out["cold"] = json.loads(cold_file.read_text(encoding="utf-8"))
        log(f"[{count}] cold build of an earlier run reused: {out['cold']['seconds']:.1f} s")
        out["settle"] = timed_build(project, overrides)
        log(f"[{count}] first build with this code {out['settle']['seconds']:.1f} s  stages {fmt_stages(out['settle'])}")
    else:
        make_project(project, count)
        log(f"[{count}] project {project}")
        if seeded:
            log(f"[{count}] seeded {seed_annotations(project)} stand-in annotations (analysis not measured)")
        out["cold"] = timed_build(project, overrides)
        cold_file.write_text(json.dumps(out["cold"]), encoding="utf-8")
        log(f"[{count}] cold {out['cold']['seconds']:.1f} s  stages {fmt_stages(out['cold'])}")
    site = project / "site"
    out["site_bytes"], out["site_files"] = site_bytes(site)
    try:
        out["search"] = search_transfer(site)
        log(f"[{count}] search {out['search']}")
    except Exception as exc:  # noqa: BLE001 - report, do not lose the build figures
        out["search"] = {"error": f"{exc.__class__.__name__}: {exc}"[:300]}
        log(f"[{count}] search measurement failed: {out['search']['error']}")
    for name in ("same", "again"):
        out[name] = timed_build(project, overrides)
        log(f"[{count}] no-change ({name}) {out[name]['seconds']:.1f} s  stages {fmt_stages(out[name])}")
    out["forced"] = timed_build(project, {**overrides, "force": True})
    log(f"[{count}] no-change, --force {out['forced']['seconds']:.1f} s  stages {fmt_stages(out['forced'])}")
    if full:
        _page_cache_off(project, overrides, site, out, log)
    append_papers(project, count, 1)
    out["one"] = timed_build(project, overrides)
    log(f"[{count}] one paper {out['one']['seconds']:.1f} s  stages {fmt_stages(out['one'])}")
    append_papers(project, count + 1, 10)
    out["ten"] = timed_build(project, overrides)
    log(f"[{count}] ten papers {out['ten']['seconds']:.1f} s  stages {fmt_stages(out['ten'])}")
    out["percent_changed"] = len(change_abstracts(project, 0.01))
    out["percent"] = timed_build(project, overrides)
    log(f"[{count}] 1% changed ({out['percent_changed']}) {out['percent']['seconds']:.1f} s  stages {fmt_stages(out['percent'])}")
    if not keep:
        shutil.rmtree(project, ignore_errors=True)
    return out


def _page_cache_off(project: Path, overrides: dict, site: Path, out: dict, log) -> None:
    """The no-change rebuild with every page rendered by MkDocs (page cache off), with
    Material's lunr search and the trimmed index: MkDocs' share, and the other search."""
    out["full"] = timed_build(project, {**overrides, "render_page_cache": False, "render_search": "lunr"})
    log(f"[{out['papers']}] no-change, all pages rendered, lunr {out['full']['seconds']:.1f} s  stages {fmt_stages(out['full'])}")
    try:
        out["search_lunr"] = search_transfer(site, query=out["search"].get("query"))
        log(f"[{out['papers']}] lunr search {out['search_lunr']}")
    except Exception as exc:  # noqa: BLE001
        out["search_lunr"] = {"error": f"{exc.__class__.__name__}: {exc}"[:300]}


STAGES = ("load", "analyze", "organize", "render", "mkdocs", "search", "publish")


def fmt_stages(result: dict) -> str:
    stages = result.get("stages", {})
    return " ".join(f"{s} {stages[s]:.1f}" for s in STAGES if s in stages)


def tree_mb(build: dict) -> str:
    """The build's processes together (TreeMemory); "-" for figures taken before it was sampled."""
    return f"{build['tree_rss_mb']:,.0f}" if "tree_rss_mb" in build else "-"


def table(results: list[dict]) -> list[str]:
    rows = ["| papers | run | wall | of cold | s/paper | analysed | MkDocs pages rendered / reused | "
            "peak RSS: build process / its processes together | models imported into the build process | load | analyze | organize | render | MkDocs | search | publish |",
            "|---:|---|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        cold = r["cold"]["seconds"]
        for name, label in (("cold", "cold build"), ("settle", "first build with this code (earlier cold build's cache)"),
                            ("same", "no-change rebuild, right after the first"), ("again", "no-change rebuild"),
                            ("forced", "no-change rebuild, --force (every stage run)"),
                            ("full", "no-change, page cache off (MkDocs renders all), lunr"),
                            ("one", "one-paper update"), ("ten", "ten-paper update"),
                            ("percent", f"1% of abstracts revised ({r.get('percent_changed', 0)} papers)")):
            b = r.get(name)
            if not b:
                continue
            st = b.get("stages", {})
            pages = "-" if b.get("rendered") is None else f"{b['rendered']} / {b['reused']}"
            if r.get("seeded") and name == "cold":
                label = "cold build, analysis seeded (not run)"
            rows.append(
                f"| {r['papers']}{'*' if r.get('seeded') else ''} | {label} | {b['seconds']:.1f} s | {b['seconds'] / cold:.1%} | "
                f"{b['seconds'] / r['papers']:.3f} | {b['analysed']} | {pages} | "
                f"{b['rss_mb']:,.0f} / {tree_mb(b)} MiB | {', '.join(b['loaded']) or 'none'} | "
                + " | ".join(f"{st[s]:.1f}" if s in st else "-" for s in STAGES) + " |")
    return rows


def search_rows(results: list[dict]) -> list[str]:
    rows = ["| papers | search | query | home page load (gzip) | after load, to first result (gzip) | "
            "search files (gzip) | total to first result (gzip) | keystroke to result | found |",
            "|---:|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        for key, engine in (("search", "Pagefind"), ("search_lunr", "lunr, trimmed index")):
            s = r.get(key, {})
            if "error" in s or not s:
                error = s.get("error", "not measured").splitlines()[0].replace("|", "/")
                rows.append(f"| {r['papers']} | {engine} | - | {error} | | | | | |")
                continue
            found = {True: "yes", False: "no", None: "-"}[s["found"]]
            rows.append(f"| {r['papers']} | {engine}; site {r['site_bytes'] / 1e6:.0f} MB ({r['site_files']} files) | "
                        f"`{s['query']}` | {s['home_gzip'] / 1024:.0f} KB | {s['after_load_gzip'] / 1024:.0f} KB | "
                        f"{s['search_files_gzip'] / 1024:.0f} KB | {s['total_gzip'] / 1024:.0f} KB | "
                        f"{s['first_result_ms']:.0f} ms | {found} |")
    return rows


def write_section(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                        help="a setting override for every build, e.g. render_search='\"lunr\"'")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--seeded", default="", metavar="N,N",
                        help="sizes built with stand-in annotations written into the cache first: every "
                             "stage but analysis at sizes whose analysis does not fit the session")
    parser.add_argument("--analysis", type=int, default=300, metavar="N",
                        help="papers for the analysis-cost figure (0: skip)")
    parser.add_argument("--corpus-only", nargs=2, metavar=("DIR", "N"), help="write an N-paper project and stop")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="make the projects in DIR and keep them; a later run reuses their cold build")
    parser.add_argument("--no-full", action="store_true",
                        help="skip the no-change rebuild with the page cache off (MkDocs renders every page)")
    args = parser.parse_args()
    if args.corpus_only:
        make_project(Path(args.corpus_only[0]), int(args.corpus_only[1]))
        return 0
    overrides = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    log = lambda line: print(line, flush=True)  # noqa: E731
    load_before = os.getloadavg()[0]
    started = datetime.now(timezone.utc)
    results, cost = [], None
    with tempfile.TemporaryDirectory(prefix="annobib-bench-scale-") as tmp:
        if args.analysis:
            cost = analysis_cost(args.analysis, Path(tmp))
            log(f"analysis cost: {cost}")
        sizes = [(int(s), False) for s in args.sizes.split(",") if s]
        sizes += [(int(s), True) for s in args.seeded.split(",") if s]
        for count, seeded in sizes:
            try:
                results.append(run_size(count, Path(tmp), overrides, log, seeded, keep=args.keep,
                                        full=not args.no_full))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                log(f"[{count}] stopped: {str(exc)[-2000:]}")
                break
            if args.json:
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    load_after = os.getloadavg()[0]
    sys.path.insert(0, str(ROOT / "bench"))
    from build import machine  # noqa: E402 - the build benchmark's machine line

    body = [SECTION, "",
            f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}; 1-minute load average {load_before:.1f} "
            f"before, {load_after:.1f} after (above 2: other jobs shared the 2 cores, times are upper bounds).",
            f"Command: `nice -n 10 .venv/bin/python bench/scale.py --sizes {args.sizes}"
            + (f" --seeded {args.seeded}" if args.seeded else "")
            + "".join(f" --set {s}" for s in args.set) + "` (one run; corpus and method in the script's docstring).",
            "", *table(results), "",
            "`*`: stand-in annotations written into the cache before the cold build (frequent words as "
            "keyphrases, a hashed bag of words as embedding): every stage but analysis, at sizes whose "
            "analysis does not fit the session; the one- and ten-paper updates do run the analysis.", "",
            *search_rows(results), ""]
    if cost:
        body += [f"Analysis cost ({cost['documents']} papers of the same corpus, models loaded and warm): "
                 f"the site's analysis path (`analyze_in_chunks` in the two model processes, as a build runs it) "
                 f"{cost['analysis']:.1f} s = {cost['analysis'] / cost['documents']:.3f} s/paper = "
                 f"**{cost['analysis'] / cost['encode']:.2f}x** one `encoder.encode()` pass over the same titles + "
                 f"abstracts ({cost['encode']:.1f} s); the same in one process (`analyze_models_apart: never`): "
                 f"{cost['analysis_one_process']:.1f} s = {cost['analysis_one_process'] / cost['encode']:.2f}x; "
                 f"spaCy's full pipeline alone: {cost['spacy_full']:.1f} s.", ""]
    section = "\n".join(body)
    print("\n" + section)
    if not args.no_write and (results or cost):
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())

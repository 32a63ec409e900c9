"""MkDocs + Material against Zensical (`site_generator`) on the same project: build and no-change rebuild.

    nice -n 5 .venv/bin/python bench/generators.py --project PATH     # a project whose analysis cache is warm
    nice -n 5 .venv/bin/python bench/generators.py --papers 3000      # bench/scale.py's corpus, seeded annotations

One preparing build (MkDocs) fills the analysis, organize and reference caches, so what
follows differs only in the generator. Two copies of the prepared project, without site/,
without the MkDocs page cache and without Pagefind bundles: A builds with MkDocs, B with
Zensical. Order: A build, B build, A no-change rebuild, B no-change rebuild, each in a fresh
interpreter timed from outside, with the time of each stage measured inside (bench/scale.py's
method; `generator` = the MkDocs or Zensical run, with the page cache's bookkeeping for MkDocs;
`search` = Pagefind, MkDocs only). Prints a Markdown table and, with --json, writes the figures.
Writes nothing into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import scale  # noqa: E402 - bench/scale.py, beside this file

BUILD_SCRIPT = scale.STAGE_TIMER + textwrap.dedent("""
    import annobib.render.search as search, annobib.render.incremental as incremental
    timed(check, "check_project", "load")
    timed(build, "annotate_papers", "analyze")
    timed(build, "_organize", "organize")
    timed(render, "render_site", "render")
    timed(build, "_run_mkdocs", "generator")
    timed(incremental, "prepare", "generator")
    timed(incremental, "restore_reused", "generator")
    timed(build, "_run_zensical", "generator")
    timed(search, "build_search_index", "search")
    timed(build, "check_conservation", "publish")
    timed(build, "publish", "publish")
    from annobib.config import load_settings
    root = Path(sys.argv[1])
    overrides = json.loads(sys.argv[2])
    force = overrides.pop("force", False)
    summary = build.build_site(root, load_settings(root, **overrides), progress=False, force=force)
    me = resource.getrusage(resource.RUSAGE_SELF)
    print("BENCH " + json.dumps({"papers": summary.paper_pages, "analysed": summary.analysed, "stages": stages,
                                 "rendered": summary.pages_rendered, "reused": summary.pages_reused,
                                 "rss_mb": me.ru_maxrss / 1024}))
""")
STAGES = ("load", "analyze", "organize", "render", "generator", "search", "publish")


def timed_build(root: Path, overrides: dict) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(root), json.dumps(overrides)],
                          capture_output=True, text=True, cwd=root)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"build failed in {root}:\n{done.stderr[-4000:]}")
    line = next(l for l in done.stdout.splitlines() if l.startswith("BENCH "))
    return {**json.loads(line[len("BENCH "):]), "seconds": wall}


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def prepared_copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("site", "site.old", "staging-*", "pages", "pagefind-*", "annobib.lock"))
    return dest


def site_figures(site: Path) -> dict:
    """Site size, and the search index a reader's browser fetches before a first result:
    Zensical's search.json whole (gzip as a server would send it); Pagefind's is fetched in
    chunks, so its total on disk is given instead."""
    import gzip

    files = [p for p in site.rglob("*") if p.is_file()]
    figures = {"site_mb": sum(p.stat().st_size for p in files) / 1e6, "site_files": len(files)}
    if (site / "search.json").is_file():
        data = (site / "search.json").read_bytes()
        figures.update(search_index_kb=len(data) / 1e3, search_index_gzip_kb=len(gzip.compress(data)) / 1e3)
    elif (site / "pagefind").is_dir():
        figures.update(pagefind_kb=sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file()) / 1e3)
    return figures


def run(project: Path, tmp: Path, log) -> list[dict]:
    log(f"preparing build (MkDocs) of {project}, load {_load()}")
    prep = timed_build(project, {"site_generator": "mkdocs"})
    log(f"  {prep['seconds']:.1f} s, {prep['papers']} paper pages, analysed {prep['analysed']}")
    copies = {name: prepared_copy(project, tmp / name) for name in ("mkdocs", "zensical")}
    rows = []
    for run_name in ("build", "no-change rebuild"):
        for generator, root in copies.items():
            load = _load()
            # A rebuild of unchanged inputs would stop at once (build_stamp.py): --force runs
            # every stage, which is what the two generators are compared on.
            result = timed_build(root, {"site_generator": generator, "force": run_name != "build"})
            result.update(generator=generator, run=run_name, load=load, **site_figures(root / "site"))
            rows.append(result)
            log(f"  {generator} {run_name}: {result['seconds']:.1f} s (load {load}) "
                + " ".join(f"{s} {result['stages'].get(s, 0):.1f}" for s in STAGES))
    return rows


def table(rows: list[dict]) -> list[str]:
    out = ["| generator | run | wall | pages rendered / reused | load avg (1/5/15 min) at start | "
           + " | ".join(STAGES) + " |",
           "|---|---|---:|---|---|" + "---:|" * len(STAGES)]
    for r in rows:
        out.append(f"| {r['generator']} | {r['run']} | {r['seconds']:.1f} s | {r['rendered']} / {r['reused']} | "
                   f"{r['load']} | " + " | ".join(f"{r['stages'].get(s, 0):.1f}" for s in STAGES) + " |")
    builds = {r["generator"]: r for r in rows if r["run"] == "build"}
    for name, r in builds.items():
        index = (f"search.json {r['search_index_kb']:.0f} KB ({r['search_index_gzip_kb']:.0f} KB gzip), fetched whole"
                 if "search_index_kb" in r else f"Pagefind bundle {r.get('pagefind_kb', 0):.0f} KB on disk, fetched in chunks")
        out.append(f"\n{name}: site {r['site_mb']:.1f} MB in {r['site_files']} files; {index}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--project", type=Path, help="a project folder with a warm analysis cache (copied, not changed)")
    where.add_argument("--papers", type=int, help="bench/scale.py's N-paper corpus with seeded annotations")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    log = lambda line: print(line, file=sys.stderr, flush=True)   # noqa: E731
    with tempfile.TemporaryDirectory(prefix="annobib-generators-") as tmp:
        tmp = Path(tmp)
        if args.project:
            project = prepared_copy(args.project.resolve(), tmp / "project")
        else:
            project = scale.make_project(tmp / "project", args.papers)
            log(f"seeded {scale.seed_annotations(project)} stand-in annotations")
        rows = run(project, tmp, log)
    print("\n".join(table(rows)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Analysis on a Dask cluster: serial vs local Dask workers on this machine, and what N machines give.

    nice -n 10 .venv/bin/python bench/dask_workers.py --docs 256                   # print only
    nice -n 10 .venv/bin/python bench/dask_workers.py --docs 256 --write-results   # + bench/RESULTS.md
    .venv/bin/python bench/dask_workers.py --report-from runs.json   # the section again from --json runs.json

Documents: real public abstracts, the Inspec collection (`bench/data/inspec`, Hulth 2003, as in
bench/scale.py): papers 1..D (id order) are the measured batch, the last papers of the collection
the warm-up chunks. They are made `Paper` records (title and abstract as BibTeX values, as
bench/scale.py writes them) and turned into analysis documents by `analyze.paper_document`, language
detected, as `annotate_papers` does; that is done once, in this process, so every scenario reads the
same documents. Each scenario then runs in a fresh interpreter (models loaded the same way in each)
through the build's own path, `analyze.distributed.analyze_in_chunks` (what `annotate_papers` calls
for the papers its cache lacks; no cache is involved, so nothing is served from one):

  serial    this process, torch's default threads (both cores here): the default build;
  serial-1t this process, `analyze_threads: 1` (one core; the reference the 2x1 cluster must equal);
  dask-2x1  a Dask LocalCluster of 2 worker processes x 1 thread, `analyze_threads: 1`;
  dask-1x2  a Dask LocalCluster of 1 worker process x 2 threads, `analyze_threads: 0` (a worker
            then gives each chunk every core of its machine: 2 torch threads per chunk here); the
            layout of a plain `dask worker ADDRESS` (one process, a thread per core);
  dask-1x1  a Dask LocalCluster of 1 worker process x 1 thread, `analyze_threads: 0` (one chunk at
            a time on 2 torch threads: `dask worker ADDRESS --nthreads 1`).

In each: `fixed` = from the interpreter's start to the end of a first tiny chunk (4 papers; on a
cluster one such chunk per worker process, so every worker has loaded its models): imports,
cluster start, model loads; `batch` = the D papers afterwards, in chunks of `analyze_chunk_size`
(128, the default) on the warm process / cluster; `s/paper` = batch / D; `wall` = the whole fresh
process as timed from outside (start, warm-up, batch, shutdown). On a cluster also: each task's
compute time on its worker (Dask's task stream), the batch time outside those computations
(scheduling, transfer, result collection), the round trip of an empty task, the bytes a chunk
sends and gets back, and the workers' resident memory; in every scenario the CPU seconds of the
analysing processes during the batch (less dependent on other jobs than wall time; the model of an
idle machine uses them). Scenarios run in rounds, the order
reversed every other round, so a shared machine's load falls on all alike; the 1-minute load
average is recorded before and after each run.

Identity: the cluster's annotations of the batch are compared, field by field, with those of every
serial run (the code promises byte-identical output for the same
chunks and the same thread count: dask-2x1 vs serial-1t, dask-1x2 and dask-1x1 vs serial, here 2
threads each); the pairs with different thread counts are compared as well and reported as such.
A scenario that fails (an exception on a worker) is recorded with its error, not retried.

The model for N machines of this kind is written from these figures (see `model()`): parts that
are measured here and parts that are not (more than one machine) are named in the output.

Only the `## Analysis on a Dask cluster` section of bench/RESULTS.md is rewritten.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SECTION = "## Analysis on a Dask cluster"
WARM_CHUNK = 4          # papers in each warm-up chunk
SCENARIOS = {           # name: (worker processes, threads per worker, analyze_threads); 0 workers = serial
    "serial": (0, 0, 0),
    "serial-1t": (0, 0, 1),
    "dask-2x1": (2, 1, 1),
    "dask-1x2": (1, 2, 0),
    "dask-1x1": (1, 1, 0),
}
PROMISED = {"dask-2x1": "serial-1t", "dask-1x2": "serial", "dask-1x1": "serial"}   # same chunks and thread count
CROSS = {"dask-2x1": "serial", "dask-1x2": "serial-1t", "dask-1x1": "serial-1t"}   # other thread count: not promised
MODEL_PAPERS = (10_000,)
MODEL_MACHINES = (1, 2, 4, 8)


# --------------------------------------------------------------------------- documents

def documents(count: int, warm: int) -> tuple[list[dict], list[dict]]:
    """(batch, warm-up) analysis documents, as dicts: Inspec papers 1..count, and the last `warm`."""
    sys.path.insert(0, str(BENCH))
    from scale import _bib_text, inspec_documents   # noqa: E402 - the scale benchmark's corpus helpers

    from annobib.analyze import paper_document
    from annobib.analyze.language import detect_language
    from annobib.models import Paper

    inspec = inspec_documents()
    if count + warm > len(inspec):
        raise SystemExit(f"--docs {count}: the Inspec collection has {len(inspec)} documents "
                         f"({warm} are kept for the warm-up)")

    def as_documents(rows):
        papers = [Paper(key=f"inspec{doc_id}", entry_type="article", title=_bib_text(title),
                        abstract=_bib_text(abstract), source="inspec.bib") for doc_id, title, abstract in rows]
        return [asdict(paper_document(p, detect_language)) for p in papers]

    return as_documents(inspec[:count]), as_documents(inspec[-warm:])


# --------------------------------------------------------------------------- one scenario (child)

def _noop(x=None):
    return x


def child(name: str, docs_file: Path, out_file: Path, launched: float, chunk: int) -> None:
    """One scenario in this fresh interpreter; writes its figures and annotations to `out_file`."""
    workers, threads_per_worker, analyze_threads = SCENARIOS[name]
    imported = time.time()
    from dataclasses import replace

    from annobib.analyze import Document
    from annobib.analyze.distributed import analyze_in_chunks
    from annobib.config import Settings

    data = json.loads(docs_file.read_text(encoding="utf-8"))
    batch = [Document(**{**d, "keywords": tuple(d["keywords"])}) for d in data["batch"]]
    warm = [Document(**{**d, "keywords": tuple(d["keywords"])}) for d in data["warm"]]
    settings = Settings(analyze_threads=analyze_threads, analyze_chunk_size=chunk)
    out = {"scenario": name, "workers": workers, "threads_per_worker": threads_per_worker,
           "analyze_threads": analyze_threads, "papers": len(batch), "chunk": chunk,
           "python_start": imported - launched}
    cluster = client = None
    if workers:
        from distributed import Client, LocalCluster, get_task_stream

        started = time.time()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                               dashboard_address=None)
        client = Client(cluster, set_as_default=False)
        client.wait_for_workers(workers)
        out["cluster_start"] = time.time() - started
        settings = replace(settings, analyze_scheduler=cluster.scheduler_address)
    annotations, stage = None, "warm-up"
    try:
        started = time.time()
        slots = max(1, workers)
        list(analyze_in_chunks(warm[:WARM_CHUNK * slots], replace(settings, analyze_chunk_size=WARM_CHUNK)))
        done = time.time()
        out["warm"] = done - started
        out["fixed"] = done - launched
        if client:
            loaded = client.run(_models_loaded)
            out["warm_workers_with_models"] = sum(bool(v) for v in loaded.values())
        stage = "batch"
        cpu_before = client.run(_cpu_seconds) if client else _cpu_seconds()
        started = time.time()
        if client:
            try:
                with get_task_stream(client=client) as stream:   # its data arrives when the block ends
                    annotations = list(analyze_in_chunks(batch, settings))
                    ended = time.time()
            finally:
                out.update(_stream_figures(stream.data, started, (ended if annotations else time.time()) - started))
            out["batch"] = ended - started
            cpu_after = client.run(_cpu_seconds)
            out["batch_cpu"] = sum(cpu_after[w] - cpu_before[w] for w in cpu_after if w in cpu_before)
            out.update(_overheads(client, batch, annotations, chunk))
            out["torch_threads"] = sorted(client.run(_torch_threads).values())
        else:
            annotations = list(analyze_in_chunks(batch, settings))
            out["batch"] = time.time() - started
            out["batch_cpu"] = _cpu_seconds() - cpu_before
            import resource

            import torch

            out["torch_threads"] = [torch.get_num_threads()]
            out["rss_mb"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
    except Exception as exc:   # noqa: BLE001 - a failing layout is a result: recorded, not retried
        cause = exc.__cause__ or exc
        out["error"] = f"{stage}: {cause.__class__.__name__}: {cause}"[:300]
    finally:
        if client:
            try:
                import psutil

                out["rss_mb"] = sorted(client.run(lambda: psutil.Process().memory_info().rss / 2**20).values())
            except Exception:   # noqa: BLE001 - memory is a side figure
                pass
            client.close()
            cluster.close()
    out["annotations"] = [asdict(a) for a in annotations] if annotations is not None else None
    out_file.write_text(json.dumps(out), encoding="utf-8")


def _models_loaded() -> bool:
    from annobib.analyze.loaders import _load_encoder, load_spacy

    return load_spacy.cache_info().currsize > 0 and _load_encoder.cache_info().currsize > 0


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process, all its threads."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _stream_figures(tasks: list[dict], started: float, batch: float) -> dict:
    """Per task: compute seconds on its worker; the batch's time outside any computation."""
    computes, spans = [], []
    for task in tasks:
        if not str(task.get("key", "")).startswith("analyze_chunk"):
            continue
        for step in task.get("startstops", ()):
            if step["action"] == "compute":
                computes.append(step["stop"] - step["start"])
                spans.append((step["start"], step["stop"]))
    if not spans:
        return {}
    spans.sort()
    covered, (lo, hi) = 0.0, spans[0]
    for a, b in spans[1:]:   # union of the compute intervals
        if a > hi:
            covered += hi - lo
            lo, hi = a, b
        else:
            hi = max(hi, b)
    covered += hi - lo
    return {"task_compute": computes, "outside_compute": batch - covered,
            "first_compute_after": spans[0][0] - started, "last_compute_to_end": started + batch - max(b for _, b in spans)}


def _overheads(client, batch, annotations, chunk: int) -> dict:
    """Round trip of an empty task; bytes of a chunk's documents and annotations; round trip of as many bytes."""
    import pickle

    trips = []
    for _ in range(20):
        t = time.perf_counter()
        client.submit(_noop, pure=False).result()
        trips.append(time.perf_counter() - t)
    sent = len(pickle.dumps(batch[:chunk], protocol=5))
    back = len(pickle.dumps(annotations[:chunk], protocol=5))
    payload = os.urandom(sent + back)
    carried = []
    for _ in range(5):
        t = time.perf_counter()
        client.submit(_noop, payload, pure=False).result()
        carried.append(time.perf_counter() - t)
    return {"empty_task_ms": statistics.median(trips) * 1000, "chunk_bytes_sent": sent, "chunk_bytes_back": back,
            "payload_task_ms": statistics.median(carried) * 1000}


# --------------------------------------------------------------------------- runs (parent)

def run_scenario(name: str, docs_file: Path, work: Path, chunk: int, log) -> dict:
    out_file = work / f"{name}-{time.time_ns()}.json"
    load_before = os.getloadavg()[0]
    launched = time.time()
    done = subprocess.run([sys.executable, __file__, "--child", name, "--docs-file", str(docs_file),
                           "--out", str(out_file), "--launched", repr(launched), "--chunk", str(chunk)],
                          capture_output=True, text=True, cwd=ROOT, timeout=3600)
    wall = time.time() - launched
    load_after = os.getloadavg()[0]
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(out_file.read_text(encoding="utf-8"))
    out_file.unlink()
    result.update(wall=wall, load_before=load_before, load_after=load_after)
    if "error" in result:
        log(f"  {name:9} FAILED after {wall:.1f} s: {result['error']}  load {load_before:.2f} -> {load_after:.2f}")
        return result
    log(f"  {name:9} wall {wall:6.1f} s  fixed {result['fixed']:5.1f} s  batch {result['batch']:6.1f} s  "
        f"{result['batch'] / result['papers']:.3f} s/paper  load {load_before:.2f} -> {load_after:.2f}"
        + (f"  tasks {', '.join(f'{c:.1f}' for c in result.get('task_compute', []))} s"
           f"  outside compute {result.get('outside_compute', 0):.2f} s" if result["workers"] else ""))
    return result


def compare(a: list[dict], b: list[dict]) -> dict:
    """Papers whose annotations differ, by field; the largest embedding difference."""
    by_key = {x["key"]: x for x in b}
    papers, fields, largest = 0, {}, 0.0
    for x in a:
        y = by_key.get(x["key"])
        if y is None:
            papers += 1
            fields["missing"] = fields.get("missing", 0) + 1
            continue
        differing = [f for f in x if x[f] != y[f]]
        if differing:
            papers += 1
        for f in differing:
            fields[f] = fields.get(f, 0) + 1
        if "embedding" in differing:
            largest = max(largest, max(abs(p - q) for p, q in zip(x["embedding"], y["embedding"])))
    same_bytes = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return {"papers": papers, "of": len(a), "fields": fields, "largest_embedding_diff": largest,
            "identical": same_bytes}


# --------------------------------------------------------------------------- the model

def chunk_makespan(papers: int, chunk: int, slots: int, per_paper_slot: float, per_chunk: float) -> float:
    """Chunks in corpus order, each taken by the first free slot (Dask's behaviour for equal tasks)."""
    sizes = [min(chunk, papers - i) for i in range(0, papers, chunk)]
    free = [0.0] * slots
    for size in sizes:
        i = min(range(slots), key=free.__getitem__)
        free[i] += size * per_paper_slot + per_chunk
    return max(free)


def model(summary: dict, chunk: int) -> dict | None:
    """Figures of the model for N machines like this one (2 cores each), from the measured medians:
    the cluster layout with the best warm rate that ran without failing."""
    usable = [n for n, v in summary.items()   # a layout that failed in any run is not one to recommend
              if SCENARIOS[n][0] and v.get("runs") and not v.get("failed") and v.get("task_compute")]
    if not usable or not summary.get("serial", {}).get("runs"):
        return None
    best = min(usable, key=lambda n: summary[n]["per_paper"])
    s = summary[best]
    workers, threads, _ = SCENARIOS[best]
    slots_per_machine = workers * threads
    slot_rate = statistics.median(s["task_compute"]) / chunk   # one slot's seconds per paper, the others busy too
    per_chunk = s["outside_compute_per_chunk"]
    fixed = s["fixed"]
    serial = summary["serial"]
    serial_total = {p: serial["fixed"] + p * serial["per_paper"] for p in MODEL_PAPERS}
    # An idle machine (modelled): each of its 2 cores runs a one-thread worker process at the CPU time
    # per paper measured for 2x1 (both processes busy at once), or for the one-thread serial run.
    idle_source = "dask-2x1" if summary.get("dask-2x1", {}).get("runs") else "serial-1t"
    idle_slot = summary[idle_source]["cpu_per_paper"]
    rows = []
    for papers in MODEL_PAPERS:
        for machines in MODEL_MACHINES:
            ideal = fixed + papers * s["per_paper"] / machines
            chunked = fixed + chunk_makespan(papers, chunk, slots_per_machine * machines, slot_rate, per_chunk)
            idle = fixed + chunk_makespan(papers, chunk, 2 * machines, idle_slot, per_chunk)
            rows.append({"papers": papers, "machines": machines, "ideal": ideal, "chunked": chunked,
                         "speedup": serial_total[papers] / chunked, "idle": idle})
    return {"config": best, "slots_per_machine": slots_per_machine, "slot_rate": slot_rate,
            "per_chunk": per_chunk, "fixed": fixed, "model_load": s["warm"], "machine_rate": s["per_paper"],
            "serial_rate": serial["per_paper"], "serial_fixed": serial["fixed"], "serial_total": serial_total,
            "idle_source": idle_source, "idle_slot": idle_slot, "rows": rows}


# --------------------------------------------------------------------------- report

def summarise(runs: list[dict]) -> dict:
    out = {}
    for name in SCENARIOS:
        tried = [r for r in runs if r["scenario"] == name]
        mine = [r for r in tried if "error" not in r]
        if not tried:
            continue
        if not mine:
            out[name] = {"runs": 0, "failed": len(tried), "errors": sorted({r["error"] for r in tried})}
            continue
        med = lambda key: statistics.median(r[key] for r in mine)   # noqa: E731
        entry = {"runs": len(mine), "failed": len(tried) - len(mine),
                 "errors": sorted({r["error"] for r in tried if "error" in r}), "wall": med("wall"), "fixed": med("fixed"), "batch": med("batch"),
                 "per_paper": statistics.median(r["batch"] / r["papers"] for r in mine),
                 "cpu_per_paper": statistics.median(r["batch_cpu"] / r["papers"] for r in mine),
                 "python_start": med("python_start"), "warm": med("warm"),
                 "rss_mb": max(max(r.get("rss_mb") or [0]) for r in mine)}
        if mine[0]["workers"]:
            chunks = math.ceil(mine[0]["papers"] / mine[0]["chunk"])
            entry.update(cluster_start=med("cluster_start"),
                         task_compute=[c for r in mine for c in r.get("task_compute", [])],
                         outside_compute=med("outside_compute"),
                         outside_compute_per_chunk=statistics.median(r["outside_compute"] / chunks for r in mine),
                         empty_task_ms=med("empty_task_ms"), payload_task_ms=med("payload_task_ms"),
                         chunk_bytes_sent=mine[0]["chunk_bytes_sent"], chunk_bytes_back=mine[0]["chunk_bytes_back"])
        out[name] = entry
    return out


def identity(runs: list[dict]) -> list[dict]:
    """Every cluster run against the serial runs of its reference, same round first."""
    rows = []
    runs = [r for r in runs if r.get("annotations") is not None]
    for run in runs:
        if not run["workers"]:
            continue
        for reference, promised in ((PROMISED[run["scenario"]], True), (CROSS[run["scenario"]], False)):
            for other in runs:
                if other["scenario"] == reference:
                    rows.append({"cluster": run["scenario"], "cluster_round": run["round"], "serial": reference,
                                 "serial_round": other["round"], "promised": promised,
                                 **compare(run["annotations"], other["annotations"])})
    serials = {}
    for run in runs:   # serial against itself across rounds (determinism)
        if not run["workers"]:
            serials.setdefault(run["scenario"], []).append(run)
    for name, same in serials.items():
        for a, b in zip(same, same[1:]):
            rows.append({"cluster": name, "cluster_round": a["round"], "serial": name, "serial_round": b["round"],
                         "promised": True, **compare(a["annotations"], b["annotations"])})
    return rows


def _differences(row: dict) -> str:
    if row["identical"]:
        return "identical (same bytes)"
    fields = ", ".join(f"{f} {n}" for f, n in sorted(row["fields"].items()))
    extra = f"; largest embedding difference {row['largest_embedding_diff']:.1e}" if row["largest_embedding_diff"] else ""
    return f"**{row['papers']} of {row['of']} papers differ** ({fields}{extra})"


LABELS = {"serial": "serial, torch default threads (2): the default build",
          "serial-1t": "serial, `analyze_threads: 1` (one core)",
          "dask-2x1": "LocalCluster 2 processes x 1 thread, `analyze_threads: 1`",
          "dask-1x2": "LocalCluster 1 process x 2 threads, `analyze_threads: 0` (plain `dask worker`)",
          "dask-1x1": "LocalCluster 1 process x 1 thread, `analyze_threads: 0` (2 torch threads)"}


def report(args, runs, summary, same, fig, started, load_first, load_last, total) -> str:
    sys.path.insert(0, str(BENCH))
    from build import machine   # noqa: E402 - the build benchmark's machine line

    papers, chunk = args.docs, args.chunk
    chunks = math.ceil(papers / chunk)
    command = (f"nice -n 10 .venv/bin/python bench/dask_workers.py --docs {papers} --rounds {args.rounds}"
               + (f" --chunk {chunk}" if chunk != 128 else "")
               + (f" --scenarios {args.scenarios}" if args.scenarios != ",".join(SCENARIOS) else "") + " --write-results")
    lines = [SECTION, "",
             f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()} (shared with other jobs; 1-minute load "
             f"average {load_first:.2f} at the start, {load_last:.2f} at the end, per run below), torch CPU. "
             f"Command: `{command}` ({total / 60:.1f} min). Method in the script's docstring: {papers} Inspec "
             f"abstracts ({chunks} chunks of {chunk}) through the build's `analyze_in_chunks`, each scenario in "
             f"a fresh interpreter, {args.rounds} rounds in alternating order; medians over the rounds.", "",
             "| scenario | runs ok / tried | wall (fresh process, all) | fixed: start, models, first 4-paper chunk "
             "| of which cluster start | batch of " + str(papers) + " (warm) | s/paper (warm) | papers/s "
             "| CPU s/paper (all processes) | RSS per process |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in summary.items():
        tried = s["runs"] + s["failed"]
        if not s["runs"]:
            lines.append(f"| {LABELS[name]} | 0 / {tried} | failed: {'; '.join(s['errors'])} | | | | | | | |")
            continue
        lines.append(f"| {LABELS[name]} | {s['runs']} / {tried} | {s['wall']:.1f} s | {s['fixed']:.1f} s | "
                     + (f"{s['cluster_start']:.1f} s" if "cluster_start" in s else "-")
                     + f" | {s['batch']:.1f} s | {s['per_paper']:.3f} | {1 / s['per_paper']:.2f} | {s['cpu_per_paper']:.3f} "
                     f"| {s['rss_mb'] / 1024:.2f} GB |")
    failed = {n: v for n, v in summary.items() if v.get("failed")}
    one, two = summary.get("serial-1t", {}), summary.get("serial", {})
    if one.get("runs") and two.get("runs") and one["per_paper"] < two["per_paper"]:
        lines += [f"**Threads on a shared machine**: one torch thread ({one['per_paper']:.3f} s/paper) was "
                  f"faster than the default two ({two['per_paper']:.3f}) in these runs, with other jobs on the "
                  f"2 cores (load averages above 2): two intra-op threads wait for each other when one of them "
                  f"is descheduled (CPU s/paper {two['cpu_per_paper']:.3f} against {one['cpu_per_paper']:.3f}). "
                  f"On an idle machine this is not measured here; the comparisons against the serial default "
                  f"below carry this load effect.", ""]
    lines += ["", "RSS: serial, the process's peak; cluster, each worker process after the batch (largest). "
              "CPU s/paper: user + system CPU seconds of the analysing processes during the batch, per paper "
              "(with 2 torch threads it includes the time their threads spin waiting for each other).", ""]
    for name, v in failed.items():
        lines += [f"**{name} failed in {v['failed']} of {v['runs'] + v['failed']} runs**: "
                  f"{'; '.join(v['errors'])}. " + (
                      "Two chunks ran at once in one worker process and shared its one Hugging Face fast "
                      "tokenizer, which does not allow concurrent calls (huggingface/tokenizers#537): a worker "
                      "with more than one thread (what a plain `dask worker ADDRESS` starts on a multi-core "
                      "machine) failed at random. Since this was found, `analyze_chunk` runs one chunk at a time "
                      "per process (a lock; tests/test_scale.py): a run of the code before that fix failed here. "
                      "One process per core (`--nworkers c --nthreads 1`) uses a machine fully."
                      if any("Already borrowed" in e for e in v["errors"]) else ""), ""]
    lines += [
              "Every run, in the order they ran:", "",
              "| round | scenario | wall | fixed | batch | s/paper | CPU s/paper | torch threads | tasks' compute on the workers "
              "| batch outside compute | load before -> after |", "|---:|---|---:|---:|---:|---:|---:|---|---|---:|---|"]
    for r in runs:
        tasks = ", ".join(f"{c:.1f}" for c in r.get("task_compute", [])) or "-"
        outside = f"{r['outside_compute']:.2f} s" if "outside_compute" in r and "error" not in r else "-"
        threads = ", ".join(str(t) for t in r.get("torch_threads", [])) or "-"
        if "error" in r:
            lines.append(f"| {r['round']} | {r['scenario']} | {r['wall']:.1f} s | "
                         + (f"{r['fixed']:.1f} s" if "fixed" in r else "-")
                         + f" | **failed**: {r['error']} | | | {threads} | {tasks} | | "
                         f"{r['load_before']:.2f} -> {r['load_after']:.2f} |")
            continue
        lines.append(f"| {r['round']} | {r['scenario']} | {r['wall']:.1f} s | {r['fixed']:.1f} s | {r['batch']:.1f} s | "
                     f"{r['batch'] / r['papers']:.3f} | {r['batch_cpu'] / r['papers']:.3f} | {threads} | {tasks} | {outside} | "
                     f"{r['load_before']:.2f} -> {r['load_after']:.2f} |")
    lines += ["", "**Identity** of the batch's annotations, each cluster run against the serial runs "
              "(promised: same chunks and same thread count):", ""]
    for row in same:
        kind = "promised" if row["promised"] else "not promised (other thread count)"
        lines.append(f"- {row['cluster']} (round {row['cluster_round']}) vs {row['serial']} (round {row['serial_round']}), "
                     f"{kind}: {_differences(row)}")
    if not fig:
        return "\n".join(lines) + "\n"
    d = summary[fig["config"]]
    lines += ["", f"**Overheads on the local cluster** ({fig['config']}, medians): the batch's time outside any "
              f"chunk's computation (submit, scheduling, results back) {d['outside_compute']:.2f} s for {chunks} "
              f"chunks = {d['outside_compute_per_chunk']:.2f} s per chunk; an empty task's round trip "
              f"{d['empty_task_ms']:.1f} ms; a chunk sends {d['chunk_bytes_sent'] / 1024:.0f} KB of documents and "
              f"gets back {d['chunk_bytes_back'] / 1024:.0f} KB of annotations (pickled), a task carrying as many "
              f"bytes {d['payload_task_ms']:.1f} ms here; between machines those bytes take "
              f"{(d['chunk_bytes_sent'] + d['chunk_bytes_back']) * 8 / 1e9 * 1000:.0f} ms per chunk at 1 Gbit/s "
              f"(modelled). Cluster start {d['cluster_start']:.1f} s; first chunk on every worker (the models "
              f"loaded in each, in parallel) {d['warm']:.1f} s."]
    best_label = {"dask-2x1": f"{fig['slots_per_machine']} worker processes x 1 thread per machine "
                              "(`dask worker ADDRESS --nworkers 2 --nthreads 1`, `analyze_threads: 1`)",
                  "dask-1x1": "1 worker process x 1 thread per machine, 2 torch threads "
                              "(`dask worker ADDRESS --nthreads 1`)",
                  "dask-1x2": "1 worker process x 2 threads per machine (`dask worker ADDRESS`)"}[fig["config"]]
    lines += ["", "**What a user with N machines should expect** (only one machine exists here: the rows past "
              "N = 1 are a model built on the figures measured above):", "",
              "    time(N) ~= fixed + chunks placed on N x slots (each chunk: its papers x s_per_paper_slot + per-chunk overhead)",
              "            ~= fixed + papers x s_per_paper_machine / N                     (ideal: chunks divide evenly)",
              "",
              f"Layout: the fastest that worked here, {best_label}. Measured on this machine: fixed = "
              f"{fig['fixed']:.1f} s (interpreter, cluster start, models loaded by each worker in parallel, first "
              f"chunk; it does not grow with N; where the workers are started beforehand, as with `dask worker` "
              f"on each machine, the part left is the first chunk with its model load, {fig['model_load']:.1f} s); "
              f"s_per_paper_machine = {fig['machine_rate']:.3f} s (warm batch / papers, both cores busy); "
              f"s_per_paper_slot = {fig['slot_rate']:.3f} s (a task's compute / {chunk}, with the machine's "
              f"other slot busy); per-chunk overhead {fig['per_chunk']:.2f} s (localhost). Modelled: more "
              f"machines (linear: the chunks are independent and the workers share nothing), the network "
              f"(the bytes above), the order Dask places the chunks in (first free slot).", "",
              f"The last column models machines like this one when idle: each core a one-thread worker at "
              f"the CPU time per paper measured ({fig['idle_source']}: {fig['idle_slot']:.3f} s), the same "
              f"fixed cost and chunk placement.", "",
              "| papers | machines like this (2 cores) | modelled, chunks placed (rates as measured) "
              "| modelled, ideal | vs one machine, serial (default build, as measured) "
              "| modelled, idle machines (CPU time) |", "|---:|---:|---:|---:|---:|---:|"]
    for row in fig["rows"]:
        lines.append(f"| {row['papers']:,} | {row['machines']} | {row['chunked'] / 60:.1f} min | "
                     f"{row['ideal'] / 60:.1f} min | {row['speedup']:.2f}x | {row['idle'] / 60:.1f} min |")
    lines += ["", f"One machine without Dask (serial, the default): {fig['serial_fixed']:.1f} s fixed + "
              f"{fig['serial_rate']:.3f} s/paper = "
              + ", ".join(f"{t / 60:.1f} min for {int(p):,} papers" for p, t in fig["serial_total"].items())
              + f" (extrapolated linearly from the {papers}-paper batch; memory stays bounded by the chunk). "
              f"Machines of c cores: c worker processes x 1 thread each (`--nworkers c --nthreads 1`, "
              f"`analyze_threads: 1`), each process with its own models "
              f"({summary.get('dask-2x1', {}).get('rss_mb', 0) / 1024:.2f} GB resident here), give about "
              f"time ~= fixed + papers x {fig['slot_rate']:.3f} s / (N x c) while there are at least N x c chunks "
              f"({chunk} papers each): modelled, assuming the per-core rate measured here with 2 processes at once "
              f"holds for c (memory bandwidth and turbo make it an upper bound on the speed-up)."]
    return "\n".join(lines) + "\n"


def report_from(args) -> int:
    """The section again from a --json file (the annotations' comparison is in it already)."""
    data = json.loads(args.report_from.read_text(encoding="utf-8"))
    meta = data["meta"]
    for key in ("docs", "rounds", "chunk", "scenarios"):
        setattr(args, key, meta[key])
    section = report(args, data["runs"], data["summary"], data["identity"], data["model"],
                     datetime.fromisoformat(meta["started"]), meta["load_first"], meta["load_last"], meta["total"])
    print(section)
    if args.write_results:
        sys.path.insert(0, str(BENCH))
        from results_file import replace_section   # noqa: E402

        replace_section(SECTION, section)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=256, help="papers in each scenario's measured batch")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every scenario, order alternating")
    parser.add_argument("--chunk", type=int, default=128, help="analyze_chunk_size (the default: 128)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="which scenarios, comma-separated")
    parser.add_argument("--write-results", action="store_true", help="rewrite this section of bench/RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write every run's figures here (annotations left out)")
    parser.add_argument("--report-from", type=Path, metavar="JSON",
                        help="print (and with --write-results write) the section from a --json file, no runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--docs-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.docs_file, args.out, args.launched, args.chunk)
        return 0
    log = lambda line: print(line, flush=True)   # noqa: E731
    if args.report_from:
        return report_from(args)
    names = [n for n in args.scenarios.split(",") if n]
    began, started = time.time(), datetime.now(timezone.utc)
    load_first = os.getloadavg()[0]
    runs = []
    with tempfile.TemporaryDirectory(prefix="annobib-bench-dask-") as tmp:
        batch, warm = documents(args.docs, WARM_CHUNK * 2)
        docs_file = Path(tmp) / "documents.json"
        docs_file.write_text(json.dumps({"batch": batch, "warm": warm}), encoding="utf-8")
        log(f"{len(batch)} batch + {len(warm)} warm-up documents; scenarios {names}, {args.rounds} rounds")
        for round_ in range(1, args.rounds + 1):
            log(f"round {round_}")
            for name in (names if round_ % 2 else names[::-1]):
                runs.append({**run_scenario(name, docs_file, Path(tmp), args.chunk, log), "round": round_})
    load_last = os.getloadavg()[0]
    summary = summarise(runs)
    same = identity(runs)
    fig = model(summary, args.chunk)
    if args.json:
        meta = {"started": started.isoformat(), "load_first": load_first, "load_last": load_last,
                "total": time.time() - began, "docs": args.docs, "rounds": args.rounds, "chunk": args.chunk,
                "scenarios": args.scenarios}
        args.json.write_text(json.dumps({"meta": meta, "summary": summary, "identity": same, "model": fig,
                                         "runs": [{k: v for k, v in r.items() if k != "annotations"} for r in runs]},
                                        indent=1), encoding="utf-8")
    section = report(args, runs, summary, same, fig, started, load_first, load_last, time.time() - began)
    print("\n" + section)
    if args.write_results:
        sys.path.insert(0, str(BENCH))
        from results_file import replace_section   # noqa: E402

        replace_section(SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())

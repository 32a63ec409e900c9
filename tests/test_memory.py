"""Memory between analysis chunks (analyze/distributed.py `release_memory`).

A chunk's transient memory (parses, token vectors, padded batches) is freed when the
chunk ends, but glibc keeps freed pages of its heap resident; without a trim after each
chunk the process grew by about 0.14 MB per analysed paper (measurements: the module
docstring of analyze/distributed.py). These tests stand in for a chunk with one that
leaves 96 MB of freed, fragmented heap behind (below a block it keeps, so the heap's top
cannot shrink by itself) and check that the chunked loop hands it back before the next
chunk and after the last one, on the serial path and on a Dask worker's path.
"""
from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from annobib.analyze import distributed

FREED_MB = 96

# Runs in a fresh interpreter: a clean heap, and RSS that only this loop moves.
SCRIPT = f"""
import ctypes, dataclasses, json, sys
import annobib.analyze as analyze
from annobib.analyze import distributed
from annobib.config import Settings

libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
BLOCK = 64 * 1024                        # under the mmap threshold: from the heap
kept = []

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

def chunk_like(documents, settings, progress=False, vocabulary=None):
    blocks = [libc.malloc(BLOCK) for _ in range({FREED_MB} * 16)]
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)   # touched: resident
    kept.append(libc.malloc(BLOCK))      # still live, from the heap's top: above the freed blocks
    for block in blocks:
        libc.free(block)
    return [f"annotation of {{d}}" for d in documents]

if sys.argv[1] == "without":
    distributed.release_memory = lambda: False
analyze.analyze_documents = chunk_like
settings = dataclasses.replace(Settings(), analyze_chunk_size=2, analyze_scheduler=None, analyze_threads=0)
start = rss_mb()
after = []                               # RSS when each chunk's last annotation was taken
out = []
if sys.argv[2] == "serial":
    loop = distributed.analyze_in_chunks([f"d{{i}}" for i in range(8)], settings)
    for i, annotation in enumerate(loop):
        out.append(annotation)
    final = rss_mb()
else:                                    # what a Dask worker runs for each task
    for part in distributed.chunks([f"d{{i}}" for i in range(8)], 2):
        out += distributed.analyze_chunk(part, settings)
        after.append(rss_mb() - start)
    final = rss_mb()
print(json.dumps({{"final": final - start, "after": after, "out": out}}))
"""


def _run(mode: str, path: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode, path], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


needs_trim = pytest.mark.skipif(distributed._malloc_trim() is None or not sys.platform.startswith("linux"),
                                reason="glibc's malloc_trim is not available here")


@needs_trim
@pytest.mark.parametrize("path", ["serial", "worker"])
def test_memory_freed_by_a_chunk_is_handed_back(path):
    kept = _run("without", path)
    released = _run("with", path)
    expected = [f"annotation of d{i}" for i in range(8)]
    assert kept["out"] == released["out"] == expected   # the loop's output does not change
    # The stand-in really leaves its freed memory resident without the release ...
    assert kept["final"] > FREED_MB * 0.8, kept
    # ... and the chunked loop gives it back (after every chunk on a worker, after the last here).
    assert released["final"] < FREED_MB * 0.3, released
    for grown in released["after"]:
        assert grown < FREED_MB * 0.3, released


@needs_trim
def test_every_serial_chunk_is_released_after_the_caller_took_its_annotations(monkeypatch):
    import annobib.analyze as analyze
    from dataclasses import replace

    from annobib.config import Settings

    events = []
    monkeypatch.setattr(analyze, "analyze_documents",
                        lambda part, settings, progress=False, vocabulary=None: [f"a-{d}" for d in part])
    monkeypatch.setattr(distributed, "release_memory", lambda: events.append("release") or True)
    settings = replace(Settings(), analyze_chunk_size=2, analyze_scheduler=None, analyze_threads=0)
    for annotation in distributed.analyze_in_chunks(["x", "y", "z"], settings):
        events.append(annotation)
    assert events == ["a-x", "a-y", "release", "a-z", "release"]


def test_release_memory_collects_cycles():
    import weakref

    class Node:
        pass

    node = Node()
    node.me = node                       # a cycle: only the collector frees it
    ref = weakref.ref(node)
    del node
    gc.disable()
    try:
        distributed.release_memory()
    finally:
        gc.enable()
    assert ref() is None


def test_a_build_lets_go_of_spacy_after_analysis():
    """Nothing after the analysis reads the spaCy pipeline, so a build frees it before
    organize, whose clustering is the peak of a large build: after a real analysis no other
    reference keeps it. In a fresh interpreter: other tests' fixtures hold pipelines."""
    script = """
import gc, weakref
from annobib.analyze import Document, analyze_documents, loaders
from annobib.config import Settings
text = "We propose a new neural network for image segmentation. It beats the baselines."
analyze_documents([Document(id="a", text=text)], Settings())
held = weakref.ref(loaders.load_spacy(Settings().analyze_spacy_model))
loaders.release_spacy()
gc.collect()
print("freed" if held() is None and loaders.load_spacy.cache_info().currsize == 0 else "held")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "freed", "the pipeline is still referenced after release_spacy()"


def test_loaded_models_are_kept_out_of_the_collectors_walks():
    """Once the models are loaded, their objects (PyTorch, transformers, spaCy) are frozen out
    of the cyclic collector's generations, so the later full collections of a build do not
    walk them again (most of a small update's fixed cost); garbage made afterwards is still
    collected. In a fresh interpreter, where nothing else is loaded."""
    script = """
import gc, weakref
from annobib.analyze import Document, analyze_documents
from annobib.config import Settings
text = "We propose a new neural network for image segmentation. It beats the baselines."
analyze_documents([Document(id="a", text=text)], Settings())
tracked, frozen = len(gc.get_objects()), gc.get_freeze_count()
class Node: pass
node = Node(); node.me = node
ref = weakref.ref(node); del node
gc.collect()
print(tracked, frozen, ref() is None)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    tracked, frozen, collected = done.stdout.split()[-3:]
    assert int(frozen) > 5 * int(tracked), f"{frozen} objects frozen, {tracked} still walked by every collection"
    assert collected == "True", "a cycle made after the models loaded was not collected"


def test_a_build_sets_the_collector_as_it_wants_and_gives_it_back_even_when_it_fails():
    """While a build runs, young collections are rare (its objects mostly live to its end);
    after it, failed or not, the caller's thresholds are back and nothing is left frozen."""
    before = gc.get_threshold()
    try:
        with distributed.build_collection():
            assert gc.get_threshold() == distributed.BUILD_GC_THRESHOLDS
            distributed.release_memory(keep_survivors=True)
            assert gc.get_freeze_count() > 0
            raise RuntimeError("a stage failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0

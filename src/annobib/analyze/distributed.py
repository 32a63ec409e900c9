"""Analysis in chunks: one after another on this machine, or spread over a Dask cluster.

The papers the annotation cache lacks are cut into consecutive chunks of
`analyze_chunk_size` papers (in corpus order). Each chunk is one `analyze_documents`
call: one spaCy pass, one encoder pass over its documents, one over its distinct
candidate phrases. Serially the chunks run in turn, so memory is bounded by one chunk,
not by the corpus; in the two model processes (analyze/worker.py) each chunk's halves
run in turn too (`read_chunk`, `encode_chunk`), the next chunk's reading beside this
chunk's encoding, so two chunks are held at most. With `analyze_scheduler` (a Dask
scheduler address, or `annobib build --scheduler ADDRESS`) every chunk is one task on the cluster: the
workers need annobib and the models installed (the same `pip install 'annobib[site]'`),
the client needs `annobib[cluster]`. The results come back to the build, which writes
the cache as usual, under the same keys: a cluster run and a laptop run share the cache.

Why the same chunks in both paths: the encoder's floats depend (in the last bits) on
which texts share a padded batch and on the number of threads, so byte-identical
output across the two paths needs the same chunks and the same thread count (set
`analyze_threads` on both sides to be sure; 0 = the machine's default, and on a worker,
where Dask starts processes with one BLAS thread, every core of the worker's machine).

Dask, not Ray: for this job (a map over independent chunks, results gathered in order)
both do the same; `dask[distributed]` adds about a dozen pure-Python packages (34 MB
installed here, dask 17 MB, distributed 7 MB) and a worker is one `dask worker ADDRESS`
command on any machine with Python, while Ray brings a binary runtime with its own object
store and dashboard processes (not installed or measured here). Figures: bench/RESULTS.md.

Memory between chunks (`release_memory`): a chunk's parses, token vectors and padded
batches (about 330 MB at 128 papers) are freed when it ends, but glibc's malloc keeps
the freed pages of its heaps resident, and each chunk's batches have other sizes, so
the next chunk does not refill the same holes: the process kept growing (0.12-0.14 MB
per analysed paper) although each chunk's own working set stays the same, and the
later stages started from that. After every chunk (here, and on a Dask worker) the
cyclic garbage is collected and the free pages go back to the system (`malloc_trim`;
only memory is affected, the annotations are the same bytes). Measured on 1,200
papers: 840 MB resident after analysis instead of 1,197, cold-build peak 1,219 MB
instead of 1,291; what remains grows by 0.025 MB per paper (the annotations kept).
"""
from __future__ import annotations

import ctypes
import functools
import gc
import os
import sys
import threading
from contextlib import contextmanager

from ..errors import ClusterError   # the catalogue of errors; importable from here too

DEFAULT_CHUNK = 128


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's `malloc_trim`, or None (another C library, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):   # musl and others have none
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_memory(keep_survivors: bool = False) -> bool:
    """Collect cyclic garbage and give the heaps' free pages back to the system; False
    where the C library cannot (then only the collection happens).

    `keep_survivors`: then move every object still alive out of the collector's later walks
    (`gc.freeze`). A build asks for it at a stage's end, when what is alive lives to the
    build's end (the corpus, the annotations, the organized bibliography): without it, each
    of the 30-odd full collections of a one-paper update at 10,000 papers walked them
    again, 6.7 s in all. Frozen objects are still freed when their last reference goes;
    the build puts them back for the collector when it ends (`gc.unfreeze`)."""
    gc.collect()
    if keep_survivors:
        gc.freeze()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


# The collector's thresholds while a build runs: a young collection every 50,000 allocations,
# not 700, so a build whose objects mostly live to its end is not walked hundreds of times.
# A one-paper update at 10,000 papers spent 4.7 s in the collector with the defaults and
# 1.5 s with these (gc callbacks, bench/RESULTS.md "## Scale"); garbage cycles wait at
# most 50,000 allocations longer, and a build still collects at every stage's end.
BUILD_GC_THRESHOLDS = (50_000, 20, 10)


@contextmanager
def build_collection():
    """The cyclic collector as a build wants it (BUILD_GC_THRESHOLDS), and as it was after:
    the thresholds restored and what the build froze (`release_memory(keep_survivors=True)`)
    handed back to it."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def chunks(items: list, size: int) -> list[list]:
    size = max(1, int(size or DEFAULT_CHUNK))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _set_threads(threads: int) -> None:
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


# One chunk at a time per process. A plain `dask worker ADDRESS` runs as many tasks at once
# as its machine has cores, in threads of one process, and those share the process's one
# encoder, whose Hugging Face tokenizer fails when two threads call it at once ("Already
# borrowed", huggingface/tokenizers#537). A chunk uses every core through torch's threads.
_ONE_CHUNK_AT_A_TIME = threading.Lock()


def analyze_chunk(documents: list, settings, threads: int = 0, vocabulary=None) -> list:
    """One chunk, where it runs (this process or a Dask worker); threads -1: every core here."""
    from . import analyze_documents

    with _ONE_CHUNK_AT_A_TIME:
        _set_threads(os.cpu_count() or 1 if threads < 0 else threads)
        annotations = analyze_documents(documents, settings, progress=False, vocabulary=vocabulary)
        release_memory()   # a worker runs many chunks: the same growth as here (module docstring)
    return annotations


def analyze_in_chunks(documents: list, settings, progress: bool = False, vocabulary=None, models=None):
    """Yield the annotations of `documents` in their order, chunk by chunk (so the caller
    can cache each chunk as it arrives): serial by default, in `models` (a
    `worker.ModelProcesses`) when given, on Dask when `settings.analyze_scheduler` names a
    scheduler."""
    if not documents:
        return
    parts = chunks(documents, settings.analyze_chunk_size)
    address = settings.analyze_scheduler
    threads = settings.analyze_threads
    if address:
        yield from on_cluster(parts, settings, address, threads, vocabulary)
        return
    if models is not None:
        yield from in_model_processes(models, parts, settings, threads, vocabulary, progress)
        return
    from . import analyze_documents

    _set_threads(threads)
    for part in parts:
        annotations = analyze_documents(part, settings, progress=progress, vocabulary=vocabulary)
        yield from annotations
        del annotations
        release_memory()   # after the caller has cached the chunk, before the next one


def read_chunk(documents: list, settings, vocabulary=None):
    """spaCy's half of a chunk (`analyze.read_documents`), in the process that runs it."""
    from . import read_documents
    from .loaders import load_spacy

    with _ONE_CHUNK_AT_A_TIME:
        read = read_documents(documents, load_spacy(settings.analyze_spacy_model), vocabulary)
        release_memory()
    return read


def encode_chunk(documents: list, prepared, settings, threads: int = 0) -> list:
    """The encoder's half of a chunk (`analyze.encode_documents`), with `threads` as a
    whole chunk's analysis has them (`analyze_chunk`)."""
    from . import encode_documents
    from .loaders import encoder_for

    with _ONE_CHUNK_AT_A_TIME:
        _set_threads(threads)
        encoded = encode_documents(documents, prepared, encoder_for(settings))
        release_memory()
    return encoded


def in_model_processes(models, parts: list[list], settings, threads: int, vocabulary, progress: bool):
    """The serial path's chunks, in the same order, in the two model processes
    (analyze/worker.py): spaCy reads the next chunk while the encoder scores this one;
    yields each chunk's annotations as they are joined."""
    from . import _progress, annotations_of

    done = _progress(None, sum(map(len, parts)), "analysing", progress)   # a bar, or None
    try:
        models.reader.call_ahead(read_chunk, parts[0], settings, vocabulary)
        for index, part in enumerate(parts):
            read = models.reader.result()
            if index + 1 < len(parts):
                models.reader.call_ahead(read_chunk, parts[index + 1], settings, vocabulary)
            encoded = models.encoder.call(encode_chunk, part, read.prepared, settings, threads)
            annotations = annotations_of(part, read, encoded)
            yield from annotations
            if done is not None:
                done.update(len(annotations))
    finally:
        if done is not None:
            done.close()


def dask_client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(f"analyze_scheduler is set ({address}) but Dask is not installed: "
                           "pip install 'annobib[cluster]'") from None
    try:
        return Client(address, set_as_default=False, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def on_cluster(parts: list[list], settings, address: str, threads: int = 0, vocabulary=None):
    """Every chunk one task; yields the annotations in chunk order as chunks finish."""
    client = dask_client(address)
    try:
        # A worker's processes start with one BLAS thread (Dask's default): -1 uses its cores.
        futures = client.map(analyze_chunk, parts, settings=settings, threads=threads or -1,
                             vocabulary=vocabulary, pure=False)
        for future in futures:
            try:
                part = future.result()
            except Exception as exc:   # noqa: BLE001 - a worker's error arrives as its own type
                raise ClusterError(f"analysis failed on the cluster at {address}: "
                                   f"{exc.__class__.__name__}: {exc}") from exc
            yield from part
    finally:
        client.close()

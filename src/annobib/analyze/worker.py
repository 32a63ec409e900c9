"""The models in a process of their own, for a large corpus.

Importing PyTorch and sentence-transformers costs a build process about 400 MB that it
never gives back (the libraries stay mapped; dropping the models and trimming the heap
returns only their ~50 MB), and a 10,000-paper build carries that through organize,
render and MkDocs, where its peak is. With `analyze_models_apart` the analysis chunks and
the theme labels' phrase encoding run in one spawned process (`ModelProcess`) that exits
when that work is done, so the build process never imports the models.

`analyze_models_apart`: "auto" (the default) takes this path for a corpus of
`APART_FROM` papers or more, where the memory matters; a small build keeps the models
in its own process, which saves starting a second interpreter (about a second) on every
update. "always" and "never" choose it outright.

The same chunks run the same code (`distributed.analyze_chunk`) with the same thread
count as in the build process, so the annotations are the same bytes, and the cache keys
do not depend on where the work ran.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import ModelProcessError

APART_FROM = 1000            # papers in the corpus from which "auto" runs the models apart


def models_apart(settings, papers: int) -> bool:
    """Whether this build runs its models in their own process (module docstring)."""
    choice = getattr(settings, "analyze_models_apart", "auto")
    return choice == "always" or (choice == "auto" and papers >= APART_FROM)


class ModelProcess:
    """One spawned process that runs model work submitted to it, started on first use.

    Spawned, not forked: the build process holds threads and a large heap, and a fork would
    copy its address space. Use as a context manager; the process ends with the block."""

    def __init__(self):
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ModelProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def submit(self, function, *args, **kwargs):
        """A future of `function(*args, **kwargs)` run in the model process."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(function, *args, **kwargs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def result_of(future):
    """The future's value; its own error as raised in the model process, or
    `ModelProcessError` when that process died (killed, or out of memory)."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ModelProcessError(
            "the analysis process ended unexpectedly (killed, or out of memory?); the cache keeps "
            "every chunk finished before it, so a rebuild resumes there. analyze_models_apart: never "
            "runs the models in the build process") from exc

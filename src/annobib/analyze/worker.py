"""The models in processes of their own: spaCy in one, the encoder in another.

Importing PyTorch and sentence-transformers costs a build process about 400 MB that it
never gives back (the libraries stay mapped; dropping the models and trimming the heap
returns only their ~50 MB), and a 10,000-paper build carries that through organize,
render and MkDocs, where its peak is. With `analyze_models_apart` the analysis runs in two
model processes (`ModelProcesses`), started only for model work (a build starts them when a
corpus file changed, and stops them, unused, if no text turns out to be new: `stop`):

- the reading process loads spaCy and reads each chunk (parse, keyphrase candidates,
  names, summary: `distributed.read_chunk`); it ends when the analysis is done;
- the encoding process loads the encoder and scores each chunk's candidates
  (`distributed.encode_chunk`), then encodes the theme labels' new phrases, and ends once
  the themes are labelled.

The two load side by side (here spaCy's imports and pipeline about 0.8 s, without
PyTorch, which its pipeline does not use: `loaders.preload_spacy`; the encoder's about 4 s;
one interpreter runs imports one at a time whatever its threads), and the reading of one
chunk runs while the chunk before is encoded. The build process never imports the models.

`analyze_models_apart`: "auto" (the default) takes this path wherever the pipes can be
handed to a child (POSIX); "always" and "never" choose it outright; "never" runs both
halves in the build process, the encoder's imports in a thread beside spaCy's.

Both paths run the same halves (`analyze.read_documents`, `analyze.encode_documents`) with
the same thread count, so the annotations are the same bytes, and the cache keys do not
depend on where the work ran.

Why a plain `python -m annobib.analyze.worker`, not multiprocessing's spawn: spawn runs the
caller's main script again in the child, so a script that calls `build_site` without an
`if __name__ == "__main__":` guard would fail; this process imports only annobib.
Requests and replies are pickles over two pipes (`multiprocessing.connection.Connection`),
one call at a time per process.
"""
from __future__ import annotations

import os
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import NoReturn

from ..errors import ModelProcessError


def models_apart(settings) -> bool:
    """Whether this build runs its models in processes of their own (module docstring)."""
    choice = getattr(settings, "analyze_models_apart", "auto")
    # "auto" stays in-process where the pipes cannot be handed to a child (POSIX `pass_fds`).
    return choice == "always" or (choice == "auto" and os.name == "posix")


class ModelProcess:
    """A process that runs the model work it is given, started on the first call. Use as a
    context manager: the process ends with the block, or at `close()`."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._requests: Connection | None = None
        self._replies: Connection | None = None
        self._ahead = False       # a request sent by call_ahead whose reply is not read yet

    def __enter__(self) -> "ModelProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The running model process's id (None before the first call and after `close`)."""
        return self._process.pid if self._process else None

    def call(self, function, *args):
        """`function(*args)` run in the model process: its value, or its error raised here
        as itself; `ModelProcessError` when the process died (killed, or out of memory)."""
        self.call_ahead(function, *args)
        return self._reply()

    def call_ahead(self, function, *args) -> None:
        """Start `function(*args)` in the model process and return at once: the process works
        while this one does its own (the models load while the annotation cache is read).
        The next `call` waits for it first, and raises its error if it failed."""
        if self._process is None:
            self._start()
        if self._ahead:        # one request at a time: the one sent ahead is answered first
            self._reply()
        try:
            self._requests.send((function, args))
        except OSError as exc:
            self._died(exc)
        self._ahead = True

    def result(self):
        """The value of the request `call_ahead` sent (its error raised here as itself)."""
        if not self._ahead:
            raise RuntimeError("result(): no request was sent ahead")
        return self._reply()

    def _reply(self):
        self._ahead = False
        try:
            done, value = self._replies.recv()
        except (EOFError, OSError) as exc:
            self._died(exc)
        if not done:
            raise value
        return value

    def _died(self, exc: BaseException) -> NoReturn:
        self.close()
        raise ModelProcessError(
            "the analysis process ended unexpectedly (killed, or out of memory?); the cache keeps "
            "every chunk finished before it, so a rebuild resumes there. analyze_models_apart: never "
            "runs the models in the build process") from exc

    def _start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        # The child finds annobib (and everything else) where this process found it.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(request_read), str(reply_write)],
            pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL, env=env)
        os.close(request_read)
        os.close(reply_write)
        self._requests = Connection(request_write, readable=False)
        self._replies = Connection(reply_read, writable=False)

    def stop(self) -> None:
        """End the model process at once, whatever it is doing (a model it no longer needs
        is loading): unlike `close`, nothing it was asked is finished."""
        if self._process is not None:
            self._process.terminate()
        self.close()

    def close(self) -> None:
        """End the model process: it reads the end of its requests and exits."""
        if self._process is None:
            return
        self._requests.close()
        self._replies.close()
        self._process.wait()
        self._process = self._requests = self._replies = None
        self._ahead = False


class ModelProcesses:
    """The reading process (spaCy) and the encoding process, each a `ModelProcess` started on
    its first call (module docstring). A context manager: both end with the block."""

    def __init__(self):
        self.reader = ModelProcess()
        self.encoder = ModelProcess()
        self.loading = False     # both models asked to load (analyze._load_ahead)

    def __enter__(self) -> "ModelProcesses":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()
        self.encoder.close()

    def stop(self) -> None:
        """End both processes at once (their loads are not needed); a later load starts them again."""
        self.reader.stop()
        self.encoder.stop()
        self.loading = False


def serve(requests: Connection, replies: Connection) -> None:
    """The model process's loop: run each request, send back its value or its error."""
    while True:
        try:
            function, args = requests.recv()
        except EOFError:
            return
        try:
            reply = (True, function(*args))
        except Exception as exc:   # noqa: BLE001 - the caller raises it as itself
            reply = (False, exc)
        replies.send(reply)


if __name__ == "__main__":
    from .distributed import build_collection

    try:
        with build_collection():       # this process lives for one build's model work
            serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
    except (KeyboardInterrupt, BrokenPipeError):   # Ctrl-C reached the whole group; or the build is gone
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)   # skip the interpreter's teardown with PyTorch loaded (seconds); nothing is left to write

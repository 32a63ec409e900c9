"""One build at a time per project folder.

`build_lock(folder)` holds an exclusive `flock` on `folder/build/annobib.lock` for the
length of a build and writes the holder's pid, start time and command line into it, so
a second build can say which build is running. The kernel drops the lock when its
holder dies, however it dies (SIGKILL included), so a lock can never be left held by a
dead build; a lock file that is still on disk when a build starts means the build that
wrote it did not finish (a stale lock): `BuildLock.stale` carries what it recorded.
The file is removed when the build ends normally.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildLocked

LOCK_FILE = "annobib.lock"
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Holder:
    """What a build recorded in the lock file about itself."""

    pid: int | None
    started: str = ""
    command: str = ""

    def describe(self) -> str:
        parts = [f"pid {self.pid}" if self.pid else "pid unknown"]
        if self.started:
            parts.append(f"started {self.started}")
        if self.command:
            parts.append(f"'{self.command}'")
        return ", ".join(parts)


@dataclass(frozen=True)
class BuildLock:
    path: Path
    stale: Holder | None   # the holder of a lock whose build died without releasing it


def lock_path(folder: Path) -> Path:
    return folder / "build" / LOCK_FILE


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in a lock file; None when there is no file or it records nothing."""
    try:
        return parse_holder(path.read_bytes())
    except OSError:
        return None


def parse_holder(content: bytes) -> Holder | None:
    if not content.strip():
        return None
    try:
        data = json.loads(content)
        return Holder(pid=int(data["pid"]), started=str(data.get("started", "")),
                      command=str(data.get("command", "")))
    except (ValueError, KeyError, TypeError):
        return Holder(pid=None)


@contextmanager
def build_lock(folder: Path, wait: float = 0.0) -> Iterator[BuildLock]:
    """Hold the build lock of `folder`; wait up to `wait` seconds for a running build, then
    raise BuildLocked naming it."""
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                holder = read_holder(path) or Holder(pid=None)
                raise BuildLocked(f"another annobib build is running in {folder.resolve()} "
                                  f"({holder.describe()}); wait for it to finish") from None
            time.sleep(POLL_SECONDS)
            continue
        # The previous holder may have removed the file between our open and our lock:
        # then we hold a lock on a file nobody else can see, so start again.
        try:
            same_file = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same_file = False
        if same_file:
            break
        os.close(fd)
    try:
        stale = parse_holder(os.pread(fd, 65536, 0))   # a file we did not just create
        os.ftruncate(fd, 0)
        record = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else ""}
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
        yield BuildLock(path, stale)
    finally:
        # Unlink while still holding the lock, so nobody can lock the file we remove.
        try:
            path.unlink()
        except OSError:
            pass
        os.close(fd)

"""A build that survives being killed, run twice or stopped by a full disk.

- `guarded_build` wraps `build_site`: it holds the project's build lock (`lock.py`) for
  the whole build, first removes what an interrupted build left behind
  (`clean_leftovers`), and turns an OSError (disk full, permission denied, ...) into one
  `OutputNotWritable` line.
- The new site is built in `build/staging-*` and `publish` swaps it in with one atomic
  rename (Linux `renameat2(RENAME_EXCHANGE)`), so `site/` is at every instant either the
  previous site or the new one. Where the exchange is not available, two renames are
  used and a build killed between them leaves the previous site in `site.old/`, which
  the next build puts back before anything else.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .atomic import TMP_SUFFIX, temporary_path
from .errors import OutputNotWritable
from .lock import Holder, build_lock

BUILD_DIR = "build"
STAGING_PREFIX = "staging-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


def build_dir(root: Path) -> Path:
    """Absolute, because MkDocs runs in the project folder and is given paths inside it."""
    return Path(os.path.abspath(root)) / BUILD_DIR


def old_site(site_dir: Path) -> Path:
    """Where the previous site waits while two plain renames replace it."""
    return site_dir.with_name(site_dir.name + ".old")


def incoming_site(site_dir: Path) -> Path:
    """A copy of the new site next to site/, when build/ is on another filesystem or mount."""
    return site_dir.with_name(f".{site_dir.name}.incoming")


def remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


# --- leftovers of an interrupted build -----------------------------------------------

def clean_leftovers(root: Path, settings, stale: Holder | None = None) -> list[str]:
    """Remove (or, for site.old/, put back) what a killed build left; say what was done.

    Called with the build lock held, so nothing found here belongs to a running build.
    """
    site_dir = root / settings.render_site_dir
    done = []
    old = old_site(site_dir)
    if old.is_dir() and not os.path.lexists(site_dir):
        os.rename(old, site_dir)
        done.append(f"put the previous site back from {old.name}/")
    elif os.path.lexists(old):
        remove_tree(old)
        done.append(f"removed {old.name}/")
    removed = {"staging folder(s)": 0, "unfinished file(s)": 0}
    for leftover in [incoming_site(site_dir), *sorted(build_dir(root).glob(STAGING_PREFIX + "*"))]:
        if os.path.lexists(leftover):
            remove_tree(leftover)
            removed["staging folder(s)"] += 1
    cache = root / settings.analyze_cache_dir
    unfinished = sorted(cache.rglob("*" + TMP_SUFFIX)) if cache.is_dir() else []
    unfinished.append(temporary_path(root / settings.themes_file))
    for path in unfinished:
        if path.is_file():
            path.unlink(missing_ok=True)
            removed["unfinished file(s)"] += 1
    done += [f"removed {count} {what}" for what, count in removed.items() if count]
    if not done and stale is None:
        return []
    who = f" (the build with {stale.describe()} did not finish)" if stale else ""
    return [f"cleaned up after an interrupted build{who}: " + (", ".join(done) or "nothing was left behind")]


# --- publishing ----------------------------------------------------------------------

def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step; False when this system cannot (nothing changed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def _replace_by_renames(new_site: Path, site_dir: Path) -> None:
    old = old_site(site_dir)
    remove_tree(old)
    os.rename(site_dir, old)
    try:
        os.rename(new_site, site_dir)
    except BaseException:
        os.rename(old, site_dir)
        raise
    remove_tree(old)


def _put_in_place(new_site: Path, site_dir: Path, discard) -> None:
    if not os.path.lexists(site_dir):
        os.rename(new_site, site_dir)
    elif exchange(new_site, site_dir):
        discard(new_site)   # now the previous site
    else:
        _replace_by_renames(new_site, site_dir)


def publish(new_site: Path, site_dir: Path, discard=remove_tree) -> None:
    """Put the complete `new_site` at `site_dir`; `site_dir` is never missing or mixed
    (except between the two renames of the fallback, see the module docstring).
    `discard(path)`: removes the previous site once swapped out (`Removals.discard` moves
    it aside and removes it while the build finishes)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        _put_in_place(new_site, site_dir, discard)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # build/ and site/ are on different filesystems: copy next to site/, then swap.
        incoming = incoming_site(site_dir)
        remove_tree(incoming)
        shutil.copytree(new_site, incoming, symlinks=True)
        _put_in_place(incoming, site_dir, discard)


class Removals:
    """Folders removed in a helper thread while the build does its last steps, waited for
    when the build ends (`with Removals(root) as removals:` around them). The previous site
    is tens of thousands of files at 10,000 papers: removing them took seconds after the new
    site was in place, while the build still wrote its project files and stamp. A folder is
    first renamed to `build/staging-*` (when on the same filesystem), so a build killed
    meanwhile leaves a staging folder, which the next build removes (`clean_leftovers`)."""

    def __init__(self, root: Path):
        self.root, self._threads = root, []

    def discard(self, path: Path) -> None:
        aside = build_dir(self.root) / f"{STAGING_PREFIX}previous-{os.getpid()}-{len(self._threads)}"
        try:
            os.rename(path, aside)
        except OSError:
            aside = path     # another filesystem (a site next to the project's): removed where it is
        thread = threading.Thread(target=remove_tree, args=(aside,), name="annobib-removal")
        thread.start()
        self._threads.append(thread)

    def __enter__(self) -> "Removals":
        return self

    def __exit__(self, *exc_info) -> None:
        for thread in self._threads:
            thread.join()


# --- child processes ------------------------------------------------------------------

# Runs `python -m <module> <args>` in a child that the kernel kills when the build dies
# (Linux PR_SET_PDEATHSIG), so a killed build leaves no MkDocs writing into build/. When the
# module is done, what it leaves alive is frozen, so the interpreter's exit collection does
# not walk it (a second and more after MkDocs rendered 10,000 pages; as annobib's cli.run).
# Started with `ARGS_LATER` (`StartedModule`), it imports the modules named after it, then
# reads its arguments, a JSON list, from a line on stdin (none: it ends without running).
ARGS_LATER = "--annobib-args-from-stdin"
_DIE_WITH_PARENT = """\
import gc, json, os, runpy, signal, sys
parent = int(sys.argv.pop(1))
if sys.platform.startswith("linux"):
    import ctypes
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))
    except (OSError, AttributeError):
        pass
if os.getppid() != parent:
    sys.exit("the annobib build that started this process has ended")
module = sys.argv.pop(1)
if sys.argv[1:2] == [%r]:
    for name in sys.argv[2:]:
        try:
            __import__(name)
        except Exception:
            pass       # the module's own run meets the same problem and reports it
    line = sys.stdin.readline()
    if not line.strip():
        sys.exit(0)
    sys.argv[1:] = json.loads(line)
sys.argv[0] = module
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    gc.freeze()
""" % ARGS_LATER


def module_command(module: str, *args: str) -> list[str]:
    """The command line of `python -m module args`, run so that it dies with this process."""
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), module, *args]


class StartedModule:
    """`python -m module`, started now with `imports` imported, run when `run(*args)` is
    called: its interpreter's start and those imports overlap this process's work. Use as a
    context manager: a module never run is ended with the block."""

    def __init__(self, module: str, imports: tuple[str, ...] = (), **popen):
        """`popen`: `cwd`, `env` as for `subprocess.Popen`."""
        self._process = subprocess.Popen(
            [*module_command(module), ARGS_LATER, *imports], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)

    def __enter__(self) -> "StartedModule":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run the module with `args` and wait for it: its exit code and output."""
        stdout, stderr = self._process.communicate(json.dumps(list(args)) + "\n")
        return subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)

    @property
    def returncode(self) -> int | None:
        """The process's exit code; None while it waits or runs."""
        return self._process.poll()

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.communicate("\n")     # no arguments: it ends without running


# --- failed writes -------------------------------------------------------------------

OS_ERROR_LINE = re.compile(r"(?:\w+Error): \[Errno (\d+)\] (.+)")


def os_error_message(exc: OSError, site_dir: Path) -> str:
    code = errno.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    return (f"the build stopped: {where}{what}" + (f" [{code}]" if code else "")
            + f"; {site_dir} still holds the last complete site")


def os_error_in_output(output: str) -> str | None:
    """The last `OSError: [Errno N] ...` line a subprocess printed, if any."""
    found = OS_ERROR_LINE.findall(output or "")
    if not found:
        return None
    number, text = found[-1]
    code = errno.errorcode.get(int(number), "")
    return text.strip() + (f" [{code}]" if code else "")


@contextmanager
def failed_writes_reported(site_dir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputNotWritable(os_error_message(exc, site_dir)) from exc


# --- the guard around build_site ----------------------------------------------------

def guarded_build(build):
    """Decorate `build_site(root, settings, log=..., **options)`: one build at a time per
    project folder, leftovers of an interrupted build cleaned first, OSErrors as one line.
    Options after `log` are passed by keyword."""

    @functools.wraps(build)
    def guarded(root: Path, settings, log=lambda line: None, **options):
        root = Path(root)
        with failed_writes_reported(root / settings.render_site_dir), build_lock(root) as lock:
            for message in clean_leftovers(root, settings, lock.stale):
                log(message)
            return build(root, settings, log=log, **options)

    return guarded

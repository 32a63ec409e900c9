"""Faults a build must survive: being killed at any point, a second build in the same
folder, a write that fails (disk full, permission denied).

The fast tests drive the lock, the leftover clean-up, the swap and the cache directly.
The slow ones build the small fixture corpus: a module fixture makes one cold build that
is killed while it writes the analysis cache and then rebuilt (the models load in those
two processes only); every later build reuses that cache and loads no model. Kills are
injected by a runner script this file writes (it patches the build inside its own
process and SIGKILLs itself at the chosen point) or, for MkDocs, by SIGKILLing the build
from here once MkDocs has started writing the site. The product has no test hooks.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from annobib import staging
from annobib.analyze import AnnotateResult, _read_cached, annotate_papers, cache_key, paper_document
from annobib.atomic import temporary_path, write_json
from annobib.cli import main
from annobib.config import Settings
from annobib.errors import BuildLocked, OutputNotWritable
from annobib.lock import build_lock, lock_path, read_holder
from annobib.models import Annotation
from conftest import FIXTURES, copy_project

SETTINGS = Settings()
TIMEOUT = 600

# A process that holds the build lock of argv[1] until its stdin closes (or it is killed).
HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from annobib.lock import build_lock
    with build_lock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.read()
""")

# Runs `annobib build` on argv[1] with one fault injected in this process only (argv[2]).
RUNNER = textwrap.dedent("""
    import builtins, io, os, signal, sys, time
    from pathlib import Path

    root, hook = sys.argv[1], sys.argv[2]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if hook == "analysis":
        # killed while writing the cache: two entries written, the third half-written
        import annobib.analyze as analyze
        from annobib.atomic import temporary_path
        real_write, written = analyze._write_cached, []
        def write_cached(path, annotation):
            if len(written) == 2:
                temporary_path(path).write_text('{"key": "half', encoding="utf-8")
                die()
            written.append(path)
            real_write(path, annotation)
        analyze._write_cached = write_cached
    elif hook == "render":
        # killed while rendering Markdown into the staging folder: two files written
        real_open, opened = builtins.open, []
        def counting_open(file, mode="r", *args, **kwargs):
            name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
            if any(c in mode for c in "wax") and "/staging-" in name and "/docs/" in name:
                if len(opened) == 2:
                    die()
                opened.append(name)
            return real_open(file, mode, *args, **kwargs)
        builtins.open = io.open = counting_open
    elif hook in ("swap-before", "swap-after"):
        import annobib.staging as staging
        real_exchange = staging.exchange
        def exchange(a, b):
            if hook == "swap-before":
                die()
            swapped = real_exchange(a, b)
            die()
        staging.exchange = exchange
    elif hook == "swap-between-renames":
        # a system without an atomic exchange: killed between the two renames
        import annobib.staging as staging
        staging.exchange = lambda a, b: False
        real_rename = os.rename
        def rename(src, dst, *args, **kwargs):
            real_rename(src, dst, *args, **kwargs)
            if str(dst).endswith(".old"):
                die()
        os.rename = rename
    elif hook == "pause-before-publish":
        # holds the build (and its lock) just before the swap until argv[3] exists
        import annobib.staging as staging
        real_put = staging._put_in_place
        def put_in_place(new_site, site_dir, *discard):
            Path(sys.argv[3] + ".waiting").touch()
            while not Path(sys.argv[3]).exists():
                time.sleep(0.05)
            real_put(new_site, site_dir, *discard)
        staging._put_in_place = put_in_place
    else:
        sys.exit(f"unknown hook {hook}")

    from annobib.cli import main
    main(["build", "--root", root, "--quiet"])
""")

# Put on PYTHONPATH for MkDocs only: its writes of HTML pages fail with ENOSPC.
DISK_FULL_FOR_MKDOCS = textwrap.dedent("""
    import builtins, errno, os
    _open = builtins.open
    def open(file, mode="r", *args, **kwargs):
        name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
        if any(c in mode for c in "wax") and "/staging-" in name and name.endswith(".html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        return _open(file, mode, *args, **kwargs)
    builtins.open = open
""")


# --- helpers ---------------------------------------------------------------------------

def make_project(dest: Path) -> Path:
    return copy_project(dest, corpus=FIXTURES / "small_corpus")


def tree_hashes(folder: Path) -> dict[str, str] | None:
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def site_of(root: Path) -> dict[str, str] | None:
    return tree_hashes(root / SETTINGS.render_site_dir)


def leftovers(root: Path) -> list[str]:
    """Everything a finished build should not leave: anything in build/ but the cache,
    unfinished files in the cache, site.old/, the cross-filesystem copy, themes.yml.tmp."""
    found = []
    build = root / "build"
    cache = root / SETTINGS.analyze_cache_dir
    if build.is_dir():
        found += [p.name for p in build.iterdir() if p != cache]
    if cache.is_dir():
        found += [str(p.relative_to(root)) for p in cache.rglob("*.tmp")]
    site = root / SETTINGS.render_site_dir
    found += [p.name for p in (staging.old_site(site), staging.incoming_site(site),
                               temporary_path(root / SETTINGS.themes_file)) if os.path.lexists(p)]
    return sorted(found)


def cli_build(root: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annobib", "build", "--root", str(root), "--quiet"],
                          capture_output=True, text=True, timeout=TIMEOUT, env=env)


def run_with_hook(root: Path, tmp_path: Path, hook: str) -> subprocess.Popen:
    """The finished runner process (.pid, .returncode, .out, .err)."""
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(runner), str(root), hook],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.out, process.err = process.communicate(timeout=TIMEOUT)
    return process


def processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def wait_for(condition, seconds: float = 60.0, step: float = 0.01):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def bump_docs(root: Path, revision: str) -> None:
    """A change to a hand-written page: the next build makes a different site, no analysis."""
    with (root / "docs" / "about.md").open("a", encoding="utf-8") as page:
        page.write(f"\n\nRevision {revision}.\n")


def start_holder(root: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "no output"
    return lines[-1]


# --- one build at a time (two processes, no build needed) -------------------------------

def test_a_second_build_stops_with_one_line_naming_the_running_one(tmp_path):
    root = make_project(tmp_path / "project")
    holder = start_holder(root)
    try:
        done = cli_build(root)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"Error: another annobib build is running in {root.resolve()} (pid {holder.pid}, started ")
    assert line.endswith("); wait for it to finish")
    assert not (root / "site").exists() and leftovers(root) == []
    assert not lock_path(root).exists(), "a build that ends removes its lock file"


def test_a_build_lock_can_wait_for_the_running_build(tmp_path):
    holder = start_holder(tmp_path)
    with pytest.raises(BuildLocked, match=f"pid {holder.pid}"):
        with build_lock(tmp_path, wait=0.3):
            pass
    started = time.monotonic()
    subprocess.Popen(["sh", "-c", "sleep 0.5; kill $0", str(holder.pid)])
    with build_lock(tmp_path, wait=30) as lock:
        assert time.monotonic() - started >= 0.4
        assert lock.stale is not None and lock.stale.pid == holder.pid, "killed holders leave a stale lock"
        assert read_holder(lock_path(tmp_path)).pid == os.getpid()
    holder.wait(timeout=30)


def test_a_killed_build_leaves_a_stale_lock_that_the_next_build_reports(tmp_path):
    holder = start_holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert read_holder(lock_path(tmp_path)).pid == holder.pid
    with build_lock(tmp_path) as lock:
        assert lock.stale.pid == holder.pid
        messages = staging.clean_leftovers(tmp_path, SETTINGS, lock.stale)
    assert len(messages) == 1 and f"pid {holder.pid}" in messages[0] and "did not finish" in messages[0]
    with build_lock(tmp_path) as lock:
        assert lock.stale is None, "a lock released normally is not stale"


# --- leftovers, swap and cache (no build needed) ----------------------------------------

def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    root = tmp_path
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("new", encoding="utf-8")
    (root / "site.old").mkdir()
    for name in ("staging-abc/docs/papers", "staging-def/site"):
        (root / "build" / name).mkdir(parents=True)
    annotations = root / SETTINGS.analyze_cache_dir / "annotations"
    annotations.mkdir(parents=True)
    (annotations / "a.json").write_text("{}", encoding="utf-8")
    (annotations / "b.json.tmp").write_text("{", encoding="utf-8")
    (annotations / "c.tmp").write_text("{", encoding="utf-8")
    (root / "corpus").mkdir()
    temporary_path(root / SETTINGS.themes_file).write_text("themes: [", encoding="utf-8")
    [message] = staging.clean_leftovers(root, SETTINGS)
    assert message == ("cleaned up after an interrupted build: removed site.old/, "
                       "removed 2 staging folder(s), removed 3 unfinished file(s)")
    assert leftovers(root) == []
    assert (annotations / "a.json").exists() and (root / "site" / "index.html").read_text() == "new"
    assert staging.clean_leftovers(root, SETTINGS) == [], "nothing to say when nothing was left"


def test_a_site_left_in_site_old_is_put_back(tmp_path):
    (tmp_path / "site.old").mkdir()
    (tmp_path / "site.old" / "index.html").write_text("old", encoding="utf-8")
    [message] = staging.clean_leftovers(tmp_path, SETTINGS)
    assert "put the previous site back from site.old/" in message
    assert (tmp_path / "site" / "index.html").read_text() == "old" and not (tmp_path / "site.old").exists()


def make_site(folder: Path, text: str) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "index.html").write_text(text, encoding="utf-8")
    (folder / "sub" / "page.html").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
def test_publish_replaces_the_site_whole(tmp_path, monkeypatch, atomic):
    if not atomic:
        monkeypatch.setattr(staging, "exchange", lambda a, b: False)
    site = make_site(tmp_path / "site", "old")
    new = make_site(tmp_path / "build" / "staging-x" / "site", "new")
    staging.publish(new, site)
    assert tree_hashes(site) == {k: hashlib.sha256(b"new").hexdigest() for k in ("index.html", "sub/page.html")}
    assert not new.exists() and not (tmp_path / "site.old").exists()
    staging.publish(make_site(tmp_path / "build" / "staging-y" / "site", "first"), tmp_path / "fresh")
    assert (tmp_path / "fresh" / "index.html").read_text() == "first"


def test_the_previous_site_is_removed_aside_before_the_build_ends(tmp_path):
    """publish with `Removals.discard`: the new site is in place at once, the previous one is
    moved out of its staging folder into build/staging-* and is gone when the build's
    `with Removals` ends (a build killed meanwhile leaves a staging folder, removed next time)."""
    site = make_site(tmp_path / "site", "old")
    new = make_site(tmp_path / "build" / "staging-x" / "site", "new")
    with staging.Removals(tmp_path) as removals:
        staging.publish(new, site, discard=removals.discard)
        assert (site / "index.html").read_text() == "new"
        assert not new.exists()      # the staging folder can be removed at once, without it
    assert (site / "sub" / "page.html").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["staging-x"]
    (tmp_path / "build" / "staging-previous-1-0").mkdir()     # what a build killed while removing leaves
    messages = staging.clean_leftovers(tmp_path, Settings(render_site_dir="site"))
    assert not (tmp_path / "build" / "staging-previous-1-0").exists() and messages


def test_a_failed_rename_puts_the_previous_site_back(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "exchange", lambda a, b: False)
    site = make_site(tmp_path / "site", "old")
    new = make_site(tmp_path / "build" / "staging-x" / "site", "new")
    real_rename = os.rename

    def rename(src, dst):
        if Path(src) == new:
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(staging.os, "rename", rename)
    with pytest.raises(PermissionError):
        staging.publish(new, site)
    assert (site / "index.html").read_text() == "old" and not (tmp_path / "site.old").exists()


def test_a_site_on_another_filesystem_is_copied_next_to_it_then_swapped(tmp_path, monkeypatch):
    site = make_site(tmp_path / "site", "old")
    new = make_site(tmp_path / "build" / "staging-x" / "site", "new")
    real_exchange = staging.exchange

    def exchange(a, b):
        if Path(a) == new:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(b))
        return real_exchange(a, b)

    monkeypatch.setattr(staging, "exchange", exchange)
    staging.publish(new, site)
    assert (site / "sub" / "page.html").read_text() == "new"
    assert not staging.incoming_site(site).exists()


def test_the_atomic_exchange_works_on_this_system(tmp_path):
    a, b = make_site(tmp_path / "a", "a"), make_site(tmp_path / "b", "b")
    assert staging.exchange(a, b), "renameat2(RENAME_EXCHANGE) is expected on Linux"
    assert (a / "index.html").read_text() == "b" and (b / "index.html").read_text() == "a"


def test_a_failed_cache_write_keeps_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "entry.json"
    write_json(path, {"v": 1})
    real_write_text = Path.write_text

    def full_disk(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OSError):
        write_json(path, {"v": 2, "padding": "x" * 100})
    monkeypatch.undo()
    assert json.loads(path.read_text(encoding="utf-8")) == {"v": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.json"]


def test_truncated_or_corrupt_cache_entries_are_analysed_again_and_counted(tmp_path, monkeypatch):
    """No model: analysis is replaced by a stub; what is tested is the cache around it."""
    import annobib.analyze as analyze
    from annobib.corpus import load_corpus

    papers = load_corpus(FIXTURES / "small_corpus").papers[:5]
    cache = tmp_path / "cache"

    def stub(documents, settings, *args, **kwargs):
        return [Annotation(key=d.id, keyphrases=("a phrase",), summary="s.", embedding=(0.5, 0.5)) for d in documents]

    monkeypatch.setattr(analyze, "analyze_documents", stub)
    first = annotate_papers(papers, SETTINGS, cache, progress=False)
    assert (first.analysed, first.unreadable) == (5, 0)
    paths = [cache / "annotations" / f"{cache_key(paper_document(p), SETTINGS)}.json" for p in papers]
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text[: len(text) // 2], encoding="utf-8")                 # truncated
    paths[1].write_bytes(b"\x00\xff garbage")                                       # corrupt
    paths[2].write_text(json.dumps({**asdict(first.annotations[papers[2].key]), "embedding": "x"}),
                        encoding="utf-8")                                          # wrong shape
    paths[3].unlink()                                                              # missing: not unreadable
    again = annotate_papers(papers, SETTINGS, cache, progress=False)
    assert isinstance(again, AnnotateResult)
    assert (again.analysed, again.cached, again.unreadable) == (4, 1, 3)
    assert all(_read_cached(p, "k") is not None for p in paths)


def test_an_os_error_in_a_build_becomes_one_line(tmp_path):
    @staging.guarded_build
    def build(root, settings, log=lambda line: None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / "build" / "cache" / "x.json"))

    with pytest.raises(OutputNotWritable) as caught:
        build(tmp_path, SETTINGS)
    message = str(caught.value)
    assert "\n" not in message
    assert message == (f"the build stopped: {tmp_path}/build/cache/x.json: No space left on device [ENOSPC]; "
                       f"{tmp_path}/site still holds the last complete site")
    assert not lock_path(tmp_path).exists()


# --- real builds of the small corpus (slow) -----------------------------------------------

@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cold build killed while it writes the analysis cache, one entry then truncated, and
    the build that follows: the project it leaves (every later build reuses its cache)."""
    tmp = tmp_path_factory.mktemp("faults")
    root = make_project(tmp / "project")
    killed = run_with_hook(root, tmp, "analysis")
    record = {"killed": killed, "site_after_kill": site_of(root)}
    annotations = sorted((root / SETTINGS.analyze_cache_dir / "annotations").glob("*.json"))
    record["entries_after_kill"] = len(annotations)
    record["unfinished_after_kill"] = leftovers(root)
    text = annotations[0].read_text(encoding="utf-8")
    annotations[0].write_text(text[: len(text) // 2], encoding="utf-8")
    record["rebuild"] = cli_build(root)
    record["root"] = root
    return record


@pytest.fixture
def project(warm, tmp_path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(warm["root"], copy, symlinks=True)
    return copy


@pytest.mark.slow
def test_a_build_killed_during_analysis_is_finished_by_the_next_one(warm):
    killed, rebuild = warm["killed"], warm["rebuild"]
    assert killed.returncode == -signal.SIGKILL, killed.err[-2000:]
    assert warm["site_after_kill"] is None, "no site was published"
    assert warm["entries_after_kill"] == 2
    assert any(name.endswith(".json.tmp") for name in warm["unfinished_after_kill"])
    assert rebuild.returncode == 0, rebuild.stderr[-3000:]
    out = rebuild.stdout
    assert out.count("truncated or corrupt") == 1
    assert "1 cached annotation(s) were truncated or corrupt: those papers were analysed again" in out
    assert "analysed 8 paper(s), 1 from the cache" in out
    assert re.search(rf"cleaned up after an interrupted build \(the build with pid {killed.pid}, .*did not finish\): "
                     r"removed 1 unfinished file\(s\)", out), out
    root = warm["root"]
    assert (root / "site" / "index.html").is_file()
    assert leftovers(root) == []
    assert len(list((root / SETTINGS.analyze_cache_dir / "annotations").glob("*.json"))) == 9


@pytest.mark.slow
@pytest.mark.parametrize("point", ["render", "mkdocs", "swap-before", "swap-after"])
def test_a_build_killed_at_any_point_leaves_the_old_or_the_new_site(project, tmp_path, point):
    old = site_of(project)
    assert old
    bump_docs(project, point)
    if point == "mkdocs":
        build = subprocess.Popen([sys.executable, "-m", "annobib", "build", "--root", str(project), "--quiet"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        writing = wait_for(lambda: [p for p in (project / "build").glob("staging-*/site/**/*") if p.is_file()],
                           seconds=TIMEOUT)
        assert writing and build.poll() is None, "MkDocs was never seen writing the site"
        staging_folder = writing[0].relative_to(project / "build").parts[0]
        mkdocs = [pid for pid in processes_mentioning("mkdocs") if parent_of(pid) == build.pid]
        assert mkdocs, "MkDocs is running"
        os.kill(build.pid, signal.SIGKILL)
        assert build.wait(timeout=60) == -signal.SIGKILL
        assert wait_for(lambda: not set(mkdocs) & set(processes_mentioning("mkdocs")), seconds=20), \
            "MkDocs outlived the build that started it"
        # MkDocs writes the search index last: it must have died with the build, not finished.
        assert not list((project / "build" / staging_folder).rglob("search_index.json")), \
            "MkDocs went on writing into build/ after the build was killed"
    else:
        killed = run_with_hook(project, tmp_path, point)
        assert killed.returncode == -signal.SIGKILL, killed.err[-3000:]
    after_kill = site_of(project)
    assert list((project / "build").glob("staging-*")), "the kill left its staging folder"

    rebuild = cli_build(project)
    assert rebuild.returncode == 0, rebuild.stderr[-3000:]
    assert "cleaned up after an interrupted build" in rebuild.stdout
    new = site_of(project)
    assert new != old
    assert after_kill == (new if point == "swap-after" else old), "site/ must be the old or the new site, whole"
    assert leftovers(project) == []
    assert "analysed 0 paper(s), 9 from the cache" in rebuild.stdout


@pytest.mark.slow
def test_without_an_atomic_exchange_a_kill_between_renames_loses_no_site(project, tmp_path):
    """Killed between `site -> site.old` and `new -> site`: the next build puts the old
    site back first, so even a build that then fails leaves the old site in place."""
    old = site_of(project)
    bump_docs(project, "between renames")
    killed = run_with_hook(project, tmp_path, "swap-between-renames")
    assert killed.returncode == -signal.SIGKILL, killed.err[-3000:]
    assert site_of(project) is None and tree_hashes(project / "site.old") == old
    (project / "docs" / "broken-link.md").write_text("See [nowhere](no-such-page.md).\n", encoding="utf-8")
    failed = cli_build(project)
    assert failed.returncode == 1 and "mkdocs build --strict failed" in failed.stderr
    assert "put the previous site back from site.old/" in failed.stdout
    assert site_of(project) == old and leftovers(project) == []
    (project / "docs" / "broken-link.md").unlink()
    assert cli_build(project).returncode == 0
    assert site_of(project) not in (None, old) and leftovers(project) == []


@pytest.mark.slow
def test_two_builds_in_one_folder_never_interleave(project, tmp_path):
    """Build A is held just before its swap; build B, started then, stops at once naming A;
    A then finishes and publishes its own site."""
    old = site_of(project)
    bump_docs(project, "concurrent")
    release = tmp_path / "release"
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    first = subprocess.Popen([sys.executable, str(runner), str(project), "pause-before-publish", str(release)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: Path(str(release) + ".waiting").exists() or first.poll() is not None,
                        seconds=TIMEOUT)
        assert first.poll() is None, first.communicate()[1][-3000:]
        second = cli_build(project)
        assert second.returncode == 1
        [line] = second.stderr.strip().splitlines()
        assert line.startswith(f"Error: another annobib build is running in {project.resolve()} (pid {first.pid}, ")
        assert site_of(project) == old, "the second build touched nothing"
    finally:
        release.touch()
        out, err = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, err[-3000:]
    assert "cleaned up" not in out
    assert site_of(project) not in (None, old) and leftovers(project) == []


@pytest.mark.slow
def test_disk_full_while_rendering_keeps_the_old_site(project, monkeypatch):
    import annobib.render

    old = site_of(project)
    bump_docs(project, "disk full")

    def render_until_full(bib, docs_dir, settings, **kwargs):
        (docs_dir / "index.md").write_text("# half", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(docs_dir / "papers" / "x.md"))

    monkeypatch.setattr(annobib.render, "render_site", render_until_full)
    result = CliRunner().invoke(main, ["build", "--root", str(project), "--quiet"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    line = error_line(result.output)
    assert re.fullmatch(r"Error: the build stopped: \S+/build/staging-\w+/docs/papers/x\.md: "
                        r"No space left on device \[ENOSPC\]; \S+/site still holds the last complete site", line), line
    assert site_of(project) == old and leftovers(project) == []


@pytest.mark.slow
def test_permission_denied_on_site_keeps_the_old_site(project, monkeypatch):
    old = site_of(project)
    bump_docs(project, "read-only")
    site = project / SETTINGS.render_site_dir

    def refuse(a, b):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(b))

    monkeypatch.setattr(staging, "exchange", refuse)
    result = CliRunner().invoke(main, ["build", "--root", str(project), "--quiet"])
    assert result.exit_code == 1
    assert error_line(result.output) == (f"Error: the build stopped: {site}: Permission denied [EACCES]; "
                                         f"{site} still holds the last complete site")
    assert site_of(project) == old and leftovers(project) == []


@pytest.mark.slow
def test_disk_full_inside_mkdocs_is_one_line_and_keeps_the_old_site(project, tmp_path, monkeypatch):
    old = site_of(project)
    bump_docs(project, "mkdocs disk full")
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(DISK_FULL_FOR_MKDOCS, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(inject))
    result = CliRunner().invoke(main, ["build", "--root", str(project), "--quiet"])
    assert result.exit_code == 1
    line = error_line(result.output)
    assert re.fullmatch(r"Error: mkdocs could not write the site: No space left on device: '\S+\.html' "
                        r"\[ENOSPC\]; the previous site is untouched", line), result.output[-3000:]
    assert site_of(project) == old and leftovers(project) == []


def test_a_generator_run_by_the_build_keeps_its_exit_code_and_ends_without_a_last_walk(tmp_path):
    """MkDocs and Zensical run through `staging.module_command`: the child's exit code is the
    module's own, and what the module leaves alive is frozen before the interpreter's exit
    collection (which walked the pages MkDocs built for a second and more)."""
    (tmp_path / "probe.py").write_text(textwrap.dedent("""
        import atexit, gc, sys
        atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count(), flush=True))
        pages = [[i] for i in range(20_000)]   # lists: tracked by the collector
        sys.exit(int(sys.argv[1]))
    """), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    for code in (0, 3):
        done = subprocess.run(staging.module_command("probe", str(code)), capture_output=True, text=True,
                              env=env, timeout=60)
        assert done.returncode == code, done.stderr
        assert int(done.stdout.rsplit("frozen at exit:", 1)[1]) > 20_000, done.stdout


def test_a_generator_started_ahead_runs_with_its_arguments_later_or_not_at_all(tmp_path):
    """MkDocs is started before render (`staging.StartedModule`), its imports done meanwhile:
    given its arguments it runs as `module_command` runs it (exit code, output); a build that
    fails before the generator ends it without a run."""
    (tmp_path / "warm.py").write_text("", encoding="utf-8")
    (tmp_path / "probe.py").write_text(textwrap.dedent("""
        import sys
        print("warm before run:", "warm" in sys.modules, "args:", sys.argv[1:], flush=True)
        open(sys.argv[1], "w").close()
        sys.exit(int(sys.argv[2]))
    """), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    ran = tmp_path / "ran"
    with staging.StartedModule("probe", ("warm",), env=env) as started:
        done = started.run(str(ran), "3")
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == f"warm before run: True args: ['{ran}', '3']"
    ran.unlink()
    with staging.StartedModule("probe", ("warm",), env=env) as unused:
        pass
    assert unused.returncode == 0 and not ran.exists()

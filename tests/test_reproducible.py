"""Two cold builds of the same project give byte-identical sites.

Each build runs in its own interpreter (different PYTHONHASHSEED, so set and dict-of-set
iteration order differs), from an empty cache, in a fresh copy of the project at a
different path (so an absolute path leaking into a page would show), and the sha256 of
every file under site/ is compared.

Files MkDocs stamps with the build date:
- sitemap.xml: every <lastmod> is the build date;
- sitemap.xml.gz: the same, and the gzip header stores a modification time.
MkDocs takes both from SOURCE_DATE_EPOCH when it is set, and build.py sets it to the
last git commit's time (0 outside a repository). The two copies here are git
repositories holding the same commit (same content, author and dates), exactly like
two clones, so the stamps agree and NO file is excluded from the comparison.
A third build in a copy committed at another time shows the stamps do follow the
commit (and only the sitemap files change), so the fixed date is what makes them equal.
The Atom feeds (feeds/*.xml) date each paper by the commit that added it to the corpus
(render/feeds.py), so they follow the commit too, and nothing else does.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SMALL_CORPUS = REPO / "tests" / "fixtures" / "small_corpus"
DATE_STAMPED = ("sitemap.xml", "sitemap.xml.gz")
FEEDS = "feeds/"                   # feeds/all.xml, feeds/themes/<slug>.xml: papers' added dates
COMMIT_DATE = "2024-06-01T12:00:00+00:00"


def make_project(dest: Path, commit_date: str = COMMIT_DATE) -> Path:
    copy_project(dest, corpus=SMALL_CORPUS)
    env = {**os.environ, "GIT_AUTHOR_DATE": commit_date, "GIT_COMMITTER_DATE": commit_date,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run(["git", "-C", str(dest), *args], check=True, capture_output=True, env=env)
    return dest


def cold_build(root: Path, hash_seed: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = hash_seed
    done = subprocess.run([sys.executable, "-m", "annobib", "build", "--root", str(root), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "0 from the cache" in done.stdout, done.stdout


def digests(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    first = make_project(tmp_path_factory.mktemp("one") / "project")
    second = make_project(tmp_path_factory.mktemp("two-with-a-longer-name") / "copy")
    cold_build(first, "1")
    cold_build(second, "2")
    return first, second


def test_two_cold_builds_are_byte_identical(two_builds):
    first, second = two_builds
    a, b = digests(first / "site"), digests(second / "site")
    assert sorted(a) == sorted(b), f"different file sets: {sorted(set(a) ^ set(b))[:20]}"
    differing = sorted(name for name in a if a[name] != b[name])
    assert differing == [], f"{len(differing)} file(s) differ between two cold builds: {differing[:20]}"
    assert (first / "corpus" / "themes.yml").read_bytes() == (second / "corpus" / "themes.yml").read_bytes()


def test_no_absolute_path_leaks_into_the_site(two_builds):
    first, _ = two_builds
    needle = str(first).encode()
    leaks = [p.relative_to(first / "site").as_posix() for p in (first / "site").rglob("*")
             if p.is_file() and needle in p.read_bytes()]
    assert leaks == []


def test_only_the_sitemaps_follow_the_commit_date(two_builds, tmp_path):
    first, _ = two_builds
    later = make_project(tmp_path / "later", commit_date="2025-02-03T04:05:06+00:00")
    shutil.copytree(first / "build" / "cache", later / "build" / "cache")  # same analysis, faster
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run([sys.executable, "-m", "annobib", "build", "--root", str(later), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    a, b = digests(first / "site"), digests(later / "site")
    differing = sorted(name for name in a if a.get(name) != b.get(name))
    assert all(name in DATE_STAMPED or name.startswith(FEEDS) for name in differing), differing
    feed = (later / "site" / "feeds" / "all.xml").read_text(encoding="utf-8")
    assert "2025&#45;02&#45;03T00&#58;00&#58;00Z" in feed            # the commit that added the papers
    assert "2024&#45;06&#45;01" in (first / "site" / "feeds" / "all.xml").read_text(encoding="utf-8")
    # No site_url in the copied annobib.yml: no sitemap at all (render/overrides/sitemap.xml).
    sitemap = (later / "site" / "sitemap.xml").read_text(encoding="utf-8") \
        if (later / "site" / "sitemap.xml").exists() else ""
    if "<lastmod>" in sitemap:
        assert "<lastmod>2025-02-03</lastmod>" in sitemap
        with gzip.open(later / "site" / "sitemap.xml.gz") as packed:
            assert packed.read().decode("utf-8") == sitemap

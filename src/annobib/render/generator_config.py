"""The generated mkdocs.yml: inherits the project's, adds the folders, the site's identity,
the nav and the theme override, and what the chosen generator needs (Zensical:
`zensical_build.CONFIG_ENTRIES`; MkDocs: the page cache's plugin and the search mode,
`incremental.config_entries`), all in one write.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..config import Settings
from ..models import Bibliography
from . import escape, incremental, search, zensical_build
from .index_pages import INDEX_PAGES
from .templating import OVERRIDES_DIR
from .views import SPLIT_INDEXES, split_indexes


def write_mkdocs_config(bib: Bibliography, docs_dir: Path, site_dir: Path, config_path: Path,
                        base_config: Path, settings: Settings | None = None) -> None:
    """A generated config that inherits the root mkdocs.yml and adds folders and the nav.

    Paths are written relative to the generated file (MkDocs resolves them that way).
    `settings`, when given, overrides site_name / site_url from annobib.yml and says which
    generator the config is for.
    """
    here = config_path.parent.resolve()
    config: dict = {
        "INHERIT": _relative(base_config, here),
        "docs_dir": _relative(docs_dir, here),
        "site_dir": _relative(site_dir, here),
    }
    if settings is not None:
        config["site_name"] = settings.site_name
        identity = {"site_description": settings.site_description, "site_url": settings.site_url,
                    "site_author": settings.site_author, "repo_url": settings.site_repo_url}
        config.update({name: value for name, value in identity.items() if value})
    config["nav"] = _nav(bib, with_about=(docs_dir / "about.md").is_file())
    # Papers are reachable from themes, methods, keywords and search, not from the nav;
    # the authors, venues and years pages are in the nav (`_nav`), and linked from every paper page.
    # Themes: from their chapter; a split index's letter (year) pages: from its overview.
    config["not_in_nav"] = "\n".join(["/papers/", *(["/themes/"] if bib.chapters else []),
                                      *(f"/{index}/" for index in SPLIT_INDEXES if index in split_indexes(bib))])
    # Theme override: JSON-LD and feed links in <head> (render/overrides/main.html).
    config["theme"] = {"custom_dir": _relative(OVERRIDES_DIR, here)}
    if settings is not None and settings.site_generator == "zensical":
        config = with_entries(config, zensical_build.CONFIG_ENTRIES)
    elif settings is not None:   # MkDocs: the page cache's plugin (render/incremental.py)
        config = with_entries(config, incremental.config_entries(base_config, search.search_mode(settings)))
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def with_entries(config: dict, entries: dict) -> dict:
    """`config` with `entries` added: a mapping updates the one there, a list extends the
    one there (without repeating an item), anything else replaces; new keys go last."""
    merged = dict(config)
    for key, value in entries.items():
        present = merged.get(key)
        if isinstance(value, dict) and isinstance(present, dict):
            merged[key] = {**present, **value}
        elif isinstance(value, list) and isinstance(present, list):
            merged[key] = present + [item for item in value if item not in present]
        else:
            merged[key] = value
    return merged


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start)).as_posix()


def _nav(bib: Bibliography, with_about: bool) -> list:
    # Theme entries carry no title: MkDocs then uses the page's front-matter title, which
    # is HTML-escaped (the theme inserts nav titles into HTML without escaping them).
    theme_pages = [f"themes/{escape.path_segment(t.slug)}.md" for t in bib.themes]
    chapter_pages = [f"chapters/{escape.path_segment(c.slug)}.md" for c in bib.chapters]
    nav = [
        {"Home": "index.md"},
        {"Chapters": ["chapters/index.md", *chapter_pages]} if chapter_pages else
        {"Themes": ["themes/index.md", *theme_pages]},
        {"Methods": "methods.md"},
        {"Keywords": "keywords.md"},
    ]
    nav += [{page.removesuffix(".md").capitalize(): page} for page in INDEX_PAGES]   # Authors, Venues, Years
    return nav + ([{"About": "about.md"}] if with_about else [])

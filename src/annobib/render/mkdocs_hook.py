"""MkDocs hook (listed under `hooks:` in the generated mkdocs.yml by render/incremental.py).

MkDocs has no incremental build: every page is read, converted from Markdown and pushed
through the theme's templates on every build. This hook lets the build skip the pages
whose HTML annobib already has (the plan file `annobib-pages.json` next to the config
names them; render/incremental.py puts their cached HTML in place after MkDocs):

- a skipped page stays in MkDocs' file list, so links to it resolve and strict link
  validation still runs on every page that is rendered;
- pages in the nav are skipped only when every page is (`everything` in the plan): the
  nav, rendered into every page, reads the titles of the pages in it from those pages;
- Material's built-in search index is not built (annobib writes its own search index
  after MkDocs, from the finished HTML: render/search.py); the plugin stays enabled so
  the theme still puts the search box in the header.

What was rendered and what was skipped is written to `annobib-pages-built.json`. If
MkDocs' internals are not the expected ones (1.6.x), nothing is skipped: a full build.
This file is loaded by path, so it imports only absolute names.
"""
from __future__ import annotations

import json
from pathlib import Path

PLAN_FILE = "annobib-pages.json"
BUILT_FILE = "annobib-pages-built.json"

_state: dict = {"reuse": set(), "in_nav": set(), "skipped": [], "patched": False, "everything": False}

try:
    import mkdocs.commands.build as _mkdocs_build

    _original_populate = _mkdocs_build._populate_page
    _original_build_page = _mkdocs_build._build_page
except (ImportError, AttributeError):   # another MkDocs: build everything
    _mkdocs_build = None


def _skipped(page) -> bool:
    uri = page.file.src_uri
    return uri in _state["reuse"] and (_state["everything"] or uri not in _state["in_nav"])


def _populate_page(page, config, files, *args, **kwargs):
    if _skipped(page):
        if page.file.src_uri not in _state["in_nav"]:
            return None
        # The nav printed in the pages that are rendered (404.html) shows this page's
        # title: its front-matter title is read without converting the Markdown.
        page.read_source(config)
        if "title" in page.meta:
            return None
    return _original_populate(page, config, files, *args, **kwargs)


def _build_page(page, *args, **kwargs):
    if _skipped(page):
        _state["skipped"].append(page.file.src_uri)
        return None
    return _original_build_page(page, *args, **kwargs)


if _mkdocs_build is not None:
    _mkdocs_build._populate_page = _populate_page
    _mkdocs_build._build_page = _build_page
    _state["patched"] = True


def on_config(config):
    plan_path = Path(config.config_file_path).with_name(PLAN_FILE)
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        plan = {}
    _state.update(reuse=set(plan.get("reuse", ())) if _state["patched"] else set(), skipped=[],
                  everything=bool(plan.get("everything")),
                  built=plan_path.with_name(BUILT_FILE))
    if plan.get("builtin_search_off", True):
        _silence_builtin_search(config)
    return config


def _silence_builtin_search(config) -> None:
    """Drop the search plugin's per-page indexing and its index file (the header box stays)."""
    plugins = config.plugins
    search = next((plugins[name] for name in ("material/search", "search") if name in plugins), None)
    if search is None:
        return
    _state["search"] = search
    for event in ("page_context", "post_build"):
        plugins.events[event] = [m for m in plugins.events[event] if getattr(m, "__self__", None) is not search]


def on_files(files, config):
    _state["files"] = files
    return files


def on_nav(nav, config, files):
    _state["in_nav"] = {page.file.src_uri for page in nav.pages}
    return nav


def on_post_build(config):
    files = _state.get("files") or []
    skipped = set(_state["skipped"])
    search = _state.get("search")
    search_config = {key: search.config.get(key) for key in ("lang", "separator", "pipeline")} if search else None
    pages = {f.src_uri: {"dest": f.dest_uri, "in_nav": f.src_uri in _state["in_nav"],
                         "skipped": f.src_uri in skipped}
             for f in files if f.is_documentation_page()}
    _state["built"].write_text(json.dumps({"patched": _state["patched"], "pages": pages,
                                           "search_config": search_config}, sort_keys=True),
                               encoding="utf-8")

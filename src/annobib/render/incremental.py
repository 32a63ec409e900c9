"""Rebuilds proportional to the change: unchanged pages' HTML is reused, not re-rendered.

MkDocs' share of a rebuild was measured first (bench/RESULTS.md, `## Scale`): on a
no-change rebuild it is most of the time, and it grows with the number of pages because
MkDocs converts and templates every page again. MkDocs 1.x has no incremental build
(`--dirty` compares file times and is documented as unsafe), so annobib keeps a page
cache keyed by the page's SOURCE:

    key = sha256(site fingerprint, page path, page Markdown)

The site fingerprint holds everything else a page's HTML depends on: the generated and
the base mkdocs.yml (nav, site identity, theme settings), the titles of the pages in the
nav (the nav is in every page), the theme override files, the plugin, and the versions
of MkDocs, Material, Markdown, Pygments and annobib. A page whose key is in the cache is
skipped by MkDocs (the plugin in render/page_cache_plugin.py) and its cached HTML is hard-linked (or copied)
into the new site; every other page is rendered and stored. Same source, same bytes: the
output is what a full build writes, so builds stay byte-identical and the site is still
built in a staging folder and swapped in whole (staging.py).

Every page is reused one by one, those in the nav too: the nav printed in each rendered
page (titles, order, previous / next links) is in the fingerprint, so a page whose
Markdown and fingerprint are unchanged renders to the same bytes, and a changed title
changes every key. A one-paper update at 10,000 papers thus renders the index pages and
the one theme and chapter the paper joins, not the other chapters' multi-megabyte pages;
a no-change rebuild renders no page at all. A page that links to a file missing from this
build is always rendered (MkDocs then reports the broken link as in a full build). A link
from a rendered page into a reused one with an anchor is still checked, against the ids of
the reused page's cached HTML, which the plugin hands to MkDocs. The cache keeps only the
current build's pages.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import yaml

from ..atomic import TMP_SUFFIX, link_or_copy, write_json
from ..build_stamp import installed_versions, tree_digest
from ..errors import BuildError
from ..yaml_text import load_yaml
from .fragments import ELEMENT_ID, LINK, STORE_FILE
from .templating import OVERRIDES_DIR

PLUGIN_FILE = Path(__file__).with_name("page_cache_plugin.py")   # run by MkDocs, not imported here
FRAGMENTS_MODULE = Path(__file__).with_name("fragments.py")       # the plugin's, as well
PLUGIN_NAME = "annobib-page-cache"   # its entry point (pyproject.toml)
PLAN_FILE, BUILT_FILE = "annobib-pages.json", "annobib-pages-built.json"   # as in page_cache_plugin.py
TEMPLATES_FOLDER = "templates"   # the theme's compiled templates (Jinja's bytecode cache), in the page cache
INDEX_FILE = "index.json"     # cached page -> its modification time when stored
PAGES_FILE = "pages.json"     # the Markdown pages of the last build (_links_may_break)
VERSIONED = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "pygments", "jinja2", "annobib")


@dataclass
class PagePlan:
    cache_dir: Path | None            # None: the page cache is off
    keys: dict[str, str] = field(default_factory=dict)   # Markdown page -> key
    reuse: list[str] = field(default_factory=list)       # pages whose HTML comes from the cache
    anchors: dict[str, list[str]] = field(default_factory=dict)   # reused page -> its ids (_anchor_targets)
    everything: bool = False                              # every page, the nav's too, is reused
    rendered: int = 0
    reused: int = 0
    search_config: dict | None = None  # Material's search settings (lang, separator), for a lunr index


def _front_matter_title(text: str) -> str | None:
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    try:
        meta = load_yaml(text[3:end]) or {}
    except yaml.YAMLError:
        return None
    title = meta.get("title") if isinstance(meta, dict) else None
    return title if isinstance(title, str) else None


def _nav_pages(nav) -> list[str]:
    pages = []
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        for item in nav:
            pages += _nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            pages += _nav_pages(value)
    return pages


def site_fingerprint(config_path: Path, base_config: Path, docs_dir: Path, nav: set[str]) -> str:
    """`nav`: the pages in the nav MkDocs builds (their titles are printed in every page)."""
    digest = hashlib.sha256()
    digest.update(config_path.read_bytes() + b"\0" + base_config.read_bytes() + b"\0")
    digest.update(installed_versions(VERSIONED).encode() + b"\0" + PLUGIN_FILE.read_bytes() + b"\0"
                  + FRAGMENTS_MODULE.read_bytes() + b"\0")
    tree_digest(digest, OVERRIDES_DIR, skip=("__pycache__",))
    for page in sorted(nav):
        path = docs_dir / page
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        title = _front_matter_title(text)
        digest.update(page.encode() + b"\0" + (title if title is not None else text).encode() + b"\0")
    return digest.hexdigest()


def _page_links(page: str, text: str):
    """(target page, anchor) of each relative link from `page` to a Markdown page."""
    folder = os.path.dirname(page)
    for match in LINK.finditer(text):
        target, _, anchor = (match.group(1) or match.group(2) or "").partition("#")
        if not target or "://" in target or target.startswith(("/", "mailto:")) or not target.endswith(".md"):
            continue
        yield os.path.normpath(os.path.join(folder, target)).replace(os.sep, "/"), anchor


def _links_may_break(cache_dir: Path, present: set[str]) -> bool:
    """Whether a page unchanged since the last build can link to a page missing now: only when
    a page of the last build is gone (or that list is unknown). Its links resolved then (MkDocs
    checked them, or they were checked so when it was reused), and a page's key holds its text."""
    try:
        previous = json.loads((cache_dir / PAGES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return not isinstance(previous, list) or not present.issuperset(previous)


def _links_resolve(page: str, text: str, present: set[str]) -> bool:
    """Every relative link to a Markdown page points to a page of this build."""
    return all(target in present for target, _ in _page_links(page, text))


def _anchor_targets(reuse: list[str], rendered: dict[str, str], cache_dir: Path,
                    keys: dict[str, str]) -> dict[str, list[str]]:
    """The ids of each reused page that a rendered page links into with an anchor, read from
    its cached HTML. MkDocs checks such a link against the ids of the page it links to, which
    a reused page, not converted, would not have; its cached HTML is what converting it again
    would give (same key), so the check runs against the same ids. `rendered`: the text of
    each page to be rendered."""
    reused, targets = set(reuse), {}
    for page, text in rendered.items():
        for target, anchor in _page_links(page, text):
            if anchor and target in reused and target not in targets:
                targets[target] = sorted(_html_ids((cache_dir / f"{keys[target]}.html").read_text(encoding="utf-8")))
    return targets


def _html_ids(html: str) -> set[str]:
    """The `id` and `name` values of the page's content (Material's <article>), as MkDocs
    collects them from a page it converts."""
    start, end = html.find("<article"), html.rfind("</article>")
    content = html[start:end] if 0 <= start < end else html
    return {unescape(value) for value in ELEMENT_ID.findall(content)}


def config_entries(base_config: Path, search: str) -> dict:
    """What the generated config adds for the page cache (render/generator_config.py
    writes it with the rest): the plugin after the project's own plugins (a list in a
    child config replaces the inherited one, so they are listed again), and the search
    mode the theme override reads."""
    return {"plugins": with_page_cache_plugin(_base_entry(base_config, "plugins")), "extra": {"annobib_search": search}}


class _AnyTagLoader(yaml.SafeLoader):
    """Reads a mkdocs.yml whatever its tags (`!!python/name:`, `!ENV`): only plugin names matter here."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _base_entry(base_config: Path, name: str):
    try:
        config = yaml.load(base_config.read_text(encoding="utf-8"), Loader=_AnyTagLoader) or {}
    except (OSError, yaml.YAMLError):
        return None
    return config.get(name) if isinstance(config, dict) else None


def effective_nav(config: dict, base_config: Path):
    """The nav MkDocs builds: the generated config's, else the one it inherits."""
    return config["nav"] if config.get("nav") is not None else _base_entry(base_config, "nav")


def prepare(config_path: Path, base_config: Path, docs_dir: Path, cache_dir: Path | None) -> PagePlan:
    """Decide which pages come from the cache (the generated config names the plugin:
    `config_entries`) and write the plan the plugin reads."""
    config = load_yaml(config_path.read_text(encoding="utf-8")) or {}
    plan, nav = PagePlan(cache_dir), set(_nav_pages(effective_nav(config, base_config)))
    if cache_dir is not None:
        fingerprint = site_fingerprint(config_path, base_config, docs_dir, nav)
        pages = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md"))
        present = set(pages)
        reusable, rendered, stamps = [], {}, _valid_entries(cache_dir)
        check_links = _links_may_break(cache_dir, present)
        for page in pages:
            data = (docs_dir / page).read_bytes()
            key = hashlib.sha256(fingerprint.encode() + b"\0" + page.encode() + b"\0" + data).hexdigest()
            plan.keys[page] = key
            text = data.decode("utf-8")
            if _unchanged(cache_dir, f"{key}.html", stamps) and (not check_links or _links_resolve(page, text, present)):
                reusable.append(page)
            else:
                rendered[page] = text
        # Pages in the nav too: their titles, which every rendered page prints in its nav,
        # are in the fingerprint, so an unchanged key means the same HTML.
        plan.everything = len(reusable) == len(pages)
        plan.reuse = reusable
        plan.anchors = _anchor_targets(reusable, rendered, cache_dir, plan.keys)
    # Pages out of the nav need not even be read: no title of theirs is printed anywhere.
    unread = [p for p in plan.reuse if p not in nav]
    templates = fragments = None
    if cache_dir is not None:
        templates = cache_dir / TEMPLATES_FOLDER
        templates.mkdir(parents=True, exist_ok=True)
        # The entry blocks' HTML (render/fragments.py), valid while the fingerprint is.
        fragments = {"path": str(cache_dir / STORE_FILE), "salt": fingerprint}
    (config_path.parent / PLAN_FILE).write_text(
        json.dumps({"reuse": plan.reuse, "everything": plan.everything, "unread": unread, "anchors": plan.anchors,
                    "templates": str(templates) if templates else None, "fragments": fragments},
                   sort_keys=True), encoding="utf-8")
    return plan


def with_page_cache_plugin(plugins) -> list:
    """The config's plugins (a list or a mapping in mkdocs.yml; none listed means MkDocs'
    default, `search`) with the page cache added."""
    if isinstance(plugins, dict):
        plugins = [{name: options} for name, options in plugins.items()]
    listed = ["search"] if plugins is None else [plugins] if isinstance(plugins, str) else list(plugins)
    return [item for item in listed if item != PLUGIN_NAME] + [PLUGIN_NAME]


def pages_key(plan: PagePlan) -> str | None:
    """One digest of every page's key: equal only when every page is the same."""
    if plan.cache_dir is None or not plan.keys:
        return None
    return hashlib.sha256(json.dumps(sorted(plan.keys.items())).encode("utf-8")).hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    """Put `source`'s bytes at `target` (replaced atomically): a hard link, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + TMP_SUFFIX)
    tmp.unlink(missing_ok=True)
    link_or_copy(source, tmp)
    os.replace(tmp, target)


def restore_reused(plan: PagePlan, config_path: Path, site_dir: Path) -> PagePlan:
    """After MkDocs: cached HTML into the new site, new HTML into the cache, old entries out."""
    built = json.loads((config_path.parent / BUILT_FILE).read_text(encoding="utf-8"))
    pages = built["pages"]
    plan.rendered = sum(1 for p in pages.values() if not p["skipped"])
    plan.reused = sum(1 for p in pages.values() if p["skipped"])
    plan.search_config = built.get("search_config")
    if plan.cache_dir is None:
        return plan
    plan.cache_dir.mkdir(parents=True, exist_ok=True)
    for page, info in sorted(pages.items()):
        key = plan.keys.get(page)
        if key is None:
            continue
        cached, output = plan.cache_dir / f"{key}.html", site_dir / info["dest"]
        if info["skipped"]:
            if not cached.is_file():
                raise BuildError(f"the page cache lost {page} during the build; build again")
            _link_or_copy(cached, output)
        elif output.is_file():
            _link_or_copy(output, cached)
    keep = {f"{key}.html" for key in plan.keys.values()}
    for stale in plan.cache_dir.glob("*.html"):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    _write_index(plan.cache_dir, keep)
    write_json(plan.cache_dir / PAGES_FILE, sorted(plan.keys))
    return plan


def _write_index(cache_dir: Path, names: set[str]) -> None:
    """Each cached page's modification time as stored: the site's files are hard links to
    these, so a page edited in site/ changes its cache entry too, and is then not reused."""
    stamps = {}
    for name in sorted(names):
        try:
            stamps[name] = (cache_dir / name).stat().st_mtime_ns
        except OSError:
            continue
    write_json(cache_dir / INDEX_FILE, stamps)


def _valid_entries(cache_dir: Path) -> dict[str, int]:
    try:
        stamps = json.loads((cache_dir / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def _unchanged(cache_dir: Path, name: str, stamps: dict[str, int]) -> bool:
    try:
        return (cache_dir / name).stat().st_mtime_ns == stamps.get(name)
    except OSError:
        return False

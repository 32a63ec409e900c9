"""MkDocs plugin `annobib-page-cache`: pages whose HTML annobib already has are not rendered.

MkDocs has no incremental build: every page is read, converted from Markdown and pushed
through the theme's templates on every build. render/incremental.py decides which
pages' HTML it has from an earlier build (the plan file `annobib-pages.json` next to the
generated config names them) and puts that HTML in place after MkDocs. This plugin
keeps MkDocs from doing that work again, through public plugin events (and, for a reused
page, its public `render` method) only:

- `on_files`: a reused page out of the nav gets an empty source (`File.content_string`),
  so its file is not read nor its front matter parsed;
- `on_page_markdown`: a reused page gets no Markdown to convert, a `render` that converts
  nothing (MkDocs calls `Page.render` on every page) and the empty template
  `annobib-reused.html` (added to the theme's templates in `on_env`), so it is neither converted nor
  templated; it stays in MkDocs' file list and nav, so links to it resolve and strict
  link validation still runs on every page that is rendered;
- `on_page_content`: a reused page that a rendered page links into with an anchor gets
  the ids of its cached HTML (`Page.present_anchor_ids`, from the plan), so MkDocs' anchor
  validation checks the link as if the page had been converted;
- `on_post_page`: its output is empty, which MkDocs does not write (the cached HTML
  is linked there after the build);
- `on_env`: the theme's templates are compiled through Jinja's bytecode cache, kept in the
  page cache (`templates/`), so a build does not compile them again;
- `on_page_markdown` and `on_page_content`, for a page that is rendered: the entry blocks
  converted in an earlier build are not converted again, their HTML is put in place after
  the conversion (render/fragments.py, `fragments.sqlite` in the page cache);
- `on_files`, for the docs folder's other files (30,000 downloads at 10,000 papers): each
  is hard-linked at its place in the site, so MkDocs' copy finds the same file there and
  leaves it ("Let plugins write directly into site_dir", `File.copy_file`); a link costs a
  fifth of a copy. Where a link cannot be made (another filesystem), MkDocs copies;
- a reused page in the nav is read, as the nav printed in every rendered page shows its
  title, and keeps its Markdown when that title is not in its front matter, so the title
  is still found (render/incremental.py puts the nav's titles in every page's key).

Material's search plugin stays on, as the theme shows its header box only then; annobib
writes its own index from the finished HTML (render/search.py), so every page is excluded
from the plugin's index (`search: exclude` in its metadata, set in `on_page_markdown`: the
plugin then does not parse the page), and the plugin's empty index is removed after it.
What was rendered and what was reused, and how many entry blocks came from the store, is
written to `annobib-pages-built.json`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2
from mkdocs.plugins import BasePlugin
from mkdocs.structure.toc import get_toc

from .fragments import FragmentPage, FragmentStore

PLAN_FILE = "annobib-pages.json"
BUILT_FILE = "annobib-pages-built.json"
REUSED_TEMPLATE = "annobib-reused.html"
SEARCH_PLUGINS = ("material/search", "search")


class PageCachePlugin(BasePlugin):
    """Skips the conversion and templating of the pages named in the plan file."""

    def on_config(self, config):
        plan_path = Path(config.config_file_path).with_name(PLAN_FILE)
        try:
            plan = json.loads(plan_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = {}
        self.reuse = set(plan.get("reuse", ()))
        self.unread = set(plan.get("unread", ())) & self.reuse
        self.anchors = {page: set(ids) for page, ids in plan.get("anchors", {}).items() if page in self.reuse}
        self.built_path = plan_path.with_name(BUILT_FILE)
        self.templates = plan.get("templates")
        fragments = plan.get("fragments")
        self.fragments = FragmentStore(Path(fragments["path"]), fragments["salt"]) if fragments else None
        self.fragment_pages: dict[str, FragmentPage] = {}
        self.in_nav: set[str] = set()
        self.skipped: list[str] = []
        self.files = None
        return config

    def on_files(self, files, config):
        # A reused page out of the nav is given no source: MkDocs then neither reads its
        # file nor parses its front matter (most of a reused page's cost).
        docs_dir = Path(config.docs_dir)
        for file in files:
            if file.src_uri in self.unread:
                file.content_string = ""
            elif not file.is_documentation_page():
                _link_in_place(file, docs_dir)
        self.files = files
        return files

    def on_nav(self, nav, config, files):
        self.in_nav = {page.file.src_uri for page in nav.pages}
        return nav

    def on_env(self, env, config, files):
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({REUSED_TEMPLATE: ""}), env.loader])
        if self.templates and Path(self.templates).is_dir():
            # The theme's templates compiled once, not on every build (Jinja checks each
            # against its source): about 40 of Material's, 0.35 s of a profiled MkDocs run.
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(self.templates)
        return env

    def _reused(self, page) -> bool:
        return page.file.src_uri in self.reuse

    def on_page_markdown(self, markdown, page, config, files):
        # The search plugin's index is removed after the build (annobib writes its own from
        # the finished site, render/search.py), so it need not parse any page's HTML.
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        if not self._reused(page):
            if self.fragments is not None:
                markdown, self.fragment_pages[page.file.src_uri] = self.fragments.prepare(
                    markdown, page.file.src_uri, page.file.dest_uri,
                    lambda path: files.get_file_from_path(path) is not None)
            return markdown
        page.meta["template"] = REUSED_TEMPLATE
        self.skipped.append(page.file.src_uri)
        # A nav page's title is read from its front matter, else from its first heading.
        if page.file.src_uri in self.in_nav and "title" not in page.meta:
            return markdown
        page.render = _converting_nothing(page)
        return ""

    def on_page_content(self, html, page, config, files):
        fragment_page = self.fragment_pages.pop(page.file.src_uri, None)
        if fragment_page is not None:
            html = self.fragments.finish(html, fragment_page)
            _check_anchors_too(page, files, fragment_page.anchored)
        if page.file.src_uri in self.anchors:
            page.present_anchor_ids = self.anchors[page.file.src_uri]
        return html

    def on_post_page(self, output, page, config):
        return "" if self._reused(page) else output

    def on_build_error(self, error):
        if self.fragments is not None:
            self.fragments.new.clear()     # a failed build stores nothing
            self.fragments.close()
            self.fragments = None

    def on_post_build(self, config):
        blocks = None
        if self.fragments is not None:
            blocks = {"reused": self.fragments.reused, "converted": self.fragments.converted}
            self.fragments.close()
            self.fragments = None
        skipped = set(self.skipped)
        pages = {f.src_uri: {"dest": f.dest_uri, "in_nav": f.src_uri in self.in_nav,
                             "skipped": f.src_uri in skipped}
                 for f in (self.files or []) if f.is_documentation_page()}
        built = {"pages": pages, "search_config": _search_config(config), "blocks": blocks}
        self.built_path.write_text(json.dumps(built, sort_keys=True), encoding="utf-8")


def _check_anchors_too(page, files, anchored) -> None:
    """The links of the blocks put back from the store into other pages' anchors, given to
    MkDocs' anchor check (`Page.links_to_anchors`, filled by the conversion) as their
    conversion would have given them; MkDocs keeps none when it logs at debug level."""
    if page.links_to_anchors is None:
        return
    for path, anchor, link in anchored:
        target = files.get_file_from_path(path)
        if target is not None:
            page.links_to_anchors.setdefault(target, {}).setdefault(anchor, link)


def _converting_nothing(page):
    """A reused page's `Page.render`: its HTML comes from the cache, so it gets empty content,
    no table of contents and no ids (`on_page_content` gives it its cached ids where a link
    needs them). MkDocs would otherwise build a Markdown converter for its empty text: a
    tenth of a millisecond a page, over a second at 10,000 pages."""
    def render(config, files):
        page.content, page.toc, page.present_anchor_ids = "", get_toc([]), set()
    return render


def _link_in_place(file, docs_dir: Path) -> None:
    """A file of the docs folder hard-linked where MkDocs would copy it (MkDocs then skips it)."""
    source = file.abs_src_path
    if source is None or not Path(source).is_relative_to(docs_dir):
        return
    target = Path(file.abs_dest_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
    except OSError:
        pass            # another filesystem, or already there: MkDocs copies as it always does


def _search_config(config) -> dict | None:
    """The search plugin's settings (for annobib's lunr index); its own index file removed."""
    search = next((config.plugins[name] for name in SEARCH_PLUGINS if name in config.plugins), None)
    if search is None:
        return None
    folder = Path(config.site_dir) / "search"
    (folder / "search_index.json").unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return {key: search.config.get(key) for key in ("lang", "separator", "pipeline")}

"""The page cache runs inside MkDocs as a plugin on public events, not as patched internals.

A two-page Material site is built twice by the real `mkdocs build --strict`: the page whose
Markdown did not change is not rendered again (its HTML comes from the cache, byte for
byte), the changed one is, links between them still validate, and the theme keeps its
search box, which it shows only while the search plugin is on.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from annobib.render import incremental

# As in annobib's sites: the home page is in the nav, a paper page is not.
BASE = {"site_name": "Cache test", "theme": {"name": "material"}, "plugins": ["search"],
        "nav": ["index.md", "themes.md"], "validation": {"anchors": "warn"}}
PAGES = {"index.md": "---\ntitle: Home\n---\n# Home\n\nFirst version. See [the paper](paper.md).\n",
         "themes.md": "---\ntitle: Themes\n---\n# Themes\n\nA long page of themes.\n",
         "paper.md": "# A paper\n\nBack [home](index.md).\n"}


def _project(tmp_path: Path) -> tuple[Path, Path, Path]:
    docs, config = tmp_path / "docs", tmp_path / "generated.yml"
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(BASE), encoding="utf-8")
    docs.mkdir()
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    return docs, config, tmp_path / "cache"


def _build(tmp_path: Path, docs: Path, config: Path, cache: Path):
    base = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"INHERIT": "mkdocs.yml", "docs_dir": "docs", "site_dir": "site",
                                      **incremental.config_entries(base, "pagefind")}), encoding="utf-8")
    plan = incremental.prepare(config, base, docs, cache)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return incremental.restore_reused(plan, config, tmp_path / "site")


def test_an_unchanged_page_comes_from_the_cache_and_a_changed_one_is_rendered(tmp_path):
    docs, config, cache = _project(tmp_path)
    first = _build(tmp_path, docs, config, cache)
    assert (first.rendered, first.reused) == (3, 0)
    paper = (tmp_path / "site" / "paper" / "index.html").read_bytes()
    assert b'for="__search"' in paper, "the theme's search box is kept"
    assert not (tmp_path / "site" / "search" / "search_index.json").exists()

    (docs / "index.md").write_text(PAGES["index.md"].replace("First", "Second"), encoding="utf-8")
    second = _build(tmp_path, docs, config, cache)
    assert (second.rendered, second.reused) == (1, 2), "an unchanged page, in the nav or not, is reused"
    assert "Second version." in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "site" / "paper" / "index.html").read_bytes() == paper

    (docs / "paper.md").write_text("# A paper\n\nBack [home](index.md), revised.\n", encoding="utf-8")
    third = _build(tmp_path, docs, config, cache)
    assert (third.rendered, third.reused) == (1, 2)
    assert "revised" in (tmp_path / "site" / "paper" / "index.html").read_text(encoding="utf-8")


def test_a_reused_nav_page_is_what_a_full_build_writes_and_a_new_title_renders_every_page(tmp_path):
    """The nav printed in every page shows the nav pages' titles: a reused page's HTML is
    the bytes a build without the cache writes, and a changed title renders every page."""
    docs, config, cache = _project(tmp_path)
    _build(tmp_path, docs, config, cache)
    (docs / "index.md").write_text(PAGES["index.md"].replace("First", "Second"), encoding="utf-8")
    partial = _build(tmp_path, docs, config, cache)
    assert "themes.md" not in _rendered(tmp_path)
    reused = {name: (tmp_path / "site" / name).read_bytes() for name in ("themes/index.html", "paper/index.html")}
    full = _build(tmp_path, docs, config, None)
    assert partial.reused == 2 and full.reused == 0
    assert {name: (tmp_path / "site" / name).read_bytes() for name in reused} == reused

    (docs / "themes.md").write_text(PAGES["themes.md"].replace("title: Themes", "title: Topics"), encoding="utf-8")
    renamed = _build(tmp_path, docs, config, cache)
    assert (renamed.rendered, renamed.reused) == (3, 0), "a new title is in the nav of every page"
    assert "Topics" in (tmp_path / "site" / "paper" / "index.html").read_text(encoding="utf-8")


def _rendered(tmp_path: Path) -> set[str]:
    built = json.loads((tmp_path / incremental.BUILT_FILE).read_text(encoding="utf-8"))
    return {page for page, info in built["pages"].items() if not info["skipped"]}


def test_the_generated_config_lists_the_plugin_after_the_projects_own(tmp_path):
    """A plugin list in the generated config replaces the inherited one: the project's own
    plugins (here Material's tags, and a tag MkDocs' own loader reads) are listed again."""
    base = tmp_path / "mkdocs.yml"
    base.write_text("plugins:\n  - search\n  - tags\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
                    "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n", encoding="utf-8")
    entries = incremental.config_entries(base, "lunr")
    assert entries == {"plugins": ["search", "tags", incremental.PLUGIN_NAME], "extra": {"annobib_search": "lunr"}}
    base.write_text("site_name: no plugins listed\n", encoding="utf-8")
    assert incremental.config_entries(base, "pagefind")["plugins"] == ["search", incremental.PLUGIN_NAME]


def test_plugin_lists_in_either_form_get_the_plugin_once():
    assert incremental.with_page_cache_plugin(None) == ["search", incremental.PLUGIN_NAME]
    assert incremental.with_page_cache_plugin(["search", incremental.PLUGIN_NAME]) == ["search", incremental.PLUGIN_NAME]
    assert incremental.with_page_cache_plugin(["search", {"tags": {}}]) == ["search", {"tags": {}},
                                                                          incremental.PLUGIN_NAME]
    assert incremental.with_page_cache_plugin({"search": {"lang": "de"}}) == [{"search": {"lang": "de"}},
                                                                              incremental.PLUGIN_NAME]


def test_downloads_reach_the_site_as_links_and_a_second_build_replaces_them(tmp_path):
    """The docs folder's other files (the BibTeX downloads) are put in the site as hard links,
    not copied byte by byte; links to them validate, and a changed download is the new one."""
    docs, config, cache = _project(tmp_path)
    (docs / "bib").mkdir()
    (docs / "bib" / "paper.bib").write_text("@misc{a, title = {One}}\n", encoding="utf-8")
    (docs / "paper.md").write_text("# A paper\n\n[BibTeX](bib/paper.bib)\n", encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    built = tmp_path / "site" / "bib" / "paper.bib"
    assert built.read_text(encoding="utf-8") == "@misc{a, title = {One}}\n"
    assert built.stat().st_ino == (docs / "bib" / "paper.bib").stat().st_ino
    (docs / "bib" / "paper.bib").unlink()
    (docs / "bib" / "paper.bib").write_text("@misc{a, title = {Two}}\n", encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    assert built.read_text(encoding="utf-8") == "@misc{a, title = {Two}}\n"


def test_an_anchor_into_a_reused_page_is_checked_without_rendering_it(tmp_path):
    """MkDocs checks a link's anchor against the ids of the page it links to (strict: a
    warning fails the build). An unchanged page that a changed page links into stays
    reused, and the check runs against the ids of its cached HTML: a good anchor passes, a
    missing one still fails the build."""
    docs, config, cache = _project(tmp_path)
    (docs / "themes.md").write_text(PAGES["themes.md"] + "\n## Sensing\n\nSensors.\n", encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    (docs / "paper.md").write_text("# A paper\n\nIn [sensing](themes.md#sensing).\n", encoding="utf-8")
    second = _build(tmp_path, docs, config, cache)
    assert _rendered(tmp_path) == {"paper.md"} and second.reused == 2
    assert 'href="../themes/#sensing"' in (tmp_path / "site" / "paper" / "index.html").read_text(encoding="utf-8")

    (docs / "paper.md").write_text("# A paper\n\nIn [sensing](themes.md#no-such-part).\n", encoding="utf-8")
    plan = incremental.prepare(config, tmp_path / "mkdocs.yml", docs, cache)
    assert "themes.md" in plan.reuse
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          cwd=tmp_path, capture_output=True, text=True)   # no -q: it stops strict counting warnings
    assert done.returncode != 0 and "does not contain an anchor '#no-such-part'" in done.stderr, done.stderr[-2000:]

def test_a_reused_page_is_checked_for_links_only_when_a_page_is_gone(tmp_path, monkeypatch):
    """An unchanged page's links resolved when it was last built; they can break only when a
    page of that build is gone. Then the page is rendered again, and strict MkDocs reports the
    broken link; while no page is gone, no unchanged page's text is scanned for links."""
    docs, config, cache = _project(tmp_path)
    _build(tmp_path, docs, config, cache)
    scans, real = [], incremental._links_resolve
    monkeypatch.setattr(incremental, "_links_resolve", lambda page, *a: scans.append(page) or real(page, *a))
    (docs / "new.md").write_text("# New\n\nA new page.\n", encoding="utf-8")
    second = _build(tmp_path, docs, config, cache)
    assert scans == [] and second.reused == 3

    (docs / "paper.md").unlink()          # index.md, unchanged, links to it
    plan = incremental.prepare(config, tmp_path / "mkdocs.yml", docs, cache)
    assert "index.md" in scans and "index.md" not in plan.reuse
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and "paper.md" in done.stderr, done.stderr[-2000:]


def test_the_search_plugin_indexes_no_page_and_the_search_box_stays(tmp_path):
    """annobib writes its own index from the finished site; Material's plugin, on only for the
    theme's header box, parses no page (its index was thrown away: a tenth of MkDocs' time)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs, config, cache = _project(tmp_path)
    _build(tmp_path, docs, config, cache)                 # writes the generated config and the plan
    (docs / "index.md").write_text(PAGES["index.md"].replace("First", "Third"), encoding="utf-8")
    incremental.prepare(config, tmp_path / "mkdocs.yml", docs, cache)
    loaded = load_config(str(config), strict=True)
    build(loaded)
    search = next(loaded.plugins[name] for name in ("material/search", "search") if name in loaded.plugins)
    assert search.search_index.entries == []
    assert b'for="__search"' in (tmp_path / "site" / "index.html").read_bytes()


def test_the_theme_is_compiled_once_and_renders_what_a_fresh_compilation_renders(tmp_path):
    """Material's templates go through Jinja's bytecode cache kept in the page cache: a later
    build reads them compiled, and a page it renders is the bytes a build without any cache
    (every template compiled afresh) writes."""
    docs, config, cache = _project(tmp_path)
    _build(tmp_path, docs, config, cache)
    compiled = sorted((cache / incremental.TEMPLATES_FOLDER).glob("*.cache"))
    assert len(compiled) >= 10, "the theme's templates were not kept compiled"
    stamps = {p.name: p.stat().st_mtime_ns for p in compiled}
    (docs / "index.md").write_text(PAGES["index.md"].replace("First", "Second"), encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    again = {p.name: p.stat().st_mtime_ns for p in (cache / incremental.TEMPLATES_FOLDER).glob("*.cache")}
    assert {name: again.get(name) for name in stamps} == stamps, "templates compiled before were compiled again"
    from_cache = (tmp_path / "site" / "index.html").read_bytes()
    _build(tmp_path, docs, config, None)
    assert (tmp_path / "site" / "index.html").read_bytes() == from_cache


def test_a_page_rendered_again_takes_its_known_entry_blocks_from_the_store(tmp_path):
    """A theme page that gains an entry is rendered again, but MkDocs converts only the new
    entry's block (render/fragments.py); the page is the bytes of a build without any cache."""
    docs, config, cache = _project(tmp_path)
    entry = ('<div class="annobib-entry-details" markdown>\n<p class="annobib-summary">Paper {n}, see '
             '[the paper](paper.md).</p>\n</div>\n\n')
    # A theme page of a real corpus runs to megabytes; a paper page converts whole.
    introduction = "A long introduction to the theme. " * 1000 + "\n\n"
    themes = PAGES["themes.md"] + "\n" + introduction + "".join(entry.format(n=n) for n in range(3))
    (docs / "themes.md").write_text(themes, encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    assert _blocks(tmp_path) == {"converted": 3, "reused": 0}

    (docs / "themes.md").write_text(themes + entry.format(n=3), encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    assert _rendered(tmp_path) == {"themes.md"}
    assert _blocks(tmp_path) == {"converted": 1, "reused": 3}
    from_store = (tmp_path / "site" / "themes" / "index.html").read_bytes()
    assert b"Paper 3, see" in from_store and b"data-annobib" not in from_store
    _build(tmp_path, docs, config, None)
    assert (tmp_path / "site" / "themes" / "index.html").read_bytes() == from_store
    assert _blocks(tmp_path) is None, "without the page cache there is no store"


def _blocks(tmp_path: Path):
    return json.loads((tmp_path / incremental.BUILT_FILE).read_text(encoding="utf-8"))["blocks"]


def test_a_link_into_an_anchor_from_a_stored_block_is_still_checked(tmp_path):
    """A block put back from the store is not converted, but its link into another page's
    anchor is checked as if it were: the anchor gone, `mkdocs build --strict` fails."""
    docs, config, cache = _project(tmp_path)
    introduction = "A long introduction to the theme. " * 1000 + "\n\n"
    entry = ('<div class="annobib-entry" markdown>\n<div class="annobib-entry-details" markdown>\n'
             '<p>Paper {n}, see [its first section](paper.md#a-paper).</p>\n</div>\n</div>\n\n')
    themes = PAGES["themes.md"] + "\n" + introduction + entry.format(n=0)
    (docs / "themes.md").write_text(themes, encoding="utf-8")
    _build(tmp_path, docs, config, cache)
    assert _blocks(tmp_path) == {"converted": 1, "reused": 0}, "the entry is stored, with the div inside it"
    (docs / "paper.md").write_text(PAGES["paper.md"].replace("# A paper", "# The paper"), encoding="utf-8")
    (docs / "themes.md").write_text(themes + entry.format(n=1).replace("#a-paper", "#the-paper"), encoding="utf-8")
    plan = incremental.prepare(config, tmp_path / "mkdocs.yml", docs, cache)
    assert "themes.md" not in plan.reuse
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert "a-paper" in done.stderr and "the-paper" not in done.stderr, done.stderr[-2000:]

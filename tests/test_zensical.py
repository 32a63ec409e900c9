"""`site_generator: zensical`: the shipped corpus built by Zensical instead of MkDocs
(render/zensical_build.py). The analysis cache of the `shipped_site` fixture is copied in,
so the corpus is analysed once per session whichever generator builds it."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from annobib.build import build_site
from annobib.config import SettingsError, load_settings
from annobib.errors import BuildError
from conftest import copy_project

slow = pytest.mark.slow


def _use_zensical(root: Path) -> None:
    with open(root / "annobib.yml", "a", encoding="utf-8") as handle:
        handle.write("\nsite_generator: zensical\n")


@pytest.fixture(scope="module")
def zensical_site(shipped_site, tmp_path_factory):
    """(project, summary, the MkDocs build's summary): the shipped corpus built by Zensical."""
    shipped, mkdocs_summary = shipped_site
    root = copy_project(tmp_path_factory.mktemp("zensical") / "project")
    shutil.copytree(shipped / "build" / "cache", root / "build" / "cache")
    for kept in ("themes.yml", "added.yml"):      # as the MkDocs build left them
        if (shipped / "corpus" / kept).is_file():
            shutil.copy(shipped / "corpus" / kept, root / "corpus" / kept)
    _use_zensical(root)
    summary = build_site(root, load_settings(root), progress=False)
    return root, summary, mkdocs_summary


def _papers(site: Path) -> list[dict]:
    return json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))


@slow
def test_every_paper_page_and_download(zensical_site):
    root, summary, mkdocs_summary = zensical_site
    site = root / "site"
    assert summary.analysed == 0, "the analysis cache of the MkDocs build was not reused"
    assert summary.pages_reused == 0                    # no page cache with Zensical
    assert summary.paper_pages == mkdocs_summary.paper_pages == summary.entries_read - summary.skipped
    papers = _papers(site)
    assert len(papers) == summary.paper_pages
    missing = [p["key"] for p in papers if not (site / "papers" / p["url_slug"] / "index.html").is_file()]
    assert not missing
    for download in ("bib/all.bib", "bib/all.ris", "bib/all.json", "data/trends.json", "feeds/all.xml"):
        assert (site / download).is_file(), download
    for paper in papers[:20]:
        assert (site / "bib" / "papers" / f"{paper['url_slug']}.bib").is_file()
    assert (site / "themes" / "index.html").is_file() and (site / "404.html").is_file()
    assert (site / "assets" / "javascripts" / "annobib-map.js").is_file()
    assert (site / "stylesheets" / "annobib.css").is_file()
    assert not (site / "pagefind").exists()              # Zensical's own search, Pagefind not run


@slow
def test_paper_page_head_carries_citation_tags_and_json_ld(zensical_site):
    root, _, _ = zensical_site
    paper = _papers(root / "site")[0]
    html = (root / "site" / "papers" / paper["url_slug"] / "index.html").read_text(encoding="utf-8")
    head = html.split("</head>", 1)[0]
    assert 'content="zensical-' in head                   # the generator meta tag: really Zensical's page
    assert len(re.findall(r'<meta name="citation_title" content="[^"]+">', head)) == 1
    assert '<meta name="citation_author" content=' in head
    assert '<meta property="og:title" content=' in head
    assert head.count('<script type="application/ld+json">') == 1
    assert 'data-annobib-search' not in html              # the Pagefind box is left out ...
    assert 'class="md-search"' in html                     # ... for Zensical's own


@slow
def test_home_page_has_the_map_script_and_one_title(zensical_site):
    root, _, _ = zensical_site
    settings = load_settings(root)
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "annobib-map.js" in home
    assert re.findall(r"<title>([^<]*)</title>", home.split("</head>", 1)[0]) == [settings.site_name]
    assert "annobib-map.js" not in (root / "site" / "404.html").read_text(encoding="utf-8")


@slow
def test_search_index_lists_every_paper(zensical_site):
    root, _, _ = zensical_site
    site = root / "site"
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    locations = {item["location"] for item in index["items"]}
    missing = [p["key"] for p in _papers(site) if f"papers/{p['url_slug']}/" not in locations]
    assert not missing


@slow
def test_failed_zensical_build_leaves_the_site(zensical_site, tmp_path):
    root, _, _ = zensical_site
    copy = tmp_path / "project"
    shutil.copytree(root, copy, symlinks=True)
    before = (copy / "site" / "index.html").read_bytes()
    with open(copy / "docs" / "about.md", "a", encoding="utf-8") as handle:
        handle.write("\n[a page that does not exist](nowhere.md)\n")
    with pytest.raises(BuildError, match="zensical build --strict failed"):
        build_site(copy, load_settings(copy), progress=False)
    assert (copy / "site" / "index.html").read_bytes() == before
    assert not list((copy / "build").glob("staging-*"))


def test_site_generator_is_mkdocs_or_zensical(tmp_path):
    assert load_settings(tmp_path).site_generator == "mkdocs"
    (tmp_path / "annobib.yml").write_text("site_generator: zensical\n", encoding="utf-8")
    assert load_settings(tmp_path).site_generator == "zensical"
    (tmp_path / "annobib.yml").write_text("site_generator: hugo\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="site_generator") as raised:
        load_settings(tmp_path)
    assert "\n" not in str(raised.value) and "mkdocs, zensical" in str(raised.value)
    with pytest.raises(SettingsError, match="site_generator"):
        load_settings(tmp_path / "nowhere", site_generator="sphinx")

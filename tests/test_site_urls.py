"""Where the site lives: sitemap.xml and 404.html with and without `site_url` (issue 23).

- With site_url (here under a sub-path, as on a project's GitHub Pages): sitemap.xml lists
  every page of the built site by its absolute URL, and 404.html, which a server shows at
  any missing address, finds its stylesheets, scripts and links under that sub-path.
- Without it (the shipped annobib.yml): no sitemap at all (a sitemap needs absolute URLs;
  an empty <urlset> would claim the site has no pages), and 404.html links relative to
  itself, like every other page, instead of to the server's root.
"""
from __future__ import annotations

import gzip
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from annobib.config import Settings
from annobib.models import Bibliography, Paper, Theme
from annobib.organize.people import with_people_venues_years
from annobib.render import render_site, write_mkdocs_config

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")
SITE_URL = "https://bib.example.org/lab/inr/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _bibliography() -> Bibliography:
    papers = tuple(Paper(f"p{i}", "article", f"Paper number {i}", "", year=2018 + i) for i in range(6))
    themes = (Theme("fields", "Neural fields", papers=("p0", "p1", "p2")),
              Theme("codecs", "Compression", papers=("p3", "p4")))
    theme_of = {k: t.slug for t in themes for k in t.papers}
    return with_people_venues_years(Bibliography(
        papers=papers, annotations={}, themes=themes, theme_of=theme_of, related={},
        map_points={p.key: (i / 6, 1 - i / 6) for i, p in enumerate(papers)}))


def _build(work: Path, settings: Settings) -> Path:
    bib = _bibliography()
    docs = work / "docs"
    docs.mkdir(parents=True)
    render_site(bib, docs, settings, hand_written_docs=ROOT / "docs")
    config = work / "mkdocs.gen.yml"
    write_mkdocs_config(bib, docs, work / "site", config, ROOT / "mkdocs.yml", settings)
    run = subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(config)], capture_output=True, text=True, cwd=work)
    assert run.returncode == 0, run.stderr
    return work / "site"


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("subpath"), Settings(site_name="Sub-path site", site_url=SITE_URL))


def _page_urls(site: Path) -> set[str]:
    """Every page of a built site (one index.html per page, 404.html is none) as a URL path."""
    return {p.parent.relative_to(site).as_posix().removeprefix(".") + "/"
            for p in site.rglob("index.html")} - {"/"} | {""}


class _Refs(HTMLParser):
    """href/src of every element of a page."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("href", "src") and value]


def _refs(page: Path) -> list[str]:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return [ref for ref in parser.refs if not urlsplit(ref).scheme and not ref.startswith("#")]


def test_generated_config_carries_site_url(tmp_path):
    """MkDocs writes the sitemap and 404.html from the generated config's site_url."""
    config = tmp_path / "mkdocs.gen.yml"
    write_mkdocs_config(_bibliography(), tmp_path / "docs", tmp_path / "site", config, ROOT / "mkdocs.yml",
                        Settings(site_url=SITE_URL))
    assert yaml.safe_load(config.read_text(encoding="utf-8"))["site_url"] == SITE_URL
    write_mkdocs_config(_bibliography(), tmp_path / "docs", tmp_path / "site", config, ROOT / "mkdocs.yml", Settings())
    assert "site_url" not in yaml.safe_load(config.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_sitemap_lists_every_page(subpath_site):
    pages = _page_urls(subpath_site)
    assert {"", "themes/", "themes/fields/", "papers/p0/", "authors/", "years/"} <= pages
    root = ET.fromstring((subpath_site / "sitemap.xml").read_bytes())
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert len(locations) == len(set(locations))
    assert set(locations) == {SITE_URL + page for page in pages}
    with gzip.open(subpath_site / "sitemap.xml.gz") as packed:
        assert packed.read() == (subpath_site / "sitemap.xml").read_bytes()


@pytest.mark.slow
def test_404_page_works_under_the_sub_path(subpath_site):
    prefix = urlsplit(SITE_URL).path                       # '/lab/inr/'
    refs = _refs(subpath_site / "404.html")
    assets = [r for r in refs if "/assets/" in r or r.endswith((".css", ".js"))]
    assert any(r.endswith(".css") for r in assets) and any(r.endswith(".js") for r in assets)
    assert all(r.startswith(prefix) for r in refs), [r for r in refs if not r.startswith(prefix)]
    for ref in refs:                                       # and each is a file of the site
        target = subpath_site / urlsplit(ref).path.removeprefix(prefix)
        assert (target / "index.html" if ref.endswith("/") or target.is_dir() else target).is_file(), ref


@pytest.mark.slow
def test_without_site_url_no_sitemap_and_a_relative_404(shipped_site):
    root, _ = shipped_site
    site = root / "site"
    assert not yaml.safe_load((root / "annobib.yml").read_text(encoding="utf-8")).get("site_url")
    assert not (site / "sitemap.xml").exists() and not (site / "sitemap.xml.gz").exists()
    refs = _refs(site / "404.html")
    assert any(r.endswith(".css") for r in refs) and any(r.endswith(".js") for r in refs)
    assert not [r for r in refs if r.startswith("/")], "404.html links to the server's root"
    # Relative to 404.html, they work wherever the site is put, e.g. under /sub/path/.
    for ref in refs:
        resolved = urlsplit(urljoin("https://host.example/sub/path/404.html", ref)).path
        assert resolved.startswith("/sub/path/"), ref
        target = site / resolved.removeprefix("/sub/path/")
        assert (target / "index.html" if ref.endswith("/") or target.is_dir() else target).is_file(), ref

"""Render stage: the small fixture corpus -> docs folder -> `mkdocs build --strict` -> HTML.

The Bibliography is built by hand (no models). Fast tests check the docs folder and the
escaping functions; the `slow` test builds the site once and checks it page by page.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import bibtexparser
import pytest

from annobib.config import Settings, load_settings
from annobib.models import Bibliography, Related
from annobib.render import escape, render, render_site, write_mkdocs_config

from helpers.small_bib import HOSTILE, ROOT, SL2A, bibliography

MKDOCS = Path(sys.executable).with_name("mkdocs")


# --------------------------------------------------------------------------- escaping

@pytest.mark.parametrize("hostile", [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("[x](javascript:alert(1))", id="markdown-link"),
    pytest.param("![i](x.png)", id="markdown-image"),
    pytest.param("{{ 7*7 }} {% if 1 %}x{% endif %}", id="jinja"),
    pytest.param("!!! note\n    boom", id="admonition"),
    pytest.param('--8<-- "/etc/passwd"', id="snippet"),
    pytest.param("text { data-x=1 } *em* `code` <!-- c -->", id="attr-list"),
    pytest.param("line\n\n---\n# heading", id="blocks"),
])
def test_text_escape_leaves_no_syntax(hostile):
    escaped = escape.text(hostile)
    assert not re.search(r"[<>\[\]{}()*`!#\-\n\"']", escaped.replace("&#", "")
                         .translate(str.maketrans("", "", "0123456789;")))
    assert html.unescape(escaped) == " ".join(hostile.split())


@pytest.mark.parametrize("url,expected", [
    ("https://arxiv.org/abs/2006.09661", "https://arxiv.org/abs/2006.09661"),
    ("http://example.org/a?b=1&c=2", "http://example.org/a?b=1&amp;c=2"),
    ("javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("data:text/html,<script>", None),
    ("//evil.example/x", None),
    ("https://ok.example/ x", None),
    ("ftp://files.example/a", None),
])
def test_http_url_accepts_only_http(url, expected):
    assert escape.http_url(url) == expected


def test_path_segment_rejects_traversal():
    for bad in ("../etc", "a/b", "", "a.b", "-x"):
        with pytest.raises(ValueError):
            escape.path_segment(bad)


def test_control_and_unassigned_code_points_are_dropped_everything_else_kept():
    """Every code point once: category C goes (tab, line feed, carriage return stay); every
    ASCII punctuation mark becomes a numeric reference and nothing else changes."""
    import string
    import sys
    import unicodedata

    everything = "".join(chr(c) for c in range(sys.maxunicode + 1))
    kept = escape._printable(everything)
    assert kept == "".join(ch for ch in everything if ch in "\t\n\r" or unicodedata.category(ch)[0] != "C")
    assert escape._printable("plain text, é ü 中文") == "plain text, é ü 中文"
    sample = "a<b>&'\"{x}|y` z é"
    assert escape._encode_punctuation(sample) == "".join(
        f"&#{ord(ch)};" if ch in string.punctuation else ch for ch in sample)


def test_templates_cannot_print_unescaped_markup():
    from annobib.render.templating import _ENV
    assert "safe" not in _ENV.filters and "e" not in _ENV.filters
    with pytest.raises(TypeError):
        _ENV.from_string("{{ a ~ b }}").render(a=escape.Safe("x"), b="<script>")
    assert _ENV.from_string("{{ a }}").render(a="{{ 7*7 }}") == "&#123;&#123; 7&#42;7 &#125;&#125;"


def test_front_matter_title_is_html_escaped_json():
    assert escape.front_matter('<b> "x"\x85') == '"&lt;b&gt; &quot;x&quot;"'


# --------------------------------------------------------------------------- docs folder

@pytest.fixture(scope="module")
def bib() -> Bibliography:
    return bibliography()


@pytest.fixture(scope="module")
def docs(tmp_path_factory, bib):
    docs_dir = tmp_path_factory.mktemp("render") / "docs"
    docs_dir.mkdir()
    # The repository's own annobib.yml: the site's identity reaches the pages from there.
    result = render_site(bib, docs_dir, load_settings(ROOT), hand_written_docs=ROOT / "docs")
    return docs_dir, result


def test_render_result_counts_and_files(docs, bib):
    docs_dir, result = docs
    assert result.paper_pages == len(bib.papers) == 9
    assert result.theme_pages == 3
    assert result.bib_entries == 9
    assert list(result.files) == sorted(result.files)
    for relative in result.files:
        assert (docs_dir / relative).is_file(), relative
    expected = {"index.md", "about.md", "methods.md", "keywords.md", "themes/index.md",
                "bib/all.bib", "data/papers.json", "stylesheets/annobib.css",
                f"papers/{SL2A}.md", f"bib/papers/{SL2A}.bib", "bib/themes/activations.bib"}
    assert expected <= set(result.files)


def test_all_bib_has_every_key_once(docs, bib):
    docs_dir, _ = docs
    library = bibtexparser.parse_string((docs_dir / "bib/all.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    keys = [entry.key for entry in library.entries]
    assert sorted(keys) == sorted(p.key for p in bib.papers)
    assert len(keys) == len(set(keys))


def test_theme_bib_holds_its_papers(docs):
    docs_dir, _ = docs
    library = bibtexparser.parse_string((docs_dir / "bib/themes/geometry.bib").read_text(encoding="utf-8"))
    assert [e.key for e in library.entries] == ["dynamicappearance", "novello2022neural", "peng2020convolutional"]


def test_papers_json(docs, bib):
    docs_dir, _ = docs
    text = (docs_dir / "data/papers.json").read_text(encoding="utf-8")
    assert text.endswith("]\n")
    records = json.loads(text)
    assert [r["key"] for r in records] == sorted(p.key for p in bib.papers)
    by_key = {r["key"]: r for r in records}
    sl2a = by_key[SL2A]
    assert set(sl2a) == {"key", "title", "authors", "year", "venue", "arxiv", "doi", "url", "keyphrases",
                         "methods_introduced", "methods_mentioned", "datasets", "summary", "theme", "chapter",
                         "related", "url_slug", "has_abstract", "author_keywords", "note", "cites", "cited_by"}
    assert sl2a["url_slug"] == SL2A and sl2a["has_abstract"] is True
    assert sl2a["title"] == "Single-Layer Learnable Activation for Implicit Neural Representation (SL²A-INR)"
    assert sl2a["authors"][0] == "Moein Heidari" and sl2a["year"] == 2024 and sl2a["venue"] == "ICCV 2025"
    assert sl2a["arxiv"] == "2409.10836"
    # theme (the section) and chapter as {slug, label}; this fixture has no chapters (tests/test_chapters.py has)
    assert sl2a["theme"] == {"slug": "activations", "label": "Activation functions & <b>spectral</b> bias"}
    assert sl2a["chapter"] is None
    assert sl2a["related"] == ["sitzmann2020implicit", "mehrabian2024implicit"]
    assert sl2a["datasets"] == ["DIV2K"] and sl2a["methods_introduced"] == ["SL²A-INR"]
    anonymous = by_key["dynamicappearance"]
    assert anonymous["authors"] == [] and anonymous["year"] is None and anonymous["keyphrases"] == []
    assert by_key[HOSTILE]["url"] is None          # javascript: URL is not passed on
    assert by_key[HOSTILE]["doi"] == "10.5555/annobib.test_1"
    assert by_key["schwarz2023modalityagnostic"]["theme"] is None
    assert by_key["schwarz2023modalityagnostic"]["chapter"] is None


def test_output_is_deterministic(tmp_path, bib, docs):
    docs_dir, first = docs
    again = tmp_path / "docs"
    again.mkdir()
    second = render_site(bib, again, load_settings(ROOT), hand_written_docs=ROOT / "docs")
    assert second.files == first.files
    for relative in first.files:
        assert (again / relative).read_bytes() == (docs_dir / relative).read_bytes(), relative


def test_no_corpus_text_reaches_markdown_raw(docs):
    docs_dir, _ = docs
    for page in docs_dir.rglob("*.md"):
        if page.name == "about.md":
            continue                                   # hand-written
        _, front_matter, body = page.read_text(encoding="utf-8").split("---\n", 2)
        assert "<" not in front_matter                 # titles are HTML-escaped JSON strings
        for needle in ("<script", "<img", "javascript:", "{{", "{%", "!!!", "--8<--", "[TOC]"):
            assert needle not in body, (page, needle)


def test_mkdocs_config(tmp_path, bib, docs):
    import yaml
    docs_dir, _ = docs
    config_path = tmp_path / "build" / "mkdocs.yml"
    write_mkdocs_config(bib, docs_dir, tmp_path / "site", config_path, ROOT / "mkdocs.yml")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert (config_path.parent / config["INHERIT"]).resolve() == (ROOT / "mkdocs.yml").resolve()
    assert (config_path.parent / config["docs_dir"]).resolve() == docs_dir.resolve()
    assert config["nav"] == [
        {"Home": "index.md"},
        {"Themes": ["themes/index.md", "themes/activations.md", "themes/geometry.md", "themes/hostile-theme.md"]},
        {"Methods": "methods.md"}, {"Keywords": "keywords.md"},
        {"Authors": "authors.md"}, {"Venues": "venues.md"}, {"Years": "years.md"}, {"About": "about.md"},
    ]
    assert not any("papers/" in json.dumps(item) for item in config["nav"])


def test_render_refuses_unknown_references(tmp_path, bib):
    from dataclasses import replace
    from annobib.errors import BuildError
    broken = replace(bib, related={SL2A: (Related("no_such_paper", 1.0, "x"),)})
    with pytest.raises(BuildError, match="no_such_paper"):
        render_site(broken, tmp_path, Settings())


def test_home_page_with_charts(docs):
    docs_dir, _ = docs
    home = (docs_dir / "index.md").read_text(encoding="utf-8")
    assert home.count('<figure class="annobib-chart"') == 3
    assert 'href="papers/sitzmann2020implicit/"' in home


def test_render_helper_uses_template_folder():
    assert render("_chips.md.j2", chips=()).strip() == ""


# --------------------------------------------------------------------------- built site

class _Page(HTMLParser):
    """Collects hrefs/srcs, element tags and the text of one built page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _main_text(path: Path) -> str:
    """Text of the article only (no nav/search chrome), whitespace collapsed."""
    source = path.read_text(encoding="utf-8")
    article = source[source.index('<article'):source.index('</article>')]
    page = _Page()
    page.feed(article)
    return " ".join("".join(page.text).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory, bib, docs):
    docs_dir, _ = docs
    work = tmp_path_factory.mktemp("site")
    config_path = work / "mkdocs.gen.yml"
    write_mkdocs_config(bib, docs_dir, work / "site", config_path, ROOT / "mkdocs.yml", load_settings(ROOT))
    run = subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(config_path)],
                         capture_output=True, text=True, cwd=work)
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    return work / "site"


@pytest.mark.slow
def test_every_paper_page(site, bib):
    for paper in bib.papers:
        assert (site / "papers" / paper.key / "index.html").is_file(), paper.key


@pytest.mark.slow
def test_paper_page_content(site):
    page_path = site / "papers" / SL2A / "index.html"
    text = _main_text(page_path)
    assert "Single-Layer Learnable Activation for Implicit Neural Representation (SL²A-INR)" in text
    assert "<title>Single-Layer Learnable Activation for Implicit Neural Representation (SL²A-INR) -" \
        in page_path.read_text(encoding="utf-8")
    assert "Moein Heidari, Reza Rezaeian, Reza Azad" in text
    assert "2024 · ICCV 2025" in text
    assert "we propose SL²A-INR, a hybrid network for INR" in text            # abstract
    assert "learnable activation" in text and "spectral bias" in text          # keyphrases
    assert "Introduces SL²A-INR" in text and "SIREN" in text and "DIV2K" in text
    assert "shares methods: SIREN" in text and "similar abstract" in text      # related reasons
    assert "@inproceedings{heidari2024singlelayer," in text                   # BibTeX block
    page = _parse(page_path)
    assert "https://arxiv.org/abs/2409.10836" in page.links
    assert "../../themes/activations/" in page.links
    assert "../../methods/#method-siren" in page.links
    assert "../../methods/#dataset-div2k" in page.links
    assert "../sitzmann2020implicit/" in page.links
    assert "../../bib/papers/heidari2024singlelayer.bib" in page.links
    code = [attrs for tag, attrs in page.tags if tag == "div" and attrs.get("class") == "annobib-bibtex"]
    assert code and "data-pagefind-ignore" in code[0]


@pytest.mark.slow
def test_paper_without_authors_or_year(site):
    text = _main_text(site / "papers" / "dynamicappearance" / "index.html")
    assert "Dynamic Appearance Modeling of Clothed 3D Human Avatars using a Single Camera" in text
    assert "@misc{dynamicappearance," in text


@pytest.mark.slow
def test_theme_page(site):
    page_path = site / "themes" / "activations" / "index.html"
    text = _main_text(page_path)
    assert "Activation functions & <b>spectral</b> bias" in text                # label shown literally
    assert "We propose SL²A-INR, a hybrid network with a learnable activation." in text
    page = _parse(page_path)
    assert "../../papers/heidari2024singlelayer/" in page.links
    assert "../../bib/themes/activations.bib" in page.links
    assert "../geometry/" in page.links
    article = page_path.read_text(encoding="utf-8").split("<article", 1)[1]
    assert not any(tag == "b" for tag, _ in _parse_fragment(article).tags)


@pytest.mark.slow
def test_index_pages(site):
    home = _main_text(site / "index.html")
    assert "9 papers" in home and "3 themes" in home and "2020–2024 years" in home
    assert "Implicit Neural Networks: an annotated bibliography" in home          # own h1, not "Home"
    head = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Implicit Neural Networks: an annotated bibliography</title>" in head  # the name once
    methods = _parse(site / "methods" / "index.html")
    ids = {attrs.get("id") for _, attrs in methods.tags}
    assert {"method-siren", "dataset-div2k", "dataset-shapenet"} <= ids
    keywords = _parse(site / "keywords" / "index.html")
    assert "kw-spectral-bias" in {attrs.get("id") for _, attrs in keywords.tags}
    assert "../papers/schwarz2023modalityagnostic/" in _parse(site / "themes" / "index.html").links


@pytest.mark.slow
def test_every_internal_link_resolves(site):
    assert _unresolved_links(site) == []


def _unresolved_links(site: Path) -> list[str]:
    missing = []
    for page_path in site.rglob("*.html"):
        for link in _parse(page_path).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            base = site if parts.path.startswith("/") else page_path.parent   # 404.html: absolute
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if link.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{page_path.relative_to(site)}: {link}")
    return missing


def test_a_letter_with_too_many_links_is_one_page_per_first_two_letters(monkeypatch):
    """On a split keywords index a letter whose phrases list INDEX_SPLIT_FROM paper links or
    more is cut by its first two letters; a smaller letter stays one page."""
    from annobib.render import views

    monkeypatch.setattr(views, "INDEX_SPLIT_FROM", 4)
    keywords = {"contrastive learning": ("a", "b"), "convolution": ("c",), "camera pose": ("d",),
                "c3d features": ("e",), "sparse coding": ("a", "b", "c"), "3d vision": ("a", "b", "c", "d")}
    groups = views.keyword_groups(keywords)
    assert groups == {"contrastive learning": "CO", "convolution": "CO", "camera pose": "CA",
                      "c3d features": "C#", "sparse coding": "S", "3d vision": "#"}
    assert [views.group_segment(g) for g in ("CO", "C#", "S", "#")] == ["co", "c-other", "s", "other"]


@pytest.mark.slow
def test_large_indexes_are_one_page_per_letter_and_their_links_resolve(tmp_path, bib, monkeypatch):
    """Past INDEX_SPLIT_FROM paper links an index (keywords, methods, authors, venues, years)
    is an overview and one page per initial letter (per year): 17.7 MB of HTML in one
    keywords page at 10,000 papers. Keyphrase chips and a paper's author, year and venue
    link into those pages, and a strict MkDocs build (anchors checked) passes."""
    from annobib.render import views

    monkeypatch.setattr(views, "INDEX_SPLIT_FROM", 1)
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir()
    render_site(bib, docs_dir, load_settings(ROOT), hand_written_docs=ROOT / "docs")
    # Every letter has at least one link: each is one page per first two letters ('sp').
    assert "sp.md" in {p.name for p in (docs_dir / "keywords").glob("*.md")}
    overview = (docs_dir / "keywords.md").read_text(encoding="utf-8")
    assert "[Sp](keywords/sp.md)" in overview and 'id="kw-' not in overview
    chips = [p for p in (docs_dir / "papers").glob("*.md")
             if "](../keywords/sp.md#kw-spectral-bias)" in p.read_text(encoding="utf-8")]
    assert chips, "no paper links its keyphrase to the letter page"
    for index, entry_class in (("methods", "annobib-method"), ("authors", "annobib-person"),
                               ("venues", "annobib-venue-entry"), ("years", "annobib-year-entry")):
        pages = sorted(p.name for p in (docs_dir / index).glob("*.md"))
        assert len(pages) > 1, index
        text = (docs_dir / f"{index}.md").read_text(encoding="utf-8")
        assert f"]({index}/{pages[0]})" in text and entry_class not in text, index
        assert entry_class in (docs_dir / index / pages[0]).read_text(encoding="utf-8"), index
    paper = (docs_dir / "papers" / f"{chips[0].stem}.md").read_text(encoding="utf-8")
    for pattern in (r"\]\(\.\./authors/[a-z]+\.md#", r"\]\(\.\./years/\d{4}\.md#y\d{4}\)"):
        assert re.search(pattern, paper), pattern
    assert "2021.md" in {p.name for p in (docs_dir / "years").glob("*.md")}
    config_path = tmp_path / "mkdocs.gen.yml"
    write_mkdocs_config(bib, docs_dir, tmp_path / "site", config_path, ROOT / "mkdocs.yml", load_settings(ROOT))
    run = subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(config_path)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0 and "WARNING" not in run.stderr, run.stderr
    site = tmp_path / "site"
    letter = _parse(site / "keywords" / "sp" / "index.html")
    assert "kw-spectral-bias" in {attrs.get("id") for _, attrs in letter.tags}
    assert "../../papers/" + chips[0].stem + "/" in letter.links
    assert "sp/" in _parse(site / "keywords" / "index.html").links
    year = _parse(site / "years" / "2021" / "index.html")
    assert "y2021" in {attrs.get("id") for _, attrs in year.tags}
    assert any(link.startswith("../../papers/") for link in year.links)
    assert _unresolved_links(site) == []


@pytest.mark.slow
def test_hostile_text_shows_literally_and_creates_nothing(site):
    page_path = site / "papers" / HOSTILE / "index.html"
    source = page_path.read_text(encoding="utf-8")
    text = _main_text(page_path)
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                    "{{ 7*7 }}", "{% if 1 %}jinja{% endif %}", '!!! note "Admonition"', "[TOC]",
                    "{ data-search-exclude }", "![img](x.png) *emph* `code`",
                    "<script>alert(2)</script> Probe [click](javascript:alert(1)) {{ 6*6 }}",
                    "Mallory <img src=x onerror=alert(3)>", "<script>alert('reason')</script>",
                    '--8<-- "/etc/passwd"'):                                  # last one: in the BibTeX block
        assert literal in text, literal
    assert "49" not in text and "36" not in text
    page = _parse(page_path)
    assert not [link for link in page.links if link.lower().startswith(("javascript", "data:"))]
    article = source[source.index("<article"):source.index("</article>")]
    tags = {tag for tag, _ in _parse_fragment(article).tags}
    assert not tags & {"script", "img", "em", "admonition", "iframe"}
    assert not any("onerror" in attrs for _, attrs in _parse_fragment(article).tags)
    assert 'class="admonition' not in source
    for other in (site / "methods" / "index.html", site / "keywords" / "index.html",
                  site / "themes" / "hostile-theme" / "index.html", site / "themes" / "index.html"):
        fragment = _parse_fragment(other.read_text(encoding="utf-8"))
        assert not any(tag in ("script",) and "alert" in str(attrs) for tag, attrs in fragment.tags)
        assert not any("onerror" in attrs for _, attrs in fragment.tags)
        assert not [link for link in fragment.links if link.lower().startswith("javascript")]


def _parse_fragment(source: str) -> _Page:
    page = _Page()
    page.feed(source)
    return page


@pytest.mark.slow
def test_search_index_keeps_titles_not_bibtex(site, bib):
    """`render_search: lunr`: annobib's trimmed index; Material's own is not left in the site."""
    from dataclasses import replace

    from annobib.render.search import build_search_index

    assert not (site / "search" / "search_index.json").exists(), "Material's whole-page index was left in"
    build_search_index(bib, site, replace(load_settings(ROOT), render_search="lunr"))
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    titles = " ".join(d["title"] for d in docs)
    assert "SL²A-INR" in titles
    text = " ".join(d["text"] for d in docs)
    assert "@inproceedings" not in text and "archiveprefix" not in text
    assert "shares methods" not in text                         # related lists
    assert "Introduced by" not in text                          # methods page paper lists
    assert not any(d["location"].startswith("keywords/") for d in docs)
    assert "learnable activation" in text and "SIREN" in text and "DIV2K" in text

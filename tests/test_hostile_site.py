"""A site built from every hostile-but-valid corpus case shows each text literally and
carries nothing a corpus text injected (slow: the build loads the packaged models).

The corpus is tests/hostile/literal/*.bib; the expectations are in tests/hostile/cases.yml.
The build runs in a temporary project (the repository's mkdocs.yml and docs/, with its
own analysis cache), once per test session, shared with test_browser.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest

from helpers.hostile import (element_matches, html_pages, injection_faults, literal_cases,
                             parse_html, prose_text, search_documents, session_site)

LITERALS = literal_cases()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return session_site(tmp_path_factory, "hostile", "hostile")


# ---------------------------------------------------------------- the checker itself (fast)

INJECTED = """<html><head><title>x</title><script src="../assets/javascripts/bundle.js"></script></head>
<body><article><p>fine</p>
<script>alert('xss-1')</script>
<img src=x onerror="alert('xss-2')">
<a href=" JaVaScRiPt:alert('xss-3')">x</a>
<a href="https://evil.example/xss-4">x</a>
<script src="https://evil.example/x.js"></script>
<iframe src="https://example.org"></iframe>
</article></body></html>"""

CLEAN = """<html><head><script src="../assets/javascripts/bundle.js"></script>
<script id="__config" type="application/json">{"base": "..", "note": "alert(xss-1)"}</script></head>
<body><p>&lt;script&gt;alert('xss-1')&lt;/script&gt; &lt;img onerror=alert(1)&gt;</p>
<a href="https://doi.org/10.1000/%22%3E%3Cscript%3Ealert('xss-doi')">doi</a></body></html>"""


def test_checker_finds_every_kind_of_injection():
    faults = injection_faults(parse_html(INJECTED), "doctored.html")
    text = "\n".join(faults)
    assert "inline script holds corpus text" in text
    assert "event-handler attribute onerror" in text
    assert "href holds a script URL" in text
    assert "points at evil.example" in text
    assert "script from another host" in text
    assert "<iframe> element" in text


def test_checker_accepts_escaped_text_and_own_scripts():
    root = parse_html(CLEAN)
    assert injection_faults(root, "clean.html") == []
    assert "<script>alert('xss-1')</script>" in prose_text(root)


# ---------------------------------------------------------------- the hostile site (slow)

@pytest.mark.slow
def test_no_injected_element_on_any_page(hostile):
    pages = html_pages(hostile.site)
    assert len(pages) > len(LITERALS)
    faults = []
    for page in pages:
        faults += injection_faults(parse_html(page.read_text(encoding="utf-8")), str(page.relative_to(hostile.site)))
    assert not faults, "\n".join(faults[:40])


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in LITERALS])
def test_hostile_text_is_shown_literally(case, hostile):
    page = hostile.site / "papers" / case["key"] / "index.html"
    assert page.is_file(), f"no page for {case['key']}"
    root = parse_html(page.read_text(encoding="utf-8"))
    text = prose_text(root)
    missing = []
    for expected in case.get("literal", []):
        choices = expected if isinstance(expected, list) else [expected]
        if not any(choice in text for choice in choices):
            missing.append(choices[0] if len(choices) == 1 else choices)
    shown = [t for t in case.get("forbid", []) if t in text]
    elements = [f"{spec} -> {node.describe()}" for spec in case.get("no_elements", [])
                for node in root.iter() if element_matches(node, spec)]
    assert not (missing or shown or elements), (
        f"{case['id']} ({page.relative_to(hostile.site)}):\n"
        f"  not shown literally: {missing}\n  shown but must not be: {shown}\n  injected elements: {elements}")


# LaTeX source a reader must never see: macros, escaped specials, math delimiters with
# LaTeX inside, and Zotero's braced words. (The hostile texts expected literally hold none.)
RAW_LATEX = re.compile(r"\\[A-Za-z]+|\\[&%#_{}$]|\$[\\^_{]|\{[A-Z][A-Za-z-]*\}")


@pytest.mark.slow
def test_no_raw_latex_reaches_a_reader(hostile):
    """Every page (paper, theme, home map, keywords...) shows titles as text, not as LaTeX."""
    leaks = []
    for page in html_pages(hostile.site):
        text = prose_text(parse_html(page.read_text(encoding="utf-8")))
        for match in RAW_LATEX.finditer(text):
            leaks.append(f"{page.relative_to(hostile.site)}: {match.group(0)!r} in "
                         f"...{text[max(0, match.start() - 50):match.end() + 30]}...")
    assert not leaks, f"{len(leaks)} raw LaTeX fragment(s) shown:\n" + "\n".join(leaks[:30])


@pytest.mark.slow
def test_nothing_written_outside_the_project_output(hostile):
    assert hostile.created_outside == [], hostile.created_outside
    site = hostile.site.resolve()
    for path in hostile.site.rglob("*"):
        assert path.resolve().is_relative_to(site), f"{path} leaves site/"
    expected = {c["key"] for c in LITERALS}
    assert {p.name for p in (hostile.site / "papers").iterdir() if p.is_dir()} == expected


@pytest.mark.slow
def test_search_shows_corpus_text_as_text(hostile, repo_root):
    """The search index holds what the reader sees (corpus text, e.g. a literal '<script>'
    in an abstract), and the search box renders results from text only: no HTML sink
    ever receives it. With Material's lunr fallback the index must hold escaped text."""
    documents = search_documents(hostile.site)
    assert len(documents) >= len(LITERALS)      # every hostile paper page is searchable
    if (hostile.site / "search" / "search_index.json").is_file():
        bad = []
        for doc in documents:
            fragment = parse_html(f"<body>{doc['title']} {doc['text']}</body>")
            faults = injection_faults(fragment, doc["location"] or "?")
            if faults:
                bad.append(f"{doc['location']}: {faults}")
        assert not bad, "\n".join(bad[:20])
        return
    script = next(d for d in documents if d["location"].endswith("/hostile-script/"))
    assert '<script>alert("xss-script")</script>' in script["text"]    # shown literally, as on the page
    sink = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|eval\(|new Function")
    for js in (repo_root / "src" / "annobib" / "render" / "overrides").rglob("*.js"):
        assert not sink.search(js.read_text(encoding="utf-8")), f"{js.name} writes HTML from search results"


@pytest.mark.slow
def test_data_and_bibtex_files_hold_every_hostile_paper(hostile):
    papers = json.loads((hostile.site / "data" / "papers.json").read_text(encoding="utf-8"))
    assert sorted(p["key"] for p in papers) == sorted(c["key"] for c in LITERALS)
    library = bibtexparser.parse_string((hostile.site / "bib" / "all.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    assert sorted(e.key for e in library.entries) == sorted(c["key"] for c in LITERALS)


# ---------------------------------------------------------------- the page <head>, feeds, RIS, CSL-JSON

def _shown(text: str) -> str:
    """A value as the head, feeds and RIS carry it: control characters dropped, spaces collapsed."""
    import unicodedata
    return " ".join("".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch)[0] != "C").split())


def _head_metadata(page: Path) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(meta (name, content) as a browser decodes them, JSON-LD bodies, http-equiv values) of <head>."""
    root = parse_html(page.read_text(encoding="utf-8"))
    head = next(n for n in root.iter() if n.tag == "head")
    meta = [(n.attrs.get("name") or n.attrs.get("property", ""), n.attrs.get("content", ""))
            for n in head.iter() if n.tag == "meta"]
    json_ld = ["".join(c for c in n.children if isinstance(c, str))
               for n in head.iter() if n.tag == "script" and n.attrs.get("type") == "application/ld+json"]
    refresh = [n.attrs["http-equiv"] for n in root.iter() if n.tag == "meta" and "http-equiv" in n.attrs]
    return meta, json_ld, refresh


@pytest.mark.slow
def test_head_metadata_holds_each_text_exactly_and_nothing_more(hostile):
    """Highwire/OpenGraph tags and JSON-LD of every hostile paper: the corpus text, exactly, as data."""
    papers = {p["key"]: p for p in json.loads((hostile.site / "data" / "papers.json").read_text(encoding="utf-8"))}
    faults = []
    for case in LITERALS:
        key = case["key"]
        meta, json_ld, refresh = _head_metadata(hostile.site / "papers" / key / "index.html")
        title = _shown(papers[key]["title"])
        titles = [content for name, content in meta if name == "citation_title"]
        authors = [content for name, content in meta if name == "citation_author"]
        if titles != [title]:
            faults.append(f"{key}: citation_title {titles!r} is not the title {title!r}")
        if len(authors) != len(papers[key]["authors"]):
            faults.append(f"{key}: {len(authors)} citation_author tags for {len(papers[key]['authors'])} authors")
        if refresh:
            faults.append(f"{key}: meta http-equiv {refresh}")
        if len(json_ld) != 1:
            faults.append(f"{key}: {len(json_ld)} JSON-LD blocks")
            continue
        if re.search(r"[<>&]", json_ld[0]):
            faults.append(f"{key}: JSON-LD holds markup characters: {json_ld[0][:120]!r}")
        try:
            data = json.loads(json_ld[0])
        except ValueError as exc:
            faults.append(f"{key}: JSON-LD does not parse ({exc})")
            continue
        if data.get("name") != title or data.get("@type") != "ScholarlyArticle":
            faults.append(f"{key}: JSON-LD name {data.get('name')!r} is not the title")
    assert not faults, "\n".join(faults[:40])
    meta, json_ld, _ = _head_metadata(hostile.site / "papers" / "hostile-head" / "index.html")
    tags = dict(meta)
    assert tags["citation_journal_title"] == "Journal\"></script><script>alert('xss-ld-journal')</script>"
    assert tags["citation_doi"] == "10.1000/head\"><script>alert('xss-meta-doi')</script>"
    assert tags["DC.type"] == "journalArticle"
    data = json.loads(json_ld[0])
    assert [a["name"] for a in data["author"]] == ["Eve\" onmouseover=\"alert('xss-meta-author')",
                                                   "Mallory</script><script>alert('xss-ld-author')</script>"]
    assert data["abstract"].endswith("\"]</script><script>alert('xss-ld-abstract')</script>")


@pytest.mark.slow
def test_feeds_ris_and_csl_json_hold_every_hostile_paper_as_text(hostile):
    import feedparser
    import rispy

    papers = {p["key"]: p for p in json.loads((hostile.site / "data" / "papers.json").read_text(encoding="utf-8"))}
    feed = feedparser.parse((hostile.site / "feeds" / "all.xml").read_bytes(),
                            response_headers={"content-type": "application/atom+xml",
                                              "content-location": "http://127.0.0.1/feeds/all.xml"})
    assert not feed.bozo, feed.bozo_exception
    by_link = {e.link: e for e in feed.entries}
    for key, paper in papers.items():
        entry = by_link.get(f"http://127.0.0.1/papers/{key}/")
        if entry is not None:                       # the feed holds the newest (setting render_feed_entries)
            assert entry.title == _shown(paper["title"]), key
    assert len(feed.entries) == min(len(papers), 50)
    records = rispy.loads((hostile.site / "bib" / "all.ris").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in records) == sorted(papers)
    assert {r["id"]: r["title"] for r in records} == {k: _shown(p["title"]) for k, p in papers.items()}
    items = json.loads((hostile.site / "bib" / "all.json").read_text(encoding="utf-8"))
    assert {i["id"]: i["title"] for i in items} == {k: p["title"] for k, p in papers.items()}


# ---------------------------------------------------------------- the curator's notes

def _page(hostile, key: str) -> str:
    return (hostile.site / "papers" / key / "index.html").read_text(encoding="utf-8")


def test_a_note_shows_first_on_its_page_with_safe_links(hostile):
    page = _page(hostile, "hostile-note-markdown")
    assert page.index("annobib-note") < page.index('id="abstract"')
    assert re.search(r'<a href="https://example.org/note-ok" rel="nofollow noopener">the project page</a>', page)
    assert "<strong>own</strong>" in page and "<li>first point</li>" in page


def test_a_note_is_in_search_papers_json_csl_and_ris(hostile):
    documents = [d for d in search_documents(hostile.site) if "hostile-note-markdown" in (d["location"] or "")]
    assert documents and "curator's own view" in documents[0]["text"].lower()
    records = {r["key"]: r for r in json.loads((hostile.site / "data" / "papers.json").read_text(encoding="utf-8"))}
    assert "**own** view" in records["hostile-note-markdown"]["note"]
    assert records["hostile-note-blank"]["note"] is None and records["hostile-note-huge"]["note"] is None
    csl = json.loads((hostile.site / "bib" / "papers" / "hostile-note-markdown.json").read_text(encoding="utf-8"))
    assert csl[0]["note"].startswith("The curator's own view")
    ris = (hostile.site / "bib" / "papers" / "hostile-note-markdown.ris").read_text(encoding="utf-8")
    assert "N1  - The curator's own view" in ris


def test_a_note_excerpt_stands_under_the_paper_in_its_theme(hostile):
    records = {r["key"]: r for r in json.loads((hostile.site / "data" / "papers.json").read_text(encoding="utf-8"))}
    theme = records["hostile-note-markdown"]["theme"]["slug"]       # papers.json: theme as {slug, label}
    import html

    page = html.unescape((hostile.site / "themes" / theme / "index.html").read_text(encoding="utf-8"))
    assert 'class="annobib-note-excerpt"' in page and "own view: read it with the project page" in page

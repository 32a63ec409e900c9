"""The shipped 232-paper corpus, built once per session (conftest's shipped_site): every paper
page carries complete embedded metadata, the Cite block's APA line of the StyleSDF preprint
reads as APA 7 does, the RIS and CSL-JSON files hold every paper, every feed is valid Atom,
and the authors index lists every author once (slow: the build loads the models).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
import rispy

from helpers.hostile import parse_html, squash

from annobib.corpus import load_corpus
from annobib.organize import people

pytestmark = pytest.mark.slow

STYLESDF_APA = ("Or-El, R., Luo, X., Shan, M., Shechtman, E., Park, J. J., & Kemelmacher-Shlizerman, I. "
                "(2021). StyleSDF: High-resolution 3D-consistent image and geometry generation "
                "(arXiv:2112.11427). arXiv. https://arxiv.org/abs/2112.11427")


@pytest.fixture(scope="module")
def shipped(shipped_site):
    root, _ = shipped_site
    papers = load_corpus(root / "corpus").papers
    records = {r["key"]: r for r in json.loads((root / "site" / "data" / "papers.json").read_text(encoding="utf-8"))}
    return root / "site", papers, records


def _head(page: Path) -> tuple[list[tuple[str, str]], list[dict]]:
    root = parse_html(page.read_text(encoding="utf-8"))
    head = next(n for n in root.iter() if n.tag == "head")
    meta = [(n.attrs.get("name") or n.attrs.get("property", ""), n.attrs.get("content", ""))
            for n in head.iter() if n.tag == "meta"]
    blocks = [json.loads("".join(c for c in n.children if isinstance(c, str)))
              for n in head.iter() if n.tag == "script" and n.attrs.get("type") == "application/ld+json"]
    return meta, blocks


def test_every_paper_page_carries_complete_embedded_metadata(shipped):
    site, papers, records = shipped
    counts = {"pages": 0, "with authors": 0, "dated": 0, "arxiv ids": 0, "dois": 0}
    faults = []
    for paper in papers:
        meta, blocks = _head(site / "papers" / records[paper.key]["url_slug"] / "index.html")
        tags = {}
        for name, content in meta:
            tags.setdefault(name, []).append(content)
        counts["pages"] += 1
        if tags.get("citation_title") != [squash(paper.title_text)]:
            faults.append(f"{paper.key}: citation_title {tags.get('citation_title')}")
        authors = tags.get("citation_author", [])
        if len(authors) != len(paper.authors):
            faults.append(f"{paper.key}: {len(authors)} citation_author for {len(paper.authors)} authors")
        counts["with authors"] += bool(authors)
        if paper.year:
            counts["dated"] += tags.get("citation_publication_date") == [str(paper.year)]
        if paper.arxiv:
            counts["arxiv ids"] += tags.get("citation_arxiv_id") == [paper.arxiv]
        counts["dois"] += bool(tags.get("citation_doi"))
        if not tags.get("DC.type") or len(blocks) != 1 or blocks[0]["name"] != squash(paper.title_text):
            faults.append(f"{paper.key}: DC.type {tags.get('DC.type')} / {len(blocks)} JSON-LD block(s)")
    print(f"\nembedded metadata: {counts}")
    assert not faults, "\n".join(faults[:20])
    assert counts["pages"] == len(papers) == 232
    assert counts["with authors"] == sum(1 for p in papers if p.authors) == 228
    assert counts["dated"] == sum(1 for p in papers if p.year)
    assert counts["arxiv ids"] == sum(1 for p in papers if p.arxiv)


def test_stylesdf_apa_line(shipped):
    site, papers, records = shipped
    key = next(p.key for p in papers if p.title_text.startswith("StyleSDF"))
    root = parse_html((site / "papers" / records[key]["url_slug"] / "index.html").read_text(encoding="utf-8"))
    references = [n for n in root.iter() if "annobib-reference" in n.classes()]
    label, formatted = [n for n in references[0].iter() if n.tag == "p"]
    assert squash(label.text()) == "APA Style 7th edition"
    print(f"\nAPA: {squash(formatted.text())}")
    assert squash(formatted.text()) == STYLESDF_APA
    italic = [squash(n.text()) for n in formatted.iter() if n.tag == "i"]
    assert italic == ["StyleSDF: High-resolution 3D-consistent image and geometry generation"]


def test_all_ris_and_all_json_hold_every_paper(shipped):
    site, papers, _ = shipped
    keys = sorted(p.key for p in papers)
    ris = rispy.loads((site / "bib" / "all.ris").read_text(encoding="utf-8"))
    csl = json.loads((site / "bib" / "all.json").read_text(encoding="utf-8"))
    print(f"\nall.ris: {len(ris)} records, all.json: {len(csl)} items")
    assert sorted(r["id"] for r in ris) == keys and len(ris) == 232
    assert sorted(i["id"] for i in csl) == keys and len(csl) == 232


def test_every_feed_is_valid_atom(shipped):
    site, papers, _ = shipped
    feeds = sorted((site / "feeds").rglob("*.xml"))
    themes = sorted((site / "themes").glob("*/index.html"))
    assert len(feeds) == 1 + len(themes)
    for path in feeds:
        location = "http://127.0.0.1/" + path.relative_to(site).as_posix()
        feed = feedparser.parse(path.read_bytes(), response_headers={
            "content-type": "application/atom+xml", "content-location": location})
        assert not feed.bozo and feed.version == "atom10", (path, feed.get("bozo_exception"))
        assert feed.feed.id and feed.feed.title and feed.feed.updated and feed.feed.author
        assert feed.entries and all(e.id and e.title and e.updated and e.link for e in feed.entries), path
    print(f"\nfeeds: {len(feeds)} valid Atom feeds")


def test_authors_index_lists_every_author_once(shipped):
    site, papers, records = shipped
    root = parse_html((site / "authors" / "index.html").read_text(encoding="utf-8"))
    entries = [n for n in root.iter() if "annobib-person" in n.classes()]
    names = [squash(next(c for c in n.iter() if "annobib-person-name" in c.classes()).text()) for n in entries]
    anchors = [n.attrs["id"] for n in entries]
    assert len(set(anchors)) == len(anchors)
    keys = {}
    for name in names:
        family, _, given = name.partition(", ")
        keys.setdefault((people.fold(family), tuple(people.fold(t) for t in re.split(r"[\s.-]+", given) if t)), []).append(name)
    assert not [v for v in keys.values() if len(v) > 1], "an author listed twice"
    grouped = people.group_people(papers)
    assert len(entries) == len(grouped.people)
    print(f"\nauthors index: {len(entries)} authors for {sum(len(p.authors) for p in papers)} author names")
    # Every author link of every paper page leads to an entry listing that paper.
    listing = {n.attrs["id"]: {a.attrs.get("href", "") for a in n.iter() if a.tag == "a"} for n in entries}
    for paper in papers:
        slug = records[paper.key]["url_slug"]
        page = parse_html((site / "papers" / slug / "index.html").read_text(encoding="utf-8"))
        box = next((n for n in page.iter() if "annobib-authors" in n.classes()), None)
        links = [a.attrs["href"] for a in box.iter() if a.tag == "a"] if box else []
        assert len(links) == len(paper.authors), paper.key
        for href in links:
            anchor = href.split("#", 1)[1]
            assert f"../papers/{slug}/" in listing[anchor], (paper.key, anchor)

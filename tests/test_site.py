"""The full build of the shipped 232-paper corpus, checked as a reader would see it."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import bibtexparser
import pytest
import yaml

from helpers.hostile import search_documents

pytestmark = pytest.mark.slow
GENERIC = {"network", "networks", "neural", "learning", "model", "models", "method", "methods", "approach"}


class TextOf(HTMLParser):
    """The visible text of a page's main content, without tags."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(path) -> str:
    parser = TextOf()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def site(shipped_site):
    root, _ = shipped_site
    return root / "site"


def test_summary_counts_match(shipped_site):
    _, summary = shipped_site
    assert summary.papers_in == 232 and summary.paper_pages == 232 and summary.bib_entries == 232
    assert 8 <= summary.themes <= 16


def test_every_paper_has_a_page_with_its_annotations(site, shipped_site):
    pages = sorted(site.glob("papers/*/index.html"))
    assert len(pages) == 232
    stylesdf = text_of(site / "papers" / "orel2021stylesdf" / "index.html")
    for expected in ("StyleSDF: High-Resolution 3D-Consistent Image and Geometry Generation",
                     "Roy Or-El", "2021",
                     "We introduce a high resolution", "StyleGAN2", "@misc{orel2021stylesdf"):
        assert expected in stylesdf, expected
    assert 'href="https://arxiv.org/abs/2112.11427"' in (site / "papers" / "orel2021stylesdf" / "index.html").read_text(encoding="utf-8")
    assert "SL²A-INR" in text_of(site / "papers" / next(
        p.parent.name for p in pages if "SL²A-INR" in p.read_text(encoding="utf-8")) / "index.html")


def test_stylesdf_is_named_as_introduced(site):
    data = {p["key"]: p for p in json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))}
    assert len(data) == 232
    assert "StyleSDF" in data["orel2021stylesdf"]["methods_introduced"]
    assert "StyleGAN2" in data["orel2021stylesdf"]["methods_mentioned"]
    assert all(len(p["keyphrases"]) >= 5 for p in data.values())
    assert all(len(p["related"]) == 5 for p in data.values())


def test_every_paper_is_in_exactly_one_theme_with_a_chapter_title(site, shipped_site):
    root, _ = shipped_site
    doc = yaml.safe_load((root / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    themes = doc["themes"] if isinstance(doc, dict) and "themes" in doc else doc
    members = [key for theme in themes for key in theme["papers"]]
    assert sorted(members) == sorted(set(members)) and len(members) == 232
    labels = [theme["label"] for theme in themes]
    assert len({label.lower() for label in labels}) == len(labels)
    for theme in themes:
        label = theme["label"]
        words = set(re.findall(r"[a-z]+", label.lower()))
        assert not label[0].islower() and "_" not in label and not words <= GENERIC, label
        assert 4 <= len(theme["papers"]) <= 232 // 4, (label, len(theme["papers"]))
        page = site / "themes" / theme["slug"] / "index.html"
        assert label in text_of(page)
        assert all(f"papers/{key}/" in page.read_text(encoding="utf-8") for key in theme["papers"])


def test_bibtex_downloads(site):
    library = bibtexparser.parse_string((site / "bib" / "all.bib").read_text(encoding="utf-8"))
    assert len(library.entries) == 232 and not library.failed_blocks
    assert len(list(site.glob("bib/papers/*.bib"))) == 232
    theme_keys = []
    for path in site.glob("bib/themes/*.bib"):
        theme_keys += [e.key for e in bibtexparser.parse_string(path.read_text(encoding="utf-8")).entries]
    assert sorted(theme_keys) == sorted(e.key for e in library.entries)


def test_methods_index_and_search_index(site):
    methods = text_of(site / "methods" / "index.html")
    assert "StyleSDF" in methods and "NeRF" in methods
    documents = search_documents(site)
    stylesdf_docs = [d for d in documents if "StyleSDF" in d["text"] or "StyleSDF" in d["title"]]
    assert any(d["location"].strip("/").startswith("papers/orel2021stylesdf") for d in stylesdf_docs)
    assert not [d["location"] for d in documents if "@misc{" in d["text"] or "@article{" in d["text"]], \
        "BibTeX blocks must stay out of the search index"

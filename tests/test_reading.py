"""Issue 23: citations a reader can trust, keyphrases and indexes a reader uses, related
papers with real reasons, and search for every reader.

Unit tests run on small hand-made records; the tests marked slow read the shipped site
built once per session (conftest's `shipped_site`). The browser half (keyboard through the
search results, more than 10 results, an acronym found by its expansion) is in
tests/test_browser.py.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from annobib.corpus import load_corpus
from annobib.corpus.entries import year_of
from annobib.corpus.load import read_file
from annobib.corpus.rules import citation_problems, venue_years
from annobib.models import Annotation, Paper
from annobib.organize.phrases import (clean_phrase, form, generic_concepts, near_duplicates, one_of_each,
                                      organize_phrases)
from annobib.organize.reasons import SIMILAR, Explainer
from annobib.render.citation import References

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- 1. citations

def _entry(tmp_path: Path, body: str):
    path = tmp_path / "one.bib"
    path.write_text(body, encoding="utf-8")
    [entry] = read_file(path).entries
    return entry


def test_a_year_beside_a_venue_of_another_year_is_a_warning_at_the_year_line(tmp_path):
    entry = _entry(tmp_path, "@inproceedings{maiya2022nirvana,\n  author = {S. Maiya},\n  title = {NIRVANA},\n"
                             "  booktitle = {CVPR 2023},\n  year = {2022},\n}\n")
    [problem] = citation_problems(entry, year_of(entry.values)[0])
    assert problem.severity == "warning" and problem.line == 5 and problem.entry == "maiya2022nirvana"
    assert "year 2022 disagrees with booktitle 'CVPR 2023'" in problem.message
    assert "write year = {2023}" in problem.message


@pytest.mark.parametrize("venue, years", [
    ("CVPR 2023", [2023]), ("arXiv:2006.10141", []), ("CoRR abs/2012.09161", []),
    ("NeurIPS 2019 Deep Inverse Workshop", [2019]), ("Journal of Complex Networks", []),
    ("10.1109/CVPR.2020.123", []),
])
def test_venue_years_ignore_arxiv_ids_and_dois(venue, years):
    assert venue_years(venue) == years


def test_no_authors_and_no_year_are_named_as_what_cannot_be_fixed(tmp_path):
    entry = _entry(tmp_path, "@misc{nothing,\n  title = {A Title Alone},\n  abstract = {Text.},\n}\n")
    messages = [p.message for p in citation_problems(entry, None)]
    assert any(m.startswith("no authors: annobib cannot supply them") for m in messages)
    assert any(m.startswith("no year: annobib cannot supply it") and "n.d." in m for m in messages)


def test_the_shipped_corpus_has_no_year_venue_disagreement(repo_root):
    entries = read_file(repo_root / "corpus" / "papers.bib").entries
    disagreements = [p for e in entries for p in citation_problems(e, year_of(e.values)[0]) if "disagrees" in p.message]
    assert not disagreements, "\n".join(str(p) for p in disagreements[:5])
    # The keys are the published ones: the corrected years did not rename any entry.
    assert {"maiya2022nirvana", "chan2021efficient", "ha2016hypernetworks"} <= {e.key for e in entries}
    nirvana = next(e for e in entries if e.key == "maiya2022nirvana")
    assert nirvana.values["year"] == "2023" and nirvana.values["eprint"] == "2212.14593"


@pytest.mark.parametrize("year", [None, 2024])
def test_a_reference_without_authors_prints_its_title_once(year):
    paper = Paper(key="anon", entry_type="misc", abstract="", year=year,
                  title="Dynamic Appearance Modeling of Clothed {3D} Human Avatars using a Single Camera",
                  arxiv="2402.18305" if year else None)
    title = "Dynamic appearance modeling of clothed 3D human avatars using a single camera"
    for reference in References(("apa", "harvard-cite-them-right@en-GB")).format(paper):
        assert reference.text.count(title) == 1, reference.text
        assert reference.text.startswith((title, f"‘{title}’")), reference.text
    apa = References(("apa",)).format(paper)[0].text
    assert apa == (f"{title}. (n.d.)." if year is None else
                   f"{title} (arXiv:2402.18305). (2024). arXiv. https://arxiv.org/abs/2402.18305")


def test_a_reference_with_authors_is_unchanged():
    paper = Paper(key="x", entry_type="article", title="A Title", abstract="", authors=("Ada Lovelace",),
                  year=2020, venue="Journal of Things")
    assert References(("apa",)).format(paper)[0].text == "Lovelace, A. (2020). A title. Journal of Things."


# --------------------------------------------------------------------------- 2. keyphrases

@pytest.mark.parametrize("raw, cleaned", [
    ("Wang et al", ""), ("(Fazlyab et al., 2019)", ""), ("GNN)-based approach", "GNN-based approach"),
    ("graph neural networks(GNNs", "graph neural networks"), ("losses 1,500-50,000x", ""),
    ("in-context learning (ICL)", "in-context learning"), ("neural radiance fields", "neural radiance fields"),
])
def test_clean_phrase(raw, cleaned):
    assert clean_phrase(raw) == cleaned


def test_one_of_each_near_duplicate_keeps_the_shorter_at_the_better_rank():
    kept = one_of_each(["nonparametric teaching perspective", "videos", "nonparametric teaching",
                        "video compression", "NeRF-LOAM", "NeRF"])
    assert kept == ["nonparametric teaching", "video compression", "NeRF-LOAM", "NeRF"]
    assert near_duplicates(kept) == []


def _paper(key: str, title: str, abstract: str = "", year: int = 2020) -> Paper:
    return Paper(key=key, entry_type="article", title=title, abstract=abstract, year=year, authors=("A. B",))


def test_acronyms_merge_with_their_expansion_and_stay_searchable():
    papers = [
        _paper("a", "Graph neural networks (GNNs) for molecules", "We study graph neural networks (GNNs)."),
        _paper("b", "Expressive GNNs", "GNNs are graph neural networks (GNNs) on graphs."),
        _paper("c", "Pointer Value Retrieval", "We define Pointer Value Retrieval (PVR) tasks."),
        _paper("d", "Radiance", "Neural radiance fields (NeRF) render views."),
        _paper("e", "Relighting", "We relight neural radiance fields with shadows."),
    ]
    notes = {
        "a": Annotation("a", ("graph neural networks", "molecules")),
        "b": Annotation("b", ("GNNs", "expressive power")),
        "c": Annotation("c", ("PVR", "Pointer Value Retrieval", "tasks")),
        "d": Annotation("d", ("NeRF", "views")),
        "e": Annotation("e", ("neural radiance fields", "shadows")),
    }
    phrases = organize_phrases(papers, notes, {k: "t" for k in notes})
    assert phrases.shown["a"][0] == phrases.shown["b"][0] == "graph neural networks (GNNs)"
    assert phrases.shown["c"][0] == "pointer value retrieval (PVR)" and len(phrases.shown["c"]) == 2
    assert phrases.papers[phrases.concept("GNN")] == {"a", "b"}
    assert "NeRF" in phrases.aliases["e"]               # 'NeRF' finds the paper that only says the words


def test_generic_means_on_many_papers_across_most_themes():
    themes = {f"p{i}": f"t{i % 4}" for i in range(40)}
    on = {"training": {f"p{i}" for i in range(0, 40, 3)},                  # 14 papers over 4 themes
          "graph neural network": {f"p{i}" for i in range(0, 40, 4)},      # 10 papers, one theme
          "rare phrase": {"p1", "p2"}}
    assert generic_concepts(on, themes, 40) == {"training"}
    assert generic_concepts(on, {k: "t0" for k in themes}, 40) == set()    # one theme: nothing to measure


def test_reasons_are_specific_and_similar_abstract_comes_last():
    papers = [_paper("a", "Video compression with INRs", "Video compression of videos.", 2021),
              _paper("b", "Neural video compression", "Video compression again, videos.", 2022),
              _paper("c", "Unrelated", "Nothing in common.", 2010),
              _paper("d", "Another", "Something else.", 2022)]
    notes = {"a": Annotation("a", ("video compression", "videos")), "b": Annotation("b", ("video compression",)),
             "c": Annotation("c", ("shadows",)), "d": Annotation("d", ("lights",))}
    themes = {"a": "v", "b": "v", "c": "v", "d": "v"}
    phrases = organize_phrases(papers, notes, themes)
    explain = Explainer(notes, phrases, themes, {"v": "Video"}, {p.key: p.year for p in papers})
    assert explain("a", "b") == "shares keyphrases: video compression"
    assert explain("b", "d") == "same theme and period: Video, 2022"
    assert explain("a", "c") == SIMILAR


# --------------------------------------------------------------------------- the shipped site

def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _chips(page: str) -> list[str]:
    section = page.split('id="keyphrases"', 1)[1].split("</div>", 1)[0] if 'id="keyphrases"' in page else ""
    return [_text(m) for m in re.findall(r"<(?:a|span)[^>]*>(.*?)</(?:a|span)>", section.split("<p>", 1)[-1])]


def _generic(site: Path) -> set[str]:
    """Forms of the phrases the keywords page names as too common ('neural networks (NNs) (128), ...')."""
    keywords = (site / "keywords" / "index.html").read_text(encoding="utf-8")
    note = _text(re.search(r'<p class="annobib-generic-note">(.*?)</p>', keywords, flags=re.S).group(1))
    return {form(name.split(" (")[0]) for name, _ in re.findall(r"([^,:]+?) \((\d+)\)", note.split(":", 1)[1])}


@pytest.fixture(scope="module")
def site(shipped_site):
    root, _ = shipped_site
    return root / "site"


@pytest.fixture(scope="module")
def pages(site):
    return {p.parent.name: p.read_text(encoding="utf-8") for p in sorted(site.glob("papers/*/index.html"))}


@pytest.mark.slow
def test_the_build_reports_no_year_venue_disagreement(shipped_site):
    _, summary = shipped_site
    assert not [w for w in summary.warnings if "disagrees" in w]
    assert sum("no authors" in w for w in summary.warnings) == 4     # named, not invented


@pytest.mark.slow
def test_no_reference_prints_the_title_twice(site, pages):
    papers = {p.key: p for p in load_corpus(ROOT / "corpus").papers}
    checked = 0
    for slug, page in pages.items():
        for reference in re.findall(r'<p class="annobib-formatted">(.*?)</p>', page, flags=re.S):
            text = _text(reference)
            title = _text(re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S).group(1)).lower()[:40]
            assert text.lower().count(title) <= 1, f"{slug}: {text}"
            checked += 1
    assert checked >= 2 * len(pages)
    anonymous = _text(re.findall(r'<p class="annobib-formatted">(.*?)</p>', pages["dynamicappearance"], re.S)[0])
    assert anonymous.endswith("(n.d.).") and anonymous.count("(n.d.)") == 1
    assert papers["maiya2022nirvana"].year == 2023


@pytest.mark.slow
def test_paper_pages_show_no_generic_phrase_and_no_near_duplicates(site, pages):
    generic = _generic(site)
    assert {"neural network", "training", "weight", "benchmark", "deep learning"} <= generic
    pairs, shown = [], 0
    for slug, page in pages.items():
        chips = _chips(page)
        shown += len(chips)
        assert not [c for c in chips if form(c.split(" (")[0]) in generic], slug
        acronym_of = {form(c.rsplit(" (", 1)[1].rstrip(")")): c for c in chips if c.endswith(")") and " (" in c}
        pairs += [(slug, p) for p in near_duplicates([c.split(" (")[0] for c in chips])]
        pairs += [(slug, c) for c in chips if form(c) in acronym_of and acronym_of[form(c)] != c]
    assert shown > 8 * len(pages)
    assert not pairs, pairs[:10]


@pytest.mark.slow
def test_keywords_index_lists_shared_phrases_with_counts_and_a_jump_list(site):
    page = (site / "keywords" / "index.html").read_text(encoding="utf-8")
    entries = re.findall(r'<div class="annobib-keyword" id="([^"]+)">(.*?)</div>', page, flags=re.S)
    assert 50 <= len(entries) <= 600                                 # was 2,846, 93% of one paper
    names = {}
    for anchor, body in entries:
        name = _text(re.search(r'annobib-keyword-name">(.*?)</span>', body, re.S).group(1))
        count = int(re.search(r'annobib-count">(\d+) papers?</span>', body).group(1))
        links = len(re.findall(r'<a href="\.\./papers/', body))
        assert count == links >= 2, (name, count, links)
        names[name] = count
    assert names.get("graph neural networks (GNNs)", 0) >= 30
    assert "GNNs" not in names and "graph neural networks" not in names
    jump = re.search(r'<nav class="annobib-jump"[^>]*>(.*?)</nav>', page, flags=re.S).group(1)
    targets = re.findall(r'href="#([^"]+)"', jump)
    assert len(targets) >= 10 and all(f'id="{t}"' in page for t in targets)


@pytest.mark.slow
@pytest.mark.parametrize("index, least_jumps", [("methods", 10), ("venues", 5), ("years", 5)])
def test_methods_venues_and_years_have_counts_headings_and_a_jump_list(site, index, least_jumps):
    page = (site / index / "index.html").read_text(encoding="utf-8")
    jumps = [t for nav in re.findall(r'<nav class="annobib-jump"[^>]*>(.*?)</nav>', page, flags=re.S)
             for t in re.findall(r'href="#([^"]+)"', nav)]
    assert len(jumps) >= least_jumps and all(f'id="{t}"' in page for t in jumps), jumps
    assert len(re.findall(r"<h[23][^>]*>", page)) >= least_jumps
    counts = re.findall(r'class="annobib-count">(\d+) (?:papers?|names?)<', page)
    assert len(counts) >= least_jumps
    if index == "years":
        assert re.search(r'<h2 id="[^"]*">2023', page)


@pytest.mark.slow
def test_authors_venues_and_years_are_navigation_tabs(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    tabs = re.findall(r'<a href="([^"]+)" class="md-tabs__link"', home)
    for page in ("authors/", "venues/", "years/"):
        assert any(t.endswith(page) for t in tabs), tabs


@pytest.mark.slow
def test_related_reasons_are_specific_and_rarely_only_similar_abstract(site, pages):
    reasons = [_text(r) for page in pages.values() for r in re.findall(r'class="annobib-reason">(.*?)</span>', page)]
    assert len(reasons) >= 4 * len(pages)
    kinds = Counter(r.split(":")[0] for r in reasons)
    assert kinds["similar abstract"] <= len(reasons) / 3, kinds
    generic = _generic(site)
    for reason in reasons:
        if reason.startswith(("shares keyphrases:", "both mention:", "shares topics:")):
            shared = [form(p.split(" (")[0]) for p in reason.split(":", 1)[1].split(", ")]
            assert not set(shared) & generic, reason


@pytest.mark.slow
def test_search_excerpts_are_page_content_without_chrome(site):
    from helpers.hostile import search_documents

    papers = [d for d in search_documents(site) if "/papers/" in (d["location"] or "")]
    assert len(papers) == 232
    for document in papers:
        text = document["text"]
        for chrome in ("Theme:", "Related papers", "Cite.", "Download the BibTeX", "Keyphrases.", "Abstract.",
                       "Introduces", "Uses or compares with", "Contribution:"):
            assert chrome not in text, (document["location"], chrome)
    nerf_aliases = [d for d in papers if "NeRF" in d["text"] and "NeRF" not in d["title"]]
    assert nerf_aliases


@pytest.mark.slow
def test_papers_json_keeps_every_keyphrase_for_scripts(site):
    records = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    assert all(isinstance(r["keyphrases"], list) for r in records)

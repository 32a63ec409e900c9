"""Cite, collect and follow (fast, no models): embedded metadata, citeproc references,
RIS / CSL-JSON round trips, Atom feeds, added dates, author normalisation, browse pages.

The Bibliography is built by hand (tests/test_render.py's fixture corpus, plus a paper
whose citation key holds ':' and '/'); real parsers check every format: rispy for RIS,
citeproc-py's CSL-JSON reader, feedparser for Atom, PyYAML and json for the front matter.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
import rispy
import yaml

from helpers.small_bib import HOSTILE, ROOT, SL2A, bibliography

from annobib.config import Settings
from annobib.models import Annotation, Paper
from annobib.organize import people
from annobib.render import citation, escape, feeds, render_site, write_mkdocs_config

PREPRINT = "mehrabian2024implicit"
ODD_KEY = "DBLP:conf/nips/VaswaniSPUJGKP17"
ODD_SLUG = "dblp-conf-nips-vaswanispujgkp17"
ADDED = "2024-05-01"

STYLESDF = Paper(
    key="orel2021stylesdf", entry_type="misc",
    title="{{StyleSDF}: {High-Resolution} {3D-Consistent} Image and Geometry Generation}",
    abstract=("We introduce a high resolution, 3D-consistent image and shape generation technique which we "
              "call StyleSDF. Our method is trained on single-view RGB data only, and stands on the shoulders "
              "of StyleGAN2 for image generation."),
    authors=("Roy Or-El", "Xuan Luo", "Mengyi Shan", "Eli Shechtman", "Jeong Joon Park",
             "Ira Kemelmacher-Shlizerman"),
    year=2021, venue="arXiv:2112.11427", arxiv="2112.11427", url="https://arxiv.org/abs/2112.11427")
# APA 7 for a preprint: authors (up to 20, '&' before the last), (year), the title in
# sentence case and italics, the preprint number in parentheses, the archive, the URL.
STYLESDF_APA = ("Or-El, R., Luo, X., Shan, M., Shechtman, E., Park, J. J., & Kemelmacher-Shlizerman, I. "
                "(2021). StyleSDF: High-resolution 3D-consistent image and geometry generation "
                "(arXiv:2112.11427). arXiv. https://arxiv.org/abs/2112.11427")

ODD = Paper(key=ODD_KEY, entry_type="inproceedings", title="Attention is All you Need",
            abstract="The dominant sequence transduction models are based on recurrent networks.",
            authors=("Ashish Vaswani", "Noam Shazeer", "{Google Brain}"), year=2017, venue="NeurIPS 2017",
            doi="10.5555/3295222.3295349", arxiv="1706.03762", url="https://arxiv.org/abs/1706.03762")


@pytest.fixture(scope="module")
def bib():
    base = bibliography()
    theme = replace(base.themes[0], papers=tuple(sorted(base.themes[0].papers + (ODD_KEY,))))
    annotations = dict(base.annotations)
    annotations[ODD_KEY] = Annotation(ODD_KEY, ("Self-Attention", "self attention"), summary="We propose the Transformer.")
    return people.with_people_venues_years(replace(
        base, papers=base.papers + (ODD,), themes=(theme,) + base.themes[1:],
        theme_of={**base.theme_of, ODD_KEY: theme.slug}, annotations=annotations,
        keywords={**base.keywords, "self-attention": (ODD_KEY,)}, slugs={ODD_KEY: ODD_SLUG}))


@pytest.fixture(scope="module")
def added(bib):
    dates = {p.key: ADDED for p in bib.papers}
    dates[SL2A] = "2024-09-20"
    return dates


@pytest.fixture(scope="module")
def docs(tmp_path_factory, bib, added):
    docs_dir = tmp_path_factory.mktemp("cite") / "docs"
    docs_dir.mkdir()
    result = render_site(bib, docs_dir, Settings(site_name="Test bibliography"),
                         hand_written_docs=ROOT / "docs", added=added)
    return docs_dir, result


def front_matter(docs_dir: Path, page: str) -> dict:
    _, head, _ = (docs_dir / page).read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head)


def meta_tags(matter: dict) -> list[tuple[str, str]]:
    """(name, content) as a browser reads them: the theme prints the values unescaped."""
    tags = []
    for tag in matter["meta"]:
        (attribute, name), (_, content) = list(tag.items())
        assert attribute in ("name", "property")
        tags.append((name, html.unescape(content)))
    return tags


def values(tags, name):
    return [content for tag, content in tags if tag == name]


# --------------------------------------------------------------------------- embedded metadata

def test_preprint_meta_tags(docs):
    tags = meta_tags(front_matter(docs[0], f"papers/{PREPRINT}.md"))
    assert values(tags, "citation_title") == ["Implicit Neural Representations with Fourier Kolmogorov-Arnold Networks"]
    assert values(tags, "citation_author") == ["Mehrabian, Ali", "Adi, Parsa Mojarad", "Heidari, Moein",
                                               "Hacihaliloglu, Ilker"]        # BibTeX's own name split
    assert values(tags, "citation_publication_date") == ["2024"]
    assert values(tags, "citation_arxiv_id") == ["2409.09323"]
    assert values(tags, "citation_pdf_url") == ["https://arxiv.org/pdf/2409.09323"]
    assert values(tags, "DC.type") == ["preprint"]             # Zotero's item type for the RDF path
    assert values(tags, "citation_publisher") == ["arXiv"]
    assert not values(tags, "citation_journal_title") and not values(tags, "citation_conference_title")
    assert values(tags, "citation_abstract")[0].startswith("Implicit neural representations (INRs) use")
    assert values(tags, "og:title") == values(tags, "citation_title")


def test_conference_paper_meta_tags_and_odd_key(docs):
    tags = meta_tags(front_matter(docs[0], f"papers/{ODD_SLUG}.md"))
    assert values(tags, "citation_conference_title") == ["NeurIPS 2017"]
    assert values(tags, "citation_doi") == ["10.5555/3295222.3295349"]
    assert values(tags, "citation_author") == ["Vaswani, Ashish", "Shazeer, Noam", "Google Brain"]
    assert values(tags, "DC.type") == ["conferencePaper"]


def test_json_ld(docs):
    matter = front_matter(docs[0], f"papers/{ODD_SLUG}.md")
    data = json.loads(matter["annobib_jsonld"])
    assert data["@context"] == "https://schema.org" and data["@type"] == "ScholarlyArticle"
    assert data["name"] == "Attention is All you Need" and data["datePublished"] == "2017"
    assert [a["name"] for a in data["author"]] == ["Ashish Vaswani", "Noam Shazeer", "Google Brain"]
    assert data["author"][2]["@type"] == "Organization"
    assert {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5555/3295222.3295349"} in data["identifier"]
    assert "https://doi.org/10.5555/3295222.3295349" in data["sameAs"]
    assert data["isPartOf"] == {"@type": "CreativeWork", "name": "NeurIPS 2017"}
    # No ASCII punctuation inside any JSON string: nothing can end the <script> element.
    assert "<" not in matter["annobib_jsonld"] and "&" not in matter["annobib_jsonld"]


def test_hostile_entry_stays_inert_in_meta_tags_and_json_ld(docs, bib):
    paper = next(p for p in bib.papers if p.key == HOSTILE)
    source = (docs[0] / f"papers/{HOSTILE}.md").read_text(encoding="utf-8")
    head = source.split("---\n", 2)[1]
    ours = head.split("\n", 1)[1]          # after the title line (escape.front_matter's own test)
    for needle in ("<", ">", "javascript:", "'", "\n---", "{{", "&lt;", "&#60;script"):
        assert needle not in ours.replace("&#60;script&#62;", "").replace("\\u003cscript", ""), needle
    matter = yaml.safe_load(head)                               # still one valid YAML mapping
    assert set(matter) == {"title", "meta", "annobib_jsonld"}
    tags = meta_tags(matter)
    assert values(tags, "citation_title") == [paper.title_text]   # exact text back, nothing lost
    assert values(tags, "citation_doi") == ["10.5555/annobib.test_1"]
    assert not values(tags, "citation_public_url")              # javascript: URL dropped
    for content in (c for _, c in tags):
        assert "\n" not in content
    for tag in matter["meta"]:
        assert all(escape.META_NAME.match(v) for k, v in tag.items() if k != "content")
    data = json.loads(matter["annobib_jsonld"])
    assert data["name"] == paper.title_text
    assert data["abstract"] == " ".join(paper.abstract_text.split())
    assert "<" not in matter["annobib_jsonld"] and "'" not in matter["annobib_jsonld"]


def test_json_ld_escape_spells_punctuation_as_json_escapes():
    encoded = escape.json_ld({"a": "</script><!-- \"x\" & \\ 'y'", "n": 3, "l": [None, True]})
    text = yaml.safe_load(f"v: {encoded}")["v"]
    assert json.loads(text) == {"a": "</script><!-- \"x\" & \\ 'y'", "n": 3, "l": [None, True]}
    assert not re.search(r"[<>&'/!-]", text)
    with pytest.raises(ValueError):
        escape.meta_name('x" onload="y')
    with pytest.raises(ValueError):
        escape.site_path("../../etc/passwd.xml")


# --------------------------------------------------------------------------- citeproc

def test_apa_line_of_an_arxiv_preprint():
    apa, harvard = citation.References(("apa", "harvard-cite-them-right@en-GB")).format(STYLESDF)
    assert apa.label == "APA Style 7th edition"
    assert apa.text == STYLESDF_APA
    italic = [run.text for run in apa.runs if run.has("i")]
    assert italic == ["StyleSDF: High-resolution 3D-consistent image and geometry generation"]
    assert harvard.text == ("Or-El, R. et al. (2021) ‘StyleSDF: High-resolution 3D-consistent image and "
                            "geometry generation’. arXiv. Available at: https://arxiv.org/abs/2112.11427.")


def test_formatted_references_are_kept_between_builds(tmp_path, monkeypatch):
    """A rebuild takes each unchanged paper's references from the cache (citeproc is not
    called again); a changed paper is formatted again; only this build's entries are kept."""
    cache = tmp_path / "references.json"
    styles = ("apa", "harvard-cite-them-right@en-GB")
    first = citation.References(styles, cache)
    fresh = first.format(STYLESDF)
    first.save()
    assert cache.is_file()

    def no_citeproc(*args, **kwargs):
        raise AssertionError("citeproc was called for an unchanged paper")
    monkeypatch.setattr(citation, "_format", no_citeproc)
    again = citation.References(styles, cache)
    assert again.format(STYLESDF) == fresh                     # same runs, styles and spaces
    assert [r.text for r in again.format(STYLESDF)][0] == STYLESDF_APA
    monkeypatch.undo()

    renamed = replace(STYLESDF, year=2022)
    changed = citation.References(styles, cache)
    assert "(2022)" in changed.format(renamed)[0].text          # a changed entry is formatted again
    changed.save()
    assert len(json.loads(cache.read_text(encoding="utf-8"))) == len(styles)   # the 2021 entry is gone


def test_an_unchanged_paper_is_not_even_prepared_for_citeproc_again(tmp_path, monkeypatch):
    """The rebuild of a large corpus skips making the citeproc item (sentence case reads the
    whole abstract) of a paper whose record did not change, even when it moved in its file;
    an edited paper is prepared and formatted again."""
    cache = tmp_path / "references.json"
    styles = ("apa", "harvard-cite-them-right@en-GB")
    first = citation.References(styles, cache)
    fresh = first.format(STYLESDF)
    first.save()
    real_item = citation._citeproc_item
    prepared = []
    monkeypatch.setattr(citation, "_citeproc_item", lambda paper: prepared.append(paper.key) or real_item(paper))
    again = citation.References(styles, cache)
    assert again.format(replace(STYLESDF, line=STYLESDF.line + 40)) == fresh
    assert prepared == []
    edited = again.format(replace(STYLESDF, title="StyleSDF: A different title"))
    assert prepared == [STYLESDF.key]
    assert "A different title" in edited[0].text


def test_an_upgrade_of_the_formatter_formats_again(tmp_path, monkeypatch):
    """Cached references are keyed by citeproc's versions and this project's formatter code:
    when either changes, nothing formatted before is served."""
    cache = tmp_path / "references.json"
    first = citation.References(("apa",), cache)
    first.format(STYLESDF)
    first.save()
    calls = []
    monkeypatch.setattr(citation, "_formatter_identity", lambda: "citeproc-py 99 other-code")
    real_format = citation._format
    monkeypatch.setattr(citation, "_format", lambda *a: calls.append(a) or real_format(*a))
    assert citation.References(("apa",), cache).format(STYLESDF)[0].text == STYLESDF_APA
    assert len(calls) == 1


def test_render_keeps_each_papers_references_in_the_cache_folder(tmp_path):
    bib = bibliography()
    docs = tmp_path / "docs"
    docs.mkdir()
    render_site(bib, docs, Settings(), cache_dir=tmp_path / "cache")
    stored = json.loads((tmp_path / "cache" / "references.json").read_text(encoding="utf-8"))
    assert len(stored) == len(bib.papers) * len(Settings().render_citation_styles)


@pytest.mark.parametrize("damage", ["", "{not json", '{"k": 3}', '["a list"]', '{"k": "abcd"}', '{"k": [["t", ["zz"], true, false]]}', "[" * 100000])
def test_an_unreadable_reference_cache_is_formatted_again(tmp_path, damage):
    cache = tmp_path / "references.json"
    cache.write_text(damage, encoding="utf-8")
    references = citation.References(("apa",), cache)
    assert references.format(STYLESDF)[0].text == STYLESDF_APA
    references.save()
    assert json.loads(cache.read_text(encoding="utf-8"))      # replaced by a readable file


def test_references_on_the_page(docs):
    page = (docs[0] / f"papers/{ODD_SLUG}.md").read_text(encoding="utf-8")
    assert page.count('<div class="annobib-reference" data-pagefind-ignore>') == 2
    visible = html.unescape(re.sub(r"<[^>]+>", "", page.split("## Cite", 1)[1]))
    assert "Vaswani, A., Shazeer, N., & Google Brain. (2017). Attention is all you need. NeurIPS 2017." in visible
    assert "<i>NeurIPS 2017</i>" in page


def test_unknown_style_is_a_clear_error():
    from annobib.errors import BuildError
    with pytest.raises(BuildError, match="render_citation_styles"):
        citation.References(("no-such-style",))


@pytest.mark.parametrize("title,abstract,expected", [
    ("{{StyleSDF}: {High-Resolution} {3D-Consistent} Image and Geometry Generation}", "a high resolution image",
     "StyleSDF: High-resolution 3D-consistent image and geometry generation"),
    ("Implicit Neural Representations with Fourier {Kolmogorov-Arnold} Networks",
     "we use neural networks and Fourier series; a Kolmogorov Arnold network.",
     "Implicit neural representations with Fourier Kolmogorov-Arnold networks"),
    ("Understanding the Role of Mixup: An Empirical Study", "", "Understanding the role of mixup: An empirical study"),
    ("{Gaussian} Splatting for {ReLU} Networks in {$\\mathbb{R}^3$}", "", "Gaussian splatting for ReLU networks in ℝ³"),
    ("A Survey of {NeRF}s", "", "A survey of NeRFs"),
    ("Towards A Theory", "", "Towards a theory"),
])
def test_sentence_case(title, abstract, expected):
    assert citation.sentence_case(title, abstract) == expected


# --------------------------------------------------------------------------- RIS and CSL-JSON

def test_ris_round_trip(docs, bib):
    docs_dir, _ = docs
    records = rispy.loads((docs_dir / "bib/all.ris").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in records}
    assert sorted(by_id) == sorted(p.key for p in bib.papers) and len(records) == len(bib.papers)
    odd = by_id[ODD_KEY]
    assert odd["type_of_reference"] == "CPAPER" and odd["title"] == "Attention is All you Need"
    assert odd["authors"] == ["Vaswani, Ashish", "Shazeer, Noam", "Google Brain"]
    assert odd["year"] == "2017" and odd["doi"] == "10.5555/3295222.3295349"
    assert odd["secondary_title"] == "NeurIPS 2017" and odd["urls"] == ["https://arxiv.org/abs/1706.03762"]
    preprint = by_id[PREPRINT]
    assert preprint["type_of_reference"] == "UNPB" and preprint["publisher"] == "arXiv"
    assert by_id[HOSTILE]["title"] == next(p for p in bib.papers if p.key == HOSTILE).title_text
    assert "urls" not in by_id[HOSTILE]                          # javascript: is no URL
    one = rispy.loads((docs_dir / f"bib/papers/{ODD_SLUG}.ris").read_text(encoding="utf-8"))
    assert [r["id"] for r in one] == [ODD_KEY]
    theme = rispy.loads((docs_dir / "bib/themes/geometry.ris").read_text(encoding="utf-8"))
    assert [r["id"] for r in theme] == ["dynamicappearance", "novello2022neural", "peng2020convolutional"]


def test_csl_json_round_trip(docs, bib):
    from citeproc.source.json import CiteProcJSON

    docs_dir, _ = docs
    items = json.loads((docs_dir / "bib/all.json").read_text(encoding="utf-8"))
    assert sorted(i["id"] for i in items) == sorted(p.key for p in bib.papers)
    odd = next(i for i in items if i["id"] == ODD_KEY)
    assert odd["citation-key"] == ODD_KEY and odd["type"] == "paper-conference"
    assert odd["author"] == [{"family": "Vaswani", "given": "Ashish"}, {"family": "Shazeer", "given": "Noam"},
                             {"literal": "Google Brain"}]
    assert odd["issued"] == {"date-parts": [[2017]]} and odd["DOI"] == "10.5555/3295222.3295349"
    preprint = next(i for i in items if i["id"] == PREPRINT)
    assert preprint["type"] == "article" and preprint["number"] == "arXiv:2409.09323"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                           # citeproc-py skips citation-key
        source = CiteProcJSON(items)                              # a real CSL-JSON reader takes them all
    assert len(source) == len(bib.papers)
    assert json.loads((docs_dir / f"bib/papers/{ODD_SLUG}.json").read_text(encoding="utf-8"))[0]["id"] == ODD_KEY


# --------------------------------------------------------------------------- feeds

def atom_headers(location: str) -> dict:
    """What a web server sends with a feed: its address (relative links resolve against it)."""
    return {"content-type": "application/atom+xml", **({"content-location": location} if location else {})}


def test_atom_feeds_are_valid(docs, bib, added):
    docs_dir, _ = docs
    site_feed = feedparser.parse((docs_dir / "feeds/all.xml").read_bytes(),
                                 response_headers=atom_headers("http://example.org/feeds/all.xml"))
    assert not site_feed.bozo, site_feed.bozo_exception
    assert site_feed.version == "atom10"
    assert site_feed.feed.title == "Test bibliography: newly added papers"
    assert site_feed.feed.id.startswith("urn:uuid:") and site_feed.feed.updated == "2024-09-20T00:00:00Z"
    assert len(site_feed.entries) == len(bib.papers)
    first = site_feed.entries[0]                                  # newest first
    assert first.title == "Single-Layer Learnable Activation for Implicit Neural Representation (SL²A-INR)"
    assert first.link == f"http://example.org/papers/{SL2A}/"
    assert first.updated == "2024-09-20T00:00:00Z" and first.id.startswith("urn:uuid:")
    assert [a.name for a in first.authors][:2] == ["Moein Heidari", "Reza Rezaeian"]
    assert first.summary == "We propose SL²A-INR, a hybrid network with a learnable activation."
    links = {e.link for e in site_feed.entries}
    assert f"http://example.org/papers/{ODD_SLUG}/" in links
    ids = [e.id for e in site_feed.entries]
    assert len(set(ids)) == len(ids)
    for entry in site_feed.entries:                               # RFC 4287's required elements
        assert entry.id and entry.title and entry.updated and entry.link
        assert entry.get("authors") or site_feed.feed.get("author")
    hostile = next(e for e in site_feed.entries if e.link.endswith(f"/{HOSTILE}/"))
    assert hostile.title == next(p for p in bib.papers if p.key == HOSTILE).title_text
    assert hostile.summary == "<script>alert('summary')</script> {% raw %}"   # text, not markup
    theme_feed = feedparser.parse((docs_dir / "feeds/themes/activations.xml").read_bytes(),
                                  response_headers=atom_headers("http://example.org/feeds/themes/activations.xml"))
    assert not theme_feed.bozo and theme_feed.version == "atom10"
    assert len(theme_feed.entries) == len(bib.themes[0].papers)
    assert theme_feed.entries[0].link == f"http://example.org/papers/{SL2A}/"
    assert theme_feed.feed.link == "http://example.org/themes/activations/"


def test_feeds_are_linked_from_home_and_theme_pages(docs):
    docs_dir, _ = docs
    home = (docs_dir / "index.md").read_text(encoding="utf-8")
    assert "(feeds/all.xml)" in home and "(bib/all.ris)" in home and "(bib/all.json)" in home
    assert "(authors.md)" in home and "(venues.md)" in home and "(years.md)" in home
    assert front_matter(docs_dir, "index.md")["annobib_feeds"][0]["href"] == "feeds/all.xml"
    theme = (docs_dir / "themes/activations.md").read_text(encoding="utf-8")
    assert "(../feeds/themes/activations.xml)" in theme and "(../bib/themes/activations.ris)" in theme
    assert front_matter(docs_dir, "themes/activations.md")["annobib_feeds"][0]["href"] == "feeds/themes/activations.xml"


def test_feed_links_are_absolute_with_a_site_url(tmp_path, bib, added):
    render_site(bib, tmp_path, Settings(site_url="https://bib.example.org/inr/"), added=added)
    feed = feedparser.parse((tmp_path / "feeds/all.xml").read_bytes(), response_headers=atom_headers(""))
    assert not feed.bozo, feed.bozo_exception
    assert {e.link for e in feed.entries} >= {f"https://bib.example.org/inr/papers/{SL2A}/"}
    tags = meta_tags(front_matter(tmp_path, f"papers/{SL2A}.md"))
    assert values(tags, "og:url") == [f"https://bib.example.org/inr/papers/{SL2A}/"]


def test_feed_size_setting(tmp_path, bib, added):
    render_site(bib, tmp_path, Settings(render_feed_entries=3), added=added)
    assert len(feedparser.parse((tmp_path / "feeds/all.xml").read_bytes()).entries) == 3


# --------------------------------------------------------------------------- added dates

def _git(root: Path, *args: str, date: str | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}   # no outer repo's index
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_added_dates_from_git_history_then_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")        # 2025-01-01: the "build date"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.bib").write_text("@misc{first2020,\n  title = {A},\n}\n", encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "one", date="2023-03-04T10:00:00+00:00")
    (corpus / "a.bib").write_text("@misc{first2020,\n  title = {A},\n}\n\n@article{DBLP:x/Y,\n  title = {B},\n}\n",
                                  encoding="utf-8")
    (corpus / "b.bib").write_text("@misc{third,\n title={C}}\n", encoding="utf-8")
    _git(tmp_path, "add", "corpus/a.bib")
    _git(tmp_path, "commit", "-qm", "two", date="2024-07-08T23:30:00+00:00")
    # b.bib is not committed: its entry gets the build date.
    keys = ["first2020", "DBLP:x/Y", "third"]
    found = feeds.added_dates(tmp_path, "corpus/added.yml", "corpus", keys)
    assert found.dates == {"first2020": "2023-03-04", "DBLP:x/Y": "2024-07-08", "third": "2025-01-01"}
    path = tmp_path / "corpus/added.yml"
    feeds.write_added_file(path, found, log=lambda *_: None)
    assert feeds.read_added_file(path) == found.dates
    # The recorded file wins over history (a shallow clone would date everything today).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")        # 2026-01-01
    again = feeds.added_dates(tmp_path, "corpus/added.yml", "corpus", keys + ["new"])
    assert again.dates == {**found.dates, "new": "2026-01-01"} and again.changed
    before = path.read_bytes()
    feeds.write_added_file(path, feeds.added_dates(tmp_path, "corpus/added.yml", "corpus", keys), log=lambda *_: None)
    assert path.read_bytes() == before                            # unchanged dates: same bytes


def test_added_dates_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    found = feeds.added_dates(tmp_path, "corpus/added.yml", "corpus", ["a"])
    assert found.dates == {"a": "1970-01-01"} and found.recorded == {}


def test_added_file_errors_are_located(tmp_path):
    from annobib.errors import BuildError
    (tmp_path / "added.yml").write_text("a: yesterday\n", encoding="utf-8")
    with pytest.raises(BuildError, match="added.yml: a: expected a date"):
        feeds.read_added_file(tmp_path / "added.yml")


# --------------------------------------------------------------------------- people, venues, years

def _paper(key, *authors, venue=None, year=2020):
    return Paper(key=key, entry_type="article", title=key, abstract="x", authors=authors, venue=venue, year=year)


def test_author_normalisation():
    papers = [
        _paper("p1", "Müller, J.", "Jun Wang"),
        _paper("p2", "J. Müller", "Jie Wang", "J. Wang"),
        _paper("p3", "MÜLLER, Jan", "Richard G. Baraniuk", "van der Maaten, Laurens"),
        _paper("p4", "Richard Baraniuk", "Laurens van der Maaten", "Vinícius da Silva", "{Google Research}"),
        _paper("p5", "Vinicius da Silva", "Jeong Joon Park", "Park, J. J.", "Jeong Min Park", "Jun-Yan Wang"),
    ]
    found = people.group_people(papers)
    names = sorted(p.name.display for p in found.people)
    assert names == sorted(["Jan Müller", "Jun Wang", "Jie Wang", "J. Wang", "Jun-Yan Wang", "Richard G. Baraniuk",
                            "Laurens van der Maaten", "Vinícius da Silva", "Google Research",
                            "Jeong Joon Park", "Jeong Min Park"])
    muller = found.person("p1", "Müller, J.")
    assert muller is found.person("p2", "J. Müller") is found.person("p3", "MÜLLER, Jan")
    assert muller.papers == ("p1", "p2", "p3")
    assert found.person("p3", "Richard G. Baraniuk") is found.person("p4", "Richard Baraniuk")
    assert found.person("p4", "Vinícius da Silva").papers == ("p4", "p5")
    assert found.person("p5", "Park, J. J.") is found.person("p5", "Jeong Joon Park")
    # 'J. Wang' fits Jun, Jie and Jun-Yan: kept apart, not guessed.
    assert found.person("p2", "J. Wang") not in (found.person("p1", "Jun Wang"), found.person("p2", "Jie Wang"))
    assert len({p.anchor for p in found.people}) == len(found.people)
    assert people.parse_name("{Google Research}").literal == "Google Research"
    assert people.parse_name("van der Maaten, Laurens").inverted == "van der Maaten, Laurens"


def test_venue_names():
    assert people.venue_name("ICLR 2024") == "ICLR"
    assert people.venue_name("NeurReps Workshop, NeurIPS 2023") == "NeurReps Workshop, NeurIPS"
    assert people.venue_name("arXiv:2112.11427") == "arXiv"
    assert people.venue_name("Medical Image Analysis 2025") == "Medical Image Analysis"
    index = people.group_venues([_paper("a", venue="ICML 2023", year=2023),
                                 _paper("b", venue="ICML 2024", year=2024), _paper("c")])
    assert [(v.name, v.papers) for v in index.venues] == [("ICML", ("b", "a"))] and "c" not in index.of_paper


def test_years_newest_first_and_undated_last():
    years = people.group_years([_paper("a", year=2021), _paper("b", year=None), _paper("c", year=2023),
                                _paper("d", year=2021)])
    assert [(y.anchor, y.year, y.papers) for y in years] == \
        [("y2023", 2023, ("c",)), ("y2021", 2021, ("a", "d")), ("y-undated", None, ("b",))]


def test_render_refuses_a_bibliography_without_its_authors_index(bib):
    from annobib.errors import BuildError
    from annobib.models import People
    from annobib.render import Site

    with pytest.raises(BuildError, match="not in the authors index"):
        Site.build(replace(bib, people=People()), Settings())


def test_browse_pages(docs, bib):
    docs_dir, result = docs
    authors = (docs_dir / "authors.md").read_text(encoding="utf-8")
    assert front_matter(docs_dir, "authors.md")["search"] == {"exclude": True}
    entries = re.findall(r'<div class="annobib-person" id="([^"]+)" markdown>\n<span class="annobib-person-name">([^<]*)</span>',
                         authors)
    every = {people.parse_name(a).display for p in bib.papers for a in p.authors}
    assert len(entries) == len(every) == len({anchor for anchor, _ in entries})
    assert ("a-heidari-moein", "Heidari&#44; Moein") in entries
    heidari = authors.split('id="a-heidari-moein"', 1)[1].split("</div>", 1)[0]
    assert f"(papers/{SL2A}.md)" in heidari and f"(papers/{PREPRINT}.md)" in heidari
    paper = (docs_dir / f"papers/{SL2A}.md").read_text(encoding="utf-8")
    assert "[Moein Heidari](../authors.md#a-heidari-moein)" in paper
    assert "[2024](../years.md#y2024)" in paper and "[ICCV 2025](../venues.md#v-iccv)" in paper
    venues = (docs_dir / "venues.md").read_text(encoding="utf-8")
    assert 'id="v-iccv"' in venues and 'id="v-arxiv"' in venues
    years = (docs_dir / "years.md").read_text(encoding="utf-8")
    assert years.index('id="y2024"') < years.index('id="y2020"') < years.index('id="y-undated"')
    assert {"authors.md", "venues.md", "years.md", "feeds/all.xml", "bib/all.ris", "bib/all.json"} <= set(result.files)


def test_keyphrase_chips_link_to_their_merged_index_entry(docs):
    paper = (docs[0] / f"papers/{ODD_SLUG}.md").read_text(encoding="utf-8")
    chips = paper.split("## Keyphrases", 1)[1].split("</div>", 1)[0]
    assert chips.count("(../keywords.md#kw-self-attention)") == 2     # both spellings link
    assert "<span class=\"annobib-chip\">" not in chips                 # no unlinked chip


def test_mkdocs_config_puts_authors_venues_and_years_in_the_nav(tmp_path, bib, docs):
    docs_dir, _ = docs
    config_path = tmp_path / "mkdocs.gen.yml"
    write_mkdocs_config(bib, docs_dir, tmp_path / "site", config_path, ROOT / "mkdocs.yml")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert config["not_in_nav"].split("\n") == ["/papers/"]
    assert (config_path.parent / config["theme"]["custom_dir"] / "main.html").is_file()
    assert {"Authors": "authors.md"} in config["nav"] and {"Venues": "venues.md"} in config["nav"]
    assert {"Years": "years.md"} in config["nav"]

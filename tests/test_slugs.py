"""Paper URLs: slugs of the citation keys, distinct, and permanent once published; the text
rules behind them (annobib.text) on letters without a Unicode decomposition, on real names."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.themes import run, synthetic_corpus

from annobib.corpus import load_corpus, paper_slugs, slug
from annobib.corpus.keys import ascii_fold, base_key, surname
from annobib.corpus.themes_file import themes_from_doc
from annobib.organize import dump_themes_file, load_themes_file
from annobib.organize.people import group_people
from annobib.render.index_pages import initial
from annobib.text import SLUG, legacy_slugify, stop_words, unique


@pytest.mark.parametrize("key, expected", [
    ("chan2022efficient", "chan2022efficient"),
    ("DBLP:conf/nips/VaswaniSPUJGKP17", "dblp-conf-nips-vaswanispujgkp17"),
    ("AltonjiElderTaber:2005", "altonjieldertaber-2005"),
    ("../../../escaped", "escaped"),
    ("müller_2020", "muller-2020"),
    ("2009A&A...507..417T", "2009a-and-a-507-417t"),
    ("..", "paper"),
])
def test_slug_of_a_key(key, expected):
    assert paper_slugs([key], {}, set())[key] == expected
    assert slug(expected) == expected   # a slug is its own slug: published URLs never drift


def test_keys_equal_but_for_case_get_two_urls_and_keep_them_across_builds(tmp_path):
    papers, annotations = synthetic_corpus(40)
    twin = replace(papers[0], key="P0000")            # 'p0000' and 'P0000': one slug, two papers
    papers = papers + [twin]
    annotations = {**annotations, "P0000": replace(annotations["p0000"], key="P0000")}
    bib, doc, _ = run(papers, annotations)
    assert bib.slugs["P0000"] == "p0000" and bib.slugs["p0000"] == "p0000-2"   # code-point order on a first build
    assert doc["urls"] == {"p0000": "p0000-2"}          # only the suffixed URL is recorded
    path = tmp_path / "themes.yml"
    dump_themes_file(themes_from_doc(doc, str(path)), path)
    again, _, _ = run(papers, annotations, load_themes_file(path).form())
    assert again.slugs == bib.slugs


def test_a_newcomer_never_takes_a_published_url():
    # 'chen2014' was published alone; 'Chen2014' arrives later and sorts first.
    assert paper_slugs(["Chen2014", "chen2014"], {}, {"chen2014"}) == {"chen2014": "chen2014", "Chen2014": "chen2014-2"}


# --- letters without a Unicode decomposition (annobib.text) ------------------------------

@pytest.mark.parametrize("key, expected", [
    ("Søgaard2020", "sogaard2020"),
    ("Łukasz:2021", "lukasz-2021"),
    ("Straße", "strasse"),
    ("Æsir_1999", "aesir-1999"),
    ("Œuvre2001", "oeuvre2001"),
    ("Đorđević2010", "dordevic2010"),
    ("Þórsson2015", "thorsson2015"),
    ("Høg:2000:Tycho", "hog-2000-tycho"),
])
def test_letters_without_a_decomposition_are_transliterated(key, expected):
    assert slug(key) == expected
    assert paper_slugs([key], {}, set())[key] == expected      # never published: the new rule
    assert slug(expected) == expected


def test_a_published_key_keeps_the_slug_it_was_published_under():
    """A key listed in the themes file was built by an earlier release, whose rule dropped 'ø'."""
    keys = ["Søgaard2020", "Søgaard2021"]
    assert legacy_slugify("Søgaard2020") == "sgaard2020"
    assert paper_slugs(keys, {}, {"Søgaard2020"}) == {"Søgaard2020": "sgaard2020", "Søgaard2021": "sogaard2021"}


def test_a_published_url_is_kept_and_recorded_under_urls(tmp_path):
    papers, annotations = synthetic_corpus(40)
    papers = [replace(papers[0], key="Søgaard2020"), replace(papers[1], key="Łukasz:2021")] + papers[2:]
    annotations = {p.key: replace(annotations[f"p{i:04d}"], key=p.key) for i, p in enumerate(papers)}
    # What an earlier release published: both keys listed, no `urls:` (their slugs were plain then).
    _, earlier, _ = run(papers, annotations)
    earlier = {"themes": earlier["themes"]}
    bib, doc, _ = run(papers, annotations, earlier)
    assert bib.slugs["Søgaard2020"] == "sgaard2020" and bib.slugs["Łukasz:2021"] == "ukasz-2021"
    assert doc["urls"] == {"Søgaard2020": "sgaard2020", "Łukasz:2021": "ukasz-2021"}
    path = tmp_path / "themes.yml"
    dump_themes_file(themes_from_doc(doc, str(path)), path)
    again, again_doc, _ = run(papers, annotations, load_themes_file(path).form())
    assert again.slugs == bib.slugs and again_doc["urls"] == doc["urls"]
    # A key never published gets the new rule's slug.
    newcomer = replace(papers[2], key="Straße2024")
    grown, _, _ = run(papers + [newcomer], {**annotations, "Straße2024": replace(annotations[papers[2].key],
                                                                                   key="Straße2024")},
                      load_themes_file(path).form())
    assert grown.slugs["Straße2024"] == "strasse2024" and grown.slugs["Søgaard2020"] == "sgaard2020"


def _slugs_before_the_text_module(keys: list[str], recorded: dict[str, str], published: set[str]) -> dict[str, str]:
    """paper_slugs as released before annobib.text: every key through the old fold."""
    result, taken = {}, set()
    for key in keys:
        if key in recorded and recorded[key] not in taken:
            result[key] = recorded[key]
            taken.add(recorded[key])
    for key in [k for k in keys if k in published] + [k for k in keys if k not in published]:
        if key not in result:
            result[key] = unique(legacy_slugify(key, fallback="paper"), taken)
            taken.add(result[key])
    return result


def test_the_shipped_corpus_keeps_every_url(repo_root):
    keys = [p.key for p in load_corpus(repo_root / "corpus").papers]
    themes = load_themes_file(repo_root / "corpus" / "themes.yml")
    recorded, published = themes.urls, themes.published()
    assert len(keys) >= 232 and published
    now = paper_slugs(keys, recorded, published)
    assert now == _slugs_before_the_text_module(keys, recorded, published)
    # ... and a build writes the same `urls:` back (none changed rule).
    assert {k: s for k, s in now.items() if s != slug(k, fallback="paper")} == recorded


# --- a real bibliography with non-ASCII keys and names -------------------------------------

REALBIB = Path(__file__).resolve().parent / "fixtures" / "realbib"
# jabref-authors.bib's keys, as JabRef writes them when keys may hold any letter:
# 'AlverTennoyAlfredsenEtAl2007' -> 'AlverTennøyAlfredsenEtAl2007'.
_SPELLED = {"Oie": "Øie", "Tennoy": "Tennøy", "Storoy": "Storøy", "Storseth": "Størseth",
            "Preisinger": "Preißinger"}
_ENTRY_KEY = re.compile(r"^(@\w+\{)([^,\s]+),", re.M)


@pytest.fixture(scope="module")
def unicode_keyed(tmp_path_factory):
    def respell(match):
        key = match.group(2)
        for plain, spelled in _SPELLED.items():
            key = key.replace(plain, spelled)
        return f"{match.group(1)}{key},"

    folder = tmp_path_factory.mktemp("corpus")
    text = (REALBIB / "jabref-authors.bib").read_text(encoding="utf-8")
    (folder / "jabref-authors.bib").write_text(_ENTRY_KEY.sub(respell, text), encoding="utf-8")
    return load_corpus(folder).papers


def test_real_non_ascii_keys_get_every_letter_in_their_url(unicode_keyed):
    keys = [p.key for p in unicode_keyed]
    respelled = [k for k in keys if not k.isascii()]
    assert len(respelled) >= 10
    slugs = paper_slugs(keys, {}, set())
    assert len(set(slugs.values())) == len(keys) and all(SLUG.match(s) for s in slugs.values())
    assert slugs["AlverTennøyAlfredsenEtAl2007"] == "alvertennoyalfredsenetal2007"
    assert slugs["AttramadalØieStørsethEtAl2012"] == "attramadaloiestorsethetal2012"
    assert slugs["PreißingerHarrer2014"] == "preissingerharrer2014"
    # The same keys published by an earlier release keep their (letter-dropping) URLs.
    kept = paper_slugs(keys, {}, set(keys))
    assert kept["AlverTennøyAlfredsenEtAl2007"] == "alvertennyalfredsenetal2007"
    assert kept == _slugs_before_the_text_module(keys, {}, set(keys))


def test_real_author_anchors_keep_every_letter(unicode_keyed):
    anchors = {person.name.display: person.anchor for person in group_people(unicode_keyed).people}
    assert anchors["Gunvor Øie"] == "a-oie-gunvor"
    assert anchors["Torodd Tennøy"] == "a-tennoy-torodd"
    assert anchors["Trond R Størseth"] == "a-storseth-trond-r"
    assert anchors["Andreas Weiß"] == "a-weiss-andreas"
    assert all(SLUG.match(a) for a in anchors.values())
    assert initial("Øie") == "O" and initial("Łukasz") == "L"


def test_real_names_make_keys_with_every_letter(unicode_keyed):
    by_key = {p.key: p for p in unicode_keyed}
    paper = by_key["PreißingerHarrerSchuberthEtAl2014"]          # 'Prei{\ss}inger, Christian R'
    assert base_key(paper.authors, paper.year, paper.title) == "preissinger2014standard"
    assert surname("{H{\\o}g}, E.") == "hog"                        # ads-lsst.bib
    assert surname("Lindeløv, Jonas Kristoffer") == "lindelov"      # zotero-biblatex-bjare.bib
    assert surname("Łukasz Kaiser") == "kaiser" and ascii_fold("Łukasz") == "lukasz"


@pytest.mark.parametrize("written", [
    "van der Maaten, Laurens", "Laurens van der Maaten", "van der Maaten, L.",
])
def test_key_part_of_a_von_name_does_not_depend_on_how_it_is_written(written):
    assert surname(written) == "maaten"
    assert base_key([written], 2008, "Visualizing Data using t-SNE") == "maaten2008visualizing"


def test_real_von_names_in_both_orders():
    assert surname("van der Walt, Stéfan J.") == surname("Stéfan J. van der Walt") == "walt"   # zotero-native-ferigo.bib
    assert surname("von Hofsten, Claes") == surname("Claes von Hofsten") == "hofsten"


def test_stop_words_per_language():
    assert "und" in stop_words("de") and "the" in stop_words("en")
    assert stop_words("xx") == stop_words("en") == stop_words("en-GB")

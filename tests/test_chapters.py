"""Chapters: two levels (chapters of themes), stable on updates, the curator's edits kept at
both levels, old theme URLs kept, the label rules (spelling, function words, whole phrases,
broad words, slugs) and the chapter pages.

Fast tests use the synthetic corpus of tests/helpers/themes.py; the slow ones analyse real
bibliographies of other fields (tests/fixtures/fields, tests/fixtures/realbib) and build the
shipped site.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from annobib.config import Settings
from annobib.corpus.themes_file import dump_themes_file, load_themes_file, themes_from_doc
from annobib.text import fold
from annobib.models import Chapter
from annobib.organize import chapters as chapters_mod
from annobib.organize import labels
from annobib.organize.outline import label_slug, sections_label
from annobib.organize.wording import Wording, function_words_for, majority_language

from helpers.themes import DIM, assert_refused, run, small_groups, synthetic_corpus, zero_embed

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# `corpus` and `first_run`: tests/conftest.py's fixtures of the synthetic corpus


def outline_of(bib) -> dict[str, list[str]]:
    return {c.slug: list(c.sections) for c in bib.chapters}


# --- two levels -------------------------------------------------------------------------

def test_two_levels_are_built(corpus, first_run):
    bib, doc, report = first_run
    assert 6 <= len(bib.chapters) <= 14
    sections = [s for c in bib.chapters for s in c.sections]
    assert sorted(sections) == sorted(t.slug for t in bib.themes)          # every theme in one chapter
    assert bib.chapter_of == {s: c.slug for c in bib.chapters for s in c.sections}
    assert [c["slug"] for c in doc["chapters"]] == [c.slug for c in bib.chapters]
    assert all(c["sections"] for c in doc["chapters"])
    assert len({c.label.lower() for c in bib.chapters}) == len(bib.chapters)
    assert len({c.slug for c in bib.chapters}) == len(bib.chapters)
    assert any("chapters" in m for m in report.messages)


def test_chapters_are_deterministic(corpus, first_run):
    papers, annotations = corpus
    shuffled = papers[:]
    random.Random(3).shuffle(shuffled)
    bib, doc, _ = run(shuffled, annotations)
    assert doc == first_run[1] and bib.chapters == first_run[0].chapters


@pytest.mark.parametrize("seed", [1, 2])
def test_update_moves_no_old_paper_and_no_section(corpus, seed):
    papers, annotations = corpus
    subset = sorted(random.Random(seed).sample(papers, int(0.9 * len(papers))), key=lambda p: p.key)
    before, doc, _ = run(subset, annotations, seed=seed)
    after, doc2, report = run(papers, annotations, doc, seed=seed)
    assert [k for k in before.theme_of if after.theme_of[k] != before.theme_of[k]] == []     # 0% moved
    assert {s: c for s, c in after.chapter_of.items() if s in before.chapter_of} == before.chapter_of
    assert [(c.slug, c.label) for c in after.chapters] == [(c.slug, c.label) for c in before.chapters]
    assert set(report.new_papers_placed) == {p.key for p in papers} - {p.key for p in subset}
    again, doc3, _ = run(papers, annotations, doc2, seed=seed)
    assert doc3 == doc2


def test_curator_edits_at_both_levels_are_kept(corpus, first_run):
    papers, annotations = corpus
    doc = json.loads(json.dumps(first_run[1]))          # a deep copy, as the curator's file
    chapters = doc["chapters"]
    source = next(c for c in chapters if len(c["sections"]) >= 2)
    target = next(c for c in chapters if c is not source)
    moved = source["sections"].pop()                    # move a section to another chapter
    target["sections"].insert(0, moved)                 # ... at its top
    target["label"] = "My own chapter title"            # rename a chapter
    chapters.insert(0, chapters.pop(chapters.index(target)))   # and put it first
    themes = doc["themes"]
    pinned_key = themes[1]["papers"][0]
    themes[0]["papers"].append(pinned_key)
    themes[0]["pinned"] = [pinned_key]                  # pin a paper in another theme
    bib, new_doc, report = run(papers, annotations, doc)
    assert bib.chapters[0].label == "My own chapter title" and bib.chapters[0].slug == target["slug"]
    assert bib.chapters[0].sections[0] == moved and bib.chapter_of[moved] == target["slug"]
    assert moved not in dict((c.slug, c.sections) for c in bib.chapters)[source["slug"]]
    assert bib.theme_of[pinned_key] == themes[0]["slug"]
    assert new_doc["chapters"] == chapters
    assert run(papers, annotations, new_doc)[1] == new_doc      # and on the next build too


def test_an_old_themes_file_without_chapters_still_loads(tmp_path, corpus, first_run):
    papers, annotations = corpus
    old = {"themes": first_run[1]["themes"]}            # as written before chapters existed
    path = tmp_path / "themes.yml"
    path.write_text(yaml.safe_dump(old), encoding="utf-8")
    loaded = load_themes_file(path)
    assert loaded.chapters == ()
    bib, doc, report = run(papers, annotations, loaded.form())
    assert {t.slug for t in bib.themes} == {t["slug"] for t in old["themes"]}     # every old theme URL kept
    assert report.new_papers_placed == {} and 6 <= len(bib.chapters) <= 14
    assert doc["chapters"] and sorted(s for c in doc["chapters"] for s in c["sections"]) == \
        sorted(t["slug"] for t in old["themes"])
    dump_themes_file(themes_from_doc(doc, str(path)), path)
    text = path.read_text(encoding="utf-8")
    assert text.index("\nchapters:\n") < text.index("\nthemes:\n") and "Move a section" in text
    assert load_themes_file(path).form() == doc


def test_a_new_theme_joins_the_nearest_chapter(corpus, first_run):
    papers, annotations = corpus
    extra_p, extra_a = synthetic_corpus(8, seed=9, topics=["ocean salinity"], prefix="z", noise=0.06)
    bib, doc, report = run(papers + extra_p, {**annotations, **extra_a}, first_run[1])
    assert report.proposed_themes
    new = report.proposed_themes[0]
    assert new in bib.chapter_of
    assert [c.slug for c in bib.chapters] == [c.slug for c in first_run[0].chapters]
    assert any(new in m and "placed" in m for m in report.messages)


def test_a_removed_section_leaves_its_chapter(corpus, first_run):
    papers, annotations = corpus
    doc = json.loads(json.dumps(first_run[1]))
    gone = doc["themes"].pop(0)                          # a theme the curator deleted ...
    doc["themes"][0]["papers"] += gone["papers"]         # ... after moving its papers
    bib, new_doc, report = run(papers, annotations, doc)
    assert gone["slug"] not in bib.chapter_of
    assert any(gone["slug"] in m and "no longer exist" in m for m in report.messages)


@pytest.mark.parametrize("text, message", [
    pytest.param("chapters: {a: 1}\nthemes: []\n", "'chapters' must be a list", id="not-a-list"),
    pytest.param("chapters:\n- {slug: Bad, label: X, sections: []}\nthemes: []\n", "slug must be", id="bad-slug"),
    pytest.param("chapters:\n- {slug: a, label: '', sections: []}\nthemes: []\n", "label must be", id="no-label"),
    pytest.param("chapters:\n- {slug: a, label: A, colour: red}\nthemes: []\n", "unknown field", id="unknown-field"),
    pytest.param("chapters:\n- {slug: a, label: A, sections: [x]}\n- {slug: a, label: B}\nthemes: []\n",
                 "used twice", id="duplicate-slug"),
    pytest.param("chapters:\n- {slug: a, label: A, sections: [x]}\n- {slug: b, label: B, sections: [x]}\n"
                 "themes: []\n", "listed in two chapters", id="section-twice"),
    pytest.param("chapters:\n- {slug: a, label: A, sections: [Not A Slug]}\nthemes: []\n", "theme slugs",
                 id="bad-section"),
])
def test_bad_chapters_name_the_file(tmp_path, text, message):
    assert_refused(tmp_path / "themes.yml", text, message)


# --- how many chapters ----------------------------------------------------------------------

@pytest.mark.parametrize("sections", [6, 7, 10, 17, 24, 40])
def test_chapter_count_stays_in_range(sections):
    low, high = chapters_mod.chapter_count_range(sections)
    assert 6 <= low <= high <= min(14, sections)
    rng = np.random.default_rng(sections)
    means = rng.normal(size=(sections, 16))
    sizes = [int(s) for s in rng.integers(4, 60, size=sections)]
    groups = chapters_mod.group_sections(means, sizes)
    assert low <= len(groups) <= high
    assert sorted(i for g in groups for i in g) == list(range(sections))
    assert chapters_mod.group_sections(means, sizes) == groups           # seed-free, repeatable


def test_theme_count_allows_six_chapters_from_fifty_papers():
    from annobib.organize.themes import theme_count_range

    for n in (50, 75, 120, 232, 1000, 10_000):
        low, high = theme_count_range(n)
        assert 6 <= low <= high, n
    assert theme_count_range(232) == (10, 19) and theme_count_range(8, 6) == (1, 1)


def test_ward_on_sections_matches_scipy_on_equal_sizes():
    from scipy.cluster.hierarchy import linkage

    rng = np.random.default_rng(4)
    points = rng.normal(size=(9, 5))
    ours = [c for _, _, c in chapters_mod.ward_merges(points, [1] * 9)]
    theirs = linkage(points, method="ward")[:, 2] ** 2 / 2          # scipy reports sqrt(2 x cost)
    assert np.allclose(ours, theirs, atol=1e-6)


# --- label rules -----------------------------------------------------------------------------

TEXTS = [
    ("Bayesian Neural Networks for NLP", "We study Bayesian inference in NLP. The mRNA abundance of cells is "
     "measured. Here Hebbian plasticity helps. A task-free setting is used for incremental object learning."),
    ("Task-Free Continual Learning", "In the task-free regime, Bayesian methods and NLP models help; incremental "
     "object learning by a robot. The mRNA abundance is low."),
    ("Incremental Object Learning by a Robot", "Hebbian plasticity in NLP; incremental object learning."),
]


def test_spelling_is_the_corpus_spelling():
    wording = Wording.from_texts(TEXTS)
    assert [wording.spelling(w) for w in ("nlp", "bayesian", "hebbian", "mrna", "task-free")] == \
        ["NLP", "Bayesian", "Hebbian", "mRNA", "task-free"]
    assert wording.cased("MRNA Abundance") == "mRNA abundance"
    assert wording.cased("bayesian neural networks") == "Bayesian neural networks"
    assert labels.sentence_case("mRNA abundance") == "mRNA abundance"
    assert labels.sentence_case("iCub humanoid robot") == "iCub humanoid robot"
    assert labels.sentence_case("task-free learning") == "Task-free learning"


def test_german_nouns_keep_their_capital():
    wording = Wording.from_texts([("Geschichte der Stadt Basel", ""), ("Die Stadt im Mittelalter", "")], "de")
    assert wording.cased("der stadt") == "der Stadt"
    assert not labels.is_labelable("der stadt", labels.STOPWORDS | wording.function_words)
    assert not labels.is_labelable("herrschaft von", labels.STOPWORDS | wording.function_words)
    assert labels.is_labelable("stadt basel", labels.STOPWORDS | wording.function_words)


def test_a_phrase_cut_in_the_middle_is_made_whole():
    wording = Wording.from_texts(TEXTS)
    assert wording.continuation("incremental object") == "learning"
    assert wording.continuation("incremental object learning") is None
    table = labels.phrase_table([["a", "b"]], {"a": ("incremental object",), "b": ("incremental object",)})
    table.wording = wording
    assert table.whole("incremental object") == "incremental object learning"


def test_majority_language_and_function_words():
    assert majority_language(["de", "de", "en", ""]) == "de" and majority_language(["", ""]) == "en"
    words = function_words_for("fr")
    assert {"de", "la", "des", "the", "and", "of"} <= words


def test_a_lone_category_word_is_too_broad():
    groups = small_groups(4, 6)
    keyphrases = {}
    for t, group in enumerate(groups):
        for j, key in enumerate(group):
            keyphrases[key] = ("sciences", ["life sciences", "data science", "open science", "health sciences"][t],
                               f"topic{t} method")
    table = labels.phrase_table(groups, keyphrases)
    table.chapters = [set(g) for g in groups]
    assert table.broad("science")                         # heads four phrases, used in every chapter
    assert not table.broad("life science")                # a phrase, not a lone word


def test_slugs_are_whole_words_never_ending_with_and():
    taken: set[str] = set()
    label = "Few-shot class-incremental learning and knowledge distillation for robots"
    slug = label_slug(label, taken)
    assert slug == "few-shot-class-incremental-learning" and not slug.endswith("-and")
    long = "Contrastive continual learning of disjoint sequential image generation tasks and more words"
    made = label_slug(long, taken)
    assert len(made) <= 48 and made.split("-")[-1] not in labels.STOPWORDS | {"and"}
    assert set(made.split("-")) <= set(re.findall(r"[a-z0-9]+", long.lower()))
    assert label_slug("Alzheimer's disease", taken) == "alzheimers-disease"
    assert label_slug("Graph networks", {"graph-networks"}) == "graph-networks-2"


def test_sections_label_joins_two_heads():
    assert sections_label(["Self-supervised learning and knowledge distillation", "Hypernetworks"]) == \
        "Self-supervised learning and hypernetworks"
    assert sections_label(["NeRF and rendering", "GNNs"]) == "NeRF and GNNs"
    assert sections_label(["Only one"]) == "Only one"


def test_two_phrases_are_joined_in_the_corpus_language():
    german = Wording.from_texts([("Geschichte der Stadt Basel", "Die Stadt und ihre städtische Gesellschaft.")], "de")
    assert german.conjunction == "und" and "und" in german.function_words
    assert [Wording.from_texts([], code).conjunction for code in ("fr", "es", "it", "nl", "pt", "en", "la", "")] == \
        ["et", "y", "e", "en", "e", "and", "and", "and"]
    assert labels.joined("Chemische Industrie", "Nordwest", german) == "Chemische Industrie und Nordwest"
    assert labels.joined("Graph networks", "link prediction", Wording.from_texts([])) == \
        "Graph networks and link prediction"
    # a chapter title made of its sections' heads (outline.sections_label), joined in the corpus language
    made = sections_label(["Basler Fasnacht und Fastnachtsbrauch", "Städtische Gesellschaft"], german)
    assert made == "Basler Fasnacht und städtische Gesellschaft"
    assert sections_label(["Basel und Region", "basel", "Stadt"], german) == "Basel und Stadt"
    english = ["Self-supervised learning and knowledge distillation", "Hypernetworks"]
    assert sections_label(english, Wording.from_texts([])) == sections_label(english) == \
        "Self-supervised learning and hypernetworks"
    slug = label_slug("Bank für Internationalen Zahlungsausgleich und International Settlements", set(),
                      labels.STOPWORDS | german.function_words)
    assert slug == "bank-fur-internationalen-zahlungsausgleich"      # whole words, never ending with "und"


def test_a_german_slug_is_cut_at_und_as_an_english_one_at_and():
    english = label_slug("Few-shot class-incremental learning and knowledge distillation for robots", set())
    german = "Chemische Industrie und Stadtentwicklung am Oberrhein seit dem Mittelalter"
    assert english == "few-shot-class-incremental-learning"
    assert label_slug(german, set(), conjunction="und") == "chemische-industrie"
    assert label_slug(german, set()) == "chemische-industrie-und-stadtentwicklung-am"    # cut at a word only


def test_no_theme_number_even_with_nothing_to_say():
    groups = small_groups(3, 5)
    keyphrases = {k: () for g in groups for k in g}           # no keyphrases at all
    titles = {g[0]: f"Paper {i}: a study" for i, g in enumerate(groups)}
    texts = labels.theme_texts(groups, keyphrases, np.eye(3, DIM), [g[0] for g in groups], titles,
                               zero_embed, [None] * 3)
    assert [t.label for t in texts] == ["Paper 0", "Paper 1", "Paper 2"]
    assert not any(re.fullmatch(r"Theme \d+", t.label) for t in texts)


# --- pages -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chaptered(tmp_path_factory):
    """The small hand-built bibliography of tests/helpers/small_bib.py, its three themes in two chapters."""
    from annobib.render import render_site

    from helpers.small_bib import bibliography

    bib = bibliography()
    slugs = [t.slug for t in bib.themes]
    chapters = (Chapter("shapes-and-signals", "Shapes & <i>signals</i>", "Two sections.", tuple(slugs[:2])),
                Chapter("odd-ones", "Odd ones", "", tuple(slugs[2:])))
    bib = replace(bib, chapters=chapters, chapter_of={s: c.slug for c in chapters for s in c.sections})
    docs = tmp_path_factory.mktemp("chaptered") / "docs"
    docs.mkdir()
    result = render_site(bib, docs, Settings())
    return bib, docs, result


def test_chapter_pages_introduce_sections_and_papers(chaptered):
    bib, docs, result = chaptered
    assert result.chapter_pages == 2 and (docs / "chapters" / "index.md").is_file()
    page = (docs / "chapters" / "shapes-and-signals.md").read_text(encoding="utf-8")
    theme = bib.themes[0]
    assert page.count("\n## ") == 2                              # one heading per section
    first_paper = sorted(theme.papers)[0]
    assert re.search(rf"^### \[.+\]\(\.\./papers/{re.escape(first_paper)}\.md\)$", page, re.M)
    assert f"(../themes/{theme.slug}.md)" in page and "(../bib/chapters/shapes-and-signals.bib)" in page
    assert "<i>" not in page                                      # labels are escaped
    single = (docs / "chapters" / "odd-ones.md").read_text(encoding="utf-8")
    assert "\n## Papers" in single                                # a chapter of one section: no section heading
    assert (docs / "bib" / "chapters" / "odd-ones.bib").is_file()


def test_theme_and_paper_pages_name_their_chapter(chaptered):
    bib, docs, _ = chaptered
    theme = bib.themes[0]
    page = (docs / "themes" / f"{theme.slug}.md").read_text(encoding="utf-8")
    assert "(../chapters/shapes-and-signals.md)" in page
    key = sorted(theme.papers)[0]
    paper = (docs / "papers" / f"{key}.md").read_text(encoding="utf-8")
    assert "Chapter: [" in paper and "(../chapters/shapes-and-signals.md)" in paper


def test_papers_json_gives_chapter_and_section(chaptered):
    bib, docs, _ = chaptered
    records = {r["key"]: r for r in json.loads((docs / "data" / "papers.json").read_text(encoding="utf-8"))}
    theme = bib.themes[0]
    record = records[sorted(theme.papers)[0]]
    assert record["theme"] == {"slug": theme.slug, "label": theme.label}
    assert record["chapter"] == {"slug": "shapes-and-signals", "label": "Shapes & <i>signals</i>"}


def test_nav_lists_chapters_and_keeps_theme_pages(tmp_path, chaptered):
    from annobib.render import write_mkdocs_config

    bib, docs, _ = chaptered
    config_path = tmp_path / "mkdocs.gen.yml"
    write_mkdocs_config(bib, docs, tmp_path / "site", config_path, Path(__file__).resolve().parents[1] / "mkdocs.yml")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert {"Chapters": ["chapters/index.md", "chapters/shapes-and-signals.md", "chapters/odd-ones.md"]} in config["nav"]
    assert not any("Themes" in item for item in config["nav"])
    assert "/themes/" in config["not_in_nav"].split("\n")
    for theme in bib.themes:                                     # every theme page still written
        assert (docs / "themes" / f"{theme.slug}.md").is_file()
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "## Chapters" in home and "](chapters/shapes-and-signals.md)" in home


# --- real corpora (slow: analysis with the packaged models) --------------------------------

REAL = {   # corpus -> fixture file (English, English, French, German); at most a few hundred papers each
    "continualai": FIXTURES / "realbib" / "zotero-bbt-continualai.bib",
    "epidemiology": FIXTURES / "fields" / "zotero-bbt-epidemiology-mcguinlu.bib",
    "museology-fr": FIXTURES / "fields" / "zotero-museology-fr-baghate.bib",
    "history-de": FIXTURES / "fields" / "zotero-history-de-stadtgeschichtebasel.bib",
}


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    """Each real corpus analysed once, organized fresh: name -> (papers, bib, doc, wording)."""
    import shutil

    from annobib.analyze import annotate_papers
    from annobib.corpus import load_corpus
    from annobib.organize import organize

    cache = tmp_path_factory.mktemp("real-cache")
    runs = {}
    for name, path in REAL.items():
        folder = tmp_path_factory.mktemp(name)
        shutil.copy(path, folder / path.name)
        papers = load_corpus(folder).papers
        annotations = annotate_papers(papers, Settings(), cache, progress=False).annotations
        organized = organize(papers, annotations, None, Settings(), project_map=lambda k, v, s: {})
        bib, doc = organized.bib, organized.themes.form()
        keys = sorted(p.key for p in papers)
        by_key = {p.key: p for p in papers}
        wording = Wording.from_texts([(by_key[k].title_text, by_key[k].abstract_text) for k in keys],
                                     majority_language([p.language for p in papers]))
        runs[name] = (papers, annotations, bib, doc, wording)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_corpus_has_six_to_fourteen_chapters(real_runs, name):
    papers, _, bib, _, _ = real_runs[name]
    assert len(papers) >= 50
    assert 6 <= len(bib.chapters) <= 14, [c.label for c in bib.chapters]
    assert sorted(s for c in bib.chapters for s in c.sections) == sorted(t.slug for t in bib.themes)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_corpus_labels_follow_the_rules(real_runs, name):
    _, _, bib, _, wording = real_runs[name]
    stop = labels.STOPWORDS | wording.function_words
    named = [(t.label, t.slug) for t in bib.themes] + [(c.label, c.slug) for c in bib.chapters]
    for label, slug in named:
        assert not re.fullmatch(r"(Theme|Chapter) \d+", label), label
        for part in label.split(" and "):
            words = labels.label_words(part)
            assert words and words[0].lower() not in stop and words[-1].lower() not in stop, label
        for word in labels.label_words(label)[1:]:                    # the first may be capitalised
            if wording.forms.get(word.lower()):
                assert word == wording.spelling(word), (label, word)  # the corpus's own spelling
        assert slug.split("-")[-1] not in stop | {"and"}, slug
        label_words = set(re.findall(r"[a-z0-9]+", fold(label.replace("'", "").replace("\u2019", "")).lower()))
        assert set(slug.split("-")) - {str(n) for n in range(2, 10)} <= label_words, (label, slug)
    lone = [label for label, _ in named if len(label.split()) == 1]
    for label in lone:                                            # a lone word is never a broad one
        assert not any(label.lower() == w for w in ("sciences", "science", "chemistry", "disease", "research")), label


@pytest.mark.slow
def test_german_corpus_labels_join_phrases_with_und(real_runs):
    """tests/fixtures/fields/zotero-history-de-stadtgeschichtebasel.bib (a German Zotero library):
    its labels join two phrases with "und", never with English "and"."""
    _, _, bib, _, wording = real_runs["history-de"]
    assert wording.language == "de"
    named = [t.label for t in bib.themes] + [c.label for c in bib.chapters]
    assert [label for label in named if " and " in label] == [], named
    assert any(" und " in label for label in named), named      # it has labels of two phrases


@pytest.mark.slow
@pytest.mark.parametrize("name", ["continualai"])
def test_real_corpus_update_moves_nothing(real_runs, name):
    from annobib.organize import organize

    papers, annotations, bib, doc, _ = real_runs[name]
    subset = sorted(random.Random(1).sample(papers, int(0.9 * len(papers))), key=lambda p: p.key)
    first = organize(subset, annotations, None, Settings(), project_map=lambda k, v, s: {})
    before = first.bib
    after = organize(papers, annotations, first.themes, Settings(), project_map=lambda k, v, s: {}).bib
    assert [k for k in before.theme_of if after.theme_of[k] != before.theme_of[k]] == []
    assert {s: c for s, c in after.chapter_of.items() if s in before.chapter_of} == before.chapter_of


@pytest.mark.slow
def test_shipped_site_keeps_every_published_theme_url(shipped_site, repo_root):
    """The committed corpus/themes.yml (written before chapters, or with them): every theme URL
    it published is a page of the built site, and the chapters have theirs."""
    root, _ = shipped_site
    committed = yaml.safe_load((repo_root / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    for theme in committed["themes"]:
        assert (root / "site" / "themes" / theme["slug"] / "index.html").is_file(), theme["slug"]
    written = yaml.safe_load((root / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    assert 6 <= len(written["chapters"]) <= 14
    for chapter in written["chapters"]:
        assert (root / "site" / "chapters" / chapter["slug"] / "index.html").is_file()
    assert (root / "site" / "chapters" / "index.html").is_file()

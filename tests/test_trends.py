"""Issue 22 item 4: how the field moves over time (organize/trends.py, render/timeline.py).

Fast: a small fake Bibliography with planted terms (a term in 6 of 8 recent papers and none
of 20 earlier ones rises; a flat term does not; a term in one recent paper never does), the
statistic's behaviour on a grid, per-year and undated counts, and what the renderer writes
(data/trends.json, the home page's "What is rising", a theme's timeline, the methods index's
lineage, the map's data-year). Slow: the shipped site's trends.json against its papers.json.
Browser: the home map's "Colour by year" toggle, with the mouse and the keyboard.
"""
from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from annobib.config import Settings
from annobib.models import Annotation, Bibliography, Paper, Theme
from annobib.organize.indexes import keyword_index, method_index
from annobib.organize.people import with_people_venues_years
from annobib.organize.trends import (MIN_PAPERS, WINDOW, Z_THRESHOLD, family_threshold, find_trends, term_form,
                                     trend_statistic, with_trends)
from annobib.render import timeline

SVG = "{http://www.w3.org/2000/svg}"
RECENT_YEARS = (2022, 2022, 2022, 2023, 2023, 2023, 2024, 2024)                       # 8 recent papers
EARLIER_YEARS = tuple(2015 + i % 7 for i in range(20))                                 # 20 papers, 2015-2021


def _fake_bib() -> Bibliography:
    """28 dated papers (8 in the last 3 years) and 2 undated ones, in two themes.

    - 'neural fields' (spelt three ways): 6 of 8 recent papers, none earlier -> rising;
    - 'Instant-NGP' (a method, spelt three ways): 5 of 8 recent papers, none earlier -> rising;
    - 'deep learning': every other paper, recent and earlier alike -> flat;
    - 'one-off phrase': one recent paper -> never rises;
    - 'SIREN': introduced in 2018, mentioned twice in 2021 and three times in 2023 (lineage)."""
    papers, notes = [], {}
    years = [(f"r{i}", y) for i, y in enumerate(RECENT_YEARS)] + [(f"e{i:02d}", y) for i, y in enumerate(EARLIER_YEARS)]
    years += [("u0", None), ("u1", None)]
    fields = ("Neural Fields", "neural field", "neural fields")
    ngp = ("Instant-NGP", "Instant NGP", "InstantNGP")
    for n, (key, year) in enumerate(years):
        papers.append(Paper(key, "article", f"Paper {key}", "An abstract.", authors=(f"Author{n}, A.", "Other, B.", "Third, C."),
                            year=year))
        phrases, introduced, mentioned = [f"topic {key}"], [], []
        if key.startswith("r") and int(key[1:]) < 6:
            phrases.append(fields[int(key[1:]) % 3])
        if key.startswith("r") and int(key[1:]) < 5:
            (introduced if key == "r0" else mentioned).append(ngp[int(key[1:]) % 3])
        if n % 2 == 0:
            phrases.append("deep learning")
        if key == "r7":
            phrases.append("one-off phrase")
        if key == "e03":                                   # 2018
            introduced.append("SIREN")
        if key in ("e06", "e13", "r3", "r4", "r5"):        # 2021, 2021, 2023, 2023, 2023
            mentioned.append("SIREN")
        notes[key] = Annotation(key, tuple(phrases), methods_introduced=tuple(introduced),
                                methods_mentioned=tuple(mentioned))
    theme_of = {key: ("odd" if n % 2 else "even") for n, (key, _) in enumerate(years)}
    themes = tuple(Theme(slug, label, papers=tuple(sorted(k for k, s in theme_of.items() if s == slug)))
                   for slug, label in (("even", "Even papers"), ("odd", "Odd papers")))
    points = {p.key: ((n % 6) / 5, (n // 6) / 5) for n, p in enumerate(papers)}
    return with_people_venues_years(Bibliography(
        papers=tuple(papers), annotations=notes, themes=themes, theme_of=theme_of, related={},
        methods=method_index(notes), keywords=keyword_index(notes), map_points=points))


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    return _fake_bib()


@pytest.fixture(scope="module")
def trends(bib):
    return find_trends(bib.papers, bib.annotations, bib.themes, bib.theme_of,
                       keywords=bib.keywords, methods=bib.methods)


# --------------------------------------------------------------------------- counts

def test_years_and_undated_count_every_paper(bib, trends):
    expected = Counter(p.year for p in bib.papers if p.year is not None)
    assert dict(trends.years) == dict(expected)
    assert trends.undated == 2
    assert trends.papers == len(bib.papers) == 30
    assert trends.recent_years == (2022, 2023, 2024) and WINDOW == 3
    assert (trends.recent, trends.earlier) == (8, 20)
    for theme in bib.themes:
        mine = trends.theme(theme.slug)
        assert sum(c for _, c in mine.years) + mine.undated == len(theme.papers)
    assert trends.theme("even").undated == 1 and trends.theme("odd").undated == 1


def test_no_earlier_year_means_nothing_to_compare():
    papers = [Paper(f"p{i}", "article", "T", "", year=2022 + i % 3) for i in range(12)]
    notes = {p.key: Annotation(p.key, ("same term",) if i < 9 else ()) for i, p in enumerate(papers)}
    trends = find_trends(papers, notes)
    assert trends.recent_years == () and trends.rising == () and trends.fading == ()
    assert dict(trends.years) == {2022: 4, 2023: 4, 2024: 4}


# --------------------------------------------------------------------------- the statistic

def test_planted_rising_term_is_found_and_flat_term_is_not(bib, trends):
    rising = {t.form: t for t in trends.rising}
    planted = rising.get(term_form("neural fields"))
    assert planted is not None, [t.term for t in trends.rising]
    assert (planted.recent, planted.earlier) == (6, 0) and planted.z >= Z_THRESHOLD
    assert planted.kind == "keyphrase" and planted.keyword        # the keyword index has it
    method = rising.get(term_form("Instant-NGP"))
    assert method is not None and method.kind == "method" and (method.recent, method.earlier) == (5, 0)
    assert method.term == method.method in ("Instant-NGP", "Instant NGP", "InstantNGP")   # the index's spelling
    assert method.method in {m.name for m in bib.methods}
    flat = term_form("deep learning")
    assert flat not in rising and flat not in {t.form for t in trends.fading}
    assert term_form("one-off phrase") not in rising
    assert list(rising) == [t.form for t in sorted(trends.rising, key=lambda t: -t.z)]


def test_spellings_merge_by_comparison_form():
    assert term_form("Neural Fields") == term_form("neural field") == term_form("neural-fields")
    assert term_form("Instant-NGP") == term_form("Instant NGP") == term_form("InstantNGP")


def test_fading_is_the_opposite_sign():
    years = [2010 + i // 2 for i in range(20)] + [2020 + i % 3 for i in range(20)]   # 20 before 2020, 20 after
    papers = [Paper(f"p{i}", "article", "T", "", year=y) for i, y in enumerate(years)]
    notes = {p.key: Annotation(p.key, ("old idea",) if i < 20 and i % 5 < 2 else ("filler",))
             for i, p in enumerate(papers)}                 # 8 of the 20 earlier papers, none after
    trends = find_trends(papers, notes)
    assert trends.recent_years == (2020, 2021, 2022)
    faded = {t.form: t for t in trends.fading}
    assert term_form("old idea") in faded and faded[term_form("old idea")].z <= -Z_THRESHOLD
    assert not trends.rising or term_form("old idea") not in {t.form for t in trends.rising}


@pytest.mark.parametrize("recent,earlier", [(8, 20), (30, 200), (132, 98), (300, 700)])
def test_small_counts_never_rise(recent, earlier):
    """A term in fewer than MIN_PAPERS recent papers never rises, whatever its z; and one
    recent paper against none before is not significant on its own either."""
    years = [2024] * recent + [2000] * earlier + [2023, 2022]      # two more years: a 3-year window
    papers = [Paper(f"p{i}", "article", "T", "", year=y) for i, y in enumerate(years)]
    for count in range(1, MIN_PAPERS):
        notes = {p.key: Annotation(p.key, ("rare term",) if i < count else ("filler",)) for i, p in enumerate(papers)}
        assert find_trends(papers, notes).rising == ()
    n_r, n_e = recent + 2, earlier
    assert trend_statistic(1, n_r, 0, n_e, 1 / (n_r + n_e))[1] < Z_THRESHOLD


def test_z_is_monotone_in_the_counts():
    """More recent papers: higher z; more earlier papers: lower z (the prior is heavy enough
    that a rare term's variance stays stable), from 28 to 10,000 papers."""
    for n_r, n_e in [(8, 20), (30, 200), (132, 98), (60, 170), (300, 700), (3000, 7000)]:
        total = n_r + n_e
        z = {(a, b): trend_statistic(a, n_r, b, n_e, (a + b) / total)[1]
             for a in range(0, min(n_r, 40) + 1) for b in range(0, min(n_e, 60) + 1) if a + b >= MIN_PAPERS}
        for (a, b), value in z.items():
            if (a + 1, b) in z:
                assert z[(a + 1, b)] > value, (n_r, n_e, a, b)
            if (a, b + 1) in z:
                assert z[(a, b + 1)] < value, (n_r, n_e, a, b)


def test_shown_phrases_merge_an_acronym_with_its_expansion(bib):
    """With organize/phrases.py's shown keyphrases, 'INRs' and 'implicit neural representations'
    (defined in the abstracts) are one term, named as the keyword index names the concept."""
    from dataclasses import replace

    from annobib.organize.indexes import concept_index
    from annobib.organize.phrases import organize_phrases

    abstract = "We fit implicit neural representations (INRs) to signals."
    papers = tuple(replace(p, abstract=abstract, abstract_text="") if p.key.startswith("r") else p for p in bib.papers)
    notes = dict(bib.annotations)
    for i in range(6):                                # 6 of 8 recent papers, in two spellings
        key = f"r{i}"
        notes[key] = replace(notes[key], keyphrases=notes[key].keyphrases + (("INRs",) if i % 2 else
                                                                           ("implicit neural representations",)))
    phrases = organize_phrases(list(papers), notes, bib.theme_of)
    merged = replace(bib, papers=papers, annotations=notes, phrases=phrases, keywords=concept_index(phrases))
    found = {t.form: t for t in with_trends(merged).trends.rising}
    inr = [t for t in found.values() if "implicit neural representation" in t.term.lower()]
    assert len(inr) == 1 and inr[0].recent == 6, [t.term for t in found.values()]
    assert inr[0].keyword in merged.keywords
    assert not any(t.term == "INRs" for t in found.values())


def test_threshold_rises_with_the_terms_tested():
    """10,000 papers whose terms have nothing to do with their year: a fixed 1.645 would list
    over a dozen chance terms; the family threshold lists (almost) none, and still finds a term
    going from 1 % to 5 % of the papers."""
    import random

    assert family_threshold(0) == family_threshold(40) == Z_THRESHOLD
    assert family_threshold(1000) > 2.8 and family_threshold(5000) > 3.3
    rng = random.Random(7)
    vocabulary = [f"term {i}" for i in range(3000)]
    papers = [Paper(f"p{i:05d}", "article", "T", "", year=2000 + i % 20) for i in range(10_000)]
    notes = {}
    for i, p in enumerate(papers):
        phrases = tuple(rng.sample(vocabulary, 8))
        if (p.year >= 2017 and (i // 20) % 20 == 0) or (p.year < 2017 and (i // 20) % 100 == 0):
            phrases += ("planted trend",)              # 5 % of the recent papers, 1 % of the earlier
        notes[p.key] = Annotation(p.key, phrases)
    trends = find_trends(papers, notes)
    assert [t.term for t in trends.rising] == ["planted trend"], [t.term for t in trends.rising][:5]
    assert len(trends.fading) <= 2 and trends.rising_threshold > 3


def test_organize_attaches_trends(bib, trends):
    assert bib.trends is None
    assert with_trends(bib).trends == trends


# --------------------------------------------------------------------------- rendered

@pytest.fixture(scope="module")
def docs(bib, tmp_path_factory):
    from annobib.render import render_site

    docs_dir = tmp_path_factory.mktemp("trends") / "docs"
    docs_dir.mkdir()
    render_site(with_trends(bib), docs_dir, Settings())
    return docs_dir


def test_trends_json(docs, trends):
    data = json.loads((docs / "data" / "trends.json").read_text(encoding="utf-8"))
    assert data["years"] == {str(y): c for y, c in trends.years} and data["undated"] == 2
    assert data["window_years"] == 3 and data["recent_years"] == [2022, 2023, 2024]
    assert data["z_threshold"] == Z_THRESHOLD and data["min_papers"] == MIN_PAPERS
    assert "Fightin' Words" in data["statistic"]
    planted = next(t for t in data["rising"] if t["form"] == term_form("neural fields"))
    assert planted["recent_papers"] == 6 and planted["earlier_papers"] == 0 and planted["z"] >= Z_THRESHOLD
    assert set(data["themes"]) == {"even", "odd"}
    for slug, theme in data["themes"].items():
        assert sum(theme["years"].values()) + theme["undated"] == 15, slug


def test_home_page_lists_rising_terms_with_links(docs):
    home = html.unescape((docs / "index.md").read_text(encoding="utf-8"))
    block = home[home.index("## What is rising"):home.index("## Themes")]
    assert re.search(r"\]\(methods\.md#method-instant-ngp\)", block), block          # a method: the methods index
    assert re.search(r"\]\(keywords\.md#kw-neural-field[s]?\)", block), block         # a keyphrase: the keywords index
    assert "6 of 8 recent papers (75 %), 0 of 20 before (0 %)" in block
    assert "2022–2024" in block and "deep learning" not in block
    assert "data/trends.json" in block


def test_theme_page_has_a_timeline(docs, trends):
    page = (docs / "themes" / "even.md").read_text(encoding="utf-8")
    svg = re.search(r"<svg.*?</svg>", page[page.index("## Over time"):]).group(0)
    root = ET.fromstring(svg.replace("&#", "&amp;#"))
    assert root.get("role") == "img" and root.get("fill") == "currentColor"
    fills = {el.get("fill") for el in root.iter() if el.get("fill")}
    assert not fills & {"#000", "#000000", "black"}
    assert all(el.get("fill") is None for el in root.iter(f"{SVG}text"))          # text in currentColor
    bars = {int(el.get("data-year")) for el in root.iter(f"{SVG}rect") if el.get("data-year")}
    assert bars == {y for y, _ in trends.theme("even").years}
    assert "1 undated, not shown" in page


def test_methods_index_shows_lineage(docs):
    methods = (docs / "methods.md").read_text(encoding="utf-8")
    entry = methods[methods.index("SIREN"):]
    entry = entry[:entry.index("</div>\n</div>")]
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", entry)              # links to their text
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    assert "introduced 2018 by Author11 et al.; mentioned 2021 (2), 2023 (3)" in " ".join(text.split()), text


def test_map_points_carry_their_year(bib):
    from annobib.render import charts

    root = ET.fromstring(charts.map_svg(bib, lambda k: f"papers/{k}/", lambda s: f"themes/{s}/"))
    years = {p.key: p.year for p in bib.papers}
    marked = [el for el in root.iter() if el.get("data-year")]
    assert sorted(int(el.get("data-year")) for el in marked) == sorted(y for y in years.values() if y)
    legend = timeline.map_years(bib)
    assert legend["undated"] == 2 and legend["last"] == 2024


def test_map_cells_carry_their_mean_year():
    from annobib.render import charts

    n = charts.MAP_DOTS + 100
    papers = tuple(Paper(f"p{i:05d}", "article", "T", "", year=2000 + i % 2 if i % 7 else None) for i in range(n))
    points = {p.key: (0.01, 0.01) if i % 2 else (0.99, 0.99) for i, p in enumerate(papers)}   # two cells
    bib = Bibliography(papers=papers, annotations={}, themes=(), theme_of={}, related={}, map_points=points)
    root = ET.fromstring(charts.map_svg(bib, lambda k: f"papers/{k}/", lambda s: f"themes/{s}/"))
    means = sorted(el.get("data-year") for el in root.iter() if el.get("data-year"))
    assert means == ["2000.0", "2001.0"]


def test_year_scale_is_viridis_and_never_black():
    assert timeline.year_colour(2000, 2000, 2020) == "#440154"
    assert timeline.year_colour(2020, 2000, 2020) == "#FDE725"
    assert timeline.year_colour(1990, 2000, 2020) == "#440154"                     # clamped
    lightness = [sum(int(timeline.year_colour(y, 2000, 2020)[i:i + 2], 16) for i in (1, 3, 5))
                 for y in range(2000, 2021)]
    assert lightness == sorted(lightness) and min(lightness) > 0x60                # sequential, not black


# --------------------------------------------------------------------------- the shipped site

@pytest.mark.slow
def test_shipped_trends_match_papers_json(shipped_site):
    root, _summary = shipped_site
    site = root / "site"
    papers = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    data = json.loads((site / "data" / "trends.json").read_text(encoding="utf-8"))
    years = Counter(p["year"] for p in papers if p["year"] is not None)
    assert data["years"] == {str(y): c for y, c in years.items()}
    assert data["undated"] == sum(1 for p in papers if p["year"] is None)
    assert sum(data["years"].values()) + data["undated"] == len(papers)
    for slug, theme in data["themes"].items():
        mine = [p for p in papers if (p["theme"] or {}).get("slug") == slug]   # theme: {slug, label}
        assert theme["years"] == {str(y): c for y, c in Counter(p["year"] for p in mine if p["year"]).items()}
        assert theme["undated"] == sum(1 for p in mine if p["year"] is None)
    # The windows hold every dated paper; each listed term's z follows from its counts.
    cutoff = min(data["recent_years"])
    n_r = sum(1 for p in papers if p["year"] and p["year"] >= cutoff)
    n_e = sum(1 for p in papers if p["year"] and p["year"] < cutoff)
    assert (data["papers"]["recent"], data["papers"]["earlier"]) == (n_r, n_e)
    assert data["recent_years"] == sorted(years)[-WINDOW:]
    for term in data["rising"] + data["fading"]:
        y_r, y_e = term["recent_papers"], term["earlier_papers"]
        delta, z = trend_statistic(y_r, n_r, y_e, n_e, (y_r + y_e) / (n_r + n_e))
        assert term["z"] == round(z, 3) and term["log_odds"] == round(delta, 4), term
        assert (z >= data["z_rising"] and y_r >= MIN_PAPERS) if term in data["rising"] else \
            (z <= -data["z_fading"] and y_e >= MIN_PAPERS), term
    assert data["z_rising"] >= Z_THRESHOLD and data["z_fading"] >= Z_THRESHOLD
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="what-is-rising"' in home
    for term in data["rising"][:timeline.HOME_RISING]:
        assert term["keyword"] or term["method"]
        assert re.search(r'href="(keywords|methods)/#[a-z0-9-]+"', home)


# --------------------------------------------------------------------------- in a browser

from test_browser import browser, serve, shipped, shipped_url  # noqa: E402,F401  (module fixtures)

FILLS = """() => [...document.querySelectorAll('svg.annobib-map-plot :is(g.points, g.cells) :is(circle, rect, polygon)')]
    .map(el => ({year: el.getAttribute('data-year'), fill: getComputedStyle(el).fill}))"""


def _rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.browser
@pytest.mark.slow
def test_map_toggle_recolours_by_year_and_back(browser, shipped, shipped_url):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(shipped_url, wait_until="load")
    button = page.get_by_role("button", name="Colour by year")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    legend = page.locator("ul.annobib-year-legend")
    first, last = int(legend.get_attribute("data-first")), int(legend.get_attribute("data-last"))
    themed = page.evaluate(FILLS)
    assert len(themed) == 232 and sum(1 for m in themed if m["year"]) >= 230

    def by_year(markers) -> bool:
        return all(m["fill"] == (_rgb(timeline.year_colour(float(m["year"]), first, last)) if m["year"] else "none")
                   for m in markers)

    button.click()                                                     # the mouse
    coloured = page.evaluate(FILLS)
    assert button.get_attribute("aria-pressed") == "true" and by_year(coloured)
    assert legend.is_visible() and not page.get_by_role("list", name="Themes on the map").is_visible()
    assert coloured != themed
    button.click()
    assert page.evaluate(FILLS) == themed and button.get_attribute("aria-pressed") == "false"

    # The keyboard reaches it: Tab from the section's heading lands on the toggle, first ...
    page.locator("h2#the-collection-at-a-glance a.headerlink").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-annobib-map-toggle')")
    page.keyboard.press("Enter")                                       # ... and presses it
    assert by_year(page.evaluate(FILLS)) and button.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.evaluate(FILLS) == themed and not legend.is_visible()
    context.close()
    assert not errors, errors

"""SVG charts: well-formed, linked, and escaping untrusted corpus text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from annobib.models import Bibliography, Paper, Theme
from annobib.render.charts import map_svg, themes_chart_svg, years_chart_svg

EVIL = '<script>alert("x")</script> & "quotes" \'too\''
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def bib():
    papers = (Paper("a2020x", "article", EVIL, "", year=2020), Paper("b2021y", "article", "Plain", "", year=2021),
              Paper("c0000z", "misc", "No year", ""))
    themes = (Theme("evil-theme", EVIL, papers=("a2020x", "c0000z")), Theme("plain", "Plain theme", papers=("b2021y",)))
    return Bibliography(papers=papers, annotations={}, themes=themes,
                        theme_of={"a2020x": "evil-theme", "c0000z": "evil-theme", "b2021y": "plain"},
                        related={}, map_points={"a2020x": (0.0, 0.0), "b2021y": (1.0, 1.0), "c0000z": (0.5, 0.2)})


def paper_url(key):
    return f"../papers/{key}/"


def theme_url(slug):
    return f"../themes/{slug}/?a=1&b=2"


@pytest.mark.parametrize("draw", [
    pytest.param(lambda b: map_svg(b, paper_url, theme_url), id="map"),
    pytest.param(lambda b: themes_chart_svg(b, theme_url), id="themes"),
    pytest.param(years_chart_svg, id="years"),
])
def test_chart_is_wellformed_and_escaped(bib, draw):
    svg = draw(bib)
    root = ET.fromstring(svg)                      # parses: nothing unescaped broke it
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    assert "<script" not in svg and "javascript:" not in svg.lower() and "http" not in svg.replace(
        "http://www.w3.org/2000/svg", "")
    texts = " ".join(el.text or "" for el in root.iter())
    if draw is not years_chart_svg:
        assert EVIL in texts                        # shown as text, exactly


def test_map_links_every_paper_and_theme(bib):
    root = ET.fromstring(map_svg(bib, paper_url, theme_url))
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert {paper_url(k) for k in bib.map_points} <= set(links)
    assert {theme_url(t.slug) for t in bib.themes} <= set(links)
    tooltips = [t.text for c in root.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert any("Plain (b2021y)" == t for t in tooltips)
    colours = {c.get("fill") for c in root.iter(f"{SVG}circle")}
    assert len(colours) == 2


def test_years_chart_leaves_out_unknown_years(bib):
    root = ET.fromstring(years_chart_svg(bib))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "2020" in labels and "2021" in labels and "None" not in labels


def test_themes_chart_links_theme_pages(bib):
    root = ET.fromstring(themes_chart_svg(bib, theme_url))
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == [theme_url("evil-theme"), theme_url("plain")]


def test_map_stays_put_when_a_paper_arrives(tmp_path):
    """Existing papers keep their map position; the newcomer lands near its neighbours."""
    import numpy as np

    from annobib.organize.projection import MemoisedProjection

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    vectors = np.vstack([c + 0.05 * rng.normal(size=(20, 16)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys = [f"p{i:02d}" for i in range(60)]
    project = MemoisedProjection(tmp_path / "map.json")
    before = project(keys[:-1], vectors[:-1], seed=13)
    after = project(keys, vectors, seed=13)
    assert all(after[k] == before[k] for k in keys[:-1])
    newcomer = np.array(after["p59"])
    own_group = np.array([after[k] for k in keys[40:59]]).mean(axis=0)
    other_group = np.array([after[k] for k in keys[:20]]).mean(axis=0)
    assert np.linalg.norm(newcomer - own_group) < np.linalg.norm(newcomer - other_group)
    assert project(keys, vectors, seed=13) == after  # same inputs, same map


def _large_bib(n: int) -> Bibliography:
    """n papers in two themes on two halves of the map, with hostile theme text."""
    papers = tuple(Paper(f"p{i:05d}", "article", f"Paper {i}", "", year=2000 + i % 20) for i in range(n))
    theme_of = {p.key: ("left" if i % 2 else "right") for i, p in enumerate(papers)}
    themes = (Theme("left", EVIL, papers=tuple(k for k, t in theme_of.items() if t == "left")),
              Theme("right", "Right half", papers=tuple(k for k, t in theme_of.items() if t == "right")))
    points = {p.key: ((0.25 if theme_of[p.key] == "left" else 0.75) + (i % 97) / 500, (i % 89) / 89)
              for i, p in enumerate(papers)}
    return Bibliography(papers=papers, annotations={}, themes=themes, theme_of=theme_of, related={},
                        map_points=points)


def test_map_of_a_large_corpus_stays_small_and_shows_themes():
    """Past MAP_DOTS papers the home page's map does not grow with the corpus: cells coloured
    by their main theme, linking to it, each telling how many papers it holds."""
    import gzip

    sizes = {}
    for n in (3000, 12000):
        svg = map_svg(_large_bib(n), paper_url, theme_url)
        sizes[n] = len(gzip.compress(svg.encode("utf-8")))
        root = ET.fromstring(svg)
        assert not list(root.iter(f"{SVG}circle"))                    # no dot per paper
        links = {a.get("href") for a in root.iter(f"{SVG}a")}
        assert links == {theme_url("left"), theme_url("right")}
        tooltips = [t.text for r in root.iter(f"{SVG}rect") for t in r.iter(f"{SVG}title")]
        counted = sum(int(t.split()[0]) for t in tooltips)
        assert counted == n                                           # every paper is in one cell
        assert any(t.endswith("most in " + EVIL) for t in tooltips)  # theme label as text, escaped
    assert sizes[12000] < 40_000 and sizes[12000] < 1.2 * sizes[3000]

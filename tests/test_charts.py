"""SVG charts: well-formed, linked, and escaping untrusted corpus text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from annobib.models import Bibliography, Paper, Theme
from annobib.render.charts import map_legend, map_svg, themes_chart_svg, years_chart_svg

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


def test_map_links_every_paper_and_its_legend_names_every_theme(bib):
    root = ET.fromstring(map_svg(bib, paper_url, theme_url))
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert sorted(links) == sorted(paper_url(k) for k in bib.map_points)
    # Each link is named by its own <title> (a screen reader's name, a mouse's tooltip).
    names = [a.find(f"{SVG}title").text for a in root.iter(f"{SVG}a")]
    assert "Plain (b2021y)" in names and all(names)
    colours = {c.get("fill") for c in root.iter(f"{SVG}circle")}
    assert len(colours) == 2
    # The legend is the page's HTML (render/templates/home.md.j2): one entry per theme.
    legend = map_legend(bib)
    assert [(e["slug"], e["label"], e["count"]) for e in legend] == [("evil-theme", EVIL, 2), ("plain", "Plain theme", 1)]
    swatches = {ET.fromstring(e["swatch"]).find(f"{SVG}circle").get("fill") for e in legend}
    assert swatches == colours


def test_charts_with_links_are_not_images(bib):
    """role="img" would hide links from screen readers that still take the keyboard's focus."""
    for svg in (map_svg(bib, paper_url, theme_url), themes_chart_svg(bib, theme_url)):
        root = ET.fromstring(svg)
        assert root.get("role") == "group" and root.get("aria-label")
        assert all(el.get("role") != "img" for el in root.iter())
        assert all(a.find(f"{SVG}title") is not None and a.find(f"{SVG}title").text for a in root.iter(f"{SVG}a"))
    years = ET.fromstring(years_chart_svg(bib))
    assert years.get("role") == "img" and not list(years.iter(f"{SVG}a"))
    assert years.find(f"{SVG}desc").text == "2020: 1; 2021: 1"     # the data, for a screen reader


@pytest.mark.parametrize("draw", [
    pytest.param(lambda b: map_svg(b, paper_url, theme_url), id="map"),
    pytest.param(lambda b: themes_chart_svg(b, theme_url), id="themes"),
    pytest.param(years_chart_svg, id="years"),
])
def test_chart_text_and_outlines_follow_the_page_colour(bib, draw):
    """Text is never SVG's default black (unreadable on the dark scheme): the chart paints in
    currentColor, which the stylesheet sets to Material's foreground colour."""
    root = ET.fromstring(draw(bib))
    assert root.get("fill") == "currentColor"
    for el in root.iter():
        assert el.get("fill") not in ("#000", "#000000", "black")
        if el.tag == f"{SVG}text":
            assert el.get("fill") in (None, "currentColor")
    marks = [el for el in root.iter() if el.tag in (f"{SVG}circle", f"{SVG}polygon")
             or (el.tag == f"{SVG}rect" and el.get("fill") != "none")]
    outlined = {id(el) for g in root.iter() if g.get("stroke") == "currentColor" for el in g.iter()}
    assert marks and all(id(el) in outlined for el in marks)


# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
CVD = {"normal": None,
       "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
       "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
       "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900))}


def _linear(colour: str) -> list[float]:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _luminance(rgb) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _lab(rgb) -> tuple[float, float, float]:
    x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.95047
    y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.08883
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def _seen(colour: str, matrix) -> list[float]:
    rgb = _linear(colour)
    if matrix is None:
        return rgb
    return [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in matrix]


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_palette_is_colour_blind_safe_and_has_no_black():
    import itertools
    import math

    from annobib.render.charts import NO_THEME, PALETTE

    assert len(set(PALETTE)) == len(PALETTE) == 7
    for colour in PALETTE:
        assert _luminance(_linear(colour)) > 0.1, f"{colour} vanishes on the dark scheme"
    # Every pair stays apart (CIELAB distance) for normal vision and the three dichromacies ...
    for a, b in itertools.combinations(PALETTE, 2):
        for vision, matrix in CVD.items():
            distance = math.dist(_lab(_seen(a, matrix)), _lab(_seen(b, matrix)))
            assert distance > 12, f"{a} / {b} under {vision}: {distance:.1f}"
    # ... and neighbours (the last and the first too: the cycle repeats) differ in lightness.
    for a, b in zip(PALETTE, PALETTE[1:] + PALETTE[:1]):
        assert _contrast(_luminance(_linear(a)), _luminance(_linear(b))) >= 1.5, (a, b)
    assert NO_THEME == "none"                                       # papers in no theme: hollow markers


def test_series_past_the_palette_change_shape():
    from annobib.render.charts import PALETTE, SHAPES, series_style

    styles = [series_style(i) for i in range(len(PALETTE) * len(SHAPES))]
    assert len(set(styles)) == len(styles)                         # 28 themes, 28 distinct markers
    assert {shape for _, shape in styles} == set(SHAPES)
    themes = tuple(Theme(f"t{i:02d}", f"Theme {i}", papers=(f"p{i}",)) for i in range(9))
    papers = tuple(Paper(f"p{i}", "article", f"Paper {i}", "", year=2020) for i in range(9))
    bib = Bibliography(papers=papers, annotations={}, themes=themes, theme_of={f"p{i}": f"t{i:02d}" for i in range(9)},
                       related={}, map_points={f"p{i}": (i / 9, i / 9) for i in range(9)})
    root = ET.fromstring(map_svg(bib, paper_url, theme_url))
    assert len(list(root.iter(f"{SVG}circle"))) == 7 and len(list(root.iter(f"{SVG}rect"))) == 1 + 2   # frame + 2
    bars = ET.fromstring(themes_chart_svg(bib, theme_url))
    assert len(list(bars.iter(f"{SVG}circle"))) == 7                 # each label's marker, as on the map


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
        assert not any("papers/" in (a.get("href") or "") for a in root.iter(f"{SVG}a"))   # no dot per paper
        assert len(list(root.iter(f"{SVG}title"))) <= 1 + 40 * 40
        links = {a.get("href") for a in root.iter(f"{SVG}a")}
        assert links == {theme_url("left"), theme_url("right")}
        tooltips = [t.text for t in root.iter(f"{SVG}title")][1:]      # the chart's own title first
        counted = sum(int(t.split()[0]) for t in tooltips)
        assert counted == n                                           # every paper is in one cell
        assert any(t.endswith("most in " + EVIL) for t in tooltips)  # theme label as text, escaped
    assert sizes[12000] < 40_000 and sizes[12000] < 1.2 * sizes[3000]

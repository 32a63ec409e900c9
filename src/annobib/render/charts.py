"""Static SVG charts: the map of papers, papers per theme, papers per year.

SVG drawing only: no JavaScript, no external resources. Every text that comes
from the corpus (titles, labels, keys) is untrusted and XML-escaped, in element
text and in attribute values alike. URLs come from the renderer's `paper_url` /
`theme_url` callables and are escaped too.

For every reader, in both of Material's colour schemes:
- text and outlines are drawn in `currentColor`, which the stylesheet sets to the theme's
  foreground colour (`var(--md-default-fg-color)`): readable on light and dark pages;
- series colours come from Okabe & Ito's colour-blind-safe palette without its black
  (invisible on the dark scheme), ordered so that neighbours differ in lightness as well
  as hue; every marker has an outline in the text colour, so even the lightest colour
  (yellow on white) and the darkest (blue on the dark scheme) stand out. Past the
  palette's size the cycle repeats with the next marker shape (square, triangle, ...);
- the map's legend is not drawn in the SVG (scaled down with the map it was 4 px on a
  phone): `map_legend` gives its entries, which the home page writes as HTML beside the map;
- charts holding links are `role="group"`, not `role="img"` (which would hide links that
  still take the keyboard's focus): each link is named by its `<title>`.
"""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import Callable

from ..models import Bibliography
from .escape import text as inert

# Okabe-Ito without black: blue, sky blue, vermillion, orange, bluish green, yellow,
# reddish purple. In this order each colour differs from the next one (and the last from
# the first, where the cycle repeats) by a luminance contrast of 1.5:1 or more, and every
# pair stays apart under simulated protanopia, deuteranopia and tritanopia (tests/test_charts.py).
PALETTE = ("#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#F0E442", "#CC79A7")
SHAPES = ("circle", "square", "triangle", "diamond")   # one palette cycle per shape
NO_THEME = "none"         # papers in no theme: a hollow circle, unlike every theme's marker
MAP_DOTS = 1500    # up to this many papers the map draws one linked dot per paper
MAP_CELLS = 40     # past it, a grid of this many cells a side (at most 1,600 squares)
FONT = 'font-family="system-ui, sans-serif"'
BAR_FONT_SIZE = 13        # user units; bar charts are at most 1.2x their viewBox on screen (CSS)
BAR_WIDTH = 340           # the bar charts' viewBox width: 1:1 in a phone's column (about 343 px)
LABEL_CHARS = 44          # a theme label longer than this wraps in the papers-per-theme chart


def esc(text) -> str:
    return escape(str(text), quote=True)


def esc_attribute(text) -> str:
    """Corpus text for an attribute value: every ASCII punctuation a character reference
    (escape.text), since `escape.svg` re-encodes only the text between tags."""
    return str(inert(text))


def series_style(index: int) -> tuple[str, str]:
    """(colour, marker shape) of the index-th series: colours cycle, then the shape changes."""
    return PALETTE[index % len(PALETTE)], SHAPES[(index // len(PALETTE)) % len(SHAPES)]


def theme_styles(bib: Bibliography) -> dict[str, tuple[str, str]]:
    return {t.slug: series_style(i) for i, t in enumerate(sorted(bib.themes, key=lambda t: t.slug))}


def theme_colours(bib: Bibliography) -> dict[str, str]:
    return {slug: colour for slug, (colour, _) in theme_styles(bib).items()}


def marker(shape: str, cx: float, cy: float, r: float, fill: str, extra: str = "") -> str:
    """One marker of about the same area whatever its shape, centred on (cx, cy)."""
    paint = f'fill="{fill}"{" " + extra if extra else ""}'
    if fill == "none":
        paint += ' pointer-events="all"'          # a hollow marker is a link inside too
    if shape == "square":
        side = r * 1.75
        return (f'<rect x="{cx - side / 2:.1f}" y="{cy - side / 2:.1f}" width="{side:.1f}" '
                f'height="{side:.1f}" {paint}/>')
    if shape == "triangle":
        h = r * 1.15
        points = f"{cx:.1f},{cy - h * 1.15:.1f} {cx + h * 1.15:.1f},{cy + h * 0.85:.1f} {cx - h * 1.15:.1f},{cy + h * 0.85:.1f}"
        return f'<polygon points="{points}" {paint}/>'
    if shape == "diamond":
        d = r * 1.3
        points = f"{cx:.1f},{cy - d:.1f} {cx + d:.1f},{cy:.1f} {cx:.1f},{cy + d:.1f} {cx - d:.1f},{cy:.1f}"
        return f'<polygon points="{points}" {paint}/>'
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" {paint}/>'


def swatch_svg(colour: str, shape: str) -> str:
    """A legend entry's marker: a small standalone SVG, decorative (the entry's text names it)."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16" '
            'aria-hidden="true" focusable="false" class="annobib-swatch">'
            + marker(shape, 8, 8, 5.5, colour, 'stroke="currentColor" stroke-width="1.2"') + "</svg>\n")


def svg_open(width: int, height: int, title: str, role: str = "img", extra: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="{role}" aria-label="{esc_attribute(title)}" fill="currentColor" {FONT}{" " + extra if extra else ""}>\n'
            f'<title>{esc(title)}</title>\n')


def map_legend(bib: Bibliography) -> list[dict]:
    """The map's legend, for the page to write as HTML: one entry per theme (by slug, as
    the colours are given), then 'No theme' when a paper on the map has none.

    Each entry: slug ('' for no theme), label, count (papers), swatch (an SVG string)."""
    styles = theme_styles(bib)
    entries = [dict(slug=t.slug, label=t.label, count=len(t.papers), swatch=swatch_svg(*styles[t.slug]))
               for t in sorted(bib.themes, key=lambda t: t.slug)]
    unthemed = sum(1 for key in bib.map_points if key not in bib.theme_of)
    if unthemed:
        entries.append(dict(slug="", label="No theme", count=unthemed, swatch=swatch_svg(NO_THEME, "circle")))
    return entries if bib.map_points else []


def map_svg(bib: Bibliography, paper_url: Callable[[str], str], theme_url: Callable[[str], str]) -> str:
    """Each paper a marker at its map point, in its theme's colour and shape, linking to its page.

    Markers are grouped by theme (a named group each), so a screen reader lists a theme's
    papers together. Past MAP_DOTS papers the dots are binned: the home page carries the map
    inline, and one dot per paper would make it grow with the corpus (about 45 KB compressed
    per 1,000 papers) while the dots of a large corpus overlap and cannot be told apart anyway."""
    plot, margin = 600, 20
    size = plot + 2 * margin
    parts = [svg_open(size, size, "Map of papers, coloured by theme", role="group", extra='class="annobib-map-plot"'),
             f'<rect x="0.5" y="0.5" width="{size - 1}" height="{size - 1}" fill="none" stroke="currentColor" '
             f'stroke-opacity="0.2"/>\n']
    if len(bib.map_points) <= MAP_DOTS:
        parts.append('<g class="points" stroke="currentColor" stroke-width="1" stroke-opacity="0.75">\n')
        parts += _paper_dots(bib, paper_url, plot, margin)
    else:
        parts.append('<g class="cells" stroke="currentColor" stroke-width="0.5" stroke-opacity="0.5">\n')
        parts += _theme_cells(bib, theme_url, plot, margin)
    parts.append("</g>\n</svg>\n")
    return "".join(parts)


def _paper_dots(bib: Bibliography, paper_url, plot: int, margin: int) -> list[str]:
    titles = {p.key: p.title_text for p in bib.papers}
    years = {p.key: p.year for p in bib.papers}     # data-year: the "colour by year" toggle (render/timeline.py)
    styles = theme_styles(bib)
    labels = {t.slug: t.label for t in bib.themes}
    by_theme: dict[str, list[str]] = {}
    for key in bib.map_points:
        by_theme.setdefault(bib.theme_of.get(key, ""), []).append(key)
    dots = []
    for slug in sorted(by_theme, key=lambda s: (s == "", s)):       # themes by slug, then no theme
        colour, shape = styles.get(slug, (NO_THEME, "circle"))
        keys = sorted(by_theme[slug], key=lambda k: ((titles.get(k) or k).lower(), k))
        dots.append(f'<g role="group" aria-label="{esc_attribute(labels.get(slug, "No theme"))}">\n')
        for key in keys:
            x, y = bib.map_points[key]
            label = f"{titles.get(key) or key} ({key})"
            dots.append(f'<a href="{esc(paper_url(key))}"><title>{esc(label)}</title>'
                        + marker(shape, margin + x * plot, margin + (1 - y) * plot, 6, colour, 'fill-opacity="0.9"'
                                 + (f' data-year="{int(years[key])}"' if years.get(key) is not None else ""))
                        + "</a>\n")
        dots.append("</g>\n")
    return dots


def _theme_cells(bib: Bibliography, theme_url, plot: int, margin: int) -> list[str]:
    """One marker per occupied cell of a MAP_CELLS x MAP_CELLS grid, in the colour and shape
    of the theme most of its papers belong to, stronger with more papers, linking to that theme."""
    cells: dict[tuple[int, int], Counter] = {}
    years = {p.key: p.year for p in bib.papers}
    cell_years: dict[tuple[int, int], list[int]] = {}   # data-year: mean year (render/timeline.py)
    for key, (x, y) in bib.map_points.items():
        cell = (min(int(x * MAP_CELLS), MAP_CELLS - 1), min(int((1 - y) * MAP_CELLS), MAP_CELLS - 1))
        cells.setdefault(cell, Counter())[bib.theme_of.get(key, "")] += 1
        if years.get(key) is not None:
            cell_years.setdefault(cell, []).append(years[key])
    labels = {t.slug: t.label for t in bib.themes}
    styles = theme_styles(bib)
    busiest = max((sum(c.values()) for c in cells.values()), default=1)
    size = plot / MAP_CELLS
    squares = []
    for (col, line), counts in sorted(cells.items()):
        slug, _ = min(counts.items(), key=lambda item: (-item[1], item[0] == "", item[0]))  # a theme before none
        total = sum(counts.values())
        opacity = 0.35 + 0.65 * total / busiest
        colour, shape = styles.get(slug, (NO_THEME, "circle"))
        title = f'<title>{total} paper{"s" * (total != 1)}, most in {esc(labels.get(slug, "no theme"))}</title>'
        dated = cell_years.get((col, line))
        drawn = marker(shape, margin + (col + 0.5) * size, margin + (line + 0.5) * size, size * 0.48, colour,
                       f'fill-opacity="{opacity:.2f}"' + (f' data-year="{sum(dated) / len(dated):.1f}"' if dated else ""))
        squares.append(f'<a href="{esc(theme_url(slug))}">{title}{drawn}</a>\n' if slug in labels
                       else f"<g>{title}{drawn}</g>\n")
    return squares


def _wrap(label: str, width: int) -> list[str]:
    """A label in lines of at most `width` characters, broken between words."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _bar_svg(title: str, height: int, items: list[str], desc: str, linked: bool) -> str:
    extra = f'class="annobib-bars" font-size="{BAR_FONT_SIZE}"'
    parts = [svg_open(BAR_WIDTH, height, title, role="group" if linked else "img", extra=extra)]
    if desc:
        parts.append(f"<desc>{esc(desc)}</desc>\n")
    parts += items
    parts.append("</svg>\n")
    return "".join(parts)


def _bar(x: float, y: float, length: float, colour: str, value: int) -> str:
    return (f'<rect x="{x}" y="{y}" width="{max(length, 1):.1f}" height="12" fill="{colour}" '
            f'stroke="currentColor" stroke-width="0.75" stroke-opacity="0.6"/>'
            f'<text x="{x + length + 5:.1f}" y="{y + 11}">{value}</text>')


def stacked_bar_chart(rows: list[tuple[str, int, str | None, str, str]], title: str) -> str:
    """Horizontal bars, each under its label (long labels wrap), the label after the series'
    marker as on the map: (label, value, link or None, colour, shape).

    Narrow enough (BAR_WIDTH) that its text is not scaled below BAR_FONT_SIZE on a phone."""
    margin, line, indent = 6, 16, 18
    bar_max = BAR_WIDTH - indent - 50
    top = max((value for _, value, _, _, _ in rows), default=1) or 1
    y, items = margin, []
    for label, value, link, colour, shape in rows:
        lines = _wrap(label, LABEL_CHARS)
        text = "".join(f'<tspan x="{indent}" dy="{0 if i == 0 else line}">{esc(part)}</tspan>'
                       for i, part in enumerate(lines))
        item = (marker(shape, 7, y + 8, 5, colour, 'stroke="currentColor" stroke-width="1"')
                + f'<text x="{indent}" y="{y + 12}">{text}</text>'
                + _bar(indent, y + len(lines) * line + 2, bar_max * value / top, colour, value))
        name = f"<title>{esc(label)}: {value} paper{'s' * (value != 1)}</title>"
        items.append(f'<a href="{esc(link)}">{name}{item}</a>\n' if link else f"<g>{name}{item}</g>\n")
        y += len(lines) * line + 24
    return _bar_svg(title, y + margin, items, "", linked=any(row[2] for row in rows))


def bar_chart(rows: list[tuple[str, int, str | None, str]], title: str, label_width: int) -> str:
    """Horizontal bars beside short labels (years): (label, value, link or None, colour)."""
    margin, row = 6, 20
    bar_max = BAR_WIDTH - label_width - 46
    top = max((value for _, value, _, _ in rows), default=1) or 1
    items = []
    for i, (label, value, link, colour) in enumerate(rows):
        y = margin + i * row
        item = (f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{esc(label)}</text>'
                + _bar(label_width, y + 3, bar_max * value / top, colour, value))
        items.append(f'<a href="{esc(link)}"><title>{esc(label)}: {value}</title>{item}</a>\n' if link
                     else item + "\n")
    desc = "; ".join(f"{label}: {value}" for label, value, _, _ in rows)
    return _bar_svg(title, margin * 2 + row * max(1, len(rows)), items, desc, linked=any(link for _, _, link, _ in rows))


def themes_chart_svg(bib: Bibliography, theme_url: Callable[[str], str]) -> str:
    """Papers per theme, largest first, each bar linking to its theme page."""
    styles = theme_styles(bib)
    themes = sorted(bib.themes, key=lambda t: (-len(t.papers), t.label, t.slug))
    rows = [(t.label, len(t.papers), theme_url(t.slug), *styles[t.slug]) for t in themes]
    return stacked_bar_chart(rows, "Papers per theme")


def years_chart_svg(bib: Bibliography) -> str:
    """Papers per year, oldest first, papers without a year left out."""
    counts = Counter(p.year for p in bib.papers if p.year is not None)
    rows = [(str(year), counts[year], None, PALETTE[0]) for year in sorted(counts)]
    return bar_chart(rows, "Papers per year", label_width=44)

"""Static SVG charts: the map of papers, papers per theme, papers per year.

SVG drawing only: no JavaScript, no external resources. Every text that comes
from the corpus (titles, labels, keys) is untrusted and XML-escaped, in element
text and in attribute values alike. URLs come from the renderer's `paper_url` /
`theme_url` callables and are escaped too.
"""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import Callable

from ..models import Bibliography

# Colour-blind-safe, distinct on white (Okabe-Ito + Tol), cycled past 16 themes.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#882255", "#AA4499")
MAP_DOTS = 1500    # up to this many papers the map draws one linked dot per paper
MAP_CELLS = 40     # past it, a grid of this many cells a side (at most 1,600 squares)
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def esc(text) -> str:
    return escape(str(text), quote=True)


def theme_colours(bib: Bibliography) -> dict[str, str]:
    return {t.slug: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted(bib.themes, key=lambda t: t.slug))}


def svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{esc(title)}" {FONT}>\n<title>{esc(title)}</title>\n')


def map_svg(bib: Bibliography, paper_url: Callable[[str], str], theme_url: Callable[[str], str]) -> str:
    """Each paper a dot at its map point, coloured by theme, linking to its page; legend links themes.

    Past MAP_DOTS papers the dots are binned: the home page carries the map inline, and one
    dot per paper would make it grow with the corpus (about 45 KB compressed per 1,000
    papers) while the dots of a large corpus overlap and cannot be told apart anyway."""
    plot, margin, legend_width, row = 600, 20, 440, 18
    themes = sorted(bib.themes, key=lambda t: t.slug)
    height = max(plot + 2 * margin, margin * 2 + row * len(themes))
    colours = theme_colours(bib)
    parts = [svg_open(plot + 2 * margin + legend_width, height, "Map of papers, coloured by theme")]
    if len(bib.map_points) <= MAP_DOTS:
        parts.append('<g class="points">\n')
        parts += _paper_dots(bib, paper_url, colours, plot, margin)
    else:
        parts.append('<g class="cells">\n')
        parts += _theme_cells(bib, theme_url, colours, plot, margin)
    parts.append('</g>\n<g class="legend">\n')
    left = plot + 2 * margin
    for i, theme in enumerate(themes):
        y = margin + i * row
        parts.append(f'<a href="{esc(theme_url(theme.slug))}"><rect x="{left}" y="{y}" width="12" '
                     f'height="12" fill="{colours[theme.slug]}"/><text x="{left + 18}" y="{y + 10}">'
                     f'{esc(theme.label)} ({len(theme.papers)})</text></a>\n')
    parts.append("</g>\n</svg>\n")
    return "".join(parts)


def _paper_dots(bib: Bibliography, paper_url, colours: dict[str, str], plot: int, margin: int) -> list[str]:
    titles = {p.key: p.title_text for p in bib.papers}
    dots = []
    for key in sorted(bib.map_points):
        x, y = bib.map_points[key]
        slug = bib.theme_of.get(key, "")
        cx, cy = margin + x * plot, margin + (1 - y) * plot
        label = f"{titles.get(key, key)} ({key})"
        dots.append(f'<a href="{esc(paper_url(key))}"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" '
                    f'fill="{colours.get(slug, "#777777")}" fill-opacity="0.85" stroke="#ffffff">'
                    f'<title>{esc(label)}</title></circle></a>\n')
    return dots


def _theme_cells(bib: Bibliography, theme_url, colours: dict[str, str], plot: int, margin: int) -> list[str]:
    """One square per occupied cell of a MAP_CELLS x MAP_CELLS grid, in the colour of the
    theme most of its papers belong to, darker with more papers, linking to that theme."""
    cells: dict[tuple[int, int], Counter] = {}
    for key, (x, y) in bib.map_points.items():
        cell = (min(int(x * MAP_CELLS), MAP_CELLS - 1), min(int((1 - y) * MAP_CELLS), MAP_CELLS - 1))
        cells.setdefault(cell, Counter())[bib.theme_of.get(key, "")] += 1
    labels = {t.slug: t.label for t in bib.themes}
    busiest = max((sum(c.values()) for c in cells.values()), default=1)
    size = plot / MAP_CELLS
    squares = []
    for (col, line), counts in sorted(cells.items()):
        slug, _ = min(counts.items(), key=lambda item: (-item[1], item[0] == "", item[0]))  # a theme before none
        total = sum(counts.values())
        opacity = 0.35 + 0.65 * total / busiest
        square = (f'<rect x="{margin + col * size:.1f}" y="{margin + line * size:.1f}" width="{size:.1f}" '
                  f'height="{size:.1f}" fill="{colours.get(slug, "#777777")}" fill-opacity="{opacity:.2f}">'
                  f'<title>{total} paper{"s" * (total != 1)}, most in {esc(labels.get(slug, "no theme"))}</title></rect>')
        squares.append(f'<a href="{esc(theme_url(slug))}">{square}</a>\n' if slug in labels else square + "\n")
    return squares


def bar_chart(rows: list[tuple[str, int, str | None, str]], title: str, label_width: int) -> str:
    """Horizontal bars: (label, value, link or None, colour) per row."""
    bar_max, row, margin = 300, 22, 10
    top = max((value for _, value, _, _ in rows), default=1) or 1
    width = label_width + bar_max + 60
    parts = [svg_open(width, margin * 2 + row * max(1, len(rows)), title)]
    for i, (label, value, link, colour) in enumerate(rows):
        y = margin + i * row
        length = bar_max * value / top
        item = (f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{esc(label)}</text>'
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="14" fill="{colour}">'
                f'<title>{esc(label)}: {value}</title></rect>'
                f'<text x="{label_width + length + 4:.1f}" y="{y + 14}">{value}</text>')
        parts.append(f'<a href="{esc(link)}">{item}</a>\n' if link else item + "\n")
    parts.append("</svg>\n")
    return "".join(parts)


def themes_chart_svg(bib: Bibliography, theme_url: Callable[[str], str]) -> str:
    """Papers per theme, largest first, each bar linking to its theme page."""
    colours = theme_colours(bib)
    themes = sorted(bib.themes, key=lambda t: (-len(t.papers), t.label, t.slug))
    rows = [(t.label, len(t.papers), theme_url(t.slug), colours[t.slug]) for t in themes]
    return bar_chart(rows, "Papers per theme", label_width=420)


def years_chart_svg(bib: Bibliography) -> str:
    """Papers per year, oldest first, papers without a year left out."""
    counts = Counter(p.year for p in bib.papers if p.year is not None)
    rows = [(str(year), counts[year], None, PALETTE[0]) for year in sorted(counts)]
    return bar_chart(rows, "Papers per year", label_width=60)

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
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def esc(text) -> str:
    return escape(str(text), quote=True)


def theme_colours(bib: Bibliography) -> dict[str, str]:
    return {t.slug: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted(bib.themes, key=lambda t: t.slug))}


def svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{esc(title)}" {FONT}>\n<title>{esc(title)}</title>\n')


def map_svg(bib: Bibliography, paper_url: Callable[[str], str], theme_url: Callable[[str], str]) -> str:
    """Each paper a dot at its map point, coloured by theme, linking to its page; legend links themes."""
    plot, margin, legend_width, row = 600, 20, 440, 18
    themes = sorted(bib.themes, key=lambda t: t.slug)
    height = max(plot + 2 * margin, margin * 2 + row * len(themes))
    colours = theme_colours(bib)
    titles = {p.key: p.title_text for p in bib.papers}
    parts = [svg_open(plot + 2 * margin + legend_width, height, "Map of papers, coloured by theme")]
    parts.append('<g class="points">\n')
    for key in sorted(bib.map_points):
        x, y = bib.map_points[key]
        slug = bib.theme_of.get(key, "")
        cx, cy = margin + x * plot, margin + (1 - y) * plot
        label = f"{titles.get(key, key)} ({key})"
        parts.append(f'<a href="{esc(paper_url(key))}"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" '
                     f'fill="{colours.get(slug, "#777777")}" fill-opacity="0.85" stroke="#ffffff">'
                     f'<title>{esc(label)}</title></circle></a>\n')
    parts.append('</g>\n<g class="legend">\n')
    left = plot + 2 * margin
    for i, theme in enumerate(themes):
        y = margin + i * row
        parts.append(f'<a href="{esc(theme_url(theme.slug))}"><rect x="{left}" y="{y}" width="12" '
                     f'height="12" fill="{colours[theme.slug]}"/><text x="{left + 18}" y="{y + 10}">'
                     f'{esc(theme.label)} ({len(theme.papers)})</text></a>\n')
    parts.append("</g>\n</svg>\n")
    return "".join(parts)


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

"""Time on the site: what the pages and data files show of `Bibliography.trends` (organize/trends.py).

- `trends_json`: data/trends.json, per-year counts (collection, themes), undated counts,
  rising and fading terms with their statistic, the window and the threshold;
- `home_rising`: the home page's "What is rising" block, each term linked to its methods
  index entry (a method) or keyword index entry where it has one;
- `theme_timeline`: a theme page's papers-per-year chart (`timeline_svg`) and rising terms;
- `map_years`: the legend and colour scale of the home map's "colour by year" toggle. The
  map (render/charts.py) gives each marker a `data-year`; the page's script
  (overrides/assets/javascripts/annobib-map.js) recolours the markers with the scale
  written here (`data-scale`, `data-first`, `data-last` of the year legend), so Python
  and the script share one scale: `year_colour`;
- `method_lineage`: "introduced 2020 by X; mentioned 2021 (2), 2022 (5)" on the methods index.

Charts follow render/charts.py's rules: text and outlines in `currentColor`, series in a
colour, never black; corpus text XML-escaped.
"""
from __future__ import annotations

import json
from collections import Counter

from ..models import Bibliography, MethodEntry
from ..organize.trends import TermTrend, Trends, find_trends
from . import charts, escape
from ..organize.people import parse_name
from .views import Link

# Viridis (matplotlib's, colour-blind safe and sequential in lightness), five stops from
# 0 to 1; interpolated linearly in sRGB. Its darkest end is a purple, not black.
YEAR_SCALE = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")
YEAR_LEGEND_ENTRIES = 10       # at most this many years in the map's year legend
YEAR_SCALE_FROM = 0.05         # the scale starts at this quantile of the map's years: a few old
                               # papers do not squeeze the rest into one end ("2018 or earlier")
HOME_RISING = 12               # rising terms on the home page
HOME_FADING = 8                # fading terms on the home page
THEME_RISING = 6               # rising terms on a theme page
TIMELINE_HEIGHT = 120          # the theme chart's viewBox height (width: charts.BAR_WIDTH)


def _site_trends(site) -> Trends:
    """`trends_of` the site's Bibliography, computed at most once per render."""
    cached = site.__dict__.get("_trends")
    if cached is None:
        cached = site.__dict__["_trends"] = trends_of(site.bib, site.settings.analyze_keyphrases_shown)
    return cached


def trends_of(bib: Bibliography, shown: int | None = None) -> Trends:
    """The organize stage's trends; computed here for a Bibliography made without them."""
    if bib.trends is not None:
        return bib.trends
    extra = {} if shown is None else {"shown": shown}
    return find_trends(bib.papers, bib.annotations, bib.themes, bib.theme_of,
                       keywords=bib.keywords, methods=bib.methods, phrases=getattr(bib, "phrases", None), **extra)


def window_text(trends: Trends) -> str:
    """'2022–2024' (the recent window), '' when there is nothing to compare."""
    if not trends.recent_years:
        return ""
    first, last = trends.recent_years[0], trends.recent_years[-1]
    return str(first) if first == last else f"{first}–{last}"


# --------------------------------------------------------------------------- data/trends.json

def _term_record(term: TermTrend) -> dict:
    return dict(term=term.term, form=term.form, kind=term.kind, recent_papers=term.recent,
                earlier_papers=term.earlier, log_odds=term.log_odds, z=term.z,
                keyword=term.keyword or None, method=term.method or None)


def trends_json(site) -> str:
    trends = _site_trends(site)
    labels = {t.slug: t.label for t in site.bib.themes}
    data = dict(
        statistic=trends.statistic,
        window_years=trends.window,
        recent_years=list(trends.recent_years),
        z_threshold=trends.threshold,
        z_rising=trends.rising_threshold,
        z_fading=trends.fading_threshold,
        false_budget=trends.false_budget,
        min_papers=trends.min_papers,
        prior_weight=trends.prior_weight,
        papers=dict(total=trends.papers, undated=trends.undated, recent=trends.recent, earlier=trends.earlier),
        years={str(year): count for year, count in trends.years},
        undated=trends.undated,
        rising=[_term_record(t) for t in trends.rising],
        fading=[_term_record(t) for t in trends.fading],
        themes={t.slug: dict(label=labels.get(t.slug, t.slug),
                             years={str(year): count for year, count in t.years}, undated=t.undated,
                             recent_papers=t.recent, earlier_papers=t.earlier,
                             z_rising=t.rising_threshold, z_fading=t.fading_threshold,
                             rising=[_term_record(x) for x in t.rising],
                             fading=[_term_record(x) for x in t.fading])
                for t in trends.themes},
    )
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- rising terms on pages

def term_link(site, term: TermTrend, prefix: str):
    """The term's methods index entry (a method), else its keyword index entry, else plain
    text (a `Link` with no target), shown in the term's own spelling."""
    if term.method and (link := site.method_links("method", (term.method,), prefix)[0]).target:
        return Link(link.target, term.term, anchor=link.anchor)
    if term.keyword and (link := site.keyphrase_links((term.keyword,), prefix)[0]).target:
        return Link(link.target, term.term, anchor=link.anchor)
    return Link("", term.term)


def _share(count: int, total: int) -> str:
    return f"{round(100 * count / total)} %" if total else "–"


def _term_items(site, terms: tuple[TermTrend, ...], prefix: str, recent: int, earlier: int) -> list[dict]:
    return [dict(link=term_link(site, t, prefix), recent=t.recent, earlier=t.earlier, z=f"{t.z:.1f}",
                 recent_share=_share(t.recent, recent), earlier_share=_share(t.earlier, earlier))
            for t in terms]


def home_rising(site) -> dict:
    """Context of the home page's "What is rising" block (render/templates/_rising.md.j2)."""
    trends = _site_trends(site)
    return dict(
        window=window_text(trends),
        recent=trends.recent,
        earlier=trends.earlier,
        threshold=f"{trends.rising_threshold:g}",
        min_papers=trends.min_papers,
        rising=_term_items(site, trends.rising[:HOME_RISING], "", trends.recent, trends.earlier),
        fading=_term_items(site, trends.fading[:HOME_FADING], "", trends.recent, trends.earlier),
    )


def theme_timeline(site, slug: str) -> dict:
    """Context of a theme page's "Over time" block (render/templates/_theme_trends.md.j2)."""
    trends = _site_trends(site)
    theme = trends.theme(slug)
    label = site.themes[slug].label if slug in site.themes else slug
    colour = charts.theme_colours(site.bib).get(slug, charts.PALETTE[0])
    span = (trends.years[0][0], trends.years[-1][0]) if trends.years else None
    svg = timeline_svg(dict(theme.years), span, colour, f"Papers per year in {label}", theme.undated)
    return dict(
        svg=escape.svg(svg) if svg else "",
        undated=theme.undated,
        window=window_text(trends),
        compared=bool(trends.recent_years) and theme.recent > 0 and theme.earlier > 0,
        recent=theme.recent,
        earlier=theme.earlier,
        rising=_term_items(site, theme.rising[:THEME_RISING], "../", theme.recent, theme.earlier),
    )


# --------------------------------------------------------------------------- the theme chart

def _year_ticks(first: int, last: int, step_width: float, min_gap: float = 44) -> list[int]:
    """Years to label under the columns: every k-th year so that labels stay min_gap apart,
    always the first and the last."""
    every = max(1, int(-(-min_gap // max(step_width, 1))))
    ticks = [year for year in range(first, last + 1) if (year - first) % every == 0]
    if ticks[-1] != last:
        if (last - ticks[-1]) * step_width < min_gap:
            ticks.pop()
        ticks.append(last)
    return ticks


def timeline_svg(counts: dict[int, int], span: tuple[int, int] | None, colour: str, title: str,
                 undated: int = 0) -> str:
    """Papers per year as columns along a year axis, `span` (first, last) the collection's
    years (so every theme's chart has the same axis; years without papers are columns of 0).

    '' when there is no dated paper. A picture (role="img"), its numbers in <desc>."""
    if not counts or span is None:
        return ""
    first, last = min(span[0], min(counts)), max(span[1], max(counts))
    width, height = charts.BAR_WIDTH, TIMELINE_HEIGHT
    left, right, top, bottom = 8, 8, 18, 22
    years = list(range(first, last + 1))
    step = (width - left - right) / len(years)
    bar = max(step * 0.72, 1.5)
    peak = max(counts.values())
    plot = height - top - bottom
    show_values = step >= 24                       # a count over each column where it fits
    desc = "; ".join(f"{year}: {counts[year]}" for year in sorted(counts))
    if undated:
        desc += f"; undated: {undated}"
    parts = [charts.svg_open(width, height, title, role="img",
                             extra=f'class="annobib-bars annobib-timeline" font-size="{charts.BAR_FONT_SIZE}"'),
             f"<desc>{charts.esc(desc)}</desc>\n"]
    baseline = top + plot
    for i, year in enumerate(years):
        value = counts.get(year, 0)
        x = left + i * step + (step - bar) / 2
        h = plot * value / peak if peak else 0
        tip = f"<title>{year}: {value} paper{'s' * (value != 1)}</title>"
        if value:
            parts.append(f'<g>{tip}<rect x="{x:.1f}" y="{baseline - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}" stroke="currentColor" stroke-width="0.75" stroke-opacity="0.6" '
                         f'data-year="{year}"/>')
            if show_values:
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{baseline - h - 4:.1f}" '
                             f'text-anchor="middle">{value}</text>')
            parts.append("</g>\n")
    parts.append(f'<line x1="{left}" y1="{baseline + 0.5}" x2="{width - right}" y2="{baseline + 0.5}" '
                 f'stroke="currentColor" stroke-opacity="0.5"/>\n')
    for year in _year_ticks(first, last, step):
        x = left + (year - first) * step + step / 2
        anchor = "start" if year == first and step < 30 else "end" if year == last and step < 30 else "middle"
        x = left if anchor == "start" else width - right if anchor == "end" else x
        parts.append(f'<text x="{x:.1f}" y="{height - 5}" text-anchor="{anchor}">{year}</text>\n')
    parts.append("</svg>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- the map by year

def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def year_colour(year: float, first: float, last: float, scale: tuple[str, ...] = YEAR_SCALE) -> str:
    """The year's colour on the sequential scale from `first` to `last` (the script's rule too:
    t = (year - first) / (last - first), linear between equally spaced stops, rounded)."""
    t = 0.0 if last <= first else min(max((year - first) / (last - first), 0.0), 1.0)
    position = t * (len(scale) - 1)
    low = min(int(position), len(scale) - 2)
    frac = position - low
    a, b = _rgb(scale[low]), _rgb(scale[low + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02X}" for x, y in zip(a, b))


def _legend_years(first: int, last: int) -> list[int]:
    if last - first + 1 <= YEAR_LEGEND_ENTRIES:
        return list(range(first, last + 1))
    picks = {round(first + (last - first) * i / (YEAR_LEGEND_ENTRIES - 1)) for i in range(YEAR_LEGEND_ENTRIES)}
    return sorted(picks)


def map_years(bib: Bibliography) -> dict | None:
    """The year legend of the home map (None when no paper on the map has a year):
    first, last, scale (the stops, space-separated, for the script), entries (year, swatch)
    and `undated` (papers on the map without a year: hollow markers)."""
    years = {p.key: p.year for p in bib.papers}
    dated = [years[k] for k in bib.map_points if years.get(k) is not None]
    if not dated:
        return None
    dated.sort()
    first, last = dated[int(YEAR_SCALE_FROM * (len(dated) - 1))], dated[-1]
    if first == last:
        first = dated[0]
    entries = [dict(year=f"{year} or earlier" if year == first and dated[0] < first else str(year),
                    swatch=escape.svg(charts.swatch_svg(year_colour(year, first, last), "circle")))
               for year in _legend_years(first, last)]
    undated = sum(1 for k in bib.map_points if years.get(k) is None)
    return dict(first=first, last=last, scale=" ".join(YEAR_SCALE), entries=entries, undated=undated,
                undated_swatch=escape.svg(charts.swatch_svg(charts.NO_THEME, "circle")),
                cells=len(bib.map_points) > charts.MAP_DOTS)


# --------------------------------------------------------------------------- method lineage

def method_lineage(site, entry: MethodEntry, prefix: str = "") -> dict | None:
    """For a name some paper introduces: the introducing paper(s) with their year, and the
    papers that mention it counted by year, oldest first ('undated' last). None otherwise.
    `prefix`: from the page showing it to the docs root ('../' on a letter page)."""
    if entry.kind != "method" or not entry.introduced_by:
        return None
    introduced = sorted(entry.introduced_by, key=lambda k: (site.papers[k].year or 10**6, k))
    counts = Counter(site.papers[k].year for k in entry.mentioned_by)
    mentions = [dict(year=str(year), count=counts[year]) for year in sorted(y for y in counts if y is not None)]
    if None in counts:
        mentions.append(dict(year="undated", count=counts[None]))
    return dict(
        introduced=[dict(year=site.papers[k].year, link=_citation_link(site, k, prefix)) for k in introduced],
        mentions=mentions,
    )


def _citation_link(site, key: str, prefix: str):
    """A short link to a paper, named as it is cited: 'Sitzmann et al.', 'Mildenhall & Srinivasan'
    (its title, shortened, when it has no author); the entry above the line gives the title."""
    paper = site.papers[key]
    others = any(raw.strip().lower() == "others" for raw in paper.authors)   # BibTeX's 'and others'
    names = [parse_name(raw) for raw in paper.authors if raw.strip().lower() != "others"]
    family = [n for n in (name.literal or name.family or name.display for name in names) if n]
    if not family:
        return site.short_paper_link(key, prefix)
    if len(family) > 2 or others:
        text = f"{family[0]} et al."
    else:
        text = " & ".join(family)
    return Link(site.paper_link(key, prefix).target, text)

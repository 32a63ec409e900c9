"""How the field moves over time, from publication years and annotations alone (no network).

    trends = find_trends(papers, annotations, themes, theme_of, keywords=..., methods=...)

Counts
------
Papers per year, for the whole collection and for each theme. A paper without a year is
counted under "undated", never dropped: `years` plus `undated` is every paper.

Terms
-----
A paper's terms are its shown keyphrases (the first `shown` of what its page shows:
`Bibliography.phrases.shown`, organize/phrases.py, cleaned and without generic phrases; or
`Annotation.keyphrases` for a Bibliography made without them) and its method names
(`methods_introduced` + `methods_mentioned`), each counted once per paper. Spellings merge by
their comparison form `term_form`: `text.phrase_form` (lower case, singular words: 'Radiance
Fields' == 'radiance field'), then `text.name_key`'s letters and digits only, as the methods
index merges names ('Instant-NGP' == 'Instant NGP' == 'InstantNGP'); with `phrases`, of the
phrase's concept, so an acronym and its expansion are one term ('INRs' == 'implicit neural
representations'). A term is a method when some paper names it as one.

The statistic: which terms are rising, which fading
--------------------------------------------------
Windows: the recent window is the last `WINDOW` = 3 distinct years present among the dated
papers; the earlier window is every dated year before it. Undated papers take no part.
With no year before the recent window there is nothing to compare, and no term rises.

For each term, the log-odds ratio of its document frequency in the recent window against the
earlier one, smoothed by an informative Dirichlet prior and divided by its standard error:
Monroe, Colaresi & Quinn (2008), "Fightin' Words", section 3.5, applied to document
frequency. A paper either mentions the term or not, so the Dirichlet has two outcomes (a
Beta): with y_r of N_r recent papers and y_e of N_e earlier papers mentioning the term,

    a = A * p,  b = A * (1 - p)       p: the term's rate in the background (prior mean),
                                      A = PRIOR_WEIGHT * (N_r + N_e) = half the papers compared
    delta = log((y_r + a) / (N_r - y_r + b)) - log((y_e + a) / (N_e - y_e + b))
    var   = 1/(y_r + a) + 1/(N_r - y_r + b) + 1/(y_e + a) + 1/(N_e - y_e + b)
    z     = delta / sqrt(var)

The background is the whole collection (its dated papers), for a theme too (scaled to the
theme's papers), so a theme's term starts from its rate in the field. The variance keeps the
"does not mention" terms that Monroe et al. drop (they assume counts far below the group's
size, which a term in 6 of 8 recent papers is not).

Window, prior and threshold, and why:
- WINDOW = 3 years: long enough to hold a good share of the papers (the shipped corpus:
  132 of 230 dated papers in 2023-2025), short enough to be "lately".
- PRIOR_WEIGHT = 0.5: the prior weighs half as much as the papers compared. Monroe et al.
  use the background corpus at full weight (1), which is very conservative at this size; a
  much lighter prior (under about a third) gives a rare term a prior count far below 1 and an
  unstable variance, so that one *more* earlier mention could raise its z. At 0.5, z is
  monotone (more recent papers: higher z; more earlier papers: lower z; checked on a
  grid from 28 to 10,000 papers, tests/test_trends.py).
- Z_THRESHOLD = 1.645: each list answers a one-sided question (is it rising? is it fading?):
  a one-sided 5 % level. Calibrated by shuffling the years of the shipped corpus (300
  times): both lists together then show 0.23 terms on average (at w = 1, z >= 1.96: 0.01,
  but nothing at all on the real years, not even "implicit neural representation" in 19 of
  132 recent papers against 4 of 98 before).
- Many terms tested, a higher threshold (`family_threshold`): with m terms that could rise
  (m terms with MIN_PAPERS recent papers; likewise for fading), a term must reach
  max(1.645, the normal quantile of 1 - FALSE_BUDGET / m), so that by the normal
  approximation at most FALSE_BUDGET = 2 terms pass by chance (the shrunk z is conservative:
  fewer do). Up to 40 tested terms (the shipped corpus) this is 1.645; at 1,000 it is 2.88,
  at 5,000 3.35: 10,000 papers of terms unrelated to the year then show none, where a fixed
  1.645 showed 33; a term going from 1 % to 3 % of the papers still rises (z = 4.8).
- MIN_PAPERS = 3: a term rises only if at least 3 recent papers mention it (fades only if at
  least 3 earlier papers did), whatever its z.

Small counts stay quiet: one recent paper of 8 against none of 20 gives z = 0.96 (and fails
the minimum count); 6 of 8 against none of 20 gives z = 2.64; a term in the same share of
papers before and after gives z near 0. Rising terms are listed strongest first (z, then
recent papers, then spelling), fading terms weakest first.
"""
from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import TYPE_CHECKING, Iterable, Mapping

from ..models import Annotation, Bibliography, MethodEntry, Paper, Theme
from ..text import name_key, phrase_form

if TYPE_CHECKING:
    from .phrases import Phrases

__all__ = ["WINDOW", "Z_THRESHOLD", "MIN_PAPERS", "TermTrend", "ThemeTrends", "Trends",
           "find_trends", "with_trends", "family_threshold", "term_form", "trend_statistic", "STATISTIC", "PRIOR_WEIGHT"]

WINDOW = 3            # the recent window: the last 3 distinct years present among the dated papers
Z_THRESHOLD = 1.645   # |z| at least this (one-sided 5 %): rising (z > 0) or fading (z < 0)
MIN_PAPERS = 3        # papers that must mention a term in the window it rises (or fades) from
PRIOR_WEIGHT = 0.5    # strength of the informative prior, as a multiple of the papers compared
FALSE_BUDGET = 2.0    # many terms tested: the threshold rises so that at most this many pass by chance
KEPT = 100            # rising / fading terms kept per group (strongest first); pages show fewer
KEYPHRASES_SHOWN = 10 # default of Settings.analyze_keyphrases_shown

STATISTIC = ("Smoothed log-odds ratio of a term's document frequency in the recent window (the last "
             f"{WINDOW} years present) against the earlier years, informative Dirichlet (Beta) prior "
             f"centred on the term's rate in the whole collection, weighing {PRIOR_WEIGHT:g} times the papers compared "
             "(Monroe, Colaresi & Quinn 2008, 'Fightin' Words'), divided by its standard error (z). "
             f"Rising: z >= {Z_THRESHOLD} and at least {MIN_PAPERS} recent papers; "
             f"fading: z <= -{Z_THRESHOLD} and at least {MIN_PAPERS} earlier papers; with many terms "
             f"tested, the threshold rises until at most {FALSE_BUDGET:g} would pass by chance "
             "(normal approximation): z_rising, z_fading.")


@dataclass(frozen=True)
class TermTrend:
    """One term's change between the earlier years and the recent window."""

    term: str                 # display spelling (the methods index's name for a method)
    form: str                 # comparison form (term_form), one per term
    kind: str                 # "method" (some paper names it as a method) or "keyphrase"
    recent: int               # papers of the recent window mentioning it
    earlier: int              # papers of the earlier years mentioning it
    log_odds: float           # smoothed log-odds ratio, recent against earlier (delta)
    z: float                  # delta / its standard error
    keyword: str = ""         # the keyword index's entry for it ("" when it has none)
    method: str = ""          # the methods index's entry for it ("" when it has none)


@dataclass(frozen=True)
class ThemeTrends:
    slug: str
    years: tuple[tuple[int, int], ...] = ()    # (year, papers), oldest first, years with papers only
    undated: int = 0
    recent: int = 0                            # the theme's papers in the recent window
    earlier: int = 0                           # ... and before it
    rising: tuple[TermTrend, ...] = ()
    fading: tuple[TermTrend, ...] = ()
    rising_threshold: float = Z_THRESHOLD      # the z the rising terms passed (family_threshold)
    fading_threshold: float = Z_THRESHOLD      # ... and the fading ones, below its negative


@dataclass(frozen=True)
class Trends:
    """Per-year counts and rising / fading terms, for the collection and each theme."""

    years: tuple[tuple[int, int], ...] = ()    # (year, papers), oldest first, years with papers only
    undated: int = 0                           # papers without a year
    recent_years: tuple[int, ...] = ()         # the recent window's years (empty: nothing to compare)
    recent: int = 0                            # dated papers in the recent window
    earlier: int = 0                           # dated papers before it
    rising: tuple[TermTrend, ...] = ()
    fading: tuple[TermTrend, ...] = ()
    themes: tuple[ThemeTrends, ...] = ()       # by slug
    rising_threshold: float = Z_THRESHOLD      # the z the rising terms passed (family_threshold)
    fading_threshold: float = Z_THRESHOLD      # ... and the fading ones, below its negative
    window: int = WINDOW
    threshold: float = Z_THRESHOLD             # the base threshold (few terms tested)
    false_budget: float = FALSE_BUDGET
    min_papers: int = MIN_PAPERS
    prior_weight: float = PRIOR_WEIGHT
    statistic: str = field(default=STATISTIC, repr=False)

    def theme(self, slug: str) -> ThemeTrends:
        return next((t for t in self.themes if t.slug == slug), ThemeTrends(slug))

    @property
    def papers(self) -> int:
        return sum(count for _, count in self.years) + self.undated


# --------------------------------------------------------------------------- the statistic

@functools.lru_cache(maxsize=1 << 17)     # pure; the same phrases recur in every paper
def term_form(text: str) -> str:
    """Comparison form of a keyphrase or a method name ('Neural Radiance Fields' ->
    'neuralradiancefield', 'Instant-NGP' -> 'instantngp')."""
    return name_key(phrase_form(text))


def trend_statistic(recent: int, recent_total: int, earlier: int, earlier_total: int,
                    prior_rate: float, prior_papers: float | None = None) -> tuple[float, float]:
    """(delta, z) of a term in `recent` of `recent_total` recent papers and `earlier` of
    `earlier_total` earlier ones, prior mean `prior_rate`, prior strength `prior_papers`
    (default: PRIOR_WEIGHT times the papers compared; see the module's docstring)."""
    if prior_papers is None:
        prior_papers = PRIOR_WEIGHT * (recent_total + earlier_total)
    # The prior mean stays inside (0, 1): a term in every paper still has a 'no' outcome.
    floor = 0.5 / (recent_total + earlier_total + 1)
    rate = min(max(prior_rate, floor), 1 - floor)
    a, b = prior_papers * rate, prior_papers * (1 - rate)
    yes_r, no_r = recent + a, recent_total - recent + b
    yes_e, no_e = earlier + a, earlier_total - earlier + b
    delta = math.log(yes_r / no_r) - math.log(yes_e / no_e)
    z = delta / math.sqrt(1 / yes_r + 1 / no_r + 1 / yes_e + 1 / no_e)
    return delta, z


# --------------------------------------------------------------------------- the stage

@dataclass
class _Vocabulary:
    """Each paper's terms (forms) and every form's spellings, method-ness and index entries."""

    terms: dict[str, frozenset[str]]
    spellings: dict[str, Counter]
    methods: set[str]
    keyword_entry: dict[str, str]
    method_entry: dict[str, str]

    def display(self, form: str) -> str:
        if self.method_entry.get(form):
            return self.method_entry[form]
        forms = self.spellings[form]
        return min(forms, key=lambda f: (-forms[f], -sum(ch.isupper() for ch in f), f))


def _vocabulary(papers: Iterable[Paper], annotations: Mapping[str, Annotation], shown: int,
                keywords: Mapping[str, tuple[str, ...]], methods: Iterable[MethodEntry],
                phrases: "Phrases | None" = None) -> _Vocabulary:
    """With `phrases` (organize/phrases.py) a paper's keyphrases are the ones its page shows
    (cleaned, generic ones left out) and spellings merge by concept as well ('INRs' and
    'implicit neural representations' are one term, shown as the keyword index does)."""
    from .labels import sentence_words   # title case is not a spelling (as in the keyword index)

    def key(text: str) -> str:
        return term_form(phrases.concept(text)) if phrases is not None else term_form(text)

    def display(phrase: str) -> str:
        if phrases is not None:
            return phrases.display.get(phrases.concept(phrase), phrase.strip())
        return sentence_words(phrase.strip())

    terms, spellings, method_forms = {}, defaultdict(Counter), set()
    for paper in papers:
        note = annotations.get(paper.key)
        found = set()
        if phrases is not None and paper.key in phrases.shown:
            keyphrases = phrases.shown[paper.key][:shown]
        else:
            keyphrases = note.keyphrases[:shown] if note is not None else ()
        for phrase in keyphrases:
            if form := key(phrase):
                found.add(form)
                spellings[form][display(phrase)] += 1
        if note is not None:
            for name in note.methods_introduced + note.methods_mentioned:
                if form := key(name):
                    found.add(form)
                    method_forms.add(form)
                    spellings[form][name.strip()] += 1
        terms[paper.key] = frozenset(found)
    keyword_entry: dict[str, str] = {}
    if phrases is not None:            # the index lists concepts by their display
        for concept, shown_as in sorted(phrases.display.items()):
            if shown_as in keywords:
                keyword_entry.setdefault(term_form(concept), shown_as)
    for phrase in sorted(keywords, key=lambda p: (-len(keywords[p]), p)):   # the fullest entry first
        keyword_entry.setdefault(key(phrase), phrase)
    method_entry: dict[str, str] = {}
    for entry in sorted((m for m in methods if m.kind == "method"),
                        key=lambda m: (-len(m.introduced_by) - len(m.mentioned_by), m.name)):
        method_entry.setdefault(key(entry.name), entry.name)
    return _Vocabulary(terms, spellings, method_forms, keyword_entry, method_entry)


def _year_counts(papers: list[Paper]) -> tuple[tuple[tuple[int, int], ...], int]:
    counts = Counter(p.year for p in papers if p.year is not None)
    return tuple(sorted(counts.items())), sum(1 for p in papers if p.year is None)


def family_threshold(tested: int) -> float:
    """The z a term must reach when `tested` terms are tested for one list: Z_THRESHOLD, raised
    so that under the normal approximation at most FALSE_BUDGET terms pass by chance."""
    if tested <= 0:
        return Z_THRESHOLD
    return max(Z_THRESHOLD, NormalDist().inv_cdf(1 - min(FALSE_BUDGET / tested, 0.5)))


@dataclass(frozen=True)
class _Comparison:
    recent: int = 0
    earlier: int = 0
    rising: tuple[TermTrend, ...] = ()
    fading: tuple[TermTrend, ...] = ()
    rising_threshold: float = Z_THRESHOLD
    fading_threshold: float = Z_THRESHOLD


def _compare(papers: list[Paper], cutoff: int | None, vocabulary: _Vocabulary,
             prior: Mapping[str, float]) -> _Comparison:
    """Papers in each window, rising and fading terms, and the thresholds they passed."""
    if cutoff is None:
        return _Comparison()
    dated = [p for p in papers if p.year is not None]
    recent_papers = [p for p in dated if p.year >= cutoff]
    earlier_papers = [p for p in dated if p.year < cutoff]
    recent = Counter(form for p in recent_papers for form in vocabulary.terms[p.key])
    earlier = Counter(form for p in earlier_papers for form in vocabulary.terms[p.key])
    n_r, n_e = len(recent_papers), len(earlier_papers)
    if not (n_r and n_e):
        return _Comparison(n_r, n_e)
    # Only a term with MIN_PAPERS papers in a window can rise (fade) from it: the tested ones.
    up = family_threshold(sum(1 for c in recent.values() if c >= MIN_PAPERS))
    down = family_threshold(sum(1 for c in earlier.values() if c >= MIN_PAPERS))
    rising, fading = [], []
    for form in sorted(set(recent) | set(earlier)):
        y_r, y_e = recent[form], earlier[form]
        if y_r < MIN_PAPERS and y_e < MIN_PAPERS:
            continue
        delta, z = trend_statistic(y_r, n_r, y_e, n_e, prior[form])
        if z >= up and y_r >= MIN_PAPERS:
            rising.append(_term(form, vocabulary, y_r, y_e, delta, z))
        elif z <= -down and y_e >= MIN_PAPERS:
            fading.append(_term(form, vocabulary, y_r, y_e, delta, z))
    rising.sort(key=lambda t: (-t.z, -t.recent, t.term.casefold(), t.form))
    fading.sort(key=lambda t: (t.z, -t.earlier, t.term.casefold(), t.form))
    return _Comparison(n_r, n_e, tuple(rising[:KEPT]), tuple(fading[:KEPT]), round(up, 3), round(down, 3))


def _term(form: str, vocabulary: _Vocabulary, recent: int, earlier: int, delta: float, z: float) -> TermTrend:
    return TermTrend(term=vocabulary.display(form), form=form,
                     kind="method" if form in vocabulary.methods else "keyphrase",
                     recent=recent, earlier=earlier, log_odds=round(delta, 4), z=round(z, 3),
                     keyword=vocabulary.keyword_entry.get(form, ""), method=vocabulary.method_entry.get(form, ""))


def find_trends(papers: Iterable[Paper], annotations: Mapping[str, Annotation], themes: Iterable[Theme] = (),
                theme_of: Mapping[str, str] | None = None, *, keywords: Mapping[str, tuple[str, ...]] | None = None,
                methods: Iterable[MethodEntry] = (), shown: int = KEYPHRASES_SHOWN,
                phrases: "Phrases | None" = None) -> Trends:
    """Per-year counts and rising / fading terms of the collection and of each theme.

    `keywords` / `methods`: the keyword and methods indexes, so that a term can link to its
    entry; `shown`: keyphrases per paper that count (the paper page's, Settings); `phrases`:
    the keyphrases as pages show them (organize/phrases.py; None: `Annotation.keyphrases`)."""
    papers = sorted(papers, key=lambda p: p.key)
    theme_of = dict(theme_of or {})
    vocabulary = _vocabulary(papers, annotations, shown, keywords or {}, methods, phrases)
    years, undated = _year_counts(papers)
    distinct = [year for year, _ in years]
    window = distinct[-WINDOW:]
    cutoff = window[0] if len(distinct) > WINDOW else None   # no earlier year: nothing to compare

    dated = [p for p in papers if p.year is not None]
    everywhere = Counter(form for p in dated for form in vocabulary.terms[p.key])
    prior = defaultdict(float, {form: count / len(dated) for form, count in everywhere.items()} if dated else {})
    overall = _compare(papers, cutoff, vocabulary, prior)

    members: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if paper.key in theme_of:
            members[theme_of[paper.key]].append(paper)
    per_theme = []
    for slug in sorted({t.slug for t in themes} | set(members)):
        group = members.get(slug, [])
        theme_years, theme_undated = _year_counts(group)
        mine = _compare(group, cutoff, vocabulary, prior)
        per_theme.append(ThemeTrends(slug, theme_years, theme_undated, mine.recent, mine.earlier, mine.rising,
                                     mine.fading, mine.rising_threshold, mine.fading_threshold))
    return Trends(years=years, undated=undated, recent_years=tuple(window) if cutoff is not None else (),
                  recent=overall.recent, earlier=overall.earlier, rising=overall.rising, fading=overall.fading,
                  rising_threshold=overall.rising_threshold, fading_threshold=overall.fading_threshold,
                  themes=tuple(per_theme))


def with_trends(bib: Bibliography, shown: int = KEYPHRASES_SHOWN) -> Bibliography:
    """`bib` with its `trends` computed from its papers, annotations, themes and indexes."""
    return replace(bib, trends=find_trends(bib.papers, bib.annotations, bib.themes, bib.theme_of,
                                           keywords=bib.keywords, methods=bib.methods, shown=shown,
                                           phrases=getattr(bib, "phrases", None)))

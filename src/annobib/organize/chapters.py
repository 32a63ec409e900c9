"""Chapters: the themes (sections) grouped in 6 to 14 chapters a reader can scan.

Themes stay what they were (stable, curatable, a new paper placed in the nearest); a
chapter is a list of themes. The first run groups the themes by Ward linkage on their
centroids, each theme weighted by its size: Ward's merge cost between two groups of
papers depends only on their sizes and means, so this continues the papers' own Ward
tree from the themes upwards and needs no seed. The number of chapters is the cut with
the largest relative jump of the merge cost inside the allowed range (a natural gap
between "close" and "far" themes), the range being 6..14 chapters, never more than the
themes, and around sqrt(2 x themes) (`chapter_count_range`); a chapter of more than a
third of the papers is split further while the range allows.

Later runs keep every chapter of `corpus/themes.yml` with the sections it lists, in
its order (the curator may rename a chapter, move a section to another chapter, reorder
either); a theme listed in no chapter (a new theme, or a themes file written before
chapters existed that has chapters for none) joins the chapter whose centroid is
nearest. When the file has no chapter at all, chapters are made as on a first run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..corpus.themes_file import StoredChapter
from ..vectors import unit_rows

MIN_CHAPTERS, MAX_CHAPTERS = 6, 14
MAX_CHAPTER_SHARE = 1 / 3   # a bigger chapter is split further while the count range allows


def chapter_count_range(sections: int) -> tuple[int, int]:
    """How many chapters for this many sections: 6..14, at most the sections, and within
    a factor of about 1.5 of sqrt(2 x sections) (17 sections -> 6..8, 40 -> 7..13)."""
    if sections <= MIN_CHAPTERS:
        return sections, sections
    centre = math.sqrt(2 * sections)
    low = max(MIN_CHAPTERS, math.floor(centre / 1.5))
    high = min(MAX_CHAPTERS, sections, max(low, math.ceil(centre * 1.5)))
    return min(low, high), high


def ward_merges(means: np.ndarray, sizes: list[int]) -> list[tuple[int, int, float]]:
    """Ward's agglomeration of groups given by their means and sizes: (a, b, cost) per
    merge, where the merged group takes index len(means) + step (scipy's numbering).
    Ties go to the lowest pair of indexes."""
    means = [np.asarray(m, dtype=float) for m in means]
    sizes = list(sizes)
    alive = list(range(len(means)))
    merges = []
    while len(alive) > 1:
        best = None
        for i, a in enumerate(alive):
            for b in alive[i + 1:]:
                na, nb = sizes[a], sizes[b]
                cost = round(float(na * nb / (na + nb) * np.sum((means[a] - means[b]) ** 2)), 9)
                if best is None or cost < best[2]:
                    best = (a, b, cost)
        a, b, cost = best
        means.append((sizes[a] * means[a] + sizes[b] * means[b]) / (sizes[a] + sizes[b]))
        sizes.append(sizes[a] + sizes[b])
        alive = [x for x in alive if x not in (a, b)] + [len(means) - 1]
        merges.append((a, b, cost))
    return merges


def cut_merges(count: int, merges: list[tuple[int, int, float]], k: int) -> list[list[int]]:
    """Groups of the first `count` items after the first count - k merges."""
    members = {i: [i] for i in range(count)}
    for step, (a, b, _) in enumerate(merges[:max(0, count - k)]):
        members[count + step] = members.pop(a) + members.pop(b)
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def choose_chapter_count(merges: list[tuple[int, int, float]], count: int) -> int:
    """The cut inside `chapter_count_range` after which the next merge costs most, relative
    to the one before (the widest gap); ties to the fewer chapters."""
    low, high = chapter_count_range(count)
    if low == high:
        return low
    costs = [c for _, _, c in merges]

    def jump(k: int) -> float:            # k groups left: merges[count - k] would make k - 1
        nxt, prev = costs[count - k], costs[count - k - 1] if count - k - 1 >= 0 else 0.0
        return nxt / prev if prev > 0 else math.inf
    return max(range(low, high + 1), key=lambda k: (round(jump(k), 9), -k))


def group_sections(means: np.ndarray, sizes: list[int]) -> list[list[int]]:
    """Fresh chapters: lists of section indexes, each list sorted, lists by first index.
    A cut leaving a chapter of more than MAX_CHAPTER_SHARE of the papers is refined
    (one chapter more at a time) while the range allows."""
    count = len(sizes)
    if count == 0:
        return []
    if count <= MIN_CHAPTERS:
        return [[i] for i in range(count)]
    merges = ward_merges(means, sizes)
    k = choose_chapter_count(merges, count)
    high = chapter_count_range(count)[1]
    cut = cut_merges(count, merges, k)
    while k < high and max(sum(sizes[i] for i in c) for c in cut) > MAX_CHAPTER_SHARE * sum(sizes):
        k += 1
        cut = cut_merges(count, merges, k)
    return cut


@dataclass
class ChapterPlan:
    stored: StoredChapter | None      # None: a chapter made in this run
    sections: list[int]               # section (group) indexes, in reading order


def resolve_chapters(stored: list[StoredChapter], slugs: list[str]) -> tuple[list[StoredChapter], list[str]]:
    """Stored chapters with only the sections that still exist; emptied chapters removed."""
    present, messages, kept = set(slugs), [], []
    for chapter in stored:
        gone = [s for s in chapter.sections if s not in present]
        if gone:
            messages.append(f"chapters: '{chapter.slug}' listed section(s) that no longer exist: "
                            f"{', '.join(gone)}; dropped")
        sections = [s for s in chapter.sections if s in present]
        if not sections:
            messages.append(f"chapters: chapter '{chapter.slug}' has no sections left; removed")
            continue
        kept.append(StoredChapter(chapter.slug, chapter.label, chapter.description, sections))
    return kept, messages


def plan_chapters(stored: list[StoredChapter], slugs: list[str | None], vectors: np.ndarray,
                  groups: list[list[int]], smoothed: Callable[[], np.ndarray],
                  ) -> tuple[list[ChapterPlan], list[str]]:
    """Chapters of the sections `groups` (row indexes of `vectors`); `slugs[i]` is section
    i's stored slug (None for a section made in this run). `smoothed()`: the vectors the
    sections were clustered on (their means are what Ward compares), asked for only when
    chapters are made afresh."""
    kept, messages = resolve_chapters(stored, [s for s in slugs if s])
    index = {s: i for i, s in enumerate(slugs) if s}
    sizes = [len(g) for g in groups]
    order = lambda members: sorted(members, key=lambda i: (-sizes[i], slugs[i] or "", i))
    if not kept:
        rows = smoothed() if groups else None
        means = np.array([rows[g].mean(axis=0) for g in groups]) if groups else np.zeros((0, 1))
        plans = [ChapterPlan(None, order(members)) for members in group_sections(means, sizes)]
        plans.sort(key=lambda p: (-sum(sizes[i] for i in p.sections), p.sections[0]))
        return plans, messages
    plans = [ChapterPlan(c, [index[s] for s in c.sections]) for c in kept]
    listed = {i for p in plans for i in p.sections}
    unlisted = [i for i in range(len(groups)) if i not in listed]
    if unlisted:
        centres = unit_rows(np.array([vectors[[r for i in p.sections for r in groups[i]]].mean(axis=0)
                                      for p in plans]))
        for i in unlisted:
            own = unit_rows(vectors[groups[i]].mean(axis=0, keepdims=True))[0]
            sims = np.round(centres @ own, 6)
            plans[int(np.argmax(sims))].sections.append(i)
        named = [slugs[i] for i in unlisted if slugs[i]]
        if named:
            messages.append(f"chapters: placed {len(named)} section(s) listed in no chapter: "
                            + ", ".join(f"{s} -> {next(p for p in plans if index[s] in p.sections).stored.slug}"
                                        for s in named))
    return plans, messages

"""The bibliography's outline: themes (sections) named, grouped in chapters, written back.

    outline = make_outline(papers, keys, vectors, annotations, grouping, stored_chapters, embed)
    outline.themes, outline.chapters, outline.chapter_of, outline.messages

Order of work: the chapters are planned first (kept from the themes file, or grouped
afresh: `organize/chapters.py`), because a label's breadth is counted across chapters;
then every new section is named, then every new chapter (a chapter of one section takes
that section's label; a chapter of several avoids its sections' labels). Stored slugs,
labels and descriptions are never changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..corpus import slugs as url_slugs
from ..corpus.themes_file import StoredChapter
from ..models import Annotation, Chapter, Paper, Theme
from . import labels as labels_mod
from .chapters import plan_chapters
from .related import see_also
from .themes import centroids, smooth
from .wording import Wording, majority_language

SLUG_LENGTH = 48      # a label's slug is cut (at a word) to this length


def label_head(label: str, conjunction: str = "and") -> str:
    """A label's words before its first joining word, the corpus language's `conjunction`
    (organize/wording.py) or English "and" (exports carry English titles in every corpus):
    "Basler Fasnacht und Fastnachtsbrauch" -> "Basler Fasnacht"."""
    return re.split(rf" (?:and|{re.escape(conjunction)}) ", label, maxsplit=1)[0]


def label_slug(label: str, taken: set[str], function_words: frozenset[str] = labels_mod.STOPWORDS,
               max_length: int = SLUG_LENGTH, fallback: str = "theme", conjunction: str = "and") -> str:
    """The slug of a whole label: all its words when they fit; for "A and B" (or "A und B"
    in a German corpus: `conjunction`) that does not fit, A's when A fits; else cut at a
    word boundary. Never ending with a function word or the joining word ("-and", "-of"):
    'Few-shot class-incremental learning and ...' -> 'few-shot-class-incremental-learning'."""
    label = label.replace("'", "").replace("\u2019", "")     # Alzheimer's -> alzheimers
    words = url_slugs.slug(label, 10_000).split("-") if url_slugs.slug(label, 10_000) else []
    stop = {w for w in function_words} | {"and", conjunction}
    head_label = label_head(label, conjunction)
    if len("-".join(words)) > max_length and head_label != label:
        head = url_slugs.slug(head_label, 10_000).split("-")
        if head and len("-".join(head)) <= max_length:
            words = head
    made: list[str] = []
    for word in words:
        if made and len("-".join(made + [word])) > max_length:
            break
        made.append(word[:max_length] if not made else word)
    while len(made) > 1 and made[-1] in stop:
        made.pop()
    return url_slugs.unique("-".join(made) or fallback, taken)


def sections_label(labels: list[str], wording: Wording | None = None) -> str:
    """A chapter title from its sections' labels (largest first) when no phrase covers
    enough of it: the heads of the first two joined with the corpus language's "and"
    (`wording.conjunction`: "Self-supervised learning and knowledge distillation",
    "Hypernetworks" -> "Self-supervised learning and hypernetworks"; "und" in a German
    corpus); the second's first word spelled as the corpus spells it ("Basler Fasnacht" stays)."""
    conjunction = wording.conjunction if wording is not None else "and"
    heads: list[str] = []
    for label in labels:
        head = label_head(label, conjunction)
        if head.lower() not in {h.lower() for h in heads}:
            heads.append(head)
        if len(heads) == 2:
            break
    if len(heads) == 2:
        first, _, rest = heads[1].partition(" ")
        spelled = wording.spelling(first) if wording is not None else None
        if spelled is None and wording is not None:
            spelled = wording.cased(first)
        if spelled is None:
            spelled = first if labels_mod.is_name(first) else first[:1].lower() + first[1:]
        second = f"{spelled} {rest}".strip()
        return f"{heads[0]} {conjunction} {second}"
    return heads[0] if heads else ""


def representative(group: list[int], centroid: np.ndarray, vectors: np.ndarray) -> int:
    sims = np.round(vectors[group] @ centroid, 6)
    return group[int(np.argmax(sims))]   # argmax takes the first (lowest key) on ties


@dataclass
class Outline:
    themes: list[Theme]                   # sorted by slug
    chapters: list[Chapter]               # in reading order
    chapter_of: dict[str, str]            # theme slug -> chapter slug
    slugs: list[str]                      # theme slug of each group (grouping order)
    stored_chapters: list[StoredChapter]  # for the themes file
    proposed_chapters: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)


def make_outline(papers: list[Paper], keys: list[str], vectors: np.ndarray,
                 annotations: dict[str, Annotation], grouping, stored_chapters: list[StoredChapter],
                 embed: labels_mod.PhraseEmbedder) -> Outline:
    """`grouping`: organize's Grouping (kept themes first, then this run's)."""
    groups = grouping.groups
    stored = grouping.stored
    dim = vectors.shape[1]
    cents = centroids(vectors, groups) if groups else np.zeros((0, dim))
    key_groups = [[keys[r] for r in g] for g in groups]
    reps = [keys[representative(g, cents[i], vectors)] for i, g in enumerate(groups)]
    titles = {p.key: p.title_text for p in papers}
    by_key = {p.key: p for p in papers}
    wording = Wording.from_texts([(by_key[k].title_text, by_key[k].abstract_text) for k in keys],
                                 majority_language([p.language for p in papers]))
    rows = {k: i for i, k in enumerate(keys)}
    keyphrases = {k: annotations[k].keyphrases for k in keys}
    stop = labels_mod.STOPWORDS | wording.function_words

    stored_slugs: list[str | None] = [t.slug for t in stored] + [None] * grouping.new_count
    plans, messages = plan_chapters(stored_chapters, stored_slugs, vectors, groups, lambda: smooth(vectors))
    chapter_index = {i: c for c, plan in enumerate(plans) for i in plan.sections}

    # sections
    fixed = [t.label for t in stored] + [None] * grouping.new_count
    texts = labels_mod.theme_texts(key_groups, keyphrases, cents, reps, titles, embed, fixed, wording=wording,
                                   rows=rows, chapter_of=[chapter_index[i] for i in range(len(groups))])
    slugs = [t.slug for t in stored]
    for text in texts[len(stored):]:
        slugs.append(label_slug(text.label, set(slugs), stop, conjunction=wording.conjunction))
    neighbours = see_also(slugs, cents)
    descriptions = [t.description for t in stored] + [""] * grouping.new_count
    themes = [Theme(slug=slugs[i], label=texts[i].label, description=descriptions[i] or texts[i].description,
                    keyphrases=texts[i].keyphrases, papers=tuple(sorted(key_groups[i])),
                    see_also=neighbours[slugs[i]]) for i in range(len(groups))]

    # chapters
    chapter_rows = [sorted(r for i in plan.sections for r in groups[i]) for plan in plans]
    chapter_cents = centroids(vectors, chapter_rows) if chapter_rows else np.zeros((0, dim))
    chapter_reps = [keys[representative(g, chapter_cents[c], vectors)] for c, g in enumerate(chapter_rows)]
    chapter_fixed = [plan.stored.label if plan.stored else
                     (texts[plan.sections[0]].label if len(plan.sections) == 1 else None) for plan in plans]
    section_labels = [t.label for t in texts]
    avoid = [section_labels if len(plan.sections) > 1 else [] for plan in plans]
    chapter_texts = labels_mod.theme_texts([[keys[r] for r in g] for g in chapter_rows], keyphrases, chapter_cents,
                                           chapter_reps, titles, embed, chapter_fixed, wording=wording, rows=rows,
                                           avoid=avoid, min_coverage=labels_mod.CHAPTER_COVERAGE,
                                           fallbacks=[sections_label([texts[i].label for i in plan.sections], wording)
                                                      for plan in plans], lone_words=False)
    chapter_slugs: list[str] = []
    for plan, text in zip(plans, chapter_texts):
        chapter_slugs.append(plan.stored.slug if plan.stored else
                             label_slug(text.label, {s for s in chapter_slugs} |
                                        {p.stored.slug for p in plans if p.stored}, stop, fallback="chapter",
                                        conjunction=wording.conjunction))
    chapters = [Chapter(slug=chapter_slugs[c], label=chapter_texts[c].label,
                        description=(plan.stored.description if plan.stored else "") or chapter_texts[c].description,
                        sections=tuple(slugs[i] for i in plan.sections)) for c, plan in enumerate(plans)]
    proposed = tuple(chapter_slugs[c] for c, plan in enumerate(plans) if plan.stored is None)
    if proposed and not any(plan.stored for plan in plans):
        messages.append(f"chapters: grouped {len(themes)} themes into {len(chapters)} chapters "
                        f"(review and commit corpus/themes.yml)")
    themes.sort(key=lambda t: t.slug)
    return Outline(themes=themes, chapters=chapters,
                   chapter_of={s: ch.slug for ch in chapters for s in ch.sections}, slugs=slugs,
                   stored_chapters=[StoredChapter(ch.slug, ch.label, ch.description, list(ch.sections))
                                    for ch in chapters],
                   proposed_chapters=proposed, messages=messages)

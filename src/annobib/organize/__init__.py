"""The organize stage: themes, related papers, indexes and the map.

    organized = organize(papers, annotations, load_themes_file(path), settings)
    dump_themes_file(organized.themes, path)     # organized.bib goes to render

`corpus/themes.yml` is the maintainer's: once a paper is listed there it stays in
its theme ("merge, don't refit"); a maintainer may rename a label, edit a
description, move a paper, merge two themes or pin a paper, and later runs keep
all of it. Only papers not yet listed are placed, each in the nearest theme by
centroid similarity; a new theme is proposed only when at least 6 new papers
fit no existing theme. Slugs are derived from the label once and never change.

Themes are the sections of 6 to 14 chapters (`organize/chapters.py`), listed in the same
file and kept the same way: a curator may rename a chapter or move a section to another
chapter; a new theme joins the nearest chapter. Labels of both levels, and slugs, are made
in `organize/outline.py` with the rules of `organize/labels.py`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Settings
from ..corpus import slugs as url_slugs
from ..corpus.themes_file import StoredTheme, ThemesFile, dump_themes_file, load_themes_file
from ..errors import EmbeddingError
from ..models import Annotation, Bibliography, Paper
from . import labels as labels_mod
from .indexes import concept_index, method_index
from .phrases import organize_phrases
from .reasons import explainer
from .outline import label_slug, make_outline
from .people import with_people_venues_years
from .projection import MapProjector, map_points
from .related import related_papers
from .themes import cluster_papers, normalise_rows, place_new_papers
from .trends import with_trends

__all__ = ["Organized", "ThemeReport", "organize", "load_themes_file", "dump_themes_file"]

SLUG_MAX = 48


@dataclass(frozen=True)
class ThemeReport:
    new_papers_placed: dict[str, str]   # key -> slug for papers not in the themes file before
    proposed_themes: tuple[str, ...]    # slugs of themes created in this run
    messages: tuple[str, ...]           # lines for the build output


@dataclass(frozen=True)
class Organized:
    """What the organize stage hands on: the bibliography for render, the themes file as
    it now stands (for the build to write back) and the report of what moved."""
    bib: Bibliography
    themes: ThemesFile
    report: ThemeReport


# --- assignments ---------------------------------------------------------------------

def resolve_stored(stored: list[StoredTheme], corpus_keys: set[str]) -> tuple[list[StoredTheme], list[str]]:
    """Each corpus key in one theme: pinned wins, then the first listing; gone keys dropped."""
    messages, owner = [], {}
    for theme in stored:
        for key in theme.pinned:
            owner[key] = theme.slug
    for theme in stored:
        for key in theme.papers:
            if owner.setdefault(key, theme.slug) != theme.slug and key not in theme.pinned:
                messages.append(f"themes: '{key}' is listed in '{owner[key]}' and '{theme.slug}'; "
                                f"kept in '{owner[key]}'")
    gone = sorted(k for k in owner if k not in corpus_keys)
    if gone:
        messages.append(f"themes: dropped {len(gone)} paper(s) no longer in the corpus: {', '.join(gone)}")
    resolved = []
    for theme in stored:
        papers = sorted(k for k, slug in owner.items() if slug == theme.slug and k in corpus_keys)
        if not papers:
            messages.append(f"themes: theme '{theme.slug}' has no papers left; removed")
            continue
        pinned = sorted(k for k in theme.pinned if k in corpus_keys)
        resolved.append(StoredTheme(theme.slug, theme.label, theme.description, pinned, papers))
    return resolved, messages


def slugify(label: str, taken: set[str]) -> str:
    """A new theme's slug: the whole label's words, cut at a word, never ending with 'and'."""
    return label_slug(label, taken, max_length=SLUG_MAX)


# --- the stage -----------------------------------------------------------------------

def embedding_matrix(keys: list[str], annotations: dict[str, Annotation]) -> np.ndarray:
    missing = [k for k in keys if k not in annotations or not annotations[k].embedding]
    if missing:
        raise EmbeddingError(f"organize: no document embedding for {len(missing)} paper(s): "
                           f"{', '.join(missing[:10])}")
    sizes = {len(annotations[k].embedding) for k in keys}
    if len(sizes) > 1:
        raise EmbeddingError(f"organize: embeddings of different sizes {sorted(sizes)}; rebuild the cache")
    return normalise_rows(np.array([annotations[k].embedding for k in keys], dtype=float))


def default_embedder(settings: Settings) -> labels_mod.PhraseEmbedder:
    """The configured model on the configured backend, loaded on the first phrases."""
    from ..analyze.loaders import encode_phrases

    return lambda phrases: encode_phrases(settings.analyze_encoder_model, settings.analyze_encoder_backend, phrases)


@dataclass
class Grouping:
    stored: list[StoredTheme]     # kept themes, in file order
    groups: list[list[int]]       # row indexes; first len(stored) belong to `stored`
    placed: dict[int, int]        # new row -> group index
    new_count: int                # groups created in this run (at the end of `groups`)


def group_papers(keys: list[str], vectors: np.ndarray, stored: list[StoredTheme], seed: int) -> Grouping:
    row = {k: i for i, k in enumerate(keys)}
    groups = [[row[k] for k in t.papers] for t in stored]
    listed = {r for g in groups for r in g}
    new_rows = [i for i in range(len(keys)) if i not in listed]
    if not stored:
        fresh = cluster_papers(vectors, seed)
        return Grouping([], fresh, {}, len(fresh))
    placement = place_new_papers(vectors, groups, new_rows, seed)
    for r, g in placement.placed.items():
        groups[g].append(r)
    groups = [sorted(g) for g in groups] + placement.new_groups
    placed = dict(placement.placed)
    placed.update({r: len(stored) + i for i, g in enumerate(placement.new_groups) for r in g})
    return Grouping(stored, groups, placed, len(placement.new_groups))


def organize(papers: list[Paper], annotations: dict[str, Annotation], themes_file: ThemesFile | None,
             settings: Settings, *, embed_phrases: labels_mod.PhraseEmbedder | None = None,
             project_map: MapProjector = map_points) -> Organized:
    """themes_file: corpus/themes.yml's records (None when absent).
    `embed_phrases` (list of phrases -> vectors) defaults to the configured encoder, and is
    closed (if it has `close`) once the themes are labelled;
    `project_map` (keys, vectors, seed -> 2D points) lets the build memoise the map."""
    papers = sorted(papers, key=lambda p: p.key)
    keys = [p.key for p in papers]
    vectors = embedding_matrix(keys, annotations)
    themes_file = themes_file or ThemesFile()
    paper_slugs = url_slugs.paper_slugs([p.key for p in papers], themes_file.urls, themes_file.published())
    stored, messages = resolve_stored(list(themes_file.themes), set(keys))
    grouping = group_papers(keys, vectors, stored, settings.organize_seed)
    # themes (the sections) named and grouped in chapters: organize/outline.py
    embed_phrases = embed_phrases or default_embedder(settings)
    outline = make_outline(papers, keys, vectors, annotations, grouping,
                           list(themes_file.chapters), embed_phrases)
    if hasattr(embed_phrases, "close"):
        embed_phrases.close()   # the labels are made: the encoder's process (analyze/worker.py) ends before the related lists
    themes, slugs = outline.themes, outline.slugs
    messages += outline.messages
    pinned = {t.slug: t.pinned for t in grouping.stored}
    written = ThemesFile.of([StoredTheme(t.slug, t.label, t.description, pinned.get(t.slug, []), list(t.papers))
                             for t in themes],
                            {k: s for k, s in paper_slugs.items() if s != url_slugs.slug(k, fallback="paper")},
                            outline.stored_chapters)

    theme_of = {k: t.slug for t in themes for k in t.papers}
    phrases = organize_phrases(papers, annotations, theme_of)    # organize/phrases.py: what pages show
    bib = Bibliography(
        papers=tuple(papers), annotations=dict(annotations), themes=tuple(themes),
        theme_of=theme_of,
        related=related_papers(keys, vectors, annotations, settings.organize_related_count,
                               links={p.key: p.cites for p in papers if p.cites},
                               explain=explainer(papers, annotations, phrases, themes)),
        methods=method_index({k: annotations[k] for k in keys}),
        keywords=concept_index(phrases),
        map_points=project_map(keys, vectors, settings.organize_seed),
        slugs=paper_slugs, phrases=phrases,
        chapters=tuple(outline.chapters), chapter_of=outline.chapter_of)
    bib = with_people_venues_years(bib)                        # organize/people.py: the name indexes
    bib = with_trends(bib, settings.analyze_keyphrases_shown)   # organize/trends.py
    return Organized(bib, written, build_report(keys, grouping, slugs, messages, len(themes)))


def build_report(keys: list[str], grouping: Grouping, slugs: list[str], messages: list[str],
                 theme_total: int) -> ThemeReport:
    proposed = tuple(slugs[len(grouping.stored):])
    if not grouping.stored:
        placed = {keys[r]: slugs[i] for i, g in enumerate(grouping.groups) for r in g}
        messages.append(f"themes: no themes file yet; proposed {theme_total} themes for {len(keys)} papers "
                        f"(review and commit corpus/themes.yml)")
    else:
        placed = {keys[r]: slugs[g] for r, g in sorted(grouping.placed.items())}
        if placed:
            messages.append(f"themes: placed {len(placed)} new paper(s): "
                            + ", ".join(f"{k} -> {s}" for k, s in sorted(placed.items())))
        if proposed:
            messages.append(f"themes: {sum(len(grouping.groups[i]) for i in range(len(grouping.stored), len(slugs)))}"
                            f" new papers fit no theme; proposed new theme(s): {', '.join(proposed)}")
    return ThemeReport(new_papers_placed=dict(sorted(placed.items())), proposed_themes=proposed,
                       messages=tuple(messages))

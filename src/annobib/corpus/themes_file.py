"""`corpus/themes.yml`: the maintainer's themes file, its one reader and writer.

Light on purpose (PyYAML only): `annobib check` validates the file with this same
parser on the light install, and the organize stage reads and writes it.

    themes = load_themes_file(path)       # a ThemesFile record, validated; None when absent
    dump_themes_file(themes, path)        # sorted keys, fields in a fixed order

Two levels: `themes` (the sections, each listing its papers) and `chapters` (each
listing its sections, in the curator's order). A file written before chapters existed
(no `chapters:`) still loads; the build then groups the themes into chapters and
writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ThemesFileError
from ..text import SLUG
from ..yaml_text import load_yaml

__all__ = ["HEADER", "SLUG_RE", "StoredChapter", "StoredTheme", "ThemesFile", "dump_themes_file",
           "load_themes_file", "themes_from_doc"]

SLUG_RE = SLUG    # the one slug pattern (annobib.text)
THEME_FIELDS = ("slug", "label", "description", "pinned", "papers")
CHAPTER_FIELDS = ("slug", "label", "description", "sections")
DOC_KEYS = ("chapters", "themes", "urls")
HEADER = """\
# Themes of the bibliography, written by `annobib build` and yours to edit.
#
# Two levels: chapters, each listing its sections (themes, by slug), and themes,
# each listing its papers.
# Each chapter: slug (its URL /chapters/<slug>/, never change it once published),
# label (rename freely), description, sections (in the order the chapter shows them).
# - Move a section to another chapter: cut its slug from one `sections` list, paste
#   it into another; reorder chapters or sections by moving their lines.
# Each theme: slug (its URL /themes/<slug>/, never change it once published),
# label (the title readers see: rename freely), description, pinned, papers.
# - Move a paper: cut its key from one `papers` list, paste it into another.
# - Merge two themes: move all papers of one into the other, delete the emptied theme.
# - Pin a paper: add its key to `pinned`; a pinned paper stays in that theme even
#   if another theme also lists it.
# Papers listed here never move on a rebuild; only new papers are placed (in the
# nearest theme), and a new theme is proposed only when several new papers fit none;
# a new theme joins the nearest chapter.
# urls: the page URL (/papers/<slug>/) of papers whose key makes the same slug as an
# earlier one's (written by the build; never edit it once published).
"""



@dataclass
class StoredTheme:
    slug: str
    label: str
    description: str
    pinned: list[str]
    papers: list[str]


@dataclass
class StoredChapter:
    slug: str
    label: str
    description: str
    sections: list[str]        # theme slugs, in the curator's order


@dataclass(frozen=True)
class ThemesFile:
    """The themes file as records, in its own order: themes (the sections) by slug with
    their keys sorted, chapters as the curator ordered them, and the recorded URLs."""
    themes: tuple[StoredTheme, ...] = ()
    chapters: tuple[StoredChapter, ...] = ()
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, themes, urls: dict[str, str] | None = None, chapters=()) -> "ThemesFile":
        return cls(tuple(StoredTheme(t.slug, t.label, t.description, sorted(set(t.pinned)), sorted(set(t.papers)))
                         for t in sorted(themes, key=lambda t: t.slug)),
                   tuple(StoredChapter(c.slug, c.label, c.description, list(dict.fromkeys(c.sections)))
                         for c in chapters or ()),
                   dict(sorted((urls or {}).items())))

    def published(self) -> set[str]:
        """Every key the file lists (papers and pinned)."""
        return {key for theme in self.themes for key in theme.papers + theme.pinned}

    def form(self) -> dict:
        """The file's YAML form: fields in a fixed order; no `chapters` or `urls` key when empty."""
        form: dict = {}
        if self.chapters:
            form["chapters"] = [{"slug": c.slug, "label": c.label, "description": c.description,
                                 "sections": list(c.sections)} for c in self.chapters]
        form["themes"] = [{"slug": t.slug, "label": t.label, "description": t.description,
                           "pinned": list(t.pinned), "papers": list(t.papers)} for t in self.themes]
        if self.urls:
            form["urls"] = dict(self.urls)
        return form


# --- the themes file ---------------------------------------------------------------

def _key_list(value, where: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(k, (str, int)) and not isinstance(k, bool)
                                              for k in value):
        raise ThemesFileError(f"{source}: {where}: expected a list of citation keys")
    return [str(k) for k in value]


def _parse_header(item, where: str, kind: str, fields: tuple[str, ...], source: str) -> tuple[str, str, str]:
    """The checked slug, label and description of one `themes` or `chapters` item
    (`kind` is "theme" or "chapter"; `fields` the item's allowed keys, the last being
    its list)."""
    if not isinstance(item, dict):
        raise ThemesFileError(f"{source}: {where}: expected a mapping with slug, label, {fields[-1]}")
    unknown = sorted(set(item) - set(fields))
    if unknown:
        raise ThemesFileError(f"{source}: {where}: unknown field(s): {', '.join(map(str, unknown))}")
    slug, label = item.get("slug"), item.get("label")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ThemesFileError(f"{source}: {where}: slug must be lower-case words joined by '-', got {slug!r}")
    if not isinstance(label, str) or not label.strip():
        raise ThemesFileError(f"{source}: {kind} '{slug}': label must be a non-empty text")
    description = item.get("description") or ""
    if not isinstance(description, str):
        raise ThemesFileError(f"{source}: {kind} '{slug}': description must be a text")
    return slug, label.strip(), description.strip()


def _parse_theme(item, index: int, source: str) -> StoredTheme:
    slug, label, description = _parse_header(item, f"themes[{index}]", "theme", THEME_FIELDS, source)
    return StoredTheme(slug, label, description,
                       _key_list(item.get("pinned"), f"theme '{slug}' pinned", source),
                       _key_list(item.get("papers"), f"theme '{slug}' papers", source))


def themes_from_doc(doc, source: str) -> ThemesFile:
    """The validated records of a parsed themes file; an empty one for None."""
    if doc is None:
        return ThemesFile()
    if not isinstance(doc, dict) or set(doc) - set(DOC_KEYS):
        raise ThemesFileError(f"{source}: expected a mapping with the keys 'themes' (a list of themes) "
                              "and optionally 'chapters' and 'urls'")
    urls, chapters = _recorded_urls(doc, source), _parse_chapters(doc, source)
    themes = _parse_items(doc, "themes", "theme", _parse_theme, source)
    twice = _listed_twice((theme.slug, key) for theme in themes for key in theme.pinned)
    if twice:
        key, first, second = twice
        raise ThemesFileError(f"{source}: '{key}' is pinned in two themes: {first} and {second}")
    return ThemesFile.of(themes, urls, chapters)


def _parse_chapter(item, index: int, source: str) -> StoredChapter:
    slug, label, description = _parse_header(item, f"chapters[{index}]", "chapter", CHAPTER_FIELDS, source)
    sections = item.get("sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, str) and SLUG_RE.match(s) for s in sections):
        raise ThemesFileError(f"{source}: chapter '{slug}': sections must be a list of theme slugs")
    return StoredChapter(slug, label, description, list(dict.fromkeys(sections)))


def _parse_chapters(doc, source: str) -> list[StoredChapter]:
    """Validated chapters of a parsed themes file, in file order; [] when it has none
    (a file written before chapters existed)."""
    chapters = _parse_items(doc or {}, "chapters", "chapter", _parse_chapter, source)
    twice = _listed_twice((chapter.slug, section) for chapter in chapters for section in chapter.sections)
    if twice:
        section, first, second = twice
        raise ThemesFileError(f"{source}: section '{section}' is listed in two chapters: "
                              f"{first} and {second} (keep it in one)")
    return chapters


def _parse_items(doc: dict, name: str, kind: str, parse, source: str) -> list:
    """The items of the list `name` ("themes" or "chapters"), each parsed by `parse`;
    their slugs must be unique."""
    items = doc.get(name) or []
    if not isinstance(items, list):
        raise ThemesFileError(f"{source}: '{name}' must be a list")
    parsed = [parse(item, i, source) for i, item in enumerate(items)]
    slugs = [p.slug for p in parsed]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise ThemesFileError(f"{source}: {kind} slug(s) used twice: {', '.join(duplicated)}")
    return parsed


def _listed_twice(listings) -> tuple[str, str, str] | None:
    """The first (item, first owner, second owner) of an item two owners list, from
    (owner, item) pairs in file order; None when each item has one owner."""
    owner_of: dict[str, str] = {}
    for owner, item in listings:
        if owner_of.setdefault(item, owner) != owner:
            return item, owner_of[item], owner
    return None


def _recorded_urls(doc, source: str) -> dict[str, str]:
    """`urls:` of the themes file: key -> URL slug of papers whose URL is not their key's
    slug (two keys that make one slug, or a slug published under an earlier slug rule);
    written by the build, permanent."""
    urls = (doc or {}).get("urls") or {}
    if not isinstance(urls, dict) or not all(isinstance(k, str) and isinstance(v, str) and SLUG_RE.match(v)
                                             for k, v in urls.items()):
        raise ThemesFileError(f"{source}: 'urls' must map citation keys to slugs (lower-case words joined by '-')")
    return dict(urls)


def load_themes_file(path) -> ThemesFile | None:
    """The themes file's records, or None when it is absent or empty."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ThemesFileError(f"{path}: not valid YAML: {exc}") from None
    return None if doc is None else themes_from_doc(doc, str(path))


def dump_themes_file(themes: ThemesFile, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(themes.form(), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    path.write_text(HEADER + "\n" + body, encoding="utf-8")

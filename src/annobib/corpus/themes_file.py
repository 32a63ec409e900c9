"""`corpus/themes.yml`: the maintainer's themes file, its one reader and writer.

Light on purpose (PyYAML only): `annobib check` validates the file with this same
parser on the light install, and the organize stage reads and writes it.

    doc = load_themes_file(path)          # validated, in file form; None when absent
    dump_themes_file(doc, path)           # sorted keys, fields in a fixed order

Two levels: `themes` (the sections, each listing its papers) and `chapters` (each
listing its sections, in the curator's order). A file written before chapters existed
(no `chapters:`) still loads; the build then groups the themes into chapters and
writes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ThemesFileError
from ..text import SLUG

__all__ = ["HEADER", "SLUG_RE", "StoredChapter", "StoredTheme", "dump_themes_file", "file_form",
           "load_themes_file", "parse_chapters", "parse_themes_doc", "recorded_urls"]

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


# --- the themes file ---------------------------------------------------------------

def _key_list(value, where: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(k, (str, int)) and not isinstance(k, bool)
                                              for k in value):
        raise ThemesFileError(f"{source}: {where}: expected a list of citation keys")
    return [str(k) for k in value]


def _parse_theme(item, index: int, source: str) -> StoredTheme:
    where = f"themes[{index}]"
    if not isinstance(item, dict):
        raise ThemesFileError(f"{source}: {where}: expected a mapping with slug, label, papers")
    unknown = sorted(set(item) - set(THEME_FIELDS))
    if unknown:
        raise ThemesFileError(f"{source}: {where}: unknown field(s): {', '.join(map(str, unknown))}")
    slug, label = item.get("slug"), item.get("label")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ThemesFileError(f"{source}: {where}: slug must be lower-case words joined by '-', got {slug!r}")
    if not isinstance(label, str) or not label.strip():
        raise ThemesFileError(f"{source}: theme '{slug}': label must be a non-empty text")
    description = item.get("description") or ""
    if not isinstance(description, str):
        raise ThemesFileError(f"{source}: theme '{slug}': description must be a text")
    return StoredTheme(slug, label.strip(), description.strip(),
                       _key_list(item.get("pinned"), f"theme '{slug}' pinned", source),
                       _key_list(item.get("papers"), f"theme '{slug}' papers", source))


def parse_themes_doc(doc, source: str) -> list[StoredTheme]:
    """Validated themes of a parsed themes file; [] for None / empty."""
    if doc is None:
        return []
    if not isinstance(doc, dict) or set(doc) - set(DOC_KEYS):
        raise ThemesFileError(f"{source}: expected a mapping with the keys 'themes' (a list of themes) "
                              "and optionally 'chapters' and 'urls'")
    recorded_urls(doc, source)
    parse_chapters(doc, source)
    items = doc.get("themes") or []
    if not isinstance(items, list):
        raise ThemesFileError(f"{source}: 'themes' must be a list")
    themes = [_parse_theme(item, i, source) for i, item in enumerate(items)]
    slugs = [t.slug for t in themes]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise ThemesFileError(f"{source}: theme slug(s) used twice: {', '.join(duplicated)}")
    pinned_in: dict[str, str] = {}
    for theme in themes:
        for key in theme.pinned:
            if pinned_in.setdefault(key, theme.slug) != theme.slug:
                raise ThemesFileError(
                    f"{source}: '{key}' is pinned in two themes: {pinned_in[key]} and {theme.slug}")
    return themes


def _parse_chapter(item, index: int, source: str) -> StoredChapter:
    where = f"chapters[{index}]"
    if not isinstance(item, dict):
        raise ThemesFileError(f"{source}: {where}: expected a mapping with slug, label, sections")
    unknown = sorted(set(item) - set(CHAPTER_FIELDS))
    if unknown:
        raise ThemesFileError(f"{source}: {where}: unknown field(s): {', '.join(map(str, unknown))}")
    slug, label = item.get("slug"), item.get("label")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ThemesFileError(f"{source}: {where}: slug must be lower-case words joined by '-', got {slug!r}")
    if not isinstance(label, str) or not label.strip():
        raise ThemesFileError(f"{source}: chapter '{slug}': label must be a non-empty text")
    description = item.get("description") or ""
    if not isinstance(description, str):
        raise ThemesFileError(f"{source}: chapter '{slug}': description must be a text")
    sections = item.get("sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, str) and SLUG_RE.match(s) for s in sections):
        raise ThemesFileError(f"{source}: chapter '{slug}': sections must be a list of theme slugs")
    return StoredChapter(slug, label.strip(), description.strip(), list(dict.fromkeys(sections)))


def parse_chapters(doc, source: str) -> list[StoredChapter]:
    """Validated chapters of a parsed themes file, in file order; [] when it has none
    (a file written before chapters existed)."""
    items = (doc or {}).get("chapters") or []
    if not isinstance(items, list):
        raise ThemesFileError(f"{source}: 'chapters' must be a list")
    chapters = [_parse_chapter(item, i, source) for i, item in enumerate(items)]
    slugs = [c.slug for c in chapters]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise ThemesFileError(f"{source}: chapter slug(s) used twice: {', '.join(duplicated)}")
    listed_in: dict[str, str] = {}
    for chapter in chapters:
        for section in chapter.sections:
            if listed_in.setdefault(section, chapter.slug) != chapter.slug:
                raise ThemesFileError(f"{source}: section '{section}' is listed in two chapters: "
                                      f"{listed_in[section]} and {chapter.slug} (keep it in one)")
    return chapters


def recorded_urls(doc, source: str) -> dict[str, str]:
    """`urls:` of the themes file: key -> URL slug of papers whose URL is not their key's
    slug (two keys that make one slug, or a slug published under an earlier slug rule);
    written by the build, permanent."""
    urls = (doc or {}).get("urls") or {}
    if not isinstance(urls, dict) or not all(isinstance(k, str) and isinstance(v, str) and SLUG_RE.match(v)
                                             for k, v in urls.items()):
        raise ThemesFileError(f"{source}: 'urls' must map citation keys to slugs (lower-case words joined by '-')")
    return dict(urls)


def load_themes_file(path) -> dict | None:
    """The parsed themes file, or None when it is absent or empty."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ThemesFileError(f"{path}: not valid YAML: {exc}") from None
    if doc is None:
        return None
    return file_form(parse_themes_doc(doc, str(path)), recorded_urls(doc, str(path)),
                     parse_chapters(doc, str(path)))


def file_form(themes: list[StoredTheme], urls: dict[str, str] | None = None,
              chapters: list[StoredChapter] | None = None) -> dict:
    """The file's form: chapters in their order (sections in theme order), then themes
    sorted by slug, keys sorted, fields in a fixed order. No `chapters` key when none."""
    form: dict = {}
    if chapters:
        form["chapters"] = [{"slug": c.slug, "label": c.label, "description": c.description,
                             "sections": list(dict.fromkeys(c.sections))} for c in chapters]
    form["themes"] = [{"slug": t.slug, "label": t.label, "description": t.description,
                       "pinned": sorted(set(t.pinned)), "papers": sorted(set(t.papers))}
                      for t in sorted(themes, key=lambda t: t.slug)]
    if urls:
        form["urls"] = dict(sorted(urls.items()))
    return form


def dump_themes_file(doc, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    form = file_form(parse_themes_doc(doc, str(path)), recorded_urls(doc, str(path)), parse_chapters(doc, str(path)))
    body = yaml.safe_dump(form, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    path.write_text(HEADER + "\n" + body, encoding="utf-8")

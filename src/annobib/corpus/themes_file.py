"""`corpus/themes.yml`: the maintainer's themes file, its one reader and writer.

Light on purpose (PyYAML only): `annobib check` validates the file with this same
parser on the light install, and the organize stage reads and writes it.

    doc = load_themes_file(path)          # validated, in file form; None when absent
    dump_themes_file(doc, path)           # sorted keys, fields in a fixed order
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import AnnobibError
from ..text import SLUG

__all__ = ["HEADER", "SLUG_RE", "StoredTheme", "dump_themes_file", "file_form", "load_themes_file",
           "parse_themes_doc", "recorded_urls"]

SLUG_RE = SLUG    # the one slug pattern (annobib.text)
THEME_FIELDS = ("slug", "label", "description", "pinned", "papers")
HEADER = """\
# Themes of the bibliography, written by `annobib build` and yours to edit.
#
# Each theme: slug (its URL /themes/<slug>/, never change it once published),
# label (the title readers see: rename freely), description, pinned, papers.
# - Move a paper: cut its key from one `papers` list, paste it into another.
# - Merge two themes: move all papers of one into the other, delete the emptied theme.
# - Pin a paper: add its key to `pinned`; a pinned paper stays in that theme even
#   if another theme also lists it.
# Papers listed here never move on a rebuild; only new papers are placed (in the
# nearest theme), and a new theme is proposed only when several new papers fit none.
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


# --- the themes file ---------------------------------------------------------------

def _key_list(value, where: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(k, (str, int)) and not isinstance(k, bool)
                                              for k in value):
        raise AnnobibError(f"{source}: {where}: expected a list of citation keys")
    return [str(k) for k in value]


def _parse_theme(item, index: int, source: str) -> StoredTheme:
    where = f"themes[{index}]"
    if not isinstance(item, dict):
        raise AnnobibError(f"{source}: {where}: expected a mapping with slug, label, papers")
    unknown = sorted(set(item) - set(THEME_FIELDS))
    if unknown:
        raise AnnobibError(f"{source}: {where}: unknown field(s): {', '.join(map(str, unknown))}")
    slug, label = item.get("slug"), item.get("label")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise AnnobibError(f"{source}: {where}: slug must be lower-case words joined by '-', got {slug!r}")
    if not isinstance(label, str) or not label.strip():
        raise AnnobibError(f"{source}: theme '{slug}': label must be a non-empty text")
    description = item.get("description") or ""
    if not isinstance(description, str):
        raise AnnobibError(f"{source}: theme '{slug}': description must be a text")
    return StoredTheme(slug, label.strip(), description.strip(),
                       _key_list(item.get("pinned"), f"theme '{slug}' pinned", source),
                       _key_list(item.get("papers"), f"theme '{slug}' papers", source))


def parse_themes_doc(doc, source: str) -> list[StoredTheme]:
    """Validated themes of a parsed themes file; [] for None / empty."""
    if doc is None:
        return []
    if not isinstance(doc, dict) or set(doc) - {"themes", "urls"}:
        raise AnnobibError(f"{source}: expected a mapping with the keys 'themes' (a list of themes) "
                           "and optionally 'urls'")
    recorded_urls(doc, source)
    items = doc.get("themes") or []
    if not isinstance(items, list):
        raise AnnobibError(f"{source}: 'themes' must be a list")
    themes = [_parse_theme(item, i, source) for i, item in enumerate(items)]
    slugs = [t.slug for t in themes]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise AnnobibError(f"{source}: theme slug(s) used twice: {', '.join(duplicated)}")
    pinned_in: dict[str, str] = {}
    for theme in themes:
        for key in theme.pinned:
            if pinned_in.setdefault(key, theme.slug) != theme.slug:
                raise AnnobibError(
                    f"{source}: '{key}' is pinned in two themes: {pinned_in[key]} and {theme.slug}")
    return themes


def recorded_urls(doc, source: str) -> dict[str, str]:
    """`urls:` of the themes file: key -> URL slug of papers whose URL is not their key's
    slug (two keys that make one slug, or a slug published under an earlier slug rule);
    written by the build, permanent."""
    urls = (doc or {}).get("urls") or {}
    if not isinstance(urls, dict) or not all(isinstance(k, str) and isinstance(v, str) and SLUG_RE.match(v)
                                             for k, v in urls.items()):
        raise AnnobibError(f"{source}: 'urls' must map citation keys to slugs (lower-case words joined by '-')")
    return dict(urls)


def load_themes_file(path) -> dict | None:
    """The parsed themes file, or None when it is absent or empty."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AnnobibError(f"{path}: not valid YAML: {exc}") from None
    if doc is None:
        return None
    return file_form(parse_themes_doc(doc, str(path)), recorded_urls(doc, str(path)))


def file_form(themes: list[StoredTheme], urls: dict[str, str] | None = None) -> dict:
    """The file's form: themes sorted by slug, keys sorted, fields in a fixed order."""
    form: dict = {"themes": [{"slug": t.slug, "label": t.label, "description": t.description,
                              "pinned": sorted(set(t.pinned)), "papers": sorted(set(t.papers))}
                             for t in sorted(themes, key=lambda t: t.slug)]}
    if urls:
        form["urls"] = dict(sorted(urls.items()))
    return form


def dump_themes_file(doc, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(file_form(parse_themes_doc(doc, str(path)), recorded_urls(doc, str(path))), sort_keys=False,
                          allow_unicode=True, width=100, default_flow_style=False)
    path.write_text(HEADER + "\n" + body, encoding="utf-8")

"""Every escaping rule of the renderer, in one place.

The generated pages are Markdown that Python-Markdown turns into HTML, and corpus
text (titles, authors, abstracts, keyphrases, method names, reasons) is untrusted:
it may hold HTML, Markdown, Jinja, or MkDocs/Material syntax. It must show literally.

One rule makes text inert in *both* languages at once: every ASCII punctuation
character becomes a numeric character reference (`[` -> `&#91;`, `<` -> `&#60;`).
Markdown sees no syntax at all (no brackets, stars, backticks, `!!!`, `{: }`), and
Python-Markdown passes character references through untouched; the browser (and
Material's search indexer) decode them back to the original characters. Letters,
digits and spaces cannot start any syntax once line breaks are gone, so they stay.

`finalize` (built on `text`) is the Jinja `finalize` hook, so every `{{ value }}` in every
template is escaped this way unless the value is a `Safe` string made here (a
validated URL, a validated key, a front-matter title, chart SVG). Templates never
escape case by case.
"""
from __future__ import annotations

import functools
import html
import json
import re
import string
import unicodedata
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from ..corpus.ids import DOI, arxiv_id
from ..text import slugify, unique

# URL slugs of papers and themes become file names and URL segments, checked again here
# because a path is written from them. Not the slug rule (annobib.text.SLUG) but the looser
# set of safe path characters: a Bibliography without slugs uses the citation keys themselves.
PATH_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
RELATIVE_DOC = re.compile(r"^(\.\./)*([A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.(md|bib|json|ris|xml)$")
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"(<[^>]*>)")       # attribute values never hold '>': charts escape them


class Safe(Markup):
    """Text already made safe for Markdown *and* HTML by a function of this module.

    Markup escapes whatever is combined with it (`+`, `%`, `.join`, `.format`) through
    `cls.escape`; here that is `text`, so combining never lets raw text through.
    """

    @classmethod
    def escape(cls, s) -> "Safe":
        return text(s)


def _printable(value: str) -> str:
    """Drop control and unassigned/noncharacter code points: they break YAML and mean nothing."""
    if value.isprintable():     # no code point of category C (nor Z, but space): the common case, in C
        return value
    # Only the distinct characters are looked up: a long text has a few hundred of them.
    unprintable = {ch for ch in set(value) if ch not in "\t\n\r" and unicodedata.category(ch)[0] == "C"}
    return value.translate(dict.fromkeys(map(ord, unprintable))) if unprintable else value


_PUNCTUATION_CODES = {ord(ch): f"&#{ord(ch)};" for ch in string.punctuation}


def _encode_punctuation(value: str) -> str:
    return value.translate(_PUNCTUATION_CODES)


def text(value: object) -> Safe:
    """Inline corpus text -> inert in Markdown and in HTML (text or attribute value).

    Line breaks collapse to spaces so no value can start a Markdown block
    (a list, a heading, an admonition, an indented code block).
    """
    if isinstance(value, Safe):
        return value
    if value is None:
        return Safe("")
    collapsed = _WHITESPACE.sub(" ", _printable(str(value))).strip()
    return Safe(_encode_punctuation(collapsed))


def finalize(value: object) -> Safe:
    """Jinja `finalize` hook: every `{{ value }}` of every template passes here.

    Only `Safe` strings made by this module pass unchanged. Any other Markup (a macro's
    output, a `{% set %}` block, `~` joined with a Safe value) was partly escaped for
    HTML only, so Markdown syntax in it would still work: it is refused, loudly.
    """
    if isinstance(value, Markup) and not isinstance(value, Safe):
        raise TypeError("template printed Markup not made by annobib.render.escape "
                        "(macros, {% set %} blocks and '~' with safe values are not allowed)")
    return text(value)


def join(items, separator: str = ", ") -> Safe:
    """Jinja `join` replacement: each item escaped by `finalize`, separator too."""
    glue = Safe(_encode_punctuation(_WHITESPACE.sub(" ", separator)))
    return Safe(glue.join(finalize(item) for item in items))


def code_block(value: str) -> Safe:
    """Multi-line text for a <pre> element: line breaks kept, but written as `&#10;`.

    The whole block then sits on one physical line, so nothing in it can sit at the
    start of a Markdown line, even if a raw-HTML block ended early.
    """
    lines = _printable(value).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return Safe("&#10;".join(_encode_punctuation(line) for line in lines))


def front_matter(value: str) -> Safe:
    """A YAML front-matter scalar for a page title.

    MkDocs and Material insert `page.title` into HTML without escaping (their Jinja
    environment does not autoescape), so the title is HTML-escaped here; a JSON string
    is valid YAML and needs no further quoting rules.
    """
    plain = _WHITESPACE.sub(" ", _printable(value)).strip()
    return Safe(json.dumps(html.escape(plain, quote=True), ensure_ascii=False))


# Front-matter values the theme prints into the page <head> without escaping (see
# render/overrides/main.html and Material's `meta` list): names are the renderer's own.
META_NAME = re.compile(r"^[A-Za-z]+([._:][A-Za-z]+)*$")
SITE_PATH = re.compile(r"^([A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.(xml|json|ris|bib)$")
_CHARACTER_REFERENCE = re.compile(r"&#(\d+);")


def front_matter_text(value: object) -> Safe:
    """Corpus text as a front-matter value that the theme prints into an HTML attribute.

    The value is `text` (so it holds no quote, '<' or '&' but its own character
    references, which HTML attributes decode), written as a JSON string: valid YAML.
    """
    return Safe(json.dumps(str(text(value)), ensure_ascii=False))


def meta_name(value: str) -> Safe:
    """A <meta> name or property the renderer chose ('citation_title', 'og:title', 'DC.type')."""
    if not isinstance(value, str) or not META_NAME.match(value):
        raise ValueError(f"not a meta tag name: {value!r}")
    return Safe(json.dumps(value))


def site_path(value: str) -> Safe:
    """A site-relative file path the renderer made ('feeds/themes/x.xml'), for the theme's `url` filter."""
    if not isinstance(value, str) or not SITE_PATH.match(value):
        raise ValueError(f"not a site file path: {value!r}")
    return Safe(json.dumps(value))


def json_ld(data) -> Safe:
    """A JSON-LD object for a <script type="application/ld+json">, as a front-matter string.

    A script element does not decode character references, but JSON decodes `\\uXXXX`:
    so every string (keys too) passes `text` and each reference it made is spelt as a
    JSON escape. No string then holds any ASCII punctuation (no '<', '&', quote or
    backslash), so nothing in it can end the string, the JSON or the script element.
    """
    return Safe(json.dumps(_json_value(data), ensure_ascii=False))


def _json_value(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_string(k)}:{_json_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return _json_string(value)


def _json_string(value) -> str:
    return '"' + _CHARACTER_REFERENCE.sub(lambda m: f"\\u{int(m.group(1)):04x}", text(value)) + '"'


@functools.lru_cache(maxsize=1 << 17)
def markdown_link(link) -> Safe:
    """`[text](target#anchor)` for a link between generated pages (`render.Link`, frozen).

    The target is made by the renderer from validated keys; it is checked again here,
    and kept a relative `.md`/file path so `mkdocs build --strict` verifies it. Remembered:
    the index pages of 10,000 papers write the same paper link up to a dozen times (276,000
    links on one update).
    """
    if not link.target:
        return text(link.text)          # nothing to link to: plain text
    if not RELATIVE_DOC.match(link.target):
        raise ValueError(f"not a relative docs link: {link.target!r}")
    target = link.target + (f"#{anchor(link.anchor)}" if link.anchor else "")
    return Safe(f"[{text(link.text) or text(link.target)}]({target})")


def path_segment(value: str) -> Safe:
    """A paper or theme slug used in a file path or URL; anything else is a bug."""
    if not isinstance(value, str) or not PATH_SEGMENT.match(value):
        raise ValueError(f"not a safe path segment (expected [A-Za-z0-9_-]): {value!r}")
    return Safe(value)


def anchor(value: str) -> Safe:
    """An element id made by the renderer (see `anchor_ids`); validated like a key."""
    return path_segment(value)


def http_url(value: str | None) -> Safe | None:
    """An http(s) URL from the corpus, HTML-escaped for an href; None for anything else.

    `javascript:`, `data:`, relative and scheme-less values are rejected, as are values
    with whitespace or control characters (they are not URLs a maintainer meant).
    """
    if not value or not isinstance(value, str):
        return None
    candidate = value.strip()
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return Safe(html.escape(candidate, quote=True))


def arxiv_url(value: str | None) -> Safe | None:
    if not value or arxiv_id(value) != value:
        return None
    return http_url(f"https://arxiv.org/abs/{value}")


def doi_url(doi: str | None) -> Safe | None:
    if not doi or not DOI.match(doi.strip()):
        return None
    # DOI suffixes may hold any printable character: percent-encode all but the usual ones.
    return http_url("https://doi.org/" + quote(doi.strip(), safe="/:;()._-"))


def inert_html(markup: str, line_break: str = "\n") -> str:
    """HTML made by annobib's own code (chart SVG, a rendered note) with the text between
    its tags re-encoded like `text`: character references decoded, then every ASCII
    punctuation character a numeric reference, so Markdown finds no syntax in it even
    outside a raw-HTML block. Tags stay as they are. Each line break in the text becomes
    `line_break` (kept by default); putting the result on one line is the caller's step.
    """
    return "".join(piece if piece.startswith("<") else
                   _encode_punctuation(html.unescape(piece)).replace("\n", line_break)
                   for piece in _TAG.split(markup))


def svg(value: str) -> Safe:
    """Chart SVG from `render.charts`, which XML-escapes corpus text itself (its contract).

    Defence in depth: text between tags is re-encoded (`inert_html`), and the SVG is put
    on one line so no blank line can end the raw-HTML block early.
    """
    stripped = value.strip()
    if not stripped.startswith("<svg") or not stripped.endswith("</svg>"):
        raise ValueError("chart is not a single <svg> element")
    return Safe(" ".join(inert_html(stripped).splitlines()))


def slug(value: str) -> str:
    """ASCII slug of a name, for element ids ('Instant-NGP' -> 'instant-ngp', 'Łukasz' -> 'lukasz')."""
    return slugify(value)


def anchor_ids(names: list[str], prefix: str) -> dict[str, str]:
    """Stable, unique element ids for names, in sorted order ('m-nerf', 'm-nerf-2')."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        candidate = unique(f"{prefix}-{slug(name) or 'x'}", taken)
        taken.add(candidate)
        ids[name] = candidate
    return ids


# Jinja filters that mint Markup from raw text (or `join`, replaced below).
UNSAFE_JINJA_FILTERS = ("safe", "e", "escape", "forceescape", "join", "urlize", "xmlattr",
                        "tojson", "format", "indent")

FILTERS = {
    "md_link": markdown_link,
    "join": join,
    "code_block": code_block,
    "front_matter": front_matter,
    "path_segment": path_segment,
    "anchor": anchor,
    "http_url": http_url,
    "arxiv_url": arxiv_url,
    "doi_url": doi_url,
    "front_matter_text": front_matter_text,
    "meta_name": meta_name,
    "site_path": site_path,
    "json_ld": json_ld,
}

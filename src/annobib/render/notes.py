"""The curator's note, untrusted Markdown, made into inert HTML with a CommonMark renderer.

markdown-it-py with raw HTML off renders the note; only http(s), mailto and relative
links survive (anything else, `javascript:` and `data:` included, stays text), links get
`rel="nofollow noopener"`, and an image shows as its alt text (a note could otherwise
make every reader's browser fetch a tracker). The HTML then goes through the same defence as chart
SVG (`escape.inert_html`): text between tags is re-encoded so that Python-Markdown, which
reads the page after us, finds no syntax in it, and line breaks become character references
so the whole note is one raw-HTML line that no blank line can end early.
"""
from __future__ import annotations

import functools
import html
import re
from urllib.parse import urlsplit

from .escape import Safe, inert_html

ALLOWED_SCHEMES = ("http", "https", "mailto")


def allowed_link(url: str) -> bool:
    """http(s) and mailto links, and relative ones (no scheme, no '//' host)."""
    candidate = url.strip()
    if any(ord(ch) < 32 for ch in candidate):
        return False
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme.lower() in ALLOWED_SCHEMES and (parts.scheme.lower() == "mailto" or bool(parts.netloc))
    return not candidate.startswith("//") and not parts.netloc


@functools.lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    from markdown_it.common.utils import escapeHtml

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.validateLink = allowed_link

    def image_as_text(renderer, tokens, idx, options, env):
        return escapeHtml(renderer.renderInlineAsText(tokens[idx].children or [], options, env))

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow noopener")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", image_as_text)
    return md


def note_html(markdown: str) -> Safe:
    """The note as one line of inert HTML (empty for an empty or blank note)."""
    if not markdown or not markdown.strip():
        return Safe("")
    rendered = _renderer().render(markdown).strip()
    return Safe(inert_html(rendered, line_break="&#10;").replace("\n", " "))


def note_excerpt(markdown: str, length: int = 160) -> str:
    """The note's first words as plain text, one line (lists, feeds, CSL `note`, RIS `N1`)."""
    rendered = _renderer().render(markdown or "")
    plain = html.unescape(re.sub(r"<[^>]*>", " ", rendered))
    words = " ".join(plain.split())
    if len(words) <= length:
        return words
    return words[:length].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def note_text(markdown: str) -> str:
    """The whole note as plain text (search, CSL-JSON, RIS, papers.json keep the Markdown too)."""
    rendered = _renderer().render(markdown or "")
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", rendered)).split())

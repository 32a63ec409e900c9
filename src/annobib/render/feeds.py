"""Atom feeds of newly added papers, and when each paper was added.

"Added" is when an entry entered the corpus, so that two builds of the same project
write the same feeds. In order:

1. the date recorded in `corpus/added.yml` (setting `added_file`), a file the build
   writes like `corpus/themes.yml`: commit it, and dates survive shallow clones,
   squashed history and moves between .bib files;
2. else the date of the commit that first added the entry's key to `corpus/*.bib`
   (one `git log` over the corpus files);
3. else the build date (SOURCE_DATE_EPOCH when set, as reproducible builds do; else
   today, UTC), which the build then records in the file.

Feeds are Jinja templates like the pages (`feed.xml.j2`), so every value passes the
one escaping rule: numeric character references are XML too. `feed_files` writes the
site's feed and one per theme; `theme_feeds` and `home_feeds` are the links to them.
"""
from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from ..errors import BuildError
from ..models import Theme
from . import escape
from .notes import note_text
from ..organize.people import parse_name
from ..yaml_text import dump_plain_yaml, load_yaml
from .templating import render
from .views import FeedLink, Link, Site, shorten

_KEY_LINE = re.compile(r"^\+\s*@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()\"#%'=]+)\s*,")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILE_HEADER = ("# When each paper entered the corpus (YYYY-MM-DD), for the Atom feeds.\n"
               "# Written by `annobib build` from the git history (else the build date): commit it.\n")
FEEDS_DIR = "feeds"
SITE_FEED = f"{FEEDS_DIR}/all.xml"
SUMMARY_LENGTH = 400        # feed summary when there is no contribution sentence


# --------------------------------------------------------------------------- added dates

@dataclass(frozen=True)
class AddedDates:
    dates: dict[str, str]        # citation key -> YYYY-MM-DD, for every paper of the corpus
    recorded: dict[str, str]     # what the file held before this build

    @property
    def changed(self) -> bool:
        return self.dates != self.recorded


def build_date() -> str:
    stamp = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = datetime.fromtimestamp(int(stamp), timezone.utc) if stamp.isdigit() else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d")


def read_added_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BuildError(f"{path}: not valid YAML ({exc}); fix or delete it (it is rebuilt from git)") from None
    if not isinstance(loaded, dict):
        raise BuildError(f"{path}: expected 'citation key: YYYY-MM-DD' lines")
    dates = {}
    for key, value in loaded.items():
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if not _DATE.match(text):
            raise BuildError(f"{path}: {key}: expected a date YYYY-MM-DD, got {value!r}")
        dates[str(key)] = text
    return dates


def git_added_dates(root: Path, corpus_dir: str) -> dict[str, str]:
    """Citation key (lower case) -> date of the commit that first added it; {} without git."""
    try:
        done = subprocess.run(
            ["git", "log", "--reverse", "--no-color", "--no-ext-diff", "--no-renames", "-p", "--unified=0",
             "--format=%x01%ct", "--", f"{corpus_dir.rstrip('/')}/*.bib"],
            cwd=root, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120)
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0:
        return {}
    dates: dict[str, str] = {}
    current = None
    for line in done.stdout.splitlines():
        if line.startswith("\x01"):
            stamp = line[1:].strip()
            current = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%d") if stamp.isdigit() else None
            continue
        match = _KEY_LINE.match(line)
        if match and current and not line.startswith("+++"):
            dates.setdefault(match.group(1).lower(), current)
    return dates


def added_dates(root: Path, added_file: str, corpus_dir: str, keys) -> AddedDates:
    """The added date of every key (see the module docstring for where each comes from)."""
    recorded = read_added_file(root / added_file)
    missing = [k for k in keys if k not in recorded]
    from_git = git_added_dates(root, corpus_dir) if missing else {}
    today = build_date()
    dates = {k: recorded.get(k) or from_git.get(k.lower()) or today for k in sorted(keys)}
    return AddedDates(dates, recorded)


def write_added_file(path: Path, added: AddedDates, log=lambda line: None) -> None:
    """Write the file when a date was added or a paper left the corpus; `log` gets one line then."""
    if not added.changed and path.is_file():
        return
    body = dump_plain_yaml(dict(sorted(added.dates.items())), allow_unicode=True, sort_keys=True,
                          default_flow_style=False, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")     # a build killed while writing leaves the old file
    tmp.write_text(FILE_HEADER + body, encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    log(f"updated {path}: commit it so the feeds keep their dates")


# --------------------------------------------------------------------------- feeds

@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    href: str
    date: str                     # RFC 3339
    authors: tuple[str, ...]
    summary: str
    category: tuple[str, str] | None = None   # (theme slug, theme label)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: str
    self_href: str
    alternate_href: str
    author: str
    entries: tuple[FeedEntry, ...]


def timestamp(date: str) -> str:
    return f"{date}T00:00:00Z"


def feed_id(site_identity: str, what: str) -> str:
    """A permanent id that needs no site_url: a name-based UUID of the site and the item."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{site_identity}#{what}')}"


def theme_feeds(theme: Theme) -> dict:
    """The theme page's feed link, and its <head> entry."""
    slug = escape.path_segment(theme.slug)
    return dict(feed=Link(f"../{FEEDS_DIR}/themes/{slug}.xml", "Atom feed of this theme"),
                feeds=(FeedLink(f"{FEEDS_DIR}/themes/{slug}.xml", f"{theme.label}: newly added papers"),))


def home_feeds(site_name: str) -> dict:
    """The home page's feed link, and its <head> entry."""
    return dict(feed=Link(SITE_FEED, "Atom feed of newly added papers"),
                feeds=(FeedLink(SITE_FEED, f"{site_name}: newly added papers"),))


def feed_files(site: Site, added: dict[str, str] | None) -> dict[str, str]:
    """The site's feed and one per theme; `added`: key -> date (missing: the build date)."""
    today = build_date()
    dates = {p.key: (added or {}).get(p.key) or today for p in site.bib.papers}
    files = {SITE_FEED: render("feed.xml.j2", feed=_feed(site, dates, None))}
    for theme in site.bib.themes:
        files[f"{FEEDS_DIR}/themes/{theme.slug}.xml"] = render("feed.xml.j2", feed=_feed(site, dates, theme))
    return files


def _feed(site: Site, added: dict[str, str], theme: Theme | None) -> Feed:
    settings = site.settings
    keys = list(theme.papers) if theme else [p.key for p in site.bib.papers]
    by_title = sorted(keys, key=lambda k: (site.titles[k].lower(), k))
    ordered = sorted(by_title, key=lambda k: (added[k], site.papers[k].year or 0), reverse=True)
    entries = tuple(_feed_entry(site, added, k, depth=2 if theme else 1) for k in ordered[:settings.render_feed_entries])
    latest = max(added.values(), default="1970-01-01")
    if theme:
        path = f"{FEEDS_DIR}/themes/{theme.slug}.xml"
        title, alternate = f"{settings.site_name}: {theme.label}", f"themes/{theme.slug}/"
        subtitle = theme.description or f"Papers newly added to the theme {theme.label}."
    else:
        path, title, alternate = SITE_FEED, f"{settings.site_name}: newly added papers", ""
        subtitle = "Papers newly added to the bibliography, newest first."
    updated = max((added[k] for k in keys), default=latest)
    return Feed(
        id=feed_id(_identity(site), path),
        title=title,
        subtitle=subtitle,
        updated=timestamp(updated),
        self_href=_href(site, path, path),
        alternate_href=_href(site, alternate, path),
        author=settings.site_author or settings.site_name,
        entries=entries,
    )


def _feed_entry(site: Site, added: dict[str, str], key: str, depth: int) -> FeedEntry:
    paper = site.papers[key]
    note = site.annotation(key)
    summary = (note.summary if paper.has_abstract else "") or shorten(paper.abstract_text, SUMMARY_LENGTH)
    if paper.note:   # the curator's word first: it is what the bibliography adds
        summary = shorten(note_text(paper.note), SUMMARY_LENGTH)
    theme_slug = site.bib.theme_of.get(key)
    slug = site.paper_slug(key)
    return FeedEntry(
        id=feed_id(_identity(site), f"paper:{key}"),
        title=site.titles[key],
        href=_href(site, f"papers/{slug}/", f"{FEEDS_DIR}/themes/x.xml" if depth == 2 else SITE_FEED),
        date=timestamp(added[key]),
        authors=tuple(parse_name(raw).display for raw in paper.authors),
        summary=summary,
        category=(theme_slug, site.themes[theme_slug].label) if theme_slug else None,
    )


def _identity(site: Site) -> str:
    """What the feed and entry ids are made from: the site's URL, else its name."""
    return site.settings.site_url or site.settings.site_name


def _href(site: Site, target: str, from_file: str) -> str:
    """A link from a feed file to a site path: absolute with site_url, else relative."""
    if site.settings.site_url:
        return f"{site.settings.site_url.rstrip('/')}/{target}"
    if target == from_file:
        return from_file.rsplit("/", 1)[-1]
    return "../" * from_file.count("/") + target

"""Fields that never leave the user's machine: one list, applied once, on the way in.

A site is public by design; a reference manager's export is not. The fields below are
left out of `Paper.fields` when an entry is read, so no output (Cite block, the paper,
theme and all `.bib` files, RIS, CSL-JSON, `papers.json`, JSON-LD, Highwire tags, feeds,
search) can carry them: there is no second place to forget. The user's `.bib` files are
never changed; `annobib enrich` reads `file` from the raw entries itself.

Why each is private (what the exporters write, looked up in real exports):

- local files and links: `file` (Zotero, Better BibTeX, Mendeley, JabRef: paths with the
  account name and folder layout), `pdf`, `local-url` (Papers, BibDesk), `bdsk-file-*`
  (BibDesk: an alias of a local path), `localfile`;
- reading notes (the curator's own, often private): `annote` (BibTeX, Mendeley),
  `annotation` (BibLaTeX, Zotero / Better BibTeX), `comment` and `comment-<user>`
  (JabRef 5 writes one per user). Published only with `publish_field_notes: true`;
  a note written for the site goes in `notes/<key>.md` instead;
- bookkeeping of the reference manager: `owner`, `timestamp`, `creationdate`,
  `modificationdate` (JabRef), `date-added`, `date-modified` (BibDesk, Papers),
  `groups`, `ranking`, `readstatus`, `printed`, `priority`, `qualityassured`,
  `relevance` (JabRef), `mendeley-tags`, `mendeley-groups` (Mendeley), `read`,
  `rating` (Papers), `zotero-key`.

`private_fields` in annobib.yml adds names (or `prefix-*` patterns) to the list;
`public_fields` takes names off it (e.g. `public_fields: [timestamp]`).
"""
from __future__ import annotations

import fnmatch
import functools
from collections import Counter
from dataclasses import dataclass

NOTE_FIELDS = ("annote", "annotation", "comment", "comment-*")
LOCAL_FILE_FIELDS = ("file", "pdf", "local-url", "localfile", "bdsk-file-*")
BOOKKEEPING_FIELDS = (
    "owner", "timestamp", "creationdate", "modificationdate", "date-added", "date-modified",
    "groups", "ranking", "readstatus", "printed", "priority", "qualityassured", "relevance",
    "mendeley-tags", "mendeley-groups", "read", "rating", "zotero-key",
)
DEFAULT_PRIVATE_FIELDS = LOCAL_FILE_FIELDS + NOTE_FIELDS + BOOKKEEPING_FIELDS


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@dataclass(frozen=True)
class PrivacyRule:
    """Which field names stay private; `publish_notes` lets the note fields through."""

    private: tuple[str, ...] = DEFAULT_PRIVATE_FIELDS
    public: tuple[str, ...] = ()
    publish_notes: bool = False

    @classmethod
    def from_settings(cls, settings) -> "PrivacyRule":
        return cls(private=DEFAULT_PRIVATE_FIELDS + tuple(f.lower() for f in settings.private_fields),
                   public=tuple(f.lower() for f in settings.public_fields),
                   publish_notes=settings.publish_field_notes)

    def is_note(self, name: str) -> bool:
        return _matches(name, NOTE_FIELDS)

    def is_private(self, name: str) -> bool:
        return _is_private(self, name)


@functools.lru_cache(maxsize=4096)
def _is_private(rule: PrivacyRule, name: str) -> bool:
    """Decided once per field name and rule: a corpus repeats a few dozen names in every
    entry, and matching each against every pattern took a second at 10,000 entries."""
    if _matches(name, rule.public) or (rule.publish_notes and rule.is_note(name)):
        return False
    return _matches(name, rule.private)


def private_field_counts(papers) -> Counter:
    """Field name -> number of entries that carried it (and had it left out)."""
    return Counter(name for paper in papers for name in paper.private_fields)


def private_fields_notice(papers) -> str | None:
    """The one-line report of `check` and `build` on the private fields left out; None
    when no entry carried one."""
    carrying = sum(bool(p.private_fields) for p in papers)
    if not carrying:
        return None
    counts = private_field_counts(papers)
    listed = ", ".join(f"{name} {count}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f"private fields: {carrying} entr{'y' if carrying == 1 else 'ies'} carry fields that stay "
            f"on this machine and are left out of the site ({listed}); "
            "change the list with private_fields / public_fields in annobib.yml")

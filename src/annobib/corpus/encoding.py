"""Decode a .bib file whatever encoding its maintainer's tools saved it in.

Real exports are not all UTF-8. JabRef 2.x saved in the platform's encoding and said so
in a header (`% Encoding: ISO8859_1`, `Cp1252`, `windows-1252`; versions up to 2.2 wrote
it without the `%`), KBibTeX writes `@Comment{x-kbibtex-encoding=...}`, Windows tools
may start a file with a byte-order mark, and hand-kept files of European authors are
often Latin-1 with no mark at all. Refusing such a file loses every paper in it, so it
is read in the encoding it declares, else as UTF-8, else in the encoding a detector
(charset-normalizer) names with confidence, else as the Western encoding that old .bib
files nearly always are; `encoding_problems` gives the one warning naming it.

A UTF-8 file with a few bad bytes (one pasted Latin-1 word) is read as UTF-8 with
U+FFFD for each bad byte, so that a stray byte costs no entry, and each damaged entry
is named. This module returns values and never prints.
"""
from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Problem

# JabRef's header, before the first entry: "% Encoding: ISO8859_1" ("%" absent up to JabRef 2.2).
_JABREF_HEADER = re.compile(rb"^[ \t]*%?[ \t]*Encoding:[ \t]*([A-Za-z0-9_.:-]+)[ \t]*\r?$", re.M)
_KBIBTEX_HEADER = re.compile(rb"@comment\s*[{(]\s*x-kbibtex-encoding\s*=\s*([A-Za-z0-9_.:-]+)\s*[})]", re.I)
_FIRST_ENTRY = re.compile(rb"^[ \t]*@(?!comment)", re.M | re.I)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_C1 = re.compile(rb"[\x80-\x9f]")
_BAD_BYTE = re.compile("[\udc80-\udcff]")          # a byte that is not UTF-8, as surrogateescape keeps it
_WESTERN = frozenset({"iso8859-1", "cp1252", "iso8859-15"})
_ENTRY_HEAD = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s{}()=]*)", re.M)
_NOT_ENTRIES = frozenset({"string", "comment", "preamble"})
_SAVE_AS_UTF8 = "save the file as UTF-8 to silence this"


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was read.

    how: "utf-8" (nothing to say unless `why` says a declaration was wrong), "bom",
    "declared", "detected", "guessed" (read in `encoding`), or "repaired" (UTF-8 but for
    the bytes in `bad`, each now U+FFFD).
    """

    text: str
    encoding: str                   # Python's codec name of what was used
    how: str = "utf-8"
    why: str = ""                   # the reason shown in the warning
    line: int = 1                   # line of the declaration (1 when there is none)
    bad: tuple[tuple[int, int], ...] = ()   # (line, byte) of each byte that is not UTF-8


def decode_bib(data: bytes) -> Decoded:
    """The text of a .bib file's bytes, read in the first of these that holds: a
    byte-order mark; valid UTF-8; UTF-8 but for a few bytes; the declared encoding; a
    clearly detected one; Windows-1252 / ISO-8859-1."""
    bom = _from_bom(data)
    if bom is not None:
        return bom
    declared = _declaration(data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", why=_stale_declaration(declared, data),
                       line=declared[2] if declared else 1)
    except UnicodeDecodeError:
        pass
    found = _mostly_utf8(data) or (declared and _from_declaration(data, *declared))
    if found:
        return found
    found = _detected(data)
    if declared and declared[0].startswith("utf"):   # declared UTF-8, and it is not: say so
        found = replace(found, why=f"{found.why}; {declared[1]} declares {encoding_label(declared[0])}, wrongly",
                        line=declared[2])
    return found


def read_bib_text(path: Path) -> str:
    """A .bib file's text as the loader reads it (for code that needs its lines)."""
    return decode_bib(path.read_bytes()).text


def encoding_label(codec: str) -> str:
    """'cp1252' -> 'Windows-1252', 'latin_1' -> 'ISO-8859-1': the names users know."""
    name = codecs.lookup(codec).name
    if re.fullmatch(r"cp125\d", name):
        return "Windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "ISO-8859-" + name[len("iso8859-"):]
    return {"utf-8-sig": "UTF-8", "mac-roman": "Mac OS Roman", "ascii": "ASCII"}.get(name, name.upper())


def encoding_problems(file: str, decoded: Decoded) -> list[Problem]:
    """What the maintainer should fix: one warning for a file not in UTF-8 (or with a
    wrong declaration), naming the encoding used, and one per entry holding a byte that
    is not UTF-8."""
    if decoded.how == "repaired":
        return _damaged_entries(file, decoded)
    if decoded.how == "utf-8":
        return [Problem(file, decoded.line, "", decoded.why, "warning")] if decoded.why else []
    read_as = f"read as {encoding_label(decoded.encoding)} ({decoded.why})"
    if decoded.how in ("detected", "guessed"):
        read_as = "not UTF-8: " + read_as
    return [Problem(file, decoded.line, "", f"{read_as}; {_SAVE_AS_UTF8}", "warning")]


# --- the ways a file says or shows its encoding ------------------------------------------

def _from_bom(data: bytes) -> Decoded | None:
    """A byte-order mark is the strongest statement a file can make (UTF-16 needs one)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return Decoded(text, "utf-8") if codec == "utf-8-sig" else Decoded(text, codec, "bom", "byte-order mark")
    return None


def _declaration(data: bytes) -> tuple[str, str, int] | None:
    """(codec, who declared it, line) from JabRef's header or KBibTeX's comment.

    JabRef's header is looked for only before the first entry, where JabRef writes it:
    an abstract may well hold the words 'Encoding: X'."""
    head = data[:4096]
    first_entry = _FIRST_ENTRY.search(head)
    for pattern, who, text in ((_JABREF_HEADER, "JabRef's '% Encoding:' header",
                                head[: first_entry.start()] if first_entry else head),
                               (_KBIBTEX_HEADER, "KBibTeX's 'x-kbibtex-encoding' comment", head)):
        match = pattern.search(text)
        codec = _codec(match.group(1).decode("ascii")) if match else None
        if codec:
            return codec, who, text[: match.start()].count(b"\n") + 1
    return None


def _codec(name: str) -> str | None:
    """Python's codec for a Java or IANA charset name (JabRef writes Java's: 'Cp1252')."""
    for candidate in (name, name.removeprefix("x-"), name.replace("_", "-")):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def _from_declaration(data: bytes, codec: str, who: str, line: int) -> Decoded | None:
    """The declared encoding, if the bytes decode in it. A file declared ISO-8859-1 that
    holds bytes 0x80-0x9F is Windows-1252: those are control codes in ISO-8859-1 and the
    curly quotes and dashes of pasted text in Windows-1252 (browsers read such pages so)."""
    if codec.startswith("utf"):
        return None   # declared UTF-8 (or 16/32 without a mark) and the bytes are not: not to be trusted
    why = f"declared by {who}"
    if codec == "iso8859-1" and _C1.search(data):
        codec, why = "cp1252", (f"{who} declares ISO-8859-1, but the file has bytes 0x80-0x9F, "
                                "which are letters and punctuation only in Windows-1252")
    try:
        return Decoded(data.decode(codec), codec, "declared", why, line)
    except UnicodeDecodeError:
        return None


def _stale_declaration(declared: tuple[str, str, int] | None, data: bytes) -> str:
    """A file that is valid UTF-8 and holds letters beyond ASCII is UTF-8, whatever its
    header says (Latin-1 text is practically never valid UTF-8): say the header is wrong."""
    if declared is None or declared[0] in ("utf-8", "ascii") or data.isascii():
        return ""
    return (f"{declared[1]} declares {encoding_label(declared[0])}, but the file is UTF-8: read as UTF-8; "
            "correct or remove the declaration")


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 but for a few bytes: at least as many valid multi-byte characters as bad
    bytes (a Latin-1 or Windows-1252 file has next to none). Each bad byte becomes U+FFFD."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    found = list(_BAD_BYTE.finditer(escaped))
    good = sum(1 for c in escaped if c > "\x7f") - len(found)
    if not good or good < len(found):
        return None
    lines = _line_numbers(escaped, [m.start() for m in found])
    bad = tuple((line, ord(m.group()) - 0xDC00) for line, m in zip(lines, found))
    return Decoded(_BAD_BYTE.sub("\ufffd", escaped), "utf-8", "repaired", bad=bad)


def _detected(data: bytes) -> Decoded:
    """charset-normalizer's answer when it is a clear one; otherwise Western.

    Mostly-ASCII text fits many single-byte encodings equally well, and the detector then
    ranks Windows-1250 (Central European) first even for plain German or French. So a tie
    that includes a Western encoding is read as Western, and only a single clear winner of
    another family (a Polish file in Windows-1250, say) is taken as it is. The detector's
    own search for 'encoding: X' in the text is off: declarations are `_declaration`'s,
    and an abstract may say anything."""
    from charset_normalizer import from_bytes   # here: only a file that is not UTF-8 needs it

    matches = list(from_bytes(data, preemptive_behaviour=False))
    if not matches:
        return _western(data, "guessed")
    best, codec = matches[0], _codec(matches[0].encoding)
    ties = [m for m in matches if m.chaos <= best.chaos + 0.01]
    named = {_codec(name) for m in ties for name in m.could_be_from_charset}
    if named & _WESTERN:
        return _western(data, "detected", codec if codec in _WESTERN else "iso8859-1")
    if len(ties) == 1 and best.chaos <= 0.1 and codec:
        try:
            return Decoded(data.decode(codec), codec, "detected", "detected")
        except UnicodeDecodeError:
            pass
    return _western(data, "guessed")


def _western(data: bytes, how: str, codec: str = "iso8859-1") -> Decoded:
    """ISO-8859-1 (or -15), or Windows-1252 when bytes 0x80-0x9F occur: in ISO-8859-1
    they are control codes, in Windows-1252 the curly quotes and dashes of pasted text."""
    why = ("detected" if how == "detected"
           else "no encoding is declared or clearly detected; the usual one of older .bib files")
    if _C1.search(data):
        try:
            return Decoded(data.decode("cp1252"), "cp1252", how, why)
        except UnicodeDecodeError:
            pass   # one of the five bytes Windows-1252 leaves undefined: ISO-8859-1 reads every byte
    return Decoded(data.decode(codec), codec, how, why)


# --- damaged entries ----------------------------------------------------------------------

def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """The 1-based line of each offset (in increasing order), counting the text once."""
    lines, line, done = [], 1, 0
    for offset in offsets:
        line += text.count("\n", done, offset)
        done = offset
        lines.append(line)
    return lines


def _damaged_entries(file: str, decoded: Decoded) -> list[Problem]:
    """One warning per entry that holds a byte that is not UTF-8, at the line of its '@'
    and naming its key; a bad byte outside any entry (before the first, or in an @string,
    @comment or @preamble) is named at its own line."""
    found = list(_ENTRY_HEAD.finditer(decoded.text))
    starts = _line_numbers(decoded.text, [m.start() for m in found])
    groups: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for line, byte in decoded.bad:
        index = bisect.bisect_right(starts, line) - 1       # the last '@' at or before the byte
        inside = index >= 0 and found[index].group(1).lower() not in _NOT_ENTRIES
        where = (starts[index], found[index].group(2)) if inside else (line, "")
        groups.setdefault(where, []).append((line, byte))
    problems = []
    for (line, key), places in groups.items():
        by_line: dict[int, list[str]] = {}
        for at, byte in places:
            by_line.setdefault(at, []).append(f"0x{byte:02x}")
        said = ", ".join(f"{', '.join(hexes)} at line {at}" for at, hexes in by_line.items())
        message = (f"byte {said} is not UTF-8; shown as U+FFFD; fix the character in the file" if len(places) == 1
                   else f"bytes {said} are not UTF-8; each shown as U+FFFD; fix the characters in the file")
        problems.append(Problem(file, line, key, message, "warning"))
    return problems

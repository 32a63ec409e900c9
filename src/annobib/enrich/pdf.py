"""The abstract printed on the first pages of a paper's PDF (pdfminer.six, MIT licence).

    found = extract_abstract(Path("paper.pdf"))      # PdfAbstract(text, source, page) or None

How it reads a page: pdfminer's text boxes (also inside form XObjects, as the ACL
Anthology's stamped pages hold them) are put in reading order: a box crossing the
middle of the page spans it; boxes left or right of the middle are the two columns,
read left then right between two spanning boxes. The abstract is the text after an
"Abstract" heading (also ABSTRACT, A B S T R A C T, Summary, Zusammenfassung, Résumé,
Resumen, run-in "Abstract." / "Abstract—" / "Abstract:"), up to the first of: a
"Keywords" / "Index Terms" / "CCS Concepts" line, the first section heading
("Introduction", "1 Introduction", "I. INTRODUCTION"), a licence or copyright line,
text in a larger type, or 700 words. Lines in a much smaller type inside it (footnotes
at the foot of a column) are left out. Words hyphenated at a line end are joined
("esti-" + "mation" -> "estimation") unless the document writes them with the hyphen
elsewhere ("state-of-the-art").

Cover pages (JSTOR, institutional repositories, HAL, preprint series) are recognised by
their boilerplate and skipped when they hold no abstract. A PDF without an abstract
heading gives the first paragraphs of its body instead, marked `source="pdf-body"`.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import MissingExtra, PdfUnreadable   # PdfUnreadable importable from here too

MAX_PAGES = 3              # an abstract is on the first page, or the second after a cover page
MAX_WORDS = 700            # longer is not an abstract: cut at the last sentence end before this
BODY_WORDS = 120           # the body fallback takes whole paragraphs until it has this many words
BODY_MAX_WORDS = 320
SOURCE_HEADING = "pdf"
SOURCE_BODY = "pdf-body"

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
              "\u00ad": "", "\u2010": "-", "\u2011": "-", "\u00a0": " ", "\u2002": " ", "\u2003": " ",
              "\u2009": " ", "\u200b": ""}
_CID = re.compile(r"\(cid:\d+\)")
_ABSTRACT_WORDS = (r"a\s?b\s?s\s?t\s?r\s?a\s?c\s?t|summary|zusammenfassung|kurzfassung|r[ée]sum[ée]|resumen|resumo"
                   r"|riassunto|samenvatting|sammanfattning|streszczenie|abstrakt|аннотация|tiivistelmä|özet")
# The heading alone on its line ("Abstract", "ABSTRACT", "Abstract:", "A B S T R A C T").
_HEADING_ALONE = re.compile(rf"^(?:{_ABSTRACT_WORDS})\s*[.:—–-]?$", re.I)
# A run-in heading: "Abstract. We ...", "Abstract—We ...", "ABSTRACT: ...", "Résumé. Une ...".
_HEADING_RUN_IN = re.compile(rf"^(?:{_ABSTRACT_WORDS})\s*(?:[.:—–]|-{{1,2}}|\s-\s)\s*(?=\S)", re.I)
# "Abstract We ..." without punctuation: only when the heading is in capitals or in another font.
_HEADING_BARE = re.compile(rf"^(?:{_ABSTRACT_WORDS})\s+(?=[A-Z])", re.I)
_SECTION_WORDS = (r"introduction|einleitung|einführung|introducción|introduzione|introdução|inleiding|"
                  r"background|motivation|overview|preliminaries|related work|methods?|materials and methods")
_SECTION_NUMBER = r"(?:\d{1,2}\.?|[IVX]{1,4}\.)\s*"
# The first section: "Introduction", "1 Introduction", "1. INTRODUCTION", "I. INTRODUCTION".
_SECTION_ALONE = re.compile(rf"^(?:{_SECTION_NUMBER})?(?:{_SECTION_WORDS})\s*[.:]?$", re.I)
_SECTION_NUMBERED = re.compile(rf"^(?:1\.?|I\.)\s*(?:{_SECTION_WORDS})\b", re.I)
_NUMBERED_HEADING = re.compile(r"^(?:1\.?|I\.)\s+[A-Z][\w-]*(?:\s+[\w-]+){0,6}$")
# Lines after which the abstract is over, whatever follows.
_ENDS = re.compile(
    r"^(?:key\s?words?|index\s+terms|mots[- ]cl[ée]s|schl[üu]sselw[öo]rter|schlagw[öo]rter|stichw[öo]rter|"
    r"palabras\s+clave|parole\s+chiave|trefwoorden|ccs\s+concepts|acm\s+reference\s+format|"
    r"categories\s+and\s+subject\s+descriptors|general\s+terms|additional\s+key\s+words|jel\b|msc\b|pacs\b|"
    r"subjects?\s*[:.]|article\s+history|author\s+summary|significance\s+statement|highlights\b|graphical\s+abstract|"
    r"citation\s*:|editor\s*:|academic\s+editor|received\b|accepted\b|published\b|submitted\b|"
    r"copyright\b|©|\(c\)\s*\d{4}|permission\s+to\s+make|this\s+(?:work|article|paper)\s+is\s+licensed|"
    r"this\s+is\s+an\s+open\s+access|open\s+access\b|\*\s*correspond|correspondence\b|e-?mail\s*:|"
    r"preprint\s+submitted|to\s+appear\s+in|proceedings\s+of\b|arxiv:\d)", re.I)
# Boilerplate that is no paragraph of the body (for the fallback).
_BOILERPLATE = re.compile(
    r"(?:creative\s+commons|open\s+access\s+article|licensee|all\s+rights\s+reserved|permission\s+to\s+make|"
    r"correspondence\s+should|corresponding\s+author|received\s+\d|accepted\s+\d|published\s+online|"
    r"academic\s+editor|copyright\s*©|©\s*\d{4}|\bdoi\s*:|https?://|@\w+\.\w+|university|institute|department)", re.I)
# What a cover page says of itself.
_COVER = re.compile(
    r"(?:this\s+content\s+downloaded\s+from|your\s+use\s+of\s+the\s+jstor|jstor\s+is\s+a\s+not-for-profit|stable\s+url|"
    r"this\s+file\s+was\s+downloaded\s+from|downloaded\s+from\s*:|may\s+be\s+the\s+author.s\s+version|"
    r"citation\s+for\s+published\s+version|link\s+to\s+publication|general\s+rights|take\s*down\s+policy|"
    r"document\s+version\s*:|hal\s+id\s*:|multi-disciplinary\s+open\s+access\s+archive|"
    r"please\s+cite\s+(?:this|the)|this\s+is\s+(?:the|an)\s+(?:accepted|author.s|submitted)|"
    r"terms\s+of\s+use|copyright\s+and\s+moral\s+rights|eprints?\b|research\s+(?:portal|repository|online)|"
    r"preprint\s+series|additional\s+copies\s+are\s+available|notice\s*:\s*this\s+is)", re.I)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass(frozen=True)
class PdfAbstract:
    text: str
    source: str         # "pdf": after an abstract heading; "pdf-body": the body's first paragraphs
    page: int           # 1-based page the text starts on


@dataclass(frozen=True)
class _Line:
    words: tuple[tuple[float, str], ...]   # (left edge, word), left to right
    x0: float
    y0: float
    x1: float
    y1: float
    size: float         # median character size
    marked: bool        # the first word is in another font than the rest (bold / small caps run-in)

    @property
    def text(self) -> str:
        return " ".join(word for _, word in self.words)

    def joined(self, other: _Line) -> _Line:
        """This line and a piece of it that pdfminer put apart, words in page order."""
        first = self if (self.words[0][0] if self.words else self.x0) <= (other.words[0][0] if other.words else other.x0) else other
        return _Line(tuple(sorted(self.words + other.words)), min(self.x0, other.x0), min(self.y0, other.y0),
                     max(self.x1, other.x1), max(self.y1, other.y1), self.size, first.marked)


@dataclass(frozen=True)
class _Block:
    lines: tuple[_Line, ...]
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def size(self) -> float:
        return statistics.median(line.size for line in self.lines)

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class _Page:
    number: int
    width: float
    height: float
    blocks: tuple[_Block, ...]       # in reading order

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


# --- public ------------------------------------------------------------------------------

def extract_abstract(path: Path, max_pages: int = MAX_PAGES) -> PdfAbstract | None:
    """The paper's abstract, or the first paragraphs of its body; None if neither is found.

    Raises PdfUnreadable for a PDF pdfminer cannot open or one without a text layer.
    """
    pages = read_pages(path, max_pages)
    if sum(len(p.text) for p in pages) < 200:
        raise PdfUnreadable("no text layer (a scanned PDF?)")
    vocabulary = _vocabulary(pages)
    for page in pages:
        found = _after_heading(pages, page.number, vocabulary)
        if found:
            return found
    return _body(pages, vocabulary)


def read_pages(path: Path, max_pages: int = MAX_PAGES) -> list[_Page]:
    """The first pages' text blocks, in reading order."""
    import logging

    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError:
        raise MissingExtra("reading PDFs needs pdfminer.six: pip install 'annobib[enrich]'") from None

    logging.getLogger("pdfminer").setLevel(logging.ERROR)   # its notes on odd colour spaces, fonts
    try:
        layouts = list(extract_pages(str(path), maxpages=max_pages, laparams=LAParams(all_texts=True)))
    except (PDFSyntaxError, OSError) as exc:
        raise PdfUnreadable(f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:   # pdfminer raises many types (encryption, bad streams, bad fonts)
        raise PdfUnreadable(f"{type(exc).__name__}: {exc}") from None
    return [_page(number, layout) for number, layout in enumerate(layouts, 1)]


# --- layout ------------------------------------------------------------------------------

def _page(number: int, layout) -> _Page:
    from pdfminer.layout import LTChar, LTFigure, LTTextBox, LTTextLine

    blocks: list[_Block] = []

    def walk(element) -> None:
        for item in element:
            if isinstance(item, LTTextBox):
                lines = []
                for line in item:
                    if not isinstance(line, LTTextLine):
                        continue
                    chars = [c for c in line if isinstance(c, LTChar)]
                    words = _words(line)
                    if not words or not chars:
                        continue
                    lines.append(_Line(words, line.x0, line.y0, line.x1, line.y1,
                                       statistics.median(c.size for c in chars), _marked(chars)))
                if lines:
                    blocks.append(_Block(_rows(lines), item.x0, item.y0, item.x1, item.y1))
            elif isinstance(item, LTFigure):
                walk(item)

    walk(layout)
    width, height = layout.width, layout.height
    blocks = [b for b in _merge_fragments(blocks, width) if not _marginal(b, width, height)]   # merge first
    return _Page(number, width, height, tuple(_reading_order(blocks, width)))


def _rows(lines: list[_Line]) -> tuple[_Line, ...]:
    """A box's lines top to bottom, pieces of one printed line (pdfminer splits a line at a
    wide justified space: "critical" ... "ingre-") joined left to right."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda l: -(l.y0 + l.y1) / 2):
        centre = (line.y0 + line.y1) / 2
        if rows and abs((rows[-1][0].y0 + rows[-1][0].y1) / 2 - centre) < 0.35 * max(line.size, rows[-1][0].size):
            rows[-1].append(line)
        else:
            rows.append([line])
    joined = []
    for row in rows:
        line = row[0]
        for piece in row[1:]:
            line = line.joined(piece)
        joined.append(line)
    return tuple(joined)


def _words(line) -> tuple[tuple[float, str], ...]:
    """The words of a pdfminer text line with the left edge of each."""
    from pdfminer.layout import LTChar

    words, current, left = [], [], 0.0
    for item in line:
        text = item.get_text()
        if not text.strip():
            if current:
                words.append((left, "".join(current)))
                current = []
            continue
        if not current:
            left = item.x0 if isinstance(item, LTChar) else (words[-1][0] + 0.01 if words else line.x0)
        current.append(text)
    if current:
        words.append((left, "".join(current)))
    cleaned = ((x, clean_text(word)) for x, word in words)
    return tuple((x, word) for x, word in cleaned if word)


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", _CID.sub("", text))
    for ligature, plain in _LIGATURES.items():
        text = text.replace(ligature, plain)
    return " ".join(text.split())


def _marked(chars) -> bool:
    """Whether the line's first word is set in another font than what follows it."""
    first = []
    for c in chars:
        if c.get_text().isspace():
            break
        first.append(c)
    rest = [c for c in chars[len(first):] if not c.get_text().isspace()]
    if not first or not rest:
        return False
    return first[0].fontname != rest[len(rest) // 2].fontname


def _marginal(block: _Block, width: float, height: float) -> bool:
    """arXiv's vertical stamp in the margin (letters one by one), narrow tall strips."""
    w, h = block.x1 - block.x0, block.y1 - block.y0
    if all(len(line.text) <= 2 for line in block.lines) and not re.fullmatch(r"[\dIVX]{1,2}\.?", block.text):
        return True     # letters one per line: vertical text
    return w < 0.06 * width and h > 0.15 * height or bool(re.match(r"arXiv:\d{4}\.\d{4,5}", block.text))


def _merge_fragments(blocks: list[_Block], width: float) -> list[_Block]:
    """Put back the pieces of a line that pdfminer cut into separate boxes.

    Justified text with wide spaces and run-in headings set in another font come out as
    one- or two-line boxes beside the line they belong to ("critical" ... "ingre-"); each
    such piece joins the line it sits on, when both are on the same side of the page's
    middle (never across the gutter of two columns)."""
    middle = width / 2
    blocks = list(blocks)
    changed = True
    while changed:
        changed = False
        for i, small in enumerate(blocks):
            if len(small.lines) > 2:
                continue
            for piece in small.lines:
                target = _line_beside(piece, blocks, i, middle)
                if target is None:
                    continue
                j, k = target
                host = blocks[j]
                line = host.lines[k]
                merged = line.joined(piece)
                lines = host.lines[:k] + (merged,) + host.lines[k + 1:]
                blocks[j] = _Block(lines, min(host.x0, piece.x0), min(host.y0, piece.y0),
                                   max(host.x1, piece.x1), max(host.y1, piece.y1))
                rest = tuple(l for l in small.lines if l is not piece)
                blocks[i] = _Block(rest, small.x0, small.y0, small.x1, small.y1) if rest else None
                changed = True
                break
            blocks = [b for b in blocks if b is not None]
            if changed:
                break
    return blocks


def _line_beside(piece: _Line, blocks: list[_Block | None], own: int, middle: float) -> tuple[int, int] | None:
    centre = (piece.y0 + piece.y1) / 2
    for j, block in enumerate(blocks):
        if j == own or block is None or len(block.lines) < 2:
            continue
        for k, line in enumerate(block.lines):
            if abs((line.y0 + line.y1) / 2 - centre) > 0.35 * line.size or abs(line.size - piece.size) > 0.2 * line.size:
                continue
            gap = max(piece.x0 - line.x1, line.x0 - piece.x1)      # < 0: inside the line (a word put apart)
            crosses = (line.x1 <= middle < piece.x0) or (piece.x1 <= middle < line.x0)
            if gap < 6 * line.size and not crosses:
                return j, k
    return None


def _reading_order(blocks: list[_Block], width: float) -> list[_Block]:
    """Spanning blocks in page order; between two of them, the left column, then the right."""
    middle = width / 2
    margin = 0.03 * width

    def spans(b: _Block) -> bool:
        return b.x0 < middle - margin and b.x1 > middle + margin

    spanning = sorted((b for b in blocks if spans(b)), key=lambda b: -b.y1)
    columns = [b for b in blocks if not spans(b)]
    ordered: list[_Block] = []
    remaining = columns
    for wide in spanning + [None]:
        top = wide.y1 if wide is not None else float("-inf")
        above = [b for b in remaining if (b.y1 + b.y0) / 2 > top]
        remaining = [b for b in remaining if (b.y1 + b.y0) / 2 <= top]
        left = sorted((b for b in above if (b.x0 + b.x1) / 2 < middle), key=lambda b: -b.y1)
        right = sorted((b for b in above if (b.x0 + b.x1) / 2 >= middle), key=lambda b: -b.y1)
        ordered += left + right
        if wide is not None:
            ordered.append(wide)
    return ordered


# --- the abstract --------------------------------------------------------------------------

def _is_cover(page: _Page) -> bool:
    return len(set(m.group(0).lower() for m in _COVER.finditer(page.text))) >= 2


def _heading(line: _Line) -> tuple[bool, str] | None:
    """(found, the text after the heading on the same line) for an abstract heading line."""
    text = line.text.strip()
    if _HEADING_ALONE.match(text):
        return True, ""
    match = _HEADING_RUN_IN.match(text)
    if match:
        return True, text[match.end():]
    match = _HEADING_BARE.match(text)
    if match and (text[:match.end()].strip().isupper() or line.marked):
        return True, text[match.end():]
    return None


def _after_heading(pages: list[_Page], start: int, vocabulary: set[str]) -> PdfAbstract | None:
    """The text after the first abstract heading on page `start` (it may run onto the next page)."""
    page = pages[start - 1]
    stream = [(p.number, block, line) for p in pages[start - 1:] for block in p.blocks for line in block.lines]
    first = next((i for i, (number, _, line) in enumerate(stream) if number == start and _heading(line)), None)
    if first is None:
        return None
    if _is_cover(page) and start < len(pages) and any(_heading(l) for b in pages[start].blocks for l in b.lines):
        return None     # a cover page's summary: the paper's own abstract follows
    _, rest = _heading(stream[first][2])
    size = stream[first + 1][2].size if not rest and first + 1 < len(stream) else stream[first][2].size
    lines: list[str] = [rest] if rest else []
    words = len(rest.split())
    previous_block = stream[first][1]
    for number, block, line in stream[first + 1:]:
        text = line.text.strip()
        content = bool(lines)
        if not text:
            continue
        if _ends(text, content, block, line):
            break
        if number != start and not content:
            break       # a heading at the foot of a page with nothing after it
        if line.size > size * 1.15 and content:
            break       # larger type: a heading or the body
        if line.size < size * 0.8:
            continue    # a footnote or a marker line in the column
        if re.fullmatch(r"[\dIVX]{1,4}\.?|[*∗†‡§¶]+", text):
            continue    # a section number set apart from its heading, a lone footnote mark
        if block is not previous_block and content and _gap_ends(lines, block, previous_block, size):
            break
        previous_block = block
        lines.append(text)
        if not content and number == start and _heading(line):
            continue
        words += len(text.split())
        if words >= MAX_WORDS:
            break
    text = _cap(join_lines(lines, vocabulary))
    if len(text.split()) < 15 or len(re.findall(r"(?:\. ?){4,}", text)) >= 2:
        return None     # nothing, or a table of contents line ("Abstract ........ iii")
    return PdfAbstract(text, SOURCE_HEADING, start)


def _ends(text: str, content: bool, block: _Block, line: _Line) -> bool:
    if _ENDS.match(text):
        return True
    if _SECTION_NUMBERED.match(text) or (_NUMBERED_HEADING.match(text) and len(block.lines) == 1):
        return True
    # An unnumbered "Introduction" / "Background" alone on its line ends the abstract; as the
    # first line after the heading it is a structured abstract's first label.
    return bool(_SECTION_ALONE.match(text)) and content


def _gap_ends(lines: list[str], block: _Block, previous: _Block, size: float) -> bool:
    """A new block far below the last one in the same column, after a finished sentence:
    the abstract was one paragraph and the body follows without a heading."""
    same_column = abs(block.x0 - previous.x0) < 2 * size
    gap = previous.y0 - block.y1
    return same_column and gap > 2.5 * size and lines[-1].rstrip().endswith((".", ")")) and \
        sum(len(line.split()) for line in lines) >= 60


def _cap(text: str) -> str:
    words = text.split()
    if len(words) <= MAX_WORDS:
        return text
    cut = " ".join(words[:MAX_WORDS])
    end = max(cut.rfind(". "), cut.rfind("."))
    return cut[: end + 1] if end > len(cut) // 2 else cut


# --- the body's first paragraphs -------------------------------------------------------------

def _body(pages: list[_Page], vocabulary: set[str]) -> PdfAbstract | None:
    """The first paragraphs of the first page that is no cover page."""
    page = next((p for p in pages if not _is_cover(p)), None)
    if page is None or not page.blocks:
        return None
    sizes = [line.size for b in page.blocks for line in b.lines for _ in range(len(line.text))]
    body_size = statistics.median(sizes) if sizes else 0
    title = max(page.blocks[: max(1, len(page.blocks) // 2)], key=lambda b: b.size)
    start = page.blocks.index(title) + 1
    chosen: list[str] = []
    words = 0
    for block in page.blocks[start:]:
        text = block.text
        if _ENDS.match(text) and chosen:
            break
        if block.words < 30 or block.size < body_size * 0.8 or _BOILERPLATE.search(text) \
                or sum(c.isalpha() for c in text) < 0.7 * len(text.replace(" ", "")):
            if chosen and block.words >= 30:
                break
            continue
        chosen += [line.text for line in block.lines]
        words += block.words
        if words >= BODY_WORDS:
            break
    text = join_lines(chosen, vocabulary)
    if len(text.split()) < 30:
        return None
    words_list = text.split()
    if len(words_list) > BODY_MAX_WORDS:
        text = _cap_words(words_list, BODY_MAX_WORDS)
    return PdfAbstract(text, SOURCE_BODY, page.number)


def _cap_words(words: list[str], limit: int) -> str:
    cut = " ".join(words[:limit])
    end = cut.rfind(". ")
    return cut[: end + 1] if end > len(cut) // 2 else cut


# --- text --------------------------------------------------------------------------------------

def _vocabulary(pages: list[_Page]) -> set[str]:
    return {w.lower() for p in pages for w in _WORD.findall(p.text)}


def join_lines(lines: list[str], vocabulary: set[str] = frozenset()) -> str:
    """Lines joined with spaces; a word split by a hyphen at a line end is joined again.

    "esti-" + "mation" -> "estimation"; "state-of-the-" + "art" keeps its hyphen (a compound
    already); "model-" + "based" keeps it when the document writes "model-based" elsewhere
    and not "modelbased".
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        match = re.search(r"([^\W\d_][\w-]*)-$", out)
        following = re.match(r"([^\W\d_][\w]*)", line)
        if match and not (following and following.group(1)[0].islower()):
            out += line          # "Lucene-" + "BM25": a hyphenated name, no space
        elif match and following:
            head, tail = match.group(1), following.group(1)
            joined, hyphened = (head + tail).lower(), f"{head}-{tail}".lower()
            keep = "-" in head or (hyphened in vocabulary and joined not in vocabulary)
            out = out[:-1] + ("-" if keep else "") + line
        else:
            out += " " + line
    return re.sub(r"\s+([,.;:)])", r"\1", out).strip()

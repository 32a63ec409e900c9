"""Method / model / dataset names in a paper's title and abstract.

spaCy's small-model NER does not know names like NeRF, PIFuHD or StyleGAN2 (it
tags them ORG, PRODUCT or nothing), so this module works from token *shapes*
and a handful of phrase rules instead:

* a name-shaped token is mixed-case (NeRF, GridFormer), all-caps (PRANC, DQN),
  letters with digits (NeuS2, VoxCeleb1) or a compound holding one (VQ-NeRF);
* a name is *introduced* when the paper coins it: the token before the title's
  colon, 'we propose X', 'we call / dub / name / term X', 'called X',
  'our method, X', 'X for short', or an acronym definition 'Long Form (ACR)'
  made in a first-person sentence ('we propose a ... (ACR)') or whose long form
  repeats the title;
* every other name-shaped token (and every other acronym definition) is
  *mentioned*, unless it is a generic field term (the vocabulary's stop-list);
* datasets come from a short curated list (the vocabulary, extendable per project) plus 'the X dataset', 'X benchmark',
  'A, B and C datasets', 'datasets such as X'.

The spaCy Doc, when given, is used only for sentence boundaries: every rule is
local to a sentence.  Without a Doc or a pipeline a regex splitter is used, so
the rules also run without the model.
"""
from __future__ import annotations

import contextvars
import re
import unicodedata
from dataclasses import dataclass

from .summary import sentence_spans
from .vocabulary import Vocabulary, default_vocabulary

__all__ = ["Names", "extract_names", "GENERIC_TERMS", "is_name_shaped"]


@dataclass(frozen=True)
class Names:
    introduced: tuple[str, ...]   # names the paper coins (its own method/model/system/dataset)
    mentioned: tuple[str, ...]    # other named methods/models it uses or compares with
    datasets: tuple[str, ...]     # named datasets / benchmarks


# The words behind the rules (stop-listed terms, venues, known datasets and multi-word
# methods) are data: `vocabulary.py` (general defaults, extended by a project's own
# vocabulary.yml). The one in force for a call of `extract_names` is this context
# variable, set by it for the duration of the call.
_VOCABULARY: contextvars.ContextVar[Vocabulary] = contextvars.ContextVar("annobib_vocabulary")


def _vocabulary() -> Vocabulary:
    return _VOCABULARY.get(None) or default_vocabulary()


# The default stop-list, for callers that ask whether a term is generic.
GENERIC_TERMS = default_vocabulary().generic_terms

# Capitalised function words inside compounds ('Virtual Try-ON'): not acronyms.
_UPPERCASE_WORDS = frozenset({"ON", "IN", "OF", "TO", "AND", "OR", "AT", "BY", "FOR", "THE", "A"})
# 'Pseudo RAndom Networks', 'DIffusion FeaTures': authors capitalise the letters an
# acronym is built from; two capitals then lower case is that, not a name.
_HIGHLIGHT_CAPITALS = re.compile(r"[A-Z]{2}[a-z]{2,}")
# Words saying a defined name belongs to earlier work, whatever the title repeats.
_OTHERS_WORK = re.compile(
    r"\b(?:recent(?:ly)?|previous(?:ly)?|prior|existing|classic(?:al)?|traditional|conventional|well-known|standard|"
    r"was (?:\w+ )?(?:introduced|proposed)|"
    r"were (?:\w+ )?(?:introduced|proposed))\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|the proposed)\b|\bthis (?:paper|work|study|article|letter|manuscript)\b|\bhere\b", re.I)
# Verbs (and naming words) that make the next name the paper's own.
_INTRO_CUE = re.compile(
    r"\b(?:we|this (?:paper|work|study|article))\s+(?:\w+\s+){0,2}?"
    r"(?:propos|introduc|present|develop|design|call|term|dub|name|build|devis|creat|construct|learn)\w*"
    r"|\b(?:introducing|proposing|presenting|called|named|termed|dubbed|coined(?: as)?|referred to as|namely)\b"
    r"|\bnovel\b|\bnew\b|\bour\b",
    re.I,
)
# Words between the cue and a definition that mean the name is borrowed, not coined.
_BORROW_MARKER = re.compile(
    r"\b(?:based on|such as|e\.g\.|i\.e\.|like|inspired by|from|using|than|over|extends?|built on|borrow\w*|compared|follow\w*|existing|previous|prior|"
    r"tackl\w*|address\w*|solv\w*|organi[sz]ed)\b",
    re.I,
)
_NAMING_VERB = re.compile(
    r"\b(?:we (?:call|dub|name|term)(?: (?:it|this|them|this \w+))?|called|named|termed|dubbed|"
    r"coined(?: as)?|referred to as|namely)\s+(?:as\s+)?(?:an?\s+|the\s+)?",
    re.I,
)
_PROPOSE_VERB = re.compile(
    r"\b(?:we (?:propose|introduce|present|develop|devise|design|build|create)|this (?:paper|work|study) (?:proposes|introduces|presents))\s+(?:the\s+)?",
    re.I,
)
_OUR_APPOSITIVE = re.compile(
    r"\bour (?:proposed |novel |new )?(?:method|model|framework|approach|architecture|network|system|algorithm|pipeline|technique|representation),\s+",
    re.I,
)
_CUE_APPOSITIVE = re.compile(
    r"\b(?:we (?:propose|introduce|present|develop|devise|design|build|create)|this (?:paper|work|study) (?:proposes|introduces|presents))"
    r"\s+(?:a|an)\s+[^,;:.()]{3,80}?,\s+",
    re.I,
)
_FOR_SHORT = re.compile(r"([^\s,;()]+) for short\b")
_DATASET_WORD = re.compile(r"\b(?:datasets?|benchmarks?|corpus|corpora)\b", re.I)

_TOKEN = re.compile(r"[A-Za-z0-9][\w'’²³·.+\-]*[\w²³+]|[A-Za-z0-9]")
_URL = re.compile(r"(?:https?\s*:\s*/\s*/|www\.|bit\.ly/)\S*|\S+\.github\.io\S*|\S+\.(?:com|org|edu)/\S*")
_NUMBER_LIKE = re.compile(r"\d+(?:[.,]\d+)*(?:[xX×]\d*|[DdKkMmBbGg]|st|nd|rd|th|dB|fps|hz|Hz)?")


# ----------------------------------------------------------------- token shapes

def _part_is_name_shaped(part: str) -> bool:
    letters = [c for c in part if c.isalpha()]
    if len(letters) == 0 or re.fullmatch(r"\d+[A-Z]", part) or part in _UPPERCASE_WORDS:
        return False
    if _HIGHLIGHT_CAPITALS.fullmatch(part):
        return False
    if any(c.isupper() for c in part[1:]):          # NeRF, GAN, S²fM, 3DHumanGAN
        return len(letters) >= 2 or any(c.isdigit() for c in part)
    if any(c.isdigit() for c in part) and part[0].isupper():   # Flow4D-like: Cats2? keep rare shapes
        return len(letters) >= 2
    return bool(re.fullmatch(r"[a-z]{2,}\d[a-z]{2,}", part))   # node2vec, word2vec


def _strip_lowercase_tail(token: str) -> str:
    """'NeRF-based' -> 'NeRF', 'CNN-generated' -> 'CNN': the tail is a modifier, not the name."""
    parts = token.split("-")
    while len(parts) > 1 and re.fullmatch(r"[a-z]{3,}", parts[-1]) and _part_is_name_shaped("-".join(parts[:-1])):
        parts.pop()
    return "-".join(parts)


def is_name_shaped(token: str) -> bool:
    """True for NeRF, PIFuHD, StyleGAN2, VQ-NeRF, node2vec, CIFAR-10; False for words, numbers, 3D."""
    if not token or "_" in token or _NUMBER_LIKE.fullmatch(token):
        return False
    if len(token) > 24 and "-" not in token:   # words glued by a broken capture, not a name
        return False
    if re.fullmatch(r"\d+[A-Z]", token):            # 3D, 4D, 12X
        return False
    if re.fullmatch(r"[A-Z]-[A-Z][a-z]+", token):   # U-Net, K-Planes
        return True
    parts = [p for p in re.split(r"[-·]", token) if p]
    return any(_part_is_name_shaped(p.rstrip("+")) for p in parts)


def _clean_token(raw: str) -> str:
    token = raw.strip(".-'’")
    token = re.sub(r"['’]s$", "", token)            # possessive: DeepWalk's
    return _strip_lowercase_tail(token)


def _singular(token: str, vocabulary: set[str]) -> str:
    """'NeRFs' -> 'NeRF', 'INRs' -> 'INR'; 'ControlNets' -> 'ControlNet' only if the singular occurs."""
    if len(token) > 2 and token.endswith("s") and not token.endswith("ss"):
        stem = token[:-1]
        if stem[-1].isupper() or stem[-1].isdigit() or stem in vocabulary:
            return stem
    return token


def _is_generic(name: str) -> bool:
    """Stop-listed, '3D', or a stop-listed term with lower-case words hyphened on ('single-MLP')."""
    generic = _vocabulary().generic_terms
    if name.lower() in generic or re.fullmatch(r"\d+D", name):
        return True
    parts = name.split("-")
    return len(parts) > 1 and all(p.lower() in generic or re.fullmatch(r"[a-z]+|\d+D", p) for p in parts)


# ----------------------------------------------------------------- text plumbing

# Structured-abstract headings ('RESULTS:', 'Background.') and citation tags ('[ZRKB21]',
# '[12, 14]') are never names; units and PDF mojibake ('12Њ' for 12°) neither.
_HEADING = re.compile(r"(?:^|(?<=[.;:\n]))\s*[A-Z][A-Za-z]+(?:\s+(?:(?:and|AND|&)\s+)?[A-Z][A-Za-z]+){0,3}\s*[:.](?=\s)")
# Units of measurement: 'mM', 'nM', 'kDa', 'mmol/L', 'µg/mL' are no names.
_UNIT = re.compile(r"[munpfµkMG]?(?:M|mol|g|L|l|m|s|Hz|Da|V|W|J|Pa|bp)(?:/[munpµk]?(?:L|l|g|kg|m|s|min|h|d))?")
_CITATION_TAG = re.compile(r"\[(?=[^\]]*\d)[^\]\n]{1,60}\]")


def _mask_urls(text: str) -> str:
    """Blank out URLs, structured-abstract headings and citation tags with spaces, keeping
    character offsets (the Doc's offsets stay valid)."""
    text = _URL.sub(lambda m: " " * len(m.group()), text)
    text = _CITATION_TAG.sub(lambda m: " " * len(m.group()), text)
    return _HEADING.sub(lambda m: " " * len(m.group()) if _is_heading(m.group()) else m.group(), text)


def _is_heading(found: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z]+", found) if w.lower() != "and"]
    return bool(words) and all(w.lower() in _vocabulary().generic_terms for w in words)


def _one_script(name: str) -> bool:
    """Letters from one script only (Greek beside Latin is science: Aβ42), at least two of
    them, and no unit: '12Њ' (mojibake for 12°), 'Ω1', 'mM', 'mmol/L' are no names."""
    scripts = {unicodedata.name(c, "?").split()[0] for c in name if c.isalpha()}
    if "LATIN" in scripts:
        scripts.discard("GREEK")
    return len(scripts) == 1 and sum(c.isalpha() for c in name) >= 2 and not _UNIT.fullmatch(name)


class _Collector:
    """Ordered, case-insensitive set of names with the position each was first seen."""

    def __init__(self):
        self.first_seen: dict[str, tuple[int, str]] = {}

    def add(self, name: str, position: int) -> None:
        name = name.strip()
        if not name or _is_generic(name) or not _one_script(name):
            return
        key = name.lower()
        if key not in self.first_seen or position < self.first_seen[key][0]:
            self.first_seen[key] = (position, name)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.first_seen

    def ordered(self) -> tuple[str, ...]:
        return tuple(name for _, name in sorted(self.first_seen.values()))


# ----------------------------------------------------------------- acronym definitions

def _long_form(short: str, before: str) -> str | None:
    """Schwartz & Hearst (2003): the shortest tail of `before` whose letters spell `short`."""
    letters = [c.lower() for c in short if c.isalpha()]   # digits are rarely spelled out: D2C, GNN4TS
    if len(letters) < 2:
        return None
    words = before.split()
    window = " ".join(words[-min(len(letters) + 5, 2 * len(letters)):])
    s_index, l_index = len(letters) - 1, len(window) - 1
    while s_index >= 0:
        char = letters[s_index]
        while l_index >= 0 and (
            window[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and window[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = window.rfind(" ", 0, l_index + 1) + 1
    return window[start:].strip()


@dataclass
class _Definition:
    short: str
    long: str | None
    position: int           # where the short form sits in the abstract
    long_start: int         # where the defining phrase starts (for cue checks)
    long_span: tuple[int, int]   # the long form's characters: no mentions are read there


_PAREN = re.compile(r"\(\s*([^()]{1,60}?)\s*\)")


def _definitions(text: str) -> list[_Definition]:
    """'Long Form (ACR)' and the reversed 'ACR (Long Form)'."""
    found = []
    for match in _PAREN.finditer(text):
        inside = match.group(1).strip().strip("\"'“”")
        before = text[max(0, match.start() - 200):match.start()].rstrip()
        if " " not in inside and is_name_shaped(_clean_token(inside)):
            long = _long_form(inside, before)
            tail = long if long else " ".join(before.split()[-6:])
            long_start = match.start() - len(tail) - 1
            found.append(_Definition(_clean_token(inside), long, match.start() + 1, long_start, (long_start, match.start())))
            continue
        previous = re.search(r"([^\s()]+)\s*$", before)
        if previous and " " in inside and is_name_shaped(_clean_token(previous.group(1))):
            short = _clean_token(previous.group(1))
            if _long_form(short, inside):
                start = match.start() - len(before) + previous.start()
                found.append(_Definition(short, inside, start, start, (match.start(), match.end())))
    return found


def _content_words(phrase: str) -> set[str]:
    words = re.findall(r"[a-z]+", phrase.lower())
    return {w.rstrip("s") for w in words if len(w) > 2 and w not in {"for", "and", "the", "with", "via", "of"}}


def _long_form_repeats_title(long: str | None, title: str) -> bool:
    """'Liquid Time-Constant Networks (LTCs)' under the title 'Liquid Time-constant Networks'."""
    if not long:
        return False
    words = _content_words(long)
    return len(words) >= 2 and len(words & _content_words(title)) / len(words) >= 0.8


def _coined_in_sentence(text: str, sentence: tuple[int, int], start: int) -> bool:
    """True when a naming cue precedes `start` in its sentence with nothing borrowed between.

    The cue must be first person ('we propose ...'), or 'novel'/'new' in a sentence
    that does not cite earlier work ('ProNeRF is equipped with a novel projection-aware
    sampling (PAS) network').  A cue serves only the first definition after it:
    another '(...)' in between means the cue was used up.
    """
    a, b = sentence
    head = text[a:max(a, start)]
    cues = list(_INTRO_CUE.finditer(head))
    if cues:
        cue = cues[-1]
        between = head[cue.end():]
        first_person = _FIRST_PERSON.search(text[a:b])
        novelty_only = cue.group().lower() in {"novel", "new"} and not _OTHERS_WORK.search(text[a:b])
        if (first_person or novelty_only) and len(between.split()) <= 25 and not _BORROW_MARKER.search(between) \
                and ")" not in between:
            return True
    # 'A Low-Resolution Image Prior (LRIP) network is designed ...'
    return bool(re.search(r"\bis (?:designed|proposed|introduced|developed)\b", text[start:b]))


# ----------------------------------------------------------------- introduced names

def _title_name(title: str) -> str | None:
    """The coined name before the title's colon ('StyleSDF: ...'), or a trailing '(ACR)'."""
    paren = re.search(r"\(([^()\s]+)\)\s*$", title)
    if paren and is_name_shaped(paren.group(1)):
        return paren.group(1)
    if ":" not in title:
        return None
    head = title.split(":", 1)[0].strip()
    if " " not in head:
        token = _clean_token(head)
        lowercase_word = re.fullmatch(r"[a-z]+", token) is not None
        return None if lowercase_word or _is_generic(token) else token
    words = head.split()
    if len(words) > 3 or not all(w[:1].isupper() for w in words):
        return None   # a long phrase or plain words ('Knowledge distillation')
    return head   # a short name phrase: kept only if the abstract repeats it (see caller)


def _phrase_after(text: str, start: int) -> str | None:
    """The name right after a naming verb: a shaped token, a quoted name, 'X (ACR)' or 'modifier X'."""
    rest = text[start:start + 160]
    quoted = re.match(r"[\"“']([^\"”']{1,60})[\"”']", rest)
    if quoted:
        after = rest[quoted.end():]
        paren = re.match(r"\s*\(([^()\s]+)\)", after)
        return paren.group(1) if paren else quoted.group(1).strip(" ,.")
    words = []
    for match in re.finditer(r"\(([^()]*)\)|[^\s,;:.()]+(?:\.(?=\w))?[^\s,;:()]*|[,;:.]", rest):
        piece = match.group()
        if match.group(1) is not None:   # '(ACR)' after the phrase names it
            inner = match.group(1).strip()
            return _clean_token(inner) if " " not in inner and is_name_shaped(_clean_token(inner)) else _capitalised(words)
        if piece in ",;:." or len(words) >= 6:
            break
        words.append(piece)
    return _capitalised(words)


def _capitalised(words: list[str]) -> str | None:
    """Pick the name in a short phrase: 'Neural Body', 'energy GNN', '... or Sirens'."""
    for i, word in enumerate(words):
        token = _clean_token(word)
        if is_name_shaped(token) or (token[:1].isupper() and token.lower() not in {"a", "an", "the"}):
            run = [token]
            for nxt in words[i + 1:]:
                nxt = _clean_token(nxt)
                if not (nxt[:1].isupper() or is_name_shaped(nxt)):
                    break
                run.append(nxt)
            if i <= 2 and 0 < i and all(w.islower() for w in words[:i]) and _is_generic(run[-1]):
                return " ".join(words[:i] + run)        # 'an energy GNN' -> 'energy GNN'
            return " ".join(run)
    return None


def _coined_names(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Names given by naming phrases: 'we call X', 'called X', 'we propose X', 'our method, X', 'X for short'."""
    found = []
    for a, b in sentences:
        sentence = text[a:b]
        if not _FIRST_PERSON.search(sentence):
            continue
        for match in _CUE_APPOSITIVE.finditer(sentence):
            name = _appositive_name(sentence, match.end())
            if name:
                found.append((a + match.end(), name))
        for pattern in (_NAMING_VERB, _OUR_APPOSITIVE):
            for match in pattern.finditer(sentence):
                name = _phrase_after(sentence, match.end())
                if name:
                    found.append((a + match.end(), name))
        for match in _PROPOSE_VERB.finditer(sentence):
            name = _proposed_name(sentence, match.end())
            if name:
                found.append((a + match.end(), name))
        for match in _FOR_SHORT.finditer(sentence):
            found.append((a + match.start(), _clean_token(match.group(1))))
        for match in re.finditer(r"\b(?:our (?:proposed )?|the proposed )([^\s,;:.()]+)", sentence, re.I):
            token = _clean_token(match.group(1))
            if is_name_shaped(token):
                found.append((a + match.start(1), token))
    return found


def _appositive_name(sentence: str, start: int) -> str | None:
    """', NeRF-LOAM, consisting ...' / ', Neural Collages, which ...': a name set off by commas."""
    match = re.match(r"([^,;:()]{1,60}?)\s*(?:,|\(|\.|$)", sentence[start:])
    if not match:
        return None
    phrase = match.group(1).strip()
    words = phrase.split()
    if len(words) == 1 and is_name_shaped(_clean_token(phrase)):
        return _clean_token(phrase)
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        return phrase
    return None


def _proposed_name(sentence: str, start: int) -> str | None:
    """'we propose GridPull to ...', 'we propose Convolutional Occupancy Networks, a ...'."""
    rest = sentence[start:]
    token = re.match(r"[^\s,;:()]+", rest)
    if not token:
        return None
    first = _clean_token(token.group())
    if is_name_shaped(first):
        return first
    phrase = re.match(r"((?:[A-Z][\w'-]*\s+){1,4}[A-Z][\w'-]*)(?=\s*(?:,|\.|\(|\s(?:which|that|to|as|in)\b))", rest)
    if phrase:
        after = rest[phrase.end():].lstrip()
        paren = re.match(r"\(([^()\s]+)\)", after)
        return _clean_token(paren.group(1)) if paren else phrase.group(1)
    return None


# ----------------------------------------------------------------- datasets

_LIST_SEPARATOR = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _name_words(words: list[str]) -> list[str]:
    """The leading run of capitalised or name-shaped words ('MCL JVC', 'Argoverse 2')."""
    run = []
    for word in words:
        bare = word.strip(".;:")
        if "(" in word or ")" in word:
            break
        if bare[:1].isupper() or is_name_shaped(bare) or (run and re.fullmatch(r"\d+", bare)):
            run.append(bare)
        else:
            break
        if bare != word:          # the word ended a sentence or clause
            break
    return run


def _list_items(chunk: str, offset: int, backwards: bool) -> list[tuple[int, str]]:
    """Names in an enumeration 'A, B, and C', read away from the anchor word; stops at plain words."""
    items, position = [], 0
    pieces = []
    for piece in _LIST_SEPARATOR.split(chunk):
        pieces.append((chunk.index(piece, position), piece))
        position = pieces[-1][0] + len(piece)
    for start, piece in (reversed(pieces) if backwards else pieces):
        words = piece.split()
        run = list(reversed(_name_words(list(reversed(words))))) if backwards else _name_words(words)
        while run and re.fullmatch(r"\d+", run[0]):
            run.pop(0)    # '... 2024 Argoverse' keeps 'Argoverse', not '2024'
        if not run:
            break
        items.append((offset + start, " ".join(run)))
        if len(run) < len(words):
            break
    return items


def _dataset_list_before(text: str, end: int) -> list[tuple[int, str]]:
    """'on UVG, MCL JVC, and Bunny datasets' -> the names before 'datasets'."""
    start = max(0, end - 160)
    return _list_items(text[start:end].rstrip(), start, backwards=True)


def _dataset_list_after(text: str, word: re.Match) -> list[tuple[int, str]]:
    """'datasets like ImageNet', 'datasets such as X and Y', 'datasets, LLFF and Blender, respectively'."""
    rest = text[word.end():word.end() + 120]
    lead = re.match(r"\s*(?:like|such as|including|\(e\.g\.,?)\s*", rest)
    plural_list = word.group().lower().endswith("s") and re.match(r",\s*", rest)
    if not (lead or plural_list):
        return []
    lead = lead or plural_list
    items = _list_items(rest[lead.end():], word.end() + lead.end(), backwards=False)
    return items if lead is not plural_list or len(items) >= 2 else []


def _enumerated_with(text: str, known: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """'BlogCatalog, Flickr, and YouTube': the other items of a list holding a known dataset.

    Only a closed list counts: every item a bare name, the last one after 'and'/'or'
    (so 'on ImageNet, RCIG sees ...' adds nothing).
    """
    found = []
    for position, name in known:
        end = position + len(name)
        item = r"[A-Z][\w-]*(?:\.\d+)*(?:\s[A-Z0-9][\w-]*)?"
        tail = re.match(rf"(?:,\s*{item})*,?\s+(?:and|or)\s+{item}\b", text[end:end + 160])
        if not tail:
            continue
        for match in re.finditer(item, tail.group(0)):
            found.append((end + match.start(), match.group()))
    return found


def _dataset_names(text: str) -> list[tuple[int, str]]:
    known = []
    for name in _vocabulary().datasets:
        for match in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            known.append((match.start(), name))
    for name in _vocabulary().context_only_datasets:
        for match in re.finditer(r"\b" + name + r"\b", text):
            if _DATASET_WORD.search(text[max(0, match.start() - 80):match.end() + 40]):
                known.append((match.start(), name))
    found = list(known) + _enumerated_with(text, known)
    for match in _DATASET_WORD.finditer(text):
        found.extend(_dataset_list_before(text, match.start()))
        found.extend(_dataset_list_after(text, match))
    for match in re.finditer(r"\bdataset (?:named|called) ([^\s,;.()]+)", text):
        found.append((match.start(1), _clean_token(match.group(1))))
    return _drop_contained([(p, n) for p, n in found if _plausible_dataset(n)])


def _drop_contained(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """'AFHQ' inside 'AFHQ Cats' at the same place is the same mention."""
    spans = [(p, p + len(n)) for p, n in found]
    return [
        (p, n) for p, n in found
        if not any(a <= p and p + len(n) <= b and (a, b) != (p, p + len(n)) for a, b in spans)
    ]


def _plausible_dataset(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 3 or _is_generic(name):
        return False
    return any(is_name_shaped(w) or w[:1].isupper() for w in words) and name.lower() not in {"the", "our", "we"}


# ----------------------------------------------------------------- the public function

def extract_names(title: str, abstract: str, doc=None, nlp=None, vocabulary: Vocabulary | None = None) -> Names:
    """Introduced, mentioned and dataset names of one paper, each in order of first appearance.

    `vocabulary`: the words behind the rules (default: the general one of `vocabulary.py`)."""
    token = _VOCABULARY.set(vocabulary or default_vocabulary())
    try:
        return _extract_names(title, abstract, doc, nlp)
    finally:
        _VOCABULARY.reset(token)


def _extract_names(title: str, abstract: str, doc, nlp) -> Names:
    text = _mask_urls(abstract or "")
    title = (title or "").strip()
    sentences = sentence_spans(text, doc if doc is not None and doc.text == abstract else None, nlp)
    tokens = [(m.start(), _clean_token(m.group())) for m in _TOKEN.finditer(text)]
    vocabulary = {t for _, t in tokens} | {_clean_token(t) for t in title.split()}

    def canonical(name: str) -> str:
        return _singular(name, vocabulary) if " " not in name else name

    introduced, mentioned, datasets = _Collector(), _Collector(), _Collector()

    title_name = _title_name(title)
    if title_name and " " in title_name and title_name not in text:   # case matters: 'information flow routes' is prose
        title_name = None   # 'Neural Redshift: ...' never named again: too weak on its own
    if title_name:
        introduced.add(canonical(title_name), _TITLE_POSITION)
    for position, name in _coined_names(text, sentences):
        introduced.add(canonical(name), position)

    definitions = _definitions(text)
    for definition in definitions:
        sentence = _sentence_of(sentences, definition.position)
        own = _coined_in_sentence(text, sentence, definition.long_start) or (
            not title_name and _long_form_names_title(text, sentence, definition, title)
        )
        target = introduced if own else mentioned
        target.add(canonical(definition.short), definition.position)
        if definition.long and re.search(r"\b(?:dataset|benchmark|corpus|shared task|challenge)\b", definition.long, re.I):
            datasets.add(canonical(definition.short), definition.position)

    for position, name in _dataset_names(text):
        datasets.add(name, position)

    long_form_spans = [d.long_span for d in definitions]
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) > 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters)
    for position, token in ([] if shouting else tokens):   # an all-capitals text: capitals say nothing
        inside_long_form = any(a <= position < b for a, b in long_form_spans)
        if is_name_shaped(token) and _shaped_enough(token) and not inside_long_form:
            mentioned.add(canonical(token), position)
    for name in _vocabulary().multiword_methods:
        found = re.search(r"\b" + name + r"\b", text)
        if found:
            mentioned.add(name, found.start())

    dataset_words = {w.lower() for n in datasets.ordered() for w in n.split()}
    mentioned_names = tuple(
        n for n in mentioned.ordered()
        if n not in introduced and n not in datasets and n.lower() not in dataset_words and n.lower() not in _vocabulary().venues
    )
    return Names(introduced.ordered(), mentioned_names, datasets.ordered())


_TITLE_POSITION = -1   # title names sort before anything in the abstract


def _long_form_names_title(text: str, sentence: tuple[int, int], definition: _Definition, title: str) -> bool:
    """'Liquid Time-Constant Networks (LTCs)' under that title: the paper's own name, unless cited as earlier work.

    Used only when the title has no coined name of its own: under 'STAGE: Simplified
    Text-Attributed Graph Embeddings', 'Text-Attributed Graphs (TAGs)' is a data type.
    """
    # Only near the definition: 'MAIR (MAIR) was recently introduced' cites, while
    # '(VC-INR) shows ... outperforming previous schemes' does not.
    near = text[sentence[0]:definition.position] + " ".join(text[definition.position:sentence[1]].split()[:3])
    cites_earlier_work = _OTHERS_WORK.search(near)
    return _long_form_repeats_title(definition.long, title) and not cites_earlier_work


def _shaped_enough(token: str) -> bool:
    """Two-letter capitals (UB, FF, HR) count only when defined '(UB)'; that path is separate."""
    letters = [c for c in token if c.isalpha()]
    return not (len(letters) <= 2 and token.isupper() and not any(c.isdigit() for c in token))


def _sentence_of(sentences: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for a, b in sentences:
        if a <= position < b:
            return a, b
    return (0, 0) if not sentences else sentences[-1]

"""How the corpus itself writes its words: the facts labels are checked against.

    wording = Wording.from_texts([(title, abstract), ...], language="en")
    wording.spelling("nlp")                 -> 'NLP'    (the most frequent spelling in the texts)
    wording.spelling("bayesian")            -> 'Bayesian'
    wording.cased("mrna abundance")         -> 'mRNA abundance'
    wording.continuation("incremental object") -> 'learning' when the texts nearly always go on
    wording.papers_with("chemistry")        -> rows of the texts that use the word

Casing. A spelling counts where case means something: inside an abstract's sentence
(not its first word) and inside a title written in sentence case. A title in Title
Case ("Bayesian Neural Networks For ...") capitalises every word, and a sentence's first
word is capitalised whatever it is: those only count when nothing else does, and then a
capitalised ordinary word is lower-cased, except in languages that capitalise their
nouns (German). Acronyms and mixed-case names (NLP, mRNA, NeRF, iCub) are spelled as
written wherever they stand.

Wholeness. A phrase is cut in the middle when the texts nearly always continue it with
one same word ("neural radiance" -> "fields"): `continuation` names that word. The texts
are one array of word ids (a few bytes a word: 2 M words for 10,000 abstracts) with a
separator at every punctuation mark, so a phrase never continues across a comma.

Function words are spaCy's stop words of the corpus language (`annobib.text.stop_words`),
plus English (exports in every field carry English titles) and the labeller's own list.

Joining. Two phrases of a label are joined with the corpus language's "and"
(`conjunction`: "und" in a German corpus, "et" in a French one; English otherwise).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..text import singular

TOKEN = re.compile(r"\w+(?:[-'\u2019]\w+)*|[^\w\s]")
SENTENCE_END = frozenset(".!?")
NOUN_CAPITALISING = frozenset({"de", "lb"})   # languages that capitalise every noun
TITLE_CASE_SHARE = 0.75      # a title whose longer words are this capitalised is in Title Case
CONTINUATION_SHARE = 0.6     # the same next word after this share of a phrase's occurrences: a cut phrase
CONTINUATION_MIN = 2         # ... counted on at least this many occurrences
CONJUNCTIONS = {"de": "und", "fr": "et", "es": "y", "it": "e", "nl": "en", "pt": "e"}   # "and"; else English


def conjunction(language: str) -> str:
    """The word that joins two phrases of a label in this language ("A and B")."""
    return CONJUNCTIONS.get((language or "").split("-")[0].lower(), "and")


def majority_language(languages: list[str]) -> str:
    """The corpus language: the most frequent declared language code, else 'en'."""
    codes = Counter(code.split("-")[0].lower() for code in languages if code)
    return max(sorted(codes), key=lambda c: codes[c]) if codes else "en"


def function_words_for(language: str, extra: frozenset[str] = frozenset()) -> frozenset[str]:
    """spaCy's stop words of `language` and of English, their singular forms, and `extra`."""
    try:
        from ..text import stop_words
        words = set(stop_words(language)) | set(stop_words("en"))
    except Exception:          # spaCy missing (light install): the labeller's own list only
        words = set()
    words |= set(extra)
    words = {w.lower() for w in words if w and w[0].isalpha()}
    return frozenset(words | {singular(w) for w in words})


def _is_name(word: str) -> bool:
    """An acronym or mixed-case name: a capital after the first letter of a part (NLP, mRNA,
    iCub, Instant-NGP); a Title-Cased compound ("Task-Free") is not one."""
    return any(ch.isupper() for part in re.split(r"[-'\u2019]", word) for ch in part[1:])


def _title_case(words: list[str]) -> bool:
    longer = [w for w in words if len(w) >= 4 and w[0].isalpha()]
    return len(longer) >= 2 and sum(w[0].isupper() for w in longer) >= TITLE_CASE_SHARE * len(longer)


def _all_caps(words: list[str]) -> bool:
    letters = [w for w in words if any(ch.isalpha() for ch in w)]
    return len(letters) >= 2 and sum(w.isupper() for w in letters) >= TITLE_CASE_SHARE * len(letters)


@dataclass
class Wording:
    language: str
    function_words: frozenset[str]
    forms: dict[str, Counter] = field(default_factory=dict)     # lower word -> spellings where case says something
    weak: dict[str, Counter] = field(default_factory=dict)      # lower word -> spellings where it does not
    ids: dict[str, int] = field(default_factory=dict)           # comparison form (singular, lower) -> id
    words: list[Counter] = field(default_factory=list)          # id -> lower spellings
    flat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))   # ids, -1 separators
    row_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # text row per position
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sorted_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    reversed_words: list[str] = field(default_factory=list)     # every lower-case word, spelled backwards, sorted
    rows: int = 0

    @classmethod
    def from_texts(cls, texts: list[tuple[str, str]], language: str = "en",
                   extra_function_words: frozenset[str] = frozenset()) -> "Wording":
        made = cls(language, function_words_for(language, extra_function_words | {conjunction(language)}))
        flat, row_of = [], []
        forms, weak, ids, words_seen = made.forms, made.weak, made.ids, made.words
        key_of: dict[str, str] = {}       # lower-case word -> its comparison form (`singular`)
        name_of: dict[str, bool] = {}     # token -> `_is_name`
        for row, (title, abstract) in enumerate(texts):
            for part, is_title in ((title or "", True), (abstract or "", False)):
                tokens = TOKEN.findall(part)
                words = [t for t in tokens if t[0].isalnum() or t[0] == "_"]
                weak_title = is_title and _title_case(words)
                if is_title and _all_caps(words):
                    weak_title = True
                first = True
                start = len(flat)
                for token in tokens:
                    if not (token[0].isalnum() or token[0] == "_"):
                        flat.append(-1)
                        first = first or token in SENTENCE_END
                        continue
                    if first or weak_title:          # the spelling says nothing unless it is a name
                        is_name = name_of.get(token)
                        if is_name is None:
                            is_name = name_of[token] = _is_name(token)
                        target = forms if is_name else weak
                    else:
                        target = forms
                    lower = token.lower()
                    spellings = target.get(lower)
                    if spellings is None:
                        spellings = target[lower] = Counter()
                    spellings[token] += 1
                    first = False
                    key = key_of.get(lower)
                    if key is None:
                        key = key_of[lower] = singular(lower)
                    ident = ids.get(key)
                    if ident is None:
                        ident = ids[key] = len(ids)
                        words_seen.append(Counter())
                    words_seen[ident][lower] += 1
                    flat.append(ident)
                flat.append(-1)
                row_of.extend([row] * (len(flat) - start))
        made.flat = np.array(flat + [-1] * 8, dtype=np.int32)
        made.row_of = np.array(row_of + [len(texts)] * 8, dtype=np.int32)
        made.order = np.argsort(made.flat, kind="stable")
        made.sorted_ids = made.flat[made.order]
        made.reversed_words = sorted(w[::-1] for w in made.forms.keys() | made.weak.keys())
        made.rows = len(texts)
        return made

    @property
    def conjunction(self) -> str:
        """The corpus language's "and" (see `conjunction`)."""
        return conjunction(self.language)

    # --- casing ----------------------------------------------------------------------

    def spelling(self, word: str) -> str | None:
        """The corpus's spelling of one word (hyphenated words are one word); None when
        the texts do not have it."""
        lower = word.lower()
        if lower in self.forms:
            forms = self.forms[lower]
            return max(forms, key=lambda f: (forms[f], f == lower, f))
        forms = self.weak.get(lower)
        if not forms:
            return None
        best = max(forms, key=lambda f: (forms[f], f == lower, f))
        if _is_name(best) or self.language in NOUN_CAPITALISING:
            return best
        return lower

    def cased(self, phrase: str) -> str:
        """Each word of the phrase as the corpus spells it; a word the texts lack keeps an
        acronym's or name's capitals (and, in German, every capital) and is otherwise
        lower-cased."""
        out = []
        for word in phrase.split():
            spelled = self.spelling(word)
            if spelled is None:
                keep = _is_name(word) or any(ch.isdigit() for ch in word) or self.language in NOUN_CAPITALISING
                spelled = word if keep else word.lower()
            out.append(spelled)
        return " ".join(out)

    # --- wholeness and breadth --------------------------------------------------------

    def _positions(self, ident: int) -> np.ndarray:
        lo = np.searchsorted(self.sorted_ids, ident, side="left")
        hi = np.searchsorted(self.sorted_ids, ident, side="right")
        return np.sort(self.order[lo:hi])

    def occurrences(self, phrase: str) -> np.ndarray:
        """Start positions of the phrase (compared by singular lower-case words)."""
        words = [singular(w.lower()) for w in re.findall(r"\w+(?:[-'\u2019]\w+)*", phrase)]
        idents = [self.ids.get(w) for w in words]
        if not idents or any(i is None for i in idents):
            return np.zeros(0, dtype=np.int64)
        starts = self._positions(idents[0])
        for offset, ident in enumerate(idents[1:], start=1):
            starts = starts[self.flat[np.minimum(starts + offset, len(self.flat) - 1)] == ident]
        return starts

    def continuation(self, phrase: str) -> str | None:
        """The content word that follows the phrase in at least CONTINUATION_SHARE of its
        (at least CONTINUATION_MIN) occurrences: the phrase is then cut in the middle."""
        starts = self.occurrences(phrase)
        if len(starts) < CONTINUATION_MIN:
            return None
        length = len(re.findall(r"\w+(?:[-'\u2019]\w+)*", phrase))
        after = self.flat[np.minimum(starts + length, len(self.flat) - 1)]
        after = after[after >= 0]
        if not len(after):
            return None
        ident, count = Counter(after.tolist()).most_common(1)[0]
        if count < CONTINUATION_SHARE * len(starts):
            return None
        spellings = self.words[ident]
        word = max(spellings, key=lambda f: (spellings[f], f))
        if word in self.function_words or not any(ch.isalpha() for ch in word):
            return None
        return self.spelling(word) or word

    def compounds(self, word: str) -> set[str]:
        """Longer words of the texts that end with this one, by at least 3 letters: the
        compounds it heads ("stadtgeschichte", "wirtschaftsgeschichte" for "geschichte")."""
        import bisect

        tail = word.lower()[::-1]
        if len(tail) < 4:
            return set()
        start = bisect.bisect_left(self.reversed_words, tail)
        found = set()
        for backwards in self.reversed_words[start:]:
            if not backwards.startswith(tail):
                break
            if len(backwards) >= len(tail) + 3 and backwards[len(tail)].isalpha():
                found.add(backwards[::-1])
        return found

    def papers_with(self, word: str) -> set[int]:
        """Rows of the texts that use the word (or its singular)."""
        ident = self.ids.get(singular(word.lower()))
        if ident is None:
            return set()
        return set(self.row_of[self._positions(ident)].tolist())

"""Which language a text is in, and a spaCy pipeline for it.

An entry's declared language (`corpus/language.py`) wins; otherwise py3langid (BSD,
ships its model) names it, and only with a normalised probability of at least
`MIN_CONFIDENCE`: a title of four words is often too short to tell, and then the
collection's default (English) holds. Over all of py3langid's 142 languages a short
title's probability is spread thin ('Die Basler Heirat. Geschichte der Fusion
Ciba-Geigy': German 0.85, the rest on Luxembourgish, Afrikaans, ...); a text no language
reaches the threshold for is classified again among the languages an entry can declare
(`corpus/language.py`), where such a title is told (German 0.99). Texts that are not
in the language of the trained spaCy model are read with spaCy's language data alone
(`spacy.blank`: tokeniser, stop words, a rule-based sentence splitter), which spaCy has
for many languages without a trained model.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

DEFAULT_LANGUAGE = "en"
MIN_CONFIDENCE = 0.9


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """ISO 639-1 code of `text`, or `default` when it is too short or the guess too weak."""
    if len(text.split()) < 3:
        return default
    for identifier in (_identifier, _declarable_identifier):   # the second only for a weak first guess
        code, probability = identifier().classify(text)
        if probability >= MIN_CONFIDENCE:
            return _SPACY_CODE.get(code, code)
    return default


class LanguageMemo:
    """`detect_language`, remembered across builds by a digest of the text (a JSON file in
    the analysis cache), so a rebuild detects only new or changed texts and loads no
    language model when there are none."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.known: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.used: dict[str, str] = {}
        self.found_new = False

    @staticmethod
    def _digest(text: str) -> str:
        # The rule's thresholds are in the digest: a changed rule detects every text again.
        return hashlib.sha256(f"{MIN_CONFIDENCE}\0{DEFAULT_LANGUAGE}\0{text}".encode("utf-8")).hexdigest()[:24]

    def is_new(self, text: str) -> bool:
        """Whether `text` was never detected before (no build has read it)."""
        return self._digest(text) not in self.known

    def detect(self, text: str) -> str:
        digest = self._digest(text)
        if digest not in self.known:
            self.known[digest], self.found_new = detect_language(text), True
        self.used[digest] = self.known[digest]
        return self.used[digest]

    def save(self) -> None:
        """Keep the texts of this build only; written only when that changed anything."""
        if self.found_new or self.used.keys() != self.known.keys() or not self.path.is_file():
            from ..atomic import write_json

            write_json(self.path, self.used, sort_keys=True)
            self.known, self.found_new = dict(self.used), False


# py3langid's 'no' (Norwegian) is spaCy's 'nb' (Bokmål), as corpus/language.py names it.
_SPACY_CODE = {"no": "nb"}


@functools.lru_cache(maxsize=1)
def _declarable_identifier():
    """py3langid among the languages an entry can declare (corpus/language.py) only: a
    copy of the full identifier (reading the model file again costs 0.4 s), restricted."""
    import copy

    from ..corpus.language import LANGUAGE_NAMES

    identifier = copy.copy(_identifier())   # set_languages replaces the copy's arrays, not the original's
    py3langid_code = {spacy: ours for ours, spacy in _SPACY_CODE.items()}
    codes = {py3langid_code.get(code, code) for code in LANGUAGE_NAMES.values()}
    identifier.set_languages(sorted(codes & set(identifier.nb_classes)))
    return identifier


@functools.lru_cache(maxsize=None)
def blank_pipeline(language: str):
    """spaCy's language data for `language` (the multi-language 'xx' if spaCy has none)
    with a sentence splitter: tokens, stop words and sentences, no tagger."""
    import spacy

    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp

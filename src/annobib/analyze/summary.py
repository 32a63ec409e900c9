"""The one-line contribution: the abstract's own sentence that says what the paper does.

Extractive and verbatim, never generated: the sentence is a slice of the
abstract.  Sentences come from the spaCy Doc when one is given (the build parses
each abstract once), else from `nlp`, else from a small regex splitter that
knows common abbreviations, so the function also works without a model.

Preference, earliest sentence within the first tier that has one:
  1. 'we propose / introduce / present / develop / devise ...', 'this paper proposes ...'
  2. 'In this paper/work, we ...', 'this paper/work/study ...', 'here we ...'
  3. any sentence with 'we' followed by a verb-like word
  4. the first sentence
"""
from __future__ import annotations

import re

__all__ = ["contribution_sentence", "sentence_spans"]

_ABBREVIATIONS = ("e.g", "i.e", "et al", "vs", "cf", "Fig", "Figs", "Eq", "Eqs", "Sec", "approx", "resp", "w.r.t")
_SENTENCE_END = re.compile(r"[.!?](?=[\"')\]]*\s+[A-Z0-9(\"'])")

_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|letter|manuscript))\s+(?:\w+\s+){0,2}?"
    r"(?:propose|introduce|present|develop|devise)s?\b",
    re.I,
)
_THIS_WORK = re.compile(
    r"\b(?:in this (?:paper|work|study|article|letter|manuscript)|here),?\s+we\b"
    r"|\bthis (?:paper|work|study|article|letter|manuscript)\s+\w+s\b"
    r"|\bour (?:key )?contributions?\b",
    re.I,
)
# 'we' + a word that is not an auxiliary-only phrase ('we can', 'we also' still lead to a verb later).
_WE_VERB = re.compile(r"\bwe\s+(?:also\s+|further\s+|then\s+|first\s+)?(?!are\b|were\b|have been\b)[a-z]{3,}", re.I)


def sentence_spans(text: str, doc=None, nlp=None) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of `text`, whitespace trimmed."""
    if doc is None and nlp is not None:
        doc = nlp(text)
    if doc is not None and doc.text == text:
        spans = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        spans = _regex_spans(text)
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _regex_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start:match.start()]
        if head.endswith(_ABBREVIATIONS) or re.search(r"(?:^|\s)[A-Z]$", head):
            continue   # 'e.g. X', 'et al. 2020', initials: not an end
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def contribution_sentence(abstract: str, doc=None, nlp=None) -> str:
    """The abstract's sentence stating what the paper does, verbatim; '' for an empty abstract."""
    if not abstract or not abstract.strip():
        return ""
    sentences = [abstract[a:b] for a, b in sentence_spans(abstract, doc, nlp)]
    for tier in (_PROPOSE, _THIS_WORK, _WE_VERB):
        for sentence in sentences:
            if tier.search(sentence):
                return sentence
    return sentences[0]

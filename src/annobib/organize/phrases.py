"""What a reader sees of the keyphrases: cleaned, specific, one spelling each, acronyms with their expansions.

Analysis keeps up to 15 ranked keyphrases per paper, cached per paper (analyze/keyphrases.py).
Whether a phrase says anything about one paper depends on the whole corpus, so it is decided
here, at organize time, and the cache stays valid:

1. **Cleaned.** A citation tag is no keyphrase ('Wang et al'); a bracket the extractor cut
   in half is mended ('GNN)-based approach' -> 'GNN-based approach', 'graph neural
   networks(GNNs' -> 'graph neural networks'); a phrase of more digits than letters
   ('losses 1,500-50,000x') is dropped.
2. **Acronyms merged with their expansions.** Definitions 'Long Form (ACR)' and 'ACR (Long
   Form)' are read from every paper's title and abstract with the name extractor's own rule
   (`analyze.names._definitions`, Schwartz & Hearst). An acronym stands for its most frequent
   long form when that long form makes at least `ACRONYM_AGREEMENT` of its definitions
   ('LR': 'low-resolution' once, 'learning rate' once: neither, so never merged). 'GNNs' and
   'graph neural networks' are then one *concept*, shown and indexed as 'graph neural
   networks (GNNs)'; both spellings stay searchable (`Phrases.aliases`).
3. **Generic phrases left out.** A phrase is generic in a corpus when it is on more than
   `GENERIC_SHARE` (8%) of the papers (in the title, abstract or keyphrases) *and* those
   papers spread over more than `GENERIC_SPREAD` (half) of the themes, counted as the
   effective number of themes (the exponential of the entropy of its papers' themes, so a
   stray paper in a far theme does not count as a theme). On the shipped corpus: 'neural
   networks' (128 papers, 10.4 of 14 themes), 'training', 'weights', 'benchmark', 'deep
   learning'; not 'graph neural networks (GNNs)' (the graph themes hold them: 2.8) nor
   'videos' (3.3). Corpora of fewer than `MIN_THEMES` themes have no generic phrase: a
   spread cannot be measured.
4. **One of each near-duplicate pair per paper.** Two phrases of one paper are one when
   they are the same concept ('INRs', 'implicit neural representations') or one is the
   other's word sequence plus words ('nonparametric teaching', 'nonparametric teaching
   perspective'). The shorter is kept (it is what other papers share), at the better rank
   of the two, unless it is a single ordinary word ('videos' beside 'video compression'),
   which says less than the longer phrase.

The keyword index (`organize/indexes.py`) lists the concepts of at least two papers.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..models import Annotation, Paper
from ..text import singular, words_of

GENERIC_SHARE = 0.08       # on more than this share of the papers ...
GENERIC_SPREAD = 0.5       # ... spread over more than this share of the themes (effective number): generic
MIN_THEMES = 3             # fewer themes: no spread to measure, nothing is generic
MIN_GENERIC_PAPERS = 3     # and never a phrase of fewer papers than this
ACRONYM_AGREEMENT = 2 / 3  # (as 3 n >= 2 total) an acronym stands for the long form of at least this share of its definitions
LONGEST_NGRAM = 8          # words of the longest phrase looked for in a paper's text

_CITATION_TAG = re.compile(r"\bet\s+al\b\.?|\b(?:19|20)\d\d[a-z]?\)", re.I)
_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9-]*[A-Z]s")
_WORD = re.compile(r"\w+")       # the pieces `words_of` keeps: runs of word characters


# --------------------------------------------------------------------------- forms

@functools.lru_cache(maxsize=1 << 17)
def _word_form(word: str) -> str:
    if _ACRONYM_PLURAL.fullmatch(word):            # NNs, GNNs, SDFs, LLMs: an acronym's plural
        word = word[:-1]
    return singular(word.lower())


@functools.lru_cache(maxsize=1 << 17)     # the same phrases are compared again and again
def form(phrase: str) -> str:
    """Comparison form: lower case, singular words, acronym plurals singular ('NNs' == 'NN')."""
    return " ".join(_word_form(w) for w in words_of(phrase))


def is_acronym(text: str) -> bool:
    """'GNN', 'GNNs', 'MS-SSIM', 'NeRF', 'INR': one token with two or more capitals."""
    return " " not in text.strip() and sum(ch.isupper() for ch in text) >= 2


@functools.lru_cache(maxsize=1 << 18)    # pure: the same spellings recur in every paper
def display_spelling(surface: str) -> str:
    """Ordinary words in lower case, acronyms and mixed-case names as written ('Radiance
    Fields' -> 'radiance fields', 'NeRF' stays): a title's capitals are no spelling."""
    def keep(word: str) -> bool:
        return any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word)
    return " ".join(w if keep(w) else w.lower() for w in surface.split())


_ODD_CAPITALS = re.compile(r"\b[A-Z]{3,}[a-z]{3,}")    # 'ATTention': a shouted word, no name


def _most_common(spellings: Counter) -> str:
    """Most frequent spelling; ties: more capitals (NeRF over Nerf) unless shouted, then alphabetical."""
    return min(spellings, key=lambda s: (-spellings[s], bool(_ODD_CAPITALS.search(s)),
                                         -sum(ch.isupper() for ch in s), s))


def squashed(f: str) -> str:
    """A form without its spaces: 'multi layer perceptron' == 'multilayer perceptron'."""
    return f.replace(" ", "")


# --------------------------------------------------------------------------- cleaning

@functools.lru_cache(maxsize=1 << 18)    # pure: the same phrases recur in every paper
def clean_phrase(phrase: str) -> str:
    """A keyphrase as a reader may see it, or '' when it is none (see the module docstring)."""
    text = " ".join((phrase or "").split())
    if not text or _CITATION_TAG.search(text):
        return ""
    text = re.sub(r"\s*\([^()]*\)$", "", text) or text   # 'in-context learning (ICL)': the acronym merges later
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        cut = re.search(r"[(\[]", text)
        if cut and ")" not in text[cut.start():] and "]" not in text[cut.start():]:
            text = text[:cut.start()]                   # 'graph neural networks(GNNs'
        text = re.sub(r"[)\]]", "", text)               # 'GNN)-based approach'
        text = " ".join(text.split()).strip(" -,;:")
    letters = sum(ch.isalpha() for ch in text)
    if letters < 2 or sum(ch.isdigit() for ch in text) > letters:
        return ""
    return text


# --------------------------------------------------------------------------- the result

@dataclass(frozen=True)
class Phrases:
    """Keyphrases as the site shows them (see the module docstring)."""

    shown: dict[str, tuple[str, ...]]          # paper key -> its keyphrases, cleaned, ranked (display spellings)
    concept_of: dict[str, str]                 # comparison form of a spelling -> its concept (a form)
    display: dict[str, str]                    # concept -> display ('graph neural networks (GNNs)')
    papers: dict[str, frozenset[str]]          # concept -> keys of the papers whose keyphrases hold it
    generic: dict[str, int] = field(default_factory=dict)    # generic concept -> papers it is on
    acronyms: dict[str, str] = field(default_factory=dict)   # acronym form -> the concept it stands for
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # paper key -> other spellings of
                                                                       # the acronyms its text uses, for search
    text_concepts: dict[str, frozenset[str]] = field(default_factory=dict)  # key -> concepts in its title/abstract

    def concept(self, phrase: str) -> str:
        f = form(phrase)
        return self.concept_of.get(f, f)

    def is_generic(self, phrase: str) -> bool:
        return self.concept(phrase) in self.generic

    def generic_display(self) -> list[tuple[str, int]]:
        """(display, papers) of the generic phrases, most papers first."""
        return sorted(((self.display.get(c, c), n) for c, n in self.generic.items()), key=lambda dn: (-dn[1], dn[0]))


# --------------------------------------------------------------------------- acronyms

def acronym_definitions(papers: list[Paper]) -> dict[str, list[tuple[str, str]]]:
    """Paper key -> its definitions (acronym, long form), from its title and abstract."""
    from ..analyze.names import _definitions   # the extractor's own rule (regex only, no model)

    found = {}
    for paper in papers:
        text = f"{paper.title_text}. {paper.abstract_text}" if paper.abstract_text else paper.title_text
        pairs = [(d.short, d.long) for d in _definitions(text or "")
                 if d.long and is_acronym(d.short) and len(words_of(d.long)) >= 2
                 and len(form(d.long)) > len(form(d.short))]
        if pairs:
            found[paper.key] = pairs
    return found


def acronym_map(definitions: dict[str, list[tuple[str, str]]]
                ) -> tuple[dict[str, str], dict[str, str], dict[str, Counter]]:
    """(acronym form -> the long form it stands for, acronym form -> its spelling,
    long form -> its spellings) over the whole corpus's definitions."""
    longs: dict[str, Counter] = defaultdict(Counter)
    short_spellings: dict[str, Counter] = defaultdict(Counter)
    long_spellings: dict[str, Counter] = defaultdict(Counter)
    long_forms: dict[str, Counter] = defaultdict(Counter)     # squashed long form -> its spaced forms
    for pairs in definitions.values():
        for short, long in pairs:
            longs[form(short)][squashed(form(long))] += 1
            long_forms[squashed(form(long))][form(long)] += 1
            short_spellings[form(short)][short] += 1
            long_spellings[form(long)][display_spelling(long)] += 1
    chosen = {}
    for short, counts in longs.items():
        long, n = max(counts.items(), key=lambda item: (item[1], item[0]))
        if 3 * n >= 2 * sum(counts.values()) and long != squashed(short):    # ACRONYM_AGREEMENT, exactly
            chosen[short] = max(long_forms[long].items(), key=lambda item: (item[1], item[0]))[0]
    return chosen, {short: _most_common(short_spellings[short]) for short in chosen}, long_spellings


# --------------------------------------------------------------------------- text

def _text_forms(paper: Paper) -> list[str]:
    text = f"{paper.title_text} . {paper.abstract_text}" if paper.abstract_text else paper.title_text
    return [_word_form(w) for w in _WORD.findall(text or "")]     # words_of's words, in one pass


def _lengths_by_first(vocabulary: set[str], longest: int) -> dict[str, tuple[int, ...]]:
    """First word -> the word counts (at most `longest`) of the vocabulary's forms starting
    with it: `_present` joins only n-grams that can be in the vocabulary."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for v in vocabulary:
        parts = v.split(" ")
        if v and len(parts) <= longest:
            lengths[parts[0]].add(len(parts))
    return {w: tuple(sorted(ns)) for w, ns in lengths.items()}


def _present(words: list[str], vocabulary: set[str], lengths: dict[str, tuple[int, ...]]) -> set[str]:
    """The vocabulary's forms (up to `longest` words, see `_lengths_by_first`) that occur in
    `words`; only the lengths some form starting with a word has are joined."""
    found = set()
    total = len(words)
    for i in [i for i, word in enumerate(words) if word in lengths]:
        word = words[i]
        left = total - i
        for n in lengths[word]:
            if n > left:
                break
            gram = word if n == 1 else " ".join(words[i:i + n])
            if gram in vocabulary:
                found.add(gram)
    return found


def _effective_themes(themes: Counter) -> float:
    total = sum(themes.values())
    return math.exp(-sum(v / total * math.log(v / total) for v in themes.values() if v)) if total else 0.0


# --------------------------------------------------------------------------- the stage

def organize_phrases(papers: list[Paper], annotations: dict[str, Annotation],
                     theme_of: dict[str, str]) -> Phrases:
    """Cleaned, merged, specific keyphrases of every paper (see the module docstring)."""
    acronyms, short_display, long_spellings = acronym_map(acronym_definitions(papers))
    long_forms = set(acronyms.values())

    # Each paper's cleaned phrases in rank order, and the spellings of each concept.
    cleaned: dict[str, list[str]] = {}
    concept_spellings: dict[str, Counter] = defaultdict(Counter)
    for paper in papers:
        note = annotations.get(paper.key)
        phrases = [clean_phrase(p) for p in (note.keyphrases if note else ())]
        cleaned[paper.key] = [p for p in phrases if p and form(p)]
        for phrase in cleaned[paper.key]:
            if form(phrase) not in acronyms:
                concept_spellings[form(phrase)][display_spelling(phrase)] += 1
    variants_of: dict[str, list[tuple[str, Counter]]] = defaultdict(list)   # squashed -> its variants, in order
    for variant, spellings in long_spellings.items():
        variants_of[squashed(variant)].append((variant, spellings))
    for long in long_forms:
        for variant, spellings in variants_of.get(squashed(long), ()):
            concept_spellings[variant].update(spellings)
        concept_spellings[long] += Counter()
    # Forms equal but for spaces are one concept ('multi-layer perceptron', 'multilayer
    # perceptron'): the most used one (an acronym's long form first) names it.
    by_squash: dict[str, list[str]] = defaultdict(list)
    for f in concept_spellings:
        by_squash[squashed(f)].append(f)
    concept_of = {}
    for variants in by_squash.values():
        head = max(variants, key=lambda f: (f in long_forms, sum(concept_spellings[f].values()), f))
        concept_of.update({f: head for f in variants})
    merged: dict[str, Counter] = defaultdict(Counter)
    for f, spellings in concept_spellings.items():
        merged[concept_of[f]].update(spellings)
    display = {c: _most_common(s) if s else c for c, s in merged.items()}
    display = {c: d.lower() if _ODD_CAPITALS.search(d) else d for c, d in display.items()}
    for short, long in acronyms.items():            # 'graph neural networks (GNNs)'
        display[long] = f"{display[long]} ({short_display[short]})"
    concept_of.update(acronyms)
    for spelling in sorted({p for phrases in cleaned.values() for p in phrases}):   # sorted: the first spelling names a concept
        tokens = [form(t) for t in spelling.split()]        # 'implicit SGD' == 'implicit stochastic
        if len(tokens) > 1 and any(t in acronyms for t in tokens):   # gradient descent' ('NeRF-LOAM' stays)
            expanded = " ".join(acronyms.get(t, t) for t in tokens)
            concept_of[form(spelling)] = concept_of.get(expanded, expanded)
            display.setdefault(concept_of[form(spelling)], display_spelling(spelling))

    def concept_of_form(f: str) -> str:
        return concept_of.get(f, f)

    # Which concepts each paper is on: its keyphrases and its text (title and abstract).
    vocabulary = set(concept_of)
    longest = min(LONGEST_NGRAM, max((len(v.split()) for v in vocabulary), default=1))
    lengths = _lengths_by_first(vocabulary, longest)
    in_text: dict[str, set[str]] = {}
    on: dict[str, set[str]] = defaultdict(set)        # concept -> papers it is on
    concept_get = concept_of.get
    for paper in papers:
        in_text[paper.key] = _present(_text_forms(paper), vocabulary, lengths)
        for f in in_text[paper.key] | {form(p) for p in cleaned[paper.key]}:
            on[concept_get(f, f)].add(paper.key)
    generic = generic_concepts(on, theme_of, len(papers))

    survivors: dict[str, list[str]] = {}
    holders: dict[str, set[str]] = defaultdict(set)   # concept -> papers whose shown phrases hold it
    for paper in papers:
        phrases = [p for p in cleaned[paper.key] if concept_of_form(form(p)) not in generic]
        survivors[paper.key] = one_of_each(phrases, concept_of_form)
        for phrase in survivors[paper.key]:
            holders[concept_of_form(form(phrase))].add(paper.key)

    # A phrase is shown by its concept's display when the index lists the concept or it is an
    # acronym's (so a chip reads as its index entry); otherwise as the paper spells it.
    def shown_as(phrase: str) -> str:
        concept = concept_of_form(form(phrase))
        return display[concept] if len(holders[concept]) >= 2 or concept in long_forms else phrase

    aliases = {}
    pairs = [(short, long) for short, long in sorted(acronyms.items())
             if long not in generic and len(long.split()) <= longest]
    pairs_with: dict[str, list[int]] = defaultdict(list)     # a form -> the pairs (indexes) it is a side of
    for n, (short, long) in enumerate(pairs):
        pairs_with[short].append(n)
        pairs_with[long].append(n)
    for paper in papers:
        present = in_text[paper.key]
        touched = sorted({n for f in present for n in pairs_with.get(f, ())})   # sorted(acronyms) order
        extra = [short_display[short] if long in present else display[long].rsplit(" (", 1)[0]
                 for short, long in (pairs[n] for n in touched)
                 if (short in present) != (long in present)]
        if extra:
            aliases[paper.key] = tuple(dict.fromkeys(extra))

    return Phrases(
        shown={k: tuple(dict.fromkeys(shown_as(p) for p in ps)) for k, ps in survivors.items()},
        concept_of=concept_of, display=display,
        papers={c: frozenset(keys) for c, keys in holders.items()},
        generic={c: len(on[c]) for c in generic},
        acronyms=dict(acronyms), aliases=aliases,
        text_concepts={k: frozenset(concept_of_form(f) for f in v) for k, v in in_text.items()})


def generic_concepts(on: dict[str, set[str]], theme_of: dict[str, str], paper_count: int) -> set[str]:
    """Concepts on more than GENERIC_SHARE of the papers spread over more than GENERIC_SPREAD
    of the themes (effective number); none when there are fewer than MIN_THEMES themes."""
    themes = set(theme_of.values())
    if len(themes) < MIN_THEMES or not paper_count:
        return set()
    floor = max(MIN_GENERIC_PAPERS, GENERIC_SHARE * paper_count)
    generic = set()
    for concept, keys in on.items():
        if len(keys) <= floor:
            continue
        spread = _effective_themes(Counter(theme_of.get(k, "") for k in keys))
        if spread > GENERIC_SPREAD * len(themes):
            generic.add(concept)
    return generic


def _is_single_word(phrase: str) -> bool:
    """A single ordinary word ('videos'); names and acronyms ('NeRF', 'GNN') are not ordinary."""
    words = phrase.split()
    return len(words) == 1 and not is_acronym(phrase) and not any(ch.isdigit() for ch in phrase)


@functools.lru_cache(maxsize=1 << 16)
def _tokens(phrase: str) -> tuple[str, ...]:
    """A phrase's words as a reader counts them: split at spaces only ('NeRF-LOAM' is one word)."""
    return tuple(t for t in (squashed(form(t)) for t in phrase.split()) if t)


def _holds(longer: tuple, shorter: tuple) -> bool:
    """Whether the word sequence `shorter` occurs in the longer `longer`."""
    n, m = len(shorter), len(longer)
    if not 0 < n < m:
        return False
    first = shorter[0]
    return any(longer[i] == first and longer[i:i + n] == shorter for i in range(m - n + 1))


def _facts(phrase: str, concept_of_form) -> tuple:
    """What `_same` compares of a phrase, computed once: (concept, tokens, is an acronym's
    concept, concept words, and the last two as sets)."""
    f = form(phrase)
    c = concept_of_form(f)
    tokens, words = _tokens(phrase), tuple(c.split())
    return c, tokens, c != f, words, frozenset(tokens), frozenset(words)


def _same(a: tuple, b: tuple) -> bool:
    """Whether two phrases of a paper (their `_facts`) are one: the same concept; or one is
    the other's words plus words ('nonparametric teaching perspective'), as written or, for
    an acronym, as expanded ('IL' in 'inference learning algorithm'). Words are split at
    spaces, so a hyphenated name holds no other word: 'NeRF-LOAM' does not contain 'NeRF'.
    One sequence holds another only when they share a word, so the sets rule most pairs
    out at once."""
    if a[0] == b[0]:
        return True
    if not a[4].isdisjoint(b[4]) and (_holds(a[1], b[1]) or _holds(b[1], a[1])):
        return True
    if (a[2] or b[2]) and not a[5].isdisjoint(b[5]):
        return _holds(a[3], b[3]) or _holds(b[3], a[3])
    return False


def one_of_each(phrases: list[str], concept_of_form=lambda f: f) -> list[str]:
    """The phrases of one paper without near-duplicates, in rank order (module docstring, 4):
    of a group that is one, the shortest phrase that is not a single ordinary word stays, at
    the best rank of the group (a concept's acronym gives way to its long form)."""
    facts = {phrase: _facts(phrase, concept_of_form) for phrase in dict.fromkeys(phrases)}
    kept: list[str] = []
    for phrase in phrases:
        mine = facts[phrase]
        group = [n for n, other in enumerate(kept) if _same(mine, facts[other])]
        if not group:
            kept.append(phrase)
            continue
        candidates = [kept[n] for n in group] + [phrase]
        keeper = min(candidates, key=lambda p: (_is_single_word(p), len(concept_of_form(form(p)).split()),
                                                is_acronym(p), len(p), candidates.index(p)))
        kept[group[0]] = keeper
        for n in reversed(group[1:]):
            del kept[n]
    return kept


def near_duplicates(phrases: list[str] | tuple[str, ...], concept_of_form=lambda f: f) -> list[tuple[str, str]]:
    """Pairs of `phrases` that are one: the same concept, or one the other's words plus words
    (the test of `one_of_each`; for checks and benchmarks)."""
    facts = {phrase: _facts(phrase, concept_of_form) for phrase in dict.fromkeys(phrases)}
    return [(a, b) for i, a in enumerate(phrases) for b in phrases[i + 1:] if _same(facts[a], facts[b])]

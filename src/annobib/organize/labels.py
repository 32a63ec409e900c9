"""Chapter-title labels, descriptions and characteristic keyphrases for themes.

Three steps, after BERTopic's KeyBERT-inspired representation:
1. class-based TF-IDF over the papers' keyphrases (and their 1-3 word n-grams,
   never crossing a phrase boundary), each theme one "class";
2. the top candidates re-ranked by cosine similarity of the phrase embedding to
   the theme centroid (phrases that say what the theme's papers are about beat
   phrases that are merely frequent), weighted by the c-TF-IDF score;
3. a chapter title from the ranked phrases: the best *specific* phrase A (two or
   more words with a non-generic one, or a name such as NeRF; a single common
   word only when the theme owns it, see `owned`, and then alone), then "A and B"
   when a second specific phrase B, distinct from A, names papers of the theme
   that A does not (`ADDED_COVERAGE`), else A alone; never near-identical to
   another label.
   Both sides of "and" are specific, so two generic nouns ("Recognition and
   datasets", "Video compression and encoder") cannot be joined.
A phrase used by more than `CORPUS_SHARE` of all papers says nothing that sets a
theme apart (it is the corpus's own field: "implicit neural representations"
here, "continual learning" in a continual-learning library) and is no label.
Phrases are compared lower-cased and singularised ("Radiance Fields" ==
"radiance field"), hyphenated words stay one word ("in-context learning");
acronyms and mixed-case names (NeRF, SDF, 3D) keep their case.

Rules a curator would otherwise enforce by hand, checked against the corpus itself
(`organize/wording.py`, given as `wording`):
- spelled as the texts spell it: the most frequent spelling of each word where case
  means something (NLP, mRNA, Bayesian, Hebbian, task-free); the first letter is
  capitalised unless the word is a name starting in lower case (mRNA, iCub);
- no function word of the corpus language at either edge ("Der Stadt", "Herrschaft
  von"): spaCy's stop words of the majority `Paper.language` and of English;
- phrases whole: a phrase the texts nearly always continue with one same word
  ("incremental object" -> "incremental object learning") is extended by that word,
  or left out when it still is not whole after two;
- no lone word too broad for the corpus: a single common word labels nothing when
  papers of more than `BROAD_SHARE` of the chapters use it ("Chemistry" in a
  chemistry library, "Disease" in an epidemiology one), counted in the titles,
  abstracts and keyphrases, or when the keyphrases use it as the head of
  `HEAD_VARIETY` or more different phrases or compounds: a category ("sciences":
  life, data, open, health sciences; "Geschichte": Stadt-, Wirtschafts-, Kultur-...);
- never "Theme N": with nothing specific, the best phrase of the theme's papers, and
  at the very end the representative paper's title (before its colon);
- two phrases joined with the corpus language's "and" ("Chemische Industrie und
  Nordwest" in a German corpus; English in languages without one): `joined` (and
  organize/outline.py `sections_label` for a chapter titled by two sections' heads).
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..text import phrase_form, singular
from ..vectors import unit_rows
from .wording import Wording


# Words that never carry a label on their own: the whole field is about them.
GENERIC_WORDS = frozenset("""
network networks neural learning learned learn model models modeling modelling method methods
approach approaches implicit representation representations deep novel new framework technique
paper work result task system problem data performance state art function existing proposed
various different high quality efficient effective 3d 2d use using based architecture application
recent current large small simple general single multiple standard challenge experiment
net nets embedding embeddings feature features dataset datasets encoder decoder layer layers
training parameter parameters weight weights input inputs output outputs analysis study
machine artificial intelligence algorithm algorithms ai ml dl nn dnn
""".split())
# Export metadata that reaches keyphrases through tags: identifiers, and arXiv subject
# categories ("Computer Science - Machine Learning") that Zotero stores as tags.
METADATA_WORDS = frozenset("doi arxiv isbn issn url pdf preprint unread".split())
CATEGORY_RE = re.compile(r"^(computer science|statistics|mathematics|physics|electrical engineering"
                         r"|quantitative biology|condensed matter)\b")
STOPWORDS = frozenset("""
a an the of for to in on and or with by from via at as is are be this that these those our their
its we it into over under than such which while without within
""".split())
CANDIDATES = 30          # c-TF-IDF candidates passed to the re-rank
KEYPHRASES_SHOWN = 8
SAME_LABEL_RATIO = 85    # rapidfuzz token_set_ratio at or above: "near-identical"
CORPUS_SHARE = 0.3       # a phrase in more of all papers than this is the corpus's field, not a theme
OWNED_SHARE = 0.33       # a single common word labels a theme only if this share of its papers are there
ADDED_COVERAGE = 0.15    # "A and B" when B names this share of the theme's papers that A does not,
SHARED_COVERAGE = 0.25   # or, adding none, when B is used by this share of the theme's papers
SECOND_CHOICES = 12      # B is looked for among this many ranked phrases
CONCENTRATION = 0.25     # a phrase spread over many themes ("machine learning") labels none of them
BROAD_SHARE = 1 / 3      # a lone common word used in more of the chapters than this is too broad
USE_SHARE = 0.1          # a chapter "uses" a word when this share of its papers (and at least 2) do
WHOLE_EXTENSION = 2      # words a cut phrase may be extended by before it is left out
HEAD_VARIETY = 4         # a lone word heading this many different two-word phrases is a category ("sciences")
CHAPTER_COVERAGE = 0.3   # a chapter's title names what at least this share of its papers use

PhraseEmbedder = Callable[[list[str]], np.ndarray]


normalise = phrase_form     # comparison form of a phrase: lower-case, singular words (annobib.text)


@functools.lru_cache(maxsize=1 << 18)     # pure; `stop` is a frozenset, so hashable
def is_labelable(norm: str, stop: frozenset[str] = STOPWORDS) -> bool:
    """At least one word that is neither generic nor a stopword; no function word at
    either edge (`stop`: the corpus language's, see `PhraseTable.stop`)."""
    words = norm.split()
    if any(w in METADATA_WORDS or "_" in w for w in words) or CATEGORY_RE.match(norm):
        return False                  # identifiers and tags: "doi", "Bd_3_Kap_8", "tmp_6"
    return bool(words) and words[0] not in stop and words[-1] not in stop and any(
        w not in GENERIC_WORDS and w not in stop and not w.isdigit() for w in words)


def label_words(phrase: str) -> list[str]:
    """Words of a phrase for labels: like `words_of`, but a hyphenated word stays one
    ("in-context", "multi-view"): its parts alone ("context") say something else; so
    does a word with an apostrophe ("Alzheimer's")."""
    return re.findall(r"\w+(?:[-'\u2019]\w+)*", phrase)


def label_form(phrase: str) -> str:
    """Comparison form of a label phrase: lower-case, singular, hyphenated words kept."""
    return " ".join(singular(w.lower()) for w in label_words(phrase))


def ngrams(phrase: str, longest: int = 3) -> list[tuple[str, str]]:
    """(normalised, surface) tail n-grams of one keyphrase.

    Only tails: an English noun phrase ends in its head noun, so "neural radiance
    fields" gives "radiance fields" and "fields" but never the headless "neural
    radiance" (measured: middle n-grams produced labels like "large language").
    """
    return list(_ngrams(phrase, longest))


@functools.lru_cache(maxsize=1 << 18)      # pure: the same phrases recur across papers and tables
def _ngrams(phrase: str, longest: int) -> tuple[tuple[str, str], ...]:
    surface = label_words(phrase)
    if CATEGORY_RE.match(label_form(phrase)):
        return []      # "Computer Science - Robotics": a subject tag, not a phrase of the paper
    tails = []
    for size in range(1, min(longest, len(surface)) + 1):
        words = surface[len(surface) - size:]
        tails.append((" ".join(singular(w.lower()) for w in words), " ".join(words)))
    if len(surface) > longest:
        tails.append((label_form(phrase), " ".join(surface)))
    return tuple(tails)


@functools.lru_cache(maxsize=1 << 16)      # one paper's keyphrases: the same in the sections' and chapters' tables
def _paper_terms(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[tuple[str, str], int], ...]]:
    """(the paper's normalised terms, each once, in order of first use; ((term, surface), uses)
    in order of first use): what `phrase_table` counts of one paper."""
    seen: dict[str, str] = {}
    uses: dict[tuple[str, str], int] = {}
    for phrase in phrases:
        for norm, surface in _ngrams(phrase, 3):
            seen.setdefault(norm, surface)
            uses[(norm, surface)] = uses.get((norm, surface), 0) + 1
    return tuple(seen), tuple(uses.items())


@dataclass
class PhraseTable:
    """Per theme, in how many papers each normalised term occurs (and which papers),
    its surface forms, and in how many papers of the whole corpus it occurs."""

    counts: list[Counter]
    surfaces: dict[str, Counter]
    members: list[dict[str, set[str]]]
    papers: int = 0
    wording: Wording | None = None          # the corpus's texts: spelling, wholeness, breadth
    stop: frozenset[str] = STOPWORDS        # function words at a label's edges
    chapters: list[set[str]] | None = None  # paper keys per chapter, for breadth
    rows: dict[str, int] | None = None      # paper key -> row of `wording`'s texts
    groups: list[list[str]] | None = None   # paper keys per theme

    def corpus_count(self, norm: str) -> int:
        return self._corpus_counts[norm]

    @functools.cached_property
    def _corpus_counts(self) -> Counter:
        """Papers per term over every theme (`counts` is not changed once the table is made)."""
        total = Counter()
        for c in self.counts:
            total.update(c)
        return total

    def display(self, norm: str) -> str:
        forms = self.surfaces[norm]
        surface = max(forms, key=lambda f: (forms[f], f))
        return self.wording.cased(surface) if self.wording else sentence_words(surface)

    def labelable(self, norm: str) -> bool:
        return is_labelable(norm, self.stop)

    def broad(self, norm: str) -> bool:
        """A single common word used by papers of more than BROAD_SHARE of the chapters
        (in their titles, abstracts or keyphrases): too broad to stand alone."""
        if len(norm.split()) != 1 or is_name(self.display(norm)):
            return False
        variety = set(self.heads().get(norm, ()))
        if self.wording is not None:        # compounds count too: German "Stadtgeschichte" heads like "data science"
            variety |= self.wording.compounds(self.display(norm)) | self.wording.compounds(norm)
        if len(variety) >= HEAD_VARIETY:
            return True
        if not self.chapters or len(self.chapters) < 3:
            return False
        users = set().union(*(m.get(norm, set()) for m in self.members))
        if self.wording is not None and self.rows is not None:
            rows = self.wording.papers_with(norm)
            users |= {k for k, r in self.rows.items() if r in rows}
        using = sum(1 for keys in self.chapters if len(users & keys) >= max(2, USE_SHARE * len(keys)))
        return using > BROAD_SHARE * len(self.chapters)

    def heads(self) -> dict[str, set[str]]:
        """word -> the different modifiers it heads in two-word phrases ("data science")."""
        if getattr(self, "_heads", None) is None:
            heads: dict[str, set[str]] = defaultdict(set)
            for norm in self.surfaces:
                words = norm.split()
                if len(words) == 2 and words[0] not in self.stop:
                    heads[words[1]].add(words[0])
            self._heads = dict(heads)
        return self._heads

    def users(self, norm: str, theme: int) -> set[str]:
        """Papers of the theme that use the phrase, in their keyphrases or texts."""
        found = set(self.members[theme].get(norm, set()))
        if self.wording is not None and self.rows is not None:
            rows = set(self.row_of_keys(theme))
            hits = set(self.wording.row_of[self.wording.occurrences(self.display(norm))].tolist()) & rows
            found |= {k for k in self.groups[theme] if self.rows[k] in hits}
        return found

    def row_of_keys(self, theme: int) -> list[int]:
        return [self.rows[k] for k in self.groups[theme]]

    def whole(self, norm: str) -> str | None:
        """The phrase as a label shows it: extended while the texts nearly always continue
        it with one same word (at most WHOLE_EXTENSION words); None if still cut."""
        shown = self.display(norm)
        if self.wording is None:
            return shown
        for _ in range(WHOLE_EXTENSION + 1):
            nxt = self.wording.continuation(shown)
            if nxt is None:
                return shown
            if len(shown.split()) - len(self.display(norm).split()) >= WHOLE_EXTENSION:
                return None
            shown = f"{shown} {nxt}"
        return None


def phrase_table(groups: list[list[str]], keyphrases: dict[str, tuple[str, ...]]) -> PhraseTable:
    counts, surfaces, members = [], defaultdict(Counter), []
    for group in groups:
        theme_counts, theme_members = Counter(), defaultdict(set)
        for key in group:
            seen, uses = _paper_terms(tuple(keyphrases.get(key, ())))
            for (norm, surface), n in uses:
                surfaces[norm][surface] += n
            theme_counts.update(seen)   # a paper counts once per term
            for norm in seen:
                theme_members[norm].add(key)
        counts.append(theme_counts)
        members.append(dict(theme_members))
    return PhraseTable(counts, dict(surfaces), members, sum(len(g) for g in groups), groups=groups)


def class_tfidf(table: PhraseTable) -> list[dict[str, float]]:
    """BERTopic's c-TF-IDF: tf within the theme x log(1 + A / frequency over all themes)."""
    totals = Counter()
    for counts in table.counts:
        totals.update(counts)
    average = sum(totals.values()) / max(1, len(table.counts))
    scores = []
    for counts in table.counts:
        size = sum(counts.values()) or 1
        scores.append({t: (c / size) * math.log(1 + average / totals[t]) for t, c in counts.items()})
    return scores


def sentence_words(surface: str) -> str:
    """Lower-case ordinary words, keep acronyms and mixed-case names (NeRF, 3D, SDF)."""
    def keep(word: str) -> bool:
        return any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word)
    return " ".join(w if keep(w) else w.lower() for w in surface.split())


def sentence_case(text: str) -> str:
    """First letter capitalised, unless the first word is a name written with a lower-case
    first letter and capitals after it (mRNA, iCub, t-SNE, eBay)."""
    first = text.split(" ", 1)[0] if text else ""
    if first[:1].islower() and any(ch.isupper() for ch in first[1:]):
        return text
    return text[:1].upper() + text[1:] if text else text


@dataclass(frozen=True)
class ThemeText:
    label: str
    description: str
    keyphrases: tuple[str, ...]


def candidates(scores: dict[str, float], counts: Counter, size: int,
               table: PhraseTable | None = None) -> list[str]:
    """Labelable terms shared by several papers of the theme, best c-TF-IDF first;
    never a term of more than CORPUS_SHARE of all papers (the corpus's own field)."""
    min_papers = 2 if size >= 4 else 1
    widest = CORPUS_SHARE * table.papers if table and table.papers >= 20 else float("inf")
    usable = [t for t in scores if counts[t] >= min_papers
              and (table.labelable(t) if table is not None else is_labelable(t))
              and (table is None or table.corpus_count(t) <= widest)]
    return sorted(usable, key=lambda t: (-scores[t], t))[:CANDIDATES]


def rerank(terms: list[str], scores: dict[str, float], table: PhraseTable, centroid: np.ndarray,
           embed: PhraseEmbedder) -> list[str]:
    """KeyBERT-style: similarity of each phrase to the theme centroid, times sqrt(c-TF-IDF)."""
    if not terms:
        return []
    vectors = unit_rows(np.asarray(embed([table.display(t) for t in terms]), dtype=float), floor=1e-12)
    top = max(scores[t] for t in terms)
    final = {t: float(v @ centroid) * math.sqrt(scores[t] / top) for t, v in zip(terms, vectors)}
    return sorted(terms, key=lambda t: (-round(final[t], 6), t))


def initials(words: list[str]) -> set[str]:
    """Acronyms a phrase could be written as: 'recurrent neural network' -> rnn, nn, rn..."""
    return {"".join(w[0] for w in words[i:j]) for i in range(len(words))
            for j in range(i + 2, len(words) + 1)}


def distinct(a: str, b: str) -> bool:
    """No shared content word, neither contains the other, neither abbreviates the other."""
    from rapidfuzz import fuzz

    content = lambda t: {w for w in t.split() if w not in GENERIC_WORDS and w not in STOPWORDS}
    bare = lambda t: {w[:-1] if w.endswith("s") and len(w) <= 5 else w for w in t.split()}   # LMs -> lm
    abbreviates = lambda x, y: bool(bare(x) & initials(y.split()))
    return not (content(a) & content(b) or abbreviates(a, b) or abbreviates(b, a)) and \
        fuzz.partial_ratio(a, b) < 80


def is_name(surface: str) -> bool:
    """An acronym or mixed-case name (NeRF, GANs, SDF, LiDAR): specific on its own."""
    return any(ch.isupper() for ch in surface[1:]) and any(ch.isalpha() for ch in surface)


def owned(term: str, theme: int, table: PhraseTable) -> bool:
    """A single common word ("hypernetworks", "pruning") labels a theme only when the
    theme holds more of the papers that use it than any other theme, at least
    OWNED_SHARE of them, and at least 3."""
    here = table.counts[theme][term]
    return here >= 3 and here >= OWNED_SHARE * table.corpus_count(term) and \
        all(here >= c[term] for c in table.counts)


def concentrated(term: str, theme: int, table: PhraseTable) -> bool:
    """At least CONCENTRATION of the corpus's papers using the term are in this theme:
    a phrase spread evenly ("machine learning", "computer science") sets no theme apart."""
    return table.counts[theme][term] >= CONCENTRATION * table.corpus_count(term)


def is_specific(term: str, theme: int, table: PhraseTable) -> bool:
    """Fit to stand in a chapter title: a labelable phrase of two or more words, or a
    name, concentrated in the theme; or a single word the theme owns that is not too
    broad for the corpus (`PhraseTable.broad`)."""
    if not table.labelable(term):
        return False
    if len(term.split()) >= 2 or is_name(table.display(term)):
        return concentrated(term, theme, table)
    return owned(term, theme, table) and not table.broad(term)


def pairable(term: str, table: PhraseTable, theme: int | None = None) -> bool:
    """Fit to stand after "and": two or more words, or a name (never one common noun),
    concentrated in the theme."""
    return table.labelable(term) and (len(term.split()) >= 2 or is_name(table.display(term))) and \
        (theme is None or concentrated(term, theme, table))


def label_options(ranked: list[str], table: PhraseTable, theme: int | None = None,
                  min_coverage: float = 0.0) -> list[str]:
    """Candidate chapter titles, best first: for each specific head phrase A (in rank
    order), "A and B" with the distinct phrase B that adds most of the theme's papers
    (at least ADDED_COVERAGE of them; else one used by SHARED_COVERAGE of them), then
    A alone. "and" joins only phrases of two or more words or names: a single word the
    theme owns ("Hypernetworks") stands alone. With `min_coverage`, A must be used (in
    keyphrases or texts) by at least that share of the theme's papers (chapter titles)."""
    if theme is None:   # no table row (old callers): every labelable phrase may stand
        specific = [t for t in ranked if table.labelable(t)]
        members: dict[str, set[str]] = {}
        size = 1
    else:
        specific = [t for t in ranked if is_specific(t, theme, table)]
        # a phrase reads better as a title than a lone acronym or dataset name (NeRF, ImageNet, CL)
        specific.sort(key=lambda t: len(t.split()) == 1 and is_name(table.display(t)))
        members = table.members[theme]
        size = max(1, len(set().union(*members.values()))) if members else 1
    options = []
    specific = [t for t in specific if table.whole(t)]       # a phrase cut in the middle is no title
    if min_coverage and theme is not None and table.groups:
        need = min_coverage * len(table.groups[theme])
        specific = [t for t in specific if len(table.users(t, theme)) >= need]
    for first in specific[:6]:
        if not pairable(first, table):      # a single word the theme owns stands alone
            options.append(sentence_case(table.whole(first)))
            continue
        covered = members.get(first, set())
        seconds = [t for t in ranked[:SECOND_CHOICES]
                   if t != first and pairable(t, table, theme) and distinct(first, t) and table.whole(t)]
        best = None
        if members:
            gains = [(len(members.get(t, set()) - covered), -i, t) for i, t in enumerate(seconds)]
            gain, _, adding = max(gains, default=(0, 0, None))
            if adding and gain >= max(2, ADDED_COVERAGE * size):
                best = adding
            else:
                best = next((t for t in seconds if len(members.get(t, ())) >= max(2, SHARED_COVERAGE * size)),
                            None)
        elif seconds:
            best = seconds[0]
        if best:
            options.append(sentence_case(joined(table.whole(first), table.whole(best), table.wording)))
        options.append(sentence_case(table.whole(first)))
    return options


def joined(first: str, second: str, wording: Wording | None = None) -> str:
    """Two phrases as one label, joined with the corpus language's "and" (organize/wording.py)."""
    return f"{first} {wording.conjunction if wording is not None else 'and'} {second}"


def is_near(label: str, taken: list[str]) -> bool:
    from rapidfuzz import fuzz

    return any(fuzz.token_set_ratio(label.lower(), other.lower()) >= SAME_LABEL_RATIO for other in taken)


def distinct_enough(a: str, b: str) -> bool:
    """Looser than `distinct`: only containment and abbreviation make two keyphrases one."""
    return not (a in b or b in a or set(a.split()) & initials(b.split())
                or set(b.split()) & initials(a.split()))


def characteristic(ranked: list[str], table: PhraseTable) -> tuple[str, ...]:
    """Top keyphrases, skipping one contained in or abbreviating a better one (RNN, radiance field)."""
    chosen: list[str] = []
    for term in ranked:
        if all(distinct_enough(term, better) for better in chosen):
            chosen.append(term)
        if len(chosen) == KEYPHRASES_SHOWN:
            break
    return tuple(table.display(t) for t in chosen)


def describe(keyphrases: tuple[str, ...], example_title: str) -> str:
    topics = list(keyphrases[:3])
    listed = ", ".join(topics[:-1]) + (" and " if len(topics) > 1 else "") + topics[-1] if topics else "related work"
    title = example_title   # plain text already (Paper.title_text)
    example = f", for example \u201c{title}\u201d" if title else ""
    return f"Papers on {listed}{example}."


def fallback_label(i: int, group: list[str], ranked: list[str], table: PhraseTable, title: str,
                   taken: list[str]) -> str:
    """A label for a group with nothing specific, never a number: the best-ranked whole
    phrase, else the phrase of the most of its papers (any size, not too broad), else its
    representative paper's title."""
    used = {t.lower() for t in taken}
    spread = sorted((t for t in table.counts[i] if table.labelable(t)),
                    key=lambda t: (-table.counts[i][t], -len(t.split()), t))
    for term in [*ranked, *spread]:
        if table.broad(term):          # never a lone word too broad for the corpus
            continue
        shown = table.whole(term)
        if shown and sentence_case(shown).lower() not in used:
            return sentence_case(shown)
    if title and table.wording is not None:
        title = table.wording.cased(title)       # "Incremental Object Learning" as the texts write it
    if title and title_label(title).lower() not in used:
        return title_label(title)
    return title_label(title) if title else sentence_case(group[0])


def title_label(title: str) -> str:
    """A title as a last-resort label: the part before its colon ("NeRF: Representing
    scenes ..." -> "NeRF"), else the whole title; never cut elsewhere."""
    head = title.split(":", 1)[0].strip()
    return sentence_case(head if re.search(r"\w", head) else title.strip())


def theme_texts(groups: list[list[str]], keyphrases: dict[str, tuple[str, ...]],
                centroids: np.ndarray, representatives: list[str], titles: dict[str, str],
                embed: PhraseEmbedder, fixed_labels: list[str | None], *,
                wording: Wording | None = None, rows: dict[str, int] | None = None,
                chapter_of: list[int] | None = None, avoid: list[list[str]] | None = None,
                min_coverage: float = 0.0, fallbacks: list[str | None] | None = None,
                lone_words: bool = True) -> list[ThemeText]:
    """Label, description and keyphrases for every group.

    c-TF-IDF runs over all groups so a label says what sets its theme apart. A group
    with a fixed label (from the themes file) keeps it; the others, largest first,
    take the best option not near-identical to any label already taken nor to the
    group's `avoid` labels (a chapter's sections' labels).
    `wording` (the corpus's texts; `rows`: key -> its row) checks spelling, wholeness
    and breadth; `chapter_of` (group -> chapter index; default: each group its own)
    is what breadth is counted across. `min_coverage`: see `label_options`;
    `fallbacks[i]`: group i's label when no option is left (before `fallback_label`);
    `lone_words=False`: no one-word label (chapters: "Humans", "Frames" say too little).
    """
    table = phrase_table(groups, keyphrases)
    table.wording = wording
    table.rows = rows
    if wording is not None:
        table.stop = STOPWORDS | wording.function_words
    chapter_of = chapter_of if chapter_of is not None else list(range(len(groups)))
    chapter_keys: dict[int, set[str]] = defaultdict(set)
    for i, group in enumerate(groups):
        chapter_keys[chapter_of[i]].update(group)
    table.chapters = [chapter_keys[c] for c in sorted(chapter_keys)]
    scores = class_tfidf(table)
    ranked = [rerank(candidates(scores[i], table.counts[i], len(g), table), scores[i], table,
                     centroids[i], embed) for i, g in enumerate(groups)]
    phrases = [characteristic(r, table) for r in ranked]
    labels = list(fixed_labels)
    taken = [label for label in labels if label]
    for i in sorted(range(len(groups)), key=lambda i: (-len(groups[i]), groups[i][:1])):
        if labels[i]:
            continue
        every = label_options(ranked[i], table, i, min_coverage)
        if not lone_words:
            every = [o for o in every if len(o.split()) > 1]
        own = (avoid[i] if avoid else [])
        options = [o for o in every if not is_near(o, taken + own)] or \
            [o for o in every if not is_near(o, taken)] or \
            [o for o in every if o.lower() not in {t.lower() for t in taken}]
        fallback = fallbacks[i] if fallbacks else None
        if not options and fallback and not is_near(fallback, taken):
            options = [fallback]
        labels[i] = options[0] if options else fallback_label(i, groups[i], ranked[i], table,
                                                              titles.get(representatives[i], ""), taken)
        taken.append(labels[i])
    return [ThemeText(labels[i], describe(phrases[i], titles.get(representatives[i], "")), phrases[i])
            for i in range(len(groups))]

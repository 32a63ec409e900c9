"""Keyphrases with spaCy and KeyBERT: part-of-speech candidates, KeyBERT ranking, MMR.

How a document's keyphrases are chosen
--------------------------------------
1. Candidates (spaCy): noun phrases found with part-of-speech tags, the chunk grammar
   ``{<NN.*|JJ>*<NN.*>}`` of EmbedRank (Bennani-Smires et al., CoNLL 2018), also used by
   SIFRank, MDERank and PromptRank. Hyphenated compounds ("3D-consistent", "SDF-based")
   count as one word, and tokens that are plainly names (internal capitals or digits:
   StyleGAN2, NeRF) count as nouns whatever the tagger says, because taggers trained on
   news text often mislabel them. Vague openers ("such", "several", "novel") are cut
   off; chunks longer than ``max_words`` are dropped. A document longer than
   ``document_words`` whitespace words is cut to its first ``document_words`` (512, as
   PromptRank does); abstracts are far shorter.
2. Occurrences are grouped by their Porter-stemmed, lower-cased word sequence, so
   "image" and "images" are one candidate; its display form keeps the casing seen in
   the running text (acronyms and names survive, title and sentence-start capitals do not).
3. Embeddings, each computed once: the document (title first, when given) in one
   encoder pass, which also yields the contextual token vectors the re-ranker's masked
   signal needs; then every distinct candidate string of the batch.
4. KeyBERT (Grootendorst, 2020) is the engine: ``KeyBERT.extract_keywords`` gets the
   candidates through a ``vectorizer`` (a CountVectorizer whose analyzer returns each
   document's spaCy candidates), and the embeddings through ``doc_embeddings=`` and
   ``word_embeddings=``, and scores every candidate by its cosine to the document.
5. The re-ranker (``rerank.py``: masked-document drop, centrality, position, length;
   each switchable, all off with ``rerank=NO_RERANK``) adjusts KeyBERT's scores.
6. What a reader sees: phrases made of generic words only ("work", "wide adoption";
   the reviewed list in ``data/generic_heads.txt``) are left out, and a phrase whose
   words lie inside a better-ranked one ("radiance field" after "neural radiance
   fields") is merged into it; a merged group is shown as the member the document uses
   far more often, if any ("average flow time" for a title's "minimizing Average Flow
   Time"; a single common word only when frequent). The best ``mmr_pool`` that remain go to KeyBERT's
   Maximal Marginal Relevance (``use_mmr=True``, Carbonell & Goldstein, 1998), which
   picks ``top_n`` of them, dropping near-repeats; they are listed best first by the
   re-ranked score (KeyBERT sorts its MMR picks by cosine alone, which would undo the
   re-ranker: measured in bench/RESULTS.md). With the re-ranker off the order is KeyBERT's.
7. Author keywords given for a document come first, in the authors' order; extracted
   phrases that repeat one (same stems, or inside it) are left out.

``KeyphraseExtractor.extract`` is that whole path, which the benchmark (bench/keyphrases.py)
calls; the site (``analyze_documents``) runs the same steps in two halves, which may run in
two processes: ``CandidateReader.prepare`` (steps 1-2, spaCy only), then
``KeyphraseExtractor.score_prepared`` and ``select`` (steps 3-7, the encoder only). Defaults were tuned on the Inspec
tuning split and checked on development collections of other kinds (bench/RESULTS.md).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..vectors import unit_rows
from .rerank import RerankSettings, masked_document_drops, rerank, shortlist

NOUN_TAGS = ("NN", "NNS", "NNP", "NNPS")
# Modifiers that open many chunks but never belong to a keyphrase ("such systems").
LEADING_JUNK = frozenset(
    "such other many several various different same certain new novel own main "
    "further additional previous recent given particular possible first second third "
    "important efficient effective useful good whole entire overall typical simple "
    # evaluative words that open chunks in abstracts ("only collections", "superior performance")
    "only superior powerful strong similar current existing significant remarkable impressive "
    "promising competitive comparable better best".split()
)
_NAME_LIKE = re.compile(r"^(?=.*[A-Za-z])(?:.+[A-Z].*|.*\d.*)$")


@functools.lru_cache(maxsize=4)
def _read_word_list(name: str) -> dict[str, frozenset[str]]:
    """Sections ``[heads]`` / ``[modifiers]`` (words) and ``[phrases]`` (one a line) of a
    word list in analyze/data; '#' comments."""
    sections: dict[str, set[str]] = {}
    current, section = None, None
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            current = sections.setdefault(section, set())
        elif section == "phrases":  # whole phrases, one a line
            current.add(" ".join(line.split()))
        elif current is not None:
            current.update(line.split())
    return {k: frozenset(v) for k, v in sections.items()}


@functools.lru_cache(maxsize=1)
def generic_words() -> tuple[frozenset[str], frozenset[str]]:
    """(generic heads, Porter-stemmed; generic modifiers, lower case) from data/generic_heads.txt.

    Modifiers are not stemmed: stems of adjectives collide with nouns ("numerous" and
    "numerical" are both "numer", "powerful" and "power" both "power")."""
    lists = _read_word_list("generic_heads.txt")
    heads = frozenset(_stem(w) for w in lists.get("heads", ()))
    modifiers = frozenset(lists.get("modifiers", ()) | LEADING_JUNK)
    return heads, modifiers


@functools.lru_cache(maxsize=1)
def boilerplate_phrases() -> frozenset[str]:
    """Stem keys of the whole phrases under [phrases] in data/generic_heads.txt: headings
    of paper templates ("Subject Descriptors"), never a keyphrase."""
    return frozenset(stem_key(p) for p in _read_word_list("generic_heads.txt").get("phrases", ()))


def is_generic(phrase: str) -> bool:
    """True for a phrase of generic words only: a generic head ("work", "networks"),
    preceded by nothing or by generic modifiers only ("wide adoption", "recent work");
    or a template heading listed whole ("Subject Descriptors")."""
    words = phrase.lower().split()
    if not words:
        return True
    if stem_key(phrase) in boilerplate_phrases():
        return True
    heads, modifiers = generic_words()
    return (_stem(words[-1]) in heads and _listed_head(words[-1])
            and all(w in modifiers for w in words[:-1]))


def _listed_head(word: str) -> bool:
    """Whether the word itself (or its singular) is under [heads]: stems alone would also
    make "communication" (community), "reasoning" (reason) or "ratings" (rate) generic."""
    listed = _read_word_list("generic_heads.txt").get("heads", frozenset())
    forms = {word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word,
             word[:-3] + "y" if word.endswith("ies") else word}
    return bool(forms & listed)


@dataclass(frozen=True)
class KeyphraseSettings:
    """Every knob of the extraction, with the default tuned as bench/RESULTS.md says."""

    # ---- candidates (spaCy)
    max_words: int = 5
    adjective_tags: tuple[str, ...] = ("JJ",)
    # Words dropped from the start of a chunk; empty to keep chunks whole.
    leading_junk: frozenset[str] = LEADING_JUNK
    subphrases: bool = False
    # Documents are cut to their first this many whitespace words (PromptRank: 512); 0 keeps all.
    document_words: int = 512
    # ---- scoring: KeyBERT's cosine, then the re-ranker (rerank.py)
    rerank: RerankSettings = RerankSettings()
    # ---- what is shown
    drop_generic: bool = True       # phrases of generic words only (data/generic_heads.txt)
    # A phrase inside a better-ranked one is merged into it: "same-head" when it ends the
    # better one ("radiance field" into "neural radiance fields"), "any" wherever it sits
    # ("uddi" into "uddi registry" too), "none".
    merge_nested: str = "same-head"
    # Phrases that differ only by generic words merge too ("image harmonization method"
    # into "image harmonization").
    merge_generic_words: bool = True
    # A merged group is shown as its best-ranked member, or as another the document uses
    # at least this many times as often (see _shown_member); 0: always the best-ranked.
    merge_show_ratio: float = 2.0
    merge_show_word_min: int = 6    # ... and this often, for a single common word
    use_mmr: bool = True            # KeyBERT's MMR picks the shown phrases from a pool
    diversity: float = 0.2          # 0.5 cost F1 on every collection, long papers most
    mmr_pool: int = 20              # the best this many (after the two filters above) go to MMR
    # The re-ranker's best this many are shown whatever MMR picks: KeyBERT's MMR weighs
    # relevance by cosine alone, which is lowest for a paper's own names ("StyleSDF").
    mmr_keep: int = 5
    # ---- batching
    document_batch_size: int = 32
    document_group_size: int = 256
    candidate_batch_size: int = 64
    spacy_batch_size: int = 64
    # spaCy components not needed for tags; skipped when we parse ourselves (tags are
    # the same with and without them).
    disabled_pipes: tuple[str, ...] = ("parser", "ner", "lemmatizer", "attribute_ruler")


@dataclass
class Candidate:
    """One stemmed phrase of one document, with what the ranking needs to know."""

    key: str
    surface_forms: list[str] = field(default_factory=list)
    first_position: float = 1.0
    occurrences: int = 0
    in_title: bool = False
    words: int = 1
    text: str = ""
    # (segment index, start char, end char) of every occurrence
    spans: list[tuple[int, int, int]] = field(default_factory=list)


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


@functools.lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import PorterStemmer

    return PorterStemmer()


def stem_key(phrase: str) -> str:
    """The identity of a phrase: lower-cased, whitespace-split words, Porter-stemmed."""
    return " ".join(_stem(w) for w in phrase.lower().split())


# ---------------------------------------------------------------- candidates


def _words(doc):
    """Group spaCy tokens into words; hyphen-joined tokens form one word.

    Yields (start_char, end_char, word_class) with word_class 'N' (noun),
    'A' (adjective) or 'O' (anything else). A wrapped line (one line break, the next
    line going on in lower case) is passed over; other line breaks end a phrase."""
    text = doc.text  # Doc.text joins all tokens on every access: read it once
    group: list = []
    for token in doc:
        if token.is_space and _wrapped_line(token):
            continue  # a line break inside a sentence (text from a PDF) does not end a phrase
        joined = group and not group[-1].whitespace_ and (token.text == "-" or group[-1].text == "-")
        if group and not joined:
            yield _word(group, text)
            group = []
        group.append(token)
    if group:
        yield _word(group, text)


def _wrapped_line(token) -> bool:
    """Whitespace token that only wraps a line: one line break, followed by a word in
    lower case ("web service\ndiscovery"); not a heading or a new paragraph ("ABSTRACT\nThe")."""
    if token.text.count("\n") != 1 or token.i + 1 >= len(token.doc):
        return False
    return token.doc[token.i + 1].text[:1].islower()


def _word(tokens, doc_text: str):
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = doc_text[start:end]
    last = tokens[-1]
    if last.text == "-" or not any(ch.isalnum() for ch in text) or any(t.like_url or t.like_email for t in tokens):
        return start, end, "O"  # punctuation, links and e-mail addresses are never keyphrases
    if not last.doc.has_annotation("TAG"):
        # A language without a trained tagger (spaCy's language data only): every word
        # that is not a stop word, a number or punctuation may stand in a phrase, so a
        # phrase never starts or ends with a function word of that language.
        content = not any(_function_word(t) or t.like_num or t.is_punct for t in (tokens[0], last)) and len(text) > 2
        return start, end, "N" if content and any(ch.isalpha() for ch in text) else "O"
    if last.tag_ in NOUN_TAGS or (len(tokens) == 1 and _NAME_LIKE.match(text) and last.tag_ != "CD"):
        return start, end, "N"
    if last.tag_ == "JJ" or (len(tokens) > 1 and last.tag_ in ("JJ", "JJR", "JJS", "VBN", "VBG")):
        return start, end, "A"
    return start, end, last.tag_


def _function_word(token) -> bool:
    """A stop word of the token's language, also as the tokeniser leaves it: with the
    typographic apostrophe ('jusqu’' of 'jusqu’ici') or as a clitic after a hyphen ('-ce'
    of 'qu’est-ce', '-il')."""
    if token.is_stop:
        return True
    form = token.lower_.replace("’", "'").strip("-")
    return any(token.vocab[f].is_stop for f in (form, form.rstrip("'")) if f)


def _chunks(words, settings: KeyphraseSettings):
    """Maximal runs matching {<NN.*|JJ>*<NN.*>}, as (word index, [(start, end, class), ...])."""
    run: list[tuple[int, int, int, str]] = []
    for index, (start, end, cls) in enumerate(words):
        if cls == "N" or cls == "A" or cls in settings.adjective_tags:
            run.append((index, start, end, "N" if cls == "N" else "A"))
            continue
        yield from _close_run(run)
        run = []
    yield from _close_run(run)


def _close_run(run):
    # The grammar is greedy: a run yields one chunk ending at its last noun; the
    # adjectives after it start nothing (the next run begins after a non-NN/JJ word).
    while run and run[-1][3] != "N":
        run = run[:-1]
    if run:
        yield run[0][0], [(start, end, cls) for _, start, end, cls in run]


def _clean(spans, text: str, settings: KeyphraseSettings):
    while len(spans) > 1 and text[spans[0][0]:spans[0][1]].lower() in settings.leading_junk:
        spans = spans[1:]
    return spans


def _phrases(spans, settings: KeyphraseSettings):
    """The chunk itself if short enough, then (optionally) its shorter parts ending in a noun.

    Parts matter because authors' keyphrases are often nested in a longer chunk
    ("network design" in "network design problem")."""
    if len(spans) <= settings.max_words:
        yield 0, spans, True
    if not settings.subphrases:
        return
    n = len(spans)
    for length in range(min(n - 1, settings.max_words), 0, -1):
        for first in range(0, n - length + 1):
            part = spans[first:first + length]
            if part[-1][2] == "N":
                yield first, part, False


def collect_candidates(segments, settings: KeyphraseSettings) -> list[Candidate]:
    """Candidates of one document given as parsed segments [(doc, is_title), ...]."""
    by_key: dict[str, Candidate] = {}
    words = [list(_words(doc)) for doc, _ in segments]
    total_words = sum(map(len, words)) or 1
    offset = 0
    for segment, ((doc, is_title), doc_words) in enumerate(zip(segments, words)):
        text = doc.text
        for chunk_index, chunk in _chunks(doc_words, settings):
            for word_index, spans, whole in _phrases(_clean(chunk, text, settings), settings):
                surface = " ".join(text[s:e] for s, e, _ in spans)
                key = stem_key(surface)
                cand = by_key.get(key)
                if cand is None:
                    cand = by_key[key] = Candidate(key=key, words=len(spans))
                    cand.first_position = (offset + chunk_index + word_index) / total_words
                cand.occurrences += 1
                cand.in_title = cand.in_title or is_title
                cand.surface_forms.append(_display_form(text, spans, is_title, doc.has_annotation("TAG")))
                cand.spans.append((segment, spans[0][0], spans[-1][1]))
        offset += len(doc_words)
    candidates = list(by_key.values())
    for cand in candidates:
        cand.text = _preferred_form(cand.surface_forms)
    return candidates


def _display_form(text: str, spans, is_title: bool, tagged: bool = True) -> str:
    """The words as written, except capitals that only mark a title or a sentence start.

    `tagged` False (a language read without a tagger): words stay as written, since a
    capital there may be the language's own (German nouns)."""
    if not tagged:   # as the text spaces them: 'jusqu’ici', not 'jusqu’ ici'
        return " ".join(text[spans[0][0]:spans[-1][1]].split())
    words = []
    for start, end, _ in spans:
        word = text[start:end]
        if is_title:
            word = "-".join(_lower_plain_capital(part) for part in word.split("-"))
        elif _starts_sentence(text, start):
            word = _lower_plain_capital(word)
        words.append(word)
    return " ".join(words)


def _lower_plain_capital(word: str) -> str:
    # "Image" -> "image"; "NeRF", "RGB", "StyleGAN2", "3D" are names and stay.
    return word.lower() if word[:1].isupper() and word[1:].islower() else word


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 40):start].rstrip()
    return start == 0 or (before[-1:] or "\n") in ".!?:;\n"


def _preferred_form(forms: list[str]) -> str:
    # The spelling the authors used most (plural or singular); on a tie the one with
    # capitals, which survive _display_form only in names; then the first seen.
    counts: dict[str, int] = {}
    for form in forms:
        counts[form] = counts.get(form, 0) + 1
    return max(counts, key=lambda f: (counts[f], f != f.lower(), -forms.index(f)))


# ---------------------------------------------------------------- what is shown


def _merge_form(key: str) -> str:
    """A stem key with hyphens as spaces: "3d-consist imag" and "3d consist imag" meet."""
    return " " + " ".join(key.replace("-", " ").split()) + " "


def shown_order(candidates: list[Candidate], scores: np.ndarray, settings: KeyphraseSettings,
                taken: list[str] = ()) -> list[int]:
    """Indices best first, without generic phrases and without phrases merged into a better one.

    Phrases that merge (one inside a better-ranked one, or the two differing only by
    generic words) form one group, shown once, in the place of its best-ranked member,
    as that member or as one the document uses far more often (``_shown_member``):
    "average flow time" rather than the title's "minimizing Average Flow Time",
    "Gorman" rather than "former Boston GM Lou Gorman".

    taken: stem keys already shown (author keywords): phrases inside one are left out."""
    groups: list[list[int]] = []
    forms, contents = _taken_forms(taken)
    owners: list[int | None] = [None] * len(forms)  # group behind each form (None: an author keyword)
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        i = int(i)
        if settings.drop_generic and is_generic(candidates[i].text):
            continue
        form = _merge_form(candidates[i].key)
        into = _merges_into(form, forms, contents, settings)
        if into is not None:
            if owners[into] is not None:
                groups[owners[into]].append(i)
            continue
        owners.append(len(groups))
        groups.append([i])
        forms.append(form)
        contents.append(_content_form(form))
    if not settings.merge_show_ratio:
        return [group[0] for group in groups]
    # A group shown by another member must still read well next to the others: it is
    # left out when it now repeats or ends a phrase shown above it.
    kept: list[int] = []
    forms, contents = _taken_forms(taken)
    for i in (_shown_member(group, candidates, settings) for group in groups):
        form = _merge_form(candidates[i].key)
        if _merges_into(form, forms, contents, settings) is None:
            kept.append(i)
            forms.append(form)
            contents.append(_content_form(form))
    return kept


def _taken_forms(taken) -> tuple[list[str], list[str]]:
    """Merge forms and content forms of the author keywords' stem keys."""
    forms = [_merge_form(k) for k in taken]
    return forms, [_content_form(f) for f in forms]


def _shown_member(group: list[int], candidates: list[Candidate], settings: KeyphraseSettings) -> int:
    """The member a merged group is shown as: the best-ranked, unless another is used
    ``merge_show_ratio`` times as often; a single common word ("dynamics" for "robot
    dynamics") only when it also occurs ``merge_show_word_min`` times."""
    best = group[0]
    floor = settings.merge_show_ratio * candidates[best].occurrences

    def eligible(c: Candidate) -> bool:
        if c.occurrences < floor or c.occurrences <= candidates[best].occurrences:
            return False
        return c.words > 1 or c.text != c.text.lower() or c.occurrences >= settings.merge_show_word_min

    members = [i for i in group[1:] if eligible(candidates[i])]
    return max(members, key=lambda i: (candidates[i].occurrences, -group.index(i))) if members else best


def _merges_into(form: str, forms: list[str], contents: list[str], settings: KeyphraseSettings) -> int | None:
    """Index of the first of `forms` that the phrase of merge form `form` merges into, or None."""
    content = _content_form(form)
    for j, (other, other_content) in enumerate(zip(forms, contents)):
        if form == other or (settings.merge_generic_words and content == other_content) \
                or _nested(form, other, settings.merge_nested):
            return j
    return None


def _content_form(form: str) -> str:
    """A merge form without its generic words: "imag harmon method" -> "imag harmon",
    so that "image harmonization method" merges into "image harmonization"."""
    heads, modifiers = generic_words()
    words = [w for w in form.split() if w not in heads and w not in modifiers]
    return " ".join(words) if words else form.strip()


def _nested(form: str, other: str, mode: str) -> bool:
    """Whether phrase `form` merges into `other` (both _merge_form strings)."""
    if mode == "same-head":  # "radiance field" into "neural radiance fields", not "uddi" into "uddi registry"
        return other.endswith(form)
    return mode == "any" and form in other


def author_keywords(keywords) -> list[str]:
    """The authors' keywords, stripped, without repeats (same stems), in their order."""
    result, seen = [], set()
    for keyword in keywords or ():
        keyword = " ".join(str(keyword).split())
        key = stem_key(keyword)
        if key and key not in seen:
            seen.add(key)
            result.append(keyword)
    return result


# ---------------------------------------------------------------- KeyBERT glue


def _keybert_backend(encoder):
    """The encoder as a KeyBERT backend. Embeddings are always passed in, so KeyBERT
    never calls it; without it, KeyBERT would try to download a model of its own."""
    from keybert.backend import BaseEmbedder

    class EncoderBackend(BaseEmbedder):
        def embed(self, documents, verbose=False):
            return _unit(np.asarray(encoder.encode(list(documents)), dtype=np.float32))

    return EncoderBackend(encoder)


def _candidate_vectorizer(phrases: dict[str, list[str]]):
    """A CountVectorizer whose 'analysis' of a document is its list of candidates."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=phrases.__getitem__, lowercase=False)


def keybert_keywords(model, docs: list[str], phrases: list[list[str]], doc_vectors: np.ndarray,
                     vectors: dict[str, np.ndarray], top_n: int, **options) -> list[list[tuple[str, float]]]:
    """``model.extract_keywords`` over our candidates and embeddings, one list per document."""
    if not docs:
        return []
    if not any(phrases):
        return [[] for _ in docs]
    # KeyBERT reads documents only through the vectorizer (their embeddings are given), so
    # each is passed as its position: two entries with the same text (one title under two
    # keys, read in two languages) may have different candidates.
    ids = [f"document {i}" for i in range(len(docs))]
    table = dict(zip(ids, phrases))
    vectorizer = _candidate_vectorizer(table)
    names = vectorizer.fit(ids).get_feature_names_out()
    word_embeddings = np.array([vectors[name] for name in names])
    result = model.extract_keywords(ids, vectorizer=_candidate_vectorizer(table), top_n=top_n,
                                    doc_embeddings=doc_vectors, word_embeddings=word_embeddings, **options)
    return [result] if len(docs) == 1 else result  # KeyBERT flattens a single document's list


# ---------------------------------------------------------------- extractor


@dataclass
class Prepared:
    """What spaCy gives the encoder's half of the scoring (steps 1 and 2), for a batch:
    the text each document's encoder pass reads (title first), its candidates, and where
    each parsed segment starts in that text. Plain data, so the two halves can run in
    different processes (analyze/worker.py)."""

    full_texts: list[str]
    candidates: list[list[Candidate]]
    starts: list[tuple[int, ...]]


class CandidateReader:
    """Steps 1 and 2 of the module docstring, with spaCy only (no encoder)."""

    def __init__(self, nlp, settings: KeyphraseSettings = KeyphraseSettings()):
        self.nlp = nlp
        self.settings = settings

    def prepare(self, texts, titles=None, spacy_docs=None) -> Prepared:
        """Candidates of every document; `spacy_docs`: optional parses of `texts`."""
        titles = list(titles) if titles is not None else [None] * len(texts)
        cut = [_truncate(t, self.settings.document_words) for t in texts]
        if spacy_docs is not None:
            spacy_docs = [_fit_doc(doc, c) for doc, c in zip(spacy_docs, cut)]
        segments = self._segments(cut, titles, spacy_docs)
        candidates = [collect_candidates(segs, self.settings) for segs in segments]
        joined = [_join(title, text) for title, text in zip(titles, cut)]
        return Prepared([text for text, _ in joined], candidates, [starts for _, starts in joined])

    def _segments(self, texts, titles, spacy_docs):
        if spacy_docs is None:
            spacy_docs = [None] * len(texts)
        missing = [t for t, d in zip(texts, spacy_docs) if d is None]
        parsed = iter(self._parse(missing))
        docs = [d if d is not None else next(parsed) for d in spacy_docs]
        title_docs = iter(self._parse([t for t in titles if t]))
        return [([(next(title_docs), True)] if title else []) + [(doc, False)]
                for title, doc in zip(titles, docs)]

    def _parse(self, texts):
        if not texts:
            return []
        disabled = [p for p in self.settings.disabled_pipes if p in self.nlp.pipe_names]
        return list(self.nlp.pipe(texts, batch_size=self.settings.spacy_batch_size, disable=disabled))


@dataclass
class Scored:
    """One document's candidates with KeyBERT's scores, the re-ranked scores, embeddings."""

    candidates: list[Candidate]
    keybert: np.ndarray
    scores: np.ndarray
    embeddings: np.ndarray
    doc_vector: np.ndarray
    text: str  # what the encoder saw (title first)


class KeyphraseExtractor:
    """spaCy candidates, KeyBERT scores, re-ranker, KeyBERT's MMR; see the module docstring.
    `nlp` may be None for the encoder's half alone (`score_prepared`, `select`)."""

    def __init__(self, nlp, encoder, settings: KeyphraseSettings = KeyphraseSettings()):
        from keybert import KeyBERT

        self.nlp = nlp
        self.encoder = encoder
        self.settings = settings
        self.keybert = KeyBERT(model=_keybert_backend(encoder))

    def extract(self, texts: list[str], titles: list[str | None] | None = None,
                spacy_docs: list | None = None, top_n: int = 10,
                keywords: list | None = None) -> list[list[str]]:
        """The keyphrases shown for each document, best first (the site's and the
        benchmark's path). keywords: optional author keywords per document, shown first.
        spacy_docs: optional already-parsed docs of `texts` (nlp.pipe output)."""
        return self.select(self.score(texts, titles, spacy_docs), top_n, keywords)

    def select(self, scored: list[Scored], top_n: int = 10, keywords: list | None = None) -> list[list[str]]:
        """The shown keyphrases from `score`'s output (steps 6 and 7 of the module docstring)."""
        keywords = list(keywords) if keywords is not None else [()] * len(scored)
        authors = [author_keywords(k)[:top_n] for k in keywords]
        orders = [shown_order(s.candidates, s.scores, self.settings, [stem_key(a) for a in mine])
                  for s, mine in zip(scored, authors)]
        wanted = [max(top_n - len(mine), 0) for mine in authors]
        size = self.settings.mmr_pool  # 0: every candidate goes to MMR, as in plain KeyBERT
        pools = [order[:max(size, n)] if size else order for order, n in zip(orders, wanted)]
        if self.settings.use_mmr:
            picked = self._mmr(scored, pools, wanted)
        else:
            picked = [pool[:n] for pool, n in zip(pools, wanted)]
        return [mine + [s.candidates[i].text for i in chosen]
                for mine, s, chosen in zip(authors, scored, picked)]

    def _mmr(self, scored: list[Scored], pools: list[list[int]], wanted: list[int]) -> list[list[int]]:
        """KeyBERT's MMR over each document's pool; the picks in pool (re-ranked) order."""
        result: list[list[int]] = [[] for _ in scored]
        for n in sorted(set(wanted)):  # KeyBERT takes one top_n per call
            rows = [r for r, w in enumerate(wanted) if w == n and n > 0 and pools[r]]
            if not rows:
                continue
            phrases = [[scored[r].candidates[i].text for i in pools[r]] for r in rows]
            vectors = {scored[r].candidates[i].text: scored[r].embeddings[i] for r in rows for i in pools[r]}
            docs = [scored[r].text for r in rows]
            chosen = keybert_keywords(self.keybert, docs, phrases, np.array([scored[r].doc_vector for r in rows]),
                                      vectors, n, use_mmr=True, diversity=self.settings.diversity)
            keep = self.settings.mmr_keep
            for r, doc_phrases, picks in zip(rows, phrases, chosen):
                picked = {phrase for phrase, _ in picks} | set(doc_phrases[:keep])
                result[r] = [i for i, phrase in zip(pools[r], doc_phrases) if phrase in picked][:n]
        return result

    def score(self, texts, titles=None, spacy_docs=None) -> list[Scored]:
        """Candidates of every document with KeyBERT's and the re-ranked scores."""
        if not texts:
            return []
        return self.score_prepared(CandidateReader(self.nlp, self.settings).prepare(texts, titles, spacy_docs))

    def score_prepared(self, prepared: Prepared) -> list[Scored]:
        """Steps 3 to 5 of the module docstring, with the encoder only (no spaCy)."""
        if not prepared.full_texts:
            return []
        settings = self.settings
        full_texts = prepared.full_texts
        doc_vectors, drops = self._encode_documents(full_texts, prepared.candidates, prepared.starts)
        kept = []
        for cands, drop in zip(prepared.candidates, drops):
            keep = shortlist(np.array([c.first_position for c in cands]), np.array([c.words for c in cands]),
                             settings.rerank, drop)
            kept.append(([cands[i] for i in keep], drop[keep] if drop is not None else None))
        candidates = [c for c, _ in kept]
        vectors = self._embed_candidates(candidates)
        phrases = [[c.text for c in cands] for cands in candidates]
        top = max(map(len, phrases))
        keybert = keybert_keywords(self.keybert, list(full_texts), phrases, doc_vectors, vectors, top)
        result = []
        for text, doc_vector, (cands, drop), found in zip(full_texts, doc_vectors, kept, keybert):
            cosine = dict(found)
            similarity = np.array([cosine[c.text] for c in cands], dtype=float)
            emb = np.array([vectors[c.text] for c in cands]) if cands else np.zeros((0, doc_vector.size))
            scores = rerank(similarity, np.array([c.first_position for c in cands]),
                            np.array([c.words for c in cands]), np.array([c.occurrences for c in cands]),
                            settings.rerank, drop, emb)
            result.append(Scored(cands, similarity, scores, emb, doc_vector, text))
        return result

    def _encode_documents(self, full_texts, candidates, segment_starts):
        """Document vectors, and each candidate's masked-document drop (or None).

        The drop needs the encoder's token vectors, which a SentenceTransformer returns
        from the same single pass; other encoders just get KeyBERT's ranking."""
        tokenizer = getattr(self.encoder, "tokenizer", None)
        rerank_settings = self.settings.rerank
        if not (rerank_settings.enabled and rerank_settings.masked_weight) or not getattr(tokenizer, "is_fast", False):
            return self._encode(full_texts, self.settings.document_batch_size), [None] * len(full_texts)
        vectors, drops = [], []
        step = self.settings.document_group_size  # bounds the memory held in token vectors
        for first in range(0, len(full_texts), step):
            group = full_texts[first:first + step]
            outputs = self.encoder.encode(group, batch_size=self.settings.document_batch_size,
                                          output_value=None)
            for i, output in enumerate(outputs):
                doc = first + i
                doc_vector = _unit(np.asarray(output["sentence_embedding"].float().cpu()))
                offsets = tokenizer(group[i], return_offsets_mapping=True, truncation=True,
                                    max_length=self.encoder.max_seq_length)["offset_mapping"]
                tokens = np.asarray(output["token_embeddings"].float().cpu())[:len(offsets)]
                spans = [[(segment_starts[doc][seg] + a, segment_starts[doc][seg] + b) for seg, a, b in c.spans]
                         for c in candidates[doc]]
                vectors.append(doc_vector)
                drops.append(masked_document_drops(tokens, offsets, spans, doc_vector))
        return np.array(vectors), drops

    def _embed_candidates(self, candidates: list[list[Candidate]]) -> dict[str, np.ndarray]:
        # One encoder pass over every distinct phrase of the batch.
        distinct = sorted({c.text for cands in candidates for c in cands})
        vectors = self._encode(distinct, self.settings.candidate_batch_size)
        return dict(zip(distinct, vectors))

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1))
        return _unit(np.asarray(self.encoder.encode(texts, batch_size=batch_size), dtype=np.float32))


_unit = unit_rows    # each vector to length 1, zero vectors stay zero (annobib.vectors)


_WORD = re.compile(r"\S+")


def _truncate(text: str, words: int) -> str:
    """The text up to the end of its `words`-th whitespace word (all of it if shorter)."""
    if not words:
        return text
    for count, match in enumerate(_WORD.finditer(text), start=1):
        if count == words:
            return text[:match.end()]
    return text


def _fit_doc(doc, text: str):
    """A parse of `text`: `doc` itself, its first tokens when `doc` parses a longer text
    that starts with `text` (a cut document), or None (parse again)."""
    if doc is None or len(doc.text) < len(text) or not doc.text.startswith(text):
        return None
    if len(doc.text) == len(text):
        return doc
    return doc[:sum(1 for token in doc if token.idx < len(text))].as_doc()


def _join(title: str | None, text: str) -> tuple[str, tuple[int, ...]]:
    """The text the encoder sees, and where each parsed segment starts in it."""
    if not title:
        return text, (0,)
    return f"{title}.\n{text}", (0, len(title) + 2)

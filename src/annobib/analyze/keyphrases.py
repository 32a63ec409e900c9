"""Unsupervised keyphrase extraction: grammatical candidates ranked by embedding similarity.

How a document's keyphrases are chosen
--------------------------------------
1. Candidates are noun phrases found with part-of-speech tags, the chunk grammar
   ``{<NN.*|JJ>*<NN.*>}`` of EmbedRank (Bennani-Smires et al., CoNLL 2018), also used by
   SIFRank, MDERank and PromptRank. Hyphenated compounds ("3D-consistent", "SDF-based")
   count as one word, and tokens that are plainly names (internal capitals or digits:
   StyleGAN2, NeRF) count as nouns whatever the tagger says, because taggers trained on
   news text often mislabel them. Vague openers ("such", "several", "novel") are cut
   off; chunks longer than ``max_words`` are dropped.
2. Occurrences are grouped by their Porter-stemmed, lower-cased word sequence, so
   "image" and "images" are one candidate; its display form keeps the casing seen in
   the running text (acronyms and names survive, title and sentence-start capitals do not).
3. The document (title first, when given) is encoded once. From that same pass we get
   a masked-document signal: how far the document embedding moves when a candidate's
   contextual token vectors are taken out of the mean pooling. This is a no-extra-cost
   approximation of MDERank (Zhang et al., ACL 2022), which re-encodes a masked copy
   of the document per candidate.
4. The candidates that look best on the free signals (masked drop, position, length)
   are shortlisted, and each distinct shortlisted string of the whole batch is embedded
   once. Relevance is the cosine between candidate and document (EmbedRank), plus the
   z-scored masked drop, minus the z-scored centrality (mean similarity to the other
   candidates: phrases close to everything are generic).
5. Relevance is multiplied by a position factor favouring an early first mention, like
   PromptRank's position penalty (Kong et al., ACL 2023); the title is the start of the
   document, so its phrases get the strongest boost. A small bonus per extra word
   counters the embedding's preference for one-word generic terms.
6. A phrase contained in a better-ranked one ("radiance field" after "neural radiance
   fields") moves behind the phrases that are not.
7. ``extract_diverse`` re-orders the same scored candidates with Maximal Marginal
   Relevance (Carbonell & Goldstein, 1998; as KeyBERT does), our scores as relevance.

Measured on Inspec (bench/keyphrases.py, results in bench/RESULTS.md); every default in
``KeyphraseSettings`` was tuned on the 1500 non-test documents only.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

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


@dataclass(frozen=True)
class KeyphraseSettings:
    """Every knob of the ranking, with the default tuned on the Inspec tuning split."""

    max_words: int = 5
    adjective_tags: tuple[str, ...] = ("JJ",)
    # Words dropped from the start of a chunk; empty to keep chunks whole.
    leading_junk: frozenset[str] = LEADING_JUNK
    subphrases: bool = False
    # relevance = cosine + std(cosine) * (masked_weight * zscore(masked-document drop)
    #                                     + centrality_weight * zscore(centrality))
    masked_weight: float = 0.5
    # Negative: a phrase close to all the other phrases of the document is generic
    # ("method", "system"), not what this document is about.
    centrality_weight: float = -0.3
    # score = relevance * (position_offset + first_position) ** -position_power,
    # first_position = index of the first word of the first mention / document length.
    position_power: float = 0.3
    position_offset: float = 0.1
    # Extra multiplier for phrases that occur in a title given separately.
    title_boost: float = 1.0
    # score += frequency_weight * log(occurrences)
    frequency_weight: float = 0.0
    # score += length_weight * (words - 1)
    length_weight: float = 0.08
    # Only the best this many per document (by the signals known before embedding:
    # masked drop, position, length) are embedded; 0 embeds all. Saves ~30% of the
    # phrase encoding at no measured loss on the tuning split.
    shortlist_size: int = 20
    # A phrase inside a better-ranked one ("neural networks" after "Cohen-Grossberg
    # neural networks") goes after the phrases that are not.
    demote_nested: bool = True
    document_batch_size: int = 32
    document_group_size: int = 256
    candidate_batch_size: int = 64
    spacy_batch_size: int = 64
    # spaCy components not needed for tags; skipped when we parse ourselves.
    disabled_pipes: tuple[str, ...] = ("parser", "ner", "lemmatizer", "attribute_ruler")


@dataclass
class Candidate:
    """One stemmed phrase of one document, with what the ranking needs to know."""

    key: str
    surface_forms: list[str] = field(default_factory=list)
    first_position: float = 1.0
    occurrences: int = 0
    whole_chunks: int = 0  # occurrences as a complete chunk, not a part of a longer one
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
    'A' (adjective) or 'O' (anything else)."""
    text = doc.text  # Doc.text joins all tokens on every access: read it once
    group: list = []
    for token in doc:
        joined = group and not group[-1].whitespace_ and (token.text == "-" or group[-1].text == "-")
        if group and not joined:
            yield _word(group, text)
            group = []
        group.append(token)
    if group:
        yield _word(group, text)


def _word(tokens, doc_text: str):
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = doc_text[start:end]
    last = tokens[-1]
    if last.text == "-" or not any(ch.isalnum() for ch in text):
        return start, end, "O"
    if last.tag_ in NOUN_TAGS or (len(tokens) == 1 and _NAME_LIKE.match(text) and last.tag_ != "CD"):
        return start, end, "N"
    if last.tag_ == "JJ" or (len(tokens) > 1 and last.tag_ in ("JJ", "JJR", "JJS", "VBN", "VBG")):
        return start, end, "A"
    return start, end, last.tag_


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
                cand.whole_chunks += whole
                cand.in_title = cand.in_title or is_title
                cand.surface_forms.append(_display_form(text, spans, is_title))
                cand.spans.append((segment, spans[0][0], spans[-1][1]))
        offset += len(doc_words)
    candidates = list(by_key.values())
    for cand in candidates:
        cand.text = _preferred_form(cand.surface_forms)
    return candidates


def _display_form(text: str, spans, is_title: bool) -> str:
    """The words as written, except capitals that only mark a title or a sentence start."""
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


# ---------------------------------------------------------------- scoring


def score_candidates(candidates: list[Candidate], similarity: np.ndarray,
                     settings: KeyphraseSettings, masked_drop: np.ndarray | None = None,
                     embeddings: np.ndarray | None = None) -> np.ndarray:
    """Final score of each candidate from its cosine to the document."""
    if not candidates:
        return np.zeros(0)
    # Secondary signals are z-scored and put on the scale of this document's cosines.
    relevance = similarity.copy()
    if masked_drop is not None and settings.masked_weight:
        relevance += settings.masked_weight * similarity.std() * _zscore(masked_drop)
    if embeddings is not None and settings.centrality_weight and len(candidates) > 1:
        occurrences = np.array([c.occurrences for c in candidates], dtype=float)
        relevance += settings.centrality_weight * similarity.std() * _zscore(
            centrality(embeddings, occurrences))
    first = np.array([c.first_position for c in candidates])
    position = (settings.position_offset + first) ** -settings.position_power
    scores = relevance * position
    if settings.title_boost != 1.0:
        scores = scores * np.where([c.in_title for c in candidates], settings.title_boost, 1.0)
    if settings.frequency_weight:
        scores = scores + settings.frequency_weight * np.log([c.occurrences for c in candidates])
    if settings.length_weight:
        scores = scores + settings.length_weight * (np.array([c.words for c in candidates]) - 1)
    return scores


def shortlist(candidates: list[Candidate], masked_drop: np.ndarray | None,
              settings: KeyphraseSettings):
    """The candidates worth embedding, ranked on the signals that cost nothing."""
    size = settings.shortlist_size
    if not size or len(candidates) <= size:
        return candidates, masked_drop
    cheap = np.ones(len(candidates))
    if masked_drop is not None:
        cheap += settings.masked_weight * _zscore(masked_drop)
    first = np.array([c.first_position for c in candidates])
    cheap = cheap * (settings.position_offset + first) ** -settings.position_power
    cheap += settings.length_weight * (np.array([c.words for c in candidates]) - 1)
    keep = np.sort(np.argsort(-cheap, kind="stable")[:size])
    return [candidates[i] for i in keep], (masked_drop[keep] if masked_drop is not None else None)


def centrality(embeddings: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """Mean cosine of each candidate to the other candidates' occurrences (graph degree,
    as in TextRank-style rankers, here used as a penalty)."""
    pairwise = embeddings @ embeddings.T
    np.fill_diagonal(pairwise, 0.0)
    return pairwise @ occurrences / max(occurrences.sum() - 1.0, 1.0)


def _zscore(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values)
    values = np.where(finite, values, values[finite].min())
    return (values - values.mean()) / (values.std() or 1.0)


def rank(candidates: list[Candidate], scores: np.ndarray, settings: KeyphraseSettings) -> list[int]:
    """Indices best first; with demote_nested, phrases inside a better one go last."""
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    if not settings.demote_nested:
        return order
    kept: list[int] = []
    nested: list[int] = []
    for i in order:
        key = f" {candidates[i].key} "
        inside = any(key in f" {candidates[j].key} " for j in kept)
        (nested if inside else kept).append(i)
    return kept + nested


def masked_document_drops(token_vectors: np.ndarray, offsets, spans_per_candidate,
                          doc_vector: np.ndarray) -> np.ndarray:
    """How far the document embedding moves when a candidate's tokens are left out.

    MDERank (Zhang et al., ACL 2022) re-encodes the document with each candidate masked;
    we approximate that for free from the one document pass by removing the candidate's
    contextual token vectors from the mean pooling. NaN when no token survived truncation.
    """
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts
    total = token_vectors.sum(axis=0)
    drops = np.full(len(spans_per_candidate), np.nan)
    for row, spans in enumerate(spans_per_candidate):
        mask = np.zeros(len(offsets), dtype=bool)
        for start, end in spans:
            mask |= real & (starts >= start) & (ends <= end)
        if mask.any():
            masked = total - token_vectors[mask].sum(axis=0)
            drops[row] = 1.0 - float(masked @ doc_vector) / (np.linalg.norm(masked) or 1.0)
    return drops


def mmr_order(scores: np.ndarray, embeddings: np.ndarray, top_n: int, diversity: float) -> list[int]:
    """Maximal Marginal Relevance with our scores as the relevance term."""
    if len(scores) == 0:
        return []
    relevance = (scores - scores.min()) / (np.ptp(scores) or 1.0)
    pairwise = embeddings @ embeddings.T
    chosen = [int(np.argmax(relevance))]
    remaining = [i for i in range(len(scores)) if i != chosen[0]]
    while remaining and len(chosen) < top_n:
        redundancy = pairwise[np.ix_(remaining, chosen)].max(axis=1)
        mmr = (1 - diversity) * relevance[remaining] - diversity * redundancy
        chosen.append(remaining.pop(int(np.argmax(mmr))))
    return chosen


# ---------------------------------------------------------------- extractor


@dataclass
class _Scored:
    candidates: list[Candidate]
    scores: np.ndarray
    embeddings: np.ndarray


class KeyphraseExtractor:
    """Ranks noun-phrase candidates of each document; see the module docstring."""

    def __init__(self, nlp, encoder, settings: KeyphraseSettings = KeyphraseSettings()):
        self.nlp = nlp
        self.encoder = encoder
        self.settings = settings

    def extract(self, texts: list[str], titles: list[str | None] | None = None,
                spacy_docs: list | None = None, top_n: int = 10) -> list[list[str]]:
        """Ranked keyphrases per document, best first, original casing of acronyms/names
        kept (StyleGAN2, NeRF), near-duplicates (singular/plural, same stem) removed.
        spacy_docs: optional already-parsed docs of `texts` (nlp.pipe output)."""
        return [[s.candidates[i].text for i in rank(s.candidates, s.scores, self.settings)[:top_n]]
                for s in self.score(texts, titles, spacy_docs)]

    def extract_diverse(self, texts: list[str], titles: list[str | None] | None = None,
                        spacy_docs: list | None = None, top_n: int = 10,
                        diversity: float = 0.5) -> list[list[str]]:
        """The same candidates and scores, re-ordered with MMR for display."""
        return [[s.candidates[i].text for i in mmr_order(s.scores, s.embeddings, top_n, diversity)]
                for s in self.score(texts, titles, spacy_docs)]

    def score(self, texts, titles=None, spacy_docs=None) -> list[_Scored]:
        """Candidates of every document with their scores and embeddings."""
        titles = list(titles) if titles is not None else [None] * len(texts)
        segments = self._segments(texts, titles, spacy_docs)
        candidates = [collect_candidates(segs, self.settings) for segs in segments]
        full_texts, starts = zip(*(_join(title, text) for title, text in zip(titles, texts))) if texts else ((), ())
        doc_vectors, drops = self._encode_documents(list(full_texts), candidates, starts)
        candidates, drops = zip(*(shortlist(c, d, self.settings) for c, d in zip(candidates, drops))) \
            if texts else ((), ())
        vectors = self._embed_candidates(candidates)
        result = []
        for doc_vector, cands, drop in zip(doc_vectors, candidates, drops):
            emb = np.array([vectors[c.text] for c in cands]) if cands else np.zeros((0, doc_vector.size))
            scores = score_candidates(cands, emb @ doc_vector, self.settings, drop, emb)
            result.append(_Scored(cands, scores, emb))
        return result

    def _encode_documents(self, full_texts, candidates, segment_starts):
        """Document vectors, and each candidate's masked-document drop (or None).

        The drop needs the encoder's token vectors, which a SentenceTransformer returns
        from the same single pass; other encoders just get the cosine ranking."""
        tokenizer = getattr(self.encoder, "tokenizer", None)
        if not self.settings.masked_weight or not getattr(tokenizer, "is_fast", False) or not full_texts:
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

    def _segments(self, texts, titles, spacy_docs):
        if spacy_docs is None:
            spacy_docs = self._parse(texts)
        title_docs = iter(self._parse([t for t in titles if t]))
        return [([(next(title_docs), True)] if title else []) + [(doc, False)]
                for title, doc in zip(titles, spacy_docs)]

    def _parse(self, texts):
        disabled = [p for p in self.settings.disabled_pipes if p in self.nlp.pipe_names]
        return list(self.nlp.pipe(texts, batch_size=self.settings.spacy_batch_size, disable=disabled))

    def _embed_candidates(self, candidates: list[list[Candidate]]) -> dict[str, np.ndarray]:
        # One encoder pass over every distinct phrase of the batch.
        distinct = sorted({c.text for cands in candidates for c in cands})
        vectors = self._encode(distinct, self.settings.candidate_batch_size)
        return dict(zip(distinct, vectors))

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1))
        return _unit(np.asarray(self.encoder.encode(texts, batch_size=batch_size), dtype=np.float32))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _join(title: str | None, text: str) -> tuple[str, tuple[int, ...]]:
    """The text the encoder sees, and where each parsed segment starts in it."""
    if not title:
        return text, (0,)
    return f"{title}.\n{text}", (0, len(title) + 2)

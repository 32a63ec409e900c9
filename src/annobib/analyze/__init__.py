"""The `analyze` stage: title + abstract -> Annotation (keyphrases, names, summary, embedding).

`analyze_documents` is the single code path used by the site build and by the
standalone `annobib keyphrases` command, so what the benchmark measures is what the
site shows. `annotate_papers` wraps it with a per-paper cache keyed by a hash of
(title, abstract, model names, settings, code version): a rebuild analyses only new
or changed papers and loads no model when nothing changed.
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_json
from ..config import Settings
from ..models import Annotation, Paper
from .vocabulary import Vocabulary, default_vocabulary, load_vocabulary

if TYPE_CHECKING:
    from .keyphrases import Prepared

# Bump when extraction changes in a way that should invalidate cached annotations.
ANALYSIS_VERSION = "9"  # 9: multi-word headings, units and all-capitals texts give no names, KeyBERT keyed by position, French elisions are function words; 8: summary rules of issue 23 completed (structured abstracts by heading words, concluding frames, prior work, HTML markup); 7: title-only keyphrases as the title writes them; names never structured-abstract headings, citation tags or mojibake; 3: KeyBERT engine + re-ranker; 4: wrapped lines joined, links out, generic-word merges, MMR keeps the top 5; 5: merged groups shown as their far more frequent member, template headings generic, generic heads by word not stem; 6: summary without linking phrases, back references or citation tags, absent for title-only entries and when it would repeat the title
KEYPHRASES_STORED = 15
# spaCy components nothing reads: annotations use tags (keyphrases) and the parser's sentences (names, summary).
UNREAD_PIPES = ("ner", "lemmatizer", "attribute_ruler")
EMBEDDING_DIGITS = 6


@dataclass(frozen=True)
class Document:
    id: str
    text: str              # plain text (LaTeX already converted); the title when there is no abstract
    title: str | None = None
    keywords: tuple[str, ...] = ()   # the entry's own keywords (author keywords, tags)
    has_abstract: bool = True        # False: `text` is the title of an entry without abstract (no summary then)
    language: str = "en"             # ISO 639-1: declared by the entry, else detected (language.py)


@dataclass(frozen=True)
class AnnotateResult:
    annotations: dict[str, Annotation]
    analysed: int
    cached: int
    unreadable: int = 0   # cache entries found truncated or corrupt (those papers were analysed again)


def _progress(iterable, total: int, label: str, enabled: bool):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=label, unit="paper", leave=False)


def analyze_documents(documents: list[Document], settings: Settings, progress: bool = False,
                      vocabulary: Vocabulary | None = None) -> list[Annotation]:
    """Annotate documents in one batch: one spaCy pass, one encoder pass over candidates."""
    if not documents:
        return []
    from .loaders import encoder_for, load_spacy

    # The encoder's imports (torch, transformers) take seconds; overlap them with spaCy's.
    with ThreadPoolExecutor(max_workers=1) as pool:
        encoder_future = pool.submit(encoder_for, settings)
        read = read_documents(documents, load_spacy(settings.analyze_spacy_model), vocabulary, progress)
        encoder = encoder_future.result()
    return annotations_of(documents, read, encode_documents(documents, read.prepared, encoder))


@dataclass(frozen=True)
class ReadBatch:
    """spaCy's half of a batch's analysis: the keyphrase candidates the encoder's half
    scores, and each document's names and summary. Plain data: the two halves may run in
    two processes (analyze/worker.py)."""
    prepared: Prepared
    names: tuple          # per document: (introduced, mentioned, datasets), tuples of str
    summaries: tuple[str, ...]


def read_documents(documents: list[Document], nlp, vocabulary: Vocabulary | None = None,
                   progress: bool = False) -> ReadBatch:
    """What needs spaCy: one parse of each document, its candidates, names and summary."""
    from .keyphrases import CandidateReader
    from .language import blank_pipeline
    from .names import extract_names

    texts, titles = _texts_and_titles(documents, nlp.lang)
    unread = [pipe for pipe in UNREAD_PIPES if pipe in nlp.pipe_names]
    own = [i for i, d in enumerate(documents) if d.language == nlp.lang]
    parsed = iter(_progress(nlp.pipe([texts[i] for i in own], batch_size=64, disable=unread), len(own),
                            "parsing", progress))
    spacy_docs = [next(parsed) if d.language == nlp.lang else blank_pipeline(d.language)(texts[i])
                  for i, d in enumerate(documents)]
    prepared = CandidateReader(nlp).prepare(texts, titles=titles, spacy_docs=spacy_docs)
    names, summaries = [], []
    for document, doc in zip(documents, spacy_docs):
        found = extract_names(document.title or "", document.text, doc=doc, nlp=nlp, vocabulary=vocabulary)
        names.append((tuple(found.introduced), tuple(found.mentioned), tuple(found.datasets)))
        summaries.append(document_summary(document, doc=doc, nlp=nlp) if document.language == nlp.lang else "")
    return ReadBatch(prepared, tuple(names), tuple(summaries))


def encode_documents(documents: list[Document], prepared, encoder) -> list[tuple[list[str], list[float]]]:
    """The encoder's half: each document's keyphrases (best first) and its embedding, from
    one encoder pass over the documents and one over their candidates."""
    from .keyphrases import KeyphraseExtractor

    extractor = KeyphraseExtractor(None, encoder)
    scored = extractor.score_prepared(prepared)   # the one encoder pass
    keyphrases = extractor.select(scored, top_n=KEYPHRASES_STORED, keywords=[d.keywords for d in documents])
    vectors = _document_vectors(documents, scored, encoder)
    return [(phrases, [round(float(x), EMBEDDING_DIGITS) for x in vector])
            for phrases, vector in zip(keyphrases, vectors)]


def annotations_of(documents: list[Document], read: ReadBatch, encoded: list) -> list[Annotation]:
    """The two halves joined into each document's annotation."""
    annotations = []
    for document, (introduced, mentioned, datasets), summary, (phrases, vector) in zip(
            documents, read.names, read.summaries, encoded):
        if not document.has_abstract:
            phrases = [as_written(phrase, document.text) for phrase in phrases]
        annotations.append(Annotation(
            key=document.id, keyphrases=tuple(phrases), methods_introduced=introduced,
            methods_mentioned=mentioned, datasets=datasets, summary=summary, embedding=tuple(vector)))
    return annotations


def _texts_and_titles(documents: list[Document], model_language: str):
    """What the extractor reads. A document in another language than the model's is read
    whole (title and abstract) with that language's data, so its title is not tagged by
    a model of another language."""
    texts, titles = [], []
    for d in documents:
        other = d.language != model_language and d.title
        texts.append(f"{d.title}.\n{d.text}" if other else d.text)
        titles.append(None if other else d.title)
    return texts, titles


def as_written(phrase: str, title: str) -> str:
    """A title-only entry's keyphrase in the title's own casing ('adaptive Virulence
    Evolution' -> 'Adaptive Virulence Evolution'): the extractor lowers a sentence-start
    capital, which in a lone title is no sentence start."""
    import re

    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in phrase.split()) + r"(?!\w)"
    found = re.search(pattern, title, re.I)
    return found.group(0) if found else phrase


def document_summary(document: Document, doc=None, nlp=None) -> str:
    """The one-line contribution of a document (summary.py); '' for a title-only entry, and
    never the title itself."""
    if not document.has_abstract:
        return ""
    from .summary import contribution_sentence

    return contribution_sentence(document.text, doc=doc, nlp=nlp, title=document.title)


def _document_vectors(documents: list[Document], scored, encoder) -> list:
    """Each paper's embedding: the vector of the extractor's own encoder pass over the same
    title + abstract (one pass per document); only entries with their own keywords, which
    the embedding also reads, are encoded again."""
    vectors = [s.doc_vector for s in scored]
    again = [i for i, d in enumerate(documents) if d.keywords]
    if again:
        encoded = encoder.encode([_embedding_text(documents[i]) for i in again], batch_size=32,
                                 normalize_embeddings=True, show_progress_bar=False)
        for i, vector in zip(again, encoded):
            vectors[i] = vector
    return vectors


def _embedding_text(document: Document) -> str:
    text = f"{document.title}. {document.text}" if document.title else document.text
    return f"{text}. {'; '.join(document.keywords)}" if document.keywords else text


def paper_document(paper: Paper, detect=None) -> Document:
    """What analysis reads of a paper: its abstract, or only its title when it has none
    (an entry without abstract is annotated from what it has: title and keywords).

    `detect`: text -> language code for a paper that declares none (default:
    `language.detect_language`; a build passes a `LanguageMemo`'s)."""
    from .language import detect_language

    text = paper.abstract_text or paper.title_text
    language = paper.language or (detect or detect_language)(detection_text(paper))
    return Document(id=paper.key, text=text, title=paper.title_text if paper.has_abstract else None,
                    keywords=paper.keywords, has_abstract=paper.has_abstract, language=language)


def detection_text(paper: Paper) -> str:
    """What the language of a paper that declares none is detected from."""
    return f"{paper.title_text}. {paper.abstract_text}".strip(". ")


def cache_key(document: Document, settings: Settings, vocabulary: Vocabulary | None = None,
              shared: dict | None = None) -> str:
    """The analysis cache's key of `document`. `shared`: `analysis_settings(settings,
    vocabulary)`, made once for many documents (it is the same for all)."""
    material = json.dumps({
        "title": document.title, "text": document.text,
        **({"language": document.language} if document.language != "en" else {}),
        **({"keywords": list(document.keywords)} if document.keywords else {}),
        **(shared if shared is not None else analysis_settings(settings, vocabulary)),
    }, sort_keys=True, ensure_ascii=False, default=sorted)  # sets in settings hash in a fixed order
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def analysis_settings(settings: Settings, vocabulary: Vocabulary | None = None) -> dict:
    """What besides its text an annotation depends on: models, extraction settings, vocabulary."""
    from .keyphrases import KeyphraseSettings

    return {
        "spacy": settings.analyze_spacy_model, "encoder": settings.analyze_encoder_model,
        "keyphrases": asdict(KeyphraseSettings()), "stored": KEYPHRASES_STORED,
        "version": ANALYSIS_VERSION,
        "vocabulary": (vocabulary or default_vocabulary()).digest,
        **_backend_material(settings),   # nothing for the default (torch): its keys stay as they were
    }


def _backend_material(settings: Settings) -> dict:
    """The encoder backend in a cache key, when it is not the default one (its vectors differ)."""
    backend = getattr(settings, "analyze_encoder_backend", "torch")
    if backend == "torch":
        return {}
    from .loaders import encoder_variant

    return {"encoder_backend": encoder_variant(backend)}


def _read_cached(path: Path, key: str) -> Annotation | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["key"] = key  # the same abstract under a renamed key reuses the analysis
        annotation = Annotation(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    except (OSError, ValueError, TypeError):
        return None  # missing or corrupt: analyse again
    return annotation if _well_formed(annotation) else None


def _well_formed(a: Annotation) -> bool:
    """A cache entry that parsed but holds the wrong shapes (a damaged file) is not used."""
    texts = (*a.keyphrases, *a.methods_introduced, *a.methods_mentioned, *a.datasets, a.summary)
    numbers = a.embedding if isinstance(a.embedding, tuple) else ()
    return (all(isinstance(x, tuple) for x in (a.keyphrases, a.methods_introduced, a.methods_mentioned, a.datasets))
            and all(isinstance(x, str) for x in texts) and bool(numbers)
            and set(map(type, numbers)) <= {int, float})     # exact types: no bool, no str (fast, in C)


def _write_cached(path: Path, annotation: Annotation) -> None:
    write_json(path, asdict(annotation))


def annotate_papers(papers: list[Paper], settings: Settings, cache_dir: Path, progress: bool = False,
                    vocabulary: Vocabulary | None = None, models=None) -> AnnotateResult:
    """Annotations of every paper, from the cache where the same input was analysed before.

    `vocabulary`: the name extractor's words (default: the general vocabulary; a build
    passes the project's, see `vocabulary.load_vocabulary`). `models`: the
    `worker.ModelProcesses` to analyse in (None: in this process)."""
    from .language import LanguageMemo

    languages = LanguageMemo(cache_dir / "languages.json")
    # Models to load while this process reads, unless the build already started them (load_models_for_new_texts).
    ahead = models is not None and not settings.analyze_scheduler and not models.loading
    if ahead and _has_new_text(papers, languages):
        _load_ahead(models, settings)   # a text no build has read: it is analysed; load during its detection
        ahead = False
    documents = [paper_document(p, languages.detect) for p in papers]
    languages.save()
    shared = analysis_settings(settings, vocabulary)
    paths = {d.id: cache_dir / "annotations" / f"{cache_key(d, settings, vocabulary, shared)}.json" for d in documents}
    if ahead and not all(p.is_file() for p in paths.values()):
        _load_ahead(models, settings)   # while the cache is read
    annotations = {}
    missing = []
    for document in documents:
        cached = _read_cached(paths[document.id], document.id)
        if cached is None:
            missing.append(document)
        else:
            annotations[document.id] = cached
    unreadable = sum(paths[d.id].exists() for d in missing)
    from .distributed import analyze_in_chunks   # chunk by chunk here, or on a Dask cluster

    for annotation in analyze_in_chunks(missing, settings, progress=progress, vocabulary=vocabulary, models=models):
        _write_cached(paths[annotation.key], annotation)
        annotations[annotation.key] = annotation
    return AnnotateResult(annotations, analysed=len(missing), cached=len(documents) - len(missing),
                          unreadable=unreadable)


def load_models_for_new_texts(papers: list[Paper], settings: Settings, cache_dir: Path, models) -> bool:
    """Start both models loading (`models`: `worker.ModelProcesses`) when a paper's text is
    one no build has read, so it will be analysed, and stop them when none is (they were
    started for a changed file). A build calls this as soon as the corpus is read, and the
    loads overlap the corpus checks; whether the models are loading is returned."""
    from .language import LanguageMemo

    if settings.analyze_scheduler:
        return False
    if not _has_new_text(papers, LanguageMemo(cache_dir / "languages.json")):
        if models.loading:
            models.stop()    # started for a changed file (load_models_for_changed_corpus) that brought no new text
        return False
    _load_ahead(models, settings)
    return True


def load_models_for_changed_corpus(settings: Settings, models) -> None:
    """Start both models loading (`models`: `worker.ModelProcesses`) because a corpus file
    is parsed afresh: a changed file most often brings a new text, and the loads then overlap
    the parse as well as the checks. `load_models_for_new_texts` stops them when the papers
    show no new text. A build calls this before the first changed file is parsed."""
    if not settings.analyze_scheduler:
        _load_ahead(models, settings)


def _has_new_text(papers: list[Paper], languages) -> bool:
    return any(not p.language and languages.is_new(detection_text(p)) for p in papers)


def _load_ahead(models, settings: Settings) -> None:
    """Both models start loading, side by side, in their processes (`worker.ModelProcesses`),
    once per build."""
    from .loaders import preload_encoder, preload_spacy

    if models.loading:
        return
    models.loading = True
    models.reader.call_ahead(preload_spacy, settings)
    models.encoder.call_ahead(preload_encoder, settings)


class CachedPhraseEmbedder:
    """Phrase -> normalised vector, remembered across builds in one JSON file per model.

    Theme labelling embeds candidate phrases; with this cache a rebuild that adds no
    new phrase never loads the encoder.
    """

    def __init__(self, settings: Settings, cache_dir: Path, models=None):
        """`models`: a `worker.ModelProcess` to encode in (None: in this process)."""
        self.models = models
        self.model_name = settings.analyze_encoder_model
        self.backend = getattr(settings, "analyze_encoder_backend", "torch")
        variant = _backend_material(settings).get("encoder_backend")   # the torch file keeps its name
        digest = hashlib.sha256((self.model_name + (f"|{variant}" if variant else "")).encode("utf-8")).hexdigest()[:16]
        self.path = cache_dir / f"phrases-{digest}.json"
        self._vectors: dict[str, list[float]] | None = None

    def _load(self) -> dict[str, list[float]]:
        if self._vectors is None:
            try:
                self._vectors = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._vectors = {}
        return self._vectors

    def __call__(self, phrases: list[str]):
        import numpy as np

        vectors = self._load()
        missing = sorted({p for p in phrases if p not in vectors})
        if missing:
            from .loaders import encode_phrases

            encoded = (encode_phrases(self.model_name, self.backend, missing) if self.models is None else
                       self.models.call(encode_phrases, self.model_name, self.backend, missing))
            vectors.update({p: [round(float(x), EMBEDDING_DIGITS) for x in v] for p, v in zip(missing, encoded)})
            write_json(self.path, vectors, sort_keys=True)
        return np.asarray([vectors[p] for p in phrases], dtype=float)

    def close(self) -> None:
        """Done with encoding (organize calls it once the labels are made): the model
        process, if any, ends before organize's larger steps."""
        if self.models is not None:
            self.models.close()

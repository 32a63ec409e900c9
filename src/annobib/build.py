"""The whole build: corpus -> analyze -> organize -> render -> MkDocs (or Zensical) -> site/.

The site is built into a temporary folder and swapped in only when every stage
succeeded and the counts agree (every paper exactly once in pages, all.bib,
papers.json and one theme), so a failed build never leaves a half-written site.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import bibtexparser

from .analyze import (CachedPhraseEmbedder, annotate_papers, load_models_for_changed_corpus, load_models_for_new_texts,
                      load_vocabulary)
from .analyze.distributed import build_collection, release_memory
from .analyze.loaders import release_spacy
from .analyze.worker import ModelProcesses, models_apart
from .atomic import replacing
from .build_stamp import STAMP_NAME, forget_build, input_digest, record_build, unchanged_build
from .config import Settings
from .corpus.themes_file import ThemesFile
if TYPE_CHECKING:
    from .render.feeds import AddedDates
from .corpus.keys import write_generated_keys
from .errors import BuildError, CorpusError, OutputNotWritable, Problem
from .models import Bibliography
from .staging import STAGING_PREFIX, Removals, StartedModule, build_dir, guarded_build, os_error_in_output, publish


@dataclass
class BuildSummary:
    entries_read: int = 0
    skipped: int = 0
    papers_in: int = 0
    without_abstract: int = 0
    analysed: int = 0
    cached: int = 0
    paper_pages: int = 0
    theme_pages: int = 0
    bib_entries: int = 0
    themes: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pages_rendered: int = 0    # pages MkDocs converted and templated in this build
    pages_reused: int = 0      # unchanged pages whose HTML came from the page cache
    up_to_date: bool = False   # nothing changed since the last build: nothing was rebuilt
    corpus_report: list[str] = field(default_factory=list)   # problems and notices, as said

    def lines(self) -> list[str]:
        return [
            f"entries read: {self.entries_read} = {self.paper_pages} published + {self.skipped} skipped "
            f"({len(self.errors)} error(s), {len(self.warnings)} warning(s))",
            f"papers: {self.papers_in} ({self.without_abstract} without abstract; "
            f"analysed {self.analysed}, from cache {self.cached})",
            f"pages out: {self.paper_pages} paper pages, {self.theme_pages} theme pages",
            f"BibTeX entries out: {self.bib_entries}",
            f"themes: {self.themes}",
            f"built in {self.seconds:.1f} s",
        ]


@guarded_build  # one build at a time per folder; leftovers of a killed build removed first
def build_site(root: Path, settings: Settings, log=lambda line: None, progress: bool = False,
               strict: bool = False, force: bool = False) -> BuildSummary:
    """Build the site of the project at `root` into `settings.render_site_dir`.

    Every usable entry is published; each problem is passed to `log` (file, line, entry).
    `strict`: any error (a skipped entry, a renamed published key) stops the build
    before anything is analysed, as `annobib check` would fail. When no input changed
    since the last build and its site is intact, nothing is rebuilt (build_stamp.py)
    unless `force`.
    """
    require_site_extra()
    if settings.site_generator == "zensical":
        from .render.zensical_build import require as require_zensical

        require_zensical()
    started = time.perf_counter()
    stamp, build_date = root / settings.analyze_cache_dir / STAMP_NAME, _source_date_epoch(root)
    inputs = input_digest(root, settings, strict, build_date)
    last = None if force else unchanged_build(stamp, inputs, root / settings.render_site_dir)
    replayed = _replayed(last, log, started) if last is not None else None
    if replayed is not None:
        return replayed
    forget_build(stamp)
    # The previous site is removed while the build writes its project files and stamp.
    with Removals(root) as removals:
        with build_collection():
            summary, project_files = _build(root, settings, log, progress, strict, build_date, removals)
        _write_project_files(root, settings, project_files, log)
        # Recorded after the build wrote themes.yml and added.yml, so they do not count as a change.
        record_build(stamp, input_digest(root, settings, strict, build_date), root / settings.render_site_dir,
                     asdict(summary))
    summary.seconds = time.perf_counter() - started
    return summary


def _replayed(last: dict, log, started: float) -> BuildSummary | None:
    """The last build's report on the corpus, said again, for a build that had nothing to do
    (None when the stamp's summary is not one this version writes: then it builds)."""
    try:
        summary = BuildSummary(**last["summary"])
    except (TypeError, KeyError):
        return None
    for line in summary.corpus_report:
        log(line)
    log("the site is up to date: no input changed since the last build (annobib build --force rebuilds it)")
    summary.pages_reused, summary.pages_rendered = summary.pages_reused + summary.pages_rendered, 0
    summary.cached, summary.analysed = summary.cached + summary.analysed, 0
    summary.up_to_date, summary.seconds = True, time.perf_counter() - started
    return summary


@dataclass(frozen=True)
class ProjectFiles:
    """What a build writes back into the project, after the site is published."""
    themes: ThemesFile
    added: AddedDates
    generated_keys: dict


def _build(root: Path, settings: Settings, log, progress: bool, strict: bool,
           build_date: str, removals: Removals) -> tuple[BuildSummary, ProjectFiles]:
    from .check import check_project

    summary = BuildSummary()
    # The models run in processes of their own, started only for model work: spaCy's ends
    # after the analysis, the encoder's once the themes are labelled (analyze/worker.py).
    # They start loading before a changed corpus file is parsed, and stop once the corpus is
    # read if no text is new; else they go on loading while it is checked.
    with ModelProcesses() if models_apart(settings) else nullcontext() as models, \
            ThreadPoolExecutor(max_workers=1) as helper:
        # A strict build loads nothing before its checks pass.
        early = not strict and models is not None
        load_early = (lambda papers: load_models_for_new_texts(
            papers, settings, root / settings.analyze_cache_dir, models)) if early else None
        load_on_change = (lambda: load_models_for_changed_corpus(settings, models)) if early else None
        report = check_project(root, settings, on_papers=load_early, on_parse=load_on_change)
        loaded = report.loaded
        if strict and report.errors:
            raise CorpusError(report.problems)
        summary.corpus_report = [str(problem) for problem in report.problems] + list(report.notices)
        for line in summary.corpus_report:
            log(line)
        papers = loaded.papers
        if not papers:
            raise CorpusError(report.problems or [Problem(str(root / settings.corpus_dir), 0, "", "no papers")])
        summary.errors = [str(p) for p in report.errors]
        summary.warnings = [str(p) for p in report.warnings]
        summary.entries_read, summary.skipped = loaded.entries_read, len(loaded.skipped)
        summary.papers_in, summary.without_abstract = len(papers), loaded.without_abstract

        # While the model processes work this process mostly waits on them: prepare the stages after.
        prepared = helper.submit(_prepare_later_stages) if models else None
        annotations = _annotate(root, settings, papers, summary, log, progress, models)
        release_memory(keep_survivors=True)   # the corpus and annotations: out of organize's collections
        if prepared:
            prepared.result()    # its error, if any, is raised here as the stage's own would be
        organized = _organize(root, settings, papers, annotations, summary, log, models)
    del annotations      # organized.bib holds them, without their embeddings (_organize)
    # Organize's transients (related lists, the tree) handed back before every page is built;
    # the organized bibliography kept out of render's collections.
    release_memory(keep_survivors=True)
    added = _render_and_publish(root, settings, organized.bib, summary, build_date, removals)
    return summary, ProjectFiles(organized.themes, added, loaded.generated_keys)


def _prepare_later_stages() -> None:
    """Organize's and render's imports (Jinja, citeproc, lxml, Markdown), and every page
    template compiled: about 0.4 s that a small update otherwise spends after the analysis."""
    from . import organize, render   # noqa: F401
    from .render.templating import compile_templates

    compile_templates()


def _annotate(root: Path, settings: Settings, papers, summary: BuildSummary, log, progress: bool,
              models: ModelProcesses | None) -> dict:
    """Every paper's annotation, from the cache or analysed (in `models` when given)."""
    result = annotate_papers(papers, settings, root / settings.analyze_cache_dir, progress=progress,
                             vocabulary=load_vocabulary(root), models=models)
    summary.analysed, summary.cached = result.analysed, result.cached
    if result.analysed and models is None:
        release_spacy()     # not read again in this build; organize's peak then runs without it
    elif models is not None:
        models.reader.close()   # spaCy is not read again; the encoder's process stays for the labels
    log(f"analysed {result.analysed} paper(s), {result.cached} from the cache")
    if result.unreadable:
        log(f"{result.unreadable} cached annotation(s) were truncated or corrupt: those papers were analysed again")
    return result.annotations


def _write_project_files(root: Path, settings: Settings, files: ProjectFiles, log) -> None:
    _write_themes_file(root / settings.themes_file, files.themes, log)
    _write_added_file(root / settings.added_file, files.added, log)
    if files.generated_keys and write_generated_keys(root / settings.generated_keys_file, files.generated_keys):
        log(f"updated {root / settings.generated_keys_file}: commit it so the keys given to keyless entries stay")


SITE_MODULES = ("numpy", "sklearn", "spacy", "sentence_transformers", "keybert", "jinja2", "mkdocs", "material",
                "citeproc", "pagefind", "markdown_it", "py3langid")


def require_site_extra() -> None:
    """Fail at once, with the install hint, when `annobib[site]` is not installed."""
    import importlib.util

    missing = [name for name in SITE_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise BuildError(f"annobib build needs the 'site' extra (missing: {', '.join(missing)}): "
                         "pip install 'annobib[site]' (install torch==2.13.0, the CPU build, first)")


def _organize(root, settings, papers, annotations, summary, log, models: ModelProcesses | None = None):
    """Organize's result, its annotations without their document embeddings: nothing after
    organize reads them, and they are 120 MB of Python floats at 10,000 papers. `models`:
    where theme labels' new phrases are encoded (organize closes it once they are made)."""
    from .organize import load_themes_file, organize
    from .organize.projection import MemoisedProjection

    themes_path = root / settings.themes_file
    cache_dir = root / settings.analyze_cache_dir
    organized = organize(
        papers, annotations, load_themes_file(themes_path), settings,
        embed_phrases=CachedPhraseEmbedder(settings, cache_dir, models.encoder if models else None),
        project_map=MemoisedProjection(cache_dir / "map.json"))
    organized = replace(organized, bib=replace(organized.bib, annotations={
        key: replace(annotation, embedding=()) for key, annotation in organized.bib.annotations.items()}))
    for message in organized.report.messages:
        log(message)
    summary.messages.extend(organized.report.messages)
    summary.themes = len(organized.bib.themes)
    return organized


def _write_themes_file(path: Path, themes: ThemesFile, log) -> None:
    from .organize import dump_themes_file

    before = path.read_text(encoding="utf-8") if path.exists() else None
    with replacing(path) as tmp:  # a build killed while writing never truncates themes.yml
        dump_themes_file(themes, tmp)
    if path.read_text(encoding="utf-8") != before:
        log(f"updated {path}: review and commit it to keep theme assignments stable")


def _write_added_file(path: Path, added, log) -> None:
    from .render.feeds import write_added_file

    write_added_file(path, added, log)     # the feeds' dates, kept like themes.yml


def _render_and_publish(root: Path, settings: Settings, bib: Bibliography, summary: BuildSummary, build_date: str,
                        removals: Removals):
    """`build_date`: SOURCE_DATE_EPOCH for the generator (the last commit's time, taken once per build);
    `removals`: where the previous site goes once the new one is in place."""
    from .render import render_site, write_mkdocs_config
    from .render.feeds import added_dates

    added = added_dates(root, settings.added_file, settings.corpus_dir, [p.key for p in bib.papers])

    build_dir(root).mkdir(parents=True, exist_ok=True)
    site_dir = root / settings.render_site_dir
    with tempfile.TemporaryDirectory(dir=build_dir(root), prefix=STAGING_PREFIX) as staging, \
            _start_mkdocs(root, settings, build_date) as mkdocs:
        staging = Path(staging)
        docs_dir, new_site = staging / "docs", staging / "site"
        docs_dir.mkdir()
        rendered = render_site(bib, docs_dir, settings, hand_written_docs=root / "docs", added=added.dates,
                               cache_dir=root / settings.analyze_cache_dir)
        config_path = staging / "mkdocs.yml"
        write_mkdocs_config(bib, docs_dir, new_site, config_path, _base_mkdocs(root), settings=settings)
        if settings.site_generator == "zensical":
            _run_zensical(root, docs_dir, config_path, summary, build_date)   # render/zensical_build.py
        else:
            pages = _page_cache_plan(root, settings, docs_dir, config_path)   # render/incremental.py
            release_memory()   # render's freed pages handed back: MkDocs' peak is on top of this process
            _run_mkdocs(config_path, mkdocs)
            # The docs folder is done with: its tens of thousands of files are removed while
            # the pages are restored and Pagefind indexes the site.
            clearing = threading.Thread(target=shutil.rmtree, args=(docs_dir,), kwargs={"ignore_errors": True})
            clearing.start()
            try:
                _reuse_pages_and_index(pages, bib, settings, config_path, new_site, summary)
            finally:
                clearing.join()
        # Counted in the built site, not taken from the input: the conservation check's evidence.
        summary.paper_pages = sum(1 for _ in (new_site / "papers").glob("*/index.html"))
        summary.theme_pages = rendered.theme_pages
        summary.bib_entries = rendered.bib_entries
        check_conservation(bib, new_site)
        if summary.paper_pages + summary.skipped != summary.entries_read:
            raise BuildError(f"entries read ({summary.entries_read}) != pages ({summary.paper_pages}) "
                             f"+ skipped ({summary.skipped}); nothing was published")
        publish(new_site, site_dir, discard=removals.discard)
    return added


def _page_cache_plan(root: Path, settings: Settings, docs_dir: Path, config_path: Path):
    from .render import incremental

    cache = root / settings.analyze_cache_dir / "pages" if settings.render_page_cache else None
    return incremental.prepare(config_path, _base_mkdocs(root), docs_dir, cache)


def _reuse_pages_and_index(plan, bib: Bibliography, settings: Settings, config_path: Path, new_site: Path,
                           summary: BuildSummary) -> None:
    from .render import incremental, search

    incremental.restore_reused(plan, config_path, new_site)
    summary.pages_rendered, summary.pages_reused = plan.rendered, plan.reused
    search.build_search_index(bib, new_site, settings, plan.search_config,
                              pages_key=incremental.pages_key(plan), cache_dir=plan.cache_dir)


def _run_zensical(root: Path, docs_dir: Path, config_path: Path, summary: BuildSummary, build_date: str) -> None:
    """Zensical builds the staged docs: no hook, so no page cache; its own search, not Pagefind."""
    from .render import zensical_build

    zensical_build.prepare(config_path)
    zensical_build.run(config_path, root, build_date)
    summary.pages_rendered, summary.pages_reused = zensical_build.page_count(docs_dir), 0


def _base_mkdocs(root: Path) -> Path:
    """The project's mkdocs.yml, or the one `annobib new` writes when it has none."""
    from .scaffold import BASE_MKDOCS

    own = root / "mkdocs.yml"
    return own if own.is_file() else BASE_MKDOCS


# What MkDocs imports for a build: imported in its process while render writes the docs.
MKDOCS_IMPORTS = ("mkdocs.__main__", "mkdocs.commands.build", "mkdocs.config.defaults",
                  "material.plugins.search.plugin", "markdown.extensions.toc", "markdown.extensions.md_in_html",
                  "annobib.render.page_cache_plugin")


def _start_mkdocs(root: Path, settings: Settings, build_date: str):
    """MkDocs' process, started before render with its imports done by the time render ends
    (about 0.4 s of every build); none for Zensical. A build that gets this far always runs
    its generator."""
    if settings.site_generator == "zensical":
        return nullcontext()
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", build_date)}
    return StartedModule("mkdocs", MKDOCS_IMPORTS, cwd=root, env=env)


def _run_mkdocs(config_path: Path, started: StartedModule) -> None:
    """`mkdocs build --strict` of the generated config, in the process `_start_mkdocs` started."""
    done = started.run("build", "--strict", "-f", str(config_path))
    os_error = os_error_in_output(done.stderr) if done.returncode != 0 else None
    if os_error:
        raise OutputNotWritable(f"mkdocs could not write the site: {os_error}; the previous site is untouched")
    if done.returncode != 0:
        raise BuildError(f"mkdocs build --strict failed; the previous site is untouched:\n{_mkdocs_complaints(done)}")


def _mkdocs_complaints(done) -> str:
    """What MkDocs objected to: its warnings and errors (the INFO lines, one per reused page
    among them, say nothing of the failure), else the end of its output."""
    lines = (done.stderr or done.stdout).strip().splitlines()
    complaints = [line for line in lines if line.lstrip().startswith(("WARNING", "ERROR", "Aborted", "Error"))]
    return "\n".join(complaints[:20] or lines[-20:])


def _source_date_epoch(root: Path) -> str:
    """A fixed build date (the last commit's, else 0) so two builds give the same bytes."""
    done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True)
    stamp = done.stdout.strip()
    return stamp if done.returncode == 0 and stamp.isdigit() else "0"


def check_conservation(bib: Bibliography, site: Path) -> None:
    """Every input paper exactly once: page, all.bib, papers.json, one theme. Else fail."""
    keys = sorted(p.key for p in bib.papers)
    faults = []
    missing_pages = [k for k in keys if not (site / "papers" / bib.slugs.get(k, k) / "index.html").is_file()]
    if missing_pages:
        faults.append(f"{len(missing_pages)} paper page(s) missing, e.g. {missing_pages[:3]}")
    faults += _bib_faults(site / "bib" / "all.bib", keys) + _data_faults(site / "data" / "papers.json", keys)
    themed = sorted(k for t in bib.themes for k in t.papers)
    if themed != keys:
        faults.append(f"{len(themed)} theme memberships for {len(keys)} papers (each must be in exactly one)")
    listed_in = {k: t.slug for t in bib.themes for k in t.papers}
    mismatched = sorted(k for k in keys if bib.theme_of.get(k) != listed_in.get(k))
    if mismatched:
        faults.append(f"{len(mismatched)} paper(s) whose theme page and paper page disagree, e.g. {mismatched[:3]}")
    if faults:
        raise BuildError("the built site does not hold every paper exactly once; nothing was published:\n- "
                         + "\n- ".join(faults))


def _bib_faults(path: Path, keys: list[str]) -> list[str]:
    if not path.is_file():
        return [f"{path.name} was not written"]
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    bib_keys = sorted(e.key for e in library.entries)
    if bib_keys != keys or library.failed_blocks:
        return [f"all.bib has {len(bib_keys)} entries ({len(library.failed_blocks)} unparseable) for {len(keys)} papers"]
    return []


def _data_faults(path: Path, keys: list[str]) -> list[str]:
    try:
        data_keys = sorted(p["key"] for p in json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{path.name} is missing or unreadable ({exc.__class__.__name__})"]
    return [f"papers.json has {len(data_keys)} papers for {len(keys)}"] if data_keys != keys else []

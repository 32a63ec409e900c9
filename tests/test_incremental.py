"""Rebuilds on corpus updates: only new papers are analysed, a no-change rebuild loads no
model, and a failed build (corpus error or MkDocs error) leaves the previous site/ as it was.

One cold build of the small fixture corpus is made per module; every test works on its
own copy of that built project (corpus, build/cache, site/, corpus/themes.yml).
"""
from __future__ import annotations

import gc
import hashlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from annobib.cli import main
from annobib.corpus import load_corpus
from conftest import FIXTURES, copy_project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SMALL_CORPUS = REPO / "tests" / "fixtures" / "small_corpus"
# Used only while the project has no root mkdocs.yml of its own.
MODEL_MODULES = ("spacy", "sentence_transformers", "torch")

# The first paper of the shared fixture (Instant NGP, key muller2022instant), not in the small corpus.
NEW_PAPER = "\n" + re.findall(r"^@.*?^}", (FIXTURES / "added_papers.bib").read_text(encoding="utf-8"),
                              flags=re.S | re.M)[0] + "\n"

NO_MODEL_BUILD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from annobib.build import build_site
    from annobib.config import load_settings
    root, force = Path(sys.argv[1]), sys.argv[2] == "force"
    log = []
    summary = build_site(root, load_settings(root), log=log.append, progress=False, force=force)
    print(json.dumps({"analysed": summary.analysed, "cached": summary.cached, "log": log,
                      "up_to_date": summary.up_to_date, "rendered": summary.pages_rendered,
                      "loaded": [m for m in sys.argv[3:] if m in sys.modules]}))
""")


def make_project(dest: Path, corpus_text: str) -> Path:
    """A project folder as a maintainer has it (corpus/, mkdocs.yml, docs/), with this corpus."""
    copy_project(dest, corpus=FIXTURES / "small_corpus")
    (dest / "corpus" / "papers.bib").write_text(corpus_text, encoding="utf-8")
    return dest


def small_corpus_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(SMALL_CORPUS.glob("*.bib")))


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path):
    return CliRunner().invoke(main, ["build", "--root", str(root), "--quiet"])


def annobib_subprocess(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annobib", *args], capture_output=True, text=True, timeout=900)


def build_without_models(root: Path, force: bool = False) -> dict:
    done = subprocess.run([sys.executable, "-c", NO_MODEL_BUILD, str(root), "force" if force else "-", *MODEL_MODULES],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A cold build (empty cache) of the small fixture corpus."""
    root = make_project(tmp_path_factory.mktemp("built") / "project", small_corpus_text())
    result = build(root)
    assert result.exit_code == 0, result.output
    count = len(load_corpus(root / "corpus").papers)
    assert f"analysed {count} paper(s), 0 from the cache" in result.output
    assert (root / "site" / "index.html").is_file()
    return root


@pytest.fixture
def project(built, tmp_path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(built, copy)
    return copy


def keys_of(root: Path) -> set[str]:
    return {p.name for p in (root / "site" / "papers").iterdir() if p.is_dir()}


def theme_of(root: Path) -> dict[str, str]:
    import yaml

    doc = yaml.safe_load((root / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    return {key: theme["slug"] for theme in doc["themes"] for key in theme["papers"]}


# --- incremental ---------------------------------------------------------------------------

def test_adding_one_paper_analyses_only_that_paper(project):
    before_keys, before_themes = keys_of(project), theme_of(project)
    with (project / "corpus" / "papers.bib").open("a", encoding="utf-8") as bib:
        bib.write(NEW_PAPER)
    result = build(project)
    assert result.exit_code == 0, result.output
    assert f"analysed 1 paper(s), {len(before_keys)} from the cache" in result.output
    assert keys_of(project) == before_keys | {"muller2022instant"}
    after_themes = theme_of(project)
    assert {k: after_themes[k] for k in before_themes} == before_themes, "published papers changed theme"
    assert "muller2022instant" in after_themes
    # The build ran in this process (models loaded, stages frozen out of the collector's
    # walks): it leaves nothing frozen, so a long-lived caller's garbage is still collected.
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("force", [False, True], ids=["up-to-date", "forced"])
def test_no_change_rebuild_loads_no_model_and_gives_the_same_site(project, force):
    """Run in a fresh interpreter: a model import anywhere in the build shows in sys.modules.
    Forced, every stage runs (from the caches); else the build sees that nothing changed."""
    before = tree_hashes(project / "site")
    themes_before = (project / "corpus" / "themes.yml").read_bytes()
    outcome = build_without_models(project, force=force)
    assert outcome["analysed"] == 0 and outcome["cached"] == len(keys_of(project))
    assert outcome["rendered"] == 0, "a no-change rebuild rendered pages again"
    if force:
        assert f"analysed 0 paper(s), {outcome['cached']} from the cache" in outcome["log"]
    else:
        assert outcome["up_to_date"] and any("the site is up to date" in line for line in outcome["log"])
    assert outcome["loaded"] == [], f"a no-change rebuild imported {outcome['loaded']}"
    assert (project / "corpus" / "themes.yml").read_bytes() == themes_before
    assert tree_hashes(project / "site") == before


def test_the_build_right_after_a_first_build_is_up_to_date(tmp_path):
    """The first build writes corpus/themes.yml and added.yml; they are its own output, so
    the next build finds nothing changed. Touching the site or the corpus builds again."""
    root = make_project(tmp_path / "project", small_corpus_text())
    (root / "corpus" / "themes.yml").unlink(missing_ok=True)
    assert build(root).exit_code == 0
    assert (root / "corpus" / "themes.yml").is_file()
    again = build(root)
    assert again.exit_code == 0 and "the site is up to date" in again.output
    (root / "site" / "index.html").write_text("edited by hand", encoding="utf-8")
    repaired = build(root)
    assert repaired.exit_code == 0 and "the site is up to date" not in repaired.output
    assert "edited by hand" not in (root / "site" / "index.html").read_text(encoding="utf-8")
    forced = CliRunner().invoke(main, ["build", "--root", str(root), "--quiet", "--force"])
    assert forced.exit_code == 0 and "the site is up to date" not in forced.output
    assert "analysed 0 paper(s)" in forced.output


def test_an_up_to_date_build_says_the_corpus_problems_again(project):
    bib = project / "corpus" / "papers.bib"
    with bib.open("a", encoding="utf-8") as out:
        out.write(BROKEN_ENTRY)
    first, second = build(project), build(project)
    assert first.exit_code == second.exit_code == 0
    assert "the site is up to date" in second.output
    problem = next(line for line in first.output.splitlines() if "broken2024entry" in line)
    assert problem in second.output.splitlines()
    strict = annobib_subprocess("build", "--strict", "--root", str(project), "--quiet")
    assert strict.returncode == 1, "--strict is an input: an up-to-date site does not hide an error"


def test_a_changed_abstract_is_analysed_again(project):
    bib = project / "corpus" / "papers.bib"
    text = bib.read_text(encoding="utf-8")
    marker = "title = {Convolutional Occupancy Networks},"
    assert marker in text
    bib.write_text(text.replace(marker, marker.replace("Networks", "Networks Revisited")), encoding="utf-8")
    result = build(project)
    assert result.exit_code == 0, result.output
    assert f"analysed 1 paper(s), {len(keys_of(project)) - 1} from the cache" in result.output


# --- a failed build leaves the previous site untouched -------------------------------------------

BROKEN_ENTRY = "\n@article{broken2024entry,\n  title = {Never Closed,\n  abstract = {Text.},\n}\n"


def test_corpus_syntax_error_fails_a_strict_build_cleanly_and_keeps_the_site(project):
    before = tree_hashes(project / "site")
    bib = project / "corpus" / "papers.bib"
    with bib.open("a", encoding="utf-8") as out:
        out.write(BROKEN_ENTRY)
    line = bib.read_text(encoding="utf-8").splitlines().index("@article{broken2024entry,") + 1
    done = annobib_subprocess("build", "--strict", "--root", str(project), "--quiet")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{bib}:{line}: entry 'broken2024entry' error: BibTeX syntax error" in done.stderr
    assert "Error: 1 error(s) in the corpus; nothing was built" in done.stderr
    assert tree_hashes(project / "site") == before
    # `annobib check` reports the same place.
    check = CliRunner().invoke(main, ["check", "--root", str(project)])
    assert check.exit_code == 1 and f"{bib}:{line}: entry 'broken2024entry'" in check.output
    # Without --strict the build publishes every other entry and names the skipped one.
    pages = sorted(p.parent.name for p in (project / "site" / "papers").glob("*/index.html"))
    lenient = annobib_subprocess("build", "--root", str(project), "--quiet")
    assert lenient.returncode == 0, lenient.stderr[-2000:]
    assert f"{bib}:{line}: entry 'broken2024entry' error: BibTeX syntax error" in lenient.stdout
    assert f"entries read: {len(pages) + 1} = {len(pages)} published + 1 skipped" in lenient.stdout
    assert sorted(p.parent.name for p in (project / "site" / "papers").glob("*/index.html")) == pages


def test_mkdocs_failure_keeps_the_site(project):
    """A hand-written page with a broken link: `mkdocs build --strict` fails after analysis,
    organize and render all succeeded, so the staging folder must be thrown away."""
    before = tree_hashes(project / "site")
    (project / "docs").mkdir(exist_ok=True)
    (project / "docs" / "broken-link.md").write_text("# Broken\n\nSee [nowhere](no-such-page.md).\n",
                                                     encoding="utf-8")
    result = build(project)
    assert result.exit_code == 1, result.output
    assert "Error: mkdocs build --strict failed; the previous site is untouched" in result.output
    assert "no-such-page.md" in result.output
    assert isinstance(result.exception, SystemExit), "a clean 'Error: ...', not a traceback"
    assert tree_hashes(project / "site") == before
    leftovers = [p.name for p in (project / "build").iterdir() if p.name.startswith("staging-")]
    assert leftovers == [] and not (project / "site.old").exists()


def test_render_stage_error_keeps_the_site(project, monkeypatch):
    """Any exception inside render (here: a simulated one) must not touch site/."""
    import annobib.render
    from annobib.errors import BuildError

    before = tree_hashes(project / "site")

    def failing_render(*args, **kwargs):
        raise BuildError("simulated render failure")

    monkeypatch.setattr(annobib.render, "render_site", failing_render)
    # Nothing changed since the project was built: --force makes the build reach render.
    result = CliRunner().invoke(main, ["build", "--root", str(project), "--quiet", "--force"])
    assert result.exit_code == 1
    assert "Error: simulated render failure" in result.output
    assert tree_hashes(project / "site") == before
    assert not [p for p in (project / "build").iterdir() if p.name.startswith("staging-")]


def test_check_passes_on_the_built_fixture(project, monkeypatch):
    """The themes.yml the build wrote is read by `annobib check` as the published keys."""
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    result = CliRunner().invoke(main, ["check", "--root", str(project)])
    assert result.exit_code == 0, result.output
    bib = project / "corpus" / "papers.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("{peng2020convolutional,", "{peng2020occupancy,"),
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--root", str(project)])
    # Not a git repository: the old identity is unknown, so the renamed key looks removed.
    assert result.exit_code == 0 and "published paper 'peng2020convolutional'" in result.output

"""The package is complete: its wheel, installed into a fresh virtual environment with the
tested lock as constraints (and torch==2.13.0 first), runs end to end as a new user
would run it: `annobib new`, a real .bib file into corpus/, `annobib build`.

This is the check that pyproject.toml declares what the code imports and that the
package data (templates, scaffold files, word lists) ships in the wheel.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REALBIB = REPO / "tests" / "fixtures" / "realbib"


def run(*args, cwd: Path | None = None, timeout: float = 1500) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding the built wheel with its [site] extra."""
    work = tmp_path_factory.mktemp("package")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", work / "dist", REPO)
    [wheel] = list((work / "dist").glob("annobib-*.whl"))
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    # The CPU build of torch first: a bare requirement would pull several GB of CUDA packages.
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "torch==2.13.0")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "-c", REPO / "requirements.txt", f"{wheel}[site]")
    return bin_dir


@pytest.mark.slow
def test_installed_wheel_builds_a_new_bibliography(installed, tmp_path):
    project = tmp_path / "mybib"
    run(installed / "annobib", "new", project, "--title", "My bibliography")
    shutil.copy(REALBIB / "handkept-coq-biblio.bib", project / "corpus")
    built = run(installed / "annobib", "build", "--quiet", cwd=project)
    assert "published" in built.stdout
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>My bibliography</title>" in home
    mentions = [p for p in (project / "site").rglob("*")
                if p.is_file() and p.suffix in (".html", ".json", ".xml", ".bib", ".txt")
                and "Implicit Neural Networks" in p.read_text(encoding="utf-8", errors="replace")]
    assert not mentions, f"the shipped corpus's topic leaks into a new project: {mentions[:5]}"


@pytest.mark.slow
def test_installed_check_needs_no_heavy_dependency(installed, tmp_path):
    """The light path runs from the base install's imports alone (what annobib[check] gets)."""
    project = tmp_path / "light"
    run(installed / "annobib", "new", project)
    shutil.copy(REALBIB / "dblp-theuema.bib", project / "corpus")
    script = ("import sys; from annobib.cli import main\n"
              "try:\n    main(['check', '--root', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
              "heavy = [m for m in ('spacy', 'torch', 'sentence_transformers', 'jinja2', 'mkdocs', 'numpy') "
              "if m in sys.modules]\nprint('HEAVY:' + ','.join(heavy))\n")
    done = subprocess.run([installed / "python", "-c", script, project], capture_output=True, text=True, timeout=120)
    assert "HEAVY:\n" in done.stdout, done.stdout + done.stderr
    assert "annobib check FAILED" in done.stdout and "duplicate citation key" in done.stdout

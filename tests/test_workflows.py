"""The GitHub Actions workflows: valid YAML, the right triggers, and nothing they run is missing.

Every `make X` must be a Makefile target, every `annobib X --opt` a command and option of
the click group, every file a script or requirement refers to must exist in the project.
"""
from __future__ import annotations

import glob
import re
from pathlib import Path

import click
import pytest
import yaml

from annobib.cli import main
from annobib.config import Settings

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
# Written by the workflow itself or by the build, so not on disk in a fresh clone.
GENERATED_PREFIXES = (".venv/", "build/", "site/", Settings().themes_file)
FILE_TOKEN = re.compile(r"(?<![\w./${-])((?:\.?[\w-]+/)*[\w.-]+\.(?:txt|py|sh|toml|yml|yaml|cfg|bib|json)|\.ci/\w+|scripts/[\w./-]+|bench/[\w./-]+)(?![\w/])")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(doc: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as True.
    on = doc.get("on", doc.get(True))
    return {on: None} if isinstance(on, str) else on


def steps(doc: dict):
    for job in doc["jobs"].values():
        yield from job.get("steps", [])


def run_scripts(doc: dict) -> list[str]:
    return [s["run"] for s in steps(doc) if "run" in s]


def uses(doc: dict) -> list[str]:
    found = [s["uses"] for s in steps(doc) if "uses" in s]
    return found + [job["uses"] for job in doc["jobs"].values() if "uses" in job]


def by_trigger(name: str) -> dict:
    matching = [load(p) for p in workflow_files() if name in triggers(load(p))]
    assert len(matching) == 1, f"expected one workflow triggered by {name}"
    return matching[0]


def makefile_targets() -> set[str]:
    targets = set()
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.$() -]+?)\s*:(?![:=])", line)
        if match and not line.startswith("\t"):
            targets.update(match.group(1).split())
    return targets


def test_there_are_workflows_and_they_parse():
    files = workflow_files()
    assert len(files) >= 2
    for path in files:
        doc = load(path)
        assert isinstance(doc, dict) and doc.get("jobs"), path
        assert triggers(doc), path


def test_pull_requests_touching_corpus_or_code_check_and_build():
    doc = by_trigger("pull_request")
    paths = triggers(doc)["pull_request"]["paths"]
    for needed in ("corpus/**", "src/**", "requirements*.txt", "pyproject.toml", "Makefile"):
        assert needed in paths
    scripts = "\n".join(run_scripts(doc))
    assert re.search(r"annobib check --format github", scripts)
    assert re.search(r"\bmake site\b", scripts)
    assert not any("deploy-pages" in u for u in uses(doc)), "pull requests must not deploy"
    assert doc["permissions"] == {"contents": "read"}


def test_pushes_to_main_build_and_deploy_to_pages():
    doc = by_trigger("push")
    assert triggers(doc)["push"]["branches"] == ["main"]
    assert doc["permissions"]["pages"] == "write" and doc["permissions"]["id-token"] == "write"
    assert doc["concurrency"]["group"] and doc["concurrency"]["cancel-in-progress"] is False
    actions = uses(doc)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in actions)
    assert any(u.startswith("actions/deploy-pages@") for u in actions)
    upload = next(s for s in steps(doc) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == Settings().render_site_dir
    deploy_job = next(j for j in doc["jobs"].values()
                      if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in j["steps"]))
    assert deploy_job["environment"]["name"] == "github-pages"
    assert deploy_job["needs"]
    assert re.search(r"\bmake site\b", "\n".join(run_scripts(doc)))


@pytest.mark.parametrize("trigger", ["pull_request", "push"])
def test_builds_cache_annotations_and_pip_and_install_cpu_torch_first(trigger):
    doc = by_trigger(trigger)
    cache = [s for s in steps(doc) if s.get("uses", "").startswith("actions/cache@")]
    assert cache and cache[0]["with"]["path"] == Settings().analyze_cache_dir
    key = cache[0]["with"]["key"]
    assert "hashFiles(" in key and "corpus/**" in key and "requirements" in key
    assert cache[0]["with"].get("restore-keys"), "a corpus change must still restore the previous cache"
    python = [s for s in steps(doc) if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and all(s["with"]["cache"] == "pip" for s in python)
    scripts = "\n".join(run_scripts(doc))
    torch = scripts.index("torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
    assert torch < scripts.index("make venv")
    assert scripts.index("make venv") < scripts.index("make site")


def test_every_action_is_pinned_to_a_version():
    for path in workflow_files():
        for action in uses(load(path)):
            assert re.search(r"@v\d+$|@[0-9a-f]{40}$", action), f"{path.name}: {action}"


def test_every_make_target_exists():
    targets = makefile_targets()
    assert {"venv", "site", "check"} <= targets
    for path in workflow_files():
        for script in run_scripts(load(path)):
            for target in re.findall(r"(?<![\w-])make\s+([A-Za-z0-9_.-]+)", script):
                assert target in targets, f"{path.name}: make {target}: no such Makefile target"


def test_every_annobib_command_and_option_exists():
    seen = 0
    for path in workflow_files():
        for script in run_scripts(load(path)):
            for line in script.splitlines():
                match = re.search(r"(?:^|[\s/])annobib\s+([a-z][\w-]*)(.*)$", line)
                if not match:
                    continue
                seen += 1
                name, rest = match.groups()
                assert name in main.commands, f"{path.name}: annobib {name}: no such command"
                command: click.Command = main.commands[name]
                known = {opt for p in command.params for opt in getattr(p, "opts", [])}
                for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", rest):
                    assert option in known, f"{path.name}: annobib {name} {option}: no such option"
    assert seen >= 2


def test_every_file_the_workflows_refer_to_exists():
    for path in workflow_files():
        doc = load(path)
        texts = run_scripts(doc)
        texts += [str(v) for s in steps(doc) for k, v in (s.get("with") or {}).items()
                  if k in ("path", "cache-dependency-path")]
        for text in texts:
            text = re.sub(r"\$\{\{.*?\}\}", "", text)
            for token in FILE_TOKEN.findall(text):
                if token.startswith(GENERATED_PREFIXES) or "*" in token:
                    continue
                assert (REPO / token).exists(), f"{path.name}: {token} does not exist"
        for pattern in re.findall(r"hashFiles\(([^)]*)\)", path.read_text(encoding="utf-8")):
            for glob_pattern in re.findall(r"'([^']+)'", pattern):
                assert glob.glob(str(REPO / glob_pattern), recursive=True), f"{path.name}: {glob_pattern} matches nothing"
        for step in steps(doc):
            dependency = (step.get("with") or {}).get("cache-dependency-path")
            if dependency:
                assert glob.glob(str(REPO / dependency)), f"{path.name}: {dependency} matches nothing"

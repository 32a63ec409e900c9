"""The GitHub Actions workflows: valid YAML, the right triggers, and nothing they run is missing.

Every `make X` must be a Makefile target, every `annobib X --opt` a command and option of
the click group, every file a script or requirement refers to must exist in the project.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
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


# Folders that hold installed, generated or built files, never workflows the project ships.
NOT_SHIPPED = {".git", ".venv", "build", "site", "node_modules", ".pytest_cache", "__pycache__"}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def shipped_workflow_files() -> list[Path]:
    """Every *.yml / *.yaml in a `workflows` folder of the repository: .github/workflows and
    any workflow templates under src/ that `annobib new` hands to new projects."""
    found = []
    for folder, subfolders, files in os.walk(REPO):
        subfolders[:] = sorted(d for d in subfolders if d not in NOT_SHIPPED and not d.endswith(".egg-info"))
        if Path(folder).name == "workflows":
            found += [Path(folder) / name for name in sorted(files) if name.endswith((".yml", ".yaml"))]
    return found


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
    assert doc["permissions"] == {}, "permissions are granted per job"
    for job in doc["jobs"].values():
        assert job["permissions"] == {"contents": "read"}


def test_pushes_to_main_build_and_deploy_to_pages():
    doc = by_trigger("push")
    assert triggers(doc)["push"]["branches"] == ["main"]
    assert doc["permissions"] == {}, "permissions are granted per job"
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
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}
    for job in doc["jobs"].values():
        if job is not deploy_job:
            assert "write" not in job.get("permissions", {}).values(), "only the deploy job writes"
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


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    files = shipped_workflow_files()
    assert set(workflow_files()) <= set(files)
    for path in files:
        actions = [u for u in uses(load(path)) if not u.startswith(("./", "docker://"))]
        lines = [re.sub(r"^\s*(-\s*)?uses:\s*", "", line).strip()
                 for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s*)?uses:", line)]
        assert actions and len(lines) >= len(actions), path
        for line in lines:
            if not line.startswith(("./", "docker://")):
                assert PINNED.match(line), f"{path.relative_to(REPO)}: {line} (want owner/repo@<40-hex sha> # vX.Y.Z)"


def test_checkouts_keep_no_credentials_and_run_scripts_expand_no_expressions():
    for path in shipped_workflow_files():
        doc = load(path)
        for step in steps(doc):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert (step.get("with") or {}).get("persist-credentials") is False, f"{path.name}: {step}"
        for script in run_scripts(doc):
            assert "${{" not in script, f"{path.name}: pass values to run: scripts through env:, not ${{{{ }}}}"


def zizmor_command() -> str:
    beside_python = Path(sys.executable).parent / "zizmor"
    found = str(beside_python) if beside_python.exists() else shutil.which("zizmor")
    assert found, "zizmor is a dev dependency (requirements-dev.txt): run 'make venv'"
    return found


def test_zizmor_finds_nothing_at_medium_or_above_in_any_shipped_workflow():
    """`zizmor --offline` on every workflow the project ships; no config file and no inline
    ignore comments may hide a finding."""
    files = shipped_workflow_files()
    for path in files:
        assert "zizmor: ignore" not in path.read_text(encoding="utf-8"), f"{path}: no suppressions"
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_CONFIG")}
    done = subprocess.run(
        [zizmor_command(), "--offline", "--no-config", "--no-progress", "--format", "json",
         "--min-severity", "medium", *map(str, files)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    try:
        findings = json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"zizmor exited {done.returncode} without a report:\n{done.stderr[-3000:]}")
    assert not findings, "\n".join(map(describe_finding, findings))


def describe_finding(finding: dict) -> str:
    try:
        where = finding["locations"][0]
        path = Path(where["symbolic"]["key"]["Local"]["verbatim_path"])
        line = where["concrete"]["location"]["start_point"]["row"] + 1
        return (f"{finding['determinations']['severity']} {finding['ident']}: {finding['desc']} "
                f"at {path.resolve().relative_to(REPO)}:{line}")
    except (KeyError, IndexError, TypeError, ValueError):
        return json.dumps(finding)[:500]


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

"""The `annobib` command as a user meets it: documented commands, clean errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from annobib.cli import main

STYLESDF = {
    "id": "stylesdf",
    "title": "StyleSDF: High-Resolution 3D-Consistent Image and Geometry Generation",
    "text": ("We introduce a high resolution, 3D-consistent image and shape generation technique which "
             "we call StyleSDF. Our method is trained on single-view RGB data only, and stands on the "
             "shoulders of StyleGAN2 for image generation, while solving two main challenges in 3D-aware "
             "GANs: 1) high-resolution, view-consistent generation of the RGB images, and 2) detailed 3D "
             "shape. We achieve this by merging a SDF-based 3D representation with a style-based 2D "
             "generator."),
}


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(name, repo_root):
    command = main.commands[name]
    assert command.help and len(command.help.strip()) > 20
    assert f"annobib {name}" in (repo_root / "README.md").read_text(encoding="utf-8")


def test_keyphrases_rejects_bad_input_with_the_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "fine"}\n{"id": 2, "text": \n', encoding="utf-8")
    result = CliRunner().invoke(main, ["keyphrases", str(source), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1
    assert "in.jsonl:2" in result.output and "Traceback" not in result.output
    source.write_text('{"id": 1}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["keyphrases", str(source), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1 and "in.jsonl:1" in result.output and '"text"' in result.output


@pytest.mark.slow
def test_keyphrases_command_annotates_jsonl(tmp_path):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    plain = {"id": "plain", "text": "Graph neural networks learn node representations for link prediction."}
    source.write_text(json.dumps(STYLESDF) + "\n" + json.dumps(plain) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["keyphrases", str(source), str(target)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["stylesdf", "plain"]
    assert set(rows[0]) == {"id", "keyphrases", "methods_introduced", "methods_mentioned", "datasets", "summary"}
    assert rows[0]["methods_introduced"] == ["StyleSDF"]
    assert "StyleGAN2" in rows[0]["methods_mentioned"]
    assert rows[0]["summary"].startswith("We introduce a high resolution")
    assert any("graph neural network" in k.lower() for k in rows[1]["keyphrases"])


# --- bad input: one line, exit 2, never a traceback -------------------------------------

def _one_line_error(result, code: int = 2) -> str:
    output = result.output.strip()
    assert result.exit_code == code, output
    assert "Traceback" not in output and not isinstance(result.exception, (TypeError, AttributeError, KeyError))
    lines = output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), output
    return lines[0]


@pytest.mark.parametrize("args, says", [
    (["serve", "--dev-addr", "8000"], "HOST:PORT"),
    (["serve", "--dev-addr", "localhost:99999"], "HOST:PORT"),
    (["build", "--root", "/no/such/folder"], "does not exist"),
    (["check", "--root", "/no/such/folder"], "does not exist"),
    (["serve", "--root", "/no/such/folder"], "does not exist"),
    (["keyphrases", "/no/such.jsonl", "out.jsonl"], "does not exist"),
    (["new"], "Missing argument"),
    (["build", "--no-such-option"], "No such option"),
    (["no-such-command"], "No such command"),
], ids=lambda value: "-".join(value) if isinstance(value, list) else None)
def test_bad_arguments_get_one_line_and_exit_2(args, says):
    line = _one_line_error(CliRunner().invoke(main, args))
    assert says in line


@pytest.mark.parametrize("config, says", [
    ("site_name: [unclosed\n", "not valid YAML"),
    ("organize_seed: thirteen\n", "'organize_seed' must be a whole number"),
    ("require_abstract: maybe\n", "'require_abstract' must be true or false"),
    ("analyze_keyphrases_shown: 1.5\n", "'analyze_keyphrases_shown' must be a whole number"),
    ("no_such_setting: 1\n", "unknown setting(s): no_such_setting"),
    ("- a list\n", "expected a mapping"),
    (b"site_name: \xff\xfe\n", "cannot be read"),
])
@pytest.mark.parametrize("command", ["check", "build", "serve"])
def test_a_bad_annobib_yml_gets_one_line_naming_the_key(tmp_path, config, says, command):
    target = tmp_path / "annobib.yml"
    target.write_bytes(config if isinstance(config, bytes) else config.encode("utf-8"))
    line = _one_line_error(CliRunner().invoke(main, [command, "--root", str(tmp_path)]))
    assert says in line and "annobib.yml" in line


def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    line = _one_line_error(CliRunner().invoke(main, ["new", str(tmp_path)]))
    assert "not an empty folder" in line
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_serve_without_a_built_site_says_to_build(tmp_path):
    line = _one_line_error(CliRunner().invoke(main, ["serve", "--root", str(tmp_path)]), code=1)
    assert "annobib build" in line


def test_new_writes_a_project_that_check_accepts(tmp_path):
    import yaml

    target = tmp_path / "mybib"
    result = CliRunner().invoke(main, ["new", str(target), "--title", "My bibliography: \"quoted\" & more",
                                       "--maintainer", "Ada Lovelace", "--url", "https://ada.example/bib/"])
    assert result.exit_code == 0, result.output
    settings = yaml.safe_load((target / "annobib.yml").read_text(encoding="utf-8"))
    assert settings["site_name"] == "My bibliography: \"quoted\" & more"
    assert settings["site_author"] == "Ada Lovelace" and settings["site_url"] == "https://ada.example/bib/"
    for name in ("mkdocs.yml", "docs/about.md", ".gitignore", "corpus/README.md",
                 ".github/workflows/check.yml", ".github/workflows/pages.yml"):
        assert (target / name).is_file(), name
    workflows = "".join(p.read_text(encoding="utf-8") for p in (target / ".github" / "workflows").glob("*.yml"))
    assert "make venv" not in workflows and "make site" not in workflows   # annobib as a package
    assert '"${ANNOBIB}[check]"' in workflows and '"${ANNOBIB}[site]"' in workflows
    # An empty corpus is a clear error, not a crash; one .bib file makes it pass.
    empty = CliRunner().invoke(main, ["check", "--root", str(target)])
    assert empty.exit_code == 1 and "no .bib files" in empty.output
    (target / "corpus" / "mine.bib").write_text("@book{Knuth:1984, title={The {\\TeX}book}, year=1984}\n",
                                               encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", "--root", str(target)])
    assert checked.exit_code == 0 and "1 paper(s)" in checked.output, checked.output


def test_the_repository_mkdocs_yml_is_the_one_new_projects_get(repo_root):
    from annobib.scaffold import BASE_MKDOCS

    assert (repo_root / "mkdocs.yml").read_text(encoding="utf-8") == BASE_MKDOCS.read_text(encoding="utf-8")


def test_the_command_ends_without_walking_what_it_leaves(tmp_path):
    """The installed `annobib` (and `python -m annobib`) runs `cli.run`: when the command is
    done, what is still alive is frozen, so the interpreter's exit collection skips it (after
    a build with the models loaded that walk took about a second); the exit code stays."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="annobib")
    assert script.value == "annobib.cli:run"
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "mine.bib").write_text("@book{Knuth:1984, title={The {\\TeX}book}, year=1984}\n",
                                                 encoding="utf-8")
    at_exit = ("import atexit, gc, runpy, sys; "
               "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count())); "
               "sys.argv = ['annobib', *sys.argv[1:]]; runpy.run_module('annobib', run_name='__main__')")
    for args, code in ((["check", "--root", str(tmp_path)], 0), (["check", "--root", str(tmp_path / "nowhere")], 2)):
        done = subprocess.run([sys.executable, "-c", at_exit, *args], capture_output=True, text=True)
        assert done.returncode == code, done.stderr
        assert int(done.stdout.rsplit("frozen at exit:", 1)[1]) > 10_000, done.stdout
    import gc

    frozen = gc.get_freeze_count()    # (models loaded by an earlier test stay frozen: analyze/loaders.py)
    within = CliRunner().invoke(main, ["check", "--root", str(tmp_path)])
    assert within.exit_code == 0 and gc.get_freeze_count() == frozen

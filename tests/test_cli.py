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

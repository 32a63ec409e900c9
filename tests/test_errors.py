"""The error catalogue (annobib/errors.py): one class per kind of fault, each with a stable code."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import annobib
from annobib import errors
from annobib.errors import AnnobibError

SRC = Path(annobib.__file__).resolve().parent


def catalogue() -> list[type[AnnobibError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, AnnobibError) and c.__module__ == errors.__name__]


def test_every_error_has_its_own_stable_code_and_a_docstring():
    classes = catalogue()
    codes = [vars(c).get("code") for c in classes]
    assert all(code and re.fullmatch(r"E\d{3}", code) for code in codes), codes   # not inherited
    assert len(set(codes)) == len(codes), sorted(codes)
    assert all((c.__doc__ or "").strip() for c in classes)


def test_nothing_raises_the_base_class():
    found = [f"{path.relative_to(SRC)}:{number}" for path in sorted(SRC.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if "raise AnnobibError(" in line]
    assert found == []


def test_every_exception_class_of_the_package_lives_in_the_catalogue():
    """Exceptions defined elsewhere are private signals of one module (a leading '_'), or
    click's own (the CLI's bad-input error)."""
    elsewhere = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and any(
                    re.search(r"(Error|Exception|Unavailable|Unreadable|Locked)$", ast.unparse(base))
                    and not ast.unparse(base).startswith("click.") for base in node.bases):
                elsewhere.append(f"{path.relative_to(SRC)}: {node.name}")
    assert elsewhere == []


@pytest.mark.parametrize("module, name", [
    ("annobib.config", "SettingsError"), ("annobib.scaffold", "ScaffoldError"),
    ("annobib.enrich.services", "ServiceUnavailable"), ("annobib.analyze.distributed", "ClusterError"),
    ("annobib.enrich.pdf", "PdfUnreadable"),
])
def test_the_old_import_places_still_work(module, name):
    import importlib

    assert getattr(importlib.import_module(module), name) is getattr(errors, name)


def test_a_caller_tells_a_bad_themes_file_from_a_bad_vocabulary_and_bad_json_lines(tmp_path):
    from annobib.analyze.vocabulary import load_vocabulary
    from annobib.corpus.themes_file import load_themes_file
    from annobib.jsonl import read_jsonl

    (tmp_path / "themes.yml").write_text("themes: [{slug: Not A Slug, label: x}]\n", encoding="utf-8")
    with pytest.raises(errors.ThemesFileError, match="slug must be lower-case words"):
        load_themes_file(tmp_path / "themes.yml")
    (tmp_path / "vocabulary.yml").write_text("datasets: not a list\n", encoding="utf-8")
    with pytest.raises(errors.VocabularyError, match="'datasets' must be a list"):
        load_vocabulary(tmp_path)
    (tmp_path / "docs.jsonl").write_text('{"id": 1, "text": "x"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(errors.JsonLinesError, match=r"docs\.jsonl:2: expected a JSON object"):
        list(read_jsonl(tmp_path / "docs.jsonl"))


def test_the_library_prints_nothing_when_it_writes_the_added_file(tmp_path, capsys):
    from annobib.render.feeds import AddedDates, write_added_file

    write_added_file(tmp_path / "added.yml", AddedDates({"a2020": "2020-01-01"}, {}))
    assert (tmp_path / "added.yml").is_file()
    assert capsys.readouterr() == ("", "")


def test_progress_bars_are_off_unless_asked_for():
    from annobib.analyze import analyze_documents, annotate_papers
    from annobib.build import build_site

    for function in (build_site, annotate_papers, analyze_documents):
        assert inspect.signature(function).parameters["progress"].default is False, function.__name__

"""The `annobib` command: parses arguments, calls one library function, reports.

Every AnnobibError becomes `Error: ...` on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import load_settings
from .errors import AnnobibError, CorpusError

ROOT_OPTION = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                           show_default=True, help="Project folder (holds corpus/, docs/, mkdocs.yml).")


class AnnobibGroup(click.Group):
    """Turns library errors into clean messages and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CorpusError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            raise click.ClickException(f"{errors} error(s) in the corpus; nothing was built") from None
        except AnnobibError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=AnnobibGroup)
@click.version_option(package_name="annobib")
def main():
    """Build a searchable annotated bibliography (MkDocs site + BibTeX) from corpus/*.bib."""


@main.command("import")
@click.argument("listing", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines of bibliographic facts matched by title (high/medium confidence rows are used).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("corpus/papers.bib"),
              show_default=True, help="BibTeX file to append new papers to; existing keys never change.")
def import_command(listing: Path, metadata: Path | None, out: Path):
    """Import a captured paper listing (title / abstract lines) into the BibTeX corpus."""
    from .importer import import_listing

    report = import_listing(listing, metadata, out)
    click.echo(f"added {len(report.added)} paper(s) to {out}; skipped {len(report.skipped)} already present")
    for line in report.skipped:
        click.echo(f"  skipped: {line}")
    if report.without_metadata:
        click.echo(f"no trusted metadata (authors/year left empty) for: {', '.join(report.without_metadata)}")


@main.command()
@ROOT_OPTION
@click.option("--quiet", is_flag=True, help="No progress bars.")
def build(root: Path, quiet: bool):
    """Analyse the corpus and build the site into site/ (swapped in only on success)."""
    from .build import build_site

    summary = build_site(root, load_settings(root), log=click.echo, progress=not quiet)
    for line in summary.lines():
        click.echo(line)


@main.command()
@click.argument("infile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("outfile", type=click.Path(dir_okay=False, path_type=Path))
@ROOT_OPTION
def keyphrases(infile: Path, outfile: Path, root: Path):
    """Annotate JSON lines {"id", "text", "title"?} with the site's extractor.

    Writes one JSON line per input: id, keyphrases, methods_introduced,
    methods_mentioned, datasets, summary.
    """
    from .analyze import Document, analyze_documents

    documents = read_documents(infile)
    annotations = analyze_documents(documents, load_settings(root), progress=sys.stderr.isatty())
    with outfile.open("w", encoding="utf-8") as out:
        for a in annotations:
            out.write(json.dumps({
                "id": a.key, "keyphrases": list(a.keyphrases),
                "methods_introduced": list(a.methods_introduced),
                "methods_mentioned": list(a.methods_mentioned),
                "datasets": list(a.datasets), "summary": a.summary,
            }, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(annotations)} annotation(s) to {outfile}")


def read_documents(path: Path):
    from .analyze import Document
    from .jsonl import read_jsonl

    documents, seen = [], set()
    for number, row in read_jsonl(path):
        if "id" not in row or not isinstance(row.get("text"), str):
            raise AnnobibError(f"{path}:{number}: each line needs an \"id\" and a \"text\" string")
        doc_id = str(row["id"])
        if doc_id in seen:
            raise AnnobibError(f"{path}:{number}: duplicate id {doc_id!r}")
        seen.add(doc_id)
        documents.append(Document(id=doc_id, text=row["text"], title=row.get("title")))
    return documents


@main.command("check")
@ROOT_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "github"]), default="text",
              show_default=True, help="'github' prints ::error/::warning annotations for pull requests.")
@click.option("--base", "base_refs", multiple=True, metavar="REF",
              help="Git revision whose corpus counts as published, to recognise renamed keys "
                   "(HEAD and, in a pull request, origin/$GITHUB_BASE_REF are always used).")
def check_command(root: Path, output_format: str, base_refs: tuple[str, ...]):
    """Validate corpus/*.bib without loading any model; exit 1 on errors, 0 with warnings only."""
    from .check import check_project, format_report

    report = check_project(root, load_settings(root), base_refs=base_refs)
    for line in format_report(report, output_format, root):
        click.echo(line)
    if report.errors:
        click.get_current_context().exit(1)


@main.command()
@ROOT_OPTION
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True)
def serve(root: Path, dev_addr: str):
    """Serve the built site/ locally (build first)."""
    import functools
    import http.server

    site = root / load_settings(root).render_site_dir
    if not (site / "index.html").exists():
        raise AnnobibError(f"{site} has no built site: run 'annobib build' first")
    host, port = dev_addr.rsplit(":", 1)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    click.echo(f"serving {site} on http://{host}:{port}/ (Ctrl-C stops)")
    http.server.ThreadingHTTPServer((host, int(port)), handler).serve_forever()


if __name__ == "__main__":
    main()

"""The `annobib` command: parses arguments, calls one library function, reports.

Only this module prints. Errors never show a traceback and fit on one line:
bad command-line input (a malformed option, a missing folder, an unreadable
annobib.yml) exits 2; a corpus or build failure exits 1.
"""
from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import click

from .config import load_settings
from .errors import AnnobibError, CorpusError, JsonLinesError, SettingsError, SiteNotBuilt

ROOT_OPTION = click.option(
    "--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="Project folder (holds annobib.yml, corpus/, docs/).")


class InputError(click.ClickException):
    """Bad command-line input: one line, exit 2."""

    exit_code = 2


class AnnobibGroup(click.Group):
    """Turns library errors into one-line messages and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CorpusError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            raise click.ClickException(f"{errors} error(s) in the corpus; nothing was built") from None
        except SettingsError as exc:
            raise InputError(str(exc)) from None
        except AnnobibError as exc:
            raise click.ClickException(_one_line(str(exc))) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's usage errors print usage, a hint and the error; here they print one line."""
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else "failed"
    return lines[0] + " | " + " | ".join(lines[1:6]) + (" | ..." if len(lines) > 6 else "")


def run() -> None:
    """The `annobib` command as the console script runs it: `main`, then the process ends
    without the collector walking what the command leaves alive. The interpreter collects
    once more at its exit, over everything a build left (after a one-paper update of 232
    papers: 1.2 s with the models in the build process, `analyze_models_apart: never`;
    0.1-0.15 s with them apart), so everything still alive is frozen first.
    In-process callers (tests, scripts) call `main` and keep their collector as it was."""
    try:
        main()
    finally:
        gc.freeze()


@click.group(cls=AnnobibGroup)
@click.version_option(package_name="annobib")
def main():
    """Build a searchable annotated bibliography (MkDocs site + BibTeX) from corpus/*.bib."""


@main.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="An annotated bibliography", show_default=True, help="The site's title.")
@click.option("--description", default="", help="One sentence on what the bibliography collects.")
@click.option("--url", default="", help="Where the site will be published, e.g. https://me.github.io/mybib/.")
@click.option("--maintainer", default="", help="Who keeps the bibliography (shown on the site).")
@click.option("--repo-url", default="", help="Link to the bibliography's repository (optional).")
def new_command(folder: Path, title: str, description: str, url: str, maintainer: str, repo_url: str):
    """Start a new bibliography project in FOLDER: annobib.yml, corpus/, docs/, workflows."""
    from .scaffold import ScaffoldError, new_project

    try:
        written = new_project(folder, title=title, description=description, url=url,
                              maintainer=maintainer, repo_url=repo_url)
    except ScaffoldError as exc:
        raise InputError(str(exc)) from None
    click.echo(f"created {folder} ({len(written)} files). Next: copy your .bib file into "
               f"{folder / 'corpus'}, then run 'annobib build' in {folder}.")


@main.command()
@ROOT_OPTION
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--strict", is_flag=True,
              help="Stop before building when the corpus has any error (as 'annobib check' fails).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Analyse on the Dask cluster at ADDRESS (tcp://host:8786); needs annobib[cluster].")
@click.option("--force", is_flag=True, help="Build even when no input changed since the last build.")
def build(root: Path, quiet: bool, strict: bool, scheduler: str | None, force: bool):
    """Analyse the corpus and build the site into site/ (swapped in only on success).

    Every usable entry is published; each skipped entry is listed with file, line and
    reason. With --strict any error stops the build and the exit code is 1. When no
    input changed since the last build and site/ is as it left it, nothing is rebuilt.
    """
    from .build import build_site

    settings = load_settings(root, analyze_scheduler=scheduler)
    summary = build_site(root, settings, log=click.echo, progress=not quiet, strict=strict, force=force)
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
    from .analyze import analyze_documents

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
            raise JsonLinesError(f"{path}:{number}: each line needs an \"id\" and a \"text\" string")
        doc_id = str(row["id"])
        if doc_id in seen:
            raise JsonLinesError(f"{path}:{number}: duplicate id {doc_id!r}")
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


@main.command("enrich")
@ROOT_OPTION
@click.option("--offline", is_flag=True, help="Only the PDFs on this machine; no open-metadata services.")
def enrich_command(root: Path, offline: bool):
    """Fill corpus/enrichment.json with abstracts for entries without one (never edits .bib files).

    Reads the PDFs the entries' `file` fields name (Zotero, Better BibTeX, Mendeley, JabRef);
    without --offline, also looks every entry up in OpenAlex, Crossref and arXiv (abstracts,
    identifiers, who cites whom in the collection; set `enrich_contact` in annobib.yml).
    The build then uses what it found. Commit corpus/enrichment.json. Ctrl-C keeps what was
    found: run it again to continue.
    """
    from .enrich import enrich_project

    shown = sys.stderr.isatty()

    def progress(done: int, total: int, key: str) -> None:
        click.echo(f"\r\033[K{done}/{total} {key[:60]}", err=True, nl=False)

    try:
        report = enrich_project(root, load_settings(root), offline=offline, progress=progress if shown else None)
    except KeyboardInterrupt:
        click.echo(("\r\033[K" if shown else "") + "annobib enrich interrupted: what was found so far is saved; "
                   "run it again to continue", err=True)
        sys.exit(130)
    if shown:
        click.echo("\r\033[K", err=True, nl=False)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(report.summary())
    if report.stopped:          # the lookups did not finish: what they found is kept
        sys.exit(1)


def _dev_addr(ctx, param, value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:8000)")
    return host, int(port)


@main.command()
@ROOT_OPTION
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, callback=_dev_addr,
              help="HOST:PORT to serve on.")
def serve(root: Path, dev_addr: tuple[str, int]):
    """Serve the built site/ locally (build first); Ctrl-C stops."""
    import functools
    import http.server

    site = root / load_settings(root).render_site_dir
    if not (site / "index.html").exists():
        raise SiteNotBuilt(f"{site} has no built site: run 'annobib build' first")
    host, port = dev_addr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise InputError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"serving {site} on http://{host}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

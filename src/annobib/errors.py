"""Every error annobib reports to a user, in one catalogue (spaCy's `errors.py` is the model).

Library code raises these; only the CLI prints them (as `Error: ...`, exit 1; a
`SettingsError` exits 2). Each class has a stable `code`: a code is never reused or
renumbered, so a code found in an issue or a log keeps naming the same fault. A new
error gets the next free code. The message is written where the error is raised (it
names the file, line or setting at fault); the class says which kind of fault it is,
so a caller can tell a bad themes.yml from a bad vocabulary.yml. Nothing raises the
base class itself (tests/test_errors.py checks).

Exceptions used only as signals inside one module and never seen by a caller (the
retry signals of `enrich/services.py`) are not errors in this sense and stay there.
"""
from __future__ import annotations

from dataclasses import dataclass


class AnnobibError(Exception):
    """Base of every error annobib reports to a user without a traceback (never raised itself)."""

    code = "E000"


@dataclass(frozen=True)
class Problem:
    """One fault in a corpus file, located for a human."""

    file: str
    line: int
    entry: str          # citation key, or "" when the entry has none
    message: str
    severity: str = "error"   # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        who = f" entry '{self.entry}'" if self.entry else ""
        return f"{where}:{who} {self.severity}: {self.message}"


class HasProblems:
    """Errors and warnings of a `problems` list (mixed into reports that carry one)."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


# --- the project's own files ---------------------------------------------------------

class SettingsError(AnnobibError):
    """annobib.yml cannot be read, or a setting has the wrong type or an unknown name."""

    code = "E001"


class CorpusError(AnnobibError):
    """The corpus has errors; `problems` lists every one."""

    code = "E002"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            f"{len(errors)} error(s) in the corpus:\n" + "\n".join(str(p) for p in errors)
        )


class ThemesFileError(AnnobibError):
    """corpus/themes.yml is not valid YAML or breaks its schema (themes, chapters, urls)."""

    code = "E003"


class VocabularyError(AnnobibError):
    """vocabulary.yml (the name extractor's words) is not valid YAML or not a mapping of word lists."""

    code = "E004"


class JsonLinesError(AnnobibError):
    """A JSON-lines input (documents for `annobib keyphrases`, importer metadata) has a bad line."""

    code = "E005"


# --- what the machine lacks ------------------------------------------------------------

class MissingExtra(AnnobibError):
    """An optional dependency is not installed; the message names the extra to install."""

    code = "E006"


class ModelNotAvailable(AnnobibError):
    """A spaCy or sentence-transformers model could not be loaded offline."""

    code = "E007"


# --- analyze and organize ---------------------------------------------------------------

class ClusterError(AnnobibError):
    """The Dask client is missing or the cluster could not run the analysis."""

    code = "E008"


class ModelProcessError(AnnobibError):
    """A process that runs a model apart from the build (analyze/worker.py) died."""

    code = "E019"


class EmbeddingError(AnnobibError):
    """Organize got papers without a document embedding, or embeddings of different sizes
    (annotations of two encoders mixed in the cache)."""

    code = "E009"


# --- build -------------------------------------------------------------------------------

class BuildError(AnnobibError):
    """The build could not produce a consistent site; the previous site is untouched."""

    code = "E010"


class OutputNotWritable(BuildError):
    """A file the build needed to write could not be written (disk full, permission denied, ...)."""

    code = "E011"


class BuildLocked(AnnobibError):
    """Another build holds the lock of this project folder; nothing was done."""

    code = "E012"


class SiteNotBuilt(AnnobibError):
    """`annobib serve` found no built site in the project folder."""

    code = "E013"


class ScaffoldError(AnnobibError):
    """The target folder cannot hold a new project (it is not empty, or not writable)."""

    code = "E014"


# --- enrich ------------------------------------------------------------------------------

class ServiceUnavailable(AnnobibError):
    """A metadata service could not be reached, refused us, or kept failing: lookups stopped.

    Every entry finished before this is already in the cache the caller passed."""

    code = "E015"


class ContactMissing(AnnobibError):
    """Online lookups need a contact (an e-mail address, `enrich_contact`) and none was given."""

    code = "E016"


class SidecarUnreadable(AnnobibError):
    """corpus/enrichment.json cannot be read, so `annobib enrich` does not overwrite it."""

    code = "E017"


class PdfUnreadable(AnnobibError):
    """The PDF cannot be read (damaged, encrypted) or has no text layer (a scan)."""

    code = "E018"


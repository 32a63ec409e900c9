"""One base class for every error annobib reports to a user.

Library code raises these; only the CLI prints them (as `Error: ...`, exit 1).
"""
from __future__ import annotations

from dataclasses import dataclass


class AnnobibError(Exception):
    """Base of every error annobib reports to a user without a traceback."""


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


class CorpusError(AnnobibError):
    """The corpus has errors; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            f"{len(errors)} error(s) in the corpus:\n" + "\n".join(str(p) for p in errors)
        )


class ModelNotAvailable(AnnobibError):
    """A spaCy or sentence-transformers model could not be loaded offline."""


class BuildError(AnnobibError):
    """The build could not produce a consistent site; the previous site is untouched."""


class BuildLocked(AnnobibError):
    """Another build holds the lock of this project folder; nothing was done."""


class OutputNotWritable(BuildError):
    """A file the build needed to write could not be written (disk full, permission denied, ...)."""

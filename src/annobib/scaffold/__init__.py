"""`annobib new`: scaffold a bibliography project (see `project`)."""
from .project import BASE_MKDOCS, ScaffoldError, new_project, project_files

__all__ = ["BASE_MKDOCS", "ScaffoldError", "new_project", "project_files"]

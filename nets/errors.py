"""The errors the rest of nets raises for a user's mistake or a bad file, in one place.

Each names its problem in one line, so that the command line (:mod:`nets.cli`)
prints that line instead of a traceback and maps the class to an exit status:
:class:`TrainingDiverged` is 1 (the run itself went wrong), the others 2.
"""
from __future__ import annotations

__all__ = ["AuditImportError", "DataError", "ModelFileError", "OutputExistsError", "TrainingDiverged"]


class DataError(ValueError):
    """A data file or directory is missing, unreadable or not in the expected format."""


class ModelFileError(ValueError):
    """A file that is not a readable BinaryClassifier model."""


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite in training; ``iteration`` says when (None for ``step``).

    For mini-batch training ``iteration`` is the epoch, and the message says so.
    """

    def __init__(self, iteration: int | None, what: str,
                 kept: str = "the parameters are the last ones that gave a finite cost", unit: str = "iteration"):
        self.iteration = iteration
        where = "" if iteration is None else f" at {unit} {iteration}"
        super().__init__(f"training diverged{where}: {what}; {kept} (try a smaller learning rate)")


class OutputExistsError(FileExistsError):
    """The output folder exists and holds files; pass ``overwrite=True`` to write into it anyway."""


class AuditImportError(Exception):
    """The learner's file cannot be imported (missing, not Python, raises at import...)."""

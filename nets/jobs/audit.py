"""The ``audit`` job: a learner's file checked by :func:`nets.checker.audit`, the JSON report written if asked."""
from __future__ import annotations

import json

from ..atomic import write_text
from ..checker import AuditReport, audit

__all__ = ["run_audit"]


def run_audit(path, seed: int = 0, timeout: float = 5.0, out=None) -> AuditReport:
    """Audit the file at ``path``; with ``out``, also write the JSON report there (atomically).

    Raises :class:`nets.errors.AuditImportError` when the file cannot be
    imported or defines none of the known functions (nothing is written then).
    """
    report = audit(path, seed=seed, timeout=timeout)
    if out:
        write_text(out, json.dumps(report.to_dict(), indent=2) + "\n")
    return report

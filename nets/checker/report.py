"""The audit's report: one row per function checked (or, end to end, per gradient), as text or JSON."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

__all__ = ["AuditReport", "Check", "plural"]


@dataclass
class Check:
    """One row of the report: a function (or, end to end, one gradient such as ``dW2``)."""

    name: str
    ok: bool
    shapes: list = field(default_factory=list)
    max_rel_error: float | None = None
    diagnosis: str | None = None
    error: str | None = None
    failing_case: str | None = None
    referee: str | None = None
    group: str = "function"
    crashed: bool = False  # every failing case crashed, none computed a wrong number
    through: list = field(default_factory=list)  # right in itself, wrong only through these helpers of theirs
    failure: str | None = None  # the kind of the first failure of the learner's code: raised, timeout, crashed

    @property
    def verdict(self) -> str:
        if self.ok:
            return "ok, but see " + ", ".join(self.through) if self.through else "ok"
        # A crash or a timeout is never shown as WRONG, whatever the cases before it compared.
        if self.failure == "timeout":
            return "TIMEOUT"
        if self.failure in ("crashed", "raised"):
            return "CRASHED"
        if self.error and self.error.startswith("did not return"):
            return "TIMEOUT"
        if self.crashed or self.error and self.max_rel_error is None and self.diagnosis is None:
            return "CRASHED"
        return "WRONG"

    def to_dict(self) -> dict:
        error = self.max_rel_error
        # JSON has no inf or nan: an error that cannot be a number is reported as none.
        error = error if error is not None and np.isfinite(error) else None
        return {"name": self.name, "ok": self.ok, "shapes": list(self.shapes),
                "max_rel_error": error, "diagnosis": self.diagnosis, "error": self.error,
                "failing_case": self.failing_case, "referee": self.referee, "group": self.group,
                "verdict": self.verdict.lower(), "through": list(self.through)}


@dataclass
class AuditReport:
    """What :func:`audit` found. ``ok`` is True when every check agrees."""

    source: str
    found: list
    substituted: list
    checks: list
    end_to_end: str | None = None
    first_wrong_layer: int | None = None
    location: str | None = None
    warnings: list = field(default_factory=list)
    runaway: bool = False
    assignments: list = field(default_factory=list)  # titles of the assignments the file was matched to
    missing: list = field(default_factory=list)  # the matched assignments' functions the file does not define
    borrowed: dict = field(default_factory=dict)  # name -> where it came from (their dnn_utils.py), not checked
    notes: list = field(default_factory=list)  # conventions read, notebook cells skipped, ...
    printed: str = ""  # what the learner's code printed (the first few kB)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "source": self.source, "found": list(self.found),
                "substituted": list(self.substituted), "end_to_end": self.end_to_end,
                "first_wrong_layer": self.first_wrong_layer, "location": self.location,
                "assignments": list(self.assignments), "missing": list(self.missing),
                "borrowed": dict(self.borrowed), "notes": list(self.notes),
                "checks": [c.to_dict() for c in self.checks], "printed": self.printed}

    def format(self) -> str:
        """The report as text: a table, then the details of every failing row."""
        n = len(self.found)
        lines = [f"audit of {self.source}: {plural(n, 'function')} of yours found"
                 + (f" ({'; '.join(self.assignments)})" if self.assignments else "")]
        lines.extend(self.notes)
        if self.missing:
            lines.append("not defined, so not checked: " + ", ".join(self.missing))
        if self.borrowed:
            places = sorted(set(self.borrowed.values()))
            lines.append(f"taken from {', '.join(places)} as your file imports them (not checked): "
                         + ", ".join(self.borrowed))
        helpers = [n for n in self.substituted if n not in self.missing]
        if helpers:
            lines.append("the project's own stand in for: " + ", ".join(helpers)
                         + " (your code neither defines nor imports them)")
        rows = [("function", "shapes tried", "worst rel. error", "verdict")]
        for c in self.checks:
            if c.group == "end to end" and (not rows or rows[-1][0] != "--"):
                if all(r[0] != "--" for r in rows):
                    rows.append(("--", "", "", ""))
            error = "-" if c.max_rel_error is None or c.crashed else f"{c.max_rel_error:.1e}"
            rows.append((c.name, _summarise_shapes(c.shapes), error, c.verdict))
        widths = [max(len(r[i]) for r in rows if r[0] != "--") for i in range(4)]
        for r in rows:
            if r[0] == "--":
                lines.append(f"end to end: {self.end_to_end}")
                continue
            lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
        if self.location:
            lines.append(self.location)
        for c in self.checks:
            if c.ok and c.through:
                lines.append("")
                lines.append(f"{c.name}: right in itself; its results are wrong only because it calls your "
                             f"{' and your '.join(c.through)} (with the project's "
                             f"{' and '.join(c.through)} in its place, it agrees with autodiff)")
                continue
            if c.ok or c.group == "end to end":
                continue
            lines.append("")
            lines.append(f"{c.name}: {c.verdict}")
            if c.failing_case:
                lines.append(f"  smallest failing case: {c.failing_case}")
            if c.diagnosis:
                lines.append(f"  diagnosis: {c.diagnosis}")
            elif c.max_rel_error is not None and not c.crashed:
                lines.append("  diagnosis: the values differ in no pattern the audit recognises")
            if c.referee:
                lines.append(f"  referee: {c.referee}")
            if c.error:
                lines.extend("  " + line for line in c.error.splitlines())
        # End-to-end rows share their layer's diagnosis: one line per diagnosis.
        wrong = [c for c in self.checks if c.group == "end to end" and not c.ok]
        if wrong:
            lines.append("")
            lines.append(f"end to end, on {wrong[0].failing_case}:")
            said = {}
            for c in wrong:
                said.setdefault(c.diagnosis or c.error or "", []).append(c.name)
            for text, names in said.items():
                first, *rest = text.splitlines() or [""]
                subject = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
                verb = "is" if len(names) == 1 else "are"
                if not first:
                    lines.append(f"  {subject} {verb} wrong, in no pattern the audit recognises")
                elif len(names) == 1 and first.startswith(names[0] + " "):
                    lines.append(f"  {first}")  # "db4 is m = 6 times too large", not "db4: db4 is ..."
                else:
                    if len(names) > 1 and first.startswith("follows from"):
                        first = "follow from" + first[len("follows from"):]
                    lines.append(f"  {subject}: {first}")
                lines.extend("    " + line for line in rest)
        if self.warnings:
            lines.append("")
            times = "once" if len(self.warnings) == 1 else f"{len(self.warnings)} times"
            lines.append(f"your code warned {times}, " + ("e.g. " if len(self.warnings) > 1 else "")
                         + self.warnings[0])
        if self.runaway:
            lines.append("note: a function that never returned could not be stopped; it runs until the process ends")
        lines.append("")
        bad = [c.name for c in self.checks if not c.ok]
        if not self.checks:
            lines.append("NOTHING CHECKED: no check of this version of the audit applies to the functions found")
        else:
            lines.append("OK: everything agrees with autodiff" if not bad else f"FAILED: {', '.join(bad)}")
        return "\n".join(lines)


def plural(n: int, word: str) -> str:
    """"1 function", "3 functions"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summarise_shapes(shapes) -> str:
    """A table cell for the cases tried (the JSON report lists them all)."""
    if len(shapes) == 1:
        return str(shapes[0])
    text = " ".join(shapes)
    depths = [len(re.findall(r"\d+", d)) - 1 for d in re.findall(r"(?:layers|layers?_dims) \[([\d, ]+)\]", text)]
    examples = [int(a or b) for a, b in re.findall(r"A_prev\(\d+,(\d+)\)|(\d+) examples?", text)]
    parts = []
    if depths:
        parts.append(f"depths {min(depths)}-{max(depths)}" if min(depths) != max(depths) else f"depth {depths[0]}")
    elif shapes and all(d.startswith("Z(") for d in shapes):
        parts.append(f"Z {shapes[0][1:]} to {shapes[-1][1:]}")
    if examples:
        parts.append(f"m {min(examples)}-{max(examples)}" if min(examples) != max(examples) else f"m {examples[0]}")
    return f"{len(shapes)}: " + ", ".join(parts) if parts else f"{len(shapes)} cases"

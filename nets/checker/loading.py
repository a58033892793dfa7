"""Importing a submission as learners have it: a ``.py`` file, a script exported from Jupyter, a notebook.

:func:`import_submission` is the one entry point. A plain ``.py`` is imported
as a module (:func:`.sandbox.load_learner_file`). A notebook (``.ipynb``) is
read as the JSON it is (``cells``, each with ``cell_type`` and ``source``; the
standard library is enough) and its code cells are run in order, each on its
own, into one module: a cell that fails (a data file or a package the grader
lacks, a plot, a test cell of the course's ``public_tests``) is noted in one
line and skipped, and every other cell's definitions still count. Lines only
IPython understands (``%magic``, ``%%cell magic``, ``!shell``,
``get_ipython()``) are dropped first. A ``.py`` exported from a notebook
(Jupyter's ``# In[ ]:`` or ``# %%`` cell markers) whose import fails is run
the same way, cell by cell; any other ``.py`` that cannot be imported is an
import failure, as before.

Tracebacks point into the notebook: a notebook cell's code is compiled under
the name ``"<notebook>, cell N"`` (N counts the code cells from 1), so that a
frame reads ``File "work.ipynb, cell 4", line 7, in linear_backward``; an
exported script's cells keep the script's own line numbers.
"""
from __future__ import annotations

import inspect
import itertools
import json
import linecache
import os
import re
import sys
import types

from ..errors import AuditImportError
from .sandbox import LearnerFailure, Sandbox, load_learner_file

__all__ = ["CELL_TIMEOUT", "code_cells", "defined_functions", "drop_ipython", "import_submission",
           "notebook_cells", "script_cells"]

# A cell that defines functions runs in milliseconds; one that runs longer trains a model
# or loads data: skipped after this long so that the cells after it still run.
CELL_TIMEOUT = 20.0

_CELL_MARKER = re.compile(r"^#\s*(In\s*\[[^\]]*\]\s*:?|%%)")
_HELP = re.compile(r"\??[\w.]+\?{1,2}\s*")  # IPython's help: np.random.rand? or ?len
_counter = itertools.count()


def drop_ipython(source: str) -> str:
    """``source`` without what only IPython understands: a ``%%`` cell magic drops the whole cell;
    ``%line`` magics, ``!shell`` lines, ``get_ipython()`` calls and ``name?`` help drop their line (left blank, so that
    line numbers stay those of the cell)."""
    if source.lstrip().startswith("%%"):
        return ""
    kept = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or "get_ipython()" in stripped or _HELP.fullmatch(stripped):
            # Keep the indentation valid when the magic was a block's only statement.
            kept.append(line[:len(line) - len(stripped)] + "pass" if line[:1].isspace() else "")
        else:
            kept.append(line)
    return "\n".join(kept) + ("\n" if kept else "")


def notebook_cells(path: str) -> list:
    """The code cells of the notebook at ``path``: a list of (number, source), numbered from 1."""
    try:
        with open(path, encoding="utf-8") as f:
            notebook = json.load(f)
    except UnicodeDecodeError:
        raise AuditImportError(f"{path}: not a notebook (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise AuditImportError(f"{path}: not a notebook (not valid JSON: {exc.msg}, line {exc.lineno})") from None
    except OSError as exc:
        raise AuditImportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        # nbformat 3 kept the cells in worksheets.
        worksheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
        if isinstance(worksheets, list):
            cells = [c for w in worksheets if isinstance(w, dict) for c in w.get("cells", []) or []]
        else:
            raise AuditImportError(f"{path}: not a notebook (no list of cells)")
    return code_cells(cells)


def code_cells(cells: list) -> list:
    found = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        found.append((len(found) + 1, str(source)))
    return found


def script_cells(text: str) -> list | None:
    """A script exported from Jupyter, as (number, source padded to the script's line numbers), or
    None when ``text`` has no cell markers. Text before the first marker is cell 0."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _CELL_MARKER.match(line)]
    if not starts:
        return None
    cells = []
    bounds = [0] + starts + [len(lines)]
    for number, (start, end) in enumerate(zip(bounds, bounds[1:])):
        body = "\n".join(lines[start:end])
        if body.strip():
            cells.append((number, "\n" * start + body + "\n"))
    return cells


def defined_functions(module, files) -> dict:
    """The module's top-level functions defined in ``files``, each with its parameter names."""
    files = {os.path.abspath(f) for f in files}
    defined = {}
    for name, value in vars(module).items():
        code = getattr(value, "__code__", None)
        if not inspect.isfunction(value) or code is None or os.path.abspath(code.co_filename) not in files:
            continue
        try:
            defined[name] = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            defined[name] = []
    return defined


def import_submission(path: str, timeout: float):
    """The submission at ``path`` as ``(module, learner_files, notes)``.

    ``learner_files``: the file names its functions' code carries (whose frames
    are the learner's); ``notes``: one sentence per skipped cell, for the report.
    Raises :class:`AuditImportError` for what cannot be a submission.
    """
    path = os.fspath(path)
    before = set(sys.modules)
    try:
        return _import_submission(path, timeout)
    finally:
        _forget_helpers(before, os.path.dirname(os.path.abspath(path)))


def _forget_helpers(before: set, folder: str) -> None:
    """Drop the modules the submission imported from its own folder (their dnn_utils.py) from
    sys.modules: the next submission's ``import dnn_utils`` must find its own file, not this one."""
    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and os.path.abspath(file).startswith(folder + os.sep):
            sys.modules.pop(name, None)


def _import_submission(path: str, timeout: float):
    if not os.path.exists(path):
        raise AuditImportError(f"{path}: no such file")
    if os.path.isdir(path):
        raise AuditImportError(f"{path} is a folder; give the .py or .ipynb file that defines your functions")
    if path.lower().endswith(".ipynb"):
        cells = [(n, drop_ipython(source), f"{path}, cell {n}") for n, source in notebook_cells(path)]
        if not any(source.strip() for _, source, _ in cells):
            raise AuditImportError(f"{path}: the notebook has no code cells")
        return _run_cells(path, cells, timeout)
    if not path.lower().endswith(".py"):
        raise AuditImportError(f"{path}: not a Python file or a notebook (expected a .py or .ipynb file)")
    try:
        return load_learner_file(path, timeout), {path}, []
    except AuditImportError as failure:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            raise failure from None
        cells = script_cells(text)
        if cells is None:
            raise
        first_failure = str(failure)
    module, files, notes = _run_cells(path, [(n, drop_ipython(source), path) for n, source in cells], timeout,
                                      cell_names=False)
    return module, files, [f"{first_failure}; so it was run cell by cell (its Jupyter cell markers)"] + notes


def _run_cells(path: str, cells, timeout: float, cell_names: bool = True):
    """Run ``cells`` (number, source, file name shown) one by one into a fresh module."""
    name = f"_nets_audit_notebook_{next(_counter)}"
    module = types.ModuleType(name)
    module.__file__ = os.path.abspath(path)
    shown = {filename for _, _, filename in cells}
    sandbox = Sandbox(timeout=min(timeout, CELL_TIMEOUT), learner_files=shown)
    folder = os.path.dirname(os.path.abspath(path))
    notes = []
    saved_dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        for number, source, filename in cells:
            if not source.strip():
                continue
            compiled_name = os.path.abspath(filename)
            # The source of a notebook cell is in no file: give it to linecache, for tracebacks.
            if cell_names:
                lines = source.splitlines(keepends=True)
                linecache.cache[compiled_name] = (len(source), None, lines, compiled_name)
            where = f"cell {number}"
            try:
                code = compile(source, compiled_name, "exec", dont_inherit=True)
            except SyntaxError as exc:
                notes.append(f"{where} has a syntax error (line {exc.lineno}: {exc.msg}); skipped")
                continue
            try:
                sandbox.call(exec, code, module.__dict__)
            except LearnerFailure as failure:
                if failure.kind == "timeout":
                    notes.append(f"{where} did not finish within {sandbox.timeout:g} s; skipped")
                else:
                    last = failure.text.strip().splitlines()[-1] if failure.text.strip() else "an error"
                    last = last if len(last) <= 160 else last[:157] + "..."
                    notes.append(f"{where} raised {last}; skipped")
    finally:
        sys.modules.pop(name, None)
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
        sys.dont_write_bytecode = saved_dont_write
    return module, shown, notes

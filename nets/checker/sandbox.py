"""Running a learner's code in-process without letting it take the audit down.

The audit imports a file the user wrote (:func:`load_learner_file`) and calls
its functions through a :class:`Learner`: which of the known functions the
file defines, the project's own standing in for the others, each call made
on copies of its arguments. Any of those calls may raise, print, warn, call
``sys.exit`` or never return. :class:`Sandbox.call` is the one way they are
made; it

- runs the call on a daemon thread and waits at most ``timeout`` seconds: a
  thread cannot be killed, so on a timeout it is asked to stop by raising an
  exception inside it (which ends pure-Python loops; a loop inside one long
  numpy call, or one that swallows every exception, keeps running in the
  background until the process exits);
- keeps whatever the call prints away from the audit's own output;
- turns anything it raises into a :class:`LearnerFailure` whose text is the
  learner's own traceback (their frames only: the audit's and numpy's are noise
  to them).
"""
from __future__ import annotations

import copy
import ctypes
import importlib
import importlib.util
import inspect
import io
import itertools
import os
import sys
import threading
import traceback
import warnings

import numpy as np

from ..errors import AuditImportError

__all__ = ["Learner", "LearnerFailure", "Sandbox", "load_learner_file", "origin", "release_streams"]


class LearnerFailure(Exception):
    """A learner's function raised or did not return in time.

    ``kind`` is ``"raised"`` or ``"timeout"``; ``text`` is what to show the
    learner (their traceback, or where their code was stuck); ``function`` is
    the learner function the failure happened in, when one can be named.
    """

    def __init__(self, kind: str, text: str, function: str | None = None):
        super().__init__(text)
        self.kind = kind
        self.text = text
        self.function = function


class _StopLearnerCode(BaseException):
    """Raised inside a learner's thread that ran past its time limit (BaseException so that
    an ``except Exception`` in their loop does not swallow it)."""


_module_counter = itertools.count()


def load_learner_file(path: str, timeout: float):
    """Import the Python file at ``path`` as a fresh module, writing nothing (no __pycache__).

    Its folder is on ``sys.path`` while it imports, so that a learner's file can
    import helper files beside it, as it would when they run it themselves.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AuditImportError(f"{path}: no such file")
    if os.path.isdir(path):
        raise AuditImportError(f"{path} is a folder; give the .py file that defines your functions")
    name = f"_nets_audit_learner_{next(_module_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AuditImportError(f"{path}: not a Python file (expected a .py file)")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(os.path.abspath(path))
    sandbox = Sandbox(timeout=timeout, learner_files={path})
    saved_dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, folder)
    # Registered while it runs so that code at its top level that looks itself up
    # (dataclasses, for one) works; removed afterwards.
    sys.modules[name] = module
    try:
        sandbox.call(spec.loader.exec_module, module)
    except LearnerFailure as failure:
        if failure.kind == "timeout":
            raise AuditImportError(f"{path}: importing it did not finish within {timeout:g} s "
                                   f"(code at the top level that runs forever?)") from None
        last = failure.text.strip().splitlines()[-1] if failure.text.strip() else "an error"
        raise AuditImportError(f"{path} cannot be imported: {last}") from None
    finally:
        sys.modules.pop(name, None)
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
        sys.dont_write_bytecode = saved_dont_write
    return module


class _RoutedStream(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr: writes from learner threads go to a sink, the
    others to the real stream. Stays installed while a runaway learner thread may still print."""

    def __init__(self, real):
        self.real = real
        self.learner_threads: set[int] = set()

    def writable(self):
        return True

    def write(self, text):
        if threading.get_ident() in self.learner_threads:
            return len(text)
        return self.real.write(text)

    def flush(self):
        if threading.get_ident() not in self.learner_threads:
            self.real.flush()


_stream_lock = threading.Lock()


def _routed(stream_name: str) -> _RoutedStream:
    with _stream_lock:
        current = getattr(sys, stream_name)
        if not isinstance(current, _RoutedStream):
            current = _RoutedStream(current)
            setattr(sys, stream_name, current)
        return current


def release_streams() -> None:
    """Put the real sys.stdout/sys.stderr back, unless a learner thread may still print."""
    with _stream_lock:
        for stream_name in ("stdout", "stderr"):
            current = getattr(sys, stream_name)
            if isinstance(current, _RoutedStream) and not current.learner_threads:
                setattr(sys, stream_name, current.real)


class Sandbox:
    """Calls learner functions with a time limit, their output discarded and their errors caught.

    ``learner_files``: absolute paths of the learner's source files; only frames
    in these files are shown in their tracebacks. ``runaways`` lists the threads
    that could not be stopped after a timeout.
    """

    def __init__(self, timeout: float, learner_files: set[str]):
        self.timeout = float(timeout)
        self.learner_files = {os.path.abspath(f) for f in learner_files}
        self.shown_as = {os.path.abspath(f): os.fspath(f) for f in learner_files}
        self.runaways: list[threading.Thread] = []
        self.warnings: list[str] = []

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` in a learner thread; its result, or :class:`LearnerFailure`."""
        outcome: dict = {}
        streams = (_routed("stdout"), _routed("stderr"))

        def run():
            ident = threading.get_ident()
            for s in streams:
                s.learner_threads.add(ident)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    outcome["value"] = fn(*args, **kwargs)
                outcome["warnings"] = caught
            except _StopLearnerCode:
                outcome["stopped"] = True
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included: their code, our run
                outcome["error"] = exc
            finally:
                for s in streams:
                    s.learner_threads.discard(ident)

        thread = threading.Thread(target=run, name=f"nets-audit-{getattr(fn, '__name__', 'call')}", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            where = self._where_stuck(thread)
            stopped = self._stop(thread)
            detail = f", stuck in {where[0]} (line {where[1]})" if where else ""
            tail = ("; the call was stopped" if stopped else
                    "; it could not be stopped and keeps running in the background until the audit ends")
            raise LearnerFailure("timeout", f"did not return within {self.timeout:g} s{detail}{tail}",
                                 function=where[0] if where else None)
        for w in outcome.get("warnings", ()):
            self.warnings.append(f"{w.category.__name__}: {w.message}")
        if "error" in outcome:
            exc = outcome["error"]
            raise LearnerFailure("raised", self.format_traceback(exc), function=self._innermost(exc))
        return outcome.get("value")

    # -- tracebacks ---------------------------------------------------------------------------
    def _mine(self, filename: str) -> bool:
        return os.path.abspath(filename) in self.learner_files

    def format_traceback(self, exc: BaseException) -> str:
        """The traceback of ``exc`` with the learner's frames only, then the error line."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self._mine(f.filename)]
        for f in frames:  # shown the way the learner named their file
            f.filename = self.shown_as.get(os.path.abspath(f.filename), f.filename)
        lines = []
        if frames:
            lines.append("Traceback (your code only, most recent call last):")
            lines.extend(line.rstrip("\n") for line in traceback.format_list(frames))
        lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(type(exc), exc))
        return "\n".join(lines)

    def _innermost(self, exc: BaseException) -> str | None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self._mine(f.filename)]
        return frames[-1].name if frames else None

    def _where_stuck(self, thread: threading.Thread):
        frame = sys._current_frames().get(thread.ident)
        while frame is not None:
            if self._mine(frame.f_code.co_filename):
                return frame.f_code.co_name, frame.f_lineno
            frame = frame.f_back
        return None

    def _stop(self, thread: threading.Thread) -> bool:
        # Raise _StopLearnerCode inside the thread at its next bytecode; it ends a
        # pure-Python loop but not one long C call.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_StopLearnerCode))
        thread.join(0.5)
        if thread.is_alive():
            self.runaways.append(thread)
            return False
        return True


class Learner:
    """A learner's module as the checks see it: which of ``names`` it defines, each called in a sandbox.

    Of ``names``, the functions defined in ``source_files`` are the learner's
    (``found``, the ones checked). A name bound to a function from elsewhere
    (their own ``dnn_utils.py``, the course's ``reg_utils``) is ``borrowed``:
    used as it is, not checked. For the others, and for the helpers their
    functions call, ``stand_ins`` (name -> ``"module:attribute"``, or a module
    whose same-named attributes are used) are put into the learner's namespace
    so that their functions calling them still run; ``substituted`` lists the
    asked-for names so taken. :meth:`restore` takes them out again. A name the
    learner bound to something that is not a function is theirs: left alone,
    not checked.
    """

    def __init__(self, module, source_files: set, names, stand_ins, timeout: float):
        self.ns = module.__dict__
        self.names = tuple(names)
        self.sandbox = Sandbox(timeout=timeout, learner_files=source_files)
        self.stand_ins = _resolve_stand_ins(stand_ins, self.names)
        self.found = [n for n in self.names if callable(self.ns.get(n)) and self._defined_by_learner(self.ns[n])]
        self.borrowed = {n: origin(self.ns[n]) for n in self.names
                         if n not in self.found and callable(self.ns.get(n))}
        self.injected = []
        for n in self.stand_ins:
            if n not in self.ns:
                self._stand_in(n)
        self.substituted = [n for n in self.names if n in self.injected]

    def _defined_by_learner(self, fn) -> bool:
        # A function imported from nets.manual (or numpy) is not the learner's to audit.
        code = getattr(fn, "__code__", None)
        return code is not None and os.path.abspath(code.co_filename) in self.sandbox.learner_files

    def _stand_in(self, name: str) -> None:
        self.ns[name] = self.stand_ins[name]
        self.injected.append(name)

    def defines(self, name: str) -> bool:
        return name in self.found

    def signature(self, name: str) -> list:
        """The parameter names of the learner's function ``name``, in order ([] when it has none to read)."""
        try:
            return list(inspect.signature(self.ns[name]).parameters)
        except (KeyError, TypeError, ValueError):
            return []

    def call(self, name: str, *args, seed=None, substitute=()):
        """The function ``name`` as the learner's namespace has it, on copies of ``args``.

        ``seed``: ``np.random.seed(seed)`` right before the call (the course's dropout,
        initialisers and mini-batches draw from numpy's global generator).
        ``substitute``: names whose stand-in replaces the learner's own for this call only.
        """
        fn = self.ns[name]
        swapped = {}
        for helper in substitute:
            if helper in self.stand_ins and helper != name:
                swapped[helper] = self.ns.get(helper, _ABSENT)
                self.ns[helper] = self.stand_ins[helper]

        def seeded(*arguments):
            if seed is not None:
                np.random.seed(seed)
            return fn(*arguments)
        seeded.__name__ = getattr(fn, "__name__", name)
        try:
            return self.sandbox.call(seeded, *copy.deepcopy(args))
        except LearnerFailure as failure:
            if failure.kind == "timeout":
                # Put the project's own in place of the function that hung, so that the
                # functions calling it are not each held up for the full time limit.
                stuck = failure.function if failure.function in self.names else name
                if stuck in self.found and stuck in self.stand_ins and self.ns.get(stuck) is not self.stand_ins[stuck]:
                    self._stand_in(stuck)
            raise
        finally:
            for helper, previous in swapped.items():
                if previous is _ABSENT:
                    self.ns.pop(helper, None)
                else:
                    self.ns[helper] = previous

    def restore(self) -> None:
        """Take the stand-ins out of the learner's namespace again."""
        for n in self.injected:
            self.ns.pop(n, None)


_ABSENT = object()


def _resolve_stand_ins(stand_ins, names) -> dict:
    """name -> the stand-in object, from a mapping of ``"module:attribute"`` strings (or objects),
    or from a module whose attributes of those names are taken."""
    if stand_ins is None:
        return {}
    if isinstance(stand_ins, dict):
        resolved = {}
        for name, target in stand_ins.items():
            if isinstance(target, str):
                module, _, attribute = target.partition(":")
                target = getattr(importlib.import_module(module), attribute or name)
            resolved[name] = target
        return resolved
    return {n: getattr(stand_ins, n) for n in names if callable(getattr(stand_ins, n, None))}


def origin(fn) -> str:
    """Where a borrowed function comes from, as the learner would name it (their dnn_utils.py)."""
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_filename and not code.co_filename.startswith("<"):
        return os.path.basename(code.co_filename)
    return getattr(fn, "__module__", None) or "elsewhere"

"""The checker's side of isolation: a submission copied away, its code run in a worker it cannot escape.

:class:`WorkerLearner` is what the checks see (the Learner API: ``found``,
``substituted``, ``defines``, ``signature``, ``call``, ``restore``). Behind it
is one worker process (:mod:`.worker`) at a time:

- a fresh interpreter (``python -I``) in its own process group, running in a
  temporary copy of the submission (:class:`Submission`), with one BLAS thread
  and an address-space limit (``memory_limit``) it sets on itself before any
  learner code runs;
- spoken to only through :mod:`.worker`'s data-only messages, with a deadline
  on every read and write: a call that does not answer within ``timeout`` gets
  its whole process group killed and is reported as a timeout; a worker that
  dies is reported as a crash of the function it was running; either way the
  next call starts a fresh worker, with the project's stand-in in place of the
  function that hung or crashed;
- a total time per submission (``submission_timeout``) after which nothing
  more is run;
- at the end (:meth:`WorkerLearner.restore`, and at the latest when the
  checking process exits) the process group is killed and the copy removed.
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from ..errors import AuditImportError
from .sandbox import LearnerFailure
from .worker import ProtocolError, Reader, Unencodable, decode, encode, send

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_SUBMISSION_TIMEOUT", "Limits", "Submission", "WorkerLearner",
           "parse_size"]

DEFAULT_MEMORY_LIMIT = 2 << 30
DEFAULT_SUBMISSION_TIMEOUT = 600.0
# An idle worker (Python, numpy with one BLAS thread, nets, one malloc arena) has 130 MB of address
# space (measured on Linux x86-64: VmSize; 196 MB with glibc's default arenas, more with more BLAS threads).
MIN_MEMORY_LIMIT = 256 << 20
PRINT_LIMIT = 4096  # characters of what the learner prints kept for the report
MAX_REPLY = 256 << 20  # bytes of one answer the checker reads; more is reported, not read
GRACE = 0.05  # seconds past a call's limit before it counts as a timeout
STUCK_WAIT = 0.3  # seconds a worker past its limit is given to say where it is stuck
COPY_BYTES = 100 << 20
COPY_FILES = 2000
_SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "venv", ".venv", "env"}
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from nets.checker.worker import main; main()"


def parse_size(text) -> int:
    """Bytes from ``512M``, ``2G``, ``1500K`` or a plain number of bytes; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", str(text), flags=re.I)
    if not match:
        raise ValueError(f"expected a size such as 512M or 2G, got {text!r}")
    value = float(match.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match.group(2).upper()]
    if value < MIN_MEMORY_LIMIT:
        raise ValueError(f"a memory limit of {text} is below what the worker itself needs "
                         f"(at least {MIN_MEMORY_LIMIT >> 20}M)")
    return int(value)


@dataclass
class Limits:
    """What a submission's code may take: seconds per call, bytes of address space, seconds in all."""

    timeout: float = 5.0
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT
    import_timeout: float = 60.0
    print_limit: int = PRINT_LIMIT


@dataclass
class Submission:
    """One learner's work: ``files`` (relative to ``folder``) imported together in one worker.

    ``shown`` is how reports name it (the path as given). ``alone``: copy only
    ``files`` (a file in a class folder: no student sees another's); otherwise
    the whole ``folder`` is copied (within limits), so that helper files and
    data beside the code are there as in the learner's own run.
    """

    shown: str
    folder: str
    files: list
    alone: bool = False
    notes: list = field(default_factory=list)

    @classmethod
    def of_file(cls, path, alone: bool = False) -> "Submission":
        path = os.fspath(path)
        return cls(shown=path, folder=os.path.dirname(os.path.abspath(path)), files=[os.path.basename(path)],
                   alone=alone)

    @classmethod
    def of_folder(cls, path) -> "Submission":
        path = os.fspath(path)
        files = sorted(f for f in os.listdir(path) if f.endswith((".py", ".ipynb")) and not f.startswith(".")
                       and os.path.isfile(os.path.join(path, f)))
        return cls(shown=path, folder=os.path.abspath(path), files=files)

    def shown_name(self, relative: str) -> str:
        if len(self.files) == 1 and relative == self.files[0] and not os.path.isdir(self.shown):
            return self.shown
        base = self.shown if os.path.isdir(self.shown) else os.path.dirname(self.shown)
        return os.path.join(base, relative) if base else relative

    def copy_into(self, target: str) -> None:
        """Copy what the worker needs into the (new) folder ``target``."""
        os.makedirs(target)
        wanted = list(self.files) if self.alone else self._tree()
        for relative in wanted:
            source, copy = os.path.join(self.folder, relative), os.path.join(target, relative)
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            try:
                shutil.copyfile(source, copy)
            except OSError as exc:
                if relative in self.files:
                    raise AuditImportError(f"{self.shown_name(relative)}: cannot be read ({exc.strerror})") from None

    def _tree(self) -> list:
        """The folder's files, hidden and environment folders left out; when there is more than
        COPY_BYTES or COPY_FILES (a home folder...), only the files directly in it."""
        found, size = [], 0
        for top, folders, files in os.walk(self.folder):
            folders[:] = sorted(d for d in folders if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
            for name in sorted(files):
                path = os.path.join(top, name)
                if name.startswith(".") or not os.path.isfile(path):
                    continue
                size += os.path.getsize(path)
                found.append(os.path.relpath(path, self.folder))
                if size > COPY_BYTES or len(found) > COPY_FILES:
                    self.notes.append(f"{self.folder} holds more than {COPY_BYTES >> 20} MB or {COPY_FILES} files: "
                                      f"only the files directly in it were copied for the audit")
                    return self._top_level()
        return sorted(set(found) | set(self.files))

    def _top_level(self) -> list:
        kept, size = list(self.files), 0
        for name in sorted(os.listdir(self.folder), key=lambda n: (not n.endswith(".py"), n)):
            path = os.path.join(self.folder, name)
            if name in kept or name.startswith(".") or not os.path.isfile(path):
                continue
            size += os.path.getsize(path)
            if size > COPY_BYTES:
                break
            kept.append(name)
        return kept


# Every worker group alive, so that none outlives the checking process.
_live: set = set()
_live_lock = threading.Lock()


@atexit.register
def _kill_all() -> None:
    with _live_lock:
        groups = list(_live)
    for pid in groups:
        _kill_group(pid)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Process:
    """One worker process: the protocol's two pipes, and a thread draining what it writes to fd 1 and 2."""

    def __init__(self, cwd: str, limits: Limits):
        env = dict(os.environ)
        # One BLAS thread: OpenBLAS reserves address space per thread, which would eat into the limit.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   VECLIB_MAXIMUM_THREADS="1", NUMEXPR_NUM_THREADS="1", MPLBACKEND="Agg",
                   MALLOC_ARENA_MAX="1")  # glibc reserves 64 MB of address space per thread arena otherwise
        self.proc = subprocess.Popen([sys.executable, "-I", "-c", _BOOT, _PROJECT_ROOT], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True, close_fds=True)  # its own process group
        with _live_lock:
            _live.add(self.proc.pid)
        self.to_worker = self.proc.stdin.fileno()
        self.reader = Reader(self.proc.stdout.fileno())
        self.raw = bytearray()
        self.limit = limits.print_limit
        self.drain = threading.Thread(target=self._drain, daemon=True, name=f"nets-audit-drain-{self.proc.pid}")
        self.drain.start()

    def _drain(self) -> None:
        stream = self.proc.stderr
        while True:
            chunk = stream.read1(1 << 16)
            if not chunk:
                return
            room = self.limit - len(self.raw)
            if room > 0:
                self.raw += chunk[:room]

    def exit_status(self, wait: float) -> int | None:
        try:
            return self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Kill the whole process group (the worker and anything it started), then reap."""
        _kill_group(self.proc.pid)
        self.proc.wait()
        with _live_lock:
            _live.discard(self.proc.pid)
        self.drain.join(2.0)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass


def _status_text(status: int | None) -> str:
    if status is None:
        return "stopped answering"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"was killed by {name}"
    return f"exited with status {status}"


class WorkerLearner:
    """A submission's functions, run in a worker process; the Learner API the checks use.

    Made in two steps: ``WorkerLearner(submission, limits)`` copies it and
    imports it in a worker (:class:`AuditImportError` when it cannot be
    imported), after which ``defined`` maps each function the learner's files
    define to its parameter names; then :meth:`set_up` says which names the
    checks ask for and the stand-ins (``name -> "module:attribute"``) for the
    ones the learner did not write.
    """

    def __init__(self, submission: Submission, limits: Limits, started: float | None = None):
        self.submission = submission
        self.limits = limits
        self.deadline = (time.monotonic() if started is None else started) + limits.submission_timeout
        self.names: tuple = ()
        self.stand_ins: dict = {}
        self.found: list = []
        self.substituted: list = []
        self.replaced: dict = {}
        self.defined: dict = {}
        self.available: dict = {}  # functions their files import from elsewhere: name -> where from
        self.borrowed: dict = {}
        self.notes: list = list(submission.notes)
        self.warnings: list = []
        self.printed = ""
        self.dropped = 0
        self.runaway = False  # a worker is always stopped: nothing of the learner's runs on
        self.workers_started = 0
        self._raw = ""
        self._shown_as: dict | None = None
        self._process: _Process | None = None
        self._base = tempfile.mkdtemp(prefix="nets-audit-")
        self._copy = os.path.join(self._base, "submission")
        self._stuck_file = os.path.join(self._base, "stuck.txt")
        try:
            submission.copy_into(self._copy)
            self.notes = list(submission.notes)
            self._start()
        except BaseException:
            self.restore()
            raise

    # -- the worker's life ----------------------------------------------------------------------
    def _start(self) -> None:
        if self._shown_as is None:  # the files as copied, before any learner code ran
            self._shown_as = {os.path.join(self._copy, f): self.submission.shown_name(f)
                              for f in self._copy_files()}
        shown_as = self._shown_as
        main_files = [os.path.join(self._copy, f) for f in self.submission.files]
        first = self.submission.shown_name(self.submission.files[0]) if self.submission.files else self.submission.shown
        if not main_files:
            raise AuditImportError(f"{self.submission.shown}: no .py or .ipynb file in it")
        deadline = time.monotonic() + min(self.limits.import_timeout, max(self.deadline - time.monotonic(), 0.1))
        self._process = process = _Process(self._copy, self.limits)
        self.workers_started += 1
        try:
            send(process.to_worker, {"op": "start", "memory_limit": self.limits.memory_limit,
                                     "print_limit": self.limits.print_limit}, deadline=deadline)
            started = self._answer(deadline)
            if self.workers_started == 1 and isinstance(started.get("notes"), list):
                self.notes += [_text(n, 500) for n in started["notes"][:10]]
            send(process.to_worker, {"op": "load", "files": main_files, "shown_as": shown_as,
                                     "timeout": self.limits.import_timeout, "stuck_file": self._stuck_file},
                 deadline=deadline)
            message = self._answer(deadline)
            if not message.get("ok"):
                raise AuditImportError(_text(message.get("error"), 2000))
            if self.workers_started == 1:
                self.defined = _defined(message.get("defined"))
                borrowed = message.get("borrowed")
                self.available = ({str(k): _text(v, 200) for k, v in list(borrowed.items())[:10000]}
                                  if isinstance(borrowed, dict) else {})
                notes = message.get("notes")
                self.notes += [_text(n, 500) for n in notes[:100]] if isinstance(notes, list) else []
            if self.names:
                self._send_set_up(deadline)
        except AuditImportError:
            self._stop()
            raise
        except TimeoutError:
            self._stop()
            raise AuditImportError(f"{first}: importing it did not finish within "
                                   f"{self.limits.import_timeout:g} s (code at the top level that runs forever?)") from None
        except (EOFError, OSError, ProtocolError):
            status = process.exit_status(2.0)
            self._stop()
            raise AuditImportError(f"{first} cannot be imported: the process {_status_text(status)} "
                                   f"while importing it") from None

    def _copy_files(self) -> list:
        result = []
        for top, _folders, files in os.walk(self._copy):
            result += [os.path.relpath(os.path.join(top, f), self._copy) for f in files]
        return result

    def _answer(self, deadline: float):
        message, blobs = self._process.reader.receive(deadline, MAX_REPLY)
        self.printed += _text(message.get("printed"), max(self.limits.print_limit - len(self.printed), 0))
        if isinstance(message.get("dropped"), int):
            self.dropped = max(self.dropped, message["dropped"])
        for w in (message.get("warnings") or [])[:20] if isinstance(message.get("warnings"), list) else []:
            if len(self.warnings) < 100:
                self.warnings.append(_text(w, 300))
        self._last_blobs = blobs
        return message

    def _send_set_up(self, deadline: float) -> None:
        # The substituted names and the helpers their functions call (the worker puts a stand-in
        # only where their namespace lacks the name).
        stand_ins = {n: spec for n, spec in self.stand_ins.items() if n not in self.found}
        send(self._process.to_worker, {"op": "set_up", "stand_ins": stand_ins, "replace": self.replaced},
             deadline=deadline)
        if not self._answer(deadline).get("ok"):
            raise ProtocolError("the worker refused the stand-ins")

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            room = self.limits.print_limit - len(self._raw)
            if room > 0:
                self._raw += bytes(self._process.raw[:room]).decode(errors="replace")
            self._process = None

    # -- the Learner API --------------------------------------------------------------------------
    def set_up(self, names, stand_ins: dict) -> None:
        """Check ``names``; of those the learner did not write, ``stand_ins`` stand in where theirs call them."""
        self.names = tuple(names)
        self.stand_ins = dict(stand_ins)
        self.found = [n for n in self.names if n in self.defined]
        # A name their files import (their dnn_utils.py) is theirs to use, not checked, not stood in.
        self.borrowed = {n: self.available[n] for n in self.names if n not in self.found and n in self.available}
        self.substituted = [n for n in self.names if n not in self.found and n not in self.borrowed]
        if self._process is not None:
            try:
                self._send_set_up(time.monotonic() + self.limits.import_timeout)
            except (TimeoutError, EOFError, OSError, ProtocolError):
                self._stop()  # the next call starts a fresh worker, set up as it starts

    def defines(self, name: str) -> bool:
        return name in self.found

    def signature(self, name: str) -> list:
        """The parameter names of the learner's function ``name``, in order ([] when unknown)."""
        return list(self.defined.get(name, []))

    def call(self, name: str, *args, seed=None, substitute=()):
        """The learner's ``name`` on ``args`` in the worker: its result as plain data, or LearnerFailure."""
        now = time.monotonic()
        if now >= self.deadline:
            raise LearnerFailure("timeout", f"did not run: the submission's time limit of "
                                            f"{self.limits.submission_timeout:g} s ran out", function=name)
        if self._process is None:
            try:
                self._start()
            except AuditImportError as exc:
                raise LearnerFailure("crashed", f"crashed: a fresh worker could not import the submission "
                                                f"again ({exc})", function=name) from None
        blobs: list = []
        try:
            data = encode(args, blobs)
        except Unencodable as exc:  # the checks' own inputs: a fault of the audit, not of the learner
            raise TypeError(f"the audit cannot send {exc.what} to a worker") from None
        limit = min(self.limits.timeout, max(self.deadline - time.monotonic(), 0.01))
        request = {"op": "call", "name": name, "args": data, "seed": None if seed is None else int(seed),
                   "substitute": {n: self.stand_ins[n] for n in substitute if n in self.stand_ins}}
        deadline = time.monotonic() + limit + GRACE
        process = self._process
        try:
            send(process.to_worker, request, blobs, deadline)
            message = self._answer(deadline)
        except TimeoutError:
            stuck = self._where_stuck(process)
            self._stop()
            self._replace(stuck[0] if stuck and stuck[0] in self.names else name)
            detail = f", stuck in {stuck[0]} (line {stuck[1]})" if stuck else ""
            what = (f"within {limit:g} s" if limit >= self.limits.timeout else
                    f"before the submission's time limit of {self.limits.submission_timeout:g} s ran out")
            raise LearnerFailure("timeout", f"did not return {what}{detail}; the call was stopped",
                                 function=stuck[0] if stuck else name) from None
        except (EOFError, OSError):
            status = process.exit_status(2.0)
            self._stop()
            self._replace(name)
            raise LearnerFailure("crashed", f"crashed: the process {_status_text(status)} while running {name}",
                                 function=name) from None
        except ProtocolError as exc:
            self._stop()
            raise LearnerFailure("raised", f"{name} returned what the audit does not read: {exc}",
                                 function=name) from None
        if not message.get("ok"):
            function = message.get("function")
            raise LearnerFailure("raised", _text(message.get("text"), 20000) or f"{name} failed",
                                 function=function if isinstance(function, str) else None)
        try:
            return decode(message.get("value"), self._last_blobs)
        except (ProtocolError, ValueError, TypeError, KeyError, RecursionError) as exc:
            raise LearnerFailure("raised", f"{name} returned what the audit does not read: {exc}",
                                 function=name) from None

    def _replace(self, name: str) -> None:
        # The project's own takes the place of a function that hung or crashed the worker,
        # so that the functions calling it are checked instead of each hanging or crashing too.
        if name in self.found and name in self.stand_ins:
            self.replaced[name] = self.stand_ins[name]

    def _where_stuck(self, process):
        """(function, line) of the learner's innermost frame, asked of the worker (SIGUSR1) before it is killed."""
        try:
            os.kill(process.proc.pid, signal.SIGUSR1)
        except ProcessLookupError:
            return None
        text, previous, until = "", None, time.monotonic() + STUCK_WAIT
        while time.monotonic() < until:
            time.sleep(0.02)
            try:
                with open(self._stuck_file, errors="replace") as f:
                    text = f.read(1 << 16)
            except OSError:
                return None
            if "File " in text and text == previous:
                break  # written, and no longer growing
            previous = text
        prefix = self._copy + os.sep
        for path, line, function in re.findall(r'File "(.+?)", line (\d+) in (\S+)', text):
            if path.startswith(prefix):
                return function, int(line)
        return None

    def restore(self) -> None:
        """The end: the worker's process group killed, the copy removed."""
        self._stop()
        shutil.rmtree(self._base, ignore_errors=True)

    @property
    def output(self) -> str:
        """What the learner's code printed (the first few kB), for the report."""
        raw = bytes(self._process.raw).decode(errors="replace") if self._process is not None else ""
        text = self.printed + self._raw + raw
        if self.dropped:
            text += f"\n[... {self.dropped} more characters not kept]"
        return text


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _defined(value) -> dict:
    if not isinstance(value, dict):
        return {}
    return {str(k): [str(p) for p in v][:50] for k, v in list(value.items())[:10000] if isinstance(v, list)}

"""The worker: the one process that holds a learner's code, and the data-only protocol it speaks.

The checker (:mod:`.isolation`) starts one worker per submission, a fresh
interpreter in its own process group, in a temporary copy of the submission::

    python -I -c "<boot>" PROJECT_ROOT        (stdin, stdout: the protocol; stderr: drained)

It imports the learner's files, says which functions they define (and their
parameter names), and then runs one call at a time, each answered with plain
data. Nothing the learner made ever leaves this process as an object:

- a message is a JSON header followed by blobs (:func:`send`, :class:`Reader`):
  an array is its raw bytes, its dtype and its shape in the header, read back
  with ``np.frombuffer`` for plain dtypes only (numbers, booleans, text), so no
  message can make its reader run code, and nothing is ever serialised as an
  object;
- a value is encoded by :func:`encode`, which accepts ``None``, ``bool``,
  ``int``, ``float``, ``complex``, ``str``, numpy arrays and scalars of plain
  dtypes, and tuples, lists and dicts of them (converted to exactly those
  types first, inside this process); anything else is refused with "returned a
  <type name>";
- the learner's prints are kept (the first few kB) and sent with each answer;
  what they write to the file descriptors 1 and 2 goes to the checker's drain.

Whatever the learner's code does in here (replace ``np.abs``, rewrite this
module, call ``os._exit``) changes only this process, which the checker
kills and replaces; the comparisons are made in the checker on the data
received.
"""
from __future__ import annotations

import inspect
import io
import json
import os
import select
import struct
import sys
import time

__all__ = ["ProtocolError", "Reader", "Unencodable", "decode", "encode", "main", "send"]

_HEADER = struct.Struct("<QI")  # length of the JSON header, number of blobs
_BLOB = struct.Struct("<Q")
PLAIN_KINDS = "biufcUS"  # numpy dtype kinds a value may have: bool, ints, floats, complex, text
MAX_DEPTH = 64


class ProtocolError(Exception):
    """The other side sent something that is not a message (or too much of one)."""


class Unencodable(TypeError):
    """A value that is not plain data; ``what`` names it for the learner ("a Foo inside a tuple")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


# ---------------------------------------------------------------------------------------------
# Values <-> JSON + blobs
# ---------------------------------------------------------------------------------------------


def encode(value, blobs: list, depth: int = 0):
    """``value`` as JSON-able data; the bytes of its arrays are appended to ``blobs``."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise Unencodable(f"a structure nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, (np.ndarray, np.generic)):  # first: np.float64 is also a float
        array = np.asarray(value)
        if type(array) is not np.ndarray:  # a subclass (np.matrix, a masked array): its plain data
            array = array.view(np.ndarray)
        if array.dtype.kind not in PLAIN_KINDS or array.dtype.fields is not None:
            raise Unencodable(f"an array of dtype {array.dtype}")
        blobs.append(np.ascontiguousarray(array).tobytes())
        return {"scalar" if isinstance(value, np.generic) else "array":
                [len(blobs) - 1, array.dtype.str, list(array.shape)]}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)
        return value if value == value and value not in (float("inf"), float("-inf")) else {"float": repr(value)}
    if isinstance(value, complex):
        return {"complex": [repr(value.real), repr(value.imag)]}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.random.RandomState):
        kind, keys, pos, has_gauss, cached = value.get_state()
        return {"random_state": [encode(keys, blobs, depth + 1), int(pos), int(has_gauss), float(cached)]}
    if isinstance(value, (tuple, list)):
        try:
            items = [encode(v, blobs, depth + 1) for v in value]
        except Unencodable as exc:
            raise Unencodable(f"{exc.what} inside a {_name(value)}") from None
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        try:
            pairs = [[encode(k, blobs, depth + 1), encode(v, blobs, depth + 1)] for k, v in value.items()]
        except Unencodable as exc:
            raise Unencodable(f"{exc.what} inside a {_name(value)}") from None
        return {"dict": pairs}
    raise Unencodable(f"a {_name(value)}")


def _array(body, blobs: list, scalar: bool):
    """An array from its bytes, its dtype (``"<f8"``) and shape: nothing but numbers can come of it."""
    import numpy as np

    if (type(body) is not list or len(body) != 3 or type(body[0]) is not int or not 0 <= body[0] < len(blobs)
            or type(body[1]) is not str or type(body[2]) is not list
            or not all(type(n) is int and n >= 0 for n in body[2])):
        raise ProtocolError("an array reference that is not (blob, dtype, shape)")
    try:
        dtype = np.dtype(body[1])
    except (TypeError, ValueError):
        raise ProtocolError(f"an array of dtype {body[1][:40]!r}") from None
    if dtype.kind not in PLAIN_KINDS or dtype.fields is not None or dtype.itemsize == 0:
        raise ProtocolError(f"an array of dtype {dtype}, which is not plain data")
    data, shape = blobs[body[0]], tuple(body[2])
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(data):
        raise ProtocolError("an array whose bytes do not match its shape")
    array = np.frombuffer(bytearray(data), dtype=dtype).reshape(shape)  # a writable copy
    return array[()] if scalar else array


def _name(value) -> str:
    return type(value).__name__


def decode(data, blobs: list):
    """The value :func:`encode` made ``data`` from; only plain types come out."""
    import numpy as np

    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, blobs) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise ProtocolError(f"not an encoded value: {str(data)[:80]}")
    (tag, body), = data.items()
    if tag in ("array", "scalar"):
        return _array(body, blobs, scalar=tag == "scalar")
    if tag == "float":
        return float(body)
    if tag == "complex":
        return complex(float(body[0]), float(body[1]))
    if tag == "tuple":
        return tuple(decode(v, blobs) for v in body)
    if tag == "dict":
        result = {}
        for key, value in body:
            key = decode(key, blobs)
            if isinstance(key, (list, dict, np.ndarray)):
                raise ProtocolError("a dictionary key that cannot be one")
            result[key] = decode(value, blobs)
        return result
    if tag == "random_state":
        keys, pos, has_gauss, cached = body
        state = np.random.RandomState()
        state.set_state(("MT19937", decode(keys, blobs), int(pos), int(has_gauss), float(cached)))
        return state
    raise ProtocolError(f"an unknown tag {tag!r}")


# ---------------------------------------------------------------------------------------------
# Messages over file descriptors, with deadlines
# ---------------------------------------------------------------------------------------------


def send(fd: int, message: dict, blobs: list = (), deadline: float | None = None) -> None:
    """Write one message (a JSON-able dict and its blobs) to ``fd``; TimeoutError past ``deadline``."""
    header = json.dumps(message).encode()
    parts = [_HEADER.pack(len(header), len(blobs)), header]
    for blob in blobs:
        parts.append(_BLOB.pack(len(blob)))
        parts.append(blob)
    data = memoryview(b"".join(parts))
    while data:
        _wait(fd, deadline, write=True)
        written = os.write(fd, data[:1 << 20])
        data = data[written:]


class Reader:
    """Reads messages from one file descriptor, buffering what arrives (few system calls per message)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()

    def receive(self, deadline: float | None = None, max_bytes: int = 1 << 62) -> tuple:
        """One message: ``(message, blobs)``. EOFError when the other side is gone, TimeoutError
        past ``deadline``, ProtocolError for more than ``max_bytes`` or a malformed message."""
        size, count = _HEADER.unpack(self._take(_HEADER.size, deadline))
        total = size
        if total > max_bytes:
            raise ProtocolError(f"a message of {total} bytes, more than the {max_bytes} read")
        try:
            message = json.loads(self._take(size, deadline))
        except (ValueError, RecursionError):
            raise ProtocolError("a header that is not JSON (or nested too deeply)") from None
        blobs = []
        for _ in range(count):
            (length,) = _BLOB.unpack(self._take(_BLOB.size, deadline))
            total += length
            if total > max_bytes:
                raise ProtocolError(f"a message of more than {max_bytes} bytes")
            blobs.append(self._take(length, deadline))
        if type(message) is not dict:
            raise ProtocolError("a message that is not a JSON object")
        return message, blobs

    def _take(self, n: int, deadline: float | None) -> bytes:
        while len(self.buffer) < n:
            _wait(self.fd, deadline)
            chunk = os.read(self.fd, max(n - len(self.buffer), 1 << 16))
            if not chunk:
                raise EOFError
            self.buffer += chunk
        taken = bytes(self.buffer[:n])
        del self.buffer[:n]
        return taken


def _wait(fd: int, deadline: float | None, write: bool = False) -> None:
    if deadline is None:
        return
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready = select.select([], [fd], [], left) if write else select.select([fd], [], [], left)
        if ready[1 if write else 0]:
            return


# ---------------------------------------------------------------------------------------------
# The worker's side
# ---------------------------------------------------------------------------------------------


class _Kept(io.TextIOBase):
    """sys.stdout / sys.stderr in the worker: keeps the first ``limit`` characters, counts the rest."""

    def __init__(self, shared: dict):
        self.shared = shared

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.shared["limit"] - len(self.shared["kept"])
        if room > 0:
            self.shared["kept"] += text[:room]
            self.shared["new"] += text[:room]
        self.shared["dropped"] += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self):
        pass


class _Worker:
    """The state of one worker: the learner's modules, the names bound to stand-ins."""

    def __init__(self, out_fd: int, printed: dict):
        self.out_fd = out_fd
        self.printed = printed
        self.modules = []
        self.learner_files: set = set()
        self.shown_as: dict = {}
        self.stuck = None
        self.sandbox = None

    # -- replies ----------------------------------------------------------------------------
    def reply(self, message: dict, blobs=()) -> None:
        message["printed"] = self.printed["new"]
        message["dropped"] = self.printed["dropped"]
        self.printed["new"] = ""
        send(self.out_fd, message, list(blobs))

    # -- operations -------------------------------------------------------------------------
    def load(self, request):
        from ..errors import AuditImportError
        from .loading import import_submission
        from .sandbox import Sandbox, origin

        self.shown_as = dict(request["shown_as"])
        # The submission's own files count as the learner's; a file beside a single file given
        # alone (their dnn_utils.py) is theirs to import, its functions "borrowed", not checked.
        self.learner_files = {os.path.abspath(f) for f in request["files"]}
        self.sandbox = Sandbox(timeout=float(request["timeout"]), learner_files=set(self.shown_as))
        self.sandbox.shown_as = {os.path.abspath(k): v for k, v in self.shown_as.items()}
        if request.get("stuck_file"):
            import faulthandler
            import signal

            # The checker sends SIGUSR1 when a call runs past its limit: where it is stuck is
            # written at once, even from inside one long C call, before the worker is killed.
            self.stuck = open(request["stuck_file"], "w")
            faulthandler.register(signal.SIGUSR1, file=self.stuck, all_threads=True)
        notes = []
        for path in request["files"]:
            try:
                # The one place a submission's file is imported (.py, an exported script, .ipynb).
                module, files, file_notes = import_submission(path, float(request["timeout"]))
            except AuditImportError as exc:
                return self.reply({"ok": False, "error": self._shown(str(exc))})
            self.modules.append(module)
            # A notebook's cells carry names of their own ("<copy>.ipynb, cell 3"): the learner's too.
            cell_files = {os.path.abspath(f) for f in files}
            self.learner_files |= cell_files
            self.sandbox.learner_files |= cell_files
            self.sandbox.shown_as.update({f: self._shown(f) for f in cell_files})
            notes += [self._shown(n) for n in file_notes]
        defined, borrowed = {}, {}
        for module in self.modules:
            for name, value in vars(module).items():
                if name not in defined and self._learners(value):
                    defined[name] = self._parameters(value)
                elif inspect.isfunction(value):
                    # Taken from elsewhere (their own dnn_utils.py, the course's reg_utils): used as it is.
                    borrowed.setdefault(name, self._shown(origin(value)))
        borrowed = {n: o for n, o in borrowed.items() if n not in defined}
        self.reply({"ok": True, "defined": defined, "borrowed": borrowed, "notes": notes})

    def _shown(self, text: str) -> str:
        """``text`` with the worker's copies named as the learner knows them."""
        for copy, shown in self.shown_as.items():
            text = text.replace(copy, shown)
        return text

    def _learners(self, fn) -> bool:
        # A function imported from nets.manual (or numpy) is not the learner's.
        code = getattr(fn, "__code__", None)
        return callable(fn) and code is not None and os.path.abspath(code.co_filename) in self.learner_files

    @staticmethod
    def _parameters(fn) -> list:
        import inspect

        try:
            return [str(p) for p in inspect.signature(fn).parameters]
        except (TypeError, ValueError):
            return []

    @staticmethod
    def _resolve(spec: str):
        import importlib

        module, _, attribute = spec.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def set_up(self, request):
        """Stand-ins where the learner's modules lack a name; replacements of the learner's own."""
        for name, spec in request.get("stand_ins", {}).items():
            fn = self._resolve(spec)
            for module in self.modules:
                if name not in vars(module):
                    setattr(module, name, fn)
        for name, spec in request.get("replace", {}).items():
            fn = self._resolve(spec)
            for module in self.modules:
                if self._learners(vars(module).get(name)) or name not in vars(module):
                    setattr(module, name, fn)
        self.reply({"ok": True})

    def call(self, request, blobs):
        import warnings

        import numpy as np

        name = request["name"]
        fn = next((vars(m)[name] for m in self.modules if name in vars(m)), None)
        if fn is None:
            return self.reply({"ok": False, "kind": "raised", "text": f"{name} is not defined", "function": name})
        args = decode(request["args"], blobs)
        saved = []
        for other, spec in request.get("substitute", {}).items():
            stand_in = self._resolve(spec)
            for module in self.modules:
                if other in vars(module):
                    saved.append((module, other, vars(module)[other]))
                    setattr(module, other, stand_in)
            if other == name:
                fn = stand_in
        if request.get("seed") is not None:
            np.random.seed(int(request["seed"]))
        outcome = {}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                outcome["value"] = fn(*args)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: their code, our run
            outcome["error"] = exc
        finally:
            for module, other, value in reversed(saved):
                setattr(module, other, value)
        said = [f"{w.category.__name__}: {w.message}" for w in caught[:20]]
        if "error" in outcome:
            exc = outcome["error"]
            return self.reply({"ok": False, "kind": "raised", "text": self.sandbox.format_traceback(exc),
                               "function": self.sandbox._innermost(exc), "warnings": said})
        out_blobs = []
        try:
            value = encode(outcome["value"], out_blobs)
        except Unencodable as exc:
            return self.reply({"ok": False, "kind": "raised", "function": name, "warnings": said,
                               "text": f"{name} returned {exc.what}: the audit reads plain data only "
                                       f"(numpy arrays, numbers, strings, None, and tuples, lists, dicts of them)"})
        except MemoryError:
            return self.reply({"ok": False, "kind": "raised", "function": name, "warnings": said,
                               "text": f"{name} returned more data than the memory limit lets the audit send"})
        self.reply({"ok": True, "value": value, "warnings": said}, out_blobs)


def main() -> None:
    """The worker's loop: set the limits, then answer requests until told to stop (or killed)."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # what the learner writes to fd 1 goes to the drain, never into the protocol
    os.close(null)
    printed = {"kept": "", "new": "", "dropped": 0, "limit": 4096}
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = _Kept(printed)
    sys.dont_write_bytecode = True
    reader = Reader(in_fd)
    request, _ = reader.receive()
    printed["limit"] = int(request.get("print_limit", 4096))
    import numpy  # noqa: F401  (before the limit: its own reservations are the worker's, not the learner's)

    from .. import manual  # noqa: F401  (the stand-ins, imported before any learner file can shadow them)
    limit, notes = request.get("memory_limit"), []
    if limit:
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
        except (ValueError, OSError) as exc:
            notes.append(f"the memory limit could not be set here ({exc}): the submission ran without it")
    # sys.path as the learner's own run has it: their folder first, then PYTHONPATH and the
    # user's site-packages (which python -I left out so that nothing could shadow the worker's
    # own imports), the project itself last (for the stand-ins).
    project = sys.path.pop(0)
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:0] = [os.getcwd()] + extra
    try:
        import site

        user_site = site.getusersitepackages()
        if os.path.isdir(user_site) and user_site not in sys.path:
            site.addsitedir(user_site)
    except (AttributeError, OSError):
        pass
    sys.path.append(project)
    worker = _Worker(out_fd, printed)
    worker.reply({"ok": True, "pid": os.getpid(), "notes": notes})
    while True:
        try:
            request, blobs = reader.receive()
        except EOFError:
            os._exit(0)
        op = request.get("op")
        try:
            if op == "load":
                worker.load(request)
            elif op == "set_up":
                worker.set_up(request)
            elif op == "call":
                worker.call(request, blobs)
            elif op == "stop":
                os._exit(0)
            else:
                worker.reply({"ok": False, "kind": "raised", "text": f"unknown request {op!r}"})
        except Exception:  # a fault of the worker itself (or of learner code that broke it): say it, end
            import traceback

            os.write(2, traceback.format_exc().encode(errors="replace"))
            os._exit(3)

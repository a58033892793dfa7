"""Writing files so that a reader sees the old file or the new one, never half of one.

Every helper writes to a temporary file in the target's own directory (a rename
is atomic only within one file system) and then moves it into place with
``os.replace``.  On any error, or an interrupt, the temporary file is removed
and the target is left as it was.

The temporary name keeps the target's extension (``.costs.png.1a2b3c4d.tmp.png``)
because some writers, matplotlib's ``savefig`` among them, pick the format from
the file name.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets

__all__ = ["atomic_path", "atomic_write", "write_text", "write_json", "save_figure"]


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; best effort (not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temporary(path: str) -> str:
    """Create an empty, new temporary file beside ``path`` and return its name."""
    directory, base = os.path.split(os.path.abspath(path))
    ext = os.path.splitext(base)[1]
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp{ext}")
        try:
            # O_EXCL: never reuse someone else's file; mode 0o666 so that the
            # final file gets the permissions the umask gives any new file
            # (tempfile.mkstemp would make it 0o600).
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"could not create a temporary file beside {path}")  # pragma: no cover


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    For writers that want a file name rather than a file object::

        with atomic_path("out/costs.png") as tmp:
            figure.savefig(tmp)
    """
    path = os.fspath(path)
    tmp = _create_temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_directory(os.path.dirname(os.path.abspath(path)))


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None):
    """Like ``open(path, mode)`` for writing, but the file appears only when the block succeeds."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_write is for writing a whole file; mode must start with 'w', got {mode!r}")
    if "b" in mode:
        encoding = newline = None
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path) as f:
        f.write(text)


def write_json(path, obj, indent: int = 2) -> None:
    """Write ``obj`` as strict JSON (NaN and infinities refused) to ``path`` atomically."""
    # Serialise first: an object that cannot be written leaves no file at all.
    text = json.dumps(obj, indent=indent, allow_nan=False) + "\n"
    write_text(path, text)


def save_figure(figure, path, **savefig_kwargs) -> None:
    """``figure.savefig(path)`` atomically, in the format named by ``path``'s extension."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or None
    if fmt is not None:
        savefig_kwargs.setdefault("format", fmt)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, **savefig_kwargs)

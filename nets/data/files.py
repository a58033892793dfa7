"""Reading data files safely: one-line messages that name the file, HDF5 data sets checked before reading.

Every reader in :mod:`nets.data` goes through these: a path is checked to be
an existing file (:func:`existing_file`), shown quoted when it holds control
characters (:func:`display_path`), and each HDF5 data set is checked for
kind and size before a byte of it is read (:func:`read_dataset`); whatever
h5py raises for a damaged file becomes a :class:`nets.errors.DataError`.
"""
import os
from pathlib import Path

import h5py
import numpy as np

from ..atomic import atomic_path
from ..errors import DataError

__all__ = ["HDF5_ERRORS", "MAX_DATASET_BYTES", "as_path", "display_path", "existing_file", "read_dataset",
           "unreadable", "write_h5_atomically"]

#: A data set larger than this (in bytes, as stored) is refused before it is read: a
#: damaged or hostile header can declare a size that would exhaust memory (the real
#: training images take 2.5 MB).
MAX_DATASET_BYTES = 2**31

#: What h5py and HDF5 raise for files that are not HDF5, truncated or corrupt:
#: OSError mostly, KeyError ("Unable to open object") when an object header is
#: damaged, RuntimeError, ValueError or MemoryError for nonsense in a header.
HDF5_ERRORS = (OSError, KeyError, RuntimeError, TypeError, ValueError, MemoryError,
                IndexError, OverflowError, AttributeError)


def display_path(path) -> str:
    """A path for a one-line message: as is, or quoted when it holds newlines or other control characters."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def as_path(value, what: str) -> Path:
    """``value`` (str or os.PathLike) as a Path; TypeError naming ``what`` otherwise."""
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a path (str or os.PathLike), got {type(value).__name__} {value!r:.60}")
    path = Path(value)
    if "\0" in str(path):
        raise DataError(f"{display_path(path)}: not a valid path (it contains a NUL character)")
    return path


def existing_file(path):
    """(path as a Path, its name for messages), after checking that it is an existing file."""
    path = as_path(path, "path")
    name = display_path(path)
    if not path.exists():
        raise DataError(f"{name}: file not found")
    if not path.is_file():
        raise DataError(f"{name}: not a file")
    return path, name


def unreadable(name, err) -> DataError:
    return DataError(
        f"{name}: cannot read as HDF5 (not an HDF5 file, truncated or corrupt): {err.__class__.__name__}: {err}"
    )


def read_dataset(name, f, key):
    """Read one data set after checking what it is: only plain numbers or strings, of a sane size."""
    link = f.get(key, getlink=True)
    if link is not None and not isinstance(link, h5py.HardLink):
        raise DataError(f"{name}: '{key}' is a {type(link).__name__} to elsewhere, not a data set in the file")
    obj = f[key]
    if not isinstance(obj, h5py.Dataset):
        raise DataError(f"{name}: '{key}' is a {type(obj).__name__.lower()}, not a data set")
    dtype = obj.dtype
    # Strings may be variable-length (object dtype in numpy); any other object,
    # compound or opaque data is refused before it is read.
    if dtype.kind in "OV" and h5py.check_string_dtype(dtype) is None:
        raise DataError(f"{name}: '{key}' holds {dtype} values, not numbers or strings")
    if obj.shape is None:
        raise DataError(f"{name}: '{key}' is empty (no data space)")
    nbytes = int(np.prod(obj.shape, dtype=object)) * dtype.itemsize
    if nbytes > MAX_DATASET_BYTES:
        raise DataError(
            f"{name}: '{key}' has shape {obj.shape} ({nbytes:,} bytes), more than the {MAX_DATASET_BYTES:,} accepted"
        )
    return np.asarray(obj[()])


def write_h5_atomically(path, datasets):
    """Write ``datasets`` (key -> array) to ``path`` via a temporary file and a rename."""
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for key, value in datasets.items():
                f.create_dataset(key, data=value)

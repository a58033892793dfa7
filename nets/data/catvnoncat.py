"""The course's cat/non-cat files: reading them, checking every array, and the post's shapes.

File format (the deeplearning.ai course's): ``train_catvnoncat.h5`` holds
``train_set_x`` (m, 64, 64, 3) uint8, ``train_set_y`` (m,) int64 and
``list_classes`` (2,) ``S7`` = ``[b'non-cat', b'cat']``; ``test_catvnoncat.h5``
holds the same with ``test_`` in place of ``train_``.

Loaded data follows the post's shapes: images flattened to (features, examples)
and scaled to [0, 1] as float64, labels (1, examples) int64.

Every problem with a file is reported as a :class:`nets.errors.DataError` (a
``ValueError``) whose message names the file and the problem, so that the
command line can print one line instead of a traceback.
"""
import h5py
import numpy as np

from ..errors import DataError
from .files import HDF5_ERRORS, as_path, display_path, existing_file, read_dataset, unreadable

__all__ = ["CLASSES", "TRAIN_FILE", "TEST_FILE", "flatten_images", "read_image_file", "load_catvnoncat_images",
           "load_catvnoncat"]

TRAIN_FILE = "train_catvnoncat.h5"
TEST_FILE = "test_catvnoncat.h5"
CLASSES = np.array([b"non-cat", b"cat"], dtype="S7")


def flatten_images(images):
    """(m, H, W, C) uint8 images -> (H*W*C, m) float64 in [0, 1], the post's X."""
    images = np.asarray(images)
    return images.reshape(images.shape[0], -1).T / 255.0


# ---------------------------------------------------------------------------
# Reading and validation
# ---------------------------------------------------------------------------


def _check_images(name, raw):
    """Validate one images array read from file ``name``; return it as uint8."""
    if raw.ndim != 4:
        raise DataError(
            f"{name}: images must be 4-d (examples, height, width, 3), got shape {raw.shape}"
        )
    if raw.shape[-1] != 3:
        raise DataError(
            f"{name}: images must have 3 colour channels (examples, height, width, 3), "
            f"got shape {raw.shape}"
        )
    if raw.shape[0] == 0:
        raise DataError(f"{name}: the file holds no images (shape {raw.shape})")
    if raw.dtype == np.uint8:
        return raw
    if raw.dtype.kind not in "iu":
        raise DataError(
            f"{name}: images must be integers 0..255 (uint8), got dtype {raw.dtype}"
        )
    low, high = raw.min(), raw.max()
    if low < 0 or high > 255:
        raise DataError(
            f"{name}: image values must lie in 0..255, found values from {low} to {high}"
        )
    return raw.astype(np.uint8)


def _check_labels(name, raw, m):
    """Validate a labels array from file ``name`` for ``m`` images; return (1, m) int64."""
    if raw.ndim == 1:
        count = raw.shape[0]
    elif raw.ndim == 2 and raw.shape[0] == 1:
        count = raw.shape[1]
    else:
        raise DataError(f"{name}: labels must have shape (m,) or (1, m), got shape {raw.shape}")
    if count != m:
        raise DataError(f"{name}: {m} images but {count} labels")
    kind = raw.dtype.kind
    if kind not in "biuf":
        raise DataError(f"{name}: labels must be integers 0/1, got dtype {raw.dtype}")
    if kind == "f" and not np.all(np.isin(raw, (0.0, 1.0))):
        raise DataError(f"{name}: float labels must be exactly 0.0 or 1.0")
    bad = raw[(raw != 0) & (raw != 1)] if kind != "b" else raw[:0]
    if bad.size:
        raise DataError(
            f"{name}: labels must be 0 (non-cat) or 1 (cat), found {np.unique(bad)[:5].tolist()}"
        )
    return raw.reshape(1, m).astype(np.int64)


def _check_classes(name, raw):
    """Validate ``list_classes``: a 1-d array of at least two names; return it as bytes."""
    if raw.ndim != 1 or raw.shape[0] < 2:
        raise DataError(
            f"{name}: list_classes must be a 1-d list of at least 2 class names, got shape {raw.shape}"
        )
    try:
        if raw.dtype.kind == "S":
            return raw
        if raw.dtype.kind == "U":
            return np.char.encode(raw, "utf-8")
        if raw.dtype.kind == "O":
            items = [x if isinstance(x, bytes) else str(x).encode("utf-8") for x in raw]
            return np.array(items, dtype="S")
    except (TypeError, UnicodeError):
        pass
    raise DataError(f"{name}: list_classes must hold strings, got dtype {raw.dtype}")


def _pick_prefix(name, keys):
    """The key prefix of the images in a file: 'train_set', 'test_set' or 'X' for a key 'X_x'."""
    for prefix in ("train_set", "test_set"):
        if prefix + "_x" in keys:
            return prefix
    candidates = sorted(k[:-2] for k in keys if k.endswith("_x"))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise DataError(
            f"{name}: no images key (expected 'train_set_x', 'test_set_x' or a key ending "
            f"in '_x'); keys present: {sorted(keys)}"
        )
    raise DataError(
        f"{name}: several keys end in '_x' ({[c + '_x' for c in candidates]}); "
        f"cannot tell which holds the images"
    )


def _read_file(path, prefix=None, require_labels=False, require_classes=False):
    """Read one HDF5 file; returns (images uint8, labels (1, m) or None, classes or None).

    ``prefix`` fixes the keys (``prefix + '_x'``, ``prefix + '_y'``); without it
    the prefix is worked out from the keys present.  All h5py and OS errors are
    turned into DataError.
    """
    path, name = existing_file(path)
    try:
        with h5py.File(path, "r") as f:
            keys = list(f.keys())
            if prefix is None:
                prefix = _pick_prefix(name, keys)
            needed = [prefix + "_x"]
            if require_labels:
                needed.append(prefix + "_y")
            if require_classes:
                needed.append("list_classes")
            missing = [k for k in needed if k not in keys]
            if missing:
                raise DataError(
                    f"{name}: missing key(s) {missing}; keys present: {sorted(keys)}"
                )
            raw_x = read_dataset(name, f, prefix + "_x")
            raw_y = read_dataset(name, f, prefix + "_y") if prefix + "_y" in keys else None
            raw_c = read_dataset(name, f, "list_classes") if "list_classes" in keys else None
    except DataError:
        raise
    except HDF5_ERRORS as err:
        raise unreadable(name, err) from None

    images = _check_images(name, raw_x)
    labels = None if raw_y is None else _check_labels(name, raw_y, images.shape[0])
    classes = None if raw_c is None else _check_classes(name, raw_c)
    return images, labels, classes


def read_image_file(path):
    """Read one file in the course's format (train or test), e.g. for ``predict``.

    The images are under ``train_set_x`` or ``test_set_x`` or, failing those, the
    one key ending in ``_x``; the labels, when present, under the matching
    ``_y`` key; the class names, when present, under ``list_classes``.

    Returns ``(images, labels, classes)``: images (m, H, W, 3) uint8, labels
    (1, m) int64 or None, classes a bytes array or None.  Raises DataError.
    """
    return _read_file(path)


def _resolve_directory(directory):
    directory = as_path(directory, "directory")
    if not directory.exists():
        raise DataError(f"{display_path(directory)}: data directory not found")
    if not directory.is_dir():
        raise DataError(f"{display_path(directory)}: not a directory")
    missing = [n for n in (TRAIN_FILE, TEST_FILE) if not (directory / n).is_file()]
    if missing:
        raise DataError(f"{display_path(directory)}: missing data file(s) {missing}")
    return directory


def load_catvnoncat_images(directory):
    """The raw data set from ``directory`` (str or Path), like the course's ``load_dataset``.

    Returns ``(train_images, train_y, test_images, test_y, classes)``: images
    (m, H, W, 3) uint8, labels (1, m) int64, classes the bytes array of class
    names (``[b'non-cat', b'cat']`` for the real data).  Raises DataError.
    """
    directory = _resolve_directory(directory)
    train_path, test_path = directory / TRAIN_FILE, directory / TEST_FILE
    train_x, train_y, train_classes = _read_file(
        train_path, "train_set", require_labels=True, require_classes=True
    )
    test_x, test_y, test_classes = _read_file(
        test_path, "test_set", require_labels=True, require_classes=True
    )
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataError(
            f"{display_path(directory)}: train images are {train_x.shape[1:]} but test images are "
            f"{test_x.shape[1:]}; they must be the same size"
        )
    if not np.array_equal(train_classes, test_classes):
        raise DataError(
            f"{display_path(directory)}: list_classes differs between {TRAIN_FILE} ({train_classes.tolist()}) "
            f"and {TEST_FILE} ({test_classes.tolist()})"
        )
    return train_x, train_y, test_x, test_y, test_classes


def load_catvnoncat(directory):
    """The data set from ``directory`` (str or Path), ready for the network.

    Returns ``(train_x, train_y, test_x, test_y, classes)``: x (H*W*3, m)
    float64 in [0, 1] (``images.reshape(m, -1).T / 255.``), y (1, m) int64,
    classes the bytes array of class names.  Raises DataError.
    """
    train_images, train_y, test_images, test_y, classes = load_catvnoncat_images(directory)
    return flatten_images(train_images), train_y, flatten_images(test_images), test_y, classes

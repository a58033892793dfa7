"""The cat/non-cat data: loading the course's HDF5 files, and a synthetic stand-in.

File format (the deeplearning.ai course's): ``train_catvnoncat.h5`` holds
``train_set_x`` (m, 64, 64, 3) uint8, ``train_set_y`` (m,) int64 and
``list_classes`` (2,) ``S7`` = ``[b'non-cat', b'cat']``; ``test_catvnoncat.h5``
holds the same with ``test_`` in place of ``train_``.

Loaded data follows the post's shapes: images flattened to (features, examples)
and scaled to [0, 1] as float64, labels (1, examples) int64.

Every problem with a file is reported as a :class:`DataError` (a ``ValueError``)
whose message names the file and the problem, so that the command line can print
one line instead of a traceback.

The real data set is not part of the project; :func:`make_synthetic_catvnoncat`
and :func:`write_synthetic_catvnoncat` produce a learnable stand-in in the same
format (drawn pictures of cat-like faces among other shapes, see
:func:`make_synthetic_catvnoncat_images`).
"""
import os
from pathlib import Path

import h5py
import numpy as np

from .atomic import atomic_path

__all__ = [
    "DataError",
    "CLASSES",
    "TRAIN_FILE",
    "TEST_FILE",
    "flatten_images",
    "read_image_file",
    "load_catvnoncat_images",
    "load_catvnoncat",
    "make_synthetic_catvnoncat_images",
    "make_synthetic_catvnoncat",
    "write_synthetic_catvnoncat",
    "load_feature_file",
]

TRAIN_FILE = "train_catvnoncat.h5"
TEST_FILE = "test_catvnoncat.h5"
CLASSES = np.array([b"non-cat", b"cat"], dtype="S7")


class DataError(ValueError):
    """A data file or directory is missing, unreadable or not in the expected format."""


#: A data set larger than this (in bytes, as stored) is refused before it is read: a
#: damaged or hostile header can declare a size that would exhaust memory (the real
#: training images take 2.5 MB).
MAX_DATASET_BYTES = 2**31

#: What h5py and HDF5 raise for files that are not HDF5, truncated or corrupt:
#: OSError mostly, KeyError ("Unable to open object") when an object header is
#: damaged, RuntimeError, ValueError or MemoryError for nonsense in a header.
_HDF5_ERRORS = (OSError, KeyError, RuntimeError, TypeError, ValueError, MemoryError,
                IndexError, OverflowError, AttributeError)


def _display(path) -> str:
    """A path for a one-line message: as is, or quoted when it holds newlines or other control characters."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _as_path(value, what: str) -> Path:
    """``value`` (str or os.PathLike) as a Path; TypeError naming ``what`` otherwise."""
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a path (str or os.PathLike), got {type(value).__name__} {value!r:.60}")
    path = Path(value)
    if "\0" in str(path):
        raise DataError(f"{_display(path)}: not a valid path (it contains a NUL character)")
    return path


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


def _existing_file(path):
    """(path as a Path, its name for messages), after checking that it is an existing file."""
    path = _as_path(path, "path")
    name = _display(path)
    if not path.exists():
        raise DataError(f"{name}: file not found")
    if not path.is_file():
        raise DataError(f"{name}: not a file")
    return path, name


def _unreadable(name, err) -> DataError:
    return DataError(
        f"{name}: cannot read as HDF5 (not an HDF5 file, truncated or corrupt): {err.__class__.__name__}: {err}"
    )


def _read_file(path, prefix=None, require_labels=False, require_classes=False):
    """Read one HDF5 file; returns (images uint8, labels (1, m) or None, classes or None).

    ``prefix`` fixes the keys (``prefix + '_x'``, ``prefix + '_y'``); without it
    the prefix is worked out from the keys present.  All h5py and OS errors are
    turned into DataError.
    """
    path, name = _existing_file(path)
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
            raw_x = _read_dataset(name, f, prefix + "_x")
            raw_y = _read_dataset(name, f, prefix + "_y") if prefix + "_y" in keys else None
            raw_c = _read_dataset(name, f, "list_classes") if "list_classes" in keys else None
    except DataError:
        raise
    except _HDF5_ERRORS as err:
        raise _unreadable(name, err) from None

    images = _check_images(name, raw_x)
    labels = None if raw_y is None else _check_labels(name, raw_y, images.shape[0])
    classes = None if raw_c is None else _check_classes(name, raw_c)
    return images, labels, classes


def _read_dataset(name, f, key):
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
    directory = _as_path(directory, "directory")
    if not directory.exists():
        raise DataError(f"{_display(directory)}: data directory not found")
    if not directory.is_dir():
        raise DataError(f"{_display(directory)}: not a directory")
    missing = [n for n in (TRAIN_FILE, TEST_FILE) if not (directory / n).is_file()]
    if missing:
        raise DataError(f"{_display(directory)}: missing data file(s) {missing}")
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
            f"{_display(directory)}: train images are {train_x.shape[1:]} but test images are "
            f"{test_x.shape[1:]}; they must be the same size"
        )
    if not np.array_equal(train_classes, test_classes):
        raise DataError(
            f"{_display(directory)}: list_classes differs between {TRAIN_FILE} ({train_classes.tolist()}) "
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


# ---------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------

# Palettes (RGB) from which object colours are drawn.  Cats are mostly warm
# (ginger, brown, grey, cream); other objects mostly cool or saturated, with
# grey and brown in both so that colour alone does not decide the class.
_CAT_COLOURS = np.array(
    [[214, 132, 60], [150, 100, 60], [120, 120, 125], [230, 200, 160], [60, 50, 45], [200, 150, 90]],
    dtype=np.float64,
)
_OTHER_COLOURS = np.array(
    [[60, 110, 200], [70, 160, 90], [40, 90, 160], [90, 200, 200], [120, 120, 125], [60, 60, 140]],
    dtype=np.float64,
)


def _draw_set(rng, n, size, cat_fraction):
    """Draw ``n`` images (n, size, size, 3) uint8 and their labels (n,) int64.

    A cat is a round head with two triangular ears and two dark eyes; a
    non-cat is a rectangle, a ring of stripes, or a plain disc (a "head"
    without ears or eyes, the hard negatives).  Everything is jittered in
    position, size and colour and drawn over a noisy two-colour gradient whose
    light is warm for cats and cool otherwise (a strong, easy cue that gets
    gradient descent off its initial plateau within a few hundred iterations).
    The classes overlap: one picture in ten is drawn as the other class (its
    label kept), and about one in eight has its object washed out towards the
    background.  A network therefore generalises well but not perfectly
    (roughly 85-95% test accuracy for the tutorial's network).
    """
    n_cats = int(round(n * cat_fraction))
    labels = np.zeros(n, dtype=np.int64)
    labels[:n_cats] = 1
    labels = rng.permutation(labels)
    # A few pictures look like the other class (the classes overlap).
    looks_cat = (labels == 1) ^ (rng.random(n) < 0.1)

    coords = (np.arange(size) + 0.5) / size  # pixel centres in [0, 1]
    yy = coords[None, :, None]
    xx = coords[None, None, :]

    # Background: a vertical gradient between two random muted colours.
    top = rng.uniform(70, 180, size=(n, 3))
    bottom = rng.uniform(70, 180, size=(n, 3))
    # Cats tend to be photographed indoors in warm light: a class-dependent tint;
    # that overlaps between the classes.
    tint = np.where(looks_cat[:, None], 1.0, -1.0) * np.array([40.0, 0.0, -40.0])
    top += tint
    bottom += tint
    t = coords[None, :, None, None]
    images = top[:, None, None, :] * (1 - t) + bottom[:, None, None, :] * t
    images = np.broadcast_to(images, (n, size, size, 3)).copy()

    # Object geometry.
    cx = rng.uniform(0.4, 0.6, size=n)[:, None, None]
    cy = rng.uniform(0.45, 0.62, size=n)[:, None, None]
    r = rng.uniform(0.26, 0.34, size=n)[:, None, None]

    # Object colour: palette entry plus jitter.
    cat_pick = _CAT_COLOURS[rng.integers(len(_CAT_COLOURS), size=n)]
    other_pick = _OTHER_COLOURS[rng.integers(len(_OTHER_COLOURS), size=n)]
    colour = np.where(looks_cat[:, None], cat_pick, other_pick) + rng.normal(0, 18, size=(n, 3))

    dist2 = (xx - cx) ** 2 + (yy - cy) ** 2
    disc = dist2 <= r**2

    # Cat: ears are triangles whose apex is above the head, left and right.
    ears = np.zeros((n, size, size), dtype=bool)
    for side in (-1.0, 1.0):
        ex = cx + side * 0.6 * r
        apex_y = cy - 1.55 * r
        base_y = cy - 0.5 * r
        frac = (yy - apex_y) / (base_y - apex_y)
        ears |= (frac >= 0) & (frac <= 1) & (np.abs(xx - ex) <= 0.45 * r * frac)
    eyes = np.zeros((n, size, size), dtype=bool)
    for side in (-1.0, 1.0):
        eyes |= (xx - (cx + side * 0.4 * r)) ** 2 + (yy - (cy - 0.15 * r)) ** 2 <= (0.14 * r) ** 2

    # Non-cats: 0 = rectangle, 1 = stripes, 2 = plain disc.
    kind = rng.integers(3, size=n)[:, None, None]
    half_w = r * rng.uniform(0.9, 1.5, size=n)[:, None, None]
    half_h = r * rng.uniform(0.6, 1.3, size=n)[:, None, None]
    rect = (np.abs(xx - cx) <= half_w) & (np.abs(yy - cy) <= half_h)
    stripes = rect & (np.floor((yy - cy) / (0.5 * r)) % 2 == 0)
    other = np.where(kind == 0, rect, np.where(kind == 1, stripes, disc))

    cat_mask = disc | ears
    mask = np.where(looks_cat[:, None, None], cat_mask, other)
    # Objects are not fully opaque; a few are nearly invisible (overlap between classes).
    alpha = rng.uniform(0.75, 1.0, size=n)
    faint = rng.random(n) < 0.12
    alpha[faint] = rng.uniform(0.1, 0.3, size=int(faint.sum()))
    a = mask[..., None] * alpha[:, None, None, None]
    images = images * (1 - a) + colour[:, None, None, :] * a
    # Eyes: dark, only on cats.
    eye_a = (eyes & looks_cat[:, None, None])[..., None] * alpha[:, None, None, None]
    images = images * (1 - eye_a) + 25.0 * eye_a

    images += rng.normal(0, 14, size=images.shape)
    images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return images, labels


def make_synthetic_catvnoncat_images(seed=0, n_train=209, n_test=50, image_size=64, cat_fraction=0.34):
    """A synthetic cat/non-cat data set as raw images; the generator behind the other two.

    Returns ``(train_images, train_y, test_images, test_y, classes)`` in the
    format of :func:`load_catvnoncat_images`: images (m, image_size,
    image_size, 3) uint8, labels (1, m) int64 with ``round(m * cat_fraction)``
    cats, classes ``[b'non-cat', b'cat']``.  The same seed gives the same data.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if int(image_size) != image_size or image_size < 8:
        raise ValueError(f"image_size must be an integer >= 8, got {image_size!r}")
    if not 0.0 <= cat_fraction <= 1.0:
        raise ValueError(f"cat_fraction must lie in [0, 1], got {cat_fraction!r}")
    rng = np.random.default_rng(seed)
    train_images, train_y = _draw_set(rng, int(n_train), int(image_size), cat_fraction)
    test_images, test_y = _draw_set(rng, int(n_test), int(image_size), cat_fraction)
    return train_images, train_y.reshape(1, -1), test_images, test_y.reshape(1, -1), CLASSES.copy()


def make_synthetic_catvnoncat(seed=0, n_train=209, n_test=50, image_size=64, cat_fraction=0.34):
    """A synthetic cat/non-cat data set in the format of :func:`load_catvnoncat`.

    Returns ``(train_x, train_y, test_x, test_y, classes)``: x
    (image_size*image_size*3, m) float64 in [0, 1], y (1, m) int64.  See
    :func:`make_synthetic_catvnoncat_images` for the arguments.
    """
    train_images, train_y, test_images, test_y, classes = make_synthetic_catvnoncat_images(
        seed=seed, n_train=n_train, n_test=n_test, image_size=image_size, cat_fraction=cat_fraction
    )
    return flatten_images(train_images), train_y, flatten_images(test_images), test_y, classes


def _write_h5_atomically(path, datasets):
    """Write ``datasets`` (key -> array) to ``path`` via a temporary file and a rename."""
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for key, value in datasets.items():
                f.create_dataset(key, data=value)


def write_synthetic_catvnoncat(directory, seed=0, n_train=209, n_test=50, image_size=64,
                               cat_fraction=0.34, overwrite=False):
    """Write a synthetic data set as ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    The files have exactly the real files' keys and dtypes (uint8 images,
    int64 labels of shape (m,), ``list_classes`` as ``S7``), so
    :func:`load_catvnoncat` on ``directory`` returns what
    :func:`make_synthetic_catvnoncat` returns for the same arguments.  The
    directory is created if needed.  Each file is written to a temporary file
    beside it and moved into place, so a reader never sees half a file.
    Existing files are left alone (DataError) unless ``overwrite=True``.

    Returns the paths ``(train_path, test_path)``.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise DataError(f"{directory}: not a directory")
    train_path, test_path = directory / TRAIN_FILE, directory / TEST_FILE
    if not overwrite:
        existing = [str(p) for p in (train_path, test_path) if p.exists()]
        if existing:
            raise DataError(f"refusing to overwrite existing file(s) {existing}; pass overwrite=True")
    train_images, train_y, test_images, test_y, classes = make_synthetic_catvnoncat_images(
        seed=seed, n_train=n_train, n_test=n_test, image_size=image_size, cat_fraction=cat_fraction
    )
    directory.mkdir(parents=True, exist_ok=True)
    classes = classes.astype("S7")
    _write_h5_atomically(train_path, {
        "train_set_x": train_images,
        "train_set_y": train_y.reshape(-1).astype(np.int64),
        "list_classes": classes,
    })
    _write_h5_atomically(test_path, {
        "test_set_x": test_images,
        "test_set_y": test_y.reshape(-1).astype(np.int64),
        "list_classes": classes,
    })
    return train_path, test_path


def _check_features(name, key, raw, n=None):
    array = np.asarray(raw)
    if array.ndim != 2 or array.shape[1] == 0:
        raise DataError(f"{name}: '{key}' must be a (features, examples) matrix, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name}: '{key}' holds {array.dtype} values, not numbers")
    if n is not None and array.shape[0] != n:
        raise DataError(f"{name}: '{key}' has {array.shape[0]} features, train_X has {n}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise DataError(f"{name}: '{key}' contains NaN or infinite values")
    return array


def _check_feature_labels(name, key, raw, m):
    array = np.asarray(raw)
    if array.shape not in ((1, m), (m,)):
        raise DataError(f"{name}: '{key}' must have shape (1, {m}) to match the features, got {array.shape}")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name}: '{key}' holds {array.dtype} values, not labels")
    bad = np.setdiff1d(np.unique(array), [0, 1])
    if bad.size:
        raise DataError(f"{name}: '{key}' must hold only the labels 0 and 1, found {bad[:5].tolist()}")
    return array.reshape(1, m).astype(np.int64)


def load_feature_file(path):
    """Read a data set stored as feature matrices (the course's 2-D data sets).

    The HDF5 file holds ``train_X`` (n_x, m) and ``train_Y`` (1, m), and
    optionally ``test_X`` and ``test_Y`` (both or neither). Returns
    ``(train_X, train_Y, test_X, test_Y)``: float64 features, int64 0/1
    labels (1, m); the test pair is ``(None, None)`` when absent. Raises
    DataError naming the file and the problem.
    """
    path, name = _existing_file(path)
    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
            missing = [k for k in ("train_X", "train_Y") if k not in keys]
            if missing:
                raise DataError(f"{name}: missing key(s) {missing}; keys present: {sorted(keys)}")
            if ("test_X" in keys) != ("test_Y" in keys):
                raise DataError(f"{name}: has only one of test_X and test_Y; give both or neither")
            raw = {k: _read_dataset(name, f, k) for k in ("train_X", "train_Y", "test_X", "test_Y") if k in keys}
    except DataError:
        raise
    except _HDF5_ERRORS as err:
        raise _unreadable(name, err) from None
    train_X = _check_features(name, "train_X", raw["train_X"])
    train_Y = _check_feature_labels(name, "train_Y", raw["train_Y"], train_X.shape[1])
    if "test_X" not in raw:
        return train_X, train_Y, None, None
    test_X = _check_features(name, "test_X", raw["test_X"], train_X.shape[0])
    test_Y = _check_feature_labels(name, "test_Y", raw["test_Y"], test_X.shape[1])
    return train_X, train_Y, test_X, test_Y

"""The built-in data: a learnable synthetic stand-in for the cat/non-cat set, in the same format.

Drawn pictures of cat-like faces among other shapes (see
:func:`make_synthetic_catvnoncat_images`), returned as arrays or written as
the course's two HDF5 files, so that everything runs without the real data.
"""
from pathlib import Path

import numpy as np

from ..errors import DataError
from .catvnoncat import CLASSES, TEST_FILE, TRAIN_FILE, flatten_images
from .files import write_h5_atomically

__all__ = ["make_synthetic_catvnoncat_images", "make_synthetic_catvnoncat", "write_synthetic_catvnoncat"]


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
    write_h5_atomically(train_path, {
        "train_set_x": train_images,
        "train_set_y": train_y.reshape(-1).astype(np.int64),
        "list_classes": classes,
    })
    write_h5_atomically(test_path, {
        "test_set_x": test_images,
        "test_set_y": test_y.reshape(-1).astype(np.int64),
        "list_classes": classes,
    })
    return train_path, test_path

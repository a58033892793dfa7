"""The ``predict`` job: classify pictures, folders of pictures and data files with a trained model.

:func:`predict_files` returns one dict per image; ``nets.cli`` prints them.
Pictures are read by :mod:`nets.data.pictures` (size limits, EXIF orientation,
modes, cropping and resampling are described there).
"""
from __future__ import annotations

import math
import os

from ..data import CLASSES, flatten_images, read_image_file
from ..data.files import display_path
from ..data.pictures import FITS, PICTURE_SUFFIXES, is_picture_name, picture_files, read_picture
from ..errors import DataError
from ..model import BinaryClassifier

__all__ = ["HDF5_SUFFIXES", "ERRORS", "model_image_side", "expand_inputs", "predict_files"]

HDF5_SUFFIXES = (".h5", ".hdf5")
#: What :func:`predict_files` does with an input it cannot read: "raise" the
#: error, or "report" it as a row and go on with the other inputs.
ERRORS = ("raise", "report")


def model_image_side(model) -> int:
    """The side of the square RGB pictures the model takes (64 for n_x = 64*64*3)."""
    n_x = model.layer_dims[0]
    side = math.isqrt(n_x // 3)
    if n_x % 3 or side * side * 3 != n_x:
        raise ValueError(
            f"the model's input size {n_x} is not that of a square RGB picture (side*side*3), "
            f"so it cannot classify pictures"
        )
    return side


def expand_inputs(inputs) -> list:
    """``[(path, problem), ...]``: each folder replaced by its pictures (sorted), other paths kept.

    ``problem`` is None, or a :class:`nets.errors.DataError` for a folder
    without pictures (so that a caller can report it in its place).
    """
    expanded = []
    for source in inputs:
        source = os.fspath(source)
        if os.path.isdir(source):
            found = picture_files(source)
            if not found:
                expanded.append((source, DataError(
                    f"{display_path(source)}: the folder holds no pictures "
                    f"({', '.join(PICTURE_SUFFIXES)})"
                )))
            expanded.extend((path, None) for path in found)
        else:
            expanded.append((source, None))
    return expanded


def _row(source, index, p1, classes, truth):
    label = int(p1 > 0.5)
    name = classes[label] if label < len(classes) else str(label)
    return {
        "source": source,
        "index": index,
        "label": label,
        "class": name.decode("utf-8") if isinstance(name, bytes) else str(name),
        "p_cat": float(p1),
        "p": float(p1 if label == 1 else 1.0 - p1),
        "truth": truth,
        "error": None,
    }


def _predict_one(model, source, side, fit) -> list:
    suffix = os.path.splitext(source)[1].lower()
    if suffix in HDF5_SUFFIXES:
        images, labels, file_classes = read_image_file(source)
        classes = CLASSES if file_classes is None else file_classes
        X = flatten_images(images)
        if X.shape[0] != model.layer_dims[0]:
            raise ValueError(
                f"{source}: the images are {images.shape[1]}x{images.shape[2]}x{images.shape[3]} "
                f"({X.shape[0]} values) but the model takes {model.layer_dims[0]} inputs"
            )
        truth = None if labels is None else labels.reshape(-1)
        p_cat = model.predict_proba(X).reshape(-1)
        return [_row(source, i, p, classes, None if truth is None else int(truth[i]))
                for i, p in enumerate(p_cat)]
    if is_picture_name(source):
        X = read_picture(source, side, fit)
        (p,) = model.predict_proba(X).reshape(-1)
        return [_row(source, 0, p, CLASSES, None)]
    raise ValueError(
        f"{display_path(source)}: unknown file type {suffix or '(none)'!r}; expected a picture "
        f"({', '.join(PICTURE_SUFFIXES)}), a folder of pictures or an HDF5 file ({', '.join(HDF5_SUFFIXES)})"
    )


def predict_files(model_path, inputs, fit: str = "crop", errors: str = "raise") -> list:
    """Classify the images in ``inputs``: pictures, folders of pictures, HDF5 files in the catvnoncat format.

    A folder stands for the pictures in it (:func:`nets.data.pictures.picture_files`:
    by suffix, sorted by name, not recursive).  ``fit`` is how a non-square
    picture is made square ("crop" its centre, or "squash" it whole).

    Returns one dict per image: ``source`` (the file), ``index`` (within the
    file; 0 for a picture), ``label`` (0/1), ``class`` (its name), ``p_cat``
    (the probability of class 1), ``p`` (the probability of the predicted
    class), ``truth`` (the file's label, when an HDF5 file has labels, else
    None) and ``error`` (None).  With ``errors="report"`` an input that cannot
    be read gives one row with ``error`` set to the message (and ``index`` and
    the prediction keys None) instead of raising, so that one bad file in a
    folder does not hide the others.  A model that cannot be read always raises.
    """
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    if errors not in ERRORS:
        raise ValueError(f"errors must be one of {ERRORS}, got {errors!r}")
    if not inputs:
        raise ValueError("no input files given")
    model = BinaryClassifier.load(model_path)
    expanded = expand_inputs(inputs)
    # A model that cannot take pictures is the model's problem, not each picture's.
    side = model_image_side(model) if any(is_picture_name(s) for s, _ in expanded) else None
    results = []
    for source, problem in expanded:
        try:
            if problem is not None:
                raise problem
            results.extend(_predict_one(model, source, side, fit))
        except (DataError, ValueError, OSError) as exc:
            if errors == "raise":
                raise
            results.append({"source": source, "index": None, "label": None, "class": None,
                            "p_cat": None, "p": None, "truth": None, "error": str(exc)})
    return results

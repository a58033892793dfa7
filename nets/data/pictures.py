"""Reading a user's own pictures as the network's input, safely.

Pictures come from anywhere (phones, downloads), so every file is treated as
hostile until its header has been checked:

* The size a file declares is checked before any pixel is decoded: more than
  :data:`MAX_PICTURE_PIXELS` is refused (a small PNG can declare 40000 x 40000
  pixels and expand to gigabytes when decoded), and so is anything Pillow
  itself flags as a decompression bomb.
* Only the formats in :data:`PICTURE_FORMATS` are tried: each extra decoder
  is extra attack surface, and these are what photos and web pictures use.
* A large JPEG is decoded at 1/2, 1/4 or 1/8 of its size (Pillow's draft
  mode, done by libjpeg inside its inverse DCT) when it stays at least
  :data:`DRAFT_FACTOR` times larger than the network's input: a 20-megapixel
  photo is then decoded as about 0.3 megapixels.

What the network sees, in this order:

1. the EXIF orientation is applied (phones store pictures sideways and set a tag);
2. the picture becomes 8-bit RGB (see :func:`to_rgb` for every mode);
3. a non-square picture is centre-cropped to a square (``fit="crop"``, the
   default: what people expect from a thumbnail) or squashed whole into the
   square (``fit="squash"``, what the course did);
4. it is resampled to side x side with Lanczos (an antialiasing filter: each
   output pixel is a weighted sum over the whole area it covers, so fur and
   sensor noise are averaged, not sampled). Lanczos kept the predictions
   closest to those of the original 64x64 pictures among Pillow's filters
   (``benchmarks/bench_pictures.py``, ``benchmarks/results/pictures.md``);
5. the 8-bit values are divided by 255, as the training data's were.

Every problem is a :class:`nets.errors.DataError` whose one-line message names
the file; a refused size is a :class:`PictureTooLargeError`.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from ..errors import DataError
from .files import display_path

__all__ = [
    "MAX_PICTURE_PIXELS",
    "PICTURE_FORMATS",
    "PICTURE_SUFFIXES",
    "FITS",
    "PictureTooLargeError",
    "load_picture",
    "read_picture",
    "to_rgb",
    "is_picture_name",
    "picture_files",
]

#: The largest picture read, in pixels (width x height as the file declares
#: them): 50 megapixels, above every phone camera's default (12 to 48 MP).  A
#: PNG this size costs about 150 MB once decoded; a JPEG, thanks to draft mode,
#: a few MB.
MAX_PICTURE_PIXELS = 50_000_000
#: The decoders tried, by Pillow's format names.
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
#: The file names taken as pictures (in a folder, or on the command line).
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
#: How a non-square picture becomes square: "crop" (the centre square, default) or "squash".
FITS = ("crop", "squash")
#: Draft mode keeps a JPEG at least this many times the output side, so that
#: the last reduction is still Lanczos's, not libjpeg's scaled DCT's.  Measured
#: on 20-megapixel photos: within 2 levels and 0.0012 in probability of a full
#: decode, at a quarter of the time and memory (benchmarks/results/pictures.md).
DRAFT_FACTOR = 4
#: Transparent pixels are shown over white, as most picture viewers and web pages do.
BACKGROUND = (255, 255, 255)


class PictureTooLargeError(DataError):
    """The picture declares more pixels than :data:`MAX_PICTURE_PIXELS` (or Pillow's own bomb limit)."""


def _pillow():
    # Imported on first use: the training command never needs it.
    from PIL import Image, ImageOps

    return Image, ImageOps


def to_rgb(image):
    """Any Pillow picture as an 8-bit "RGB" one.

    * "RGB": as is. "1" (black and white), "L" (grey), "P" (palette), "CMYK",
      "YCbCr", "LAB", "HSV": Pillow's conversion ("CMYK" by its plain formula,
      no colour profile; no ICC profile is applied for any mode).
    * 16-bit grey ("I;16*", and "I" as PNG's 16-bit grey is sometimes loaded):
      values 0..65535 are divided by 257 and rounded to 0..255, then grey
      becomes R = G = B.  (Pillow already loads 16-bit colour PNGs as 8-bit
      "RGB", keeping the high byte.)
    * Anything with transparency ("RGBA", "LA", "PA", a palette or colour with a
      transparent entry): composited over white (:data:`BACKGROUND`).
    """
    Image, _ = _pillow()
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        values = np.asarray(image, dtype=np.float64)
        grey = np.rint(np.clip(values, 0, 65535) / 257.0).astype(np.uint8)
        image = Image.fromarray(grey)  # "L"
        mode = "L"
    elif mode == "F":
        # Float pictures have no agreed range; PICTURE_FORMATS never produce them.
        raise ValueError("floating-point pixels (mode F) are not supported")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image if mode == "RGB" else image.convert("RGB")


def _square_box(width: int, height: int, fit: str):
    """The region of the picture that becomes the network's square input."""
    if fit == "squash":
        return (0.0, 0.0, float(width), float(height))
    side = min(width, height)
    # Pillow accepts fractional boxes: an odd difference keeps the crop exactly central.
    left = (width - side) / 2.0
    top = (height - side) / 2.0
    return (left, top, left + side, top + side)


def _check_fit(fit):
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")


def load_picture(path, side: int, fit: str = "crop") -> np.ndarray:
    """A picture file as a (side, side, 3) uint8 array, by the steps in the module docstring."""
    Image, ImageOps = _pillow()
    _check_fit(fit)
    if not (isinstance(side, int) and side >= 1):
        raise ValueError(f"side must be a positive integer, got {side!r}")
    path = os.fspath(path)
    name = display_path(path)
    if not os.path.exists(path):
        raise DataError(f"{name}: file not found")
    if not os.path.isfile(path):
        raise DataError(f"{name}: not a file")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and goes on decoding) between its limit and twice it: make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open(path, "rb") as f, Image.open(f, formats=PICTURE_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PICTURE_PIXELS:
                    raise PictureTooLargeError(
                        f"{name}: the picture declares {width}x{height} pixels "
                        f"({width * height / 1e6:.1f} megapixels); at most {MAX_PICTURE_PIXELS / 1e6:g} "
                        f"megapixels are read (a larger file may be a decompression bomb)"
                    )
                if image.format == "JPEG":
                    image.draft(None, (DRAFT_FACTOR * side, DRAFT_FACTOR * side))
                # exif_transpose decodes the picture, and returns a copy when no rotation is needed.
                upright = ImageOps.exif_transpose(image)
                rgb = to_rgb(upright)
                box = _square_box(*rgb.size, fit)
                small = rgb.resize((side, side), resample=Image.Resampling.LANCZOS, box=box)
                pixels = np.asarray(small, dtype=np.uint8)
    except DataError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PictureTooLargeError(
            f"{name}: refused as a possible decompression bomb: the picture declares more than "
            f"{MAX_PICTURE_PIXELS / 1e6:g} megapixels (Pillow: {exc})"
        ) from None
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except Image.UnidentifiedImageError:
        formats = ", ".join(PICTURE_FORMATS)
        raise DataError(f"{name}: not a picture in a supported format ({formats})") from None
    except PermissionError:
        raise DataError(f"{name}: permission denied") from None
    except MemoryError:
        raise DataError(f"{name}: not enough memory to decode this picture") from None
    # Damaged files reach Pillow's decoders, which raise a variety of errors:
    # truncated data (OSError), bad chunks (SyntaxError, ValueError), short
    # reads (EOFError, struct.error is a subclass of Exception only).
    except Exception as exc:
        raise DataError(f"{name}: cannot read as a picture ({exc.__class__.__name__}: {exc})") from None
    if pixels.shape != (side, side, 3):  # pragma: no cover - Pillow's resize guarantees it
        raise DataError(f"{name}: decoded to an unexpected shape {pixels.shape}")
    return pixels


def read_picture(path, side: int, fit: str = "crop") -> np.ndarray:
    """A picture file as the network's x column: (side*side*3, 1) float64 in [0, 1].

    The column is laid out as :func:`nets.data.flatten_images` lays out a
    training image, so a picture saved from the data set reads back as its column.
    """
    pixels = load_picture(path, side, fit)
    return pixels.reshape(-1, 1) / 255.0


def is_picture_name(path) -> bool:
    """Whether ``path`` is named like a picture (by its suffix, in any case)."""
    return os.path.splitext(os.fspath(path))[1].lower() in PICTURE_SUFFIXES


def picture_files(folder) -> list:
    """The pictures in ``folder`` (by suffix, not hidden, not in sub-folders), sorted by name."""
    folder = os.fspath(folder)
    names = sorted(
        entry.name for entry in os.scandir(folder)
        if not entry.name.startswith(".") and is_picture_name(entry.name) and entry.is_file()
    )
    return [os.path.join(folder, n) for n in names]

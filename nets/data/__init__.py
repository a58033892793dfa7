"""The data the network sees: the course's files, the built-in data, the course's 2-D sets, your pictures.

- :mod:`.catvnoncat`: the course's cat/non-cat HDF5 files, read and checked;
- :mod:`.synthetic`: the built-in stand-in in the same format (no download);
- :mod:`.course2`: the 2-D data sets of the course's next assignments;
- :mod:`.planar`: Course 1 week 3's 2-D "flower" data, built in;
- :mod:`.pictures`: a user's own photos, read safely as the network's input;
- :mod:`.files`: what every reader shares (paths in messages, HDF5 checks).

Every problem with a file is a :class:`nets.errors.DataError` naming the file.
"""
from ..errors import DataError
from .catvnoncat import (CLASSES, TEST_FILE, TRAIN_FILE, flatten_images, load_catvnoncat, load_catvnoncat_images,
                         read_image_file)
from .course2 import load_feature_file
from .files import MAX_DATASET_BYTES
from .planar import make_planar
from .synthetic import make_synthetic_catvnoncat, make_synthetic_catvnoncat_images, write_synthetic_catvnoncat

__all__ = [
    "DataError",
    "CLASSES",
    "TRAIN_FILE",
    "TEST_FILE",
    "MAX_DATASET_BYTES",
    "flatten_images",
    "read_image_file",
    "load_catvnoncat_images",
    "load_catvnoncat",
    "make_synthetic_catvnoncat_images",
    "make_synthetic_catvnoncat",
    "write_synthetic_catvnoncat",
    "load_feature_file",
    "make_planar",
]

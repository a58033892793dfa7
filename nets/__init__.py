"""The tutorial's L-layer binary classifier built on autograd_mini.

- :mod:`nets.model`: the classifier and the parts it is trained with;
- :mod:`nets.data`: the course's files, the built-in data, a user's pictures;
- :mod:`nets.jobs`: one module per command of the ``nets`` command line (:mod:`nets.cli`);
- :mod:`nets.checker`: the learner-code checker behind ``nets audit``;
- :mod:`nets.manual`: the post's and the course's hand-derived code, kept as a test oracle;
- :mod:`nets.sharpness`, :mod:`nets.plots`, :mod:`nets.errors`, and the helpers
  :mod:`nets.validation` and :mod:`nets.atomic`.
"""
from .checker import audit
from .data import DataError, load_catvnoncat, load_catvnoncat_images, make_synthetic_catvnoncat
from .errors import ModelFileError, TrainingDiverged
from .model import SOLVERS, Batch, BinaryClassifier, FitHistory
from .sharpness import sharpness

__all__ = [
    "BinaryClassifier",
    "Batch",
    "DataError",
    "FitHistory",
    "ModelFileError",
    "SOLVERS",
    "TrainingDiverged",
    "audit",
    "load_catvnoncat",
    "load_catvnoncat_images",
    "make_synthetic_catvnoncat",
    "sharpness",
]

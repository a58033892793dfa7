"""The tutorial's L-layer binary classifier built on autograd_mini.

``nets.manual`` keeps the post's hand-derived code as a test oracle.
"""
from .audit import audit
from .data import DataError, load_catvnoncat, load_catvnoncat_images, make_synthetic_catvnoncat
from .model import BinaryClassifier, Batch, FitHistory, ModelFileError, TrainingDiverged
from .sharpness import sharpness
from .solvers import SOLVERS

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

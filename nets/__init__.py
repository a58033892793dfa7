"""The tutorial's L-layer binary classifier built on autograd_mini.

``nets.manual`` keeps the post's hand-derived code as a test oracle.
"""
from .model import BinaryClassifier, Batch, FitHistory, ModelFileError, TrainingDiverged

__all__ = ["BinaryClassifier", "Batch", "FitHistory", "ModelFileError", "TrainingDiverged"]

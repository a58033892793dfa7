"""The classifier and the parts it is trained with.

- :mod:`.classifier`: :class:`BinaryClassifier` (parameters, forward, ``fit``,
  predictions, gradients) and :class:`FitHistory`, what ``fit`` returns;
- :mod:`.options`: ``fit``'s options checked in one place (precisions, costs, decays);
- :mod:`.init`: the weight initialisations, drawn as the tutorial draws them;
- :mod:`.objective`: the training cost as a graph of the parameters (all a solver sees);
- :mod:`.solvers`: how the gradients are computed (backprop, or gram with W1 implicit);
- :mod:`.sampling`: which examples each step sees, and which units dropout keeps;
- :mod:`.modelfile`: the model file format, written and read back in one place.

The update rules (gradient descent, momentum, Adam) are the engine's
(``autograd_mini.optim``): they work on any list of Tensors.
"""
from ..errors import ModelFileError, TrainingDiverged
from .classifier import Batch, BinaryClassifier, FitHistory
from .options import COSTS, DTYPES, check_fit_options
from .solvers import SOLVERS

__all__ = ["Batch", "BinaryClassifier", "COSTS", "DTYPES", "FitHistory", "ModelFileError", "SOLVERS",
           "TrainingDiverged", "check_fit_options"]

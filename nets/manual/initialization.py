"""NOT from the post: the three initialisers of the course's initialisation assignment (Course 2).

``layers_dims`` is ``[n_x, n_1, ..., n_L]``; W[l] has shape (n[l], n[l-1]),
b[l] is zeros of shape (n[l], 1). Draws come from numpy's global generator,
layer by layer, W only (seed it first, as the notebook does with
``np.random.seed(3)``). The audit's stand-ins for that notebook.
"""
import numpy as np

from .application import initialize_parameters_he

__all__ = ["initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he"]


def initialize_parameters_zeros(layers_dims):
    # Every weight zero: the symmetric start the notebook shows to fail.
    return {key: np.zeros(shape) for l in range(1, len(layers_dims))
            for key, shape in (("W" + str(l), (layers_dims[l], layers_dims[l - 1])), ("b" + str(l), (layers_dims[l], 1)))}


def initialize_parameters_random(layers_dims):
    # Large random weights (randn * 10): the notebook's example of a start too large.
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters

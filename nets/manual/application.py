"""NOT from the post: helpers in the style of the course's "Deep Neural Network - Application" notebook.

The training loop ``L_layer_model``, the course's "xavier" initialisation
(``randn / sqrt(n[l-1])``), a He initialisation, ``predict``, and
``pruned_L_model_backward``: the post's backward pass without the gradient
with respect to the input that no one uses. Tests and benchmarks use them as
the hand-derived reference.
"""
import numpy as np

from .week4 import (L_model_backward, L_model_forward, compute_cost, initialize_parameters_deep, relu_backward,
                    sigmoid_backward, update_parameters)

__all__ = ["initialize_parameters_xavier", "initialize_parameters_he", "pruned_L_model_backward", "predict", "L_layer_model"]


def initialize_parameters_xavier(layer_dims):
    """The course application's init: ``W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1])``.

    Not from the post.  Like the post's init functions it draws from numpy's
    global random state, layer by layer, W before b (b is zeros), so that
    ``np.random.seed(1)`` then this function gives the course's numbers.
    """
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def initialize_parameters_he(layer_dims):
    """He init: ``W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1])``; not from the post.

    Same drawing order and global random state as the other init functions.
    """
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2.0 / layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


_INITIALIZERS = {
    "small": initialize_parameters_deep,
    "xavier": initialize_parameters_xavier,
    "he": initialize_parameters_he,
}


def pruned_L_model_backward(AL, Y, caches):
    """``L_model_backward`` (with the fix) minus the one product nobody uses.

    Not from the post.  The post's backward pass also computes
    ``dA0 = W1.T @ dZ1``, the gradient with respect to the input X; gradient
    descent never needs it and for the cat data it is the largest product of
    the pass (12288 x m).  This function returns the same ``dW``/``db`` for
    every layer and the same ``dA1 ... dA(L-1)``, but no ``"dA0"`` key.  The
    benchmarks use it as "the post's code without the unneeded dA0", the fair
    hand-written baseline for an autodiff engine that skips gradients of data.
    """
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))

    for l in reversed(range(L)):
        (A_prev, W, b), Z = caches[l]
        if l == L - 1:
            dZ = sigmoid_backward(dA, Z)
        else:
            dZ = relu_backward(dA, Z)
        m = A_prev.shape[1]
        grads["dW" + str(l + 1)] = 1 / m * dZ @ A_prev.T
        grads["db" + str(l + 1)] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 0:
            dA = W.T @ dZ
            grads["dA" + str(l)] = dA
    return grads


def predict(X, parameters):
    """0/1 predictions (shape (1, m), int64) of the network: 1 where AL > 0.5. Not from the post."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(np.int64)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False,
                  init="small"):
    """Gradient-descent training loop in the style of the course's ``L_layer_model``.

    Not from the post.  Seeds numpy's global random state with
    ``np.random.seed(1)``, initialises with ``init`` ("small": the post's
    ``initialize_parameters_deep``; "xavier": ``initialize_parameters_xavier``,
    the course application's; "he": ``initialize_parameters_he``), then for each
    iteration runs ``L_model_forward``, ``compute_cost``, ``L_model_backward`` and
    ``update_parameters``.

    Returns ``(parameters, costs)`` where ``costs`` is a list of
    ``(iteration, cost)`` pairs recorded at every iteration divisible by 100 and
    at the last iteration (the course meant to record the last one too, but its
    test ``i == num_iterations`` never holds).  The cost at iteration ``i`` is
    the cost *before* that iteration's update.
    """
    try:
        initializer = _INITIALIZERS[init]
    except KeyError:
        raise ValueError(f"init must be one of {sorted(_INITIALIZERS)}, not {init!r}") from None

    np.random.seed(1)
    parameters = initializer(layers_dims)
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = float(compute_cost(AL, Y))
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 100 == 0 or i == num_iterations - 1:
            costs.append((i, cost))
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
    return parameters, costs




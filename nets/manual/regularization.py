"""NOT from the post: the course's regularisation assignment (Course 2) in its own 3-layer form.

The network is LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID with the
parameters W1..W3, b1..b3, in the conventions of that notebook and its
``reg_utils`` helpers (which differ from the post's):

- ``sigmoid(x)`` and ``relu(x)`` return the activation only, no cache;
- ``forward_propagation(X, parameters)`` returns ``(A3, cache)`` with the cache
  the flat tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``;
- the dropout forward returns the masks in the cache too:
  ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``, ``D1`` drawn
  before ``D2``, each ``np.random.rand(*A.shape) < keep_prob`` from numpy's
  global generator (the notebook seeds it first; so does the audit);
- the backward functions take ``(X, Y, cache, ...)`` and return a dictionary
  with ``dW1``..``dW3``, ``db1``..``db3`` (the cost's gradients) and the
  intermediate ``dZ``/``dA`` arrays.

The audit's stand-ins for a learner of that notebook, and what its checks of
those functions are run against in the tests (itself checked there against
autodiff).
"""
import numpy as np

__all__ = ["sigmoid", "relu", "forward_propagation", "backward_propagation", "compute_cost",
           "compute_cost_with_regularization", "backward_propagation_with_regularization",
           "forward_propagation_with_dropout", "backward_propagation_with_dropout"]


def sigmoid(x):
    # Computed through exp(-|x|), so that no input overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def relu(x):
    return np.maximum(0, x)


def _layers(parameters):
    return [(parameters["W" + str(l)], parameters["b" + str(l)]) for l in (1, 2, 3)]


def forward_propagation(X, parameters):
    (W1, b1), (W2, b2), (W3, b3) = _layers(parameters)
    Z1 = W1 @ X + b1
    A1 = relu(Z1)
    Z2 = W2 @ A1 + b2
    A2 = relu(Z2)
    Z3 = W3 @ A2 + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def compute_cost(a3, Y):
    # The mean cross-entropy.
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m)


def _backward(X, Y, Z1, A1, W1, Z2, A2, W2, A3, W3, lambd=0.0, D1=None, D2=None, keep_prob=1.0):
    # dZ3 = A3 - Y is m times the cost's gradient in Z3; the 1/m is applied at dW and db.
    m = X.shape[1]
    grads = {}
    dZ3 = A3 - Y
    grads["dZ3"] = dZ3
    grads["dW3"] = dZ3 @ A2.T / m + lambd / m * W3
    grads["db3"] = np.sum(dZ3, axis=1, keepdims=True) / m
    dA2 = W3.T @ dZ3
    if D2 is not None:
        dA2 = dA2 * D2 / keep_prob
    grads["dA2"] = dA2
    dZ2 = dA2 * (A2 > 0)
    grads["dZ2"] = dZ2
    grads["dW2"] = dZ2 @ A1.T / m + lambd / m * W2
    grads["db2"] = np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    if D1 is not None:
        dA1 = dA1 * D1 / keep_prob
    grads["dA1"] = dA1
    dZ1 = dA1 * (A1 > 0)
    grads["dZ1"] = dZ1
    grads["dW1"] = dZ1 @ X.T / m + lambd / m * W1
    grads["db1"] = np.sum(dZ1, axis=1, keepdims=True) / m
    return grads


def backward_propagation(X, Y, cache):
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    return _backward(X, Y, Z1, A1, W1, Z2, A2, W2, A3, W3)


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    # Cross-entropy plus (lambd / (2 m)) * (||W1||^2 + ||W2||^2 + ||W3||^2).
    m = Y.shape[1]
    squares = sum(float(np.sum(W * W)) for W, _ in _layers(parameters))
    return compute_cost(A3, Y) + lambd / (2 * m) * squares


def backward_propagation_with_regularization(X, Y, cache, lambd):
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    return _backward(X, Y, Z1, A1, W1, Z2, A2, W2, A3, W3, lambd=lambd)


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    # Inverted dropout on the two hidden layers' activations: D1 is drawn before D2.
    (W1, b1), (W2, b2), (W3, b3) = _layers(parameters)
    Z1 = W1 @ X + b1
    A1 = relu(Z1)
    D1 = (np.random.rand(*A1.shape) < keep_prob).astype(int)
    A1 = A1 * D1 / keep_prob
    Z2 = W2 @ A1 + b2
    A2 = relu(Z2)
    D2 = (np.random.rand(*A2.shape) < keep_prob).astype(int)
    A2 = A2 * D2 / keep_prob
    Z3 = W3 @ A2 + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    return _backward(X, Y, Z1, A1, W1, Z2, A2, W2, A3, W3, D1=D1, D2=D2, keep_prob=keep_prob)

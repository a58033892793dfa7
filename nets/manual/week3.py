"""NOT from the post: Course 1 week 3, "Planar data classification with one hidden layer", hand-derived.

The course's functions in its names, signatures and return conventions: a
``[n_x, n_h, n_y]`` network with a tanh hidden layer and a sigmoid output;
``initialize_parameters(n_x, n_h, n_y)`` seeds numpy's *global* generator with 2
and draws ``W1`` then ``W2`` as ``randn * 0.01`` (biases zero), as the course
does; ``forward_propagation`` returns ``(A2, cache)`` with
``cache = {"Z1", "A1", "Z2", "A2"}``; ``compute_cost(A2, Y)`` returns a float;
``backward_propagation(parameters, cache, X, Y)`` uses
``dZ1 = W2^T dZ2 * (1 - A1^2)`` (tanh's derivative from its saved output);
``update_parameters(parameters, grads, learning_rate=1.2)``;
``predict(parameters, X)`` returns a boolean ``(1, m)`` array.

Reached as ``nets.manual.week3.<name>``: ``initialize_parameters``,
``compute_cost``, ``update_parameters`` and ``predict`` have other meanings or
signatures in ``nets.manual`` (weeks 4 and the application), so none is
re-exported there. The oracle of ``BinaryClassifier([n_x, n_h, 1],
hidden_activation="tanh")``; checked on its own by finite differences in
``tests/test_manual_week2_week3.py``.
"""
import copy

import numpy as np

__all__ = ["sigmoid", "layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
           "backward_propagation", "update_parameters", "nn_model", "predict"]


def sigmoid(x):
    # The course's planar_utils.sigmoid: returns s only.
    s = 1 / (1 + np.exp(-x))
    return s


def layer_sizes(X, Y):
    # Returns:
    # n_x -- the size of the input layer
    # n_h -- the size of the hidden layer (4, hard-coded as in the course)
    # n_y -- the size of the output layer
    n_x = X.shape[0]
    n_h = 4
    n_y = Y.shape[0]
    return (n_x, n_h, n_y)


def initialize_parameters(n_x, n_h, n_y):
    # Returns:
    # params -- python dictionary containing your parameters:
    #   W1 -- weight matrix of shape (n_h, n_x)
    #   b1 -- bias vector of shape (n_h, 1)
    #   W2 -- weight matrix of shape (n_y, n_h)
    #   b2 -- bias vector of shape (n_y, 1)
    np.random.seed(2)  # the course's seed, so that the output matches its printed numbers
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


def forward_propagation(X, parameters):
    # Returns:
    # A2 -- the sigmoid output of the second activation
    # cache -- a dictionary containing "Z1", "A1", "Z2" and "A2"
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    assert A2.shape == (1, X.shape[1])
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    # Computes the cross-entropy cost
    # Returns:
    # cost -- cross-entropy cost, a float
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), (1 - Y))
    cost = -1 / m * np.sum(logprobs)
    cost = float(np.squeeze(cost))
    return cost


def backward_propagation(parameters, cache, X, Y):
    # Implement the backward propagation
    # Returns:
    # grads -- python dictionary containing the gradients "dW1", "db1", "dW2", "db2"
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    # tanh'(Z1) = 1 - tanh(Z1)^2 = 1 - A1^2, from the saved output
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads


def update_parameters(parameters, grads, learning_rate=1.2):
    # Updates parameters using the gradient descent update rule; the input is left untouched.
    W1 = copy.deepcopy(parameters["W1"])
    b1 = copy.deepcopy(parameters["b1"])
    W2 = copy.deepcopy(parameters["W2"])
    b2 = copy.deepcopy(parameters["b2"])
    W1 = W1 - learning_rate * grads["dW1"]
    b1 = b1 - learning_rate * grads["db1"]
    W2 = W2 - learning_rate * grads["dW2"]
    b2 = b2 - learning_rate * grads["db2"]
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False, learning_rate=1.2, costs=None):
    # Returns:
    # parameters -- parameters learnt by the model. They can then be used to predict.
    # Two keywords the course does not have, both defaulting to its behaviour:
    # learning_rate (the course relies on update_parameters' default 1.2) and
    # costs (a list that, when given, receives (i, cost) every 1000 iterations,
    # the values the course prints).
    np.random.seed(3)  # the course's; initialize_parameters reseeds with 2
    n_x = layer_sizes(X, Y)[0]
    n_y = layer_sizes(X, Y)[2]
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(0, num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 1000 == 0:
            if costs is not None:
                costs.append((i, cost))
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def predict(parameters, X):
    # Using the learned parameters, predicts a class for each example in X
    # Returns:
    # predictions -- vector of predictions of our model (red: 0 / blue: 1), booleans
    A2, cache = forward_propagation(X, parameters)
    predictions = (A2 > 0.5)
    return predictions

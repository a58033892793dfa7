"""NOT from the post: Course 1 week 2, "Logistic Regression with a Neural Network mindset", hand-derived.

The course's functions in its names, signatures and return conventions: ``sigmoid``
returns only ``s`` (not ``(A, cache)`` as in week 4), ``w`` is a column ``(dim, 1)``
and ``b`` a Python float, ``propagate`` returns ``(grads, cost)`` with
``grads = {"dw", "db"}``, ``optimize`` records the cost every 100 iterations and
returns ``(params, grads, costs)``, ``predict(w, b, X)`` returns a float
``(1, m)`` array of 0s and 1s, ``model`` returns the course's dictionary.

Reached as ``nets.manual.week2.<name>``: several names (``sigmoid``, ``predict``)
mean something else in week 4, so they are not re-exported into ``nets.manual``.
The oracle of ``BinaryClassifier([n_x, 1], init="zeros")``; checked on its own by
finite differences in ``tests/test_manual_week2_week3.py``.
"""
import copy

import numpy as np

__all__ = ["sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model"]


def sigmoid(z):
    # Compute the sigmoid of z
    # Arguments:
    # z -- A scalar or numpy array of any size.
    # Return:
    # s -- sigmoid(z)
    s = 1 / (1 + np.exp(-z))
    return s


def initialize_with_zeros(dim):
    # This function creates a vector of zeros of shape (dim, 1) for w and initializes b to 0.
    # Returns:
    # w -- initialized vector of shape (dim, 1)
    # b -- initialized scalar (corresponds to the bias) of type float
    w = np.zeros((dim, 1))
    b = 0.0
    return w, b


def propagate(w, b, X, Y):
    # Implement the cost function and its gradient for the propagation
    # Arguments:
    # w -- weights, a numpy array of size (num_px * num_px * 3, 1)
    # b -- bias, a scalar
    # X -- data of size (num_px * num_px * 3, number of examples)
    # Y -- true "label" vector (0 if non-cat, 1 if cat) of size (1, number of examples)
    # Return:
    # grads -- dictionary containing the gradients "dw" (same shape as w) and "db" (like b)
    # cost -- negative log-likelihood cost for logistic regression
    m = X.shape[1]

    # FORWARD PROPAGATION (FROM X TO COST)
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))

    # BACKWARD PROPAGATION (TO FIND GRAD)
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)

    cost = np.squeeze(np.array(cost))
    grads = {"dw": dw, "db": db}
    return grads, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    # This function optimizes w and b by running a gradient descent algorithm
    # Returns:
    # params -- dictionary containing the weights w and bias b
    # grads -- dictionary containing the gradients of the last step's w and b
    # costs -- list of all the costs computed during the optimization (every 100 iterations)
    w = copy.deepcopy(w)
    b = copy.deepcopy(b)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        # Record the costs (the cost of the parameters before step i)
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


def predict(w, b, X):
    # Predict whether the label is 0 or 1 using learned logistic regression parameters (w, b)
    # Returns:
    # Y_prediction -- a numpy array (vector) containing all predictions (0/1) for the examples in X
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[1]):
        # Convert probabilities A[0, i] to actual predictions p[0, i]
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
    return Y_prediction


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    # Builds the logistic regression model by calling the functions above
    # Returns:
    # d -- dictionary containing information about the model.
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print("train accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
        print("test accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100))
    d = {"costs": costs,
         "Y_prediction_test": Y_prediction_test,
         "Y_prediction_train": Y_prediction_train,
         "w": w,
         "b": b,
         "learning_rate": learning_rate,
         "num_iterations": num_iterations}
    return d

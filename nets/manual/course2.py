"""NOT from the post: the hand-derived code of the course's next assignments ("Improving Deep Neural Networks").

L2 regularisation, inverted dropout, momentum, Adam, mini-batches and
learning-rate decay, written in the course's style and names, generalised from
its 3-layer functions to L layers with the post's cache layout. The test oracle
of ``fit``'s l2, keep_prob, optimizer, batch_size and decay options, itself
checked by finite differences and hand-worked cases
(``tests/test_manual_course2.py``).
"""
import numpy as np

from .week4 import L_model_backward, compute_cost, linear_activation_backward, linear_activation_forward

__all__ = ["compute_cost_with_regularization", "L_model_backward_with_regularization", "L_model_forward_with_dropout", "L_model_backward_with_dropout", "update_parameters_with_gd", "initialize_velocity", "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam", "random_mini_batches", "update_lr", "schedule_lr_decay"]


def compute_cost_with_regularization(AL, Y, parameters, lambd):
    # Cross-entropy plus the L2 penalty (lambd / (2 m)) * sum over layers of ||W[l]||_F^2.
    # Arguments:
    # AL -- probabilities of the output layer, shape (1, m)
    # Y -- labels, shape (1, m)
    # parameters -- dictionary with "W1", "b1", ..., "WL", "bL"
    # lambd -- the regularisation strength lambda
    m = Y.shape[1]
    L = len(parameters) // 2
    cross_entropy_cost = compute_cost(AL, Y)
    squares = np.sum(np.square(parameters["W1"]))
    for l in range(2, L + 1):
        squares = squares + np.sum(np.square(parameters["W" + str(l)]))
    # The course's order of operations: (1/m) * (lambd/2) * (sum of squares).
    L2_regularization_cost = (1 / m) * (lambd / 2) * squares
    return cross_entropy_cost + L2_regularization_cost


def L_model_backward_with_regularization(AL, Y, caches, lambd):
    # The backward pass of the regularised cost: L_model_backward's gradients,
    # with lambd / m * W[l] added to every dW[l] (the derivative of the penalty).
    m = AL.shape[1]
    grads = L_model_backward(AL, Y, caches)
    for l in range(len(caches)):
        (_, W, _), _ = caches[l]
        grads["dW" + str(l + 1)] = grads["dW" + str(l + 1)] + lambd / m * W
    return grads


def L_model_forward_with_dropout(X, parameters, keep_prob, rng=None):
    # L_model_forward with inverted dropout on every hidden layer's activation
    # (never on the input X, never on the output AL):
    #     D = rand(A.shape) < keep_prob;  A = A * D;  A = A / keep_prob
    # rng -- a np.random.RandomState the masks are drawn from, layer by layer
    #        (None: numpy's global random state, as the course does after np.random.seed(1)).
    # Returns AL and caches, where caches[l] = ((A_prev, W, b), Z, D), D None for the last layer.
    rand = np.random.rand if rng is None else rng.rand
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        A, (linear_cache, Z) = linear_activation_forward(A_prev, W, b, "relu")
        D = rand(A.shape[0], A.shape[1])
        D = (D < keep_prob).astype(int)
        A = A * D
        A = A / keep_prob
        caches.append((linear_cache, Z, D))
    W, b = parameters["W" + str(L)], parameters["b" + str(L)]
    AL, (linear_cache, Z) = linear_activation_forward(A, W, b, "sigmoid")
    caches.append((linear_cache, Z, None))
    return AL, caches


def L_model_backward_with_dropout(AL, Y, caches, keep_prob):
    # The backward pass through L_model_forward_with_dropout: the gradient
    # arriving at a dropped-out activation goes through the same mask and the
    # same 1/keep_prob scaling as the activation did:  dA = dA * D;  dA = dA / keep_prob
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(L)):
        linear_cache, Z, D = caches[l]
        if D is not None:
            dA = dA * D
            dA = dA / keep_prob
        activation = "sigmoid" if l == L - 1 else "relu"
        dA_prev, dW, db = linear_activation_backward(dA, (linear_cache, Z), activation)
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
        dA = dA_prev
    return grads


def update_parameters_with_gd(parameters, grads, learning_rate):
    # One gradient-descent step: W = W - learning_rate * dW (and b alike), new arrays.
    parameters = parameters.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def initialize_velocity(parameters):
    # v["dW1"], v["db1"], ...: zeros of the parameters' shapes.
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    # Momentum (an exponentially weighted average of the gradients, no bias correction):
    #     v = beta * v + (1 - beta) * g;   W = W - learning_rate * v
    # Returns the new parameters and velocities (new dictionaries; the arguments are not changed).
    parameters, v = parameters.copy(), v.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in ("W" + str(l), "b" + str(l)):
            v["d" + name] = beta * v["d" + name] + (1 - beta) * grads["d" + name]
            parameters[name] = parameters[name] - learning_rate * v["d" + name]
    return parameters, v


def initialize_adam(parameters):
    # v (first moments) and s (second moments): zeros of the parameters' shapes.
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    # Adam, step number t (counting from 1, across epochs):
    #     v = beta1 v + (1 - beta1) g          v_corrected = v / (1 - beta1^t)
    #     s = beta2 s + (1 - beta2) g^2        s_corrected = s / (1 - beta2^t)
    #     W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)
    # epsilon is outside the square root, as in the course.  Returns (parameters, v, s).
    parameters, v, s = parameters.copy(), v.copy(), s.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in ("W" + str(l), "b" + str(l)):
            g = grads["d" + name]
            v["d" + name] = beta1 * v["d" + name] + (1 - beta1) * g
            v_corrected = v["d" + name] / (1 - beta1 ** t)
            s["d" + name] = beta2 * s["d" + name] + (1 - beta2) * np.square(g)
            s_corrected = s["d" + name] / (1 - beta2 ** t)
            parameters[name] = parameters[name] - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return parameters, v, s


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    # Shuffle the columns of (X, Y) with np.random.seed(seed); np.random.permutation(m)
    # (the course's convention), then cut them into batches of mini_batch_size
    # columns, the last one smaller when m is not a multiple.
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))
    mini_batches = []
    for k in range(0, m, mini_batch_size):
        mini_batches.append((shuffled_X[:, k:k + mini_batch_size], shuffled_Y[:, k:k + mini_batch_size]))
    return mini_batches


def update_lr(learning_rate0, epoch_num, decay_rate):
    # Inverse-time decay: learning_rate0 / (1 + decay_rate * epoch_num).
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    # Inverse-time decay in steps: the rate changes only every time_interval epochs.
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))

"""Learner-style files for the audit's tests, written for these tests from the course's published
signatures and conventions (no one's solutions): each correct one, and mutations each making one of
the mistakes learners make. ``MUTATIONS[name] = (file, old, new, culprit, words)``: ``old`` occurs
exactly once in the file; ``culprit`` must be the one function found wrong, its diagnosis (or
error) containing ``words`` (None: only the verdict is checked)."""
import textwrap

# Course 1 week 4 in the shape of the notebook, with the helpers coming from dnn_utils (absent here:
# the import fails, so the audit's stand-ins take their place), the earlier notebooks' gradient keys,
# the application utilities' 1/sqrt(n_prev) initialisation and the course's seeds inside.
WEEK4 = textwrap.dedent('''
    import numpy as np
    import copy

    def initialize_parameters(n_x, n_h, n_y):
        np.random.seed(1)
        W1 = np.random.randn(n_h, n_x) * 0.01
        b1 = np.zeros((n_h, 1))
        W2 = np.random.randn(n_y, n_h) * 0.01
        b2 = np.zeros((n_y, 1))
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    def initialize_parameters_deep(layer_dims):
        np.random.seed(3)
        parameters = {}
        for l in range(1, len(layer_dims)):
            parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
            parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
        return parameters

    def linear_forward(A, W, b):
        Z = W.dot(A) + b
        return Z, (A, W, b)

    def linear_activation_forward(A_prev, W, b, activation):
        Z, linear_cache = linear_forward(A_prev, W, b)
        if activation == "sigmoid":
            A, activation_cache = sigmoid(Z)
        elif activation == "relu":
            A, activation_cache = relu(Z)
        return A, (linear_cache, activation_cache)

    def L_model_forward(X, parameters):
        caches = []
        A = X
        L = len(parameters) // 2
        for l in range(1, L):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
            caches.append(cache)
        AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
        caches.append(cache)
        return AL, caches

    def compute_cost(AL, Y):
        m = Y.shape[1]
        cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
        return np.squeeze(cost)

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = 1 / m * np.dot(dZ, A_prev.T)
        db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        dA_prev = np.dot(W.T, dZ)
        return dA_prev, dW, db

    def linear_activation_backward(dA, cache, activation):
        linear_cache, activation_cache = cache
        if activation == "relu":
            dZ = relu_backward(dA, activation_cache)
        elif activation == "sigmoid":
            dZ = sigmoid_backward(dA, activation_cache)
        return linear_backward(dZ, linear_cache)

    def L_model_backward(AL, Y, caches):
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        current_cache = caches[L - 1]
        grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(
            dAL, current_cache, "sigmoid")
        for l in reversed(range(L - 1)):
            current_cache = caches[l]
            dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 2)], current_cache, "relu")
            grads["dA" + str(l + 1)] = dA_prev_temp
            grads["dW" + str(l + 1)] = dW_temp
            grads["db" + str(l + 1)] = db_temp
        return grads

    def update_parameters(params, grads, learning_rate):
        parameters = copy.deepcopy(params)
        L = len(parameters) // 2
        for l in range(L):
            parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
            parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
        return parameters
''')

# The same with today's key convention and the post's 0.01, for the mistakes that need it.
WEEK4_TODAY = (WEEK4
               .replace('grads["dA" + str(L)], grads["dW" + str(L)]', 'grads["dA" + str(L - 1)], grads["dW" + str(L)]')
               .replace('grads["dA" + str(l + 2)], current_cache, "relu"', 'grads["dA" + str(l + 1)], current_cache, "relu"')
               .replace('grads["dA" + str(l + 1)] = dA_prev_temp', 'grads["dA" + str(l)] = dA_prev_temp')
               .replace("/ np.sqrt(layer_dims[l - 1])", "* 0.01"))

# Course 2, initialisation: the notebook's three initialisers (seed 3 inside, as published).
INIT = textwrap.dedent('''
    import numpy as np

    def initialize_parameters_zeros(layers_dims):
        parameters = {}
        for l in range(1, len(layers_dims)):
            parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
            parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
        return parameters

    def initialize_parameters_random(layers_dims):
        np.random.seed(3)
        parameters = {}
        L = len(layers_dims)
        for l in range(1, L):
            parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
            parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
        return parameters

    def initialize_parameters_he(layers_dims):
        np.random.seed(3)
        parameters = {}
        L = len(layers_dims) - 1
        for l in range(1, L + 1):
            parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2. / layers_dims[l - 1])
            parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
        return parameters
''')

# Course 2, regularisation: the notebook's 3-layer functions; sigmoid, relu, forward_propagation,
# compute_cost come from reg_utils (not here: the import fails and the audit stands in).
REGULARIZATION = textwrap.dedent('''
    import numpy as np
    from reg_utils import sigmoid, relu, compute_cost, forward_propagation

    def compute_cost_with_regularization(A3, Y, parameters, lambd):
        m = Y.shape[1]
        W1 = parameters["W1"]
        W2 = parameters["W2"]
        W3 = parameters["W3"]
        cross_entropy_cost = compute_cost(A3, Y)
        L2_regularization_cost = (1. / m) * (lambd / 2) * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))
        return cross_entropy_cost + L2_regularization_cost

    def backward_propagation_with_regularization(X, Y, cache, lambd):
        m = X.shape[1]
        (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
        dZ3 = A3 - Y
        dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd / m) * W3
        db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
        dA2 = np.dot(W3.T, dZ3)
        dZ2 = np.multiply(dA2, np.int64(A2 > 0))
        dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd / m) * W2
        db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = np.dot(W2.T, dZ2)
        dZ1 = np.multiply(dA1, np.int64(A1 > 0))
        dW1 = 1. / m * np.dot(dZ1, X.T) + (lambd / m) * W1
        db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
        return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}

    def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
        np.random.seed(1)
        W1, b1 = parameters["W1"], parameters["b1"]
        W2, b2 = parameters["W2"], parameters["b2"]
        W3, b3 = parameters["W3"], parameters["b3"]
        Z1 = np.dot(W1, X) + b1
        A1 = relu(Z1)
        D1 = np.random.rand(A1.shape[0], A1.shape[1])
        D1 = (D1 < keep_prob).astype(int)
        A1 = A1 * D1
        A1 = A1 / keep_prob
        Z2 = np.dot(W2, A1) + b2
        A2 = relu(Z2)
        D2 = np.random.rand(A2.shape[0], A2.shape[1])
        D2 = (D2 < keep_prob).astype(int)
        A2 = A2 * D2
        A2 = A2 / keep_prob
        Z3 = np.dot(W3, A2) + b3
        A3 = sigmoid(Z3)
        cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
        return A3, cache

    def backward_propagation_with_dropout(X, Y, cache, keep_prob):
        m = X.shape[1]
        (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
        dZ3 = A3 - Y
        dW3 = 1. / m * np.dot(dZ3, A2.T)
        db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
        dA2 = np.dot(W3.T, dZ3)
        dA2 = dA2 * D2
        dA2 = dA2 / keep_prob
        dZ2 = np.multiply(dA2, np.int64(A2 > 0))
        dW2 = 1. / m * np.dot(dZ2, A1.T)
        db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = np.dot(W2.T, dZ2)
        dA1 = dA1 * D1
        dA1 = dA1 / keep_prob
        dZ1 = np.multiply(dA1, np.int64(A1 > 0))
        dW1 = 1. / m * np.dot(dZ1, X.T)
        db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
        return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
''').replace("from reg_utils import sigmoid, relu, compute_cost, forward_propagation\n", "")

# reg_utils' own helpers, written into the learner's file (they return A only).
REG_UTILS = textwrap.dedent('''
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def relu(x):
        return np.maximum(0, x)

    def compute_cost(a3, Y):
        m = Y.shape[1]
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
        return 1. / m * np.nansum(logprobs)

    def forward_propagation(X, parameters):
        W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        z1 = np.dot(W1, X) + b1
        a1 = relu(z1)
        z2 = np.dot(W2, a1) + b2
        a2 = relu(z2)
        z3 = np.dot(W3, a2) + b3
        a3 = sigmoid(z3)
        return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)

    def backward_propagation(X, Y, cache):
        m = X.shape[1]
        (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
        dz3 = 1. / m * (a3 - Y)
        dW3 = np.dot(dz3, a2.T)
        db3 = np.sum(dz3, axis=1, keepdims=True)
        da2 = np.dot(W3.T, dz3)
        dz2 = np.multiply(da2, np.int64(a2 > 0))
        dW2 = np.dot(dz2, a1.T)
        db2 = np.sum(dz2, axis=1, keepdims=True)
        da1 = np.dot(W2.T, dz2)
        dz1 = np.multiply(da1, np.int64(a1 > 0))
        dW1 = np.dot(dz1, X.T)
        db1 = np.sum(dz1, axis=1, keepdims=True)
        return {"dz3": dz3, "dW3": dW3, "db3": db3, "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
                "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}
''')

# Course 2, optimisation, the 2021+ notebook: Adam returns five values; math imported for floor.
OPTIMIZATION = textwrap.dedent('''
    import numpy as np
    import math

    def update_parameters_with_gd(parameters, grads, learning_rate):
        L = len(parameters) // 2
        for l in range(1, L + 1):
            parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
            parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
        return parameters

    def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
        np.random.seed(seed)
        m = X.shape[1]
        mini_batches = []
        permutation = list(np.random.permutation(m))
        shuffled_X = X[:, permutation]
        shuffled_Y = Y[:, permutation].reshape((1, m))
        num_complete_minibatches = math.floor(m / mini_batch_size)
        for k in range(0, num_complete_minibatches):
            mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
            mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
            mini_batches.append((mini_batch_X, mini_batch_Y))
        if m % mini_batch_size != 0:
            last = int(m / mini_batch_size) * mini_batch_size
            mini_batches.append((shuffled_X[:, last:], shuffled_Y[:, last:]))
        return mini_batches

    def initialize_velocity(parameters):
        L = len(parameters) // 2
        v = {}
        for l in range(1, L + 1):
            v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
            v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
        return v

    def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
        L = len(parameters) // 2
        for l in range(1, L + 1):
            v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]
            v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads["db" + str(l)]
            parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
            parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
        return parameters, v

    def initialize_adam(parameters):
        L = len(parameters) // 2
        v, s = {}, {}
        for l in range(1, L + 1):
            for p in ("W", "b"):
                v["d" + p + str(l)] = np.zeros_like(parameters[p + str(l)])
                s["d" + p + str(l)] = np.zeros_like(parameters[p + str(l)])
        return v, s

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                    beta1=0.9, beta2=0.999, epsilon=1e-8):
        L = len(parameters) // 2
        v_corrected, s_corrected = {}, {}
        for l in range(1, L + 1):
            for p in ("W", "b"):
                key = "d" + p + str(l)
                v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
                v_corrected[key] = v[key] / (1 - np.power(beta1, t))
                s[key] = beta2 * s[key] + (1 - beta2) * np.power(grads[key], 2)
                s_corrected[key] = s[key] / (1 - np.power(beta2, t))
                parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v_corrected[key] / (
                    np.sqrt(s_corrected[key]) + epsilon)
        return parameters, v, s, v_corrected, s_corrected

    def update_lr(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 / (1 + decay_rate * epoch_num)

    def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))
''')

CORRECT_FILES = {"week4": WEEK4, "week4_today": WEEK4_TODAY, "initialization": INIT,
                 "regularization": REGULARIZATION, "regularization_with_reg_utils": REGULARIZATION + REG_UTILS,
                 "optimization": OPTIMIZATION}

MUTATIONS = {
    # Course 1 week 4
    "init_deep_0.001": ("week4_today", "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01",
                        "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.001",
                        "initialize_parameters_deep", "scales W1's draws by 0.001"),
    "init_2layer_zeros": ("week4", "W1 = np.random.randn(n_h, n_x) * 0.01", "W1 = np.zeros((n_h, n_x))",
                          "initialize_parameters", "symmetry is never broken"),
    "db_squeezed": ("week4", "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = 1 / m * np.sum(dZ, axis=1)",
                    "linear_backward", "db has shape"),
    "sigmoid_derivative_on_relu": ("week4", 'if activation == "relu":\n        dZ = relu_backward',
                                   'if activation == "relu":\n        dZ = sigmoid_backward',
                                   "linear_activation_backward", "uses sigmoid's derivative when asked for relu"),
    "fed_wrong_gradient": ("week4_today", 'grads["dA" + str(l + 1)], current_cache, "relu"',
                           'grads["dA" + str(L - 1)], current_cache, "relu"', "L_model_backward", "receives"),
    "missing_copy_import": ("week4", "import copy\n", "", "update_parameters", "add `import copy`"),
    # Course 2, initialisation
    "he_own_layer_size": ("initialization", "np.sqrt(2. / layers_dims[l - 1])", "np.sqrt(2. / layers_dims[l])",
                          "initialize_parameters_he", "the layer's own size"),
    "random_small": ("initialization", "layers_dims[l - 1]) * 10", "layers_dims[l - 1]) * 0.01",
                     "initialize_parameters_random", "by 0.01"),
    "zeros_are_ones": ("initialization", 'np.zeros((layers_dims[l], layers_dims[l - 1]))',
                       'np.ones((layers_dims[l], layers_dims[l - 1]))', "initialize_parameters_zeros", None),
    # Course 2, regularisation
    "l2_cost_no_half": ("regularization", "(1. / m) * (lambd / 2) * (", "(1. / m) * lambd * (",
                        "compute_cost_with_regularization", "a missing 1/2"),
    "l2_grad_no_1_over_m": ("regularization", "dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd / m) * W2",
                            "dW2 = 1. / m * np.dot(dZ2, A1.T) + lambd * W2",
                            "backward_propagation_with_regularization", "L2 term is lambd * W2: a missing 1/m"),
    "dropout_no_scale": ("regularization", "A1 = A1 / keep_prob", "A1 = A1",
                         "forward_propagation_with_dropout", "does not divide"),
    "dropout_randn": ("regularization", "D2 = np.random.rand(A2.shape[0], A2.shape[1])",
                      "D2 = np.random.randn(A2.shape[0], A2.shape[1])", "forward_propagation_with_dropout", None),
    # (Leaving out "dA1 = dA1 * D1" alone is no mistake: dZ1 = dA1 * (A1 > 0) masks it again.)
    "dropout_backward_no_scale": ("regularization", "dA1 = dA1 / keep_prob", "dA1 = dA1",
                                  "backward_propagation_with_dropout", "does not divide by keep_prob"),
    # Course 2, optimisation
    "adam_epsilon_inside": ("optimization", "np.sqrt(s_corrected[key]) + epsilon)",
                            "np.sqrt(s_corrected[key] + epsilon))",
                            "update_parameters_with_adam", "epsilon is inside the square root"),
    "decay_no_floor": ("optimization", "np.floor(epoch_num / time_interval)", "(epoch_num / time_interval)",
                       "schedule_lr_decay", "round"),
    "last_batch_wrong_start": ("optimization", "last = int(m / mini_batch_size) * mini_batch_size",
                               "last = int(m / (mini_batch_size + 1)) * mini_batch_size",
                               "random_mini_batches", "last batch starts at shuffled column 8, expected 12"),
    "momentum_swapped": ("optimization", 'beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]',
                         '(1 - beta) * v["dW" + str(l)] + beta * grads["dW" + str(l)]',
                         "update_parameters_with_momentum", "swapped"),
}


def mutated(kind):
    base, old, new, _, _ = MUTATIONS[kind]
    text = CORRECT_FILES[base]
    assert text.count(old) == 1, kind
    return text.replace(old, new)

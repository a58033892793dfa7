"""The post's hand-derived forward and backward code, kept as a test oracle.

Part 1 of this module follows "Binary Classification Neural Network from
Scratch" function by function: the same names, signatures, return values and
cache layouts (``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``,
``cache = (linear_cache, activation_cache)``), and the same draws from numpy's
*global* random state in the two initialisation functions, so that
``np.random.seed(s)`` followed by one of them gives the post's numbers.  A reader
of the post should recognise every line; comments that differ from the post
explain why.

Part 2 (below the marked separator) is NOT from the post: a training loop in the
style of the deeplearning.ai course's ``L_layer_model``, the course's "xavier"
initialisation, a He initialisation, a ``predict`` helper and
``pruned_L_model_backward``, the post's backward pass without the gradient with
respect to the input that no one uses.

Part 3 is NOT from the post either: the hand-derived code of the course's next
assignments (L2 regularisation, inverted dropout, momentum, Adam, mini-batches,
learning-rate decay) in the course's style and names, generalised from its
3-layer functions to L layers.  It is the oracle of ``BinaryClassifier.fit``'s
training options, and is itself checked by finite differences and hand-worked
cases (``tests/test_manual_course2.py``).

Differences from the post
-------------------------
1. ``L_model_backward``: inside the loop over the ReLU layers the post passes
   ``grads["dA" + str(L-1)]`` (always the gradient arriving from the output
   layer) instead of ``grads["dA" + str(l + 1)]`` (the gradient arriving from
   the layer just above).  For networks with one or two layers the two coincide;
   from three layers on every gradient below layer ``L-1`` is wrong (and for
   unequal widths the shapes do not even match, so it usually crashes).  Fixed.
2. ``linear_activation_forward`` and ``linear_activation_backward``: an
   activation other than ``"sigmoid"``/``"relu"`` fell through both branches and
   failed later with an ``UnboundLocalError`` about a local variable.  They now
   raise a ``ValueError`` naming the bad activation.

Checked and found correct (no change): ``update_parameters``'s shallow
``params.copy()`` is enough, because each entry is rebound to a new array rather
than updated in place, so the caller's dictionary and arrays are left untouched;
one-layer networks (``layer_dims`` of length 2) work in ``L_model_forward`` and
``L_model_backward`` (the ReLU loops are simply empty); the operator precedence
of ``1/m * dZ @ A_prev.T`` is ``((1/m) * dZ) @ A_prev.T``.

Known limitations kept on purpose, because this is the faithful path:
``sigmoid`` warns about overflow in ``np.exp`` for very negative inputs (the
result, 0, is still right); ``compute_cost`` and ``L_model_backward`` give
``inf``/``nan`` when an output saturates to exactly 0 or 1.  The engine's
``binary_cross_entropy_with_logits`` is the stable alternative.
"""
import numpy as np

__all__ = [
    # From the post.
    "sigmoid",
    "relu",
    "relu_backward",
    "sigmoid_backward",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
    # Not from the post.
    "initialize_parameters_xavier",
    "initialize_parameters_he",
    "pruned_L_model_backward",
    "predict",
    "L_layer_model",
    # Part 3: the course's next assignments (regularisation, optimisation), L layers.
    "compute_cost_with_regularization",
    "L_model_backward_with_regularization",
    "L_model_forward_with_dropout",
    "L_model_backward_with_dropout",
    "update_parameters_with_gd",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "random_mini_batches",
    "update_lr",
    "schedule_lr_decay",
]


# ---------------------------------------------------------------------------
# Part 1: the post's functions.
# ---------------------------------------------------------------------------


def sigmoid(Z):
    # Implements the sigmoid activation in numpy
    # Arguments:
    # Z -- numpy array of any shape
    # Returns:
    # A -- output of sigmoid(z), same shape as Z
    # cache -- returns Z as well, useful during backpropagation

    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    # Implement the RELU function.
    # Arguments:
    # Z -- Output of the linear layer, of any shape
    # Returns:
    # A -- Post-activation parameter, of the same shape as Z
    # cache -- Z, stored for computing the backward pass efficiently

    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def relu_backward(dA, cache):
    # Implement the backward propagation for a single RELU unit.
    # Arguments:
    # dA -- post-activation gradient, of any shape
    # cache -- 'Z' where we store for computing backward propagation efficiently
    # Returns:
    # dZ -- Gradient of the cost with respect to Z

    Z = cache
    dZ = np.array(dA, copy=True)  # a copy, so that dA itself is not modified below
    # When z <= 0, dz is 0 as well (the derivative at the kink is taken as 0).
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    # Implement the backward propagation for a single SIGMOID unit.
    # Arguments:
    # dA -- post-activation gradient, of any shape
    # cache -- 'Z' where we store for computing backward propagation efficiently
    # Returns:
    # dZ -- Gradient of the cost with respect to Z

    Z = cache
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    return dZ


def initialize_parameters(n_x, n_h, n_y):
    # Parameters of the 2-layer network LINEAR -> RELU -> LINEAR -> SIGMOID.
    # Argument:
    # n_x -- size of the input layer
    # n_h -- size of the hidden layer
    # n_y -- size of the output layer
    # Returns:
    # parameters -- python dictionary containing your parameters:
    #                 W1 -- weight matrix of shape (n_h, n_x)
    #                 b1 -- bias vector of shape (n_h, 1)
    #                 W2 -- weight matrix of shape (n_y, n_h)
    #                 b2 -- bias vector of shape (n_y, 1)
    # Draws from numpy's global random state, like the post: seed it first.

    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))

    parameters = {"W1": W1,
                  "b1": b1,
                  "W2": W2,
                  "b2": b2}

    return parameters


def initialize_parameters_deep(layer_dims):
    # Parameters of the L-layer network [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID.
    # Arguments:
    # layer_dims -- python array (list) containing the dimensions of each layer in our network
    # Returns:
    # parameters -- python dictionary containing your parameters "W1", "b1", ..., "WL", "bL":
    #                 Wl -- weight matrix of shape (layer_dims[l], layer_dims[l-1])
    #                 bl -- bias vector of shape (layer_dims[l], 1)
    # Draws from numpy's global random state, like the post: seed it first.

    parameters = {}
    L = len(layer_dims)  # number of layers in the network including the input layer

    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l-1]) * 0.01
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A, W, b):
    # Implement the linear part of a layer's forward propagation.
    # Arguments:
    # A -- activations from previous layer (or input data): (size of previous layer, number of examples)
    # W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
    # b -- bias vector, numpy array of shape (size of the current layer, 1)
    # Returns:
    # Z -- the input of the activation function, also called pre-activation parameter
    # cache -- a python tuple containing "A", "W" and "b"; stored for computing the backward pass efficiently

    Z = W @ A + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    # Implement the forward propagation for the LINEAR->ACTIVATION layer
    # Arguments:
    # A_prev -- activations from previous layer (or input data): (size of previous layer, number of examples)
    # W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
    # b -- bias vector, numpy array of shape (size of the current layer, 1)
    # activation -- the activation to be used in this layer, stored as a text string: "sigmoid" or "relu"
    # Returns:
    # A -- the output of the activation function, also called the post-activation value
    # cache -- a python tuple containing "linear_cache" and "activation_cache";
    #          stored for computing the backward pass efficiently

    if activation == "sigmoid":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)

    elif activation == "relu":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)

    else:
        # FIX (differs from the post): the post has no else branch, so an unknown
        # activation crashed below with an UnboundLocalError.
        raise ValueError(f"activation must be 'sigmoid' or 'relu', not {activation!r}")
    cache = (linear_cache, activation_cache)

    return A, cache


def L_model_forward(X, parameters):
    # Implement forward propagation for the [LINEAR->RELU]*(L-1)->LINEAR->SIGMOID computation
    # Arguments:
    # X -- data, numpy array of shape (input size, number of examples)
    # parameters -- output of initialize_parameters_deep()
    # Returns:
    # AL -- activation value from the output (last) layer
    # caches -- list of caches containing:
    #             every cache of linear_activation_forward() (there are L of them, indexed from 0 to L-1)

    caches = []
    A = X
    L = len(parameters) // 2  # number of layers in the neural network

    # Implement [LINEAR -> RELU]*(L-1). Add "cache" to the "caches" list.
    # The for loop starts at 1 because layer 0 is the input
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)], 'relu')
        caches.append(cache)

    # Implement LINEAR -> SIGMOID. Add "cache" to the "caches" list.
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], 'sigmoid')
    caches.append(cache)

    return AL, caches


def compute_cost(AL, Y):
    # The cross-entropy cost -1/m * sum(y log(a) + (1-y) log(1-a)).
    # Arguments:
    # AL -- probability vector corresponding to your label predictions, shape (1, number of examples)
    # Y -- true "label" vector (for example: containing 0 if non-cat, 1 if cat), shape (1, number of examples)
    # Returns:
    # cost -- cross-entropy cost

    m = Y.shape[1]
    cost = -1/m * np.sum(Y*np.log(AL) + (1-Y)*np.log(1-AL))
    cost = np.squeeze(cost)  # To make sure cost's shape is what we expect (e.g. this turns [[1]] into 1).

    return cost


def linear_backward(dZ, cache):
    # Implement the linear portion of backward propagation for a single layer (layer l)
    # Arguments:
    # dZ -- Gradient of the cost with respect to the linear output (of current layer l)
    # cache -- tuple of values (A_prev, W, b) coming from the forward propagation in the current layer
    # Returns:
    # dA_prev -- Gradient of the cost with respect to the activation (of the previous layer l-1), same shape as A_prev
    # dW -- Gradient of the cost with respect to W (current layer l), same shape as W
    # db -- Gradient of the cost with respect to b (current layer l), same shape as b

    A_prev, W, b = cache
    m = A_prev.shape[1]

    dW = 1/m * dZ @ A_prev.T
    db = 1/m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ

    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    # Implement the backward propagation for the LINEAR->ACTIVATION layer.
    # Arguments:
    # dA -- post-activation gradient for current layer l
    # cache -- tuple of values (linear_cache, activation_cache) we store for computing backward propagation efficiently
    # activation -- the activation to be used in this layer, stored as a text string: "sigmoid" or "relu"
    # Returns:
    # dA_prev -- Gradient of the cost with respect to the activation (of the previous layer l-1), same shape as A_prev
    # dW -- Gradient of the cost with respect to W (current layer l), same shape as W
    # db -- Gradient of the cost with respect to b (current layer l), same shape as b

    linear_cache, activation_cache = cache

    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)

    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)

    else:
        # FIX (differs from the post): the post has no else branch, so an unknown
        # activation crashed at the return with an UnboundLocalError.
        raise ValueError(f"activation must be 'sigmoid' or 'relu', not {activation!r}")

    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    # Implement the backward propagation for the [LINEAR->RELU] * (L-1) -> LINEAR -> SIGMOID group
    # Arguments:
    # AL -- probability vector, output of the forward propagation (L_model_forward())
    # Y -- true "label" vector (containing 0 if non-cat, 1 if cat)
    # caches -- list of caches containing:
    #             every cache of linear_activation_forward() with "relu" (it's caches[l], for l in range(L-1) i.e l = 0...L-2)
    #             the cache of linear_activation_forward() with "sigmoid" (it's caches[L-1])
    # Returns:
    # grads -- A dictionary with the gradients
    #          grads["dA" + str(l)] = ...
    #          grads["dW" + str(l)] = ...
    #          grads["db" + str(l)] = ...

    grads = {}
    L = len(caches)  # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)  # after this line, Y is the same shape as AL
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))  # derivative of cost with respect to AL

    # Lth layer (SIGMOID -> LINEAR) gradients. Inputs: "dAL, current_cache". Outputs: "grads["dAL-1"], grads["dWL"], grads["dbL"]
    current_cache = caches[L - 1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, 'sigmoid')
    grads["dA" + str(L-1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp

    # Loop from l=L-2 to l=0
    for l in reversed(range(L-1)):
        # lth layer: (RELU -> LINEAR) gradients.
        # Inputs: "grads["dA" + str(l + 1)], current_cache". Outputs: "grads["dA" + str(l)] , grads["dW" + str(l + 1)] , grads["db" + str(l + 1)]
        current_cache = caches[l]
        # FIX (differs from the post): the post passes grads["dA" + str(L-1)], the
        # gradient from the output layer, to every layer; layer l+1 must receive
        # the gradient from the layer just above it, grads["dA" + str(l + 1)].
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, 'relu')
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp

    return grads


def update_parameters(params, grads, learning_rate):
    # Update parameters using gradient descent
    # Arguments:
    # params -- python dictionary containing your parameters
    # grads -- python dictionary containing your gradients, output of L_model_backward
    # Returns:
    # parameters -- python dictionary containing your updated parameters
    #               parameters["W" + str(l)] = ...
    #               parameters["b" + str(l)] = ...

    # A shallow copy is enough: every entry is rebound to a new array below, never
    # changed in place, so the caller's params are left as they were.
    parameters = params.copy()
    L = len(parameters) // 2  # number of layers in the neural network

    # Update rule for each parameter. Use a for loop.
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]

    return parameters


# ---------------------------------------------------------------------------
# Part 2: NOT from the post.  Helpers in the style of the deeplearning.ai
# course, used by tests and benchmarks as the hand-derived reference.
# ---------------------------------------------------------------------------


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



# ---------------------------------------------------------------------------
# Part 3: NOT from the post.  The hand-derived code of the course's next
# assignments ("Improving Deep Neural Networks": regularisation, optimisation),
# written in the course's style and names, generalised from its 3-layer
# functions to L layers with the post's cache layout.  The test oracle of
# ``fit``'s l2, keep_prob, optimizer, batch_size and decay options.
# ---------------------------------------------------------------------------


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

"""The post's functions (Course 1 week 4), hand-derived, as the post writes them: the oracle's core.

This module follows "Binary Classification Neural Network from
Scratch" function by function: the same names, signatures, return values and
cache layouts (``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``,
``cache = (linear_cache, activation_cache)``), and the same draws from numpy's
*global* random state in the two initialisation functions, so that
``np.random.seed(s)`` followed by one of them gives the post's numbers.  A reader
of the post should recognise every line; comments that differ from the post
explain why.

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

__all__ = ["sigmoid", "relu", "relu_backward", "sigmoid_backward", "initialize_parameters", "initialize_parameters_deep", "linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward", "update_parameters"]


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



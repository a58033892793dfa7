"""The training cost as a graph of the model's parameters: all a solver sees of a model.

``Objective.cost(X, Y, masks)`` builds

    Z1 = W1 X + b1;  for each hidden layer: A = relu(Z) (or tanh(Z));  A = (A * D) / keep_prob  (dropout);
    Z = W A + b;  cost = cross-entropy(Z, Y) + (1/m) * (l2/2) * (||W1||^2 + ... + ||WL||^2)

from autograd_mini ops, so that the engine differentiates every term: the L2
penalty's gradient ``l2/m * W`` and dropout's masked backward pass are never
written by hand. The penalty's ``m`` is the number of training examples (not
the batch's), so that a step's weight decay does not depend on the batch size;
it is written in the course's order of operations, so that the cost has the
course's value to the last bit.
"""
from __future__ import annotations

from autograd_mini import Tensor
import autograd_mini.functional as F

#: The hidden layers' activations, by name: each a Tensor method.
HIDDEN_ACTIVATIONS = ("relu", "tanh")


class Objective:
    """The cost of ``params`` ([W1, b1, ..., WL, bL] Tensors) with L2 and dropout as configured.

    ``cost_of_logits(Z, Y)`` is the model's cross-entropy (stable or faithful).
    ``m`` is the training set's size (for the L2 term); ``keep_prob`` scales the
    masks given to :meth:`cost` (inverted dropout). ``hidden_activation`` is
    ``"relu"`` or ``"tanh"``, every hidden layer's (the output is always the
    logits, then sigmoid inside the cost).
    """

    def __init__(self, params, cost_of_logits, l2: float = 0.0, m: int = 1, keep_prob: float = 1.0,
                 hidden_activation: str = "relu"):
        self.params = list(params)
        self.cost_of_logits = cost_of_logits
        self.l2, self.m, self.keep_prob = l2, m, keep_prob
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"hidden_activation must be one of {HIDDEN_ACTIVATIONS}, got {hidden_activation!r}")
        self.hidden_activation = hidden_activation

    @property
    def hidden_widths(self) -> list:
        """n_1 ... n_{L-1}: the sizes of the activations dropout applies to."""
        return [W.shape[0] for W in self.params[0:-2:2]]

    def logits(self, X: Tensor | None, masks=None, Z1: Tensor | None = None) -> Tensor:
        """Z[L], from X, or from a given first pre-activation ``Z1`` (the gram solver's)."""
        params = self.params
        Z = F.affine(params[0], X, params[1]) if Z1 is None else Z1
        _name(Z, "Z1")
        for hidden, l in enumerate(range(2, len(params), 2)):
            A = Z.tanh() if self.hidden_activation == "tanh" else Z.relu()
            _name(A, f"A{hidden + 1}")
            if masks is not None:
                A = (A * masks[hidden]) / self.keep_prob
                _name(A, f"A{hidden + 1}_dropped")
            Z = F.affine(params[l], A, params[l + 1])
            _name(Z, f"Z{hidden + 2}")
        return Z

    def penalty(self, first_square: Tensor | None = None) -> Tensor:
        """``||W1||^2 + ... + ||WL||^2`` (weights only, summed layer by layer).

        ``first_square``, when given, stands for ``||W1||^2`` (the gram solver
        computes it without forming W1).
        """
        weights = self.params[0::2]
        if first_square is None:
            return F.sum_of_squares(*weights)
        return F.sum_of_squares(*weights[1:], start=first_square) if len(weights) > 1 else first_square

    def cost(self, X: Tensor | None, Y: Tensor, masks=None, Z1: Tensor | None = None,
             first_square: Tensor | None = None) -> Tensor:
        """The training cost on (X, Y) with dropout ``masks`` (one per hidden layer, or None).

        ``Z1`` and ``first_square`` replace ``W1 X + b1`` and ``||W1||^2`` (see
        :meth:`logits` and :meth:`penalty`).
        """
        cost = self.cost_of_logits(self.logits(X, masks, Z1), Y)
        if self.l2:
            _name(cost, "cross_entropy")
            cost = cost + _name(self.penalty(first_square), "squares") * ((1 / self.m) * (self.l2 / 2))
        return _name(cost, "cost")


def _name(tensor: Tensor, name: str) -> Tensor:
    """Name an intermediate as the post does (Z1, A1, ...): what the compiled step's code calls it."""
    tensor.name = name
    return tensor

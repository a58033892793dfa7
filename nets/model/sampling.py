"""Which examples each training step sees, and which hidden units dropout keeps.

Both are random, both must be reproducible, and both follow a seed:

* :class:`FullBatch` / :class:`MiniBatches` say, epoch by epoch, which columns
  of X each step trains on. Mini-batches are passes over a reshuffled training
  set, cut into ``batch_size`` columns, the last batch of a pass smaller when
  m is not a multiple.
* :class:`DropoutMasks` draws, step by step, the 0/1 masks of inverted dropout
  (``rand(n_l, batch) < keep_prob``, layer by layer).

Each draws from its own ``np.random.RandomState``. By default the two streams
are derived from one seed (the model's), independently of each other, so that
changing ``keep_prob`` does not change the batches. A *seed function* instead
reseeds at every epoch (batches) or step (masks): ``shuffle_seed(epoch)``
with epochs counted from 1, ``dropout_seed(step)`` with steps counted from 0.
That is how the course's conventions are followed exactly (its shuffle of
epoch k uses seed 10 + k; it reseeds the dropout masks with seed 1 at every
forward pass, so every step uses the same masks).
"""
from __future__ import annotations

import numpy as np


def seeded_streams(seed, count: int) -> list:
    """``count`` independent RandomStates derived from ``seed`` (None: fresh entropy)."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [np.random.RandomState(np.random.MT19937(child)) for child in children]


def _seed_from(function, argument: int, what: str) -> int:
    seed = function(argument)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"{what}({argument}) must return an integer from 0 to 2**32 - 1, got {seed!r}")
    return int(seed)


class _Reseeded:
    """``RandomState(seed)`` for a new seed every call, without building a RandomState each time.

    ``rng.seed(s)`` puts a RandomState in exactly the state ``RandomState(s)``
    starts in, at a small fraction of the cost of constructing one (which costs
    more than a whole training step of a small network).
    """

    def __init__(self, function, what: str):
        self.function, self.what = function, what
        self.rng = np.random.RandomState()

    def seed_for(self, argument: int) -> int:
        """The seed the function gives for ``argument`` (checked)."""
        return _seed_from(self.function, argument, self.what)

    def __call__(self, argument: int, seed: int | None = None):
        """The RandomState in the state ``RandomState(function(argument))`` starts in."""
        self.rng.seed(self.seed_for(argument) if seed is None else seed)
        return self.rng


class FullBatch:
    """Every step sees all m examples; one step is one epoch."""

    def __init__(self, m: int):
        self.m = m
        self.batch_size = m
        self.batches_per_epoch = 1

    def epoch(self, number: int) -> list:
        """The columns of each step of epoch ``number`` (counted from 0): ``[None]``, all of them."""
        return [None]


class MiniBatches:
    """Passes over a reshuffled training set, ``batch_size`` columns a step.

    ``rng`` draws the permutation of every epoch in turn, unless ``seed_function``
    is given: then epoch k (counted from 1) is shuffled by
    ``RandomState(seed_function(k)).permutation(m)``.
    """

    def __init__(self, m: int, batch_size: int, rng=None, seed_function=None):
        self.m, self.batch_size = m, batch_size
        self.batches_per_epoch = -(-m // batch_size)
        self.rng = rng
        self.reseeded = None if seed_function is None else _Reseeded(seed_function, "shuffle_seed")

    def epoch(self, number: int) -> list:
        rng = self.rng if self.reseeded is None else self.reseeded(number + 1)
        order = rng.permutation(self.m)
        return [order[k:k + self.batch_size] for k in range(0, self.m, self.batch_size)]


class DropoutMasks:
    """0/1 masks of inverted dropout for the hidden layers, one set per step.

    ``widths`` are the hidden layers' sizes n_1 ... n_{L-1}. A mask is
    ``rand(n_l, batch) < keep_prob`` in the model's dtype, drawn layer by layer
    (the course's ``(rand(...) < keep_prob).astype(int)``: the same 0s and 1s).
    """

    def __init__(self, widths, keep_prob: float, dtype, rng=None, seed_function=None):
        self.widths, self.keep_prob, self.dtype = list(widths), keep_prob, dtype
        self.rng = rng
        self.reseeded = None if seed_function is None else _Reseeded(seed_function, "dropout_seed")
        # (seed, batch size, masks) of the last reseeded draw: the same seed draws
        # the same masks, so a repeated seed (the course's constant 1) reuses them.
        self._last = None

    def draw(self, step: int, batch_size: int) -> list:
        if self.reseeded is None:
            return self._masks(self.rng, batch_size)
        seed = self.reseeded.seed_for(step)
        if self._last is None or self._last[:2] != (seed, batch_size):
            self._last = (seed, batch_size, self._masks(self.reseeded(step, seed), batch_size))
        return self._last[2]

    def _masks(self, rng, batch_size: int) -> list:
        return [(rng.rand(n, batch_size) < self.keep_prob).astype(self.dtype) for n in self.widths]

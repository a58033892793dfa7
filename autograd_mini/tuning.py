"""Choices that depend on the machine, made by measurement at run time and remembered.

How fast numpy runs a matrix product depends on things a fixed rule cannot
see: the BLAS library and the kernels it picked for this CPU, the memory order
of each operand, the dtype, the number of threads. Two ways of computing the
same product can differ by 1.5x, and which one wins changes with all of these
(``benchmarks/results/step.md`` shows it for both memory orders of X). So the
engine does not guess: the first time it meets a product of a given kind, it
times the candidates side by side and keeps the fastest for the rest of the
process. These choices are made here, and nowhere else:

* **Orientation of a 2-D product.** ``a @ b``, or the same sums of products as
  ``(b.T @ a.T).T``, which BLAS partitions differently (the result is then
  Fortran-ordered, which every numpy operation accepts as it is). Only products
  of at least :attr:`Tuner.min_work` multiply-adds are timed; smaller ones are
  computed as numpy computes them, since no measurement could pay for itself.
* **A product over one shared index** (``a`` of shape (n, 1) times ``b`` of
  shape (1, k), an outer product: a layer of width one's ``dA = W.T @ dZ``).
  Each element is its one product either way, so ``a * b`` broadcast gives
  BLAS's values without the BLAS call's set-up (only a zero's sign can differ:
  BLAS adds the product to +0). Which of the two is faster is measured,
  whatever the product's size (in ``benchmarks/results/step_compiled_*.json``
  the multiply took 0.35 to 0.92 of BLAS's time where it won). Only float
  operands are considered.
* **BLAS threads for a product**, inside a :func:`scope` only (``fit`` opens
  one). A product of at least ``min_work`` multiply-adds runs on every thread
  the scope began with: that is what BLAS threads are for. A smaller one is
  timed on one thread and on all of them: it runs on one if that is clearly
  faster (waking and spinning a second thread can cost more than it saves on
  a tiny product, and on a loaded machine much more), on all if that is, and
  when neither wins by more than switching costs the count is left as it is,
  so that it does not flip back and forth. Threads are set through one
  threadpoolctl controller built once (building one per call costs more than
  a small product); the counts in force before the scope are put back when it
  ends. Outside a scope the engine never changes the thread count. BLAS
  thread counts are process-wide: scopes in parallel Python threads share them.
* **Memory order of data** used as the right operand of products, ``W @ X_B``
  and ``G @ X_B.T`` (a linear layer's forward product and weight gradient;
  ``X_B`` a batch of X's columns, or X itself): :func:`operand_layout` returns
  X, or a copy in the other order when that makes the gather and the two
  products faster. The copy costs X's size in memory for as long as the caller
  keeps it.
* **Which of equivalent programs runs** (:func:`fastest`): a caller with
  several ways of computing the same numbers (``fit``'s replayed step and its
  compiled step, bit-identical) hands them over as callables under a key; they
  are timed side by side and the first one is kept unless another is clearly
  faster.

A decision is keyed by everything that can change it: the operands' shapes,
strides (their memory order) and dtypes (for data: also the product's row
count and the batch size). "Clearly faster" means faster by :attr:`Tuner.margin`
(5%); otherwise numpy's own way (plain orientation, X as given) is kept.

The choices change how fast, and the rounding only: the two orientations, and
different thread counts, sum the same products in possibly different orders,
so results can differ in the last bits (a few 1e-16 relative), never more. A
process that wants numpy's way everywhere, bit for bit, calls
``tuning.set_enabled(False)`` or sets ``AUTOGRAD_MINI_TUNING=off``. Within a
process a decision never changes once made, so eager mode and
:class:`autograd_mini.Replay` compute identical numbers.
"""
from __future__ import annotations

import contextlib
import math
import os
import time

import numpy as np

__all__ = ["Tuner", "TUNER", "fastest", "matmul", "operand_layout", "scope", "set_enabled", "decisions", "reset"]

#: Thread settings of a product plan (inside a scope).
ONE_THREAD, ALL_THREADS, EITHER = "one", "all", "either"


class _BlasThreads:
    """The BLAS libraries' thread counts, through one threadpoolctl controller built once.

    ``libraries`` is empty without threadpoolctl: then nothing is ever changed.
    """

    def __init__(self):
        self.libraries = []
        self._switch = None
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; kept optional for vendored copies
            return
        try:
            self.libraries = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except Exception:  # pragma: no cover - an unusual BLAS threadpoolctl cannot inspect
            self.libraries = []

    def counts(self) -> list:
        return [lib.num_threads for lib in self.libraries]

    def set(self, count: int) -> None:
        for lib in self.libraries:
            lib.set_num_threads(count)

    def put_back(self, counts) -> None:
        for lib, count in zip(self.libraries, counts):
            lib.set_num_threads(count)

    def switch_seconds(self) -> float:
        """What one change of the thread count costs here (measured once)."""
        if self._switch is None:
            counts = self.counts()
            start = time.perf_counter()
            for _ in range(10):
                self.put_back(counts)
            self._switch = (time.perf_counter() - start) / 10
        return self._switch


class Plan:
    """How to compute one kind of product: ``turned`` or not, and its ``threads`` setting."""

    __slots__ = ("turned", "outer", "threads", "seconds")

    def __init__(self, turned: bool):
        self.turned = turned
        #: True: an outer product computed as the broadcast ``a * b`` (measured faster).
        self.outer = False
        #: ONE_THREAD, ALL_THREADS, EITHER, or None until measured inside a scope.
        self.threads = None
        #: The measured best time of each candidate (for reports).
        self.seconds = {}


def _turned(a, b):
    return (b.T @ a.T).T


def _plain(a, b):
    return a @ b


def _outer(a, b):
    return a * b


class Tuner:
    """Measures, decides and remembers; see the module docstring.

    ``timer`` (seconds, monotonic) is replaceable so tests can decide the
    outcome of a measurement. ``trials`` timed runs of each candidate follow one
    untimed warm-up run, interleaved so that a slow moment of the machine hits
    every candidate alike; the best run counts. Products below ``min_work``
    multiply-adds keep numpy's orientation (the default, 2**22, is about 0.2 ms
    of work on a current core: below that a wrong orientation costs less than
    measuring it would).
    """

    def __init__(self, timer=time.perf_counter, trials: int = 3, min_work: int = 1 << 22,
                 margin: float = 0.05, enabled: bool = True, threads: _BlasThreads | None = None):
        self.timer, self.trials, self.min_work, self.margin = timer, trials, min_work, margin
        self.enabled = enabled
        self.threads = threads if threads is not None else _BlasThreads()
        #: product key -> Plan
        self.plans = {}
        #: data key -> "given", "C copy" or "F copy", and the measured seconds
        self.layouts = {}
        #: program key -> {"choice": name, "seconds": {name: best run}}
        self.programs = {}
        self._depth = 0  # nested scopes
        self._all = 1  # the thread count in force when the outermost scope began
        self._count = None  # the thread count set by this tuner inside a scope (None: untouched)

    # ------------------------------------------------------------------ products
    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a @ b`` for 2-D arrays, in the orientation (and, in a scope, on the threads) measured fastest."""
        plan = self.plans.get((a.shape, a.strides, b.shape, b.strides, a.dtype, b.dtype))
        if plan is None or (self._depth and plan.threads is None):
            plan = self._decide(a, b)
        if self._depth and plan.threads is not EITHER:
            wanted = 1 if plan.threads is ONE_THREAD else self._all
            if wanted != self._count:
                self.threads.set(wanted)
                self._count = wanted
        if plan.outer:
            return a * b
        return (b.T @ a.T).T if plan.turned else a @ b

    def _decide(self, a, b, threads: bool = True) -> Plan:
        key = (a.shape, a.strides, b.shape, b.strides, a.dtype, b.dtype)
        plan = self.plans.get(key)
        large = a.shape[0] * a.shape[1] * b.shape[1] >= self.min_work
        if plan is None:
            plan = Plan(False)
            if self.enabled and a.shape[1] == 1 and a.dtype.kind == "f" and b.dtype.kind == "f":
                # One shared index: each element is one product, the same in BLAS and in a multiply.
                best = self._fastest({"plain": lambda: _plain(a, b), "outer": lambda: _outer(a, b)})
                plan.outer = best["choice"] == "outer"
                plan.seconds.update(best["seconds"])
            elif self.enabled and large:
                best = self._fastest({"plain": lambda: _plain(a, b), "turned": lambda: _turned(a, b)})
                plan.turned = best["choice"] == "turned"
                plan.seconds.update(best["seconds"])
            self.plans[key] = plan
        if self._depth and threads and plan.threads is None:
            # A large product is what BLAS threads are for: it keeps all of
            # them. Only small ones are measured.
            plan.threads = ALL_THREADS if large else self._decide_threads(a, b, plan)
        return plan

    def _decide_threads(self, a, b, plan) -> str:
        if not (self.enabled and self.threads.libraries and self._all > 1):
            return EITHER
        product = _outer if plan.outer else _turned if plan.turned else _plain
        # Each timed run repeats the product enough to last about 50 us, long
        # enough for the timer and short enough that deciding a net's dozen
        # small products costs milliseconds, not a tenth of a second.
        product(a, b)
        start = self.timer()
        product(a, b)
        once = self.timer() - start
        repeat = max(1, min(20, math.ceil(50e-6 / max(once, 1e-7))))

        def on(count):
            def run():
                self.threads.set(count)
                for _ in range(repeat):
                    product(a, b)
            return run

        best = self._fastest({ONE_THREAD: on(1), ALL_THREADS: on(self._all)})["seconds"]
        self._count = self._all
        one, every = best[ONE_THREAD] / repeat, best[ALL_THREADS] / repeat
        plan.seconds.update({"one thread": one, "all threads": every})
        # A setting must win by more than switching to it and back costs, or a
        # product would pay more in switches than it gains.
        switches = 2 * self.threads.switch_seconds()
        if one + switches < every * (1 - self.margin):
            return ONE_THREAD
        if every + switches < one * (1 - self.margin):
            return ALL_THREADS
        return EITHER

    def _fastest(self, candidates: dict) -> dict:
        """Time the candidates interleaved: the clear winner (by ``margin``), else the first one.

        Returns ``{"choice": name, "seconds": {name: best run}}``.
        """
        names = list(candidates)
        for name in names:
            candidates[name]()  # warm-up: first-touch, thread wake-up, caches
        best = {name: float("inf") for name in names}
        for _ in range(self.trials):
            for name in names:
                start = self.timer()
                candidates[name]()
                best[name] = min(best[name], self.timer() - start)
        ranked = sorted(names, key=best.get)
        choice = names[0]
        if len(ranked) > 1 and best[ranked[0]] < best[ranked[1]] * (1 - self.margin):
            choice = ranked[0]
        return {"choice": choice, "seconds": best}

    # ------------------------------------------------------------------ data
    def operand_layout(self, X: np.ndarray, rows: int, batch: int | None = None) -> np.ndarray:
        """X, or a copy of it in another memory order, whichever serves its products fastest.

        The products timed are those of a linear layer with ``rows`` outputs on
        X's columns: ``W @ X_B`` and ``G @ X_B.T`` (each in its own measured
        orientation), where ``X_B`` is a batch of ``batch`` random columns
        gathered from the candidate (the gather is timed too), or X whole when
        ``batch`` is None. Small problems (below ``min_work``) keep X as it is.
        """
        if X.ndim != 2:
            raise ValueError(f"operand_layout: X must be 2-D, got shape {X.shape}")
        n, m = X.shape
        columns = m if batch is None else min(int(batch), m)
        if not self.enabled or rows * n * columns < self.min_work:
            return X
        key = (X.shape, X.strides, X.dtype, int(rows), None if batch is None else columns)
        choice = self.layouts.get(key, {}).get("choice")
        if choice is None:
            choice = self._decide_layout(key, X, rows, batch, columns)
        return _in_layout(X, choice)

    def _decide_layout(self, key, X, rows, batch, columns) -> str:
        arrays = {"given": X}
        for name in ("F copy", "C copy"):
            if not (X.flags.f_contiguous if name == "F copy" else X.flags.c_contiguous):
                arrays[name] = _in_layout(X, name)
        rng = np.random.default_rng(0)
        W = rng.standard_normal((rows, X.shape[0])).astype(X.dtype)
        G = rng.standard_normal((rows, columns)).astype(X.dtype)
        picks = None if batch is None else rng.permutation(X.shape[1])[:columns]
        seconds = {}
        for name, A in arrays.items():
            total = 0.0
            if picks is not None:
                total += self._fastest({"gather": lambda A=A: _gather(A, picks)})["seconds"]["gather"]
                A = _gather(A, picks)
            # The products' own decisions time both orientations; the layout
            # costs what its products cost in their chosen orientations.
            for left, right in ((W, A), (G, A.T)):
                plan = self._decide(left, right, threads=False)
                total += plan.seconds["turned" if plan.turned else "plain"]
            seconds[name] = total
        names = list(arrays)
        ranked = sorted(names, key=seconds.get)
        choice = ranked[0] if seconds[ranked[0]] < seconds[ranked[1]] * (1 - self.margin) else "given"
        self.layouts[key] = {"choice": choice, "seconds": seconds}
        return choice

    # ------------------------------------------------------------------ programs
    def fastest(self, key, candidates: dict) -> str:
        """The name of the fastest of ``candidates`` (callables computing the same thing), remembered by ``key``.

        Timed interleaved (:meth:`_fastest`); the first candidate is kept unless
        another is faster by ``margin``, and always when tuning is disabled.
        """
        made = self.programs.get(key)
        if made is None:
            if not self.enabled or len(candidates) == 1:
                made = {"choice": next(iter(candidates)), "seconds": {}}
            else:
                made = self._fastest(dict(candidates))
            self.programs[key] = made
        return made["choice"]

    # ------------------------------------------------------------------ scope
    @contextlib.contextmanager
    def scope(self):
        """Within it, products run on the threads measured best; the counts are put back at the end."""
        if self._depth == 0:
            saved = self.threads.counts()
            # "All threads" is what the caller allowed when the scope began (a
            # threadpoolctl limit around fit is respected), not the machine's.
            self._all = max(saved, default=1)
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0:
                if self._count is not None:
                    self.threads.put_back(saved)
                self._count = None

    def decisions(self) -> dict:
        """What was decided so far, readable: for reports and benchmarks."""
        products = []
        for (a_shape, a_strides, b_shape, b_strides, a_dtype, _), plan in self.plans.items():
            products.append({
                "a": list(a_shape), "a_order": _order_name(a_shape, a_strides, a_dtype),
                "b": list(b_shape), "b_order": _order_name(b_shape, b_strides, a_dtype),
                "dtype": str(a_dtype),
                "orientation": "outer" if plan.outer else "turned" if plan.turned else "plain",
                "threads": plan.threads, "seconds": dict(plan.seconds),
            })
        data = []
        for (shape, strides, dtype, rows, batch), made in self.layouts.items():
            data.append({"X": list(shape), "order": _order_name(shape, strides, dtype), "dtype": str(dtype),
                         "rows": rows, "batch": batch, "choice": made["choice"], "seconds": made["seconds"]})
        programs = [{"choice": made["choice"], "seconds": dict(made["seconds"]), "what": str(key[0])}
                    for key, made in self.programs.items()]
        return {"enabled": self.enabled, "blas_threads": self.threads.counts(),
                "products": products, "data": data, "programs": programs}

    def reset(self) -> None:
        """Forget every decision (the next products are measured again)."""
        self.plans.clear()
        self.layouts.clear()
        self.programs.clear()


def _gather(A, picks):
    return A[:, picks]


def _in_layout(X, choice):
    if choice == "F copy":
        return np.asfortranarray(X)
    if choice == "C copy":
        return np.ascontiguousarray(X)
    return X


def _order_name(shape, strides, dtype) -> str:
    """"C", "F" or "strided": which contiguous layout these strides are (a 1-D or 1-column array is both)."""
    size = np.dtype(dtype).itemsize
    c = tuple(int(np.prod(shape[i + 1:])) * size for i in range(len(shape)))
    f = tuple(int(np.prod(shape[:i])) * size for i in range(len(shape)))
    if strides == c:
        return "C"
    if strides == f:
        return "F"
    return "strided"


def _enabled_by_environment() -> bool:
    return os.environ.get("AUTOGRAD_MINI_TUNING", "on").strip().lower() not in ("off", "0", "false", "no")


#: The process's tuner: the ops and ``fit`` use it.
TUNER = Tuner(enabled=_enabled_by_environment())


#: ``matmul(a, b)``: ``a @ b`` for 2-D arrays, as :meth:`Tuner.matmul` of the
#: process's tuner (its bound method: no extra call on the hot path).
matmul = TUNER.matmul


def operand_layout(X, rows: int, batch: int | None = None):
    """:meth:`Tuner.operand_layout` of the process's tuner."""
    return TUNER.operand_layout(X, rows, batch)


def fastest(key, candidates: dict) -> str:
    """:meth:`Tuner.fastest` of the process's tuner."""
    return TUNER.fastest(key, candidates)


def scope():
    """:meth:`Tuner.scope` of the process's tuner."""
    return TUNER.scope()


def set_enabled(enabled: bool) -> None:
    """False: numpy's way everywhere (plain products, data as given, threads untouched), bit for bit."""
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"set_enabled takes True or False, got {enabled!r}")
    TUNER.enabled = bool(enabled)
    TUNER.reset()


def decisions() -> dict:
    """What the process's tuner has decided so far."""
    return TUNER.decisions()


def reset() -> None:
    """Forget the process's decisions."""
    TUNER.reset()

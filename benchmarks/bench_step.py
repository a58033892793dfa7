"""Training steps inside training runs: the engine vs the post's code vs peers.

Every contender is timed over a whole training run, not a bare step: the per-step time is the
run's wall time divided by the number of steps it ran, with what the run sets up included.

Contenders (``--contenders``, comma-separated):

- ``engine``: ``BinaryClassifier(...).fit(X, Y, solver="backprop")``, its default ``step="auto"``
  (the step's graph traced once per batch size, then replayed or run as compiled numpy code,
  whichever ``autograd_mini.tuning.fastest`` measured faster), the default stable cost. The time is ``fit``'s wall
  time: input checks, the solver's construction (and the copy of X in the other memory order
  when ``autograd_mini.tuning`` measured it faster), the traces, every step and update;
- ``engine-eager``: the same with ``step="eager"`` (the graph built eagerly every step);
- ``engine-replay``, ``engine-compiled``: the same with ``step="replay"`` (``autograd_mini.Replay``)
  and ``step="compiled"`` (``autograd_mini.compile``) forced;
- ``engine-faithful``: the model's ``cost="faithful"`` (sigmoid then the post's logs, the cost the
  post and the peers compute), to compare like with like;
- ``engine-gram``: ``fit(solver="gram")`` (W1 kept as ``a W1_0 + C X^T``; its setup, G = X^T X
  and P = W1 X, and the final W1 are inside the run's time);
- ``post``: the post's code (``nets.manual``, with the fixed backward): parameters initialised
  outside the timing, then N iterations of ``L_model_forward``, ``compute_cost``,
  ``L_model_backward``, ``update_parameters``. Every ratio is to this contender;
- ``pruned``: the same loop with ``pruned_L_model_backward`` (no unneeded ``dA0 = W1.T @ dZ1``);
- ``first-layer``: not a training step, a floor: only the first layer's two products that
  backprop cannot avoid, ``W1 @ X_B`` and ``dZ1 @ X_B.T``, each through
  ``autograd_mini.tuning.matmul`` inside a ``tuning.scope()`` (as ``fit`` runs them), on X in
  the memory order ``tuning.operand_layout`` chooses (as the engine's solver keeps it, the copy
  if any inside the run's time), plus the gather of each mini-batch's columns;
- ``torch``, ``jax``, ``autograd``, ``mygrad``: ``benchmarks/peers.py``, built once per process
  (outside the timing, like the post's initialisation: each keeps its own copy of X in X's
  memory order), then N steps (``step()``, or ``step(X_batch, Y_batch)`` on the post's
  mini-batches); their parameters go on from the warm-up run. Skipped with a note when they
  do not import.

The matrix: nets (``--nets``) ``tutorial`` [12288, 20, 7, 5, 1] on the 209 training images (the
real cat/non-cat X when present) and ``small`` [64, 32, 16, 1] on m = 256 random examples (seed
0); dtypes (``--dtypes``) float64 and float32; memory layouts of X (``--layouts``) ``F``
(Fortran-ordered, as the course's loader gives it) and ``C`` (``np.ascontiguousarray(X)``, what
a user's own array usually is); batches (``--batches``) ``full`` and ``64`` (mini-batches of
64; ``--quick`` uses 16, its data being small). Every contender runs on the whole matrix (a
``--quick`` smoke run runs the contenders other than ``CORE`` on the first net, dtype and layout
listed only, both batch modes, to stay short). A mini-batch size of m or more is left out as
not applicable (``fit`` would train full batch). All contenders start from the same parameters
(xavier, seed 1) and the same X, Y arrays, learning rate 0.0075.

Runs: ``--steps`` steps for the tutorial net (default 100), ``--small-steps`` for the small net
(default 1000). Mini-batch runs are whole epochs, as many as give at least that many steps
(tutorial: m = 209 is 4 batches an epoch, the last of 17, so 25 epochs). They follow the
course's algorithm: epoch e draws the permutation ``RandomState(e).permutation(m)`` of the
columns and cuts it into batches. The post and the peers run ``nets.manual.random_mini_batches(X,
Y, 64, seed=e)`` (the course's ``X[:, perm]``, ``Y[:, perm]``, cut into views), then their step
on each batch; the engine runs ``fit(batch_size=64, epochs=E, shuffle_seed=lambda k: k - 1)``
(its epochs count from 1: the same permutations, so the same batches), and gathers each batch
from X itself. Per-step time = the run's time / its steps.

Warm-up: before the timed run, each worker process does one short untimed run of the same
configuration (``--warmup`` steps, default 3; one epoch for mini-batches). The engine's one-off
per-process measurements (``autograd_mini.tuning``: orientation of each product, BLAS threads
of small products, X's memory order) happen there, and jax compiles there. Its wall time is
reported separately as the one-off tuning/warm-up cost per process, with an estimate of the
one-off part (the warm-up's time minus its steps at the timed run's per-step time). The first
cost of each contender (first iteration, or first epoch: the course's sum of each batch's cost
times its size, over m) comes from the warm-up run, which starts from the initial parameters,
and is checked against the post's.

Method: every configuration (contender x net x dtype x layout x batch) runs in its own fresh
process (importing torch or jax changes numpy's BLAS threading). ``--rounds`` rounds (default
5); each round visits every configuration once, in a shuffled order. A contender's ratio to the
post is computed per round (paired: that round's post run on the same net, dtype, layout and
batch) and the median of those ratios is reported with their range; so are the same
contender's C-ordered over F-ordered step and its float64 over float32 step (the float32
speedup), paired the same way. The engine's tuning decisions
(``autograd_mini.tuning.decisions()`` after the fit) are recorded in full from the first
round's worker of each engine configuration; the first layer's choices from every round.
Each worker also records the BLAS it sees (threadpoolctl; torch's own BLAS from torch). Peak
memory: the worker's ``ru_maxrss`` (whole process, imports included), and, in a separate pass
(float64 only; ``--quick``: the first net, layout and batch mode only) of one process per
numpy-based configuration, the tracemalloc peak of a warm-up-sized run after the warm-up (setup
included; torch and jax allocate outside Python's allocator, so n/a).

Targets (``engine`` / ``post``, paired median, one check per layout listed): tutorial float64
full batch <= 0.62 (F, C); small float64 full batch <= 0.75 (F, C); tutorial float64
mini-batches <= 0.45 (C); small float64 mini-batches <= 0.90 (F, C); tutorial float32 full
batch <= 0.50 (F, C); and, for each, whether the engine is ahead of jax's jit on that row
(engine run / jax run, paired median, below 1; listed as skipped when jax did not run).

Run: ``python benchmarks/bench_step.py`` (results in benchmarks/results/step.{md,json,png});
``--quick`` for a smoke run (tiny sizes, 1 round, results in benchmarks/results/quick/).
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

LEARNING_RATE = 0.0075
NETS = {
    "tutorial": [12288, 20, 7, 5, 1],
    "small": [64, 32, 16, 1],
}
SMALL_M = 256
LAYOUTS = ("F", "C")
DTYPES = ("float64", "float32")
BATCH_SIZE = 64
QUICK_BATCH_SIZE = 16  # the quick tutorial data has m = 48: a batch of 64 would be the full batch
# What each engine contender passes: the model's cost, and fit's solver and step.
ENGINE = {
    "engine": {"cost": "stable", "solver": "backprop", "step": "auto"},
    "engine-eager": {"cost": "stable", "solver": "backprop", "step": "eager"},
    "engine-replay": {"cost": "stable", "solver": "backprop", "step": "replay"},
    "engine-compiled": {"cost": "stable", "solver": "backprop", "step": "compiled"},
    "engine-faithful": {"cost": "faithful", "solver": "backprop", "step": "auto"},
    "engine-gram": {"cost": "stable", "solver": "gram", "step": "auto"},
}
PEER_NAMES = ("torch", "jax", "autograd", "mygrad")
CONTENDERS = [*ENGINE, "post", "pruned", "first-layer", *PEER_NAMES]
# The contenders a --quick run covers on the whole matrix (the others: one net, dtype and layout).
CORE = ("engine", "post", "first-layer")
# Contenders that time part of a step and compute no cost.
NOT_A_STEP = ("first-layer",)
# Contenders whose products autograd_mini.tuning decides (their decisions are recorded).
TUNED = (*ENGINE, "first-layer")
# Contenders whose arrays go through Python's allocator, so tracemalloc sees them.
TRACEMALLOC_OK = (*ENGINE, "post", "pruned", "first-layer", "autograd", "mygrad")
LABELS = {
    "engine": "engine (fit, backprop, auto step)",
    "engine-eager": "engine (fit, backprop, eager graph)",
    "engine-replay": "engine (fit, backprop, replayed)",
    "engine-compiled": "engine (fit, backprop, compiled step)",
    "engine-faithful": "engine (fit, backprop, faithful cost)",
    "engine-gram": "engine (fit, gram solver)",
    "post": "post (nets.manual, fixed)",
    "pruned": "pruned hand-written (no dA0)",
    "first-layer": "floor: first layer's W1 @ X_B and dZ1 @ X_B.T alone",
    "torch": "torch (eager CPU)",
    "jax": "jax (jit)",
    "autograd": "autograd (HIPS)",
    "mygrad": "mygrad",
}
# (net, dtype, batch kind, layouts, target): engine run / post run, paired median, at most target.
TARGETS = [
    ("tutorial", "float64", "full", ("F", "C"), 0.62),
    ("small", "float64", "full", ("F", "C"), 0.75),
    ("tutorial", "float64", "mini", ("C",), 0.45),
    ("small", "float64", "mini", ("F", "C"), 0.90),
    ("tutorial", "float32", "full", ("F", "C"), 0.50),
]


def batch_kind(batch: str) -> str:
    return "full" if batch == "full" else "mini"


def batch_text(batch: str) -> str:
    return "full batch" if batch == "full" else f"mini-batches of {batch}"


def course_shuffle_seed(epoch_from_1: int) -> int:
    """fit's ``shuffle_seed``: its epoch k (from 1) is the course's epoch k - 1, seeded k - 1."""
    return epoch_from_1 - 1


# ------------------------------------------------------------------------------------ worker

def make_problem(net: str, dtype: str, layout: str, quick: bool, data_dir=None):
    """(layer_dims, X, Y, data description): X in ``dtype`` and memory ``layout`` ("F" or "C")."""
    import numpy as np

    if net == "tutorial":
        X, Y, _, _, source = common.load_data(data_dir, quick=quick)
        dims = [X.shape[0]] + NETS["tutorial"][1:]
    elif net == "small":
        rng = np.random.RandomState(0)
        X = rng.randn(NETS["small"][0], SMALL_M)
        Y = (rng.rand(1, SMALL_M) < 0.5).astype(np.int64)
        dims, source = list(NETS["small"]), "random normal X (64 x 256), random 0/1 labels, seed 0"
    else:
        raise ValueError(f"unknown net {net!r}")
    # astype keeps the memory layout and does not copy when the dtype already matches; the
    # layout is then made what the configuration asks (no copy when it already is).
    X = X.astype(dtype, copy=False)
    X = np.asfortranarray(X) if layout == "F" else np.ascontiguousarray(X)
    return dims, X, Y.astype(dtype), source


@contextlib.contextmanager
def measured(out: dict, traced: bool):
    """Wall time of the block into ``out["seconds"]``; with ``traced``, the tracemalloc peak above the start (MB)."""
    import tracemalloc

    if traced:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        yield
    finally:
        out["seconds"] = time.perf_counter() - start
        if traced:
            out["tracemalloc_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
            tracemalloc.stop()


def epochs_for(steps: int, m: int, batch_size: int) -> int:
    """Whole epochs giving at least ``steps`` steps of ``batch_size`` columns (the last batch smaller)."""
    return max(1, math.ceil(steps / math.ceil(m / batch_size)))


def make_run(contender: str, dims, X, Y, dtype: str, batch_size):
    """``run(steps, traced=False)``: one training run of at least ``steps`` steps.

    Returns ``{"seconds", "steps", "first_cost"}`` (and ``tracemalloc_mb`` when traced):
    ``first_cost`` is the first iteration's cost (full batch) or the first epoch's cost, the
    course's sum over its batches of cost x batch size / m (None for the floor).
    """
    import numpy as np

    from nets import manual
    from nets.model.init import initialize

    m = X.shape[1]

    if contender in ENGINE:
        from nets import BinaryClassifier

        options = ENGINE[contender]

        def run(steps, traced=False):
            model = BinaryClassifier(dims, init="xavier", seed=1, dtype=dtype, cost=options["cost"])
            kwargs = {"learning_rate": LEARNING_RATE, "solver": options["solver"], "step": options["step"],
                      "print_every": 10**9}  # history keeps the first and the last cost only
            if batch_size is None:
                kwargs["iterations"] = steps
            else:
                kwargs.update(batch_size=batch_size, epochs=epochs_for(steps, m, batch_size),
                              shuffle_seed=course_shuffle_seed)
            out = {}
            with measured(out, traced):
                history = model.fit(X, Y, **kwargs)
            out.update(steps=history.steps, first_cost=float(history[0][1]), solver=history.solver,
                       step_kind=history.step)
            return out

        return run

    params = initialize(dims, "xavier", 1, dtype)

    if contender == "first-layer":
        from autograd_mini import tuning

        W1, n1 = params["W1"], dims[1]
        noise = np.random.RandomState(0)
        sizes = {m} if batch_size is None else {batch_size, m % batch_size or batch_size}
        dZ1 = {size: noise.standard_normal((n1, size)).astype(dtype) for size in sizes}
        shuffle = np.random.RandomState()

        def run(steps, traced=False):
            out = {}
            done = 0
            with measured(out, traced), tuning.scope():
                Xu = tuning.operand_layout(X, rows=n1, batch=batch_size)
                if batch_size is None:
                    for _ in range(steps):
                        tuning.matmul(W1, Xu)
                        tuning.matmul(dZ1[m], Xu.T)
                    done = steps
                else:
                    for epoch in range(epochs_for(steps, m, batch_size)):
                        shuffle.seed(epoch)  # the course's permutation of this epoch
                        order = shuffle.permutation(m)
                        for k in range(0, m, batch_size):
                            XB = Xu[:, order[k:k + batch_size]]
                            tuning.matmul(W1, XB)
                            tuning.matmul(dZ1[XB.shape[1]], XB.T)
                            done += 1
            out.update(steps=done, first_cost=None)
            return out

        return run

    if contender in ("post", "pruned"):
        backward = manual.L_model_backward if contender == "post" else manual.pruned_L_model_backward

        def one_step(p, Xb, Yb):
            AL, caches = manual.L_model_forward(Xb, p)
            cost = manual.compute_cost(AL, Yb)
            grads = backward(AL, Yb, caches)
            return manual.update_parameters(p, grads, LEARNING_RATE), cost

        start_params = params  # update_parameters returns new dicts: the start is never changed

        def fresh_state():
            return {"p": start_params}

    else:
        from benchmarks import peers

        peer = peers.PEERS[contender](params, X, Y, LEARNING_RATE, dtype)

        def one_step(state, Xb, Yb):
            return state, (peer() if Xb is None else peer(Xb, Yb))

        def fresh_state():
            return {"p": None}  # the peer keeps its own parameters (they go on from run to run)

    def run(steps, traced=False):
        state = fresh_state()
        p = state["p"]
        out = {}
        done = 0
        first = None
        with measured(out, traced):
            if batch_size is None:
                for _ in range(steps):
                    p, cost = one_step(p, None if contender in PEER_NAMES else X, Y)
                    if first is None:
                        first = float(cost)
                done = steps
            else:
                for epoch in range(epochs_for(steps, m, batch_size)):
                    total = 0.0
                    for Xb, Yb in manual.random_mini_batches(X, Y, batch_size, seed=epoch):
                        p, cost = one_step(p, Xb, Yb)
                        total += float(cost) * Xb.shape[1]
                        done += 1
                    if first is None:
                        first = total / m
        out.update(steps=done, first_cost=first)
        return out

    return run


def first_layer_choices(decisions: dict, dims, m: int, batch_size, dtype: str, layout: str) -> dict:
    """The tuner's choices for the first layer: X's memory order, and ``W1 @ X_B`` / ``dZ1 @ X_B.T``.

    Products are those that ran inside a tuning scope (their thread setting is decided), with
    the batch's size (mini-batches: the full-size batch, not the last one). X_B is the X kept
    (``layout``, or the copy's order) or, for mini-batches, a gather of its columns, whose order
    is numpy's to choose (numpy 2 gathers C- and F-ordered X alike into F-ordered batches). The
    two products are told apart by their right operand's order (X_B, or X_B.T in the other
    order), since their shapes coincide when the batch size equals n_x (small net, batches of 64).
    """
    n0, n1 = dims[0], dims[1]
    size = m if batch_size is None else min(batch_size, m)
    data = [d for d in decisions.get("data", []) if d["X"] == [n0, m] and d["rows"] == n1 and d["dtype"] == dtype
            and d["batch"] == (None if batch_size is None else size)]
    kept = {"C copy": "C", "F copy": "F"}.get(data[0]["choice"], layout) if data else layout
    batch_order = kept if batch_size is None else _gather_order(kept, dtype)
    other = {"C": "F", "F": "C"}.get(batch_order)

    def products(a, b, order):
        return [{"a_order": p["a_order"], "b_order": p["b_order"], "orientation": p["orientation"],
                 "threads": p["threads"], "seconds": p["seconds"]}
                for p in decisions.get("products", [])
                if p["a"] == a and p["b"] == b and p["dtype"] == dtype and p["threads"] is not None
                and p["b_order"] == order]

    return {
        "enabled": decisions.get("enabled"),
        "blas_threads": decisions.get("blas_threads"),
        "X": ({"choice": data[0]["choice"], "seconds": data[0]["seconds"]} if data else None),
        "X_kept_order": kept,
        "X_B_order": batch_order,
        "forward": products([n1, n0], [n0, size], batch_order),
        "weight_gradient": products([n1, size], [size, n0], other),
    }


def _gather_order(order: str, dtype: str) -> str:
    """The memory order numpy gives ``X[:, columns]`` for an X in ``order`` ("C", "F" or "strided")."""
    import numpy as np

    gathered = np.zeros((4, 6), dtype=dtype, order=order)[:, np.array([0, 2, 3])]
    return "F" if gathered.flags.f_contiguous else "C" if gathered.flags.c_contiguous else "strided"


def worker(config: dict) -> dict:
    contender = config["contender"]
    if contender in PEER_NAMES:
        from benchmarks import peers

        reason = peers.peer_unavailable_reason(contender)
        if reason is not None:
            return {"skipped": reason}
        if config["mode"] == "probe":
            return {"available": True}
    dims, X, Y, source = make_problem(config["net"], config["dtype"], config["layout"], config["quick"],
                                      config.get("data_dir"))
    m = X.shape[1]
    batch_size = config["batch_size"]
    if batch_size is not None and batch_size >= m:
        return {"not_applicable": f"a batch of {batch_size} is the whole training set (m = {m})"}
    result = {"dims": dims, "m": m, "data": source, "x_f_contiguous": bool(X.flags.f_contiguous),
              "x_c_contiguous": bool(X.flags.c_contiguous)}
    run = make_run(contender, dims, X, Y, config["dtype"], batch_size)
    warm = run(config["warmup"])  # untimed for the ratios; the engine's tuning happens here
    result.update(warmup_s=warm["seconds"], warmup_steps=warm["steps"], cost_first=warm["first_cost"])
    if config["mode"] == "memory":
        result["tracemalloc_mb"] = run(config["warmup"], traced=True)["tracemalloc_mb"]
        return result
    timed = run(config["steps"])
    result.update(seconds=timed["seconds"], steps=timed["steps"], step_s=timed["seconds"] / timed["steps"])
    if "solver" in timed:
        result["solver"] = timed["solver"]
        result["step_kind"] = timed.get("step_kind")  # what fit's step ran: eager, replay or compiled
    if contender in TUNED:
        from autograd_mini import tuning

        decisions = tuning.decisions()
        result["first_layer"] = first_layer_choices(decisions, dims, m, batch_size, config["dtype"],
                                                    config["layout"])
        if config.get("record_tuning"):
            result["tuning"] = decisions
    result["blas"] = common.blas_info()
    if contender in PEER_NAMES:
        from benchmarks import peers

        result["peer_blas"] = peers.blas(contender)
    return result


# ------------------------------------------------------------------------------------ parent

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, 1 round, few steps (smoke test)")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 5; quick 1)")
    p.add_argument("--steps", type=int, default=None, help="steps per timed run, tutorial net (default 100)")
    p.add_argument("--small-steps", type=int, default=None, help="steps per timed run, small net (default 1000)")
    p.add_argument("--warmup", type=int, default=None,
                   help="steps of the untimed warm-up run (default 3; whole epochs for mini-batches)")
    p.add_argument("--contenders", default=",".join(CONTENDERS), help=f"comma-separated, from {','.join(CONTENDERS)}")
    p.add_argument("--nets", default="tutorial,small")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--layouts", default="F,C", help="memory orders of X: F (as loaded), C (ascontiguousarray)")
    p.add_argument("--batches", default=None,
                   help=f"full and/or mini-batch sizes, comma-separated (default full,{BATCH_SIZE}; "
                        f"quick full,{QUICK_BATCH_SIZE})")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass (float64 only)")
    p.add_argument("--jobs", type=int, default=None,
                   help="workers at once (default 1; quick: 2). Above 1 the timings are not meaningful")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--seed", type=int, default=0, help="seed of the per-round shuffling")
    args = p.parse_args(argv)
    q = args.quick
    args.rounds = args.rounds or (1 if q else 5)
    args.steps = args.steps or (3 if q else 100)
    args.small_steps = args.small_steps or (5 if q else 1000)
    args.warmup = args.warmup or 3
    args.jobs = args.jobs or (2 if q else 1)
    args.contenders = _split(args.contenders, CONTENDERS, "contender")
    args.nets = _split(args.nets, list(NETS), "net")
    args.dtypes = _split(args.dtypes, list(DTYPES), "dtype")
    args.layouts = _split(args.layouts, list(LAYOUTS), "layout")
    batches = args.batches or f"full,{QUICK_BATCH_SIZE if q else BATCH_SIZE}"
    args.batches = [b.strip() for b in batches.split(",") if b.strip()]
    if not args.batches or any(b != "full" and not (b.isdigit() and int(b) > 0) for b in args.batches):
        raise SystemExit(f"--batches takes 'full' and/or positive batch sizes, got {batches!r}")
    if "post" not in args.contenders:
        args.contenders.append("post")  # every ratio is to the post's run
    return args


def _split(text, allowed, what):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        raise SystemExit(f"unknown {what}(s) {bad}; choose from {allowed}")
    return items


def matrix(args) -> tuple[list, dict]:
    """The configurations (contender, net, dtype, layout, batch) to run, and what --quick left out.

    A quick run is a smoke test run by the test suite: the CORE contenders cover the whole
    matrix, the others the first net, dtype and layout asked for (both batch modes), which
    keeps it to a few dozen processes.
    """
    configs, limited = [], {}
    first = (args.nets[0], args.dtypes[0], args.layouts[0])
    for c in itertools.product(args.contenders, args.nets, args.dtypes, args.layouts, args.batches):
        if args.quick and c[0] not in CORE and c[1:4] != first:
            limited[c[0]] = " ".join(first)
            continue
        configs.append(c)
    return configs, limited


def memory_configs(args, configs) -> list:
    """The tracemalloc pass: numpy-based contenders, float64 (quick: the first net, layout and batch mode only)."""
    return [c for c in configs if c[0] in TRACEMALLOC_OK and c[2] == "float64"
            and not (args.quick and (c[1], c[3], c[4]) != (args.nets[0], args.layouts[0], args.batches[0]))]


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info()
    machine["blas_details"] = common.blas_details()
    configs, limited = matrix(args)
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    not_applicable: dict[tuple, str] = {}
    runs: dict[tuple, list] = {c: [] for c in configs}  # per config, per round: the worker's result
    rng = random.Random(args.seed)
    started = time.time()

    def cfg(config, mode, round_index=0):
        contender, net, dtype, layout, batch = config
        return {"contender": contender, "net": net, "dtype": dtype, "layout": layout,
                "batch_size": None if batch == "full" else int(batch), "mode": mode,
                "steps": args.steps if net == "tutorial" else args.small_steps, "warmup": args.warmup,
                "quick": args.quick, "data_dir": args.data, "round": round_index,
                "record_tuning": round_index == 0}

    # One small process per peer first: an unavailable one is skipped everywhere at once.
    probes = [p for p in PEER_NAMES if p in args.contenders]
    if probes:
        results = common.run_workers(script, [cfg((p, "small", "float64", "F", "full"), "probe") for p in probes],
                                     jobs=args.jobs)
        for name, res in zip(probes, results):
            if res.get("skipped"):
                skipped[name] = res["skipped"]
            elif not res.get("ok"):
                skipped[name] = f"probe failed: {res.get('error', 'unknown error')}"

    def live(c):
        return c[0] not in skipped and c not in failed and c not in not_applicable

    for r in range(args.rounds):
        order = [c for c in configs if live(c)]
        rng.shuffle(order)
        results = common.run_workers(script, [cfg(c, "time", r) for c in order], jobs=args.jobs)
        for c, res in zip(order, results):
            if res.get("skipped"):
                skipped[c[0]] = res["skipped"]
            elif res.get("not_applicable"):
                not_applicable[c] = res["not_applicable"]
            elif not res.get("ok"):
                failed[c] = res.get("error", "unknown error")
                print(f"  {c}: FAILED {failed[c]}", file=sys.stderr)
            else:
                res["round"] = r
                runs[c].append(res)
        print(f"round {r + 1}/{args.rounds} done ({time.time() - started:.0f} s)", file=sys.stderr)

    memory: dict[tuple, float] = {}
    if not args.no_memory:
        mem_configs = [c for c in memory_configs(args, configs) if live(c)]
        results = common.run_workers(script, [cfg(c, "memory") for c in mem_configs], jobs=args.jobs)
        for c, res in zip(mem_configs, results):
            if res.get("ok") and "tracemalloc_mb" in res:
                memory[c] = res["tracemalloc_mb"]
        print(f"memory pass done ({time.time() - started:.0f} s)", file=sys.stderr)

    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, configs, runs, memory, skipped, failed, not_applicable, limited, machine,
                       time.time() - started)
    write_outputs(out, report)
    print(report["markdown"])
    print(f"\nwritten: {out / 'step.md'}, {out / 'step.json'}, {out / 'step.png'}", file=sys.stderr)
    return report


def _paired(a: dict, b: dict) -> list:
    """Per round present in both: a's step / b's step."""
    return [a[r]["step_s"] / b[r]["step_s"] for r in sorted(a) if r in b]


def _range(values):
    return [min(values), max(values)] if values else None


def summarise(args, configs, runs, memory, skipped, failed, not_applicable, limited, machine, seconds):
    def by_round(config):
        return {res["round"]: res for res in runs.get(config, [])}

    rows = []
    data_used = {}
    for config in configs:
        contender, net, dtype, layout, batch = config
        mine = by_round(config)
        if not mine:
            continue
        ratios = _paired(mine, by_round(("post", net, dtype, layout, batch)))
        speedups = []
        if dtype == "float32":
            speedups = _paired(by_round((contender, net, "float64", layout, batch)), mine)
        c_over_f = []
        if layout == "C":
            c_over_f = _paired(mine, by_round((contender, net, dtype, "F", batch)))
        first = mine[min(mine)]
        data_used[net] = first["data"]
        one_off = [res["warmup_s"] - res["warmup_steps"] * res["step_s"] for res in mine.values()]
        choices = [res["first_layer"] for res in mine.values() if "first_layer" in res]
        rows.append({
            "contender": contender, "label": LABELS[contender], "net": net, "dims": first["dims"], "m": first["m"],
            "dtype": dtype, "layout": layout, "batch": batch, "batch_size": None if batch == "full" else int(batch),
            "x_f_contiguous": first["x_f_contiguous"], "x_c_contiguous": first["x_c_contiguous"],
            "steps_per_run": first["steps"],
            "round_step_s": [mine[r]["step_s"] for r in sorted(mine)],
            "step_s": common.median([res["step_s"] for res in mine.values()]),
            "ratio_to_post_per_round": ratios,
            "ratio_to_post": common.median(ratios),
            "ratio_to_post_range": _range(ratios),
            "float32_speedup_per_round": speedups,
            "float32_speedup": common.median(speedups),
            "c_over_f_per_round": c_over_f,
            "c_over_f": common.median(c_over_f),
            "warmup_steps": first["warmup_steps"],
            "warmup_s": common.median([res["warmup_s"] for res in mine.values()]),
            "one_off_s": common.median(one_off),
            "maxrss_mb": common.median([res["maxrss_mb"] for res in mine.values()]),
            "tracemalloc_mb": memory.get(config),
            "cost_first": first["cost_first"],
            "solver": first.get("solver"),
            "step_kind_per_round": [res.get("step_kind") for res in mine.values()],
            "first_layer": choices[0] if choices else None,
            "first_layer_same_every_round": (all(_choice_key(c) == _choice_key(choices[0]) for c in choices)
                                             if choices else None),
            "tuning_decisions": next((res["tuning"] for res in mine.values() if "tuning" in res), None),
            "worker_blas": first.get("blas"),
            "peer_blas": first.get("peer_blas"),
        })

    def find(contender, net, dtype, layout, batch):
        return next((r for r in rows if (r["contender"], r["net"], r["dtype"], r["layout"], r["batch"])
                     == (contender, net, dtype, layout, batch)), None)

    checks = []
    for net, dtype, kind, layouts, target in TARGETS:
        for batch in [b for b in args.batches if batch_kind(b) == kind]:
            for layout in layouts:
                row = find("engine", net, dtype, layout, batch)
                if row is None or row["ratio_to_post"] is None:
                    continue
                where = f"{net} net, {dtype}, {batch_text(batch)}, X {layout}-ordered"
                checks.append({"kind": "target", "check": f"engine / post, {where} <= {target}", "net": net,
                               "dtype": dtype, "layout": layout, "batch": batch, "value": row["ratio_to_post"],
                               "target": target, "pass": row["ratio_to_post"] <= target})
                jax = find("jax", net, dtype, layout, batch)
                check = {"kind": "jax", "check": f"engine ahead of jax's jit, {where}", "net": net, "dtype": dtype,
                         "layout": layout, "batch": batch}
                if jax is None:
                    check.update(value=None, target=1.0, pass_=None)
                    check["skipped"] = (f"jax did not run: {skipped['jax']}" if "jax" in skipped
                                        else "jax did not run on this row")
                else:
                    value = common.median(_paired(by_round(("engine", net, dtype, layout, batch)),
                                                  by_round(("jax", net, dtype, layout, batch))))
                    check.update(value=value, target=1.0, pass_=value is not None and value < 1.0)
                check["pass"] = check.pop("pass_")
                checks.append(check)

    # Sanity: every contender's first cost agrees with the post's (same parameters, same batches).
    cost_checks = []
    for row in rows:
        if row["contender"] in NOT_A_STEP:
            continue
        post = find("post", row["net"], row["dtype"], row["layout"], row["batch"])
        if post is not None:
            diff = abs(row["cost_first"] - post["cost_first"])
            tol = 1e-9 if row["dtype"] == "float64" else 1e-4
            cost_checks.append({"contender": row["contender"], "net": row["net"], "dtype": row["dtype"],
                                "layout": row["layout"], "batch": row["batch"], "abs_diff": diff,
                                "agrees": diff <= tol * max(1.0, abs(post["cost_first"]))})

    report = {
        "benchmark": "training steps inside training runs (forward, cost, backward, update), per-step time",
        "settings": {"rounds": args.rounds, "steps_tutorial": args.steps, "steps_small": args.small_steps,
                     "warmup_steps": args.warmup, "jobs": args.jobs, "quick": args.quick,
                     "learning_rate": LEARNING_RATE, "init": "xavier, seed 1", "contenders": args.contenders,
                     "nets": args.nets, "dtypes": args.dtypes, "layouts": args.layouts, "batches": args.batches,
                     "memory_pass": not args.no_memory},
        "machine": machine,
        "data": data_used,
        "rows": rows,
        "checks": checks,
        "cost_agreement": cost_checks,
        "skipped": skipped,
        "failed": {" ".join(c): err for c, err in failed.items()},
        "not_applicable": {" ".join(c): why for c, why in not_applicable.items()},
        "quick_limited": limited,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def _choice_key(choice):
    """What a first-layer choice decided, without the measured seconds (to compare rounds)."""
    if choice is None:
        return None
    return (None if choice["X"] is None else choice["X"]["choice"],
            tuple((p["b_order"], p["orientation"], p["threads"]) for p in choice["forward"]),
            tuple((p["b_order"], p["orientation"], p["threads"]) for p in choice["weight_gradient"]))


# ------------------------------------------------------------------------------------ report

def _ms(seconds, digits=3):
    return common.fmt(None if seconds is None else seconds * 1e3, digits)


def _ratio_cell(row):
    if row is None or row["ratio_to_post"] is None:
        return "-"
    lo, hi = row["ratio_to_post_range"]
    return f"{row['ratio_to_post']:.3g} ({lo:.3g}-{hi:.3g})"


def _pair(cells):
    """'F; C' cell text, '-' for what did not run."""
    return "; ".join(cells) if any(c != "-" for c in cells) else "-"


def _product_text(entries):
    if not entries:
        return "not run in a scope"
    return "; ".join(f"{p['orientation']}, threads {p['threads']} (operand {p['b_order']})" for p in entries)


def render_markdown(report) -> str:
    s = report["settings"]
    rows = report["rows"]
    layouts = s["layouts"]
    parts = [
        "# Training steps inside training runs: engine vs the post's code vs peers",
        "",
        (f"Each contender is timed over a whole training run (forward, cost, backward, update, lr "
        f"{s['learning_rate']}, parameters {s['init']}): the per-step time is the run's wall time divided "
        f"by its steps, setup included (the engine's is `fit`'s wall time: input checks, solver, any copy of "
        f"X, traces). Runs: {s['steps_tutorial']} steps (tutorial net), {s['steps_small']} (small net); "
        "mini-batch runs are whole epochs of the course's algorithm (a fresh permutation per epoch, seeded "
        "by the epoch), at least that many steps. Before it, each worker process does an untimed warm-up run "
        f"({s['warmup_steps']} steps, one epoch for mini-batches) where the engine's one-off tuning happens. "
        f"{s['rounds']} interleaved rounds, every configuration in a fresh process each round. Ratios are "
        "paired: each round's run divided by the same round's post run on the same net, dtype, layout of X "
        "and batch, then the median over rounds (range in brackets; below 1 = faster than the post's code). "
        "C / F: the same contender's step with C-ordered X over F-ordered X, paired. float32 speedup: the "
        "same contender's float64 step / float32 step, paired. Peak RSS: ru_maxrss of the worker (imports "
        "included). tracemalloc: the peak allocated during a warm-up-sized run after the warm-up, setup "
        "included, float64 only (n/a for torch and jax, which allocate outside Python's allocator)."),
        "",
    ]
    if s["quick"]:
        parts += ["**Quick smoke run: tiny sizes, not a measurement.**", ""]
    parts += ["Data: " + "; ".join(f"{net}: {d}" for net, d in report["data"].items()), ""]
    if report["quick_limited"]:
        parts += ["Quick run: " + ", ".join(f"{name} ran on {where} only" for name, where in
                                            report["quick_limited"].items()) + ".", ""]

    headers = ["contender", "dtype"]
    for layout in layouts:
        headers += [f"{layout}: ms/step", f"{layout}: ratio to post (range)"]
    if "C" in layouts and "F" in layouts:
        headers.append("C / F")
    headers += ["float32 speedup (" + "; ".join(layouts) + ")", "warm-up ms (" + "; ".join(layouts) + ")",
                "peak RSS MB", "tracemalloc MB (" + "; ".join(layouts) + ")"]
    for net in [n for n in NETS if n in s["nets"]]:
        for batch in s["batches"]:
            group = [r for r in rows if r["net"] == net and r["batch"] == batch]
            if not group:
                continue
            steps = group[0]["steps_per_run"]
            parts += [(f"## {net} net {group[0]['dims']}, m = {group[0]['m']}, {batch_text(batch)} "
                       f"({steps} steps per timed run)"), ""]
            table = []
            for contender in CONTENDERS:
                for dtype in s["dtypes"]:
                    cells = {lay: next((r for r in group if r["contender"] == contender and r["dtype"] == dtype
                                        and r["layout"] == lay), None) for lay in layouts}
                    present = [r for r in cells.values() if r is not None]
                    if not present:
                        continue
                    line = [LABELS[contender], dtype]
                    for lay in layouts:
                        line += [_ms(cells[lay]["step_s"]) if cells[lay] else "-", _ratio_cell(cells[lay])]
                    if "C" in layouts and "F" in layouts:
                        line.append(common.fmt(cells["C"]["c_over_f"]) if cells["C"] else "-")
                    line.append(_pair([common.fmt(cells[lay]["float32_speedup"]) if cells[lay] else "-"
                                       for lay in layouts]) if dtype == "float32" else "")
                    line.append(_pair([_ms(cells[lay]["warmup_s"], 3) if cells[lay] else "-" for lay in layouts]))
                    line.append(common.fmt(max(r["maxrss_mb"] for r in present), 4))
                    if contender in TRACEMALLOC_OK and dtype == "float64":
                        line.append(_pair([common.fmt(cells[lay]["tracemalloc_mb"]) if cells[lay] else "-"
                                           for lay in layouts]))
                    else:
                        line.append("n/a" if contender not in TRACEMALLOC_OK else "")
                    table.append(line)
            parts += [common.markdown_table(headers, table), ""]

    engine = [r for r in rows if r["contender"] == "engine"]
    if engine:
        parts += ["## The engine's one-off tuning/warm-up cost per process", "",
                  ("Every new process pays it once, in its first `fit` (here the untimed warm-up run): "
                   "`autograd_mini.tuning` times each kind of product both ways, the BLAS threads of small "
                   "products, and the memory order of X; the first trace is made. One-off = the warm-up run's "
                   "time minus its steps at the timed run's per-step time (an estimate; median over rounds)."), ""]
        table = [[r["net"], batch_text(r["batch"]), r["dtype"], r["layout"],
                  f"{_ms(r['warmup_s'])} ({r['warmup_steps']} steps)", _ms(r["one_off_s"]),
                  _ms(r["step_s"] * r["steps_per_run"])] for r in engine]
        parts += [common.markdown_table(["net", "batch", "dtype", "X", "warm-up fit ms", "one-off ms (estimate)",
                                         "timed fit ms"], table), ""]
        parts += ["## What the engine chose for the first layer", "",
                  ("From `autograd_mini.tuning.decisions()` after the `engine` worker's fit: X kept as given or "
                   "copied to the other order (`operand_layout`, measured only when the first layer's products "
                   "are large enough), and each product's orientation (`plain` a @ b, `turned` (b.T @ a.T).T) "
                   "and BLAS threads (`one`, `all`, `either` = left as it was). X_B: the memory order of the "
                   "batch the products see (X kept, or numpy's gather of its columns for mini-batches); the "
                   "right operand's order in brackets. Full decisions in step.json (`tuning_decisions`, first "
                   "round)."), ""]
        table = []
        for r in engine:
            choice = r["first_layer"]
            if choice is None:
                continue
            x = ("given (not measured)" if choice["X"] is None else choice["X"]["choice"])
            table.append([r["net"], batch_text(r["batch"]), r["dtype"], r["layout"], x, choice["X_B_order"],
                          _product_text(choice["forward"]), _product_text(choice["weight_gradient"]),
                          ", ".join(str(t) for t in choice["blas_threads"]) or "-",
                          "yes" if r["first_layer_same_every_round"] else "no"])
        parts += [common.markdown_table(["net", "batch", "dtype", "X given", "X kept as", "X_B", "W1 @ X_B",
                                         "dZ1 @ X_B.T", "BLAS threads", "same every round"], table), ""]

    gram = [r for r in rows if r["contender"] == "engine-gram"]
    if gram:
        parts += ["The gram solver's setup (G = X^T X, P = W1 X) and final W1 are inside its run's time.", ""]

    if report["checks"]:
        parts += ["## Targets", ""]
        skips = {}
        for c in report["checks"]:
            if c["pass"] is None:
                skips.setdefault(c["skipped"], []).append(c)
        for reason, group in skips.items():
            if len(group) == 1:
                parts.append(f"- SKIPPED: {group[0]['check']}: {reason}")
            else:  # one line for the rows that share a reason (jax not installed: every row)
                parts.append(f"- SKIPPED for the {len(group)} target rows below: engine ahead of jax's jit: {reason}")
        for c in report["checks"]:
            if c["pass"] is None:
                continue
            if c["kind"] == "jax":
                parts.append(f"- {'PASS' if c['pass'] else 'MISS'}: {c['check']}: engine step / jax step "
                             f"{c['value']:.3g}")
            else:
                parts.append(f"- {'PASS' if c['pass'] else 'MISS'}: {c['check']}: {c['value']:.3g}")
        parts.append("")
    bad = [c for c in report["cost_agreement"] if not c["agrees"]]
    parts += ["First costs (first iteration, or first epoch for mini-batches) agree with the post's for every "
              "contender." if not bad else "First cost differs from the post's: " + ", ".join(
                  f"{c['contender']} {c['net']} {c['dtype']} {c['layout']} {c['batch']} ({c['abs_diff']:.2g})"
                  for c in bad), ""]
    if report["skipped"]:
        parts += ["Skipped (not installed here):", ""]
        parts += [f"- {name}: {reason}" for name, reason in report["skipped"].items()]
        parts.append("")
    if report["not_applicable"]:
        parts += ["Not applicable (left out):", ""]
        parts += [f"- {name}: {why}" for name, why in report["not_applicable"].items()]
        parts.append("")
    if report["failed"]:
        parts += ["Failed:", ""] + [f"- {name}: {err}" for name, err in report["failed"].items()] + [""]

    parts += ["## Machine", "", common.machine_markdown(report["machine"]),
              ("- BLAS and its kernels (numpy, in the parent process): "
               f"{common.blas_markdown(report['machine']['blas_details'])}")]
    parts += _worker_blas_lines(rows)
    parts += ["", f"Total benchmark time: {report['total_seconds']:.0f} s.", ""]
    return "\n".join(parts)


def _worker_blas_lines(rows) -> list:
    """How the workers' BLAS libraries looked at the end of their runs (threadpoolctl), and the peers' own."""
    seen = {}
    for r in rows:
        libs = r.get("worker_blas") or []
        text = "; ".join(f"{b.get('internal_api', '?')} {b.get('version') or ''} ({b.get('architecture') or '-'}, "
                         f"{b.get('num_threads', '?')} threads)" for b in libs if "error" not in b) or "none seen"
        seen.setdefault(text, set()).add(r["contender"])
    lines = [f"- BLAS seen by threadpoolctl in the workers of {', '.join(sorted(names))}: {text}"
             for text, names in seen.items()]
    peers = {r["contender"]: r["peer_blas"] for r in rows if r.get("peer_blas")}
    for name, peer in peers.items():
        detail = ", ".join(f"{k} {v}" for k, v in peer.items() if k != "products")
        lines.append(f"- {name}'s products: {peer['products']}" + (f" ({detail})" if detail else ""))
    return lines


def plot(report, path):
    plt = common.pyplot()
    s = report["settings"]
    groups = [(net, batch) for net in NETS if net in s["nets"] for batch in s["batches"]
              if any(r["net"] == net and r["batch"] == batch for r in report["rows"])]
    dtypes = s["dtypes"]
    if not groups:
        return
    colors = {"F": "tab:blue", "C": "tab:orange"}
    fig, axes = plt.subplots(len(groups), len(dtypes), figsize=(6.5 * len(dtypes), 0.9 + 3.2 * len(groups)),
                             squeeze=False)
    for (net, batch), ax_row in zip(groups, axes):
        for dtype, ax in zip(dtypes, ax_row):
            rows = [r for r in report["rows"] if r["net"] == net and r["batch"] == batch and r["dtype"] == dtype
                    and r["ratio_to_post"] and r["contender"] != "post"]
            names = [c for c in CONTENDERS if any(r["contender"] == c for r in rows)]
            height = 0.8 / max(1, len(s["layouts"]))
            for k, layout in enumerate(s["layouts"]):
                labelled = False
                for i, name in enumerate(names):
                    row = next((r for r in rows if r["contender"] == name and r["layout"] == layout), None)
                    if row is None:
                        continue
                    y = i + (k - (len(s["layouts"]) - 1) / 2) * height
                    ax.barh(y, row["ratio_to_post"], height=height, color=colors.get(layout, "tab:gray"),
                            label=None if labelled else f"X {layout}-ordered")
                    labelled = True
                    ax.text(row["ratio_to_post"], y, f" {row['ratio_to_post']:.2g}", va="center", fontsize=6)
            ax.set_yticks(range(len(names)), [LABELS[n] for n in names], fontsize=7)
            ax.invert_yaxis()
            ax.set_xscale("log")
            ax.axvline(1.0, color="black", lw=0.8)
            shown = [1.0] + [r["ratio_to_post"] for r in rows]
            for t_net, t_dtype, kind, layouts, target in TARGETS:
                if (t_net, t_dtype, kind) == (net, dtype, batch_kind(batch)):
                    ax.axvline(target, color="red", lw=0.8, ls="--",
                               label=f"target {target} ({'/'.join(layouts)})")
                    shown.append(target)
            # Room for the smallest bar, the labels right of the largest, and every line.
            ax.set_xlim(min(shown) / 1.5, max(shown) * 2.0)
            handles, labels = ax.get_legend_handles_labels()
            unique = dict(zip(labels, handles))
            if unique:
                ax.legend(unique.values(), unique.keys(), fontsize=6, loc="best")
            ax.set_title(f"{net} net, {batch_text(batch)}, {dtype}: step / post's step", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("ratio to the post's step, paired median (log scale; < 1 is faster)", fontsize=7)
    fig.tight_layout()
    common.atomic_savefig(fig, path)
    plt.close(fig)


def write_outputs(out: Path, report):
    common.atomic_write_text(out / "step.md", report["markdown"])
    common.atomic_write_json(out / "step.json", {k: v for k, v in report.items() if k != "markdown"})
    plot(report, out / "step.png")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        common.worker_main(worker, sys.argv)
    else:
        main()

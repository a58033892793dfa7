"""One full training step (forward, cost, backward, update): the engine vs the post vs peers.

Contenders (``--contenders``, comma-separated):

- ``engine``: one backprop step as ``BinaryClassifier.fit`` runs it (``nets.solvers.BackpropSolver``
  with the step's graph traced once and replayed, the default stable cost);
- ``engine-eager``: ``BinaryClassifier.step``, the same step with the graph built eagerly;
- ``engine-faithful``: the replayed step with ``cost="faithful"`` (sigmoid then the post's logs,
  the cost the post and the peers compute), to compare like with like;
- ``engine-gram``: one gram step (``nets.solvers.GramSolver`` with gradient descent, W1 implicit;
  its one-off setup, G = X^T X and P = W1 X, and the final W1 are timed separately and
  reported as setup/finish);
- ``post``: the post's code (``nets.manual``, with the fixed backward): ``L_model_forward``,
  ``compute_cost``, ``L_model_backward``, ``update_parameters``. Every ratio is to this step;
- ``pruned``: the same without the unneeded ``dA0 = W1.T @ dZ1`` (``pruned_L_model_backward``);
- ``first-layer``: not a training step, a floor: only the first layer's two products that
  backprop cannot avoid, ``W1 @ X`` and ``dZ1 @ X.T``, each in the
  orientation the engine measured fastest (``autograd_mini.tuning``),, on the same arrays;
- ``torch``, ``jax``, ``autograd``, ``mygrad``: ``benchmarks/peers.py``; skipped with a note
  when they do not import.

Nets (``--nets``): ``tutorial`` [12288, 20, 7, 5, 1] on the 209 training images (the real
cat/non-cat X when present, F-contiguous as loaded), ``small`` [64, 32, 16, 1] on m = 256
random examples (seed 0). Dtypes (``--dtypes``): float64, float32. All contenders start from
the same parameters (xavier, seed 1) and the same X, Y arrays, learning rate 0.0075.

Method: every configuration (contender x net x dtype) runs in its own fresh process (importing
torch or jax into a process changes numpy's BLAS threading). ``--rounds`` rounds; each round
visits every configuration once, in a shuffled order, and each visit is a new process doing
warm-up steps then ``--steps`` timed steps (``--small-steps`` for the small net); the round's
value is the median step. A contender's ratio to the post is computed per round (paired: the
same round's post step) and the median of those ratios is reported. Peak memory: the worker's
``ru_maxrss`` (whole process, imports included), and, in a separate pass of one process per
numpy-based configuration, the tracemalloc peak over two steps (memory allocated by the step
on top of what existed before; torch and jax allocate outside Python's allocator, so n/a).

Run: ``python benchmarks/bench_step.py`` (results in benchmarks/results/step.{md,json,png});
``--quick`` for a smoke run (tiny sizes, 1 round, results in benchmarks/results/quick/).
"""
from __future__ import annotations

import argparse
import itertools
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
CONTENDERS = ["engine", "engine-eager", "engine-faithful", "engine-gram", "post", "pruned", "first-layer", "torch",
              "jax", "autograd", "mygrad"]
DEFAULT_CONTENDERS = CONTENDERS
PEER_NAMES = ("torch", "jax", "autograd", "mygrad")
# Contenders that time part of a step and compute no cost.
NOT_A_STEP = ("first-layer",)
# Contenders whose arrays go through Python's allocator, so tracemalloc sees them.
TRACEMALLOC_OK = ("engine", "engine-eager", "engine-faithful", "engine-gram", "post", "pruned", "first-layer", "autograd",
                  "mygrad")
LABELS = {
    "engine": "engine (backprop, replayed as fit runs it)",
    "engine-eager": "engine (backprop, eager graph)",
    "engine-faithful": "engine (backprop, faithful cost)",
    "engine-gram": "engine (gram solver)",
    "post": "post (nets.manual, fixed)",
    "pruned": "pruned hand-written (no dA0)",
    "first-layer": "floor: the first layer's W1 @ X and dZ1 @ X.T alone",
    "torch": "torch (eager CPU)",
    "jax": "jax (jit)",
    "autograd": "autograd (HIPS)",
    "mygrad": "mygrad",
}
TARGETS = {"tutorial": 0.50, "small": 0.90}
FLOAT32_TARGET = 1.6


# ------------------------------------------------------------------------------------ worker

def make_problem(net: str, dtype: str, quick: bool, data_dir=None):
    """(layer_dims, X, Y, data description), X and Y in ``dtype``."""
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
    # astype keeps the memory layout (F-contiguous X stays F-contiguous) and does not copy
    # when the dtype already matches.
    return dims, X.astype(dtype, copy=False), Y.astype(dtype), source


def make_step(contender: str, dims, X, Y, dtype: str):
    """(step, extras): ``step()`` does one training step and returns the cost (None for NOT_A_STEP)."""
    import numpy as np

    from nets import BinaryClassifier, manual
    from nets.init import initialize

    extras = {}
    if contender in ("engine", "engine-eager", "engine-faithful", "engine-gram"):
        cost = "faithful" if contender == "engine-faithful" else "stable"
        model = BinaryClassifier(dims, init="xavier", seed=1, dtype=dtype, cost=cost)
        batch = model.batch(X, Y)
        from nets.solvers import gradient_descent_step

        if contender == "engine-gram":
            start = time.perf_counter()
            step = gradient_descent_step(model.objective(), batch.X.data, batch.Y.data, LEARNING_RATE,
                                         solver="gram")
            extras["setup_s"] = time.perf_counter() - start

            def finish():
                start = time.perf_counter()
                step.solver.materialise()
                extras["finish_s"] = time.perf_counter() - start

            extras["finish"] = finish
            return step, extras
        if contender == "engine-eager":
            return (lambda: model.step(batch, LEARNING_RATE)), extras
        return gradient_descent_step(model.objective(), batch.X.data, batch.Y.data, LEARNING_RATE), extras

    params = initialize(dims, "xavier", 1, dtype)
    if contender == "first-layer":
        from autograd_mini.tuning import matmul

        W1 = params["W1"]
        dZ1 = np.random.RandomState(0).standard_normal((dims[1], X.shape[1])).astype(dtype)

        def step():
            matmul(W1, X)
            matmul(dZ1, X.T)

        return step, extras

    if contender in ("post", "pruned"):
        backward = manual.L_model_backward if contender == "post" else manual.pruned_L_model_backward
        state = {"p": params}

        def step():
            p = state["p"]
            AL, caches = manual.L_model_forward(X, p)
            cost = manual.compute_cost(AL, Y)
            grads = backward(AL, Y, caches)
            state["p"] = manual.update_parameters(p, grads, LEARNING_RATE)
            return float(cost)

        return step, extras

    from benchmarks import peers

    return peers.PEERS[contender](params, X, Y, LEARNING_RATE, dtype), extras


def worker(config: dict) -> dict:
    contender = config["contender"]
    if contender in PEER_NAMES:
        from benchmarks import peers

        reason = peers.peer_unavailable_reason(contender)
        if reason is not None:
            return {"skipped": reason}
    dims, X, Y, source = make_problem(config["net"], config["dtype"], config["quick"], config.get("data_dir"))
    result = {"dims": dims, "m": X.shape[1], "data": source, "x_f_contiguous": bool(X.flags.f_contiguous)}
    step, extras = make_step(contender, dims, X, Y, config["dtype"])
    if "setup_s" in extras:
        result["setup_s"] = extras["setup_s"]
    cost = step()  # the first warm-up step (jax compiles here)
    result["cost_first"] = None if cost is None else float(cost)
    if config["mode"] == "memory":
        import tracemalloc

        step()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(2):
            step()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result["tracemalloc_peak_mb"] = (peak - base) / 2**20
        return result
    times = common.time_steps(step, config["steps"], warmup=max(0, config["warmup"] - 1))
    result["times"] = times
    result["median_s"] = common.median(times)
    result["min_s"] = min(times)
    if "finish" in extras:
        extras["finish"]()
        result["finish_s"] = extras["finish_s"]
    return result


# ------------------------------------------------------------------------------------ parent

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, 1 round, few steps (smoke test)")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 7; quick 1)")
    p.add_argument("--steps", type=int, default=None, help="timed steps per process, tutorial net (default 100)")
    p.add_argument("--small-steps", type=int, default=None, help="timed steps per process, small net (default 1000)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 3; quick 1)")
    p.add_argument("--contenders", default=",".join(DEFAULT_CONTENDERS),
                   help=f"comma-separated, from {','.join(CONTENDERS)}")
    p.add_argument("--nets", default="tutorial,small")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass (quick: float64 only)")
    p.add_argument("--jobs", type=int, default=None,
                   help="workers at once (default 1; quick: 2). Above 1 the timings are not meaningful")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--seed", type=int, default=0, help="seed of the per-round shuffling")
    args = p.parse_args(argv)
    q = args.quick
    args.rounds = args.rounds or (1 if q else 7)
    args.steps = args.steps or (3 if q else 100)
    args.small_steps = args.small_steps or (5 if q else 1000)
    args.warmup = args.warmup or (1 if q else 3)
    args.jobs = args.jobs or (2 if q else 1)
    args.contenders = _split(args.contenders, CONTENDERS, "contender")
    args.nets = _split(args.nets, list(NETS), "net")
    args.dtypes = _split(args.dtypes, ["float64", "float32"], "dtype")
    if "post" not in args.contenders:
        args.contenders.append("post")  # every ratio is to the post's step
    return args


def _split(text, allowed, what):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        raise SystemExit(f"unknown {what}(s) {bad}; choose from {allowed}")
    return items


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info()
    configs = list(itertools.product(args.contenders, args.nets, args.dtypes))
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    runs: dict[tuple, list] = {c: [] for c in configs}  # per config, per round: result dict
    rng = random.Random(args.seed)
    started = time.time()

    def cfg(contender, net, dtype, mode, round_index=0):
        steps = args.steps if net == "tutorial" else args.small_steps
        return {"contender": contender, "net": net, "dtype": dtype, "mode": mode, "steps": steps,
                "warmup": args.warmup, "quick": args.quick, "data_dir": args.data, "round": round_index}

    for r in range(args.rounds):
        order = [c for c in configs if c[0] not in skipped and c[0] not in failed]
        rng.shuffle(order)
        results = common.run_workers(script, [cfg(*c, "time", r) for c in order], jobs=args.jobs)
        for c, res in zip(order, results):
            if res.get("skipped"):
                skipped[c[0]] = res["skipped"]
            elif not res.get("ok"):
                failed[c[0]] = res.get("error", "unknown error")
                print(f"  {c}: FAILED {failed[c[0]]}", file=sys.stderr)
            else:
                res["round"] = r
                runs[c].append(res)
        print(f"round {r + 1}/{args.rounds} done ({time.time() - started:.0f} s)", file=sys.stderr)

    memory: dict[tuple, float] = {}
    if not args.no_memory:
        mem_configs = [c for c in configs if c[0] in TRACEMALLOC_OK and c[0] not in skipped and c[0] not in failed
                       and not (args.quick and c[2] != "float64")]  # quick: float64 only, to stay short
        results = common.run_workers(script, [cfg(*c, "memory") for c in mem_configs], jobs=args.jobs)
        for c, res in zip(mem_configs, results):
            if res.get("ok"):
                memory[c] = res["tracemalloc_peak_mb"]
        print(f"memory pass done ({time.time() - started:.0f} s)", file=sys.stderr)

    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, configs, runs, memory, skipped, failed, machine, time.time() - started)
    write_outputs(out, report)
    print(report["markdown"])
    print(f"\nwritten: {out / 'step.md'}, {out / 'step.json'}, {out / 'step.png'}", file=sys.stderr)
    return report


def summarise(args, configs, runs, memory, skipped, failed, machine, seconds):
    def by_round(contender, net, dtype):
        return {res["round"]: res for res in runs.get((contender, net, dtype), [])}

    rows = []
    data_used = {}
    for contender, net, dtype in configs:
        if contender in skipped or contender in failed:
            continue
        mine = by_round(contender, net, dtype)
        if not mine:
            continue
        post = by_round("post", net, dtype)
        ratios = [mine[r]["median_s"] / post[r]["median_s"] for r in mine if r in post]
        other = by_round(contender, net, "float32" if dtype == "float64" else "float64")
        speedups = []
        if dtype == "float32" and other:
            speedups = [other[r]["median_s"] / mine[r]["median_s"] for r in mine if r in other]
        first = next(iter(mine.values()))
        data_used[net] = first["data"]
        rows.append({
            "contender": contender,
            "label": LABELS[contender],
            "net": net,
            "dims": first["dims"],
            "m": first["m"],
            "dtype": dtype,
            "x_f_contiguous": first["x_f_contiguous"],
            "round_medians_s": [mine[r]["median_s"] for r in sorted(mine)],
            "median_s": common.median([res["median_s"] for res in mine.values()]),
            "ratio_to_post_per_round": ratios,
            "ratio_to_post": common.median(ratios),
            "float32_speedup_per_round": speedups,
            "float32_speedup": common.median(speedups),
            "maxrss_mb": common.median([res["maxrss_mb"] for res in mine.values()]),
            "tracemalloc_peak_mb": memory.get((contender, net, dtype)),
            "cost_first": first["cost_first"],
            "gram_setup_s": common.median([res["setup_s"] for res in mine.values() if "setup_s" in res]),
            "gram_finish_s": common.median([res["finish_s"] for res in mine.values() if "finish_s" in res]),
        })

    checks = []
    for row in rows:
        if row["contender"] != "engine":
            continue
        if row["net"] in TARGETS and row["ratio_to_post"] is not None:
            target = TARGETS[row["net"]]
            checks.append({
                "check": f"engine step / post step, {row['net']} net, {row['dtype']} <= {target}",
                "value": row["ratio_to_post"], "target": target, "pass": row["ratio_to_post"] <= target,
            })
        if row["net"] == "tutorial" and row["dtype"] == "float32" and row["float32_speedup"] is not None:
            checks.append({
                "check": f"engine float32 speedup over float64, tutorial net >= {FLOAT32_TARGET}",
                "value": row["float32_speedup"], "target": FLOAT32_TARGET,
                "pass": row["float32_speedup"] >= FLOAT32_TARGET,
            })
    # Sanity: every contender's first cost agrees with the post's (same parameters, same data).
    cost_checks = []
    for row in rows:
        if row["contender"] in NOT_A_STEP:
            continue
        post = next((p for p in rows if p["contender"] == "post" and p["net"] == row["net"]
                     and p["dtype"] == row["dtype"]), None)
        if post is not None:
            diff = abs(row["cost_first"] - post["cost_first"])
            tol = 1e-9 if row["dtype"] == "float64" else 1e-4
            cost_checks.append({"contender": row["contender"], "net": row["net"], "dtype": row["dtype"],
                                "abs_diff": diff, "agrees": diff <= tol * max(1.0, abs(post["cost_first"]))})

    report = {
        "benchmark": "one training step (forward, cost, backward, update)",
        "settings": {"rounds": args.rounds, "steps_tutorial": args.steps, "steps_small": args.small_steps,
                     "warmup": args.warmup, "jobs": args.jobs, "quick": args.quick,
                     "learning_rate": LEARNING_RATE, "init": "xavier, seed 1",
                     "contenders": args.contenders, "nets": args.nets, "dtypes": args.dtypes},
        "machine": machine,
        "data": data_used,
        "rows": rows,
        "checks": checks,
        "cost_agreement": cost_checks,
        "skipped": skipped,
        "failed": failed,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def render_markdown(report) -> str:
    s = report["settings"]
    headers = ["net", "dtype", "contender", "median step (ms)", "ratio to post (paired median)",
               "ratio range over rounds", "float32 speedup", "peak RSS (MB)", "tracemalloc peak/step (MB)"]
    table = []
    for row in report["rows"]:
        ratios = row["ratio_to_post_per_round"]
        spread = f"{min(ratios):.3g}-{max(ratios):.3g}" if ratios else None
        table.append([
            row["net"], row["dtype"], row["label"], common.fmt(row["median_s"] * 1e3),
            common.fmt(row["ratio_to_post"]), spread,
            common.fmt(row["float32_speedup"]) if row["dtype"] == "float32" else "",
            common.fmt(row["maxrss_mb"], 4),
            common.fmt(row["tracemalloc_peak_mb"]) if row["tracemalloc_peak_mb"] is not None else "n/a",
        ])
    parts = [
        "# One training step: engine vs the post's code vs peers",
        "",
        f"Forward, cost, backward and update, lr {s['learning_rate']}, parameters {s['init']}. "
        f"{s['rounds']} interleaved rounds; each round runs every configuration once in a fresh "
        f"process ({s['warmup']} warm-up steps, then {s['steps_tutorial']} timed steps for the "
        f"tutorial net, {s['steps_small']} for the small net) and keeps the median step. Ratios are "
        "paired: each round's step divided by the same round's post step, then the median over rounds "
        "(below 1 = faster than the post's code). float32 speedup = the same contender's float64 "
        "step / float32 step, paired by round. Peak RSS: ru_maxrss of the worker process (imports "
        "included). tracemalloc peak/step: memory allocated over two steps in a separate process "
        "(n/a for torch and jax, which allocate outside Python's allocator).",
        "",
    ]
    if s["quick"]:
        parts += ["**Quick smoke run: tiny sizes, not a measurement.**", ""]
    parts += ["Data: " + "; ".join(f"{net}: {d}" for net, d in report["data"].items()), ""]
    parts += [common.markdown_table(headers, table), ""]
    gram = [r for r in report["rows"] if r["contender"] == "engine-gram"]
    if gram:
        parts += ["Gram solver one-off costs (not in its step time): " + "; ".join(
            f"{r['net']} {r['dtype']}: setup G, P {common.fmt((r['gram_setup_s'] or 0) * 1e3)} ms, "
            f"final W1 {common.fmt((r['gram_finish_s'] or 0) * 1e3)} ms" for r in gram), ""]
    if report["checks"]:
        parts += ["## Targets", ""]
        parts += [f"- {'PASS' if c['pass'] else 'MISS'}: {c['check']}: {c['value']:.3g}" for c in report["checks"]]
        parts.append("")
    bad = [c for c in report["cost_agreement"] if not c["agrees"]]
    parts += ["First-step costs agree with the post's for every contender." if not bad else
              "First-step cost differs from the post's: " + ", ".join(
                  f"{c['contender']} {c['net']} {c['dtype']} ({c['abs_diff']:.2g})" for c in bad), ""]
    if report["skipped"]:
        parts += ["Skipped (not installed here):", ""]
        parts += [f"- {name}: {reason}" for name, reason in report["skipped"].items()]
        parts.append("")
    if report["failed"]:
        parts += ["Failed:", ""] + [f"- {name}: {err}" for name, err in report["failed"].items()] + [""]
    parts += ["## Machine", "", common.machine_markdown(report["machine"]), "",
              f"Total benchmark time: {report['total_seconds']:.0f} s.", ""]
    return "\n".join(parts)


def plot(report, path):
    plt = common.pyplot()
    groups = sorted({(r["net"], r["dtype"]) for r in report["rows"]},
                    key=lambda g: (list(NETS).index(g[0]), g[1] != "float64"))
    if not groups:
        return
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 2.2 + 0.9 * len(groups) * 2.2), squeeze=False)
    for ax, (net, dtype) in zip(axes[:, 0], groups):
        rows = [r for r in report["rows"] if r["net"] == net and r["dtype"] == dtype and r["ratio_to_post"]]
        names = [r["label"] for r in rows]
        values = [r["ratio_to_post"] for r in rows]
        colors = ["tab:blue" if r["contender"].startswith("engine") else
                  "tab:gray" if r["contender"] in ("post", "pruned") else "tab:orange" for r in rows]
        ax.barh(range(len(rows)), values, color=colors)
        ax.set_yticks(range(len(rows)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", lw=0.8)
        if net in TARGETS:
            ax.axvline(TARGETS[net], color="red", lw=0.8, ls="--", label=f"target {TARGETS[net]}")
            ax.legend(fontsize=7, loc="lower right")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.3g}", va="center", fontsize=7)
        ax.set_title(f"{net} net {rows[0]['dims'] if rows else ''}, {dtype}: step time / post's step (paired median)",
                     fontsize=9)
    axes[-1, 0].set_xlabel("ratio to the post's step (log scale; < 1 is faster)")
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

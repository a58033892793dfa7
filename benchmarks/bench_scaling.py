"""How the engine's step time and memory grow with the problem, next to the post's code.

Three sweeps of one training step (forward, cost, backward, update; float64, xavier seed 1,
random normal X and random labels, seed 0), each from the base net [1024, 64, 64, 64, 1] on
m = 256 examples:

- ``examples``: m = 16, 64, 256, 1024, 4096, 8192;
- ``width``: the three hidden layers 16, 64, 256, 1024 wide;
- ``depth``: 1, 2, 4, 8, 16 hidden layers of width 64.

Contenders: ``engine`` (a backprop step as ``fit`` runs it, replayed) and ``post`` (``nets.manual``, the fixed
backward, which also computes the unneeded dA0). Every point is a fresh process; inside it the
two contenders alternate (5 repeats of k steps each, k chosen so that a repeat lasts ~0.3 s)
and the median step is kept. The tracemalloc peak of one step (memory allocated by the step on
top of what existed before) is measured after the timing, in the same process.

FLOPs are the matrix products' 2*n*k*m: the forward W X per layer, dW per layer, dA for
every layer but the first (the post also computes dA0). Per sweep and contender a least-squares
line ``t = overhead + FLOPs / rate`` gives the fixed per-step cost (the intercept: Python and
per-op overhead) and the BLAS-bound rate; the log-log slope of time against FLOPs over the
upper half of the sweep shows whether time grows as the FLOPs do (slope 1).

Run: ``python benchmarks/bench_scaling.py`` (results in benchmarks/results/scaling.{md,json,png});
``--quick`` for a smoke run on tiny sizes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

LEARNING_RATE = 0.0075
BASE = {"n_x": 1024, "width": 64, "depth": 3, "m": 256}
SWEEPS = {
    "examples": ("m", [16, 64, 256, 1024, 4096, 8192]),
    "width": ("width", [16, 64, 256, 1024]),
    "depth": ("depth", [1, 2, 4, 8, 16]),
}
QUICK_BASE = {"n_x": 64, "width": 16, "depth": 2, "m": 32}
QUICK_SWEEPS = {
    "examples": ("m", [16, 64, 256]),
    "width": ("width", [8, 32]),
    "depth": ("depth", [1, 2, 4]),
}
CONTENDERS = ("engine", "post")


def layer_dims(point):
    return [point["n_x"]] + [point["width"]] * point["depth"] + [1]


def matmul_flops(dims, m, contender):
    pairs = list(zip(dims[1:], dims[:-1]))
    forward = sum(2 * a * b * m for a, b in pairs)
    d_weights = forward
    d_inputs = sum(2 * a * b * m for a, b in pairs[1:])
    if contender == "post":
        d_inputs += 2 * pairs[0][0] * pairs[0][1] * m
    return forward + d_weights + d_inputs


# ------------------------------------------------------------------------------------ worker

def worker(config):
    import tracemalloc

    import numpy as np

    from nets import BinaryClassifier, manual
    from nets.model.init import initialize

    point = config["point"]
    dims, m = layer_dims(point), point["m"]
    rng = np.random.RandomState(0)
    X = rng.randn(dims[0], m)
    Y = (rng.rand(1, m) < 0.5).astype(np.float64)

    def make(contender):
        if contender == "engine":
            from nets.model.solvers import gradient_descent_step

            model = BinaryClassifier(dims, init="xavier", seed=1, dtype="float64")
            batch = model.batch(X, Y)
            # A backprop step as fit runs it: the step's graph traced once, then replayed.
            return gradient_descent_step(model.objective(), batch.X.data, batch.Y.data, LEARNING_RATE)
        state = {"p": initialize(dims, "xavier", 1, np.float64)}

        def step():
            AL, caches = manual.L_model_forward(X, state["p"])
            cost = manual.compute_cost(AL, Y)
            grads = manual.L_model_backward(AL, Y, caches)
            state["p"] = manual.update_parameters(state["p"], grads, LEARNING_RATE)
            return float(cost)

        return step

    steps = {c: make(c) for c in CONTENDERS}
    k = {}
    for c, step in steps.items():
        step()
        t = common.median(common.time_steps(step, 2, warmup=0))
        k[c] = int(min(config["max_steps"], max(config["min_steps"], config["target_s"] / max(t, 1e-9))))
    medians = {c: [] for c in CONTENDERS}
    for _ in range(config["repeats"]):
        for c, step in steps.items():
            medians[c].append(common.median(common.time_steps(step, k[c], warmup=0)))
    memory = {}
    for c, step in steps.items():
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        step()
        memory[c] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()
    return {"dims": dims, "m": m, "steps_per_repeat": k,
            "contenders": {c: {"median_s": common.median(medians[c]), "repeat_medians_s": medians[c],
                               "flops": matmul_flops(dims, m, c), "tracemalloc_step_peak_mb": memory[c]}
                           for c in CONTENDERS}}


# ------------------------------------------------------------------------------------ parent

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    p.add_argument("--sweeps", default=",".join(SWEEPS), help=f"comma-separated, from {','.join(SWEEPS)}")
    p.add_argument("--repeats", type=int, default=None, help="alternating repeats per point (default 5)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    args = p.parse_args(argv)
    args.sweeps = [s for s in args.sweeps.split(",") if s]
    for s in args.sweeps:
        if s not in SWEEPS:
            raise SystemExit(f"unknown sweep {s!r}; choose from {list(SWEEPS)}")
    args.repeats = args.repeats or (1 if args.quick else 5)
    return args


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info(with_peers=False)
    base, sweeps = (QUICK_BASE, QUICK_SWEEPS) if args.quick else (BASE, SWEEPS)
    timing = ({"target_s": 0.01, "min_steps": 1, "max_steps": 3} if args.quick
              else {"target_s": 0.3, "min_steps": 3, "max_steps": 500})
    started = time.time()
    points = []
    for sweep in args.sweeps:
        key, values = sweeps[sweep]
        for v in values:
            point = dict(base, **{key: v})
            res = common.run_worker(script, {"point": point, "repeats": args.repeats, **timing}, timeout=3600)
            if not res.get("ok"):
                raise SystemExit(f"{sweep}={v} failed: {res.get('error')}\n{res.get('traceback', '')}")
            points.append({"sweep": sweep, "variable": key, "value": v, **res})
            print(f"{sweep} {key}={v}: " + ", ".join(
                f"{c} {r['median_s'] * 1e3:.3g} ms" for c, r in res["contenders"].items()), file=sys.stderr)
    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, base, sweeps, points, machine, time.time() - started)
    common.atomic_write_text(out / "scaling.md", report["markdown"])
    common.atomic_write_json(out / "scaling.json", {k: v for k, v in report.items() if k != "markdown"})
    plot(report, out / "scaling.png")
    print(report["markdown"])
    return report


def summarise(args, base, sweeps, points, machine, seconds):
    fits = []
    for sweep in args.sweeps:
        mine = [p for p in points if p["sweep"] == sweep]
        for c in CONTENDERS:
            flops = [p["contenders"][c]["flops"] for p in mine]
            times = [p["contenders"][c]["median_s"] for p in mine]
            overhead, per_flop = common.fit_line(flops, times)
            upper = sorted(zip(flops, times))[len(mine) // 2 - (1 if len(mine) % 2 == 0 else 0):]
            slope = common.loglog_slope([f for f, _ in upper], [t for _, t in upper]) if len(upper) >= 2 else None
            per_layer = common.fit_line([p["value"] for p in mine], times)[1] if sweep == "depth" else None
            fits.append({"sweep": sweep, "contender": c, "overhead_s": overhead, "per_hidden_layer_s": per_layer,
                         "gflops_per_s": (1 / per_flop / 1e9) if per_flop > 0 else None,
                         "loglog_slope_upper": slope, "points_in_slope": len(upper),
                         "seconds_per_gflop_largest": times[-1] / (flops[-1] / 1e9)})
    report = {
        "benchmark": "scaling of one training step with examples, width and depth",
        "settings": {"quick": args.quick, "repeats": args.repeats, "base": base,
                     "sweeps": {s: sweeps[s] for s in args.sweeps}, "dtype": "float64",
                     "learning_rate": LEARNING_RATE},
        "machine": machine,
        "points": points,
        "fits": fits,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def render_markdown(report) -> str:
    s = report["settings"]
    parts = ["# Scaling of one training step: engine vs the post's code", ""]
    if s["quick"]:
        parts += ["**Quick smoke run: tiny sizes, not a measurement.**", ""]
    parts += [
        f"float64, random data. Base net {layer_dims(s['base'])} on m = {s['base']['m']}; each sweep "
        "varies one of m, hidden width (3 hidden layers), depth (hidden layers of the base width). "
        "MFLOP: matrix-product FLOPs of the step (the post's include dA0). ns/FLOP = time per FLOP. "
        "Traced MiB: tracemalloc peak of one step above what existed before it.", "",
    ]
    headers = ["sweep", "value", "layers", "m", "engine (ms)", "post (ms)", "engine / post",
               "engine MFLOP", "engine ns/FLOP", "post ns/FLOP", "engine traced MiB", "post traced MiB"]
    rows = []
    for p in report["points"]:
        e, q = p["contenders"]["engine"], p["contenders"]["post"]
        dims = p["dims"] if len(p["dims"]) <= 6 else f"[{p['dims'][0]}, {p['dims'][1]} x {len(p['dims']) - 2}, 1]"
        rows.append([p["sweep"], p["value"], dims, p["m"], common.fmt(e["median_s"] * 1e3),
                     common.fmt(q["median_s"] * 1e3), common.fmt(e["median_s"] / q["median_s"]),
                     common.fmt(e["flops"] / 1e6), common.fmt(e["median_s"] / e["flops"] * 1e9),
                     common.fmt(q["median_s"] / q["flops"] * 1e9),
                     common.fmt(e["tracemalloc_step_peak_mb"]), common.fmt(q["tracemalloc_step_peak_mb"])])
    parts += [common.markdown_table(headers, rows), "", "## Fits: t = overhead + FLOPs / rate", ""]
    frows = [[f["sweep"], f["contender"], common.fmt(f["overhead_s"] * 1e3), common.fmt(f["gflops_per_s"]),
              common.fmt(f["loglog_slope_upper"]), f["points_in_slope"],
              common.fmt(f["per_hidden_layer_s"] * 1e3) if f["per_hidden_layer_s"] is not None else ""]
             for f in report["fits"]]
    parts += [common.markdown_table(["sweep", "contender", "overhead = intercept (ms)", "rate (GFLOP/s)",
                                     "log-log slope of t vs FLOPs (upper half)", "points",
                                     "per hidden layer (ms, t vs depth)"], frows), ""]
    parts += ["A slope near 1 over the upper half means the step's time grows as its FLOPs; the intercept "
              "is the fixed per-step cost (Python, graph building, per-op overhead). A negative intercept "
              "means the fit is dominated by the large points (BLAS gets faster on bigger products). "
              "In the depth sweep the FLOPs hardly grow (64 x 64 layers are cheap) and the time is set by "
              "the per-layer cost (a line of t against the number of hidden layers).", ""]
    parts += ["## Machine", "", common.machine_markdown(report["machine"]), "",
              f"Total benchmark time: {report['total_seconds']:.0f} s.", ""]
    return "\n".join(parts)


def plot(report, path):
    plt = common.pyplot()
    sweeps = list(report["settings"]["sweeps"])
    fig, axes = plt.subplots(2, len(sweeps), figsize=(4.2 * len(sweeps), 7), squeeze=False)
    for j, sweep in enumerate(sweeps):
        pts = [p for p in report["points"] if p["sweep"] == sweep]
        xs = [p["value"] for p in pts]
        for c, color in (("engine", "tab:blue"), ("post", "tab:gray")):
            times = [p["contenders"][c]["median_s"] * 1e3 for p in pts]
            axes[0, j].plot(xs, times, marker="o", color=color, label=c)
            axes[1, j].plot(xs, [max(p["contenders"][c]["tracemalloc_step_peak_mb"], 1e-4) for p in pts],
                            marker="o", color=color, label=c)
        # FLOP-proportional reference through the engine's largest point.
        flops = [p["contenders"]["engine"]["flops"] for p in pts]
        last = pts[-1]["contenders"]["engine"]["median_s"] * 1e3
        axes[0, j].plot(xs, [last * f / flops[-1] for f in flops], ls="--", color="tab:red", lw=0.8,
                        label="proportional to FLOPs")
        for i in range(2):
            axes[i, j].set_xscale("log", base=2)
            axes[i, j].set_yscale("log")
            axes[i, j].set_xlabel(pts[0]["variable"] if pts else sweep)
            axes[i, j].legend(fontsize=7)
        axes[0, j].set_title(f"step time vs {sweep}", fontsize=9)
        axes[1, j].set_title(f"tracemalloc peak of a step vs {sweep}", fontsize=9)
        axes[0, j].set_ylabel("ms")
        axes[1, j].set_ylabel("MiB")
    fig.tight_layout()
    common.atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        common.worker_main(worker, sys.argv)
    else:
        main()

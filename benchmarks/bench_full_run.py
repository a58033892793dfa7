"""The tutorial's full training runs, end to end: the engine (gram and backprop) vs the post vs peers.

Runs (float64, seed 1, learning rate 0.0075, 2500 full-batch iterations, the 209 training
images; the real cat/non-cat set when present, else the synthetic one):

- ``2-layer``: [12288, 7, 1], init ``small`` (randn * 0.01, the course's two-layer model);
- ``4-layer``: [12288, 20, 7, 5, 1], init ``xavier`` (the course's L-layer application);
- ``4-layer-small``: [12288, 20, 7, 5, 1] with the post's own ``initialize_parameters_deep``
  scale (init ``small``), engine gram only: does it train, or does the cost sit near ln 2?

Contenders: ``engine-gram`` (``fit(solver="gram")``), ``engine-backprop``
(``fit(solver="backprop")``), ``post`` (``nets.manual.L_layer_model``, the post's functions in
the course's loop), and the peers ``torch`` and ``jax`` (``benchmarks/peers.py``, same loop).
Each run is its own process. The wall time is everything after the data is loaded: the
initialisation, the gram solver's setup (G = X^T X, P = W1 X), the 2500 iterations and the final
W1. Reported: wall time, speedup over the post's run, final cost (the cost computed in the last
iteration), train and test accuracy, and the cost every 100 iterations.

Run: ``python benchmarks/bench_full_run.py`` (results in benchmarks/results/full_run.{md,json});
``--quick``: 20 iterations on small synthetic images, results in benchmarks/results/quick/.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

LEARNING_RATE = 0.0075
RUNS = {
    "2-layer": {"dims": [12288, 7, 1], "init": "small"},
    "4-layer": {"dims": [12288, 20, 7, 5, 1], "init": "xavier"},
    "4-layer-small": {"dims": [12288, 20, 7, 5, 1], "init": "small"},
}
CONTENDERS = ["engine-gram", "engine-backprop", "post", "torch", "jax"]
ONLY = {"4-layer-small": ["engine-gram"]}
LABELS = {
    "engine-gram": "engine, gram solver",
    "engine-backprop": "engine, backprop",
    "post": "post (manual.L_layer_model)",
    "torch": "torch (eager CPU)",
    "jax": "jax (jit)",
}
GRAM_TARGET = 25.0
LN2 = math.log(2.0)


# ------------------------------------------------------------------------------------ worker

def signal_at_init(model, X, Y) -> dict:
    """How large the pre-activations and the gradients are before training (one forward, one backward)."""
    import numpy as np

    from nets import manual

    _, caches = manual.L_model_forward(X, model.parameters)
    return {
        "z_std": [float(np.std(Z)) for _, Z in caches],
        "grad_norm": {k: float(np.linalg.norm(v)) for k, v in model.gradients(X, Y).items()},
    }


def solver_agreement(rows) -> dict:
    """Per run, the largest relative difference between the gram and backprop costs at the recorded points."""
    agreement = {}
    for run in sorted({r["run"] for r in rows}):
        by = {r["contender"]: dict(r["costs"]) for r in rows if r["run"] == run}
        gram, back = by.get("engine-gram"), by.get("engine-backprop")
        if gram and back and gram.keys() == back.keys():
            agreement[run] = max(abs(gram[i] - back[i]) / abs(back[i]) for i in back)
    return agreement


def worker(config: dict) -> dict:
    import numpy as np

    contender = config["contender"]
    if contender in ("torch", "jax"):
        from benchmarks import peers

        reason = peers.peer_unavailable_reason(contender)
        if reason is not None:
            return {"skipped": reason}
    from nets import BinaryClassifier, manual
    from nets.model.init import initialize

    X, Y, Xt, Yt, source = common.load_data(config.get("data_dir"), quick=config["quick"])
    Y = Y.astype(np.float64)
    run = RUNS[config["run"]]
    dims = [X.shape[0]] + run["dims"][1:]
    init, iterations, every = run["init"], config["iterations"], config["print_every"]
    result = {"data": source, "dims": dims, "init": init, "iterations": iterations, "m": X.shape[1]}
    if contender.startswith("engine"):
        result["signal_at_init"] = signal_at_init(BinaryClassifier(dims, init=init, seed=1), X, Y)

    start = time.perf_counter()
    if contender.startswith("engine"):
        model = BinaryClassifier(dims, init=init, seed=1, dtype="float64")
        history = model.fit(X, Y, learning_rate=LEARNING_RATE, iterations=iterations, print_every=every,
                            solver=contender.split("-")[1])
        wall = time.perf_counter() - start
        costs = [(int(i), float(c)) for i, c in history]
        result["solver"] = history.solver
        train_acc, test_acc = model.accuracy(X, Y), model.accuracy(Xt, Yt)
        predicted = model.predict(X)
    else:
        if contender == "post":
            params, costs = manual.L_layer_model(X, Y, dims, learning_rate=LEARNING_RATE,
                                                 num_iterations=iterations, init=init)
        else:
            from benchmarks import peers

            step = peers.PEERS[contender](initialize(dims, init, 1, np.float64), X, Y, LEARNING_RATE, np.float64)
            costs = []
            for i in range(iterations):
                cost = step()
                if i % every == 0 or i == iterations - 1:
                    costs.append((i, float(cost)))
            params = step.get_params()
        wall = time.perf_counter() - start
        costs = [(int(i), float(c)) for i, c in costs]
        train_acc = float(np.mean(manual.predict(X, params) == Y))
        test_acc = float(np.mean(manual.predict(Xt, params) == Yt))
        predicted = manual.predict(X, params)
    # A net that learnt only the class prior predicts one class for every image and sits at
    # the entropy of the labels, H(mean Y), not at ln 2.
    p = float(np.mean(Y))
    result["label_entropy"] = -(p * math.log(p) + (1 - p) * math.log(1 - p)) if 0 < p < 1 else 0.0
    result["predicted_cat_fraction_train"] = float(np.mean(predicted))
    result.update({"wall_s": wall, "costs": costs, "final_cost": costs[-1][1],
                   "train_accuracy": train_acc, "test_accuracy": test_acc})
    return result


# ------------------------------------------------------------------------------------ parent

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="20 iterations on small synthetic images (smoke test)")
    p.add_argument("--iterations", type=int, default=None, help="default 2500; quick 20")
    p.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, from {','.join(RUNS)}")
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--jobs", type=int, default=None, help="runs at once (default 1; quick 2)")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    args = p.parse_args(argv)
    args.iterations = args.iterations or (20 if args.quick else 2500)
    args.print_every = 5 if args.quick else 100
    args.jobs = args.jobs or (2 if args.quick else 1)
    args.runs = [r for r in args.runs.split(",") if r]
    args.contenders = [c for c in args.contenders.split(",") if c]
    for name in args.runs:
        if name not in RUNS:
            raise SystemExit(f"unknown run {name!r}; choose from {list(RUNS)}")
    for name in args.contenders:
        if name not in CONTENDERS:
            raise SystemExit(f"unknown contender {name!r}; choose from {CONTENDERS}")
    return args


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info()
    started = time.time()
    plan = [(run, c) for run in args.runs for c in args.contenders if c in ONLY.get(run, CONTENDERS)]
    configs = [{"run": run, "contender": c, "iterations": args.iterations, "print_every": args.print_every,
                "quick": args.quick, "data_dir": args.data} for run, c in plan]
    results = common.run_workers(script, configs, jobs=args.jobs, timeout=7200)
    rows, skipped, failed = [], {}, {}
    for (run, contender), res in zip(plan, results):
        if res.get("skipped"):
            skipped[contender] = res["skipped"]
        elif not res.get("ok"):
            failed[f"{run}/{contender}"] = res.get("error")
        else:
            rows.append({"run": run, "contender": contender, "label": LABELS[contender],
                         **{k: v for k, v in res.items() if k not in ("ok",)}})
        print(f"{run} {contender}: {res.get('wall_s', res.get('skipped') or res.get('error'))}", file=sys.stderr)
    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, rows, skipped, failed, machine, time.time() - started)
    common.atomic_write_text(out / "full_run.md", report["markdown"])
    common.atomic_write_json(out / "full_run.json", {k: v for k, v in report.items() if k != "markdown"})
    print(report["markdown"])
    return report


def summarise(args, rows, skipped, failed, machine, seconds):
    post_wall = {}
    for row in rows:
        if row["contender"] == "post":
            post_wall[row["run"]] = row["wall_s"]
    # The init-small 4-layer run has no post run of its own; its reference is the 4-layer post run.
    post_wall.setdefault("4-layer-small", post_wall.get("4-layer"))
    for row in rows:
        ref = post_wall.get(row["run"])
        row["speedup_vs_post"] = ref / row["wall_s"] if ref else None
        values = [c for _, c in row["costs"]]
        row["cost_range"] = max(values) - min(values)
        # "Flat near ln 2": the whole curve stays within 0.01 of 0.693.
        row["flat_near_ln2"] = all(abs(c - LN2) < 0.01 for c in values)
    checks = []
    gram = next((r for r in rows if r["run"] == "4-layer" and r["contender"] == "engine-gram"), None)
    if gram is not None and gram["speedup_vs_post"] is not None:
        checks.append({"check": f"engine gram full 4-layer run >= {GRAM_TARGET}x faster than the post's (float64)",
                       "value": gram["speedup_vs_post"], "target": GRAM_TARGET,
                       "pass": gram["speedup_vs_post"] >= GRAM_TARGET})
    report = {
        "benchmark": "full training runs (wall time including setup and the final W1)",
        "settings": {"iterations": args.iterations, "learning_rate": LEARNING_RATE, "seed": 1,
                     "dtype": "float64", "quick": args.quick, "jobs": args.jobs, "runs": args.runs,
                     "contenders": args.contenders},
        "data": rows[0]["data"] if rows else None,
        "machine": machine,
        "rows": rows,
        "checks": checks,
        "skipped": skipped,
        "failed": failed,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def render_markdown(report) -> str:
    s = report["settings"]
    headers = ["run", "layers", "init", "contender", "wall (s)", "speedup vs post", "final cost",
               "train acc", "test acc"]
    table = [[r["run"], r["dims"], r["init"], r["label"], common.fmt(r["wall_s"], 4),
              common.fmt(r["speedup_vs_post"]), f"{r['final_cost']:.6f}",
              f"{r['train_accuracy']:.4f}", f"{r['test_accuracy']:.4f}"] for r in report["rows"]]
    parts = [
        "# Full tutorial training runs",
        "",
        f"{s['iterations']} full-batch gradient-descent iterations, lr {s['learning_rate']}, seed 1, "
        "float64. Wall time from after loading the data to the trained parameters: initialisation, the "
        "gram solver's setup (G = X^T X, P = W1 X), every iteration and the final W1. Each run in its "
        "own process, one run each. Final cost: the cost computed in the last iteration.",
        "",
    ]
    if s["quick"]:
        parts += ["**Quick smoke run: few iterations on tiny synthetic images, not a measurement.**", ""]
    parts += [f"Data: {report['data']}", "", common.markdown_table(headers, table), ""]
    if report["checks"]:
        parts += ["## Targets", ""]
        parts += [f"- {'PASS' if c['pass'] else 'MISS'}: {c['check']}: {c['value']:.3g}x" for c in report["checks"]]
        parts.append("")
    small = [r for r in report["rows"] if r["run"] == "4-layer-small"]
    xavier = [r for r in report["rows"] if r["run"] == "4-layer" and r["contender"] == "engine-gram"]
    if small:
        r = small[0]
        parts += ["## The post's init scale (randn * 0.01) on the 4-layer net", "",
                  f"Engine gram, init small: final cost {r['final_cost']:.6f}, train accuracy "
                  f"{r['train_accuracy']:.4f}, test accuracy {r['test_accuracy']:.4f}; the cost moved by "
                  f"{r['cost_range']:.3g} over the run and "
                  + ("stayed within 0.01 of ln 2 = 0.693 the whole time (flat: it does not learn)."
                     if r["flat_near_ln2"] else "left the band ln 2 +- 0.01.")
                  + f" The entropy of the training labels is {r['label_entropy']:.6f}; the net predicts "
                  f"'cat' for {r['predicted_cat_fraction_train']:.1%} of the training images"
                  + (" - it has learnt only the class prior (a constant prediction), not the images."
                     if r["predicted_cat_fraction_train"] in (0.0, 1.0)
                     and abs(r["final_cost"] - r["label_entropy"]) < 0.01 else ".")]
        if xavier:
            x = xavier[0]
            parts[-1] += (f" With xavier the same run ends at cost {x['final_cost']:.6f}, train "
                          f"{x['train_accuracy']:.4f}, test {x['test_accuracy']:.4f}.")
        signal = r.get("signal_at_init")
        if signal:
            stds = ", ".join(f"{v:.2g}" for v in signal["z_std"])
            norms = ", ".join(f"{k} {v:.2g}" for k, v in signal["grad_norm"].items())
            parts[-1] += (f" At initialisation the standard deviation of Z in layers 1 to {len(signal['z_std'])} "
                          f"is {stds}, and the gradient norms are {norms}.")
        curve = ", ".join(f"{i}: {c:.4f}" for i, c in r["costs"][:: max(1, len(r["costs"]) // 10)])
        parts += ["", f"Cost curve (init small): {curve}", ""]
    agreement = solver_agreement(report["rows"])
    if agreement:
        parts += ["## Gram against backprop", "",
                  "Largest relative difference between the two solvers' costs at the recorded iterations: "
                  + ", ".join(f"{run} {v:.2g}" for run, v in agreement.items()) + ".", ""]
    if report["skipped"]:
        parts += ["Skipped (not installed here):", ""] + [f"- {k}: {v}" for k, v in report["skipped"].items()] + [""]
    if report["failed"]:
        parts += ["Failed:", ""] + [f"- {k}: {v}" for k, v in report["failed"].items()] + [""]
    parts += ["## Machine", "", common.machine_markdown(report["machine"]), "",
              f"Total benchmark time: {report['total_seconds']:.0f} s.", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        common.worker_main(worker, sys.argv)
    else:
        main()

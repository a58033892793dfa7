"""Gram against backprop beyond plain gradient descent: momentum, L2, dropout and mini-batches, whole fits.

The tutorial's net ``[12288, 20, 7, 5, 1]`` (init xavier, seed 1, float64, learning rate 0.0075) on
the 209 training images (the real cat/non-cat set when present, else the synthetic one):

- ``full-momentum-l2``: full batch, momentum (beta 0.9) + L2 (lambda 0.7), 2500 iterations;
- ``minibatch-64``: mini-batches of 64, momentum (beta 0.9) + L2 (lambda 0.7) + dropout
  (keep_prob 0.86), 100 epochs (4 steps each, the last of 17 examples).

Each fit runs in a fresh process; the wall time is ``BinaryClassifier(...)`` plus ``fit``, so the gram
solver's setup (G = X^T X, P = W1_0 X) and its final W1 are included. The two solvers run side by side
in rounds, alternating which goes first; the speed-up is taken per round (the backprop time of the round
over the gram time of the same round) and the median over rounds is reported, so that load changes on a
shared machine affect both sides of each ratio alike. Both solvers see the same batches and dropout
masks (the same seed), so their costs must agree to rounding: the largest relative difference is
reported too.

Run: ``python benchmarks/bench_gram_options.py [--rounds 3] [--stem NAME]`` (results in
benchmarks/results/NAME.{md,json}, default gram_options); ``--quick``: tiny synthetic images, few
steps, one round. The workers inherit the environment, so ``OPENBLAS_NUM_THREADS=1`` before the
command runs both solvers on single-threaded BLAS (recorded in the report's machine section).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

DIMS = [12288, 20, 7, 5, 1]
LEARNING_RATE = 0.0075
CASES = {
    "full-momentum-l2": {
        "label": "full batch, momentum + L2, 2500 iterations",
        "options": {"iterations": 2500, "optimizer": "momentum", "beta": 0.9, "l2": 0.7},
        "quick": {"iterations": 20},
        "target": 25.0,
    },
    "minibatch-64": {
        "label": "mini-batches of 64, momentum + L2 + dropout, 100 epochs",
        "options": {"batch_size": 64, "epochs": 100, "optimizer": "momentum", "beta": 0.9, "l2": 0.7,
                    "keep_prob": 0.86},
        "quick": {"batch_size": 16, "epochs": 5},
        "target": 4.0,
    },
}
SOLVERS = ("gram", "backprop")


def worker(config: dict) -> dict:
    import numpy as np

    from nets import BinaryClassifier

    X, Y, _, _, source = common.load_data(config.get("data_dir"), quick=config["quick"])
    Y = Y.astype(np.float64)
    case = CASES[config["case"]]
    options = dict(case["options"])
    if config["quick"]:
        for key in ("iterations", "epochs", "batch_size"):
            options.pop(key, None)
        options.update(case["quick"])
    dims = [X.shape[0]] + DIMS[1:]
    start = time.perf_counter()
    model = BinaryClassifier(dims, init="xavier", seed=1, dtype="float64")
    history = model.fit(X, Y, LEARNING_RATE, print_every=1, solver=config["solver"], **options)
    wall = time.perf_counter() - start
    return {"data": source, "dims": dims, "options": options, "wall_s": wall, "solver": history.solver,
            "steps": history.steps, "costs": [float(c) for _, c in history],
            "train_accuracy": model.accuracy(X, Y)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny synthetic images, few steps, one round (smoke test)")
    p.add_argument("--rounds", type=int, default=None, help="rounds of every case and solver (default 3; quick 1)")
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, from {','.join(CASES)}")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--stem", default="gram_options", help="output file names: STEM.md, STEM.json (default gram_options)")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    args.cases = [c for c in args.cases.split(",") if c]
    for name in args.cases:
        if name not in CASES:
            raise SystemExit(f"unknown case {name!r}; choose from {list(CASES)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info(with_peers=False)
    started = time.time()
    runs = []  # one dict per fit, in the order they ran
    for round_ in range(args.rounds):
        for case in args.cases:
            # Alternate which solver goes first, so that neither always meets the same moment of load.
            order = SOLVERS if round_ % 2 == 0 else SOLVERS[::-1]
            for solver in order:
                config = {"case": case, "solver": solver, "quick": args.quick, "data_dir": args.data}
                result = common.run_worker(script, config, timeout=7200)
                print(f"round {round_} {case} {solver}: {result.get('wall_s', result.get('error'))}", file=sys.stderr)
                runs.append({"round": round_, "case": case, "requested": solver, **result})
    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, runs, machine, time.time() - started)
    common.atomic_write_text(out / f"{args.stem}.md", report["markdown"])
    common.atomic_write_json(out / f"{args.stem}.json", {k: v for k, v in report.items() if k != "markdown"})
    print(report["markdown"])
    return report


def thinned(run: dict) -> dict:
    """The run with its cost curve cut to about 25 points plus the last (the comparison used all of them)."""
    costs = run.get("costs")
    if not costs:
        return run
    stride = max(1, len(costs) // 25)
    kept = [[i, c] for i, c in enumerate(costs)][::stride]
    if kept[-1][0] != len(costs) - 1:
        kept.append([len(costs) - 1, costs[-1]])
    return {**run, "costs": kept}


def summarise(args, runs, machine, seconds):
    failed = {f"round {r['round']} {r['case']} {r['requested']}": r.get("error") for r in runs if not r.get("ok")}
    cases = []
    for case in args.cases:
        by_round = {}
        for r in runs:
            if r["case"] == case and r.get("ok"):
                by_round.setdefault(r["round"], {})[r["requested"]] = r
        rounds = [pair for _, pair in sorted(by_round.items()) if set(pair) == set(SOLVERS)]
        if not rounds:
            continue
        ratios = [pair["backprop"]["wall_s"] / pair["gram"]["wall_s"] for pair in rounds]
        disagreement = max(
            max(abs(g - b) / abs(b) for g, b in zip(pair["gram"]["costs"], pair["backprop"]["costs"]))
            for pair in rounds)
        speedup = common.median(ratios)
        cases.append({
            "case": case, "label": CASES[case]["label"], "options": rounds[0]["gram"]["options"],
            "steps": rounds[0]["gram"]["steps"],
            "gram_s": [pair["gram"]["wall_s"] for pair in rounds],
            "backprop_s": [pair["backprop"]["wall_s"] for pair in rounds],
            "ratios": ratios, "median_speedup": speedup,
            "final_cost": rounds[0]["backprop"]["costs"][-1],
            "train_accuracy": rounds[0]["backprop"]["train_accuracy"],
            "max_relative_cost_difference": disagreement,
            "solvers_ran": sorted({pair[s]["solver"] for pair in rounds for s in SOLVERS}),
            "target": CASES[case]["target"], "pass": speedup >= CASES[case]["target"],
        })
    report = {
        "benchmark": "gram vs backprop, whole fits with momentum, L2, dropout and mini-batches",
        "settings": {"dims": DIMS, "learning_rate": LEARNING_RATE, "seed": 1, "dtype": "float64",
                     "rounds": args.rounds, "quick": args.quick},
        "data": next((r["data"] for r in runs if r.get("ok")), None),
        "machine": machine, "cases": cases, "runs": [thinned(r) for r in runs], "failed": failed,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def render_markdown(report) -> str:
    s = report["settings"]
    headers = ["case", "steps", "gram (s), per round", "backprop (s), per round", "speed-up per round",
               "median speed-up", "target", "final cost", "costs agree to"]
    table = [[c["label"], c["steps"], ", ".join(common.fmt(v, 3) for v in c["gram_s"]),
              ", ".join(common.fmt(v, 3) for v in c["backprop_s"]),
              ", ".join(f"{v:.1f}x" for v in c["ratios"]), f"**{c['median_speedup']:.1f}x**",
              f"{'PASS' if c['pass'] else 'MISS'} (>= {c['target']:g}x)", f"{c['final_cost']:.6f}",
              f"{c['max_relative_cost_difference']:.2g}"] for c in report["cases"]]
    parts = [
        "# Gram vs backprop with momentum, L2, dropout and mini-batches",
        "",
        f"Net {s['dims']}, init xavier, seed 1, {s['dtype']}, learning rate {s['learning_rate']}; "
        f"{s['rounds']} round(s), each fit in a fresh process, the two solvers alternating which goes first. "
        "Wall time of model creation plus fit: the gram solver's setup (G = X^T X, P = W1_0 X) and its "
        "final W1 included. Speed-up: backprop's time over gram's in the same round; the median over "
        "rounds. 'Costs agree to': the largest relative difference between the two solvers' recorded "
        "costs (every iteration or epoch), same batches and dropout masks.",
        "",
    ]
    if s["quick"]:
        parts += ["**Quick smoke run: few steps on tiny synthetic images, not a measurement.**", ""]
    parts += [f"Data: {report['data']}", "", common.markdown_table(headers, table), ""]
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

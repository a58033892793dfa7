"""The first-order training step at two versions of the code, interleaved in one run.

A change to the engine must not slow the step that training runs. This script
exports a git revision (``--before``, e.g. the commit a branch started from)
with ``git archive`` into a temporary folder, and measures it against the
working tree (``--after``, default: this checkout), alternating which goes first
in every round so that the load of a shared machine falls on both alike:

- ``wall``: ``benchmarks/bench_step.py`` of each tree, one round per process
  set, contenders ``engine`` (replayed, as fit runs it), ``engine-eager`` and
  ``post``, float64, both nets; each tree's step is divided by its own ``post``
  step of the same round (the ratio bench_step reports);
- ``cpu``: CPU seconds per step (``time.process_time``) of the replayed and the
  eager backprop step in a fresh process per tree and net; with one BLAS thread
  (``--threads 1``, the default here) this counts the work done, and other
  processes on the machine barely move it.

Reported per measure: the median over rounds for each tree, and the median of
the per-round after/before ratios (paired). Results in ``--out``
(default benchmarks/results/before_after.{json,md}).

    python benchmarks/bench_before_after.py --before bda89d2 [--rounds 8] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETS = {"small": ([64, 32, 16, 1], 2000), "tutorial": ([12288, 20, 7, 5, 1], 60)}


def cpu_worker(net: str, quick: bool = False) -> dict:
    """CPU seconds per step of the replayed and eager backprop steps (runs inside the tree measured)."""
    import numpy as np

    from nets import BinaryClassifier

    dims, steps = NETS[net]
    if quick:  # a smoke run: tiny images, few steps
        dims, steps = ([192] + dims[1:] if net == "tutorial" else dims), 10
    rs = np.random.RandomState(0)
    if net == "small":
        X = rs.randn(64, 256)
        Y = (rs.uniform(size=(1, 256)) > 0.5).astype(float)
    else:
        from nets.data import make_synthetic_catvnoncat

        X, Y, *_ = make_synthetic_catvnoncat(seed=9, image_size=8 if quick else 64)
    result = {}
    for mode in ("replayed", "eager"):
        model = BinaryClassifier(dims, seed=1)
        step = _backprop_step(model, X, Y, replay=mode == "replayed")
        for _ in range(5):
            step()
        per_chunk = max(steps // 10, 1)
        chunks = []
        for _ in range(10):
            start = time.process_time()
            for _ in range(per_chunk):
                step()
            chunks.append((time.process_time() - start) / per_chunk)
        result[f"{net}/{mode}"] = statistics.median(chunks)
    return result


def _backprop_step(model, X, Y, replay: bool):
    """One full-batch gradient-descent step by backprop, in whichever interface the tree measured has.

    Trees from before the training options (solvers built on the model) and
    after them (solvers built on an Objective, updates by autograd_mini.optim)
    both run the same algorithm.
    """
    import nets.solvers as solvers  # the path every tree has (a re-export since the layout change)

    batch = model.batch(X, Y)
    if hasattr(solvers, "gradient_descent_step"):
        return solvers.gradient_descent_step(model.objective(), batch.X.data, batch.Y.data, 0.0075, replay=replay)
    return solvers.BackpropSolver(model, lambda: batch, 0.0075, replay=replay).step


def _env(tree: str, threads) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OPENBLAS_NUM_THREADS")}
    env["PYTHONPATH"] = tree
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    return env


def measure_wall(tree: str, args, out: Path, seed: int) -> dict:
    command = [sys.executable, "-P", "benchmarks/bench_step.py", "--rounds", "1", "--contenders", "engine,engine-eager,post",
               "--dtypes", "float64", "--no-memory", "--out", str(out), "--seed", str(seed),
               "--steps", str(args.steps), "--small-steps", str(args.small_steps)]
    if args.data:
        command += ["--data", args.data]
    # Newer bench_step scripts also run C-ordered X and mini-batches: compare the
    # configuration both versions know (X as loaded, full batch).
    if "--layouts" in (Path(tree) / "benchmarks" / "bench_step.py").read_text():
        command += ["--layouts", "F", "--batches", "full"]
    done = subprocess.run(command, cwd=tree, env=_env(tree, args.threads), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench_step.py failed in {tree}:\n{done.stderr[-3000:]}")
    rows = json.loads((out / "step.json").read_text())["rows"]
    return {f'{r["net"]}/{r["contender"]}': r["ratio_to_post"] for r in rows
            if r["contender"] != "post" and r.get("layout", "F") == "F" and r.get("batch", "full") == "full"}


def measure_cpu(tree: str, args) -> dict:
    values = {}
    for net in NETS:
        worker = [sys.executable, "-P", __file__, "--worker", net] + (["--quick"] if args.quick else [])
        done = subprocess.run(worker, cwd=tree, env=_env(tree, args.threads),
                              check=True, capture_output=True, text=True)
        values.update(json.loads(done.stdout))
    return values


def summarise(per_round: dict) -> dict:
    summary = {}
    for key in per_round["before"]:
        before, after = per_round["before"][key], per_round["after"][key]
        ratios = [a / b for a, b in zip(after, before)]
        summary[key] = {"before_median": statistics.median(before), "after_median": statistics.median(after),
                        "paired_ratio_median": statistics.median(ratios),
                        "after_faster_rounds": sum(r < 1 for r in ratios), "rounds": len(ratios)}
    return summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--before", help="git revision to compare against (exported with git archive)")
    p.add_argument("--after", default=str(ROOT), help="source tree of the new code (default: this checkout)")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--threads", default="1", help="OPENBLAS_NUM_THREADS for both (default 1; 'default' leaves it unset)")
    p.add_argument("--measures", default="cpu,wall", help="comma-separated: cpu, wall")
    p.add_argument("--steps", type=int, default=60, help="bench_step --steps (tutorial net)")
    p.add_argument("--small-steps", type=int, default=600, help="bench_step --small-steps")
    p.add_argument("--data", default=None, help="cat/non-cat folder for bench_step's tutorial net")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--quick", action="store_true", help="smoke run: tiny nets, few steps, cpu measure only")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(cpu_worker(args.worker, args.quick)))
        return 0
    if not args.before:
        p.error("--before REVISION is required")
    args.threads = None if args.threads == "default" else args.threads
    measures = ["cpu"] if args.quick else [m for m in args.measures.split(",") if m]
    unknown = set(measures) - {"cpu", "wall"}
    if unknown:
        p.error(f"unknown measures {sorted(unknown)}; choose from cpu, wall")
    with tempfile.TemporaryDirectory(prefix="before_after_") as scratch:
        before = Path(scratch) / "before"
        before.mkdir()
        archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        trees = {"before": str(before), "after": args.after}
        per_round = {m: {"before": {}, "after": {}} for m in measures}
        for r in range(args.rounds):
            order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
            for name in order:
                for m in measures:
                    if m == "wall":
                        values = measure_wall(trees[name], args, Path(scratch) / f"{name}{r}", r)
                    else:
                        values = measure_cpu(trees[name], args)
                    for key, value in values.items():
                        per_round[m][name].setdefault(key, []).append(value)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    result = {"before": args.before, "after": args.after, "rounds": args.rounds, "openblas_threads": args.threads,
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_average_at_end": os.getloadavg(),
              "per_round": per_round, "summary": {m: summarise(per_round[m]) for m in measures}}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "before_after.json").write_text(json.dumps(result, indent=1))
    lines = [f"# First-order step: {args.before} (before) vs {args.after} (after)", "",
             f"{args.rounds} interleaved rounds, OPENBLAS_NUM_THREADS={args.threads or 'unset'}, "
             f"load average at the end {tuple(round(x, 2) for x in result['load_average_at_end'])}.", "",
             "| measure | net/step | before | after | paired after/before (median) | rounds after faster |", "|---|---|---|---|---|---|"]
    for m in measures:
        unit = "ratio to post" if m == "wall" else "CPU ms/step"
        scale = 1.0 if m == "wall" else 1e3
        for key, s in result["summary"][m].items():
            lines.append(f"| {m} ({unit}) | {key} | {s['before_median'] * scale:.3f} | {s['after_median'] * scale:.3f} | "
                         f"{s['paired_ratio_median']:.3f} | {s['after_faster_rounds']}/{s['rounds']} |")
    (out / "before_after.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

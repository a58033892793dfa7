"""Memory over long runs: does the engine leak, and does it use more than hand-written code?

1. Soak: 20,000 training steps (``BinaryClassifier.step``, backprop) of the small net
   [64, 32, 16, 1] on m = 256 random examples, float64. Every 500 steps: tracemalloc's current
   traced memory and the resident set size (``/proc/self/statm``). Flat means the growth
   between step 1000 and step 20000 is below 0.1 MiB traced and 2 MiB resident (a graph or a
   gradient kept per step would add kilobytes per step, i.e. megabytes over the run).
2. Peak: a 2500-iteration tutorial run ([12288, 20, 7, 5, 1], xavier, seed 1, lr 0.0075, the
   209 training images) with the engine (``fit(solver="backprop")``) and with the pruned
   hand-written loop (the post's functions with ``pruned_L_model_backward``, no dA0). Each in
   its own process; tracemalloc starts after the data is loaded, so X itself is not in the
   traced numbers (it is in the resident ones). Checks: engine traced peak <= pruned + 10 %,
   engine ru_maxrss <= pruned + 10 %, and flat: the traced peak of each 100-iteration window
   from iteration 100 to 2500 stays within 1 % (+ 64 KiB) of the first window's after 100.
   The two runs go in parallel (only memory is measured here; their times are not reported
   as benchmarks).

Run: ``python benchmarks/bench_soak.py`` (results in benchmarks/results/soak.{md,json,png});
``--quick``: 600 soak steps and a 60-iteration run on tiny synthetic images.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

LEARNING_RATE = 0.0075
SMALL_DIMS = [64, 32, 16, 1]
SMALL_M = 256
TUTORIAL_DIMS = [12288, 20, 7, 5, 1]
SOAK_TRACED_LIMIT_MB = 0.1
SOAK_RSS_LIMIT_MB = 2.0
PEAK_MARGIN = 0.10
MiB = 2**20


# ------------------------------------------------------------------------------------ workers

def soak_worker(config):
    import tracemalloc

    import numpy as np

    from nets import BinaryClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(SMALL_DIMS[0], SMALL_M)
    Y = (rng.rand(1, SMALL_M) < 0.5).astype(np.float64)
    model = BinaryClassifier(SMALL_DIMS, init="xavier", seed=1, dtype="float64")
    batch = model.batch(X, Y)
    steps, every = config["steps"], config["every"]
    # The samples go into an array allocated before tracemalloc starts, so that recording
    # them adds nothing to the traced memory (a growing list of dicts would: ~0.4 KB/sample).
    table = np.zeros((steps // every, 3))
    tracemalloc.start()
    start = time.perf_counter()
    cost = None
    for i in range(1, steps + 1):
        cost = model.step(batch, LEARNING_RATE)
        if i % every == 0:
            row = table[i // every - 1]
            row[0] = i
            row[1] = tracemalloc.get_traced_memory()[0] / MiB
            row[2] = common.rss_mb()
    seconds = time.perf_counter() - start
    tracemalloc.stop()
    samples = [{"step": int(a), "traced_mb": float(b), "rss_mb": float(c)} for a, b, c in table]
    return {"samples": samples, "final_cost": cost, "seconds_with_tracemalloc": seconds}


def peak_worker(config):
    import tracemalloc

    import numpy as np

    from nets import BinaryClassifier, manual
    from nets.model.init import initialize

    X, Y, _, _, source = common.load_data(config.get("data_dir"), quick=config["quick"])
    Y = Y.astype(np.float64)
    dims = [X.shape[0]] + TUTORIAL_DIMS[1:]
    iterations, every = config["iterations"], config["every"]
    rss_before = common.rss_mb()
    windows = []
    tracemalloc.start()

    def sample(i):
        current, peak = tracemalloc.get_traced_memory()
        windows.append({"iteration": i, "traced_mb": current / MiB, "window_peak_mb": peak / MiB,
                        "rss_mb": common.rss_mb()})
        tracemalloc.reset_peak()

    if config["contender"] == "engine":
        model = BinaryClassifier(dims, init="xavier", seed=1, dtype="float64")

        def callback(i, cost):
            if (i + 1) % every == 0:
                sample(i + 1)

        history = model.fit(X, Y, learning_rate=LEARNING_RATE, iterations=iterations, print_every=100,
                            callback=callback, solver="backprop")
        final_cost = history[-1][1]
    else:
        params = initialize(dims, "xavier", 1, np.float64)
        for i in range(iterations):
            AL, caches = manual.L_model_forward(X, params)
            final_cost = float(manual.compute_cost(AL, Y))
            grads = manual.pruned_L_model_backward(AL, Y, caches)
            params = manual.update_parameters(params, grads, LEARNING_RATE)
            del AL, caches, grads
            if (i + 1) % every == 0:
                sample(i + 1)
    tracemalloc.stop()
    return {"data": source, "dims": dims, "iterations": iterations, "windows": windows,
            "traced_peak_mb": max(w["window_peak_mb"] for w in windows), "final_cost": final_cost,
            "rss_after_data_mb": rss_before}


def worker(config):
    return soak_worker(config) if config["kind"] == "soak" else peak_worker(config)


# ------------------------------------------------------------------------------------ parent

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="short soak and run on tiny data (smoke test)")
    p.add_argument("--steps", type=int, default=None, help="soak steps (default 20000; quick 600)")
    p.add_argument("--iterations", type=int, default=None, help="tutorial run iterations (default 2500; quick 60)")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    args = p.parse_args(argv)
    args.steps = args.steps or (600 if args.quick else 20000)
    args.every = 50 if args.quick else 500
    args.iterations = args.iterations or (60 if args.quick else 2500)
    args.run_every = 10 if args.quick else 100
    return args


def main(argv=None):
    args = parse_args(argv)
    out = common.output_dir(args)
    script = Path(__file__).resolve()
    machine = common.machine_info(with_peers=False)
    started = time.time()
    soak_cfg = {"kind": "soak", "steps": args.steps, "every": args.every}
    peak_cfgs = [{"kind": "peak", "contender": c, "iterations": args.iterations, "every": args.run_every,
                  "quick": args.quick, "data_dir": args.data} for c in ("engine", "pruned")]
    soak = common.run_worker(script, soak_cfg, timeout=7200)
    engine, pruned = common.run_workers(script, peak_cfgs, jobs=2, timeout=7200)
    for name, res in (("soak", soak), ("engine run", engine), ("pruned run", pruned)):
        if not res.get("ok"):
            raise SystemExit(f"{name} failed: {res.get('error')}\n{res.get('traceback', '')}")
    machine["load_average_at_end"] = common.load_average()
    report = summarise(args, soak, engine, pruned, machine, time.time() - started)
    common.atomic_write_text(out / "soak.md", report["markdown"])
    common.atomic_write_json(out / "soak.json", {k: v for k, v in report.items() if k != "markdown"})
    plot(report, out / "soak.png")
    print(report["markdown"])
    return report


def _at(samples, key, value):
    """The first sample at or after ``key == value`` (else the last one)."""
    return next((s for s in samples if s[key] >= value), samples[-1])


def summarise(args, soak, engine, pruned, machine, seconds):
    samples = soak["samples"]
    ref_step = 1000 if not args.quick else 100
    first, last = _at(samples, "step", ref_step), samples[-1]
    soak_summary = {
        "steps": args.steps, "sample_every": args.every, "from_step": first["step"], "to_step": last["step"],
        "traced_growth_mb": last["traced_mb"] - first["traced_mb"],
        "rss_growth_mb": last["rss_mb"] - first["rss_mb"],
        "traced_limit_mb": SOAK_TRACED_LIMIT_MB, "rss_limit_mb": SOAK_RSS_LIMIT_MB,
        "seconds_with_tracemalloc": soak["seconds_with_tracemalloc"], "final_cost": soak["final_cost"],
        "maxrss_mb": soak["maxrss_mb"], "samples": samples,
    }
    soak_summary["flat"] = (soak_summary["traced_growth_mb"] <= SOAK_TRACED_LIMIT_MB
                            and soak_summary["rss_growth_mb"] <= SOAK_RSS_LIMIT_MB)

    ref_iter = args.run_every if args.quick else 100

    def run_summary(res):
        windows = [w for w in res["windows"] if w["iteration"] > ref_iter]
        base = _at(res["windows"], "iteration", ref_iter + 1)
        limit = base["window_peak_mb"] * 1.01 + 64 / 1024
        return {
            "iterations": res["iterations"], "final_cost": res["final_cost"],
            "traced_peak_mb": res["traced_peak_mb"], "maxrss_mb": res["maxrss_mb"],
            "rss_after_data_mb": res["rss_after_data_mb"],
            "traced_window_peak_first_mb": base["window_peak_mb"],
            "traced_window_peak_max_after_mb": max(w["window_peak_mb"] for w in windows) if windows else None,
            "traced_current_growth_mb": res["windows"][-1]["traced_mb"] - base["traced_mb"],
            "flat": all(w["window_peak_mb"] <= limit for w in windows),
            "windows": res["windows"],
        }

    runs = {"engine": run_summary(engine), "pruned": run_summary(pruned)}
    e, p = runs["engine"], runs["pruned"]
    checks = [
        {"check": f"soak: flat between step {first['step']} and {last['step']} "
                  f"(traced growth <= {SOAK_TRACED_LIMIT_MB} MiB, RSS growth <= {SOAK_RSS_LIMIT_MB} MiB)",
         "value": f"traced {soak_summary['traced_growth_mb']:+.4f} MiB, RSS {soak_summary['rss_growth_mb']:+.2f} MiB",
         "pass": soak_summary["flat"]},
        {"check": "tutorial run: engine traced peak <= pruned hand-written + 10%",
         "value": f"{e['traced_peak_mb']:.2f} vs {p['traced_peak_mb']:.2f} MiB "
                  f"({e['traced_peak_mb'] / p['traced_peak_mb']:.3f}x)",
         "pass": e["traced_peak_mb"] <= p["traced_peak_mb"] * (1 + PEAK_MARGIN)},
        {"check": "tutorial run: engine peak RSS <= pruned hand-written + 10%",
         "value": f"{e['maxrss_mb']:.1f} vs {p['maxrss_mb']:.1f} MiB ({e['maxrss_mb'] / p['maxrss_mb']:.3f}x)",
         "pass": e["maxrss_mb"] <= p["maxrss_mb"] * (1 + PEAK_MARGIN)},
        {"check": f"tutorial run: engine memory flat from iteration {ref_iter} to {e['iterations']}",
         "value": f"window peaks {e['traced_window_peak_first_mb']:.2f} -> max "
                  f"{e['traced_window_peak_max_after_mb']:.2f} MiB, current {e['traced_current_growth_mb']:+.4f} MiB",
         "pass": e["flat"]},
    ]
    report = {
        "benchmark": "memory: soak of the small net and peak of the tutorial run",
        "settings": {"quick": args.quick, "soak_steps": args.steps, "soak_every": args.every,
                     "run_iterations": args.iterations, "run_every": args.run_every},
        "data": engine.get("data"),
        "machine": machine,
        "soak": soak_summary,
        "runs": runs,
        "checks": checks,
        "total_seconds": seconds,
    }
    report["markdown"] = render_markdown(report)
    return report


def render_markdown(report) -> str:
    s, soak, runs = report["settings"], report["soak"], report["runs"]
    parts = ["# Memory: soak and peak", ""]
    if s["quick"]:
        parts += ["**Quick smoke run: short runs on tiny synthetic images, not a measurement.**", ""]
    parts += [
        f"## Soak: {soak['steps']} steps of the small net {SMALL_DIMS}, m = {SMALL_M}, engine backprop", "",
        f"Sampled every {soak['sample_every']} steps (tracemalloc on for the whole run; "
        f"{soak['seconds_with_tracemalloc']:.1f} s with it). Growth from step {soak['from_step']} to "
        f"{soak['to_step']}: traced {soak['traced_growth_mb']:+.4f} MiB, RSS {soak['rss_growth_mb']:+.2f} MiB "
        f"-> {'flat' if soak['flat'] else 'NOT flat'}.", "",
    ]
    rows = [[x["step"], f"{x['traced_mb']:.4f}", f"{x['rss_mb']:.2f}"]
            for x in soak["samples"][:: max(1, len(soak["samples"]) // 10)] + [soak["samples"][-1]]]
    parts += [common.markdown_table(["step", "traced current (MiB)", "RSS (MiB)"], rows), ""]
    parts += [
        f"## Peak of a {s['run_iterations']}-iteration tutorial run", "",
        f"Data: {report['data']}. tracemalloc from after loading the data (X is not in the traced "
        "numbers, it is in RSS). The two runs went in parallel processes.", "",
    ]
    headers = ["loop", "traced peak (MiB)", "peak RSS (MiB)", "RSS after loading data (MiB)",
               f"window peak at start (MiB)", "max window peak after (MiB)", "traced current growth (MiB)",
               "final cost"]
    table = [[name, f"{r['traced_peak_mb']:.2f}", f"{r['maxrss_mb']:.1f}", f"{r['rss_after_data_mb']:.1f}",
              f"{r['traced_window_peak_first_mb']:.2f}", common.fmt(r["traced_window_peak_max_after_mb"], 4),
              f"{r['traced_current_growth_mb']:+.4f}", f"{r['final_cost']:.6f}"]
             for name, r in (("engine fit (backprop)", runs["engine"]),
                             ("pruned hand-written", runs["pruned"]))]
    parts += [common.markdown_table(headers, table), "", "## Checks", ""]
    parts += [f"- {'PASS' if c['pass'] else 'MISS'}: {c['check']}: {c['value']}" for c in report["checks"]]
    traced_ok, rss_ok = report["checks"][1]["pass"], report["checks"][2]["pass"]
    if traced_ok and not rss_ok:
        parts += ["", "The traced peaks agree but the resident peaks do not: the extra resident memory was "
                  "allocated outside Python's and numpy's allocators (tracemalloc sees every numpy array), "
                  "i.e. inside BLAS (OpenBLAS's per-thread packing buffers, whose touched size depends on "
                  "the shapes and orientation of the products it is given)."]
    parts += ["", "## Machine", "", common.machine_markdown(report["machine"]), "",
              f"Total benchmark time: {report['total_seconds']:.0f} s.", ""]
    return "\n".join(parts)


def plot(report, path):
    plt = common.pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.8))
    samples = report["soak"]["samples"]
    steps = [x["step"] for x in samples]
    a.plot(steps, [x["traced_mb"] for x in samples], marker=".", label="traced current (tracemalloc)")
    a2 = a.twinx()
    a2.plot(steps, [x["rss_mb"] for x in samples], marker=".", color="tab:orange", label="RSS")
    a.set_xlabel("step")
    a.set_ylabel("traced (MiB)")
    a2.set_ylabel("RSS (MiB)")
    a.set_title(f"soak: small net {SMALL_DIMS}, engine", fontsize=9)
    lines = a.get_lines() + a2.get_lines()
    a.legend(lines, [ln.get_label() for ln in lines], fontsize=7, loc="center right")
    for name, r in report["runs"].items():
        ws = r["windows"]
        b.plot([w["iteration"] for w in ws], [w["window_peak_mb"] for w in ws], marker=".",
               label=f"{name}: traced peak per window")
    b.set_xlabel("iteration")
    b.set_ylabel("MiB")
    b.set_ylim(bottom=0)
    b.set_title("tutorial run: traced peak of each window", fontsize=9)
    b.legend(fontsize=7)
    fig.tight_layout()
    common.atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        common.worker_main(worker, sys.argv)
    else:
        main()

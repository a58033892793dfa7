"""Rerun Course 1's weeks 2 and 3 in full and write the results beside the benchmarks.

    python benchmarks/reproduce_course1.py [--data CATVNONCAT_DIR] [--out benchmarks/results/course1]

Writes ``course1.md`` (every recorded cost and accuracy beside the course's
printed figures, with the difference; then the planar run's stability: the
same run under four roundings), ``course1.json`` and the pictures of
``python -m nets reproduce logistic|planar --out`` (the same runs; this script
only collects them).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (RESULTS_DIR, atomic_write_text, load_average, machine_info,  # noqa: E402
                               machine_markdown)
from nets import BinaryClassifier  # noqa: E402
from nets.data import make_planar  # noqa: E402
from nets.jobs.reproduce import COURSE, COURSE1_EXPERIMENTS, COURSE_UNSTABLE_COSTS, run_experiment  # noqa: E402
from nets.manual import week3  # noqa: E402


def percent(value):
    return "" if value is None else f"{value * 100:.14g} %"


def stability_rows(iterations=10000):
    """planar main's costs every 1000 iterations under four roundings of the same arithmetic."""
    X, Y = make_planar()
    variants = {}
    for name, options in (("engine, faithful cost (reproduce)", dict(cost="faithful")),
                          ("engine, stable cost", dict(cost="stable")),
                          ("engine, float32", dict(cost="faithful", dtype="float32"))):
        model = BinaryClassifier([2, 4, 1], init="small", seed=2, hidden_activation="tanh", **options)
        variants[name] = dict(model.fit(X, Y, 1.2, iterations, print_every=1000))
    costs = []
    week3.nn_model(X, Y, 4, iterations, costs=costs)
    variants["nets.manual.week3 (numpy, the course's code)"] = dict(costs)
    return variants


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the cat/non-cat folder (default ../shared/data/catvnoncat)")
    parser.add_argument("--out", default=str(RESULTS_DIR / "course1"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine_info(with_peers=False)
    lines = ["# Course 1's weeks 2 and 3, reproduced", "",
             "The machine was shared with other jobs (see the load averages): the seconds are indicative only.", ""]
    everything = {}
    for experiment in COURSE1_EXPERIMENTS:
        started = time.perf_counter()
        result = run_experiment(experiment, data=args.data if experiment == "logistic" else None, out=out)
        unstable = COURSE_UNSTABLE_COSTS.get(experiment, {})
        lines += [f"## {experiment} ({time.perf_counter() - started:.1f} s)", "",
                  "| run | at | ours | course | difference |", "|---|---|---|---|---|"]
        for r in result["runs"]:
            course = COURSE[experiment][r["name"]]
            for index, cost in r["costs"].items():
                theirs = course["costs"].get(int(index))
                if theirs is None:
                    note = ""
                elif int(index) in unstable.get(r["name"], ()):
                    note = f"{abs(cost - theirs):.1e} (chaotic: not compared)"
                else:
                    note = f"{abs(cost - theirs):.1e}" + (" (within the six printed decimals)"
                                                          if abs(cost - theirs) <= 5e-7 else " DIFFERS")
                lines.append(f"| {r['name']} | iteration {index} | {cost:.9f} | "
                             f"{'' if theirs is None else f'{theirs:.6f}'} | {note} |")
            for part in ("train", "test"):
                ours = r[f"{part}_accuracy"]
                if ours is None:
                    continue
                theirs = course.get(f"{part}_accuracy")
                if part == "train" and "printed_percent" in course:
                    shown = f"{course['printed_percent']} % (printed with %d)"
                    verdict = "equal" if int(ours * 100) == course["printed_percent"] else "DIFFERS"
                else:
                    shown = percent(theirs)
                    verdict = "" if theirs is None else ("equal" if abs(ours - theirs) < 1e-12 else "DIFFERS")
                lines.append(f"| {r['name']} | {part} accuracy | {percent(ours)} | {shown} | {verdict} |")
        lines.append("")
        pictures = sorted({r["picture"] for r in result["runs"] if r["picture"]})
        lines += ["Pictures: " + ", ".join(f"`{os.path.basename(p)}`" for p in pictures), ""]
        everything[experiment] = [{k: v for k, v in r.items() if k not in ("model", "history")} for r in result["runs"]]
        print(f"{experiment}: done", file=sys.stderr)
    variants = stability_rows()
    names = list(variants)
    lines += ["## planar main: which digits are stable", "",
              "The same run (n_h = 4, lr 1.2, 10000 iterations) computed four ways that differ only in rounding; "
              "the course's printed cost beside them.", "",
              "| iteration | " + " | ".join(names) + " | course |", "|---" * (len(names) + 2) + "|"]
    course_costs = COURSE["planar"]["main"]["costs"]
    for i in range(0, 10000, 1000):
        lines.append(f"| {i} | " + " | ".join(f"{variants[n][i]:.9f}" for n in names)
                     + f" | {course_costs.get(i, float('nan')):.6f} |")
    spread = {i: max(v[i] for v in variants.values()) - min(v[i] for v in variants.values())
              for i in range(0, 10000, 1000)}
    doubles = [v for n, v in variants.items() if "float32" not in n]
    spread64 = {i: max(v[i] for v in doubles) - min(v[i] for v in doubles) for i in range(0, 10000, 1000)}
    lines += ["", "Largest difference between the four, per iteration: "
              + ", ".join(f"{i}: {d:.1e}" for i, d in spread.items()), "",
              "Between the three float64 ones only: " + ", ".join(f"{i}: {d:.1e}" for i, d in spread64.items()), ""]
    everything["planar_stability"] = {n: {str(k): c for k, c in v.items()} for n, v in variants.items()}
    info["load_average_at_end"] = load_average()
    lines[1:1] = ["", machine_markdown(info)]
    atomic_write_text(out / "course1.md", "\n".join(lines) + "\n")
    atomic_write_text(out / "course1.json", json.dumps(everything, indent=1, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

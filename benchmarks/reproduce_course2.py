"""Rerun the course's three follow-up experiments in full and write the results beside the benchmarks.

    python benchmarks/reproduce_course2.py [--data DIR] [--out benchmarks/results/course2]

Writes ``course2.md`` (every recorded cost and accuracy beside the course's
printed figures, with the relative difference), ``course2.json`` and one
picture per experiment (``<experiment>.png``: every run's decision boundary).
The same runs as ``python -m nets reproduce``; this script only collects them.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS_DIR, atomic_write_text, machine_info, machine_markdown  # noqa: E402
from nets.plots import plot_decision_boundaries  # noqa: E402
from nets.jobs.reproduce import COURSE, COURSE2_EXPERIMENTS, run_experiment  # noqa: E402


def difference(ours, theirs):
    if theirs is None:
        return ""
    if math.isinf(theirs):
        return "course inf (see README)"
    return f"{abs(ours - theirs) / abs(theirs):.1e}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder of the course's 2-D data sets (default ../shared/data/course2)")
    parser.add_argument("--out", default=str(RESULTS_DIR / "course2"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# The course's follow-up experiments, reproduced", "", machine_markdown(machine_info(with_peers=False)), ""]
    everything = {}
    for experiment in COURSE2_EXPERIMENTS:
        started = time.perf_counter()
        result = run_experiment(experiment, data=args.data)
        train_X, train_Y = result["data"]
        panels = [(r["model"], train_X, train_Y,
                   f"{r['name']}: train {r['train_accuracy']:.4f}"
                   + ("" if r["test_accuracy"] is None else f", test {r['test_accuracy']:.4f}"))
                  for r in result["runs"]]
        plot_decision_boundaries(panels, out / f"{experiment}.png", columns=min(4, len(panels)))
        lines += [f"## {experiment} ({time.perf_counter() - started:.0f} s)", "",
                  "| run | at | ours | course | relative difference |", "|---|---|---|---|---|"]
        for r in result["runs"]:
            course = COURSE[experiment].get(r["name"], {"costs": {}})
            for index, cost in r["costs"].items():
                theirs = course["costs"].get(int(index))
                lines.append(f"| {r['name']} | {r['unit']} {index} | {cost!r} | "
                             f"{'' if theirs is None else repr(theirs)} | {difference(cost, theirs)} |")
            for part in ("train", "test"):
                ours = r[f"{part}_accuracy"]
                if ours is None:
                    continue
                theirs = course.get(f"{part}_accuracy")
                lines.append(f"| {r['name']} | {part} accuracy | {ours:.4f} | "
                             f"{'' if theirs is None else f'{theirs:.4f}'} | "
                             f"{'' if theirs is None else ('equal' if abs(ours - theirs) < 1e-12 else 'DIFFERS')} |")
        lines.append("")
        everything[experiment] = [{k: v for k, v in r.items() if k != "model"} for r in result["runs"]]
        print(f"{experiment}: done", file=sys.stderr)
    atomic_write_text(out / "course2.md", "\n".join(lines) + "\n")
    atomic_write_text(out / "course2.json", json.dumps(everything, indent=1, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

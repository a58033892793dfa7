"""What isolating the learner's code costs `nets audit`, and how fast a class goes.

1. One submission: a correct, complete Course 1 week 4 file (the project's own
   ``nets/manual/week4.py``, copied as a learner's file) audited
   - in-process, as before isolation: the file imported into this process and its
     module audited (``nets.audit(module)``, which still runs in-process), the import
     included;
   - isolated: ``nets.audit(path)``, a worker process started, the file copied and
     imported there, every call sent to it and answered as data.
   Median of REPEATS runs each, alternating, and the difference per submission.
2. A class: CLASS_SIZE generated submissions (that file, correct for most; a missing
   1/m in db, an inverted ReLU mask, a function that raises, one that calls
   ``os._exit(0)``, mixed in) audited by ``run_class`` (what ``nets audit FOLDER``
   does) with ``jobs=1`` and ``jobs=2``: the wall time, and per submission.

The targets (issue 19): isolation at most 0.5 s per submission over in-process; 100
submissions in at most 2 minutes with 2 jobs on a 2-core machine. The machine may be
shared: the load average at start and end is recorded with the results.

Run: ``python benchmarks/bench_audit.py`` (results in benchmarks/results/audit.{md,json});
``--quick``: 2 repeats and a class of 6 (smoke test).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

WEEK4 = common.REPO_ROOT / "nets" / "manual" / "week4.py"
# (name, text replaced, replacement): each a mistake a learner makes, found once in week4.py.
MISTAKES = [
    ("missing_1_over_m", "db = 1/m * np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ, axis=1, keepdims=True)"),
    ("relu_mask", "dZ[Z <= 0] = 0", "dZ[Z > 0] = 0"),
    ("raises", "def linear_forward(A, W, b):\n", "def linear_forward(A, W, b):\n    raise RuntimeError('todo')\n"),
    ("os_exit", "def sigmoid_backward(dA, cache):\n",
     "def sigmoid_backward(dA, cache):\n    import os\n    os._exit(0)\n"),
]


def write_class(folder: Path, size: int) -> dict:
    """``size`` submissions in ``folder``: every fifth one has one of MISTAKES, the others are right."""
    source = WEEK4.read_text()
    kinds = {}
    for i in range(size):
        text, kind = source, "correct"
        if i % 5 == 4:
            kind, old, new = MISTAKES[(i // 5) % len(MISTAKES)]
            assert source.count(old) == 1, kind
            text = source.replace(old, new)
        (folder / f"student{i:03d}.py").write_text(text)
        kinds[f"student{i:03d}.py"] = kind
    return kinds


def one_submission(folder: Path, repeats: int) -> dict:
    import nets
    from nets.checker.sandbox import load_learner_file

    path = folder / "learner.py"
    path.write_text(WEEK4.read_text())
    assert nets.audit(path).ok and nets.audit(load_learner_file(path, 60)).ok  # warm: imports, caches
    times = {"in-process": [], "isolated": []}
    for _ in range(repeats):
        started = time.perf_counter()
        report = nets.audit(load_learner_file(path, 60))
        times["in-process"].append(time.perf_counter() - started)
        assert report.ok
        started = time.perf_counter()
        report = nets.audit(path)
        times["isolated"].append(time.perf_counter() - started)
        assert report.ok
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {"times": times, "median": medians,
            "isolation_cost": medians["isolated"] - medians["in-process"],
            "ratio": medians["isolated"] / medians["in-process"]}


def a_class(folder: Path, size: int, jobs: int) -> dict:
    from nets.jobs.audit import run_class

    kinds = write_class(folder, size)
    started = time.perf_counter()
    result = run_class([folder], jobs=jobs, timeout=5.0)
    elapsed = time.perf_counter() - started
    outcomes = result["outcomes"]
    wrong_verdicts = [o.submission for o in outcomes if o.ok != (kinds[Path(o.submission).name] == "correct")]
    return {"jobs": jobs, "submissions": size, "seconds": elapsed, "per_submission": elapsed / size,
            "passed": sum(o.ok for o in outcomes), "unexpected_verdicts": wrong_verdicts}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 repeats, a class of 6 (smoke test)")
    p.add_argument("--repeats", type=int, default=None, help="runs of one submission each way (default 7)")
    p.add_argument("--class-size", type=int, default=None, help="generated submissions (default 100)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    args = p.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    size = args.class_size or (6 if args.quick else 100)
    info = common.machine_info(with_peers=False)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "one").mkdir()
        single = one_submission(tmp / "one", repeats)
        classes = []
        for jobs in (1, 2):
            (tmp / f"class{jobs}").mkdir()
            classes.append(a_class(tmp / f"class{jobs}", size, jobs))
    info["load_average_at_end"] = common.load_average()
    data = {"settings": {"repeats": repeats, "class_size": size, "quick": args.quick,
                         "file": "nets/manual/week4.py as a learner's file"},
            "machine": info, "one_submission": single, "classes": classes}
    out = common.output_dir(args)
    common.atomic_write_json(out / "audit.json", data)
    rows = [(k, common.fmt(single["median"][k]), common.fmt(min(single["times"][k]))) for k in ("in-process", "isolated")]
    class_rows = [(c["jobs"], c["submissions"], common.fmt(c["seconds"]), common.fmt(c["per_submission"]),
                   c["passed"], len(c["unexpected_verdicts"])) for c in classes]
    md = "\n".join([
        "# nets audit: the cost of isolation, and a class",
        "",
        "Written by `benchmarks/bench_audit.py`" + (" (--quick)" if args.quick else "") + ".",
        "",
        "## Machine",
        "",
        common.machine_markdown(info),
        "",
        f"## One submission (a correct, complete Course 1 week 4 file; {repeats} runs each, alternating)",
        "",
        common.markdown_table(["how", "median s", "best s"], rows),
        "",
        f"Isolation costs {single['isolation_cost']:.2f} s per submission (x{single['ratio']:.1f}); "
        f"the target is at most 0.5 s.",
        "",
        f"## A class of {size} generated submissions (every fifth with one mistake)",
        "",
        common.markdown_table(["jobs", "submissions", "seconds", "s per submission", "passed",
                               "unexpected verdicts"], class_rows),
        "",
        "The target is at most 120 s for 100 submissions with 2 jobs on a 2-core machine.",
        "",
    ])
    common.atomic_write_text(out / "audit.md", md)
    print(md)


if __name__ == "__main__":
    main()

"""Smoke tests of the benchmark scripts: each runs with --quick into a temporary folder.

Timings are never asserted (the machine is shared); only that each script finishes and writes
its files with the expected keys and rows. ``bench_step`` and ``bench_full_run`` also run with
every peer made unimportable (a stub package that raises ImportError shadows each one), which
is what a machine without the peers looks like: the peers must be skipped with a note.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
PEERS = ("torch", "jax", "autograd", "mygrad")


def run_script(name, out, *extra, env=None, timeout=120):
    cmd = [sys.executable, str(BENCH / name), "--quick", "--out", str(out), *extra]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture
def no_peers_env(tmp_path):
    """An environment in which importing any peer raises ImportError."""
    stubs = tmp_path / "stubs"
    for name in PEERS:
        (stubs / name).mkdir(parents=True)
        (stubs / name / "__init__.py").write_text(f"raise ImportError('{name} blocked by the smoke test')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(stubs), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def load(out, stem):
    data = json.loads((out / f"{stem}.json").read_text())
    md = (out / f"{stem}.md").read_text()
    return data, md


def test_bench_step_without_peers(tmp_path, no_peers_env):
    out = tmp_path / "out"
    run_script("bench_step.py", out, env=no_peers_env)
    data, md = load(out, "step")
    assert (out / "step.png").stat().st_size > 0
    for key in ("settings", "machine", "data", "rows", "checks", "skipped", "cost_agreement"):
        assert key in data
    assert set(data["skipped"]) == set(PEERS)
    assert all("blocked by the smoke test" in reason for reason in data["skipped"].values())
    seen = {(r["contender"], r["net"], r["dtype"]) for r in data["rows"]}
    for contender in ("engine", "engine-gram", "post", "pruned", "first-layer"):
        for net in ("tutorial", "small"):
            for dtype in ("float64", "float32"):
                assert (contender, net, dtype) in seen
    for row in data["rows"]:
        assert row["median_s"] > 0 and row["ratio_to_post"] > 0 and row["maxrss_mb"] > 0
        # --quick measures tracemalloc for float64 only.
        assert (row["tracemalloc_peak_mb"] is not None) == (row["dtype"] == "float64")
    assert all(c["agrees"] for c in data["cost_agreement"])
    for key in ("cpu_model", "logical_cores", "python", "numpy", "blas", "env", "peer_versions"):
        assert key in data["machine"]
    assert "OPENBLAS_CORETYPE" in data["machine"]["env"]
    assert "Skipped (not installed here)" in md and "engine (gram solver)" in md
    assert {c["check"].split(",")[1].strip() for c in data["checks"] if "step / post" in c["check"]} == {
        "tutorial net", "small net"}


def test_bench_step_with_installed_peers(tmp_path):
    from benchmarks import peers

    available = [p for p in PEERS if peers.peer_unavailable_reason(p) is None]
    if not available:
        pytest.skip("no peer installed")
    out = tmp_path / "out"
    run_script("bench_step.py", out, "--contenders", ",".join(["engine", "post"] + available),
               "--nets", "small", "--dtypes", "float32", "--no-memory")
    data, _ = load(out, "step")
    assert {r["contender"] for r in data["rows"]} == {"engine", "post", *available}
    assert not data["skipped"] and not data["failed"]
    assert all(c["agrees"] for c in data["cost_agreement"])


def test_bench_full_run(tmp_path, no_peers_env):
    out = tmp_path / "out"
    run_script("bench_full_run.py", out, env=no_peers_env)
    data, md = load(out, "full_run")
    assert set(data["skipped"]) == {"torch", "jax"}
    got = {(r["run"], r["contender"]) for r in data["rows"]}
    for run in ("2-layer", "4-layer"):
        for contender in ("engine-gram", "engine-backprop", "post"):
            assert (run, contender) in got
    assert ("4-layer-small", "engine-gram") in got
    for row in data["rows"]:
        for key in ("wall_s", "speedup_vs_post", "final_cost", "train_accuracy", "test_accuracy", "costs"):
            assert row[key] is not None
    # Same iterates: gram, backprop and the post's loop end at the same cost.
    for run in ("2-layer", "4-layer"):
        finals = [r["final_cost"] for r in data["rows"] if r["run"] == run]
        assert max(finals) - min(finals) < 1e-8
    assert data["checks"] and "gram" in data["checks"][0]["check"]
    assert "post's init scale" in md
    assert "Gram against backprop" in md and "standard deviation of Z" in md


def test_bench_scaling(tmp_path):
    out = tmp_path / "out"
    run_script("bench_scaling.py", out)
    data, md = load(out, "scaling")
    assert (out / "scaling.png").stat().st_size > 0
    assert {p["sweep"] for p in data["points"]} == {"examples", "width", "depth"}
    for p in data["points"]:
        for c in ("engine", "post"):
            assert p["contenders"][c]["median_s"] > 0 and p["contenders"][c]["flops"] > 0
        assert p["contenders"]["post"]["flops"] > p["contenders"]["engine"]["flops"]  # dA0
    assert len(data["fits"]) == 6
    assert "overhead" in md


def test_bench_soak(tmp_path):
    out = tmp_path / "out"
    run_script("bench_soak.py", out)
    data, md = load(out, "soak")
    assert (out / "soak.png").stat().st_size > 0
    assert len(data["soak"]["samples"]) == 12  # 600 steps sampled every 50
    assert set(data["runs"]) == {"engine", "pruned"}
    assert len(data["checks"]) == 4
    for run in data["runs"].values():
        assert run["traced_peak_mb"] > 0 and run["maxrss_mb"] > 0
    assert abs(data["runs"]["engine"]["final_cost"] - data["runs"]["pruned"]["final_cost"]) < 1e-8


def test_bench_pictures_quick(tmp_path):
    out = tmp_path / "out"
    run_script("bench_pictures.py", out)
    data, md = load(out, "pictures")
    seen = {(r["enlarger"], r["filter"]) for r in data["filters"]}
    assert seen == {(e, f) for e in ("nearest", "bicubic", "lanczos")
                    for f in ("nearest", "bilinear", "hamming", "bicubic", "box", "lanczos", "handwritten")}
    assert set(data["draft"]["runs"]) == {"draft", "full"}
    assert data["bomb"]["seconds"] > 0 and "## Decompression bomb" in md


def test_bench_before_after_quick(tmp_path):
    """Two trees (the working tree against HEAD, exported by git archive), both measured, paired ratios written."""
    import json
    import shutil

    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the project's git checkout")
    out = tmp_path / "ab"
    run_script("bench_before_after.py", out, "--before", "HEAD", "--rounds", "1")
    result = json.loads((out / "before_after.json").read_text())
    assert set(result["summary"]["cpu"]) == {"small/replayed", "small/eager", "tutorial/replayed", "tutorial/eager"}
    for row in result["summary"]["cpu"].values():
        assert row["before_median"] > 0 and row["after_median"] > 0 and row["rounds"] == 1
    assert "paired after/before" in (out / "before_after.md").read_text()


def test_bench_gram_options(tmp_path):
    out = tmp_path / "out"
    run_script("bench_gram_options.py", out)
    data, md = load(out, "gram_options")
    assert not data["failed"]
    assert [c["case"] for c in data["cases"]] == ["full-momentum-l2", "minibatch-64"]
    for case in data["cases"]:
        assert case["solvers_ran"] == ["backprop", "gram"]
        assert len(case["ratios"]) == 1 and case["ratios"][0] > 0
        # Same batches and masks: the two solvers' costs agree to rounding.
        assert case["max_relative_cost_difference"] < 1e-9
    assert {r["options"].get("batch_size") for r in data["runs"]} == {None, 16}
    assert "median speed-up" in md

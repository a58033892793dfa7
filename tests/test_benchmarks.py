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


CORE = ("engine", "post", "first-layer")
NUMPY_CONTENDERS = ("engine", "engine-eager", "engine-replay", "engine-compiled", "engine-faithful", "engine-gram",
                    "post", "pruned", "first-layer")
QUICK_BATCHES = ("full", "16")  # --quick's batch modes: its tutorial data has m = 48


def test_bench_step_without_peers(tmp_path, no_peers_env):
    out = tmp_path / "out"
    run_script("bench_step.py", out, env=no_peers_env)
    data, md = load(out, "step")
    assert (out / "step.png").stat().st_size > 0
    for key in ("settings", "machine", "data", "rows", "checks", "skipped", "cost_agreement", "not_applicable",
                "quick_limited"):
        assert key in data
    assert data["settings"]["layouts"] == ["F", "C"] and data["settings"]["batches"] == list(QUICK_BATCHES)
    assert set(data["skipped"]) == set(PEERS)
    assert all("blocked by the smoke test" in reason for reason in data["skipped"].values())
    assert not data["failed"] and not data["not_applicable"]

    # Rows: the core contenders on the whole matrix, the others (quick) on the first net, dtype
    # and layout, both batch modes.
    seen = {(r["contender"], r["net"], r["dtype"], r["layout"], r["batch"]) for r in data["rows"]}
    expected = set()
    for contender in NUMPY_CONTENDERS:
        for net in ("tutorial", "small"):
            for dtype in ("float64", "float32"):
                for layout in ("F", "C"):
                    for batch in QUICK_BATCHES:
                        if contender in CORE or (net, dtype, layout) == ("tutorial", "float64", "F"):
                            expected.add((contender, net, dtype, layout, batch))
    assert seen == expected
    assert set(NUMPY_CONTENDERS) - set(CORE) <= set(data["quick_limited"])
    for row in data["rows"]:
        assert row["step_s"] > 0 and row["ratio_to_post"] > 0 and row["maxrss_mb"] > 0
        assert row["warmup_s"] > 0 and row["warmup_steps"] >= 3
        # Each timed run is a training run of at least the asked steps (whole epochs for mini-batches).
        assert row["steps_per_run"] >= (3 if row["net"] == "tutorial" else 5)
        if row["batch"] == "16":
            assert row["steps_per_run"] % -(-row["m"] // 16) == 0
        # The layout asked for is the layout measured.
        assert (row["x_f_contiguous"], row["x_c_contiguous"]) == (row["layout"] == "F", row["layout"] == "C")
        assert len(row["ratio_to_post_per_round"]) == 1
        # --quick measures tracemalloc for the first net, F-ordered X, full batch, float64 only.
        traced = (row["net"], row["dtype"], row["layout"], row["batch"]) == ("tutorial", "float64", "F", "full")
        assert (row["tracemalloc_mb"] is not None) == traced
        assert row["worker_blas"]
    post = [r for r in data["rows"] if r["contender"] == "post"]
    assert all(r["ratio_to_post"] == 1 for r in post)

    # The engine's tuning decisions, in full from the first round, and its first-layer choices.
    for row in data["rows"]:
        if row["contender"] in ("engine", "first-layer"):
            decisions = row["tuning_decisions"]
            for key in ("enabled", "blas_threads", "products", "data"):
                assert key in decisions
            choice = row["first_layer"]
            assert choice["forward"] and choice["weight_gradient"]
            for product in choice["forward"] + choice["weight_gradient"]:
                assert product["orientation"] in ("plain", "turned")
                assert product["threads"] in ("one", "all", "either")
            assert row["first_layer_same_every_round"] is True
        elif row["contender"] in ("post", "pruned"):
            assert row["tuning_decisions"] is None
    assert "What the engine chose for the first layer" in md
    assert "one-off tuning/warm-up cost per process" in md

    # First costs agree with the post's, same parameters and same batches.
    disagree = {(c["contender"], c["batch"]) for c in data["cost_agreement"] if not c["agrees"]}
    assert not disagree
    assert {c["contender"] for c in data["cost_agreement"]} == set(NUMPY_CONTENDERS) - {"first-layer"}

    # The targets: one check per listed layout, each with its jax comparison (skipped: no jax).
    targets = [c for c in data["checks"] if c["kind"] == "target"]
    assert {(c["net"], c["dtype"], c["batch"], c["layout"]) for c in targets} == {
        ("tutorial", "float64", "full", "F"), ("tutorial", "float64", "full", "C"),
        ("small", "float64", "full", "F"), ("small", "float64", "full", "C"),
        ("tutorial", "float64", "16", "C"),
        ("small", "float64", "16", "F"), ("small", "float64", "16", "C"),
        ("tutorial", "float32", "full", "F"), ("tutorial", "float32", "full", "C"),
    }
    assert all(isinstance(c["pass"], bool) and c["value"] > 0 for c in targets)
    jax_checks = [c for c in data["checks"] if c["kind"] == "jax"]
    assert len(jax_checks) == len(targets)
    assert all(c["pass"] is None and "jax did not run" in c["skipped"] for c in jax_checks)
    assert "engine ahead of jax's jit: jax did not run" in md

    # The machine, and the BLAS named with its kernels.
    for key in ("cpu_model", "logical_cores", "python", "numpy", "blas", "env", "peer_versions", "blas_details"):
        assert key in data["machine"]
    assert "OPENBLAS_CORETYPE" in data["machine"]["env"]
    libraries = data["machine"]["blas_details"]["libraries"]
    assert libraries and all("internal_api" in lib and "num_threads" in lib for lib in libraries)
    assert "numpy_build" in data["machine"]["blas_details"]
    assert "BLAS and its kernels" in md
    for lib in libraries:
        if lib.get("architecture"):
            assert f"kernels {lib['architecture']}" in md
    assert "Skipped (not installed here)" in md and "engine (fit, gram solver)" in md


def test_bench_step_with_installed_peers(tmp_path):
    from benchmarks import peers

    available = [p for p in PEERS if peers.peer_unavailable_reason(p) is None]
    if not available:
        pytest.skip("no peer installed")
    out = tmp_path / "out"
    run_script("bench_step.py", out, "--contenders", ",".join(["engine", "post"] + available),
               "--nets", "small", "--dtypes", "float32", "--no-memory")
    data, md = load(out, "step")
    assert {r["contender"] for r in data["rows"]} == {"engine", "post", *available}
    assert not data["skipped"] and not data["failed"]
    # Peers run mini-batches too (quick: the first layout asked for), on the post's batches.
    for name in available:
        got = {(r["layout"], r["batch"]) for r in data["rows"] if r["contender"] == name}
        assert got == {("F", "full"), ("F", "16")}
        assert all(r["peer_blas"]["products"] for r in data["rows"] if r["contender"] == name)
    assert all(c["agrees"] for c in data["cost_agreement"])
    if "torch" in available:
        assert "torch's products" in md


@pytest.mark.parametrize("name", PEERS)
def test_peer_step_on_given_batches(name):
    """``step(X_batch, Y_batch)``, as bench_step drives the peers on mini-batches, trains on that batch."""
    import numpy as np

    from benchmarks import peers
    from nets import manual
    from nets.model.init import initialize

    reason = peers.peer_unavailable_reason(name)
    if reason is not None:
        pytest.skip(f"peer {name} unavailable: {reason}")
    rs = np.random.RandomState(0)
    X = np.asfortranarray(rs.randn(6, 20))
    Y = (rs.rand(1, 20) < 0.5).astype(np.float64)
    params = initialize([6, 5, 3, 1], "xavier", 1)
    whole, given = (peers.PEERS[name](params, X, Y, 0.1, np.float64) for _ in range(2))
    assert whole() == given(X, Y)  # the factory's arrays or the same ones given: the same step
    step = peers.PEERS[name](params, X, Y, 0.1, np.float64)
    reference = params
    for Xb, Yb in manual.random_mini_batches(X, Y, 8, seed=0):  # batches of 8, 8 and 4 columns
        AL, caches = manual.L_model_forward(Xb, reference)
        expected = float(manual.compute_cost(AL, Yb))
        reference = manual.update_parameters(reference, manual.L_model_backward(AL, Yb, caches), 0.1)
        assert step(Xb, Yb) == pytest.approx(expected, rel=1e-10)
    for key, value in step.get_params().items():
        np.testing.assert_allclose(value, reference[key], rtol=1e-10, atol=1e-14, err_msg=key)


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


def test_bench_audit_quick(tmp_path):
    out = tmp_path / "out"
    run_script("bench_audit.py", out, "--repeats", "1", "--class-size", "3")
    data, md = load(out, "audit")
    assert set(data["one_submission"]["median"]) == {"in-process", "isolated"}
    assert [c["jobs"] for c in data["classes"]] == [1, 2]
    assert all(c["unexpected_verdicts"] == [] for c in data["classes"])
    assert "load average" in md

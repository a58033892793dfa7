"""Helpers shared by the benchmark scripts.

- machine description (CPU, cores, Python, numpy, BLAS via threadpoolctl, peer versions,
  OpenBLAS environment variables, load average, git commit, date);
- worker processes: each measured configuration runs in a fresh ``python <script> --worker
  <json>`` process, so that one contender's imports (torch's, jax's thread pools and BLAS) cannot
  slow another's numpy; the worker prints its result as one JSON line after a marker;
- timing (``time.perf_counter`` per step) and memory (``ru_maxrss``, ``/proc/self/statm``);
- markdown tables and atomic file writes (a temporary file in the same folder, then
  ``os.replace``), so a reader never sees half a results file;
- the data: the real cat/non-cat files when present, else the project's synthetic set.

Nothing here sets BLAS or OpenBLAS environment variables; the machine record only reports them.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
QUICK_RESULTS_DIR = RESULTS_DIR / "quick"
DEFAULT_DATA_DIR = Path(os.environ.get("CATVNONCAT_DIR", REPO_ROOT.parent / "shared" / "data" / "catvnoncat"))

RESULT_MARKER = "@@BENCH-RESULT@@ "
# Environment variables worth recording because they change BLAS speed; never set here.
RECORDED_ENV = (
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
    "MKL_NUM_THREADS", "XLA_FLAGS", "JAX_ENABLE_X64", "PYTHONHASHSEED",
)


# ------------------------------------------------------------------------------------ machine

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> list[dict]:
    """threadpoolctl's view of the BLAS/OpenMP libraries numpy loaded here."""
    try:
        import numpy  # noqa: F401  (threadpoolctl only sees libraries already loaded)
        from threadpoolctl import threadpool_info
    except ImportError as exc:
        return [{"error": f"threadpoolctl not available: {exc}"}]
    keys = ("user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture", "prefix")
    return [{k: info.get(k) for k in keys if k in info} for info in threadpool_info()]


def numpy_blas_build() -> dict:
    """The BLAS numpy was built against, from ``numpy.show_config``: name, version, configuration.

    For OpenBLAS the configuration string names the build's target core (say ``Haswell``); a
    ``DYNAMIC_ARCH`` build picks its kernels for the CPU at run time, and those kernels are
    threadpoolctl's ``architecture`` (:func:`blas_details`), not the core named here.
    """
    try:
        import numpy as np

        config = np.show_config(mode="dicts")
        blas = dict(config.get("Build Dependencies", {}).get("blas", {}))
    except (TypeError, ValueError, AttributeError) as exc:  # old numpy without mode="dicts", an unusual record
        return {"error": f"numpy's build record not available: {type(exc).__name__}: {exc}"}
    return {k: blas.get(k) for k in ("name", "version", "openblas configuration") if k in blas}


def blas_details() -> dict:
    """The BLAS numpy uses here: every library threadpoolctl sees (with its file), and numpy's build record.

    ``libraries`` is :func:`blas_info` plus each library's file name; ``architecture`` is the
    kernel set the library chose for this CPU (OpenBLAS's core name, e.g. ``SkylakeX``).
    """
    libraries = blas_info()
    try:
        from threadpoolctl import threadpool_info

        files = [os.path.basename(info.get("filepath") or "") or None for info in threadpool_info()]
        if len(files) == len(libraries):
            for library, name in zip(libraries, files):
                library["file"] = name
    except ImportError:
        pass
    return {"libraries": libraries, "numpy_build": numpy_blas_build()}


def blas_markdown(details: dict) -> str:
    """One line naming the BLAS, its version, its kernels, threads and file, and numpy's build record."""
    parts = []
    for lib in details.get("libraries", []):
        if "error" in lib:
            parts.append(lib["error"])
            continue
        parts.append(
            f"{lib.get('internal_api', lib.get('user_api', '?'))} {lib.get('version') or ''}".strip()
            + f": kernels {lib.get('architecture') or 'not reported'}, {lib.get('num_threads', '?')} threads"
            + (f" ({lib['threading_layer']})" if lib.get("threading_layer") else "")
            + (f", file {lib['file']}" if lib.get("file") else "")
        )
    text = "; ".join(parts) or "no BLAS library seen by threadpoolctl"
    build = details.get("numpy_build") or {}
    if build.get("name"):
        text += f". numpy was built against {build['name']} {build.get('version', '')}".rstrip()
        if build.get("openblas configuration"):
            config = " ".join(build["openblas configuration"].split())
            text += f" (build configuration: {config}"
            if "DYNAMIC_ARCH" in config:
                text += "; DYNAMIC_ARCH: the kernels are chosen at run time, those named above"
            text += ")"
    return text


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def git_modified() -> list[str] | None:
    """Tracked files of the measured packages that differ from the commit (a dirty tree)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "autograd_mini", "nets"],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        return [line[3:] for line in out.stdout.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        return None


def load_average() -> list[float] | None:
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def machine_info(with_peers: bool = True) -> dict:
    import numpy as np

    info = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": blas_info(),
        "env": {name: os.environ.get(name) for name in RECORDED_ENV},
        "load_average_at_start": load_average(),
        "git_commit": git_commit(),
        "git_modified_engine_files": git_modified(),
    }
    if with_peers:
        from benchmarks import peers

        info["peer_versions"] = peers.versions()
    return info


def machine_markdown(info: dict) -> str:
    blas = "; ".join(
        f"{b.get('internal_api', b.get('user_api', '?'))} {b.get('version', '')} "
        f"({b.get('num_threads', '?')} threads, {b.get('architecture', '?')})"
        for b in info.get("blas", [])
    ) or "unknown"
    env = ", ".join(f"{k}={v}" for k, v in info.get("env", {}).items() if v is not None) or "none set"
    lines = [
        f"- date (UTC): {info['date']}",
        f"- CPU: {info['cpu_model']}, {info['logical_cores']} logical cores ({info['usable_cores']} usable)",
        f"- platform: {info['platform']}",
        f"- Python {info['python']}, numpy {info['numpy']}",
        f"- BLAS (threadpoolctl): {blas}",
        f"- BLAS-related environment: {env}",
        f"- load average (1, 5, 15 min) at start: {info.get('load_average_at_start')}, "
        f"at end: {info.get('load_average_at_end')}",
        f"- git commit: {info.get('git_commit')} (engine/nets files modified in the working tree: "
        f"{', '.join(info.get('git_modified_engine_files') or []) or 'none'})",
    ]
    if "peer_versions" in info:
        versions = ", ".join(f"{k} {v}" for k, v in info["peer_versions"].items()) or "none installed"
        lines.append(f"- peer versions: {versions}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ workers

def worker_main(run, argv) -> None:
    """Body of ``script --worker <json>``: run ``run(config)`` and print its result as JSON."""
    config = json.loads(argv[argv.index("--worker") + 1])
    try:
        result = run(config)
        result["ok"] = True
    except Exception as exc:  # reported to the parent, which records it
        import traceback

        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    result["maxrss_mb"] = maxrss_mb()
    sys.stdout.flush()
    print(RESULT_MARKER + json.dumps(result, default=_json_default), flush=True)


def run_worker(script: Path | str, config: dict, timeout: float = 3600, env: dict | None = None) -> dict:
    """Run ``python script --worker <json config>`` in a fresh process; return its result dict."""
    cmd = [sys.executable, str(script), "--worker", json.dumps(config)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"worker timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"ok": False, "error": f"worker exited with {proc.returncode}: " + " | ".join(tail)}


def run_workers(script, configs: list[dict], jobs: int = 1, timeout: float = 3600) -> list[dict]:
    """Run the configs' workers, ``jobs`` at a time (1 for any timing that matters), in order."""
    if jobs <= 1:
        return [run_worker(script, c, timeout) for c in configs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda c: run_worker(script, c, timeout), configs))


# ------------------------------------------------------------------------------------ measuring

def time_steps(step, steps: int, warmup: int = 1) -> list[float]:
    """Seconds of each of ``steps`` calls of ``step()``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    clock = time.perf_counter
    for _ in range(steps):
        start = clock()
        step()
        times.append(clock() - start)
    return times


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    """Current resident set size from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def median(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else None


def fit_line(xs, ys):
    """Least-squares ``y = a + b x``; returns (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def loglog_slope(xs, ys) -> float:
    return fit_line([math.log(x) for x in xs], [math.log(y) for y in ys])[1]


# ------------------------------------------------------------------------------------ data

def load_data(data_dir=None, quick: bool = False):
    """``(X, Y, X_test, Y_test, description)``: the real cat/non-cat set when its files exist.

    X is the loader's (features, examples) float64 array, F-contiguous as the course's
    ``x.reshape(m, -1).T / 255``; Y is (1, m) int64. ``quick`` uses small synthetic images.
    """
    from nets.data import load_catvnoncat, make_synthetic_catvnoncat

    if quick:
        X, Y, Xt, Yt, _ = make_synthetic_catvnoncat(seed=0, n_train=48, n_test=16, image_size=8)
        return X, Y, Xt, Yt, "synthetic (nets.data.make_synthetic_catvnoncat, 8x8 images, quick)"
    directory = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    if (directory / "train_catvnoncat.h5").is_file() and (directory / "test_catvnoncat.h5").is_file():
        X, Y, Xt, Yt, _ = load_catvnoncat(str(directory))
        try:
            shown = os.path.relpath(directory, REPO_ROOT)
        except ValueError:
            shown = str(directory)
        return X, Y, Xt, Yt, f"real cat/non-cat ({shown})"
    X, Y, Xt, Yt, _ = make_synthetic_catvnoncat()
    return X, Y, Xt, Yt, "synthetic (nets.data.make_synthetic_catvnoncat; real data not found)"


# ------------------------------------------------------------------------------------ output

def markdown_table(headers, rows) -> str:
    def cell(v):
        if v is None:
            return "-"
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _json_default(obj):
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def atomic_write_bytes(path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default, allow_nan=True) + "\n")


def atomic_savefig(fig, path) -> None:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=110, bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def output_dir(args) -> Path:
    """--out, else benchmarks/results (benchmarks/results/quick for --quick, git-ignored)."""
    if args.out:
        out = Path(args.out)
    else:
        out = QUICK_RESULTS_DIR if getattr(args, "quick", False) else RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    return out


def fmt(x, digits=3):
    """A number with ``digits`` significant digits, or '-'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


def ensure_repo_on_path() -> None:
    root = str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)

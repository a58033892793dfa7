"""``nets audit`` as a grader: a submission that attacks the audit gets an honest verdict, and leaves nothing running.

Each test is one hostile behaviour a few lines in a learner's file can try
(tampering with numpy or with the audit's own modules, ending the process,
returning objects that run code, hanging in one C call, taking memory). Each
must end in a non-zero outcome naming the function, within the limits given,
with no process of the audit left behind. The files are small (the four
activation functions) and the limits small, to keep the suite fast.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nets.checker import AuditImportError, audit
from nets.checker.worker import ProtocolError, Unencodable, decode, encode
from nets.cli import main

ROOT = Path(__file__).resolve().parents[2]
LIMITS = dict(timeout=2.0, memory_limit=512 << 20, submission_timeout=60.0)

SMALL = textwrap.dedent('''
    import numpy as np

    def sigmoid(Z):
        return 1.0 / (1.0 + np.exp(-Z)), Z

    def relu(Z):
        return np.maximum(Z, 0), Z

    def relu_backward(dA, cache):
        return dA * (cache > 0)

    def sigmoid_backward(dA, cache):
        s = 1.0 / (1.0 + np.exp(-cache))
        return dA * s * (1.0 - s)
''')


def write(tmp_path, text, name="learner.py"):
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def variant(old, new, base=SMALL):
    assert base.count(old) == 1
    return base.replace(old, new)


def descendants():
    """Processes whose parent chain leads to this one (the audit's workers, had any survived)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    mine, me = [], os.getpid()
    for pid in parents:
        p = pid
        while p in parents and p > 1:
            p = parents[p]
            if p == me:
                mine.append(pid)
                break
    return mine


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def no_process_left():
    # Processes from before the test (multiprocessing's resource tracker, started by an
    # earlier test's --jobs, lives as long as this process) are not the test's.
    before = set(descendants())
    yield
    deadline = time.monotonic() + 5
    while set(descendants()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(descendants()) - before == set()


def verdicts(report):
    return {c.name: c.verdict for c in report.checks}


# -- what a correct file gets ---------------------------------------------------------------------


def test_a_correct_file_passes_in_a_worker_that_sees_its_own_folder(tmp_path, no_process_left):
    helper = "def sigmoid_of(Z):\n    import numpy as np\n    return 1.0 / (1.0 + np.exp(-Z))\n"
    write(tmp_path, helper, "helpers.py")
    path = write(tmp_path, "from helpers import sigmoid_of\n" + variant(
        "return 1.0 / (1.0 + np.exp(-Z)), Z", "return sigmoid_of(Z), Z"))
    report = audit(path, **LIMITS)
    assert report.ok, report.format()
    assert verdicts(report) == {"sigmoid": "ok", "relu": "ok", "relu_backward": "ok", "sigmoid_backward": "ok"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["helpers.py", "learner.py"]  # nothing written there


def test_a_correct_file_printing_a_lot_passes_with_the_start_of_its_output_kept(tmp_path, capsys, no_process_left):
    # About 200 MB through print and 20 MB straight to the file descriptors.
    text = variant("return 1.0 / (1.0 + np.exp(-Z)), Z",
                   "import os, sys\n    for _ in range(20):\n        print('p' * 500_000)\n"
                   "    sys.stderr.write('e' * 100_000)\n    os.write(1, b'o' * 1_000_000)\n"
                   "    return 1.0 / (1.0 + np.exp(-Z)), Z")
    report = audit(write(tmp_path, text), **LIMITS)
    assert report.ok, report.format()
    assert report.printed.startswith("p" * 4000) and len(report.printed) < 20_000
    assert "more characters not kept" in report.printed
    captured = capsys.readouterr()
    assert "ppp" not in captured.out and "ooo" not in captured.out and "eee" not in captured.err


# -- tampering ---------------------------------------------------------------------------------


def test_replacing_np_abs_does_not_make_a_wrong_function_pass(tmp_path, no_process_left):
    text = "import numpy as np\nnp.abs = lambda x, *a, **k: np.zeros_like(x)\n" + variant(
        "return 1.0 / (1.0 + np.exp(-Z)), Z", "return np.zeros_like(Z), Z")
    report = audit(write(tmp_path, text), **LIMITS)
    assert not report.ok
    assert verdicts(report)["sigmoid"] == "WRONG" and report.check("sigmoid").max_rel_error > 0.5


def test_rewriting_the_report_and_the_audit_helpers_changes_nothing_but_the_worker(tmp_path, capsys,
                                                                                   no_process_left):
    tamper = textwrap.dedent('''
        import sys
        for name, module in list(sys.modules.items()):
            if name.startswith("nets"):
                for attr in ("compare", "same", "relative_error", "vjp", "unpack", "format_traceback"):
                    if hasattr(module, attr):
                        setattr(module, attr, lambda *a, **k: None)
        report = sys.modules.get("nets.checker.report")
        if report is not None:
            report.AuditReport.ok = property(lambda self: True)
            report.AuditReport.to_dict = lambda self: {"ok": True}
            report.Check.verdict = property(lambda self: "ok")
    ''')
    path = write(tmp_path, tamper + variant("return dA * (cache > 0)", "return dA"))
    report = audit(path, **LIMITS)
    assert not report.ok and verdicts(report)["relu_backward"] == "WRONG"
    assert main(["audit", str(path), "--json", "--timeout", "2", "--memory-limit", "512M"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["ok"] is False
    assert [c["name"] for c in printed["checks"] if not c["ok"]] == ["relu_backward"]


# -- ending the process ---------------------------------------------------------------------------


def test_os_exit_0_in_a_function_is_a_crash_of_that_function_and_the_rest_is_checked(tmp_path, capsys,
                                                                                     no_process_left):
    path = write(tmp_path, variant("s = 1.0 / (1.0 + np.exp(-cache))",
                                   "import os; os._exit(0)\n    s = 1.0 / (1.0 + np.exp(-cache))"))
    report = audit(path, **LIMITS)
    check = report.check("sigmoid_backward")
    assert check.verdict == "CRASHED" and check.max_rel_error is None
    assert check.error == "crashed: the process exited with status 0 while running sigmoid_backward"
    assert {n: v for n, v in verdicts(report).items() if n != "sigmoid_backward"} == {
        "sigmoid": "ok", "relu": "ok", "relu_backward": "ok"}
    assert main(["audit", str(path), "--timeout", "2", "--memory-limit", "512M"]) == 1
    assert "FAILED: sigmoid_backward" in capsys.readouterr().out


def test_a_signal_killing_the_worker_is_a_crash(tmp_path, no_process_left):
    path = write(tmp_path, variant("return np.maximum(Z, 0), Z",
                                   "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"))
    report = audit(path, **LIMITS)
    assert report.check("relu").error == "crashed: the process was killed by SIGSEGV while running relu"
    assert report.check("sigmoid").ok


@pytest.mark.parametrize("top, words", [
    ("import sys\nsys.exit(0)\n", "cannot be imported: SystemExit: 0"),
    ("import os\nos._exit(0)\n", "cannot be imported: the process exited with status 0 while importing it"),
])
def test_ending_the_process_at_import_is_an_import_failure(tmp_path, capsys, no_process_left, top, words):
    path = write(tmp_path, top + SMALL)
    with pytest.raises(AuditImportError, match=words):
        audit(path, **LIMITS)
    assert main(["audit", str(path), "--memory-limit", "512M"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err
    assert main(["audit", str(path), "--json", "--memory-limit", "512M"]) == 2
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert printed["ok"] is False and words in printed["error"]


# -- objects of the learner's --------------------------------------------------------------------------


EVIL = textwrap.dedent('''
    import os

    LOG = {log!r}

    def _ran(what):
        with open(LOG, "a") as f:
            f.write(f"{{os.getpid()}} {{what}}\\n")
        return 0

    class Evil:
        def __array__(self, *a, **k):
            _ran("__array__")
            import numpy
            return numpy.zeros((1, 1))
        def __reduce__(self):
            _ran("__reduce__")
            return (int, (0,))
        def __sub__(self, other):
            _ran("__sub__")
            return 0
        __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__
        def __eq__(self, other):
            _ran("__eq__")
            return True
        def __len__(self):
            _ran("__len__")
            return 2
        def __getitem__(self, i):
            _ran("__getitem__")
            return Evil()
        def __float__(self):
            _ran("__float__")
            return 0.0
''')


def test_objects_whose_methods_run_code_never_reach_the_checker(tmp_path, no_process_left):
    log = tmp_path / "ran.log"
    text = SMALL + EVIL.format(log=str(log))
    text = text.replace("return 1.0 / (1.0 + np.exp(-Z)), Z", "return Evil(), Z")
    text = text.replace("return np.maximum(Z, 0), Z", "return Evil()")
    text = text.replace("return dA * (cache > 0)", "return [Evil()]")
    report = audit(write(tmp_path, text), **LIMITS)
    assert not report.ok
    assert "sigmoid returned a Evil inside a tuple" in report.check("sigmoid").error
    assert "relu returned a Evil:" in report.check("relu").error
    assert "relu_backward returned a Evil inside a list" in report.check("relu_backward").error
    ran = log.read_text().split() if log.exists() else []
    assert str(os.getpid()) not in ran[::2]  # whatever ran, ran in a worker, never in this process


def test_the_protocol_carries_plain_data_only():
    state = np.random.RandomState(3)
    value = {"W1": np.arange(6.0).reshape(2, 3), (1, "a"): [np.float32(1.5), 2, None, True, "s", 1j],
             "nan": float("nan"), "nested": ((np.int64(4),), [])}
    blobs = []
    back = decode(encode((value, state), blobs), blobs)
    assert back[0]["W1"].tolist() == value["W1"].tolist() and type(back[0]["W1"]) is np.ndarray
    assert back[0][(1, "a")][0] == np.float32(1.5) and back[0][(1, "a")][0].dtype == np.float32
    assert back[0][(1, "a")][1:] == [2, None, True, "s", 1j] and np.isnan(back[0]["nan"])
    assert back[0]["nested"] == ((4,), [])
    assert back[1].randint(1000) == np.random.RandomState(3).randint(1000)
    for bad, words in ((np.array([object()]), "dtype object"), ({1: {2: lambda: 0}}, "a function inside a dict"),
                       (np.ma.masked_array([1.0]).view(type("Sub", (np.ndarray,), {})), None)):
        if words is None:
            assert type(decode(encode(bad, blobs := []), blobs)) is np.ndarray  # a subclass: its plain data
            continue
        with pytest.raises(Unencodable, match=words):
            encode(bad, [])
    # A forged message cannot make the reader build objects: only plain dtypes, bytes matching the shape.
    for forged in ({"array": [0, "|O", [1]]}, {"array": [0, "<f8", [3]]}, {"array": [0, "i4,f8", [1]]},
                   {"array": [5, "<f8", [1]]}, {"array": 0}, {"unknown": 1}):
        with pytest.raises(ProtocolError):
            decode(forged, [b"\0" * 8])
    assert decode({"array": [0, "<f8", [1]]}, [b"\0" * 8]).tolist() == [0.0]


# -- runaways -----------------------------------------------------------------------------------------


def test_a_hang_inside_one_numpy_call_is_killed_and_the_audit_goes_on(tmp_path, no_process_left):
    pids = tmp_path / "pids"
    # One long C call (the eigenvalues of a 2000 x 2000 matrix: seconds on one thread), after starting a
    # child process of its own: both must be gone when the audit returns.
    text = variant("return dA * (cache > 0)",
                   "import os, subprocess\n"
                   "    child = subprocess.Popen(['sleep', '300'])\n"
                   f"    open({str(pids)!r}, 'a').write(f'{{os.getpid()}} {{child.pid}} ')\n"
                   "    np.linalg.eigvals(np.random.rand(2000, 2000))\n"
                   "    return dA * (cache > 0)")
    started = time.monotonic()
    report = audit(write(tmp_path, text), timeout=1.0, memory_limit=512 << 20, submission_timeout=60.0)
    assert time.monotonic() - started < 30
    check = report.check("relu_backward")
    assert check.verdict == "TIMEOUT" and check.error.startswith("did not return within 1 s")
    assert "stuck in relu_backward" in check.error and check.error.endswith("the call was stopped")
    assert report.check("sigmoid_backward").ok  # a fresh worker carried on
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid)


def test_a_submission_out_of_total_time_is_stopped(tmp_path, no_process_left):
    text = SMALL.replace("    return", "    import time; time.sleep(0.3)\n    return")
    started = time.monotonic()
    report = audit(write(tmp_path, text), timeout=2.0, memory_limit=512 << 20, submission_timeout=2.0)
    assert time.monotonic() - started < 15
    assert not report.ok
    assert any("the submission's time limit of 2 s ran out" in (c.error or "") for c in report.checks)
    assert all(c.verdict in ("ok", "TIMEOUT") for c in report.checks)


def test_an_allocation_past_the_memory_limit_fails_in_the_worker(tmp_path, no_process_left):
    # 6 GiB in one array, and in 100 MB pieces: the first fails at once, the second on reaching the
    # limit (np.empty: the address space is taken without the time of writing to it).
    text = variant("return np.maximum(Z, 0), Z", "big = np.ones(6 << 27)\n    return np.maximum(Z, 0), Z")
    text = variant("return dA * (cache > 0)",
                   "kept = []\n    while True:\n        kept.append(np.empty(100 << 17))", base=text)
    report = audit(write(tmp_path, text), **dict(LIMITS, timeout=10.0))
    assert "MemoryError" in report.check("relu").error
    assert "MemoryError" in report.check("relu_backward").error
    assert report.check("relu").verdict != "ok" and report.check("relu_backward").verdict != "ok"
    assert report.check("sigmoid").ok and report.check("sigmoid_backward").ok


def test_the_cli_kills_its_workers_when_it_is_interrupted(tmp_path):
    pids = tmp_path / "pids"
    text = variant("return dA * (cache > 0)",
                   f"import os\n    open({str(pids)!r}, 'w').write(str(os.getpid()))\n    while True:\n        pass")
    path = write(tmp_path, text)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "nets", "audit", str(path), "--timeout", "60"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(pids.read_text())
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    deadline = time.monotonic() + 5
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)


def test_memory_limit_and_timeouts_are_checked(tmp_path, capsys):
    assert main(["audit", str(write(tmp_path, SMALL)), "--memory-limit", "lots"]) == 2
    assert "512M or 2G" in capsys.readouterr().err
    assert main(["audit", str(write(tmp_path, SMALL)), "--memory-limit", "10M"]) == 2
    assert "below what the worker itself needs" in capsys.readouterr().err
    with pytest.raises(ValueError, match="submission_timeout"):
        audit(write(tmp_path, SMALL), submission_timeout=0)


def test_the_learner_api_the_checks_use(tmp_path, no_process_left):
    from nets import manual
    from nets.checker.isolation import Limits, Submission, WorkerLearner
    from nets.checker.runner import stand_ins_for
    from nets.checker.sandbox import LearnerFailure

    text = variant("return np.maximum(Z, 0), Z", "return np.abs(Z), Z") + textwrap.dedent('''
        def linear_activation_forward(A_prev, W, b, activation):
            Z = W @ A_prev + b
            A, cache = relu(Z) if activation == "relu" else sigmoid(Z)
            return A, ((A_prev, W, b), cache)

        def draw(n):
            return np.random.rand(n)
    ''')
    learner = WorkerLearner(Submission.of_file(write(tmp_path, text)), Limits(**LIMITS))
    try:
        names = ("sigmoid", "relu", "linear_activation_forward", "linear_forward")
        learner.set_up(names, stand_ins_for(names))
        assert learner.found == ["sigmoid", "relu", "linear_activation_forward"]
        assert learner.substituted == ["linear_forward"] and learner.defines("relu")
        assert learner.signature("linear_activation_forward") == ["A_prev", "W", "b", "activation"]
        A_prev, W, b = np.ones((2, 1)), -np.eye(2), np.zeros((2, 1))
        wrong, _ = learner.call("linear_activation_forward", A_prev, W, b, "relu")
        right, _ = learner.call("linear_activation_forward", A_prev, W, b, "relu", substitute=("relu",))
        assert wrong.tolist() == [[1.0], [1.0]]  # their relu (an abs)
        assert right.tolist() == manual.relu(W @ A_prev + b)[0].tolist() == [[0.0], [0.0]]  # ours, this call only
        assert learner.call("linear_activation_forward", A_prev, W, b, "relu")[0].tolist() == wrong.tolist()
        # seed: numpy's global generator seeded in the worker right before the call.
        np.random.seed(5)
        expected = np.random.rand(3)
        first = learner.call("draw", 3, seed=5)
        assert first.tolist() == expected.tolist() and learner.call("draw", 3, seed=5).tolist() == first.tolist()
        with pytest.raises(LearnerFailure) as failure:
            learner.call("relu", "not an array")
        assert failure.value.kind == "raised" and "in relu" in failure.value.text and "ufunc" in failure.value.text
    finally:
        learner.restore()

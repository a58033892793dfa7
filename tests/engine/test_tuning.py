"""autograd_mini.tuning: choices made by measurement, checked with a clock the test controls.

The tuner times candidates with its ``timer``; here the candidates' product
functions advance a fake clock by costs the test sets, so every outcome of a
measurement is decided by the test, and the machine's real speed never is.
The products themselves are still computed, so their values are checked
against numpy's ``a @ b``.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from autograd_mini import tuning


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeThreads:
    """Stands in for the BLAS thread controller: records every change."""

    def __init__(self, count=2):
        self.libraries = ["fake blas"]
        self.count = count
        self.changes = []

    def counts(self):
        return [self.count]

    def set(self, count):
        self.count = count
        self.changes.append(count)

    def put_back(self, counts):
        self.set(counts[0])

    def switch_seconds(self):
        return 0.0


@pytest.fixture
def costed(monkeypatch):
    """A tuner on a fake clock; ``costs[name](a, b, threads)`` says what each orientation costs."""
    clock = Clock()
    threads = FakeThreads()
    costs = {"plain": lambda a, b, n: 1.0, "turned": lambda a, b, n: 1.0}
    calls = {"plain": 0, "turned": 0}

    def plain(a, b):
        calls["plain"] += 1
        clock.now += costs["plain"](a, b, threads.count)
        return a @ b

    def turned(a, b):
        calls["turned"] += 1
        clock.now += costs["turned"](a, b, threads.count)
        return (b.T @ a.T).T

    monkeypatch.setattr(tuning, "_plain", plain)
    monkeypatch.setattr(tuning, "_turned", turned)
    tuner = tuning.Tuner(timer=clock, trials=2, min_work=1000, margin=0.05, threads=threads)
    return tuner, costs, calls, threads


def arrays(shape_a, shape_b, order_b="C", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape_a).astype(dtype)
    b = np.asarray(rng.standard_normal(shape_b).astype(dtype), order=order_b)
    return a, b


def test_the_faster_orientation_is_chosen_once_and_kept(costed):
    tuner, costs, calls, _ = costed
    costs["turned"] = lambda a, b, n: 0.5
    a, b = arrays((4, 50), (50, 10))
    out = tuner.matmul(a, b)
    np.testing.assert_allclose(out, a @ b, rtol=1e-13)
    plan = next(iter(tuner.plans.values()))
    assert plan.turned and plan.seconds == {"plain": 1.0, "turned": 0.5}
    measured = dict(calls)
    for _ in range(3):
        np.testing.assert_allclose(tuner.matmul(a, b), a @ b, rtol=1e-13)
    assert calls == measured  # the hot path does not measure again (nor call the candidates)
    assert tuner.decisions()["products"][0]["orientation"] == "turned"


def test_plain_wins_when_faster_or_when_the_difference_is_within_the_margin(costed):
    tuner, costs, _, _ = costed
    costs["turned"] = lambda a, b, n: 2.0
    a, b = arrays((4, 50), (50, 10))
    tuner.matmul(a, b)
    assert not tuner.plans[next(iter(tuner.plans))].turned
    tuner.reset()
    costs["turned"] = lambda a, b, n: 0.97  # 3% faster: inside the 5% margin, numpy's way stays
    tuner.matmul(a, b)
    assert not next(iter(tuner.plans.values())).turned


def test_each_layout_and_dtype_is_decided_separately(costed):
    tuner, costs, _, _ = costed
    # Turned is faster only when b is Fortran-ordered, as on many OpenBLAS builds.
    costs["turned"] = lambda a, b, n: 0.5 if b.flags.f_contiguous and not b.flags.c_contiguous else 2.0
    for order in "CF":
        for dtype in (np.float64, np.float32):
            a, b = arrays((4, 50), (50, 10), order, dtype)
            np.testing.assert_allclose(tuner.matmul(a, b), a @ b, rtol=1e-5 if dtype == np.float32 else 1e-13)
    chosen = {(p["b_order"], p["dtype"]): p["orientation"] for p in tuner.decisions()["products"]}
    assert chosen == {("C", "float64"): "plain", ("C", "float32"): "plain",
                      ("F", "float64"): "turned", ("F", "float32"): "turned"}


def test_small_products_are_not_measured(costed):
    tuner, costs, calls, _ = costed
    costs["turned"] = lambda a, b, n: 0.0
    a, b = arrays((2, 5), (5, 3))  # 30 multiply-adds, below min_work
    np.testing.assert_array_equal(tuner.matmul(a, b), a @ b)
    assert calls == {"plain": 0, "turned": 0}
    assert not next(iter(tuner.plans.values())).turned


def test_a_disabled_tuner_computes_as_numpy_does(costed):
    tuner, costs, calls, threads = costed
    tuner.enabled = False
    costs["turned"] = lambda a, b, n: 0.0
    a, b = arrays((4, 50), (50, 10), "F")
    with tuner.scope():
        np.testing.assert_array_equal(tuner.matmul(a, b), a @ b)
        assert tuner.operand_layout(b, rows=4) is b
    assert calls == {"plain": 0, "turned": 0}
    assert set(threads.changes) <= {2}  # never set to anything but what it was


def test_threads_are_only_changed_inside_a_scope_and_put_back(costed):
    tuner, costs, _, threads = costed
    # A small product (below min_work) that runs 3x faster on one thread.
    costs["plain"] = lambda a, b, n: 1.0 if n == 1 else 3.0
    a, b = arrays((2, 5), (5, 3))
    tuner.matmul(a, b)
    assert threads.changes == [] and threads.count == 2
    with tuner.scope():
        np.testing.assert_array_equal(tuner.matmul(a, b), a @ b)
        assert threads.count == 1
        changes = len(threads.changes)
        tuner.matmul(a, b)
        assert len(threads.changes) == changes  # already on one thread: no call
        plan = next(iter(tuner.plans.values()))
        assert plan.threads == tuning.ONE_THREAD
    assert threads.count == 2  # put back


def test_large_products_keep_every_thread_and_ties_leave_the_count_alone(costed):
    tuner, costs, _, threads = costed
    small_a, small_b = arrays((2, 5), (5, 3))
    large_a, large_b = arrays((4, 50), (50, 10))
    costs["plain"] = lambda a, b, n: 1.0 if (n == 1 and a.shape[0] == 2) else 3.0
    with tuner.scope():
        tuner.matmul(small_a, small_b)
        assert threads.count == 1
        tuner.matmul(large_a, large_b)
        assert threads.count == 2  # the large product runs on every thread the scope began with
    tuner.reset()
    threads.changes.clear()
    costs["plain"] = lambda a, b, n: 1.0  # no difference: either
    with tuner.scope():
        for _ in range(3):
            tuner.matmul(small_a, small_b)
        decided = len(threads.changes)
        tuner.matmul(small_a, small_b)
        assert len(threads.changes) == decided
        assert next(iter(tuner.plans.values())).threads == tuning.EITHER


def test_a_thread_limit_set_before_the_scope_is_respected(costed):
    tuner, _, _, threads = costed
    threads.count = 1  # the caller limited BLAS to one thread
    large_a, large_b = arrays((4, 50), (50, 10))
    with tuner.scope():
        tuner.matmul(large_a, large_b)
        assert threads.count == 1
    assert threads.count == 1


def test_operand_layout_copies_x_when_the_other_order_is_faster(costed):
    tuner, costs, _, _ = costed
    # The forward product W @ X (b of shape (200, 30)) is cheaper with X
    # Fortran-ordered; the weight gradient's G @ X.T costs the same either way.
    costs["plain"] = lambda a, b, n: (1.0 if b.flags.f_contiguous else 4.0) if b.shape == (200, 30) else 2.0
    costs["turned"] = lambda a, b, n: 5.0
    X = np.ascontiguousarray(np.random.default_rng(1).standard_normal((200, 30)))
    chosen = tuner.operand_layout(X, rows=4)
    assert chosen is not X and chosen.flags.f_contiguous
    np.testing.assert_array_equal(chosen, X)
    assert tuner.decisions()["data"][0]["choice"] == "F copy"
    X_F = np.asfortranarray(X)
    assert tuner.operand_layout(X_F, rows=4) is X_F


def test_operand_layout_keeps_x_when_no_copy_is_clearly_faster(costed):
    tuner, _, _, _ = costed
    X = np.ascontiguousarray(np.random.default_rng(1).standard_normal((200, 30)))
    assert tuner.operand_layout(X, rows=4) is X
    assert tuner.operand_layout(X, rows=4, batch=8) is X
    small = np.ones((3, 4))
    assert tuner.operand_layout(small, rows=2) is small  # below min_work: not measured
    with pytest.raises(ValueError, match="2-D"):
        tuner.operand_layout(np.ones(5), rows=2)


def test_operand_layout_times_the_gather_of_batches(costed):
    tuner, _, _, _ = costed
    clock = tuner.timer
    X = np.ascontiguousarray(np.random.default_rng(1).standard_normal((200, 30)))

    # Gathering columns of a C-ordered array is what is slow: make it cost.
    original = tuning._gather

    def gather(A, picks):
        clock.now += 10.0 if A.flags.c_contiguous and not A.flags.f_contiguous else 0.1
        return original(A, picks)

    tuning._gather, saved = gather, tuning._gather
    try:
        chosen = tuner.operand_layout(X, rows=4, batch=8)
    finally:
        tuning._gather = saved
    assert chosen.flags.f_contiguous
    entry = tuner.decisions()["data"][0]
    assert entry["batch"] == 8 and entry["seconds"]["given"] > entry["seconds"]["F copy"]


def test_real_measurements_give_numpys_values():
    """The process's own tuner, measuring for real with a tiny threshold: values as numpy's, to rounding."""
    tuner = tuning.Tuner(min_work=1)
    rng = np.random.default_rng(3)
    for shape_a, shape_b in [((3, 40), (40, 7)), ((20, 300), (300, 9)), ((1, 5), (5, 1))]:
        for order in "CF":
            for dtype in (np.float64, np.float32):
                a = rng.standard_normal(shape_a).astype(dtype)
                b = np.asarray(rng.standard_normal(shape_b).astype(dtype), order=order)
                with tuner.scope():
                    got = tuner.matmul(a, b)
                expected = a.astype(np.float64) @ b.astype(np.float64)
                tol = 1e-5 if dtype == np.float32 else 1e-12
                np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * np.abs(expected).max())
                assert got.dtype == dtype


def test_the_environment_switch_turns_tuning_off():
    code = "from autograd_mini import tuning; print(tuning.TUNER.enabled)"
    env = dict(os.environ, AUTOGRAD_MINI_TUNING="off")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    env["AUTOGRAD_MINI_TUNING"] = "on"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_set_enabled_checks_its_argument_and_forgets_decisions():
    before = tuning.TUNER.enabled
    try:
        with pytest.raises(TypeError, match="True or False"):
            tuning.set_enabled("off")
        tuning.TUNER.plans[("marker",)] = None
        tuning.set_enabled(False)
        assert not tuning.TUNER.enabled and not tuning.TUNER.plans
    finally:
        tuning.set_enabled(before)


def _outer_tuner(monkeypatch, plain_cost, outer_cost):
    """A tuner on a fake clock where an outer product costs ``plain_cost`` through BLAS and ``outer_cost`` as a multiply."""
    clock = Clock()
    calls = {"plain": 0, "outer": 0}

    def plain(a, b):
        calls["plain"] += 1
        clock.now += plain_cost
        return a @ b

    def outer(a, b):
        calls["outer"] += 1
        clock.now += outer_cost
        return a * b

    monkeypatch.setattr(tuning, "_plain", plain)
    monkeypatch.setattr(tuning, "_outer", outer)
    return tuning.Tuner(timer=clock, trials=2, min_work=1000, margin=0.05, threads=FakeThreads()), calls


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_outer_product_measured_faster_as_a_multiply_runs_as_one_with_the_same_values(monkeypatch, dtype):
    tuner, calls = _outer_tuner(monkeypatch, plain_cost=1.0, outer_cost=0.5)
    a, b = arrays((16, 1), (1, 256), dtype=dtype)
    result = tuner.matmul(a, b)
    assert calls["outer"] >= 2 and next(iter(tuner.plans.values())).outer
    assert tuner.decisions()["products"][0]["orientation"] == "outer"
    assert result.dtype == (a @ b).dtype and result.shape == (16, 256)
    np.testing.assert_array_equal(result, a @ b)  # each element is its one product either way
    # Kept: the next call measures nothing and still gives BLAS's values.
    before = dict(calls)
    np.testing.assert_array_equal(tuner.matmul(a, b), a @ b)
    assert calls == before


def test_an_outer_product_keeps_blas_when_the_multiply_is_not_clearly_faster(monkeypatch):
    tuner, _ = _outer_tuner(monkeypatch, plain_cost=1.0, outer_cost=0.97)
    a, b = arrays((16, 1), (1, 256))
    tuner.matmul(a, b)
    assert not next(iter(tuner.plans.values())).outer


def test_only_float_outer_products_are_considered_and_wider_products_never(monkeypatch):
    tuner, calls = _outer_tuner(monkeypatch, plain_cost=1.0, outer_cost=0.0)
    ints = np.arange(4).reshape(4, 1), np.arange(3).reshape(1, 3)
    np.testing.assert_array_equal(tuner.matmul(*ints), ints[0] @ ints[1])
    wide = arrays((4, 2), (2, 3))
    np.testing.assert_array_equal(tuner.matmul(*wide), wide[0] @ wide[1])
    assert calls["outer"] == 0 and not any(plan.outer for plan in tuner.plans.values())


def test_the_real_tuner_gives_an_outer_products_values_exactly():
    tuner = tuning.Tuner()
    rng = np.random.default_rng(3)
    for order in ("C", "F"):
        a = np.asarray(rng.standard_normal((7, 1)), order=order)
        b = np.asarray(rng.standard_normal((1, 33)), order=order)
        np.testing.assert_array_equal(tuner.matmul(a, b), a @ b)

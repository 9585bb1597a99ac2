"""The gradient and Hessian pair the XGBoost adapters hand out again: never while held."""

from __future__ import annotations

import copy
import gc
import pickle
import threading
import weakref

import numpy as np
import pytest

from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj._engine import _UNSHARED, OutputBuffers

xgb = pytest.importorskip("xgboost")
import boostobj.xgboost as bx  # noqa: E402

reusing = pytest.mark.skipif(_UNSHARED is None, reason="this interpreter never reuses a pair")


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_reference_counts_are_read_on_cpython():
    # CI runs CPython: the reuse this file tests must be switched on there.
    import platform

    if platform.python_implementation() == "CPython":
        assert _UNSHARED is not None


@reusing
@pytest.mark.parametrize("order", ["C", "F"])
def test_a_free_pair_is_handed_out_again(order):
    outputs = OutputBuffers()
    grad, hess = outputs.take((5, 3), order)
    assert grad.dtype == hess.dtype == np.float32 and grad is not hess
    assert grad.flags.c_contiguous if order == "C" else grad.flags.f_contiguous
    first = address(grad), address(hess)
    del grad, hess
    grad, hess = outputs.take((5, 3), order)
    assert (address(grad), address(hess)) == first


@reusing
@pytest.mark.parametrize("keep", ["grad", "hess", "view of grad", "view of hess", "both"])
def test_a_held_pair_is_never_handed_out(keep):
    outputs = OutputBuffers()
    grad, hess = outputs.take((4, 3), "C")
    kept = {
        "grad": grad,
        "hess": hess,
        "view of grad": grad[1:],
        "view of hess": hess.reshape(-1),
        "both": (grad, hess),
    }[keep]
    grad[...], hess[...] = 1.0, 2.0
    del grad, hess
    new_grad, new_hess = outputs.take((4, 3), "C")
    assert not np.shares_memory(new_grad, kept) and not np.shares_memory(new_hess, kept)
    new_grad[...], new_hess[...] = -1.0, -2.0
    assert np.all(np.asarray(kept) > 0)  # the kept arrays were not written


def test_other_shapes_and_orders_get_new_pairs():
    outputs = OutputBuffers()
    grad, _ = outputs.take((4, 3), "C")
    a = address(grad)
    del grad, _
    for shape, order in [((5, 3), "C"), ((4, 3), "F"), ((4,), "C")]:
        grad, hess = outputs.take(shape, order)
        assert grad.shape == hess.shape == shape
        assert grad.flags.c_contiguous if order == "C" else grad.flags.f_contiguous
        assert address(grad) != a or shape == (4,)  # (4,) may land on freed memory
        del grad, hess


def test_copies_and_pickles_start_without_a_pair():
    outputs = OutputBuffers()
    held = outputs.take((4, 3), "C")
    for other in (copy.deepcopy(outputs), pickle.loads(pickle.dumps(outputs))):
        grad, hess = other.take((4, 3), "C")
        assert not np.shares_memory(grad, held[0]) and not np.shares_memory(hess, held[1])


@reusing
def test_threads_never_share_a_pair():
    outputs = OutputBuffers()
    outputs.take((64, 8), "C")  # a free pair to race for
    start, seen, lock = threading.Barrier(4), [], threading.Lock()

    def worker():
        start.wait()
        for _ in range(200):
            grad, hess = outputs.take((64, 8), "C")
            with lock:
                seen.append((grad, hess))  # held until the end: every pair must be new

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    addresses = {address(g) for g, _ in seen} | {address(h) for _, h in seen}
    assert len(addresses) == 2 * len(seen)


# ------------------------------------------------------------ the adapters
def dmatrix(n=300, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n).astype(np.float32)
    d = xgb.DMatrix(rng.normal(size=(n, 3)).astype(np.float32), label=y)
    return d, y.astype(int), rng.normal(size=(n, k)).astype(np.float32)


@reusing
@pytest.mark.parametrize("obj", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_native_objective_reuses_its_pair_and_keeps_what_a_caller_holds(obj):
    d, labels, predt = dmatrix()
    f = bx.objective(obj)
    expected = obj.grad_hess(labels, predt)
    grad, hess = f(predt, d)
    first = address(grad)
    np.testing.assert_array_equal(grad, expected[0])
    np.testing.assert_array_equal(hess, expected[1])
    del grad, hess
    grad, hess = f(predt, d)
    assert address(grad) == first  # nobody held round 1's pair
    # A caller keeping round 2's arrays (a recording wrapper, say) keeps its values.
    kept = grad, hess
    grad, hess = f(predt + 1.0, d)
    assert not np.shares_memory(grad, kept[0])
    np.testing.assert_array_equal(kept[0], expected[0])
    np.testing.assert_array_equal(kept[1], expected[1])
    np.testing.assert_array_equal(grad, obj.grad_hess(labels, predt + 1.0)[0])


def test_native_objective_frees_the_pair_with_its_dmatrix():
    d, _, predt = dmatrix()
    f = bx.objective(SoftmaxCrossEntropy())
    grad, _ = f(predt, d)
    base = weakref.ref(grad)
    del grad, _
    # Only the pair held for d refers to it; dropping d frees it.
    del d
    gc.collect()
    assert base() is None


def test_recorded_rounds_train_the_same_model_as_fresh_arrays():
    # A wrapper keeping every round's output (as benchmarks/bench_training.py
    # does) must see each round's own arrays, not the last round's.
    d, _, _ = dmatrix(n=400)
    params = {"num_class": 4, "max_depth": 3, "nthread": 1, "disable_default_eval_metric": 1}
    f = bx.objective(SoftmaxCrossEntropy())
    kept = []

    def recording(predt, dtrain):
        out = f(predt, dtrain)
        kept.append(out)
        return out

    booster = xgb.train(params, d, 5, obj=recording)
    copies = []

    def copying(predt, dtrain):
        grad, hess = f(predt, dtrain)
        copies.append((grad.copy(), hess.copy()))
        return grad, hess

    again = xgb.train(params, d, 5, obj=copying)
    assert len(kept) == len(copies) == 5
    for (g, h), (gc_, hc) in zip(kept, copies, strict=True):
        np.testing.assert_array_equal(g, gc_)
        np.testing.assert_array_equal(h, hc)
    np.testing.assert_array_equal(booster.predict(d), again.predict(d))


def test_classifier_fit_drops_its_pair():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(200, 3)), rng.integers(0, 3, 200)
    clf = bx.Classifier(objective=SoftmaxCrossEntropy(), n_estimators=3, n_jobs=1)
    seen = []
    take = OutputBuffers.take

    def spy(self, shape, order):
        seen.append(weakref.ref(self))
        return take(self, shape, order)

    OutputBuffers.take = spy  # type: ignore[method-assign]
    try:
        clf.fit(X, y)
    finally:
        OutputBuffers.take = take  # type: ignore[method-assign]
    assert len(seen) == 3
    gc.collect()
    assert all(ref() is None for ref in seen)  # the fit's pair went with the fit

"""The numba and numpy backends of grad_hess: agreement, the compiled exp, selection."""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from conftest import OBJECTIVE_FACTORIES, make_problem, seed_for

import boostobj
from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj import _numba as kernels


def _row_bound(p, obj, grad, dtype, ulps=16):
    """``ulps`` units of rounding of each row's scale: its largest derivative plus its weight.

    Both backends round where the derivative is a difference of terms of the
    size of the weight (p - y with p near y), so the weight bounds the error.
    """
    k = grad.shape[1] if grad.ndim == 2 else 2
    w = np.ones((grad.shape[0], k))
    if p.sample_weight is not None:
        sw = p.sample_weight
        w = w * (sw[:, None] if sw.ndim == 1 else sw)
    if obj.class_weight is not None:
        w = w * np.asarray(obj.class_weight)
    scale = 2 * w.max(axis=1)
    return ulps * np.finfo(dtype).eps * scale


@pytest.mark.parametrize("k", [2, 3, 10, 57, 1500])
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backends_agree_to_rounding(objective_name, k, labels, weights, dtype):
    rng = np.random.default_rng(seed_for(objective_name, k, labels, weights, dtype))
    # Row counts that end mid-chunk, margins from flat to saturated.
    n = 40 if k > 100 else 1531
    p = make_problem(rng, n, k, labels=labels, weights=weights, dtype=dtype, scale=1.0)
    p.raw *= rng.choice([0.1, 3.0, 30.0, 1e3], size=(n, 1)).astype(dtype)
    numpy_obj = OBJECTIVE_FACTORIES[objective_name](k, "numpy")
    numba_obj = OBJECTIVE_FACTORIES[objective_name](k, "numba")
    g_np, h_np = numpy_obj.grad_hess(p.labels, p.raw, p.sample_weight)
    g_nb, h_nb = numba_obj.grad_hess(p.labels, p.raw, p.sample_weight)
    assert g_nb.dtype == h_nb.dtype == dtype
    bound = _row_bound(p, numpy_obj, g_np, dtype)[:, None]
    assert np.all(np.abs(g_nb.astype(float) - g_np) <= bound)
    assert np.all(np.abs(h_nb.astype(float) - h_np) <= bound)
    if objective_name != "brier-exact" and objective_name != "brier-exact-classw":
        assert np.all(h_nb >= 0)


@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_backends_agree_for_single_output_and_every_layout(objective_name, labels):
    rng = np.random.default_rng(seed_for(objective_name, labels, "single"))
    p = make_problem(rng, 700, 2, labels=labels, weights="1d", single_output=True, scale=8.0)
    numpy_obj = OBJECTIVE_FACTORIES[objective_name](2, "numpy")
    numba_obj = OBJECTIVE_FACTORIES[objective_name](2, "numba")
    g_np, h_np = numpy_obj.grad_hess(p.labels, p.raw, p.sample_weight)
    g_nb, h_nb = numba_obj.grad_hess(p.labels, p.raw, p.sample_weight)
    bound = _row_bound(p, numpy_obj, g_np, np.float64)
    assert np.all(np.abs(g_nb - g_np) <= bound) and np.all(np.abs(h_nb - h_np) <= bound)
    # Fortran-ordered, strided and reversed margins and outputs: computed in
    # place in each layout, the same numbers as C order.
    q = make_problem(rng, 700, 5, labels=labels, weights="2d", scale=8.0)
    obj = OBJECTIVE_FACTORIES[objective_name](5, "numba")
    g_c, h_c = obj.grad_hess(q.labels, q.raw, q.sample_weight)
    for raw in (np.asfortranarray(q.raw), np.repeat(q.raw, 2, axis=1)[:, ::2], q.raw[::-1][::-1]):
        for order in ("C", "F"):
            g = np.empty(q.raw.shape, order=order)
            h = np.empty(q.raw.shape, order=order)
            obj.grad_hess(q.labels, raw, q.sample_weight, grad_out=g, hess_out=h)
            np.testing.assert_array_equal(g, g_c)
            np.testing.assert_array_equal(h, h_c)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_exp_is_within_two_ulps_of_numpy_down_to_subnormals(dtype):
    info = np.finfo(dtype)
    lowest = float(np.log(info.smallest_subnormal)) - 1.0  # exp underflows to 0 below
    x = np.concatenate(
        [
            -np.logspace(np.log10(info.tiny), np.log10(-lowest + 15), 200_001),
            np.linspace(lowest - 15, 0, 200_001),
            [0.0, -0.0, lowest, float(np.log(info.tiny)), -info.max],
        ]
    ).astype(dtype)
    expected = np.exp(x.astype(np.float64)).astype(dtype)  # correctly rounded, nearly
    got = x.copy()
    kernels.exp_nonpositive(got)
    assert got.dtype == dtype
    normal = expected >= info.tiny
    rel = np.abs(got[normal] - expected[normal]) / expected[normal]
    assert rel.max() <= 2 * info.eps
    # Subnormal results: within one unit of the smallest subnormal.
    assert np.all(np.abs(got[~normal] - expected[~normal]) <= info.smallest_subnormal)
    assert got[-5:-3].tolist() == [1.0, 1.0] and got[-3] == 0.0 and got[-1] == 0.0


def test_thread_count_does_not_change_numba_results(threads_on_small_arrays):
    rng = np.random.default_rng(5)
    p = make_problem(rng, 300_000, 4, labels="soft", weights="2d")
    obj = WeightedBrier(hessian="exact", backend="numba")
    one = obj.grad_hess(p.labels, p.raw, p.sample_weight)
    three = obj.grad_hess(p.labels, p.raw, p.sample_weight, n_threads=3)
    for a, b in zip(one, three, strict=True):
        assert a.tobytes() == b.tobytes()


def test_backend_parameter_is_validated_shown_and_pickled():
    for bad in ("cython", "", None, 1):
        with pytest.raises(ValueError, match="backend must be one of"):
            SoftmaxCrossEntropy(backend=bad)
    obj = WeightedBrier(backend="numpy")
    assert repr(obj) == "WeightedBrier(backend='numpy', hessian='gauss-newton')"
    assert "backend" not in repr(WeightedBrier())
    assert obj.active_backend == "numpy"
    assert SoftmaxCrossEntropy().active_backend == "numba"  # CI installs numba
    assert pickle.loads(pickle.dumps(obj)).backend == "numpy"
    # State pickled before the parameter existed takes the default.
    old = SoftmaxCrossEntropy.__new__(SoftmaxCrossEntropy)
    old.__setstate__({"class_weight": None, "hessian_scale": 1.0, "min_hessian": None})
    assert old.backend == "auto"


def test_without_numba_auto_falls_back_to_numpy_and_numba_is_refused():
    saved = pickle.dumps(SoftmaxCrossEntropy(backend="numba"))
    code = (
        "import sys; sys.modules['numba'] = None\n"  # makes `import numba` fail
        "import pickle, numpy as np, boostobj\n"
        f"loaded = pickle.loads({saved!r})\n"  # loads and predicts; only grad_hess needs numba
        "print(loaded.predict_proba(np.zeros((1, 2))).tolist())\n"
        "try:\n"
        "    loaded.grad_hess(np.array([0]), np.zeros((1, 2)))\n"
        "except ImportError as exc:\n"
        "    print('grad_hess:', exc)\n"
        "obj = boostobj.SoftmaxCrossEntropy()\n"
        "print(boostobj.numba_available(), obj.active_backend)\n"
        "g, _ = obj.grad_hess(np.array([0, 1]), np.zeros((2, 3)))\n"
        "print(g[0].tolist())\n"
        "try:\n"
        "    boostobj.WeightedBrier(backend='numba')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "[[0.5, 0.5]]"
    assert lines[1].startswith("grad_hess: backend='numba' needs numba")
    assert lines[2] == "False numpy"
    np.testing.assert_allclose(eval(lines[3]), [1 / 3 - 1, 1 / 3, 1 / 3])
    assert "backend='numba' needs numba" in lines[4]
    assert "pip install 'boostobj[numba]'" in lines[4] and "backend='numpy'" in lines[4]
    assert boostobj.numba_available()


# --------------------------------------------------------------------------
# Threads: the objective's n_threads, and the Classifiers following n_jobs.
def test_objective_n_threads_is_validated_and_used_by_default(threads_on_small_arrays):
    for bad, exc in ((0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(exc, match="n_threads must be None or"):
            SoftmaxCrossEntropy(n_threads=bad)
    rng = np.random.default_rng(9)
    p = make_problem(rng, 200_000, 3, labels="hard", weights="1d")
    threaded = WeightedBrier(n_threads=2)
    assert repr(threaded) == "WeightedBrier(n_threads=2, hessian='gauss-newton')"
    serial = threaded.grad_hess(p.labels, p.raw, p.sample_weight, n_threads=1)
    default = threaded.grad_hess(p.labels, p.raw, p.sample_weight)
    for a, b in zip(serial, default, strict=True):
        assert a.tobytes() == b.tobytes()


def test_engine_threads_follow_n_jobs_conventions():
    from boostobj._engine import engine_threads, with_engine_threads

    cores = os.cpu_count()
    assert [engine_threads(j) for j in (None, 0, -1, 3)] == [cores, cores, cores, 3]
    assert engine_threads(-2) == max(1, cores - 1) and engine_threads(-100) == 1
    obj = SoftmaxCrossEntropy()
    run = with_engine_threads(obj, 3)
    assert run.n_threads == 3 and obj.n_threads is None and run is not obj
    fixed = SoftmaxCrossEntropy(n_threads=1)
    assert with_engine_threads(fixed, 3) is fixed


def test_engine_hessian_factors_are_the_engines_softmax_conventions():
    from boostobj._engine import engine_hessian_factor, with_hessian_factor

    assert engine_hessian_factor("xgboost", 5, False) == 2.0
    assert engine_hessian_factor("lightgbm", 5, False) == 1.25
    assert engine_hessian_factor("lightgbm", 2, False) == 2.0  # two outputs
    for engine in ("xgboost", "lightgbm"):
        assert engine_hessian_factor(engine, 2, True) == 1.0  # binary objectives
    with pytest.raises(ValueError, match="engine must be 'xgboost' or 'lightgbm', got 'xgb'"):
        engine_hessian_factor("xgb", 3, False)
    obj = WeightedBrier(hessian_scale=3.0)
    scaled = with_hessian_factor(obj, 2.0)
    assert scaled.hessian_scale == 6.0 and obj.hessian_scale == 3.0
    assert with_hessian_factor(obj, 1.0) is obj


class _Recording(SoftmaxCrossEntropy):
    """Records the thread count each grad_hess call resolves to."""

    seen: set

    def grad_hess(self, *args, **kwargs):
        type(self).seen.add(kwargs.get("n_threads") or self.n_threads)
        return super().grad_hess(*args, **kwargs)


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_classifiers_run_the_objective_on_the_engines_threads(engine):
    module = importlib.import_module(f"boostobj.{engine}")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 4))
    y = rng.integers(0, 3, 300)
    own = {"xgboost": "nthread", "lightgbm": "num_threads"}[engine]  # wins over n_jobs
    cases = [
        (_Recording(), {"n_jobs": 2}, 2),
        (_Recording(n_threads=1), {"n_jobs": 2}, 1),
        (_Recording(), {"n_jobs": 2, own: 1}, 1),
    ]
    for objective, threads, expected in cases:
        _Recording.seen = set()
        model = module.Classifier(objective=objective, n_estimators=3, **threads)
        model.fit(X, y)
        assert _Recording.seen == {expected}
        assert model.get_params()["objective"] is objective  # not replaced or changed
        assert objective.n_threads in (None, 1)


# --------------------------------------------------------------------------
# float32 outputs for float64 margins: the float64 results rounded once.
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("single", [False, True])
def test_float32_buffers_receive_the_float64_results_rounded_once(
    objective_name, backend, order, single
):
    rng = np.random.default_rng(seed_for(objective_name, order, single))
    k = 2 if single else 6
    p = make_problem(rng, 50_000, k, labels="soft", weights="1d", single_output=single)
    obj = OBJECTIVE_FACTORIES[objective_name](k, backend)
    # Same layout as the float32 buffers: numpy's row sums round by layout.
    g64 = np.empty(p.raw.shape, order=order)
    h64 = np.empty(p.raw.shape, order=order)
    obj.grad_hess(p.labels, p.raw, p.sample_weight, grad_out=g64, hess_out=h64)
    g32 = np.empty(p.raw.shape, dtype=np.float32, order=order)
    h32 = np.empty(p.raw.shape, dtype=np.float32, order=order)
    got = obj.grad_hess(p.labels, p.raw, p.sample_weight, grad_out=g32, hess_out=h32)
    assert got[0] is g32 and got[1] is h32
    np.testing.assert_array_equal(g32, g64.astype(np.float32))
    np.testing.assert_array_equal(h32, h64.astype(np.float32))


def test_float32_buffers_keep_the_floor_and_the_safe_mode(backend):
    raw = np.array([[1e3, 0.0, -1e3], [0.0, 0.0, 0.0]])
    obj = SoftmaxCrossEntropy(min_hessian=1e-50, backend=backend)  # below float32's range
    g32 = np.empty((2, 3), dtype=np.float32)
    h32 = np.empty((2, 3), dtype=np.float32)
    obj.grad_hess(np.array([0, 1]), raw, grad_out=g32, hess_out=h32)
    assert np.all(h32 > 0) and h32.min() == np.nextafter(np.float32(0), np.float32(1))
    # Weights that fit float64 but overflow float32 are refused, naming the row.
    huge = SoftmaxCrossEntropy(min_hessian=1e-6, backend=backend)
    with pytest.raises(ValueError, match=r"grad must be finite.*row 1"):
        huge.grad_hess(np.array([0, 1]), raw, np.array([1.0, 1e39]), grad_out=g32, hess_out=h32)


def test_saved_xgboost_models_do_not_store_how_to_compute():
    from boostobj.xgboost._model import _objective_from_json, _objective_to_json

    text = _objective_to_json(WeightedBrier(class_weight=[1.0, 2.0], backend="numba", n_threads=2))
    assert "backend" not in text and "n_threads" not in text
    loaded = _objective_from_json(text)
    assert repr(loaded) == "WeightedBrier(class_weight=[1.0, 2.0], hessian='gauss-newton')"

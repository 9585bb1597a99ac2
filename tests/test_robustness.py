"""Robustness battery (issue 9): every public entry point, bad input and extremes.

Each bad input either works (and gives the right answer) or raises at once a
``ValueError``/``TypeError`` whose message names the argument, what was
expected and what was received. After every call the battery checks that no
input array changed, byte for byte. ``tests/test_bad_input.py`` covers the
objectives' ``loss``/``grad_hess`` on the basic cases; this file extends that
to the other entry points (``predict_proba``, ``init_raw``, ``Targets``,
``check_grad_hess``, the engine adapters' callables, the classifiers and the
CLI), to numerical extremes, the Hessian floor ("safe mode"), diverging
margins, threads and pickling.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cloudpickle
import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from conftest import OBJECTIVE_FACTORIES

import boostobj.lightgbm as blgb
import boostobj.xgboost as bxgb
from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier, check_grad_hess

ROOT = Path(__file__).resolve().parents[1]
LABELS = np.array([0, 1, 2, 1])
RAW = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
XENT = SoftmaxCrossEntropy()
BRIER = WeightedBrier()


def _arrays(value, found=None):
    """Every ndarray reachable in ``value`` (tuples, lists, dicts)."""
    found = [] if found is None else found
    if isinstance(value, np.ndarray):
        found.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _arrays(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _arrays(v, found)
    return found


def call_unchanged(fn, *args, **kwargs):
    """Call ``fn`` and assert that no input array changed, byte for byte."""
    inputs = _arrays([args, kwargs])
    before = [(a.tobytes(), a.shape, a.dtype, a.strides) for a in inputs]
    try:
        return fn(*args, **kwargs)
    finally:
        after = [(a.tobytes(), a.shape, a.dtype, a.strides) for a in inputs]
        assert before == after, f"{getattr(fn, '__name__', fn)} modified an input"


def assert_refused(exc, fragments, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        call_unchanged(fn, *args, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------
# Core entry points: objective methods other than loss/grad_hess, Targets and
# check_grad_hess, and the cases test_bad_input.py does not cover.
_BUF = np.empty((4, 3))
_W2 = np.ones((4, 3))
_SOFT = np.full((4, 3), 1 / 3)
CORE_CASES = [
    # (id, function, args, kwargs, exception, fragments naming arg/expected/received)
    ("proba-nan", XENT.predict_proba, (np.array([[0, 1.0], [np.nan, 0]]),), {}, ValueError,
     ["raw must be finite", "nan", "row 1"]),
    ("proba-inf-1d", BRIER.predict_proba, (np.array([0.0, np.inf]),), {}, ValueError,
     ["raw must be finite", "inf", "row 1"]),
    ("proba-k1", XENT.predict_proba, (np.zeros((4, 1)),), {}, ValueError,
     ["raw", "K >= 2", "(4, 1)"]),
    ("proba-string", XENT.predict_proba, (np.array([["1", "2"]]),), {}, TypeError,
     ["raw", "float32 or float64", "<U1"]),
    ("proba-object", XENT.predict_proba, (np.array([[1.0, None]], dtype=object),), {}, TypeError,
     ["raw", "object"]),
    ("proba-bool", XENT.predict_proba, (np.ones((2, 2), dtype=bool),), {}, TypeError,
     ["raw", "boolean", "astype(float)"]),
    ("proba-float16", XENT.predict_proba, (np.ones((2, 2), dtype=np.float16),), {}, TypeError,
     ["raw", "float32 or float64", "float16"]),
    ("proba-complex", XENT.predict_proba, (np.ones((2, 2), dtype=complex),), {}, TypeError,
     ["raw", "float32 or float64", "complex128"]),
    ("proba-ragged", XENT.predict_proba, ([[0.0, 1.0], [1.0]],), {}, TypeError,
     ["raw must be an array of numbers", "inhomogeneous"]),
    ("proba-scalar", XENT.predict_proba, (1.0,), {}, ValueError, ["raw", "2-D", "shape ()"]),
    ("init-n0", XENT.init_raw, (np.empty(0),), {}, ValueError, ["init_raw", "n = 0"]),
    ("init-k1", XENT.init_raw, (np.zeros(4),), {}, ValueError, ["n_classes", ">= 2", "1"]),
    ("init-nclasses-float", XENT.init_raw, (LABELS,), {"n_classes": 3.7}, TypeError,
     ["n_classes", "int >= 2", "3.7"]),
    ("init-nclasses-str", XENT.init_raw, (LABELS,), {"n_classes": "3"}, TypeError,
     ["n_classes", "int >= 2", "'3'"]),
    ("init-nclasses-bool", XENT.init_raw, (np.array([0, 1]),), {"n_classes": True}, TypeError,
     ["n_classes", "int >= 2", "True"]),
    ("init-nclasses-small", BRIER.init_raw, (LABELS,), {"n_classes": 2}, ValueError,
     ["labels", "[0, 2)", "maximum 2"]),
    ("init-label-inf", XENT.init_raw, (np.array([0, np.inf]),), {}, ValueError,
     ["labels must be finite", "inf", "row 1"]),
    ("init-label-neg", BRIER.init_raw, (np.array([0, -2, 1]),), {}, ValueError,
     ["labels", ">= 0", "-2"]),
    ("init-soft-zero-row", XENT.init_raw, (np.array([[0.5, 0.5], [0.0, 0.0]]),), {}, ValueError,
     ["soft labels", "sum to 1", "row 1", "0.0"]),
    ("init-weight-zero", XENT.init_raw, (LABELS, np.zeros(4)), {}, ValueError,
     ["sample_weight", "positive entry", "all zeros"]),
    ("init-weight-neg", XENT.init_raw, (LABELS, np.array([1, 1, -1e-9, 1])), {}, ValueError,
     ["sample_weight", ">= 0", "-1e-09"]),
    ("init-weight-rows", XENT.init_raw, (LABELS, np.ones(5)), {}, ValueError,
     ["sample_weight", "(4,)", "(5,)"]),
    ("init-single-soft", XENT.init_raw, (np.full((4, 2), 0.5),), {"single_output": True},
     ValueError, ["1-D", "single-output", "(4, 2)"]),
    ("targets-label-inf", Targets, (np.array([0, 1, np.inf]),), {}, ValueError,
     ["labels must be finite", "inf", "row 2"]),
    ("targets-soft-inf", Targets, (np.array([[0.5, 0.5], [np.inf, 0]]),), {}, ValueError,
     ["labels must be finite", "inf", "row 1"]),
    ("targets-soft-neg", Targets, (np.array([[1.5, -0.5], [0.5, 0.5]]),), {}, ValueError,
     ["labels", ">= 0", "-0.5"]),
    ("targets-soft-k1", Targets, (np.ones((3, 1)),), {}, ValueError,
     ["soft labels", "K >= 2", "(3, 1)"]),
    ("targets-weight-inf", Targets, (LABELS, np.array([1, np.inf, 1, 1])), {}, ValueError,
     ["sample_weight must be finite", "inf", "row 1"]),
    ("targets-weight-3d", Targets, (LABELS, np.ones((4, 3, 1))), {}, ValueError,
     ["sample_weight", "(4,) or (4, K)", "(4, 3, 1)"]),
    ("targets-weight-bool", Targets, (LABELS, np.ones(4, dtype=bool)), {}, TypeError,
     ["sample_weight", "boolean"]),
    ("targets-weight-float16", Targets, (LABELS, np.ones(4, dtype=np.float16)), {}, TypeError,
     ["sample_weight", "float32 or float64", "float16"]),
    ("targets-weight-object", Targets, (LABELS, np.array([1, None, 1, 1])), {}, TypeError,
     ["sample_weight", "object"]),
    ("targets-label-string", Targets, (np.array(["0", "1"]),), {}, TypeError,
     ["labels", "<U1"]),
    ("targets-label-float16", Targets, (np.zeros(3, dtype=np.float16),), {}, TypeError,
     ["labels", "float16"]),
    ("targets-pandas-na", Targets, (pd.Series([0, 1, None, 2], dtype="Int64"),), {}, ValueError,
     ["labels must be finite", "nan", "row 2"]),
    ("targets-none", Targets, (None,), {}, TypeError, ["labels", "got None"]),
    ("fits-k1", Targets(LABELS).check_fits, (4, 1, False), {}, ValueError,
     ["raw", "K >= 2", "K=1"]),
    ("grad-out-is-hess-out", XENT.grad_hess, (LABELS, RAW), {"grad_out": _BUF, "hess_out": _BUF},
     ValueError, ["hess_out", "share memory", "grad_out"]),
    ("grad-out-is-weight", BRIER.grad_hess, (LABELS, RAW, _W2), {"grad_out": _W2}, ValueError,
     ["grad_out", "share memory", "sample_weight"]),
    ("hess-out-is-soft-labels", XENT.grad_hess, (_SOFT, RAW), {"hess_out": _SOFT},
     ValueError, ["hess_out", "share memory", "labels"]),
    ("grad-out-not-array", XENT.grad_hess, (LABELS, RAW), {"grad_out": [[0.0] * 3] * 4},
     TypeError, ["grad_out", "numpy array", "list"]),
    ("grad-out-readonly", XENT.grad_hess, (LABELS, RAW), {"grad_out": _readonly(_BUF)},
     ValueError, ["grad_out", "writeable"]),
    ("check-raw-bool", check_grad_hess, (XENT, LABELS, np.zeros((4, 3), dtype=bool)), {},
     TypeError, ["raw", "boolean"]),
    ("check-raw-float16", check_grad_hess, (XENT, LABELS, np.zeros((4, 3), dtype=np.float16)),
     {}, TypeError, ["raw", "float32 or float64", "float16"]),
    ("check-raw-object", check_grad_hess, (XENT, LABELS, np.zeros((4, 3), dtype=object)), {},
     TypeError, ["raw", "object"]),
    ("check-raw-nan", check_grad_hess, (XENT, LABELS, np.full((4, 3), np.nan)), {}, ValueError,
     ["raw must be finite", "row 0"]),
    ("check-raw-n0", check_grad_hess, (XENT, LABELS[:0], np.zeros((0, 3))), {}, ValueError,
     ["raw", "n >= 1", "(0, 3)"]),
    ("check-step-bool", check_grad_hess, (XENT, LABELS, RAW), {"step": True}, TypeError,
     ["step", "finite number", "True"]),
    ("check-rtol-str", check_grad_hess, (XENT, LABELS, RAW), {"rtol": "1e-6"}, TypeError,
     ["rtol", "finite number", "'1e-6'"]),
    ("check-atol-inf", check_grad_hess, (XENT, LABELS, RAW), {"atol": np.inf}, ValueError,
     ["atol", "finite number", "inf"]),
    ("check-hessian-str", check_grad_hess, (XENT, LABELS, RAW), {"check_hessian": "no"},
     TypeError, ["check_hessian", "True or False", "'no'"]),
    ("check-labels", check_grad_hess, (XENT, np.array([0, 1, 5, 1]), RAW), {}, ValueError,
     ["labels", "[0, 3)", "maximum 5"]),
    ("check-weight-neg", check_grad_hess, (BRIER, LABELS, RAW, -np.ones(4)), {}, ValueError,
     ["sample_weight", ">= 0", "-1"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "fn, args, kwargs, exc, fragments", [c[1:] for c in CORE_CASES], ids=[c[0] for c in CORE_CASES]
)
def test_core_entry_points_refuse_bad_input_clearly(fn, args, kwargs, exc, fragments):
    assert_refused(exc, fragments, fn, *args, **kwargs)


# Inputs that are accepted: the result must equal that of a plain C-ordered
# float64 array.
def _layouts():
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(7, 4))
    labels = rng.integers(0, 4, 7)
    soft = rng.dirichlet(np.ones(4), 7)
    w = rng.uniform(0.5, 2.0, 7)
    wide = np.zeros((7, 8))
    wide[:, ::2] = raw
    return (
        raw,
        labels,
        soft,
        w,
        {
            "fortran": np.asfortranarray(raw),
            "strided": wide[:, ::2],
            "reversed": raw[::-1][::-1],
            "readonly": _readonly(raw),
            "list": raw.tolist(),
            "dataframe": pd.DataFrame(raw),
            "int": np.round(raw).astype(np.int64),
        },
    )


@pytest.mark.parametrize(
    "layout", ["fortran", "strided", "reversed", "readonly", "list", "dataframe", "int"]
)
@pytest.mark.parametrize("objective_name", ["xent", "brier-exact-classw"])
def test_accepted_layouts_give_the_same_results(layout, objective_name, backend):
    raw, labels, soft, w, variants = _layouts()
    obj = OBJECTIVE_FACTORIES[objective_name](4, backend)
    given = variants[layout]
    reference = np.round(raw) if layout == "int" else raw
    for y, sw in ((labels, w), (soft, None)):
        expected = obj.grad_hess(y, reference, sw)
        got = call_unchanged(obj.grad_hess, y, given, sw)
        for a, b in zip(expected, got, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(
            call_unchanged(obj.loss, y, given, sw), obj.loss(y, reference, sw)
        )
    np.testing.assert_array_equal(
        call_unchanged(obj.predict_proba, given), obj.predict_proba(reference)
    )


def test_pandas_lists_and_read_only_labels_and_weights_are_accepted():
    _, labels, soft, w, _ = _layouts()
    obj = WeightedBrier(class_weight=[1.0, 2.0, 0.5, 1.0])
    for y in (labels, soft):
        expected = obj.init_raw(y, w, n_classes=4)
        for y2, w2 in (
            (pd.Series(y) if y.ndim == 1 else pd.DataFrame(y), pd.Series(w)),
            (y.tolist(), w.tolist()),
            (_readonly(y), _readonly(w)),
            (np.asfortranarray(y), w[::-1][::-1]),
        ):
            np.testing.assert_array_equal(
                call_unchanged(obj.init_raw, y2, w2, n_classes=4), expected
            )


def test_non_contiguous_output_buffers_are_filled_correctly():
    raw, labels, _, w, _ = _layouts()
    obj = SoftmaxCrossEntropy(min_hessian=1e-3)
    grad, hess = obj.grad_hess(labels, raw, w)
    gbig, hbig = np.full((7, 8), 7.0), np.full((14, 4), 7.0)
    before = [a.tobytes() for a in (labels, raw, w)]
    g2, h2 = obj.grad_hess(labels, raw, w, grad_out=gbig[:, 1::2], hess_out=hbig[::2])
    assert [a.tobytes() for a in (labels, raw, w)] == before
    np.testing.assert_array_equal(g2, grad)
    np.testing.assert_array_equal(h2, hess)
    assert np.all(gbig[:, ::2] == 7.0) and np.all(hbig[1::2] == 7.0)  # nothing else written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_n_zero_gives_empty_results(dtype):
    for raw, labels in ((np.empty((0, 3), dtype), np.empty(0)), (np.empty(0, dtype), np.empty(0))):
        for obj in (XENT, BRIER):
            g, h = obj.grad_hess(labels, raw, np.empty(0))
            assert g.shape == h.shape == raw.shape and g.dtype == h.dtype == dtype
            assert obj.loss(Targets(labels), raw).shape == (0,)
        assert Targets(np.empty((0, 3)), np.empty((0, 3))).n_samples == 0


# --------------------------------------------------------------------------
# Numerical extremes: margins +/-1e4, K = 1000, weights 1e-8..1e8.
def _extreme_problem(k, dtype, labels, seed):
    rng = np.random.default_rng(seed)
    n = 6
    raw = np.where(rng.random((n, k)) < 0.5, -1e4, 1e4).astype(dtype)
    top = rng.integers(0, k, n)
    raw[:, :] = -1e4
    raw[np.arange(n), top] = 1e4
    right = np.array([True, False] * (n // 2))
    y = np.where(right, top, (top + 1) % k)
    if labels == "soft":
        y = np.eye(k)[y]
    w = np.logspace(-8, 8, n)
    return raw, y, w, right


@pytest.mark.parametrize("k", [2, 1000])
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("objective_name", sorted(OBJECTIVE_FACTORIES))
def test_extremes_give_finite_outputs_and_correct_limits(objective_name, dtype, labels, k, backend):
    raw, y, w, right = _extreme_problem(k, dtype, labels, seed=k)
    obj = OBJECTIVE_FACTORIES[objective_name](k, backend)
    loss = call_unchanged(obj.loss, y, raw, w)
    grad, hess = call_unchanged(obj.grad_hess, y, raw, w)
    proba = call_unchanged(obj.predict_proba, raw)
    for a in (loss, grad, hess, proba):
        assert a.dtype == dtype and np.all(np.isfinite(a))
    # Softmax saturates: the top class has probability 1, the others 0.
    assert np.all(proba.max(axis=1) == 1.0) and np.all(np.sort(proba, axis=1)[:, :-1] == 0.0)
    # A certain, right prediction costs nothing and has zero gradient.
    assert np.all(loss[right] == 0.0) and np.all(grad[right] == 0.0)
    if "classw" in objective_name:
        return
    wrong = ~right
    wf = w[wrong].astype(dtype).astype(np.float64)
    if objective_name == "xent":
        # -log p_y = margin gap 2e4; the gradient is w (p - y) = +w / -w.
        np.testing.assert_allclose(loss[wrong], 2e4 * wf, rtol=4 * np.finfo(dtype).eps)
        np.testing.assert_allclose(
            np.abs(grad[wrong]).sum(axis=1), 2 * wf, rtol=4 * np.finfo(dtype).eps
        )
        assert np.all(hess == 0.0)
    else:
        # sum_k (p_k - y_k)^2 = 2 when the certain class is wrong; p(1-p) = 0 kills
        # the gradient: the Brier score saturates (see docs/derivations.md).
        np.testing.assert_allclose(loss[wrong], 2 * wf, rtol=4 * np.finfo(dtype).eps)
        assert np.all(grad[wrong] == 0.0)


@pytest.mark.parametrize("gap", [(46.0, -43.0), (88.0, -1.0), (1e4, -1e4)])
def test_float32_cross_entropy_loss_where_other_over_label_overflows(gap):
    # Found by hypothesis: exp(46) / exp(-43) = 4.7e38 overflows float32 although
    # neither exponential does; the loss (89) must stay finite and exact.
    raw = np.zeros((2, 6))
    raw[1, 0], raw[1, 3] = gap
    expected = XENT.loss(np.array([3, 3]), raw)
    got = call_unchanged(XENT.loss, np.array([3, 3]), raw.astype(np.float32))
    np.testing.assert_allclose(got, expected, rtol=np.finfo(np.float32).eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_single_output_extremes(dtype, backend):
    raw = np.array([-1e4, 1e4, -1e4, 1e4], dtype=dtype)
    y = np.array([0, 1, 1, 0.0])
    w = np.array([1e-8, 1.0, 1e8, 3.0])
    for obj in (SoftmaxCrossEntropy(backend=backend), WeightedBrier(backend=backend)):
        loss = call_unchanged(obj.loss, y, raw, w)
        grad, hess = call_unchanged(obj.grad_hess, y, raw, w)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
        assert loss[0] == loss[1] == 0.0 and loss[2] > 0 and loss[3] > 0
    np.testing.assert_array_equal(XENT.predict_proba(raw)[:, 1], [0, 1, 0, 1])


# --------------------------------------------------------------------------
# Safe mode: with min_hessian > 0 every Hessian is >= the floor, never NaN.
@pytest.mark.parametrize("floor", [1e-50, 1e-8, 1e-3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weights", ["1d", "2d"])
@pytest.mark.parametrize("hessian", ["xent", "exact", "gauss-newton"])
def test_min_hessian_floor_holds_across_extremes(hessian, weights, dtype, floor, backend):
    k = 5
    rng = np.random.default_rng(11)
    n = 60
    raw = rng.choice([-1e4, -30.0, 0.0, 1e-3, 30.0, 1e4], size=(n, k)).astype(dtype)
    y = rng.integers(0, k, n)
    w = np.concatenate([[0.0], np.logspace(-8, 8, n - 1)])  # zero weights get the floor too
    w = w if weights == "1d" else np.outer(w, np.linspace(0.5, 2, k))
    cls = SoftmaxCrossEntropy if hessian == "xent" else WeightedBrier
    kwargs = {} if hessian == "xent" else {"hessian": hessian}
    obj = cls(min_hessian=floor, hessian_scale=2.0, backend=backend, **kwargs)
    for labels in (y, rng.dirichlet(np.ones(k), n)):
        grad, hess = call_unchanged(obj.grad_hess, labels, raw, w)
        assert hess.dtype == dtype
        assert not np.any(np.isnan(hess)) and np.all(np.isfinite(grad))
        assert np.all(hess > 0)
        assert np.all(hess.astype(np.float64) >= floor)
        # 1-D margins (single output) obey the floor too.
        _, hess1 = obj.grad_hess(y % 2, raw[:, 0], w if weights == "1d" else None)
        assert np.all(hess1 > 0) and np.all(hess1.astype(np.float64) >= floor)


def test_safe_mode_refuses_to_return_overflowed_derivatives(backend):
    # Weights near float32's largest value overflow its gradient to inf.
    raw = np.array([[1e4, 0.0], [0.0, 0.0]], dtype=np.float32)
    w = np.array([[3e38, 3e38], [1.0, 1.0]])
    obj = SoftmaxCrossEntropy(class_weight=[10.0, 10.0], min_hessian=1e-6, backend=backend)
    assert_refused(
        ValueError, ["grad must be finite", "min_hessian", "row 0", "float32"],
        obj.grad_hess, np.array([1, 0]), raw, w,
    )  # fmt: skip
    # float64 has the range: the same problem is fine there.
    grad, hess = obj.grad_hess(np.array([1, 0]), raw.astype(np.float64), w)
    assert np.all(np.isfinite(grad)) and np.all(hess >= 1e-6)


# --------------------------------------------------------------------------
# Diverging training: NaN/inf margins from an engine raise at once, naming the
# row and suggesting what to change.
DIVERGED = ["raw must be finite", "row 5", "training diverged", "learning rate", "min_hessian"]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", ["loss", "grad_hess", "predict_proba"])
def test_diverged_margins_are_reported_with_row_and_remedy(method, bad, backend):
    raw = np.zeros((200_000, 2))  # the bad row in a later block than the first
    raw[150_005, 1] = bad
    raw[5, 0] = bad
    labels = np.zeros(200_000)
    xent, brier = SoftmaxCrossEntropy(backend=backend), WeightedBrier(backend=backend)
    for obj in (xent, brier):
        args = (raw,) if method == "predict_proba" else (labels, raw)
        assert_refused(ValueError, DIVERGED, getattr(obj, method), *args)
    late = np.zeros((200_000, 2))
    late[150_005, 1] = bad
    with pytest.raises(ValueError, match="row 150005"):
        xent.grad_hess(labels, late)
    with pytest.raises(ValueError, match="row 150005"):
        brier.grad_hess(labels, late)


def _dmatrix(label, weight=None, n=12):
    x = np.arange(n * 2, dtype=float).reshape(n, 2)
    return xgb.DMatrix(x, label=label, weight=weight, nthread=1)


def _dataset(label, weight=None, n=12):
    x = np.arange(n * 2, dtype=float).reshape(n, 2)
    params = {"verbose": -1, "num_threads": 1}
    return lgb.Dataset(x, label=label, weight=weight, params=params).construct()


def test_adapters_report_divergence_from_the_engine():
    y = np.arange(12) % 3
    preds = np.zeros((12, 3))
    preds[5, 2] = np.nan
    for make, wrap in ((_dmatrix, bxgb), (_dataset, blgb)):
        data = make(y)
        for fn in (wrap.objective(XENT), wrap.metric(BRIER)):
            assert_refused(ValueError, DIVERGED, fn, preds, data)


# --------------------------------------------------------------------------
# Engine adapters' callables, called directly with DMatrix/Dataset objects.
Y = np.arange(12) % 3
P3 = np.zeros((12, 3))
ADAPTER_CASES = [
    # (id, labels, weights, preds, objective, exception, fragments)
    ("label-too-large", np.where(Y == 1, 3, Y), None, P3, XENT, ValueError,
     ["labels", "[0, 3)", "maximum 3"]),
    ("label-fraction", np.where(Y == 1, 0.5, Y), None, P3, BRIER, ValueError,
     ["labels", "whole-number", "fractional"]),
    ("label-negative", np.where(Y == 1, -1, Y), None, P3, XENT, ValueError,
     ["labels", ">= 0", "-1"]),
    ("weight-all-zero", Y, np.zeros(12), P3, XENT, ValueError,
     ["sample_weight", "positive entry", "all zeros"]),
    ("preds-rows", Y, None, np.zeros((11, 3)), XENT, ValueError,
     ["same number of rows", "12", "11"]),
    ("num-class-2", Y, None, np.zeros((12, 2)), XENT, ValueError,
     ["labels", "[0, 2)", "K=2", "maximum 2"]),
    ("num-class-1", Y, None, np.zeros((12, 1)), XENT, ValueError, ["raw", "K >= 2", "K=1"]),
    ("single-output-multiclass", Y, None, np.zeros(12), BRIER, ValueError,
     ["1-D", "single-output", "[0, 1]", "maximum 2"]),
    ("preds-float16", Y, None, P3.astype(np.float16), XENT, TypeError,
     ["raw", "float32 or float64", "float16"]),
    ("class-weight-length", Y, None, P3, SoftmaxCrossEntropy(class_weight=[1.0, 2.0]),
     ValueError, ["class_weight", "2 entries", "3"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "labels, weights, preds, obj, exc, fragments",
    [c[1:] for c in ADAPTER_CASES],
    ids=[c[0] for c in ADAPTER_CASES],
)
@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("kind", ["objective", "metric"])
def test_adapter_callables_refuse_bad_input_clearly(
    engine, kind, labels, weights, preds, obj, exc, fragments
):
    make, wrap = (_dmatrix, bxgb) if engine == "xgboost" else (_dataset, blgb)
    data = make(labels, weights)
    assert_refused(exc, fragments, getattr(wrap, kind)(obj), preds, data)


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_adapter_callables_accept_any_margin_layout(engine):
    make, wrap = (_dmatrix, bxgb) if engine == "xgboost" else (_dataset, blgb)
    data = make(Y, np.linspace(0.5, 2, 12))
    rng = np.random.default_rng(5)
    preds = rng.normal(size=(12, 3))
    fn = wrap.objective(WeightedBrier())
    grad, hess = fn(preds, data)
    layouts = [np.asfortranarray(preds), _readonly(preds)]
    if engine == "xgboost":  # LightGBM always passes float64 (see the report on issue 9)
        layouts.append(preds.astype(np.float32))
    for layout in layouts:
        g, h = call_unchanged(fn, layout, data)
        tol = 1e-6 if layout.dtype == np.float32 else 0.0
        np.testing.assert_allclose(np.asarray(g), np.asarray(grad), rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(h), np.asarray(hess), rtol=tol, atol=tol)


# --------------------------------------------------------------------------
# Classifiers of both engines.
def _classifier(engine, **kwargs):
    if engine == "xgboost":
        return bxgb.Classifier(n_estimators=2, max_depth=2, n_jobs=1, **kwargs)
    return blgb.Classifier(n_estimators=2, n_jobs=1, verbose=-1, min_child_samples=2, **kwargs)


XC = np.random.default_rng(9).normal(size=(30, 3))
YC = np.arange(30) % 3
CLASSIFIER_CASES = [
    # (id, y, sample_weight, exception, fragments)
    ("weight-negative", YC, -np.ones(30), ValueError, ["sample_weight", ">= 0", "-1"]),
    ("weight-zero", YC, np.zeros(30), ValueError, ["sample_weight", "all zeros"]),
    ("weight-nan", YC, np.where(YC == 1, np.nan, 1.0), ValueError,
     ["sample_weight must be finite", "nan", "row 1"]),
    ("weight-inf", YC, np.where(YC == 1, np.inf, 1.0), ValueError,
     ["sample_weight must be finite", "inf", "row 1"]),
    ("weight-rows", YC, np.ones(20), ValueError, ["sample_weight", "(30,)", "(20,)"]),
    ("one-class", np.zeros(30), None, ValueError, ["y", "1 class", "2"]),
    ("no-rows", YC[:0], None, ValueError, ["y", "2"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "y, weight, exc, fragments",
    [c[1:] for c in CLASSIFIER_CASES],
    ids=[c[0] for c in CLASSIFIER_CASES],
)
@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_classifiers_refuse_bad_input_clearly(engine, y, weight, exc, fragments):
    x = XC[: len(y)]
    if engine == "xgboost" and fragments[1] == "1 class":
        fragments = ["y", "K >= 2", "[0.]"]
    clf = _classifier(engine)
    assert_refused(exc, fragments, clf.fit, x, y, sample_weight=weight)


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_classifiers_accept_pandas_lists_and_read_only_input(engine):
    w = np.linspace(0.5, 2.0, 30)
    expected = _classifier(engine).fit(XC, YC, sample_weight=w).predict_proba(XC)
    assert np.all(np.isfinite(expected)) and np.allclose(expected.sum(axis=1), 1.0)
    for x, y, sw in (
        (pd.DataFrame(XC), pd.Series(YC), pd.Series(w)),
        (XC.tolist(), YC.tolist(), w.tolist()),
        (_readonly(np.asfortranarray(XC)), _readonly(YC), _readonly(w)),
    ):
        clf = _classifier(engine)
        call_unchanged(clf.fit, x, y, sample_weight=sw)
        np.testing.assert_allclose(call_unchanged(clf.predict_proba, x), expected, rtol=1e-6)


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_fitted_classifiers_and_objectives_survive_pickling(engine, dumps):
    obj = WeightedBrier(class_weight=[1.0, 2.0, 0.5], min_hessian=1e-6, hessian="exact")
    clf = _classifier(engine, objective=obj).fit(XC, YC)
    clone = pickle.loads(dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(XC), clf.predict_proba(XC))
    again = pickle.loads(dumps(obj))
    assert repr(again) == repr(obj)
    raw = np.random.default_rng(2).normal(size=(30, 3))
    for a, b in zip(again.grad_hess(YC, raw), obj.grad_hess(YC, raw), strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# Concurrency: one instance from many threads at once equals serial calls.
def test_one_instance_used_from_threads_at_once_matches_serial_calls(threads_on_small_arrays):
    rng = np.random.default_rng(17)
    obj = WeightedBrier(class_weight=np.linspace(0.5, 2, 6), min_hessian=1e-6)
    jobs = []
    for i in range(12):
        dtype = np.float32 if i % 2 else np.float64
        n = 30_000 + 997 * i  # different block splits per job
        raw = rng.normal(scale=5, size=(n, 6)).astype(dtype)
        y = rng.integers(0, 6, n) if i % 3 else rng.dirichlet(np.ones(6), n)
        w = rng.uniform(1e-3, 1e3, n)
        method = ("grad_hess", "loss", "predict_proba")[i % 3]
        args = (raw,) if method == "predict_proba" else (y, raw, w)
        jobs.append((method, args))
    serial = [getattr(obj, m)(*a) for m, a in jobs]
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        method, args = job
        return getattr(obj, method)(*args, n_threads=2)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        parallel = list(pool.map(run, jobs))
    for a, b in zip(serial, parallel, strict=True):
        for x, y in zip(_arrays(a), _arrays(b), strict=True):
            np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------
# CLI: bad options exit 2 with a message naming the option; no traceback.
def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this tree, not another install
    return subprocess.run(
        [sys.executable, "-m", "boostobj", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


CLI_CASES = [
    # (id, argv, exit status, fragments in stderr)
    ("k-1", ["check", "boostobj:SoftmaxCrossEntropy", "--k", "1"], 2, ["--k", ">= 2"]),
    ("n-0", ["check", "boostobj:SoftmaxCrossEntropy", "--n", "0"], 2, ["--n", "0"]),
    ("step-negative", ["check", "boostobj:WeightedBrier", "--step", "-1"], 2, ["--step", "-1"]),
    ("rtol-nan", ["check", "boostobj:WeightedBrier", "--rtol", "nan"], 2, ["--rtol", "nan"]),
    ("classes-1", ["compare", "--classes", "1"], 2, ["--classes", ">= 2"]),
    ("test-size-1", ["compare", "--test-size", "1"], 2, ["--test-size", "1"]),
]


@pytest.mark.parametrize(
    "argv, status, fragments", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_refuses_bad_options_clearly(tmp_path, argv, status, fragments):
    out = _cli(*argv, cwd=tmp_path)
    assert out.returncode == status, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in out.stderr, f"{fragment!r} not in {out.stderr!r}"


def test_cli_check_reports_an_objective_returning_nan(tmp_path):
    (tmp_path / "nan_objective.py").write_text(
        "import numpy as np\n"
        "from boostobj import SoftmaxCrossEntropy\n"
        "class NaNHess(SoftmaxCrossEntropy):\n"
        "    def grad_hess(self, labels, raw, sample_weight=None):\n"
        "        g, h = super().grad_hess(labels, raw, sample_weight)\n"
        "        h[3] = np.nan\n"
        "        return g, h\n"
    )
    out = _cli("check", "nan_objective:NaNHess", "--n", "20", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "hess has non-finite values" in out.stdout and "Traceback" not in out.stderr


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_no_boosting_round_feeds_the_engine_a_hessian_below_the_floor(engine):
    # The exact Brier Hessian is negative where confident predictions are
    # wrong; a large learning rate gets there within a few rounds.
    rng = np.random.default_rng(13)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)
    y[::7] = (y[::7] + 1) % 3  # noisy labels: confident and wrong somewhere
    floor = 1e-3
    fn = (bxgb if engine == "xgboost" else blgb).objective(
        WeightedBrier(hessian="exact", min_hessian=floor)
    )
    lowest = []

    def recording(preds, data):
        grad, hess = fn(preds, data)
        assert np.all(np.isfinite(grad)) and not np.any(np.isnan(hess))
        lowest.append(float(np.min(hess)))
        return grad, hess

    if engine == "xgboost":
        params = {"num_class": 3, "learning_rate": 1.0, "max_depth": 3, "nthread": 1}
        xgb.train(params, xgb.DMatrix(x, label=y, nthread=1), 15, obj=recording)
    else:
        params = {"objective": recording, "num_class": 3, "learning_rate": 1.0}
        params.update(num_threads=1, verbose=-1, min_data_in_leaf=5)
        lgb.train(params, lgb.Dataset(x, label=y), 15)
    assert len(lowest) == 15 and min(lowest) >= floor
    # The floor binds (the exact Hessian went below it), so the check is not vacuous.
    assert min(lowest) == pytest.approx(floor, rel=1e-6)


# ----------------------------------------------- adapter fixes (float32 floor, NaN labels)
@pytest.mark.parametrize("floor", [1e-50, 1e-8])
def test_engine_float32_keeps_the_safe_mode_floor(floor):
    import lightgbm as lgb
    import xgboost as xgb

    import boostobj.lightgbm as blgb
    import boostobj.xgboost as bxgb

    raw = np.array([[1e4, -1e4, 0.0]] * 12)
    labels = np.zeros(12)
    obj = SoftmaxCrossEntropy(min_hessian=floor)
    x_grad, x_hess = bxgb.objective(obj)(
        raw.astype(np.float32), xgb.DMatrix(np.zeros((12, 1)), label=labels)
    )
    dataset = lgb.Dataset(np.zeros((12, 1)), label=labels, params={"verbose": -1}).construct()
    l_grad, l_hess = blgb.objective(obj)(np.asfortranarray(raw), dataset)
    for grad, hess in ((x_grad, x_hess), (l_grad, l_hess)):
        assert grad.dtype == hess.dtype == np.float32
        assert np.all(hess >= floor) and np.all(hess > 0)  # float32 rounding would give 0


def test_lightgbm_objective_explains_a_non_dataset_and_accepts_float32_margins():
    import lightgbm as lgb

    import boostobj.lightgbm as blgb

    X = np.zeros((6, 1))
    preds = np.zeros((6, 3), order="F")
    f = blgb.objective(SoftmaxCrossEntropy())
    with pytest.raises(TypeError, match=r"training data must be a lightgbm\.Dataset, got ndarray"):
        f(preds, np.zeros(6))
    # float32 margins from a direct caller are computed as LightGBM's float64 would be.
    good = lgb.Dataset(X, label=[0, 1, 2, 2, 0, 1], params={"verbose": -1}).construct()
    grad32, _ = f(np.asfortranarray(np.ones((6, 3), dtype=np.float32)), good)
    grad64, _ = f(np.asfortranarray(np.ones((6, 3))), good)
    np.testing.assert_array_equal(grad32, grad64)


def test_lightgbm_attach_targets_refuses_nan_labels_that_a_dataset_would_store_as_zero():
    import lightgbm as lgb

    import boostobj.lightgbm as blgb

    with pytest.raises(ValueError, match=r"labels must be finite.*row 2"):
        blgb.attach_targets(lgb.Dataset(np.zeros((6, 1))), np.array([0, 1, np.nan, 2, 0, 1]))


def test_xgboost_classifier_names_row_mismatches():
    from boostobj.xgboost import Classifier

    X, y = np.zeros((30, 2)), np.arange(30) % 3
    with pytest.raises(ValueError, match=r"X has 30 rows, y has 20"):
        Classifier(n_estimators=2, n_jobs=1).fit(X, y[:20])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(30,\).*\(30, 3\)"):
        Classifier(n_estimators=2, n_jobs=1).fit(X, y, sample_weight=np.ones((30, 3)))

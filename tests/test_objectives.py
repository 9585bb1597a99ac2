"""Derivatives, invariants and limits of every objective, measured numerically."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EXACT_HESSIAN, OBJECTIVE_FACTORIES, make_problem, seed_for
from scipy.special import log_softmax, softmax

from boostobj import SoftmaxCrossEntropy, WeightedBrier, check_grad_hess


def _objective(name, k, backend):
    return OBJECTIVE_FACTORIES[name](k, backend)


def _gauss_newton_by_differences(obj, problem, step=1e-6):
    """Diagonal of 2 J^T W J with J, the softmax Jacobian, from finite differences.

    Independent of the closed form in WeightedBrier: J comes from central
    differences of predict_proba and W from the weights as the user gave them.
    """
    raw = problem.raw
    single = raw.ndim == 1
    z = np.column_stack([np.zeros_like(raw), raw]) if single else raw.astype(np.float64)
    n, k = z.shape
    w = np.ones((n, k))
    if problem.sample_weight is not None:
        sw = problem.sample_weight
        w = w * (sw[:, None] if sw.ndim == 1 else sw)
    if obj.class_weight is not None:
        w = w * np.asarray(obj.class_weight)[None, :]
    diag = np.empty((n, k))
    for col in range(k):
        zp, zm = z.copy(), z.copy()
        zp[:, col] += step
        zm[:, col] -= step
        jac_col = (softmax(zp, axis=1) - softmax(zm, axis=1)) / (2 * step)  # dp_j / dz_col
        diag[:, col] = 2.0 * np.sum(w * jac_col**2, axis=1)
    return diag[:, 1] if single else diag


# ---------------------------------------------------------------- derivatives
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
@pytest.mark.parametrize("scale", [0.1, 3.0, 30.0, 1e3])
def test_grad_hess_match_finite_differences(objective_name, labels, weights, scale, backend):
    rng = np.random.default_rng(seed_for(objective_name, labels, weights, scale))
    for _ in range(3):
        k = int(rng.integers(2, 21))
        n = int(rng.integers(1, 80))
        p = make_problem(rng, n, k, labels=labels, weights=weights, scale=scale)
        obj = _objective(objective_name, k, backend)
        result = check_grad_hess(
            obj, p.labels, p.raw, p.sample_weight, check_hessian=objective_name in EXACT_HESSIAN
        )
        assert result.ok, str(result)
        if objective_name not in EXACT_HESSIAN:
            _, hess = obj.grad_hess(p.labels, p.raw, p.sample_weight)
            expected = _gauss_newton_by_differences(obj, p)
            np.testing.assert_allclose(hess, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
@pytest.mark.parametrize("scale", [0.1, 3.0, 1e3])
def test_single_output_matches_finite_differences(objective_name, labels, weights, scale, backend):
    rng = np.random.default_rng(seed_for(objective_name, labels, weights, scale, 1))
    p = make_problem(rng, 60, 2, labels=labels, weights=weights, scale=scale, single_output=True)
    obj = _objective(objective_name, 2, backend)
    result = check_grad_hess(
        obj, p.labels, p.raw, p.sample_weight, check_hessian=objective_name in EXACT_HESSIAN
    )
    assert result.ok, str(result)
    if objective_name not in EXACT_HESSIAN:
        _, hess = obj.grad_hess(p.labels, p.raw, p.sample_weight)
        np.testing.assert_allclose(hess, _gauss_newton_by_differences(obj, p), rtol=1e-6, atol=1e-9)


def test_exact_brier_hessian_takes_negative_values():
    # A confident wrong prediction: the true curvature there is negative.
    raw = np.array([[4.0, 0.0, 0.0]])
    _, hess = WeightedBrier(hessian="exact", loss_scale=1.0).grad_hess(np.array([1]), raw)
    assert hess[0, 0] < 0
    _, hess_gn = WeightedBrier(hessian="gauss-newton", loss_scale=1.0).grad_hess(np.array([1]), raw)
    assert np.all(hess_gn >= 0)


def test_hessian_scale_and_floor(objective_name, backend):
    rng = np.random.default_rng(3)
    p = make_problem(rng, 50, 4, labels="soft", weights="1d", scale=20.0)
    base = _objective(objective_name, 4, backend)
    _, hess = base.grad_hess(p.labels, p.raw, p.sample_weight)
    scaled = type(base)(**{**_params(base), "hessian_scale": 2.5, "min_hessian": 1e-3})
    grad2, hess2 = scaled.grad_hess(p.labels, p.raw, p.sample_weight)
    np.testing.assert_array_equal(hess2, np.maximum(2.5 * hess, 1e-3))
    assert hess2.min() >= 1e-3
    grad, _ = base.grad_hess(p.labels, p.raw, p.sample_weight)
    np.testing.assert_array_equal(grad, grad2)


def _params(obj):
    params = {"class_weight": obj.class_weight, "backend": obj.backend}
    if isinstance(obj, WeightedBrier):
        params["hessian"] = obj.hessian
        params["loss_scale"] = obj.loss_scale
    return params


# ------------------------------------------------------------------ invariants
@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_row_shift_changes_nothing_and_gradient_rows_sum_to_zero(objective_name, labels, backend):
    rng = np.random.default_rng(5)
    p = make_problem(rng, 100, 7, labels=labels, weights="2d", scale=5.0)
    obj = _objective(objective_name, 7, backend)
    shift = rng.normal(scale=50.0, size=(100, 1))
    loss, shifted_loss = (
        obj.loss(p.labels, p.raw, p.sample_weight),
        obj.loss(p.labels, p.raw + shift, p.sample_weight),
    )
    grad, hess = obj.grad_hess(p.labels, p.raw, p.sample_weight)
    grad_s, hess_s = obj.grad_hess(p.labels, p.raw + shift, p.sample_weight)
    np.testing.assert_allclose(shifted_loss, loss, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(grad_s, grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hess_s, hess, rtol=1e-9, atol=1e-12)
    row_scale = np.abs(grad).max(axis=1)
    assert np.all(np.abs(grad.sum(axis=1)) <= 1e-14 * 7 + 1e-13 * row_scale)


@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
def test_two_columns_equal_single_output(objective_name, labels, weights, backend):
    rng = np.random.default_rng(7)
    p = make_problem(rng, 64, 2, labels=labels, weights=weights, single_output=True)
    obj = _objective(objective_name, 2, backend)
    two_col_raw = np.column_stack([np.zeros_like(p.raw), p.raw])
    two_col_labels = (
        p.labels.astype(int) if labels == "hard" else np.column_stack([1 - p.labels, p.labels])
    )
    np.testing.assert_allclose(
        obj.loss(p.labels, p.raw, p.sample_weight),
        obj.loss(two_col_labels, two_col_raw, p.sample_weight),
        rtol=1e-13,
    )
    g1, h1 = obj.grad_hess(p.labels, p.raw, p.sample_weight)
    g2, h2 = obj.grad_hess(two_col_labels, two_col_raw, p.sample_weight)
    assert g1.shape == h1.shape == (64,)
    np.testing.assert_allclose(g1, g2[:, 1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h1, h2[:, 1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(obj.predict_proba(p.raw), obj.predict_proba(two_col_raw))


def test_single_output_cross_entropy_is_the_logistic_loss():
    rng = np.random.default_rng(11)
    raw = rng.normal(scale=4, size=500)
    y = rng.uniform(0, 1, 500)
    obj = SoftmaxCrossEntropy()
    prob = 1.0 / (1.0 + np.exp(-raw))
    np.testing.assert_allclose(
        obj.loss(y, raw), -(y * np.log(prob) + (1 - y) * np.log1p(-prob)), rtol=1e-10
    )
    grad, hess = obj.grad_hess(y, raw)
    np.testing.assert_allclose(grad, prob - y, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hess, prob * (1 - prob), rtol=1e-10, atol=1e-15)


def test_hard_labels_equal_one_hot_soft_labels(objective_name, backend):
    rng = np.random.default_rng(13)
    p = make_problem(rng, 80, 5, labels="hard", weights="2d")
    one_hot = np.eye(5)[p.labels.astype(int)]
    obj = _objective(objective_name, 5, backend)
    np.testing.assert_allclose(
        obj.loss(p.labels, p.raw, p.sample_weight), obj.loss(one_hot, p.raw, p.sample_weight)
    )
    for a, b in zip(
        obj.grad_hess(p.labels, p.raw, p.sample_weight),
        obj.grad_hess(one_hot, p.raw, p.sample_weight),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_weights_multiply_everything(objective_name, backend):
    rng = np.random.default_rng(17)
    p = make_problem(rng, 40, 3, labels="soft")
    obj = _objective(objective_name, 3, backend)
    w = rng.uniform(0.5, 4.0, 40)
    loss, (g, h) = obj.loss(p.labels, p.raw), obj.grad_hess(p.labels, p.raw)
    np.testing.assert_allclose(obj.loss(p.labels, p.raw, w), w * loss, rtol=1e-13)
    gw, hw = obj.grad_hess(p.labels, p.raw, w)
    # Every derivative of a row is bounded by a small multiple of its weight,
    # and rounding (the Brier gradient cancels where p is nearly right) is
    # relative to that bound.
    bound = 1e-13 * w[:, None]
    assert np.all(np.abs(gw - w[:, None] * g) <= bound)
    assert np.all(np.abs(hw - w[:, None] * h) <= bound)
    # An (n, K) weight equal in every column is the same as the (n,) weight.
    gw2, hw2 = obj.grad_hess(p.labels, p.raw, np.repeat(w[:, None], 3, axis=1))
    assert np.all(np.abs(gw2 - gw) <= bound)
    assert np.all(np.abs(hw2 - hw) <= bound)


# ------------------------------------------------------- independent loss values
def test_cross_entropy_loss_matches_scikit_learn():
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(19)
    p = make_problem(rng, 300, 6, labels="hard", weights="1d", scale=4.0)
    obj = SoftmaxCrossEntropy()
    loss = obj.loss(p.labels, p.raw, p.sample_weight)
    expected = log_loss(
        p.labels, softmax(p.raw, axis=1), sample_weight=p.sample_weight, labels=range(6)
    )
    np.testing.assert_allclose(loss.sum() / p.sample_weight.sum(), expected, rtol=1e-10)
    sk = HalfMultinomialLoss(n_classes=6)
    sk_loss = sk.loss(p.labels.astype(np.float64), np.ascontiguousarray(p.raw))
    np.testing.assert_allclose(obj.loss(p.labels, p.raw), sk_loss, rtol=1e-10)
    sk_grad, sk_hess = sk.gradient_hessian(p.labels.astype(np.float64), np.ascontiguousarray(p.raw))
    grad, hess = obj.grad_hess(p.labels, p.raw)
    np.testing.assert_allclose(grad, sk_grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(hess, sk_hess, rtol=1e-10, atol=1e-14)


def test_soft_label_losses_match_direct_formulas():
    rng = np.random.default_rng(23)
    p = make_problem(rng, 200, 4, labels="soft", weights="2d", scale=3.0)
    cw = np.array([1.0, 2.0, 0.5, 3.0])
    w = p.sample_weight * cw
    np.testing.assert_allclose(
        SoftmaxCrossEntropy(class_weight=cw).loss(p.labels, p.raw, p.sample_weight),
        -np.sum(w * p.labels * log_softmax(p.raw, axis=1), axis=1),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        WeightedBrier(class_weight=cw, loss_scale=1.0).loss(p.labels, p.raw, p.sample_weight),
        np.sum(w * (softmax(p.raw, axis=1) - p.labels) ** 2, axis=1),
        rtol=1e-12,
    )


def test_brier_loss_matches_scikit_learn():
    from sklearn.metrics import brier_score_loss

    rng = np.random.default_rng(29)
    p = make_problem(rng, 300, 4, labels="hard", weights="1d")
    labels = p.labels.astype(int)
    loss = WeightedBrier(loss_scale=1.0).loss(labels, p.raw, p.sample_weight)
    # scikit-learn averages the sum over classes; scale_by_half=False keeps it whole.
    expected = brier_score_loss(
        labels,
        softmax(p.raw, axis=1),
        sample_weight=p.sample_weight,
        labels=range(4),
        scale_by_half=False,
    )
    np.testing.assert_allclose(loss.sum() / p.sample_weight.sum(), expected, rtol=1e-12)


# ------------------------------------------------------------ dtypes and limits
@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_float32_follows_float64_to_float32_rounding(objective_name, labels, backend):
    rng = np.random.default_rng(31)
    p = make_problem(rng, 500, 10, labels=labels, weights="1d", scale=3.0)
    obj = _objective(objective_name, 10, backend)
    raw32 = p.raw.astype(np.float32)
    loss32 = obj.loss(p.labels, raw32, p.sample_weight)
    g32, h32 = obj.grad_hess(p.labels, raw32, p.sample_weight)
    proba32 = obj.predict_proba(raw32)
    assert loss32.dtype == g32.dtype == h32.dtype == proba32.dtype == np.float32
    ref = raw32.astype(np.float64)  # same margins, computed in float64
    g64, h64 = obj.grad_hess(p.labels, ref, p.sample_weight)
    eps = np.finfo(np.float32).eps
    # Rounding is relative to the row's weight, which bounds every derivative
    # (class weights reach 2, Brier doubles): A p - a cancels where p ~ 1.
    bound = 16 * eps * 4.0 * p.sample_weight[:, None]
    assert np.all(np.abs(g32 - g64) <= bound)
    assert np.all(np.abs(h32 - h64) <= bound)
    loss64 = obj.loss(p.labels, ref, p.sample_weight)
    assert np.all(np.abs(loss32 - loss64) <= 64 * eps * (np.abs(loss64) + 4.0 * p.sample_weight))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("margin", [1e3, 1e4])
def test_extreme_margins_have_the_right_limits(dtype, margin, backend):
    # Row 0: confident and right; row 1: confident and wrong (true class 0,
    # prediction class 2); row 2: every class tied at a huge margin.
    raw = np.array(
        [[margin, -margin, -margin], [-margin, -margin, margin], [margin, margin, margin]],
        dtype=dtype,
    )
    labels = np.array([0, 0, 1])
    xent = SoftmaxCrossEntropy(backend=backend)
    loss = xent.loss(labels, raw)
    grad, hess = xent.grad_hess(labels, raw)
    np.testing.assert_allclose(loss, [0.0, 2 * margin, np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(grad[0], 0.0, atol=0)
    np.testing.assert_allclose(grad[1], [-1.0, 0.0, 1.0], atol=0)
    np.testing.assert_allclose(grad[2], [1 / 3, -2 / 3, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose(hess[:2], 0.0, atol=0)
    np.testing.assert_allclose(hess[2], 2 / 9, rtol=1e-6)
    for mode in ("exact", "gauss-newton"):
        brier = WeightedBrier(hessian=mode, backend=backend, loss_scale=1.0)
        np.testing.assert_allclose(brier.loss(labels, raw), [0.0, 2.0, 2 / 3], rtol=1e-6)
        grad, hess = brier.grad_hess(labels, raw)
        assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
        np.testing.assert_allclose(grad[:2], 0.0, atol=0)
        np.testing.assert_allclose(hess[:2], 0.0, atol=0)
        assert grad.dtype == hess.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_finite_for_random_margins_up_to_1e4(objective_name, dtype, backend):
    rng = np.random.default_rng(37)
    for scale in (1e2, 1e3, 1e4):
        p = make_problem(rng, 200, 12, labels="soft", weights="2d", scale=scale, dtype=dtype)
        obj = _objective(objective_name, 12, backend)
        outputs = [obj.loss(p.labels, p.raw, p.sample_weight), obj.predict_proba(p.raw)]
        outputs += list(obj.grad_hess(p.labels, p.raw, p.sample_weight))
        for a in outputs:
            assert a.dtype == dtype and np.all(np.isfinite(a))
        assert np.all(outputs[0] >= 0)


# ------------------------------------------------------------- memory and order
def test_inputs_are_never_modified_and_any_order_works(objective_name, backend):
    rng = np.random.default_rng(41)
    for labels, weights in (("hard", "1d"), ("soft", "2d")):
        p = make_problem(rng, 300, 6, labels=labels, weights=weights)
        obj = _objective(objective_name, 6, backend)
        raw_f = np.asfortranarray(p.raw)
        before = [a.copy() for a in (p.labels, raw_f, p.sample_weight)]
        g_f, h_f = obj.grad_hess(p.labels, raw_f, p.sample_weight)
        loss_f = obj.loss(p.labels, raw_f, p.sample_weight)
        for a, b in zip(before, (p.labels, raw_f, p.sample_weight), strict=True):
            assert a.tobytes() == b.tobytes()
        g_c, h_c = obj.grad_hess(p.labels, np.ascontiguousarray(p.raw), p.sample_weight)
        np.testing.assert_array_equal(g_f, g_c)
        np.testing.assert_array_equal(h_f, h_c)
        np.testing.assert_array_equal(loss_f, obj.loss(p.labels, p.raw, p.sample_weight))
        # Strided views and explicit Fortran-ordered output buffers (computed in
        # place in that layout, so row sums round differently: equal to a few
        # ulps of the row's weight, which bounds every derivative).
        wide = np.repeat(p.raw, 2, axis=1)[:, ::2]
        grad_out = np.empty(p.raw.shape, order="F")
        hess_out = np.empty(p.raw.shape, order="F")
        g, h = obj.grad_hess(p.labels, wide, p.sample_weight, grad_out=grad_out, hess_out=hess_out)
        assert g is grad_out and h is hess_out
        w = p.sample_weight if p.sample_weight.ndim == 2 else p.sample_weight[:, None]
        bound = 8 * np.finfo(np.float64).eps * 4.0 * w.max(axis=1, keepdims=True)
        assert np.all(np.abs(g - g_c) <= bound)
        assert np.all(np.abs(h - h_c) <= bound)
        # Strided output views are written in place too.
        g_odd = np.empty((p.raw.shape[0], 2 * p.raw.shape[1]))[:, ::2]
        obj.grad_hess(p.labels, p.raw, p.sample_weight, grad_out=g_odd, hess_out=h_f.copy())
        assert np.all(np.abs(g_odd - g_c) <= bound)
        # Outputs of different layouts go through C-ordered scratch: bitwise the C result.
        g_mixed, h_mixed = obj.grad_hess(
            p.labels, p.raw, p.sample_weight, hess_out=np.empty(p.raw.shape, order="F")
        )
        np.testing.assert_array_equal(g_mixed, g_c)
        np.testing.assert_array_equal(h_mixed, h_c)


def test_many_blocks_give_the_same_result_as_one(backend):
    # n large enough to span several row blocks, checked row by row.
    rng = np.random.default_rng(43)
    p = make_problem(rng, 40_000, 3, labels="soft", weights="2d")
    for obj in (
        SoftmaxCrossEntropy(backend=backend),
        WeightedBrier(hessian="exact", backend=backend, loss_scale=1.0),
    ):
        g, h = obj.grad_hess(p.labels, p.raw, p.sample_weight)
        idx = rng.choice(40_000, 50, replace=False)
        g_sub, h_sub = obj.grad_hess(p.labels[idx], p.raw[idx], p.sample_weight[idx])
        np.testing.assert_array_equal(g[idx], g_sub)
        np.testing.assert_array_equal(h[idx], h_sub)


def test_empty_input_gives_empty_output(objective_name, backend):
    for raw, labels in ((np.empty((0, 3)), np.empty(0)), (np.empty(0), np.empty(0))):
        obj = _objective(objective_name, 3 if raw.ndim == 2 else 2, backend)
        g, h = obj.grad_hess(labels, raw)
        assert g.shape == h.shape == raw.shape
        assert obj.loss(labels, raw).shape == (0,)
        assert obj.predict_proba(np.empty((0, 3), dtype=np.float32)).dtype == np.float32


# ------------------------------------------------------------------ init_raw
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
def test_init_raw_minimises_the_weighted_loss(objective_name, labels, weights):
    from scipy.optimize import minimize

    rng = np.random.default_rng(47)
    k = 4
    p = make_problem(rng, 300, k, labels=labels, weights=weights)
    obj = _objective(objective_name, k, "auto")
    start = obj.init_raw(p.labels, p.sample_weight, n_classes=k)
    assert start.shape == (k,) and abs(start.mean()) < 1e-12

    def total(c):
        return obj.loss(p.labels, np.broadcast_to(c, (300, k)), p.sample_weight).sum()

    best = minimize(total, np.zeros(k), method="BFGS", options={"gtol": 1e-10})
    assert total(start) <= best.fun + 1e-9 * abs(best.fun)
    # The constant's gradient vanishes there: it is a stationary point.
    grad, _ = obj.grad_hess(p.labels, np.broadcast_to(start, (300, k)), p.sample_weight)
    assert np.abs(grad.sum(axis=0)).max() < 1e-8 * np.abs(grad).sum()


def test_init_raw_is_log_class_prior_for_cross_entropy():
    labels = np.array([0, 0, 0, 1, 2, 2])
    start = SoftmaxCrossEntropy().init_raw(labels)
    np.testing.assert_allclose(softmax(start), [0.5, 1 / 6, 1 / 3])
    weighted = SoftmaxCrossEntropy().init_raw(labels, np.array([1, 1, 1, 3, 1, 1.0]))
    np.testing.assert_allclose(softmax(weighted), [3 / 8, 3 / 8, 2 / 8])
    binary = SoftmaxCrossEntropy().init_raw(np.array([0, 1, 1, 1.0]), single_output=True)
    assert binary == pytest.approx(np.log(3.0))
    # A class without examples gets a very negative, finite margin.
    missing = SoftmaxCrossEntropy().init_raw(np.array([0, 2]), n_classes=4)
    assert np.all(np.isfinite(missing)) and missing[1] < missing[0] - 30


def test_single_output_init_raw_matches_two_columns(objective_name):
    rng = np.random.default_rng(53)
    y = rng.uniform(0, 1, 100)
    w = rng.uniform(0.5, 2, 100)
    obj = _objective(objective_name, 2, "auto")
    single = obj.init_raw(y, w, single_output=True)
    two = obj.init_raw(np.column_stack([1 - y, y]), w)
    assert single == pytest.approx(two[1] - two[0], rel=1e-9)


# ------------------------------------------------------------------- threads
def test_thread_count_does_not_change_results(objective_name, backend, threads_on_small_arrays):
    rng = np.random.default_rng(59)
    p = make_problem(rng, 120_000, 4, labels="hard", weights="1d")  # several blocks
    obj = _objective(objective_name, 4, backend)
    g1, h1 = obj.grad_hess(p.labels, p.raw, p.sample_weight)
    loss1 = obj.loss(p.labels, p.raw, p.sample_weight)
    for n_threads in (2, 3):
        g, h = obj.grad_hess(p.labels, p.raw, p.sample_weight, n_threads=n_threads)
        np.testing.assert_array_equal(g, g1)
        np.testing.assert_array_equal(h, h1)
        np.testing.assert_array_equal(
            obj.loss(p.labels, p.raw, p.sample_weight, n_threads=2), loss1
        )
        np.testing.assert_array_equal(
            obj.predict_proba(p.raw, n_threads=2), obj.predict_proba(p.raw)
        )


def test_one_instance_shared_by_threads_gives_serial_results(objective_name, backend):
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(61)
    problems = [make_problem(rng, 40_000, 5, labels="soft", weights="2d") for _ in range(6)]
    obj = _objective(objective_name, 5, backend)
    serial = [obj.grad_hess(p.labels, p.raw, p.sample_weight) for p in problems]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(
            pool.map(lambda p: obj.grad_hess(p.labels, p.raw, p.sample_weight), problems)
        )
    for (g, h), (g2, h2) in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(g, g2)
        np.testing.assert_array_equal(h, h2)


@pytest.mark.parametrize("weights", ["1d", "2d"])
def test_gauss_newton_stays_non_negative_where_p_is_nearly_one_in_float32(weights):
    # Found by hypothesis: w (1 - 2p) + Q cancels to about -eps * w here.
    raw = np.array([[9.0, 0.0], [0.0, 12.0], [3.0, -4.0]], dtype=np.float32)
    w = np.full(3, 799074.78125) if weights == "1d" else np.full((3, 2), 799074.78125)
    _, hess = WeightedBrier(hessian="gauss-newton", loss_scale=1.0).grad_hess(
        np.array([0, 0, 1]), raw, w
    )
    assert np.all(hess >= 0)

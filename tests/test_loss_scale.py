"""WeightedBrier's loss_scale: validation, exact scaling, the prior rule, and what reports it."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier, check_grad_hess
from boostobj.objectives import numba_available

BACKENDS = [
    "numpy",
    pytest.param(
        "numba", marks=pytest.mark.skipif(not numba_available(), reason="numba not installed")
    ),
]


def problem(rng, n=300, k=4, soft=False, weights=True, dtype=np.float64):
    pi = rng.dirichlet(np.full(k, 2.0))
    ids = rng.choice(k, size=n, p=pi)
    labels = rng.dirichlet(np.ones(k), size=n) if soft else ids
    raw = rng.normal(scale=2.0, size=(n, k)).astype(dtype)
    w = rng.uniform(0.2, 3.0, n) if weights else None
    return labels, raw, w


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "bad, error",
    [
        (0, ValueError),
        (-1, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("bogus", ValueError),
        (True, TypeError),
        (None, TypeError),
        ([2.0], TypeError),
    ],
)
def test_bad_loss_scale_is_refused_naming_it(bad, error):
    with pytest.raises(error, match="loss_scale"):
        WeightedBrier(loss_scale=bad)
    obj = WeightedBrier()
    obj.loss_scale = bad  # validated where it is used, as the other parameters
    with pytest.raises(error, match="loss_scale"):
        obj.grad_hess([0, 1], np.zeros((2, 2)))
    with pytest.raises(error, match="loss_scale"):
        obj.prior_loss_scale([0, 1])


def test_repr_pickle_copy_and_old_pickles():
    assert "loss_scale" not in repr(WeightedBrier())  # the default, "adaptive"
    assert WeightedBrier().loss_scale == "adaptive"
    assert "loss_scale=2.5" in repr(WeightedBrier(loss_scale=2.5))
    assert "loss_scale=1.0" in repr(WeightedBrier(loss_scale=1.0))
    assert "loss_scale='prior'" in repr(WeightedBrier(loss_scale="prior"))
    for value in (2.5, "prior", "adaptive"):
        obj = WeightedBrier(loss_scale=value)
        assert pickle.loads(pickle.dumps(obj)).loss_scale == value
        assert copy.copy(obj).loss_scale == value
        assert copy.deepcopy(obj).loss_scale == value
    # A pickle from before loss_scale: no such key in the state. It computed
    # the plain Brier score, and still does.
    old = WeightedBrier(loss_scale=1.0)
    state = old.__getstate__()
    del state["loss_scale"]
    revived = WeightedBrier.__new__(WeightedBrier)
    revived.__setstate__(state)
    assert revived.loss_scale == 1.0
    labels, raw, w = problem(np.random.default_rng(0))
    np.testing.assert_array_equal(revived.loss(labels, raw, w), old.loss(labels, raw, w))


# ------------------------------------------------------ exact scaling
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hessian", ["gauss-newton", "exact"])
@pytest.mark.parametrize("class_weight", [None, np.array([0.5, 1.0, 2.0, 1.5])])
def test_loss_grad_hess_are_scaled_by_the_resolved_scale(backend, dtype, hessian, class_weight):
    rng = np.random.default_rng(1)
    labels, raw, w = problem(rng, dtype=dtype)
    kw = {"hessian": hessian, "class_weight": class_weight, "backend": backend}
    plain = WeightedBrier(loss_scale=1.0, **kw)
    g1, h1 = plain.grad_hess(labels, raw, w)
    s = WeightedBrier(**kw).prior_loss_scale(labels, w, n_classes=4)
    for value, factor in ((3.0, 3.0), ("prior", s), (1e-6, 1e-6), (1e6, 1e6)):
        obj = WeightedBrier(loss_scale=value, **kw)
        g, h = obj.grad_hess(labels, raw, w)
        # Rounding only: the Gauss-Newton diagonal is a difference of terms
        # of size up to 4 w (weights below 3), whose rounding scales with them.
        eps = np.finfo(dtype).eps
        rtol, atol = 8 * eps, 16 * 12 * eps * factor
        np.testing.assert_allclose(g, factor * g1.astype(float), rtol=rtol, atol=atol)
        np.testing.assert_allclose(h, factor * h1.astype(float), rtol=rtol, atol=atol)
        np.testing.assert_allclose(
            obj.loss(labels, raw, w),
            factor * plain.loss(labels, raw, w).astype(float),
            rtol=rtol,
            atol=atol,
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_hessian_scale_and_floor_act_on_the_scaled_hessian(backend):
    rng = np.random.default_rng(2)
    labels, raw, w = problem(rng)
    raw[:5] *= 30.0  # saturated rows, Hessians far below the floor
    _, h1 = WeightedBrier(loss_scale=1.0, backend=backend).grad_hess(labels, raw, w)
    obj = WeightedBrier(loss_scale=4.0, hessian_scale=0.5, min_hessian=1e-3, backend=backend)
    _, h = obj.grad_hess(labels, raw, w)
    np.testing.assert_allclose(h, np.maximum(2.0 * h1, 1e-3), rtol=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [1e-6, 0.3, "prior", 7.0, 1e6])
@pytest.mark.parametrize("layout", ["hard", "soft", "single"])
def test_finite_differences_at_every_loss_scale(backend, dtype, value, layout):
    rng = np.random.default_rng(3)
    if layout == "single":
        labels, raw, w = rng.integers(0, 2, 200), rng.normal(size=200).astype(dtype), None
    else:
        labels, raw, w = problem(rng, n=200, soft=layout == "soft", dtype=dtype)
    # The exact diagonal is what finite differences of the gradient give.
    obj = WeightedBrier(loss_scale=value, hessian="exact", backend=backend)
    result = check_grad_hess(obj, labels, raw, w)
    assert result.ok, str(result)
    gn = WeightedBrier(loss_scale=value, backend=backend)
    assert check_grad_hess(gn, labels, raw, w, check_hessian=False).ok


# ------------------------------------------------------------ the prior
def traces_at_priors(labels, w, k, class_weight=None, single=False):
    """Summed Hessians of both objectives at p = the weighted label priors, by grad_hess."""
    mass = np.zeros(k)
    cw = np.ones(k) if class_weight is None else class_weight
    rw = np.ones(len(labels)) if w is None else w
    if np.ndim(labels) == 2:
        mass = (rw[:, None] * labels * cw).sum(axis=0)
    elif single:
        y = np.asarray(labels, dtype=float)
        mass = np.array([np.sum(rw * (1 - y)) * cw[0], np.sum(rw * y) * cw[1]])
    else:
        mass = np.bincount(labels, weights=rw * cw[labels], minlength=k)
    pi = mass / mass.sum()
    n = len(labels)
    raw = np.full(n, np.log(pi[1] / pi[0])) if single else np.tile(np.log(pi), (n, 1))
    _, hx = SoftmaxCrossEntropy(class_weight=class_weight).grad_hess(labels, raw, w)
    _, hb = WeightedBrier(class_weight=class_weight, loss_scale=1.0).grad_hess(labels, raw, w)
    return hx.sum() / hb.sum(), pi


@pytest.mark.parametrize("k", [2, 3, 10])
@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_weighted", [False, True])
def test_prior_scale_is_the_ratio_of_the_hessians_at_the_priors(k, soft, weighted, class_weighted):
    rng = np.random.default_rng(k)
    labels, _, w = problem(rng, n=500, k=k, soft=soft, weights=weighted)
    cw = rng.uniform(0.3, 3.0, k) if class_weighted else None
    measured, pi = traces_at_priors(labels, w, k, cw)
    s = WeightedBrier(class_weight=cw).prior_loss_scale(labels, w, n_classes=k)
    assert s == pytest.approx(measured, rel=1e-12)
    if cw is None:
        q, c = np.sum(pi**2), np.sum(pi**3)
        assert s == pytest.approx((1 - q) / (2 * q + 2 * q * q - 4 * c), rel=1e-12)


def test_prior_scale_single_output_and_probabilities():
    rng = np.random.default_rng(5)
    y = rng.uniform(size=400)
    w = rng.uniform(0.5, 2.0, 400)
    for labels in (y, (y > 0.7).astype(float)):
        measured, _ = traces_at_priors(labels, w, 2, single=True)
        s = WeightedBrier().prior_loss_scale(labels, w, single_output=True)
        assert s == pytest.approx(measured, rel=1e-12)


@pytest.mark.parametrize("k", [2, 3, 7, 10])
def test_equal_priors_give_half_k_and_one_class_falls_back_to_it(k):
    labels = np.repeat(np.arange(k), 3)
    assert WeightedBrier().prior_loss_scale(labels) == pytest.approx(k / 2, rel=1e-14)
    # One class only: both Hessians vanish at its priors; the equal-priors value is used.
    one = np.zeros(5, dtype=int)
    assert WeightedBrier().prior_loss_scale(one, n_classes=k) == k / 2
    raw = np.zeros((1, k))
    g, _ = WeightedBrier(loss_scale="prior").grad_hess([0], raw)
    g1, _ = WeightedBrier(loss_scale=1.0).grad_hess([0], raw)
    np.testing.assert_allclose(g, k / 2 * g1, rtol=1e-14)
    # No rows: nothing to scale, no error.
    g0, h0 = WeightedBrier(loss_scale="prior").grad_hess(np.zeros(0, int), np.zeros((0, k)))
    assert g0.shape == h0.shape == (0, k)


def test_prior_loss_scale_bad_input():
    with pytest.raises(ValueError, match="at least one sample"):
        WeightedBrier().prior_loss_scale(np.zeros(0, dtype=int), n_classes=3)
    with pytest.raises(ValueError, match="class ids"):
        WeightedBrier().prior_loss_scale([0, 1, 5], n_classes=3)
    with pytest.raises(TypeError, match="n_classes"):
        WeightedBrier().prior_loss_scale([0, 1], n_classes=2.0)
    with pytest.raises(ValueError, match="class_weight"):
        WeightedBrier(class_weight=[1.0, 2.0]).prior_loss_scale([0, 1, 2])


def test_prior_resolves_per_call_from_that_calls_labels():
    raw = np.zeros((4, 2))
    obj = WeightedBrier(loss_scale="prior")
    g_even, _ = obj.grad_hess([0, 1, 0, 1], raw)
    g_skew, _ = obj.grad_hess([0, 0, 0, 1], raw)
    plain = WeightedBrier(loss_scale=1.0)
    np.testing.assert_allclose(g_even, plain.grad_hess([0, 1, 0, 1], raw)[0] * 1.0)
    s = 1.0 / (4 * 0.25 * 0.75)
    np.testing.assert_allclose(g_skew, s * plain.grad_hess([0, 0, 0, 1], raw)[0], rtol=1e-14)


def test_class_masses_are_cached_on_the_targets():
    rng = np.random.default_rng(6)
    labels, raw, w = problem(rng, n=1000)
    targets = Targets(labels, w)
    first = targets.class_masses(4, False)
    assert targets.class_masses(4, False) is first
    np.testing.assert_allclose(first[0], np.bincount(labels, weights=w, minlength=4))
    np.testing.assert_allclose(first[1], np.full(4, w.sum()))
    obj = WeightedBrier(loss_scale="prior")
    np.testing.assert_array_equal(obj.grad_hess(targets, raw)[0], obj.grad_hess(labels, raw, w)[0])
    # Rebuilt from its data when unpickled, the cache left behind.
    assert "_masses" not in pickle.loads(pickle.dumps(targets)).__dict__


def test_per_class_sample_weights_masses():
    rng = np.random.default_rng(7)
    labels, _, _ = problem(rng, n=300, k=3)
    sw = rng.uniform(0.1, 2.0, (300, 3))
    label_mass, weight_mass = Targets(labels, sw).class_masses(3, False)
    np.testing.assert_allclose(label_mass, (np.eye(3)[labels] * sw).sum(axis=0))
    np.testing.assert_allclose(weight_mass, sw.sum(axis=0))
    raw = np.tile(np.log(label_mass / label_mass.sum()), (300, 1))
    _, hx = SoftmaxCrossEntropy().grad_hess(labels, raw, sw)
    _, hb = WeightedBrier(loss_scale=1.0).grad_hess(labels, raw, sw)
    assert WeightedBrier().prior_loss_scale(labels, sw) == pytest.approx(hx.sum() / hb.sum())


# Found by hypothesis: one class holding nearly all the label mass.
def test_prior_scale_stays_finite_and_bounded_when_one_class_holds_nearly_all_the_mass():
    from boostobj.objectives._brier import _MAX_PRIOR_SCALE

    soft = np.array([[1.0, 7.07688136e-211]])
    obj = WeightedBrier()
    assert obj.prior_loss_scale(soft) == _MAX_PRIOR_SCALE
    grad, hess = obj.grad_hess(soft, np.zeros((1, 2), dtype=np.float32))
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    # Continuous up to the bound: a 1% minority gives about 1 / (4 * 0.01).
    scale = obj.prior_loss_scale(np.array([[0.99, 0.01]]))
    assert 20 < scale < 30


def test_check_grad_hess_counts_the_loss_scale_as_a_weight():
    # Found by hypothesis: the prior scale here is about 421, a weight the
    # checker's atol must follow as it follows sample weights.
    raw = np.array([[31.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    labels, weights = np.array([1, 0]), np.array([1683.0, 1.0])
    obj = WeightedBrier(hessian="exact", backend="numpy")
    assert obj.prior_loss_scale(labels, weights, n_classes=4) > 400
    assert check_grad_hess(obj, labels, raw, weights).ok
    fixed = WeightedBrier(hessian="exact", backend="numpy", loss_scale=1.0)
    assert check_grad_hess(fixed, labels, raw, weights).ok

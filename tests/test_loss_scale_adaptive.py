"""WeightedBrier(loss_scale="adaptive"): the scale at the call's margins, and what it scales."""

from __future__ import annotations

import numpy as np
import pytest

from boostobj import SoftmaxCrossEntropy, WeightedBrier, check_grad_hess
from boostobj._validation import as_targets
from boostobj.objectives import numba_available
from boostobj.objectives._brier import _adaptive_traces

BACKENDS = [
    "numpy",
    pytest.param(
        "numba", marks=pytest.mark.skipif(not numba_available(), reason="numba not installed")
    ),
]
MAX_SCALE = 1e4


def problem(rng, n=300, k=4, layout="hard", weights="row", dtype=np.float64, spread=2.0):
    """Labels, margins and weights of one of the label layouts."""
    if layout == "single":
        labels = rng.integers(0, 2, n)
        raw = rng.normal(scale=spread, size=n).astype(dtype)
        k = 2
    else:
        pi = rng.dirichlet(np.full(k, 2.0))
        ids = rng.choice(k, size=n, p=pi)
        labels = rng.dirichlet(np.ones(k), size=n) if layout == "soft" else ids
        raw = rng.normal(scale=spread, size=(n, k)).astype(dtype)
    if weights == "row":
        w = rng.uniform(0.2, 3.0, n)
    elif weights == "cell":
        w = rng.uniform(0.2, 3.0, (n, k))
    else:
        w = None
    return labels, raw, w


def assert_rounded(scale, exact):
    """``scale`` is ``exact`` rounded to float32, as the rule rounds it."""
    assert scale == float(np.float32(scale))
    assert abs(scale - exact) <= 2.0**-24 * exact * (1 + 1e-9)


def hessian_ratio(labels, raw, w, class_weight=None):
    """What "adaptive" stands for, from the two objectives' own (checked) Hessians."""
    raw = np.asarray(raw, dtype=np.float64)
    _, hx = SoftmaxCrossEntropy(class_weight=class_weight).grad_hess(labels, raw, w)
    _, hb = WeightedBrier(class_weight=class_weight, loss_scale=1.0).grad_hess(labels, raw, w)
    return hx.sum() / hb.sum()


@pytest.mark.parametrize(
    "layout, weights",
    [(layout, weights) for layout in ("hard", "soft") for weights in (None, "row", "cell")]
    + [("single", None), ("single", "row")],  # a single output takes one weight per row
)
@pytest.mark.parametrize("class_weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("backend", BACKENDS)
def test_adaptive_is_the_ratio_of_the_two_hessian_traces_at_raw(
    layout, weights, class_weighted, dtype, backend
):
    rng = np.random.default_rng(0)
    labels, raw, w = problem(rng, layout=layout, weights=weights, dtype=dtype)
    k = 2 if raw.ndim == 1 else raw.shape[1]
    cw = rng.uniform(0.5, 2.0, k) if class_weighted else None
    obj = WeightedBrier(class_weight=cw, loss_scale="adaptive", backend=backend)
    s = obj.loss_scale_at(labels, raw, w)
    assert_rounded(s, hessian_ratio(labels, raw, w, cw))
    assert s > 1.0  # Brier's Gauss-Newton trace is below cross-entropy's (unit weights: always)


@pytest.mark.parametrize("layout", ["hard", "soft"])
@pytest.mark.parametrize("weights", [None, "row", "cell"])
@pytest.mark.parametrize("class_weighted", [False, True])
@pytest.mark.parametrize("backend", BACKENDS)
def test_long_rows(layout, weights, class_weighted, backend):
    # K = 200: the compiled kernel takes its rows one by one (too few per chunk).
    rng = np.random.default_rng(9)
    labels, raw, w = problem(rng, n=150, k=200, layout=layout, weights=weights, spread=4.0)
    cw = rng.uniform(0.5, 2.0, 200) if class_weighted else None
    obj = WeightedBrier(class_weight=cw, loss_scale="adaptive", backend=backend)
    assert_rounded(obj.loss_scale_at(labels, raw, w), hessian_ratio(labels, raw, w, cw))


@pytest.mark.parametrize("layout", ["hard", "soft", "single"])
@pytest.mark.parametrize("class_weighted", [False, True])
def test_adaptive_at_the_priors_is_the_prior_scale(layout, class_weighted):
    rng = np.random.default_rng(1)
    labels, _, w = problem(rng, layout=layout)
    k = 2 if layout == "single" else 4
    cw = rng.uniform(0.5, 2.0, k) if class_weighted else None
    obj = WeightedBrier(class_weight=cw, loss_scale="adaptive")
    single = layout == "single"
    # "prior" is taken at the weighted label priors pi (class weights
    # included), which is where the Brier score starts only without them.
    c = np.ones(k) if cw is None else cw
    if layout == "soft":
        mass = (w[:, None] * labels * c).sum(axis=0)
    else:
        mass = np.bincount(labels, weights=w * c[labels], minlength=k)
    pi = mass / mass.sum()
    n = len(labels)
    raw = np.full(n, np.log(pi[1] / pi[0])) if single else np.tile(np.log(pi), (n, 1))
    prior = obj.prior_loss_scale(labels, w, n_classes=None if single else k, single_output=single)
    assert_rounded(obj.loss_scale_at(labels, raw, w), prior)
    # Elsewhere it is not the prior's: the point of resolving it at the margins.
    moved = raw + rng.normal(scale=2.0, size=raw.shape)
    assert obj.loss_scale_at(labels, moved, w) != pytest.approx(prior, rel=1e-3)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hessian", ["gauss-newton", "exact"])
@pytest.mark.parametrize("layout", ["hard", "soft", "single"])
def test_loss_grad_hess_are_those_of_the_number_at_raw(backend, dtype, hessian, layout):
    rng = np.random.default_rng(2)
    labels, raw, w = problem(rng, layout=layout, dtype=dtype)
    kw = {"hessian": hessian, "backend": backend, "hessian_scale": 2.0, "min_hessian": 1e-6}
    adaptive = WeightedBrier(loss_scale="adaptive", **kw)
    s = adaptive.loss_scale_at(labels, raw, w)
    fixed = WeightedBrier(loss_scale=s, **kw)
    for a, b in zip(
        adaptive.grad_hess(labels, raw, w), fixed.grad_hess(labels, raw, w), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(adaptive.loss(labels, raw, w), fixed.loss(labels, raw, w))
    # Into float32 buffers, as the engines take them.
    outs = [np.empty(raw.shape, np.float32) for _ in range(4)]
    adaptive.grad_hess(labels, raw, w, grad_out=outs[0], hess_out=outs[1])
    fixed.grad_hess(labels, raw, w, grad_out=outs[2], hess_out=outs[3])
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[1], outs[3])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["hard", "soft", "single"])
@pytest.mark.parametrize("spread", [2.0, 30.0])
def test_finite_differences_with_the_scale_fixed_at_raw(backend, dtype, layout, spread):
    rng = np.random.default_rng(3)
    labels, raw, w = problem(rng, n=200, layout=layout, dtype=dtype, spread=spread)
    exact = WeightedBrier(loss_scale="adaptive", hessian="exact", backend=backend)
    result = check_grad_hess(exact, labels, raw, w)
    assert result.ok, str(result)
    gn = WeightedBrier(loss_scale="adaptive", backend=backend)
    assert check_grad_hess(gn, labels, raw, w, check_hessian=False).ok


def test_check_grad_hess_must_fix_the_scale_to_difference_it():
    # Unable to fix the scale, the checker differences a loss that moves with
    # every margin: the check fails. So the passing checks do rest on fixing it.
    class Unfixable(WeightedBrier):
        _fixed_scale_at = None

    rng = np.random.default_rng(4)
    labels, raw, w = problem(rng, n=200)
    adaptive = WeightedBrier(loss_scale="adaptive", hessian="exact")
    assert check_grad_hess(adaptive, labels, raw, w).ok
    result = check_grad_hess(Unfixable(loss_scale="adaptive", hessian="exact"), labels, raw, w)
    assert not result.ok
    assert result.grad.scaled_error > 100  # not a borderline miss


@pytest.mark.skipif(not numba_available(), reason="numba not installed")
def test_the_two_backends_give_the_same_number():
    # Their sums differ in the last bits; rounded to float32 they agree.
    rng = np.random.default_rng(8)
    for layout in ("hard", "soft", "single"):
        labels, raw, w = problem(rng, n=5000, layout=layout)
        numbers = {
            WeightedBrier(loss_scale="adaptive", backend=b).loss_scale_at(labels, raw, w)
            for b in ("numpy", "numba")
        }
        assert len(numbers) == 1, layout


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_scale_does_not_depend_on_the_thread_count(backend):
    rng = np.random.default_rng(5)
    labels, raw, w = problem(rng, n=200_000, k=3)  # several row blocks
    obj = WeightedBrier(loss_scale="adaptive", backend=backend)
    one = obj.loss_scale_at(labels, raw, w, n_threads=1)
    g1, h1 = obj.grad_hess(labels, raw, w, n_threads=1)
    for n_threads in (2, 3):
        assert obj.loss_scale_at(labels, raw, w, n_threads=n_threads) == one
        g, h = obj.grad_hess(labels, raw, w, n_threads=n_threads)
        np.testing.assert_array_equal(g, g1)
        np.testing.assert_array_equal(h, h1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_margins_give_a_finite_bounded_scale(backend, dtype):
    rng = np.random.default_rng(6)
    labels, _, w = problem(rng, n=500)
    obj = WeightedBrier(loss_scale="adaptive", backend=backend)
    # Margins of +-1e3: every row saturated, some wrong.
    raw = rng.choice([-1e3, 1e3], size=(500, 4)).astype(dtype)
    s = obj.loss_scale_at(labels, raw, w)
    assert np.isfinite(s) and 0 < s <= MAX_SCALE
    g, h = obj.grad_hess(labels, raw, w)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(h))
    # Confident and right (not saturated): the Brier trace is tiny against
    # cross-entropy's, and the scale stops at its bound.
    right = np.full((500, 4), -20.0, dtype=dtype)
    right[np.arange(500), labels] = 20.0
    assert obj.loss_scale_at(labels, right, w) == MAX_SCALE
    # Somewhat confident: large, exact, below the bound.
    right[np.arange(500), labels] = 0.0
    right[right == -20.0] = -3.0
    s = obj.loss_scale_at(labels, right.astype(np.float64), w)
    assert_rounded(s, hessian_ratio(labels, right, w))
    assert s < MAX_SCALE


@pytest.mark.parametrize("backend", BACKENDS)
def test_confident_rows_add_their_traces_not_rounding_error(backend):
    # Every row right with 1 - p = q = 1e-4 (two classes): the ratio is
    # 2 p q / (8 p^2 q^2) = 1 / (4 p q), about 2500, below the bound. With
    # the top class's sum_{j != top} w_j p_j^2 written as a difference
    # (Q - w_top p_top^2), the Brier trace ~ q^2 = 1e-8 would carry rounding
    # of about eps, a relative 2e-8.
    n = 1000
    labels = np.zeros(n, dtype=int)
    raw = np.zeros((n, 2))
    raw[:, 0] = np.log(1e4)
    q = 1e-4 / (1.0 + 1e-4)
    p = 1.0 - q
    obj = WeightedBrier(loss_scale="adaptive", backend=backend)
    # The traces themselves: the scale is rounded to float32 (2**-24 ~ 6e-8).
    params = obj._validate_params()
    kernels = obj._kernels(params)
    xent, gn = _adaptive_traces(as_targets(labels, None), raw, params, 1, kernels)
    assert xent / gn == pytest.approx(1.0 / (4.0 * p * q), rel=2e-10)
    assert_rounded(obj.loss_scale_at(labels, raw), 1.0 / (4.0 * p * q))


def test_no_label_mass_falls_back_to_the_prior_rule():
    obj = WeightedBrier(loss_scale="adaptive")
    raw = np.zeros((3, 4))
    # Weights zero on every label's cell: no label mass, and no curvature
    # of cross-entropy to compare with.
    labels = np.array([0, 1, 2])
    w = np.ones((3, 4))
    w[np.arange(3), labels] = 0.0
    assert obj.loss_scale_at(labels, raw, w) == 2.0  # K / 2
    g, h = obj.grad_hess(np.zeros(0, int), np.zeros((0, 4)))
    assert g.shape == h.shape == (0, 4)


def test_bad_input_is_reported_as_without_the_rule():
    obj = WeightedBrier(loss_scale="adaptive")
    raw = np.zeros((2, 3))
    with pytest.raises(ValueError, match="labels"):
        obj.grad_hess([0, 5], raw)
    bad = raw.copy()
    bad[1, 2] = np.nan
    for call in (obj.grad_hess, obj.loss, obj.loss_scale_at):
        with pytest.raises(ValueError, match=r"raw must be finite, got .* in row 1"):
            call([0, 1], bad)
    with pytest.raises(ValueError, match="n_threads"):
        obj.loss_scale_at([0, 1], raw, n_threads=0)
    with pytest.raises(ValueError, match='"adaptive"'):
        WeightedBrier(loss_scale="adaptve")


def test_metric_side_is_unscaled():
    rng = np.random.default_rng(7)
    labels, raw, w = problem(rng)
    plain = WeightedBrier(loss_scale=1.0)
    adaptive = WeightedBrier(loss_scale="adaptive")
    assert adaptive._unscaled().loss_scale == 1.0
    np.testing.assert_array_equal(
        adaptive._unscaled().loss(labels, raw, w), plain.loss(labels, raw, w)
    )


# ------------------------------------------------ shared over workers
def _two_workers(rng, saturated):
    """Two workers' rows of very different class mixes, and all of them."""
    ya = rng.choice(3, size=200, p=[0.8, 0.1, 0.1])
    yb = rng.choice(3, size=300, p=[0.1, 0.1, 0.8])
    if saturated:  # every p exactly 0 or 1: no curvature left in either loss
        ra = rng.choice([-1e3, 1e3], size=(200, 3))
        rb = rng.choice([-1e3, 1e3], size=(300, 3))
    else:
        ra, rb = rng.normal(size=(200, 3)), rng.normal(size=(300, 3))
    return (ya, ra), (yb, rb), (np.concatenate([ya, yb]), np.vstack([ra, rb]))


@pytest.mark.parametrize("saturated", [False, True])
@pytest.mark.parametrize("class_weighted", [False, True])
def test_shared_scale_is_that_of_all_the_workers_rows(saturated, class_weighted):
    rng = np.random.default_rng(10)
    cw = np.array([0.5, 1.0, 2.0]) if class_weighted else None
    obj = WeightedBrier(class_weight=cw)
    (ya, ra), (yb, rb), (y, raw) = _two_workers(rng, saturated)
    sent = {}

    def keep(name):
        def total(values):
            sent[name] = values.copy()
            return values

        return total

    ta, tb = as_targets(ya, None), as_targets(yb, None)
    # Each on its own rows: two numbers (the priors of each worker's mix).
    alone = {
        obj._shared_scale(t, r, keep(n)).loss_scale for t, r, n in ((ta, ra, "a"), (tb, rb, "b"))
    }
    assert len(alone) == 2
    both = sent["a"] + sent["b"]
    a = obj._shared_scale(ta, ra, lambda v: both).loss_scale
    b = obj._shared_scale(tb, rb, lambda v: both).loss_scale
    assert a == b == obj.loss_scale_at(y, raw)


def test_shared_scale_reports_bad_margins_after_the_reduction():
    obj = WeightedBrier()
    raw = np.zeros((3, 3))
    raw[2, 1] = np.inf
    calls = []
    with pytest.raises(ValueError, match="raw must be finite"):
        obj._shared_scale(as_targets([0, 1, 2], None), raw, lambda v: calls.append(1) or v)
    assert calls == [1]  # took part in the sum first, so no other worker waits on it


# -------------------------------------------------------- its bounds
def test_tiny_label_weights_meet_the_lower_bound_not_zero():
    rng = np.random.default_rng(11)
    y, raw = np.zeros(100, dtype=int), rng.normal(size=(100, 3))
    obj = WeightedBrier(class_weight=[1e-46, 1.0, 1.0])
    assert obj.loss_scale_at(y, raw) == float(np.float32(1e-4))
    g, _ = obj.grad_hess(y, raw)
    assert np.all(np.isfinite(g)) and np.any(g != 0)


# ------------------------------------------------- loss without numba
def test_loss_and_the_number_need_no_numba(monkeypatch):
    # An unpickled objective may name the numba backend where numba is
    # missing: loss (and the rule's traces) then run on numpy, as before.
    import boostobj.objectives._brier as brier_module

    rng = np.random.default_rng(12)
    labels, raw, w = problem(rng)
    expected = WeightedBrier(backend="numpy").loss(labels, raw, w)
    monkeypatch.setattr(brier_module, "_load_numba", lambda: None)
    obj = WeightedBrier(backend="numba")
    np.testing.assert_array_equal(obj.loss(labels, raw, w), expected)
    assert obj.loss_scale_at(labels, raw, w) == WeightedBrier(backend="numpy").loss_scale_at(
        labels, raw, w
    )


@pytest.mark.parametrize("value", ["prior", 2.0, "adaptive"])
def test_loss_scale_at_checks_n_threads_for_every_rule(value):
    with pytest.raises(ValueError, match="n_threads"):
        WeightedBrier(loss_scale=value).loss_scale_at([0, 1], np.zeros((2, 2)), n_threads=0)

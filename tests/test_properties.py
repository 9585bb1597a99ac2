"""Property-based tests (hypothesis) over shapes, labels and weights."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from boostobj import SoftmaxCrossEntropy, WeightedBrier, check_grad_hess

OBJECTIVES = [
    make(backend=backend)
    for backend in ("numpy", "numba")
    for make in (
        SoftmaxCrossEntropy,
        lambda backend: WeightedBrier(hessian="exact", backend=backend),
        lambda backend: WeightedBrier(hessian="gauss-newton", backend=backend),
    )
]


@st.composite
def problems(draw):
    n = draw(st.integers(0, 25))
    k = draw(st.integers(2, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    raw = draw(
        hnp.arrays(dtype, (n, k), elements=st.floats(-50, 50, width=32, allow_subnormal=False))
    )
    if draw(st.booleans()):
        labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    else:
        mass = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0, 1)))
        mass[:, 0] += 1e-3  # rows must have positive mass
        labels = mass / mass.sum(axis=1, keepdims=True)
    weight_kind = draw(st.sampled_from(["none", "1d", "2d"]))
    weights = None
    if weight_kind != "none" and n:
        shape = n if weight_kind == "1d" else (n, k)
        weights = draw(hnp.arrays(np.float64, shape, elements=st.floats(1e-6, 1e6)))
    return labels, raw, weights


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(range(len(OBJECTIVES))))
def test_shapes_dtypes_signs_and_row_sums(problem, which):
    labels, raw, weights = problem
    obj = OBJECTIVES[which]
    loss = obj.loss(labels, raw, weights)
    grad, hess = obj.grad_hess(labels, raw, weights)
    proba = obj.predict_proba(raw)
    n = raw.shape[0]
    assert loss.shape == (n,) and grad.shape == hess.shape == proba.shape == raw.shape
    assert loss.dtype == grad.dtype == hess.dtype == proba.dtype == raw.dtype
    for a in (loss, grad, hess, proba):
        assert np.all(np.isfinite(a))
    assert np.all(loss >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    wmax = 1.0 if weights is None else np.max(weights, axis=-1) if weights.ndim == 2 else weights
    eps = np.finfo(raw.dtype).eps
    # WeightedBrier's default loss_scale="adaptive" multiplies every weight.
    if isinstance(obj, WeightedBrier) and n:
        wmax = wmax * obj.loss_scale_at(labels, raw, weights)
    # Each gradient row sums to zero (to rounding relative to the row's weight).
    assert np.all(np.abs(grad.sum(axis=1)) <= 16 * raw.shape[1] * eps * np.broadcast_to(wmax, n))
    if not (isinstance(obj, WeightedBrier) and obj.hessian == "exact"):
        assert np.all(hess >= 0)


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from([0, 1]))
def test_finite_differences_agree_for_any_problem(problem, which):
    labels, raw, weights = problem
    assume(raw.shape[0] > 0)
    result = check_grad_hess(OBJECTIVES[which], labels, raw.astype(np.float64), weights)
    assert result.ok, str(result)

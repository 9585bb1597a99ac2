"""The compiled kernels' two ways of exponentiating a chunk, and where they report bad margins."""

from __future__ import annotations

import numpy as np
import pytest

from boostobj.objectives._base import _load_numba

kernels = _load_numba()
pytestmark = pytest.mark.skipif(kernels is None, reason="numba is not installed")

_BOUND = {np.float64: 300.0, np.float32: 40.0}


def _ro(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _run(kind, z, codes, probs, dtype):
    """One kernel over ``z``: (grad, hess, (bad_raw, bad_out, bad_label))."""
    n, k = z.shape
    grad, hess = np.empty((n, k), dtype=dtype), np.empty((n, k), dtype=dtype)
    e1, e2 = _ro(np.empty(0)), _ro(np.empty((0, 0)))
    one, minus_inf = dtype(1.0), dtype(-np.inf)
    z = _ro(z)
    if kind == "xent_hard":
        got = kernels.xent_hard(z, codes, e1, grad, hess, one, minus_inf, True)
    elif kind == "xent_soft":
        got = kernels.xent_soft(z, probs, e2, e1, grad, hess, one, minus_inf, True)
    else:
        got = kernels.brier(
            z, codes, e2, e2, e1, 1.0, kind == "brier_exact", grad, hess, one, minus_inf, True
        )
    return grad, hess, got


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bounded_exp_is_within_two_ulps_of_numpy_and_counts_what_it_cannot_do(dtype):
    info = np.finfo(dtype)
    bound = _BOUND[dtype]
    x = np.concatenate([np.linspace(-bound, bound, 400_001), [0.0, -0.0, bound, -bound]]).astype(
        dtype
    )
    expected = np.exp(x.astype(np.float64)).astype(dtype)
    got = x.copy()
    assert kernels.exp_bounded(got) == 0
    rel = np.abs(got.astype(np.float64) - expected) / expected
    assert rel.max() <= 2 * info.eps
    outside = np.array([np.nan, np.inf, -np.inf, 2 * bound, -2 * bound, 0.5], dtype=dtype)
    outside[3] = np.nextafter(dtype(bound), dtype(np.inf))
    assert kernels.exp_bounded(outside.copy()) == 5


@pytest.mark.parametrize("kind", ["xent_hard", "xent_soft", "brier_gn", "brier_exact"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unshifted_and_shifted_chunks_agree(kind, dtype):
    # The same rows, once in chunks whose margins are all within the bound
    # (exponentiated as they are) and once next to a row beyond it (each row
    # then shifted by its maximum): the same results to a few roundings.
    rng = np.random.default_rng(3)
    n, k = 3000, 7
    bound = _BOUND[dtype]
    z = rng.normal(scale=bound / 5, size=(n, k))
    z[:, 0] = rng.uniform(-bound, bound, n)
    codes = _ro(rng.integers(0, k, n).astype(np.intp))
    probs = _ro(rng.dirichlet(np.ones(k), n))
    g_plain, h_plain, got = _run(kind, z.astype(dtype), codes, probs, dtype)
    assert got == (-1, -1, -1)
    far = z.copy()
    far[::50, 1] = 2.5 * bound  # one such row in every third of a chunk (146 rows)
    g_far, h_far, got = _run(kind, far.astype(dtype), codes, probs, dtype)
    assert got == (-1, -1, -1)
    keep = np.ones(n, dtype=bool)
    keep[::50] = False
    tol = 8 * np.finfo(dtype).eps * 2
    np.testing.assert_allclose(g_far[keep], g_plain[keep], rtol=0, atol=tol)
    np.testing.assert_allclose(h_far[keep], h_plain[keep], rtol=0, atol=tol)


@pytest.mark.parametrize("kind", ["xent_hard", "xent_soft", "brier_gn"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("row", [0, 77, 145, 146, 2999])
def test_a_non_finite_margin_is_reported_at_its_row(kind, dtype, bad, row):
    rng = np.random.default_rng(row)
    n, k = 3000, 7
    z = rng.normal(size=(n, k)).astype(dtype)  # all within the bound: unshifted chunks
    z[row, 3] = bad
    codes = _ro(rng.integers(0, k, n).astype(np.intp))
    probs = _ro(rng.dirichlet(np.ones(k), n))
    _, _, got = _run(kind, z, codes, probs, dtype)
    assert got == (row, -1, -1)
    # Other layouts read the chunk through a copy: the same row.
    _, _, got = _run(kind, np.asfortranarray(z), codes, probs, dtype)
    assert got == (row, -1, -1)


@pytest.mark.parametrize("k", [3, 10, 40])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_brier_class_ids_and_one_hot_labels_give_the_same_gauss_newton_hessian(k, dtype):
    # The Gauss-Newton diagonal p^2 max(w (1 - 2p) + Q, 0) cancels where
    # w (1 - 2p) is close to -Q: only the same arithmetic for both label
    # kinds (the same p and Q to the last bit) keeps them equal there.
    rng = np.random.default_rng(k)
    n = 2000
    z = _ro(rng.normal(scale=3.0, size=(n, k)).astype(dtype))
    codes = _ro(rng.integers(0, k, n).astype(np.intp))
    one_hot = _ro(np.eye(k)[codes])
    class_w = _ro(rng.uniform(0.1, 5.0, size=(n, k)))
    row_w = _ro(rng.uniform(0.5, 2.0, size=n))
    e2 = _ro(np.empty((0, 0)))
    empty_codes = _ro(np.empty(0, dtype=np.intp))
    one, minus_inf = dtype(1.0), dtype(-np.inf)
    out = []
    for ids, probs in ((codes, e2), (empty_codes, one_hot)):
        grad, hess = np.empty((n, k), dtype=dtype), np.empty((n, k), dtype=dtype)
        got = kernels.brier(
            z, ids, probs, class_w, row_w, 1.0, False, grad, hess, one, minus_inf, False
        )
        assert got == (-1, -1, -1)
        out.append((grad, hess))
    np.testing.assert_array_equal(out[0][1], out[1][1])
    # The gradients use S, which class ids compute without cancelling.
    scale = 2 * class_w.max(axis=1, keepdims=True) * row_w[:, None]
    assert np.all(np.abs(out[0][0] - out[1][0]) <= 8 * np.finfo(dtype).eps * scale)


# Found by hypothesis: unshifted exponentials near the bound, squared and
# weighted, overflow where shifted ones (at most 1) do not.
@pytest.mark.parametrize("hessian", ["gauss-newton", "exact"])
@pytest.mark.parametrize("labels", ["ids", "soft"])
@pytest.mark.parametrize(
    "dtype, margin, weight", [(np.float32, 39.0, 45381.0), (np.float64, 299.0, 1e50)]
)
def test_brier_with_large_weights_near_the_unshifted_bound_matches_numpy(
    hessian, labels, dtype, margin, weight
):
    from boostobj import WeightedBrier

    raw = np.array([[margin, margin, 0.0], [margin, margin - 1.0, 1.0]], dtype=dtype)
    y = np.array([0, 2]) if labels == "ids" else np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    w = np.full((2, 3), weight)
    got = WeightedBrier(hessian=hessian, backend="numba").grad_hess(y, raw, w)
    expected = WeightedBrier(hessian=hessian, backend="numpy").grad_hess(y, raw, w)
    for a, b in zip(got, expected, strict=True):
        assert np.all(np.isfinite(a))
        scale = np.abs(b).max(axis=1, keepdims=True)
        assert np.all(np.abs(a - b) <= 64 * np.finfo(dtype).eps * scale)


@pytest.mark.parametrize("k", [1, 2, 7, 8, 9, 10, 16, 17, 40])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", ["none", "one row", "per row"])
def test_brier_gauss_newton_does_not_depend_on_the_output_layout(k, dtype, weights):
    # C-ordered outputs are computed in whole vectors, each row running into
    # the next one (which overwrites those entries); other layouts stop at K.
    # The same arithmetic per entry: the same bits, the last row included.
    rng = np.random.default_rng(k)
    n = 1000 // k + 77  # several chunks, the last one partial
    z = _ro(rng.normal(scale=3.0, size=(n, k)).astype(dtype))
    codes = _ro(rng.integers(0, k, n).astype(np.intp))
    rows_w = {"none": 0, "one row": 1, "per row": n}[weights]
    class_w = _ro(rng.uniform(0.1, 5.0, size=(rows_w, k)))
    row_w = _ro(rng.uniform(0.5, 2.0, size=n))
    e2 = _ro(np.empty((0, 0)))
    scale, floor = dtype(1.5), dtype(1e-30)
    out = []
    for order in ("C", "F"):
        grad = np.full((n, k), np.nan, dtype=dtype, order=order)
        hess = np.full((n, k), np.nan, dtype=dtype, order=order)
        got = kernels.brier(
            z, codes, e2, class_w, row_w, 1.0, False, grad, hess, scale, floor, True
        )
        assert got == (-1, -1, -1)
        out.append((grad, hess))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])

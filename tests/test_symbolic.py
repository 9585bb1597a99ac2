"""Gradients and Hessians against sympy's symbolic derivatives (small K).

A second check that shares no blind spot with finite differences: sympy
differentiates the loss as written in the problem statement.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import BACKENDS

from boostobj import SoftmaxCrossEntropy, WeightedBrier


def _symbolic(kind: str, k: int):
    z = sp.symbols(f"z0:{k}")
    y = sp.symbols(f"y0:{k}")
    w = sp.symbols(f"w0:{k}")
    denom = sum(sp.exp(zj) for zj in z)
    p = [sp.exp(zj) / denom for zj in z]
    if kind == "xent":
        loss = -sum(w[j] * y[j] * sp.log(p[j]) for j in range(k))
    else:
        loss = sum(w[j] * (p[j] - y[j]) ** 2 for j in range(k))
    grad = [sp.diff(loss, zj) for zj in z]
    hess = [sp.diff(g, zj) for g, zj in zip(grad, z, strict=True)]
    extra = []
    if kind == "brier":
        # Gauss-Newton diagonal: 2 sum_j w_j (d p_j / d z_l)^2.
        extra = [2 * sum(w[j] * sp.diff(p[j], zl) ** 2 for j in range(k)) for zl in z]
    args = (*z, *y, *w)
    fn = sp.lambdify(args, [loss, *grad, *hess, *extra], "numpy")
    return fn


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("kind", ["xent", "brier"])
def test_against_symbolic_derivatives(kind, k):
    fn = _symbolic(kind, k)
    rng = np.random.default_rng(k)
    n = 40
    raw = rng.normal(scale=2.0, size=(n, k))
    labels = rng.dirichlet(np.ones(k), n)
    weights = rng.uniform(0.2, 3.0, (n, k))
    values = np.array([fn(*raw[i], *labels[i], *weights[i]) for i in range(n)], dtype=np.float64)
    loss_sym, grad_sym, hess_sym = values[:, 0], values[:, 1 : k + 1], values[:, k + 1 : 2 * k + 1]
    if kind == "xent":
        objectives = {("exact", b): SoftmaxCrossEntropy(backend=b) for b in BACKENDS}
    else:
        objectives = {
            (mode, b): WeightedBrier(hessian=mode, backend=b, loss_scale=1.0)
            for mode in ("exact", "gauss-newton")
            for b in BACKENDS
        }
    for (mode, _), obj in objectives.items():
        np.testing.assert_allclose(obj.loss(labels, raw, weights), loss_sym, rtol=1e-12)
        grad, hess = obj.grad_hess(labels, raw, weights)
        expected_hess = hess_sym if mode == "exact" else values[:, 2 * k + 1 :]
        scale = np.abs(weights).max(axis=1, keepdims=True)
        assert np.all(np.abs(grad - grad_sym) <= 1e-13 * scale)
        assert np.all(np.abs(hess - expected_hess) <= 1e-13 * scale)

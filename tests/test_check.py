"""The finite-difference checker: it must pass correct code and fail wrong code."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_problem
from scipy.special import softmax

from boostobj import SoftmaxCrossEntropy, WeightedBrier, check_grad_hess


class ReferenceBrierHessian(WeightedBrier):
    """The Brier Hessian exactly as printed in the reference derivation.

    Its last term has ``sigma_kl * sum_j w_kj (2 sigma_kj - y_kj)`` where the
    correct term is ``sum_j w_kj sigma_kj (2 sigma_kj - y_kj)``.
    """

    def __init__(self):
        super().__init__(hessian="exact")

    def grad_hess(self, labels, raw, sample_weight=None):
        grad, _ = super().grad_hess(labels, raw, sample_weight)
        p = softmax(raw, axis=1)
        y = np.eye(raw.shape[1])[labels] if np.ndim(labels) == 1 else labels
        w = np.ones_like(p) if sample_weight is None else sample_weight
        w = w if w.ndim == 2 else w[:, None] * np.ones_like(p)
        r = (p - y) * w
        s = np.sum(p * r, axis=1, keepdims=True)
        hess = (
            2 * p * (1 - p) * (r - s)
            + 2 * p * w * p * (1 - p)
            - 2 * p * p * (w * (2 * p - y) - p * np.sum(w * (2 * p - y), axis=1, keepdims=True))
        )
        return grad, hess


class ReferenceCrossEntropyHessian(SoftmaxCrossEntropy):
    """The cross-entropy Hessian as printed, reading its stray index j as the
    summed one: ``(1 - sigma_kl) * sum_j sigma_kj y_kj``."""

    def grad_hess(self, labels, raw, sample_weight=None):
        grad, _ = super().grad_hess(labels, raw, sample_weight)
        p = softmax(raw, axis=1)
        y = np.eye(raw.shape[1])[labels] if np.ndim(labels) == 1 else labels
        return grad, (1 - p) * np.sum(p * y, axis=1, keepdims=True)


class SquaredError:
    """A user's objective with no relation to boostobj: 0.5 * sum (raw - y)^2."""

    def loss(self, labels, raw, sample_weight=None):
        return (
            0.5 * np.sum((raw - labels) ** 2, axis=-1)
            if raw.ndim == 2
            else 0.5 * (raw - labels) ** 2
        )

    def grad_hess(self, labels, raw, sample_weight=None):
        return raw - labels, np.ones_like(raw)


class SlightlyWrongGradient(SoftmaxCrossEntropy):
    def grad_hess(self, labels, raw, sample_weight=None):
        grad, hess = super().grad_hess(labels, raw, sample_weight)
        grad[7, 2] *= 1.0 + 1e-4
        return grad, hess


@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_reference_brier_hessian_is_reported_wrong(labels):
    rng = np.random.default_rng(0)
    p = make_problem(rng, 200, 5, labels=labels, weights="2d", scale=2.0)
    lab = p.labels.astype(int) if labels == "hard" else p.labels
    result = check_grad_hess(ReferenceBrierHessian(), lab, p.raw, p.sample_weight)
    assert not result.ok
    assert result.grad.scaled_error <= 1.0  # the gradient is right...
    assert result.hess.scaled_error > 1e3  # ...the printed Hessian is far off
    assert "FAILED" in str(result) and "hessian" in str(result)


def test_reference_cross_entropy_hessian_is_reported_wrong():
    rng = np.random.default_rng(1)
    p = make_problem(rng, 200, 5, labels="soft")
    result = check_grad_hess(ReferenceCrossEntropyHessian(), p.labels, p.raw)
    assert not result.ok and result.hess.scaled_error > 1e3


def test_a_1e4_relative_error_in_one_entry_is_found_and_located():
    rng = np.random.default_rng(2)
    p = make_problem(rng, 50, 4, labels="hard")
    result = check_grad_hess(SlightlyWrongGradient(), p.labels.astype(int), p.raw)
    assert not result.ok
    assert (result.grad.row, result.grad.column) == (7, 2)
    assert "row 7, class 2" in str(result)


def test_user_objective_passes():
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(30, 3))
    labels = rng.normal(size=(30, 3))
    result = check_grad_hess(SquaredError(), labels, raw)
    assert result.ok, str(result)
    assert str(result).startswith("check_grad_hess: OK")


@pytest.mark.parametrize("scale", [1e-2, 1.0, 1e2, 1e3, 1e4])
@pytest.mark.parametrize("weight_span", [False, True])
def test_correct_objectives_never_flagged(scale, weight_span):
    # Large margins, margins offset by a large constant, and weights spanning
    # 1e-8..1e8 in one batch: cancellation and scale must not cause a flag.
    rng = np.random.default_rng(4)
    for labels in ("hard", "soft"):
        p = make_problem(rng, 300, 6, labels=labels, weights="1d", scale=scale)
        raw = p.raw + rng.choice([0.0, 1e3, -1e3], size=(300, 1))
        w = 10.0 ** rng.uniform(-8, 8, 300) if weight_span else p.sample_weight
        for obj in (SoftmaxCrossEntropy(), WeightedBrier(hessian="exact")):
            result = check_grad_hess(obj, p.labels, raw, w)
            assert result.ok, str(result)


def test_malformed_objectives_are_reported():
    class WrongShape(SquaredError):
        def grad_hess(self, labels, raw, sample_weight=None):
            return raw.ravel(), raw.ravel()

    class NotFinite(SquaredError):
        def grad_hess(self, labels, raw, sample_weight=None):
            g = raw - labels
            g[0, 0] = np.nan
            return g, np.ones_like(raw)

    raw, labels = np.zeros((4, 3)), np.ones((4, 3))
    result = check_grad_hess(WrongShape(), labels, raw)
    assert not result.ok and "shape" in result.problems[0]
    result = check_grad_hess(NotFinite(), labels, raw)
    assert not result.ok and "non-finite" in result.problems[0]
    with pytest.raises(TypeError, match="loss and grad_hess"):
        check_grad_hess(object(), labels, raw)
    with pytest.raises(ValueError, match="step"):
        check_grad_hess(SquaredError(), labels, raw, step=0.0)
    with pytest.raises(ValueError, match="n >= 1"):
        check_grad_hess(SquaredError(), labels[:0], raw[:0])


def test_scaled_hessian_fails_unless_hessian_check_is_off():
    rng = np.random.default_rng(5)
    p = make_problem(rng, 40, 3, labels="hard")
    obj = SoftmaxCrossEntropy(hessian_scale=2.0)
    assert not check_grad_hess(obj, p.labels, p.raw).ok
    result = check_grad_hess(obj, p.labels, p.raw, check_hessian=False)
    assert result.ok and result.hess is None

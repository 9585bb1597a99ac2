"""Synthetic data, loaders and metrics behind `boostobj compare`."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sk_log_loss

from boostobj._compare_data import (
    brier,
    csv_problem,
    expected_calibration_error,
    kl_to_truth,
    log_loss,
    shipped_problem,
    synthetic_problem,
)


def test_synthetic_problem_is_deterministic_and_its_labels_follow_the_truth():
    a, b = synthetic_problem(seed=3), synthetic_problem(seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, synthetic_problem(seed=4).y)
    np.testing.assert_allclose(a.true_proba.sum(axis=1), 1.0)
    # Empirical class frequencies match the mean true probabilities (n=6000).
    freq = np.bincount(a.y, minlength=4) / len(a.y)
    np.testing.assert_allclose(freq, a.true_proba.mean(axis=0), atol=0.02)
    # The truth scores better than any constant prediction.
    prior = np.broadcast_to(freq, a.true_proba.shape)
    assert log_loss(a.y, a.true_proba) < log_loss(a.y, prior) - 0.2
    assert kl_to_truth(a.true_proba, a.true_proba) == pytest.approx(0.0, abs=1e-12)
    assert kl_to_truth(a.true_proba, prior) > 0.2


def test_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(5), 400)
    y = rng.integers(0, 5, 400)
    assert log_loss(y, proba) == pytest.approx(sk_log_loss(y, proba, labels=range(5)))
    expected = brier_score_loss(y, proba, labels=range(5), scale_by_half=False)
    assert brier(y, proba) == pytest.approx(expected)


def test_ece_is_zero_when_calibrated_and_large_when_overconfident():
    y = np.array([0] * 80 + [1] * 20)
    calibrated = np.tile([0.8, 0.2], (100, 1))
    assert expected_calibration_error(y, calibrated) == pytest.approx(0.0, abs=1e-12)
    overconfident = np.tile([0.99, 0.01], (100, 1))
    assert expected_calibration_error(y, overconfident) == pytest.approx(0.19)


def test_shipped_and_csv_loaders(tmp_path):
    digits = shipped_problem("digits")
    assert digits.X.shape == (1797, 64) and set(digits.y) == set(range(10))
    with pytest.raises(ValueError, match="--dataset must be one of"):
        shipped_problem("mnist")
    good = tmp_path / "good.csv"
    good.write_text("a,b,label\n1,2,cat\n3,4,dog\n5,,cat\n")
    p = csv_problem(str(good), "label")
    assert p.X.shape == (3, 2) and np.isnan(p.X[2, 1])
    assert p.class_names == ["cat", "dog"] and list(p.y) == [0, 1, 0]


@pytest.mark.parametrize(
    "text, target, message",
    [
        ("a,b\n1,2\n", "label", "column 'label' is not in"),
        ("a,label\nx,1\ny,0\n", "label", "feature 'a' must be numeric, got 'x' on line 2"),
        ("a,label\n1,1\n2,1\n", "label", "only one class"),
        ("label\n1\n0\n", "label", "no feature columns"),
        ("a,label\n1,1,9\n", "label", "line 2 has 3 fields"),
        ("", "label", "is empty"),
    ],
)
def test_bad_csv_input_is_reported(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        csv_problem(str(path), target)
    with pytest.raises(ValueError, match="no such file"):
        csv_problem(str(tmp_path / "missing.csv"), target)

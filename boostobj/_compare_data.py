"""Data and metrics for ``boostobj compare``: a synthetic problem with known
class probabilities, loaders for CSV files and shipped data sets, and the
scores of a model's probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHIPPED_DATASETS = ("digits", "iris", "wine", "breast_cancer")


@dataclass
class Problem:
    """Features, class ids and (for the synthetic problem) true probabilities."""

    name: str
    X: np.ndarray
    y: np.ndarray
    true_proba: np.ndarray | None = None
    class_names: list[str] | None = None
    n_dropped: int = 0  # rows left out because their target was missing


def synthetic_problem(
    n: int = 6000, n_features: int = 10, n_classes: int = 4, seed: int = 0
) -> Problem:
    """A multiclass problem whose true class probabilities are known.

    Features are standard normal; the true log-odds mix a linear part, an
    interaction and a threshold effect (so trees have something to find),
    with a mean entropy of about two thirds of its maximum (0.94 of 1.39 nats
    for the defaults), and an accuracy of 0.61 for the true probabilities; labels are
    drawn from the true probabilities. Deterministic given ``seed``.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    w_lin = rng.normal(size=(n_features, n_classes))
    w_lin[4:] *= 0.2  # a few informative features, the rest weak
    logits = X @ w_lin
    logits[:, 0] += 1.5 * X[:, 0] * X[:, 1]
    logits[:, 1] += 2.0 * (X[:, 2] > 0.5)
    logits[:, n_classes - 1] -= 1.0 * np.abs(X[:, 3])
    logits -= logits.mean(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    cumulative = proba.cumsum(axis=1)
    u = rng.random(n)[:, None]
    y = np.minimum((u > cumulative).sum(axis=1), n_classes - 1)
    return Problem(f"synthetic (n={n}, K={n_classes}, known probabilities)", X, y, proba)


def shipped_problem(name: str) -> Problem:
    """A data set that scikit-learn ships (no download)."""
    from sklearn import datasets

    if name not in SHIPPED_DATASETS:
        raise ValueError(f"--dataset must be one of {SHIPPED_DATASETS}, got {name!r}")
    bunch = getattr(datasets, f"load_{name}")()
    names = [str(c) for c in getattr(bunch, "target_names", np.unique(bunch.target))]
    return Problem(name, bunch.data.astype(np.float64), bunch.target.astype(int), None, names)


def csv_problem(path: str, target: str) -> Problem:
    """Numeric features and a target column from a CSV file with a header row."""
    import csv

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"--csv: no such file {path!r}")
    with file.open(newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"--csv: {path!r} is empty") from None
        rows = [row for row in reader if row]
    if not rows:
        raise ValueError(f"--csv: {path!r} has a header but no data rows")
    header = [h.strip() for h in header]
    if target not in header:
        raise ValueError(
            f"--target: column {target!r} is not in {path!r}; its columns are {header}"
        )
    t = header.index(target)
    features = [h for i, h in enumerate(header) if i != t]
    if not features:
        raise ValueError(f"--csv: {path!r} has no feature columns besides {target!r}")
    X = np.empty((len(rows), len(features)))
    labels = []
    for r, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ValueError(f"--csv: line {r} has {len(row)} fields, the header has {len(header)}")
        labels.append(row[t].strip())
        values = [v for i, v in enumerate(row) if i != t]
        for c, v in enumerate(values):
            try:
                X[r - 2, c] = float(v) if v.strip() else np.nan
            except ValueError:
                raise ValueError(
                    f"--csv: feature {features[c]!r} must be numeric, got {v!r} on line {r}"
                ) from None
    labels = np.array(labels)
    has_target = labels != ""  # an empty cell is a missing target, not a class
    if not has_target.any():
        raise ValueError(f"--target: column {target!r} is empty in every row of {path!r}")
    classes, y = np.unique(labels[has_target], return_inverse=True)
    _require_two_classes(classes, target)
    return Problem(
        f"{file.name} (target {target!r})",
        X[has_target],
        y,
        None,
        [str(c) for c in classes],
        n_dropped=int((~has_target).sum()),
    )


def _require_two_classes(classes: np.ndarray, target: str) -> None:
    if len(classes) < 2:
        raise ValueError(
            f"--target: column {target!r} has only one class ({str(classes[0])!r}); "
            "a classifier needs at least two"
        )


# ---------------------------------------------------------------- metrics
def log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean negative log-probability of the true class (clipped at 1e-15)."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0))))


def brier(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean multiclass Brier score: sum over classes of (p - one-hot)^2."""
    one_hot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - one_hot) ** 2, axis=1)))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def reliability_curve(y: np.ndarray, proba: np.ndarray, bins: int = 10):
    """Mean top-label confidence and accuracy per non-empty confidence bin."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    xs, ys = [], []
    for b in range(bins):
        mask = which == b
        if mask.any():
            xs.append(confidence[mask].mean())
            ys.append(correct[mask].mean())
    return np.array(xs), np.array(ys)


def kl_to_truth(true_proba: np.ndarray, proba: np.ndarray) -> float:
    """Mean KL(true || model): how far the model's probabilities are from the truth."""
    p = np.clip(true_proba, 1e-15, 1.0)
    q = np.clip(proba, 1e-15, 1.0)
    return float(np.mean(np.sum(p * (np.log(p) - np.log(q)), axis=1)))

"""Held-out quality on scikit-learn's digits: XGBoost's built-in objective vs boostobj's.

Every model gets the same XGBoost settings; scores are means over stratified
5-fold cross-validation (1797 images, 10 classes). Two settings:

- ``defaults``: XGBoost's regularisation (``min_child_weight=1``,
  ``reg_lambda=1``), which is in Hessian units;
- ``light``: ``min_child_weight=0, reg_lambda=0.01``, which matters for
  WeightedBrier, whose Hessians are far smaller than cross-entropy's.

Run from the repository root (about a minute on 2 cores)::

    python benchmarks/xgboost_digits.py
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold

from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj.xgboost import Classifier

COMMON = {"n_estimators": 200, "learning_rate": 0.1, "max_depth": 3, "n_jobs": 1, "random_state": 0}
SETTINGS = {
    "defaults": COMMON,
    "light": {**COMMON, "min_child_weight": 0, "reg_lambda": 0.01},
}
MODELS = {
    "built-in multi:softprob": lambda kw: xgb.XGBClassifier(**kw),
    # The Classifier doubles Hessians as multi:softprob does (engine_hessian=True),
    # so this is the built-in's model, started from the class priors.
    "SoftmaxCrossEntropy()": lambda kw: Classifier(objective=SoftmaxCrossEntropy(), **kw),
    "SoftmaxCrossEntropy(), engine_hessian=False": lambda kw: Classifier(
        objective=SoftmaxCrossEntropy(), engine_hessian=False, **kw
    ),
    "WeightedBrier(gauss-newton)": lambda kw: Classifier(objective=WeightedBrier(), **kw),
    "WeightedBrier(gauss-newton), engine_hessian=False": lambda kw: Classifier(
        objective=WeightedBrier(), engine_hessian=False, **kw
    ),
    "WeightedBrier(exact, min_hessian=1e-3)": lambda kw: Classifier(
        objective=WeightedBrier(hessian="exact", min_hessian=1e-3), **kw
    ),
}


def brier_score(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean over samples of sum_k (p_k - y_k)^2 (WeightedBrier's loss, unit weights)."""
    return float(np.mean(np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1)))


def scores(model, X, y, train, test) -> dict[str, float]:
    """Held-out log-loss, Brier score and accuracy of one fit."""
    proba = model.fit(X[train], y[train]).predict_proba(X[test]).astype(np.float64)
    proba /= proba.sum(axis=1, keepdims=True)
    return {
        "log_loss": log_loss(y[test], proba, labels=np.arange(proba.shape[1])),
        "brier": brier_score(y[test], proba),
        "accuracy": accuracy_score(y[test], proba.argmax(axis=1)),
    }


def folds(y: np.ndarray, n_splits: int = 5):
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=0).split(np.zeros(len(y)), y))


def main(n_splits: int = 5, settings=tuple(SETTINGS), models=tuple(MODELS)) -> dict:
    """Mean held-out scores, ``result[setting][model][metric]``, printed as tables."""
    X, y = load_digits(return_X_y=True)
    splits = folds(y, n_splits)
    result = {}
    for setting in settings:
        result[setting] = {}
        print(f"\n{setting}: {SETTINGS[setting]}")
        print("| objective | log-loss | Brier | accuracy |\n| --- | --- | --- | --- |")
        for name in models:
            make = MODELS[name]
            runs = [scores(make(SETTINGS[setting]), X, y, tr, te) for tr, te in splits]
            mean = {m: float(np.mean([r[m] for r in runs])) for m in runs[0]}
            result[setting][name] = mean
            cells = " | ".join(f"{mean[m]:.4f}" for m in ("log_loss", "brier", "accuracy"))
            print(f"| {name} | {cells} |")
    return result


if __name__ == "__main__":
    main()

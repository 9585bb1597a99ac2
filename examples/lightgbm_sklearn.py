"""boostobj's objectives in LightGBM's scikit-learn API, compared on digits.

Cross-validates ``boostobj.lightgbm.Classifier`` with softmax cross-entropy
and the weighted Brier score (both Hessians; with and without the built-in's
Hessian factor, ``engine_hessian``) against LightGBM's built-in
multiclass objective at the same settings: held-out log-loss, Brier score
(sum over classes, mean over samples) and accuracy, 5-fold stratified CV on
scikit-learn's digits (1797 images, 10 classes).

Run: ``python examples/lightgbm_sklearn.py`` (about 10 seconds on 2 cores).
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate

import boostobj.lightgbm as bl
from boostobj import SoftmaxCrossEntropy, WeightedBrier

SETTINGS = {
    "n_estimators": 200,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 10,
    "random_state": 0,
    "n_jobs": 1,
    "verbose": -1,
}


def brier_score(y_true: np.ndarray, proba: np.ndarray, *, labels: np.ndarray) -> float:
    """Multiclass Brier score: sum over classes, mean over samples."""
    onehot = (np.asarray(y_true)[:, None] == labels[None, :]).astype(float)
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def models() -> dict:
    return {
        "LightGBM multiclass (built-in)": lgb.LGBMClassifier(**SETTINGS),
        # The Classifier scales Hessians as multiclass does (K / (K - 1)), so
        # this is the built-in's model, started from the class priors.
        "SoftmaxCrossEntropy()": bl.Classifier(objective=SoftmaxCrossEntropy(), **SETTINGS),
        "SoftmaxCrossEntropy(), engine_hessian=False": bl.Classifier(
            objective=SoftmaxCrossEntropy(), engine_hessian=False, **SETTINGS
        ),
        "WeightedBrier() (Gauss-Newton)": bl.Classifier(objective=WeightedBrier(), **SETTINGS),
        "WeightedBrier(), engine_hessian=False": bl.Classifier(
            objective=WeightedBrier(), engine_hessian=False, **SETTINGS
        ),
        "WeightedBrier(exact, min_hessian=0.01)": bl.Classifier(
            objective=WeightedBrier(hessian="exact", min_hessian=0.01), **SETTINGS
        ),
    }


def main() -> dict:
    x, y = load_digits(return_X_y=True)
    scoring = {
        "log_loss": "neg_log_loss",
        "brier": make_scorer(
            brier_score,
            greater_is_better=False,
            response_method="predict_proba",
            labels=np.unique(y),
        ),
        "accuracy": "accuracy",
    }
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    results = {}
    print(f"{'objective':44s} {'log-loss':>9s} {'Brier':>8s} {'accuracy':>9s}")
    for name, model in models().items():
        cv = cross_validate(model, x, y, cv=folds, scoring=scoring)
        row = {
            "log_loss": -float(np.mean(cv["test_log_loss"])),
            "brier": -float(np.mean(cv["test_brier"])),
            "accuracy": float(np.mean(cv["test_accuracy"])),
        }
        results[name] = row
        print(f"{name:44s} {row['log_loss']:9.4f} {row['brier']:8.4f} {row['accuracy']:9.4f}")

    # One fitted model: predict_proba gives probabilities, predict labels.
    model = bl.Classifier(objective=WeightedBrier(), **SETTINGS).fit(x[:1500], y[:1500])
    proba = model.predict_proba(x[1500:])
    results["example_proba_row_sums"] = proba.sum(axis=1)
    results["example_accuracy"] = float(np.mean(model.predict(x[1500:]) == y[1500:]))
    results["example_init_raw"] = model.init_raw_
    return results


if __name__ == "__main__":
    main()

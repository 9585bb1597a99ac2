"""boostobj with XGBoost's scikit-learn API: Classifier, model selection, saving.

``boostobj.xgboost.Classifier`` is an ``xgboost.XGBClassifier`` that trains
with a boostobj objective, starts from the class priors and reports the
objective as its evaluation metric. Runs in a few seconds::

    python examples/xgboost_sklearn.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, train_test_split

from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj.xgboost import Classifier, set_base_margin, sklearn_objective, stored_init_raw

# Light regularisation suits WeightedBrier (see the README's digits table).
SETTINGS = {
    "n_estimators": 150,
    "learning_rate": 0.1,
    "max_depth": 3,
    "min_child_weight": 0,
    "reg_lambda": 0.01,
    "n_jobs": 1,
}


def brier(y: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1)))


def main() -> dict:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    # Model selection over the objective itself, like any other parameter.
    search = GridSearchCV(
        Classifier(**SETTINGS),
        {"objective": [SoftmaxCrossEntropy(), WeightedBrier()]},
        cv=3,
        scoring="neg_log_loss",
    ).fit(X_train, y_train)
    clf = search.best_estimator_
    proba = clf.predict_proba(X_test)  # probabilities, priors included

    # save_model keeps the priors and the objective (as Booster attributes).
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digits.json"
        clf.save_model(path)
        loaded = Classifier()
        loaded.load_model(path)
        # A plain Booster needs the stored priors as base margin.
        booster = xgb.Booster(model_file=path)
        dtest = xgb.DMatrix(X_test)
        set_base_margin(dtest, stored_init_raw(booster))
        booster_proba = booster.predict(dtest)

    # Any XGBClassifier takes a boostobj objective too; it starts every class
    # at the same margin and its metrics would see raw margins.
    plain = xgb.XGBClassifier(objective=sklearn_objective(WeightedBrier()), **SETTINGS)
    plain.fit(X_train, y_train)
    plain_proba = plain.predict_proba(X_test)

    results = {
        "cv_log_loss": {
            repr(o): -float(score)
            for o, score in zip(
                search.cv_results_["param_objective"],
                search.cv_results_["mean_test_score"],
                strict=True,
            )
        },
        "best_objective": repr(clf.objective),
        "test_log_loss": log_loss(y_test, proba),
        "test_brier": brier(y_test, proba),
        "test_accuracy": accuracy_score(y_test, clf.predict(X_test)),
        "loaded_objective": repr(loaded.objective),
        "loaded_max_abs_diff": float(np.abs(loaded.predict_proba(X_test) - proba).max()),
        "booster_max_abs_diff": float(np.abs(booster_proba - proba).max()),
        "plain_test_brier": brier(y_test, plain_proba),
        "plain_test_accuracy": accuracy_score(y_test, plain.predict(X_test)),
    }
    for key, value in results.items():
        print(f"{key:22s} {value:.4g}" if isinstance(value, float) else f"{key:22s} {value}")
    return results


if __name__ == "__main__":
    main()

"""boostobj with XGBoost's native API: weights, class priors, early stopping.

Trains WeightedBrier on scikit-learn's digits with ``xgboost.train``, and the
built-in ``multi:softprob`` at the same settings for comparison. Runs in a few
seconds::

    python examples/xgboost_native.py
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from boostobj import WeightedBrier
from boostobj.xgboost import init_raw, metric, objective, set_base_margin

# Light regularisation suits WeightedBrier: min_child_weight and lambda are in
# Hessian units, and its Hessians are small (see the README's digits table).
# With so little of it, take multi:softprob's Hessian factor too
# (engine_hessian=True, as the Classifier does): without it, the steps of the
# default loss_scale="adaptive" grow too long as the fit sharpens.
PARAMS = {"max_depth": 3, "eta": 0.1, "min_child_weight": 0, "lambda": 0.01, "nthread": 1}


def brier(y: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1)))


def main() -> dict:
    X, y = load_digits(return_X_y=True)
    X_fit, X_test, y_fit, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_fit, y_fit, test_size=0.2, stratify=y_fit, random_state=0
    )
    # Sample weights go on the DMatrix; the objective reads and applies them.
    weight = np.where(y_train == 8, 2.0, 1.0)

    obj = WeightedBrier()
    dtrain = xgb.DMatrix(X_train, label=y_train, weight=weight)
    dvalid = xgb.DMatrix(X_valid, label=y_valid)
    dtest = xgb.DMatrix(X_test)
    # Start from the (weighted) class priors, as the built-in objective does.
    # The base margin must be on every DMatrix the model sees, test data included.
    start = init_raw(obj, dtrain, num_class=10)
    for d in (dtrain, dvalid, dtest):
        set_base_margin(d, start)

    history: dict = {}
    booster = xgb.train(
        # multi:softprob next to the custom objective makes predict() return
        # probabilities (num_class alone would make it return labels).
        {
            **PARAMS,
            "num_class": 10,
            "objective": "multi:softprob",
            "disable_default_eval_metric": True,
        },
        dtrain,
        num_boost_round=2000,
        obj=objective(obj, engine_hessian=True),
        custom_metric=metric(obj),  # early stopping on the weighted Brier score
        evals=[(dvalid, "valid")],
        early_stopping_rounds=20,
        evals_result=history,
        verbose_eval=False,
    )
    best = (0, booster.best_iteration + 1)
    proba = booster.predict(dtest, iteration_range=best)

    # The built-in objective at the same settings, early-stopped on its log-loss.
    builtin = xgb.train(
        {**PARAMS, "num_class": 10, "objective": "multi:softprob", "eval_metric": "mlogloss"},
        xgb.DMatrix(X_train, label=y_train, weight=weight),
        num_boost_round=2000,
        evals=[(xgb.DMatrix(X_valid, label=y_valid), "valid")],
        early_stopping_rounds=20,
        verbose_eval=False,
    )
    proba_builtin = builtin.predict(
        xgb.DMatrix(X_test), iteration_range=(0, builtin.best_iteration + 1)
    )

    results = {
        "rounds": len(history["valid"]["brier"]),
        "best_iteration": booster.best_iteration,
        "valid_brier_curve": history["valid"]["brier"],
        "start_proba": np.exp(start) / np.exp(start).sum(),
        "test_proba": proba,
        "test_brier": brier(y_test, proba),
        "test_log_loss": log_loss(y_test, proba),
        "test_accuracy": accuracy_score(y_test, proba.argmax(axis=1)),
        "builtin_best_iteration": builtin.best_iteration,
        "builtin_test_brier": brier(y_test, proba_builtin),
        "builtin_test_log_loss": log_loss(y_test, proba_builtin),
        "builtin_test_accuracy": accuracy_score(y_test, proba_builtin.argmax(axis=1)),
    }
    for key, value in results.items():
        if np.ndim(value) == 0:
            print(f"{key:24s} {value:.4f}" if isinstance(value, float) else f"{key:24s} {value}")
    return results


if __name__ == "__main__":
    main()

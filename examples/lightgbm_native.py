"""Weighted Brier score with LightGBM's native API, on scikit-learn's digits.

Trains with ``lgb.train`` from the class priors, stops early on the
validation Brier score, stores the priors in the model, saves it and
predicts probabilities from the reloaded file.

Run: ``python examples/lightgbm_native.py`` (a few seconds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import boostobj.lightgbm as bl
from boostobj import WeightedBrier


def main() -> dict:
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_train, y_train, test_size=0.25, random_state=0
    )
    k = 10
    obj = WeightedBrier()  # Gauss-Newton Hessian: never negative

    # Start from the class priors: LightGBM keeps them as the Datasets' init_score.
    start = obj.init_raw(y_train, n_classes=k)
    train = bl.attach_targets(lgb.Dataset(x_train, y_train), y_train, init_raw=start)
    valid = bl.attach_targets(
        lgb.Dataset(x_valid, y_valid, reference=train), y_valid, init_raw=start
    )
    params = {
        "objective": bl.objective(obj),
        "num_class": k,
        "metric": "None",  # LightGBM's metrics would read raw margins as probabilities
        "learning_rate": 0.1,
        "num_leaves": 15,
        "min_data_in_leaf": 10,
        "num_threads": 1,
        "verbose": -1,
    }
    history: dict = {}
    booster = lgb.train(
        params,
        train,
        num_boost_round=500,
        valid_sets=[valid],
        feval=bl.metric(obj),
        callbacks=[lgb.early_stopping(20, verbose=False), lgb.record_evaluation(history)],
    )
    # The model does not store init_score: add the priors to its first trees.
    bl.add_init_raw(booster, start)
    proba = obj.predict_proba(booster.predict(x_test, raw_score=True))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digits.txt"
        booster.save_model(path, num_iteration=booster.best_iteration)
        reloaded = lgb.Booster(model_file=path)
    # A reloaded model needs nothing but the objective's softmax.
    proba_reloaded = obj.predict_proba(reloaded.predict(x_test, raw_score=True))

    onehot = np.eye(k)[y_test]
    results = {
        "best_iteration": booster.best_iteration,
        "valid_brier_at_best": history["valid_0"]["brier"][booster.best_iteration - 1],
        "test_brier": float(np.mean(np.sum((proba - onehot) ** 2, axis=1))),
        "test_accuracy": float(np.mean(proba.argmax(axis=1) == y_test)),
        "reloaded_max_abs_diff": float(np.abs(proba_reloaded - proba).max()),
    }
    for name, value in results.items():
        print(f"{name:24s} {value:.6g}")
    return results


if __name__ == "__main__":
    main()

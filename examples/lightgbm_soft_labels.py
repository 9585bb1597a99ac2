"""Soft labels with LightGBM: distilling a teacher's probabilities, on digits.

A LightGBM Dataset holds 1-D labels only. ``boostobj.lightgbm.attach_targets``
attaches (n, K) soft labels to the training and validation Datasets; the
objective and the metric read them from there, validated once and never
copied. The student trains on a mix of one-hot labels and the out-of-fold
probabilities of a logistic-regression teacher, stops early on the
validation loss against soft labels, and is compared with the same
LightGBM model trained on the hard labels.

Run: ``python examples/lightgbm_soft_labels.py`` (a few seconds).
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import boostobj.lightgbm as bl
from boostobj import SoftmaxCrossEntropy

K = 10
PARAMS = {
    "num_class": K,
    "metric": "None",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 10,
    "num_threads": 1,
    "verbose": -1,
}


def teacher_probabilities(x_train, y_train, x_valid):
    """Out-of-fold probabilities on the training rows, fitted ones on the validation rows."""
    teacher = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    train = cross_val_predict(teacher, x_train, y_train, cv=5, method="predict_proba")
    valid = teacher.fit(x_train, y_train).predict_proba(x_valid)
    return train, valid


def fit(obj, x_train, labels_train, x_valid, labels_valid):
    """Train from the priors with early stopping; labels are (n,) or (n, K)."""
    start = obj.init_raw(labels_train, n_classes=K)
    train = bl.attach_targets(lgb.Dataset(x_train), labels_train, init_raw=start)
    valid = bl.attach_targets(lgb.Dataset(x_valid, reference=train), labels_valid, init_raw=start)
    history: dict = {}
    booster = lgb.train(
        {**PARAMS, "objective": bl.objective(obj)},
        train,
        num_boost_round=1000,
        valid_sets=[valid],
        feval=bl.metric(obj),
        callbacks=[lgb.early_stopping(20, verbose=False), lgb.record_evaluation(history)],
    )
    bl.add_init_raw(booster, start)
    return booster, history["valid_0"][obj.name]


def main() -> dict:
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=1, stratify=y
    )
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_train, y_train, test_size=0.25, random_state=1, stratify=y_train
    )
    teacher_train, teacher_valid = teacher_probabilities(x_train, y_train, x_valid)
    soft_train = 0.5 * np.eye(K)[y_train] + 0.5 * teacher_train
    soft_valid = 0.5 * np.eye(K)[y_valid] + 0.5 * teacher_valid

    obj = SoftmaxCrossEntropy()
    student, curve = fit(obj, x_train, soft_train, x_valid, soft_valid)
    baseline, _ = fit(obj, x_train, y_train, x_valid, y_valid)

    def test_scores(booster):
        margins = booster.predict(x_test, raw_score=True)
        proba = obj.predict_proba(margins)
        return float(obj.loss(y_test, margins).mean()), float(np.mean(proba.argmax(1) == y_test))

    soft_loss, soft_acc = test_scores(student)
    hard_loss, hard_acc = test_scores(baseline)
    margins_valid = student.predict(x_valid, raw_score=True)
    results = {
        "best_iteration": student.best_iteration,
        "valid_soft_loss_at_best": curve[student.best_iteration - 1],
        "valid_soft_loss_recomputed": float(obj.loss(soft_valid, margins_valid).mean()),
        "test_log_loss_soft_labels": soft_loss,
        "test_log_loss_hard_labels": hard_loss,
        "test_accuracy_soft_labels": soft_acc,
        "test_accuracy_hard_labels": hard_acc,
    }
    for name, value in results.items():
        print(f"{name:28s} {value:.6g}")
    return results


if __name__ == "__main__":
    main()

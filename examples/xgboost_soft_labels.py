"""Soft labels with XGBoost's native API: distilling a teacher into boosted trees.

A logistic-regression teacher labels the data with class probabilities; the
student, a boosted-tree model, trains on those (n, K) soft labels with
SoftmaxCrossEntropy, a validation set of soft labels and early stopping on the
objective. For comparison the same student is also trained on the hard labels.
The soft-label student reproduces the teacher's probabilities more closely
(smaller KL divergence from the teacher on test data); on the true labels its
log-loss follows the teacher's. Runs in a few seconds::

    python examples/xgboost_soft_labels.py

XGBoost trains one output per column of a 2-D label when ``num_class`` is
not set (with ``num_class`` it refuses 2-D labels); ``predict`` then returns
raw margins, which ``obj.predict_proba`` turns into probabilities.
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from boostobj import SoftmaxCrossEntropy
from boostobj.xgboost import init_raw, metric, objective, set_base_margin

# disable_default_eval_metric: XGBoost's own metric would be an RMSE of margins.
PARAMS = {"max_depth": 3, "eta": 0.1, "nthread": 1, "disable_default_eval_metric": True}


def train_student(obj, X_train, labels_train, X_valid, labels_valid, X_test, num_class=None):
    """Early-stopped boosted trees on hard (n,) or soft (n, K) labels; test margins."""
    dtrain = xgb.DMatrix(X_train, label=labels_train)
    dvalid = xgb.DMatrix(X_valid, label=labels_valid)
    dtest = xgb.DMatrix(X_test)
    start = init_raw(obj, dtrain, num_class=num_class)
    for d in (dtrain, dvalid, dtest):
        set_base_margin(d, start)
    params = PARAMS if num_class is None else {**PARAMS, "num_class": num_class}
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=1000,
        obj=objective(obj),
        custom_metric=metric(obj),
        evals=[(dvalid, "valid")],
        # Distillation's validation loss keeps creeping down by tiny amounts
        # as the student nears the teacher: stop when 20 rounds gain < 1e-4.
        callbacks=[xgb.callback.EarlyStopping(rounds=20, min_delta=1e-4)],
        verbose_eval=False,
    )
    margins = booster.predict(
        dtest, output_margin=True, iteration_range=(0, booster.best_iteration + 1)
    )
    return booster, margins


def main() -> dict:
    X, y = load_digits(return_X_y=True)
    X_fit, X_test, y_fit, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_fit, y_fit, test_size=0.2, stratify=y_fit, random_state=0
    )
    teacher = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    # Out-of-fold probabilities: the teacher never labels rows it was fitted on.
    soft_train = cross_val_predict(teacher, X_train, y_train, cv=5, method="predict_proba")
    teacher.fit(X_train, y_train)
    soft_valid, soft_test = teacher.predict_proba(X_valid), teacher.predict_proba(X_test)

    obj = SoftmaxCrossEntropy()
    soft, margins_soft = train_student(obj, X_train, soft_train, X_valid, soft_valid, X_test)
    hard, margins_hard = train_student(
        obj, X_train, y_train, X_valid, y_valid, X_test, num_class=10
    )
    proba_soft, proba_hard = obj.predict_proba(margins_soft), obj.predict_proba(margins_hard)

    # Fidelity to the teacher: the objective's mean loss against its test
    # probabilities, less their entropy, is KL(teacher || student).
    to_teacher = metric(obj)
    d_teacher = xgb.DMatrix(X_test, label=soft_test)
    entropy = float(-(soft_test * np.log(soft_test)).sum(axis=1).mean())
    results = {
        "soft_label_shape": soft_train.shape,
        "soft_rounds": soft.num_boosted_rounds(),
        "soft_best_iteration": soft.best_iteration,
        "soft_test_proba": proba_soft,
        "soft_kl_from_teacher": to_teacher(margins_soft, d_teacher)[1] - entropy,
        "soft_test_log_loss": log_loss(y_test, proba_soft),
        "soft_test_accuracy": accuracy_score(y_test, proba_soft.argmax(axis=1)),
        "hard_best_iteration": hard.best_iteration,
        "hard_kl_from_teacher": to_teacher(margins_hard, d_teacher)[1] - entropy,
        "hard_test_log_loss": log_loss(y_test, proba_hard),
        "hard_test_accuracy": accuracy_score(y_test, proba_hard.argmax(axis=1)),
        "teacher_test_log_loss": log_loss(y_test, soft_test),
        "teacher_test_accuracy": accuracy_score(y_test, soft_test.argmax(axis=1)),
    }
    for key, value in results.items():
        if not isinstance(value, np.ndarray):
            print(f"{key:22s} {value:.4f}" if isinstance(value, float) else f"{key:22s} {value}")
    return results


if __name__ == "__main__":
    main()

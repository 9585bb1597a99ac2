"""boostobj on Dask: xgboost.dask and lightgbm.dask with weights and class priors.

Trains on scikit-learn's digits, split into dask array partitions, with

- ``xgboost.dask.train`` and ``WeightedBrier`` (native API),
- ``xgboost.dask.DaskXGBClassifier`` and ``SoftmaxCrossEntropy``,
- ``lightgbm.dask.DaskLGBMClassifier`` and ``SoftmaxCrossEntropy``,

each with sample weights (digit 8 counts double) and starting from the
weighted class priors, and prints each model's held-out log-loss next to the
same model trained on one machine. The objective runs on the workers, each
on its own partitions.

Without arguments it starts a local cluster (2 workers x 1 thread, on
127.0.0.1); give a scheduler address to run the same code on a real cluster::

    python examples/dask_training.py
    python examples/dask_training.py tcp://scheduler-host:8786
"""

from __future__ import annotations

import sys

import dask.array as da
import lightgbm.dask as lgb_dask
import numpy as np
import xgboost as xgb
import xgboost.dask as xgb_dask
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import SoftmaxCrossEntropy, WeightedBrier

K = 10
ROUNDS = 200
# XGBoost's default regularisation (min_child_weight=1, reg_lambda=1).
XGB_PARAMS = {"max_depth": 3, "learning_rate": 0.1}
LGB_PARAMS = {"n_estimators": ROUNDS, "learning_rate": 0.1, "num_leaves": 15, "verbose": -1}


def run(client: Client) -> dict:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y.astype(np.float64), test_size=0.3, stratify=y, random_state=0
    )
    w_train = np.where(y_train == 8, 2.0, 1.0)
    # On a real cluster the data would be read by the workers (dask.dataframe
    # read_parquet, ...); here 4 partitions of an in-memory array.
    chunks = -(-len(y_train) // 4)
    Xd = da.from_array(X_train, chunks=(chunks, -1))
    yd = da.from_array(y_train, chunks=chunks)
    wd = da.from_array(w_train, chunks=chunks)
    Xtd = da.from_array(X_test, chunks=(chunks, -1))
    results: dict = {"n_workers": len(client.scheduler_info()["workers"]), "log_loss": {}}

    # 1. xgboost.dask.train: the priors go in as a base_margin collection on
    # every DaskDMatrix, training and prediction alike.
    # WeightedBrier's default loss_scale="adaptive" is summed over all the
    # workers' rows every round by the adapter; dask_pin_loss_scale returns
    # it as it is, and fixes loss_scale="prior" on all the training labels
    # (each worker would otherwise take that from its own partitions).
    brier = bx.dask_pin_loss_scale(WeightedBrier(), yd, wd, num_class=K)
    start = bx.dask_init_raw(brier, yd, wd, num_class=K)
    params = {
        "num_class": K,
        "objective": "multi:softprob",  # so that predict returns probabilities
        "disable_default_eval_metric": True,
        "nthread": 1,
        **XGB_PARAMS,
    }
    dtrain = xgb_dask.DaskDMatrix(
        client, Xd, yd, weight=wd, base_margin=bx.dask_base_margin(start, Xd)
    )
    # engine_hessian=True: multi:softprob's Hessian factor, as the Classifier applies it.
    run = bx.objective(brier, engine_hessian=True)
    out = xgb_dask.train(client, params, dtrain, ROUNDS, obj=run)
    dtest = xgb_dask.DaskDMatrix(client, Xtd, base_margin=bx.dask_base_margin(start, Xtd))
    proba = xgb_dask.predict(client, out["booster"], dtest).compute()
    single_train = xgb.DMatrix(X_train, label=y_train, weight=w_train)
    bx.set_base_margin(single_train, start)
    single_test = xgb.DMatrix(X_test)
    bx.set_base_margin(single_test, start)
    single = xgb.train(params, single_train, ROUNDS, obj=run).predict(single_test)
    results["log_loss"]["xgboost.dask.train WeightedBrier"] = (
        log_loss(y_test, proba),
        log_loss(y_test, single),
    )

    # 2. DaskXGBClassifier: sample_weight and base_margin in fit, base_margin
    # again in predict_proba.
    xent = SoftmaxCrossEntropy()
    start = bx.dask_init_raw(xent, yd, wd, num_class=K)
    clf = xgb_dask.DaskXGBClassifier(
        objective=bx.sklearn_objective(xent, engine_hessian=True),
        n_estimators=ROUNDS,
        nthread=1,
        **XGB_PARAMS,
    )
    clf.client = client
    clf.fit(Xd, yd, sample_weight=wd, base_margin=bx.dask_base_margin(start, Xd))
    proba = clf.predict_proba(Xtd, base_margin=bx.dask_base_margin(start, Xtd)).compute()
    local = bx.Classifier(objective=xent, n_estimators=ROUNDS, nthread=1, **XGB_PARAMS)
    local.fit(X_train, y_train, sample_weight=w_train)
    results["log_loss"]["xgboost DaskXGBClassifier SoftmaxCrossEntropy"] = (
        log_loss(y_test, proba),
        log_loss(y_test, local.predict_proba(X_test)),
    )

    # 3. DaskLGBMClassifier: the priors as init_score, then stored in the
    # model's first trees; probabilities from the raw scores.
    start = bl.dask_init_raw(xent, yd, wd, n_classes=K)
    model = lgb_dask.DaskLGBMClassifier(
        client=client,
        objective=bl.sklearn_objective(xent, engine_hessian=True),
        metric="None",
        **LGB_PARAMS,
    )
    model.fit(Xd, yd, sample_weight=wd, init_score=bl.dask_init_score(start, Xd))
    bl.add_init_raw(model.booster_, start)
    proba = bl.dask_predict_proba(xent, model.predict(Xtd, raw_score=True)).compute()
    local = bl.Classifier(objective=xent, num_threads=1, **LGB_PARAMS)
    local.fit(X_train, y_train, sample_weight=w_train)
    results["log_loss"]["lightgbm DaskLGBMClassifier SoftmaxCrossEntropy"] = (
        log_loss(y_test, proba),
        log_loss(y_test, local.predict_proba(X_test)),
    )

    # The priors alone, for scale.
    prior = np.tile(xent.predict_proba(start[None, :]), (len(y_test), 1))
    results["prior_log_loss"] = log_loss(y_test, prior)
    print(f"{'held-out log-loss':50s} {'Dask':>8s} {'1 machine':>10s}")
    for key, (distributed, one) in results["log_loss"].items():
        print(f"{key:50s} {distributed:8.4f} {one:10.4f}")
    print(f"{'class priors only':50s} {results['prior_log_loss']:8.4f}")
    return results


def main(address: str | None = None) -> dict:
    if address is not None:
        with Client(address) as client:
            return run(client)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        return run(client)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)

"""Cost of the per-round checks that keep the adapters' cached targets honest.

Run: python benchmarks/bench_lifecycle_checks.py [--n 1000000] [--k 10] [--repeats 9]

Every round, the XGBoost callables compare the DMatrix's label and weight
with the validated targets (XGBoost hands out copies and keeps no version
number), and the LightGBM callables check that the Dataset still returns the
label and weight arrays its targets were bound to. This script times, side
by side in one process, for class ids with weights and for soft labels:

- the check alone,
- one call of the objective (the check included),
- one boosting round of each engine with the objective (hist, one thread,
  depth 6 trees on 4 features, so the trees take the least time they can).

and prints medians and the check's share of each.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    import lightgbm as lgb
    import xgboost as xgb

    import boostobj.lightgbm as bl
    import boostobj.xgboost as bx
    from boostobj import SoftmaxCrossEntropy
    from boostobj.lightgbm._targets import _dataset_targets
    from boostobj.xgboost._targets import _changed

    n, k, repeats = args.n, args.k, args.repeats
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    weight = rng.uniform(0.5, 2.0, n)
    obj = SoftmaxCrossEntropy(n_threads=1)
    print(f"n = {n}, K = {k}, medians of {repeats} (ms); objective on 1 thread, numba if installed")
    print(f"{'engine':9} {'labels':10} {'check':>8} {'call':>8} {'round':>9} {'check/call':>11}")
    for labels in ("class ids", "soft"):
        y = rng.dirichlet(np.ones(k), n) if labels == "soft" else rng.integers(0, k, n)

        # XGBoost: value comparison of label and weight.
        dmat = xgb.DMatrix(x, label=y, weight=weight, nthread=1)
        f = bx.objective(obj)
        raw = np.zeros((n, k), dtype=np.float32)
        f(raw, dmat)
        targets = f._targets[dmat]
        check = median_seconds(lambda: _changed(dmat, targets), repeats)  # noqa: B023
        call = median_seconds(lambda: f(raw, dmat), repeats)  # noqa: B023
        params = {"tree_method": "hist", "max_depth": 6, "nthread": 1}
        if labels != "soft":
            params["num_class"] = k
        booster = xgb.train(params, dmat, 1, obj=f)
        round_s = median_seconds(lambda: booster.update(dmat, 1, fobj=f), max(3, repeats // 3))  # noqa: B023
        print(
            f"{'XGBoost':9} {labels:10} {1e3 * check:8.2f} {1e3 * call:8.1f} "
            f"{1e3 * round_s:9.0f} {check / call:11.1%}"
        )

        # LightGBM: identity checks of the Dataset's label and weight.
        if labels == "soft":
            data = bl.attach_targets(lgb.Dataset(x, weight=weight), y).construct()
        else:
            data = lgb.Dataset(x, y, weight=weight).construct()
        g = bl.objective(obj)
        preds = np.zeros((n, k), order="F")
        g(preds, data)
        check = median_seconds(lambda: _dataset_targets(data, "training"), repeats)  # noqa: B023
        call = median_seconds(lambda: g(preds, data), repeats)  # noqa: B023
        lparams = {
            "objective": g,
            "num_class": k,
            "num_threads": 1,
            "verbose": -1,
            "max_depth": 6,
            "num_leaves": 63,
        }
        booster = lgb.train(lparams, data, 1, keep_training_booster=True)
        round_s = median_seconds(lambda: booster.update(fobj=g), max(3, repeats // 3))  # noqa: B023
        print(
            f"{'LightGBM':9} {labels:10} {1e3 * check:8.3f} {1e3 * call:8.1f} "
            f"{1e3 * round_s:9.0f} {check / call:11.2%}"
        )


if __name__ == "__main__":
    main()

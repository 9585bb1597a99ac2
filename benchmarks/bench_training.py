"""End-to-end training time: boostobj objective vs the engine's built-in one.

Run: python benchmarks/bench_training.py [--n 200000] [--features 50] [--k 10]
                                          [--rounds 50] [--repeats 3] [--threads 2]

Both engines train with the histogram method on the same synthetic data, once
with their compiled softmax objective and once with SoftmaxCrossEntropy
scaled to the engine's convention (the same model), interleaved, and the
table reports median seconds, their ratio, and the seconds spent inside the
boostobj objective itself. The objective runs on as many threads as the
engine (``n_threads``), with the default backend (numba when installed).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import boostobj
from boostobj import SoftmaxCrossEntropy


class Timed:
    """Wrap an engine objective callable and add up the time spent in it."""

    def __init__(self, fn):
        self.fn = fn
        self.seconds = 0.0

    def __call__(self, *args):
        t0 = time.perf_counter()
        out = self.fn(*args)
        self.seconds += time.perf_counter() - t0
        return out

    def __deepcopy__(self, memo):  # lightgbm copies params; keep the counter shared
        return self


def make_data(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logits = X[:, :k] * 2.0 + 0.5 * X[:, k : 2 * k] * X[:, :k]
    y = (logits + rng.gumbel(size=(n, k))).argmax(axis=1)
    return X, y


def xgboost_runs(X, y, k, rounds, threads):
    import xgboost as xgb

    import boostobj.xgboost as bx

    dtrain = xgb.DMatrix(X, label=y, nthread=threads)
    base = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads}
    base["num_class"] = k
    # The built-in objective estimates a starting score; start both from 0.
    base["base_score"] = 0.5

    def builtin():
        xgb.train(
            {**base, "objective": "multi:softprob", "eval_metric": "mlogloss"}, dtrain, rounds
        )
        return 0.0

    def custom():
        xent = SoftmaxCrossEntropy(hessian_scale=2.0, min_hessian=1e-16, n_threads=threads)
        timed = Timed(bx.objective(xent))
        params = {**base, "objective": "multi:softprob", "disable_default_eval_metric": 1}
        xgb.train(params, dtrain, rounds, obj=timed)
        return timed.seconds

    return builtin, custom


def lightgbm_runs(X, y, k, rounds, threads):
    import lightgbm as lgb

    import boostobj.lightgbm as bl

    base = {
        "num_class": k,
        "num_threads": threads,
        "verbose": -1,
        "metric": "None",
        "learning_rate": 0.1,
        "num_leaves": 31,
        "boost_from_average": False,
    }
    dtrain = lgb.Dataset(X, label=y, params={"verbose": -1}).construct()

    def builtin():
        lgb.train({**base, "objective": "multiclass"}, dtrain, rounds)
        return 0.0

    def custom():
        timed = Timed(
            bl.objective(SoftmaxCrossEntropy(hessian_scale=k / (k - 1), n_threads=threads))
        )
        lgb.train({**base, "objective": timed}, dtrain, rounds)
        return timed.seconds

    return builtin, custom


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--engines", default="xgboost,lightgbm")
    args = parser.parse_args(argv)
    X, y = make_data(args.n, args.features, args.k)
    import lightgbm
    import xgboost

    print(
        f"n={args.n} features={args.features} K={args.k} rounds={args.rounds} "
        f"threads={args.threads} repeats={args.repeats} (medians of interleaved runs)"
    )
    print(
        f"numpy {np.__version__}, xgboost {xgboost.__version__}, lightgbm {lightgbm.__version__}, "
        f"boostobj {boostobj.__version__}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical cores, objective backend "
        f"{SoftmaxCrossEntropy().active_backend}"
    )
    header = ("engine", "built-in s", "boostobj s", "ratio", "in objective s")
    print("{:9s} {:>11s} {:>11s} {:>7s} {:>15s}".format(*header))
    for engine in args.engines.split(","):
        runs = {"xgboost": xgboost_runs, "lightgbm": lightgbm_runs}[engine]
        builtin, custom = runs(X, y, args.k, args.rounds, args.threads)
        t_builtin, t_custom, t_inside = [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            builtin()
            t_builtin.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            t_inside.append(custom())
            t_custom.append(time.perf_counter() - t0)
        b, c = statistics.median(t_builtin), statistics.median(t_custom)
        print(f"{engine:9s} {b:11.2f} {c:11.2f} {c / b:6.3f}x {statistics.median(t_inside):15.2f}")


if __name__ == "__main__":
    main()

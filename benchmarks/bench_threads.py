"""When does a second objective thread pay, inside an engine's training loop?

Run: python benchmarks/bench_threads.py [--k 10] [--rounds 16] [--threads N]

An engine calls the objective right after one of its OpenMP parallel regions,
whose worker threads keep spinning on the cores for a while before they
sleep, so the objective's own threads compete with them. This measures that
situation as it is: each engine trains with a custom objective that times its
``grad_hess`` call, alternating round by round between 1 thread and
``--threads`` threads (forced, whatever the work size), over growing n. The
table reports the median time per call and the ratio; boostobj starts a
second thread only from ``MIN_THREAD_BYTES`` of margins per thread (the
"chosen" column; XGBoost passes float32 margins, LightGBM float64), which
should sit where the ratio drops clearly below 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import boostobj._blocks as blocks
from boostobj import SoftmaxCrossEntropy


def make_data(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X[:, :k] * 2.0 + rng.gumbel(size=(n, k))).argmax(axis=1)
    return X, y


class Alternating:
    """grad_hess on 1 and on ``threads`` threads in turn, timing each call."""

    def __init__(self, threads, hessian_scale):
        self.counts = (1, threads)
        self.obj = SoftmaxCrossEntropy(hessian_scale=hessian_scale)
        self.times = {1: [], threads: []}
        self.calls = 0

    def __call__(self, labels, raw):
        n_threads = self.counts[self.calls % 2]
        self.calls += 1
        t0 = time.perf_counter()
        out = self.obj.grad_hess(labels, raw, n_threads=n_threads)
        self.times[n_threads].append(time.perf_counter() - t0)
        return out

    def __deepcopy__(self, memo):  # lightgbm copies its params
        return self


def run_xgboost(X, y, k, rounds, threads):
    import xgboost as xgb

    dtrain = xgb.DMatrix(X, label=y, nthread=threads)
    timer = Alternating(threads, hessian_scale=2.0)
    labels = y.astype(np.intp)

    def obj(predt, dmatrix):
        g, h = timer(labels, predt.reshape(-1, k))
        return g.astype(np.float32), h.astype(np.float32)

    params = {"tree_method": "hist", "max_depth": 4, "num_class": k, "nthread": threads}
    params.update(objective="multi:softprob", disable_default_eval_metric=1, base_score=0.5)
    xgb.train(params, dtrain, rounds, obj=obj)
    return timer


def run_lightgbm(X, y, k, rounds, threads):
    import lightgbm as lgb

    timer = Alternating(threads, hessian_scale=k / (k - 1))
    labels = y.astype(np.intp)

    def obj(raw, dataset):
        g, h = timer(labels, raw)
        return g, h

    params = {"objective": obj, "num_class": k, "num_threads": threads, "verbose": -1}
    params.update(num_leaves=15, metric="None", boost_from_average=False)
    lgb.train(params, lgb.Dataset(X, label=y, params={"verbose": -1}), rounds)
    return timer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--n",
        type=int,
        nargs="+",
        default=[5_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000],
    )
    parser.add_argument("--engines", default="xgboost,lightgbm")
    args = parser.parse_args(argv)
    chosen_at = blocks.MIN_THREAD_BYTES
    blocks.MIN_THREAD_BYTES = 1  # force the thread count under test
    print(
        f"K={args.k} rounds={args.rounds} threads={args.threads}; medians per call; "
        f"boostobj's threshold: {chosen_at >> 20} MiB of margins per thread"
    )
    head = ("engine", "n", "elements", "1 thread ms", f"{args.threads} threads ms", "ratio")
    print("{:9s} {:>8s} {:>9s} {:>12s} {:>13s} {:>7s} {:>7s}".format(*head, "chosen"))
    for engine in args.engines.split(","):
        run = {"xgboost": run_xgboost, "lightgbm": run_lightgbm}[engine]
        for n in args.n:
            X, y = make_data(n, args.features, args.k)
            timer = run(X, y, args.k, args.rounds, args.threads)
            one = statistics.median(timer.times[1][1:])  # the first call compiles
            many = statistics.median(timer.times[args.threads][1:])
            itemsize = 4 if engine == "xgboost" else 8  # the margins each engine passes
            chosen = max(1, min(args.threads, n * args.k * itemsize // chosen_at))
            print(
                f"{engine:9s} {n:8d} {n * args.k:9d} {1e3 * one:12.2f} {1e3 * many:13.2f} "
                f"{many / one:6.2f}x {chosen:7d}"
            )


if __name__ == "__main__":
    main()

"""Training time on every adapter path: boostobj's objective vs the engine's built-in one.

Run: python benchmarks/bench_training.py [--n 40000] [--features 20] [--k 5]
        [--rounds 120] [--repeats 3] [--threads default 1 2 all]
        [--paths native sklearn classifier dask] [--engines xgboost lightgbm]

For each engine, path and thread setting the same model is trained twice,
interleaved: once with the engine's compiled softmax objective and once with
``SoftmaxCrossEntropy`` scaled to the engine's convention (``hessian_scale``
2 in XGBoost, K / (K - 1) in LightGBM; the ``Classifier`` s apply that factor
themselves, ``engine_hessian=True``), from the same start, so the trees are
the same up to ties that rounding tips (``tests/test_bench_training.py``).
Paths:

- ``native``: ``xgboost.train`` / ``lightgbm.train`` with ``objective(obj)``;
- ``sklearn``: a plain ``XGBClassifier`` / ``LGBMClassifier`` with
  ``sklearn_objective(obj)``, which starts from 0 (the built-in there too:
  ``base_score=0.5``, ``boost_from_average=False``);
- ``classifier``: boostobj's ``Classifier`` against the engine's own
  classifier (both start from the class priors);
- ``dask``: the engine's Dask front end (``xgboost.dask.train``,
  ``lightgbm.dask.DaskLGBMClassifier``) on a one-worker LocalCluster whose
  worker has the thread count under test.

Thread settings: ``default`` sets nothing (each engine then uses every core,
boostobj's Classifier follows the engine, the objective of the other paths
keeps its default of one thread); a number or ``all`` sets the engine's
``nthread`` / ``n_jobs`` and, on the native and sklearn paths, the
objective's ``n_threads`` to it, as the README advises. The table reports
medians of the interleaved runs, their ratio (boostobj / built-in) and the
seconds spent inside boostobj's ``grad_hess``. On the native and Dask
paths a third run replays the gradients boostobj's run returned, round by round: the same
trees, with no gradient computed at all, so its ratio is the least any
custom objective can cost in that engine: predicting margins every round
and taking gradients back from Python, where the built-in computes its
gradients inside the engine, on the engine's threads. On the Dask paths the
replay records and replays on the worker (``WorkerRecording``): the same
floor, for the engine's Dask front end.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import platform
import statistics
import time

import numpy as np

import boostobj
from boostobj import SoftmaxCrossEntropy


class TimedCrossEntropy(SoftmaxCrossEntropy):
    """SoftmaxCrossEntropy adding up the seconds its grad_hess takes (in this process)."""

    seconds = 0.0

    def grad_hess(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return super().grad_hess(*args, **kwargs)
        finally:
            TimedCrossEntropy.seconds += time.perf_counter() - t0


class Recorded:
    """An engine objective callable that keeps what it returned while ``recording``."""

    def __init__(self, fn):
        self.fn = fn
        self.outputs = []
        self.recording = False

    def __call__(self, *args):
        out = self.fn(*args)
        if self.recording:
            self.outputs.append(out)
        return out

    def __deepcopy__(self, memo):  # lightgbm copies its params
        return self


class Replay:
    """Returns a recorded run's gradients round by round: the same trees as that
    run, at no cost for the gradients themselves (the engine's floor for any
    custom objective)."""

    def __init__(self, recorded):
        self.recorded = recorded
        self.round = 0

    def __call__(self, *args):
        out = self.recorded.outputs[self.round % len(self.recorded.outputs)]
        self.round += 1
        return out

    def __deepcopy__(self, memo):
        return self


class WorkerRecording:
    """Record and replay on a Dask worker, for an objective that runs there.

    The objective callables travel to the worker pickled, once per fit, so
    what they record is kept in the ``distributed.Worker`` object of the
    worker (one worker here), copied: boostobj may hand the same buffers out
    again once the engine has let go of them.
    """

    def __init__(self, client):
        self.client = client

    @property
    def recording(self):
        return self.client.run(lambda dask_worker: dask_worker.__dict__.get("bench_on", False))

    @recording.setter
    def recording(self, on):
        def switch(dask_worker):
            if on:
                dask_worker.bench_outputs = []
            dask_worker.bench_on = on

        self.client.run(switch)

    def record(self, fn):
        return _WorkerRecorded(fn)

    @staticmethod
    def replay(recorded):
        return _WorkerReplay(recorded.__signature__)


class _WorkerRecorded:
    def __init__(self, fn):
        self.fn = fn
        # LightGBM's scikit-learn wrapper counts the objective's arguments.
        self.__signature__ = inspect.signature(fn)

    def __call__(self, *args):
        from distributed import get_worker

        out = self.fn(*args)
        worker = get_worker()
        if worker.__dict__.get("bench_on", False):
            worker.bench_outputs.append(tuple(np.array(a, copy=True) for a in out))
        return out


class _WorkerReplay:
    def __init__(self, signature):
        self.round = 0
        self.__signature__ = signature

    def __call__(self, *args):
        from distributed import get_worker

        outputs = get_worker().bench_outputs
        out = outputs[self.round % len(outputs)]
        self.round += 1
        return out


def make_data(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logits = X[:, :k] * 2.0 + 0.5 * X[:, k : 2 * k] * X[:, :k]
    y = (logits + rng.gumbel(size=(n, k))).argmax(axis=1)
    return X, y


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def thread_params(setting):
    """(engine threads or None for the default, objective n_threads or None)."""
    if setting == "default":
        return None, None
    threads = cores() if setting == "all" else int(setting)
    return threads, threads


def xgboost_path(path, X, y, k, rounds, setting, client=None):
    import xgboost as xgb

    import boostobj.xgboost as bx

    threads, obj_threads = thread_params(setting)
    xent = TimedCrossEntropy(hessian_scale=2.0 if k > 2 else 1.0, n_threads=obj_threads)
    est = {"n_estimators": rounds, "tree_method": "hist", "max_depth": 6}
    if threads is not None:
        est["n_jobs"] = threads
    if path == "native":
        params = {"tree_method": "hist", "max_depth": 6, "num_class": k, "base_score": 0.5}
        if threads is not None:
            params["nthread"] = threads
        dtrain = xgb.DMatrix(X, label=y, nthread=threads or -1)
        softprob = {**params, "objective": "multi:softprob"}
        custom = {**softprob, "disable_default_eval_metric": 1}
        recorded = Recorded(bx.objective(xent))
        return (
            lambda: xgb.train({**softprob, "eval_metric": "mlogloss"}, dtrain, rounds),
            lambda: xgb.train(custom, dtrain, rounds, obj=recorded),
            lambda: xgb.train(custom, dtrain, rounds, obj=Replay(recorded)),
            recorded,
        )
    if path == "sklearn":
        # A plain XGBClassifier with a custom objective starts every class at
        # base_score; the built-in one estimates it: give both the same start.
        est["base_score"] = 0.5
        return (
            lambda: xgb.XGBClassifier(**est).fit(X, y),
            lambda: xgb.XGBClassifier(objective=bx.sklearn_objective(xent), **est).fit(X, y),
        )
    if path == "classifier":
        xent.n_threads = None  # the Classifier follows the engine's threads
        # ... and applies the engine's Hessian factor itself (engine_hessian=True).
        xent.hessian_scale = 1.0
        # The built-in XGBClassifier estimates its own start; give it the
        # class priors the Classifier starts from.
        priors = np.tile(SoftmaxCrossEntropy().init_raw(y, n_classes=k), (len(y), 1))
        return (
            lambda: xgb.XGBClassifier(**est).fit(X, y, base_margin=priors),
            lambda: bx.Classifier(objective=xent, **est).fit(X, y),
        )
    import dask.array as da
    import xgboost.dask as xgb_dask

    Xd = da.from_array(X, chunks=(X.shape[0] // 2, X.shape[1]))
    yd = da.from_array(y, chunks=X.shape[0] // 2)
    params = {"tree_method": "hist", "max_depth": 6, "num_class": k, "base_score": 0.5}
    params.update(objective="multi:softprob", verbosity=0)
    if threads is not None:
        params["nthread"] = threads
    dtrain = xgb_dask.DaskDMatrix(client, Xd, yd)
    custom = {**params, "disable_default_eval_metric": 1}
    on_worker = WorkerRecording(client)
    recorded = on_worker.record(bx.objective(xent))
    return (
        lambda: xgb_dask.train(client, {**params, "eval_metric": "mlogloss"}, dtrain, rounds),
        lambda: xgb_dask.train(client, custom, dtrain, rounds, obj=recorded),
        lambda: xgb_dask.train(client, custom, dtrain, rounds, obj=on_worker.replay(recorded)),
        on_worker,
    )


def lightgbm_path(path, X, y, k, rounds, setting, client=None):
    import lightgbm as lgb

    import boostobj.lightgbm as bl

    threads, obj_threads = thread_params(setting)
    xent = TimedCrossEntropy(hessian_scale=k / (k - 1) if k > 2 else 1.0, n_threads=obj_threads)
    est = {"n_estimators": rounds, "verbose": -1}
    if threads is not None:
        est["n_jobs"] = threads
    if path == "native":
        base = {"num_class": k, "verbose": -1, "metric": "None", "boost_from_average": False}
        if threads is not None:
            base["num_threads"] = threads
        dtrain = lgb.Dataset(X, label=y, params={"verbose": -1}).construct()
        recorded = Recorded(bl.objective(xent))
        return (
            lambda: lgb.train({**base, "objective": "multiclass"}, dtrain, rounds),
            lambda: lgb.train({**base, "objective": recorded}, dtrain, rounds),
            lambda: lgb.train({**base, "objective": Replay(recorded)}, dtrain, rounds),
            recorded,
        )
    # The built-in multiclass estimator starts from the priors (boost_from_average),
    # as boostobj's Classifier does; a plain LGBMClassifier with a custom
    # objective starts from 0: on that path the built-in does too.
    if path == "sklearn":
        est["boost_from_average"] = False
        return (
            lambda: lgb.LGBMClassifier(**est).fit(X, y),
            lambda: lgb.LGBMClassifier(objective=bl.sklearn_objective(xent), **est).fit(X, y),
        )
    if path == "classifier":
        xent.n_threads = None  # the Classifier follows the engine's threads
        # ... and applies the engine's Hessian factor itself (engine_hessian=True).
        xent.hessian_scale = 1.0
        return (
            lambda: lgb.LGBMClassifier(**est).fit(X, y),
            lambda: bl.Classifier(objective=xent, **est).fit(X, y),
        )
    import dask.array as da
    import lightgbm.dask as lgb_dask

    # One partition: lightgbm.dask gathers a worker's partitions in an order
    # that changes from fit to fit, and the replay needs the recorded rows' order.
    Xd = da.from_array(X, chunks=X.shape)
    yd = da.from_array(y, chunks=X.shape[0])
    # lightgbm.dask takes the worker's thread count whatever is passed.
    est.pop("n_jobs", None)
    est["client"] = client
    est["boost_from_average"] = False  # the custom objective starts from 0, as on "sklearn"
    on_worker = WorkerRecording(client)
    recorded = on_worker.record(bl.sklearn_objective(xent))
    return (
        lambda: lgb_dask.DaskLGBMClassifier(**est).fit(Xd, yd),
        lambda: lgb_dask.DaskLGBMClassifier(objective=recorded, **est).fit(Xd, yd),
        lambda: lgb_dask.DaskLGBMClassifier(objective=on_worker.replay(recorded), **est).fit(
            Xd, yd
        ),
        on_worker,
    )


@contextlib.contextmanager
def local_cluster(setting):
    """A one-worker LocalCluster with the setting's thread count."""
    import logging

    from dask.distributed import Client, LocalCluster

    threads = cores() if setting in ("default", "all") else int(setting)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=threads, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def measure(runs, repeats):
    """Median seconds of the built-in, boostobj, the replay (NaN where there is
    none), and of the objective inside boostobj's run (0 on Dask workers)."""
    builtin, custom, replay, recorded = (*runs, None, None)[:4]
    builtin()  # warm up: imports, compiled kernels, thread pools
    if recorded is not None:
        recorded.recording = True
    custom()
    if recorded is not None:
        recorded.recording = False
    times = {"builtin": [], "custom": [], "replay": [], "inside": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        builtin()
        times["builtin"].append(time.perf_counter() - t0)
        TimedCrossEntropy.seconds = 0.0
        t0 = time.perf_counter()
        custom()
        times["custom"].append(time.perf_counter() - t0)
        times["inside"].append(TimedCrossEntropy.seconds)
        if replay is not None:
            t0 = time.perf_counter()
            replay()
            times["replay"].append(time.perf_counter() - t0)
    return {k: statistics.median(v) if v else float("nan") for k, v in times.items()}


def quiet_engines() -> None:
    """Keep the engines' Dask set-up messages out of the table."""
    import logging
    import warnings

    import lightgbm

    logger = logging.getLogger("lightgbm")
    logger.setLevel(logging.WARNING)
    lightgbm.register_logger(logger)
    warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", nargs="+", default=["default", "1", "2", "all"])
    parser.add_argument("--paths", nargs="+", default=["native", "sklearn", "classifier", "dask"])
    parser.add_argument("--engines", nargs="+", default=["xgboost", "lightgbm"])
    args = parser.parse_args(argv)
    X, y = make_data(args.n, args.features, args.k)
    import lightgbm
    import xgboost

    quiet_engines()
    print(
        f"n={args.n} features={args.features} K={args.k} rounds={args.rounds} "
        f"repeats={args.repeats}; {cores()} cores; medians of interleaved runs"
    )
    print(
        f"numpy {np.__version__}, xgboost {xgboost.__version__}, lightgbm {lightgbm.__version__}, "
        f"boostobj {boostobj.__version__}, {platform.machine()}, objective backend "
        f"{SoftmaxCrossEntropy().active_backend}"
    )
    header = ("engine", "path", "threads", "built-in s", "boostobj s", "ratio")
    header += ("in objective s", "replay s", "replay ratio")
    print("{:9s} {:11s} {:>8s} {:>11s} {:>11s} {:>7s} {:>15s} {:>9s} {:>13s}".format(*header))
    rows = []
    for engine in args.engines:
        make = {"xgboost": xgboost_path, "lightgbm": lightgbm_path}[engine]
        for path in args.paths:
            for setting in args.threads:
                with contextlib.ExitStack() as stack:
                    client = None
                    if path == "dask":
                        client = stack.enter_context(local_cluster(setting))
                    runs = make(path, X, y, args.k, args.rounds, setting, client)
                    t = measure(runs, args.repeats)
                rows.append({"engine": engine, "path": path, "threads": setting, **t})
                b, c, r = t["builtin"], t["custom"], t["replay"]
                inside = f"{t['inside']:15.3f}" if path != "dask" else f"{'(on workers)':>15s}"
                replay = f"{r:9.2f} {r / b:12.3f}x" if r == r else f"{'-':>9s} {'-':>13s}"
                cells = f"{engine:9s} {path:11s} {setting:>8s} {b:11.2f} {c:11.2f}"
                print(f"{cells} {c / b:6.3f}x {inside} {replay}")
    return rows


if __name__ == "__main__":
    main()

"""benchmarks/bench_training.py times like for like: on every path the built-in
objective and boostobj's grow the same trees (tiny data, a few rounds)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_training.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_training", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def margins(model, X):
    """Raw margins less their row mean (softmax ignores a shift per row)."""
    if isinstance(model, xgb.Booster):
        raw = model.predict(xgb.DMatrix(X), output_margin=True)
    elif isinstance(model, lgb.Booster):
        raw = model.predict(X, raw_score=True)
    elif isinstance(model, lgb.LGBMModel):
        # Starting scores included: LightGBM's average, or boostobj's priors, in the trees.
        raw = model.booster_.predict(X, raw_score=True)
    else:
        raw = model.predict(X, output_margin=True)
    return raw - raw.mean(axis=1, keepdims=True)


def softmax(raw):
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("path", ["native", "sklearn", "classifier"])
def test_each_path_times_the_same_model_twice(bench, engine, path):
    # The same model up to rounding: the engines compute the softmax with
    # their own exp, so a near-tie between two splits can tip either way.
    # Measured: XGBoost from the priors, depth 6, one round: one split of 63
    # in one class's tree, 2 rows of 1500. Over more rounds such a tip spreads
    # to every row; a different start or step size moves every row at once.
    X, y = bench.make_data(1500, 8, 4)
    make = bench.xgboost_path if engine == "xgboost" else bench.lightgbm_path
    runs = make(path, X, y, 4, 1, "1")
    builtin, custom = runs[0](), runs[1]()
    if engine == "xgboost" and path == "classifier":
        # Both start from the priors, as base margins.
        priors = np.tile(custom.init_raw_, (X.shape[0], 1))
        a, b = builtin.predict_proba(X, base_margin=priors), custom.predict_proba(X)
    else:
        a, b = softmax(margins(builtin, X)), softmax(margins(custom, X))
    same = np.abs(a - b).max(axis=1) < 1e-5
    assert same.mean() > 0.99, f"{np.sum(~same)} of {len(same)} rows differ"
    if len(runs) > 2:  # the replay of boostobj's gradients grows boostobj's trees
        replay, recorded = runs[2], runs[3]
        recorded.recording = True
        recorded_model = runs[1]()
        recorded.recording = False
        np.testing.assert_array_equal(margins(replay(), X), margins(recorded_model, X))


@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_dask_replay_grows_the_recorded_model(bench, engine):
    # On Dask the gradients are recorded and replayed on the worker (the
    # benchmark's one-worker cluster): the replay is the engine's Dask floor
    # only if it grows the trees of the run it recorded.
    X, y = bench.make_data(1500, 8, 4)
    make = bench.xgboost_path if engine == "xgboost" else bench.lightgbm_path
    with bench.local_cluster("1") as client:
        _, custom, replay, on_worker = make("dask", X, y, 4, 3, "1", client)
        on_worker.recording = True
        recorded = custom()
        on_worker.recording = False
        assert not any(on_worker.recording.values())
        rounds = client.run(lambda dask_worker: len(dask_worker.bench_outputs))
        assert list(rounds.values()) == [3]
        models = [recorded, replay()]
    if engine == "xgboost":
        models = [m["booster"] for m in models]
    else:
        models = [m.to_local() for m in models]
    # Rows out of the recorded order (lightgbm.dask gathers several partitions
    # in a changing order) failed this: every margin differed.
    np.testing.assert_array_equal(*(margins(m, X) for m in models))

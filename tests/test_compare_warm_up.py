"""`boostobj compare` loads the objectives' kernels before timing its first run."""

from __future__ import annotations

import types

import numpy as np
import pytest

from boostobj import _compare
from boostobj._compare_data import Problem
from boostobj._validation import BLOCK_ELEMENTS


def _problem(n=300, k=3):
    rng = np.random.default_rng(0)
    return Problem("synthetic", rng.normal(size=(n, 4)), rng.integers(0, k, n))


def test_first_run_is_not_charged_the_warm_up(monkeypatch):
    # A fake clock and fake trainers: the first fit of each (engine, objective)
    # in the process takes 100 ticks (loading the kernels), later ones 1.
    clock = [0.0]
    monkeypatch.setattr(_compare, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    seen = []

    def trainer(engine):
        def fit(objective, X, y, X_test, k, settings, progress):
            cold = (engine, objective) not in seen and objective != "builtin"
            seen.append((engine, objective))
            clock[0] += 100.0 if cold else 1.0
            return _compare.Trained(np.full((X_test.shape[0], k), 1.0 / k))

        return fit

    monkeypatch.setattr(_compare, "train_xgboost", trainer("xgboost"))
    monkeypatch.setattr(_compare, "train_lightgbm", trainer("lightgbm"))
    settings = _compare.Settings(rounds=5)
    runs, _, _ = _compare.compare(
        _problem(), ["xgboost", "lightgbm"], ["builtin", "xent", "brier"], settings, progress=False
    )
    assert [run.seconds for run in runs] == [1.0] * 6
    # Each boostobj objective was fitted once before the timed runs, with one round.
    warm = [(e, o) for e in ("xgboost", "lightgbm") for o in ("xent", "brier")]
    assert seen[:4] == warm
    assert seen[4:] == [
        (e, o) for e in ("xgboost", "lightgbm") for o in ("builtin", "xent", "brier")
    ]


def test_warm_up_fits_one_round_through_the_same_trainer(monkeypatch):
    calls = []

    def fit(objective, X, y, X_test, k, settings, progress):
        calls.append((objective, settings.rounds, len(y), k, progress.enabled))
        return _compare.Trained(np.zeros((len(y), k)))

    monkeypatch.setattr(_compare, "train_lightgbm", fit)
    problem = _problem(n=200, k=4)
    _compare.warm_up(
        ["lightgbm"], ["builtin", "brier"], problem.X, problem.y, 4, _compare.Settings()
    )
    assert calls == [("brier", 1, 200, 4, False)]
    calls.clear()
    _compare.warm_up(
        ["lightgbm"],
        ["builtin", "builtin-calibrated"],
        problem.X,
        problem.y,
        4,
        _compare.Settings(),
    )
    assert calls == []


@pytest.mark.parametrize("k", [3, 10])
def test_warm_up_rows_hold_every_class_and_as_many_blocks(k):
    block = BLOCK_ELEMENTS // k
    small = np.arange(50) % k
    assert _compare.warm_up_rows(small, k).all()  # one block: all rows
    y = np.zeros(10 * block, dtype=int)
    y[-k:] = np.arange(k)  # classes seen only at the end
    rows = _compare.warm_up_rows(y, k)
    assert set(y[rows]) == set(range(k))
    assert rows.sum() > block  # several blocks, like the full fit
    assert rows.sum() < len(y) // 2


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_after_the_warm_up_the_timed_fits_compile_no_kernel(smoothing):
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    from boostobj.objectives._base import _load_numba

    kernels = _load_numba()
    if kernels is None:
        pytest.skip("numba is not installed")
    # Several row blocks: LightGBM's Fortran-ordered arrays then reach the
    # kernels as row slices, another compiled version than whole arrays.
    problem = _problem(n=3 * BLOCK_ELEMENTS // 3 + 7, k=3)
    settings = _compare.Settings(rounds=2, label_smoothing=smoothing)
    engines, objectives = ["xgboost", "lightgbm"], ["xent", "brier"]
    X, y = problem.X, problem.y
    _compare.warm_up(engines, objectives, X, y, 3, settings)

    def compiled():
        return {
            name: len(getattr(kernels, name).signatures)
            for name in ("xent_hard", "xent_soft", "brier")
        }

    before = compiled()
    quiet = _compare.Progress(0, enabled=False)
    for engine in engines:
        for objective in objectives:
            train = {"xgboost": _compare.train_xgboost, "lightgbm": _compare.train_lightgbm}[engine]
            train(objective, X, y, X[:10], 3, settings, quiet)
    assert compiled() == before

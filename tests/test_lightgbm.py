"""LightGBM adapter: engine facts it relies on, parity, layout, data handling, Classifier."""

from __future__ import annotations

import copy
import inspect
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import cloudpickle
import lightgbm as lgb
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

import boostobj.lightgbm as bl
from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier
from boostobj.lightgbm import _targets as bl_targets

ROOT = Path(__file__).resolve().parents[1]

# Small, single-threaded and deterministic: every training run takes well under a second.
PARAMS = {
    "verbose": -1,
    "num_threads": 1,
    "deterministic": True,
    "learning_rate": 0.3,
    "num_leaves": 7,
    "min_data_in_leaf": 5,
}
SKPARAMS = {"n_estimators": 20, "num_leaves": 7, "min_child_samples": 5, "n_jobs": 1, "verbose": -1}


def make_data(n=300, k=3, d=5, seed=0):
    """Features and class ids from a noisy linear model."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    logits = x @ rng.normal(size=(d, k)) + rng.gumbel(size=(n, k))
    return x, logits.argmax(axis=1)


# LightGBM 4.7 deprecates eval_set for eval_X/eval_y, which older releases lack.
HAS_EVAL_X = "eval_X" in inspect.signature(lgb.LGBMClassifier.fit).parameters


def evals(*sets):
    """``fit`` keywords for plain LGBMClassifier evaluation sets, as this release wants them.

    Copies, so that LightGBM never takes a set for the training data ("training"
    instead of "valid_0" in evals_result_).
    """
    sets = [(x.copy(), y.copy()) for x, y in sets]
    if HAS_EVAL_X:
        return {"eval_X": tuple(x for x, _ in sets), "eval_y": tuple(y for _, y in sets)}
    return {"eval_set": list(sets)}


def raw(booster, x):
    return booster.predict(x, raw_score=True)


def builtin_multiclass(k, **extra):
    return {
        **PARAMS,
        "objective": "multiclass",
        "num_class": k,
        "boost_from_average": False,
        **extra,
    }


def custom(obj, k=None, **extra):
    """Parameters training with ``obj`` (or an ``objective`` in ``extra``), K outputs."""
    params = dict(PARAMS)
    if obj is not None:
        params["objective"] = bl.objective(obj)
    if k is not None:
        params["num_class"] = k
    return {**params, **extra}


def xent_like_lightgbm(k):
    return SoftmaxCrossEntropy(hessian_scale=k / (k - 1))


# ============================================================ engine facts
def test_fact_preds_are_a_float64_fortran_view_reused_between_rounds():
    x, y = make_data()
    seen = []

    def spy(preds, data):
        seen.append((preds.dtype, preds.shape, preds.flags.f_contiguous, preds.__array_interface__))
        return bl.objective(SoftmaxCrossEntropy())(preds, data)

    lgb.train({**PARAMS, "objective": spy, "num_class": 3}, lgb.Dataset(x, y), 3)
    assert [s[:3] for s in seen] == [(np.float64, (300, 3), True)] * 3
    # The same buffer every round: LightGBM owns it, an objective must not keep or modify it.
    assert len({s[3]["data"][0] for s in seen}) == 1


@pytest.mark.parametrize("layout", ["ours", "row-major-1d", "transposed"])
def test_gradient_layout_is_column_major_and_wrong_layouts_train_wrong_models(layout):
    # Fails if the adapter's layout were transposed or raveled in row-major order:
    # LightGBM accepts both without complaint and trains a different model.
    x, y = make_data(k=4, seed=1)
    ours = bl.objective(xent_like_lightgbm(4))

    def f(preds, data):
        grad, hess = ours(preds, data)
        if layout == "row-major-1d":
            return grad.ravel(order="C"), hess.ravel(order="C")
        if layout == "transposed":
            return np.ascontiguousarray(grad.T), np.ascontiguousarray(hess.T)
        return grad, hess

    reference = lgb.train(builtin_multiclass(4), lgb.Dataset(x, y), 5)
    model = lgb.train({**custom(None, 4), "objective": f}, lgb.Dataset(x, y), 5)
    diff = np.abs(raw(model, x) - raw(reference, x)).max()
    if layout == "ours":
        assert diff == 0.0
    else:
        assert diff > 0.1


def test_fact_fortran_float32_gradients_reach_lightgbm_without_copy(monkeypatch):
    x, y = make_data()
    returned, passed = [], []
    ours = bl.objective(SoftmaxCrossEntropy())

    def f(preds, data):
        grad, hess = ours(preds, data)
        returned.append(grad)
        return grad, hess

    real = lgb.basic._list_to_1d_numpy

    def spy(data, dtype, name):
        out = real(data=data, dtype=dtype, name=name)
        if name == "gradient":
            passed.append(out)
        return out

    monkeypatch.setattr(lgb.basic, "_list_to_1d_numpy", spy)
    lgb.train({**PARAMS, "objective": f, "num_class": 3}, lgb.Dataset(x, y), 2)
    assert len(passed) == len(returned) == 2
    for ours_grad, lgb_grad in zip(returned, passed, strict=True):
        assert ours_grad.dtype == np.float32 and ours_grad.flags.f_contiguous
        assert np.shares_memory(ours_grad, lgb_grad)


def test_fact_unit_weights_are_read_back_as_none():
    x, y = make_data()
    data = lgb.Dataset(x, y, weight=np.ones(len(y))).construct()
    assert data.get_weight() is None
    data = lgb.Dataset(x, y, weight=np.full(len(y), 2.0)).construct()
    assert data.get_weight().dtype == np.float32


def test_fact_custom_objective_starts_at_zero_and_model_omits_init_score():
    x, y = make_data()
    start = np.array([1.0, -0.5, -0.5])
    seen = []

    def f(preds, data):
        seen.append(preds.copy())
        return bl.objective(SoftmaxCrossEntropy())(preds, data)

    lgb.train({**PARAMS, "objective": f, "num_class": 3}, lgb.Dataset(x, y), 1)
    assert np.all(seen[0] == 0.0)
    data = lgb.Dataset(x, y, init_score=np.tile(start, (len(y), 1)))
    seen.clear()
    booster = lgb.train({**PARAMS, "objective": f, "num_class": 3}, data, 2)
    np.testing.assert_array_equal(seen[0], np.tile(start, (len(y), 1)))
    # Round 2 saw init_score + tree 1, while the model predicts tree 1 alone.
    tree_1 = booster.predict(x, raw_score=True, num_iteration=1)
    np.testing.assert_allclose(seen[1], tree_1 + start, rtol=0, atol=1e-12)


def test_fact_predict_returns_raw_margins_under_a_custom_objective():
    x, y = make_data()
    booster = lgb.train(custom(SoftmaxCrossEntropy(), 3), lgb.Dataset(x, y), 5)
    pred = booster.predict(x)
    np.testing.assert_array_equal(pred, raw(booster, x))
    assert np.abs(pred.sum(axis=1) - 1).max() > 0.1  # not probabilities


def test_fact_train_deep_copies_callable_objects_in_params():
    x, y = make_data()
    calls = []

    class Counting:
        copies = 0

        def __call__(self, preds, data):
            calls.append(self)
            return bl.objective(SoftmaxCrossEntropy())(preds, data)

        def __deepcopy__(self, memo):
            Counting.copies += 1
            return Counting()

    original = Counting()
    lgb.train({**PARAMS, "objective": original, "num_class": 3}, lgb.Dataset(x, y), 2)
    assert Counting.copies >= 1
    assert calls and all(c is not original for c in calls)


def test_fact_eval_preds_include_the_init_score():
    x, y = make_data()
    start = np.array([0.7, -0.2, -0.5])
    seen = []

    def feval(preds, data):
        seen.append(preds.copy())
        return "x", 0.0, False

    train = lgb.Dataset(x[:200], y[:200], init_score=np.tile(start, (200, 1)))
    valid = lgb.Dataset(x[200:], y[200:], init_score=np.tile(start, (100, 1)), reference=train)
    booster = lgb.train(custom(SoftmaxCrossEntropy(), 3), train, 3, valid_sets=[valid], feval=feval)
    np.testing.assert_allclose(seen[-1], raw(booster, x[200:]) + start, rtol=0, atol=1e-12)


def test_fact_set_leaf_output_shifts_margins_except_for_linear_trees():
    x, y = make_data()
    for linear in (False, True):
        booster = lgb.train(builtin_multiclass(3, linear_tree=linear), lgb.Dataset(x, y), 2)
        before = raw(booster, x)
        tree = booster.dump_model(num_iteration=1)["tree_info"][0]
        for leaf in range(tree["num_leaves"]):
            booster.set_leaf_output(0, leaf, booster.get_leaf_output(0, leaf) + 1.0)
        shift = raw(booster, x) - before
        expected = [1.0, 0.0, 0.0] if not linear else [0.0, 0.0, 0.0]
        np.testing.assert_allclose(shift, np.tile(expected, (len(y), 1)), atol=1e-12)


def test_fact_lgbmclassifier_with_a_callable_objective():
    x, y = make_data()
    calls = []

    def two(y_true, y_pred):
        calls.append(("two", y_true.dtype))
        return bl.sklearn_objective(SoftmaxCrossEntropy())(y_true, y_pred, None)

    def three(y_true, y_pred, weight):
        calls.append(("three", None if weight is None else weight.dtype))
        return bl.sklearn_objective(SoftmaxCrossEntropy())(y_true, y_pred, weight)

    labels = np.array(["a", "b", "c"])[y]
    model = lgb.LGBMClassifier(objective=two, **SKPARAMS).fit(x, labels)
    assert calls[0] == ("two", np.float32)  # label-encoded classes as floats
    calls.clear()
    lgb.LGBMClassifier(objective=three, **SKPARAMS).fit(x, labels, sample_weight=np.ones(300) * 2)
    assert calls[0] == ("three", np.float32)
    # predict_proba returns raw margins, with a warning; the default metric is multi_logloss.
    with warnings.catch_warnings(record=True):
        proba = model.predict_proba(x)
    np.testing.assert_array_equal(proba, model.booster_.predict(x, raw_score=True))
    model = lgb.LGBMClassifier(objective=two, **SKPARAMS).fit(x, y, **evals((x, y)))
    assert list(model.evals_result_["valid_0"]) == ["multi_logloss"]
    binary = lgb.LGBMClassifier(objective=two, **SKPARAMS).fit(x, y == 0)
    with warnings.catch_warnings(record=True):
        assert binary.predict_proba(x).shape == (300,)


def test_fact_lgbmclassifier_eval_y_is_not_label_encoded():
    # Why Classifier passes eval_set to LightGBM even when given eval_X/eval_y.
    x, y = make_data()
    labels = np.array(["a", "b", "c"])[y]
    if HAS_EVAL_X:
        with pytest.raises(ValueError, match="could not convert string to float"):
            lgb.LGBMClassifier(**SKPARAMS).fit(x, labels, eval_X=x, eval_y=labels)


# ================================================================ parity
@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("weights", ["none", "float", "integer"])
def test_multiclass_parity_with_builtin(k, weights):
    # Measured: identical raw margins (max difference 0.0) after 30 rounds: the
    # adapter computes in float64 and rounds to float32 once, as LightGBM does.
    x, y = make_data(n=400, k=k, seed=k)
    rng = np.random.default_rng(7)
    w = {
        "none": None,
        "float": rng.uniform(0.2, 3.0, len(y)),
        "integer": rng.integers(1, 4, len(y)).astype(float),
    }[weights]
    reference = lgb.train(builtin_multiclass(k), lgb.Dataset(x, y, weight=w), 30)
    model = lgb.train(custom(xent_like_lightgbm(k), k), lgb.Dataset(x, y, weight=w), 30)
    np.testing.assert_array_equal(raw(model, x), raw(reference, x))


@pytest.mark.parametrize("make", [bl.objective, bl.sklearn_objective])
def test_adapters_engine_hessian_takes_multiclass_factor(make):
    # engine_hessian=True: SoftmaxCrossEntropy() itself trains multiclass's model.
    x, y = make_data(n=400, k=4, seed=4)
    w = np.random.default_rng(8).uniform(0.2, 3.0, len(y))
    f = make(SoftmaxCrossEntropy(), engine_hessian=True)
    for copied in (pickle.loads(pickle.dumps(f)), copy.deepcopy(f)):
        assert copied.engine_hessian is True and "engine_hessian=True" in repr(copied)
    if make is bl.objective:
        reference = lgb.train(builtin_multiclass(4), lgb.Dataset(x, y, weight=w), 30)
        model = lgb.train(custom(None, 4, objective=f), lgb.Dataset(x, y, weight=w), 30)
        np.testing.assert_array_equal(raw(model, x), raw(reference, x))
    else:
        common = {**SKPARAMS, "boost_from_average": False}
        reference = lgb.LGBMClassifier(**common).fit(x, y, sample_weight=w)
        model = lgb.LGBMClassifier(objective=f, **common).fit(x, y, sample_weight=w)
        np.testing.assert_array_equal(
            model.booster_.predict(x, raw_score=True), reference.booster_.predict(x, raw_score=True)
        )
    # A single output takes no factor (LightGBM's binary objective has none).
    x2, y2 = make_data(n=300, k=2, seed=5)
    preds = np.random.default_rng(9).normal(size=len(y2))
    plain, scaled = (
        bl.sklearn_objective(WeightedBrier()),
        make(WeightedBrier(), engine_hessian=True),
    )
    args = (
        (y2, preds, None)
        if make is bl.sklearn_objective
        else (preds, lgb.Dataset(x2, y2, params={"verbose": -1}).construct())
    )
    for a, b in zip(plain(y2, preds, None), scaled(*args), strict=True):
        np.testing.assert_array_equal(a, b)
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="engine_hessian must be True or False"):
            make(SoftmaxCrossEntropy(), engine_hessian=bad)


def test_objective_pickled_before_engine_hessian_loads_without_it():
    # Slotted wrappers pickled by boostobj 0.1 carry (None, slots) as their state.
    f = bl.objective(SoftmaxCrossEntropy())
    old = object.__new__(type(f))
    old.__setstate__((None, {"obj": SoftmaxCrossEntropy(), "name": "softmax_xent"}))
    assert old.engine_hessian is False and old.name == "softmax_xent"


@pytest.mark.parametrize("weights", [False, True])
def test_binary_parity_with_builtin(weights):
    # Measured: identical raw margins (max difference 0.0) after 30 rounds.
    x, y = make_data(n=400, k=2, seed=3)
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y)) if weights else None
    params = {**PARAMS, "boost_from_average": False}
    reference = lgb.train({**params, "objective": "binary"}, lgb.Dataset(x, y, weight=w), 30)
    model = lgb.train(custom(SoftmaxCrossEntropy()), lgb.Dataset(x, y, weight=w), 30)
    assert raw(model, x).shape == (400,)
    np.testing.assert_array_equal(raw(model, x), raw(reference, x))


@pytest.mark.parametrize("k", [2, 4])
def test_metric_matches_builtin_logloss(k):
    # The parity model under both objectives; LightGBM's weighted log-loss vs ours.
    # Measured: relative difference below 1e-15 (float64 rounding only).
    x, y = make_data(n=400, k=k, seed=11)
    w = np.random.default_rng(2).uniform(0.2, 3.0, 400)
    if k == 2:
        builtin, name, extra = "binary", "binary_logloss", {}
        obj = SoftmaxCrossEntropy()
    else:
        builtin, name, extra = "multiclass", "multi_logloss", {"num_class": k}
        obj = xent_like_lightgbm(k)
    curves = []
    for objective in (builtin, bl.objective(obj)):
        train = lgb.Dataset(x[:300], y[:300], weight=w[:300])
        valid = lgb.Dataset(x[300:], y[300:], weight=w[300:], reference=train)
        record = {}
        lgb.train(
            {
                **PARAMS,
                "objective": objective,
                "boost_from_average": False,
                "metric": name,
                **extra,
            },
            train,
            10,
            valid_sets=[valid],
            feval=bl.metric(SoftmaxCrossEntropy()) if objective != builtin else None,
            callbacks=[lgb.record_evaluation(record)],
        )
        curves.append(record["valid_0"])
    np.testing.assert_allclose(curves[1]["softmax_xent"], curves[0][name], rtol=1e-14)


@pytest.mark.parametrize("k", [2, 4])
def test_sklearn_objective_parity_with_builtin(k):
    # Measured: identical raw margins (0.0) and metric values within 1e-15 relative.
    x, y = make_data(n=400, k=k, seed=5)
    w = np.random.default_rng(3).integers(1, 4, 400).astype(float)
    obj = SoftmaxCrossEntropy(hessian_scale=1.0 if k == 2 else k / (k - 1))
    name = "binary_logloss" if k == 2 else "multi_logloss"
    common = {**SKPARAMS, "boost_from_average": False, "deterministic": True}
    reference = lgb.LGBMClassifier(**common).fit(
        x, y, sample_weight=w, eval_sample_weight=[w], **evals((x, y))
    )
    model = lgb.LGBMClassifier(objective=bl.sklearn_objective(obj), metric="None", **common)
    model.fit(
        x,
        y,
        sample_weight=w,
        eval_sample_weight=[w],
        **evals((x, y)),
        eval_metric=bl.sklearn_metric(SoftmaxCrossEntropy()),
    )
    np.testing.assert_array_equal(
        model.booster_.predict(x, raw_score=True), reference.booster_.predict(x, raw_score=True)
    )
    assert list(model.evals_result_["valid_0"]) == ["softmax_xent"]
    np.testing.assert_allclose(
        model.evals_result_["valid_0"]["softmax_xent"],
        reference.evals_result_["valid_0"][name],
        rtol=1e-14,
    )


@pytest.mark.parametrize("make_obj", [SoftmaxCrossEntropy, WeightedBrier])
def test_classifier_engine_hessian_scales_the_objectives_hessian_by_k_over_k_minus_1(make_obj):
    # engine_hessian=True is hessian_scale x K/(K-1) on the objective, nothing else.
    x, y = make_data(n=400, k=4, seed=21)
    fit = {"eval_set": [(x, y)]}
    default = bl.Classifier(objective=make_obj(), **SKPARAMS).fit(x, y, **fit)
    scaled = bl.Classifier(objective=make_obj(hessian_scale=4 / 3), engine_hessian=False)
    scaled.set_params(**SKPARAMS).fit(x, y, **fit)
    exact = bl.Classifier(objective=make_obj(), engine_hessian=False, **SKPARAMS).fit(x, y)
    np.testing.assert_array_equal(
        default.predict(x, raw_score=True), scaled.predict(x, raw_score=True)
    )
    assert default.evals_result_ == scaled.evals_result_
    assert not np.array_equal(default.predict(x, raw_score=True), exact.predict(x, raw_score=True))
    assert default.objective.hessian_scale == 1.0  # the user's objective is left alone


def test_classifier_pickled_before_engine_hessian_predicts_and_refits_as_then():
    x, y = make_data(n=300, k=3, seed=23)
    clf = bl.Classifier(**SKPARAMS).fit(x, y)
    proba = clf.predict_proba(x)
    del clf.__dict__["engine_hessian"]  # what boostobj 0.1 pickled
    old = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(old.predict_proba(x), proba)
    assert old.get_params()["engine_hessian"] is False  # trained on the objective's Hessian
    refit = clone(old).fit(x, y)
    own = bl.Classifier(engine_hessian=False, **SKPARAMS).fit(x, y)
    np.testing.assert_array_equal(refit.predict(x, raw_score=True), own.predict(x, raw_score=True))


def test_classifier_warns_when_engine_hessian_multiplies_a_hessian_scale():
    x, y = make_data(n=300, k=4, seed=24)
    with pytest.warns(UserWarning, match=r"lightgbm's own factor 1\.33333.*engine_hessian=False"):
        bl.Classifier(objective=xent_like_lightgbm(4), **SKPARAMS).fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bl.Classifier(objective=xent_like_lightgbm(4), engine_hessian=False, **SKPARAMS).fit(x, y)
        bl.Classifier(objective=xent_like_lightgbm(4), **SKPARAMS).fit(x, y % 2)  # no factor


def test_classifier_engine_hessian_follows_the_attribute_after_set_params():
    # LGBMModel.set_params files keys among LightGBM's own parameters, which
    # get_params reports over the attribute: engine_hessian must not stay there.
    x, y = make_data(n=300, k=3, seed=25)
    clf = bl.Classifier(**SKPARAMS).set_params(engine_hessian=True)
    clf.engine_hessian = False
    assert clf.get_params()["engine_hessian"] is False
    assert clone(clf).engine_hessian is False
    own = bl.Classifier(engine_hessian=False, **SKPARAMS).fit(x, y)
    np.testing.assert_array_equal(
        clf.fit(x, y).predict(x, raw_score=True), own.predict(x, raw_score=True)
    )


def test_classifier_engine_hessian_is_a_parameter_that_lightgbm_never_sees():
    x, y = make_data(n=300, k=3, seed=22)
    clf = bl.Classifier(engine_hessian=False, **SKPARAMS)
    assert clf.get_params()["engine_hessian"] is False
    assert clone(clf).engine_hessian is False
    clf.set_params(engine_hessian=True).fit(x, y)
    # LightGBM would have stored (and warned of) an unknown parameter.
    assert "engine_hessian" not in clf.booster_.params
    assert "engine_hessian" not in clf.booster_.model_to_string()
    np.testing.assert_array_equal(
        clf.predict(x, raw_score=True),
        bl.Classifier(**SKPARAMS).fit(x, y).predict(x, raw_score=True),
    )
    assert pickle.loads(pickle.dumps(clf)).engine_hessian is True
    search = GridSearchCV(bl.Classifier(**SKPARAMS), {"engine_hessian": [True, False]}, cv=2)
    search.fit(x, y)
    assert {p["engine_hessian"] for p in search.cv_results_["params"]} == {True, False}
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match=f"engine_hessian must be True or False, got {bad!r}"):
            bl.Classifier(engine_hessian=bad, **SKPARAMS).fit(x, y)


@pytest.mark.parametrize("k", [2, 10])
@pytest.mark.parametrize("engine_hessian", [True, False])
def test_classifier_reproduces_lgbmclassifier_with_the_builtin_objective(k, engine_hessian):
    # The Classifier's priors (init_score, then added to the first trees) play the
    # role of LightGBM's boost_from_average. Measured: probabilities within 1e-15.
    # By default the Classifier applies multiclass's K / (K - 1) itself.
    x, y = load_digits(return_X_y=True)
    if k == 2:
        y = (y == 3).astype(int)
    scale = 1.0 if engine_hessian or k == 2 else k / (k - 1)
    obj = SoftmaxCrossEntropy(hessian_scale=scale)
    common = {**SKPARAMS, "n_estimators": 15}
    reference = lgb.LGBMClassifier(**common).fit(x, y)
    model = bl.Classifier(objective=obj, engine_hessian=engine_hessian, **common).fit(x, y)
    np.testing.assert_allclose(
        model.predict_proba(x), reference.predict_proba(x), rtol=0, atol=1e-13
    )
    np.testing.assert_array_equal(model.predict(x), reference.predict(x))


# ========================================================= layout, dtype
def test_objective_returns_float32_fortran_arrays_in_lightgbms_order():
    x, y = make_data(n=50, k=4, seed=2)
    data = lgb.Dataset(x, y).construct()
    preds = np.asfortranarray(np.random.default_rng(0).normal(size=(50, 4)))
    before = preds.copy()
    obj = WeightedBrier()
    grad, hess = bl.objective(obj)(preds, data)
    assert grad.shape == hess.shape == (50, 4)
    assert grad.dtype == hess.dtype == np.float32
    assert grad.flags.f_contiguous and hess.flags.f_contiguous
    np.testing.assert_array_equal(preds, before)  # never modified
    expected_g, expected_h = obj.grad_hess(y, preds)
    # LightGBM reads grad.ravel(order="F")[j * n + i] as sample i, class j.
    flat = grad.ravel(order="F")
    i, j = 17, 2
    assert flat[j * 50 + i] == np.float32(expected_g[i, j])
    np.testing.assert_array_equal(grad, expected_g.astype(np.float32))
    np.testing.assert_array_equal(hess, expected_h.astype(np.float32))


# ======================================================= data handling
def test_targets_are_validated_once_per_dataset(monkeypatch):
    x, y = make_data()
    built = []

    class CountingTargets(Targets):
        def __init__(self, labels, sample_weight=None):
            built.append(len(labels))
            super().__init__(labels, sample_weight)

    monkeypatch.setattr(bl_targets, "Targets", CountingTargets)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 300)
    train = lgb.Dataset(x[:200], y[:200], weight=w[:200])
    valid = lgb.Dataset(x[200:], y[200:], weight=w[200:], reference=train)
    obj = SoftmaxCrossEntropy()
    lgb.train(custom(obj, 3), train, 8, valid_sets=[train, valid], feval=bl.metric(obj))
    assert sorted(built) == [100, 200]


def test_new_labels_on_a_dataset_are_seen():
    x, y = make_data()
    data = lgb.Dataset(x, y).construct()
    f = bl.objective(SoftmaxCrossEntropy())
    preds = np.zeros((300, 3), order="F")
    g1, _ = f(preds, data)
    data.set_label((y + 1) % 3)
    g2, _ = f(preds, data)
    expected, _ = SoftmaxCrossEntropy().grad_hess((y + 1) % 3, preds)
    np.testing.assert_array_equal(g2, expected.astype(np.float32))
    assert not np.array_equal(g1, g2)


def test_copies_of_the_callables_hold_no_data():
    x, _ = make_data(n=2000)
    soft = np.random.default_rng(0).dirichlet(np.ones(3), 2000)
    obj = SoftmaxCrossEntropy(class_weight=[1.0, 2.0, 1.0])
    f, m = bl.objective(obj), bl.metric(obj)
    train = bl.attach_targets(lgb.Dataset(x), soft)
    attached = getattr(train, bl_targets._BINDING_ATTR).targets
    lgb.train(custom(None, 3, objective=f), train, 3, valid_sets=[train], feval=m)
    # The attached targets are validated once and kept, not copied, through training.
    assert getattr(train, bl_targets._BINDING_ATTR).targets is attached
    np.testing.assert_array_equal(attached.probs, soft)
    for wrapped in (
        f,
        m,
        bl.sklearn_objective(obj),
        bl.sklearn_metric(obj),
    ):
        twin = copy.deepcopy(wrapped)
        assert type(twin) is type(wrapped) and twin.obj is not obj
        assert repr(twin.obj) == repr(obj)
        # 2000 x 3 labels would take 48 kB: the copies hold only parameters.
        assert len(pickle.dumps(twin)) < 1000


def test_sklearn_wrappers_validate_once_per_fit(monkeypatch):
    x, y = make_data()
    built = []

    class CountingTargets(Targets):
        def __init__(self, labels, sample_weight=None):
            built.append(len(labels))
            super().__init__(labels, sample_weight)

    monkeypatch.setattr(bl_targets, "Targets", CountingTargets)
    obj = SoftmaxCrossEntropy()
    model = lgb.LGBMClassifier(objective=bl.sklearn_objective(obj), metric="None", **SKPARAMS)
    model.fit(
        x[:200],
        y[:200],
        **evals((x[200:250], y[200:250]), (x[250:], y[250:])),
        eval_metric=bl.sklearn_metric(obj),
    )
    assert sorted(built) == [50, 50, 200]


# ============================================================ soft labels
@pytest.mark.parametrize("obj", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_one_hot_soft_labels_train_the_hard_label_model(obj):
    x, y = make_data()
    hard = lgb.train(custom(obj, 3), lgb.Dataset(x, y), 10)
    soft = lgb.train(custom(obj, 3), bl.attach_targets(lgb.Dataset(x), np.eye(3)[y]), 10)
    np.testing.assert_array_equal(raw(soft, x), raw(hard, x))


def test_per_class_weights_equal_to_sample_weights_train_the_same_model():
    x, y = make_data()
    # float32 values: the Dataset stores weights in float32, attached ones are kept as given.
    w = np.random.default_rng(0).uniform(0.5, 2.0, 300).astype(np.float32).astype(np.float64)
    # Bit for bit unscaled: a loss_scale multiplies row weights and per-class
    # weights at different steps, which round differently (measured: margins
    # 6e-8 apart after 10 rounds, from the same scale).
    obj = WeightedBrier(loss_scale=1.0)
    reference = lgb.train(custom(obj, 3), lgb.Dataset(x, y, weight=w), 10)
    per_class = bl.attach_targets(lgb.Dataset(x), y, np.repeat(w[:, None], 3, axis=1))
    model = lgb.train(custom(obj, 3), per_class, 10)
    np.testing.assert_array_equal(raw(model, x), raw(reference, x))


def soft_problem(n=600, k=3, seed=0):
    x, y = make_data(n=n, k=k, seed=seed)
    rng = np.random.default_rng(seed)
    soft = 0.8 * np.eye(k)[y] + 0.2 * rng.dirichlet(np.ones(k), n)
    return x, soft


@pytest.mark.parametrize("obj", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_soft_labels_train_validate_and_stop_early(obj):
    x, soft = soft_problem()
    w = np.random.default_rng(1).uniform(0.5, 2.0, 600)
    tr, va = slice(0, 400), slice(400, 600)
    start = obj.init_raw(soft[tr], w[tr])
    train = bl.attach_targets(lgb.Dataset(x[tr]), soft[tr], w[tr], init_raw=start)
    valid = bl.attach_targets(lgb.Dataset(x[va], reference=train), soft[va], w[va], init_raw=start)
    record = {}
    booster = lgb.train(
        custom(obj, 3, learning_rate=0.5, metric="None"),
        train,
        200,
        valid_sets=[valid],
        feval=bl.metric(obj),
        callbacks=[lgb.early_stopping(5, verbose=False), lgb.record_evaluation(record)],
    )
    assert 1 <= booster.best_iteration < 100
    curve = record["valid_0"][obj.name]
    assert min(curve) == curve[booster.best_iteration - 1]
    margins = raw(booster, x[va]) + start
    # The metric is the unscaled loss (WeightedBrier's default loss_scale is "prior").
    scored = WeightedBrier(loss_scale=1.0) if isinstance(obj, WeightedBrier) else obj
    expected = scored.loss(soft[va], margins, w[va]).sum() / w[va].sum()
    np.testing.assert_allclose(curve[booster.best_iteration - 1], expected, rtol=1e-12)
    # Training moved the validation loss below that of the priors alone
    # (measured: by 13% for cross-entropy, whose floor is the labels' entropy).
    prior_loss = scored.loss(soft[va], np.tile(start, (200, 1)), w[va]).sum() / w[va].sum()
    assert min(curve) < 0.95 * prior_loss


def test_soft_labels_in_cv_folds_use_their_rows():
    x, soft = soft_problem(n=300)
    obj = SoftmaxCrossEntropy()
    full = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(x, soft.argmax(axis=1)))
    result = lgb.cv(
        custom(obj, 3, metric="None"),
        full,
        5,
        folds=folds,
        feval=bl.metric(obj),
        return_cvbooster=True,
    )
    manual = [
        obj.loss(soft[test], raw(booster, x[test])).mean()
        for booster, (_, test) in zip(result["cvbooster"].boosters, folds, strict=True)
    ]
    np.testing.assert_allclose(result["valid softmax_xent-mean"][-1], np.mean(manual), rtol=1e-12)


# ================================================================ weights
def test_integer_weights_give_the_gradients_of_repeated_rows():
    x, y = make_data(n=200, k=4)
    w = np.random.default_rng(4).integers(1, 4, 200)
    rows = np.repeat(np.arange(200), w)
    preds = np.asfortranarray(np.random.default_rng(5).normal(size=(200, 4)))
    for obj in (SoftmaxCrossEntropy(), WeightedBrier(), WeightedBrier(hessian="exact")):
        f = bl.objective(obj)
        g, h = f(preds, lgb.Dataset(x, y, weight=w.astype(float)).construct())
        g_rep, h_rep = f(np.asfortranarray(preds[rows]), lgb.Dataset(x[rows], y[rows]).construct())
        summed_g = np.zeros((200, 4))
        summed_h = np.zeros((200, 4))
        np.add.at(summed_g, rows, g_rep)
        np.add.at(summed_h, rows, h_rep)
        np.testing.assert_allclose(g, summed_g, rtol=2e-7, atol=1e-7)
        np.testing.assert_allclose(h, summed_h, rtol=2e-7, atol=1e-7)


def test_integer_weights_train_the_model_of_repeated_rows():
    # LightGBM's tree learner is not exactly invariant to repeating rows (row
    # counts enter min_data_in_leaf and binning, lightgbm#5626), and float32 sums
    # in another order can flip a near-tie. Here, with the bins shared and count
    # limits off, the built-in objective is invariant, and so are ours.
    # Measured: max raw difference below 1e-7 after 30 rounds for all three.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3)).round(2)
    y = (x @ rng.normal(size=(3, 3)) + rng.gumbel(size=(300, 3))).argmax(axis=1)
    w = rng.integers(1, 4, 300)
    rows = np.repeat(np.arange(300), w)
    params = {
        **PARAMS,
        "num_class": 3,
        "num_leaves": 4,
        "min_data_in_leaf": 1,
        "min_sum_hessian_in_leaf": 0,
        "lambda_l2": 1.0,
        "min_data_in_bin": 1,
        "max_bin": 1023,
    }
    # WeightedBrier unscaled, as measured: with loss_scale 1.5, 2 or 4 (or
    # 1.0 at learning rate 0.1) a near-tie flips and the models differ by
    # up to 1.8 in raw margin, the fragility the comment above describes.
    for objective in ("multiclass", SoftmaxCrossEntropy(), WeightedBrier(loss_scale=1.0)):
        if not isinstance(objective, str):
            objective = bl.objective(objective)
        weighted = lgb.Dataset(x, y, weight=w.astype(float))
        model = lgb.train({**params, "objective": objective}, weighted, 30)
        repeated = lgb.Dataset(x[rows], y[rows], reference=weighted)
        model_rep = lgb.train({**params, "objective": objective}, repeated, 30)
        assert np.abs(raw(model, x) - raw(model_rep, x)).max() < 1e-6


# ================================================= starting margins
def test_add_init_raw_makes_the_saved_model_predict_complete_margins(tmp_path):
    x, y = make_data()
    obj = WeightedBrier()
    start = obj.init_raw(y)
    train = bl.attach_targets(lgb.Dataset(x), y, init_raw=start)
    booster = lgb.train(custom(obj, 3), train, 5)
    trees_only = raw(booster, x)
    assert bl.add_init_raw(booster, start) is booster
    np.testing.assert_allclose(raw(booster, x), trees_only + start, rtol=0, atol=1e-12)
    path = tmp_path / "model.txt"
    booster.save_model(path)
    reloaded = lgb.Booster(model_file=path)
    np.testing.assert_array_equal(raw(reloaded, x), raw(booster, x))


def test_add_init_raw_single_output():
    x, y = make_data(k=2)
    obj = SoftmaxCrossEntropy()
    start = obj.init_raw(y, single_output=True)
    train = bl.attach_targets(lgb.Dataset(x), y, init_raw=start)
    booster = lgb.train(custom(obj), train, 5)
    trees_only = raw(booster, x)
    bl.add_init_raw(booster, start)
    np.testing.assert_allclose(raw(booster, x), trees_only + start, rtol=0, atol=1e-12)


# ============================================================= Classifier
def digits_split():
    x, y = load_digits(return_X_y=True)
    return x[:1200], y[:1200], x[1200:], y[1200:]


@pytest.mark.parametrize("obj", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_classifier_predicts_probabilities_and_labels(obj):
    xtr, ytr, xte, yte = digits_split()
    names = np.array([f"digit {d}" for d in range(10)])
    model = bl.Classifier(objective=obj, **SKPARAMS).fit(xtr, names[ytr])
    proba = model.predict_proba(xte)
    assert proba.shape == (len(xte), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(proba, obj.predict_proba(model.predict_proba(xte, raw_score=True)))
    np.testing.assert_array_equal(model.predict(xte), names[proba.argmax(axis=1)])
    assert (model.predict(xte) == names[yte]).mean() > 0.85
    assert model.objective_ is obj and list(model.classes_) == list(names)


def test_classifier_binary_uses_a_single_output():
    xtr, ytr, xte, _ = digits_split()
    model = bl.Classifier(objective=WeightedBrier(), **SKPARAMS).fit(xtr, ytr == 3)
    assert model.booster_.num_model_per_iteration() == 1
    assert np.ndim(model.init_raw_) == 0
    proba = model.predict_proba(xte)
    assert proba.shape == (len(xte), 2)
    margins = model.predict_proba(xte, raw_score=True)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-margins)), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(xte), proba[:, 1] > 0.5)


@pytest.mark.parametrize("obj", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_classifier_starts_from_the_weighted_class_priors(obj):
    x, y = make_data(n=600, k=3)
    w = np.where(y == 0, 3.0, 1.0)
    model = bl.Classifier(objective=obj, **{**SKPARAMS, "n_estimators": 1, "learning_rate": 1e-9})
    model.fit(x, y, sample_weight=w)
    np.testing.assert_allclose(model.init_raw_, obj.init_raw(y, w), rtol=1e-12)
    # With (almost) no learning, every prediction is the prior.
    prior = np.bincount(y, weights=w) / w.sum()
    np.testing.assert_allclose(model.predict_proba(x), np.tile(prior, (600, 1)), atol=1e-7)
    # class_weight="balanced" makes the weighted classes equally likely.
    balanced = bl.Classifier(objective=obj, class_weight="balanced", **SKPARAMS).fit(x, y)
    np.testing.assert_allclose(balanced.init_raw_, 0.0, atol=1e-12)


def test_fact_custom_objective_aborts_when_no_feature_survives_pre_filtering():
    # lightgbm#5667: 30 rows and min_data_in_leaf=20 leave no splittable feature.
    x, y = make_data(n=30)
    params = custom(SoftmaxCrossEntropy(), 3, min_data_in_leaf=20)
    with pytest.raises(lgb.basic.LightGBMError, match=r"num_features\(\)\) > \(0\)"):
        lgb.train(params, lgb.Dataset(x, y), 2)
    booster = lgb.train({**params, "feature_pre_filter": False}, lgb.Dataset(x, y), 2)
    np.testing.assert_array_equal(raw(booster, x), 0.0)  # no split: constant trees


def test_classifier_on_data_too_small_to_split_predicts_the_priors():
    x, y = make_data(n=30)
    model = bl.Classifier(objective=WeightedBrier(), n_estimators=5, verbose=-1, n_jobs=1)
    proba = model.fit(x, y).predict_proba(x)
    np.testing.assert_allclose(proba, np.tile(np.bincount(y) / 30, (30, 1)), rtol=1e-9)


def test_classifier_reports_the_objective_instead_of_the_builtin_metric():
    xtr, ytr, xte, yte = digits_split()
    obj = SoftmaxCrossEntropy()
    model = bl.Classifier(objective=obj, **SKPARAMS).fit(xtr, ytr, eval_set=[(xte, yte)])
    curve = model.evals_result_["valid_0"]
    assert list(curve) == ["softmax_xent"]
    np.testing.assert_allclose(curve["softmax_xent"][-1], log_loss(yte, model.predict_proba(xte)))
    kept = bl.Classifier(objective=obj, metric="multi_error", **SKPARAMS)
    kept.fit(xtr, ytr, eval_set=[(xte, yte)])
    assert sorted(kept.evals_result_["valid_0"]) == ["multi_error", "softmax_xent"]


def weighted_error(y, proba, w=None):
    return float(np.average(proba.argmax(axis=1) != y, weights=w))


@pytest.mark.parametrize(
    "named",
    [
        {"metric": "multi_logloss"},
        {"metric": "multiclass,multi_error"},
        {"metrics": ["softmax", "multi_error"]},
        {"eval_metric": "multi_logloss"},
        {"eval_metric": ["multi_error", "ova"]},
    ],
    ids=repr,
)
def test_classifier_computes_the_metrics_a_user_names_on_probabilities(named):
    # LightGBM computes its own metrics on raw margins under a custom objective:
    # multi_logloss read 3.28 where the held-out log-loss was 0.35.
    xtr, ytr, xte, yte = digits_split()
    # Weights LightGBM stores exactly (it keeps them as float32).
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(yte)).astype(np.float32).astype(float)
    fit_kwargs = {"eval_metric": named.pop("eval_metric")} if "eval_metric" in named else {}
    model = bl.Classifier(objective=WeightedBrier(), **named, **SKPARAMS)
    model.fit(xtr, ytr, eval_set=[(xte, yte)], eval_sample_weight=[w], **fit_kwargs)
    curve = model.evals_result_["valid_0"]
    proba = model.predict_proba(xte)
    expected = {
        "multi_logloss": log_loss(yte, proba, sample_weight=w),
        "multi_error": weighted_error(yte, proba, w),
        "brier": WeightedBrier(loss_scale=1.0)
        .loss(yte, model.predict(xte, raw_score=True), w)
        .sum()
        / w.sum(),
    }
    assert set(curve) <= set(expected) and len(curve) >= 2
    for name, values in curve.items():
        np.testing.assert_allclose(values[-1], expected[name], rtol=1e-9, err_msg=name)


def test_classifier_binary_metrics_are_those_of_probabilities():
    from sklearn.metrics import average_precision_score, roc_auc_score

    xtr, ytr, xte, yte = digits_split()
    ytr, yte = (ytr > 4).astype(int), (yte > 4).astype(int)
    names = ["binary_logloss", "binary_error", "auc", "average_precision", "xentropy"]
    model = bl.Classifier(metric=names, **SKPARAMS).fit(xtr, ytr, eval_set=[(xte, yte)])
    curve = {name: values[-1] for name, values in model.evals_result_["valid_0"].items()}
    p1 = model.predict_proba(xte)[:, 1]
    np.testing.assert_allclose(curve["binary_logloss"], log_loss(yte, p1), rtol=1e-9)
    np.testing.assert_allclose(curve["cross_entropy"], log_loss(yte, p1), rtol=1e-9)
    np.testing.assert_allclose(curve["binary_error"], np.mean((p1 > 0.5) != yte), rtol=1e-12)
    np.testing.assert_allclose(curve["auc"], roc_auc_score(yte, p1), rtol=1e-9)
    np.testing.assert_allclose(
        curve["average_precision"], average_precision_score(yte, p1), rtol=1e-9
    )


def test_classifier_binary_error_reads_a_tie_as_lightgbm_does():
    # Balanced classes and nothing to split: P(class 1) = 0.5 on every row,
    # which LightGBM's binary_error counts as class 0.
    x, y = np.ones((40, 2)), np.tile([0, 1], 20)
    params = {"n_estimators": 2, "n_jobs": 1, "verbose": -1, "metric": "binary_error"}
    ours = bl.Classifier(**params).fit(x, y, eval_X=x, eval_y=y)
    theirs = lgb.LGBMClassifier(**params).fit(x, y, eval_X=x, eval_y=y)
    np.testing.assert_array_equal(ours.predict_proba(x), theirs.predict_proba(x))
    [(_, curves)] = ours.evals_result_.items()
    [(_, builtin)] = theirs.evals_result_.items()
    error = curves["binary_error"][-1]
    assert error == builtin["binary_error"][-1] == 0.5
    assert error == np.mean(ours.predict(x) != y)


def test_classifier_top_k_error_follows_lightgbm():
    xtr, ytr, xte, yte = digits_split()
    model = bl.Classifier(metric="multi_error", multi_error_top_k=3, **SKPARAMS)
    model.fit(xtr, ytr, eval_set=[(xte, yte)])
    proba = model.predict_proba(xte)
    at_label = proba[np.arange(len(yte)), yte]
    expected = np.mean((proba >= at_label[:, None]).sum(axis=1) > 3)
    assert model.evals_result_["valid_0"]["multi_error"][-1] == pytest.approx(expected)
    assert 0 < expected < weighted_error(yte, proba)


def test_classifier_hands_boostobj_sklearn_metrics_margins():
    # They read margins, as LightGBM passes them; other callables get probabilities.
    x, y = make_data(n=120)
    obj = WeightedBrier(loss_scale=1.0)
    model = bl.Classifier(**SKPARAMS).fit(
        x, y, eval_X=x[:60], eval_y=y[:60], eval_metric=bl.sklearn_metric(obj, "brier")
    )
    [(_, curves)] = model.evals_result_.items()
    expected = obj.loss(y[:60], model.predict_proba(x[:60], raw_score=True)).mean()
    assert curves["brier"][-1] == pytest.approx(expected, rel=1e-9)


def test_classifier_eval_metric_callables_receive_probabilities():
    xtr, ytr, xte, yte = digits_split()
    seen = []

    def two(y_true, y_pred):
        seen.append(y_pred)
        return "two", log_loss(y_true, y_pred, labels=np.arange(10)), False

    def three(y_true, y_pred, weight):
        return "three", float(np.average(y_pred.argmax(axis=1) != y_true, weights=weight)), False

    model = bl.Classifier(**SKPARAMS).fit(xtr, ytr, eval_set=[(xte, yte)], eval_metric=[two, three])
    curve = model.evals_result_["valid_0"]
    proba = model.predict_proba(xte)
    np.testing.assert_allclose(seen[-1], proba, rtol=1e-12)
    np.testing.assert_allclose(curve["two"][-1], log_loss(yte, proba), rtol=1e-9)
    np.testing.assert_allclose(curve["three"][-1], weighted_error(yte, proba))


@pytest.mark.parametrize("name", ["l2", "rmse", "ndcg", "auc_mu", "multi_logloss@2"])
def test_classifier_refuses_metrics_without_a_counterpart_on_probabilities(name):
    x, y = make_data(n=100)
    with pytest.raises(ValueError, match=rf"metric '{name}' is not supported.*raw margins"):
        bl.Classifier(metric=name, **SKPARAMS).fit(x, y)
    with pytest.raises(ValueError, match=rf"metric '{name}' is not supported"):
        bl.Classifier(**SKPARAMS).fit(x, y, eval_set=[(x, y)], eval_metric=name)


@pytest.mark.parametrize("boosting", ["dart", "goss"])
def test_classifier_priors_stay_right_with_other_boosting_types(boosting):
    # DART rescales earlier trees while training; the priors are added afterwards,
    # so the final model still predicts init_raw_ + trees, as evaluated in training.
    xtr, ytr, xte, yte = digits_split()
    extra = {"boosting_type": "dart"} if boosting == "dart" else {"data_sample_strategy": "goss"}
    model = bl.Classifier(**SKPARAMS, **extra).fit(xtr, ytr, eval_set=[(xte, yte)])
    last = model.evals_result_["valid_0"]["softmax_xent"][-1]
    np.testing.assert_allclose(last, log_loss(yte, model.predict_proba(xte)), rtol=1e-10)


def test_classifier_early_stopping_and_eval_x_eval_y_with_string_labels():
    xtr, ytr, xte, yte = digits_split()
    names = np.array([f"d{d}" for d in range(10)])
    obj = WeightedBrier()
    model = bl.Classifier(objective=obj, **{**SKPARAMS, "n_estimators": 300, "learning_rate": 0.5})
    fit_eval = evals((xte, names[yte]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation warning from our use of eval_set
        model.fit(xtr, names[ytr], callbacks=[lgb.early_stopping(5, verbose=False)], **fit_eval)
    assert 1 <= model.best_iteration_ < 300
    best = model.evals_result_["valid_0"]["brier"][model.best_iteration_ - 1]
    proba = model.predict_proba(xte)
    onehot = (names[yte][:, None] == model.classes_[None, :]).astype(float)
    # The reported brier is the true (unscaled) Brier score.
    expected = WeightedBrier(loss_scale=1.0).loss(onehot, np.log(proba)).mean()
    np.testing.assert_allclose(best, expected, rtol=1e-10)


def test_classifier_get_set_params_and_clone():
    obj = WeightedBrier(hessian="exact", min_hessian=0.01)
    model = bl.Classifier(objective=obj, num_leaves=9, verbose=-1, lambda_l2=0.5)
    params = model.get_params()
    assert params["objective"] is obj and params["num_leaves"] == 9
    assert params["lambda_l2"] == 0.5 and params["verbose"] == -1
    twin = clone(model)
    assert type(twin) is bl.Classifier
    assert repr(twin.get_params()["objective"]) == repr(obj)
    assert twin.get_params()["objective"] is not obj
    twin.set_params(objective=SoftmaxCrossEntropy(), num_leaves=5)
    assert isinstance(twin.get_params()["objective"], SoftmaxCrossEntropy)
    assert twin.get_params()["num_leaves"] == 5


def test_classifier_in_grid_search_and_cross_val_score():
    x, y = load_digits(return_X_y=True)
    x, y = x[::2], y[::2]
    base = bl.Classifier(**{**SKPARAMS, "n_estimators": 10})
    search = GridSearchCV(
        base,
        {"objective": [SoftmaxCrossEntropy(), WeightedBrier()], "num_leaves": [4, 7]},
        scoring="neg_log_loss",
        cv=3,
    )
    search.fit(x, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert isinstance(best, bl.Classifier)
    assert repr(best.objective) == repr(search.best_params_["objective"])
    np.testing.assert_allclose(best.predict_proba(x).sum(axis=1), 1.0, rtol=1e-12)
    # The scores are log-losses of predict_proba's probabilities.
    scores = cross_val_score(base, x, y, cv=3, scoring="neg_log_loss")
    manual = [
        -log_loss(y[test], clone(base).fit(x[train], y[train]).predict_proba(x[test]))
        for train, test in StratifiedKFold(3).split(x, y)
    ]
    np.testing.assert_allclose(scores, manual, rtol=1e-12)
    assert np.all(scores > -1.0)  # the priors alone score -log(10) = -2.30


def test_classifier_survives_pickle_cloudpickle_and_a_model_file(tmp_path):
    xtr, ytr, xte, _ = digits_split()
    obj = WeightedBrier()
    model = bl.Classifier(objective=obj, **SKPARAMS).fit(xtr, ytr)
    expected = model.predict_proba(xte)
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, pickle.loads)):
        twin = loads(dumps(model))
        np.testing.assert_array_equal(twin.predict_proba(xte), expected)
    # A model file carries the priors in its first trees: the objective's
    # softmax of its raw margins is all a reloaded Booster needs.
    path = tmp_path / "model.txt"
    model.booster_.save_model(path)
    booster = lgb.Booster(model_file=path)
    np.testing.assert_array_equal(obj.predict_proba(booster.predict(xte, raw_score=True)), expected)
    # A fresh process unpickles it without touching boostobj.lightgbm first.
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    np.save(tmp_path / "x.npy", xte)
    code = (
        "import pickle, sys, numpy as np\n"
        f"model = pickle.loads(open({str(pickled)!r}, 'rb').read())\n"
        f"proba = model.predict_proba(np.load({str(tmp_path / 'x.npy')!r}))\n"
        f"np.save({str(tmp_path / 'p.npy')!r}, proba)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), expected)


def test_classifier_passes_scikit_learns_estimator_checks():
    # The one failure is LightGBM's own: LGBMClassifier.__init__ stores keyword
    # parameters (verbose) in an attribute; a plain LGBMClassifier fails it too.
    from sklearn.utils.estimator_checks import check_estimator

    lightgbm_own = {"check_no_attributes_set_in_init"}
    failed = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = bl.Classifier(n_estimators=5, verbose=-1, n_jobs=1)
        if "on_fail" in inspect.signature(check_estimator).parameters:
            results = check_estimator(model, on_fail=None)
            failed = {r["check_name"] for r in results if r["status"] == "failed"}
            assert len(results) > 50
        else:  # scikit-learn < 1.6
            for estimator, check in check_estimator(model, generate_only=True):
                try:
                    check(estimator)
                except Exception:
                    failed.add(getattr(check, "func", check).__name__)
    assert failed <= lightgbm_own


# =============================================================== bad input
def test_wrappers_refuse_what_is_not_a_boostobj_objective():
    for make in (bl.objective, bl.metric, bl.sklearn_objective, bl.sklearn_metric):
        with pytest.raises(TypeError, match=r"obj must be a boostobj objective.*'multiclass'"):
            make("multiclass")


def train_error(params, data, **kwargs):
    with pytest.raises(ValueError) as info:
        lgb.train(params, data, 2, **kwargs)
    return str(info.value)


def test_num_class_must_match_the_soft_label_columns():
    x, soft = soft_problem(n=100, k=4)
    message = train_error(custom(SoftmaxCrossEntropy(), 3), bl.attach_targets(lgb.Dataset(x), soft))
    assert "training Dataset" in message and "num_class=3" in message and "K=4" in message


def test_class_weight_must_match_num_class():
    x, y = make_data(n=100)
    obj = SoftmaxCrossEntropy(class_weight=[1.0, 2.0])
    message = train_error(custom(obj, 3), lgb.Dataset(x, y))
    assert "class_weight has 2 entries" in message and "num_class=3" in message


def test_labels_must_be_class_ids_below_num_class():
    x, y = make_data(n=100)
    message = train_error(custom(SoftmaxCrossEntropy(), 3), lgb.Dataset(x, y + 1))
    assert "num_class=3" in message and "[0, 3)" in message and "maximum 3" in message
    message = train_error(custom(SoftmaxCrossEntropy()), lgb.Dataset(x, y))
    assert "single-output" in message and "set num_class=K" in message and "[0, 1]" in message


def test_soft_labels_need_num_class():
    x, soft = soft_problem(n=100, k=2)
    message = train_error(custom(SoftmaxCrossEntropy()), bl.attach_targets(lgb.Dataset(x), soft))
    assert "single-output" in message and "soft labels of shape (100, 2)" in message


def test_metric_names_the_evaluation_dataset():
    x, y = make_data(n=100)
    obj = SoftmaxCrossEntropy()
    train = lgb.Dataset(x, y)
    valid = lgb.Dataset(x[:50], y[:50] + 1, reference=train)
    message = train_error(custom(obj, 3), train, valid_sets=[valid], feval=bl.metric(obj))
    assert "evaluation Dataset" in message and "maximum 3" in message


def test_attach_targets_checks_rows_weights_and_init_raw(tmp_path):
    x, soft = soft_problem(n=100)
    with pytest.raises(ValueError, match=r"labels have 99 rows but the Dataset has 100 rows"):
        bl.attach_targets(lgb.Dataset(x), soft[:99])
    with pytest.raises(ValueError, match=r"labels have 99 rows but the Dataset has 100 rows"):
        bl.attach_targets(lgb.Dataset(x, soft.argmax(axis=1)).construct(), soft[:99])
    with pytest.raises(ValueError, match="weight"):
        bl.attach_targets(lgb.Dataset(x, weight=np.full(100, 2.0)), soft, np.ones(100))
    with pytest.raises(ValueError, match=r"init_raw of shape \(2,\) does not fit.*K=3"):
        bl.attach_targets(lgb.Dataset(x), soft, init_raw=[0.0, 1.0])
    with pytest.raises(ValueError, match=r"init_raw of shape \(\) does not fit.*soft labels"):
        bl.attach_targets(lgb.Dataset(x), soft, init_raw=0.0)
    with pytest.raises(ValueError, match=r"init_raw of shape \(2,\) does not fit.*\[0, 2\)"):
        bl.attach_targets(lgb.Dataset(x), soft.argmax(axis=1), init_raw=[0.0, 1.0])
    with pytest.raises(ValueError, match=r"init_raw must be a finite"):
        bl.attach_targets(lgb.Dataset(x), soft, init_raw=[0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="soft labels must be probabilities"):
        bl.attach_targets(lgb.Dataset(x), soft * 2)
    # Rows unknown until LightGBM reads the file: caught on the first round.
    path = tmp_path / "train.csv"
    np.savetxt(path, np.column_stack([soft.argmax(axis=1), x]), delimiter=",")
    data = bl.attach_targets(lgb.Dataset(str(path), params={"header": False}), soft[:99])
    message = train_error(custom(SoftmaxCrossEntropy(), 3), data)
    assert "training Dataset" in message and "99" in message and "100" in message


def test_attach_targets_uses_the_dataset_weight_when_given_none():
    x, y = make_data(n=100)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 100)
    data = bl.attach_targets(lgb.Dataset(x, weight=w), y)
    np.testing.assert_array_equal(getattr(data, bl_targets._BINDING_ATTR).targets.sample_weight, w)
    assert np.array_equal(data.label, y)  # the Dataset got the class ids as label


def test_preds_must_be_an_array():
    x, y = make_data(n=10)
    data = lgb.Dataset(x, y).construct()
    with pytest.raises(TypeError, match="preds must be"):
        bl.objective(SoftmaxCrossEntropy())([[0.0] * 3] * 10, data)


@pytest.mark.parametrize("mixup", ["objective", "metric", "sklearn_objective", "sklearn_metric"])
def test_an_adapter_used_in_the_other_api_names_the_right_one(mixup):
    x, y = make_data(n=60)
    obj = SoftmaxCrossEntropy()
    native = {**PARAMS, "num_class": 3}
    run, right = {
        "objective": (
            lambda: lgb.LGBMClassifier(objective=bl.objective(obj), **SKPARAMS).fit(x, y),
            "use sklearn_objective() and sklearn_metric() there",
        ),
        "metric": (
            lambda: bl.Classifier(**SKPARAMS).fit(
                x, y, eval_X=x, eval_y=y, eval_metric=bl.metric(obj)
            ),
            "use sklearn_objective() and sklearn_metric() there",
        ),
        "sklearn_objective": (
            lambda: lgb.train(
                {**native, "objective": bl.sklearn_objective(obj)}, lgb.Dataset(x, y), 2
            ),
            "use boostobj.lightgbm.objective() there",
        ),
        "sklearn_metric": (
            lambda: lgb.train(
                {**native, "objective": bl.objective(obj)},
                lgb.Dataset(x, y),
                2,
                valid_sets=[lgb.Dataset(x, y)],
                feval=bl.sklearn_metric(obj),
            ),
            "use boostobj.lightgbm.metric() there",
        ),
    }[mixup]
    with pytest.raises(TypeError, match=re.escape(right)):
        run()


def test_add_init_raw_refusals():
    x, y = make_data()
    booster = lgb.train(custom(SoftmaxCrossEntropy(), 3), lgb.Dataset(x, y), 2)
    with pytest.raises(ValueError, match=r"init_raw must hold 3 finite margin\(s\).*\(2,\)"):
        bl.add_init_raw(booster, [0.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        bl.add_init_raw(booster, [0.0, 1.0, np.inf])
    linear = lgb.train(builtin_multiclass(3, linear_tree=True), lgb.Dataset(x, y), 2)
    with pytest.raises(ValueError, match="linear trees"):
        bl.add_init_raw(linear, [0.0, 0.0, 0.0])
    forest = lgb.train(
        {**PARAMS, "objective": "binary", "boosting": "rf", "bagging_fraction": 0.5,
         "bagging_freq": 1},
        lgb.Dataset(x, y == 0),
        2,
    )  # fmt: skip
    with pytest.raises(ValueError, match="random-forest"):
        bl.add_init_raw(forest, 0.0)
    empty = lgb.Booster(params={**PARAMS, "objective": "binary"}, train_set=lgb.Dataset(x, y == 0))
    with pytest.raises(ValueError, match="no trees"):
        bl.add_init_raw(empty, 0.0)


def test_classifier_refusals():
    x, y = make_data(n=100)
    cases = [
        (bl.Classifier(objective="multiclass", **SKPARAMS), {}, TypeError, "boostobj objective"),
        (bl.Classifier(**SKPARAMS), {"init_score": np.zeros((100, 3))}, ValueError, "init_score"),
        (bl.Classifier(**SKPARAMS), {"init_model": "model.txt"}, ValueError, "init_model"),
        (bl.Classifier(linear_tree=True, **SKPARAMS), {}, ValueError, "linear_tree"),
        (bl.Classifier(boosting_type="rf", **SKPARAMS), {}, ValueError, "rf.*random forest"),
        (bl.Classifier(boosting="random_forest", **SKPARAMS), {}, ValueError, "random forest"),
        (
            bl.Classifier(objective=WeightedBrier(class_weight=[1, 2]), **SKPARAMS),
            {},
            ValueError,
            r"class_weight has 2 entries but y has 3 classes",
        ),
    ]
    for model, fit_params, error, message in cases:
        with pytest.raises(error, match=message):
            model.fit(x, y, **fit_params)
    with pytest.raises(ValueError, match="y has 1 class"):
        bl.Classifier(**SKPARAMS).fit(x, np.zeros(100))
    with pytest.raises(ValueError, match="eval_set or eval_X"):
        bl.Classifier(**SKPARAMS).fit(x, y, eval_set=[(x, y)], eval_X=x, eval_y=y)


# ================================================================ package
def test_the_adapter_imports_lightgbm_only_for_the_classifier():
    code = (
        "import sys, numpy as np, boostobj.lightgbm as bl\n"
        "from boostobj import SoftmaxCrossEntropy\n"
        "bl.objective(SoftmaxCrossEntropy()); bl.metric(SoftmaxCrossEntropy())\n"
        "print('lightgbm' in sys.modules, 'sklearn' in sys.modules, end=' ')\n"
        "cls = bl.Classifier\n"
        "print('lightgbm' in sys.modules, 'Classifier' in dir(bl), end=' ')\n"
        "print(cls.__module__, cls.__qualname__, cls is bl._sklearn.Classifier)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # Pickles name the class boostobj.lightgbm.Classifier: it must stay there.
    assert out.stdout.strip() == "False False True True boostobj.lightgbm Classifier True"


def test_objective_results_are_fresh_arrays_and_threads_agree():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(300, 3)), rng.integers(0, 3, 300)
    dtrain = lgb.Dataset(X, y, params={"verbose": -1}).construct()
    f = bl.objective(SoftmaxCrossEntropy())
    preds_a = np.asfortranarray(rng.normal(size=(300, 3)))
    preds_b = np.asfortranarray(rng.normal(size=(300, 3)))
    grad_a, hess_a = f(preds_a, dtrain)
    kept = grad_a.copy(), hess_a.copy()
    grad_b, _ = f(preds_b, dtrain)
    np.testing.assert_array_equal(grad_a, kept[0])  # the second call changed nothing
    np.testing.assert_array_equal(hess_a, kept[1])
    assert not np.shares_memory(grad_a, grad_b)
    expected, _ = SoftmaxCrossEntropy().grad_hess(y, preds_b)
    np.testing.assert_array_equal(grad_b, expected.astype(np.float32))
    # Concurrent calls from threads agree with serial ones.
    from concurrent.futures import ThreadPoolExecutor

    inputs = [np.asfortranarray(rng.normal(size=(300, 3))) for _ in range(8)]
    serial = [f(p, dtrain)[0] for p in inputs]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda p: f(p, dtrain)[0], inputs))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)

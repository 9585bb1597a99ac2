"""WeightedBrier's loss_scale in the engines: true Brier metrics, and one scale per fit."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import SoftmaxCrossEntropy, WeightedBrier

K = 3


def make_data(n=600, seed=0, k=K):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    logits = X[:, :3] @ rng.normal(size=(3, k)) + np.linspace(1.0, -1.0, k)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    # Weights that float32 holds exactly: LightGBM's Dataset keeps them so.
    w = rng.uniform(0.5, 2.0, n).astype(np.float32).astype(np.float64)
    return X, np.minimum(y, k - 1), w


def brier(y, proba, w=None):
    """The weighted mean Brier score, by hand."""
    per_row = np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1)
    return float(np.average(per_row, weights=w))


SCALED = [
    WeightedBrier(loss_scale="adaptive"),
    WeightedBrier(loss_scale="prior"),
    WeightedBrier(loss_scale=25.0),
]


# ------------------------------------------------------- metric callables
@pytest.mark.parametrize("obj", SCALED, ids=repr)
def test_native_metrics_report_the_unscaled_brier_score(obj):
    X, y, w = make_data()
    raw = np.random.default_rng(1).normal(size=(len(y), K))
    proba = obj.predict_proba(raw)
    expected = brier(y, proba, w)
    plain = WeightedBrier(loss_scale=1.0)
    dmat = xgb.DMatrix(X, label=y, weight=w)
    assert bx.metric(obj)(raw.astype(np.float32), dmat)[1] == pytest.approx(
        bx.metric(plain)(raw.astype(np.float32), dmat)[1], rel=1e-12
    )
    assert bx.metric(obj)(raw, dmat)[1] == pytest.approx(expected, rel=1e-6)
    dset = lgb.Dataset(X, label=y, weight=w, free_raw_data=False).construct()
    assert bl.metric(obj)(raw, dset)[1] == pytest.approx(expected, rel=1e-12)
    assert bl.sklearn_metric(obj)(y, raw, w)[1] == pytest.approx(expected, rel=1e-12)
    # The objective itself is scaled: the metric is not its mean loss.
    assert np.average(obj.loss(y, raw, w), weights=w) > 1.5 * expected


# ------------------------------------------------------------- Classifiers
def xgb_classifier(obj, **extra):
    return bx.Classifier(
        objective=obj, n_estimators=20, max_depth=3, learning_rate=0.3, n_jobs=1, **extra
    )


def lgb_classifier(obj, **extra):
    return bl.Classifier(
        objective=obj,
        n_estimators=20,
        learning_rate=0.1,
        n_jobs=1,
        verbose=-1,
        min_child_weight=1.0,
        **extra,
    )


@pytest.mark.parametrize("make", [xgb_classifier, lgb_classifier], ids=["xgboost", "lightgbm"])
@pytest.mark.parametrize("loss_scale", ["adaptive", "prior"])
def test_classifier_eval_metric_is_the_true_brier_score(make, loss_scale):
    X, y, w = make_data()
    Xv, yv, _ = make_data(300, seed=5)
    model = make(WeightedBrier(loss_scale=loss_scale))
    kw = {"verbose": False} if make is xgb_classifier else {}
    model.fit(X, y, sample_weight=w, eval_set=[(Xv, yv)], **kw)
    results = model.evals_result_ if hasattr(model, "evals_result_") else model.evals_result()
    (history,) = [h["brier"] for h in results.values()]
    assert history[-1] == pytest.approx(brier(yv, model.predict_proba(Xv)), rel=1e-5)


@pytest.mark.parametrize("make", [xgb_classifier, lgb_classifier], ids=["xgboost", "lightgbm"])
@pytest.mark.parametrize("class_weight", [None, np.array([0.5, 1.0, 2.0])])
def test_classifier_fixes_prior_once_on_the_whole_training_set(make, class_weight, monkeypatch):
    X, y, w = make_data()
    user = WeightedBrier(loss_scale="prior", class_weight=class_weight)
    number = user.prior_loss_scale(y, w)
    assert number != pytest.approx(K / 2)  # the priors are not equal here
    seen = []
    real = WeightedBrier._resolve_params

    def spy(self, params, targets, raw, n_threads):
        seen.append(params.loss_scale)  # as the engine's calls receive it
        return real(self, params, targets, raw, n_threads)

    monkeypatch.setattr(WeightedBrier, "_resolve_params", spy)
    pinned = make(user).fit(X, y, sample_weight=w)
    assert user.loss_scale == "prior"  # the user's object is not changed
    # Fixed before training: no call resolves "prior" again.
    assert seen and all(s == number for s in seen)
    seen.clear()
    fixed = make(WeightedBrier(loss_scale=number, class_weight=class_weight))
    fixed.fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(pinned.predict_proba(X), fixed.predict_proba(X))
    # The plain Brier score trains another model: the scale reached the engine.
    plain = make(WeightedBrier(class_weight=class_weight, loss_scale=1.0))
    plain.fit(X, y, sample_weight=w)
    assert not np.allclose(plain.predict_proba(X), fixed.predict_proba(X))


def test_lightgbm_classifier_class_weight_enters_the_pinned_scale(monkeypatch):
    X, y, _ = make_data()
    seen = []
    real = WeightedBrier._resolve_params

    def spy(self, params, targets, raw, n_threads):
        seen.append(params.loss_scale)
        return real(self, params, targets, raw, n_threads)

    monkeypatch.setattr(WeightedBrier, "_resolve_params", spy)
    lgb_classifier(WeightedBrier(loss_scale="prior"), class_weight="balanced").fit(X, y)
    # "balanced" weights make the weighted priors equal: K / 2.
    assert seen and all(s == pytest.approx(K / 2, rel=1e-12) for s in seen)


def test_xgboost_native_train_resolves_prior_on_its_dmatrix():
    X, y, w = make_data()
    dtrain = xgb.DMatrix(X, label=y, weight=w)
    obj = WeightedBrier(loss_scale="prior")
    number = obj.prior_loss_scale(y, w)
    params = {"num_class": K, "objective": "multi:softprob", "max_depth": 2, "nthread": 1}
    a = xgb.train(params, dtrain, 5, obj=bx.objective(obj))
    b = xgb.train(params, dtrain, 5, obj=bx.objective(WeightedBrier(loss_scale=number)))
    np.testing.assert_array_equal(a.predict(dtrain), b.predict(dtrain))


@pytest.mark.parametrize("value", ["adaptive", "prior", 4.0])
def test_xgboost_classifier_saves_and_loads_the_loss_scale(value, tmp_path):
    X, y, w = make_data()
    model = xgb_classifier(WeightedBrier(loss_scale=value)).fit(X, y, sample_weight=w)
    path = tmp_path / "model.json"
    model.save_model(path)
    loaded = bx.Classifier()
    loaded.load_model(path)
    assert loaded.objective.loss_scale == value
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# ------------------------------------------------------------ "adaptive"
def by_hand(y, w, raw, factor=1.0):
    """Gradient and Hessian of the adaptive rule from the two objectives' Hessians."""
    raw = np.asarray(raw, dtype=np.float64)
    _, hx = SoftmaxCrossEntropy().grad_hess(y, raw, w)
    g, hb = WeightedBrier(loss_scale=1.0).grad_hess(y, raw, w)
    s = hx.sum() / hb.sum()
    return (s * g).astype(np.float32), (factor * s * hb).astype(np.float32)


def test_xgboost_native_train_rescales_every_round():
    X, y, w = make_data()
    dtrain = xgb.DMatrix(X, label=y, weight=w)
    params = {"num_class": K, "objective": "multi:softprob", "max_depth": 2, "nthread": 1}
    scales = []
    adaptive = WeightedBrier(loss_scale="adaptive")

    def hand(predt, dmat):
        scales.append(adaptive.loss_scale_at(y, predt, w))
        return by_hand(y, w, predt)

    a = xgb.train(params, dtrain, 8, obj=bx.objective(adaptive))
    b = xgb.train(params, dtrain, 8, obj=hand)
    np.testing.assert_allclose(a.predict(dtrain), b.predict(dtrain), rtol=1e-6, atol=1e-7)
    # The number moves as the fit does (and starts at the prior's, margins 0.5 = equal p).
    assert scales[0] == pytest.approx(K / 2, rel=1e-12)
    assert len(set(scales)) == len(scales) and scales[-1] > scales[0]
    # A constant at the first round's number is another model.
    fixed = xgb.train(params, dtrain, 8, obj=bx.objective(WeightedBrier(loss_scale=scales[0])))
    assert not np.allclose(a.predict(dtrain), fixed.predict(dtrain), rtol=1e-4)


def test_lightgbm_native_train_rescales_every_round():
    X, y, w = make_data()
    params = {"num_class": K, "num_leaves": 4, "verbose": -1, "num_threads": 1}
    adaptive = WeightedBrier(loss_scale="adaptive")

    def hand(preds, data):
        g, h = by_hand(y, w, preds)
        return g.astype(np.float64), h.astype(np.float64)

    dset = lgb.Dataset(X, label=y, weight=w)
    a = lgb.train({**params, "objective": bl.objective(adaptive)}, dset, 8)
    b = lgb.train({**params, "objective": hand}, lgb.Dataset(X, label=y, weight=w), 8)
    np.testing.assert_allclose(
        a.predict(X, raw_score=True), b.predict(X, raw_score=True), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("make", [xgb_classifier, lgb_classifier], ids=["xgboost", "lightgbm"])
def test_classifier_resolves_adaptive_each_round_on_the_whole_training_set(make, monkeypatch):
    X, y, w = make_data()
    seen = []
    real = WeightedBrier._resolve_params

    def spy(self, params, targets, raw, n_threads):
        resolved = real(self, params, targets, raw, n_threads)
        seen.append((params.loss_scale, raw.shape[0], resolved.loss_scale))
        return resolved

    monkeypatch.setattr(WeightedBrier, "_resolve_params", spy)
    user = WeightedBrier(loss_scale="adaptive")
    make(user).fit(X, y, sample_weight=w)
    assert user.loss_scale == "adaptive"
    grads = [s for s in seen if s[1] == len(y)]
    assert len(grads) >= 20  # one per round at least (metrics resolve nothing)
    assert all(rule == "adaptive" for rule, _, _ in seen)
    numbers = [number for _, _, number in grads]
    # From the priors (XGBoost holds them in float32).
    assert numbers[0] == pytest.approx(user.prior_loss_scale(y, w), rel=1e-6)
    assert numbers[-1] > numbers[0]  # as the fit sharpens, Brier's curvature falls faster


def test_dask_pin_of_adaptive_per_engine():
    import dask.array as da

    labels = np.array([0, 1, 2, 1, 1, 0])
    y = da.from_array(labels, chunks=2)
    obj = WeightedBrier(loss_scale="adaptive")
    # XGBoost's workers share it each round: nothing to fix.
    assert bx.dask_pin_loss_scale(obj, y, num_class=K) is obj
    # LightGBM's cannot: the prior's number, fixed on all labels.
    pinned = bl.dask_pin_loss_scale(obj, y, n_classes=K)
    prior = obj.prior_loss_scale(labels, n_classes=K)
    assert pinned.loss_scale == pytest.approx(prior, rel=1e-12) and prior != K / 2
    assert obj.loss_scale == "adaptive"

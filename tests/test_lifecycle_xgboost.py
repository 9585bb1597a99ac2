"""XGBoost lifecycles: every way a DMatrix is made, derived and changed, per adapter path.

Each case trains through boostobj and compares the model with one trained
from freshly built objects holding the same rows, labels and weights.
Features take eight values, so that every DMatrix of the same rows sketches
them alike.
"""

from __future__ import annotations

import copy
import gc
import pickle
import tracemalloc
import weakref

import numpy as np
import pytest
import xgboost as xgb
from sklearn.base import clone
from sklearn.metrics import log_loss, roc_auc_score

import boostobj.xgboost as bx
from boostobj import SoftmaxCrossEntropy, WeightedBrier

K = 3
N = 240
ROUNDS = 5
TREE = {"max_depth": 3, "eta": 0.3, "nthread": 1, "num_class": K, "objective": "multi:softprob"}
OBJECTIVES = [SoftmaxCrossEntropy(class_weight=[1.0, 2.0, 0.5]), WeightedBrier()]
MATRICES = {"DMatrix": xgb.DMatrix, "QuantileDMatrix": xgb.QuantileDMatrix}


def problem(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 8, size=(N, 4)).astype(np.float32)
    y = (x @ rng.normal(size=(4, K)) / 4 + rng.gumbel(size=(N, K))).argmax(axis=1)
    return x, y, rng.uniform(0.5, 2.0, N).astype(np.float32)


def train(obj, dmat, rounds=ROUNDS, **kwargs):
    return xgb.train(TREE, dmat, rounds, obj=bx.objective(obj), **kwargs)


def margins(booster, x):
    return booster.predict(xgb.DMatrix(x), output_margin=True)


def assert_same_model(a, b, x):
    np.testing.assert_array_equal(margins(a, x), margins(b, x))


# ---------------------------------------------------- changes after use
CHANGES = {
    "set_label": lambda d, y, w: d.set_label(y),
    "set_weight": lambda d, y, w: d.set_weight(w),
    "set_info": lambda d, y, w: d.set_info(label=y, weight=w),
    "set_float_info": lambda d, y, w: d.set_float_info("label", y),
}


@pytest.mark.parametrize("matrix", sorted(MATRICES))
@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
def test_a_dmatrix_changed_after_use_trains_like_a_fresh_one(matrix, change, obj):
    x, y, w = problem()
    make = MATRICES[matrix]
    dmat = make(x, label=y, weight=w)
    f = bx.objective(obj)
    xgb.train(TREE, dmat, 2, obj=f)  # the callable has now seen this DMatrix
    new_y, new_w = (y + 1) % K, w[::-1].copy()
    CHANGES[change](dmat, new_y, new_w)
    fresh = make(x, label=dmat.get_label(), weight=dmat.get_weight())
    assert not np.array_equal(dmat.get_label(), y) or not np.array_equal(dmat.get_weight(), w)
    booster = xgb.train(TREE, dmat, ROUNDS, obj=f)
    assert_same_model(booster, train(obj, fresh), x)


def test_soft_labels_changed_after_use_are_followed():
    x, _, _ = problem()
    rng = np.random.default_rng(1)
    soft, other = rng.dirichlet(np.ones(K), N), rng.dirichlet(np.ones(K), N)
    params = {k: v for k, v in TREE.items() if k not in ("num_class", "objective")}
    f = bx.objective(WeightedBrier())
    dmat = xgb.DMatrix(x, label=soft)
    xgb.train(params, dmat, 2, obj=f)
    dmat.set_label(other)
    booster = xgb.train(params, dmat, ROUNDS, obj=f)
    fresh_obj = bx.objective(WeightedBrier())
    fresh = xgb.train(params, xgb.DMatrix(x, label=other), ROUNDS, obj=fresh_obj)
    assert_same_model(booster, fresh, x)


def test_an_evaluation_dmatrix_changed_after_use_is_measured_afresh():
    x, y, w = problem()
    obj = SoftmaxCrossEntropy()
    valid = xgb.DMatrix(x[:80], label=y[:80])
    m = bx.metric(obj)
    booster = train(obj, xgb.DMatrix(x, label=y))
    first = m(booster.predict(valid, output_margin=True), valid)[1]
    valid.set_weight(w[:80])
    second = m(booster.predict(valid, output_margin=True), valid)[1]
    raw = booster.predict(valid, output_margin=True)
    # The metric sums the float32 losses in float64; so does the expectation.
    expected = (
        obj.loss(y[:80], raw, w[:80]).astype(np.float64).sum() / w[:80].astype(np.float64).sum()
    )
    assert second == pytest.approx(expected, rel=1e-12)
    assert first != pytest.approx(second, rel=1e-6)


def test_set_base_margin_after_use_trains_like_a_fresh_dmatrix_with_it():
    x, y, _ = problem()
    obj = SoftmaxCrossEntropy()
    start = obj.init_raw(y, n_classes=K)
    dmat = xgb.DMatrix(x, label=y)
    f = bx.objective(obj)
    xgb.train(TREE, dmat, 1, obj=f)
    bx.set_base_margin(dmat, start)
    fresh = xgb.DMatrix(x, label=y)
    bx.set_base_margin(fresh, start)
    booster = xgb.train(TREE, dmat, ROUNDS, obj=f)
    reference = train(obj, fresh)
    np.testing.assert_array_equal(
        booster.predict(dmat, output_margin=True), reference.predict(fresh, output_margin=True)
    )


# ----------------------------------------------------- derived matrices
@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
def test_a_sliced_dmatrix_trains_like_a_fresh_one_of_its_rows(obj):
    x, y, w = problem()
    full = xgb.DMatrix(x, label=y, weight=w)
    f = bx.objective(obj)
    xgb.train(TREE, full, 1, obj=f)
    rows = np.arange(0, N, 3)
    booster = xgb.train(TREE, full.slice(rows), ROUNDS, obj=f)
    assert_same_model(booster, train(obj, xgb.DMatrix(x[rows], label=y[rows], weight=w[rows])), x)


@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
def test_cv_folds_report_the_loss_of_fresh_models_of_their_rows(obj):
    x, y, w = problem()
    folds = [(np.setdiff1d(np.arange(N), test), test) for test in np.array_split(np.arange(N), 3)]
    result = xgb.cv(
        {**TREE, "disable_default_eval_metric": 1},
        xgb.DMatrix(x, label=y, weight=w),
        ROUNDS,
        folds=folds,
        obj=bx.objective(obj),
        custom_metric=bx.metric(obj),
    )
    losses = []
    # Each fold resolves loss_scale="prior" on its own training rows, as a
    # fresh model does; the metric is unscaled.
    scored = WeightedBrier(loss_scale=1.0) if isinstance(obj, WeightedBrier) else obj
    for tr, te in folds:
        booster = train(obj, xgb.DMatrix(x[tr], label=y[tr], weight=w[tr]))
        raw = margins(booster, x[te])
        losses.append(scored.loss(y[te], raw, w[te]).sum() / w[te].sum())
    np.testing.assert_allclose(result[f"test-{obj.name}-mean"].iloc[-1], np.mean(losses), rtol=1e-6)


# ------------------------------------------------------ reuse and copies
def test_continued_training_equals_continued_training_on_fresh_objects():
    x, y, w = problem()
    obj = WeightedBrier()
    dmat = xgb.DMatrix(x, label=y, weight=w)
    f = bx.objective(obj)
    more = xgb.train(TREE, dmat, 3, obj=f, xgb_model=xgb.train(TREE, dmat, 3, obj=f))
    fresh = xgb.DMatrix(x, label=y, weight=w)
    reference = train(obj, fresh, 3, xgb_model=train(obj, xgb.DMatrix(x, label=y, weight=w), 3))
    assert_same_model(more, reference, x)


def test_one_callable_serves_several_dmatrices_and_copies_agree():
    x, y, w = problem()
    obj = SoftmaxCrossEntropy()
    f = bx.objective(obj)
    a = xgb.DMatrix(x, label=y, weight=w)
    b = xgb.DMatrix(x[:150], label=(y[:150] + 1) % K)
    xgb.train(TREE, a, 2, obj=f)
    for twin in (f, copy.deepcopy(f), pickle.loads(pickle.dumps(f))):
        booster = xgb.train(TREE, b, ROUNDS, obj=twin)
        assert_same_model(booster, train(obj, xgb.DMatrix(x[:150], label=(y[:150] + 1) % K)), x)


def test_one_dmatrix_reused_with_another_objective():
    x, y, w = problem()
    dmat = xgb.DMatrix(x, label=y, weight=w)
    first, second = OBJECTIVES
    train(first, dmat)
    assert_same_model(train(second, dmat), train(second, xgb.DMatrix(x, label=y, weight=w)), x)


def test_an_objective_changed_after_wrapping_trains_what_it_says():
    x, y, _ = problem()
    obj = SoftmaxCrossEntropy()
    f = bx.objective(obj)
    obj.class_weight = np.array([1.0, 3.0, 1.0])
    booster = xgb.train(TREE, xgb.DMatrix(x, label=y), ROUNDS, obj=f)
    reference = train(SoftmaxCrossEntropy(class_weight=[1.0, 3.0, 1.0]), xgb.DMatrix(x, label=y))
    assert_same_model(booster, reference, x)


def test_targets_are_freed_with_their_dmatrix():
    x, y, _ = problem()
    f = bx.objective(SoftmaxCrossEntropy())
    dmat = xgb.DMatrix(x, label=y)
    xgb.train(TREE, dmat, 1, obj=f)
    ref = weakref.ref(f._targets[dmat])
    del dmat
    gc.collect()
    assert ref() is None and len(f._targets) == 0


def test_distributed_workers_check_together_once_per_training_dmatrix(monkeypatch):
    # On a distributed run the workers check round 1 together (one more
    # collective): that must happen exactly once per training DMatrix, or one
    # worker would wait in it for another that never comes. Simulated here:
    # XGBoost reports a distributed run, and the agreement is counted.
    import boostobj.xgboost._callables as callables

    x, y, _ = problem()
    calls = []

    def counted(compute, numbers, size):
        calls.append(1)
        result = compute()
        return result, numbers(result)  # one worker's sums: the workers' alone

    monkeypatch.setattr(xgb.collective, "is_distributed", lambda: True)
    monkeypatch.setattr(callables, "_on_every_worker", counted)
    f = bx.objective(SoftmaxCrossEntropy())
    dmat = xgb.DMatrix(x, label=y)
    xgb.train(TREE, dmat, ROUNDS, obj=f)
    assert len(calls) == 1
    # New labels after that (valid ones) are validated again, alone: no new agreement.
    dmat.set_label(np.roll(y, 1))
    xgb.train(TREE, dmat, 2, obj=f)
    assert len(calls) == 1
    # Another DMatrix, and a copy of the callable (as each worker gets one), check again.
    xgb.train(TREE, xgb.DMatrix(x, label=y), 2, obj=f)
    xgb.train(TREE, dmat, 2, obj=copy.deepcopy(f))
    assert len(calls) == 3
    # The record holds no DMatrix alive.
    ref = weakref.ref(dmat)
    del dmat
    gc.collect()
    assert ref() is None and len(f._checked) == 0


# ---------------------------------------------------- scikit-learn paths
SKPARAMS = {"n_estimators": ROUNDS, "max_depth": 3, "learning_rate": 0.3, "n_jobs": 1}


def sk_model(path, obj):
    if path == "Classifier":
        return bx.Classifier(objective=obj, **SKPARAMS)
    return xgb.XGBClassifier(objective=bx.sklearn_objective(obj), **SKPARAMS)


def sk_margins(model, x):
    return model.predict(x, output_margin=True)


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
def test_refitting_one_estimator_equals_a_fresh_fit(path, obj):
    x, y, w = problem()
    model = sk_model(path, obj)
    model.fit(x, y, sample_weight=w)
    y2 = (y + 1) % K
    model.fit(x, y2, sample_weight=w[::-1].copy())
    fresh = sk_model(path, copy.deepcopy(obj)).fit(x, y2, sample_weight=w[::-1].copy())
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(fresh, x))


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_arrays_changed_in_place_after_fit_change_nothing(path):
    x, y, w = problem()
    y, w = y.copy(), w.copy()
    model = sk_model(path, SoftmaxCrossEntropy()).fit(x, y, sample_weight=w)
    before = sk_margins(model, x)
    y[:] = (y + 1) % K
    w[:] = 1.0
    np.testing.assert_array_equal(sk_margins(model, x), before)
    model.fit(x, y, sample_weight=w)
    fresh = sk_model(path, SoftmaxCrossEntropy()).fit(x, y.copy(), sample_weight=w.copy())
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(fresh, x))


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_clones_and_unpickled_estimators_fit_the_same_model(path):
    x, y, w = problem()
    model = sk_model(path, WeightedBrier())
    reference = clone(model).fit(x, y, sample_weight=w)
    for twin in (clone(model), pickle.loads(pickle.dumps(model))):
        twin.fit(x, y, sample_weight=w)
        np.testing.assert_array_equal(sk_margins(twin, x), sk_margins(reference, x))


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_nothing_accumulates_across_fits(path):
    rng = np.random.default_rng(0)
    n = 20_000
    x = rng.normal(size=(n, 4)).astype(np.float32)

    def fit_many(times):
        for _ in range(times):
            y = rng.integers(0, K, n)
            w = rng.uniform(0.5, 2.0, n)
            model = sk_model(path, SoftmaxCrossEntropy()).set_params(n_estimators=2)
            model.fit(x, y, sample_weight=w, eval_set=[(x[:5000], y[:5000])], verbose=False)

    fit_many(2)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fit_many(10)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Each fit's labels and weights take 2 x 160 kB: ten leaked fits would be 3 MB.
    assert grown < 400_000


def skewed(seed, major):
    """``problem`` rows relabelled so that class ``major`` holds most of them."""
    x, y, w = problem(seed)
    rng = np.random.default_rng(seed + 100)
    return x, np.where(rng.uniform(size=N) < 0.6, major, y), w


@pytest.mark.parametrize("given", ["Classifier", "Booster", "file"])
@pytest.mark.parametrize("classes", [K, 2])
def test_classifier_continued_on_other_rows_keeps_its_trees_start(given, classes, tmp_path):
    # The second batch has another class mix: priors recomputed from it
    # would move every tree of the first model.
    x, y, w = skewed(0, 0)
    x2, y2, w2 = skewed(1, classes - 1)
    y, y2 = y % classes, y2 % classes
    first = bx.Classifier(objective=WeightedBrier(), **SKPARAMS).fit(x, y, sample_weight=w)
    previous = {"Classifier": first, "Booster": first.get_booster(), "file": tmp_path / "m.json"}
    first.save_model(previous["file"])
    more = bx.Classifier(objective=WeightedBrier(), **SKPARAMS)
    more.fit(x2, y2, sample_weight=w2, xgb_model=previous[given])
    np.testing.assert_array_equal(more.init_raw_, first.init_raw_)
    head = more.predict(x, output_margin=True, iteration_range=(0, ROUNDS))
    np.testing.assert_array_equal(head, sk_margins(first, x))
    assert more.get_booster().num_boosted_rounds() == 2 * ROUNDS
    # The saved model keeps the start its trees share.
    np.testing.assert_array_equal(bx.stored_init_raw(more.get_booster()), first.init_raw_)


def test_classifier_continuing_a_model_it_cannot_start_raises():
    x, y, _ = problem()
    foreign = xgb.XGBClassifier(**SKPARAMS).fit(x, y)
    with pytest.raises(ValueError, match="xgb_model was not trained by boostobj"):
        bx.Classifier(**SKPARAMS).fit(x, y, xgb_model=foreign)
    binary = bx.Classifier(**SKPARAMS).fit(x, y % 2)
    with pytest.raises(ValueError, match=r"single output .* y has 3 classes"):
        bx.Classifier(**SKPARAMS).fit(x, y, xgb_model=binary)
    # With the starting margins given, the foreign model is continued from them.
    start = np.zeros((N, K), dtype=np.float32)
    more = bx.Classifier(**SKPARAMS).fit(x, y, base_margin=start, xgb_model=foreign)
    assert more.get_booster().num_boosted_rounds() == 2 * ROUNDS


@pytest.mark.parametrize("booster", ["gbtree", "dart", "dart, continued"])
@pytest.mark.parametrize("classes", [K, 2])
def test_classifier_predicts_the_margins_of_a_dmatrix_with_its_priors(booster, classes):
    # XGBoost 3.2's in-place prediction with a base margin is wrong on dart.
    x, y, w = skewed(0, 0)
    y = y % classes
    params = {"booster": booster.split(",")[0], "random_state": 0}
    if booster != "gbtree":
        params.update(rate_drop=0.3, skip_drop=0.0)
    model = bx.Classifier(**SKPARAMS, **params).fit(x, y, sample_weight=w)
    if booster == "dart, continued":
        # A model continued with xgb_model= keeps its dart booster unasked.
        model = bx.Classifier(**SKPARAMS).fit(x, y, sample_weight=w, xgb_model=model)
    dmat = xgb.DMatrix(x)
    bx.set_base_margin(dmat, model.init_raw_)
    expected = model.get_booster().predict(dmat, output_margin=True)
    np.testing.assert_array_equal(model.predict(x, output_margin=True), expected)
    proba = model.predict_proba(x)
    if classes == 2:
        p1 = 1.0 / (1.0 + np.exp(-expected.astype(np.float64)))
        np.testing.assert_allclose(proba, np.column_stack([1.0 - p1, p1]), atol=1e-6)
    else:
        np.testing.assert_allclose(proba, SoftmaxCrossEntropy().predict_proba(expected), atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), proba.argmax(axis=1))


@pytest.mark.parametrize("scale", [3.0, 0.25])
def test_classifier_weights_class_1_by_scale_pos_weight(scale):
    # XGBoost applies it in its own binary objective, which the Classifier
    # replaces: it must reach boostobj's objective as weights.
    x, y, w = problem()
    y = y % 2
    model = bx.Classifier(scale_pos_weight=scale, **SKPARAMS).fit(x, y, sample_weight=w)
    folded = bx.Classifier(**SKPARAMS).fit(x, y, sample_weight=np.where(y == 1, scale, 1.0) * w)
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(folded, x))
    np.testing.assert_array_equal(model.init_raw_, folded.init_raw_)
    assert model.get_params()["scale_pos_weight"] == scale
    # Its metric is the unweighted one, as the built-in's (logloss) is.
    model = bx.Classifier(scale_pos_weight=scale, **SKPARAMS)
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    reported = model.evals_result()["validation_0"][SoftmaxCrossEntropy.name][-1]
    assert reported == pytest.approx(log_loss(y, model.predict_proba(x)), rel=1e-5)


def test_classifier_scale_pos_weight_is_checked_and_left_to_xgboost_on_k_classes():
    x, y, _ = problem()
    for bad, error in ((0.0, ValueError), (np.nan, ValueError), ("3", TypeError)):
        with pytest.raises(error, match="scale_pos_weight must be a positive finite number"):
            bx.Classifier(scale_pos_weight=bad, **SKPARAMS).fit(x, y % 2)
    # With more classes XGBoost's own objective ignores it too (and warns).
    with pytest.warns(UserWarning, match="scale_pos_weight"):
        model = bx.Classifier(scale_pos_weight=3.0, **SKPARAMS).fit(x, y)
    plain = bx.Classifier(**SKPARAMS).fit(x, y)
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(plain, x))


# ------------------------------------------------------------- metrics
def digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return x[:1200], y[:1200], x[1200:], y[1200:]


@pytest.mark.parametrize("binary", [False, True])
def test_classifier_named_metrics_and_callables_see_probabilities(binary):
    xtr, ytr, xte, yte = digits()
    if binary:
        ytr, yte = (ytr > 4).astype(int), (yte > 4).astype(int)
    named = "logloss" if binary else "mlogloss"
    model = bx.Classifier(eval_metric=named, **SKPARAMS)
    model.fit(xtr, ytr, eval_set=[(xte, yte)], verbose=False)
    proba = model.predict_proba(xte)
    curve = model.evals_result()["validation_0"]
    np.testing.assert_allclose(curve[named][-1], log_loss(yte, proba), rtol=1e-6)
    seen = []

    def score(y_true, y_score):
        seen.append(y_score)
        return roc_auc_score(y_true, y_score) if binary else log_loss(y_true, y_score)

    for eval_metric in (score, [named, score]):
        model = bx.Classifier(eval_metric=eval_metric, **SKPARAMS)
        model.fit(xtr, ytr, eval_set=[(xte, yte)], verbose=False)
        assert model.get_params()["eval_metric"] == eval_metric  # the user's, restored
        proba = model.predict_proba(xte)
        # As XGBClassifier's built-in objective gives them: P(class 1), or (n, K).
        np.testing.assert_allclose(seen[-1], proba[:, 1] if binary else proba, rtol=1e-6)
        expected = roc_auc_score(yte, proba[:, 1]) if binary else log_loss(yte, proba)
        curve = model.evals_result()["validation_0"]
        np.testing.assert_allclose(curve["score"][-1], expected, rtol=1e-6)

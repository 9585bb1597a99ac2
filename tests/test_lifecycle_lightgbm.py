"""LightGBM lifecycles: every way a Dataset is made, derived and changed, per adapter path.

Each case trains through boostobj and compares the model with one trained
from freshly built objects holding the same rows and targets, or expects a
clear error. Features take eight values, so that LightGBM bins them alike
whichever rows a Dataset holds (a subset bins with its parent's bin
mappers, a fresh Dataset with its own): equal models then predict equal
margins on the training rows.
"""

from __future__ import annotations

import copy
import gc
import pickle
import tracemalloc
import warnings
import weakref

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import log_loss

import boostobj.lightgbm as bl
from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj.lightgbm import _targets as bl_targets

PARAMS = {
    "verbose": -1,
    "num_threads": 1,
    "deterministic": True,
    "learning_rate": 0.3,
    "num_leaves": 7,
    "min_data_in_leaf": 5,
    "min_data_in_bin": 1,
    "metric": "None",
}
K = 3
N = 240
ROUNDS = 6
OBJECTIVES = [
    SoftmaxCrossEntropy(class_weight=[1.0, 2.0, 0.5]),
    WeightedBrier(),
]


def problem(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 8, size=(N, 4)).astype(np.float64)
    logits = x @ rng.normal(size=(4, K)) / 4 + rng.gumbel(size=(N, K))
    soft = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    w = rng.uniform(0.5, 2.0, N)
    return x, soft, w


def params(obj):
    return {**PARAMS, "objective": bl.objective(obj), "num_class": K}


def margins(booster, x):
    return booster.predict(x, raw_score=True)


def fresh_model(obj, x, soft, w=None, rounds=ROUNDS, init=None, **train_kwargs):
    data = bl.attach_targets(lgb.Dataset(x), soft, w, init_raw=init)
    return lgb.train(params(obj), data, rounds, **train_kwargs)


def assert_same_model(a, b, x):
    np.testing.assert_array_equal(margins(a, x), margins(b, x))


def prior(obj, soft, w=None):
    return obj.init_raw(soft, w)


# --------------------------------------------------------------- subsets
@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("free_raw_data", [True, False])
def test_subset_chains_train_on_the_attached_targets_of_their_rows(obj, depth, free_raw_data):
    x, soft, w = problem()
    full = bl.attach_targets(lgb.Dataset(x, free_raw_data=free_raw_data), soft, w)
    data, rows = full, np.arange(N)
    rng = np.random.default_rng(depth)
    for _ in range(depth):
        keep = np.sort(rng.choice(len(rows), size=int(0.7 * len(rows)), replace=False))
        data, rows = data.subset(keep), rows[keep]
    booster = lgb.train(params(obj), data, ROUNDS)
    assert_same_model(booster, fresh_model(obj, x[rows], soft[rows], w[rows]), x[rows])


def test_a_subset_after_the_parent_is_attached_again_uses_the_new_targets():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    full = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft)
    sub = full.subset(np.arange(0, N, 2))
    lgb.train(params(obj), sub, 1)
    other = soft[:, ::-1].copy()
    bl.attach_targets(full, other)
    booster = lgb.train(params(obj), sub, ROUNDS)
    rows = np.arange(0, N, 2)
    assert_same_model(booster, fresh_model(obj, x[rows], other[rows]), x[rows])


@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
@pytest.mark.parametrize("source", ["attached", "subset of attached"])
def test_cv_folds_use_the_attached_targets_of_their_rows(obj, source):
    x, soft, w = problem()
    full = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, w)
    rows = np.arange(N)
    data = full
    if source != "attached":
        rows = np.arange(0, N, 3)
        data = full.subset(rows)
    n = len(rows)
    folds = [(np.setdiff1d(np.arange(n), test), test) for test in np.array_split(np.arange(n), 3)]
    result = lgb.cv(
        params(obj), data, ROUNDS, folds=folds, feval=bl.metric(obj), return_cvbooster=True
    )
    for booster, (train, _) in zip(result["cvbooster"].boosters, folds, strict=True):
        expected = fresh_model(obj, x[rows[train]], soft[rows[train]], w[rows[train]])
        assert_same_model(booster, expected, x[rows[train]])
    # The metric is that of the soft labels and weights of each test fold,
    # unscaled (WeightedBrier's default loss_scale is "prior").
    scored = WeightedBrier(loss_scale=1.0) if isinstance(obj, WeightedBrier) else obj
    losses = [
        scored.loss(soft[rows[test]], margins(b, x[rows[test]]), w[rows[test]]).sum()
        / w[rows[test]].sum()
        for b, (_, test) in zip(result["cvbooster"].boosters, folds, strict=True)
    ]
    np.testing.assert_allclose(result[f"valid {obj.name}-mean"][-1], np.mean(losses), rtol=1e-12)


# ------------------------------------------------------ validation sets
def test_a_validation_set_of_an_attached_dataset_needs_targets_of_its_own():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    train = bl.attach_targets(lgb.Dataset(x[:160]), soft[:160])
    valid = lgb.Dataset(x[160:], soft[160:].argmax(axis=1), reference=train)
    with pytest.raises(ValueError, match=r"evaluation Dataset.*reference=.*attach_targets"):
        lgb.train(params(obj), train, 2, valid_sets=[valid], feval=bl.metric(obj))
    valid = train.create_valid(x[160:], soft[160:].argmax(axis=1))
    with pytest.raises(ValueError, match=r"evaluation Dataset.*reference=.*attach_targets"):
        lgb.train(params(obj), train, 2, valid_sets=[valid], feval=bl.metric(obj))


def test_a_validation_set_with_its_own_targets_reports_their_loss():
    x, soft, w = problem()
    obj = WeightedBrier()
    train = bl.attach_targets(lgb.Dataset(x[:160]), soft[:160], w[:160])
    valid = bl.attach_targets(lgb.Dataset(x[160:], reference=train), soft[160:], w[160:])
    record = {}
    booster = lgb.train(
        params(obj),
        train,
        ROUNDS,
        valid_sets=[valid],
        feval=bl.metric(obj),
        callbacks=[lgb.record_evaluation(record)],
    )
    # The unscaled Brier score, whatever loss_scale trained the model.
    plain = WeightedBrier(loss_scale=1.0)
    expected = plain.loss(soft[160:], margins(booster, x[160:]), w[160:]).sum() / w[160:].sum()
    np.testing.assert_allclose(record["valid_0"][obj.name][-1], expected, rtol=1e-12)


# ------------------------------------------------- changes after attach
@pytest.mark.parametrize("change", ["set_label", "set_weight"])
@pytest.mark.parametrize("when", ["before training", "after a first training"])
def test_changing_an_attached_datasets_label_or_weight_is_an_error(change, when):
    x, soft, w = problem()
    obj = SoftmaxCrossEntropy()
    data = bl.attach_targets(lgb.Dataset(x, weight=w), soft)
    if when != "before training":
        lgb.train(params(obj), data, 1)
    if change == "set_label":
        data.set_label((soft.argmax(axis=1) + 1) % K)
    else:
        data.set_weight(w[::-1].copy())
    with pytest.raises(ValueError, match=rf"training Dataset's {change[4:]} was changed.*attach"):
        lgb.train(params(obj), data, 1)
    # ... also through a subset cut from it.
    sub = data.subset(np.arange(50))
    with pytest.raises(ValueError, match=r"Dataset is a subset of a Dataset whose .* was changed"):
        lgb.train(params(obj), sub, 1)


def test_setting_the_same_label_again_is_not_a_change():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    ids = soft.argmax(axis=1)
    data = bl.attach_targets(lgb.Dataset(x, ids), soft)
    lgb.train(params(obj), data, 1)
    data.set_label(ids.copy())
    assert_same_model(lgb.train(params(obj), data, ROUNDS), fresh_model(obj, x, soft), x)


def test_set_init_score_after_attach_trains_like_a_fresh_dataset_with_it():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    start = prior(obj, soft)
    data = bl.attach_targets(lgb.Dataset(x), soft)
    lgb.train(params(obj), data, 1)
    data.set_init_score(np.tile(start, (N, 1)))
    assert_same_model(
        lgb.train(params(obj), data, ROUNDS), fresh_model(obj, x, soft, init=start), x
    )


def test_engine_labels_and_weights_are_followed_when_they_change():
    x, soft, w = problem()
    obj = SoftmaxCrossEntropy()
    ids = soft.argmax(axis=1)
    data = lgb.Dataset(x, ids, weight=w)
    lgb.train(params(obj), data, 2)
    new_ids, new_w = (ids + 1) % K, w[::-1].copy()
    data.set_label(new_ids)
    data.set_weight(new_w)
    fresh = lgb.train(params(obj), lgb.Dataset(x, new_ids, weight=new_w), ROUNDS)
    assert_same_model(lgb.train(params(obj), data, ROUNDS), fresh, x)


# ------------------------------------------------------ reuse and copies
def test_one_dataset_reused_with_another_objective():
    x, soft, w = problem()
    data = bl.attach_targets(lgb.Dataset(x), soft, w)
    first, second = OBJECTIVES
    lgb.train(params(first), data, ROUNDS)
    assert_same_model(lgb.train(params(second), data, ROUNDS), fresh_model(second, x, soft, w), x)


def test_continued_training_equals_continued_training_on_fresh_datasets():
    x, soft, w = problem()
    obj = SoftmaxCrossEntropy()
    data = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, w)
    first = lgb.train(params(obj), data, 3, keep_training_booster=True)
    more = lgb.train(params(obj), data, 3, init_model=first)
    fresh_first = fresh_model(obj, x, soft, w, rounds=3, keep_training_booster=True)
    fresh_data = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, w)
    fresh_more = lgb.train(params(obj), fresh_data, 3, init_model=fresh_first)
    assert_same_model(more, fresh_more, x)


def started(obj, x, soft, rounds, **kwargs):
    """A model of ``rounds`` rounds from the priors, trained and given them in one go."""
    start = prior(obj, soft)
    data = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, init_raw=start)
    return bl.add_init_raw(lgb.train(params(obj), data, rounds, **kwargs), start), data, start


def test_continuing_a_model_that_holds_its_priors_equals_training_in_one_go():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    first, data, _ = started(obj, x, soft, 3)
    # LightGBM replaces the Dataset's init_score by first's margins, priors included.
    more = lgb.train(params(obj), data, 3, init_model=first)
    one_go, _, _ = started(obj, x, soft, 6)
    np.testing.assert_allclose(margins(more, x), margins(one_go, x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("first_has_priors", [True, False])
def test_add_init_raw_refuses_a_continued_booster(first_has_priors):
    # Priors added to the continued model too would count twice, or follow
    # trees that started without them.
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    start = prior(obj, soft)
    data = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, init_raw=start)
    first = lgb.train(params(obj), data, 3, keep_training_booster=True)
    if first_has_priors:
        bl.add_init_raw(first, start)
    more = lgb.train(params(obj), data, 3, init_model=first)
    with pytest.raises(ValueError, match="continued an init_model"):
        bl.add_init_raw(more, start)


def _zeroed_by(route, obj, first, data, valid, x, soft):
    """Use ``data`` (and ``valid``) with init_model=first as ``route`` says; then, without."""
    init_with, then = route.split(", then ")
    folds = {"nfold": 2, "stratified": False}
    if init_with == "train":
        lgb.train(params(obj), data, 2, init_model=first, valid_sets=[valid])
    else:
        lgb.cv(params(obj), data, 2, init_model=first, **folds)
    if then == "train":
        return lambda: lgb.train(params(obj), data, ROUNDS)
    if then == "cv":
        return lambda: lgb.cv(params(obj), data, ROUNDS, **folds)
    fresh = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft)
    return lambda: lgb.train(params(obj), fresh, ROUNDS, valid_sets=[valid], feval=bl.metric(obj))


@pytest.mark.parametrize(
    "route",
    ["train, then train", "cv, then train", "train, then cv", "train, then measure valid"],
)
def test_an_attached_init_raw_that_lightgbm_set_to_zero_is_an_error(route):
    # A Dataset used with init_model= and then without gets init_score 0
    # from LightGBM: its attached priors would be gone. (The validation set
    # was measured by LightGBM's own metric only, in the first training.)
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    first, data, start = started(obj, x, soft, 3)
    valid = bl.attach_targets(
        lgb.Dataset(x, reference=data, free_raw_data=False), soft, init_raw=start
    )
    use_again = _zeroed_by(route, obj, first, data, valid, x, soft)
    role = "evaluation" if route.endswith("valid") else "training"
    with pytest.raises(ValueError, match=f"the {role} Dataset's init_score, attached as init_raw"):
        use_again()


def test_a_dataset_reset_by_lightgbm_trains_from_its_priors_once_attached_again():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    first, data, start = started(obj, x, soft, 3)
    lgb.train(params(obj), data, 2, init_model=first)
    # LightGBM resets init_score as the next training starts: attached before, it is lost.
    with pytest.raises(ValueError, match="attach the targets again"):
        lgb.train(params(obj), data, ROUNDS)
    bl.attach_targets(data, soft, init_raw=start)
    retrained = bl.add_init_raw(lgb.train(params(obj), data, ROUNDS), start)
    assert_same_model(retrained, started(obj, x, soft, ROUNDS)[0], x)


def test_priors_of_zero_set_to_zero_again_are_no_error():
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    zero = np.zeros(K)
    data = bl.attach_targets(lgb.Dataset(x, free_raw_data=False), soft, init_raw=zero)
    first = lgb.train(params(obj), data, 3)
    lgb.train(params(obj), data, 2, init_model=first)
    assert_same_model(lgb.train(params(obj), data, ROUNDS), fresh_model(obj, x, soft), x)


def test_a_deep_copied_dataset_keeps_its_attached_targets():
    x, soft, w = problem()
    obj = WeightedBrier()
    data = copy.deepcopy(bl.attach_targets(lgb.Dataset(x), soft, w))
    assert_same_model(lgb.train(params(obj), data, ROUNDS), fresh_model(obj, x, soft, w), x)


def test_an_objective_changed_after_wrapping_trains_what_it_says():
    # lgb.train deep-copies params: the copy and the object must agree.
    x, soft, _ = problem()
    obj = SoftmaxCrossEntropy()
    f = bl.objective(obj)
    obj.class_weight = np.array([1.0, 3.0, 1.0])
    data = bl.attach_targets(lgb.Dataset(x), soft)
    booster = lgb.train({**PARAMS, "objective": f, "num_class": K}, data, ROUNDS)
    fresh = fresh_model(SoftmaxCrossEntropy(class_weight=[1.0, 3.0, 1.0]), x, soft)
    assert_same_model(booster, fresh, x)


def test_attached_targets_are_freed_with_their_dataset():
    x, soft, _ = problem()
    data = bl.attach_targets(lgb.Dataset(x), soft)
    lgb.train(params(SoftmaxCrossEntropy()), data, 1)
    ref = weakref.ref(getattr(data, bl_targets._BINDING_ATTR).targets)
    del data
    gc.collect()
    assert ref() is None


# ---------------------------------------------------- scikit-learn paths
SKPARAMS = {
    "n_estimators": ROUNDS,
    "num_leaves": 7,
    "min_child_samples": 5,
    "n_jobs": 1,
    "verbose": -1,
    "learning_rate": 0.3,
}


def sk_model(path, obj):
    if path == "Classifier":
        return bl.Classifier(objective=obj, **SKPARAMS)
    return lgb.LGBMClassifier(objective=bl.sklearn_objective(obj), metric="None", **SKPARAMS)


def sk_margins(model, x):
    return model.predict(x, raw_score=True)


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
@pytest.mark.parametrize("obj", OBJECTIVES, ids=repr)
def test_refitting_one_estimator_equals_a_fresh_fit(path, obj):
    x, soft, w = problem()
    y1, y2 = soft.argmax(axis=1), (soft.argmax(axis=1) + 1) % K
    model = sk_model(path, obj)
    model.fit(x, y1, sample_weight=w)
    model.fit(x, y2, sample_weight=w[::-1].copy())
    fresh = sk_model(path, copy.deepcopy(obj)).fit(x, y2, sample_weight=w[::-1].copy())
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(fresh, x))


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_arrays_changed_in_place_between_fits_are_read_afresh(path):
    x, soft, w = problem()
    y, weight = soft.argmax(axis=1), w.copy()
    model = sk_model(path, SoftmaxCrossEntropy())
    model.fit(x, y, sample_weight=weight)
    y[:] = (y + 1) % K
    weight[:] = weight[::-1].copy()
    model.fit(x, y, sample_weight=weight)
    fresh = sk_model(path, SoftmaxCrossEntropy()).fit(x, y.copy(), sample_weight=weight.copy())
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(fresh, x))


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_clones_and_unpickled_estimators_fit_the_same_model(path):
    x, soft, w = problem()
    y = soft.argmax(axis=1)
    model = sk_model(path, WeightedBrier())
    reference = clone(model).fit(x, y, sample_weight=w)
    for twin in (clone(model), pickle.loads(pickle.dumps(model))):
        twin.fit(x, y, sample_weight=w)
        np.testing.assert_array_equal(sk_margins(twin, x), sk_margins(reference, x))


# ------------------------------------------------------------- memory
def fit_many(path, times, n=20_000):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4))
    metric = bl.sklearn_metric(SoftmaxCrossEntropy())
    extra = {} if path == "Classifier" else {"eval_metric": metric}
    for _ in range(times):
        y = rng.integers(0, K, n)
        w = rng.uniform(0.5, 2.0, n)
        model = sk_model(path, SoftmaxCrossEntropy()).set_params(n_estimators=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LightGBM 4.7 deprecates eval_set
            model.fit(x, y, sample_weight=w, eval_set=[(x[:5000], y[:5000])], **extra)


@pytest.mark.parametrize("path", ["sklearn_objective", "Classifier"])
def test_nothing_accumulates_across_fits(path):
    fit_many(path, 2)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fit_many(path, 10)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # No cache entry outlives its fit. Each fit's labels and weights take
    # 2 x 160 kB (and the evaluation set's 80 kB): ten leaked fits would be 4 MB.
    assert len(bl_targets._BY_ARRAYS) == 0
    assert grown < 400_000


def test_the_array_cache_holds_no_reference_to_its_keys():
    labels = np.arange(30, dtype=np.float64) % K
    weight = np.linspace(0.5, 2.0, 30)
    targets = bl_targets._array_targets(labels, weight)
    assert bl_targets._array_targets(labels, weight) is targets  # validated once per array pair
    refs = weakref.ref(labels), weakref.ref(weight)
    del labels, weight
    gc.collect()
    assert refs[0]() is None and refs[1]() is None
    assert len(bl_targets._BY_ARRAYS) == 0


# Every tree dropped every round: the model does not depend on the drop
# draws, which LightGBM 4.7 offsets by one at random with a custom
# objective (its DART reads an unset flag in the first round).
EVERY_TREE_DROPPED = {
    "boosting_type": "dart",
    "drop_rate": 1.0,
    "uniform_drop": True,
    "max_drop": -1,
    "skip_drop": 0.0,
}


@pytest.mark.parametrize("boosting", ["gbdt", "dart"])
def test_classifier_measured_on_its_training_rows_keeps_its_model(boosting):
    # Under DART, LightGBM measures a Python metric on the training Dataset
    # from the training scores, and reading them makes DART drop trees,
    # which stay dropped after the last round. The measure keeps its name
    # and weights (class_weight included) whatever the boosting.
    x, soft, w = problem()
    y = soft.argmax(axis=1)
    params = {**SKPARAMS, "class_weight": {0: 3.0}}
    if boosting == "dart":
        params.update(EVERY_TREE_DROPPED)
    alone = bl.Classifier(**params).fit(x, y, sample_weight=w)
    model = bl.Classifier(**params)
    model.fit(x, y, sample_weight=w, eval_set=[(x, y), (x[:100], y[:100])])
    np.testing.assert_array_equal(sk_margins(model, x), sk_margins(alone, x))
    assert list(model.evals_result_) == ["training", "valid_1"]
    weight = w * np.where(y == 0, 3.0, 1.0)
    reported = model.evals_result_["training"][SoftmaxCrossEntropy.name][-1]
    expected = log_loss(y, model.predict_proba(x), sample_weight=weight)
    assert reported == pytest.approx(expected, rel=1e-9)

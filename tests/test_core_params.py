"""Parameters are validated where they are used: set at any time, an object
and every copy of it compute the same, and invalid values are refused.

The battery runs over every objective instance (tests/conftest.py), every
parameter, valid and invalid values, and every way of copying an objective
(copy.copy, copy.deepcopy, pickle, cloudpickle, ``with_engine_threads`` as
the engine adapters use it).
"""

from __future__ import annotations

import copy
import pickle

import cloudpickle
import numpy as np
import pytest
from conftest import BACKENDS, OBJECTIVE_FACTORIES, make_problem

from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj._engine import engine_float32, with_engine_threads

K = 4

COPIES = {
    "same-object": lambda obj: obj,
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "cloudpickle": lambda obj: pickle.loads(cloudpickle.dumps(obj)),
    "with_engine_threads": lambda obj: with_engine_threads(obj, 2),
}

VALID = {
    "class_weight": [np.array([1.0, 2.0, 0.5, 3.0]), [0.1, 0.2, 0.3, 4.0], None],
    "hessian_scale": [2.0, np.float32(0.5), 3],
    "min_hessian": [1e-3, 0, np.float64(0.05), None],
    "backend": ["numpy", "numba", "auto"],
    "n_threads": [2, None, 1],
    "hessian": ["exact", "gauss-newton"],
    "loss_scale": ["prior", 2.5, np.float32(0.25), 1],
}

INVALID = {
    "class_weight": [[-1.0, 1.0, 1.0, 1.0], [np.nan, 1.0, 1.0, 1.0], [0.0] * K, "abc", [1.0, 2.0]],
    "hessian_scale": [-3, 0, np.inf, "2", True, None],
    "min_hessian": [-1.0, np.nan, "x", False],
    "backend": ["cuda", 3, None],
    "n_threads": [0, -1, 1.5, "2"],
    "hessian": ["newton", None, 1],
    "loss_scale": [0, -1.0, np.nan, np.inf, "bogus", True, None],
}


def _params_of(obj):
    return [p for p in VALID if hasattr(obj, p)]


def _problem():
    rng = np.random.default_rng(11)
    hard = make_problem(rng, 120, K, labels="hard", weights="1d")
    soft = make_problem(rng, 120, K, labels="soft", weights="2d")
    return hard, soft


HARD, SOFT = _problem()


def _compute(obj):
    """Everything an objective computes, as a list of arrays and strings."""
    out = [obj.active_backend]
    for p in (HARD, SOFT):
        out += obj.grad_hess(p.labels, p.raw, p.sample_weight)
        out.append(obj.loss(p.labels, p.raw, p.sample_weight))
        out.append(obj.init_raw(p.labels, p.sample_weight, n_classes=K))
        g, h = obj.grad_hess(p.labels, p.raw, p.sample_weight)
        out += engine_float32(obj, g, h)
    out.append(obj.predict_proba(HARD.raw))
    return out


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def _fresh(obj):
    """A new object constructed with ``obj``'s current parameters."""
    return type(obj)(**obj.__getstate__())


def _cases():
    for name in sorted(OBJECTIVE_FACTORIES):
        for backend in BACKENDS:
            obj = OBJECTIVE_FACTORIES[name](K, backend)
            for param in _params_of(obj):
                for i in range(len(VALID[param])):
                    yield pytest.param(name, backend, param, i, id=f"{name}-{backend}-{param}-{i}")


@pytest.mark.parametrize("name, backend, param, i", list(_cases()))
def test_parameters_set_later_take_effect_in_the_object_and_all_its_copies(name, backend, param, i):
    value = VALID[param][i]
    obj = OBJECTIVE_FACTORIES[name](K, backend)
    _compute(obj)  # any state kept from an earlier call must not matter
    setattr(obj, param, value)
    expected = _compute(_fresh(obj))
    _assert_same(_compute(obj), expected)
    for route, make_copy in COPIES.items():
        clone = make_copy(obj)
        if not (route == "with_engine_threads" and param == "n_threads"):  # sets n_threads
            kept = getattr(clone, param)
            assert kept is value or np.array_equal(kept, value), route
        _assert_same(_compute(clone), expected)


def _error_of(fn):
    try:
        fn()
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)
    return None


def _invalid_cases():
    for name in sorted(OBJECTIVE_FACTORIES):
        obj = OBJECTIVE_FACTORIES[name](K)
        for param in _params_of(obj):
            for i in range(len(INVALID[param])):
                yield pytest.param(name, param, i, id=f"{name}-{param}-{i}")


METHODS = {
    "grad_hess": lambda obj: obj.grad_hess(HARD.labels, HARD.raw, HARD.sample_weight),
    "loss": lambda obj: obj.loss(SOFT.labels, SOFT.raw, SOFT.sample_weight),
    "init_raw": lambda obj: obj.init_raw(HARD.labels, n_classes=K),
    "predict_proba": lambda obj: obj.predict_proba(HARD.raw),
    "active_backend": lambda obj: obj.active_backend,
    "engine_float32": lambda obj: engine_float32(obj, np.zeros((2, K)), np.ones((2, K))),
}


@pytest.mark.parametrize("name, param, i", list(_invalid_cases()))
def test_invalid_values_set_later_are_refused_as_by_the_constructor(name, param, i):
    value = INVALID[param][i]
    good = OBJECTIVE_FACTORIES[name](K)
    state = {**good.__getstate__(), param: value}
    at_construction = _error_of(lambda: type(good)(**state))
    for method, call in METHODS.items():
        expected = at_construction
        if expected is None:  # valid alone, refused only once K is known (class_weight)
            expected = _error_of(lambda call=call: call(type(good)(**state)))
            if method in ("predict_proba", "active_backend", "engine_float32"):
                continue  # no K there
        assert expected is not None
        obj = OBJECTIVE_FACTORIES[name](K)
        call(obj)
        setattr(obj, param, value)
        assert _error_of(lambda obj=obj, call=call: call(obj)) == expected, method
        for route, make_copy in COPIES.items():
            # A copy either refuses to be made (unpickling validates) or
            # refuses to be used; either way with the same error.
            made = _error_of(lambda make_copy=make_copy, obj=obj: make_copy(obj))
            if made is None:
                clone = make_copy(obj)
                made = _error_of(lambda clone=clone, call=call: call(clone))
            assert made == expected, (method, route)


def test_class_weight_set_later_reaches_deep_copies_and_the_object_alike():
    # The reported case: lgb.train deep-copies the params, xgb.train does not.
    obj = SoftmaxCrossEntropy()
    obj.class_weight = np.array([1.0, 5.0, 1.0, 1.0])
    ours = obj.grad_hess(HARD.labels, HARD.raw)
    _assert_same(ours, copy.deepcopy(obj).grad_hess(HARD.labels, HARD.raw))
    _assert_same(ours, SOFTMAX_WEIGHTED.grad_hess(HARD.labels, HARD.raw))
    assert not np.array_equal(ours[0], SoftmaxCrossEntropy().grad_hess(HARD.labels, HARD.raw)[0])


SOFTMAX_WEIGHTED = SoftmaxCrossEntropy(class_weight=[1.0, 5.0, 1.0, 1.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_negative_hessian_scale_set_later_never_returns_negative_hessians(backend):
    obj = WeightedBrier(backend=backend)
    obj.hessian_scale = -3
    with pytest.raises(ValueError, match="hessian_scale must be a positive finite number, got -3"):
        obj.grad_hess(HARD.labels, HARD.raw)


def test_class_weight_mutated_in_place_is_used_at_the_next_call():
    weights = np.ones(K)
    obj = WeightedBrier(class_weight=weights)
    weights[1] = 4.0
    _assert_same(
        obj.grad_hess(HARD.labels, HARD.raw),
        WeightedBrier(class_weight=[1.0, 4.0, 1.0, 1.0]).grad_hess(HARD.labels, HARD.raw),
    )
    weights[1] = -1.0
    with pytest.raises(ValueError, match="class_weight must be finite and >= 0"):
        obj.loss(HARD.labels, HARD.raw)


def test_engines_train_the_same_model_from_an_object_with_parameters_set_later():
    lgb = pytest.importorskip("lightgbm")
    xgb = pytest.importorskip("xgboost")
    from boostobj import lightgbm as bl
    from boostobj import xgboost as bx

    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 5))
    y = rng.integers(0, K, 300)

    def later():
        obj = WeightedBrier(backend="numpy")
        obj.class_weight = [1.0, 3.0, 0.5, 2.0]
        obj.hessian = "exact"
        obj.min_hessian = 1e-3
        return obj

    made = WeightedBrier(
        class_weight=[1.0, 3.0, 0.5, 2.0], hessian="exact", min_hessian=1e-3, backend="numpy"
    )
    lgb_params = {"num_class": K, "verbose": -1, "num_leaves": 7, "min_data_in_leaf": 5}
    xgb_params = {"num_class": K, "objective": "multi:softprob", "max_depth": 3}
    predictions = []
    for obj in (made, later()):
        booster = lgb.train({**lgb_params, "objective": bl.objective(obj)}, lgb.Dataset(x, y), 4)
        dtrain = xgb.DMatrix(x, y)
        model = xgb.train(xgb_params, dtrain, 4, obj=bx.objective(obj))
        predictions.append((booster.predict(x), model.predict(dtrain, output_margin=True)))
    _assert_same(predictions[1], predictions[0])

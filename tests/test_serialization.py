"""Objectives survive pickle and cloudpickle, and stay small (cheap to ship to workers)."""

from __future__ import annotations

import pickle

import cloudpickle
import numpy as np
import pytest
from conftest import OBJECTIVE_FACTORIES, make_problem


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_round_trip_gives_identical_results(objective_name, dumps):
    rng = np.random.default_rng(67)
    p = make_problem(rng, 200, 4, labels="soft", weights="2d")
    obj = OBJECTIVE_FACTORIES[objective_name](4)
    obj.grad_hess(p.labels, p.raw, p.sample_weight)  # any cached state must not matter
    payload = dumps(obj)
    assert len(payload) < 1024
    clone = pickle.loads(payload)
    assert repr(clone) == repr(obj)
    for a, b in zip(
        obj.grad_hess(p.labels, p.raw, p.sample_weight),
        clone.grad_hess(p.labels, p.raw, p.sample_weight),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_unpickling_revalidates_parameters():
    from boostobj import WeightedBrier

    obj = WeightedBrier()
    state = obj.__getstate__()
    state["hessian"] = "newton"
    broken = WeightedBrier.__new__(WeightedBrier)
    with pytest.raises(ValueError, match="hessian must be one of"):
        broken.__setstate__(state)


# Written by boostobj 0.1.0 when boostobj.objectives was a single module:
# pickle.dumps(WeightedBrier(class_weight=[1.0, 2.0]), protocol=4).
OLD_PICKLE = bytes.fromhex(
    "800495b5000000000000008c13626f6f73746f626a2e6f626a65637469766573948c0d57656967687465"
    "6442726965729493942981947d94288c076865737369616e948c0c67617573732d6e6577746f6e948c0c"
    "636c6173735f776569676874945d9428473ff0000000000000474000000000000000658c0d6865737369"
    "616e5f7363616c6594473ff00000000000008c0b6d696e5f6865737369616e944e8c076261636b656e64"
    "948c046175746f948c096e5f74687265616473944e75622e"
)


def test_objectives_keep_their_public_module_in_pickles():
    from boostobj.objectives import BaseObjective, SoftmaxCrossEntropy, WeightedBrier

    for cls in (BaseObjective, SoftmaxCrossEntropy, WeightedBrier):
        assert cls.__module__ == "boostobj.objectives"
    loaded = pickle.loads(OLD_PICKLE)
    assert type(loaded) is WeightedBrier
    # Pickled before loss_scale existed: it computed the plain Brier score, and still does.
    assert repr(loaded) == (
        "WeightedBrier(class_weight=[1.0, 2.0], hessian='gauss-newton', loss_scale=1.0)"
    )
    # New pickles name the same public module, so older releases can read
    # them: the same bytes but for the state's added loss_scale.
    new = pickle.dumps(WeightedBrier(class_weight=[1.0, 2.0], loss_scale=1.0), protocol=4)
    assert b"\x8c\x13boostobj.objectives\x94\x8c\rWeightedBrier" in new
    assert b"\x8c\x13boostobj.objectives\x94\x8c\rWeightedBrier" in OLD_PICKLE
    assert pickle.loads(new).__getstate__() == loaded.__getstate__()

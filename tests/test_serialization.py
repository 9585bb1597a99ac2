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

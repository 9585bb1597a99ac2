"""Shared fixtures: every objective instance, and random problems."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pytest

from boostobj import SoftmaxCrossEntropy, WeightedBrier

# Factories of every objective mode, given K (class weights need it). The
# Brier ones are unscaled (loss_scale=1.0): their tests check the formulas;
# tests/test_loss_scale.py checks the scaled ones against them.
OBJECTIVE_FACTORIES = {
    "xent": lambda k, backend="auto": SoftmaxCrossEntropy(backend=backend),
    "xent-classw": lambda k, backend="auto": SoftmaxCrossEntropy(
        class_weight=np.linspace(0.5, 2.0, k), backend=backend
    ),
    "brier-exact": lambda k, backend="auto": WeightedBrier(
        hessian="exact", backend=backend, loss_scale=1.0
    ),
    "brier-exact-classw": lambda k, backend="auto": WeightedBrier(
        hessian="exact", class_weight=np.linspace(0.5, 2.0, k), backend=backend, loss_scale=1.0
    ),
    "brier-gn": lambda k, backend="auto": WeightedBrier(
        hessian="gauss-newton", backend=backend, loss_scale=1.0
    ),
    "brier-gn-classw": lambda k, backend="auto": WeightedBrier(
        hessian="gauss-newton",
        class_weight=np.linspace(0.5, 2.0, k),
        backend=backend,
        loss_scale=1.0,
    ),
}
# Both ways of computing grad_hess; CI installs numba, so both are tested.
BACKENDS = ("numpy", "numba")
EXACT_HESSIAN = {name for name in OBJECTIVE_FACTORIES if "gn" not in name}


@pytest.fixture(params=sorted(OBJECTIVE_FACTORIES))
def objective_name(request):
    return request.param


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def threads_on_small_arrays(monkeypatch):
    """Let every thread start however small the work, so that tests on small
    arrays exercise the threaded paths (production waits for
    ``MIN_THREAD_BYTES`` per thread)."""
    import boostobj._blocks

    monkeypatch.setattr(boostobj._blocks, "MIN_THREAD_BYTES", 1)


@dataclass
class Problem:
    labels: np.ndarray
    raw: np.ndarray
    sample_weight: np.ndarray | None
    n_classes: int


def make_problem(
    rng: np.random.Generator,
    n: int,
    k: int,
    *,
    labels: str = "hard",
    weights: str = "none",
    scale: float = 3.0,
    single_output: bool = False,
    dtype=np.float64,
) -> Problem:
    """Random margins, labels and weights.

    labels: "hard" class ids (float-coded half the time), or "soft" rows.
    weights: "none", "1d" (n,) or "2d" (n, K).
    single_output: 1-D raw for a binary model (k must be 2); labels are then
    0/1 ("hard") or probabilities ("soft").
    """
    if single_output:
        raw = rng.normal(scale=scale, size=n)
        y = rng.integers(0, 2, n).astype(float) if labels == "hard" else rng.uniform(0, 1, n)
    else:
        raw = rng.normal(scale=scale, size=(n, k))
        if labels == "hard":
            y = rng.integers(0, k, n)
            if rng.random() < 0.5:
                y = y.astype(np.float64)
        else:
            y = rng.dirichlet(np.full(k, 0.5), n)
    if weights == "none":
        w = None
    elif weights == "1d":
        w = rng.uniform(0.1, 3.0, n)
    else:
        w = rng.uniform(0.1, 3.0, (n, k))
    return Problem(y, raw.astype(dtype), w, k)


def seed_for(*parts) -> int:
    """A reproducible seed from test parameters (hash() is salted per process)."""
    return zlib.crc32(repr(parts).encode())


@pytest.fixture(scope="module")
def client():
    """A dask client of a 2-worker x 1-thread LocalCluster in this process, on loopback."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c

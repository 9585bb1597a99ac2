"""check_grad_hess scales its tolerance by the weights, whichever way they come.

Weights reach an objective as ``sample_weight`` (1-D or 2-D), inside a
``Targets``, as the objective's ``class_weight``, or several at once. For
every route and weight scales 1e-8..1e8, on margins up to ~30, a correct
objective passes, and one with a 1e-4 relative error in a single gradient
entry, or separately in a single Hessian entry, is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BACKENDS, seed_for

from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier, check_grad_hess

N, K = 40, 4
SCALES = [1e-8, 1e-4, 1.0, 1e4, 1e8]

# route -> (sample weight: None, "1d" or "2d"; in Targets?; class weight?; which carries the scale)
ROUTES = {
    "sample_weight-1d": ("1d", False, False),
    "sample_weight-2d": ("2d", False, False),
    "targets-1d": ("1d", True, False),
    "targets-2d": ("2d", True, False),
    "class_weight": (None, False, True),
    "sample_weight-1d+class_weight": ("1d", False, True),
    "targets-2d+class_weight": ("2d", True, True),
}

OBJECTIVES = {
    "xent": (lambda cw, b: SoftmaxCrossEntropy(class_weight=cw, backend=b), True),
    "brier-exact": (lambda cw, b: WeightedBrier(class_weight=cw, hessian="exact", backend=b), True),
    "brier-gn": (lambda cw, b: WeightedBrier(class_weight=cw, backend=b), False),
}


class _Perturbed:
    """An objective whose ``grad`` or ``hess`` is wrong by a relative 1e-4 in one entry."""

    def __init__(self, inner, which, cell):
        self.inner, self.which, self.cell = inner, which, cell

    @property
    def class_weight(self):
        return self.inner.class_weight

    def _fixed_scale_at(self, labels, raw, sample_weight=None):
        # WeightedBrier's default scale moves with the margins; the checker
        # differences the objective with it held, wrong entry included.
        fixed = self.inner._fixed_scale_at(labels, raw, sample_weight)
        return _Perturbed(fixed, self.which, self.cell)

    def loss(self, labels, raw, sample_weight=None):
        return self.inner.loss(labels, raw, sample_weight)

    def grad_hess(self, labels, raw, sample_weight=None):
        grad, hess = self.inner.grad_hess(labels, raw, sample_weight)
        wrong = grad if self.which == "grad" else hess
        wrong[self.cell] *= 1.0 + 1e-4
        return grad, hess


def _setup(route, scale, labels_kind, margin_scale, seed):
    sw_kind, in_targets, with_cw = ROUTES[route]
    rng = np.random.default_rng(seed)
    raw = rng.normal(scale=margin_scale, size=(N, K))
    if labels_kind == "hard":
        labels = rng.integers(0, K, N)
    else:
        labels = rng.dirichlet(np.ones(K), N)
    # The scale rides on the sample weights when there are any, else on the class weights.
    sw = None
    if sw_kind is not None:
        sw = scale * rng.uniform(0.5, 2.0, N if sw_kind == "1d" else (N, K))
    cw = None
    if with_cw:
        cw = rng.uniform(0.5, 2.0, K) * (1.0 if sw is not None else scale)
    cells = np.ones((N, K))
    if sw is not None:
        cells = cells * (sw[:, None] if sw.ndim == 1 else sw)
    if cw is not None:
        cells = cells * cw
    if in_targets:
        return Targets(labels, sw), raw, None, cw, cells
    return labels, raw, sw, cw, cells


def _most_detectable(a, cells):
    """The entry largest relative to its row's weight: a 1e-4 error there is resolvable."""
    rel = np.abs(a) / cells.max(axis=1, keepdims=True)
    return np.unravel_index(int(np.argmax(rel)), a.shape)


@pytest.mark.parametrize("margin_scale", [3.0, 30.0])
@pytest.mark.parametrize("labels_kind", ["hard", "soft"])
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_correct_objectives_pass_and_wrong_ones_are_caught(
    objective, route, scale, labels_kind, margin_scale
):
    make, exact_hessian = OBJECTIVES[objective]
    for backend in BACKENDS:
        seed = seed_for(objective, route, labels_kind, margin_scale)
        labels, raw, sw, cw, cells = _setup(route, scale, labels_kind, margin_scale, seed)
        obj = make(cw, backend)
        result = check_grad_hess(obj, labels, raw, sw, check_hessian=exact_hessian)
        assert result.ok, f"{backend}\n{result}"
        grad, hess = obj.grad_hess(labels, raw, sw)
        for which in ("grad", "hess") if exact_hessian else ("grad",):
            cell = _most_detectable(grad if which == "grad" else hess, cells)
            wrong = _Perturbed(obj, which, cell)
            result = check_grad_hess(wrong, labels, raw, sw, check_hessian=exact_hessian)
            assert not result.ok, f"{backend}: {which} error at {cell} missed\n{result}"
            found = result.grad if which == "grad" else result.hess
            assert (found.row, found.column) == tuple(int(i) for i in cell)


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_single_output_class_weight_scales_the_tolerance(scale):
    rng = np.random.default_rng(2)
    raw = rng.normal(scale=30.0, size=N)
    y = rng.integers(0, 2, N).astype(float)
    obj = WeightedBrier(hessian="exact", class_weight=[scale, 2 * scale])
    result = check_grad_hess(obj, y, raw)
    assert result.ok, str(result)
    cell = (int(np.argmax(np.abs(obj.grad_hess(y, raw)[0]))),)
    assert not check_grad_hess(_Perturbed(obj, "grad", cell), y, raw).ok


def test_a_class_weight_attribute_of_another_meaning_is_ignored():
    class Other:
        class_weight = "balanced"

        def loss(self, labels, raw):
            return SoftmaxCrossEntropy().loss(labels, raw)

        def grad_hess(self, labels, raw):
            return SoftmaxCrossEntropy().grad_hess(labels, raw)

    rng = np.random.default_rng(3)
    assert check_grad_hess(Other(), rng.integers(0, K, N), rng.normal(size=(N, K))).ok

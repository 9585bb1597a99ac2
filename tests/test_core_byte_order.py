"""Arrays of either byte order are accepted, as numpy and scikit-learn do.

Big-endian margins, labels and weights give results identical to native
ones on both backends; output buffers must be native (they exist to be
written in place) and say so; the float16 message is only for float16.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BACKENDS, OBJECTIVE_FACTORIES, make_problem, seed_for

from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier, check_grad_hess

K = 4


def _swapped(a):
    """``a`` with the same values in the other byte order (None and lists pass through)."""
    if a is None:
        return None
    a = np.asarray(a)
    out = a.astype(a.dtype.newbyteorder("S"))
    assert not out.dtype.isnative and np.array_equal(out, a)
    return out


def _all_results(obj, labels, raw, w, k):
    grad, hess = obj.grad_hess(labels, raw, w)
    targets = Targets(labels, w)
    return (
        grad,
        hess,
        obj.loss(labels, raw, w),
        obj.predict_proba(raw),
        obj.init_raw(labels, w, n_classes=k),
        *obj.grad_hess(targets, raw),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
def test_big_endian_inputs_give_identical_results(objective_name, backend, dtype, labels, weights):
    rng = np.random.default_rng(seed_for(objective_name, backend, dtype, labels, weights))
    p = make_problem(rng, 300, K, labels=labels, weights=weights, dtype=dtype)
    native = OBJECTIVE_FACTORIES[objective_name](K, backend)
    expected = _all_results(native, p.labels, p.raw, p.sample_weight, K)
    swapped_obj = OBJECTIVE_FACTORIES[objective_name](K, backend)
    if swapped_obj.class_weight is not None:
        swapped_obj.class_weight = _swapped(swapped_obj.class_weight)
    got = _all_results(
        swapped_obj, _swapped(p.labels), _swapped(p.raw), _swapped(p.sample_weight), K
    )
    for a, b in zip(got, expected, strict=True):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("label_dtype", [">i8", ">i4", ">u2", ">f4", ">f8", "<i8", "<f8"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_class_ids_of_any_integer_or_float_byte_order(label_dtype, backend):
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(200, K))
    ids = rng.integers(0, K, 200)
    for obj in (SoftmaxCrossEntropy(backend=backend), WeightedBrier(backend=backend)):
        expected = obj.grad_hess(ids, raw)
        got = obj.grad_hess(ids.astype(label_dtype), raw)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_output_big_endian(backend):
    rng = np.random.default_rng(4)
    raw = rng.normal(size=100)
    y = rng.integers(0, 2, 100).astype(float)
    obj = WeightedBrier(hessian="exact", backend=backend)
    expected = obj.grad_hess(y, raw)
    got = obj.grad_hess(_swapped(y), _swapped(raw))
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_targets_keep_native_data():
    t = Targets(np.array([0, 1, 2], dtype=">i8"), np.array([1.0, 2.0, 1.0], dtype=">f8"))
    assert t.codes.dtype.isnative and t.sample_weight.dtype.isnative
    np.testing.assert_array_equal(t.codes, [0, 1, 2])


def test_check_grad_hess_accepts_big_endian():
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(30, K))
    y = rng.integers(0, K, 30)
    w = rng.uniform(0.5, 2.0, 30)
    result = check_grad_hess(SoftmaxCrossEntropy(), _swapped(y), _swapped(raw), _swapped(w))
    assert result.ok, str(result)


@pytest.mark.parametrize("which", ["grad_out", "hess_out"])
def test_non_native_output_buffers_are_refused_clearly(which):
    raw = np.zeros((5, K))
    buffers = {"grad_out": np.empty((5, K)), "hess_out": np.empty((5, K))}
    buffers[which] = np.empty((5, K), dtype=">f8")
    with pytest.raises(ValueError, match=rf"{which} must be in the machine's byte order.*>f8"):
        SoftmaxCrossEntropy().grad_hess(np.zeros(5, dtype=int), raw, **buffers)


@pytest.mark.parametrize("dtype", [">f2", "<f2"])
def test_float16_message_is_for_float16_in_any_byte_order(dtype):
    with pytest.raises(TypeError, match="float16 is too coarse"):
        SoftmaxCrossEntropy().grad_hess([0, 1], np.zeros((2, 2), dtype=dtype))


@pytest.mark.skipif(
    np.dtype(np.longdouble).itemsize <= 8, reason="long double is float64 on this platform"
)
def test_extended_precision_is_not_called_float16():
    with pytest.raises(TypeError) as info:
        SoftmaxCrossEntropy().grad_hess([0, 1], np.zeros((2, 2), dtype=np.longdouble))
    assert "float16" not in str(info.value)
    assert "raw" in str(info.value) and "float64" in str(info.value)

"""Bad input raises a clear error naming the argument, expected and received."""

from __future__ import annotations

import numpy as np
import pytest

from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier

RAW = np.zeros((4, 3))
LABELS = np.array([0, 1, 2, 1])

# (id, labels, raw, sample_weight, exception, message fragments)
CASES = [
    ("raw-1-column", LABELS, np.zeros((4, 1)), None, ValueError, ["raw", "K >= 2", "(4, 1)"]),
    ("raw-3d", LABELS, np.zeros((4, 3, 1)), None, ValueError, ["raw", "2-D", "(4, 3, 1)"]),
    (
        "raw-nan",
        LABELS,
        np.array([[0, np.nan, 0]] * 4),
        None,
        ValueError,
        ["raw", "finite", "row 0"],
    ),
    (
        "raw-inf",
        LABELS,
        np.array([[0, 0, 0]] * 3 + [[0, -np.inf, 0]]),
        None,
        ValueError,
        ["raw", "finite", "row 3"],
    ),
    ("raw-string", LABELS, np.array([["a"] * 3] * 4), None, TypeError, ["raw", "<U1"]),
    ("raw-object", LABELS, np.array([[None] * 3] * 4), None, TypeError, ["raw", "object"]),
    ("raw-bool", LABELS, np.zeros((4, 3), dtype=bool), None, TypeError, ["raw", "boolean"]),
    (
        "raw-float16",
        LABELS,
        np.zeros((4, 3), dtype=np.float16),
        None,
        TypeError,
        ["raw", "float16", "float32"],
    ),
    ("label-too-large", np.array([0, 1, 3, 1]), RAW, None, ValueError, ["labels", "[0, 3)", "3"]),
    ("label-negative", np.array([0, -1, 2, 1]), RAW, None, ValueError, ["labels", ">= 0", "-1"]),
    ("label-fraction", np.array([0, 0.5, 2, 1]), RAW, None, ValueError, ["labels", "whole"]),
    (
        "label-nan",
        np.array([0, np.nan, 2, 1]),
        RAW,
        None,
        ValueError,
        ["labels", "finite", "row 1"],
    ),
    ("label-rows", LABELS[:3], RAW, None, ValueError, ["labels", "raw", "3", "4"]),
    ("label-3d", np.zeros((4, 3, 1)), RAW, None, ValueError, ["labels", "(4, 3, 1)"]),
    ("soft-negative", np.array([[1.2, -0.2, 0]] * 4), RAW, None, ValueError, ["labels", ">= 0"]),
    (
        "soft-rows-sum",
        np.array([[0.5, 0.2, 0]] * 4),
        RAW,
        None,
        ValueError,
        ["soft labels", "sum to 1", "0.7"],
    ),
    ("soft-zero-row", np.array([[0.0, 0, 0]] * 4), RAW, None, ValueError, ["sum to 1", "0.0"]),
    ("soft-wrong-k", np.full((4, 2), 0.5), RAW, None, ValueError, ["K=2", "K=3"]),
    (
        "soft-for-single",
        np.full((4, 2), 0.5),
        np.zeros(4),
        None,
        ValueError,
        ["1-D", "single-output", "(4, 2)"],
    ),
    (
        "single-label-above-1",
        np.array([0, 1, 2, 0]),
        np.zeros(4),
        None,
        ValueError,
        ["[0, 1]", "2"],
    ),
    (
        "weight-negative",
        LABELS,
        RAW,
        np.array([1, -1, 1, 1.0]),
        ValueError,
        ["sample_weight", ">= 0", "-1"],
    ),
    (
        "weight-nan",
        LABELS,
        RAW,
        np.array([1, np.nan, 1, 1.0]),
        ValueError,
        ["sample_weight", "finite"],
    ),
    ("weight-zero", LABELS, RAW, np.zeros(4), ValueError, ["sample_weight", "all zeros"]),
    ("weight-rows", LABELS, RAW, np.ones(3), ValueError, ["sample_weight", "(4,)", "(3,)"]),
    ("weight-k", LABELS, RAW, np.ones((4, 2)), ValueError, ["sample_weight", "K=2", "K=3"]),
    ("weight-string", LABELS, RAW, np.array(["1"] * 4), TypeError, ["sample_weight", "<U1"]),
    (
        "label-object",
        np.array([0, "a", 1, 2], dtype=object),
        RAW,
        None,
        TypeError,
        ["labels", "object"],
    ),
    (
        "label-bool",
        np.array([True, False, True, False]),
        RAW,
        None,
        TypeError,
        ["labels", "boolean"],
    ),
]


@pytest.mark.parametrize(
    "labels, raw, weight, exc, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("method", ["loss", "grad_hess"])
@pytest.mark.parametrize("objective", [SoftmaxCrossEntropy(), WeightedBrier()], ids=repr)
def test_bad_input_is_refused_clearly(objective, method, labels, raw, weight, exc, fragments):
    before = [None if a is None else a.copy() for a in (labels, raw, weight)]
    with pytest.raises(exc) as info:
        getattr(objective, method)(labels, raw, weight)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    for a, b in zip(before, (labels, raw, weight), strict=True):
        if a is not None:
            assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"hessian_scale": 0.0}, ValueError, "hessian_scale"),
        ({"hessian_scale": np.nan}, ValueError, "hessian_scale"),
        ({"hessian_scale": "2"}, TypeError, "hessian_scale"),
        ({"min_hessian": -1.0}, ValueError, "min_hessian"),
        ({"min_hessian": "0"}, TypeError, "min_hessian"),
        ({"class_weight": [1.0, -1.0]}, ValueError, "class_weight"),
        ({"class_weight": [[1.0, 2.0]]}, ValueError, "class_weight"),
        ({"class_weight": [0.0, 0.0]}, ValueError, "class_weight"),
    ],
)
def test_bad_parameters_are_refused(kwargs, exc, fragment):
    for cls in (SoftmaxCrossEntropy, WeightedBrier):
        with pytest.raises(exc, match=fragment):
            cls(**kwargs)
    with pytest.raises(ValueError, match="hessian must be one of"):
        WeightedBrier(hessian="newton")


def test_class_weight_length_must_match_k():
    obj = SoftmaxCrossEntropy(class_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="class_weight has 2 entries but raw has K=3"):
        obj.grad_hess(LABELS, RAW)


def test_output_buffers_are_checked():
    obj = SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="grad_out must have the shape and dtype of raw"):
        obj.grad_hess(LABELS, RAW, grad_out=np.empty((4, 3), dtype=np.float16))
    with pytest.raises(ValueError, match=r"grad_out must have .*\(4, 3\), float32 or float64"):
        obj.grad_hess(LABELS, RAW, grad_out=np.empty((3, 4)))
    with pytest.raises(ValueError, match=r"hess_out must have .*float32\), got"):
        obj.grad_hess(LABELS, RAW, grad_out=np.empty((4, 3), np.float32), hess_out=np.empty((4, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have .*\(4, 3\), float32\), got"):
        obj.grad_hess(LABELS, RAW.astype(np.float32), grad_out=np.empty((4, 3)))
    with pytest.raises(ValueError, match="must not share memory with raw"):
        raw = RAW.copy()
        obj.grad_hess(LABELS, raw, hess_out=raw)


def test_targets_with_extra_weights_are_refused():
    targets = Targets(LABELS)
    with pytest.raises(ValueError, match="pass sample_weight when building Targets"):
        SoftmaxCrossEntropy().grad_hess(targets, RAW, np.ones(4))


def test_lists_and_pandas_are_accepted():
    pd = pytest.importorskip("pandas")
    obj = SoftmaxCrossEntropy()
    weights = np.array([1.0, 2.0, 0.5, 1.0])
    expected = obj.grad_hess(LABELS, RAW, weights)
    got = obj.grad_hess(pd.Series(LABELS), pd.DataFrame(RAW), pd.Series(weights))
    got_list = obj.grad_hess(LABELS.tolist(), RAW.tolist(), weights.tolist())
    for a, b, c in zip(expected, got, got_list, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_read_only_inputs_work():
    raw = RAW.copy()
    raw.setflags(write=False)
    labels = LABELS.copy()
    labels.setflags(write=False)
    grad, _hess = WeightedBrier().grad_hess(labels, raw)
    assert grad.flags.writeable and np.all(np.isfinite(grad))


def test_init_raw_refuses_empty_and_massless_data():
    with pytest.raises(ValueError, match="n = 0"):
        SoftmaxCrossEntropy().init_raw(np.empty(0))
    with pytest.raises(ValueError, match="no mass"):
        SoftmaxCrossEntropy(class_weight=[0.0, 0.0, 1.0]).init_raw(np.array([0, 1, 0]), n_classes=3)


@pytest.mark.parametrize("n_threads, exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError)])
def test_bad_thread_counts_are_refused(n_threads, exc):
    with pytest.raises(exc, match="n_threads"):
        SoftmaxCrossEntropy().grad_hess(LABELS, RAW, n_threads=n_threads)

"""A ``Targets`` cannot change after validation, and no label can make a kernel
read out of bounds.

Every way of writing to the arrays a ``Targets`` was built from (the array,
its base, another view of the base, a pandas object's values) must leave its
results equal to those of a fresh ``Targets`` of the original values, on both
backends; the ``Targets``' own arrays refuse writes; and class ids outside
``[0, K)`` that reach the computation anyway (here planted in the private
array, as memory corruption would) give a ``ValueError`` naming the row, never
a crash or another row's numbers.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import BACKENDS, OBJECTIVE_FACTORIES
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier
from boostobj.objectives._base import _load_numba

N, K = 300, 5


def _results(obj, targets, raw):
    grad, hess = obj.grad_hess(targets, raw)
    return grad, hess, obj.loss(targets, raw), obj.init_raw(targets, n_classes=raw.shape[1])


def _assert_same(got, expected):
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def _problem(kind, weights, seed=0):
    rng = np.random.default_rng(seed)
    raw = rng.normal(scale=3.0, size=(N, K))
    if kind == "soft":
        labels = rng.dirichlet(np.ones(K), N)
    else:
        labels = rng.integers(0, K, N).astype(np.int64 if kind == "int" else np.float32)
    w = None if weights == "none" else rng.uniform(0.5, 2.0, N if weights == "1d" else (N, K))
    return labels, w, raw


# ---------------------------------------------------------------- mutation routes
def _direct(a):
    a[::7] = a.dtype.type(K + 2) if a.ndim == 1 else 0.0


def _huge(a):
    if a.ndim == 1:
        a[::7] = 10**6
    else:
        a[::7] = 1e300


def _negative(a):
    a[1::5] = -1


def _fill(a):
    a.fill(3)


ROUTES = {"every-7th-out-of-range": _direct, "huge": _huge, "negative": _negative, "fill": _fill}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("kind", ["int", "float", "soft"])
@pytest.mark.parametrize("weights", ["none", "1d", "2d"])
@pytest.mark.parametrize("objective_name", sorted(OBJECTIVE_FACTORIES))
def test_writing_the_callers_arrays_does_not_reach_targets(route, kind, weights, objective_name):
    labels, w, raw = _problem(kind, weights)
    labels_before = labels.copy()
    w_before = None if w is None else w.copy()
    targets = Targets(labels, w)
    ROUTES[route](labels)
    if w is not None:
        ROUTES[route](w)
    for backend in BACKENDS:
        obj = OBJECTIVE_FACTORIES[objective_name](K, backend)
        fresh = Targets(labels_before, w_before)
        _assert_same(_results(obj, targets, raw), _results(obj, fresh, raw))
    np.testing.assert_array_equal(targets.probs if kind == "soft" else targets.codes, labels_before)


@pytest.mark.parametrize("via", ["base", "other-view", "strided-view", "pandas"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_through_bases_and_views_do_not_reach_targets(via, backend):
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(N, K))
    values = rng.integers(0, K, N)
    weights = rng.uniform(0.5, 2.0, N)
    if via == "pandas":
        pd = pytest.importorskip("pandas")
        store_l, store_w = values.copy(), weights.copy()
        labels, w = pd.Series(store_l, copy=False), pd.Series(store_w, copy=False)
        assert np.shares_memory(np.asarray(labels), store_l)
    else:
        base_l = np.zeros(3 * N, dtype=np.int64)
        base_w = np.ones(3 * N)
        if via == "strided-view":
            labels, w = base_l[::3], base_w[1::3]
        else:
            labels, w = base_l[N : 2 * N], base_w[N : 2 * N]
        labels[:] = values
        w[:] = weights
        store_l = base_l if via == "base" else base_l.reshape(3, N)[1]
        store_w = base_w if via == "base" else base_w.reshape(3, N)[1]
        if via == "strided-view":
            store_l, store_w = base_l, base_w
    obj = WeightedBrier(hessian="exact", backend=backend)
    targets = Targets(labels, w)
    expected = _results(obj, Targets(values, weights), raw)
    store_l[:] = 10**6
    store_w[:] = -5.0
    _assert_same(_results(obj, targets, raw), expected)


def test_targets_arrays_refuse_writes_and_cannot_be_made_writeable():
    labels, w, _ = _problem("float", "2d")
    soft, _, _ = _problem("soft", "none")
    for targets in (Targets(labels, w), Targets(soft, w[:, 0])):
        arrays = [a for a in (targets.codes, targets.probs, targets.sample_weight) if a is not None]
        assert len(arrays) == 2
        for a in arrays:
            assert not a.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                a[0] = 1
            with pytest.raises(ValueError, match="WRITEABLE"):
                a.setflags(write=True)


@pytest.mark.parametrize("name", ["codes", "probs", "sample_weight", "n_samples", "soft"])
def test_targets_attributes_cannot_be_reassigned(name):
    targets = Targets(np.array([0, 1, 2]), np.ones(3))
    with pytest.raises(AttributeError):
        setattr(targets, name, np.array([2, 2, 2]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_copies_and_pickles_of_targets_are_unchanged_and_frozen(backend):
    labels, w, raw = _problem("int", "1d")
    targets = Targets(labels, w)
    assert copy.copy(targets) is targets
    assert copy.deepcopy(targets) is targets
    clone = pickle.loads(pickle.dumps(targets))
    assert not clone.codes.flags.writeable and not clone.sample_weight.flags.writeable
    obj = SoftmaxCrossEntropy(backend=backend)
    _assert_same(_results(obj, clone, raw), _results(obj, targets, raw))


@pytest.mark.parametrize("kind", ["int", "float", "soft"])
def test_read_only_inputs_such_as_engine_labels_are_accepted(kind):
    # LightGBM's Dataset.get_label and similar hand over read-only arrays.
    labels, w, raw = _problem(kind, "1d")
    expected = _results(SoftmaxCrossEntropy(), Targets(labels, w), raw)
    labels.setflags(write=False)
    w.setflags(write=False)
    _assert_same(_results(SoftmaxCrossEntropy(), Targets(labels, w), raw), expected)
    # So are a Targets' own (read-only) arrays, and lists.
    again = Targets(Targets(labels, w).codes if kind != "soft" else labels, w)
    _assert_same(_results(SoftmaxCrossEntropy(), again, raw), expected)
    listed = Targets(labels.tolist(), w.tolist())
    _assert_same(_results(SoftmaxCrossEntropy(), listed, raw), expected)


def test_list_input_is_taken_over_without_a_second_copy():
    targets = Targets([0, 1, 2, 1], [1.0, 2.0, 1.0, 1.0])
    assert not targets.codes.flags.writeable
    # The array made from the list is the one kept (a read-only view of it).
    assert targets.codes.base is not None and targets.codes.base.base is None


# ------------------------------------------------ out-of-range ids reaching the code
def _plant(targets, ids):
    """Replace the validated class ids, as memory corruption might."""
    ids = np.asarray(ids, dtype=np.intp)
    ids.setflags(write=False)
    targets._ids = ids


@pytest.mark.parametrize("bad", [K, 7, 10**6, -1, -(10**6), np.iinfo(np.intp).min])
@pytest.mark.parametrize("objective_name", sorted(OBJECTIVE_FACTORIES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_range_class_ids_give_a_clear_error_naming_the_row(bad, objective_name, backend):
    labels, _, raw = _problem("int", "none")
    n = 50_000  # several blocks and kernel chunks; the bad row in a later one
    raw = np.resize(raw, (n, K))
    ids = np.resize(labels, n)
    targets = Targets(ids)
    planted = ids.copy()
    row = n - 17
    planted[row] = bad
    _plant(targets, planted)
    obj = OBJECTIVE_FACTORIES[objective_name](K, backend)
    for call in (
        lambda: obj.grad_hess(targets, raw),
        lambda: obj.loss(targets, raw),
        lambda: obj.init_raw(targets, n_classes=K),
    ):
        message = rf"labels must be class ids in \[0, {K}\).* row {row}"
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_range_binary_ids_give_a_clear_error(backend):
    targets = Targets(np.array([0.0, 1.0, 1.0, 0.0]))
    _plant(targets, [0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"class ids in \[0, 2\).* row 2"):
        WeightedBrier(backend=backend).grad_hess(targets, np.zeros(4))


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_class_ids_give_a_clear_error(backend):
    targets = Targets(np.array([0, 1, 2, 1]))
    targets._ids = None
    with pytest.raises(ValueError, match=r"whole-number class ids in \[0, 3\)"):
        SoftmaxCrossEntropy(backend=backend).grad_hess(targets, np.zeros((4, 3)))


def test_mutating_labels_used_to_crash_the_interpreter():
    # Run apart: before the fix this was a segmentation fault, which would
    # take the whole test run down with it.
    code = textwrap.dedent(
        """
        import numpy as np
        from boostobj import SoftmaxCrossEntropy, Targets, WeightedBrier
        rng = np.random.default_rng(0)
        raw = rng.normal(size=(20000, 5))
        y = rng.integers(0, 5, 20000)
        expected = SoftmaxCrossEntropy(backend="numba").grad_hess(y, raw)
        t = Targets(y)
        y[::7] = 10**6
        for obj in (SoftmaxCrossEntropy(backend="numba"), WeightedBrier(backend="numba")):
            obj.grad_hess(t, raw)
        got = SoftmaxCrossEntropy(backend="numba").grad_hess(t, raw)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


# ---------------------------------------------------- the kernels on their own
def _kernels():
    kernels = _load_numba()
    if kernels is None:
        pytest.skip("numba is not installed")
    return kernels


def _ro(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


@pytest.mark.parametrize("seed", range(6))
def test_kernels_report_the_first_out_of_range_id_and_never_read_beyond(seed):
    kernels = _kernels()
    rng = np.random.default_rng(seed)
    n, k = 3000, 4
    z = _ro(rng.normal(size=(n, k)))
    codes = rng.integers(0, k, n)
    bad_rows = np.sort(rng.choice(n, size=3, replace=False))
    codes[bad_rows] = rng.choice([-(2**62), -1, k, k + 1, 2**62], size=3)
    codes = _ro(codes.astype(np.intp))
    grad, hess = np.empty((n, k)), np.empty((n, k))
    empty1, empty2 = _ro(np.empty(0)), _ro(np.empty((0, 0)))
    one, minus_inf = np.float64(1.0), np.float64(-np.inf)
    got = kernels.xent_hard(z, codes, empty1, grad, hess, one, minus_inf, True)
    assert got[2] == bad_rows[0] and got[0] == -1
    got = kernels.brier(
        z, codes, empty2, empty2, empty1, 1.0, True, grad, hess, one, minus_inf, True
    )
    assert got[2] == bad_rows[0] and got[0] == -1


def test_kernels_refuse_arguments_of_inconsistent_shapes():
    kernels = _kernels()
    n, k = 10, 3
    z = _ro(np.zeros((n, k)))
    grad, hess = np.empty((n, k)), np.empty((n, k))
    e1, e2 = _ro(np.empty(0)), _ro(np.empty((0, 0)))
    one, minus_inf = np.float64(1.0), np.float64(-np.inf)
    codes = _ro(np.zeros(n, dtype=np.intp))
    no_codes = _ro(np.zeros(0, dtype=np.intp))
    cases = [
        lambda: kernels.xent_hard(z, codes[:5], e1, grad, hess, one, minus_inf, False),
        lambda: kernels.xent_hard(z, codes, _ro(np.ones(5)), grad, hess, one, minus_inf, False),
        lambda: kernels.xent_hard(z, codes, e1, grad[:5], hess, one, minus_inf, False),
        lambda: kernels.xent_soft(
            z, _ro(np.ones((n, k + 1))), e2, e1, grad, hess, one, minus_inf, False
        ),
        lambda: kernels.xent_soft(
            z, _ro(np.ones((n, k))), _ro(np.ones((2, k))), e1, grad, hess, one, minus_inf, False
        ),
        lambda: kernels.xent_soft(
            z, _ro(np.ones((n, k))), _ro(np.ones((1, k - 1))), e1, grad, hess, one, minus_inf, False
        ),
        lambda: kernels.xent_soft(
            z, _ro(np.ones((n, k))), e2, _ro(np.ones(n - 1)), grad, hess, one, minus_inf, False
        ),
        lambda: kernels.brier(
            z, no_codes, e2, e2, e1, 1.0, True, grad, hess, one, minus_inf, False
        ),
        lambda: kernels.brier(
            z, codes, e2, e2, _ro(np.ones(3)), 1.0, True, grad, hess, one, minus_inf, False
        ),
    ]
    no_columns = _ro(np.zeros((n, 0)))
    cases.append(
        lambda: kernels.xent_hard(
            no_columns, codes, e1, grad[:, :0], hess[:, :0], one, minus_inf, False
        )
    )
    for case in cases:
        with pytest.raises(ValueError, match="kernel"):
            case()


# ------------------------------------------------------- stateful property test
_WILD = st.sampled_from([0, 1, K - 1, K, K + 2, 7, -1, 10**6, -(10**6)])


class MutateAfterValidation(RuleBasedStateMachine):
    """Build Targets, then write to the caller's arrays in every way.

    Invariant: on both backends, the results equal those of a fresh Targets
    of the values it was built from.
    """

    @initialize(
        kind=st.sampled_from(["int", "float", "soft"]),
        weights=st.sampled_from(["none", "1d", "2d"]),
        layout=st.sampled_from(["own", "view", "strided"]),
        seed=st.integers(0, 2**16),
    )
    def build(self, kind, weights, layout, seed):
        rng = np.random.default_rng(seed)
        n = 40
        self.raw = rng.normal(scale=4.0, size=(n, K))
        if kind == "soft":
            values = rng.dirichlet(np.ones(K), n)
        else:
            values = rng.integers(0, K, n).astype(np.int64 if kind == "int" else np.float64)
        w = None if weights == "none" else rng.uniform(0.1, 3.0, n if weights == "1d" else (n, K))

        def place(a):
            if layout == "own":
                return a.copy(), None
            base = np.zeros((3 * a.shape[0], *a.shape[1:]), dtype=a.dtype)
            view = base[a.shape[0] : 2 * a.shape[0]] if layout == "view" else base[::3]
            view[...] = a
            return view, base

        self.labels, self.label_base = place(values)
        self.w, self.w_base = (None, None) if w is None else place(w)
        self.targets = Targets(self.labels, self.w)
        fresh = Targets(values.copy(), None if w is None else w.copy())
        self.objectives = [
            make(backend)
            for backend in BACKENDS
            for make in (
                lambda b: SoftmaxCrossEntropy(backend=b),
                lambda b: WeightedBrier(hessian="exact", backend=b),
            )
        ]
        self.expected = [_results(obj, fresh, self.raw) for obj in self.objectives]

    @rule(i=st.integers(0, 39), value=_WILD)
    def write_label(self, i, value):
        self.labels[i] = value  # a whole row of soft labels

    @rule(value=_WILD)
    def write_label_base(self, value):
        if self.label_base is not None:
            self.label_base[...] = value

    @rule(value=st.sampled_from([-1.0, 0.0, 1e300, np.nan]))
    def write_weights(self, value):
        if self.w is not None:
            self.w[...] = value
            if self.w_base is not None:
                self.w_base[::2] = value

    @rule()
    def shuffle_labels(self):
        self.labels[...] = self.labels[::-1].copy()

    @invariant()
    def results_are_those_of_the_original_values(self):
        for obj, expected in zip(self.objectives, self.expected, strict=True):
            _assert_same(_results(obj, self.targets, self.raw), expected)


MutateAfterValidation.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_mutation_after_validation = MutateAfterValidation.TestCase

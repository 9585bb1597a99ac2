"""LightGBM adapter: objectives, metrics and a scikit-learn classifier.

LightGBM is imported only when :class:`Classifier` is first used; the other
functions work on the objects LightGBM hands them and never import it, so
``import boostobj.lightgbm`` is cheap.

Native API
----------
:func:`objective` wraps a boostobj objective as ``params["objective"]`` for
``lgb.train`` and ``lgb.cv``, :func:`metric` as their ``feval``.
Set ``num_class`` to K for a K-class model; leave it at 1 for a single-output
binary model (margins ``[0, raw]``, i.e. the logistic link).

LightGBM reads the returned gradient and Hessian as float32, raveled in
column-major order (all of class 0, then all of class 1, ...). The objective
returns Fortran-ordered float32 arrays of shape (n, K), which LightGBM passes
to its C++ core without a copy. The derivatives are computed in float64 from
LightGBM's float64 margins and rounded once, as LightGBM's built-in
objectives do.

Labels and weights are read from the ``Dataset`` (``get_label``,
``get_weight``) and validated once per Dataset, not every round. Labels a
LightGBM Dataset cannot hold, soft labels (n, K) and per-class weights (n, K),
are attached to the Dataset with :func:`attach_targets`.

A custom objective starts from margin 0 and LightGBM does not store a
Dataset's ``init_score`` in the model. Start from the class priors by passing
``init_raw=obj.init_raw(labels)`` to :func:`attach_targets` for the training
and validation sets, and after training call :func:`add_init_raw` to add the
same margins to the model's first trees: the Booster then predicts complete
margins, also after ``save_model`` and reloading.

Dask
----
``lightgbm.dask.DaskLGBMClassifier(objective=sklearn_objective(obj))``
trains on dask arrays, each worker calling the objective on its own rows.
:func:`dask_init_raw` computes the class priors in one distributed pass,
:func:`dask_init_score` turns them into the ``init_score`` collection, and
:func:`dask_predict_proba` turns raw scores into probabilities. These three
use dask but not lightgbm, and serve ``boostobj.xgboost`` too.

scikit-learn API
----------------
:class:`Classifier` does all of the above for you. :func:`sklearn_objective`
and :func:`sklearn_metric` wrap an objective for a plain
``lgb.LGBMClassifier``, whose ``predict_proba`` then returns raw margins.

Supported versions
------------------
LightGBM >= 4.6, < 5. The test suite runs on the newest release, 4.7.0; it
also passes on 4.6.0, whose scikit-learn API warns about feature names with
scikit-learn 1.9 (as a plain ``LGBMClassifier`` does). The native functions
pass their tests on 4.5.0 and 4.3.0 too, except ``lgb.cv`` on 4.3.0, whose
``Dataset.subset`` fails under numpy 2; the scikit-learn API of those
releases does not run with scikit-learn 1.9. Version-dependent behaviour:

- ``LGBMClassifier.fit`` takes ``eval_X``/``eval_y`` since 4.7, which
  deprecates ``eval_set`` and leaves ``eval_y`` label-unencoded (string
  classes fail). :class:`Classifier` accepts either form and passes
  ``eval_set`` to LightGBM, without the deprecation warning.
- The custom-objective interface this adapter relies on (``params["objective"]``
  callables receiving (n, K) float64 margins, ``Booster.set_leaf_output``) is
  that of LightGBM 4; the tests re-check each part of it.
"""

from __future__ import annotations

import copy
import inspect
import warnings
import weakref
from collections.abc import Callable
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from ._engine import check_objective as _check_objective
from ._engine import engine_float32, with_engine_threads
from ._validation import Targets, _describe
from .objectives import BaseObjective, SoftmaxCrossEntropy

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = [
    "Classifier",  # noqa: F822 (built on first access, see __getattr__)
    "add_init_raw",
    "attach_targets",
    "dask_init_raw",
    "dask_init_score",
    "dask_predict_proba",
    "metric",
    "objective",
    "sklearn_metric",
    "sklearn_objective",
]

# ----------------------------------------------------------------- targets
# How targets reach the objective. A Dataset carries a ``_Binding`` as an
# attribute (so it lives, is copied and is freed with the Dataset, and
# callables in ``params`` hold no data):
#
# - attached by the user (soft labels, per-class weights, ``attach_targets``);
# - derived from an attached ancestor, for ``Dataset.subset`` (``lgb.cv``
#   folds, any depth): the ancestor's targets at the composed row indices;
# - else built from the Dataset's own ``get_label``/``get_weight``.
#
# Every binding remembers the engine label and weight the Dataset had when it
# was made. Engine labels are followed when they change; attached ones are not
# silently overruled: a changed label or weight under attached targets is an
# error, never a fallback.
_BINDING_ATTR = "_boostobj_binding"


def _dataset_rows(dataset: Any) -> int | None:
    """Rows of a Dataset, or None if unknown before construction (e.g. a file)."""
    if getattr(dataset, "_handle", None) is not None:
        return int(dataset.num_data())
    shape = getattr(getattr(dataset, "data", None), "shape", None)
    return int(shape[0]) if shape else None


def _engine_values(values: Any, drop_ones: bool) -> np.ndarray | None:
    """A Dataset's label or weight as LightGBM stores it: float32, or None.

    LightGBM drops all-one weights (``get_weight`` then returns None).
    """
    if values is None:
        return None
    arr = np.asarray(values, dtype=np.float32).ravel()
    if drop_ones and arr.size and bool(np.all(arr == 1)):
        return None
    return arr


class _EngineSnapshot:
    """A Dataset's label and weight at one moment, to notice later changes.

    The check is an identity test per round; only when LightGBM hands out a
    new array (construction, ``set_label``, ``set_weight``) are values
    compared, once.
    """

    __slots__ = ("label", "label_seen", "pending", "weight", "weight_seen")

    def __init__(self, label: Any, weight: Any, pending: bool = False) -> None:
        self.label_seen, self.weight_seen = label, weight
        self.label = _engine_values(label, drop_ones=False)
        self.weight = _engine_values(weight, drop_ones=True)
        # A Dataset read from a file gets its label and weight on construction.
        self.pending = pending

    def changed(self, label: Any, weight: Any) -> str | None:
        """Which of label/weight now holds other values, or None."""
        if self.pending:
            self.__init__(label, weight)
            return None
        for what, seen, now, before, ones in (
            ("label", self.label_seen, label, self.label, False),
            ("weight", self.weight_seen, weight, self.weight, True),
        ):
            if now is seen:
                continue
            values = _engine_values(now, drop_ones=ones)
            same = (values is None and before is None) or (
                values is not None and before is not None and np.array_equal(values, before)
            )
            if not same:
                return what
            if what == "label":
                self.label_seen = now
            else:
                self.weight_seen = now
        return None


class _Binding:
    """The targets of one Dataset and where they come from."""

    __slots__ = ("parent", "snapshot", "source", "targets")

    def __init__(
        self, targets: Targets, source: str, snapshot: _EngineSnapshot, parent: Any = None
    ) -> None:
        self.targets = targets
        self.source = source  # "attached", "subset" or "engine"
        self.snapshot = snapshot
        self.parent = parent  # for "subset": the ancestor's binding it was cut from


def _engine_label_weight(dataset: Any) -> tuple[Any, Any]:
    if getattr(dataset, "_handle", None) is not None:
        return dataset.get_label(), dataset.get_weight()
    return getattr(dataset, "label", None), getattr(dataset, "weight", None)


def attach_targets(
    dataset: lgb.Dataset,
    labels: Any,
    sample_weight: Any = None,
    *,
    init_raw: Any = None,
) -> lgb.Dataset:
    """Attach labels and weights a LightGBM Dataset cannot hold.

    A Dataset holds 1-D labels and 1-D weights only. Attach soft labels
    (n, K) or per-class weights (n, K) here; :func:`objective` and
    :func:`metric` then use them instead of the Dataset's own label and
    weight. They are validated once, here, and belong to the Dataset:
    subsets of it (``Dataset.subset`` at any depth, ``lgb.cv`` folds) use
    the matching rows, and copies of ``params`` copy no labels.

    Parameters
    ----------
    dataset : lightgbm.Dataset
        Training or validation set, constructed or not.
    labels : array-like of shape (n,) or (n, K), or Targets
        Class ids or soft labels (rows summing to 1).
    sample_weight : array-like of shape (n,) or (n, K), default=None
        Weights; if None, the Dataset's ``weight``, if any, is used. Giving
        both is an error.
    init_raw : array-like of shape (K,) or float, optional
        Starting margins, e.g. ``obj.init_raw(labels)``; stored as the
        Dataset's ``init_score`` (n, K) (or (n,) for a float).

    Returns
    -------
    dataset : lightgbm.Dataset
        The same Dataset. If it had no label, it gets the class ids (for
        soft labels, the most probable class), for LightGBM's own metrics.

    Raises
    ------
    ValueError
        If the labels are invalid, their rows differ from the Dataset's, or
        weights are given twice.

    Notes
    -----
    Attach again after changing the Dataset's label or weight
    (``set_label``, ``set_weight``): the objective refuses attached targets
    whose Dataset has changed under them. A validation set built with
    ``reference=`` a Dataset that has attached targets needs targets of its
    own too.
    """
    dataset_weight = getattr(dataset, "weight", None)
    if sample_weight is not None and dataset_weight is not None:
        raise ValueError(
            "sample_weight was given but the Dataset already has a weight; "
            "pass the weights in one place only"
        )
    if isinstance(labels, Targets):
        if sample_weight is not None:
            raise ValueError(
                "pass sample_weight when building Targets, not together with a Targets instance"
            )
        targets = labels
    else:
        targets = Targets(labels, sample_weight if sample_weight is not None else dataset_weight)
    n = targets.n_samples
    rows = _dataset_rows(dataset)
    if rows is not None and rows != n:
        raise ValueError(
            f"labels have {n} rows but the Dataset has {rows} rows; attach the labels of "
            f"this Dataset's rows"
        )
    if init_raw is not None:
        start = np.asarray(init_raw, dtype=np.float64)
        if start.ndim > 1 or not np.all(np.isfinite(start)):
            raise ValueError(
                f"init_raw must be a finite float or a (K,) array, got {_describe(start)}"
            )
        try:  # K = len(init_raw), or a single output for a float
            targets.check_fits(n, 2 if start.ndim == 0 else start.shape[0], start.ndim == 0)
        except ValueError as exc:
            raise ValueError(
                f"init_raw of shape {start.shape} does not fit the labels: {exc}"
            ) from None
        shape = (n,) if start.ndim == 0 else (n, start.shape[0])
        dataset.set_init_score(np.broadcast_to(start, shape).copy())
    if rows is not None and getattr(dataset, "label", None) is None:
        # (A Dataset read from a file takes its label from the file.)
        ids = targets.probs.argmax(axis=1) if targets.soft else targets.codes
        dataset.set_label(np.asarray(ids, dtype=np.float64))
    from_file = rows is None and isinstance(getattr(dataset, "data", None), (str, PathLike))
    snapshot = _EngineSnapshot(*_engine_label_weight(dataset), pending=from_file)
    setattr(dataset, _BINDING_ATTR, _Binding(targets, "attached", snapshot))
    return dataset


def _check_binding(dataset: Any, binding: _Binding, role: str, ancestor: bool = False) -> None:
    """Raise if targets no longer match their Dataset's label and weight.

    ``ancestor``: ``dataset`` is the attached ancestor of the Dataset in use.
    """
    what = binding.snapshot.changed(*_engine_label_weight(dataset))
    if what is None:
        return
    where = (
        f"the {role} Dataset is a subset of a Dataset whose {what}"
        if ancestor
        else f"the {role} Dataset's {what}"
    )
    raise ValueError(
        f"{where} was changed after boostobj targets were attached to it, which the "
        f"attached labels and weights would silently overrule; call "
        f"boostobj.lightgbm.attach_targets again after set_label/set_weight"
    )


_OWN_ROWS = np.empty(0, dtype=np.intp)  # sentinel: a validation set's rows are its own


def _attached_ancestor(
    dataset: Any, compose: bool = True
) -> tuple[Any, _Binding, np.ndarray | None] | None:
    """The nearest ancestor (or the Dataset itself) with attached targets.

    Returns the ancestor, its binding, and the rows of the ancestor that the
    Dataset holds (None for the Dataset itself), composing ``subset`` indices
    along the chain; or None if no ancestor has attached targets.
    A Dataset made with ``reference=`` but no ``used_indices`` (a validation
    set) holds rows of its own, to which its ancestors' targets do not
    apply: the rows are then ``_OWN_ROWS``. With ``compose=False`` the rows
    of a subset are not computed (None).
    """
    rows: np.ndarray | None = None
    node = dataset
    while True:
        binding = getattr(node, _BINDING_ATTR, None)
        if binding is not None and binding.source == "attached":
            return node, binding, rows
        parent = getattr(node, "reference", None)
        used = getattr(node, "used_indices", None)
        if parent is None:
            return None
        if used is None:
            # A validation set: does anything up the chain have attached targets?
            found = _attached_ancestor(parent, compose=False)
            if found is None:
                return None
            return found[0], found[1], _OWN_ROWS
        if compose:
            step = np.asarray(used, dtype=np.intp)
            rows = step if rows is None else step[rows]
        node = parent


def _dataset_targets(dataset: Any, role: str) -> Targets:
    """The validated targets of a Dataset, built once and checked every round."""
    if not hasattr(dataset, "get_label"):
        raise TypeError(f"the {role} data must be a lightgbm.Dataset, got {type(dataset).__name__}")
    binding: _Binding | None = getattr(dataset, _BINDING_ATTR, None)
    if binding is not None and binding.source == "attached":
        _check_binding(dataset, binding, role)
        return binding.targets
    if binding is not None and binding.source == "subset":
        ancestor = _attached_ancestor(dataset, compose=False)
        if ancestor is not None and ancestor[1] is binding.parent:
            _check_binding(ancestor[0], ancestor[1], role, ancestor=True)
            _check_binding(dataset, binding, role)
            return binding.targets
        binding = None  # the chain was re-attached: derive again
    found = _attached_ancestor(dataset)
    if found is not None:
        ancestor, parent_binding, rows = found
        if rows is _OWN_ROWS:
            raise ValueError(
                f"the {role} Dataset was built with reference= a Dataset that has boostobj "
                f"targets attached, but has none of its own; its LightGBM labels would be "
                f"used silently. Call boostobj.lightgbm.attach_targets on it too"
            )
        _check_binding(ancestor, parent_binding, role, ancestor=ancestor is not dataset)
        whole = parent_binding.targets
        labels = whole.probs if whole.soft else whole.codes
        sw = whole.sample_weight
        sub = Targets(labels[rows], None if sw is None else sw[rows])
        snapshot = _EngineSnapshot(*_engine_label_weight(dataset))
        setattr(dataset, _BINDING_ATTR, _Binding(sub, "subset", snapshot, parent_binding))
        return sub
    label, weight = dataset.get_label(), dataset.get_weight()
    if binding is not None and binding.snapshot.changed(label, weight) is None:
        return binding.targets
    targets = Targets(label, weight)
    setattr(dataset, _BINDING_ATTR, _Binding(targets, "engine", _EngineSnapshot(label, weight)))
    return targets


# -------------------------------------------------------------- gradients
def _model_text(preds: np.ndarray) -> str:
    if preds.ndim == 1:
        return "a single-output model (num_class=1; set num_class=K for K classes)"
    return f"a model with num_class={preds.shape[1]}"


def _check_preds(preds: Any) -> np.ndarray:
    if not isinstance(preds, np.ndarray) or preds.ndim not in (1, 2):
        got = _describe(preds) if isinstance(preds, np.ndarray) else type(preds).__name__
        raise TypeError(f"preds must be LightGBM's (n,) or (n, K) array of margins, got {got}")
    return preds


def _check_fits(targets: Targets, obj: BaseObjective, preds: np.ndarray, role: str) -> None:
    """Raise ``ValueError`` naming the Dataset and num_class if they disagree."""
    single = preds.ndim == 1
    k = 2 if single else preds.shape[1]
    cw = obj.class_weight
    if cw is not None and np.shape(cw)[0] != k:
        raise ValueError(
            f"the objective's class_weight has {np.shape(cw)[0]} entries, which does not "
            f"fit {_model_text(preds)}"
        )
    try:
        targets.check_fits(preds.shape[0], k, single)
    except ValueError as exc:
        raise ValueError(
            f"the {role} Dataset does not fit {_model_text(preds)} with {preds.shape[0]} "
            f"rows: {exc}"
        ) from None


def _grad_hess_float32(
    obj: BaseObjective, targets: Targets, preds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian as float32 in LightGBM's column-major layout.

    Computed in float64 from LightGBM's float64 margins and rounded once,
    straight into fresh Fortran-ordered float32 arrays, which LightGBM's
    ``ravel(order="F")`` and float32 conversion leave uncopied.
    """
    if preds.dtype == np.float32:  # LightGBM passes float64; direct callers may not
        preds = preds.astype(np.float64)
    grad = np.empty(preds.shape, dtype=np.float32, order="F")
    hess = np.empty(preds.shape, dtype=np.float32, order="F")
    obj.grad_hess(targets, preds, grad_out=grad, hess_out=hess)
    return engine_float32(obj, grad, hess, order="F")


def _mean_loss(obj: BaseObjective, targets: Targets, preds: np.ndarray) -> float:
    """Sum of weighted losses over the sum of 1-D sample weights (or n)."""
    total = float(np.sum(obj.loss(targets, preds), dtype=np.float64))
    sw = targets.sample_weight
    if sw is None or sw.ndim == 2:
        return total / targets.n_samples
    return total / float(np.sum(sw, dtype=np.float64))


class _Wrapper:
    """A callable holding an objective's parameters and nothing else.

    Data lives with the Dataset (or LightGBM's arrays), so ``copy.deepcopy``
    (``lgb.train`` deep-copies its params) copies a few parameters only.
    """

    __slots__ = ("name", "obj")

    def __init__(self, obj: BaseObjective, name: str | None = None) -> None:
        self.obj = _check_objective(obj)
        self.name = obj.name if name is None else str(name)

    def __deepcopy__(self, memo: dict) -> _Wrapper:
        return type(self)(copy.deepcopy(self.obj, memo), self.name)

    def __repr__(self) -> str:
        return f"<boostobj.lightgbm {type(self).__name__.strip('_')} of {self.obj!r}>"


class _Objective(_Wrapper):
    """``f(preds, train_data) -> (grad, hess)`` for ``params["objective"]``."""

    __slots__ = ()

    def __call__(self, preds: np.ndarray, train_data: lgb.Dataset) -> tuple[np.ndarray, np.ndarray]:
        preds = _check_preds(preds)
        targets = _dataset_targets(train_data, "training")
        _check_fits(targets, self.obj, preds, "training")
        return _grad_hess_float32(self.obj, targets, preds)


class _Metric(_Wrapper):
    """``feval(preds, eval_data) -> (name, value, is_higher_better)``."""

    __slots__ = ()

    def __call__(self, preds: np.ndarray, eval_data: lgb.Dataset) -> tuple[str, float, bool]:
        preds = _check_preds(preds)
        targets = _dataset_targets(eval_data, "evaluation")
        _check_fits(targets, self.obj, preds, "evaluation")
        return self.name, _mean_loss(self.obj, targets, preds), False


def objective(obj: BaseObjective) -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """Wrap ``obj`` as a LightGBM objective for ``params["objective"]``.

    Parameters
    ----------
    obj : BaseObjective
        E.g. ``SoftmaxCrossEntropy()`` or ``WeightedBrier()``.

    Returns
    -------
    f : callable ``f(preds, train_data) -> (grad, hess)``
        For ``lgb.train``/``lgb.cv``. ``preds`` are LightGBM's float64
        margins, (n, K) with ``num_class=K`` or (n,) for a single-output
        binary model; they are never modified. ``grad`` and ``hess`` are
        Fortran-ordered float32 arrays of the same shape. Labels and weights
        come from :func:`attach_targets` or else the Dataset's label and
        weight, validated on the first round only. ``copy.deepcopy(f)``
        copies the objective's parameters and no data.

    Notes
    -----
    ``SoftmaxCrossEntropy(hessian_scale=K / (K - 1))`` reproduces LightGBM's
    built-in ``multiclass`` objective and ``SoftmaxCrossEntropy()`` on a
    single output its ``binary`` objective (both with
    ``boost_from_average=False``).
    """
    return _Objective(obj)


def metric(obj: BaseObjective, name: str | None = None) -> Callable[[np.ndarray, Any], tuple]:
    """Wrap ``obj``'s loss as a LightGBM ``feval`` (lower is better).

    Parameters
    ----------
    obj : BaseObjective
    name : str, optional
        Name in LightGBM's logs and ``evals_result``; default ``obj.name``.

    Returns
    -------
    feval : callable ``feval(preds, eval_data) -> (name, value, False)``
        ``value`` is the weighted mean loss: the sum of the per-sample losses
        (weights included) divided by the sum of 1-D sample weights, or by n
        when there are none or they are per class (n, K). For softmax
        cross-entropy it is the log-loss LightGBM's ``multi_logloss`` reports.
        Margins must be complete: give validation sets the ``init_score``
        the training set has.
    """
    return _Metric(obj, name)


# ---------------------------------------------------------- scikit-learn
# (label array, weight array) -> Targets, for LGBMClassifier's wrappers, which
# pass the same arrays every round rather than the Dataset. Entries are keyed
# weakly and go when either array goes (a Targets holds copies, never them).
_BY_ARRAYS: dict[tuple[int, int], tuple[Any, Any, Targets]] = {}


def _array_targets(labels: Any, weight: Any) -> Targets:
    key = (id(labels), id(weight))
    entry = _BY_ARRAYS.get(key)
    if (
        entry is not None
        and entry[0]() is labels
        and (weight is None if entry[1] is None else entry[1]() is weight)
    ):
        return entry[2]
    try:
        # (Bound as a default: module globals may be gone when this runs at exit.)
        drop = lambda _ref, key=key, table=_BY_ARRAYS: table.pop(key, None)  # noqa: E731
        lref = weakref.ref(labels, drop)
        wref = None if weight is None else weakref.ref(weight, drop)
    except TypeError:  # not weak-referenceable (e.g. a list): validate every call
        return Targets(labels, weight)
    # Targets keeps copies, not the arrays: the entry cannot keep its own key alive.
    targets = Targets(labels, weight)
    _BY_ARRAYS[key] = (lref, wref, targets)
    return targets


class _SklearnObjective(_Wrapper):
    """``f(y_true, y_pred, weight) -> (grad, hess)`` for ``LGBMClassifier``."""

    __slots__ = ()

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        preds = _check_preds(y_pred)
        targets = _array_targets(y_true, weight)
        _check_fits(targets, self.obj, preds, "training")
        return _grad_hess_float32(self.obj, targets, preds)


class _SklearnMetric(_Wrapper):
    """``f(y_true, y_pred, weight) -> (name, value, False)`` for ``eval_metric``."""

    __slots__ = ()

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None
    ) -> tuple[str, float, bool]:
        preds = _check_preds(y_pred)
        targets = _array_targets(y_true, weight)
        _check_fits(targets, self.obj, preds, "evaluation")
        return self.name, _mean_loss(self.obj, targets, preds), False


def sklearn_objective(
    obj: BaseObjective,
) -> Callable[[np.ndarray, np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """Wrap ``obj`` for ``lgb.LGBMClassifier(objective=...)``.

    Parameters
    ----------
    obj : BaseObjective

    Returns
    -------
    f : callable ``f(y_true, y_pred, weight) -> (grad, hess)``
        Receives the label-encoded classes and the sample weights given to
        ``fit`` (``class_weight`` included). Binary problems get a single
        output. Note that a plain ``LGBMClassifier`` with a custom objective
        starts from margin 0, returns raw margins from ``predict_proba`` and
        reports ``multi_logloss`` of raw margins unless ``metric="None"``:
        :class:`Classifier` handles all three.
    """
    return _SklearnObjective(obj)


def sklearn_metric(
    obj: BaseObjective, name: str | None = None
) -> Callable[[np.ndarray, np.ndarray, Any], tuple[str, float, bool]]:
    """Wrap ``obj``'s loss for ``LGBMClassifier.fit(eval_metric=...)``.

    Parameters
    ----------
    obj : BaseObjective
    name : str, optional
        Default ``obj.name``.

    Returns
    -------
    f : callable ``f(y_true, y_pred, weight) -> (name, value, False)``
        The weighted mean loss, as :func:`metric`.
    """
    return _SklearnMetric(obj, name)


# -------------------------------------------------------------------- Dask
# These helpers use dask but neither engine, so boostobj.xgboost shares them.
def dask_init_raw(
    obj: BaseObjective,
    labels: Any,
    sample_weight: Any = None,
    *,
    n_classes: int | None = None,
    single_output: bool = False,
) -> np.ndarray | float:
    """Class priors (``obj.init_raw``) of labels held in dask arrays.

    The constant margins minimising a weighted loss depend on the data only
    through the weighted count of each class (or the weighted mean of soft
    labels), so one distributed pass computes those sums and the priors are
    solved on the client from K numbers. The result equals
    ``obj.init_raw(labels, sample_weight, ...)`` on the gathered arrays.

    Parameters
    ----------
    obj : BaseObjective
    labels : dask array of shape (n,) or (n, K)
        Class ids 0..K-1, or soft labels whose rows sum to 1.
    sample_weight : dask array of shape (n,), default=None
        1-D sample weights (per-class weights (n, K) are not supported here).
    n_classes : int, optional
        K, required for class ids unless ``single_output``.
    single_output : bool, default=False
        Return the scalar margin of a single-output binary model.

    Returns
    -------
    ndarray of shape (K,), or float when ``single_output``
    """
    import dask
    import dask.array as da

    obj = _check_objective(obj)
    y = da.asarray(labels)
    if y.ndim not in (1, 2):
        raise ValueError(f"labels must be a dask array of shape (n,) or (n, K), got {y.shape}")
    w = None
    if sample_weight is not None:
        w = da.asarray(sample_weight)
        if w.ndim != 1:
            raise ValueError(
                f"sample_weight must be a 1-D dask array (n,), got shape {w.shape}; per-class "
                f"weights (n, K) are not supported by dask_init_raw"
            )
    if y.ndim == 2:
        if single_output:
            raise ValueError("soft labels (n, K) train K outputs: single_output must be False")
        sums, total_rows = dask.compute(
            (y if w is None else y * w[:, None]).sum(axis=0), y.shape[0]
        )
        if not total_rows:
            raise ValueError("dask_init_raw needs at least one sample, got n = 0")
        # The weighted mean label has the same minimiser as the full weighted loss.
        return obj.init_raw(sums[None, :] / sums.sum())
    k = 2 if single_output else n_classes
    if k is None or isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(
            f"n_classes must be an integer >= 2 for class ids (or single_output=True), "
            f"got {n_classes!r}"
        )
    k = int(k)
    if single_output:
        # 0/1 labels or probabilities of class 1: their weighted mean suffices.
        ones = da.ones_like(y, dtype=np.float64) if w is None else w
        pos, total = dask.compute((y * ones).sum(), ones.sum())
        mean = float(pos) / float(total)
        return obj.init_raw(np.array([mean]), single_output=True)
    low, high, integral = y.min(), y.max(), (y == da.floor(y)).all()
    sums, low, high, integral = dask.compute(
        da.bincount(y.astype(np.intp), weights=w, minlength=k), low, high, integral
    )
    if not (integral and low >= 0 and high < k):
        raise ValueError(
            f"labels must be class ids 0..{k - 1} (n_classes={k}), got values from {low} to {high}"
        )
    return obj.init_raw(np.arange(k), sums, n_classes=k)


def dask_init_score(init_raw: Any, X: Any, dtype: Any = np.float64) -> Any:
    """A dask array repeating ``init_raw`` for every row of ``X``, chunked as ``X``'s rows.

    For ``DaskLGBMClassifier.fit(init_score=...)`` (LightGBM does not start a
    custom objective from the priors) and, as float32, XGBoost's dask
    ``base_margin``.

    Parameters
    ----------
    init_raw : float or array-like of shape (K,)
        From :func:`dask_init_raw`.
    X : dask array of shape (n, n_features)
        The data the margins belong to; only its row chunks are used.
    dtype : numpy dtype, default=float64

    Returns
    -------
    dask array of shape (n,) or (n, K)
    """
    import dask.array as da

    start = np.asarray(init_raw, dtype=np.float64)
    if start.ndim > 1 or (start.ndim == 1 and start.shape[0] < 2) or not np.all(np.isfinite(start)):
        raise ValueError(
            f"init_raw must be a finite number or a (K,) array with K >= 2, got {_describe(start)}"
        )
    rows = da.asarray(X).chunks[0]
    value = start.astype(dtype)
    if value.ndim == 0:
        return da.full(sum(rows), value, chunks=(rows,), dtype=dtype)
    # Writable, contiguous blocks: the engines copy or write into what they receive.
    row_index = da.zeros(sum(rows), chunks=(rows,), dtype=np.int8)
    return row_index.map_blocks(
        _tile_block, value, dtype=dtype, chunks=(rows, (value.shape[0],)), new_axis=1
    )


def _tile_block(block: np.ndarray, value: np.ndarray) -> np.ndarray:
    return np.tile(value, (block.shape[0], 1))


def dask_predict_proba(obj: BaseObjective, raw: Any) -> Any:
    """Probabilities from a dask array of raw margins, block by block on the workers.

    For ``DaskLGBMClassifier.predict(X, raw_score=True)`` (its
    ``predict_proba`` returns raw margins under a custom objective) and for
    XGBoost soft-label models (``predict(..., output_margin=True)``). The
    margins must include the priors: see :func:`add_init_raw`.

    Parameters
    ----------
    obj : BaseObjective
    raw : dask array of shape (n, K), or (n,) for a single-output model

    Returns
    -------
    dask array of shape (n, K) (K = 2 for a single output)
    """
    import dask.array as da

    obj = _check_objective(obj)
    raw = da.asarray(raw)
    if raw.ndim == 1:
        return raw.map_blocks(
            obj.predict_proba, dtype=raw.dtype, chunks=(raw.chunks[0], (2,)), new_axis=1
        )
    if raw.ndim != 2:
        raise ValueError(f"raw must be a dask array of shape (n,) or (n, K), got {raw.shape}")
    # Softmax needs whole rows: one chunk across the classes.
    raw = raw.rechunk({1: -1})
    return raw.map_blocks(obj.predict_proba, dtype=raw.dtype)


# ----------------------------------------------------------- init margins
def add_init_raw(booster: lgb.Booster, init_raw: Any) -> lgb.Booster:
    """Add constant starting margins to a trained Booster's first trees.

    A custom objective's training starts from the Dataset's ``init_score``,
    which LightGBM does not store in the model. Adding those margins to every
    leaf of the first iteration's trees (as LightGBM's ``boost_from_average``
    does for built-in objectives) makes the Booster predict complete margins,
    also after ``save_model``/``model_to_string`` and reloading. Call it once,
    after training. Predictions with ``start_iteration > 0`` then miss the
    margins, as with ``boost_from_average``.

    Parameters
    ----------
    booster : lightgbm.Booster
        Trained, with K trees per iteration (or 1 for a single output).
    init_raw : array-like of shape (K,), or float for a single output

    Returns
    -------
    booster : lightgbm.Booster
        The same Booster, modified in place.

    Raises
    ------
    ValueError
        If ``init_raw`` does not have one entry per tree of an iteration, the
        Booster has no trees, or its leaf values do not determine its output
        (linear trees, random-forest averaging).
    """
    start = np.atleast_1d(np.asarray(init_raw, dtype=np.float64))
    per_iter = booster.num_model_per_iteration()
    if start.shape != (per_iter,) or not np.all(np.isfinite(start)):
        raise ValueError(
            f"init_raw must hold {per_iter} finite margin(s), one per tree of an iteration, "
            f"got {_describe(start)}"
        )
    if booster.current_iteration() < 1:
        raise ValueError("the Booster has no trees yet; call add_init_raw after training")
    model = booster.dump_model(num_iteration=1)
    if model.get("average_output", False):
        raise ValueError("init_raw cannot be added to a random-forest Booster (averaged output)")
    for tree in model["tree_info"]:
        if _is_linear(tree["tree_structure"]):
            raise ValueError(
                "init_raw cannot be added to linear trees (linear_tree=True): their output "
                "is not the leaf value; add init_raw to the predicted margins instead"
            )
    for tree in model["tree_info"]:
        t = tree["tree_index"]
        for leaf in range(tree["num_leaves"]):
            value = booster.get_leaf_output(t, leaf) + start[t % per_iter]
            booster.set_leaf_output(t, leaf, value)
    return booster


def _is_linear(node: dict) -> bool:
    while "left_child" in node:  # any leaf tells: all or none are linear
        node = node["left_child"]
    return "leaf_const" in node


# ------------------------------------------------------------- Classifier
_METRIC_ALIASES = ("metric", "metrics", "metric_types")
_EVAL_SET_DEPRECATION = "The argument 'eval_set' is deprecated"

# LightGBM's classification metrics by alias. Under a custom objective
# LightGBM computes its metrics on raw margins, so the Classifier computes
# these on probabilities instead, under LightGBM's own names.
_LOGLOSS_NAMES = {
    **dict.fromkeys(
        ("multi_logloss", "multiclass", "softmax", "multiclassova", "multiclass_ova", "ova", "ovr"),
        "multi_logloss",
    ),
    **dict.fromkeys(("binary_logloss", "binary"), "binary_logloss"),
    **dict.fromkeys(("cross_entropy", "xentropy"), "cross_entropy"),
}
_ERROR_NAMES = {"multi_error": "multi_error", "binary_error": "binary_error"}
# Ranking metrics of a single output: a monotone link leaves them unchanged,
# so LightGBM's own computation on margins is right.
_RANKING_NAMES = {"auc": "auc", "average_precision": "average_precision"}
_NO_METRIC = ("", "none", "null", "na", "custom")


def _metric_names(value: Any) -> list[str]:
    """A LightGBM ``metric`` value (string, comma-separated string, list) as names."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    names = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"metric names must be strings, got {item!r}")
        names.extend(part.strip() for part in item.split(","))
    return [name for name in names if name.lower() not in _NO_METRIC]


def _translate_metrics(names: list[str], n_classes: int, top_k: int) -> tuple[list, list[str]]:
    """LightGBM metric names as (callables on probabilities, names kept built in).

    Raises ``ValueError`` for a name that has no counterpart on probabilities.
    """
    single = n_classes == 2
    callables: list = []
    builtin: list[str] = []
    for name in names:
        key = name.lower()
        if key in _LOGLOSS_NAMES:
            callables.append(sklearn_metric(SoftmaxCrossEntropy(), _LOGLOSS_NAMES[key]))
        elif key in _ERROR_NAMES:
            callables.append(_SklearnError(_ERROR_NAMES[key], top_k))
        elif key in _RANKING_NAMES and single:
            builtin.append(_RANKING_NAMES[key])
        else:
            supported = sorted({*_LOGLOSS_NAMES, *_ERROR_NAMES}) + (
                sorted(_RANKING_NAMES) if single else []
            )
            raise ValueError(
                f"metric {name!r} is not supported by boostobj's Classifier: under a custom "
                f"objective LightGBM computes its metrics on raw margins, and {name!r} has no "
                f"counterpart computed on probabilities here. Use one of {supported}, or "
                f"pass a callable eval_metric (it receives probabilities)"
            )
    return callables, builtin


def _probabilities(raw: np.ndarray) -> np.ndarray:
    """What LGBMClassifier's eval callables get: P(class 1) (n,) or softmax (n, K)."""
    proba = SoftmaxCrossEntropy().predict_proba(raw)
    return proba[:, 1] if raw.ndim == 1 else proba


class _SklearnError(_Wrapper):
    """LightGBM's ``multi_error``/``binary_error`` on probabilities, weighted.

    A row is an error when more than ``top_k`` classes score at least as
    high as its label (LightGBM's ``multi_error_top_k`` rule).
    """

    __slots__ = ("top_k",)

    def __init__(self, name: str, top_k: int = 1) -> None:
        self.obj = SoftmaxCrossEntropy()
        self.name = name
        self.top_k = top_k

    def __deepcopy__(self, memo: dict) -> _SklearnError:
        return type(self)(self.name, self.top_k)

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None
    ) -> tuple[str, float, bool]:
        preds = _check_preds(y_pred)
        targets = _array_targets(y_true, weight)
        _check_fits(targets, self.obj, preds, "evaluation")
        raw = np.column_stack([np.zeros_like(preds), preds]) if preds.ndim == 1 else preds
        codes = targets.codes.astype(np.intp)
        at_label = raw[np.arange(raw.shape[0]), codes]
        wrong = (raw >= at_label[:, None]).sum(axis=1) > self.top_k
        sw = targets.sample_weight
        value = float(np.average(wrong, weights=sw)) if raw.shape[0] else 0.0
        return self.name, value, False


class _OnProbabilities:
    """A user's ``eval_metric`` callable, given probabilities instead of margins.

    LightGBM dispatches on the number of parameters, so each arity has its
    own ``__call__`` signature.
    """

    def __init__(self, func: Callable) -> None:
        self.func = func

    def __repr__(self) -> str:
        return f"<{self.func!r} on probabilities>"


class _OnProbabilities2(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray) -> Any:
        return self.func(y_true, _probabilities(y_pred))


class _OnProbabilities3(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray, weight: Any) -> Any:
        return self.func(y_true, _probabilities(y_pred), weight)


class _OnProbabilities4(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray, weight: Any, group: Any) -> Any:
        return self.func(y_true, _probabilities(y_pred), weight, group)


def _on_probabilities(func: Callable) -> Callable:
    n = len(inspect.signature(func).parameters)
    wrappers = {2: _OnProbabilities2, 3: _OnProbabilities3, 4: _OnProbabilities4}
    if n not in wrappers:
        raise TypeError(
            f"eval_metric callables take (y_true, y_pred), (y_true, y_pred, weight) or "
            f"(y_true, y_pred, weight, group), got {func!r} with {n} parameters"
        )
    return wrappers[n](func)


def _n_rows(x: Any) -> int:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return int(shape[0])
    return len(x) if hasattr(x, "__len__") else int(np.asarray(x).shape[0])


def _make_classifier() -> type:
    import lightgbm as lgb
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import column_or_1d

    class Classifier(lgb.LGBMClassifier):
        """LightGBM classifier trained with a boostobj objective.

        A scikit-learn compatible ``lgb.LGBMClassifier`` that

        - trains with ``objective`` (default ``SoftmaxCrossEntropy()``),
          one output per class, or a single output for two classes;
        - starts from the class priors ``objective.init_raw(y, weights)``
          (stored as ``init_raw_``) and adds them to the model's first trees
          (:func:`add_init_raw`), so ``booster_`` and a saved model file
          predict complete margins;
        - reports the objective's weighted mean loss on ``eval_set`` under
          the name ``objective.name`` instead of LightGBM's default metric,
          which is meaningless on raw margins. Metrics you name (``metric=``
          or string ``eval_metric``) are computed on probabilities under
          LightGBM's names: ``multi_logloss``/``binary_logloss``/
          ``cross_entropy`` (and their aliases), ``multi_error`` (with
          ``multi_error_top_k``), ``binary_error``; ``auc`` and
          ``average_precision`` of a binary model are left to LightGBM
          (a monotone link does not change them); other names are refused.
          Callable ``eval_metric`` receive probabilities, as with a built-in
          objective. Named metrics come first (for ``first_metric_only``);
        - returns probabilities from ``predict_proba`` and labels from
          ``predict``.

        Parameters
        ----------
        objective : BaseObjective, default=None
            None means ``SoftmaxCrossEntropy()``.
        **kwargs
            Any ``lgb.LGBMClassifier`` parameter or LightGBM parameter.
            ``class_weight`` (dict or "balanced") multiplies the sample
            weights, as in LightGBM; the objective's own ``class_weight``
            (K,) is indexed by the position of the class in ``classes_``.

        Attributes
        ----------
        init_raw_ : ndarray of shape (n_classes,), or float for two classes
            The starting margins, included in ``booster_``'s first trees.

        Notes
        -----
        ``fit`` takes ``eval_set`` or ``eval_X``/``eval_y`` (LightGBM >= 4.7);
        ``init_score``, ``eval_init_score`` and ``init_model`` are refused,
        since the model starts from the priors. Linear trees are refused.
        ``boosting_type="rf"`` is refused: LightGBM's random forests take
        no custom objective. ``feature_pre_filter`` defaults to False: with a custom objective,
        LightGBM aborts if pre-filtering leaves no feature (small data sets,
        lightgbm#5667); without it such data give the constant prior model.
        To predict from a reloaded model file:
        ``objective.predict_proba(booster.predict(X, raw_score=True))``.
        """

        def __init__(self, *, objective: BaseObjective | None = None, **kwargs: Any) -> None:
            super().__init__(objective=objective, **kwargs)

        def _boostobj_objective(self) -> BaseObjective:
            obj = self.objective
            return SoftmaxCrossEntropy() if obj is None else _check_objective(obj, "objective")

        def _engine_n_jobs(self) -> Any:
            """LightGBM's thread count: an alias of num_threads if set, else n_jobs."""
            own = self.get_params()
            for alias in ("num_threads", "num_thread", "nthread", "nthreads"):
                if own.get(alias) is not None:
                    return own[alias]
            return self.n_jobs

        def _process_params(self, stage: str) -> dict[str, Any]:
            if stage == "fit":
                self._objective = self._boostobj_objective()
            params = super()._process_params(stage)
            if stage == "fit":
                params["objective"] = objective(
                    with_engine_threads(self._objective, self._engine_n_jobs())
                )
                own = self.get_params()
                for alias in _METRIC_ALIASES:
                    params.pop(alias, None)
                # Named metrics were translated by fit; LightGBM keeps only those
                # that are right on margins.
                params["metric"] = getattr(self, "_builtin_metrics", None) or "None"
                if "feature_pre_filter" not in own:
                    # With a custom objective LightGBM aborts when pre-filtering leaves
                    # no feature (lightgbm#5667); unsplittable features never split anyway.
                    params["feature_pre_filter"] = False
            else:
                params["objective"] = "None"
            return params

        def fit(self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any) -> Classifier:
            """Fit the model, starting from the class priors.

            Parameters
            ----------
            X : array-like or sparse matrix of shape (n_samples, n_features)
            y : array-like of shape (n_samples,)
            sample_weight : array-like of shape (n_samples,), default=None
            **fit_params
                Passed to ``lgb.LGBMClassifier.fit`` (``eval_set``,
                ``eval_sample_weight``, ``eval_metric``, ``callbacks``, ...).

            Returns
            -------
            self : Classifier
            """
            obj = self._boostobj_objective()
            for name in ("init_score", "eval_init_score", "init_model"):
                if fit_params.get(name) is not None:
                    raise ValueError(
                        f"{name} is not supported by boostobj's Classifier, which starts "
                        f"from the class priors (init_raw_)"
                    )
            params = self.get_params()
            if any(_truthy(params.get(alias)) for alias in ("linear_tree", "linear_trees")):
                raise ValueError(
                    "linear_tree=True is not supported: the class priors are stored in the "
                    "leaf values, which linear trees do not use"
                )
            for alias in ("boosting_type", "boosting", "boost"):
                value = params.get(alias)
                if isinstance(value, str) and value.strip().lower() in ("rf", "random_forest"):
                    raise ValueError(
                        f"{alias}={value!r} is not supported: LightGBM's random forest mode "
                        f"accepts no custom objective (nor the init_score that holds the class "
                        f"priors); use gbdt, dart, or lightgbm.LGBMClassifier with its built-in "
                        f"objective"
                    )
            eval_set = _eval_pairs(
                fit_params.pop("eval_set", None),
                fit_params.pop("eval_X", None),
                fit_params.pop("eval_y", None),
            )
            y_arr = column_or_1d(y, warn=True)
            check_classification_targets(y_arr)
            classes, codes = np.unique(y_arr, return_inverse=True)
            k = len(classes)
            if k < 2:
                raise ValueError(f"y has {k} class ({classes!r}); a classifier needs at least 2")
            cw = obj.class_weight
            if cw is not None and np.shape(cw)[0] != k:
                raise ValueError(
                    f"the objective's class_weight has {np.shape(cw)[0]} entries but y has "
                    f"{k} classes"
                )
            weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
            if self.class_weight is not None:
                by_class = compute_sample_weight(self.class_weight, y_arr)
                weight = by_class if weight is None else weight * by_class
            start = obj.init_raw(codes, weight, n_classes=k, single_output=k == 2)

            def scores(n: int) -> np.ndarray:
                return np.full(n, start) if k == 2 else np.tile(start, (n, 1))

            metrics = fit_params.pop("eval_metric", None)
            if metrics is None:
                metrics = []
            elif not isinstance(metrics, list):
                metrics = [metrics]
            named = [m for m in metrics if isinstance(m, str)]
            for alias in _METRIC_ALIASES:
                named = _metric_names(params.get(alias)) + named
            top_k = params.get("multi_error_top_k", 1)
            translated, self._builtin_metrics = _translate_metrics(
                _metric_names(named), k, 1 if top_k is None else int(top_k)
            )
            user_callables = [_on_probabilities(m) for m in metrics if not isinstance(m, str)]
            if eval_set is not None:
                fit_params["eval_init_score"] = [scores(_n_rows(xv)) for xv, _ in eval_set]
                fit_params["eval_set"] = eval_set
            with warnings.catch_warnings():
                # We pass eval_set on purpose: 4.7's eval_y path skips label encoding.
                warnings.filterwarnings("ignore", message=_EVAL_SET_DEPRECATION)
                super().fit(
                    X,
                    y,
                    sample_weight=sample_weight,
                    init_score=scores(_n_rows(X)),
                    eval_metric=[
                        *translated,
                        sklearn_metric(with_engine_threads(obj, self._engine_n_jobs())),
                        *user_callables,
                    ],
                    **fit_params,
                )
            add_init_raw(self.booster_, start)
            self.init_raw_ = start
            return self

        def predict_proba(
            self,
            X: Any,
            raw_score: bool = False,
            start_iteration: int = 0,
            num_iteration: int | None = None,
            pred_leaf: bool = False,
            pred_contrib: bool = False,
            validate_features: bool = False,
            **kwargs: Any,
        ) -> np.ndarray:
            """Class probabilities, shape (n_samples, n_classes).

            With ``raw_score``, ``pred_leaf`` or ``pred_contrib``, returns
            what ``lgb.LGBMModel.predict`` does (raw margins include the
            priors). ``start_iteration > 0`` skips the trees that hold the
            priors.
            """
            raw = lgb.LGBMModel.predict(
                self,
                X,
                raw_score=raw_score or not (pred_leaf or pred_contrib),
                start_iteration=start_iteration,
                num_iteration=num_iteration,
                pred_leaf=pred_leaf,
                pred_contrib=pred_contrib,
                validate_features=validate_features,
                **kwargs,
            )
            if raw_score or pred_leaf or pred_contrib:
                return raw
            return self._objective.predict_proba(raw)

        def predict(
            self,
            X: Any,
            raw_score: bool = False,
            start_iteration: int = 0,
            num_iteration: int | None = None,
            pred_leaf: bool = False,
            pred_contrib: bool = False,
            validate_features: bool = False,
            **kwargs: Any,
        ) -> np.ndarray:
            """Predicted class labels (the most probable class).

            With ``raw_score``, ``pred_leaf`` or ``pred_contrib``, as
            :meth:`predict_proba`.
            """
            result = self.predict_proba(
                X,
                raw_score=raw_score,
                start_iteration=start_iteration,
                num_iteration=num_iteration,
                pred_leaf=pred_leaf,
                pred_contrib=pred_contrib,
                validate_features=validate_features,
                **kwargs,
            )
            if raw_score or pred_leaf or pred_contrib:
                return result
            return self.classes_[np.argmax(result, axis=1)]

    # Pickle finds classes by module and qualified name: make both public.
    Classifier.__module__ = __name__
    Classifier.__qualname__ = "Classifier"
    return Classifier


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "+")
    return bool(value)


def _eval_pairs(eval_set: Any, eval_x: Any, eval_y: Any) -> list | None:
    """``eval_set`` or ``eval_X``/``eval_y`` as a list of (X, y) pairs."""
    if eval_set is not None:
        if eval_x is not None or eval_y is not None:
            raise ValueError("give eval_set or eval_X and eval_y, not both")
        return [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
    if (eval_x is None) != (eval_y is None):
        raise ValueError("give both eval_X and eval_y, or neither")
    if eval_x is None:
        return None
    if isinstance(eval_x, tuple) != isinstance(eval_y, tuple) or (
        isinstance(eval_x, tuple) and len(eval_x) != len(eval_y)
    ):
        raise ValueError("eval_X and eval_y must both be single sets or tuples of equal length")
    if isinstance(eval_x, tuple):
        return list(zip(eval_x, eval_y, strict=True))
    return [(eval_x, eval_y)]


def __getattr__(name: str) -> Any:
    # Classifier subclasses lgb.LGBMClassifier, so defining it imports
    # lightgbm: it is built on first access (this also serves unpickling).
    if name == "Classifier":
        cls = _make_classifier()
        globals()["Classifier"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Classifier"})

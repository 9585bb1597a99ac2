"""The callables XGBoost calls: objectives and metrics, native and scikit-learn API.

The native ones keep the validated targets of each DMatrix they see
(weakly); all return float32 gradients of the shape of the margins.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import xgboost as xgb

from .._engine import (
    OutputBuffers,
    check_class_weight_fits,
    check_engine_hessian,
    engine_float32,
    on_engine_hessian,
)
from .._engine import check_objective as _check_objective
from .._softmax import check_finite_fast
from .._validation import Targets, _describe
from ..objectives import BaseObjective
from ._targets import _changed, _dmatrix_targets, _label_array, _targets_class

_T = TypeVar("_T")


def _layout_hint(raw: np.ndarray) -> str:
    if raw.ndim == 1:
        return (
            "XGBoost passes 1-D margins (n,) to a model with a single output (binary); "
            "for K > 2 classes set num_class=K in the parameters, or give soft labels "
            "as a 2-D (n, K) label"
        )
    return (
        f"the model has K={raw.shape[1]} outputs per row (num_class, or the columns "
        f"of a 2-D soft label)"
    )


def _check_fit(obj: BaseObjective, targets: Targets, predt: Any) -> np.ndarray:
    """Return the margins as an array after checking the targets fit them.

    The objective checks this too; doing it here adds what to change in the
    XGBoost setup to the message.
    """
    raw = np.asarray(predt)
    if raw.ndim not in (1, 2):
        raise ValueError(f"XGBoost margins must be (n,) or (n, K), got {_describe(raw)}")
    single = raw.ndim == 1
    k = 2 if single else raw.shape[1]
    layout = "a single output (binary, K=2)" if single else f"K={k} outputs per row"
    check_class_weight_fits(obj, k, f"the XGBoost model has {layout}")
    try:
        targets.check_fits(raw.shape[0], k, single_output=single)
    except ValueError as exc:
        raise ValueError(f"{exc}; {_layout_hint(raw)}") from None
    return raw


def _sum_over_workers(values: np.ndarray) -> np.ndarray:
    return xgb.collective.allreduce(values, xgb.collective.Op.SUM)


def _summed_on_every_worker(compute: Callable[[], np.ndarray], size: int) -> np.ndarray:
    """The ``size`` numbers ``compute()`` returns, summed over the workers.

    As :func:`_on_every_worker`, raising on every worker if any raised.
    """
    _, summed = _on_every_worker(compute, lambda numbers: numbers, size)
    return summed


def _on_every_worker(
    compute: Callable[[], _T], numbers: Callable[[_T], np.ndarray], size: int
) -> tuple[_T, np.ndarray]:
    """``compute()``, and its ``numbers`` summed over the workers in one allreduce.

    On distributed XGBoost, raising on every worker if any raised. A worker
    whose rows fail a check (a label outside ``[0, K)``, say) and raises
    alone leaves the others in XGBoost's next collective operation:
    measured (xgboost 3.2, two workers), the caller then got XGBoost's "Ring
    allreduce failed" instead of the error in 5 of 12 runs, and in 1 of 16
    the cluster stalled past 100 s. Every worker must call this at the same
    point, and ``compute`` must not communicate. The error goes to every
    worker, as the same ``ValueError`` or ``TypeError`` naming the worker it
    came from.
    """
    error: Exception | None = None
    result: Any = None
    rank, world = xgb.collective.get_rank(), xgb.collective.get_world_size()
    # The numbers, then one failure flag per worker.
    buffer = np.zeros(size + world)
    try:
        result = compute()
        buffer[:size] = numbers(result)
    except (ValueError, TypeError) as exc:
        error = exc
    buffer[size + rank] = error is not None
    summed = _sum_over_workers(buffer)
    first = np.flatnonzero(summed[size:])
    if first.size == 0:
        return result, summed[:size]
    root = int(first[0])
    what = (type(error).__name__, str(error)) if rank == root else None
    kind, message = xgb.collective.broadcast(what, root)
    if error is not None:
        raise error
    raise (TypeError if kind == "TypeError" else ValueError)(
        f"XGBoost worker {root} of {world} raised: {message}"
    )


def _grad_hess(
    obj: BaseObjective,
    targets: Targets,
    predt: Any,
    engine_hessian: bool = False,
    outputs: OutputBuffers | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    raw = _check_fit(obj, targets, predt)
    obj = on_engine_hessian(obj, "xgboost", raw, engine_hessian)
    if xgb.collective.is_distributed():
        # A worker of xgboost.dask (or another distributed front end): a scale
        # resolved from the margins is resolved over all workers' rows.
        obj = obj._shared_scale(targets, raw, _sum_over_workers)
    if outputs is None:
        grad, hess = obj.grad_hess(targets, raw)
    else:
        # Computed in raw's dtype and rounded once into the float32 pair.
        grad, hess = outputs.take(raw.shape, "C")
        obj.grad_hess(targets, raw, grad_out=grad, hess_out=hess)
    # XGBoost stores gradient pairs in float32; float16 and bool would be garbage.
    return engine_float32(obj, grad, hess)


def _mean_loss(obj: BaseObjective, targets: Targets, predt: Any) -> float:
    """Sum of the per-sample losses (weights included) over the sum of the sample weights.

    The loss without the objective's ``loss_scale``: a metric reports the true score.
    """
    total, mass = _loss_sums(obj, targets, predt)
    return float(total / mass)


def _weight_mass(targets: Targets) -> np.ndarray:
    """The sum of the sample weights (n without), as a 1-element array."""
    sw = targets.sample_weight
    return np.array([targets.n_samples if sw is None else sw.sum(dtype=np.float64)])


def _loss_sums(obj: BaseObjective, targets: Targets, predt: Any) -> np.ndarray:
    """The sum of the per-sample losses, and of the sample weights (n without)."""
    raw = _check_fit(obj, targets, predt)
    total = obj._unscaled().loss(targets, raw).sum(dtype=np.float64)
    return np.array([total, _weight_mass(targets)[0]])


class _PerDMatrix:
    """Holds an objective and the validated targets of each DMatrix it is given."""

    _factory = ""

    def __init__(self, obj: BaseObjective) -> None:
        self.obj = _check_objective(obj)
        self._targets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _targets_of(self, dmat: Any) -> Targets:
        targets = self._targets.get(dmat) if isinstance(dmat, xgb.DMatrix) else None
        if targets is None or _changed(dmat, targets):
            targets = _dmatrix_targets(dmat)
            self._targets[dmat] = targets
        return targets

    # The caches are not picklable and belong to this process's DMatrix objects.
    def __getstate__(self) -> dict[str, Any]:
        return {"obj": self.obj}

    def __setstate__(self, state: dict[str, Any]) -> None:
        _PerDMatrix.__init__(self, state["obj"])

    def __repr__(self) -> str:
        return f"boostobj.xgboost.{self._factory}({self.obj!r})"


class _Objective(_PerDMatrix):
    _factory = "objective"

    def __init__(self, obj: BaseObjective, engine_hessian: bool = False) -> None:
        super().__init__(obj)
        self.engine_hessian = check_engine_hessian(engine_hessian)
        # Each training DMatrix's gradient and Hessian pair, freed with it.
        self._outputs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # Training DMatrix whose first round all workers have checked together.
        self._checked: weakref.WeakSet = weakref.WeakSet()

    def _outputs_of(self, dmat: Any) -> OutputBuffers | None:
        if not isinstance(dmat, xgb.DMatrix):
            return None
        outputs = self._outputs.get(dmat)
        if outputs is None:
            outputs = self._outputs[dmat] = OutputBuffers()
        return outputs

    def __getstate__(self) -> dict[str, Any]:
        return {"obj": self.obj, "engine_hessian": self.engine_hessian}

    def __setstate__(self, state: dict[str, Any]) -> None:
        _Objective.__init__(self, state["obj"], state.get("engine_hessian", False))

    def __repr__(self) -> str:
        shown = ", engine_hessian=True" if self.engine_hessian else ""
        return f"boostobj.xgboost.objective({self.obj!r}{shown})"

    def __call__(self, predt: np.ndarray, dtrain: Any) -> tuple[np.ndarray, np.ndarray]:
        if (
            xgb.collective.is_distributed()
            and isinstance(dtrain, xgb.DMatrix)
            and dtrain not in self._checked
        ):
            # Each worker trains on a DMatrix of its own, first seen in round 1:
            # the labels and the starting margins are checked there, on every
            # worker, before anything else is exchanged.
            self._checked.add(dtrain)
            targets, mass = _on_every_worker(
                lambda: self._first_round(predt, dtrain), _weight_mass, 1
            )
            if not mass[0] > 0:
                # One worker's rows may all weigh 0 (_WorkerTargets); all of them may not.
                raise ValueError("sample_weight must have a positive entry, got all zeros")
        else:
            targets = self._targets_of(dtrain)
        outputs = self._outputs_of(dtrain)
        return _grad_hess(self.obj, targets, predt, self.engine_hessian, outputs)

    def _first_round(self, predt: Any, dtrain: Any) -> Targets:
        targets = self._targets_of(dtrain)
        raw = _check_fit(self.obj, targets, predt)
        check_finite_fast(raw, 0)
        return targets


class _Metric(_PerDMatrix):
    _factory = "metric"

    def __call__(self, predt: np.ndarray, dmat: Any) -> tuple[str, float]:
        if not xgb.collective.is_distributed():
            return self.obj.name, _mean_loss(self.obj, self._targets_of(dmat), predt)
        # XGBoost averages a metric over the workers unweighted (0/0 from a
        # worker without rows): the sums of all rows give their mean.
        total, mass = _summed_on_every_worker(
            lambda: _loss_sums(self.obj, self._targets_of(dmat), predt), 2
        )
        if not mass > 0:  # the same sums on every worker: every one raises
            raise ValueError(
                "the evaluation rows have no weight on any worker: sample_weight must have a "
                "positive entry, got all zeros"
            )
        return self.obj.name, float(total / mass)


def objective(
    obj: BaseObjective, *, engine_hessian: bool = False
) -> Callable[[np.ndarray, xgb.DMatrix], tuple[np.ndarray, np.ndarray]]:
    """An XGBoost custom objective, ``f(predt, dtrain) -> (grad, hess)``.

    For ``xgboost.train(params, dtrain, obj=...)``, ``xgboost.cv`` and
    ``Booster.update``. The labels and weights are read from the DMatrix
    (validated once per DMatrix) and the weights applied.

    Parameters
    ----------
    obj : BaseObjective
        E.g. ``SoftmaxCrossEntropy()`` or ``WeightedBrier()``.
    engine_hessian : bool, default=False
        Double the Hessian on a model with K outputs, as ``multi:softprob``
        doubles its own (none on a single output, as ``binary:logistic``),
        which is what :class:`Classifier` does by default. False hands
        XGBoost the objective's own Hessian.

    Returns
    -------
    callable
        Picklable; returns float32 ``grad, hess`` of the shape of ``predt``.

    Notes
    -----
    Three model layouts, chosen by the parameters and the DMatrix label:

    - K classes: 1-D class ids and ``num_class=K``. Also set
      ``objective="multi:softprob"``, so that ``predict`` returns
      probabilities (with ``num_class`` alone it returns class labels).
    - Binary with one output: 0/1 labels (or probabilities), no
      ``num_class``; ``objective="binary:logistic"`` makes ``predict`` return
      ``P(class 1)``. The margin ``m`` is read as the margins ``[0, m]``.
    - Soft labels: a 2-D (n, K) ``label`` and no ``num_class`` (XGBoost
      refuses the two together). ``predict`` returns raw margins: apply
      ``obj.predict_proba``.

    A custom objective starts from ``base_score`` 0.5 for every output; use
    :func:`init_raw` and :func:`set_base_margin` to start from the class
    priors, as the built-in objective does. With
    ``SoftmaxCrossEntropy(hessian_scale=2.0, min_hessian=1e-16)`` the model
    reproduces the built-in ``multi:softprob``; with ``hessian_scale=1.0`` (and
    the same floor) the single-output model reproduces ``binary:logistic``.

    On a distributed run (``xgboost.dask``), the workers check their labels
    and starting margins together in the first round, so that rows failing
    a check on one worker raise the same error on every worker instead of
    leaving the others waiting in XGBoost's next collective operation.
    """
    return _Objective(obj, engine_hessian)


def metric(obj: BaseObjective) -> Callable[[np.ndarray, xgb.DMatrix], tuple[str, float]]:
    """An XGBoost ``custom_metric``: the objective's weighted mean loss.

    ``f(predt, dmat) -> (obj.name, value)`` with ``value`` the sum of the
    per-sample losses (weights included) divided by the sum of the DMatrix
    weights (or by n). ``predt`` must be raw margins, which is what XGBoost
    passes when training with a custom objective (:func:`objective`); the
    base margin is included, so the value is the loss of the probabilities
    the model predicts. A ``WeightedBrier``'s ``loss_scale`` is left out:
    the value is the true Brier score. Lower is better: early stopping works with XGBoost's
    default ``maximize=False``. On distributed XGBoost (``xgboost.dask``)
    the sums are taken over all the workers' rows, since XGBoost itself
    would average the workers' values unweighted. Set ``disable_default_eval_metric=True`` to
    hide XGBoost's own metric (an RMSE of margins for soft labels).

    Parameters
    ----------
    obj : BaseObjective

    Returns
    -------
    callable
        Picklable.
    """
    return _Metric(obj)


class _SklearnObjective:
    """``f(y_true, y_pred, sample_weight=None)`` for ``XGBClassifier(objective=...)``."""

    def __init__(self, obj: BaseObjective, engine_hessian: bool = False) -> None:
        self.obj = _check_objective(obj)
        self.engine_hessian = check_engine_hessian(engine_hessian)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"engine_hessian": False, **state})

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(y_pred, xgb.DMatrix):
            raise TypeError(
                "boostobj.xgboost.sklearn_objective() is for XGBClassifier and XGBModel, which "
                "call it with labels and margins; xgb.train calls it with margins and a "
                "DMatrix: use boostobj.xgboost.objective() there"
            )
        # No DMatrix to key a cache on. Class ids are (n,): validating them is
        # O(n), about 1% of the gradient's O(n K) at K = 10.
        labels = _label_array(y_true, np.shape(y_pred)[0])
        targets = _targets_class()(labels, sample_weight)
        return _grad_hess(self.obj, targets, y_pred, self.engine_hessian)

    def __repr__(self) -> str:
        shown = ", engine_hessian=True" if self.engine_hessian else ""
        return f"boostobj.xgboost.sklearn_objective({self.obj!r}{shown})"


def sklearn_objective(
    obj: BaseObjective, *, engine_hessian: bool = False
) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """An objective for ``xgboost.XGBClassifier(objective=...)``.

    ``f(y_true, y_pred, sample_weight=None) -> (grad, hess)``; XGBoost passes
    ``sample_weight`` when ``fit`` is given sample weights. It also serves
    ``XGBRegressor`` fitted on (n, K) soft labels (predictions are then raw
    margins). A plain ``XGBClassifier`` starts every class at the same
    margin and its ``eval_metric`` callables receive raw margins:
    :class:`Classifier` starts from the class priors and evaluates the
    objective instead.

    Parameters
    ----------
    obj : BaseObjective
    engine_hessian : bool, default=False
        Double the Hessian on a model with K outputs, as ``multi:softprob``
        does (see :func:`objective`); :class:`Classifier` does by default.
        For ``xgboost.dask.DaskXGBClassifier``, True trains the model a
        ``Classifier`` would.

    Returns
    -------
    callable
        Picklable; returns float32 ``grad, hess`` of the shape of ``y_pred``.
    """
    return _SklearnObjective(obj, engine_hessian)

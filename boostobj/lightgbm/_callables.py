"""The callables LightGBM calls: objectives and metrics, native and scikit-learn API.

Each holds an objective's parameters and nothing else; the labels and
weights come from :mod:`._targets`. Gradients and Hessians are handed over
as Fortran-ordered float32 (n, K), which LightGBM passes on without a copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._engine import (
    check_class_weight_fits,
    check_engine_hessian,
    engine_float32,
    on_engine_hessian,
)
from .._engine import check_objective as _check_objective
from .._validation import Targets, _describe
from ..objectives import BaseObjective
from ._targets import _array_targets, _dataset_targets

if TYPE_CHECKING:
    import lightgbm as lgb


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
    check_class_weight_fits(obj, k, f"LightGBM trains {_model_text(preds)}")
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
    """Sum of weighted losses over the sum of 1-D sample weights (or n).

    The loss without the objective's ``loss_scale``: a metric reports the true score.
    """
    total = float(np.sum(obj._unscaled().loss(targets, preds), dtype=np.float64))
    sw = targets.sample_weight
    if sw is None or sw.ndim == 2:
        return total / targets.n_samples
    mass = float(np.sum(sw, dtype=np.float64))
    # 0 only for one Dask worker's rows (_WorkerTargets), whose mean has no value.
    return total / mass if mass > 0 else float("nan")


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


class _ObjectiveWrapper(_Wrapper):
    """A wrapped objective, and whether it takes the engine's Hessian factor."""

    __slots__ = ("engine_hessian",)

    def __init__(self, obj: BaseObjective, engine_hessian: bool = False) -> None:
        super().__init__(obj)
        self.engine_hessian = check_engine_hessian(engine_hessian)

    def __deepcopy__(self, memo: dict) -> _ObjectiveWrapper:
        return type(self)(copy.deepcopy(self.obj, memo), self.engine_hessian)

    def __getstate__(self) -> dict[str, Any]:
        return {"obj": self.obj, "name": self.name, "engine_hessian": self.engine_hessian}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple):  # pickled before engine_hessian: (None, slots)
            state = state[1]
        self.obj, self.name = state["obj"], state["name"]
        self.engine_hessian = state.get("engine_hessian", False)

    def __repr__(self) -> str:
        shown = ", engine_hessian=True" if self.engine_hessian else ""
        return f"<boostobj.lightgbm {type(self).__name__.strip('_')} of {self.obj!r}{shown}>"

    def _grad_hess(self, targets: Targets, preds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        obj = on_engine_hessian(self.obj, "lightgbm", preds, self.engine_hessian)
        return _grad_hess_float32(obj, targets, preds)


class _Objective(_ObjectiveWrapper):
    """``f(preds, train_data) -> (grad, hess)`` for ``params["objective"]``."""

    __slots__ = ()

    def __call__(self, preds: np.ndarray, train_data: lgb.Dataset) -> tuple[np.ndarray, np.ndarray]:
        preds = _check_preds(preds)
        targets = _dataset_targets(train_data, "training")
        _check_fits(targets, self.obj, preds, "training")
        return self._grad_hess(targets, preds)


class _Metric(_Wrapper):
    """``feval(preds, eval_data) -> (name, value, is_higher_better)``."""

    __slots__ = ()

    def __call__(self, preds: np.ndarray, eval_data: lgb.Dataset) -> tuple[str, float, bool]:
        preds = _check_preds(preds)
        targets = _dataset_targets(eval_data, "evaluation")
        _check_fits(targets, self.obj, preds, "evaluation")
        return self.name, _mean_loss(self.obj, targets, preds), False


def objective(
    obj: BaseObjective, *, engine_hessian: bool = False
) -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """Wrap ``obj`` as a LightGBM objective for ``params["objective"]``.

    Parameters
    ----------
    obj : BaseObjective
        E.g. ``SoftmaxCrossEntropy()`` or ``WeightedBrier()``.
    engine_hessian : bool, default=False
        Multiply the Hessian by ``K / (K - 1)`` on a model with K outputs,
        as LightGBM's ``multiclass`` does (none on a single output, as
        ``binary``), which is what :class:`Classifier` does by default.
        False hands LightGBM the objective's own Hessian.

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
    return _Objective(obj, engine_hessian)


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
        cross-entropy it is the log-loss LightGBM's ``multi_logloss`` reports;
        for ``WeightedBrier`` the Brier score, without its ``loss_scale``.
        Margins must be complete: give validation sets the ``init_score``
        the training set has.

    Notes
    -----
    With ``boosting="dart"``, measure the training rows on another Dataset
    (``lgb.Dataset(X, reference=dtrain)``, targets and ``init_raw``
    attached), not on ``dtrain`` itself: LightGBM computes a Python metric
    on its training Dataset from the training scores, and reading them
    makes DART drop trees that stay dropped after the last round.
    """
    return _Metric(obj, name)


def _check_not_native(y_pred: Any, wrapper: str, native: str) -> None:
    """Raise if called as lgb.train calls its callables, ``f(preds, dataset)``."""
    if hasattr(y_pred, "get_label"):
        raise TypeError(
            f"boostobj.lightgbm.{wrapper}() is for LGBMClassifier and LGBMModel, which call "
            f"it with labels, margins and weights; lgb.train and lgb.cv call it with margins "
            f"and a Dataset: use boostobj.lightgbm.{native}() there"
        )


class _SklearnObjective(_ObjectiveWrapper):
    """``f(y_true, y_pred, weight) -> (grad, hess)`` for ``LGBMClassifier``."""

    __slots__ = ()

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        _check_not_native(y_pred, "sklearn_objective", "objective")
        preds = _check_preds(y_pred)
        targets = _array_targets(y_true, weight)
        _check_fits(targets, self.obj, preds, "training")
        return self._grad_hess(targets, preds)


class _SklearnMetric(_Wrapper):
    """``f(y_true, y_pred, weight) -> (name, value, False)`` for ``eval_metric``."""

    __slots__ = ()

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[str, float, bool]:
        _check_not_native(y_pred, "sklearn_metric", "metric")
        preds = _check_preds(y_pred)
        targets = _array_targets(y_true, weight)
        _check_fits(targets, self.obj, preds, "evaluation")
        return self.name, self._value(targets, preds), False

    def _value(self, targets: Targets, preds: np.ndarray) -> float:
        return _mean_loss(self.obj, targets, preds)


def sklearn_objective(
    obj: BaseObjective, *, engine_hessian: bool = False
) -> Callable[[np.ndarray, np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """Wrap ``obj`` for ``lgb.LGBMClassifier(objective=...)``.

    Parameters
    ----------
    obj : BaseObjective
    engine_hessian : bool, default=False
        Multiply the Hessian by ``K / (K - 1)`` on K outputs, as
        ``multiclass`` does (see :func:`objective`); :class:`Classifier`
        does by default. For ``lightgbm.dask.DaskLGBMClassifier``, True
        trains the model a ``Classifier`` would.

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
    return _SklearnObjective(obj, engine_hessian)


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

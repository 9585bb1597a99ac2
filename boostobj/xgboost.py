"""XGBoost adapter: boostobj objectives as XGBoost objectives, metrics and classifier.

XGBoost leaves a custom objective to handle several things that its built-in
objectives do for themselves; this module handles them:

- DMatrix weights are not applied to a custom objective's gradient: they are
  read from the DMatrix and applied here.
- A custom objective starts every class at ``base_score`` 0.5 and XGBoost
  estimates no intercept for it: :func:`init_raw` and :func:`set_base_margin`
  (native API) and :class:`Classifier` (scikit-learn API) start from the class
  priors instead, as the built-in ``multi:softprob`` does.
- ``custom_metric`` and ``eval_metric`` callables receive raw margins: the
  metrics here evaluate the objective's loss on them, so that early stopping
  watches the objective itself.
- ``num_class`` without an ``objective`` makes ``Booster.predict`` return class
  labels, and a multi-output model (soft labels) returns raw margins: see
  :func:`objective` for the parameters to use.

Entry points
------------
objective(obj)
    ``obj=`` of ``xgboost.train``, ``xgboost.cv`` and ``Booster.update``.
metric(obj)
    ``custom_metric=`` of ``xgboost.train`` and ``xgboost.cv``.
sklearn_objective(obj)
    ``objective=`` of ``xgboost.XGBClassifier`` (or ``XGBRegressor`` for soft labels).
Classifier(objective=obj, **params)
    An ``XGBClassifier`` that does all of the above.
init_raw, set_base_margin, stored_init_raw
    Class-prior starting margins for the native API and for reloaded models.
dask_init_raw, dask_base_margin, dask_predict_proba
    The same for ``xgboost.dask`` (dask arrays). The callables above work
    there unchanged: each worker calls them on its own partitions' DMatrix.

Labels and weights are validated once per DMatrix: the callables returned by
:func:`objective` and :func:`metric` keep the validated
:class:`~boostobj.Targets` of each DMatrix they see (weakly, so they are freed
with it). Each call compares the DMatrix's label and weight with the
validated ones (XGBoost keeps no version number to check instead) and
validates again if ``set_label``, ``set_weight`` or ``set_info`` changed
them: about 2 ms per round at n = 1e6 for class ids and weights, 12 ms for
(n, 10) soft labels, against 61 ms for the objective itself. The
gradient and Hessian are returned as new float32 arrays of the shape of the
margins, (n, K) or (n,), the layout XGBoost has expected since 2.1; reusing
output buffers across rounds saved no measurable time (0.2 ms of 27 ms per
call at n = 200,000, K = 10) and would alias arrays handed to the caller.

Versions
--------
Supported and tested: xgboost 3.0, 3.1 and 3.2 (the newest release), on the
CPU. With ``device="cuda"``, ``Booster.boost`` still hands a custom objective
host margins (it predicts them with ``Booster.predict``, which returns numpy)
and accepts numpy gradients, so the objective runs on the CPU (untested here:
no GPU). What differs:

- ``DMatrix.get_label()`` returns a 2-D (soft) label flattened to (n * K,)
  before 3.2 and as (n, K) from 3.2; both are read correctly.
- ``base_score`` is one number before 3.1 and one per class from 3.1. The
  built-in ``multi:softprob`` estimates it from the labels (3.1 stores the
  class frequencies, 3.2 the zero-mean log priors, 3.0 keeps 0.5); a custom
  objective gets no estimate in any version. The class priors are therefore
  passed as ``base_margin``, which every 3.x version applies the same way.
- XGBoost 3.2 adds an experimental ``xgboost.objective.Objective`` interface;
  the plain callables used here work in every version.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import xgboost as xgb

from . import objectives as _objectives
from ._engine import check_objective as _check_objective
from ._engine import engine_float32, with_engine_threads
from ._validation import Targets, _describe
from .lightgbm import dask_init_score as _dask_tile
from .lightgbm import dask_predict_proba
from .objectives import BaseObjective, SoftmaxCrossEntropy

__all__ = [
    "INIT_RAW_ATTR",
    "OBJECTIVE_ATTR",
    "Classifier",
    "dask_base_margin",
    "dask_init_raw",
    "dask_predict_proba",
    "init_raw",
    "metric",
    "objective",
    "set_base_margin",
    "sklearn_objective",
    "stored_init_raw",
]

#: Booster attribute in which :class:`Classifier` stores its class priors (JSON).
INIT_RAW_ATTR = "boostobj_init_raw"
#: Booster attribute in which :class:`Classifier` stores its objective (JSON).
OBJECTIVE_ATTR = "boostobj_objective"


# ----------------------------------------------------------------- helpers


def _label_array(label: Any, n_rows: int) -> np.ndarray:
    """Labels as (n,) or (n, K): XGBoost < 3.2 returns a 2-D label flattened."""
    label = np.asarray(label)
    if label.ndim == 1 and n_rows and label.shape[0] != n_rows and label.size % n_rows == 0:
        return label.reshape(n_rows, -1)
    return label


def _dmatrix_targets(dmat: Any) -> Targets:
    """Validated labels and weights of a DMatrix."""
    if not isinstance(dmat, xgb.DMatrix):
        raise TypeError(f"expected an xgboost.DMatrix, got {type(dmat).__name__}")
    n = dmat.num_row()
    label = dmat.get_label()
    if label.size == 0 and n:
        raise ValueError(f"the DMatrix ({n} rows) has no label: build it with label=...")
    weight = dmat.get_weight()  # empty when the DMatrix has no weights
    return Targets(_label_array(label, n), weight if weight.size else None)


def _changed(dmat: xgb.DMatrix, targets: Targets) -> bool:
    """True if the DMatrix's label or weight differ from the validated ones.

    XGBoost hands out copies of its label and weight, with no version to
    compare, so they are compared by value every round: O(n) (O(n K) for
    soft labels) against the objective's O(n K) and the trees' far more.
    """
    label = _label_array(dmat.get_label(), targets.n_samples)
    held = targets.probs if targets.soft else targets.codes
    if label.shape != held.shape or not np.array_equal(label, held):
        return True
    weight = dmat.get_weight()
    sw = targets.sample_weight
    if sw is None:
        return weight.size != 0
    return weight.shape != sw.shape or not np.array_equal(weight, sw)


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


def _check_class_weight(obj: BaseObjective, k: int, where: str) -> None:
    cw = obj.class_weight
    if cw is not None and np.shape(cw)[0] != k:
        raise ValueError(f"the objective's class_weight has {np.shape(cw)[0]} entries but {where}")


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
    _check_class_weight(obj, k, f"the XGBoost model has {layout}")
    try:
        targets.check_fits(raw.shape[0], k, single_output=single)
    except ValueError as exc:
        raise ValueError(f"{exc}; {_layout_hint(raw)}") from None
    return raw


def _grad_hess(obj: BaseObjective, targets: Targets, predt: Any) -> tuple[np.ndarray, np.ndarray]:
    raw = _check_fit(obj, targets, predt)
    grad, hess = obj.grad_hess(targets, raw)
    # XGBoost stores gradient pairs in float32; float16 and bool would be garbage.
    return engine_float32(obj, grad, hess)


def _mean_loss(obj: BaseObjective, targets: Targets, predt: Any) -> float:
    """Sum of the per-sample losses (weights included) over the sum of the sample weights."""
    raw = _check_fit(obj, targets, predt)
    total = obj.loss(targets, raw).sum(dtype=np.float64)
    sw = targets.sample_weight
    return float(total / (targets.n_samples if sw is None else sw.sum(dtype=np.float64)))


def _tile(init: Any, n_rows: int) -> np.ndarray:
    """``init_raw`` repeated for every row: (n,) or (n, K) float32."""
    arr = np.asarray(init, dtype=np.float64)
    if not (arr.ndim == 0 or (arr.ndim == 1 and arr.shape[0] >= 2)) or not np.all(np.isfinite(arr)):
        raise ValueError(
            f"init_raw must be a finite number (single output) or a (K,) array with K >= 2, "
            f"got {_describe(arr)}"
        )
    if arr.ndim == 0:
        return np.full(n_rows, arr, dtype=np.float32)
    return np.tile(arr.astype(np.float32), (n_rows, 1))


def _n_rows(X: Any) -> int:
    if isinstance(X, xgb.DMatrix):
        return X.num_row()
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


# ------------------------------------------------------------ native API
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

    # The cache is not picklable and belongs to this process's DMatrix objects.
    def __getstate__(self) -> dict[str, Any]:
        return {"obj": self.obj}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["obj"])

    def __repr__(self) -> str:
        return f"boostobj.xgboost.{self._factory}({self.obj!r})"


class _Objective(_PerDMatrix):
    _factory = "objective"

    def __call__(self, predt: np.ndarray, dtrain: Any) -> tuple[np.ndarray, np.ndarray]:
        return _grad_hess(self.obj, self._targets_of(dtrain), predt)


class _Metric(_PerDMatrix):
    _factory = "metric"

    def __call__(self, predt: np.ndarray, dmat: Any) -> tuple[str, float]:
        return self.obj.name, _mean_loss(self.obj, self._targets_of(dmat), predt)


def objective(
    obj: BaseObjective,
) -> Callable[[np.ndarray, xgb.DMatrix], tuple[np.ndarray, np.ndarray]]:
    """An XGBoost custom objective, ``f(predt, dtrain) -> (grad, hess)``.

    For ``xgboost.train(params, dtrain, obj=...)``, ``xgboost.cv`` and
    ``Booster.update``. The labels and weights are read from the DMatrix
    (validated once per DMatrix) and the weights applied.

    Parameters
    ----------
    obj : BaseObjective
        E.g. ``SoftmaxCrossEntropy()`` or ``WeightedBrier()``.

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
    """
    return _Objective(obj)


def metric(obj: BaseObjective) -> Callable[[np.ndarray, xgb.DMatrix], tuple[str, float]]:
    """An XGBoost ``custom_metric``: the objective's weighted mean loss.

    ``f(predt, dmat) -> (obj.name, value)`` with ``value`` the sum of the
    per-sample losses (weights included) divided by the sum of the DMatrix
    weights (or by n). ``predt`` must be raw margins, which is what XGBoost
    passes when training with a custom objective (:func:`objective`); the
    base margin is included, so the value is the loss of the probabilities
    the model predicts. Lower is better: early stopping works with XGBoost's
    default ``maximize=False``. Set ``disable_default_eval_metric=True`` to
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


def init_raw(
    obj: BaseObjective, dtrain: xgb.DMatrix, *, num_class: int | None = None
) -> np.ndarray | float:
    """Class-prior margins from a DMatrix's labels and weights.

    The constant margins minimising the objective's weighted loss
    (``obj.init_raw``), for the model layout XGBoost will train (see
    :func:`objective`). Pass them to :func:`set_base_margin` for the training,
    validation and prediction data.

    Parameters
    ----------
    obj : BaseObjective
    dtrain : xgboost.DMatrix
        With ``label`` (class ids, or (n, K) soft labels) and optional weights.
    num_class : int or None, default=None
        The ``num_class`` training parameter: None for a single-output binary
        model or for soft labels.

    Returns
    -------
    ndarray of shape (K,), or float for a single-output binary model
    """
    obj = _check_objective(obj)
    targets = _dmatrix_targets(dtrain)
    if targets.soft:
        if num_class is not None:
            raise ValueError(
                f"soft labels (a 2-D label of shape {targets.probs.shape}) train a multi-output "
                f"model, which XGBoost refuses together with num_class (got num_class="
                f"{num_class!r}): leave num_class unset"
            )
        return obj.init_raw(targets)
    if num_class is None:
        try:
            return obj.init_raw(targets, single_output=True)
        except ValueError as exc:
            raise ValueError(
                f"{exc}; without num_class XGBoost trains a single-output (binary) model: "
                f"pass num_class=K for K classes"
            ) from None
    if isinstance(num_class, bool) or not isinstance(num_class, (int, np.integer)) or num_class < 2:
        raise ValueError(f"num_class must be an integer >= 2 or None, got {num_class!r}")
    return obj.init_raw(targets, n_classes=int(num_class))


def set_base_margin(dmat: xgb.DMatrix, init_raw: np.ndarray | float) -> None:
    """Set every row's ``base_margin`` of ``dmat`` to ``init_raw``.

    XGBoost adds the base margin to the trees' output, in place of
    ``base_score``, both when training and when predicting: set it on every
    DMatrix the model sees (training, validation and prediction data).

    Parameters
    ----------
    dmat : xgboost.DMatrix
    init_raw : float or array-like of shape (K,)
        From :func:`init_raw`, or :func:`stored_init_raw` of a saved model.
    """
    if not isinstance(dmat, xgb.DMatrix):
        raise TypeError(f"dmat must be an xgboost.DMatrix, got {type(dmat).__name__}")
    dmat.set_base_margin(_tile(init_raw, dmat.num_row()))


def stored_init_raw(booster: xgb.Booster) -> np.ndarray | float:
    """The class priors a :class:`Classifier` stored in its Booster.

    A Booster saved by a Classifier (``save_model``, or
    ``get_booster().save_model``) and loaded as a plain ``xgboost.Booster``
    predicts correctly only with these priors as base margin, e.g.
    ``set_base_margin(dtest, stored_init_raw(booster))`` before
    ``booster.predict(dtest)``, which then returns probabilities.

    Parameters
    ----------
    booster : xgboost.Booster

    Returns
    -------
    ndarray of shape (K,), or float for a binary (single-output) model
    """
    if not isinstance(booster, xgb.Booster):
        raise TypeError(f"booster must be an xgboost.Booster, got {type(booster).__name__}")
    text = booster.attr(INIT_RAW_ATTR)
    if text is None:
        raise ValueError(
            f"the booster has no {INIT_RAW_ATTR!r} attribute: it was not trained by "
            f"boostobj.xgboost.Classifier"
        )
    value = json.loads(text)
    return float(value) if isinstance(value, (int, float)) else np.asarray(value, dtype=np.float64)


# ------------------------------------------------------------------ Dask
def dask_init_raw(
    obj: BaseObjective, label: Any, weight: Any = None, *, num_class: int | None = None
) -> np.ndarray | float:
    """Class-prior margins of labels held in dask arrays, for ``xgboost.dask``.

    The dask counterpart of :func:`init_raw`, with the same model layouts:
    ``num_class=K`` for class ids, None for a single-output binary model or
    for (n, K) soft labels. One distributed pass sums the weight of each
    class (or the weighted soft labels); the priors are then solved on the
    client, and equal :func:`init_raw` on the gathered data.

    Parameters
    ----------
    obj : BaseObjective
    label : dask array of shape (n,) or (n, K)
    weight : dask array of shape (n,), default=None
    num_class : int or None, default=None
        The ``num_class`` training parameter.

    Returns
    -------
    ndarray of shape (K,), or float for a single-output binary model
    """
    from .lightgbm import dask_init_raw as _priors

    ndim = getattr(label, "ndim", None)
    if ndim == 2 and num_class is not None:
        raise ValueError(
            f"soft labels (a 2-D label) train a multi-output model, which XGBoost refuses "
            f"together with num_class (got num_class={num_class!r}): leave num_class unset"
        )
    if ndim == 2:
        return _priors(obj, label, weight)
    return _priors(obj, label, weight, n_classes=num_class, single_output=num_class is None)


def dask_base_margin(init_raw: np.ndarray | float, X: Any) -> Any:
    """``init_raw`` for every row of the dask array ``X``, chunked as its rows (float32).

    Pass it as ``base_margin`` to ``xgboost.dask.DaskDMatrix`` (training,
    validation and prediction data alike) or to ``DaskXGBClassifier.fit``,
    ``predict`` and ``predict_proba``: XGBoost starts a custom objective from
    0.5, not from the class priors, and applies a base margin only where it
    is given.

    Parameters
    ----------
    init_raw : float or array-like of shape (K,)
        From :func:`dask_init_raw` (or :func:`init_raw`, :func:`stored_init_raw`).
    X : dask array of shape (n, n_features)

    Returns
    -------
    dask array of shape (n, K), or (n,) for a single output
    """
    _tile(init_raw, 0)  # same validation and message as set_base_margin
    return _dask_tile(init_raw, X, dtype=np.float32)


# ------------------------------------------------------- scikit-learn API
class _SklearnObjective:
    """``f(y_true, y_pred, sample_weight=None)`` for ``XGBClassifier(objective=...)``."""

    def __init__(self, obj: BaseObjective) -> None:
        self.obj = _check_objective(obj)

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        # No DMatrix to key a cache on. Class ids are (n,): validating them is
        # O(n), about 1% of the gradient's O(n K) at K = 10.
        labels = _label_array(y_true, np.shape(y_pred)[0])
        return _grad_hess(self.obj, Targets(labels, sample_weight), y_pred)

    def __repr__(self) -> str:
        return f"boostobj.xgboost.sklearn_objective({self.obj!r})"


class _SklearnMetric:
    """``f(y_true, y_score, sample_weight=None)`` for ``eval_metric=``: the weighted mean loss."""

    def __init__(self, obj: BaseObjective) -> None:
        self.obj = _check_objective(obj)
        # XGBoost's scikit-learn wrapper names the metric after __name__.
        self.__name__ = obj.name

    def __call__(
        self, y_true: np.ndarray, y_score: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        labels = _label_array(y_true, np.shape(y_score)[0])
        return _mean_loss(self.obj, Targets(labels, sample_weight), y_score)


class _OnProbabilities:
    """A user's ``eval_metric`` callable, given probabilities instead of margins.

    With a custom objective XGBoost hands metric callables raw margins
    (base margin included); ``XGBClassifier`` with its built-in objective
    hands them P(class 1) (n,) or the class probabilities (n, K), which
    is what such a callable (``sklearn.metrics.log_loss``, say) expects.
    """

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.__name__ = getattr(func, "__name__", type(func).__name__)

    def __call__(self, y_true: np.ndarray, y_score: np.ndarray, **kwargs: Any) -> Any:
        proba = SoftmaxCrossEntropy().predict_proba(y_score)
        return self.func(y_true, proba[:, 1] if np.ndim(y_score) == 1 else proba, **kwargs)


class _FitObjective:
    """The objective of one :meth:`Classifier.fit`: targets validated once, at its start."""

    def __init__(self, obj: BaseObjective, targets: Targets) -> None:
        self.obj = obj
        self.targets = targets

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if np.shape(y_true)[0] != self.targets.n_samples:
            raise ValueError(
                f"the objective was set up for {self.targets.n_samples} training rows, "
                f"XGBoost passed {np.shape(y_true)[0]}"
            )
        return _grad_hess(self.obj, self.targets, y_pred)


def sklearn_objective(
    obj: BaseObjective,
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

    Returns
    -------
    callable
        Picklable; returns float32 ``grad, hess`` of the shape of ``y_pred``.
    """
    return _SklearnObjective(obj)


def _objective_to_json(obj: BaseObjective) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v.item() if isinstance(v, np.generic) else v

    # How to compute (backend, threads) belongs to the machine, not the model.
    params = {
        k: plain(v) for k, v in obj.__getstate__().items() if k not in ("backend", "n_threads")
    }
    cls = type(obj)
    return json.dumps({"class": f"{cls.__module__}.{cls.__qualname__}", "params": params})


def _objective_from_json(text: str | None) -> BaseObjective | None:
    """The stored objective if it is one of boostobj's own classes, else None."""
    if text is None:
        return None
    spec = json.loads(text)
    module, _, name = spec["class"].rpartition(".")
    if module == _objectives.__name__ and name in ("SoftmaxCrossEntropy", "WeightedBrier"):
        return getattr(_objectives, name)(**spec["params"])
    return None


class Classifier(xgb.XGBClassifier):
    """``xgboost.XGBClassifier`` trained with a boostobj objective.

    Compared with ``XGBClassifier(objective=sklearn_objective(obj))`` it:

    - starts from the class priors ``objective.init_raw(y, sample_weight)``,
      stored as ``init_raw_`` and passed as ``base_margin`` when fitting
      (also for ``eval_set``) and predicting, as the built-in objective
      starts from its estimated ``base_score``;
    - evaluates the objective's weighted mean loss on the predicted
      probabilities when ``eval_metric`` is None, under the name
      ``objective.name`` (for ``evals_result()`` and early stopping);
      XGBoost's named metrics (``"mlogloss"``, ``"merror"``, ...) see
      probabilities too, and a callable ``eval_metric`` receives
      probabilities, as with ``XGBClassifier``'s built-in objective;
    - validates ``y`` and ``sample_weight`` once per fit.

    ``predict_proba`` returns probabilities (n, K), ``predict`` class ids.
    With two classes the model has a single output, as XGBoost's binary
    objective has: margin ``m`` means margins ``[0, m]``, i.e.
    ``P(class 1) = sigmoid(m)``, and ``init_raw_`` is a float.

    Parameters
    ----------
    objective : BaseObjective, default=None
        None means ``SoftmaxCrossEntropy()``.
    **kwargs
        Any ``XGBClassifier`` parameter.

    Attributes
    ----------
    init_raw_ : ndarray of shape (K,) or float
        Starting margins (class priors).

    Notes
    -----
    ``y`` must hold the class ids 0..K-1, every class present, as
    ``XGBClassifier`` requires. A ``base_margin`` given to ``fit`` or
    ``predict`` replaces the priors (as it replaces ``base_score`` in
    XGBoost): give it to both. Soft labels need the native API (see
    :func:`objective`).

    Pickling and ``save_model``/``load_model`` keep the priors and the
    objective: they are also stored as the Booster attributes
    ``"boostobj_init_raw"`` and ``"boostobj_objective"``. A Booster loaded
    without this class (``xgboost.Booster(model_file=...)``) predicts
    probabilities only with ``set_base_margin(dmat, stored_init_raw(booster))``.
    """

    # XGBoost 3.0 reads this (for callable metrics and save_model), and
    # scikit-learn >= 1.8 no longer defines it.
    _estimator_type = "classifier"

    def __init__(self, *, objective: BaseObjective | None = None, **kwargs: Any) -> None:
        super().__init__(objective=objective, **kwargs)

    def _boostobj_objective(self) -> BaseObjective:
        if self.objective is None:
            return SoftmaxCrossEntropy()
        return _check_objective(self.objective, "objective")

    def get_xgb_params(self) -> dict[str, Any]:
        params = super().get_xgb_params()
        # The boostobj objective is not an XGBoost parameter: fit sets the
        # engine's own (multi:softprob or binary:logistic), which must stay.
        if params.get("objective") is None or isinstance(params["objective"], BaseObjective):
            params.pop("objective", None)
        if isinstance(self.eval_metric, _SklearnMetric):
            # Inside fit with the default metric: report the objective alone.
            params["disable_default_eval_metric"] = True
        return params

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sample_weight: Any = None,
        base_margin: Any = None,
        eval_set: Any = None,
        base_margin_eval_set: Any = None,
        **fit_params: Any,
    ) -> Classifier:
        """Fit the model; see ``xgboost.XGBClassifier.fit`` for the parameters.

        Parameters
        ----------
        X : array-like of shape (n, n_features)
        y : array-like of shape (n,)
            Class ids 0..K-1, each present at least once.
        sample_weight : array-like of shape (n,), default=None
        base_margin : array-like, default=None
            Replaces the class priors as starting margins.
        eval_set : list of (X, y), default=None
        base_margin_eval_set : list of array-like, default=None
            Replaces the class priors for the evaluation sets.
        **fit_params
            Passed to ``XGBClassifier.fit`` (``verbose``, ``xgb_model``,
            ``sample_weight_eval_set``, ...).

        Returns
        -------
        self
        """
        obj = self._boostobj_objective()
        labels = np.asarray(y)
        if labels.ndim != 1:
            raise ValueError(
                f"y must be 1-D class ids, got shape {labels.shape}; to train on soft labels "
                f"(n, K) use the native API (boostobj.xgboost.objective)"
            )
        if labels.dtype.kind not in "iuf":
            raise TypeError(
                f"y must hold the class ids 0..K-1 as numbers, got dtype {labels.dtype}; "
                f"encode the labels first, e.g. with sklearn.preprocessing.LabelEncoder"
            )
        classes = np.unique(labels)
        n_classes = classes.shape[0]
        if n_classes < 2 or not np.array_equal(classes, np.arange(n_classes)):
            raise ValueError(
                f"y must hold the class ids 0..K-1 with K >= 2 and every class present, "
                f"got classes {classes}"
            )
        _check_class_weight(obj, n_classes, f"y has {n_classes} classes")
        n_rows = _n_rows(X)
        if labels.shape[0] != n_rows:
            raise ValueError(
                f"y must have one label per row of X: X has {n_rows} rows, y has {labels.shape[0]}"
            )
        if sample_weight is not None and np.shape(sample_weight) != (n_rows,):
            raise ValueError(
                f"sample_weight must have shape ({n_rows},), one weight per row of X, "
                f"got shape {np.shape(sample_weight)}"
            )
        targets = Targets(labels, sample_weight)
        single = n_classes == 2
        init = obj.init_raw(targets, n_classes=n_classes, single_output=single)
        if base_margin is None:
            base_margin = _tile(init, targets.n_samples)
        if eval_set is not None and base_margin_eval_set is None:
            # The same array for X lets XGBoost reuse the training DMatrix.
            base_margin_eval_set = [
                base_margin if X_eval is X else _tile(init, _n_rows(X_eval))
                for X_eval, _ in eval_set
            ]

        saved = self.objective, self.eval_metric
        # XGBClassifier.fit reads both from the instance; they are put back
        # below, so get_params() and clone() see the user's values.
        nthread = self.get_params().get("nthread")  # XGBoost's own name wins, as in XGBoost
        run = with_engine_threads(obj, self.n_jobs if nthread is None else nthread)
        self.objective = _FitObjective(run, targets)
        if self.eval_metric is None:
            self.eval_metric = _SklearnMetric(run)
        elif callable(self.eval_metric):
            self.eval_metric = _OnProbabilities(self.eval_metric)
        try:
            super().fit(
                X,
                y,
                sample_weight=sample_weight,
                base_margin=base_margin,
                eval_set=eval_set,
                base_margin_eval_set=base_margin_eval_set,
                **fit_params,
            )
        finally:
            self.objective, self.eval_metric = saved
        self.init_raw_ = init
        self.get_booster().set_attr(
            **{
                INIT_RAW_ATTR: json.dumps(np.asarray(init).tolist()),
                OBJECTIVE_ATTR: _objective_to_json(obj),
            }
        )
        return self

    def _base_margin(self, X: Any, base_margin: Any) -> Any:
        if base_margin is not None:
            return base_margin
        self.get_booster()  # NotFittedError before fit
        return _tile(self.init_raw_, _n_rows(X))

    def predict(
        self,
        X: Any,
        *,
        output_margin: bool = False,
        validate_features: bool = True,
        base_margin: Any = None,
        iteration_range: Any = None,
    ) -> np.ndarray:
        """Class ids (n,), or with ``output_margin`` the margins, priors included."""
        return super().predict(
            X,
            output_margin=output_margin,
            validate_features=validate_features,
            base_margin=self._base_margin(X, base_margin),
            iteration_range=iteration_range,
        )

    def predict_proba(
        self,
        X: Any,
        validate_features: bool = True,
        base_margin: Any = None,
        iteration_range: Any = None,
    ) -> np.ndarray:
        """Class probabilities (n, K), also for two classes."""
        return super().predict_proba(
            X,
            validate_features=validate_features,
            base_margin=self._base_margin(X, base_margin),
            iteration_range=iteration_range,
        )

    def load_model(self, fname: Any) -> None:
        """Load a model saved by :meth:`save_model`, with its priors and objective.

        Raises ``ValueError``, leaving this estimator unchanged, for a model
        that a ``Classifier`` did not train.
        """
        # Read the priors first, so that a foreign model changes nothing.
        probe = xgb.Booster(model_file=fname)
        init = stored_init_raw(probe)
        stored = _objective_from_json(probe.attr(OBJECTIVE_ATTR))
        objective = self.objective
        super().load_model(fname)
        # XGBClassifier.load_model sets objective to the engine's name.
        self.objective = objective if stored is None else stored
        self.init_raw_ = init

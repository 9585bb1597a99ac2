"""Class-prior starting margins, and what a saved model stores of boostobj.

XGBoost starts a custom objective from ``base_score`` 0.5: the priors are
given as ``base_margin``. A :class:`Classifier` stores them, and its
objective, as Booster attributes (JSON).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xgboost as xgb

from .. import objectives as _objectives
from .._engine import check_objective as _check_objective
from .._validation import _describe
from ..objectives import BaseObjective
from ._targets import _dmatrix_targets

#: Booster attribute in which :class:`Classifier` stores its class priors (JSON).
INIT_RAW_ATTR = "boostobj_init_raw"


#: Booster attribute in which :class:`Classifier` stores its objective (JSON).
OBJECTIVE_ATTR = "boostobj_objective"

# "1" or "0": the Classifier's engine_hessian when it trained the model
# (absent: saved before the parameter existed, i.e. trained without it).
ENGINE_HESSIAN_ATTR = "boostobj_engine_hessian"


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
                f"soft labels (a 2-D label of shape {targets._labels.shape}) train a multi-output "
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


def _objective_to_json(obj: BaseObjective) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v.item() if isinstance(v, np.generic) else v

    # How to compute (backend, threads) belongs to the machine, not the model.
    params = {
        k: plain(v) for k, v in obj.__getstate__().items() if k not in ("backend", "n_threads")
    }
    if params.get("loss_scale", "") == 1.0:
        # Unscaled, as every model saved before loss_scale: the same text,
        # which older releases load too (_objective_from_json reads it so).
        del params["loss_scale"]
    cls = type(obj)
    return json.dumps({"class": f"{cls.__module__}.{cls.__qualname__}", "params": params})


def _objective_from_json(text: str | None) -> BaseObjective | None:
    """The stored objective if it is one of boostobj's own classes, else None."""
    if text is None:
        return None
    spec = json.loads(text)
    module, _, name = spec["class"].rpartition(".")
    if module == _objectives.__name__ and name in ("SoftmaxCrossEntropy", "WeightedBrier"):
        params = dict(spec["params"])
        if name == "WeightedBrier":
            # Stored without loss_scale: an unscaled objective (as pickles are).
            params.setdefault("loss_scale", 1.0)
        return getattr(_objectives, name)(**params)
    return None

"""Class priors and base margins for ``xgboost.dask``: one distributed pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dask import _pin_loss_scale as _pin
from .._dask import dask_init_raw as _priors
from .._dask import dask_init_score as _dask_tile
from ..objectives import BaseObjective
from ._model import _tile


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
    return _priors(obj, label, weight, **_layout(label, num_class))


def dask_pin_loss_scale(
    obj: BaseObjective, label: Any, weight: Any = None, *, num_class: int | None = None
) -> BaseObjective:
    """``obj`` with ``loss_scale="prior"`` fixed on the whole of labels held in dask arrays.

    Give the result to :func:`objective` for ``xgboost.dask.train`` (or to
    :func:`sklearn_objective`): each worker then uses the scale of all the
    training data, not of its own partitions. The model layouts are those
    of :func:`dask_init_raw`. Other objectives are returned as they are,
    ``loss_scale="adaptive"`` (the default) included: on XGBoost's workers
    the adapters sum its two traces over all workers every round (XGBoost's
    ``collective.allreduce``), so every worker uses the number of all rows.

    Parameters
    ----------
    obj : BaseObjective
    label : dask array of shape (n,) or (n, K)
    weight : dask array of shape (n,), default=None
    num_class : int or None, default=None

    Returns
    -------
    BaseObjective
        ``obj``, or a copy whose ``loss_scale`` is the number.
    """
    layout = {"n_classes": None, "single_output": False, **_layout(label, num_class)}
    return _pin(obj, label, weight, layout["n_classes"], layout["single_output"], True)


def _layout(label: Any, num_class: int | None) -> dict[str, Any]:
    """The model layout XGBoost trains for ``label`` and ``num_class``, as keyword arguments.

    Soft labels (2-D) train K outputs and must come without ``num_class``;
    class ids train ``num_class`` outputs, or a single output without it.
    """
    ndim = getattr(label, "ndim", None)
    if ndim == 2 and num_class is not None:
        raise ValueError(
            f"soft labels (a 2-D label) train a multi-output model, which XGBoost refuses "
            f"together with num_class (got num_class={num_class!r}): leave num_class unset"
        )
    if ndim == 2:
        return {}
    return {"n_classes": num_class, "single_output": num_class is None}


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

"""Dask helpers shared by both engine adapters: class priors, init margins, probabilities.

They use dask but neither engine: ``boostobj.lightgbm`` exports all three,
``boostobj.xgboost`` builds its own on the first two and exports the third.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._engine import check_objective as _check_objective
from ._validation import SOFT_LABEL_SUM_TOL, Targets, _describe
from .objectives import BaseObjective

__all__ = ["dask_init_raw", "dask_init_score", "dask_pin_loss_scale", "dask_predict_proba"]


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
    obj = _check_objective(obj)
    k, sums = _class_sums(labels, sample_weight, n_classes, single_output, "dask_init_raw")
    if single_output:
        return obj.init_raw(np.array([sums[1] / sums.sum()]), single_output=True)
    if np.ndim(labels) == 2:
        # Soft labels: the weighted mean label has the minimiser of the full weighted loss.
        return obj.init_raw(sums[None, :] / sums.sum())
    return obj.init_raw(np.arange(k), sums, n_classes=k)


def dask_pin_loss_scale(
    obj: BaseObjective,
    labels: Any,
    sample_weight: Any = None,
    *,
    n_classes: int | None = None,
    single_output: bool = False,
) -> BaseObjective:
    """``obj`` with its ``loss_scale`` fixed on the whole of labels held in dask arrays.

    The engines' Dask front ends call the objective on each worker's rows,
    so ``WeightedBrier(loss_scale="prior")`` given to them as is would take
    each worker's own class mix. Pass the returned objective instead: one
    distributed pass sums the weight of each class (or the weighted soft
    labels), and the copy carries the number
    ``obj.prior_loss_scale(labels, sample_weight, ...)`` gives on the
    gathered arrays. ``loss_scale="adaptive"`` (the default) would be
    resolved each round on each worker's rows alone, which LightGBM gives no
    way to share: it is fixed at that same number, the prior's, where
    "adaptive" starts. (XGBoost's workers share it: see
    ``boostobj.xgboost.dask_pin_loss_scale``.) Any other objective is
    returned as is, with no pass.

    Parameters
    ----------
    obj : BaseObjective
    labels : dask array of shape (n,) or (n, K)
    sample_weight : dask array of shape (n,), default=None
    n_classes : int, optional
        K, required for class ids unless ``single_output``.
    single_output : bool, default=False

    Returns
    -------
    BaseObjective
        ``obj`` itself, or a copy whose ``loss_scale`` is a number; ``obj``
        is not changed.
    """
    return _pin_loss_scale(obj, labels, sample_weight, n_classes, single_output, False)


def _pin_loss_scale(
    obj: BaseObjective,
    labels: Any,
    sample_weight: Any,
    n_classes: int | None,
    single_output: bool,
    keep_adaptive: bool,
) -> BaseObjective:
    """:func:`dask_pin_loss_scale`; ``keep_adaptive`` for engines whose workers share it."""
    obj = _check_objective(obj)
    scale = getattr(obj, "loss_scale", None)
    if not isinstance(scale, str) or (keep_adaptive and scale == "adaptive"):
        obj._validate_params()
        return obj
    if scale == "adaptive":
        obj = copy.copy(obj)
        obj.loss_scale = "prior"  # type: ignore[attr-defined]  # WeightedBrier only
    k, sums = _class_sums(labels, sample_weight, n_classes, single_output, "dask_pin_loss_scale")
    # K rows of the classes 0..K-1 weighted by their sums carry the same
    # class masses as the data (1-D weights: each row's weights sum to its own).
    return obj._pin_loss_scale(Targets(np.arange(k), sums), k, single_output)


def _labels_and_weights(
    labels: Any, sample_weight: Any, single_output: bool, where: str
) -> tuple[Any, Any]:
    """Labels and 1-D weights (or None) as dask arrays, checked for ``where``."""
    import dask.array as da

    y = da.asarray(labels)
    if y.ndim not in (1, 2):
        raise ValueError(f"labels must be a dask array of shape (n,) or (n, K), got {y.shape}")
    w = None
    if sample_weight is not None:
        w = da.asarray(sample_weight)
        if w.ndim != 1:
            raise ValueError(
                f"sample_weight must be a 1-D dask array (n,), got shape {w.shape}; per-class "
                f"weights (n, K) are not supported by {where}"
            )
    if y.ndim == 2 and single_output:
        raise ValueError("soft labels (n, K) train K outputs: single_output must be False")
    if w is not None and not np.isnan(y.shape[0] + w.shape[0]) and w.shape[0] != y.shape[0]:
        raise ValueError(
            f"sample_weight must have one entry per label row: labels have {y.shape[0]} "
            f"rows, sample_weight {w.shape[0]}"
        )
    return y, w


def _class_sums(
    labels: Any, sample_weight: Any, n_classes: Any, single_output: bool, where: str
) -> tuple[int, np.ndarray]:
    """K and the weighted label sum of each class, in one distributed pass."""
    import dask
    import dask.array as da

    y, w = _labels_and_weights(labels, sample_weight, single_output, where)
    if y.shape[0] == 0:
        raise ValueError(f"{where} needs at least one sample, got n = 0")
    # What the in-memory Targets checks, in the same pass as the sums.
    checks = {"finite": da.isfinite(y).all(), "low": y.min(), "high": y.max()}
    if w is not None:
        checks.update(w_finite=da.isfinite(w).all(), w_low=w.min(), w_high=w.max())
    if y.ndim == 2:
        checks["off"] = abs(y.sum(axis=1) - 1.0).max()
        sums = (y if w is None else y * w[:, None]).sum(axis=0)
    elif single_output:
        ones = da.ones_like(y, dtype=np.float64) if w is None else w
        sums = da.stack([(ones - y * ones).sum(), (y * ones).sum()])
    else:
        k = n_classes
        if k is None or isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
            raise ValueError(
                f"n_classes must be an integer >= 2 for class ids (or single_output=True), "
                f"got {n_classes!r}"
            )
        checks["integral"] = (y == da.floor(y)).all()
        # Ids outside [0, K) (or NaN) counted as 0 here: the checks report them.
        ids = da.where(da.isfinite(y) & (y >= 0) & (y < k), y, 0).astype(np.intp)
        sums = da.bincount(ids, weights=w, minlength=int(k))
    sums, got = dask.compute(sums, checks)
    _check_dask_targets(got, y.ndim, single_output, n_classes, where)
    if y.ndim == 2:
        k = y.shape[1]
    elif single_output:
        k = 2
    return int(k), np.asarray(sums, dtype=np.float64)


def _check_dask_targets(
    got: dict[str, Any], ndim: int, single_output: bool, n_classes: Any, where: str
) -> None:
    """Raise ``ValueError`` where the in-memory ``Targets`` would have (with ``where``)."""
    if not got["finite"]:
        raise ValueError(f"{where}: labels must be finite, got NaN or infinity")
    low, high = got["low"], got["high"]
    if ndim == 2:
        if low < 0 or got["off"] > SOFT_LABEL_SUM_TOL:
            raise ValueError(
                f"{where}: soft labels must be probabilities (>= 0) whose rows sum to 1, got "
                f"a minimum of {low} and a row sum {got['off']} away from 1"
            )
    elif single_output:
        if not (low >= 0 and high <= 1):
            raise ValueError(
                f"{where}: labels of a single output must lie in [0, 1], got values from {low} "
                f"to {high}; for K classes give the number of classes"
            )
    elif not (got["integral"] and low >= 0 and high < n_classes):
        raise ValueError(
            f"{where}: labels must be class ids 0..{n_classes - 1} (n_classes={n_classes}), "
            f"got values from {low} to {high}"
        )
    if "w_low" in got:
        if not got["w_finite"]:
            raise ValueError(f"{where}: sample_weight must be finite, got NaN or infinity")
        if got["w_low"] < 0:
            raise ValueError(f"{where}: sample_weight must be >= 0, got minimum {got['w_low']}")
        if got["w_high"] <= 0:
            raise ValueError(f"{where}: sample_weight must have a positive entry, got all zeros")


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
    if any(np.isnan(size) for size in rows):
        raise ValueError(
            "X has unknown chunk sizes (a dask DataFrame, or an array made from one): the "
            "margins need its row chunks; give X as a dask array with known chunks, e.g. "
            "ddf.to_dask_array(lengths=True)"
        )
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

"""Labels and weights of a DMatrix, validated, and whether they changed since."""

from __future__ import annotations

from typing import Any

import numpy as np
import xgboost as xgb

from .._validation import Targets, _WorkerTargets


def _label_array(label: Any, n_rows: int) -> np.ndarray:
    """Labels as (n,) or (n, K): XGBoost < 3.2 returns a 2-D label flattened."""
    label = np.asarray(label)
    if label.ndim == 1 and n_rows and label.shape[0] != n_rows and label.size % n_rows == 0:
        return label.reshape(n_rows, -1)
    return label


def _dmatrix_targets(dmat: Any) -> Targets:
    """Validated labels and weights of a DMatrix."""
    if not isinstance(dmat, xgb.DMatrix):
        raise TypeError(
            f"expected an xgboost.DMatrix, got {type(dmat).__name__}: objective(), metric() "
            f"and init_raw() take the DMatrix that xgb.train passes; XGBClassifier and "
            f"XGBModel pass arrays: use boostobj.xgboost.sklearn_objective() as their "
            f"objective (boostobj.xgboost.Classifier reports its objective's loss by default)"
        )
    n = dmat.num_row()
    label = dmat.get_label()
    if label.size == 0 and n:
        raise ValueError(f"the DMatrix ({n} rows) has no label: build it with label=...")
    weight = dmat.get_weight()  # empty when the DMatrix has no weights
    return _targets_class()(_label_array(label, n), weight if weight.size else None)


def _targets_class() -> type[Targets]:
    """Targets, or on a worker of distributed XGBoost those whose weights may all be 0."""
    return _WorkerTargets if xgb.collective.is_distributed() else Targets


def _changed(dmat: xgb.DMatrix, targets: Targets) -> bool:
    """True if the DMatrix's label or weight differ from the validated ones.

    XGBoost hands out copies of its label and weight, with no version to
    compare, so they are compared by value every round: O(n) (O(n K) for
    soft labels) against the objective's O(n K) and the trees' far more.
    """
    label = _label_array(dmat.get_label(), targets.n_samples)
    held = targets._labels
    if label.shape != held.shape or not np.array_equal(label, held):
        return True
    weight = dmat.get_weight()
    sw = targets.sample_weight
    if sw is None:
        return weight.size != 0
    return weight.shape != sw.shape or not np.array_equal(weight, sw)

"""Multiclass objectives on softmax outputs: loss, gradient and diagonal Hessian.

Conventions shared by every objective:

- ``raw`` are the engine's raw margins, shape (n, K) with K >= 2, or (n,) for
  a single-output binary model, read as the two-column margins ``[0, raw]``.
- ``p = softmax(raw)`` row by row.
- ``w[i, k]`` is the weight of sample ``i`` and class ``k``: the product of
  ``sample_weight`` (per sample (n,) or per sample and class (n, K)) and
  ``class_weight`` (K,); a missing factor is 1.
- ``y[i, k]`` is one-hot for class-id labels, or the given soft labels.
- ``grad[i, k]`` and ``hess[i, k]`` are the first and (diagonal) second
  derivatives of ``loss[i]`` with respect to ``raw[i, k]``; for 1-D ``raw``
  they are the derivatives with respect to ``raw[i]``, which is column 1 of
  the two-column form.
- ``hess`` is returned as ``hessian_scale * diag_hessian``, then floored at
  ``min_hessian`` when that is a number.

Every computation runs over row blocks sized to stay in cache, with one
exponentiation per element and no temporary larger than a block. Inputs are
never modified. Results have the dtype of ``raw``, or of the float32 output
buffers ``grad_hess`` is given.
"""

from __future__ import annotations

from ._base import BaseObjective, numba_available
from ._brier import WeightedBrier
from ._cross_entropy import SoftmaxCrossEntropy

__all__ = ["BaseObjective", "SoftmaxCrossEntropy", "WeightedBrier", "numba_available"]

# The classes are defined in private modules but belong here: pickles and
# saved XGBoost models name them "boostobj.objectives.<class>".
for _cls in (BaseObjective, SoftmaxCrossEntropy, WeightedBrier):
    _cls.__module__ = __name__
del _cls

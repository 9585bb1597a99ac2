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
dask_pin_loss_scale
    Fixes ``WeightedBrier``'s ``loss_scale="prior"`` on all the training
    labels before the objective goes to the workers, which would otherwise
    each resolve it from their own partitions.

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

from .._dask import dask_predict_proba
from ._callables import metric, objective, sklearn_objective
from ._dask import dask_base_margin, dask_init_raw, dask_pin_loss_scale
from ._model import INIT_RAW_ATTR, OBJECTIVE_ATTR, init_raw, set_base_margin, stored_init_raw
from ._sklearn import Classifier

__all__ = [
    "INIT_RAW_ATTR",
    "OBJECTIVE_ATTR",
    "Classifier",
    "dask_base_margin",
    "dask_init_raw",
    "dask_pin_loss_scale",
    "dask_predict_proba",
    "init_raw",
    "metric",
    "objective",
    "set_base_margin",
    "sklearn_objective",
    "stored_init_raw",
]

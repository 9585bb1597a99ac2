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
:func:`dask_pin_loss_scale` fixes ``WeightedBrier``'s ``loss_scale="prior"``
on all the training labels: give its result to :func:`sklearn_objective`,
or each worker resolves the scale from its own partitions' class mix.

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

from typing import Any

from .._dask import dask_init_raw, dask_init_score, dask_pin_loss_scale, dask_predict_proba
from ._callables import metric, objective, sklearn_metric, sklearn_objective
from ._model import add_init_raw
from ._targets import attach_targets

__all__ = [
    "Classifier",
    "add_init_raw",
    "attach_targets",
    "dask_init_raw",
    "dask_init_score",
    "dask_pin_loss_scale",
    "dask_predict_proba",
    "metric",
    "objective",
    "sklearn_metric",
    "sklearn_objective",
]


def __getattr__(name: str) -> Any:
    # Classifier subclasses lgb.LGBMClassifier, so importing it imports
    # lightgbm and scikit-learn: it is imported on first access (this also
    # serves unpickling).
    if name == "Classifier":
        from ._sklearn import Classifier

        globals()["Classifier"] = Classifier
        return Classifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Classifier"})

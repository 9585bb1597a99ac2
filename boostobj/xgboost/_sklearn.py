"""The scikit-learn ``Classifier``: an ``XGBClassifier`` starting from the class priors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import xgboost as xgb

from .._classifier import (
    checked_engine_hessian,
    class_priors,
    classifier_objective,
    eval_probabilities,
    on_engine_threads,
)
from .._engine import OutputBuffers, check_class_weight_fits
from .._engine import check_objective as _check_objective
from .._validation import Targets, check_positive_number
from ..objectives import BaseObjective
from ._callables import _grad_hess, _mean_loss
from ._model import (
    ENGINE_HESSIAN_ATTR,
    INIT_RAW_ATTR,
    OBJECTIVE_ATTR,
    _objective_from_json,
    _objective_to_json,
    _tile,
    stored_init_raw,
)
from ._targets import _label_array

__all__ = ["Classifier"]


def _n_rows(X: Any) -> int:
    if isinstance(X, xgb.DMatrix):
        return X.num_row()
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _continued_priors(previous: Any, n_classes: int) -> np.ndarray | float:
    """The priors stored in ``xgb_model``, the model a ``fit`` continues.

    Recomputing them from the new rows would move the start of every tree
    already in the model, and so its predictions, by as much as the class
    mix of the new rows differs from the old.
    """
    if isinstance(previous, xgb.XGBModel):
        booster = previous.get_booster()
    elif isinstance(previous, xgb.Booster):
        booster = previous
    else:
        booster = xgb.Booster(model_file=previous)
    try:
        init = stored_init_raw(booster)
    except ValueError:
        raise ValueError(
            "xgb_model was not trained by boostobj.xgboost.Classifier, so the starting "
            "margins of its trees are not stored in it; pass them as base_margin (and "
            "base_margin_eval_set) to continue it, and as base_margin to every predict"
        ) from None
    layout = () if n_classes == 2 else (n_classes,)
    if np.shape(init) != layout:
        stored = "a single output (2 classes)" if np.ndim(init) == 0 else f"{np.size(init)} classes"
        raise ValueError(f"xgb_model was trained on {stored}, y has {n_classes} classes")
    return init


def _scaled_positives(targets: Targets, n_classes: int, model: xgb.XGBModel) -> Targets:
    """``targets`` with class 1's rows weighted ``scale_pos_weight`` times more (two classes).

    XGBoost applies ``scale_pos_weight`` inside its own binary objective,
    which the Classifier's replaces: the objective gets it as weights
    instead (the metrics do not, as with the built-in). With more classes
    XGBoost ignores it, and says so.
    """
    given = model.get_params().get("scale_pos_weight")
    if n_classes != 2 or given is None:
        return targets
    scale = check_positive_number(given, "scale_pos_weight")
    if scale == 1:
        return targets
    labels = targets._labels
    weight = targets.sample_weight
    base = np.ones(targets.n_samples) if weight is None else weight.astype(np.float64)
    return Targets(labels, np.where(labels == 1, base * scale, base))


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
        return self.func(y_true, eval_probabilities(y_score), **kwargs)


class _FitObjective:
    """The objective of one :meth:`Classifier.fit`: targets validated once, at its start."""

    def __init__(self, obj: BaseObjective, targets: Targets, engine_hessian: bool) -> None:
        self.obj = obj
        self.targets = targets
        self.engine_hessian = engine_hessian
        self.outputs = OutputBuffers()  # one pair for every round of this fit

    def __call__(
        self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if np.shape(y_true)[0] != self.targets.n_samples:
            raise ValueError(
                f"the objective was set up for {self.targets.n_samples} training rows, "
                f"XGBoost passed {np.shape(y_true)[0]}"
            )
        return _grad_hess(self.obj, self.targets, y_pred, self.engine_hessian, self.outputs)


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
    - scales the objective's Hessian as ``multi:softprob`` scales its own
      (``engine_hessian``), so that ``SoftmaxCrossEntropy()`` grows the
      built-in's trees;
    - validates ``y`` and ``sample_weight`` once per fit.

    ``predict_proba`` returns probabilities (n, K), ``predict`` class ids.
    With two classes the model has a single output, as XGBoost's binary
    objective has: margin ``m`` means margins ``[0, m]``, i.e.
    ``P(class 1) = sigmoid(m)``, and ``init_raw_`` is a float;
    ``scale_pos_weight`` then multiplies the weights of class 1's rows in
    the objective (and its priors), as XGBoost's binary objective does, and
    not in the metrics.

    Parameters
    ----------
    objective : BaseObjective, default=None
        None means ``SoftmaxCrossEntropy()``.
    engine_hessian : bool, default=True
        Train on the objective's Hessian times the factor by which
        ``multi:softprob`` enlarges the cross-entropy Hessian ``p (1 - p)``:
        2 with K > 2 classes, 1 with two (``binary:logistic`` applies none).
        Larger Hessians mean shorter Newton steps, so ``learning_rate`` and
        the regularisers in Hessian units (``min_child_weight``,
        ``reg_lambda``, ``max_delta_step``) then mean for any boostobj
        objective what they mean for the built-in one, and
        ``SoftmaxCrossEntropy()`` grows the built-in's trees. On digits at
        XGBoost's defaults it took ``WeightedBrier()``'s held-out Brier
        score from 8.1% behind the built-in's to 2.3% behind
        (``benchmarks/brier_quality.py --engine-hessian on off``). The factor multiplies the
        objective's own ``hessian_scale`` (a warning says so when that is
        not 1). False trains on the objective's own Hessian: steps twice as
        long.
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

    # scikit-learn parameters, as the user set them (a BaseObjective or None;
    # a metric name, list or callable), except inside fit, which swaps in its
    # own callables while XGBoost reads them from the instance.
    objective: Any
    eval_metric: Any

    def __init__(
        self, *, objective: BaseObjective | None = None, engine_hessian: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(objective=objective, **kwargs)
        self.engine_hessian = engine_hessian

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickled before engine_hessian existed: trained, and refits, on the
        # objective's own Hessian.
        self.__dict__.update({"engine_hessian": False, **state})

    def _boostobj_objective(self) -> BaseObjective:
        return classifier_objective(self.objective)

    def get_xgb_params(self) -> dict[str, Any]:
        params = super().get_xgb_params()
        # The boostobj objective is not an XGBoost parameter: fit sets the
        # engine's own (multi:softprob or binary:logistic), which must stay.
        if params.get("objective") is None or isinstance(params["objective"], BaseObjective):
            params.pop("objective", None)
        params.pop("engine_hessian", None)  # boostobj's, not XGBoost's
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
            ``sample_weight_eval_set``, ...). With ``xgb_model``, a model
            a ``Classifier`` trained, the new trees start from the priors
            stored in that model, not from priors of ``y``, so that the
            model's own trees predict as before.

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
        check_class_weight_fits(obj, n_classes, f"y has {n_classes} classes")
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
        targets = _scaled_positives(Targets(labels, sample_weight), n_classes, self)
        previous = fit_params.get("xgb_model")
        if previous is not None and base_margin is None:
            # Continued training: the model's trees were grown from its own
            # priors, and the new trees must add to the same start.
            init = _continued_priors(previous, n_classes)
        else:
            init = class_priors(obj, targets, None, n_classes)
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
        # XGBoost's own name wins over n_jobs, as in XGBoost.
        # loss_scale="prior" is fixed on the whole training set: one scale for every round.
        pinned = obj._pin_loss_scale(targets, n_classes, n_classes == 2)
        engine_hessian = checked_engine_hessian(pinned, "xgboost", n_classes, self.engine_hessian)
        run = on_engine_threads(pinned, self.get_params(), ("nthread",), self.n_jobs)
        self.objective = _FitObjective(run, targets, engine_hessian)
        if self.eval_metric is None:
            self.eval_metric = _SklearnMetric(run)
        elif callable(self.eval_metric):
            self.eval_metric = _OnProbabilities(self.eval_metric)
        elif isinstance(self.eval_metric, (list, tuple)):  # names and at most one callable
            self.eval_metric = [_OnProbabilities(m) if callable(m) else m for m in self.eval_metric]
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
                ENGINE_HESSIAN_ATTR: "1" if engine_hessian else "0",
            }
        )
        return self

    def _can_use_inplace_predict(self) -> bool:
        # XGBoost 3.2's in-place prediction adds a base margin wrongly on a
        # dart booster, and the Classifier always passes one (the priors).
        # The trained booster decides: a model continued with xgb_model=
        # keeps the booster it was trained with, whatever self.booster says.
        if not super()._can_use_inplace_predict():
            return False
        config = json.loads(self.get_booster().save_config())
        return config["learner"]["gradient_booster"]["name"] != "dart"

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
        """Load a model saved by :meth:`save_model`, with what the Classifier stored.

        That is the priors, the objective and ``engine_hessian`` (False for
        models saved before it existed).

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
        # What the model was trained with, so that clone(loaded).fit trains it again.
        self.engine_hessian = probe.attr(ENGINE_HESSIAN_ATTR) == "1"
        self.init_raw_ = init


# Pickle finds classes by module and qualified name: keep the public ones.
Classifier.__module__ = "boostobj.xgboost"

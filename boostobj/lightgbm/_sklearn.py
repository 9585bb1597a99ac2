"""The scikit-learn ``Classifier`` and the metrics it computes on probabilities.

Importing this module imports LightGBM and scikit-learn; ``boostobj.lightgbm``
imports it on first access to ``Classifier``.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from .._classifier import (
    checked_engine_hessian,
    class_priors,
    classifier_objective,
    eval_probabilities,
    on_engine_threads,
)
from .._engine import check_class_weight_fits
from .._validation import Targets
from ..objectives import BaseObjective, SoftmaxCrossEntropy
from ._callables import _SklearnMetric, objective, sklearn_metric
from ._model import add_init_raw

__all__ = ["Classifier"]


_METRIC_ALIASES = ("metric", "metrics", "metric_types")


_THREAD_ALIASES = ("num_threads", "num_thread", "nthread", "nthreads")
_BOOSTING_ALIASES = ("boosting_type", "boosting", "boost")
_EVAL_SET_DEPRECATION = "The argument 'eval_set' is deprecated"


# LightGBM's classification metrics by alias. Under a custom objective
# LightGBM computes its metrics on raw margins, so the Classifier computes
# these on probabilities instead, under LightGBM's own names.
_LOGLOSS_NAMES = {
    **dict.fromkeys(
        ("multi_logloss", "multiclass", "softmax", "multiclassova", "multiclass_ova", "ova", "ovr"),
        "multi_logloss",
    ),
    **dict.fromkeys(("binary_logloss", "binary"), "binary_logloss"),
    **dict.fromkeys(("cross_entropy", "xentropy"), "cross_entropy"),
}


_ERROR_NAMES = {"multi_error": "multi_error", "binary_error": "binary_error"}


# Ranking metrics of a single output: a monotone link leaves them unchanged,
# so LightGBM's own computation on margins is right.
_RANKING_NAMES = {"auc": "auc", "average_precision": "average_precision"}


_NO_METRIC = ("", "none", "null", "na", "custom")


def _metric_names(value: Any) -> list[str]:
    """A LightGBM ``metric`` value (string, comma-separated string, list) as names."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"metric names must be strings, got {item!r}")
        names.extend(part.strip() for part in item.split(","))
    return [name for name in names if name.lower() not in _NO_METRIC]


def _translate_metrics(names: list[str], n_classes: int, top_k: int) -> tuple[list, list[str]]:
    """LightGBM metric names as (callables on probabilities, names kept built in).

    Raises ``ValueError`` for a name that has no counterpart on probabilities.
    """
    single = n_classes == 2
    callables: list = []
    builtin: list[str] = []
    for name in names:
        key = name.lower()
        if key in _LOGLOSS_NAMES:
            callables.append(sklearn_metric(SoftmaxCrossEntropy(), _LOGLOSS_NAMES[key]))
        elif key in _ERROR_NAMES:
            callables.append(_SklearnError(_ERROR_NAMES[key], top_k))
        elif key in _RANKING_NAMES and single:
            builtin.append(_RANKING_NAMES[key])
        else:
            supported = sorted({*_LOGLOSS_NAMES, *_ERROR_NAMES}) + (
                sorted(_RANKING_NAMES) if single else []
            )
            raise ValueError(
                f"metric {name!r} is not supported by boostobj's Classifier: under a custom "
                f"objective LightGBM computes its metrics on raw margins, and {name!r} has no "
                f"counterpart computed on probabilities here. Use one of {supported}, or "
                f"pass a callable eval_metric (it receives probabilities)"
            )
    return callables, builtin


class _SklearnError(_SklearnMetric):
    """LightGBM's ``multi_error``/``binary_error`` on probabilities, weighted.

    A row is an error when more than ``top_k`` classes score at least as
    high as its label (LightGBM's ``multi_error_top_k`` rule); with a
    single output, when ``P(class 1) > 0.5`` is not its label (LightGBM's
    ``binary_error``, which reads a tie as class 0).
    """

    __slots__ = ("top_k",)

    def __init__(self, name: str, top_k: int = 1) -> None:
        super().__init__(SoftmaxCrossEntropy(), name)
        self.top_k = top_k

    def __deepcopy__(self, memo: dict) -> _SklearnError:
        return type(self)(self.name, self.top_k)

    def _value(self, targets: Targets, preds: np.ndarray) -> float:
        if not preds.shape[0]:
            return 0.0
        codes = targets._labels.astype(np.intp)  # class ids: LightGBM label-encodes y
        if preds.ndim == 1:
            wrong = (preds > 0) != (codes == 1)
        else:
            at_label = preds[np.arange(preds.shape[0]), codes]
            wrong = (preds >= at_label[:, None]).sum(axis=1) > self.top_k
        return float(np.average(wrong, weights=targets.sample_weight))


class _OnProbabilities:
    """A user's ``eval_metric`` callable, given probabilities instead of margins.

    LightGBM dispatches on the number of parameters, so each arity has its
    own ``__call__`` signature.
    """

    def __init__(self, func: Callable) -> None:
        self.func = func

    def __repr__(self) -> str:
        return f"<{self.func!r} on probabilities>"


class _OnProbabilities2(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray) -> Any:
        return self.func(y_true, eval_probabilities(y_pred))


class _OnProbabilities3(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray, weight: Any) -> Any:
        return self.func(y_true, eval_probabilities(y_pred), weight)


class _OnProbabilities4(_OnProbabilities):
    def __call__(self, y_true: Any, y_pred: np.ndarray, weight: Any, group: Any) -> Any:
        return self.func(y_true, eval_probabilities(y_pred), weight, group)


def _on_probabilities(func: Callable) -> _OnProbabilities:
    n = len(inspect.signature(func).parameters)
    wrappers = {2: _OnProbabilities2, 3: _OnProbabilities3, 4: _OnProbabilities4}
    if n not in wrappers:
        raise TypeError(
            f"eval_metric callables take (y_true, y_pred), (y_true, y_pred, weight) or "
            f"(y_true, y_pred, weight, group), got {func!r} with {n} parameters"
        )
    return wrappers[n](func)


def _n_rows(x: Any) -> int:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return int(shape[0])
    return len(x) if hasattr(x, "__len__") else int(np.asarray(x).shape[0])


class Classifier(lgb.LGBMClassifier):
    """LightGBM classifier trained with a boostobj objective.

    A scikit-learn compatible ``lgb.LGBMClassifier`` that

    - trains with ``objective`` (default ``SoftmaxCrossEntropy()``),
      one output per class, or a single output for two classes, on a
      Hessian scaled as LightGBM scales its own (``engine_hessian``);
    - starts from the class priors ``objective.init_raw(y, weights)``
      (stored as ``init_raw_``) and adds them to the model's first trees
      (:func:`add_init_raw`), so ``booster_`` and a saved model file
      predict complete margins;
    - reports the objective's weighted mean loss on ``eval_set`` under
      the name ``objective.name`` instead of LightGBM's default metric,
      which is meaningless on raw margins. Metrics you name (``metric=``
      or string ``eval_metric``) are computed on probabilities under
      LightGBM's names: ``multi_logloss``/``binary_logloss``/
      ``cross_entropy`` (and their aliases), ``multi_error`` (with
      ``multi_error_top_k``), ``binary_error``; ``auc`` and
      ``average_precision`` of a binary model are left to LightGBM
      (a monotone link does not change them); other names are refused.
      Callable ``eval_metric`` receive probabilities, as with a built-in
      objective. Named metrics come first (for ``first_metric_only``);
    - returns probabilities from ``predict_proba`` and labels from
      ``predict``.

    Parameters
    ----------
    objective : BaseObjective, default=None
        None means ``SoftmaxCrossEntropy()``.
    engine_hessian : bool, default=True
        Train on the objective's Hessian times the factor by which
        LightGBM's ``multiclass`` objective enlarges the cross-entropy
        Hessian ``p (1 - p)``: ``K / (K - 1)`` with K > 2 classes, 1 with
        two (``binary`` applies none). Larger Hessians mean shorter Newton
        steps, so ``learning_rate`` and the settings in Hessian units
        (``min_sum_hessian_in_leaf``, ``reg_lambda``, ``max_delta_step``)
        then mean for any boostobj objective what they mean for the
        built-in one, and ``SoftmaxCrossEntropy()`` grows the built-in's
        trees. The factor multiplies the objective's own ``hessian_scale``
        (a warning says so when that is not 1). False trains on the
        objective's own Hessian.
    **kwargs
        Any ``lgb.LGBMClassifier`` parameter or LightGBM parameter.
        ``class_weight`` (dict or "balanced") multiplies the sample
        weights, as in LightGBM; the objective's own ``class_weight``
        (K,) is indexed by the position of the class in ``classes_``.

    Attributes
    ----------
    init_raw_ : ndarray of shape (n_classes,), or float for two classes
        The starting margins, included in ``booster_``'s first trees.

    Notes
    -----
    ``fit`` takes ``eval_set`` or ``eval_X``/``eval_y`` (LightGBM >= 4.7);
    ``init_score``, ``eval_init_score`` and ``init_model`` are refused,
    since the model starts from the priors. Linear trees are refused.
    ``boosting_type="rf"`` is refused: LightGBM's random forests take
    no custom objective. ``feature_pre_filter`` defaults to False: with a custom objective,
    LightGBM aborts if pre-filtering leaves no feature (small data sets,
    lightgbm#5667); without it such data give the constant prior model.
    To predict from a reloaded model file:
    ``objective.predict_proba(booster.predict(X, raw_score=True))``.
    """

    def __init__(
        self, *, objective: BaseObjective | None = None, engine_hessian: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(objective=objective, **kwargs)
        self.engine_hessian = engine_hessian

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickled before engine_hessian existed: trained, and refits, on the
        # objective's own Hessian.
        self.__dict__.update({"engine_hessian": False, **state})

    def set_params(self, **params: Any) -> Classifier:
        super().set_params(**params)
        # LGBMModel.set_params also files every key among the parameters it
        # hands LightGBM, where a later assignment to the attribute would not
        # reach it; engine_hessian is boostobj's and read from the attribute.
        self._other_params.pop("engine_hessian", None)
        return self

    def _boostobj_objective(self) -> BaseObjective:
        return classifier_objective(self.objective)

    def _on_engine_threads(self, obj: BaseObjective) -> BaseObjective:
        """``obj`` on LightGBM's threads: num_threads (or an alias) if set, else n_jobs."""
        return on_engine_threads(obj, self.get_params(), _THREAD_ALIASES, self.n_jobs)

    def _process_params(self, stage: str) -> dict[str, Any]:
        if stage == "fit":
            self._objective = self._boostobj_objective()
        params = super()._process_params(stage)
        if stage == "fit":
            # fit fixes loss_scale="prior" (_pinned) and checks engine_hessian.
            trained = getattr(self, "_pinned", None) or self._objective
            params["objective"] = objective(
                self._on_engine_threads(trained),
                engine_hessian=getattr(self, "_engine_hessian", False),
            )
            own = self.get_params()
            params.pop("engine_hessian", None)  # boostobj's, not LightGBM's
            for alias in _METRIC_ALIASES:
                params.pop(alias, None)
            # Named metrics were translated by fit; LightGBM keeps only those
            # that are right on margins.
            params["metric"] = getattr(self, "_builtin_metrics", None) or "None"
            if "feature_pre_filter" not in own:
                # With a custom objective LightGBM aborts when pre-filtering leaves
                # no feature (lightgbm#5667); unsplittable features never split anyway.
                params["feature_pre_filter"] = False
        else:
            params["objective"] = "None"
            params.pop("engine_hessian", None)
        return params

    def fit(self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any) -> Classifier:
        """Fit the model, starting from the class priors.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **fit_params
            Passed to ``lgb.LGBMClassifier.fit`` (``eval_set``,
            ``eval_sample_weight``, ``eval_metric``, ``callbacks``, ...).

        Returns
        -------
        self : Classifier
        """
        obj = self._boostobj_objective()
        for name in ("init_score", "eval_init_score", "init_model"):
            if fit_params.get(name) is not None:
                raise ValueError(
                    f"{name} is not supported by boostobj's Classifier, which starts "
                    f"from the class priors (init_raw_)"
                )
        params = self.get_params()
        if any(_truthy(params.get(alias)) for alias in ("linear_tree", "linear_trees")):
            raise ValueError(
                "linear_tree=True is not supported: the class priors are stored in the "
                "leaf values, which linear trees do not use"
            )
        for alias in _BOOSTING_ALIASES:
            value = params.get(alias)
            if isinstance(value, str) and value.strip().lower() in ("rf", "random_forest"):
                raise ValueError(
                    f"{alias}={value!r} is not supported: LightGBM's random forest mode "
                    f"accepts no custom objective (nor the init_score that holds the class "
                    f"priors); use gbdt, dart, or lightgbm.LGBMClassifier with its built-in "
                    f"objective"
                )
        eval_set = _eval_pairs(
            fit_params.pop("eval_set", None),
            fit_params.pop("eval_X", None),
            fit_params.pop("eval_y", None),
        )
        y_arr = column_or_1d(y, warn=True)
        check_classification_targets(y_arr)
        classes, codes = np.unique(y_arr, return_inverse=True)
        k = len(classes)
        if k < 2:
            raise ValueError(f"y has {k} class ({classes!r}); a classifier needs at least 2")
        check_class_weight_fits(obj, k, f"y has {k} classes")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.class_weight is not None:
            by_class = compute_sample_weight(self.class_weight, y_arr)
            weight = by_class if weight is None else weight * by_class
        targets = Targets(codes, weight)
        start = class_priors(obj, targets, None, k)
        if eval_set is not None and _is_dart(params):
            # LightGBM measures a Python metric on its training Dataset from
            # the training scores, and reading them makes DART drop trees
            # for the next round: after the last round they stay dropped in
            # the model. Another Dataset of the same rows is measured on the
            # whole model instead, and leaves the model alone.
            eval_set = _training_rows_apart(eval_set, X, y, weight, fit_params)

        def scores(n: int) -> np.ndarray:
            return np.full(n, start) if k == 2 else np.tile(start, (n, 1))

        metrics = fit_params.pop("eval_metric", None)
        if metrics is None:
            metrics = []
        elif not isinstance(metrics, list):
            metrics = [metrics]
        named = [m for m in metrics if isinstance(m, str)]
        for alias in _METRIC_ALIASES:
            named = _metric_names(params.get(alias)) + named
        top_k = params.get("multi_error_top_k", 1)
        translated, self._builtin_metrics = _translate_metrics(
            _metric_names(named), k, 1 if top_k is None else int(top_k)
        )
        # boostobj's own scikit-learn metrics read margins, as LightGBM hands
        # them; other callables get probabilities.
        user_callables = [
            m if isinstance(m, _SklearnMetric) else _on_probabilities(m)
            for m in metrics
            if not isinstance(m, str)
        ]
        if eval_set is not None:
            fit_params["eval_init_score"] = [scores(_n_rows(xv)) for xv, _ in eval_set]
            fit_params["eval_set"] = eval_set
        self._pinned = obj._pin_loss_scale(targets, k, k == 2)
        self._engine_hessian = checked_engine_hessian(obj, "lightgbm", k, self.engine_hessian)
        try:
            with warnings.catch_warnings():
                # We pass eval_set on purpose: 4.7's eval_y path skips label encoding.
                warnings.filterwarnings("ignore", message=_EVAL_SET_DEPRECATION)
                super().fit(
                    X,
                    y,
                    sample_weight=sample_weight,
                    init_score=scores(_n_rows(X)),
                    eval_metric=[
                        *translated,
                        sklearn_metric(self._on_engine_threads(obj)),
                        *user_callables,
                    ],
                    **fit_params,
                )
        finally:
            del self._pinned, self._engine_hessian
        add_init_raw(self.booster_, start)
        self.init_raw_ = start
        return self

    def predict_proba(
        self,
        X: Any,
        raw_score: bool = False,
        start_iteration: int = 0,
        num_iteration: int | None = None,
        pred_leaf: bool = False,
        pred_contrib: bool = False,
        validate_features: bool = False,
        **kwargs: Any,
    ) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes).

        With ``raw_score``, ``pred_leaf`` or ``pred_contrib``, returns
        what ``lgb.LGBMModel.predict`` does (raw margins include the
        priors). ``start_iteration > 0`` skips the trees that hold the
        priors.
        """
        raw = lgb.LGBMModel.predict(
            self,
            X,
            raw_score=raw_score or not (pred_leaf or pred_contrib),
            start_iteration=start_iteration,
            num_iteration=num_iteration,
            pred_leaf=pred_leaf,
            pred_contrib=pred_contrib,
            validate_features=validate_features,
            **kwargs,
        )
        if raw_score or pred_leaf or pred_contrib:
            return raw
        return self._objective.predict_proba(raw)

    def predict(
        self,
        X: Any,
        raw_score: bool = False,
        start_iteration: int = 0,
        num_iteration: int | None = None,
        pred_leaf: bool = False,
        pred_contrib: bool = False,
        validate_features: bool = False,
        **kwargs: Any,
    ) -> np.ndarray:
        """Predicted class labels (the most probable class).

        With ``raw_score``, ``pred_leaf`` or ``pred_contrib``, as
        :meth:`predict_proba`.
        """
        result = self.predict_proba(
            X,
            raw_score=raw_score,
            start_iteration=start_iteration,
            num_iteration=num_iteration,
            pred_leaf=pred_leaf,
            pred_contrib=pred_contrib,
            validate_features=validate_features,
            **kwargs,
        )
        if raw_score or pred_leaf or pred_contrib:
            return result
        return self.classes_[np.argmax(result, axis=1)]


# Pickle finds classes by module and qualified name: keep the public ones.
Classifier.__module__ = "boostobj.lightgbm"


def _is_dart(params: dict[str, Any]) -> bool:
    """Whether the parameters choose DART boosting, under any of its aliases."""
    return any(
        isinstance(value, str) and value.strip().lower() == "dart"
        for value in (params.get(alias) for alias in _BOOSTING_ALIASES)
    )


def _distinct(X: Any) -> Any:
    """``X`` as another object with the same rows, so that LightGBM builds it a Dataset."""
    if isinstance(X, np.ndarray):
        return X.view()
    try:
        return X.copy(deep=False)  # pandas: no copy of the data
    except (AttributeError, TypeError):
        return copy.copy(X)


def _training_rows_apart(
    eval_set: list, X: Any, y: Any, weight: np.ndarray | None, fit_params: dict[str, Any]
) -> list:
    """``eval_set`` with each entry of the training arrays made another object.

    Such an entry keeps what LightGBM gives the training set it would have
    been measured on: its name (in ``fit_params["eval_names"]``) and its
    weights, ``class_weight`` included (in ``eval_sample_weight``).
    """
    same = [xv is X and yv is y for xv, yv in eval_set]
    if not any(same):
        return eval_set

    def entries(name: str) -> list:
        given = fit_params.get(name)
        if isinstance(given, dict):
            return [given.get(i) for i in range(len(eval_set))]
        return [None] * len(eval_set) if given is None else list(given) + [None] * len(eval_set)

    weights, class_weights = entries("eval_sample_weight"), entries("eval_class_weight")
    names = fit_params.get("eval_names")
    if names is None:
        names = ["training" if s else f"valid_{i}" for i, s in enumerate(same)]
    for i, s in enumerate(same):
        if s:
            weights[i], class_weights[i] = weight, None
    fit_params.update(
        eval_sample_weight=weights[: len(eval_set)],
        eval_class_weight=class_weights[: len(eval_set)],
        eval_names=names,
    )
    return [(_distinct(xv) if s else xv, yv) for (xv, yv), s in zip(eval_set, same, strict=True)]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "+")
    return bool(value)


def _eval_pairs(eval_set: Any, eval_x: Any, eval_y: Any) -> list | None:
    """``eval_set`` or ``eval_X``/``eval_y`` as a list of (X, y) pairs."""
    if eval_set is not None:
        if eval_x is not None or eval_y is not None:
            raise ValueError("give eval_set or eval_X and eval_y, not both")
        return [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
    if (eval_x is None) != (eval_y is None):
        raise ValueError("give both eval_X and eval_y, or neither")
    if eval_x is None:
        return None
    if isinstance(eval_x, tuple) != isinstance(eval_y, tuple) or (
        isinstance(eval_x, tuple) and len(eval_x) != len(eval_y)
    ):
        raise ValueError("eval_X and eval_y must both be single sets or tuples of equal length")
    if isinstance(eval_x, tuple):
        return list(zip(eval_x, eval_y, strict=True))
    return [(eval_x, eval_y)]

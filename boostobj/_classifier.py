"""What the LightGBM and XGBoost ``Classifier`` s share.

The objective they train, its thread count from the engine's settings, the
class priors they start from, and the probabilities their evaluation
callables receive. How each reads and checks ``y`` stays with its engine:
LightGBM's encodes any labels, XGBoost's requires the class ids 0..K-1.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._engine import (
    check_engine_hessian,
    check_objective,
    engine_hessian_factor,
    with_engine_threads,
)
from .objectives import BaseObjective, SoftmaxCrossEntropy


def classifier_objective(objective: BaseObjective | None) -> BaseObjective:
    """The objective a Classifier trains: ``objective``, or ``SoftmaxCrossEntropy()``."""
    return SoftmaxCrossEntropy() if objective is None else check_objective(objective, "objective")


def checked_engine_hessian(
    obj: BaseObjective, engine: str, n_classes: int, engine_hessian: Any
) -> bool:
    """A Classifier's ``engine_hessian``, checked; the adapters apply it each round.

    Warns when the objective carries a ``hessian_scale`` of its own, which
    the engine's factor multiplies: the usual way to match an engine
    through the adapters, and twice the intended factor in a Classifier.
    """
    if not check_engine_hessian(engine_hessian):
        return False
    factor = engine_hessian_factor(engine, n_classes, n_classes == 2)
    if factor != 1.0 and obj.hessian_scale != 1.0:
        warnings.warn(
            f"the Classifier multiplies the objective's hessian_scale={obj.hessian_scale!r} "
            f"by {engine}'s own factor {factor:g} (engine_hessian=True): the Hessian is "
            f"{obj.hessian_scale * factor:g} times the objective's. Leave hessian_scale at "
            f"1.0 to train as the built-in objective does, or pass engine_hessian=False",
            UserWarning,
            stacklevel=3,
        )
    return True


def on_engine_threads(
    obj: BaseObjective, params: Mapping[str, Any], aliases: Sequence[str], n_jobs: Any
) -> BaseObjective:
    """``obj`` on the engine's threads: the first of its thread ``aliases`` set, else ``n_jobs``.

    An objective's own ``n_threads`` wins (see ``with_engine_threads``).
    """
    for alias in aliases:
        if params.get(alias) is not None:
            return with_engine_threads(obj, params[alias])
    return with_engine_threads(obj, n_jobs)


def class_priors(
    obj: BaseObjective, labels: Any, sample_weight: Any, n_classes: int
) -> np.ndarray | float:
    """The starting margins: K of them, or one (a float) for a two-class model."""
    return obj.init_raw(labels, sample_weight, n_classes=n_classes, single_output=n_classes == 2)


def eval_probabilities(raw: np.ndarray) -> np.ndarray:
    """What an engine's built-in objective hands ``eval_metric`` callables.

    P(class 1) (n,) for a single output, else the class probabilities (n, K).
    """
    proba = SoftmaxCrossEntropy().predict_proba(raw)
    return proba[:, 1] if np.ndim(raw) == 1 else proba

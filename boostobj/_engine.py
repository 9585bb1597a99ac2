"""What both engine adapters need from an objective.

Checking that an engine was given a boostobj objective, scaling its Hessian
as the engine scales its own, running it on the engine's threads, and
handing its gradient and Hessian over as float32.
The objectives know nothing of the engines; the adapters in
``boostobj.lightgbm`` and ``boostobj.xgboost`` use these.
"""

from __future__ import annotations

import copy
import os
import reprlib
import sys
import threading
from typing import Any, Literal

import numpy as np

from .objectives._base import BaseObjective, _check_safe_block, _hessian_floor

__all__ = [
    "OutputBuffers",
    "check_class_weight_fits",
    "check_engine_hessian",
    "check_objective",
    "engine_float32",
    "engine_hessian_factor",
    "engine_threads",
    "on_engine_hessian",
    "with_engine_threads",
    "with_hessian_factor",
]


def engine_threads(n_jobs: Any) -> int:
    """The thread count an engine's ``n_jobs`` stands for.

    None, 0 and -1 mean every core, other negative values ``cores + 1 + n_jobs``
    (scikit-learn's and LightGBM's convention).
    """
    # The cores this process may run on (affinity), not all the machine's.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    if n_jobs is None or isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)):
        return cores
    if n_jobs > 0:
        return int(n_jobs)
    return cores if n_jobs == 0 else max(1, cores + 1 + int(n_jobs))


def with_engine_threads(obj: BaseObjective, n_jobs: Any) -> BaseObjective:
    """``obj``, or a copy running on the engine's threads if ``obj.n_threads`` is None."""
    if obj.n_threads is not None:
        return obj
    run = copy.copy(obj)
    run.n_threads = engine_threads(n_jobs)
    return run


def check_engine_hessian(value: Any) -> bool:
    """``engine_hessian`` as given, if it is a bool; else ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"engine_hessian must be True or False, got {value!r}")
    return bool(value)


def engine_hessian_factor(engine: str, n_classes: int, single_output: bool) -> float:
    """How much larger than ``p (1 - p)`` an engine's built-in softmax Hessian is.

    XGBoost's ``multi:softprob`` takes 2, LightGBM's ``multiclass``
    ``K / (K - 1)``; their binary objectives, on a single output, none. (A
    two-output softmax with a factor of 2 takes the single output's
    unregularised Newton steps: each margin moves half of them.)
    """
    if engine not in ("xgboost", "lightgbm"):
        raise ValueError(f"engine must be 'xgboost' or 'lightgbm', got {engine!r}")
    if single_output:
        return 1.0
    return 2.0 if engine == "xgboost" else n_classes / (n_classes - 1)


def with_hessian_factor(obj: BaseObjective, factor: float) -> BaseObjective:
    """``obj``, or a copy whose ``hessian_scale`` is ``factor`` times larger.

    Given the engine's factor for its built-in softmax Hessian: larger
    Hessians mean shorter Newton steps, and the same ``learning_rate`` and
    Hessian-unit regularisers then mean what they mean for the built-in
    objective.
    """
    if factor == 1.0:
        return obj
    scaled = copy.copy(obj)
    scaled.hessian_scale = obj.hessian_scale * factor
    return scaled


def check_objective(obj: Any, name: str = "obj") -> BaseObjective:
    """Return ``obj`` if it is a boostobj objective, else raise ``TypeError`` naming ``name``."""
    if not isinstance(obj, BaseObjective):
        raise TypeError(
            f"{name} must be a boostobj objective such as SoftmaxCrossEntropy() or "
            f"WeightedBrier(), got {type(obj).__name__} {reprlib.repr(obj)}"
        )
    return obj


def on_engine_hessian(
    obj: BaseObjective, engine: str, raw: np.ndarray, engine_hessian: bool
) -> BaseObjective:
    """``obj``, with the engine's Hessian factor for margins ``raw`` if ``engine_hessian``."""
    if not engine_hessian:
        return obj
    single = raw.ndim == 1
    k = 2 if single else raw.shape[1]
    return with_hessian_factor(obj, engine_hessian_factor(engine, k, single))


def engine_float32(
    obj: BaseObjective, grad: np.ndarray, hess: np.ndarray, order: Literal["C", "F"] = "C"
) -> tuple[np.ndarray, np.ndarray]:
    """``grad`` and ``hess`` as float32 for an engine, keeping the safe mode.

    Both engines store gradient pairs in float32. Rounding there can undo
    ``min_hessian`` (float32 rounds 1e-50 to 0 and 1e-8 to just below it) and
    overflow beyond 3.4e38, so with a floor set the floor is applied again,
    rounded up, and the result must be finite.
    """
    floor = obj._validate_params().min_hessian
    g = grad.astype(np.float32, order=order, copy=False)
    h = hess.astype(np.float32, order=order, copy=False)
    # Float32 margins in safe mode: grad_hess already floored and checked these.
    checked = g is grad and h is hess and floor is not None and floor > 0
    if floor is not None and not checked:
        np.maximum(h, _hessian_floor(floor, h.dtype), out=h)
        _check_safe_block(g, h, 0)
    return g, h


def check_class_weight_fits(obj: BaseObjective, n_classes: int, where: str) -> None:
    """Raise ``ValueError`` if the objective's ``class_weight`` is not (n_classes,)."""
    cw = obj.class_weight
    if cw is not None and np.shape(cw)[0] != n_classes:
        raise ValueError(f"the objective's class_weight has {np.shape(cw)[0]} entries but {where}")


class OutputBuffers:
    """A float32 gradient and Hessian pair, handed out again once nobody holds it.

    An engine copies the arrays an objective returns and drops them before
    the next round, so one pair can serve every round. Fresh arrays of
    that size are fresh pages (above glibc's mmap threshold: 32 MiB at
    most, 128 KiB in Dask workers, whose ``MALLOC_TRIM_THRESHOLD_`` pins
    it), and faulting them in took twice the objective's own time there.

    A pair is reused only while this holder has the sole references to
    both arrays (views keep their base referenced), checked under a lock:
    a caller that keeps a previous round's arrays gets new ones, never
    its arrays overwritten. Where reference counts cannot be read that way
    (not CPython, or a CPython that counts differently: checked at import),
    every pair is new. The holder belongs to one training set and goes
    with it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grad: np.ndarray | None = None
        self._hess: np.ndarray | None = None

    def _references(self) -> tuple[int, int]:
        """Reference counts of the held pair, as read in :meth:`take`."""
        return sys.getrefcount(self._grad), sys.getrefcount(self._hess)

    def take(
        self, shape: tuple[int, ...], order: Literal["C", "F"]
    ) -> tuple[np.ndarray, np.ndarray]:
        """An unshared float32 pair of ``shape`` in ``order``: the held one if free."""
        with self._lock:
            held = self._grad
            in_order = held is not None and (
                held.flags.c_contiguous if order == "C" else held.flags.f_contiguous
            )
            del held  # not to count itself
            if (
                _UNSHARED is not None
                and in_order
                and self._grad is not None
                and self._grad.shape == shape
                and self._references() == _UNSHARED
            ):
                return self._grad, self._hess  # type: ignore[return-value]
            grad = np.empty(shape, dtype=np.float32, order=order)
            hess = np.empty(shape, dtype=np.float32, order=order)
            if _UNSHARED is not None:
                self._grad, self._hess = grad, hess
            return grad, hess

    # Buffers are scratch memory: copies and pickles start without them.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        OutputBuffers.__init__(self)


def _unshared_references() -> tuple[int, int] | None:
    """What :meth:`OutputBuffers._references` reads when only the holder refers
    to its pair, or None where one more reference would not show."""
    if not hasattr(sys, "getrefcount"):
        return None
    probe = OutputBuffers()
    probe._grad, probe._hess = np.empty(1), np.empty(1)
    alone = probe._references()
    held = (probe._grad, probe._hess[:])  # a reference and a view
    if probe._references() != (alone[0] + 1, alone[1] + 1) or len(held) != 2:
        return None
    return alone


_UNSHARED = _unshared_references()

"""Finite-difference verification of any objective's gradient and Hessian."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import Targets, as_numeric_array

__all__ = ["CheckResult", "check_grad_hess"]

# A power of two: z + h is exact for |z| < 2**42 in float64, so the step
# really taken equals the step divided by.
DEFAULT_STEP = 2.0**-10


@dataclass
class Discrepancy:
    """The worst disagreement between analytic and numeric derivatives.

    Attributes
    ----------
    abs_error : float
        Largest ``|analytic - numeric|``.
    scaled_error : float
        Largest ``|analytic - numeric| / tolerance``; above 1 fails.
    row, column : int
        Where the largest scaled error occurs (column 0 for 1-D ``raw``).
    analytic, numeric : float
        The two values there.
    """

    abs_error: float
    scaled_error: float
    row: int
    column: int
    analytic: float
    numeric: float

    def line(self, what: str) -> str:
        return (
            f"{what}: max |error| {self.abs_error:.3g}, worst scaled error "
            f"{self.scaled_error:.3g} at row {self.row}, class {self.column} "
            f"(analytic {self.analytic:.10g}, numeric {self.numeric:.10g})"
        )


@dataclass
class CheckResult:
    """Outcome of :func:`check_grad_hess`; ``str()`` gives a short report.

    Attributes
    ----------
    ok : bool
        True when every checked derivative agrees within tolerance and the
        objective's outputs have the right shapes and are finite.
    grad, hess : Discrepancy or None
        The worst gradient and Hessian disagreements (None if not computed).
    problems : list of str
        Structural problems found (wrong shapes, non-finite values).
    n_samples, n_classes : int
    step, rtol, atol : float
    """

    ok: bool
    grad: Discrepancy | None
    hess: Discrepancy | None
    n_samples: int
    n_classes: int
    step: float
    rtol: float
    atol: float
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        lines = [
            f"check_grad_hess: {verdict} (n={self.n_samples}, K={self.n_classes}, "
            f"step={self.step:.3g}, rtol={self.rtol:.3g}, atol={self.atol:.3g})"
        ]
        lines += [f"  problem: {p}" for p in self.problems]
        if self.grad is not None:
            lines.append("  " + self.grad.line("gradient"))
        if self.hess is not None:
            lines.append("  " + self.hess.line("hessian "))
        lines.append(
            "  pass when |analytic - numeric| <= rtol * (largest derivative in the row)"
            " + atol * (largest weight in the row) + rounding floor of the differenced values"
        )
        return "\n".join(lines)


def _as_2d(x: np.ndarray) -> np.ndarray:
    return x[:, None] if x.ndim == 1 else x


def _compare(
    analytic: np.ndarray, numeric: np.ndarray, rtol: float, atol: np.ndarray, noise: np.ndarray
) -> Discrepancy:
    analytic, numeric = _as_2d(analytic), _as_2d(numeric)
    err = np.abs(analytic - numeric)
    row_scale = np.maximum(np.abs(analytic), np.abs(numeric)).max(axis=1, keepdims=True)
    scaled = err / (rtol * row_scale + atol + _as_2d(noise))
    i, k = np.unravel_index(int(np.argmax(scaled)), scaled.shape)
    return Discrepancy(
        abs_error=float(err.max()),
        scaled_error=float(scaled[i, k]),
        row=int(i),
        column=int(k),
        analytic=float(analytic[i, k]),
        numeric=float(numeric[i, k]),
    )


def check_grad_hess(
    objective: Any,
    labels: Any,
    raw: Any,
    sample_weight: Any = None,
    *,
    step: float = DEFAULT_STEP,
    rtol: float = 1e-6,
    atol: float = 1e-10,
    check_hessian: bool = True,
) -> CheckResult:
    """Compare an objective's ``grad_hess`` with finite differences.

    Works on any object with ``loss(labels, raw[, sample_weight])`` returning
    the per-sample loss (n,) and ``grad_hess(labels, raw[, sample_weight])``
    returning ``(grad, hess)`` shaped like ``raw``, where ``hess`` is meant
    to be the diagonal of the Hessian of each sample's loss.

    The gradient is checked against central differences of ``loss`` and the
    Hessian diagonal against central differences of ``grad``, both in
    float64 with one Richardson extrapolation (steps ``h`` and ``2h``), whose
    error is O(h^4): the default ``h = 2**-10`` makes truncation error about
    1e-12 for unit curvature while rounding error stays near
    ``1e-13 * |loss|``. Each sample only depends on its own row, so a column
    of all rows is perturbed at once: 8 K evaluations in all.

    ``WeightedBrier(loss_scale="adaptive")`` resolves its scale from all the
    margins of a call; its ``grad_hess`` at ``raw`` is then compared with the
    differences of the same objective with the scale fixed at its value at
    ``raw`` (a copy with that number as ``loss_scale``).

    Parameters
    ----------
    objective : object with ``loss`` and ``grad_hess`` methods
    labels, raw, sample_weight : passed through to the objective
        ``raw`` is converted to float64; the objective must then compute in
        float64.
    step : float, default=2**-10
        Absolute margin step. Softmax losses curve on the scale of margin
        *differences*, not of ``|raw|``, so the step does not grow with
        ``|raw|``; pass a smaller one for objectives that curve faster.
    rtol : float, default=1e-6
        Tolerance relative to the largest derivative (analytic or numeric)
        in the same row: rounding in the loss is relative to the row's
        scale, so tiny entries beside large ones are compared at that scale.
    atol : float, default=1e-10
        Absolute tolerance per unit of weight, for entries far below their
        row's scale: rounding in an objective's arithmetic, such as ``A p - a``
        where ``p`` is nearly ``y``, is relative to the weights. It is
        multiplied by each row's largest effective weight ``w[i, k]``, the
        product of the sample weight (``sample_weight``, or that inside a
        :class:`~boostobj.Targets` passed as ``labels``) and the objective's
        ``class_weight`` attribute when it has a numeric one of length K,
        times its ``loss_scale`` when it has one (``"prior"`` and
        ``"adaptive"`` resolved by its ``loss_scale_at``), which multiplies
        the loss as a weight does.
    check_hessian : bool, default=True
        Set False for objectives whose ``hess`` is deliberately not the
        exact diagonal (Gauss-Newton, scaled, floored).

    Returns
    -------
    CheckResult
        ``.ok``, the worst errors and where they occur; prints as a report.
    """
    if not (hasattr(objective, "loss") and hasattr(objective, "grad_hess")):
        raise TypeError(
            f"objective must have loss and grad_hess methods, got {type(objective).__name__}"
        )
    for name, value in (("step", step), ("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a finite number >= 0, got {value!r}")
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if step <= 0:
        raise ValueError(f"step must be > 0, got {step!r}")
    if not isinstance(check_hessian, (bool, np.bool_)):
        raise TypeError(f"check_hessian must be True or False, got {check_hessian!r}")
    # Same dtype rules as the objectives: boolean, float16, object and string
    # margins are refused rather than silently converted.
    z0 = np.array(as_numeric_array(raw, "raw"), dtype=np.float64)
    if z0.ndim not in (1, 2) or z0.shape[0] == 0:
        raise ValueError(f"raw must have shape (n,) or (n, K) with n >= 1, got shape {z0.shape}")
    extra = () if sample_weight is None else (sample_weight,)
    # A loss scale resolved from the margins at each call is a constant of
    # that call: differences are taken with it fixed at raw.
    differenced = _scale_fixed_at(objective, labels, z0, sample_weight)
    n = z0.shape[0]
    n_cols = 1 if z0.ndim == 1 else z0.shape[1]
    problems: list[str] = []

    def loss_at(z: np.ndarray, objective: Any = differenced) -> np.ndarray:
        out = np.asarray(objective.loss(labels, z, *extra), dtype=np.float64)
        if out.shape != (n,):
            raise _Malformed(f"loss returned shape {out.shape}, expected ({n},)")
        return out

    def grad_hess_at(z: np.ndarray, objective: Any = differenced) -> tuple[np.ndarray, np.ndarray]:
        result = objective.grad_hess(labels, z, *extra)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise _Malformed("grad_hess must return a (grad, hess) tuple")
        g, h = (np.asarray(a, dtype=np.float64) for a in result)
        for what, a in (("grad", g), ("hess", h)):
            if a.shape != z.shape:
                raise _Malformed(f"{what} has shape {a.shape}, expected raw's shape {z.shape}")
        return g, h

    result = CheckResult(False, None, None, n, n_cols, step, rtol, atol, problems)
    try:
        loss0 = loss_at(z0, objective)
        grad0, hess0 = grad_hess_at(z0, objective)
    except _Malformed as exc:
        problems.append(str(exc))
        return result
    for what, a in (("loss", loss0), ("grad", grad0), ("hess", hess0)):
        if not np.all(np.isfinite(a)):
            problems.append(f"{what} has non-finite values")
    if problems:
        return result

    num_grad = np.empty((n, n_cols))
    num_hess = np.empty((n, n_cols))
    # Largest |value| differenced, per row (loss) and per entry (gradient):
    # rounding of those values limits what a difference can resolve.
    loss_size = np.abs(loss0)
    grad_size = np.abs(_as_2d(grad0)).copy()
    for k in range(n_cols):
        estimates_g, estimates_h = [], []
        for h in (step, 2.0 * step):
            zp, zm = z0.copy(), z0.copy()
            zp2, zm2 = _as_2d(zp), _as_2d(zm)
            zp2[:, k] += h
            zm2[:, k] -= h
            # Divide by the step really taken (raw beyond 2**42 rounds it).
            width = zp2[:, k] - zm2[:, k]
            width = np.where(width > 0, width, np.nan)
            try:
                lp, lm = loss_at(zp), loss_at(zm)
                gp, _ = grad_hess_at(zp)
                gm, _ = grad_hess_at(zm)
            except _Malformed as exc:
                problems.append(str(exc))
                return result
            loss_size = np.maximum(loss_size, np.maximum(np.abs(lp), np.abs(lm)))
            grad_size[:, k] = np.maximum(
                grad_size[:, k], np.maximum(np.abs(_as_2d(gp)[:, k]), np.abs(_as_2d(gm)[:, k]))
            )
            estimates_g.append((lp - lm) / width)
            estimates_h.append((_as_2d(gp)[:, k] - _as_2d(gm)[:, k]) / width)
        # Richardson: the h^2 error terms of the two central differences cancel.
        num_grad[:, k] = (4.0 * estimates_g[0] - estimates_g[1]) / 3.0
        num_hess[:, k] = (4.0 * estimates_h[0] - estimates_h[1]) / 3.0

    if not (np.all(np.isfinite(num_grad)) and np.all(np.isfinite(num_hess))):
        problems.append(
            "finite differences are not finite: the step crosses a singularity or raw is too "
            "large for an exact step; try a smaller step"
        )
        return result
    # atol is per unit of weight: a weighted loss's derivatives, and the
    # rounding in computing them, scale with the weights, whichever way they came.
    weight_scale = _row_weight_scale(objective, labels, sample_weight, n, max(n_cols, 2))
    weight_scale = weight_scale * _loss_scale(objective, labels, sample_weight, z0)
    atol_rows = atol * np.maximum(weight_scale, 1e-300)[:, None]
    # Rounding floor of a Richardson-extrapolated central difference of values
    # of size s with relative rounding eps: about (4/3 + 1/6) eps s / h; 8x that.
    floor = 12.0 * np.finfo(np.float64).eps / step
    result.grad = _compare(grad0, num_grad, rtol, atol_rows, floor * loss_size[:, None])
    ok = result.grad.scaled_error <= 1.0
    if check_hessian:
        result.hess = _compare(hess0, num_hess, rtol, atol_rows, floor * grad_size)
        ok = ok and result.hess.scaled_error <= 1.0
    result.ok = bool(ok)
    return result


def _numeric(x: Any) -> np.ndarray | None:
    """``|x|`` as a finite float64 array, or None if it is not one."""
    try:
        a = np.abs(np.asarray(x, dtype=np.float64))
    except (TypeError, ValueError):
        return None
    return a if np.all(np.isfinite(a)) else None


def _row_weight_scale(
    objective: Any, labels: Any, sample_weight: Any, n: int, k: int
) -> np.ndarray:
    """Each row's largest effective weight ``|w[i, k]|`` (1 where there is none).

    The weight of a cell is the sample weight (per row or per cell, passed
    directly or inside a Targets) times the objective's class weight. Weights
    the objective would refuse were refused already; shapes that do not fit
    (a class_weight of another meaning) are ignored.
    """
    cells = np.ones((n, 1))
    sw = sample_weight
    if sw is None and isinstance(labels, Targets):
        sw = labels.sample_weight
    sw = None if sw is None else _numeric(sw)
    if sw is not None and sw.shape[:1] == (n,) and sw.ndim in (1, 2):
        cells = sw[:, None] if sw.ndim == 1 else sw
    cw = getattr(objective, "class_weight", None)
    cw = None if cw is None else _numeric(cw)
    if cw is not None and cw.shape == (k,) and cells.shape[1] in (1, k):
        cells = cells * cw
    return cells.max(axis=1) if cells.shape[1] else np.ones(n)


def _scale_fixed_at(objective: Any, labels: Any, raw: np.ndarray, sample_weight: Any) -> Any:
    """``objective``, or the copy it gives with a margin-dependent loss scale held at ``raw``."""
    fix = getattr(objective, "_fixed_scale_at", None)
    if fix is None:
        return objective
    try:
        return fix(labels, raw, sample_weight)
    except (TypeError, ValueError):
        return objective  # the objective's own calls report the bad input


def _loss_scale(objective: Any, labels: Any, sample_weight: Any, raw: np.ndarray) -> float:
    """The factor the objective's ``loss_scale`` applies to every weight (1 if none).

    A loss scale multiplies the loss and its derivatives as a weight does;
    ``"prior"`` and ``"adaptive"`` are resolved as the objective resolves them
    in a call with these arguments.
    """
    scale: Any = getattr(objective, "loss_scale", None)
    if scale is None:
        return 1.0
    if isinstance(scale, str):
        resolve = getattr(objective, "loss_scale_at", None)
        if resolve is None:
            return 1.0
        try:
            scale = resolve(labels, raw, sample_weight)
        except (TypeError, ValueError):
            return 1.0
    try:
        value = float(scale)
    except (TypeError, ValueError):
        return 1.0
    return value if np.isfinite(value) and value > 0 else 1.0


class _Malformed(Exception):
    """An objective returned something of the wrong shape or kind."""

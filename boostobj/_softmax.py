"""Numerically stable softmax kernels writing into caller-provided buffers."""

from __future__ import annotations

import contextlib

import numpy as np

from ._blocks import Workspace
from ._validation import first_nonfinite_row

# Row sums of unshifted exponentials inside these bounds mean that no term
# overflowed and that every probability above 2**-66 (float32) or 2**-522
# (float64) was computed from a normal number, i.e. to full precision.
_SAFE_TOTAL = {
    np.dtype(np.float32): (2.0**-60, float(np.finfo(np.float32).max)),
    np.dtype(np.float64): (2.0**-500, float(np.finfo(np.float64).max)),
}


# Appended to the error for non-finite margins: during training they mean the
# boosting diverged, not that the user passed bad data.
DIVERGED_HINT = (
    "If an engine produced these margins, training diverged: lower the learning "
    "rate, or set min_hessian to a positive floor (e.g. 1e-6) so no leaf divides "
    "by a vanishing Hessian"
)


def check_finite_fast(z: np.ndarray, first_row: int) -> None:
    """Raise ``ValueError`` naming the first row of margins with NaN or infinity."""
    i = first_nonfinite_row(z)
    if i is not None:
        raise ValueError(
            f"raw must be finite, got {z[i]!r} in row {first_row + i}. {DIVERGED_HINT}"
        )


def exp_rows(
    z: np.ndarray,
    out: np.ndarray,
    ws: Workspace,
    first_row: int,
    flat: np.ndarray | None = None,
    label: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Exponentials of the margins, scaled so that each row sums safely.

    ``out`` receives ``exp(z - c)`` with ``c = 0`` when that neither
    overflows nor underflows (most blocks: one pass and no row maximum,
    which is slow to compute for short rows), else ``c`` = the row maximum.
    When ``label`` (flat positions in ``flat``, a flat view of ``out``) is
    given, those entries are returned and then zeroed in ``out``, so that
    the returned row sum excludes them: ``1 - p_label = other / total``
    without cancellation.

    Returns
    -------
    other : (b,) row sums of ``out`` (without the label entries)
    total : (b,) full row sums
    at_label : (b,) label entries, or None
    shift : (b,) the row maxima subtracted, or None when nothing was

    Raises ``ValueError`` for NaN or infinite margins.
    """
    check_finite_fast(z, first_row)
    lo, hi = _SAFE_TOTAL[out.dtype]
    rowmax = None
    for shifted in (False, True):
        if shifted:
            rowmax = np.max(z, axis=1)
            np.subtract(z, rowmax[:, None], out=out)
            np.exp(out, out=out)
        else:
            np.exp(z, out=out)
        at_label = None
        if label is not None:
            assert flat is not None, "label positions need the flat view they index"
            at_label = flat[label]
            flat[label] = 0.0
        # Unshifted exponentials may overflow; BLAS can then raise "invalid"
        # while summing inf. Such a block fails the range test and is redone.
        with contextlib.nullcontext() if shifted else np.errstate(invalid="ignore"):
            other = ws.row_sums(out, "other")
        total = other if at_label is None else other + at_label
        if shifted or np.all((total >= lo) & (total <= hi)):
            return other, total, at_label, rowmax
    raise AssertionError("unreachable")


def softmax_rows(z: np.ndarray, out: np.ndarray, ws: Workspace, first_row: int) -> None:
    """Write softmax(z) row by row into ``out``."""
    _, total, _, _ = exp_rows(z, out, ws, first_row)
    out *= (1.0 / total)[:, None]


def log_sum_exp_rows(
    raw: np.ndarray, scratch: np.ndarray, rowmax: np.ndarray, out: np.ndarray
) -> None:
    """Write ``log(sum(exp(raw), axis=1)) - max(raw, axis=1)`` into ``out``.

    The result is the log-sum-exp *relative to the row maximum*, in
    ``[0, log K]``. It is computed as ``log1p`` of the sum of the other
    terms, so a row dominated by its maximum (a confident prediction) keeps
    full relative precision instead of rounding ``log(1 + tiny)`` to 0.
    ``rowmax`` receives the row maxima.
    """
    top = np.argmax(raw, axis=1)[:, None]
    np.copyto(rowmax, np.take_along_axis(raw, top, axis=1)[:, 0])
    np.subtract(raw, rowmax[:, None], out=scratch)
    np.exp(scratch, out=scratch)
    np.put_along_axis(scratch, top, 0.0, axis=1)
    np.sum(scratch, axis=1, out=out)
    np.log1p(out, out=out)

"""Numerically stable softmax kernels writing into caller-provided buffers."""

from __future__ import annotations

import numpy as np


def softmax_rows(raw: np.ndarray, out: np.ndarray, rowmax: np.ndarray, rowsum: np.ndarray) -> None:
    """Write softmax(raw) row by row into ``out``.

    The row maximum is subtracted before exponentiating, so every exponent is
    <= 0: nothing overflows and at least one term per row equals 1. On return
    ``rowmax`` holds the row maxima and ``rowsum`` the sums of the shifted
    exponentials, so ``log(rowsum) + rowmax`` is the log-sum-exp.
    """
    np.max(raw, axis=1, out=rowmax)
    np.subtract(raw, rowmax[:, None], out=out)
    np.exp(out, out=out)
    np.sum(out, axis=1, out=rowsum)
    out /= rowsum[:, None]


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

"""Compiled gradient/Hessian kernels: the optional numba backend.

Each kernel reads a row block of margins once and writes the gradient and
the scaled, floored Hessian in the same pass, computing in float64 whatever
the margins' dtype. numpy needs at least four passes over each block (exp,
row sums, scaling, ``p - p**2``), which alone take about 2.5 times the
memory-traffic floor (the "numpy lower bound" row of
``benchmarks/bench_objectives.py``).

Rows are processed in chunks of about ``_CHUNK`` elements held in L1 cache:
shifted margins are exponentiated by a loop that the compiler vectorises
(``_exp_nonpositive``: no calls into libm, which would not vectorise),
then each row is finished from the cached exponentials.

Every kernel returns ``(bad_raw, bad_out)``: the first row of the block
whose margins are not finite (the kernel stops there), and, if ``check`` is
true, the first row whose outputs are not finite (they overflowed); -1 if
there is none. Reading the outputs back costs about a sixth of the kernel's
time, so it is done only when asked (the safe mode).

This module imports numba at import time; ``boostobj.objectives`` imports it
only when the numba backend is used.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Elements of one chunk: its exponentials and scaling words fit in L1 cache.
_CHUNK = 1024

# exp(x) = 2**n * exp(x - n ln 2) with ln 2 split in two (Cody and Waite):
# _LN2_HI has trailing zero bits, so n * _LN2_HI is exact for |n| < 2**11.
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# Degree-11 polynomial for exp on |r| <= ln(2)/2: a least-squares fit of the
# relative error at 400 Chebyshev nodes, in 50-digit arithmetic (mpmath),
# rounded to float64. Its relative error, rounding of the coefficients
# included, is below 2.5e-17 (0.23 ulp); c0 = c1 = 1 exactly.
_C2 = 0.5000000000000018
_C3 = 0.16666666666666147
_C4 = 0.04166666666649316
_C5 = 0.008333333333569098
_C6 = 0.0013888888951133485
_C7 = 0.00019841269413815112
_C8 = 2.480148660775664e-05
_C9 = 2.7557638344026344e-06
_C10 = 2.763226447373137e-07
_C11 = 2.4989491355772434e-08
# Below this, exp rounds to 0 in float64.
_EXP_MIN = -745.5

# Fused multiply-add only: every other IEEE rule (NaN, inf, order of
# operations) is kept.
_FLAGS = {"contract"}
_JIT = {"nogil": True, "cache": True, "fastmath": _FLAGS}


@njit(**_JIT)
def _exp_nonpositive(x, m, bits_lo, bits_hi):
    """``x[:m] = exp(x[:m])`` for ``x <= 0``, within about 1 ulp of ``np.exp``.

    The power of two is applied as two factors ``2**(n // 2)`` and
    ``2**(n - n // 2)``: each is a normal number down to the smallest
    subnormal result, so results below 2**-1022 come out as subnormals, as
    from ``np.exp``, instead of being flushed to zero.
    """
    for j in range(m):
        v = max(x[j], _EXP_MIN)
        n = np.floor(v * _LOG2E + 0.5)
        r = v - n * _LN2_HI
        r = r - n * _LN2_LO
        q = _C11
        q = q * r + _C10
        q = q * r + _C9
        q = q * r + _C8
        q = q * r + _C7
        q = q * r + _C6
        q = q * r + _C5
        q = q * r + _C4
        q = q * r + _C3
        q = q * r + _C2
        q = q * r + 1.0
        q = q * r + 1.0
        ni = np.int64(n)
        half = ni >> 1
        bits_lo[j] = (half + 1023) << 52
        bits_hi[j] = (ni - half + 1023) << 52
        x[j] = q
    lo = bits_lo.view(np.float64)
    hi = bits_hi.view(np.float64)
    for j in range(m):
        x[j] = x[j] * lo[j] * hi[j]


@njit(**_JIT)
def _shifted_chunk(z, i0, rows, e):
    """``e`` <- margins of ``rows`` rows from ``i0``, minus each row's maximum.

    Returns the first row (relative to ``i0``) with a NaN or infinite
    margin, or -1.
    """
    k_count = z.shape[1]
    for i in range(rows):
        top = z[i0 + i, 0] * 1.0
        finite = top - top
        for k in range(1, k_count):
            v = z[i0 + i, k] * 1.0
            finite += v - v  # NaN as soon as one margin is NaN or infinite
            top = v if v > top else top
        if finite != 0.0:
            return i
        base = i * k_count
        for k in range(k_count):
            e[base + k] = z[i0 + i, k] - top
    return -1


@njit(**_JIT)
def _chunk_rows(k_count):
    return max(1, _CHUNK // k_count)


@njit(**_JIT)
def _set_aside_labels(e, codes, i0, rows, k_count, at_label):
    """Move each row's label exponential from ``e`` into ``at_label``, leaving 0.

    The row sums of ``e`` are then the sums of the other exponentials, so
    ``1 - p_c`` is ``other / total`` without cancelling. (A loop of its own:
    stores just before the row sums would stall their loads.)
    """
    for i in range(rows):
        j = i * k_count + codes[i0 + i]
        at_label[i] = e[j]
        e[j] = 0.0


@njit(**_JIT)
def _first_nonfinite_row(grad, hess, i0, rows):
    """First row of ``rows`` rows from ``i0`` with a non-finite output, or -1."""
    for i in range(i0, i0 + rows):
        check = 0.0
        for k in range(grad.shape[1]):
            check += grad[i, k] * 0.0 + hess[i, k] * 0.0
        if check != 0.0:
            return i
    return -1


@njit(**_JIT)
def _class_weights(class_w, i, out):
    """``out`` <- row ``i`` of per-class weights with 0 (all 1), 1 or n rows.

    Writes only when the row changes: loops then read ``out`` without branches.
    """
    if class_w.shape[0] > 1 or i == 0:
        for k in range(out.shape[0]):
            out[k] = 1.0 if class_w.shape[0] == 0 else class_w[min(i, class_w.shape[0] - 1), k]


@njit(**_JIT)
def xent_hard(z, codes, label_w, grad, hess, scale, floor, check):
    """Softmax cross-entropy, class-id labels.

    ``label_w`` is the weight of each row's label class (empty: 1).
    """
    n, k_count = z.shape
    chunk = _chunk_rows(k_count)
    e = np.empty(chunk * k_count)
    bits_lo = np.empty(chunk * k_count, dtype=np.int64)
    bits_hi = np.empty(chunk * k_count, dtype=np.int64)
    weighted = label_w.shape[0] > 0
    at_labels = np.empty(chunk)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _shifted_chunk(z, i0, rows, e)
        if bad >= 0:
            return i0 + bad, bad_out
        _exp_nonpositive(e, rows * k_count, bits_lo, bits_hi)
        _set_aside_labels(e, codes, i0, rows, k_count, at_labels)
        for i in range(rows):
            row = i0 + i
            base = i * k_count
            c = codes[row]
            other = 0.0
            for k in range(k_count):
                other += e[base + k]
            at_label = at_labels[i]
            inv = 1.0 / (other + at_label)
            a = label_w[row] * 1.0 if weighted else 1.0
            for k in range(k_count):
                p = e[base + k] * inv
                grad[row, k] = a * p
                hess[row, k] = max(a * p * (1.0 - p) * scale, floor)
            not_label = other * inv
            grad[row, c] = -a * not_label
            hess[row, c] = max(a * (at_label * inv) * not_label * scale, floor)
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out


@njit(**_JIT)
def xent_soft(z, probs, class_w, row_w, grad, hess, scale, floor, check):
    """Softmax cross-entropy, soft labels ``probs``.

    ``class_w`` has 0 (all 1), 1 or n rows; ``row_w`` is empty (all 1) or (n,).
    """
    n, k_count = z.shape
    chunk = _chunk_rows(k_count)
    e = np.empty(chunk * k_count)
    bits_lo = np.empty(chunk * k_count, dtype=np.int64)
    bits_hi = np.empty(chunk * k_count, dtype=np.int64)
    a = np.empty(k_count)
    wk = np.empty(k_count)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _shifted_chunk(z, i0, rows, e)
        if bad >= 0:
            return i0 + bad, bad_out
        _exp_nonpositive(e, rows * k_count, bits_lo, bits_hi)
        for i in range(rows):
            row = i0 + i
            base = i * k_count
            _class_weights(class_w, row, wk)
            rw = row_w[row] * 1.0 if row_w.shape[0] > 0 else 1.0
            total = 0.0
            a_total = 0.0
            for k in range(k_count):
                total += e[base + k]
                a[k] = probs[row, k] * wk[k] * rw
                a_total += a[k]
            inv = 1.0 / total
            for k in range(k_count):
                p = e[base + k] * inv
                grad[row, k] = a_total * p - a[k]
                hess[row, k] = max(a_total * p * (1.0 - p) * scale, floor)
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out


@njit(**_JIT)
def _brier_terms(p, w, r, s, q, exact):
    """Gradient and Hessian diagonal of one entry, before the factor 2 (row weight)."""
    if exact:
        d = p * ((1.0 - 2.0 * p) * (r - s + w * p) + p * q)
    else:
        d = p * p * max(w * (1.0 - 2.0 * p) + q, 0.0)  # see WeightedBrier._clamp_note
    return p * (r - s), d


@njit(**_JIT)
def brier(z, codes, probs, class_w, row_w, exact, grad, hess, scale, floor, check):
    """Weighted Brier score on softmax outputs; Gauss-Newton or exact diagonal.

    Labels are class ids ``codes`` when ``codes`` is not empty, else the
    soft labels ``probs``. ``class_w`` and ``row_w`` as in ``xent_soft``.
    """
    n, k_count = z.shape
    hard = codes.shape[0] > 0
    chunk = _chunk_rows(k_count)
    e = np.empty(chunk * k_count)
    bits_lo = np.empty(chunk * k_count, dtype=np.int64)
    bits_hi = np.empty(chunk * k_count, dtype=np.int64)
    r = np.empty(k_count)
    wk = np.empty(k_count)
    at_labels = np.zeros(chunk)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _shifted_chunk(z, i0, rows, e)
        if bad >= 0:
            return i0 + bad, bad_out
        _exp_nonpositive(e, rows * k_count, bits_lo, bits_hi)
        if hard:
            _set_aside_labels(e, codes, i0, rows, k_count, at_labels)
        for i in range(rows):
            row = i0 + i
            base = i * k_count
            _class_weights(class_w, row, wk)
            other = 0.0
            for k in range(k_count):
                other += e[base + k]
            at_label = at_labels[i]
            inv = 1.0 / (other + at_label)
            # p in place of the exponentials; r = w (p - y); Q = sum w p^2; S = sum p r.
            # With class ids the label entry is 0 here and is added afterwards
            # (storing it into e would stall the loads of the next loop).
            q = 0.0
            s = 0.0
            for k in range(k_count):
                p = e[base + k] * inv
                e[base + k] = p
                w = wk[k]
                rk = w * (p if hard else p - probs[row, k])
                r[k] = rk
                q += w * p * p
                s += p * rk
            if hard:
                c = codes[row]
                p_c = at_label * inv
                w_c = wk[c]
                r_c = -w_c * (other * inv)  # p_c - 1 without cancelling
                q += w_c * p_c * p_c
                s += p_c * r_c
            factor = 2.0 * (row_w[row] if row_w.shape[0] > 0 else 1.0)
            if exact:
                for k in range(k_count):
                    g, d = _brier_terms(e[base + k], wk[k], r[k], s, q, True)
                    grad[row, k] = factor * g
                    hess[row, k] = max(factor * d * scale, floor)
            else:
                for k in range(k_count):
                    g, d = _brier_terms(e[base + k], wk[k], r[k], s, q, False)
                    grad[row, k] = factor * g
                    hess[row, k] = max(factor * d * scale, floor)
            if hard:
                g, d = _brier_terms(p_c, w_c, r_c, s, q, exact)
                grad[row, c] = factor * g
                hess[row, c] = max(factor * d * scale, floor)
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out

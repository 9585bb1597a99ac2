"""Compiled gradient/Hessian kernels: the optional numba backend.

Each kernel reads a row block of margins once and writes the gradient and
the scaled, floored Hessian in the same pass, computing in the margins'
dtype (float32 margins: float32 arithmetic, twice the vector lanes).
Weights and soft labels arrive as float64: the cross-entropy kernels form
their products in float64 and round them once, as the numpy backend does;
the Brier kernel rounds weights and labels separately (a rounding
difference only). numpy needs at least four passes over each block (exp,
row sums, scaling, ``p - p**2``), which alone take about 2.5 times the
memory-traffic floor (the "numpy lower bound" row of
``benchmarks/bench_objectives.py``).

Rows are processed in chunks of about ``_CHUNK`` elements held in L1 cache.
A chunk's margins are exponentiated by one loop that the compiler vectorises
(no calls into libm, which would not vectorise): as they are when they all
lie within ``_UNSHIFTED_MAX`` (no row maxima, the margins are read once),
else each row shifted by its maximum (``_exp_nonpositive``). Each row is
then finished from the cached exponentials. Powers of two are built from
their exponent bits in registers (``_from_bits``), not through memory.

Compilation (each kernel, once per combination of argument types; cached on
disk) mostly costs numba's typing, not LLVM's optimisation: the per-chunk
helpers are therefore ordinary compiled functions, typed once and shared by
every kernel that calls them with the same types, and only the small
functions called inside per-row and per-element loops are inlined by numba
(LLVM inlines the small shared ones anyway).

Every kernel returns ``(bad_raw, bad_out, bad_label)``: the first row of
the block whose margins are not finite (the kernel stops there); if
``check`` is true, the first row whose outputs are not finite (they
overflowed); and the first row whose class id is outside ``[0, K)`` (the
kernel stops there too); -1 where there is none. Reading the outputs back
costs about a sixth of the kernel's time, so it is done only when asked (the
safe mode).

The kernels never read or write outside their arrays, whatever their
inputs hold: numba does not check indices, so the kernels check what they
index with themselves. Array shapes are checked on entry (``ValueError``)
and each class id is read once, checked, and kept in a chunk-local array
that the rest of the kernel indexes with.

This module imports numba at import time; ``boostobj.objectives`` imports it
only when the numba backend is used.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

# Elements of one chunk: its exponentials and scaling words fit in L1 cache.
_CHUNK = 1024

# Fused multiply-add only: every other IEEE rule (NaN, inf, order of
# operations) is kept.
_FLAGS = {"contract"}
_JIT = {"nogil": True, "cache": True, "fastmath": _FLAGS}


def _typed(like, value):
    """``value`` as a scalar of the float type of ``like`` (an array or a scalar).

    Compiled code only: literals such as ``1.0`` are float64 and would turn
    float32 arithmetic into float64.
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_typed)
def _typed_overload(like, value):
    dtype = like.dtype if isinstance(like, types.Array) else like
    if dtype == types.float32:
        return lambda like, value: np.float32(value)
    return lambda like, value: np.float64(value)


# exp(x) = 2**n * exp(x - n ln 2) with ln 2 split in two (Cody and Waite): the
# high part has trailing zero bits, so n * ln2_hi is exact over the range.
# The polynomials are least-squares fits of the relative error at Chebyshev
# nodes on |r| <= ln(2)/2, computed in 50-digit arithmetic (mpmath): degree 11
# for float64 (error below 2.5e-17, 0.23 ulp, coefficients rounded; c0 = c1 =
# 1 exactly), degree 6 for float32 (1.9e-9, 0.03 ulp).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
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
_EXP_MIN = -745.5  # below this, exp rounds to 0 in float64

_F32_LOG2E = np.float32(1.4426950408889634)
_F32_LN2_HI = np.float32(0.693359375)
_F32_LN2_LO = np.float32(-2.12194440e-4)
_F32_D0 = np.float32(1.0000000005920204)
_F32_D1 = np.float32(1.0000000361258987)
_F32_D2 = np.float32(0.49999991493036766)
_F32_D3 = np.float32(0.1666642083211924)
_F32_D4 = np.float32(0.04166835803302723)
_F32_D5 = np.float32(0.008374771520111705)
_F32_D6 = np.float32(0.0013829420595685025)
_F32_EXP_MIN = np.float32(-104.0)  # below this, exp rounds to 0 in float32
_F32_HALF = np.float32(0.5)


def _from_bits(bits):
    """The float whose bit pattern is ``bits`` (int64: float64, int32: float32).

    Compiled code only. A bit cast between registers, so that loops which
    build powers of two from their exponent bits still vectorise.
    """
    raise NotImplementedError("only callable from compiled code")


@intrinsic
def _from_bits_intrinsic(typingctx, bits):
    if bits == types.int64:
        result = types.float64
    elif bits == types.int32:
        result = types.float32
    else:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(sig.return_type))

    return result(bits), codegen


@overload(_from_bits)
def _from_bits_overload(bits):
    return lambda bits: _from_bits_intrinsic(bits)


@njit(inline="always", **_JIT)
def _poly64(r):
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
    return q * r + 1.0


@njit(inline="always", **_JIT)
def _poly32(r):
    q = _F32_D6
    q = q * r + _F32_D5
    q = q * r + _F32_D4
    q = q * r + _F32_D3
    q = q * r + _F32_D2
    q = q * r + _F32_D1
    return q * r + _F32_D0


def _exp64(x, m):
    for j in range(m):
        v = max(x[j], _EXP_MIN)
        n = np.floor(v * _LOG2E + 0.5)
        r = v - n * _LN2_HI
        r = r - n * _LN2_LO
        ni = np.int64(n)
        half = ni >> 1
        lo = _from_bits((half + 1023) << 52)
        hi = _from_bits((ni - half + 1023) << 52)
        x[j] = _poly64(r) * lo * hi


def _exp32(x, m):
    for j in range(m):
        v = max(x[j], _F32_EXP_MIN)
        n = np.floor(v * _F32_LOG2E + _F32_HALF)
        r = v - n * _F32_LN2_HI
        r = r - n * _F32_LN2_LO
        ni = np.int32(n)
        half = ni >> 1
        lo = _from_bits(np.int32((half + 127) << 23))
        hi = _from_bits(np.int32((ni - half + 127) << 23))
        x[j] = _poly32(r) * lo * hi


def _exp_nonpositive(x, m):
    """``x[:m] = exp(x[:m])`` for ``x <= 0``, in the dtype of ``x``.

    Within 2 ulp of ``np.exp`` (tests/test_backends.py). The power of two is
    applied as two factors ``2**(n // 2)`` and ``2**(n - n // 2)``: each is
    a normal number down to the smallest subnormal result, so tiny results
    come out as subnormals, as from ``np.exp``, instead of being flushed to
    zero. Compiled code only (see :func:`exp_nonpositive`).
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_exp_nonpositive)
def _exp_overload(x, m):
    return _exp32 if x.dtype == types.float32 else _exp64


@njit(**_JIT)
def exp_nonpositive(x):
    """``exp(x)`` in place for a 1-D float32/float64 array of values <= 0."""
    _exp_nonpositive(x, x.shape[0])


# Margins within these bounds are exponentiated without subtracting the row
# maximum: no exponential overflows or is subnormal, every row sums to a
# normal number, and every probability above 2**-866 (float64) or 2**-115
# (float32) comes from normal numbers, so it keeps full precision.
_UNSHIFTED_MAX = 300.0
_F32_UNSHIFTED_MAX = np.float32(40.0)


def _exp_unshifted64(src, e, m):
    outside = 0
    for j in range(m):
        v = src[j]
        inside = abs(v) <= _UNSHIFTED_MAX  # false for NaN too
        outside += not inside
        n = np.floor(v * _LOG2E + 0.5)
        r = v - n * _LN2_HI
        r = r - n * _LN2_LO
        ni = np.int64(n) if inside else np.int64(0)
        e[j] = _poly64(r) * _from_bits((ni + 1023) << 52)
    return outside


def _exp_unshifted32(src, e, m):
    outside = 0
    for j in range(m):
        v = src[j]
        inside = abs(v) <= _F32_UNSHIFTED_MAX
        outside += not inside
        n = np.floor(v * _F32_LOG2E + _F32_HALF)
        r = v - n * _F32_LN2_HI
        r = r - n * _F32_LN2_LO
        ni = np.int32(n) if inside else np.int32(0)
        e[j] = _poly32(r) * _from_bits(np.int32((ni + 127) << 23))
    return outside


def _exp_unshifted(src, e, m):
    """``e[:m] = exp(src[:m])``; returns how many ``src`` lie outside the bounds (or are NaN).

    Where that count is not 0, ``e`` holds garbage. Compiled code only.
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_exp_unshifted)
def _exp_unshifted_overload(src, e, m):
    return _exp_unshifted32 if src.dtype == types.float32 else _exp_unshifted64


@njit(**_JIT)
def exp_bounded(x):
    """``exp(x)`` in place for a 1-D float32/float64 array within ``_UNSHIFTED_MAX``.

    Returns how many entries lie outside the bounds or are NaN (those hold
    garbage). The exponentials of the kernels' unshifted chunks.
    """
    return _exp_unshifted(x, x, x.shape[0])


def _chunk_source(z, i0, rows, buf):
    """Rows ``i0 .. i0 + rows`` of ``z`` as one contiguous run.

    A view for C order, else copied into ``buf``. Compiled code only.
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_chunk_source)
def _chunk_source_overload(z, i0, rows, buf):
    if z.layout == "C":

        def view(z, i0, rows, buf):
            k_count = z.shape[1]
            return z.reshape(-1)[i0 * k_count : (i0 + rows) * k_count]

        return view

    def copy(z, i0, rows, buf):
        k_count = z.shape[1]
        for i in range(rows):
            for k in range(k_count):
                buf[i * k_count + k] = z[i0 + i, k]
        return buf

    return copy


# Long rows are reduced in four interleaved partial results: one accumulator
# is a chain of dependent additions (4 cycles each), which at K = 1000 costs
# more than the rest of the kernel. Short rows keep one accumulator, which
# is faster there (the processor overlaps the chains of successive rows).
# Either way the order is fixed: results do not depend on the machine's
# vector width or on the number of threads.
_LONG_ROW = 32


@njit(inline="always", **_JIT)
def _row_sum(a, base, k_count):
    """``sum(a[base:base + k_count])``, in the dtype of ``a``."""
    if k_count < _LONG_ROW:
        total = _typed(a, 0.0)
        for k in range(k_count):
            total += a[base + k]
        return total
    s0 = s1 = s2 = s3 = _typed(a, 0.0)
    k = 0
    while k + 4 <= k_count:
        s0 += a[base + k]
        s1 += a[base + k + 1]
        s2 += a[base + k + 2]
        s3 += a[base + k + 3]
        k += 4
    while k < k_count:
        s0 += a[base + k]
        k += 1
    return (s0 + s1) + (s2 + s3)


def _weight(w, k, one):
    """``w[k]``, or ``one`` where ``w`` is None (all weights 1). Compiled code only.

    Chosen when compiling: code without weights then loads and multiplies nothing.
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_weight)
def _weight_overload(w, k, one):
    if isinstance(w, types.NoneType):
        return lambda w, k, one: one
    return lambda w, k, one: w[k]


@njit(inline="always", **_JIT)
def _row_sums_and_squares(e, base, k_count, w, c, at):
    """``sum(u)`` and ``sum(w * u**2)`` for ``u = e[base:base + K]`` with ``u[c] = at``.

    ``c = -1`` replaces nothing; ``w`` None: all weights 1. Summed in the
    order of :func:`_row_sum` (two independent chains), so a row whose
    entry ``c`` was set to 0 in ``e`` and one where it is replaced by 0 give
    the same sums.
    """
    one = _typed(e, 1.0)
    if k_count < _LONG_ROW:
        total = squares = _typed(e, 0.0)
        for k in range(k_count):
            v = at if k == c else e[base + k]
            total += v
            squares += _weight(w, k, one) * v * v
        return total, squares
    s0 = s1 = s2 = s3 = _typed(e, 0.0)
    t0 = t1 = t2 = t3 = _typed(e, 0.0)
    k = 0
    while k + 4 <= k_count:
        v0 = at if k == c else e[base + k]
        v1 = at if k + 1 == c else e[base + k + 1]
        v2 = at if k + 2 == c else e[base + k + 2]
        v3 = at if k + 3 == c else e[base + k + 3]
        s0 += v0
        s1 += v1
        s2 += v2
        s3 += v3
        t0 += _weight(w, k, one) * v0 * v0
        t1 += _weight(w, k + 1, one) * v1 * v1
        t2 += _weight(w, k + 2, one) * v2 * v2
        t3 += _weight(w, k + 3, one) * v3 * v3
        k += 4
    while k < k_count:
        v0 = at if k == c else e[base + k]
        s0 += v0
        t0 += _weight(w, k, one) * v0 * v0
        k += 1
    return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)


@njit(**_JIT)
def _scaled_squares(e, base, k_count, w, c, at, inv):
    """``sum(w * (u * inv)**2)`` for ``u`` as in :func:`_row_sums_and_squares`.

    For the rare row whose unshifted ``sum(w * u**2)`` overflowed (large
    weights times exponentials of margins near the unshifted bound):
    normalised first, each term is at most ``w``.
    """
    squares = _typed(e, 0.0)
    one = _typed(e, 1.0)
    for k in range(k_count):
        v = (at if k == c else e[base + k]) * inv
        squares += _weight(w, k, one) * v * v
    return squares


@njit(inline="always", **_JIT)
def _row_max_if_finite(z, i):
    """Maximum of row ``i`` of ``z``, or NaN if the row holds NaN or infinity."""
    k_count = z.shape[1]
    nan = _typed(z, np.nan)
    if k_count < _LONG_ROW:
        top = z[i, 0]
        finite = top - top
        for k in range(1, k_count):
            v = z[i, k]
            finite += v - v  # NaN as soon as one margin is NaN or infinite
            top = v if v > top else top
        return top if finite == 0 else nan
    m0 = m1 = m2 = m3 = z[i, 0]
    f0 = f1 = f2 = f3 = _typed(z, 0.0)
    k = 0
    while k + 4 <= k_count:
        v0 = z[i, k]
        v1 = z[i, k + 1]
        v2 = z[i, k + 2]
        v3 = z[i, k + 3]
        f0 += v0 - v0
        f1 += v1 - v1
        f2 += v2 - v2
        f3 += v3 - v3
        m0 = v0 if v0 > m0 else m0
        m1 = v1 if v1 > m1 else m1
        m2 = v2 if v2 > m2 else m2
        m3 = v3 if v3 > m3 else m3
        k += 4
    while k < k_count:
        v0 = z[i, k]
        f0 += v0 - v0
        m0 = v0 if v0 > m0 else m0
        k += 1
    if (f0 + f1) + (f2 + f3) != 0:
        return nan
    return max(max(m0, m1), max(m2, m3))


@njit(**_JIT)
def _shifted_chunk(z, i0, rows, e):
    """``e`` <- margins of ``rows`` rows from ``i0``, minus each row's maximum.

    Returns the first row (relative to ``i0``) with a NaN or infinite
    margin, or -1.
    """
    k_count = z.shape[1]
    for i in range(rows):
        top = _row_max_if_finite(z, i0 + i)
        if top != top:
            return i
        base = i * k_count
        for k in range(k_count):
            e[base + k] = z[i0 + i, k] - top
    return -1


@njit(**_JIT)
def _exp_chunk(z, i0, rows, e, buf):
    """``e`` <- exponentials of ``rows`` rows of margins from ``i0``, row-major.

    Margins within ``_UNSHIFTED_MAX`` are exponentiated as they are (one
    pass, no row maxima); otherwise the whole chunk is redone with each row
    shifted by its maximum. Returns the first row (relative to ``i0``) with
    a NaN or infinite margin, or -1. ``buf`` is scratch of ``e``'s size.
    """
    m = rows * z.shape[1]
    if _exp_unshifted(_chunk_source(z, i0, rows, buf), e, m) == 0:
        return -1
    bad = _shifted_chunk(z, i0, rows, e)
    if bad < 0:
        _exp_nonpositive(e, m)
    return bad


@njit(**_JIT)
def _chunk_rows(k_count):
    return max(1, _CHUNK // k_count)


@njit(**_JIT)
def _set_aside_labels(e, codes, i0, rows, k_count, at_label, labels):
    """Move each row's label exponential from ``e`` into ``at_label``, leaving 0.

    The row sums of ``e`` are then the sums of the other exponentials, so
    ``1 - p_c`` is ``other / total`` without cancelling. (A loop of its own:
    stores just before the row sums would stall their loads.) Each class id
    is read once into ``labels``, after checking it lies in ``[0, K)``: the
    first row (relative to ``i0``) where it does not is returned, else -1.
    """
    for i in range(rows):
        c = codes[i0 + i]
        if c < 0 or c >= k_count:  # predictable: costs nothing measurable
            return i
        labels[i] = c
        j = i * k_count + c
        at_label[i] = e[j]
        e[j] = 0
    return -1


@njit(**_JIT)
def _check_shapes(z, grad, hess, codes, probs, class_w, row_w):
    """Raise ``ValueError`` unless the arrays fit ``z`` (n, K); empty ones mean absent."""
    n, k_count = z.shape
    if k_count < 1:
        raise ValueError("kernel margins must have at least one column")
    if grad.shape != z.shape or hess.shape != z.shape:
        raise ValueError("kernel outputs must have the shape of the margins")
    if codes.shape[0] != 0 and codes.shape[0] != n:
        raise ValueError("kernel class ids must have one entry per row")
    if probs.shape[0] != 0 and (probs.shape[0] != n or probs.shape[1] != k_count):
        raise ValueError("kernel soft labels must have the shape of the margins")
    m = class_w.shape[0]
    if m != 0 and ((m != 1 and m != n) or class_w.shape[1] != k_count):
        raise ValueError("kernel class weights must have 1 or n rows of K columns")
    if row_w.shape[0] != 0 and row_w.shape[0] != n:
        raise ValueError("kernel row weights must have one entry per row")


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


@njit(inline="always", **_JIT)
def _class_weights(class_w, i, out):
    """``out`` <- row ``i`` of per-class weights with 0 (all 1), 1 or n rows.

    Writes only when the row changes: loops then read ``out`` without branches.
    Entries of ``out`` past the K classes are left as they are.
    """
    if class_w.shape[0] > 1 or i == 0:
        for k in range(out.shape[0] if class_w.shape[0] == 0 else class_w.shape[1]):
            out[k] = 1 if class_w.shape[0] == 0 else class_w[min(i, class_w.shape[0] - 1), k]


def _flat_if_c(a):
    """``a`` as a flat view if it is C-ordered, else an empty array. Compiled code only."""
    raise NotImplementedError("only callable from compiled code")


@overload(_flat_if_c)
def _flat_if_c_overload(a):
    if a.layout == "C":
        return lambda a: a.reshape(-1)
    return lambda a: np.empty(0, dtype=a.dtype)


# Absent arguments for _check_shapes (module constants: frozen into the kernels).
_NO_CODES = np.empty(0, dtype=np.intp)
_NO_PROBS = np.empty((0, 0), dtype=np.float64)
_NO_CLASS_W = np.empty((0, 0), dtype=np.float64)

# The kernels compute in the dtype of z (``scale`` and ``floor`` come in it);
# weights and soft labels come as float64 (see the module docstring).


@njit(**_JIT)
def xent_hard(z, codes, label_w, grad, hess, scale, floor, check):
    """Softmax cross-entropy, class-id labels.

    ``label_w`` is the weight of each row's label class (empty: 1).
    """
    n, k_count = z.shape
    _check_shapes(z, grad, hess, codes, _NO_PROBS, _NO_CLASS_W, label_w)
    if codes.shape[0] != n:
        raise ValueError("kernel class ids must have one entry per row")
    one = _typed(z, 1.0)
    chunk = _chunk_rows(k_count)
    e = np.empty(chunk * k_count, dtype=z.dtype)
    buf = np.empty(chunk * k_count, dtype=z.dtype)
    weighted = label_w.shape[0] > 0
    at_labels = np.empty(chunk, dtype=z.dtype)
    labels = np.empty(chunk, dtype=np.intp)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _exp_chunk(z, i0, rows, e, buf)
        if bad >= 0:
            return i0 + bad, bad_out, -1
        bad = _set_aside_labels(e, codes, i0, rows, k_count, at_labels, labels)
        if bad >= 0:
            return -1, bad_out, i0 + bad
        for i in range(rows):
            row = i0 + i
            base = i * k_count
            c = labels[i]
            other = _row_sum(e, base, k_count)
            at_label = at_labels[i]
            inv = one / (other + at_label)
            a = _typed(z, label_w[row]) if weighted else one
            for k in range(k_count):
                p = e[base + k] * inv
                grad[row, k] = a * p
                hess[row, k] = max(a * p * (one - p) * scale, floor)
            not_label = other * inv
            grad[row, c] = -a * not_label
            hess[row, c] = max(a * (at_label * inv) * not_label * scale, floor)
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out, -1


@njit(**_JIT)
def xent_soft(z, probs, class_w, row_w, grad, hess, scale, floor, check):
    """Softmax cross-entropy, soft labels ``probs``.

    ``class_w`` has 0 (all 1), 1 or n rows; ``row_w`` is empty (all 1) or (n,).
    """
    n, k_count = z.shape
    _check_shapes(z, grad, hess, _NO_CODES, probs, class_w, row_w)
    if n > 0 and (probs.shape[0] != n or probs.shape[1] != k_count):
        raise ValueError("kernel soft labels must have the shape of the margins")
    one = _typed(z, 1.0)
    chunk = _chunk_rows(k_count)
    e = np.empty(chunk * k_count, dtype=z.dtype)
    buf = np.empty(chunk * k_count, dtype=z.dtype)
    a64 = np.empty(k_count)
    a = np.empty(k_count, dtype=z.dtype)
    wk = np.empty(k_count)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _exp_chunk(z, i0, rows, e, buf)
        if bad >= 0:
            return i0 + bad, bad_out, -1
        for i in range(rows):
            row = i0 + i
            base = i * k_count
            _class_weights(class_w, row, wk)
            rw = row_w[row] if row_w.shape[0] > 0 else 1.0
            for k in range(k_count):
                a64[k] = probs[row, k] * wk[k] * rw
                a[k] = a64[k]
            a_total = _typed(z, _row_sum(a64, 0, k_count))
            inv = one / _row_sum(e, base, k_count)
            for k in range(k_count):
                p = e[base + k] * inv
                grad[row, k] = a_total * p - a[k]
                hess[row, k] = max(a_total * p * (one - p) * scale, floor)
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out, -1


@njit(inline="always", **_JIT)
def _brier_exact_terms(p, w, r, s, q):
    """Gradient and exact Hessian diagonal of one entry, before the factor 2 (row weight)."""
    one = _typed(p, 1.0)
    two = _typed(p, 2.0)
    return p * (r - s), p * ((one - two * p) * (r - s + w * p) + p * q)


@njit(inline="always", **_JIT)
def _brier_gn_terms(p, w, r, s, q, factor, scale, floor):
    """Gradient and scaled, floored Gauss-Newton diagonal of one entry (row factor included)."""
    one = _typed(p, 1.0)
    two = _typed(p, 2.0)
    d = p * p * max(w * (one - two * p) + q, _typed(p, 0.0))  # WeightedBrier._clamp_note
    return factor * (p * (r - s)), max(factor * d * scale, floor)


# Without fused multiply-adds: the Gauss-Newton diagonal cancels where
# w (1 - 2p) is close to -Q, and the compiler fuses the class-id and the
# soft-label loops differently; unfused, one-hot soft labels give the same
# bits as class ids (tests/test_numba_kernels.py).
_BRIER_JIT = {"nogil": True, "cache": True}


@njit(**_BRIER_JIT)
def _brier_id_rows_exact(
    e, at_labels, labels, i0, rows, class_w, row_w, loss_scale, grad, hess, scale, floor, wk
):
    """Rows ``i0 .. i0 + rows`` of :func:`brier` for class ids, exact Hessian diagonal.

    From a chunk's exponentials whose label entries are 0, set aside in
    ``at_labels`` (:func:`_set_aside_labels`). r = w (p - y), Q = sum w p^2,
    S = sum p r.
    """
    k_count = grad.shape[1]
    for i in range(rows):
        row = i0 + i
        base = i * k_count
        _class_weights(class_w, row, wk)
        rw = loss_scale * (row_w[row] if row_w.shape[0] > 0 else 1.0)
        factor = _typed(e, 2.0 * rw)
        c = labels[i]
        # The label entry of e is 0 here: sums over the other classes, then
        # the label's terms, without cancelling (1 - p_c = other / total).
        at_label = at_labels[i]
        other, squares = _row_sums_and_squares(e, base, k_count, wk, -1, at_label)
        inv = _typed(e, 1.0) / (other + at_label)
        p_c = at_label * inv
        r_c = -wk[c] * (other * inv)  # w_c (p_c - 1)
        q_other = squares * inv * inv
        if not squares < np.inf:  # overflowed: see _scaled_squares
            q_other = _scaled_squares(e, base, k_count, wk, -1, at_label, inv)
        q = q_other + wk[c] * p_c * p_c
        s = q_other + p_c * r_c
        # The other classes (r = w p), then the label's entries.
        for k in range(k_count):
            p = e[base + k] * inv
            g, d = _brier_exact_terms(p, wk[k], wk[k] * p, s, q)
            grad[row, k] = factor * g
            hess[row, k] = max(factor * d * scale, floor)
        g, d = _brier_exact_terms(p_c, wk[c], r_c, s, q)
        grad[row, c] = factor * g
        hess[row, c] = max(factor * d * scale, floor)


@njit(**_BRIER_JIT)
def _brier_id_rows_gn(
    e, at_labels, labels, i0, rows, class_w, row_w, loss_scale, grad, hess, scale, floor, wk, sum_w
):
    """As :func:`_brier_id_rows_exact`, Gauss-Newton diagonal (:func:`_brier_gn_terms`).

    The row terms are written out in both, not in a shared inlined helper:
    numba then kept its references on the arrays passed to it in the row
    loop (atomic updates, about twice the time).

    ``wk`` (the row's class weights) and ``e`` have ``64 // e.itemsize``
    entries to spare (``wk`` holding ones there). ``sum_w`` is ``wk``, or
    None without class weights: the row sums and the entries then skip them
    (a weight 1 multiplies exactly: the same bits).
    """
    k_count = grad.shape[1]
    one = _typed(e, 1.0)
    # C-ordered outputs: each row's loop runs over whole vectors of 64 bytes
    # (no scalar leftovers), past the row's end into the next row, which
    # overwrites those entries (it comes later); e and wk are padded for it.
    # Only the last rows, without a next row, stop at K.
    lanes = 64 // e.itemsize
    k_pad = (k_count + lanes - 1) // lanes * lanes
    g_flat = _flat_if_c(grad)
    h_flat = _flat_if_c(hess)
    flat_end = min(g_flat.shape[0], h_flat.shape[0])  # 0 unless both are C-ordered
    for i in range(rows):
        row = i0 + i
        base = i * k_count
        _class_weights(class_w, row, wk)
        rw = loss_scale * (row_w[row] if row_w.shape[0] > 0 else 1.0)
        factor = _typed(e, 2.0 * rw)
        c = labels[i]
        at_label = at_labels[i]
        other, squares = _row_sums_and_squares(e, base, k_count, sum_w, -1, at_label)
        inv = _typed(e, 1.0) / (other + at_label)
        p_c = at_label * inv
        w_c = _weight(sum_w, c, one)
        r_c = -w_c * (other * inv)  # w_c (p_c - 1)
        q_other = squares * inv * inv
        if not squares < np.inf:  # overflowed: see _scaled_squares
            q_other = _scaled_squares(e, base, k_count, wk, -1, at_label, inv)
        q = q_other + w_c * p_c * p_c
        s = q_other + p_c * r_c
        # The other classes (r = w p), then the label's entries.
        g_c, h_c = _brier_gn_terms(p_c, w_c, r_c, s, q, factor, scale, floor)
        out = row * k_count
        if out + k_pad <= flat_end:
            # Unsigned indices: numba then adds no wraparound of negative ones.
            e_at = np.uintp(base)
            out_at = np.uintp(out)
            for k in range(k_pad):
                p = e[e_at + np.uintp(k)] * inv
                w = _weight(sum_w, k, one)
                g, h = _brier_gn_terms(p, w, w * p, s, q, factor, scale, floor)
                g_flat[out_at + np.uintp(k)] = g
                h_flat[out_at + np.uintp(k)] = h
            g_flat[out_at + np.uintp(c)] = g_c
            h_flat[out_at + np.uintp(c)] = h_c
        else:
            for k in range(k_count):
                p = e[base + k] * inv
                w = _weight(sum_w, k, one)
                g, h = _brier_gn_terms(p, w, w * p, s, q, factor, scale, floor)
                grad[row, k] = g
                hess[row, k] = h
            grad[row, c] = g_c
            hess[row, c] = h_c


@njit(**_BRIER_JIT)
def _brier_soft_rows(
    e, probs, i0, rows, class_w, row_w, loss_scale, exact, grad, hess, scale, floor, wk, yk
):
    """Rows ``i0 .. i0 + rows`` of :func:`brier` for soft labels, from a chunk's exponentials."""
    k_count = grad.shape[1]
    one = _typed(e, 1.0)
    zero = _typed(e, 0.0)
    for i in range(rows):
        row = i0 + i
        base = i * k_count
        _class_weights(class_w, row, wk)
        rw = loss_scale * (row_w[row] if row_w.shape[0] > 0 else 1.0)
        factor = _typed(e, 2.0 * rw)
        # Q as for class ids, taking the most probable label as the label
        # (the first one of equals): one-hot soft labels then give exactly
        # the probabilities and Q of the same class ids.
        c = 0
        for k in range(k_count):
            yk[k] = probs[row, k]
            c = k if yk[k] > yk[c] else c
        at_label = e[base + c]
        other, squares = _row_sums_and_squares(e, base, k_count, wk, c, zero)
        inv = one / (other + at_label)
        p_c = at_label * inv
        q_other = squares * inv * inv
        if not squares < np.inf:  # overflowed: see _scaled_squares
            q_other = _scaled_squares(e, base, k_count, wk, c, zero, inv)
        q = q_other + wk[c] * p_c * p_c
        s = zero
        for k in range(k_count):
            p = e[base + k] * inv
            s += p * (wk[k] * (p - yk[k]))
        if exact:
            for k in range(k_count):
                p = e[base + k] * inv
                r = wk[k] * (p - yk[k])
                g, d = _brier_exact_terms(p, wk[k], r, s, q)
                grad[row, k] = factor * g
                hess[row, k] = max(factor * d * scale, floor)
        else:
            for k in range(k_count):
                p = e[base + k] * inv
                r = wk[k] * (p - yk[k])
                g, h = _brier_gn_terms(p, wk[k], r, s, q, factor, scale, floor)
                grad[row, k] = g
                hess[row, k] = h


@njit(**_BRIER_JIT)
def brier(z, codes, probs, class_w, row_w, loss_scale, exact, grad, hess, scale, floor, check):
    """Weighted Brier score on softmax outputs; Gauss-Newton or exact diagonal.

    Labels are class ids ``codes`` when ``codes`` is not empty, else the
    soft labels ``probs``. ``class_w`` and ``row_w`` as in ``xent_soft``;
    ``loss_scale`` (float64) multiplies the row weights.
    """
    n, k_count = z.shape
    _check_shapes(z, grad, hess, codes, probs, class_w, row_w)
    hard = codes.shape[0] > 0
    if n > 0 and not hard and (probs.shape[0] != n or probs.shape[1] != k_count):
        raise ValueError("kernel labels must be class ids or soft labels, one row per margin row")
    chunk = _chunk_rows(k_count)
    lanes = 64 // z.itemsize  # e and wk to spare for _brier_id_rows
    e = np.zeros(chunk * k_count + lanes, dtype=z.dtype)
    buf = np.empty(chunk * k_count, dtype=z.dtype)
    wk = np.ones(k_count + lanes, dtype=z.dtype)  # the row's class weights
    yk = np.zeros(k_count, dtype=z.dtype)  # the row's soft labels
    at_labels = np.zeros(chunk, dtype=z.dtype)
    labels = np.zeros(chunk, dtype=np.intp)
    bad_out = -1
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        bad = _exp_chunk(z, i0, rows, e, buf)
        if bad >= 0:
            return i0 + bad, bad_out, -1
        if hard:
            bad = _set_aside_labels(e, codes, i0, rows, k_count, at_labels, labels)
            if bad >= 0:
                return -1, bad_out, i0 + bad
            args = (e, at_labels, labels, i0, rows, class_w, row_w, loss_scale)
            if exact:
                _brier_id_rows_exact(*args, grad, hess, scale, floor, wk)
            elif class_w.shape[0] == 0:  # no class weights
                _brier_id_rows_gn(*args, grad, hess, scale, floor, wk, None)
            else:
                _brier_id_rows_gn(*args, grad, hess, scale, floor, wk, wk)
        else:
            _brier_soft_rows(
                e,
                probs,
                i0,
                rows,
                class_w,
                row_w,
                loss_scale,
                exact,
                grad,
                hess,
                scale,
                floor,
                wk,
                yk,
            )
        if check and bad_out < 0:
            bad_out = _first_nonfinite_row(grad, hess, i0, rows)
    return -1, bad_out, -1


@njit(inline="always", **_JIT)
def _cw_row(class_w, i):
    return 0 if class_w.shape[0] == 1 else i


@njit(inline="always", **_JIT)
def _combined_traces(p_top, w_top, r, xe, pe, re, ve, ae):
    """A row's (xent, gn / 2) from its top class and its sums over the others.

    ``r = sum' p``, ``xe = sum' p (1 - p)``, ``pe = sum' p^2``, ``re = sum' w p^2``,
    ``ve = sum' w p^4``, ``ae = sum' w p^2 (1 - p)^2`` (see ``_block_traces``).
    """
    top2 = p_top * p_top
    xent = p_top * r + xe
    gn = ae + w_top * top2 * r * r + top2 * re + (re * pe - ve) + w_top * top2 * pe
    return xent, gn


@njit(**_JIT)
def _row_traces(e, base, k_count, class_w, i):
    """One row's ``brier_traces`` terms (before the label mass): xent, gn / 2."""
    weighted = class_w.shape[0] > 0
    row = _cw_row(class_w, i) if weighted else 0
    top = 0
    total = 0.0
    best = e[base]
    for j in range(k_count):
        v = e[base + j]
        total += v
        if v > best:
            best = v
            top = j
    inv = 1.0 / total
    r = xe = pe = re = ve = ae = 0.0
    for j in range(k_count):
        pj = 0.0 if j == top else e[base + j] * inv  # normalised: no overflow
        rest = 1.0 - pj
        p2 = pj * pj
        wp2 = (class_w[row, j] if weighted else 1.0) * p2
        r += pj
        xe += pj * rest
        pe += p2
        re += wp2
        ve += wp2 * p2
        ae += wp2 * rest * rest
    w_top = class_w[row, top] if weighted else 1.0
    return _combined_traces(best * inv, w_top, r, xe, pe, re, ve, ae)


def _float64_rows(z, i0, rows, wide):
    """Rows ``i0 .. i0 + rows`` of ``z`` in float64, and the row they start at there.

    float64 margins as they are (no copy); others widened into ``wide``.
    Compiled code only.
    """
    raise NotImplementedError("only callable from compiled code")


@overload(_float64_rows)
def _float64_rows_overload(z, i0, rows, wide):
    if z.dtype == types.float64:
        return lambda z, i0, rows, wide: (z, i0)

    def widen(z, i0, rows, wide):
        for i in range(rows):
            for j in range(z.shape[1]):
                wide[i, j] = z[i0 + i, j]
        return wide, 0

    return widen


@njit(**_JIT)
def brier_traces(z, codes, probs, class_w, row_w):
    """Cross-entropy's Hessian trace and the Gauss-Newton Brier trace, summed over rows.

    What ``WeightedBrier(loss_scale="adaptive")`` divides; arguments as in
    ``brier``, in float64 (float32 margins are widened first). Each row's
    terms are summed over the classes besides its top one ``t``, with
    ``r = 1 - p_t`` the sum of the others, so that nothing cancels where
    ``p_t`` nears 1 (the algebra is in ``_block_traces``, the numpy
    backend's). Each chunk is transposed so that the loops run over rows,
    which are independent, and compile to vector code.
    """
    n, k_count = z.shape
    hard = codes.shape[0] > 0
    weighted = class_w.shape[0] > 0
    chunk = _chunk_rows(k_count)
    wide = np.empty((chunk, k_count))  # float32 margins, widened
    e = np.empty(chunk * k_count)
    buf = np.empty(chunk * k_count)
    et = np.empty((k_count, chunk))  # exponentials, class by class
    wt = np.ones((k_count, chunk))  # weights, class by class
    total = np.empty(chunk)  # then its inverse
    best = np.empty(chunk)
    top = np.empty(chunk, dtype=np.intp)
    others = np.empty(chunk)  # sum' e: the others' exponentials
    xe = np.empty(chunk)  # sum' e (total - e)
    pe = np.empty(chunk)  # sum' e^2
    re = np.empty(chunk)  # sum' w e^2
    ve = np.empty(chunk)  # sum' w e^4
    ae = np.empty(chunk)  # sum' w e^2 (total - e)^2
    xent_sum = 0.0
    gn_sum = 0.0
    for i0 in range(0, n, chunk):
        rows = min(chunk, n - i0)
        src, start = _float64_rows(z, i0, rows, wide)
        if _exp_chunk(src, start, rows, e, buf) >= 0:
            return np.nan, np.nan  # non-finite margins: the caller reports them
        if rows < 8:
            # Long rows (K > 128): too few per chunk to run across; row by row.
            for i in range(rows):
                x, g = _row_traces(e, i * k_count, k_count, class_w, i0 + i)
                if hard:
                    mass = 1.0 if not weighted else class_w[_cw_row(class_w, i0 + i), codes[i0 + i]]
                else:
                    mass = 0.0
                    for j in range(k_count):
                        wj = class_w[_cw_row(class_w, i0 + i), j] if weighted else 1.0
                        mass += wj * probs[i0 + i, j]
                row_weight = row_w[i0 + i] if row_w.shape[0] > 0 else 1.0
                xent_sum += row_weight * mass * x
                gn_sum += row_weight * 2.0 * max(g, 0.0)
            continue
        for i in range(rows):
            for j in range(k_count):
                et[j, i] = e[i * k_count + j]
        if weighted:
            for i in range(rows):
                row = 0 if class_w.shape[0] == 1 else i0 + i
                for j in range(k_count):
                    wt[j, i] = class_w[row, j]
        for i in range(rows):
            total[i] = 0.0
            best[i] = et[0, i]
            top[i] = 0
            others[i] = 0.0
            xe[i] = 0.0
            pe[i] = 0.0
            re[i] = 0.0
            ve[i] = 0.0
            ae[i] = 0.0
        for j in range(k_count):
            for i in range(rows):
                v = et[j, i]
                total[i] += v
                above = v > best[i]
                best[i] = v if above else best[i]
                top[i] = j if above else top[i]
        for i in range(rows):
            total[i] = 1.0 / total[i]  # from here on, its inverse
        # Normalised first: unshifted exponentials can be near 1e130, and
        # their fourth powers would overflow.
        for j in range(k_count):
            for i in range(rows):
                pj = 0.0 if j == top[i] else et[j, i] * total[i]
                rest = 1.0 - pj  # at least 1/2 besides the top class
                p2 = pj * pj
                wp2 = wt[j, i] * p2
                others[i] += pj
                xe[i] += pj * rest
                pe[i] += p2
                re[i] += wp2
                ve[i] += wp2 * p2
                ae[i] += wp2 * rest * rest
        for i in range(rows):
            xent, gn = _combined_traces(
                best[i] * total[i], wt[top[i], i], others[i], xe[i], pe[i], re[i], ve[i], ae[i]
            )
            if hard:
                mass = wt[codes[i0 + i], i]
            else:
                mass = 0.0
                for j in range(k_count):
                    mass += wt[j, i] * probs[i0 + i, j]
            row_weight = row_w[i0 + i] if row_w.shape[0] > 0 else 1.0
            xent_sum += row_weight * mass * xent
            gn_sum += row_weight * 2.0 * max(gn, 0.0)
    return xent_sum, gn_sum

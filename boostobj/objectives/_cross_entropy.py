"""Softmax cross-entropy on hard or soft labels."""

from __future__ import annotations

import numpy as np

from .._blocks import Block, Workspace, flat_view, label_index
from .._softmax import check_finite_fast, exp_rows, log_sum_exp_rows
from ._base import _NO_CLASS_W, _NO_ROW_W, BaseObjective, _float64, _Params, _read_only

__all__ = ["SoftmaxCrossEntropy"]


class SoftmaxCrossEntropy(BaseObjective):
    r"""Softmax cross-entropy on hard or soft labels.

    For one sample with margins ``z``, ``p = softmax(z)``, labels ``y`` and
    weights ``w``, write ``a_k = w_k y_k`` and ``A = sum_k a_k``:

    .. math::

        L = -\sum_k a_k \log p_k, \qquad
        \frac{\partial L}{\partial z_k} = A p_k - a_k, \qquad
        \frac{\partial^2 L}{\partial z_k^2} = A p_k (1 - p_k).

    The Hessian diagonal is never negative. The loss is evaluated as
    ``A * lse + sum_k a_k (max(z) - z_k)`` with ``lse`` the log-sum-exp
    relative to the row maximum: every term is non-negative, so nothing
    cancels, even for margins of 1e4 in float32.

    With ``hessian_scale=2.0, min_hessian=1e-16`` this matches XGBoost's
    built-in ``multi:softprob``; with ``hessian_scale=K / (K - 1)`` LightGBM's
    ``multiclass`` (in the adapters; the ``Classifier`` s apply those factors
    themselves, so there ``SoftmaxCrossEntropy()`` matches). See
    :class:`BaseObjective` for the parameters and ``docs/derivations.md``
    for the derivation.
    """

    name = "softmax_xent"

    def _loss_block(self, blk: Block, ws: Workspace, params: _Params) -> np.ndarray:
        z = blk.z
        b = z.shape[0]
        scratch = ws.matrix("scratch", b)
        if blk.codes is not None:
            # -log p_c = log1p(other / e_c) with `other` the sum of the other
            # exponentials: exact to rounding even when p_c is nearly 1.
            flat, idx = label_index(scratch, blk.codes)
            other, total, at_label, shift = exp_rows(z, scratch, ws, blk.rows.start, flat, idx)
            assert at_label is not None  # returned when label positions are given
            tiny = np.finfo(z.dtype).tiny
            with np.errstate(divide="ignore"):
                loss = np.log1p(other / np.maximum(at_label, tiny))
            # Where e_c underflowed, or other / e_c overflowed (float32 margins
            # 46 and -43: 4.7e38), the loss is large: log(total) + shift - z_c.
            gone = (at_label < tiny) | ~np.isfinite(loss)
            if np.any(gone):
                z_label = z[np.arange(b), blk.codes][gone]
                offset = 0.0 if shift is None else shift[gone]
                loss[gone] = np.log(total[gone]) + (offset - z_label)
            a = blk.label_weight()
            return loss if a is None else (a * loss).astype(z.dtype, copy=False)
        check_finite_fast(z, blk.rows.start)
        rowmax, lse = ws.vector("rowmax", b), ws.vector("lse", b)
        log_sum_exp_rows(z, scratch, rowmax, lse)
        # scratch <- max(z) - z >= 0
        np.subtract(rowmax[:, None], z, out=scratch)
        probs = blk.probs
        assert probs is not None  # a block holds class ids or soft labels
        a = probs if blk.class_w is None else probs * blk.class_w
        loss = np.einsum("ij,ij->i", a, scratch) + lse * a.sum(axis=1)
        if blk.row_w is not None:
            loss *= blk.row_w
        return loss.astype(z.dtype, copy=False)

    def _grad_hess_block(
        self, blk: Block, grad: np.ndarray, hess: np.ndarray, ws: Workspace, params: _Params
    ) -> None:
        z, dtype, first = blk.z, grad.dtype, blk.rows.start
        if blk.codes is None:
            _, total, _, _ = exp_rows(z, grad, ws, first)
            grad *= (1.0 / total)[:, None]  # p
            probs = blk.probs
            assert probs is not None  # a block holds class ids or soft labels
            a = probs if blk.class_w is None else probs * blk.class_w
            if blk.row_w is not None:
                a = a * blk.row_w[:, None]
            a_total = (a @ np.ones(a.shape[1], dtype=a.dtype)).astype(dtype)[:, None]
            # hess = A p (1 - p); grad = A p - a
            np.subtract(1.0, grad, out=hess)
            hess *= grad
            hess *= a_total
            grad *= a_total
            # a in the output dtype, like A: a certain, right prediction then
            # gets exactly 0, not float32's rounding of w (about 6e-8 w).
            grad -= a.astype(dtype, copy=False)
            return
        flat, idx = label_index(grad, blk.codes)
        # The label entries are set aside and zeroed, so `other` = sum of the
        # other exponentials and 1 - p_label = other / total without cancelling.
        other, total, at_label, _ = exp_rows(z, grad, ws, first, flat, idx)
        assert at_label is not None  # returned when label positions are given
        inv = 1.0 / total
        a = blk.label_weight()
        if a is None:  # three passes: p, p^2, p - p^2
            grad *= inv[:, None]
            np.multiply(grad, grad, out=hess)
            np.subtract(grad, hess, out=hess)
        else:  # four: p, 1 - p, A p, A p (1 - p)
            np.multiply(grad, inv[:, None], out=hess)
            np.subtract(1.0, hess, out=hess)
            grad *= (inv * a).astype(dtype)[:, None]
            hess *= grad
        # (the label entries are 0 so far)
        not_label = other * inv  # 1 - p_label
        if a is not None:
            not_label *= a.astype(dtype)
        hflat, _ = flat_view(hess)  # same strides as grad, so the same positions
        flat[idx] = -not_label  # A (p_label - 1)
        hflat[idx] = at_label * inv * not_label  # A p_label (1 - p_label)

    def _kernel_block(self, kernels, blk, grad, hess, scale, floor, check, params):
        z = _read_only(blk.z)
        if blk.codes is not None:
            label_w = _float64(blk.label_weight(), _NO_ROW_W)
            codes = _read_only(blk.codes)
            return kernels.xent_hard(z, codes, label_w, grad, hess, scale, floor, check)
        return kernels.xent_soft(
            z,
            _float64(blk.probs, _NO_CLASS_W),
            _float64(blk.class_w, _NO_CLASS_W),
            _float64(blk.row_w, _NO_ROW_W),
            grad,
            hess,
            scale,
            floor,
            check,
        )

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray, params: _Params
    ) -> np.ndarray:
        total = label_mass.sum()
        return label_mass / total if total > 0 else np.full_like(label_mass, np.nan)

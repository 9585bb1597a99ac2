"""Multiclass objectives on softmax outputs: loss, gradient and diagonal Hessian.

Conventions shared by every objective:

- ``raw`` are the engine's raw margins, shape (n, K) with K >= 2, or (n,) for
  a single-output binary model, read as the two-column margins ``[0, raw]``.
- ``p = softmax(raw)`` row by row.
- ``w[i, k]`` is the weight of sample ``i`` and class ``k``: the product of
  ``sample_weight`` (per sample (n,) or per sample and class (n, K)) and
  ``class_weight`` (K,); a missing factor is 1.
- ``y[i, k]`` is one-hot for class-id labels, or the given soft labels.
- ``grad[i, k]`` and ``hess[i, k]`` are the first and (diagonal) second
  derivatives of ``loss[i]`` with respect to ``raw[i, k]``; for 1-D ``raw``
  they are the derivatives with respect to ``raw[i]``, which is column 1 of
  the two-column form.
- ``hess`` is returned as ``hessian_scale * diag_hessian``, then floored at
  ``min_hessian`` when that is a number.

Every computation runs over row blocks sized to stay in cache, with one
exponentiation per element and no temporary larger than a block. Inputs are
never modified. Results have the dtype of ``raw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._softmax import log_sum_exp_rows, softmax_rows
from ._validation import (
    Targets,
    _describe,
    as_targets,
    check_class_weight,
    check_raw,
    row_blocks,
)

__all__ = ["BaseObjective", "SoftmaxCrossEntropy", "WeightedBrier"]


class _Block:
    """One row block of margins, labels and weights, as two-column data for
    single-output binary models.

    Attributes
    ----------
    rows : slice
    z : ndarray (b, K)
        Margins.
    codes : ndarray (b,) of intp, or None
        Class ids (hard multiclass labels).
    probs : ndarray (b, K) or None
        Soft labels (including the two-column form of binary labels).
    class_w : ndarray broadcastable to (b, K), or None
        Per-class weights: ``class_weight`` times a 2-D ``sample_weight``.
    row_w : ndarray (b,) or None
        1-D ``sample_weight``.
    """

    __slots__ = ("class_w", "codes", "probs", "row_w", "rows", "z")

    def label_weight(self) -> np.ndarray:
        """``w[i, y_i]`` for hard labels, including the row weight."""
        b = self.z.shape[0]
        if self.class_w is None:
            a = np.ones(b) if self.row_w is None else np.array(self.row_w, dtype=np.float64)
        else:
            cw = np.broadcast_to(self.class_w, self.z.shape)
            a = cw[np.arange(b), self.codes].astype(np.float64)
            if self.row_w is not None:
                a *= self.row_w
        return a


def _iter_blocks(targets: Targets, raw: np.ndarray, class_weight: np.ndarray | None):
    """Yield a :class:`_Block` per row block of ``raw``."""
    n = raw.shape[0]
    single = raw.ndim == 1
    k = 2 if single else raw.shape[1]
    sw = targets.sample_weight
    sw2d = sw if sw is not None and sw.ndim == 2 else None
    sw1d = sw if sw is not None and sw.ndim == 1 else None
    class_w_const = None if class_weight is None else class_weight[None, :]
    blk = _Block()
    for rows in row_blocks(n, k):
        blk.rows = rows
        if single:
            z = np.zeros((rows.stop - rows.start, 2), dtype=raw.dtype)
            z[:, 1] = raw[rows]
            blk.z = z
            if targets.whole:
                # 0/1 labels take the class-id path, which is more precise.
                blk.codes, blk.probs = targets.codes[rows].astype(np.intp), None
            else:
                y = np.empty((z.shape[0], 2), dtype=np.float64)
                y[:, 1] = targets.codes[rows]
                np.subtract(1.0, y[:, 1], out=y[:, 0])
                blk.codes, blk.probs = None, y
        else:
            blk.z = raw[rows]
            if targets.soft:
                blk.codes, blk.probs = None, targets.probs[rows]
            else:
                blk.codes, blk.probs = targets.codes[rows].astype(np.intp, copy=False), None
        if sw2d is not None:
            blk.class_w = sw2d[rows] if class_w_const is None else sw2d[rows] * class_w_const
        else:
            blk.class_w = class_w_const
        blk.row_w = None if sw1d is None else sw1d[rows]
        yield blk


def _check_block_finite(z: np.ndarray, rows: slice) -> None:
    """Raise ``ValueError`` if this block of margins holds NaN or infinity."""
    if np.isfinite(np.sum(z, dtype=np.float64)):
        return
    bad = ~np.isfinite(z)
    if bad.any():
        i = int(np.nonzero(bad.any(axis=1))[0][0])
        raise ValueError(f"raw must be finite, got {z[i]!r} in row {rows.start + i}")


def _check_out(out: np.ndarray | None, name: str, raw: np.ndarray) -> np.ndarray:
    if out is None:
        return np.empty(raw.shape, dtype=raw.dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(out).__name__}")
    if out.shape != raw.shape or out.dtype != raw.dtype:
        raise ValueError(
            f"{name} must have the shape and dtype of raw ({raw.shape}, {raw.dtype}), "
            f"got {_describe(out)}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    if np.may_share_memory(out, raw):
        raise ValueError(f"{name} must not share memory with raw")
    return out


class BaseObjective:
    """Base class of the softmax objectives.

    Parameters
    ----------
    class_weight : array-like of shape (K,), default=None
        Non-negative weight of each class, multiplying ``sample_weight``.
    hessian_scale : float, default=1.0
        Factor applied to the diagonal Hessian, e.g. to match an engine's
        built-in objective (XGBoost uses 2, LightGBM ``K / (K - 1)`` for
        softmax cross-entropy).
    min_hessian : float or None, default=None
        Floor applied to the scaled Hessian; None applies none.
    """

    #: Name used in engine metric logs.
    name = "objective"

    def __init__(
        self,
        class_weight: Any = None,
        hessian_scale: float = 1.0,
        min_hessian: float | None = None,
    ) -> None:
        self.class_weight = class_weight
        self.hessian_scale = hessian_scale
        self.min_hessian = min_hessian
        self._validate_params()

    def _validate_params(self) -> None:
        self._class_weight = check_class_weight(self.class_weight)
        scale = self.hessian_scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
            raise TypeError(f"hessian_scale must be a positive number, got {scale!r}")
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"hessian_scale must be a positive finite number, got {scale!r}")
        floor = self.min_hessian
        if floor is not None:
            if isinstance(floor, bool) or not isinstance(
                floor, (int, float, np.integer, np.floating)
            ):
                raise TypeError(f"min_hessian must be None or a number >= 0, got {floor!r}")
            if not (np.isfinite(floor) and floor >= 0):
                raise ValueError(f"min_hessian must be None or a finite number >= 0, got {floor!r}")

    def __repr__(self) -> str:
        params = self._repr_params()
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{type(self).__name__}({shown})"

    def _repr_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.class_weight is not None:
            params["class_weight"] = self.class_weight
        if self.hessian_scale != 1.0:
            params["hessian_scale"] = self.hessian_scale
        if self.min_hessian is not None:
            params["min_hessian"] = self.min_hessian
        return params

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._validate_params()

    # ------------------------------------------------------------------ checks
    def _prepare(self, labels: Any, raw: Any, sample_weight: Any) -> tuple[Targets, np.ndarray]:
        raw = check_raw(raw)
        targets = as_targets(labels, sample_weight)
        k = 2 if raw.ndim == 1 else raw.shape[1]
        targets.check_fits(raw.shape[0], k, single_output=raw.ndim == 1)
        cw = self._class_weight
        if cw is not None and cw.shape[0] != k:
            raise ValueError(f"class_weight has {cw.shape[0]} entries but raw has K={k} classes")
        return targets, raw

    # ------------------------------------------------------------- public API
    def loss(self, labels: Any, raw: Any, sample_weight: Any = None) -> np.ndarray:
        """Per-sample loss, weights included.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        raw : array-like of shape (n, K) or (n,)
        sample_weight : array-like of shape (n,) or (n, K), default=None

        Returns
        -------
        loss : ndarray of shape (n,), dtype of ``raw``
        """
        targets, raw = self._prepare(labels, raw, sample_weight)
        out = np.empty(raw.shape[0], dtype=raw.dtype)
        for blk in _iter_blocks(targets, raw, self._class_weight):
            _check_block_finite(blk.z, blk.rows)
            out[blk.rows] = self._loss_block(blk)
        return out

    def grad_hess(
        self,
        labels: Any,
        raw: Any,
        sample_weight: Any = None,
        *,
        grad_out: np.ndarray | None = None,
        hess_out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and diagonal Hessian of the per-sample loss.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        raw : array-like of shape (n, K) or (n,)
        sample_weight : array-like of shape (n,) or (n, K), default=None
        grad_out, hess_out : ndarray with the shape and dtype of ``raw``, optional
            Buffers to write the results into (any memory order).

        Returns
        -------
        grad, hess : ndarray with the shape and dtype of ``raw``
            ``hess`` is ``hessian_scale`` times the diagonal Hessian, floored
            at ``min_hessian`` when that is set.
        """
        targets, raw = self._prepare(labels, raw, sample_weight)
        grad = _check_out(grad_out, "grad_out", raw)
        hess = _check_out(hess_out, "hess_out", raw)
        single = raw.ndim == 1
        # Blocks are computed in C-contiguous memory: in place when the outputs
        # are C-contiguous, else in scratch copied out afterwards, so that the
        # results do not depend on memory order, not even in the last bit.
        direct = not single and grad.flags.c_contiguous and hess.flags.c_contiguous
        scratch_g = scratch_h = None
        scale = float(self.hessian_scale)
        for blk in _iter_blocks(targets, raw, self._class_weight):
            _check_block_finite(blk.z, blk.rows)
            if direct:
                g, h = grad[blk.rows], hess[blk.rows]
            else:
                if scratch_g is None:
                    scratch_g = np.empty(blk.z.shape, dtype=raw.dtype)
                    scratch_h = np.empty(blk.z.shape, dtype=raw.dtype)
                g, h = scratch_g[: blk.z.shape[0]], scratch_h[: blk.z.shape[0]]
            self._grad_hess_block(blk, g, h)
            if scale != 1.0:
                h *= scale
            if self.min_hessian is not None:
                np.maximum(h, self.min_hessian, out=h)
            if not direct:
                grad[blk.rows] = g[:, 1] if single else g
                hess[blk.rows] = h[:, 1] if single else h
        return grad, hess

    def predict_proba(self, raw: Any) -> np.ndarray:
        """Class probabilities ``softmax(raw)``.

        Parameters
        ----------
        raw : array-like of shape (n, K) or (n,)

        Returns
        -------
        proba : ndarray of shape (n, K), or (n, 2) for 1-D ``raw``
        """
        raw = check_raw(raw)
        if raw.ndim == 1:
            z = np.zeros((raw.shape[0], 2), dtype=raw.dtype)
            z[:, 1] = raw
            raw = z
        proba = np.empty(raw.shape, dtype=raw.dtype)
        rowmax = np.empty(raw.shape[0], dtype=raw.dtype)
        rowsum = np.empty(raw.shape[0], dtype=raw.dtype)
        for rows in row_blocks(raw.shape[0], raw.shape[1]):
            _check_block_finite(raw[rows], rows)
            softmax_rows(raw[rows], proba[rows], rowmax[rows], rowsum[rows])
        return proba

    def init_raw(
        self,
        labels: Any,
        sample_weight: Any = None,
        *,
        n_classes: int | None = None,
        single_output: bool = False,
    ) -> np.ndarray | float:
        """Constant margins minimising the weighted loss: the class priors.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        sample_weight : array-like of shape (n,) or (n, K), default=None
        n_classes : int, optional
            K; inferred from soft labels or from the largest class id.
        single_output : bool, default=False
            Return the scalar margin of a single-output binary model.

        Returns
        -------
        raw : ndarray of shape (K,) with zero mean, or float when ``single_output``
            Classes with no weight get the margin of probability ``eps`` (about
            -36 relative to a certain class), since softmax never reaches 0.
        """
        targets = as_targets(labels, sample_weight)
        if targets.n_samples == 0:
            raise ValueError("init_raw needs at least one sample, got n = 0")
        if single_output:
            k = 2
        elif n_classes is not None:
            k = int(n_classes)
        elif targets.soft:
            k = targets.n_label_columns
        else:
            k = int(targets._label_max) + 1
        if k < 2:
            raise ValueError(f"n_classes must be >= 2, got {k}")
        shape = (targets.n_samples,) if single_output else (targets.n_samples, k)
        # Zero-stride stand-in for margins: the block iterator only reads its shape.
        no_raw = np.broadcast_to(np.zeros((), dtype=np.float64), shape)
        targets.check_fits(targets.n_samples, k, single_output)
        cw = self._class_weight
        if cw is not None and cw.shape[0] != k:
            raise ValueError(f"class_weight has {cw.shape[0]} entries but there are K={k} classes")
        label_mass = np.zeros(k)
        weight_mass = np.zeros(k)
        for blk in _iter_blocks(targets, no_raw, cw):
            w = (
                np.ones(blk.z.shape)
                if blk.class_w is None
                else np.broadcast_to(blk.class_w, blk.z.shape).astype(np.float64)
            )
            if blk.row_w is not None:
                w = w * blk.row_w[:, None]
            weight_mass += w.sum(axis=0)
            if blk.codes is not None:
                np.add.at(label_mass, blk.codes, w[np.arange(w.shape[0]), blk.codes])
            else:
                label_mass += (w * blk.probs).sum(axis=0)
        proba = self._optimal_constant_proba(label_mass, weight_mass)
        if not np.all(np.isfinite(proba)) or proba.sum() <= 0:
            raise ValueError(
                "the weighted labels carry no mass (every labelled class has weight 0); "
                "check sample_weight and class_weight"
            )
        logp = np.log(np.maximum(proba, np.finfo(np.float64).eps))
        if single_output:
            return float(logp[1] - logp[0])
        return logp - logp.mean()

    # ------------------------------------------------------- subclass hooks
    def _loss_block(self, blk: _Block) -> np.ndarray:
        raise NotImplementedError

    def _grad_hess_block(self, blk: _Block, grad: np.ndarray, hess: np.ndarray) -> None:
        raise NotImplementedError

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray
    ) -> np.ndarray:
        raise NotImplementedError


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
    ``multiclass``. See :class:`BaseObjective` for the parameters and
    ``docs/derivations.md`` for the derivation.
    """

    name = "softmax_xent"

    def _loss_block(self, blk: _Block) -> np.ndarray:
        z = blk.z
        b = z.shape[0]
        rowmax = np.empty(b, dtype=z.dtype)
        lse = np.empty(b, dtype=z.dtype)
        scratch = np.empty(z.shape, dtype=z.dtype)
        log_sum_exp_rows(z, scratch, rowmax, lse)
        if blk.codes is not None:
            a = blk.label_weight()
            gap = rowmax - z[np.arange(b), blk.codes]
            return (a * (lse + gap)).astype(z.dtype, copy=False)
        # scratch <- max(z) - z >= 0
        np.subtract(rowmax[:, None], z, out=scratch)
        a = blk.probs if blk.class_w is None else blk.probs * blk.class_w
        loss = np.einsum("ij,ij->i", a, scratch) + lse * a.sum(axis=1)
        if blk.row_w is not None:
            loss *= blk.row_w
        return loss.astype(z.dtype, copy=False)

    def _grad_hess_block(self, blk: _Block, grad: np.ndarray, hess: np.ndarray) -> None:
        z = blk.z
        b = z.shape[0]
        rowmax = np.empty(b, dtype=z.dtype)
        rowsum = np.empty(b, dtype=z.dtype)
        p = grad
        softmax_rows(z, p, rowmax, rowsum)
        if blk.codes is not None:
            label = (np.arange(b), blk.codes)
            p_label = p[label]
            a_total = blk.label_weight().astype(z.dtype)[:, None]
        else:
            a = blk.probs if blk.class_w is None else blk.probs * blk.class_w
            if blk.row_w is not None:
                a = a * blk.row_w[:, None]
            a_total = a.sum(axis=1, dtype=np.float64).astype(z.dtype)[:, None]
        # hess = A p (1 - p), computed as A (p - p^2) to reuse buffers
        np.multiply(p, p, out=hess)
        np.subtract(p, hess, out=hess)
        hess *= a_total
        # grad = A p - a
        p *= a_total
        if blk.codes is None:
            grad -= a
            return
        # At the labelled class A (p_c - 1) cancels when p_c is near 1; the sum
        # of A p_j over the other classes is the same value without cancelling,
        # for the gradient -A (1 - p_c) and the Hessian A p_c (1 - p_c).
        grad[label] = 0.0
        rest = grad.sum(axis=1)
        grad[label] = -rest
        hess[label] = p_label * rest

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray
    ) -> np.ndarray:
        total = label_mass.sum()
        return label_mass / total if total > 0 else np.full_like(label_mass, np.nan)


class WeightedBrier(BaseObjective):
    r"""Weighted multiclass Brier score on softmax outputs.

    For one sample with margins ``z``, ``p = softmax(z)``, labels ``y`` and
    weights ``w``, write ``r_k = w_k (p_k - y_k)``, ``S = sum_j p_j r_j`` and
    ``Q = sum_j w_j p_j^2``:

    .. math::

        L = \sum_k w_k (p_k - y_k)^2, \qquad
        \frac{\partial L}{\partial z_k} = 2 p_k (r_k - S),

        \frac{\partial^2 L}{\partial z_k^2}
          = 2 p_k \left[(1 - 2 p_k)(r_k - S + w_k p_k) + p_k Q\right]
          \quad\text{(exact)},

        G_{kk} = 2 p_k^2 \left[w_k (1 - 2 p_k) + Q\right]
          \quad\text{(Gauss-Newton: the diagonal of } 2 J^T W J\text{)},

    with ``J = diag(p) - p p^T`` the softmax Jacobian. The exact diagonal
    equals ``G_kk + 2 p_k (1 - 2 p_k)(r_k - S)`` and takes negative values
    (for example where a confident prediction is wrong); ``G_kk >= 2 p_k^2
    w_k (1 - p_k)^2 >= 0`` always.

    For a single-output binary model with unit weights the loss is
    ``2 (p - y)^2``, the two-class sum.

    Parameters
    ----------
    class_weight : array-like of shape (K,), default=None
    hessian : {"gauss-newton", "exact"}, default="gauss-newton"
        Which diagonal ``grad_hess`` returns. The default is the Gauss-Newton
        diagonal: it is never negative, so every leaf gets a finite,
        descent-direction Newton step, while the exact diagonal can make
        a leaf's Hessian sum negative and its step point uphill unless it is
        floored (``min_hessian``).
    hessian_scale : float, default=1.0
    min_hessian : float or None, default=None

    See ``docs/derivations.md`` for the derivation and the errors of the
    reference it corrects.
    """

    name = "brier"

    _HESSIANS = ("gauss-newton", "exact")

    def __init__(
        self,
        class_weight: Any = None,
        hessian: str = "gauss-newton",
        hessian_scale: float = 1.0,
        min_hessian: float | None = None,
    ) -> None:
        self.hessian = hessian
        super().__init__(class_weight, hessian_scale, min_hessian)

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.hessian not in self._HESSIANS:
            raise ValueError(f"hessian must be one of {self._HESSIANS}, got {self.hessian!r}")

    def _repr_params(self) -> dict[str, Any]:
        params = super()._repr_params()
        params["hessian"] = self.hessian
        return params

    def _residual(self, blk: _Block, p: np.ndarray, wp: np.ndarray, out: np.ndarray) -> None:
        """out <- w (p - y), given wp = w p."""
        np.copyto(out, wp)
        if blk.codes is not None:
            idx = (np.arange(p.shape[0]), blk.codes)
            out[idx] -= 1.0 if blk.class_w is None else np.broadcast_to(blk.class_w, p.shape)[idx]
        elif blk.class_w is None:
            out -= blk.probs
        else:
            out -= blk.probs * blk.class_w

    def _loss_block(self, blk: _Block) -> np.ndarray:
        z = blk.z
        b = z.shape[0]
        p = np.empty(z.shape, dtype=z.dtype)
        softmax_rows(z, p, np.empty(b, dtype=z.dtype), np.empty(b, dtype=z.dtype))
        d = np.empty_like(p)
        if blk.codes is not None:
            np.copyto(d, p)
            d[np.arange(b), blk.codes] -= 1.0
        else:
            np.subtract(p, blk.probs, out=d)
        wd = d if blk.class_w is None else d * blk.class_w
        loss = np.einsum("ij,ij->i", wd, d)
        if blk.row_w is not None:
            loss *= blk.row_w
        return loss.astype(z.dtype, copy=False)

    def _grad_hess_block(self, blk: _Block, grad: np.ndarray, hess: np.ndarray) -> None:
        z = blk.z
        b = z.shape[0]
        p = grad
        softmax_rows(z, p, np.empty(b, dtype=z.dtype), np.empty(b, dtype=z.dtype))
        wp = p.copy() if blk.class_w is None else np.multiply(p, blk.class_w, dtype=z.dtype)
        resid = np.empty_like(p)
        self._residual(blk, p, wp, resid)
        s = np.einsum("ij,ij->i", p, resid)[:, None]
        q = np.einsum("ij,ij->i", wp, p)[:, None]
        resid -= s  # resid <- r - S
        if self.hessian == "exact":
            # hess = 2 p [(1 - 2p)(r - S + w p) + p Q]
            np.add(resid, wp, out=hess)
            np.multiply(p, -2.0, out=wp)
            wp += 1.0
            hess *= wp
            np.multiply(p, q, out=wp)
            hess += wp
        else:
            # hess = 2 p^2 [w - 2 w p + Q]
            np.multiply(wp, -2.0, out=hess)
            if blk.class_w is None:
                hess += 1.0
            else:
                hess += blk.class_w
            hess += q
            hess *= p
        hess *= p
        # grad = 2 p (r - S)
        p *= resid
        factor = 2.0 if blk.row_w is None else 2.0 * blk.row_w[:, None]
        grad *= factor
        hess *= factor

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray
    ) -> np.ndarray:
        # Minimise sum_k W_k p_k^2 - 2 B_k p_k over the probability simplex:
        # p_k = max(0, (B_k - mu) / W_k), with mu set so that sum(p) = 1.
        active = weight_mass > 0
        if not np.any(label_mass[active] > 0):
            return np.full_like(label_mass, np.nan)
        b, w = label_mass[active], weight_mass[active]

        def total(mu: float) -> float:
            return float(np.maximum(0.0, (b - mu) / w).sum())

        lo, hi = float(np.min(b - w)), float(np.max(b))
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if total(mid) > 1.0:
                lo = mid
            else:
                hi = mid
        proba = np.zeros_like(label_mass)
        proba[active] = np.maximum(0.0, (b - 0.5 * (lo + hi)) / w)
        return proba / proba.sum()

"""The weighted multiclass Brier score of softmax outputs."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from .._blocks import Block, Workspace, flat_view, label_index, make_block, run_blocks
from .._softmax import check_finite_fast, exp_rows, softmax_rows
from .._validation import Targets
from ._base import (
    _NO_CLASS_W,
    _NO_CODES,
    _NO_ROW_W,
    BaseObjective,
    _check_n_threads,
    _float64,
    _load_numba,
    _Params,
    _read_only,
)

__all__ = ["WeightedBrier"]

_DEFAULT_LOSS_SCALE: float | str = "adaptive"

# Largest value "prior" resolves to: reached when one class holds all but
# about 1/40000 of the label mass (two classes), where the Brier Hessians at
# the priors vanish against cross-entropy's.
_MAX_PRIOR_SCALE = 1e4
# Smallest value "adaptive" resolves to.
_MIN_ADAPTIVE_SCALE = 1e-4


def _same_scale(a: Any, b: float | str) -> bool:
    """``a == b`` without numpy's elementwise comparison or a str/float mismatch."""
    return isinstance(a, str) == isinstance(b, str) and bool(np.all(a == b))


_RULES = ("adaptive", "prior")
_EXPECTED = 'a positive finite number, "adaptive" or "prior"'


def _check_loss_scale(obj: Any) -> float | str:
    """``obj.loss_scale`` validated: a positive finite number, "adaptive" or "prior"."""
    scale = obj.loss_scale
    if isinstance(scale, str):
        if scale not in _RULES:
            raise ValueError(f"loss_scale must be {_EXPECTED}, got {scale!r}")
        return scale
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise TypeError(f"loss_scale must be {_EXPECTED}, got {scale!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"loss_scale must be {_EXPECTED}, got {scale!r}")
    return float(scale)


def _block_traces(blk: Block, ws: Workspace) -> tuple[float, float]:
    """Cross-entropy's Hessian trace and the Gauss-Newton Brier trace of one block.

    At the block's margins, weights included, in float64. Each row is summed
    over the classes besides its top one ``t`` (sums written ``sum'``), with
    ``r = 1 - p_t`` as the sum of the others, so that confident rows, which
    is most rows late in training, add their tiny traces and not rounding
    error. With ``R = sum' w p^2``, ``P = sum' p^2``, ``V = sum' w p^4``:

    - cross-entropy: ``m (p_t r + sum' p (1 - p))``, ``m = sum_k w_k y_k``;
    - Gauss-Newton, ``sum_k 2 p_k^2 [w_k (1 - p_k)^2 + sum_{j != k} w_j p_j^2]``:
      ``2 [sum' w p^2 (1 - p)^2 + w_t p_t^2 r^2 + p_t^2 R + (R P - V)
      + w_t p_t^2 P]``, where ``R P - V`` sums ``w_j p_j^2 p_k^2`` over
      pairs of other classes ``j != k``.

    The compiled kernel ``brier_traces`` computes the same terms.
    """
    b = blk.z.shape[0]
    rows = np.arange(b)
    top = np.argmax(blk.z, axis=1)
    # In float64 scratch reused across blocks: fresh temporaries of this
    # size cost more in page faults than the arithmetic.
    e = ws.matrix("tr_e", b)
    np.subtract(blk.z, blk.z[rows, top][:, None], out=e)
    np.exp(e, out=e)  # e_t = 1
    inv = ws.row_sums(e, "tr_total")
    np.divide(1.0, inv, out=inv)  # p_t
    e[rows, top] = 0.0
    e *= inv[:, None]  # the others' p, 0 at the top class
    p = e
    p_top = inv
    r = ws.row_sums(p, "tr_r").copy()
    c = None if blk.class_w is None else np.asarray(blk.class_w, dtype=np.float64)
    if c is None:
        w_top: Any = 1.0
    else:
        w_top = c[0, top] if c.shape[0] == 1 else c[rows, top]
    one_minus = ws.matrix("tr_1mp", b)
    np.subtract(1.0, p, out=one_minus)
    p2 = ws.matrix("tr_p2", b)
    np.multiply(p, p, out=p2)
    wp2 = p2 if c is None else ws.matrix("tr_wp2", b)
    if c is not None:
        np.multiply(c, p2, out=wp2)
    big_r = ws.row_sums(wp2, "tr_R").copy()
    big_p = ws.row_sums(p2, "tr_P").copy()
    pairs = big_r * big_p - np.einsum("ij,ij->i", wp2, p2)
    top2 = p_top * p_top
    xent = p_top * r + np.einsum("ij,ij->i", p, one_minus)
    one_minus *= one_minus
    gn = (
        np.einsum("ij,ij->i", wp2, one_minus)
        + w_top * top2 * r * r
        + top2 * big_r
        + pairs
        + w_top * top2 * big_p
    )
    gn = 2.0 * np.maximum(gn, 0.0)
    if blk.probs is not None:
        xent *= (blk.probs if c is None else blk.probs * c).sum(axis=1)
    elif c is not None:
        xent *= blk.class_w_at_labels()
    if blk.row_w is not None:
        xent *= blk.row_w
        gn *= blk.row_w
    return float(xent.sum()), float(gn.sum())


def _kernel_inputs(blk: Block) -> tuple[np.ndarray, ...]:
    """A block's margins, labels and weights as the compiled Brier kernels take them."""
    return (
        _read_only(blk.z),
        _NO_CODES if blk.codes is None else _read_only(blk.codes),
        _float64(blk.probs, _NO_CLASS_W),
        _float64(blk.class_w, _NO_CLASS_W),
        _float64(blk.row_w, _NO_ROW_W),
    )


def _kernel_traces(kernels: Any, blk: Block) -> tuple[float, float]:
    """``_block_traces`` by the compiled kernel."""
    return kernels.brier_traces(*_kernel_inputs(blk))


def _traces_kernels(params: _Params) -> Any:
    """The compiled kernels for the traces, or None for numpy.

    Unlike ``grad_hess``, ``loss`` runs without numba whatever the backend
    (an unpickled objective may name it): the traces then take numpy too.
    """
    return None if params.backend == "numpy" else _load_numba()


def _adaptive_traces(
    targets: Targets, raw: np.ndarray, params: _Params, n_threads: int, kernels: Any
) -> tuple[float, float]:
    """Cross-entropy's Hessian trace and the Gauss-Newton trace at the margins ``raw``.

    Summed block by block in a fixed order, so they do not depend on ``n_threads``.
    """
    k = 2 if raw.ndim == 1 else raw.shape[1]
    parts: dict[int, tuple[float, float]] = {}

    def work(blocks):
        ws = Workspace(k, np.dtype(np.float64))
        # Non-finite margins give NaN traces here: grad_hess reports them after.
        with np.errstate(all="ignore"):
            for rows in blocks:
                blk = make_block(targets, raw, params.class_weight, rows)
                if kernels is None:
                    traces = _block_traces(blk, ws)
                else:
                    traces = _kernel_traces(kernels, blk)
                parts[rows.start] = traces

    run_blocks(raw.shape[0], k, n_threads, work)
    xent = sum(parts[start][0] for start in sorted(parts))
    gn = sum(parts[start][1] for start in sorted(parts))
    return float(xent), float(gn)


def _scale_of_traces(xent: float, gn: float, prior: Callable[[], float]) -> float:
    """``xent / gn`` rounded to float32, within [1e-4, 1e4]; ``prior()`` where
    cross-entropy has no curvature.

    Rounded because sums in another order (other blocks, or XGBoost's Dask
    workers summing their own rows first) differ in the last bits, and one
    bit of the scale can tip a tie between splits in a later round: a
    scale needs no 53 bits, and 24 make the number the same however it was
    summed. Where every row is so confident that the Brier trace vanishes,
    the bound.
    """
    if not (np.isfinite(xent) and xent > 0):
        return prior()
    if not (np.isfinite(gn) and gn > 0):
        return _MAX_PRIOR_SCALE
    # Bounded below too: tiny weights on the labels' classes against large
    # ones elsewhere would take it towards 0, and a gradient of zeros.
    return float(np.float32(min(max(xent / gn, _MIN_ADAPTIVE_SCALE), _MAX_PRIOR_SCALE)))


def _prior_scale(
    targets: Targets, n_classes: int, single_output: bool, class_weight: np.ndarray | None
) -> float:
    """Cross-entropy's Hessian trace over WeightedBrier's Gauss-Newton trace at the priors.

    Both summed over the samples with their weights, at ``p = pi`` (the
    weighted label priors, where both objectives start). With ``B_k`` the
    weighted label mass of class k, ``W_k`` its weight mass and
    ``pi = B / sum(B)``: ``sum(B) (1 - Q) / (2 sum_k pi_k^2 [W_k (1 - 2 pi_k)
    + sum_j W_j pi_j^2])``, ``Q = sum_k pi_k^2``; ``(1 - Q) / (2Q + 2Q^2 - 4C)``
    (``C = sum_k pi_k^3``) without class weights, and K/2 for equal priors.
    """
    return _prior_of_masses(*_masses(targets, n_classes, single_output, class_weight))


def _masses(
    targets: Targets, n_classes: int, single_output: bool, class_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(B, W)``, class by class, class weights included."""
    label_mass, weight_mass = targets.class_masses(n_classes, single_output)
    if class_weight is not None:
        label_mass, weight_mass = label_mass * class_weight, weight_mass * class_weight
    return label_mass, weight_mass


def _prior_of_masses(label_mass: np.ndarray, weight_mass: np.ndarray) -> float:
    """``_prior_scale`` from the class masses ``(B, W)``."""
    n_classes = label_mass.shape[0]
    total = float(label_mass.sum())
    if np.count_nonzero(label_mass > 0) < 2:
        # One class (or none) carries the labels: its priors say nothing of
        # the others, and both Hessians vanish. Take the priors as equal.
        return n_classes / 2.0
    pi = label_mass / total
    q = float(np.sum(pi * pi))
    brier = 2.0 * float(
        np.sum(pi * pi * (weight_mass * (1.0 - 2.0 * pi) + np.sum(weight_mass * pi * pi)))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.float64(total * (1.0 - q)) / np.float64(brier)
    # As one class's share 1 - e nears 1 the ratio grows like 1 / (4 e) and
    # both traces round to 0: bounded, so that the loss stays finite.
    if not (np.isfinite(scale) and 0 < scale <= _MAX_PRIOR_SCALE):
        return _MAX_PRIOR_SCALE
    return float(scale)


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
        diagonal, chosen by measurement: on scikit-learn's digits (5-fold,
        held out) it trained better models than the exact diagonal floored,
        with Brier score 0.0399 against 0.2373 in XGBoost
        (``min_child_weight=0, reg_lambda=0.01``) and 0.0370 against 0.0954 in
        LightGBM (``min_hessian=0.01``), both under the default ``loss_scale``
        (``benchmarks/xgboost_digits.py``, ``examples/lightgbm_sklearn.py``).
        It is never negative, so every leaf gets a descent step; the exact
        diagonal can make a leaf's Hessian sum negative and its step point
        uphill unless it is floored (``min_hessian``), and even floored its
        steps are too long.
    hessian_scale : float, default=1.0
    min_hessian : float or None, default=None
    backend : {"auto", "numpy", "numba"}, default="auto"
    n_threads : int or None, default=None
    loss_scale : float, "adaptive" or "prior", default="adaptive"
        A positive constant ``s`` multiplying the loss, the gradient and the
        Hessian (``hessian_scale`` and the ``min_hessian`` floor then act on
        the scaled Hessian, as without it). It leaves the minimiser
        unchanged and changes how the engines' regularisers, which are in
        Hessian units (XGBoost's ``min_child_weight=1`` and
        ``reg_lambda=1``, LightGBM's ``min_sum_hessian_in_leaf``), weigh the
        Brier score, whose Hessians are far smaller than cross-entropy's
        (about ``p^2`` against ``p``). ``"prior"`` is resolved from the
        labels and weights of each call: cross-entropy's Hessian trace over
        this objective's Gauss-Newton trace, both summed over the samples
        with their weights at ``p = pi``, the weighted class priors. With
        ``B_k = sum_i w_ik y_ik`` (``w`` = ``sample_weight`` times
        ``class_weight``) and ``W_k = sum_i w_ik``, ``pi = B / sum(B)`` and

        .. math::

            s = \frac{\sum_k B_k (1 - Q)}
                     {2 \sum_k \pi_k^2 \left[W_k (1 - 2 \pi_k)
                      + \sum_j W_j \pi_j^2\right]},
            \qquad Q = \sum_k \pi_k^2,

        which is ``(1 - Q) / (2Q + 2Q^2 - 4C)`` (``C = sum_k pi_k^3``)
        without class weights and ``K / 2`` for equal priors; ``K / 2`` is
        also used when fewer than two classes carry label mass (a batch of
        one class), and the result is at most ``1e4`` (it grows like
        ``1 / (4 e)`` as one class's share ``1 - e`` nears 1).
        :meth:`prior_loss_scale` returns the number. The ``Classifier`` s
        fix it once on the whole training set, and
        ``dask_pin_loss_scale`` does so for the engines' Dask front ends.

        ``"adaptive"`` is the same ratio at the call's margins instead of at
        the priors. With ``p = softmax(raw)``, ``m_i = sum_k w_ik y_ik`` and
        ``G`` the Gauss-Newton diagonal above,

        .. math::

            s = \frac{\sum_i m_i \sum_k p_{ik} (1 - p_{ik})}
                     {\sum_i \sum_k G_{ik}},

        resolved at every call, so in every boosting round: the regularisers
        then weigh each round's Brier step as they would weigh
        cross-entropy's at the same fit. It equals ``"prior"`` where the
        margins are the priors and grows as the fit sharpens (Brier's
        curvature falls like ``(1 - p)^2``, cross-entropy's like ``1 - p``),
        up to ``1e4``; where neither loss has curvature left (every ``p``
        exactly 0 or 1, or no label mass) it is the prior's number. The
        gradient and Hessian are those of the loss with ``s`` held at that
        number, which :meth:`loss_scale_at` returns (``check_grad_hess``
        holds it so). The number is rounded to float32, so that the order of
        summation (the backend, Dask workers) all but never changes it (it
        never depends on ``n_threads``), and it lies in ``[1e-4, 1e4]``; it
        costs one more pass over the margins per call. On
        ``xgboost.dask`` the adapters sum the two traces over all workers
        each round, so every worker uses the number of all rows; LightGBM's
        Dask workers cannot share it, and ``dask_pin_loss_scale`` fixes it
        there at the prior's number, where ``"adaptive"`` starts.
        Metrics (``boostobj.xgboost.metric``, ``boostobj.lightgbm.metric``
        and the Classifiers' reported ``brier``) report the unscaled Brier
        score. ``loss`` and ``grad_hess`` return the scaled values.

        The default is ``"adaptive"``, chosen by measurement against
        ``"prior"`` and 1.0 (the plain Brier score): held-out Brier score
        relative to the engine's built-in objective, 5 folds, in the boostobj
        ``Classifier`` s, which also apply the engine's Hessian factor, at the
        engines' defaults with 200 rounds ("fixed") and with early stopping
        (``python benchmarks/brier_quality.py --scale-rule none --loss-scale
        prior adaptive``; over four splits, ``--datasets digits --seeds 0 1 2
        3``). On digits, over four splits, XGBoost went from +1.5% ("prior")
        to -11.0% (early stopping: +4.5% to -8.3%) and LightGBM from -7.7%
        to -17.9% (early: -0.7% to -9.4%), ahead on every split. It also led in
        XGBoost on wine and breast_cancer. It lost to "prior" in LightGBM on
        the two small data sets (wine -6.0% against -20.8% with fixed rounds,
        +6.4% against +4.4% with early stopping; breast_cancer +2.9% against
        -3.0%, and -3.6% against -7.2%), and in XGBoost with early stopping
        on the synthetic problem (distance to the true probabilities 0.0392
        against 0.0364; the built-in 0.0338). A number fixed at the start
        holds back the later rounds, where Brier's curvature has fallen far
        below cross-entropy's. The objective applies no engine's Hessian
        factor itself (objectives know nothing of engines); the
        ``Classifier`` s do (``engine_hessian``).

    See ``docs/derivations.md`` for the derivation and the errors of the
    reference it corrects.
    """

    name = "brier"

    _HESSIANS = ("gauss-newton", "exact")

    # _clamp_note: w (1 - 2p) + Q equals w (1 - p)^2 + sum_{j != k} w_j p_j^2 >= 0,
    # but is computed as a difference that cancels where p is near 1 and can
    # round below zero by about eps * w (float32, large weights). Clamping at 0
    # removes only that rounding and keeps the Gauss-Newton diagonal >= 0.

    def __init__(
        self,
        class_weight: Any = None,
        hessian: str = "gauss-newton",
        hessian_scale: float = 1.0,
        min_hessian: float | None = None,
        backend: str = "auto",
        n_threads: int | None = None,
        loss_scale: float | str = _DEFAULT_LOSS_SCALE,
    ) -> None:
        self.hessian = hessian
        self.loss_scale = loss_scale
        super().__init__(class_weight, hessian_scale, min_hessian, backend, n_threads)

    def _validate_params(self) -> _Params:
        params = super()._validate_params()
        hessian = self.hessian
        if not isinstance(hessian, str) or hessian not in self._HESSIANS:
            raise ValueError(f"hessian must be one of {self._HESSIANS}, got {hessian!r}")
        return dataclasses.replace(params, hessian=hessian, loss_scale=_check_loss_scale(self))

    def _repr_params(self) -> dict[str, Any]:
        params = super()._repr_params()
        params["hessian"] = self.hessian
        if not _same_scale(self.loss_scale, _DEFAULT_LOSS_SCALE):
            params["loss_scale"] = self.loss_scale
        return params

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickles without loss_scale computed the plain Brier score.
        super().__setstate__({"loss_scale": 1.0, **state})

    def _resolve_params(
        self, params: _Params, targets: Targets, raw: np.ndarray, n_threads: int | None
    ) -> _Params:
        if params.loss_scale == "prior":
            k = 2 if raw.ndim == 1 else raw.shape[1]
            scale = _prior_scale(targets, k, raw.ndim == 1, params.class_weight)
        elif params.loss_scale == "adaptive":
            threads = _check_n_threads(n_threads, params.n_threads)
            xent, gn = _adaptive_traces(targets, raw, params, threads, _traces_kernels(params))
            if not (np.isfinite(xent) and np.isfinite(gn)):
                check_finite_fast(raw, 0)  # raises, naming the first bad row
            k = 2 if raw.ndim == 1 else raw.shape[1]
            scale = _scale_of_traces(
                xent, gn, lambda: _prior_scale(targets, k, raw.ndim == 1, params.class_weight)
            )
        else:
            return params
        return dataclasses.replace(params, loss_scale=scale)

    def _pin_loss_scale(
        self, targets: Targets, n_classes: int, single_output: bool
    ) -> WeightedBrier:
        if not _same_scale(self.loss_scale, "prior"):
            return self
        params = self._validate_params()
        targets.check_fits(targets.n_samples, n_classes, single_output)
        pinned = copy.copy(self)
        pinned.loss_scale = _prior_scale(targets, n_classes, single_output, params.class_weight)
        return pinned

    def _fixed_scale_at(self, labels: Any, raw: Any, sample_weight: Any = None) -> WeightedBrier:
        """This objective, or a copy with ``"adaptive"`` held at its number at ``raw``.

        For :func:`~boostobj.check_grad_hess`, which differences the loss of
        the copy: the gradient of a call is that of the loss at a fixed scale.
        """
        if not _same_scale(self.loss_scale, "adaptive"):
            return self
        fixed = copy.copy(self)
        fixed.loss_scale = self.loss_scale_at(labels, raw, sample_weight)
        return fixed

    def _shared_scale(
        self,
        targets: Targets,
        raw: np.ndarray,
        total: Callable[[np.ndarray], np.ndarray],
    ) -> WeightedBrier:
        if not _same_scale(self.loss_scale, "adaptive"):
            return self
        params = self._validate_params()
        k = 2 if raw.ndim == 1 else raw.shape[1]
        local = _adaptive_traces(targets, raw, params, params.n_threads, _traces_kernels(params))
        # The class masses travel too, so that the prior's fallback is also
        # that of all the rows. Every worker takes part before any raises.
        label_mass, weight_mass = _masses(targets, k, raw.ndim == 1, params.class_weight)
        summed = total(np.concatenate([np.array(local), label_mass, weight_mass]))
        if not np.all(np.isfinite(local)):
            check_finite_fast(raw, 0)  # raises, naming the first bad row
        shared = copy.copy(self)
        shared.loss_scale = _scale_of_traces(
            float(summed[0]),
            float(summed[1]),
            lambda: _prior_of_masses(summed[2 : 2 + k], summed[2 + k :]),
        )
        return shared

    def _unscaled(self) -> WeightedBrier:
        if _same_scale(self.loss_scale, 1.0):
            return self
        plain = copy.copy(self)
        plain.loss_scale = 1.0
        return plain

    def prior_loss_scale(
        self,
        labels: Any,
        sample_weight: Any = None,
        *,
        n_classes: int | None = None,
        single_output: bool = False,
    ) -> float:
        """The number ``loss_scale="prior"`` stands for on these labels and weights.

        Compute it once on the whole training set and pass it as
        ``loss_scale`` where the objective only sees part of the data at a
        time (the engines' Dask front ends call it on each worker's rows).

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        sample_weight : array-like of shape (n,) or (n, K), default=None
        n_classes : int, optional
            K; inferred from soft labels or from the largest class id.
        single_output : bool, default=False
            Labels of a single-output binary model (0/1 or probabilities).

        Returns
        -------
        float
            Positive and finite; see ``loss_scale`` for the definition.
            The objective's ``class_weight`` is included.
        """
        params, targets, k = self._labels_with_classes(
            labels, sample_weight, n_classes, single_output, "prior_loss_scale"
        )
        return _prior_scale(targets, k, single_output, params.class_weight)

    def loss_scale_at(
        self, labels: Any, raw: Any, sample_weight: Any = None, *, n_threads: int | None = None
    ) -> float:
        """The number ``loss_scale`` stands for in ``loss`` or ``grad_hess`` with these arguments.

        ``"adaptive"`` is resolved at ``raw``, ``"prior"`` on the labels and
        weights; a number is returned as is.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        raw : array-like of shape (n, K) or (n,)
        sample_weight : array-like of shape (n,) or (n, K), default=None
        n_threads : int, default=None
            Threads over row blocks; the number does not depend on it.

        Returns
        -------
        float
            Positive and finite, at most ``1e4`` for the two rules.
        """
        _, _, params = self._prepare(labels, raw, sample_weight, n_threads)
        _check_n_threads(n_threads, params.n_threads)  # also where no rule needs it
        return float(params.loss_scale)

    def _loss_block(self, blk: Block, ws: Workspace, params: _Params) -> np.ndarray:
        z = blk.z
        b = z.shape[0]
        d = ws.matrix("d", b)
        softmax_rows(z, d, ws, blk.rows.start)
        if blk.codes is not None:
            flat, idx = label_index(d, blk.codes)
            flat[idx] -= 1.0
        else:
            d -= blk.probs
        wd = d if blk.class_w is None else d * blk.class_w
        loss = np.einsum("ij,ij->i", wd, d)
        if blk.row_w is not None:
            loss *= blk.row_w
        if params.loss_scale != 1.0:
            loss *= params.loss_scale
        return loss.astype(z.dtype, copy=False)

    def _grad_hess_block(
        self, blk: Block, grad: np.ndarray, hess: np.ndarray, ws: Workspace, params: _Params
    ) -> None:
        z, dtype, b = blk.z, grad.dtype, blk.z.shape[0]
        _, total, _, _ = exp_rows(z, grad, ws, blk.rows.start)
        p = grad
        p *= (1.0 / total)[:, None]
        c = blk.class_w
        if c is None:
            wp = p
        else:
            wp = ws.matrix("wp", b)
            np.multiply(p, c, out=wp)
        t = ws.matrix("t", b)
        np.multiply(wp, p, out=t)
        q = ws.row_sums(t, "q").copy()  # Q = sum_j w_j p_j^2
        # The loss scale (resolved by _prepare) rides on the row factor: one multiply.
        scale = 2.0 * float(params.loss_scale)
        factor = scale if blk.row_w is None else (scale * blk.row_w).astype(dtype)[:, None]
        if c is None and params.hessian == "gauss-newton":
            # The default, in the fewest passes: t holds p^2 here, so
            # hess = 2 p^2 (1 + Q - 2 p) with the factor (2, times the row
            # weight) folded into per-row constants.
            np.multiply(p, -2.0 * factor, out=hess)
            hess += (factor * (1.0 + q[:, None])).astype(dtype, copy=False)
            np.maximum(hess, 0.0, out=hess)  # see _clamp_note
            hess *= t
        # S = sum_j p_j r_j = Q - sum_j w_j p_j y_j; then t <- r - S = w p - w y - S
        if blk.codes is not None:
            pflat, idx = label_index(p, blk.codes)
            # In the dtype of wp, so that r - S is exactly 0 where p is one-hot and right.
            c_label = 1.0 if c is None else blk.class_w_at_labels().astype(dtype)
            s = q - c_label * pflat[idx]
            np.subtract(wp, s[:, None], out=t)
            if t.strides == p.strides:
                flat_view(t)[0][idx] -= c_label
            else:
                tflat, tidx = label_index(t, blk.codes)
                tflat[tidx] -= c_label
        else:
            probs = blk.probs
            assert probs is not None  # a block holds class ids or soft labels
            wy = (probs if c is None else probs * c).astype(dtype, copy=False)
            np.multiply(p, wy, out=t)
            s = q - (t @ np.ones(t.shape[1], dtype=t.dtype))
            np.subtract(wp, wy, out=t)
            t -= s[:, None]
        if c is None and params.hessian == "gauss-newton":
            p *= t  # grad = 2 p (r - S); p is no longer needed
            p *= factor
            return
        pf = ws.matrix("pf", b)
        if params.hessian == "exact":
            # hess = 2 p [(1 - 2p)(r - S + w p) + p Q]
            np.add(t, wp, out=hess)
            np.multiply(p, -2.0, out=pf)
            pf += 1.0
            hess *= pf
            np.multiply(p, q[:, None], out=pf)
            hess += pf
        else:
            # hess = 2 p^2 [w - 2 w p + Q]
            np.multiply(wp, -2.0, out=hess)
            hess += 1.0 if c is None else c
            hess += q[:, None]
            np.maximum(hess, 0.0, out=hess)  # see _clamp_note
            hess *= p
        np.multiply(p, factor, out=pf)  # 2 p (times the row weight)
        hess *= pf
        np.multiply(pf, t, out=grad)  # grad = 2 p (r - S), overwriting p

    def _kernel_block(self, kernels, blk, grad, hess, scale, floor, check, params):
        # The kernel multiplies the loss scale into each row's weight (1 without).
        return kernels.brier(
            *_kernel_inputs(blk),
            float(params.loss_scale),
            params.hessian == "exact",
            grad,
            hess,
            scale,
            floor,
            check,
        )

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray, params: _Params
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

"""The base class of the objectives, and what it needs.

Parameter validation, the choice of backend (numpy, or numba's compiled
kernels), output buffers, the Hessian floor of safe mode, and the blockwise
loops every objective runs; each objective supplies its own formulas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from .._blocks import Block, Workspace, make_block, row_blocks, run_blocks, strided_ok
from .._softmax import check_finite_fast, softmax_rows
from .._validation import (
    Targets,
    _describe,
    as_targets,
    bad_label_message,
    check_class_weight,
    check_positive_number,
    check_raw,
    first_nonfinite_row,
)

__all__ = ["BaseObjective", "numba_available"]

BACKENDS = ("auto", "numpy", "numba")


_NUMBA_HINT = "install numba (pip install 'boostobj[numba]') or use backend='numpy'"


_numba_module: Any = None


_numba_error: str | None = None


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (O(1)): the kernels then see one array type per argument."""
    if not a.flags.writeable:
        return a
    view = a.view()
    view.setflags(write=False)
    return view


# Placeholders for absent labels and weights, so that the compiled kernels
# see one type per argument (fewer compilations); every input is read-only.
_NO_CODES = _read_only(np.empty(0, dtype=np.intp))


_NO_ROW_W = _read_only(np.empty(0, dtype=np.float64))


_NO_CLASS_W = _read_only(np.empty((0, 0), dtype=np.float64))


@dataclasses.dataclass(frozen=True)
class _Params:
    """An objective's parameters as validated at the start of one call."""

    class_weight: np.ndarray | None
    hessian_scale: float
    min_hessian: float | None
    backend: str
    n_threads: int
    hessian: str | None = None  # WeightedBrier only
    # WeightedBrier only: a number, or "prior" or "adaptive" until _prepare
    # resolves it from the call's data.
    loss_scale: float | str = 1.0


def _load_numba() -> Any:
    """The compiled kernels (``boostobj._numba``), or None if numba cannot be imported."""
    global _numba_module, _numba_error
    if _numba_module is None and _numba_error is None:
        try:
            from .. import _numba
        except ImportError as exc:  # not installed, or not built for this numpy
            _numba_error = f"{type(exc).__name__}: {exc}"
        else:
            _numba_module = _numba
    return _numba_module


def numba_available() -> bool:
    """True if the compiled backend can be used (numba imports)."""
    return _load_numba() is not None


def _float64(a: np.ndarray | None, empty: np.ndarray) -> np.ndarray:
    return empty if a is None else _read_only(np.asarray(a, dtype=np.float64))


def _check_n_threads(n_threads: int | None, default: int | None = None) -> int:
    """``n_threads`` as an int >= 1; None takes ``default`` (None: 1)."""
    if n_threads is None:
        return 1 if default is None else default
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)):
        raise TypeError(f"n_threads must be None or a positive int, got {n_threads!r}")
    if n_threads < 1:
        raise ValueError(f"n_threads must be None or >= 1, got {n_threads}")
    return int(n_threads)


def _check_out(
    out: np.ndarray | None,
    name: str,
    raw: np.ndarray,
    inputs: tuple[tuple[Any, str], ...] = (),
    dtype: np.dtype | None = None,
) -> np.ndarray:
    """Validate an output buffer: ``raw``'s shape, and ``dtype`` (default raw's or float32)."""
    if out is None:
        return np.empty(raw.shape, dtype=raw.dtype if dtype is None else dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(out).__name__}")
    if not out.dtype.isnative:
        # Buffers are for writing in place, fast; swapping bytes would defeat that.
        raise ValueError(
            f"{name} must be in the machine's byte order, got {_describe(out)}; pass a "
            f"native buffer (e.g. np.empty_like(raw, dtype=float)) or none"
        )
    allowed = {raw.dtype, np.dtype(np.float32)} if dtype is None else {dtype}
    if out.shape != raw.shape or out.dtype not in allowed:
        wanted = " or ".join(sorted(str(d) for d in allowed))
        raise ValueError(
            f"{name} must have the shape and dtype of raw ({raw.shape}, {wanted}), "
            f"got {_describe(out)}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    if np.may_share_memory(out, raw):
        raise ValueError(f"{name} must not share memory with raw")
    for other, what in inputs:
        if other is not None and np.may_share_memory(out, other):
            raise ValueError(
                f"{name} must not share memory with {what}: it would be overwritten while "
                f"it is read; pass a separate buffer"
            )
    return out


def _hessian_floor(floor: float, dtype: np.dtype) -> Any:
    """``floor`` in ``dtype``, rounded up so that a positive floor stays positive.

    float32 rounds 1e-50 to 0 and 1e-8 to slightly below 1e-8; either would
    let a Hessian below the requested floor through.
    """
    value = np.asarray(floor, dtype=dtype)[()]
    if float(value) < float(floor):  # compared in float64: NEP 50 would cast floor to dtype
        value = np.nextafter(value, dtype.type(np.inf))
    return value


def _check_safe_block(grad: np.ndarray, hess: np.ndarray, first_row: int) -> None:
    """Raise ``ValueError`` if a floored block still holds NaN or infinity."""
    for what, a in (("grad", grad), ("hess", hess)):
        i = first_nonfinite_row(a)
        if i is not None:
            raise ValueError(
                f"{what} must be finite when min_hessian is set, got {a[i]!r} in row "
                f"{first_row + i}; the sample weights are too large for "
                f"{a.dtype}: rescale sample_weight or compute in float64"
            )


class BaseObjective:
    """Base class of the softmax objectives.

    Parameters
    ----------
    class_weight : array-like of shape (K,), default=None
        Non-negative weight of each class, multiplying ``sample_weight``.
    hessian_scale : float, default=1.0
        Factor applied to the diagonal Hessian, e.g. to match an engine's
        built-in objective (XGBoost uses 2, LightGBM ``K / (K - 1)`` for
        softmax cross-entropy) through the native or scikit-learn adapters.
        The ``Classifier`` s apply the engine's factor themselves
        (``engine_hessian=True``) and multiply it with this one.
    min_hessian : float or None, default=None
        Floor applied to the scaled, weighted Hessian (zero weights included);
        None applies none. It is rounded up to the output dtype, so a
        positive floor stays positive in float32. A positive floor is "safe
        mode": ``grad_hess`` then also raises ``ValueError`` rather than
        return a gradient or Hessian that overflowed.
    backend : {"auto", "numpy", "numba"}, default="auto"
        How ``grad_hess`` computes: "numba" runs compiled kernels that read
        each margin once (the ``boostobj[numba]`` extra; about twice as fast),
        "numpy" runs blockwise numpy passes, "auto" takes numba when it can
        be imported. The two agree to floating-point rounding; ``loss`` and
        ``predict_proba`` always use numpy.
    n_threads : int or None, default=None
        Threads over row blocks when a method's own ``n_threads`` is not
        given: the engine adapters call the objective without one, so this
        sets their thread count. None means 1, except in the ``Classifier``
        of each engine, which then uses the engine's own (``n_jobs``, or
        ``nthread`` / ``num_threads`` when set). Results do not depend on it.
        It is an upper bound: a call starts one thread per 16 MiB of
        ``raw`` at most (``2**21`` float64 or ``2**22`` float32 margins,
        about 8 ms of work each), because an engine calls the objective just
        after one of its OpenMP regions, whose threads keep spinning on the
        cores for a while; a shorter call only waits for them
        (``benchmarks/bench_threads.py``).
    """

    #: Name used in engine metric logs.
    name = "objective"

    def __init__(
        self,
        class_weight: Any = None,
        hessian_scale: float = 1.0,
        min_hessian: float | None = None,
        backend: str = "auto",
        n_threads: int | None = None,
    ) -> None:
        self.class_weight = class_weight
        self.hessian_scale = hessian_scale
        self.min_hessian = min_hessian
        self.backend = backend
        self.n_threads = n_threads
        params = self._validate_params()
        if backend == "numba":
            self._kernels(params)  # a missing numba is reported where it is asked for

    # Parameters are validated where they are used, as in scikit-learn: every
    # public method validates the attributes as they are then (O(K)) and
    # computes from that snapshot alone. Nothing derived from them is kept,
    # so a parameter set after construction takes effect (or is refused) at
    # the next call, and an object and its copies always compute the same.
    def _validate_params(self) -> _Params:
        """The current parameters, validated: raises as the constructor would."""
        class_weight = check_class_weight(self.class_weight)
        scale = check_positive_number(self.hessian_scale, "hessian_scale")
        floor = self.min_hessian
        if floor is not None:
            if isinstance(floor, bool) or not isinstance(
                floor, (int, float, np.integer, np.floating)
            ):
                raise TypeError(f"min_hessian must be None or a number >= 0, got {floor!r}")
            if not (np.isfinite(floor) and floor >= 0):
                raise ValueError(f"min_hessian must be None or a finite number >= 0, got {floor!r}")
            floor = float(floor)
        n_threads = _check_n_threads(self.n_threads)
        if not isinstance(self.backend, str) or self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        return _Params(class_weight, scale, floor, self.backend, n_threads)

    @staticmethod
    def _kernels(params: _Params) -> Any:
        """The compiled kernels if ``grad_hess`` uses them, else None.

        Raises ``ImportError`` for ``backend="numba"`` without numba. Only the
        constructor, ``grad_hess`` and ``active_backend`` ask: an unpickled
        objective or a loaded model that names the numba backend still
        predicts without numba.
        """
        if params.backend == "numpy":
            return None
        kernels = _load_numba()
        if kernels is None and params.backend == "numba":
            raise ImportError(
                f"backend='numba' needs numba, which did not import ({_numba_error}): {_NUMBA_HINT}"
            )
        return kernels

    @property
    def active_backend(self) -> str:
        """The backend ``grad_hess`` runs: "numba" or "numpy" (see ``backend``)."""
        return "numpy" if self._kernels(self._validate_params()) is None else "numba"

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
        if self.backend != "auto":
            params["backend"] = self.backend
        if self.n_threads is not None:
            params["n_threads"] = self.n_threads
        return params

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"backend": "auto", "n_threads": None, **state})
        self._validate_params()

    # ------------------------------------------------------------------ checks
    def _prepare(
        self, labels: Any, raw: Any, sample_weight: Any, n_threads: int | None = None
    ) -> tuple[Targets, np.ndarray, _Params]:
        params = self._validate_params()
        raw = check_raw(raw)
        targets = as_targets(labels, sample_weight)
        k = 2 if raw.ndim == 1 else raw.shape[1]
        targets.check_fits(raw.shape[0], k, single_output=raw.ndim == 1)
        cw = params.class_weight
        if cw is not None and cw.shape[0] != k:
            raise ValueError(f"class_weight has {cw.shape[0]} entries but raw has K={k} classes")
        return targets, raw, self._resolve_params(params, targets, raw, n_threads)

    def _resolve_params(
        self, params: _Params, targets: Targets, raw: np.ndarray, n_threads: int | None
    ) -> _Params:
        """``params`` with whatever depends on the call's labels, weights and margins resolved.

        Called with checked arguments; ``n_threads`` is the call's (None: the objective's).
        """
        return params

    def _pin_loss_scale(
        self, targets: Targets, n_classes: int, single_output: bool
    ) -> BaseObjective:
        """This objective with any data-dependent loss scale fixed on ``targets``.

        For trainers that see the whole training set once (the Classifiers,
        the Dask helpers): every round, worker and evaluation set then uses
        one scale. Returns ``self`` or a copy; ``self`` is never changed.
        """
        return self

    def _fixed_scale_at(self, labels: Any, raw: Any, sample_weight: Any = None) -> BaseObjective:
        """This objective, or a copy with a margin-dependent loss scale held at ``raw``.

        For :func:`~boostobj.check_grad_hess`, which differences the copy's loss.
        """
        return self

    def _shared_scale(
        self,
        targets: Targets,
        raw: np.ndarray,
        total: Callable[[np.ndarray], np.ndarray],
    ) -> BaseObjective:
        """This objective with a margin-dependent loss scale resolved over several workers.

        For engines that train on rows spread over processes: ``targets`` and
        ``raw`` are this worker's checked rows, and ``total`` sums an array
        over all workers (every worker must call it, in the same round).
        Returns ``self`` or a copy with a number as its scale.
        """
        return self

    def _unscaled(self) -> BaseObjective:
        """The objective whose loss a metric reports: this one without a loss scale."""
        return self

    # ------------------------------------------------------------- public API
    def loss(
        self, labels: Any, raw: Any, sample_weight: Any = None, *, n_threads: int | None = None
    ) -> np.ndarray:
        """Per-sample loss, weights included.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        raw : array-like of shape (n, K) or (n,)
        sample_weight : array-like of shape (n,) or (n, K), default=None
        n_threads : int, default=None
            Threads over row blocks; None takes the objective's ``n_threads``.

        Returns
        -------
        loss : ndarray of shape (n,), dtype of ``raw``
        """
        targets, raw, params = self._prepare(labels, raw, sample_weight, n_threads)
        n_threads = _check_n_threads(n_threads, params.n_threads)
        out = np.empty(raw.shape[0], dtype=raw.dtype)
        k = 2 if raw.ndim == 1 else raw.shape[1]

        def work(blocks):
            ws = Workspace(k, raw.dtype)
            with np.errstate(over="ignore", under="ignore"):
                for rows in blocks:
                    blk = make_block(targets, raw, params.class_weight, rows)
                    out[rows] = self._loss_block(blk, ws, params)

        run_blocks(raw.shape[0], k, n_threads, work, itemsize=raw.dtype.itemsize)
        return out

    def grad_hess(
        self,
        labels: Any,
        raw: Any,
        sample_weight: Any = None,
        *,
        grad_out: np.ndarray | None = None,
        hess_out: np.ndarray | None = None,
        n_threads: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and diagonal Hessian of the per-sample loss.

        Parameters
        ----------
        labels : array-like of shape (n,) or (n, K), or Targets
        raw : array-like of shape (n, K) or (n,)
        sample_weight : array-like of shape (n,) or (n, K), default=None
        grad_out, hess_out : ndarray with the shape of ``raw``, optional
            Buffers to write the results into, of ``raw``'s dtype or float32
            (both the same): float32 buffers for float64 margins receive the
            float64 results rounded once, as the engines store them. C- or
            Fortran-ordered buffers are written in place (Fortran order is
            what LightGBM reads); other layouts go through scratch memory.
        n_threads : int, default=None
            Threads over row blocks; None takes the objective's ``n_threads``
            (itself 1 by default). Each thread processes whole blocks, so the
            result does not depend on the number of threads.

        Returns
        -------
        grad, hess : ndarray with the shape of ``raw``
            Of ``raw``'s dtype, or of the buffers' dtype when given. ``hess``
            is ``hessian_scale`` times the diagonal Hessian, floored at
            ``min_hessian`` (rounded up to the output dtype) when that is set.
        """
        given = (raw, labels, sample_weight)
        targets, raw, params = self._prepare(labels, raw, sample_weight, n_threads)
        n_threads = _check_n_threads(n_threads, params.n_threads)
        # The arrays as passed, not only the validated copies: an output that
        # overlaps the caller's labels or weights is a mistake all the same.
        inputs = tuple(
            (a, what)
            for a, what in zip(given, ("raw", "labels", "sample_weight"), strict=True)
            if isinstance(a, np.ndarray)
        )
        grad = _check_out(grad_out, "grad_out", raw, inputs)
        hess = _check_out(
            hess_out, "hess_out", raw, (*inputs, (grad_out, "grad_out")), dtype=grad.dtype
        )
        single = raw.ndim == 1
        k = 2 if single else raw.shape[1]
        kernels = self._kernels(params)
        # Blocks are computed in place in the outputs when both have the same
        # simple layout (and, for numpy, raw's dtype), else in scratch and copied out.
        direct = (
            not single
            and strided_ok(grad)
            and strided_ok(hess)
            and grad.strides == hess.strides
            and (kernels is not None or grad.dtype == raw.dtype)
        )
        order: Literal["C", "F"] = (
            "F" if grad.flags.f_contiguous and not grad.flags.c_contiguous else "C"
        )
        scale = params.hessian_scale
        min_hessian = params.min_hessian
        safe = min_hessian is not None and min_hessian > 0
        # Rounded up to the output dtype: the floor then holds after rounding.
        floor = None if min_hessian is None else _hessian_floor(min_hessian, grad.dtype)
        # The kernels compute in raw's dtype and take these in it (numpy's
        # float32 path likewise rounds the scale to float32).
        kernel_scale = raw.dtype.type(scale)
        kernel_floor = raw.dtype.type(-np.inf if floor is None else floor)

        def work(blocks):
            ws = Workspace(k, raw.dtype)
            # In safe mode a NaN is reported as a ValueError below, not a warning.
            with np.errstate(over="ignore", under="ignore", invalid="ignore" if safe else "warn"):
                for rows in blocks:
                    blk = make_block(targets, raw, params.class_weight, rows)
                    b = rows.stop - rows.start
                    if direct:
                        g, h = grad[rows], hess[rows]
                    else:
                        g, h = ws.matrix("grad", b, order), ws.matrix("hess", b, order)
                    if kernels is not None:
                        bad_raw, bad_out, bad_label = self._kernel_block(
                            kernels, blk, g, h, kernel_scale, kernel_floor, safe, params
                        )
                        if bad_raw >= 0:
                            check_finite_fast(blk.z[bad_raw : bad_raw + 1], rows.start + bad_raw)
                        if bad_label >= 0:
                            assert blk.codes is not None  # only class ids can be out of range
                            raise ValueError(
                                bad_label_message(blk.codes[bad_label], rows.start + bad_label, k)
                            )
                        if safe and bad_out >= 0:
                            one = slice(bad_out, bad_out + 1)
                            _check_safe_block(g[one], h[one], rows.start + bad_out)
                    else:
                        self._grad_hess_block(blk, g, h, ws, params)
                        if scale != 1.0:
                            h *= scale
                        if floor is not None:
                            np.maximum(h, floor, out=h)
                        if safe:
                            _check_safe_block(g, h, rows.start)
                    if not direct:
                        grad[rows] = g[:, 1] if single else g
                        hess[rows] = h[:, 1] if single else h
                        if safe and grad.dtype != g.dtype:  # rounding may overflow
                            _check_safe_block(grad[rows], hess[rows], rows.start)

        run_blocks(
            raw.shape[0],
            k,
            n_threads,
            work,
            itemsize=raw.dtype.itemsize,
            large_blocks=direct and kernels is not None,
        )
        return grad, hess

    def predict_proba(self, raw: Any, *, n_threads: int | None = None) -> np.ndarray:
        """Class probabilities ``softmax(raw)``.

        Parameters
        ----------
        raw : array-like of shape (n, K) or (n,)
        n_threads : int, default=None

        Returns
        -------
        proba : ndarray of shape (n, K), or (n, 2) for 1-D ``raw``
        """
        params = self._validate_params()
        raw = check_raw(raw)
        n_threads = _check_n_threads(n_threads, params.n_threads)
        if raw.ndim == 1:
            z = np.zeros((raw.shape[0], 2), dtype=raw.dtype)
            z[:, 1] = raw
            raw = z
        proba = np.empty(raw.shape, dtype=raw.dtype)

        def work(blocks):
            ws = Workspace(raw.shape[1], raw.dtype)
            with np.errstate(over="ignore", under="ignore"):
                for rows in blocks:
                    softmax_rows(raw[rows], proba[rows], ws, rows.start)

        run_blocks(raw.shape[0], raw.shape[1], n_threads, work, itemsize=raw.dtype.itemsize)
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
        params, targets, k = self._labels_with_classes(
            labels, sample_weight, n_classes, single_output, "init_raw"
        )
        cw = params.class_weight
        shape = (targets.n_samples,) if single_output else (targets.n_samples, k)
        # Zero-stride stand-in for margins: the block iterator only reads its shape.
        no_raw = np.broadcast_to(np.zeros((), dtype=np.float64), shape)
        label_mass = np.zeros(k)
        weight_mass = np.zeros(k)
        for rows in row_blocks(targets.n_samples, k):
            blk = make_block(targets, no_raw, cw, rows)
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
                assert blk.probs is not None  # a block holds class ids or soft labels
                label_mass += (w * blk.probs).sum(axis=0)
        proba = self._optimal_constant_proba(label_mass, weight_mass, params)
        if not np.all(np.isfinite(proba)) or proba.sum() <= 0:
            raise ValueError(
                "the weighted labels carry no mass (every labelled class has weight 0); "
                "check sample_weight and class_weight"
            )
        logp = np.log(np.maximum(proba, np.finfo(np.float64).eps))
        if single_output:
            return float(logp[1] - logp[0])
        return logp - logp.mean()

    def _labels_with_classes(
        self,
        labels: Any,
        sample_weight: Any,
        n_classes: int | None,
        single_output: bool,
        what: str,
    ) -> tuple[_Params, Targets, int]:
        """Parameters, checked targets and K for methods given labels without margins.

        K is 2 for a single output, else ``n_classes``, else read from the
        soft labels or the largest class id; ``what`` names the method in errors.
        """
        params = self._validate_params()
        targets = as_targets(labels, sample_weight)
        if targets.n_samples == 0:
            raise ValueError(f"{what} needs at least one sample, got n = 0")
        if single_output:
            k = 2
        elif n_classes is not None:
            if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
                raise TypeError(f"n_classes must be an int >= 2 or None, got {n_classes!r}")
            k = int(n_classes)
        elif targets.soft:
            k = targets._labels.shape[1]
        else:
            k = int(targets._label_max) + 1
        if k < 2:
            raise ValueError(f"n_classes must be >= 2, got {k}")
        targets.check_fits(targets.n_samples, k, single_output)
        cw = params.class_weight
        if cw is not None and cw.shape[0] != k:
            raise ValueError(f"class_weight has {cw.shape[0]} entries but there are K={k} classes")
        return params, targets, k

    # ------------------------------------------------------- subclass hooks
    # The hooks compute from ``params`` (validated at the call), never from
    # the attributes, which may change meanwhile.
    def _loss_block(self, blk: Block, ws: Workspace, params: _Params) -> np.ndarray:
        raise NotImplementedError

    def _grad_hess_block(
        self, blk: Block, grad: np.ndarray, hess: np.ndarray, ws: Workspace, params: _Params
    ) -> None:
        raise NotImplementedError

    def _kernel_block(
        self,
        kernels: Any,
        blk: Block,
        grad: np.ndarray,
        hess: np.ndarray,
        scale: float,
        floor: float,
        check: bool,
        params: _Params,
    ) -> tuple[int, int, int]:
        """Run the compiled kernel on a block: scaled, floored Hessian included.

        Returns the first rows (in the block) with non-finite margins, with
        non-finite outputs (if ``check``) and with a class id outside
        ``[0, K)``; -1 where there is none.
        """
        raise NotImplementedError

    def _optimal_constant_proba(
        self, label_mass: np.ndarray, weight_mass: np.ndarray, params: _Params
    ) -> np.ndarray:
        raise NotImplementedError

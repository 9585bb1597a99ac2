"""Input checking shared by every objective.

Validation is done once per data set by :class:`Targets`; the objectives then
only check that a prepared ``Targets`` fits the margins they are given, which
costs O(1). Checks over large arrays run in row blocks so that they never
allocate a temporary as large as the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Elements of a (n, K) array processed at once. Measured at n=1e6, K=10
# (benchmarks/bench_objectives.py): per-block Python overhead (~35 us) costs
# more than leaving L2 for L3, so 2**17 beat 2**12..2**16 (44 ms vs 48..127).
BLOCK_ELEMENTS = 1 << 17

# Soft-label rows must sum to one within this absolute tolerance.
SOFT_LABEL_SUM_TOL = 1e-3


def row_blocks(n: int, n_columns: int, block_elements: int | None = None):
    """Yield slices of about ``block_elements`` elements (default ``BLOCK_ELEMENTS``)."""
    size = BLOCK_ELEMENTS if block_elements is None else block_elements
    step = max(1, size // max(1, n_columns))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def _describe(x: np.ndarray) -> str:
    return f"shape {x.shape} and dtype {x.dtype}"


def as_native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order: big-endian data is converted once."""
    if arr.dtype.isnative:
        return arr
    return arr.astype(arr.dtype.newbyteorder("="))


def as_numeric_array(x: Any, name: str, *, allow_int: bool = True) -> np.ndarray:
    """Convert ``x`` to an ndarray of native byte order, refusing non-numeric data.

    Lists, pandas Series/DataFrames and anything with ``__array__`` are
    accepted; object, string, boolean, complex, float16 and extended
    precision data are refused with a ``TypeError`` naming ``name``. Arrays
    are not copied unless their byte order is not the machine's (numpy and
    scikit-learn accept either; the computations need native numbers).
    """
    if x is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind == "b":
        raise TypeError(
            f"{name} must hold numbers, got a boolean array ({_describe(arr)}); "
            f"convert it with .astype(float) if that is what you mean"
        )
    if kind in "iu" and allow_int:
        return as_native(arr)
    if kind == "f" and arr.dtype.itemsize in (4, 8):
        return as_native(arr)
    if kind == "f" and arr.dtype.itemsize == 2:
        raise TypeError(
            f"{name} must be float32 or float64, got {arr.dtype} ({_describe(arr)}); "
            f"float16 is too coarse for gradients, cast to float32"
        )
    if kind == "f":
        raise TypeError(
            f"{name} must be float32 or float64, got {arr.dtype} ({_describe(arr)}); "
            f"cast it to float64"
        )
    expected = "an integer, float32 or float64 array" if allow_int else "a float32 or float64 array"
    raise TypeError(f"{name} must be {expected}, got dtype {arr.dtype} ({_describe(arr)})")


def check_raw(raw: Any) -> np.ndarray:
    """Return ``raw`` as a float32/float64 array of shape (n,) or (n, K), K >= 2."""
    arr = as_numeric_array(raw, "raw")
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    if arr.ndim == 2 and arr.shape[1] < 2:
        raise ValueError(
            f"raw must have K >= 2 columns (or be 1-D for a single-output binary "
            f"model), got {_describe(arr)}"
        )
    if arr.ndim not in (1, 2):
        raise ValueError(f"raw must be 1-D (n,) or 2-D (n, K), got {_describe(arr)}")
    return arr


def first_nonfinite_row(x: np.ndarray) -> int | None:
    """Index of the first row of ``x`` holding NaN or infinity, or None.

    A block's sum is finite when every term is, so one fast reduction
    settles the common case; only a non-finite sum (which overflow of finite
    values can also cause) needs the elementwise check.
    """
    if x.dtype.kind not in "fc" or x.size == 0:
        return None  # integers are always finite, and an empty array holds nothing
    flat = x.reshape(x.shape[0], -1) if x.ndim else x.reshape(1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(flat)  # in x's dtype: an upcast costs ~20% of a float32 call
    if np.isfinite(total):
        return None
    bad = ~np.isfinite(flat).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


def check_finite_blockwise(x: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinity, naming where."""
    flat = x.reshape(x.shape[0], -1) if x.ndim else x.reshape(1, 1)
    for rows in row_blocks(flat.shape[0], flat.shape[1]):
        j = first_nonfinite_row(flat[rows])
        if j is not None:
            i = rows.start + j
            raise ValueError(f"{name} must be finite, got {x[i]!r} in row {i} ({_describe(x)})")


def _minmax_blockwise(x: np.ndarray) -> tuple[float, float]:
    lo, hi = np.inf, -np.inf
    flat = x.reshape(x.shape[0], -1)
    for rows in row_blocks(flat.shape[0], flat.shape[1]):
        block = flat[rows]
        lo = min(lo, float(block.min()))
        hi = max(hi, float(block.max()))
    return lo, hi


def check_positive_number(value: Any, name: str) -> float:
    """``value`` as a float, if it is a positive finite number; else TypeError or ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive finite number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_class_weight(class_weight: Any) -> np.ndarray | None:
    """Validate a (K,) array of non-negative, finite class weights."""
    if class_weight is None:
        return None
    cw = as_numeric_array(class_weight, "class_weight").astype(np.float64)
    if cw.ndim != 1 or cw.shape[0] < 2:
        raise ValueError(f"class_weight must be 1-D of length K >= 2, got {_describe(cw)}")
    if not np.all(np.isfinite(cw)) or np.any(cw < 0):
        raise ValueError(f"class_weight must be finite and >= 0, got {cw!r}")
    if not np.any(cw > 0):
        raise ValueError(f"class_weight must have a positive entry, got {cw!r}")
    cw.setflags(write=False)
    return cw


def owned_read_only(source: Any, arr: np.ndarray) -> np.ndarray:
    """``arr`` (converted from ``source``) as data that no later write can reach.

    Copies unless ``arr`` was made from ``source`` by a conversion (a list,
    or a change of byte order), which nobody else holds. The copy is made
    read-only and handed out as a view: the view cannot be made writeable
    again (``setflags(write=True)`` refuses, its base being read-only), and
    the caller's array is no longer involved, so writing to it, its base or
    any view of it leaves these data as they were validated.
    """
    fresh = isinstance(source, (list, tuple)) or (
        isinstance(source, np.ndarray) and not np.may_share_memory(source, arr)
    )
    owner = arr if fresh and arr.base is None else np.array(arr, copy=True)
    owner.setflags(write=False)
    return owner[...]


def bad_label_message(value: Any, row: int, n_classes: int) -> str:
    """The error for a class id outside ``[0, n_classes)`` met while computing."""
    return (
        f"labels must be class ids in [0, {n_classes}) for raw with K={n_classes} "
        f"columns, got {value!r} in row {row}"
    )


class Targets:
    """Validated labels and sample weights of one data set.

    Building a ``Targets`` checks the labels and weights once; objectives
    accept it in place of ``labels`` (with ``sample_weight=None``) and then
    only verify that it fits the margins, so an engine calling the objective
    every boosting round does not pay for validation every round.

    A ``Targets`` holds its own read-only copy of the data (made once, before
    the checks), so it cannot change after validation: writing to the arrays
    it was built from does not reach it, and its attributes cannot be
    reassigned. Copies of a ``Targets`` are the object itself.

    Parameters
    ----------
    labels : array-like of shape (n,) or (n, K)
        Integer class ids in ``[0, K)`` (floats holding whole numbers are
        accepted), probabilities in ``[0, 1]`` for a single-output binary
        model, or non-negative soft labels whose rows sum to one.
    sample_weight : array-like of shape (n,) or (n, K), default=None
        Non-negative, finite weights per sample or per sample and class.

    Attributes
    ----------
    n_samples : int
    soft : bool
        True for (n, K) soft labels.
    codes : ndarray of shape (n,) or None
        The 1-D labels (hard class ids or binary probabilities), as given but
        in native byte order; a read-only copy.
    probs : ndarray of shape (n, K) or None
        The soft labels; a read-only copy.
    sample_weight : ndarray of shape (n,) or (n, K), or None
        A read-only copy.
    """

    # All-zero weights train nothing: an error, except on one worker of a
    # distributed training, whose rows may all carry weight 0 (_WorkerTargets).
    _needs_mass = True

    def __init__(self, labels: Any, sample_weight: Any = None) -> None:
        arr = as_numeric_array(labels, "labels")
        if arr.ndim not in (1, 2):
            raise ValueError(
                f"labels must be 1-D class ids (n,) or 2-D soft labels (n, K), got {_describe(arr)}"
            )
        # Copied before it is checked: what is checked is what is kept.
        arr = owned_read_only(labels, arr)
        n = arr.shape[0]
        self._n_samples = n
        self._soft = arr.ndim == 2
        # The labels as kept: soft labels (n, K), else the 1-D labels (n,).
        self._labels = arr
        self._codes: np.ndarray | None = None
        self._probs: np.ndarray | None = None
        # Class ids as intp, read-only, for 1-D whole-number labels; None otherwise.
        self._ids: np.ndarray | None = None
        self._label_min = 0.0
        self._label_max = 0.0
        self._whole = True
        if n:
            check_finite_blockwise(arr, "labels")
            self._label_min, self._label_max = _minmax_blockwise(arr)
        if self._label_min < 0:
            raise ValueError(
                f"labels must be >= 0 (class ids or probabilities), got minimum {self._label_min}"
            )
        if self._soft:
            if arr.shape[1] < 2:
                raise ValueError(f"soft labels must have K >= 2 columns, got {_describe(arr)}")
            self._check_soft_rows(arr)
            self._probs = arr
        else:
            if arr.dtype.kind == "f" and n:
                self._whole = all(
                    bool(np.all(np.floor(arr[rows]) == arr[rows])) for rows in row_blocks(n, 1)
                )
            self._codes = arr
            # Beyond 2**31 no K can fit (check_fits refuses), and the cast could overflow.
            if self._whole and self._label_max < 2**31:
                if arr.dtype == np.intp:
                    self._ids = arr
                else:
                    ids = arr.astype(np.intp)
                    ids.setflags(write=False)
                    self._ids = ids[...]
        self._sample_weight = self._check_weight(sample_weight, n)

    @property
    def n_samples(self) -> int:
        return self._n_samples

    @property
    def soft(self) -> bool:
        return self._soft

    @property
    def codes(self) -> np.ndarray | None:
        return self._codes

    @property
    def probs(self) -> np.ndarray | None:
        return self._probs

    @property
    def sample_weight(self) -> np.ndarray | None:
        return self._sample_weight

    def __copy__(self) -> Targets:
        return self  # immutable

    def __deepcopy__(self, memo: dict) -> Targets:
        return self

    def __reduce__(self) -> tuple:
        # Rebuilt (and checked) from the data: unpickled arrays would be writeable.
        labels = self._probs if self._soft else self._codes
        return (type(self), (labels, self._sample_weight))

    @staticmethod
    def _check_soft_rows(probs: np.ndarray) -> None:
        # A matrix-vector product sums short rows several times faster than sum(axis=1).
        ones = np.ones(probs.shape[1], dtype=np.float64)
        for rows in row_blocks(probs.shape[0], probs.shape[1]):
            sums = probs[rows] @ ones
            bad = np.abs(sums - 1.0) > SOFT_LABEL_SUM_TOL
            if bad.any():
                j = int(np.argmax(bad))
                raise ValueError(
                    f"soft labels must be probabilities whose rows sum to 1 (within "
                    f"{SOFT_LABEL_SUM_TOL}), got row {rows.start + j} summing to {sums[j]!r}"
                )

    def _check_weight(self, sample_weight: Any, n: int) -> np.ndarray | None:
        if sample_weight is None:
            return None
        sw = as_numeric_array(sample_weight, "sample_weight")
        if sw.ndim not in (1, 2) or sw.shape[0] != n:
            raise ValueError(
                f"sample_weight must have shape ({n},) or ({n}, K) to match labels, "
                f"got {_describe(sw)}"
            )
        sw = owned_read_only(sample_weight, sw)
        if n == 0:
            return sw
        check_finite_blockwise(sw, "sample_weight")
        lo, hi = _minmax_blockwise(sw)
        if lo < 0:
            raise ValueError(f"sample_weight must be >= 0, got minimum {lo}")
        if hi <= 0 and self._needs_mass:
            raise ValueError("sample_weight must have a positive entry, got all zeros")
        return sw

    def class_masses(self, n_classes: int, single_output: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per-class sums of the weighted labels and of the weights, without class weights.

        ``(B, W)`` of shape (K,): ``B_k = sum_i w_ik y_ik`` and ``W_k = sum_i w_ik``,
        with ``w`` the sample weights (1 where there are none) and ``y`` the
        one-hot class ids, soft labels, or ``[1 - y, y]`` for a single output.
        A class weight ``c`` multiplies both by ``c_k``. Call after
        ``check_fits``. Cached: the data cannot change, and an objective
        resolving a scale from them every boosting round then pays O(K).
        """
        key = (int(n_classes), bool(single_output))
        cache = self.__dict__.setdefault("_masses", {})
        if key not in cache:
            cache[key] = self._compute_class_masses(*key)
        return cache[key]

    def _compute_class_masses(self, k: int, single_output: bool) -> tuple[np.ndarray, np.ndarray]:
        n, sw = self._n_samples, self._sample_weight
        label_mass, weight_mass = np.zeros(k), np.zeros(k)
        row_w = sw if sw is not None and sw.ndim == 1 else None
        if sw is None:
            weight_mass[:] = n
        elif row_w is not None:
            weight_mass[:] = np.sum(row_w, dtype=np.float64)
        else:
            # Column by column, summed as a 1-D weight would be: equal per-class
            # weights then give the same bits as those 1-D weights.
            for k_ in range(k):
                weight_mass[k_] = np.sum(np.ascontiguousarray(sw[:, k_]), dtype=np.float64)
        if self._soft or (single_output and not self._whole):
            # (n, K) soft labels, or binary probabilities read as [1 - y, y].
            for rows in row_blocks(n, k):
                if self._soft:
                    y = np.asarray(self._labels[rows], dtype=np.float64)
                else:
                    y1 = np.asarray(self._labels[rows], dtype=np.float64)
                    y = np.column_stack([1.0 - y1, y1])
                if sw is None:
                    label_mass += y.sum(axis=0)
                elif row_w is not None:
                    label_mass += row_w[rows] @ y
                else:
                    label_mass += np.einsum("ij,ij->j", sw[rows], y)
            return label_mass, weight_mass
        ids = self._ids
        assert ids is not None  # check_fits refuses fractional class ids
        if row_w is None and sw is None:
            label_mass += np.bincount(ids, minlength=k)[:k]
            return label_mass, weight_mass
        # In blocks small enough for the copies bincount makes of read-only
        # arrays to stay in cache: 2.2 ms at n = 1e6, against 5.7 ms at once.
        step = 1 << 14
        for start in range(0, n, step):
            rows = slice(start, min(n, start + step))
            if row_w is not None:
                w = row_w[rows]
            else:  # per-class weights: each row's weight of its own class
                assert sw is not None
                w = sw[rows][np.arange(rows.stop - rows.start), ids[rows]]
            label_mass += np.bincount(ids[rows], weights=w, minlength=k)[:k]
        return label_mass, weight_mass

    @property
    def whole(self) -> bool:
        """True for 1-D labels that are all whole numbers (class ids)."""
        return not self.soft and self._whole

    @property
    def n_label_columns(self) -> int | None:
        """K of soft labels, or None for 1-D labels."""
        return None if self.probs is None else self.probs.shape[1]

    def check_fits(self, n: int, n_classes: int, single_output: bool) -> None:
        """Raise ``ValueError`` unless these targets fit margins of that shape.

        ``n_classes`` is K (2 for a single-output binary model).
        """
        if n_classes < 2:
            raise ValueError(
                f"raw must have K >= 2 columns (or be 1-D for a single-output binary model), "
                f"got K={n_classes}"
            )
        if n != self.n_samples:
            raise ValueError(
                f"labels and raw must have the same number of rows: labels has "
                f"{self.n_samples}, raw has {n}"
            )
        sw = self._sample_weight
        if sw is not None and sw.ndim == 2 and sw.shape[1] != n_classes:
            raise ValueError(
                f"sample_weight of shape {sw.shape} needs K={sw.shape[1]} classes, "
                f"but raw has K={n_classes}"
            )
        if self.soft:
            if single_output:
                raise ValueError(
                    f"raw is 1-D (single-output binary), so labels must be 1-D "
                    f"probabilities in [0, 1], got soft labels of shape {self._labels.shape}"
                )
            if self._labels.shape[1] != n_classes:
                raise ValueError(
                    f"soft labels have K={self._labels.shape[1]} columns but raw has "
                    f"K={n_classes} columns"
                )
            return
        if single_output:
            if self._label_max > 1:
                raise ValueError(
                    f"raw is 1-D (single-output binary), so labels must lie in [0, 1], "
                    f"got maximum {self._label_max}"
                )
            return
        if not self._whole:
            raise ValueError(
                "labels must be whole-number class ids in [0, K) for 1-D multiclass labels, "
                "got fractional values; pass soft labels as an (n, K) array"
            )
        if self._label_max >= n_classes:
            raise ValueError(
                f"labels must be class ids in [0, {n_classes}) for raw with K={n_classes} "
                f"columns, got maximum {self._label_max:g}"
            )


def as_targets(labels: Any, sample_weight: Any) -> Targets:
    """Return ``labels`` as :class:`Targets`, validating unless already done."""
    if isinstance(labels, Targets):
        if sample_weight is not None:
            raise ValueError(
                "pass sample_weight when building Targets, not together with a Targets instance"
            )
        return labels
    return Targets(labels, sample_weight)


class _WorkerTargets(Targets):
    """Targets of one worker's rows in a distributed training: all-zero weights allowed.

    The whole data set must carry weight, which the client-side helpers
    check (``dask_init_raw``); one worker's partition need not.
    """

    _needs_mass = False

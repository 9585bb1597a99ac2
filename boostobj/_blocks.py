"""Row blocks, per-thread workspaces and the thread pool that runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from ._validation import BLOCK_ELEMENTS, Targets, bad_label_message, row_blocks


class Block:
    """One row block of margins, labels and weights.

    Single-output binary margins are given as the two columns ``[0, raw]``.

    Attributes
    ----------
    rows : slice
    z : ndarray (b, K)
        Margins (a view of ``raw`` where possible).
    codes : ndarray (b,) of intp, or None
        Class ids (hard labels).
    probs : ndarray (b, K) or None
        Soft labels (including the two-column form of binary probabilities).
    class_w : ndarray broadcastable to (b, K), or None
        Per-class weights: ``class_weight`` times a 2-D ``sample_weight``.
    row_w : ndarray (b,) or None
        1-D ``sample_weight``.
    """

    __slots__ = ("class_w", "codes", "probs", "row_w", "rows", "z")

    rows: slice
    z: np.ndarray
    codes: np.ndarray | None
    probs: np.ndarray | None
    class_w: np.ndarray | None
    row_w: np.ndarray | None

    def class_w_at_labels(self) -> np.ndarray:
        """``class_w[i, y_i]`` (class-id labels, ``class_w`` not None), float64."""
        cw = self.class_w
        assert cw is not None, "class_w_at_labels needs per-class weights"
        rows = 0 if cw.shape[0] == 1 else np.arange(cw.shape[0])
        return np.asarray(cw[rows, self.codes], dtype=np.float64)

    def label_weight(self) -> np.ndarray | None:
        """``w[i, y_i]`` for class-id labels, row weight included; None if all 1."""
        if self.class_w is None:
            return None if self.row_w is None else np.asarray(self.row_w, dtype=np.float64)
        a = self.class_w_at_labels()
        if self.row_w is not None:
            a *= self.row_w
        return a


def class_ids(targets: Targets, rows: slice, n_classes: int) -> np.ndarray:
    """The class ids of ``rows`` as intp, each checked to lie in ``[0, n_classes)``.

    ``check_fits`` has checked them already, and a ``Targets`` cannot change;
    checking again where they are about to index memory (one pass over the
    block's ids, negative ones read as huge unsigned numbers) means that no
    label can ever make the numpy path read another row.
    """
    ids = targets._ids
    if ids is None:  # check_fits refuses such labels first
        raise ValueError(
            f"labels must be whole-number class ids in [0, {n_classes}), got labels that are not"
        )
    block = ids[rows]
    if block.size and block.view(np.uintp).max() >= n_classes:
        j = int(np.argmax(block.view(np.uintp) >= n_classes))
        raise ValueError(bad_label_message(block[j], rows.start + j, n_classes))
    return block


def make_block(
    targets: Targets, raw: np.ndarray, class_weight: np.ndarray | None, rows: slice
) -> Block:
    """The :class:`Block` of ``rows``."""
    blk = Block()
    blk.rows = rows
    sw = targets.sample_weight
    if raw.ndim == 1:
        z = np.zeros((rows.stop - rows.start, 2), dtype=raw.dtype)
        z[:, 1] = raw[rows]
        blk.z = z
        if targets.whole:
            # 0/1 labels take the class-id path, which is more precise.
            blk.codes, blk.probs = class_ids(targets, rows, 2), None
        else:
            y = np.empty((z.shape[0], 2), dtype=np.float64)
            y[:, 1] = targets._labels[rows]
            np.subtract(1.0, y[:, 1], out=y[:, 0])
            blk.codes, blk.probs = None, y
    else:
        blk.z = raw[rows]
        if targets.soft:
            blk.codes, blk.probs = None, targets._labels[rows]
        else:
            blk.codes, blk.probs = class_ids(targets, rows, raw.shape[1]), None
    class_w = None if class_weight is None else class_weight[None, :]
    if sw is not None and sw.ndim == 2:
        blk.class_w = sw[rows] if class_w is None else sw[rows] * class_w
    else:
        blk.class_w = class_w
    blk.row_w = sw[rows] if sw is not None and sw.ndim == 1 else None
    return blk


class Workspace:
    """Scratch memory of one thread: reused across the blocks it processes."""

    def __init__(self, n_columns: int, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.ones = np.ones(n_columns, dtype=self.dtype)
        self._buffers: dict[str, np.ndarray] = {}

    def matrix(self, name: str, b: int, order: Literal["C", "F"] = "C") -> np.ndarray:
        """A (b, K) scratch array, valid until the next request of ``name``.

        C-contiguous, or with ``order="F"`` column-major (a Fortran-ordered
        array's rows ``0..b``), so that copying it into the rows of a
        Fortran-ordered output moves contiguous columns.
        """
        k = self.ones.shape[0]
        buf = self._buffers.get(name)
        if buf is None or buf.shape[0] < b or (order == "F") != buf.flags.f_contiguous:
            buf = self._buffers[name] = np.empty((b, k), dtype=self.dtype, order=order)
        return buf[:b]

    def vector(self, name: str, b: int) -> np.ndarray:
        buf = self._buffers.get(name)
        if buf is None or buf.shape[0] < b:
            buf = self._buffers[name] = np.empty(b, dtype=self.dtype)
        return buf[:b]

    def row_sums(self, a: np.ndarray, name: str) -> np.ndarray:
        """``a.sum(axis=1)`` as a matrix-vector product: fast for short rows."""
        out = self.vector(name, a.shape[0])
        np.matmul(a, self.ones, out=out)
        return out


def flat_view(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D view spanning a 2-D array with positive strides, and its element strides.

    With it, ``a[i, k]`` is ``flat[i * strides[0] + k * strides[1]]``: one
    fancy index instead of two, which is several times faster.
    """
    item = a.itemsize
    steps = np.array(a.strides) // item
    span = int((np.array(a.shape) - 1) @ steps) + 1 if a.size else 0
    flat = np.lib.stride_tricks.as_strided(a, shape=(span,), strides=(item,))
    return flat, steps


def label_index(a: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``flat_view(a)`` and the flat positions of ``a[i, codes[i]]``.

    The positions also serve any array with the same strides as ``a``.
    """
    flat, steps = flat_view(a)
    idx = codes * steps[1]
    idx += np.arange(0, a.shape[0] * steps[0], steps[0], dtype=np.intp)
    return flat, idx


def strided_ok(a: np.ndarray) -> bool:
    """True if ``a`` is 2-D with positive strides that are whole items."""
    return a.ndim == 2 and all(s > 0 and s % a.itemsize == 0 for s in a.strides)


# Work a thread must get before a second one starts, in bytes of margins.
# An engine calls the objective right after one of its OpenMP regions, whose
# worker threads keep spinning on the cores for several milliseconds; a
# thread of ours started then shares a core with one of them, so a second
# thread pays only when each gets well more than that spin
# (benchmarks/bench_threads.py: in both engines two threads lost up to 2M
# float64 or 5M float32 margins and won from 5M float64). 16 MiB is 2**21
# float64 or 2**22 float32 margins, about 8 ms of work in either dtype.
MIN_THREAD_BYTES = 1 << 24

# Largest row block of the compiled kernels writing straight into the
# outputs: they chunk rows in L1 cache themselves and need no scratch, so
# larger blocks only save the per-block Python work (and the GIL hand-overs
# between threads that come with it).
KERNEL_BLOCK_ELEMENTS = 1 << 20


def thread_count(n_elements: int, n_threads: int, itemsize: int = 8) -> int:
    """Threads worth starting for ``n_elements`` margins of ``itemsize`` bytes:
    at most ``n_threads``, each with at least ``MIN_THREAD_BYTES``."""
    return max(1, min(int(n_threads), n_elements * itemsize // MIN_THREAD_BYTES))


def run_blocks(
    n: int,
    n_columns: int,
    n_threads: int,
    work: Callable[[Iterable[slice]], None],
    *,
    itemsize: int = 8,
    large_blocks: bool = False,
) -> None:
    """Call ``work`` on row blocks, split into contiguous groups, one per thread.

    At most ``n_threads`` threads, fewer when the work is small (see
    ``thread_count``; ``itemsize`` is that of the margins); the calling
    thread takes the first group. numpy and
    the compiled kernels release the GIL, so the groups run in parallel.
    Blocks are ``BLOCK_ELEMENTS`` large, or with ``large_blocks`` (for work
    that needs no per-block scratch) up to ``KERNEL_BLOCK_ELEMENTS``, small
    enough to give each thread several. The default block grid does not
    depend on ``n_threads``, and the compiled kernels compute row by row, so
    no result depends on the number of threads.
    """
    n_elements = n * max(1, n_columns)
    threads = thread_count(n_elements, n_threads, itemsize)
    size = BLOCK_ELEMENTS
    if large_blocks:
        size = max(BLOCK_ELEMENTS, min(KERNEL_BLOCK_ELEMENTS, n_elements // (4 * threads)))
    blocks = list(row_blocks(n, n_columns, size))
    groups = max(1, min(threads, len(blocks)))
    if groups == 1:
        work(blocks)
        return
    bounds = np.linspace(0, len(blocks), groups + 1).astype(int)
    parts = [blocks[bounds[i] : bounds[i + 1]] for i in range(groups)]
    with ThreadPoolExecutor(max_workers=groups - 1) as pool:
        futures = [pool.submit(work, part) for part in parts[1:]]
        try:
            work(parts[0])
        finally:
            # The other groups write into the same outputs: wait for them
            # before returning or raising.
            for future in futures:
                future.exception()
        for future in futures:
            future.result()

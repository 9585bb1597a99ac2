"""How the objectives split work over threads: when a thread starts, and what
the calling thread does while the others run."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

import boostobj._blocks as blocks
from boostobj import SoftmaxCrossEntropy, WeightedBrier
from boostobj._blocks import MIN_THREAD_BYTES, run_blocks, thread_count


def test_a_thread_starts_only_for_enough_work():
    per_thread = MIN_THREAD_BYTES // 8  # float64 margins
    assert thread_count(per_thread - 1, 8) == 1
    assert thread_count(2 * per_thread - 1, 8) == 1
    assert thread_count(2 * per_thread, 8) == 2
    assert thread_count(100 * per_thread, 8) == 8
    assert thread_count(100 * per_thread, 1) == 1
    assert thread_count(0, 4) == 1
    # float32 margins take half the time each: twice as many per thread.
    assert thread_count(2 * per_thread, 8, itemsize=4) == 1
    assert thread_count(4 * per_thread, 8, itemsize=4) == 2


def _record_threads(n, k, n_threads, parties=1, **kwargs):
    seen: list[tuple[int, list[slice]]] = []
    lock = threading.Lock()
    together = threading.Barrier(parties, timeout=30)  # all groups run at once

    def work(part):
        part = list(part)
        with lock:
            seen.append((threading.get_ident(), part))
        together.wait()

    run_blocks(n, k, n_threads, work, **kwargs)
    return seen


def test_small_work_stays_on_the_calling_thread(monkeypatch):
    started = []
    monkeypatch.setattr(blocks, "ThreadPoolExecutor", lambda **kw: started.append(kw))
    seen = _record_threads(MIN_THREAD_BYTES // 80, 10, 8)
    assert started == [] and [ident for ident, _ in seen] == [threading.get_ident()]


@pytest.mark.parametrize("large_blocks", [False, True])
def test_large_work_is_split_evenly_and_the_caller_takes_a_share(large_blocks):
    k = 10
    n = 4 * MIN_THREAD_BYTES // (8 * k) + 1
    seen = _record_threads(n, k, 4, parties=4, large_blocks=large_blocks)
    idents = [ident for ident, _ in seen]
    assert len(set(idents)) == 4 and threading.get_ident() in idents
    # Every row exactly once, in contiguous groups of nearly equal size.
    rows = sorted((s.start, s.stop) for _, part in seen for s in part)
    assert rows[0][0] == 0 and rows[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    sizes = [sum(s.stop - s.start for s in part) for _, part in seen]
    assert max(sizes) <= 1.5 * min(sizes)


def test_the_caller_waits_for_every_thread_before_raising(threads_on_small_arrays):
    finished = []

    def work(part):
        part = list(part)
        if part[0].start == 0:
            raise ValueError("first group fails at once")
        time.sleep(0.2)
        finished.append(part[0].start)

    with pytest.raises(ValueError, match="first group"):
        run_blocks(1 << 19, 1, 3, work)
    assert len(finished) == 2  # nobody still writing after the error


def test_an_error_in_another_thread_reaches_the_caller(threads_on_small_arrays):
    def work(part):
        if next(iter(part)).start > 0:
            raise ValueError("a later group fails")

    with pytest.raises(ValueError, match="later group"):
        run_blocks(1 << 19, 1, 2, work)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("objective", [SoftmaxCrossEntropy, WeightedBrier])
def test_a_bad_margin_in_a_later_thread_is_reported_with_its_row(
    objective, backend, threads_on_small_arrays
):
    rng = np.random.default_rng(3)
    n, k = 300_000, 4
    raw = rng.normal(size=(n, k))
    raw[n - 5, 2] = np.nan
    labels = rng.integers(0, k, n)
    with pytest.raises(ValueError, match=f"row {n - 5}"):
        objective(backend=backend).grad_hess(labels, raw, n_threads=3)

"""How grad_hess cost grows with n and K, its peak extra memory, and float32 vs float64.

Run: python benchmarks/bench_scaling.py [--max-n 10000000] [--threads 1]
                                         [--backend auto|numpy|numba]

Objectives: ``xent`` (SoftmaxCrossEntropy), ``brier`` (WeightedBrier as
constructed by default, ``loss_scale="adaptive"``) and ``brier-pri``
(``loss_scale="prior"``: the gradient kernel without the adaptive rule's
pass over the margins).

For each shape: median time per call (interleaved repeats), time per
element in nanoseconds (flat where per-element work dominates, rising at
small n where the fixed per-call overhead does), and the peak memory that
grad_hess allocates beyond its two output buffers (measured with
tracemalloc, which sees numpy's allocations), as a fraction of one output.
The numba kernels' own scratch (three arrays of about 1024 float64 per call,
24 KB) is allocated by numba's runtime, which tracemalloc does not see.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

import boostobj
from boostobj import SoftmaxCrossEntropy, WeightedBrier


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_extra_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backend", choices=["auto", "numpy", "numba"], default="auto")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    backend = SoftmaxCrossEntropy(backend=args.backend).active_backend
    print(
        f"numpy {np.__version__}, boostobj {boostobj.__version__}, threads={args.threads}, "
        f"backend={backend}"
    )
    print(
        f"{'objective':9s} {'dtype':7s} {'n':>9s} {'K':>5s} {'ms/call':>9s} "
        f"{'ns/elem':>8s} {'extra mem':>10s}"
    )
    shapes = [(n, 10) for n in (1_000, 10_000, 100_000, 1_000_000, 10_000_000)]
    shapes += [(100_000, k) for k in (2, 3, 30, 100, 1000)]
    for n, k in shapes:
        if n > args.max_n:
            continue
        for dtype in (np.float64, np.float32):
            if dtype is np.float32 and (n, k) not in ((1_000_000, 10), (100_000, 1000)):
                continue
            raw = rng.normal(scale=2.0, size=(n, k)).astype(dtype)
            targets = boostobj.Targets(rng.integers(0, k, n))
            grad, hess = np.empty_like(raw), np.empty_like(raw)
            # WeightedBrier's default loss_scale="adaptive" sums two traces
            # first; "prior" is the kernel alone (its scale costs O(K)).
            objectives = {
                "xent": SoftmaxCrossEntropy(backend=backend),
                "brier": WeightedBrier(backend=backend),
                "brier-pri": WeightedBrier(backend=backend, loss_scale="prior"),
            }
            for label, obj in objectives.items():

                def call(obj=obj, raw=raw, targets=targets, grad=grad, hess=hess):
                    obj.grad_hess(
                        targets, raw, grad_out=grad, hess_out=hess, n_threads=args.threads
                    )

                repeats = 3 if n * k >= 10_000_000 else 7
                t = median_time(call, repeats)
                extra = peak_extra_bytes(call) / grad.nbytes
                print(
                    f"{label:9s} {np.dtype(dtype).name:7s} {n:9d} {k:5d} {1e3 * t:9.2f} "
                    f"{1e9 * t / (n * k):8.2f} {100 * extra:9.1f}%"
                )
            del raw, grad, hess


if __name__ == "__main__":
    main()

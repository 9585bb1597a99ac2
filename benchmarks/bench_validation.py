"""What validation costs, next to the gradient it protects.

Run: python benchmarks/bench_validation.py [--n 1000000] [--k 10] [--repeats 5]

Prints the table of README's "Robustness and validation cost": at n rows and
K classes, float64, one thread, the best of ``--repeats`` timings
(``time.perf_counter``) of

- the margins' NaN/inf check that the numpy backend runs on every call (a
  blockwise sum, searching rows only when a block's sum is not finite);
- safe mode (``min_hessian > 0``): ``grad_hess`` with a floor minus without;
- building ``Targets`` (the once-per-data-set validation, a read-only copy
  included) for class ids with weights (int and float labels) and for soft
  labels with weights;
- ``SoftmaxCrossEntropy.grad_hess`` on each backend, for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import boostobj
from boostobj import SoftmaxCrossEntropy, Targets
from boostobj._validation import first_nonfinite_row as _first_nonfinite_row
from boostobj._validation import row_blocks


def best_ms(fn, repeats: int) -> float:
    fn()  # warm-up (numba compiles, pages are touched)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def margin_check(raw: np.ndarray) -> None:
    for rows in row_blocks(raw.shape[0], raw.shape[1]):
        _first_nonfinite_row(raw[rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n, k, repeats = args.n, args.k, args.repeats
    rng = np.random.default_rng(0)
    raw = rng.normal(scale=3.0, size=(n, k))
    ids = rng.integers(0, k, n)
    soft = rng.dirichlet(np.ones(k), n)
    weight = rng.uniform(0.5, 2.0, n)
    targets = Targets(ids, weight)
    backends = ["numpy"] + (["numba"] if boostobj.numba_available() else [])

    rows = [
        (
            "margins finite (numpy backend)",
            "every call",
            best_ms(lambda: margin_check(raw), repeats),
        )
    ]
    grad = {}
    for backend in backends:
        plain = SoftmaxCrossEntropy(backend=backend)
        safe = SoftmaxCrossEntropy(backend=backend, min_hessian=1e-6)
        g, h = np.empty_like(raw), np.empty_like(raw)
        grad[backend] = best_ms(
            lambda o=plain, g=g, h=h: o.grad_hess(targets, raw, grad_out=g, hess_out=h), repeats
        )
        floored = best_ms(
            lambda o=safe, g=g, h=h: o.grad_hess(targets, raw, grad_out=g, hess_out=h), repeats
        )
        rows.append((f"safe mode, {backend} backend", "every call", floored - grad[backend]))
    rows += [
        (
            "Targets: int class ids + weights",
            "once per data set",
            best_ms(lambda: Targets(ids, weight), repeats),
        ),
        (
            "Targets: float class ids + weights",
            "once per data set",
            best_ms(lambda: Targets(ids.astype(np.float64), weight), repeats),
        ),
        (
            "Targets: soft labels (n, K) + weights",
            "once per data set",
            best_ms(lambda: Targets(soft, weight), repeats),
        ),
    ]
    rows += [(f"for comparison: grad_hess, {b}", "every call", grad[b]) for b in backends]
    print(f"n = {n}, K = {k}, float64, 1 thread, best of {repeats} (ms)")
    print(f"| {'check':40} | {'when':17} | {'ms':>7} |")
    for what, when, ms in rows:
        print(f"| {what:40} | {when:17} | {ms:7.1f} |")


if __name__ == "__main__":
    main()

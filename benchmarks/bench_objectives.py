"""Speed of grad_hess against scikit-learn's compiled loss and the memory floor.

Run: python benchmarks/bench_objectives.py [--n 1000000] [--k 10] [--repeats 7]
     [--threads 1] [--dtype float64] [--outputs both|preallocated|fresh]

Every contender runs once per repeat, interleaved, and the table reports
medians and ratios to scikit-learn's ``HalfMultinomialLoss.gradient_hessian``
(Cython, same number of threads). The machines are shared: read the ratios,
not the absolute times.

Both backends of boostobj are timed (numba rows only when numba imports),
with two references: the memory floor, and the "numpy lower bound", the
fewest numpy passes any numpy implementation of softmax cross-entropy needs
(exp, row sum, scaling, p - p**2; no labels, no validation). Where that bound
is above 2.5x the floor, numpy cannot meet the target and the compiled
backend is needed.

Two tables, like for like: "preallocated outputs" (every contender writes
into the same two buffers, as an engine's objective can) and "fresh outputs"
(every contender allocates its outputs, as ``grad_hess(labels, raw)`` does;
the floor then allocates too, and everyone pays the page faults of writing
new memory). ``--outputs`` picks one of them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import boostobj
from boostobj import SoftmaxCrossEntropy, WeightedBrier


def naive_softmax_xent(labels, raw):
    """The textbook numpy implementation, as users write it by hand."""
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(raw.shape[1])[labels]
    return p - onehot, p * (1.0 - p)


def numpy_lower_bound(raw, grad, hess, rows=8192):
    """exp, row sums, scaling and p - p**2 over cache-sized blocks: nothing else."""
    ones = np.ones(raw.shape[1], dtype=raw.dtype)
    for start in range(0, raw.shape[0], rows):
        block = slice(start, start + rows)
        g, h = grad[block], hess[block]
        np.exp(raw[block], out=g)
        g *= (1.0 / (g @ ones))[:, None]
        np.multiply(g, g, out=h)
        np.subtract(g, h, out=h)


def memory_floor(raw, grad, hess, rows=8192):
    """Read raw once and write two outputs, blockwise so the second write reads from cache."""
    for start in range(0, raw.shape[0], rows):
        block = slice(start, start + rows)
        np.copyto(grad[block], raw[block])
        np.copyto(hess[block], grad[block])


def memory_floor_fresh(raw):
    """The memory floor into two newly allocated outputs."""
    grad, hess = np.empty_like(raw), np.empty_like(raw)
    memory_floor(raw, grad, hess)
    return grad, hess


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--outputs", choices=["both", "preallocated", "fresh"], default="both")
    args = parser.parse_args(argv)

    from sklearn._loss.loss import HalfMultinomialLoss

    rng = np.random.default_rng(0)
    dtype = np.dtype(args.dtype)
    raw = rng.normal(scale=2.0, size=(args.n, args.k)).astype(dtype)
    labels = rng.integers(0, args.k, args.n)
    labels_f = labels.astype(dtype)
    grad = np.empty_like(raw)
    hess = np.empty_like(raw)
    targets = boostobj.Targets(labels)
    sk = HalfMultinomialLoss(n_classes=args.k)
    backends = ["numba", "numpy"] if boostobj.numba_available() else ["numpy"]
    modes = ["preallocated", "fresh"] if args.outputs == "both" else [args.outputs]
    floor_name = {
        "preallocated": "memory floor (read raw, write 2)",
        "fresh": "memory floor (read raw, write 2 new)",
    }

    def ours(obj, fresh):
        if fresh:
            return lambda: obj.grad_hess(targets, raw, n_threads=args.threads)
        return lambda: obj.grad_hess(
            targets, raw, grad_out=grad, hess_out=hess, n_threads=args.threads
        )

    def sklearn_loss(fresh):
        out = {} if fresh else {"gradient_out": grad, "hessian_out": hess}
        return lambda: sk.gradient_hessian(labels_f, raw, n_threads=args.threads, **out)

    tables: dict[str, dict] = {}
    for mode in modes:
        fresh = mode == "fresh"
        contenders = {
            "scikit-learn HalfMultinomialLoss (Cython)": sklearn_loss(fresh),
            floor_name[mode]: (
                (lambda: memory_floor_fresh(raw))
                if fresh
                else (lambda: memory_floor(raw, grad, hess))
            ),
        }
        if not fresh:
            contenders["numpy lower bound (4 passes, no labels)"] = lambda: numpy_lower_bound(
                raw, grad, hess
            )
        for backend in backends:
            contenders[f"SoftmaxCrossEntropy [{backend}]"] = ours(
                SoftmaxCrossEntropy(backend=backend), fresh
            )
            # The kernels at a scale fixed per call ("prior" costs O(K)), and
            # the default, whose "adaptive" scale sums two traces first.
            contenders[f"WeightedBrier gauss-newton [{backend}]"] = ours(
                WeightedBrier(backend=backend, loss_scale="prior"), fresh
            )
            contenders[f"WeightedBrier exact [{backend}]"] = ours(
                WeightedBrier(hessian="exact", backend=backend, loss_scale="prior"), fresh
            )
            contenders[f"WeightedBrier() default, adaptive [{backend}]"] = ours(
                WeightedBrier(backend=backend), fresh
            )
        tables[mode] = contenders
    # It allocates its outputs either way; listed in the first table, as before.
    tables[modes[0]]["naive numpy softmax cross-entropy"] = lambda: naive_softmax_xent(labels, raw)

    # One interleaved loop over every contender of every table.
    everything = [(mode, name, fn) for mode, table in tables.items() for name, fn in table.items()]
    times: dict[tuple[str, str], list[float]] = {(mode, name): [] for mode, name, _ in everything}
    for _, _, fn in everything:  # warm up
        fn()
    for _ in range(args.repeats):
        for mode, name, fn in everything:
            t0 = time.perf_counter()
            fn()
            times[mode, name].append(time.perf_counter() - t0)

    print(
        f"n={args.n} K={args.k} dtype={args.dtype} threads={args.threads} "
        f"repeats={args.repeats} (medians of interleaved runs)"
    )
    numba_version = "absent"
    if boostobj.numba_available():
        import numba

        numba_version = numba.__version__
    print(
        f"numpy {np.__version__}, numba {numba_version}, boostobj {boostobj.__version__}, "
        f"CPU {cpu_name()}, {os.cpu_count()} logical cores"
    )
    results = {}
    for mode in modes:
        medians = {name: statistics.median(times[mode, name]) for name in tables[mode]}
        results[mode] = medians
        base = medians["scikit-learn HalfMultinomialLoss (Cython)"]
        floor = medians[floor_name[mode]]
        if len(modes) > 1:
            print(f"\n{mode} outputs:")
        print(f"{'contender':45s} {'median ms':>10s} {'vs sklearn':>11s} {'vs floor':>9s}")
        for name, m in medians.items():
            print(f"{name:45s} {1e3 * m:10.1f} {m / base:10.2f}x {m / floor:8.2f}x")
        for backend in backends:
            xent = medians[f"SoftmaxCrossEntropy [{backend}]"]
            for kind in ("gauss-newton", "exact", "() default, adaptive"):
                name = f"WeightedBrier {kind}".replace(" ()", "()")
                ratio = medians[f"{name} [{backend}]"] / xent
                print(f"{name} / SoftmaxCrossEntropy [{backend}]: {ratio:.2f}x")
    return {"medians": results[modes[0]], "tables": results}


if __name__ == "__main__":
    main()

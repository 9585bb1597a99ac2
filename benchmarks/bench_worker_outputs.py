"""Fresh output arrays against reused ones, here and in a Dask worker.

Run: python benchmarks/bench_worker_outputs.py [--n 40000] [--k 5] [--calls 200]

Times ``SoftmaxCrossEntropy().grad_hess`` on float32 margins (XGBoost's),
1 thread, with new float32 outputs on each call and with the same ones
passed as ``grad_out``/``hess_out``, in this process and in the worker of
a one-worker ``LocalCluster``. Dask starts its workers with
``MALLOC_TRIM_THRESHOLD_`` set, which fixes glibc's mmap threshold at
128 KiB, so every fresh output of that size is new pages to fault in; in
this process the threshold grows after the first free (up to 32 MiB). The
XGBoost adapters hand one pair out again for that reason
(``boostobj._engine.OutputBuffers``). Medians over the calls, in ms.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time


def probe(n: int, k: int, calls: int) -> dict:
    import numpy as np

    import boostobj

    rng = np.random.default_rng(0)
    raw = rng.normal(size=(n, k)).astype(np.float32)
    targets = boostobj.Targets(rng.integers(0, k, n))
    obj = boostobj.SoftmaxCrossEntropy(n_threads=1)
    grad, hess = np.empty_like(raw), np.empty_like(raw)
    fresh, reused = [], []
    obj.grad_hess(targets, raw)  # load the kernel
    for _ in range(calls):
        t0 = time.perf_counter()
        obj.grad_hess(targets, raw, grad_out=np.empty_like(raw), hess_out=np.empty_like(raw))
        fresh.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        obj.grad_hess(targets, raw, grad_out=grad, hess_out=hess)
        reused.append(time.perf_counter() - t0)
    return {
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_", "unset"),
        "fresh": 1e3 * statistics.median(fresh),
        "reused": 1e3 * statistics.median(reused),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    rows = {"this process": probe(args.n, args.k, args.calls)}
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        rows["Dask worker"] = client.submit(probe, args.n, args.k, args.calls, pure=False).result()
    print(f"n={args.n} K={args.k} float32, 1 thread, medians of {args.calls} calls")
    print(
        f"{'where':14s} {'MALLOC_TRIM_THRESHOLD_':>22s} "
        f"{'fresh ms':>9s} {'reused ms':>10s} {'ratio':>7s}"
    )
    for where, r in rows.items():
        ratio = r["fresh"] / r["reused"]
        print(
            f"{where:14s} {r['MALLOC_TRIM_THRESHOLD_']:>22s} {r['fresh']:9.3f} "
            f"{r['reused']:10.3f} {ratio:6.2f}x"
        )


if __name__ == "__main__":
    main()

"""Start-up cost: import and first grad_hess calls, each in a fresh process.

Run: python benchmarks/bench_startup.py [--repeats 5] [--cache warm|cold|both]

Each repeat starts a new Python process that times, with ``perf_counter``,
``import boostobj``, the first ``grad_hess`` calls (class ids in float64 and
float32, soft labels, the Brier score), a second call of the first kind (the
steady state, for comparison) and the imports of the two adapters. numba's
compiled kernels are cached on disk: "warm" runs after the cache exists (the
usual case), "cold" gives each process an empty cache directory
(``NUMBA_CACHE_DIR``), so every kernel is compiled, as on the first run after
installing. The table shows medians over the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# The child: each step timed on its own, in this order.
_CHILD = r"""
import json, sys, time
times = {}
t0 = time.perf_counter()
import boostobj
times["import boostobj"] = time.perf_counter() - t0
heavy = sorted(m for m in ("numba", "xgboost", "lightgbm", "sklearn", "pandas") if m in sys.modules)
import numpy as np
rng = np.random.default_rng(0)
n, k = 1000, 5
raw = rng.normal(size=(n, k))
ids = rng.integers(0, k, n)
soft = rng.dirichlet(np.ones(k), n)
steps = [
    ("first grad_hess: SoftmaxCrossEntropy, class ids, float64",
     lambda: boostobj.SoftmaxCrossEntropy().grad_hess(ids, raw)),
    ("first grad_hess: SoftmaxCrossEntropy, class ids, float32",
     lambda: boostobj.SoftmaxCrossEntropy().grad_hess(ids, raw.astype(np.float32))),
    ("first grad_hess: SoftmaxCrossEntropy, soft labels, float64",
     lambda: boostobj.SoftmaxCrossEntropy().grad_hess(soft, raw)),
    ("first grad_hess: WeightedBrier, class ids, float64",
     lambda: boostobj.WeightedBrier().grad_hess(ids, raw)),
    ("again: SoftmaxCrossEntropy, class ids, float64",
     lambda: boostobj.SoftmaxCrossEntropy().grad_hess(ids, raw)),
]
for name, step in steps:
    t0 = time.perf_counter()
    step()
    times[name] = time.perf_counter() - t0
for module in ("boostobj.xgboost", "boostobj.lightgbm"):
    t0 = time.perf_counter()
    __import__(module)
    times[f"import {module}"] = time.perf_counter() - t0
print(json.dumps({"times": times, "heavy": heavy}))
"""


def run_child(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(repeats: int, cold: bool) -> tuple[dict[str, float], list[str]]:
    times: dict[str, list[float]] = {}
    heavy: list[str] = []
    for _ in range(repeats):
        env = dict(os.environ)
        with tempfile.TemporaryDirectory() as cache:
            if cold:
                env["NUMBA_CACHE_DIR"] = cache
            got = run_child(env)
        heavy = got["heavy"]
        for name, t in got["times"].items():
            times.setdefault(name, []).append(t)
    return {name: statistics.median(t) for name, t in times.items()}, heavy


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", choices=["warm", "cold", "both"], default="both")
    args = parser.parse_args(argv)
    modes = ["warm", "cold"] if args.cache == "both" else [args.cache]
    if "warm" in modes:
        run_child(dict(os.environ))  # fills the cache, if it is not already
    results = {}
    for mode in modes:
        results[mode], heavy = measure(args.repeats, cold=mode == "cold")
        print(f"imported by `import boostobj` besides numpy: {', '.join(heavy) or 'nothing'}")
    print(
        f"Python {sys.version.split()[0]}, {args.repeats} fresh processes per cache state (medians)"
    )
    print(f"{'step':60s}" + "".join(f" {mode + ' cache, s':>15s}" for mode in modes))
    for name in results[modes[0]]:
        print(f"{name:60s}" + "".join(f" {results[mode][name]:15.3f}" for mode in modes))
    first = [name for name in results[modes[0]] if name.startswith(("import boostobj", "first"))]
    first = [name for name in first if "xgboost" not in name and "lightgbm" not in name]
    total = {mode: sum(results[mode][name] for name in first) for mode in modes}
    print(
        f"{'import boostobj + the four first calls':60s}"
        + "".join(f" {total[mode]:15.3f}" for mode in modes)
    )
    return results


if __name__ == "__main__":
    main()

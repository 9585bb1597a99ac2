"""What WeightedBrier's default loss_scale="adaptive" costs in training time.

The rule sums two Hessian traces over the margins every round, one more pass
over them besides the gradient kernel's. This times the ``Classifier`` s'
``fit`` with ``WeightedBrier()`` and with ``WeightedBrier(loss_scale="prior")``
(the kernel alone: its scale costs O(K)), alternately, on the data of
``bench_training.py`` (40k x 20, K = 5, 120 rounds; XGBoost ``hist`` depth 6,
LightGBM defaults; engines' default threads), and prints medians and the
ratio of each pair of runs. The two scales grow different trees, of the same
number and depth, so the ratio also carries their differences.

Run: python benchmarks/bench_adaptive_cost.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from boostobj import WeightedBrier


def data(n: int = 40_000, n_features: int = 20, k: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X[:, :k] + rng.normal(size=(n, k))).argmax(axis=1)
    return X, y


def fit_seconds(engine: str, loss_scale: str, X: np.ndarray, y: np.ndarray) -> float:
    obj = WeightedBrier(loss_scale=loss_scale)
    if engine == "xgboost":
        from boostobj.xgboost import Classifier

        model = Classifier(objective=obj, n_estimators=120, max_depth=6, tree_method="hist")
    else:
        from boostobj.lightgbm import Classifier

        model = Classifier(objective=obj, n_estimators=120, verbose=-1)
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    X, y = data()
    results = {}
    for engine in ("xgboost", "lightgbm"):
        for rule in ("adaptive", "prior"):  # warm-up: imports, kernels
            fit_seconds(engine, rule, X, y)
        adaptive, prior = [], []
        for _ in range(args.repeats):
            adaptive.append(fit_seconds(engine, "adaptive", X, y))
            prior.append(fit_seconds(engine, "prior", X, y))
        ratios = [a / p for a, p in zip(adaptive, prior, strict=True)]
        results[engine] = statistics.median(ratios)
        print(
            f"{engine}: adaptive {statistics.median(adaptive):.2f} s, "
            f"prior {statistics.median(prior):.2f} s; ratio median "
            f"{statistics.median(ratios):.3f}x (runs: "
            + ", ".join(f"{r:.3f}" for r in ratios)
            + ")"
        )
    return results


if __name__ == "__main__":
    main()

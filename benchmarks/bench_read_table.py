"""Reading a table for ``boostobj compare``: boostobj's reader vs ``pandas.read_csv``.

Run: python benchmarks/bench_read_table.py [--rows 300000] [--columns 20] [--repeats 7]

Writes a numeric CSV (``--columns`` columns: ``--columns - 1`` float features
and an integer class column, the size the reader's target is stated for) into
a temporary folder, then times, interleaved and ``--repeats`` times each:

- ``pandas.read_csv(path)``, the reference;
- ``table_problem(path, target)``, what ``compare --csv`` does: read with
  pandas, drop rows without a target, turn the classes into ids and the
  features into float64 or category columns.

It prints the medians and the median of the per-repeat ratios (the target
is at most 1.5). With ``--categorical`` two of the feature columns hold text
instead (category features), for the cost of that path.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import boostobj
from boostobj._compare_data import table_problem


def write_table(path: Path, rows: int, columns: int, categorical: bool, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    data = {f"f{i}": rng.normal(size=rows) for i in range(columns - 1)}
    if categorical:
        data["f0"] = rng.choice(["red", "green", "blue", "violet"], rows)
        data["f1"] = rng.choice(["yes", "no"], rows)
    data["label"] = rng.integers(0, 4, rows)
    pd.DataFrame(data).to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--categorical", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        write_table(path, args.rows, args.columns, args.categorical)
        size_mb = path.stat().st_size / 1e6
        print(
            f"boostobj {boostobj.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
        )
        print(
            f"table: {args.rows} rows x {args.columns} columns "
            f"({'2 text, ' if args.categorical else ''}CSV, {size_mb:.1f} MB), "
            f"{args.repeats} interleaved repeats"
        )
        # One untimed read of each warms the page cache and the imports.
        pd.read_csv(path)
        problem = table_problem(str(path), "label")
        assert problem.X.shape == (args.rows, args.columns - 1)
        pandas_s, boostobj_s, ratios = [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            pd.read_csv(path)
            t1 = time.perf_counter()
            table_problem(str(path), "label")
            t2 = time.perf_counter()
            pandas_s.append(t1 - t0)
            boostobj_s.append(t2 - t1)
            ratios.append((t2 - t1) / (t1 - t0))
    print(f"{'reader':34s} {'median s':>9s} {'min s':>7s}")
    for name, times in (("pandas.read_csv", pandas_s), ("boostobj table_problem", boostobj_s)):
        print(f"{name:34s} {statistics.median(times):9.3f} {min(times):7.3f}")
    print(
        f"median ratio boostobj / pandas: {statistics.median(ratios):.2f} "
        f"(per repeat: {', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.5)"
    )


if __name__ == "__main__":
    main()

"""The ``boostobj`` command: check objectives and compare them on real training runs."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .check import check_grad_hess

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with what the user asked for: printed without a traceback, exit 2."""


# ------------------------------------------------------------------ check
def load_objective(spec: str) -> Any:
    """Import ``MODULE:NAME`` or ``path/to/file.py:NAME`` and return an objective.

    ``NAME`` may be an object with ``loss`` and ``grad_hess`` methods, or a
    class (or factory) that builds one when called without arguments.
    """
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:NAME or FILE.py:NAME, got {spec!r}")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"no such file: {module_name}")
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))  # as `python -m` would
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as exc:  # the user's module failed: report it, not a traceback
        raise UsageError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    try:
        target = getattr(module, attr)
    except AttributeError:
        raise UsageError(f"module {module_name!r} has no attribute {attr!r}") from None
    if inspect.isclass(target) or (
        callable(target) and not (hasattr(target, "loss") and hasattr(target, "grad_hess"))
    ):
        try:
            target = target()
        except Exception as exc:
            raise UsageError(
                f"cannot build {spec!r} without arguments: {type(exc).__name__}: {exc}"
            ) from None
    if not (hasattr(target, "loss") and hasattr(target, "grad_hess")):
        raise UsageError(
            f"{spec!r} is a {type(target).__name__}, not an objective with loss and "
            "grad_hess methods"
        )
    return target


def random_problem(
    n: int, k: int, scale: float, labels: str, weights: str, seed: int, single_output: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Random margins, labels and weights for ``check``."""
    rng = np.random.default_rng(seed)
    if single_output:
        raw = rng.normal(scale=scale, size=n)
        y = rng.integers(0, 2, n).astype(float) if labels == "hard" else rng.uniform(0, 1, n)
        cols = 2
    else:
        raw = rng.normal(scale=scale, size=(n, k))
        y = rng.integers(0, k, n) if labels == "hard" else rng.dirichlet(np.ones(k), n)
        cols = k
    w = None
    if weights == "1d":
        w = rng.uniform(0.1, 3.0, n)
    elif weights == "2d":
        w = rng.uniform(0.1, 3.0, (n, cols))
    return y, raw, w


def run_check(args: argparse.Namespace) -> int:
    objective = load_objective(args.objective)
    labels, raw, weight = random_problem(
        args.n, args.k, args.scale, args.labels, args.weights, args.seed, args.single_output
    )
    try:
        result = check_grad_hess(
            objective,
            labels,
            raw,
            weight,
            step=args.step,
            rtol=args.rtol,
            atol=args.atol,
            check_hessian=not args.no_hessian,
        )
    except (TypeError, ValueError) as exc:
        print(f"boostobj check: the objective raised {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    print(f"objective: {args.objective} ({type(objective).__name__})")
    print(
        f"inputs: n={args.n}, K={'1 (single output)' if args.single_output else args.k}, "
        f"margin scale {args.scale}, {args.labels} labels, weights {args.weights}, seed {args.seed}"
    )
    print(result)
    if not result.ok and result.grad is not None and result.grad.scaled_error <= 1.0:
        print(
            "hint: the gradient agrees; if hess is deliberately not the exact diagonal "
            "(Gauss-Newton, scaled or floored), check with --no-hessian"
        )
    return EXIT_OK if result.ok else EXIT_FAILED


# ------------------------------------------------------------------ compare
def _choices(kind: str, allowed: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in allowed]
        if not items or bad:
            raise argparse.ArgumentTypeError(
                f"{kind} must be a comma-separated subset of {','.join(allowed)}, got {text!r}"
            )
        return list(dict.fromkeys(items))

    return parse


def run_compare(args: argparse.Namespace) -> int:
    from . import _compare, _compare_data

    if args.csv is not None and args.dataset is not None:
        raise UsageError("give either --csv or --dataset, not both")
    if (args.csv is None) != (args.target is None):
        raise UsageError("--csv and --target go together")
    try:
        if args.csv is not None:
            problem = _compare_data.csv_problem(args.csv, args.target)
        elif args.dataset is not None:
            problem = _compare_data.shipped_problem(args.dataset)
        else:
            problem = _compare_data.synthetic_problem(
                n=args.n, n_classes=args.classes, seed=args.seed
            )
        settings = _compare.Settings(
            rounds=args.rounds,
            learning_rate=args.learning_rate,
            threads=args.threads,
            seed=args.seed,
            label_smoothing=args.label_smoothing,
        )
        runs, truth, y_test = _compare.compare(
            problem,
            args.engines,
            args.objectives,
            settings,
            test_size=args.test_size,
            progress=not args.no_progress,
        )
    except (ValueError, _compare.MissingDependency) as exc:
        raise UsageError(str(exc)) from None
    n_test = len(y_test)
    print(
        f"data: {problem.name}; {len(problem.y) - n_test} training and {n_test} test rows, "
        f"{problem.X.shape[1]} features, {int(problem.y.max()) + 1} classes"
    )
    print(
        f"settings: {args.rounds} rounds, learning rate {args.learning_rate}, seed {args.seed}, "
        f"{args.threads} thread(s)"
        + (f", label smoothing {args.label_smoothing}" if args.label_smoothing else "")
    )
    print("held-out scores (lower is better, but accuracy):")
    print(_compare.format_table(runs, truth))
    if args.plot:
        try:
            _compare.reliability_plot(runs, y_test, args.plot, problem.name)
        except _compare.MissingDependency as exc:
            raise UsageError(str(exc)) from None
        print(f"reliability diagram: {args.plot}")
    return EXIT_OK


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _test_fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


# ------------------------------------------------------------------ parser
def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boostobj",
        description="Custom multiclass objectives for XGBoost and LightGBM.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser(
        "check",
        help="check an objective's gradient and Hessian against finite differences",
        description=(
            "Import an objective (any object or class with loss(labels, raw, sample_weight) "
            "and grad_hess(labels, raw, sample_weight)), run check_grad_hess on random "
            "inputs and print the report. Exit status 0 when it passes, 1 when it fails, "
            "2 on usage errors."
        ),
    )
    check.add_argument("objective", help="MODULE:NAME or path/to/file.py:NAME")
    check.add_argument("--n", type=_positive_int, default=200, help="samples (default 200)")
    check.add_argument("--k", type=_positive_int, default=5, help="classes (default 5)")
    check.add_argument(
        "--scale", type=_positive_float, default=3.0, help="margin standard deviation (3)"
    )
    check.add_argument("--labels", choices=["hard", "soft"], default="hard")
    check.add_argument("--weights", choices=["none", "1d", "2d"], default="none")
    check.add_argument("--single-output", action="store_true", help="1-D margins of a binary model")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--step", type=_positive_float, default=2.0**-10)
    check.add_argument("--rtol", type=_positive_float, default=1e-6)
    check.add_argument("--atol", type=_positive_float, default=1e-10)
    check.add_argument(
        "--no-hessian",
        action="store_true",
        help="check only the gradient (for Gauss-Newton or scaled Hessians)",
    )
    check.set_defaults(run=run_check)

    from ._compare import ENGINES, OBJECTIVES
    from ._compare_data import SHIPPED_DATASETS

    compare = sub.add_parser(
        "compare",
        help="train every engine x objective and compare held-out scores",
        description=(
            "Train xgboost and lightgbm with their built-in softmax, SoftmaxCrossEntropy and "
            "WeightedBrier on one train/test split and print held-out log-loss, Brier score, "
            "expected calibration error, accuracy and training time. Without --csv or "
            "--dataset the data are synthetic with known class probabilities, and the table "
            "also reports each model's KL divergence from them."
        ),
    )
    source = compare.add_argument_group("data (default: synthetic with known probabilities)")
    source.add_argument("--csv", metavar="FILE", help="CSV file with a header row")
    source.add_argument("--target", metavar="COLUMN", help="the CSV column holding the classes")
    source.add_argument("--dataset", choices=SHIPPED_DATASETS, help="a data set scikit-learn ships")
    source.add_argument("--n", type=_positive_int, default=6000, help="synthetic rows (6000)")
    source.add_argument("--classes", type=_positive_int, default=4, help="synthetic classes (4)")
    compare.add_argument(
        "--engines", type=_choices("--engines", ENGINES), default=list(ENGINES), metavar="LIST"
    )
    compare.add_argument(
        "--objectives",
        type=_choices("--objectives", OBJECTIVES),
        default=list(OBJECTIVES),
        metavar="LIST",
        help="builtin,xent,brier (default: all)",
    )
    compare.add_argument("--rounds", type=_positive_int, default=100)
    compare.add_argument("--learning-rate", type=_positive_float, default=0.05)
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--test-size", type=_test_fraction, default=0.3)
    compare.add_argument(
        "--label-smoothing",
        type=_fraction,
        default=0.0,
        metavar="ALPHA",
        help="train boostobj objectives on soft labels (1-ALPHA) one-hot + ALPHA/K",
    )
    compare.add_argument("--threads", type=_positive_int, default=1)
    compare.add_argument("--plot", metavar="FILE.png", help="save a reliability diagram")
    compare.add_argument("--no-progress", action="store_true", help="no progress bar")
    compare.set_defaults(run=run_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "check" and args.k < 2 and not args.single_output:
        parser.error("--k must be >= 2 (use --single-output for a 1-D binary model)")
    if args.command == "compare" and args.classes < 2:
        parser.error("--classes must be >= 2")
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"boostobj {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

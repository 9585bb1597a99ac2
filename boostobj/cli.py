"""The ``boostobj`` command: check objectives and compare them on real training runs.

Exit status (the same for every subcommand):

0  success (``check``: the objective passed)
1  ``check``: the objective failed the finite-difference check
2  usage or input error (bad options, a module that does not import, a bad
   data file, an output file that cannot be written); nothing was trained
3  ``check``: the user's objective raised an exception; its traceback (the
   user's frames only) is printed
141  the output's reader went away (``boostobj ... | head``); no traceback
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .check import check_grad_hess

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_OBJECTIVE_RAISED = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what shells report for a writer whose reader left

EXIT_STATUS_EPILOG = """\
exit status:
  0  success (check: the objective passed)
  1  check: the objective failed the finite-difference check
  2  usage or input error (bad options, unreadable data, an output that
     cannot be written); reported before anything is trained
  3  check: the objective raised an exception (its traceback is shown)
  141  the output's reader went away (e.g. | head)
"""


class UsageError(Exception):
    """A problem with what the user asked for: printed with the subcommand's usage, exit 2."""


class ObjectiveRaised(Exception):
    """The user's objective raised ``error`` inside ``method``."""

    def __init__(self, method: str, error: BaseException) -> None:
        super().__init__(method, error)
        self.method = method
        self.error = error

    def report(self) -> str:
        """The user's exception and their frames, without boostobj's."""
        # The first frame is _Guarded's call into the objective: not theirs.
        frames = traceback.extract_tb(self.error.__traceback__)[1:]
        lines = [f"the objective raised {type(self.error).__name__} in {self.method}:\n"]
        if frames:
            lines.append("Traceback (the objective's frames, most recent call last):\n")
            lines += traceback.format_list(frames)
        lines += traceback.format_exception_only(type(self.error), self.error)
        return "".join(lines).rstrip("\n")


class _Guarded:
    """Forwards ``loss`` and ``grad_hess``, marking what they raise as the user's."""

    def __init__(self, objective: Any) -> None:
        self._objective = objective

    def __getattr__(self, name: str) -> Any:  # anything else the checker reads
        return getattr(self._objective, name)

    # SystemExit too: the user's sys.exit would otherwise become this
    # command's exit status, 0 reading as a passed check.
    def loss(self, *args):
        try:
            return self._objective.loss(*args)
        except (Exception, SystemExit) as exc:
            raise ObjectiveRaised("loss", exc) from exc

    def grad_hess(self, *args):
        try:
            return self._objective.grad_hess(*args)
        except (Exception, SystemExit) as exc:
            raise ObjectiveRaised("grad_hess", exc) from exc

    def _fixed_scale_at(self, *args):
        # The checker differences this copy: guarded as the objective is.
        fix = getattr(self._objective, "_fixed_scale_at", None)
        return self if fix is None else _Guarded(fix(*args))


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
            module = _import_file(module_name)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))  # as `python -m` would
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except SystemExit as exc:  # a script run on import: not a passed (or failed) check
        raise UsageError(
            f"cannot import {module_name!r}: it called sys.exit({exc.code!r}) on import; "
            f"put its script code under if __name__ == '__main__':"
        ) from None
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
        except (Exception, SystemExit) as exc:
            raise UsageError(
                f"cannot build {spec!r} without arguments: {type(exc).__name__}: {exc}"
            ) from None
    if not (hasattr(target, "loss") and hasattr(target, "grad_hess")):
        raise UsageError(
            f"{spec!r} is a {type(target).__name__}, not an objective with loss and "
            "grad_hess methods"
        )
    return target


def _import_file(name: str):
    """Import ``path/to/file.py`` as ``python path/to/file.py`` would see it.

    Its folder goes first on ``sys.path``, so that it can import the modules
    beside it, and the module is registered in ``sys.modules`` under its stem
    (unless that name is taken), which dataclasses and pickling need.
    """
    path = Path(name)
    if not path.is_file():
        raise UsageError(f"no such file: {name}")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    if module_spec is None or module_spec.loader is None:  # e.g. not a .py file
        raise UsageError(f"cannot import {name!r}: not a Python source file (FILE.py)")
    loader = module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    registered = path.stem not in sys.modules
    if registered:
        sys.modules[path.stem] = module
    try:
        loader.exec_module(module)
    except BaseException:
        if registered:
            del sys.modules[path.stem]
        raise
    return module


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
    if args.k < 2 and not args.single_output:
        raise UsageError("--k must be >= 2 (use --single-output for a 1-D binary model)")
    objective = load_objective(args.objective)
    labels, raw, weight = random_problem(
        args.n, args.k, args.scale, args.labels, args.weights, args.seed, args.single_output
    )
    inputs = (
        f"inputs: n={args.n}, K={'1 (single output)' if args.single_output else args.k}, "
        f"margin scale {args.scale}, {args.labels} labels, weights {args.weights}, seed {args.seed}"
    )
    try:
        result = check_grad_hess(
            _Guarded(objective),
            labels,
            raw,
            weight,
            step=args.step,
            rtol=args.rtol,
            atol=args.atol,
            check_hessian=not args.no_hessian,
        )
    except (TypeError, ValueError) as exc:  # the checker refused its own inputs
        raise UsageError(str(exc)) from None
    except ObjectiveRaised as exc:
        print(f"boostobj check: {exc.report()}", file=sys.stderr)
        print(f"{inputs} (exit status {EXIT_OBJECTIVE_RAISED})", file=sys.stderr)
        return EXIT_OBJECTIVE_RAISED
    print(f"objective: {args.objective} ({type(objective).__name__})")
    print(inputs)
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


def check_destination(path: str, option: str) -> None:
    """Refuse an output path that cannot be written, before anything is trained."""
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{option}: {path!r} is a folder; give a file name")
    folder = file.parent
    if not folder.is_dir():
        raise UsageError(f"{option}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (file.exists() and not os.access(file, os.W_OK)):
        raise UsageError(f"{option}: cannot write {path!r} (permission denied)")


def _check_plot_destination(path: str) -> None:
    from . import _compare

    check_destination(path, "--plot")
    try:
        formats = _compare.plot_formats()
    except _compare.MissingDependency as exc:
        raise UsageError(f"--plot: {exc}") from None
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix and suffix not in formats:
        raise UsageError(
            f"--plot: cannot save a .{suffix} image; use one of "
            + ", ".join(f".{f}" for f in sorted(formats))
        )


TABLE_OPTIONS = ("csv", "parquet", "data")


def _table_source(args: argparse.Namespace) -> tuple[str, str, str | None] | None:
    """(option, path, format) of the table to read, or None for built-in data."""
    given = [(f"--{o}", getattr(args, o)) for o in TABLE_OPTIONS if getattr(args, o) is not None]
    if args.dataset is not None:
        given.append(("--dataset", args.dataset))
    if len(given) > 1:
        raise UsageError(f"give either {given[0][0]} or {given[1][0]}, not both")
    table = given and given[0][0] != "--dataset"
    if table and args.target is None:
        raise UsageError(
            f"{given[0][0]} and --target go together: --target COLUMN names the classes' column"
        )
    if not table:
        if args.target is not None:
            raise UsageError("--target goes with a table: --csv, --parquet or --data FILE")
        for flag, value in (
            ("--sep", args.sep),
            ("--na-values", args.na_values),
            ("--categorical", args.categorical),
            ("--drop", args.drop),
        ):
            if value is not None:
                raise UsageError(f"{flag} goes with a table: --csv, --parquet or --data FILE")
        return None
    option, path = given[0]
    fmt = {"--csv": "csv", "--parquet": "parquet", "--data": None}[option]
    return option, path, fmt


def _separator(text: str | None, path: str) -> str:
    if text is None:
        return "\t" if path.lower().endswith((".tsv", ".tsv.gz", ".tab")) else ","
    sep = text.encode().decode("unicode_escape") if "\\" in text else text  # '\t' from a shell
    if len(sep) != 1:
        raise UsageError(f"--sep must be one character (or \\t), got {text!r}")
    return sep


def _load_problem(args: argparse.Namespace, source):
    from . import _compare_data

    if source is None:
        if args.dataset is not None:
            return _compare_data.shipped_problem(args.dataset)
        return _compare_data.synthetic_problem(n=args.n, n_classes=args.classes, seed=args.seed)
    option, path, fmt = source
    fmt = fmt or _compare_data.table_format(path)
    if fmt == "parquet" and (args.sep is not None or args.na_values is not None):
        flag = "--sep" if args.sep is not None else "--na-values"
        raise UsageError(f"{flag} applies to CSV files; {path!r} is read as Parquet")
    return _compare_data.table_problem(
        path,
        args.target,
        fmt=fmt,
        sep=_separator(args.sep, path),
        na_values=args.na_values or (),
        categorical=args.categorical or (),
        drop=args.drop or (),
        option=option,
    )


def data_summary(problem, n_test: int, source: str) -> dict[str, Any]:
    """What the data line says, as values (also written by --output)."""
    return {
        "name": problem.name,
        "source": source,
        "training_rows": len(problem.y) - n_test,
        "test_rows": n_test,
        "features": problem.X.shape[1],
        "numeric_features": problem.n_numeric,
        "categorical_features": len(problem.categorical),
        "categorical_columns": list(problem.categorical),
        "dropped_columns": list(problem.dropped_columns),
        "rows_dropped_for_missing_target": problem.n_dropped,
        "classes": problem.class_names or [str(c) for c in range(int(problem.y.max()) + 1)],
    }


def data_line(summary: dict[str, Any], table: bool) -> str:
    features = f"{summary['features']} features"
    if table:
        kinds = (
            f"{summary['numeric_features']} numeric, {summary['categorical_features']} categorical"
        )
        if summary["dropped_columns"]:
            n = len(summary["dropped_columns"])
            kinds += f"; {n} column{'s' * (n != 1)} dropped"
        features += f" ({kinds})"
    line = (
        f"data: {summary['name']}; {summary['training_rows']} training and "
        f"{summary['test_rows']} test rows, {features}, {len(summary['classes'])} classes"
    )
    if table:
        n = summary["rows_dropped_for_missing_target"]
        line += f"; {n} row{'s' * (n != 1)} dropped for a missing target"
    return line


def _check_output_destination(path: str) -> None:
    from ._compare import OUTPUT_FORMATS

    check_destination(path, "--output")
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in OUTPUT_FORMATS:
        raise UsageError(f"--output: give a .json or .csv file name, got {path!r}")


def run_compare(args: argparse.Namespace) -> int:
    from . import _compare

    if args.classes < 2:
        raise UsageError("--classes must be >= 2")
    source = _table_source(args)
    # Every output is checked before anything is read or trained.
    if args.plot:
        _check_plot_destination(args.plot)
    if args.output:
        _check_output_destination(args.output)
    try:
        problem = _load_problem(args, source)
        settings = _compare.Settings(
            rounds=args.rounds,
            learning_rate=args.learning_rate,
            threads=args.threads,
            seed=args.seed,
            label_smoothing=args.label_smoothing,
            calibration=args.calibration,
            calibration_size=args.calibration_size,
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
    if source is not None:
        origin = source[1]
    else:
        origin = "synthetic" if args.dataset is None else f"scikit-learn {args.dataset}"
    summary = data_summary(problem, len(y_test), origin)
    print(data_line(summary, table=source is not None))
    print(
        f"settings: {args.rounds} rounds, learning rate {args.learning_rate}, seed {args.seed}, "
        f"{args.threads} thread(s)"
        + (f", label smoothing {args.label_smoothing}" if args.label_smoothing else "")
        + (
            f", {args.calibration} calibration on {args.calibration_size:g} of the training rows"
            if "builtin-calibrated" in args.objectives
            else ""
        )
    )
    print("held-out scores (lower is better, but accuracy):")
    print(_compare.format_table(runs, truth))
    if args.plot:
        _compare.reliability_plot(runs, y_test, args.plot, problem.name)
        print(f"reliability diagram: {args.plot}")
    if args.output:
        settings_record = {
            "engines": list(args.engines),
            "objectives": list(args.objectives),
            "rounds": args.rounds,
            "learning_rate": args.learning_rate,
            "seed": args.seed,
            "threads": args.threads,
            "test_size": args.test_size,
            "label_smoothing": args.label_smoothing,
            "calibration": args.calibration,
            "calibration_size": args.calibration_size,
        }
        record = _compare.results_record(runs, truth, summary, settings_record)
        _compare.write_results(args.output, record)
        print(f"results: {args.output}")
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


def _calibration_fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be in (0, 0.5], got {text}")
    return value


def _names(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


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


def _subparser(sub, name: str, description: str, **kwargs) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        description=textwrap.fill(description, 79),  # the raw formatter keeps the epilog's table
        epilog=EXIT_STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kwargs,
    )
    parser.set_defaults(subparser=parser)  # its usage is printed with its errors
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boostobj",
        description="Custom multiclass objectives for XGBoost and LightGBM.",
        epilog=EXIT_STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = _subparser(
        sub,
        "check",
        help="check an objective's gradient and Hessian against finite differences",
        description=(
            "Import an objective (any object or class with loss(labels, raw, sample_weight) "
            "and grad_hess(labels, raw, sample_weight)), run check_grad_hess on random "
            "inputs and print the report."
        ),
    )
    check.add_argument("objective", help="MODULE:NAME or path/to/file.py:NAME")
    check.add_argument(
        "--n", type=_positive_int, default=200, help="samples (default: %(default)s)"
    )
    check.add_argument(
        "--k", type=_positive_int, default=5, help="classes, >= 2 (default: %(default)s)"
    )
    check.add_argument(
        "--scale",
        type=_positive_float,
        default=3.0,
        help="standard deviation of the random margins (default: %(default)s)",
    )
    check.add_argument(
        "--labels",
        choices=["hard", "soft"],
        default="hard",
        help="class ids or probability rows (default: %(default)s)",
    )
    check.add_argument(
        "--weights",
        choices=["none", "1d", "2d"],
        default="none",
        help="sample weights: none, one per row, or one per row and class (default: %(default)s)",
    )
    check.add_argument(
        "--single-output", action="store_true", help="1-D margins of a binary model (default: off)"
    )
    check.add_argument(
        "--seed", type=int, default=0, help="seed of the random inputs (default: %(default)s)"
    )
    check.add_argument(
        "--step",
        type=_positive_float,
        default=2.0**-10,
        help="finite-difference step in margin units (default: %(default)s = 2**-10)",
    )
    check.add_argument(
        "--rtol",
        type=_positive_float,
        default=1e-6,
        help="tolerance relative to the row's largest derivative (default: %(default)s)",
    )
    check.add_argument(
        "--atol",
        type=_positive_float,
        default=1e-10,
        help="absolute tolerance per unit of sample weight (default: %(default)s)",
    )
    check.add_argument(
        "--no-hessian",
        action="store_true",
        help="check only the gradient, for Gauss-Newton or scaled Hessians (default: off)",
    )
    check.set_defaults(run=run_check)

    from ._compare import CALIBRATION_METHODS, DEFAULT_OBJECTIVES, ENGINES, OBJECTIVES
    from ._compare_data import SHIPPED_DATASETS

    compare = _subparser(
        sub,
        "compare",
        help="train every engine x objective and compare held-out scores",
        description=(
            "Train xgboost and lightgbm with their built-in softmax, SoftmaxCrossEntropy and "
            "WeightedBrier (and, on request, the built-in softmax calibrated afterwards) on one "
            "train/test split and print held-out log-loss, Brier score, expected calibration "
            "error, accuracy and training time. Tables (CSV or Parquet, read with pandas) may "
            "hold numeric, text and boolean columns: text and boolean columns train as "
            "categorical features in both engines, for every objective. Without a table or "
            "--dataset the data are synthetic with known class probabilities, and the table "
            "also reports each model's KL divergence from them."
        ),
    )
    source = compare.add_argument_group("data (default: synthetic with known probabilities)")
    source.add_argument(
        "--csv", metavar="FILE", help="CSV file with a header row (.gz etc. decompressed)"
    )
    source.add_argument("--parquet", metavar="FILE", help="Parquet file (needs pyarrow)")
    source.add_argument(
        "--data",
        metavar="FILE",
        help="a table read by its name: .parquet or .pq as Parquet, anything else as CSV",
    )
    source.add_argument("--target", metavar="COLUMN", help="the table's column holding the classes")
    source.add_argument(
        "--sep",
        metavar="CHAR",
        help="CSV field separator, one character or \\t (default: ',', a tab for .tsv files)",
    )
    source.add_argument(
        "--na-values",
        type=_names,
        metavar="LIST",
        help=(
            "comma-separated CSV tokens that also mean missing, e.g. '?,-' (default: pandas' "
            "tokens: empty, NA, N/A, NaN, nan, null, NULL, None and the like)"
        ),
    )
    source.add_argument(
        "--categorical",
        type=_names,
        metavar="COLUMNS",
        help="comma-separated columns to treat as categorical, e.g. integer codes "
        "(default: text and boolean columns only)",
    )
    source.add_argument(
        "--drop",
        type=_names,
        metavar="COLUMNS",
        help="comma-separated columns to leave out, e.g. ids (default: use every column)",
    )
    source.add_argument("--dataset", choices=SHIPPED_DATASETS, help="a data set scikit-learn ships")
    source.add_argument(
        "--n", type=_positive_int, default=6000, help="synthetic rows (default: %(default)s)"
    )
    source.add_argument(
        "--classes",
        type=_positive_int,
        default=4,
        help="synthetic classes, >= 2 (default: %(default)s)",
    )
    training = compare.add_argument_group("training")
    training.add_argument(
        "--engines",
        type=_choices("--engines", ENGINES),
        default=",".join(ENGINES),
        metavar="LIST",
        help="comma-separated engines (default: %(default)s)",
    )
    training.add_argument(
        "--objectives",
        type=_choices("--objectives", OBJECTIVES),
        default=",".join(DEFAULT_OBJECTIVES),
        metavar="LIST",
        help=(
            f"comma-separated, from {','.join(OBJECTIVES)}; builtin-calibrated is the "
            "built-in softmax followed by post-hoc calibration (default: %(default)s)"
        ),
    )
    training.add_argument(
        "--calibration",
        choices=CALIBRATION_METHODS,
        default="isotonic",
        help="builtin-calibrated: scikit-learn's CalibratedClassifierCV method "
        "(default: %(default)s)",
    )
    training.add_argument(
        "--calibration-size",
        type=_calibration_fraction,
        default=0.2,
        metavar="FRACTION",
        help="builtin-calibrated: fraction of the training rows held out to fit the "
        "calibration on, stratified; never the test rows (default: %(default)s)",
    )
    training.add_argument(
        "--rounds", type=_positive_int, default=100, help="boosting rounds (default: %(default)s)"
    )
    training.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=0.05,
        metavar="RATE",
        help="learning rate (default: %(default)s)",
    )
    training.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the split, the engines and the synthetic data (default: %(default)s)",
    )
    training.add_argument(
        "--test-size",
        type=_test_fraction,
        default=0.3,
        metavar="FRACTION",
        help="fraction of the rows held out for scoring, stratified (default: %(default)s)",
    )
    training.add_argument(
        "--label-smoothing",
        type=_fraction,
        default=0.0,
        metavar="ALPHA",
        help=(
            "train boostobj objectives on soft labels (1-ALPHA) one-hot + ALPHA/K "
            "(default: %(default)s, hard labels)"
        ),
    )
    training.add_argument(
        "--threads", type=_positive_int, default=1, help="threads per engine (default: %(default)s)"
    )
    output = compare.add_argument_group("output")
    output.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save a reliability diagram; the folder must exist (default: no plot)",
    )
    output.add_argument(
        "--output",
        metavar="FILE.json|FILE.csv",
        help="also write the results, the settings and the data summary (default: none)",
    )
    output.add_argument(
        "--no-progress",
        action="store_true",
        help=(
            "no progress report on stderr (default: a progress bar on a terminal, "
            "one line per run otherwise)"
        ),
    )
    compare.set_defaults(run=run_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``boostobj`` command and return its exit status (see the module docstring)."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader left (`boostobj compare | head`): stop quietly, as shell tools do.
        # Point stdout at /dev/null so that the flush at exit does not fail again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout is not a real file
            pass
        return EXIT_BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or an option argparse refused
        if exc.code is None:
            return EXIT_OK
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except UsageError as exc:
        args.subparser.print_usage(sys.stderr)
        print(f"boostobj {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

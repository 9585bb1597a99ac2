"""Data and metrics for ``boostobj compare``: a synthetic problem with known
class probabilities, loaders for CSV and Parquet tables (through pandas,
imported only when a table is read) and shipped data sets, and the scores of
a model's probabilities."""

from __future__ import annotations

import importlib
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SHIPPED_DATASETS = ("digits", "iris", "wine", "breast_cancer")


@dataclass
class Problem:
    """Features, class ids and (for the synthetic problem) true probabilities.

    ``X`` is an (n, p) float array, or for a table a pandas DataFrame of
    float64 and ``category`` columns (those named in ``categorical``).
    """

    name: str
    X: Any
    y: np.ndarray
    true_proba: np.ndarray | None = None
    class_names: list[str] | None = None
    n_dropped: int = 0  # rows left out because their target was missing
    categorical: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)

    @property
    def n_numeric(self) -> int:
        return self.X.shape[1] - len(self.categorical)


def synthetic_problem(
    n: int = 6000, n_features: int = 10, n_classes: int = 4, seed: int = 0
) -> Problem:
    """A multiclass problem whose true class probabilities are known.

    Features are standard normal; the true log-odds mix a linear part, an
    interaction and a threshold effect (so trees have something to find),
    with a mean entropy of about two thirds of its maximum (0.94 of 1.39 nats
    for the defaults), and an accuracy of 0.61 for the true probabilities; labels are
    drawn from the true probabilities. Deterministic given ``seed``.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    w_lin = rng.normal(size=(n_features, n_classes))
    w_lin[4:] *= 0.2  # a few informative features, the rest weak
    logits = X @ w_lin
    logits[:, 0] += 1.5 * X[:, 0] * X[:, 1]
    logits[:, 1] += 2.0 * (X[:, 2] > 0.5)
    logits[:, n_classes - 1] -= 1.0 * np.abs(X[:, 3])
    logits -= logits.mean(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    cumulative = proba.cumsum(axis=1)
    u = rng.random(n)[:, None]
    y = np.minimum((u > cumulative).sum(axis=1), n_classes - 1)
    return Problem(f"synthetic (n={n}, K={n_classes}, known probabilities)", X, y, proba)


def shipped_problem(name: str) -> Problem:
    """A data set that scikit-learn ships (no download)."""
    from sklearn import datasets

    if name not in SHIPPED_DATASETS:
        raise ValueError(f"--dataset must be one of {SHIPPED_DATASETS}, got {name!r}")
    bunch = getattr(datasets, f"load_{name}")()
    names = [str(c) for c in getattr(bunch, "target_names", np.unique(bunch.target))]
    return Problem(name, bunch.data.astype(np.float64), bunch.target.astype(int), None, names)


class MissingDependency(Exception):
    """An optional package the command needs is not installed."""


def import_optional(name: str, extra: str):
    """Import ``name`` or say which boostobj extra installs it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingDependency(
            f"{name} is not installed; install it with: pip install 'boostobj[{extra}]'"
        ) from None


# File name endings read as Parquet; anything else is CSV (pandas undoes
# a compression suffix such as .gz itself).
PARQUET_SUFFIXES = (".parquet", ".pq")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")
# A text column whose non-missing cells parse as numbers this often is taken
# for a numeric column with stray tokens, not for a categorical feature.
NUMERIC_LOOKING = 0.9


def table_format(path: str) -> str:
    """``"parquet"`` or ``"csv"``, from the file name's ending."""
    name = path.lower()
    for suffix in COMPRESSION_SUFFIXES:
        name = name.removesuffix(suffix)
    return "parquet" if name.endswith(PARQUET_SUFFIXES) else "csv"


def read_table(
    path: str,
    fmt: str,
    *,
    sep: str = ",",
    na_values: Sequence[str] = (),
    option: str = "--csv",
):
    """Read a CSV (header row, pandas' missing-value tokens) or Parquet file into pandas."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"{option}: no such file {path!r}")
    pd = import_optional("pandas", "cli")
    if fmt == "parquet":
        import_optional("pyarrow", "cli")
        try:
            return pd.read_parquet(file)
        except Exception as exc:  # pyarrow's errors have no common base we can name
            raise ValueError(
                f"{option}: cannot read {path!r} as Parquet: {type(exc).__name__}: {exc}"
            ) from None
    try:
        with warnings.catch_warnings():
            # index_col=False: a first data row longer than the header is an
            # error (pandas would make the first column the index), raised
            # as this warning; later long rows raise ParserError naming the line.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # The C parser; empty, NA, NaN, N/A, null and the like are missing.
            return pd.read_csv(file, sep=sep, na_values=list(na_values) or None, index_col=False)
    except pd.errors.ParserWarning:
        raise ValueError(f"{option}: {_long_row(file, sep)}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{option}: {path!r} is empty") from None
    except pd.errors.ParserError as exc:  # names the line, e.g. "Expected 3 fields in line 5"
        raise ValueError(f"{option}: cannot parse {path!r}: {exc}".rstrip()) from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{option}: {path!r} is not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from None


def _long_row(file: Path, sep: str) -> str:
    """Describe the first row with more fields than the header (an error path)."""
    import csv

    with file.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter=sep)
        header = next(reader)
        for row in reader:
            if len(row) > len(header):
                return f"line {reader.line_num} has {len(row)} fields, the header has {len(header)}"
    return "a row has more fields than the header"


def table_problem(
    path: str,
    target: str,
    *,
    fmt: str | None = None,
    sep: str = ",",
    na_values: Sequence[str] = (),
    categorical: Sequence[str] = (),
    drop: Sequence[str] = (),
    option: str = "--csv",
) -> Problem:
    """Features and class ids from a CSV or Parquet table.

    Numeric columns become float64 features (missing cells NaN); text and
    boolean columns, and those named in ``categorical``, become pandas
    ``category`` columns that both engines split on natively. Rows whose
    target is missing are dropped and counted. ``X`` is a DataFrame.
    """
    df = read_table(path, fmt or table_format(path), sep=sep, na_values=na_values, option=option)
    df.columns = [str(c).strip() for c in df.columns]
    columns = list(df.columns)
    twice = sorted(c for c, n in Counter(columns).items() if n > 1)
    if twice:  # pandas renames exact repeats (a, a.1); stripping can make new ones
        raise ValueError(f"{option}: {path!r} has two columns named {twice[0]!r}")
    if target not in columns:
        raise ValueError(
            f"--target: column {target!r} is not in {path!r}; its columns are {columns}"
        )
    for flag, names in (("--categorical", categorical), ("--drop", drop)):
        unknown = [c for c in names if c not in columns]
        if unknown:
            raise ValueError(
                f"{flag}: no column {unknown[0]!r} in {path!r}; its columns are {columns}"
            )
        if target in names:
            raise ValueError(f"{flag}: {target!r} is the target, not a feature")
    both = sorted(set(categorical) & set(drop))
    if both:
        raise ValueError(f"--categorical and --drop both name {both[0]!r}")
    if len(df) == 0:
        raise ValueError(f"{option}: {path!r} has a header but no data rows")
    features = [c for c in columns if c != target and c not in drop]
    if not features:
        raise ValueError(f"{option}: {path!r} has no feature columns besides {target!r}")

    labels = _text_as_missing(df[target])
    has_target = labels.notna().to_numpy()
    if not has_target.any():
        raise ValueError(f"--target: column {target!r} is empty in every row of {path!r}")
    if not has_target.all():
        df, labels = df[has_target], labels[has_target]
    codes, classes = _classes(labels)
    _require_two_classes(classes, target)

    pd = import_optional("pandas", "cli")  # loaded by read_table already
    X, kinds = {}, {}
    for name in features:
        X[name], kinds[name] = _feature(df[name], name, name in categorical, pd)
    return Problem(
        f"{Path(path).name} (target {target!r})",
        pd.DataFrame(X, index=df.index).reset_index(drop=True),
        codes,
        None,
        classes,
        n_dropped=int((~has_target).sum()),
        categorical=[c for c in features if kinds[c] == "categorical"],
        dropped_columns=list(drop),
    )


def csv_problem(path: str, target: str, **options) -> Problem:
    """:func:`table_problem` for a CSV file, whatever its name."""
    return table_problem(path, target, fmt="csv", **options)


def _text_as_missing(column):
    """Cells that are blank after stripping are missing, as empty ones are."""
    if column.dtype.kind in "biufc":
        return column
    stripped = column.where(column.isna(), column.astype(str).str.strip())
    return stripped.where(stripped != "")


def _classes(labels) -> tuple[np.ndarray, list[str]]:
    """Class ids 0..K-1 in sorted order of the target's values, and their names."""
    values = labels.to_numpy()
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        values = values.astype(np.int64)  # 1.0, 2.0 from an integer column with gaps
    elif values.dtype.kind not in "biu":
        values = values.astype(str)
    classes, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), [str(c) for c in classes]


def _require_two_classes(classes: Sequence[str], target: str) -> None:
    if len(classes) < 2:
        raise ValueError(
            f"--target: column {target!r} has only one class ({str(classes[0])!r}); "
            "a classifier needs at least two"
        )


def _feature(column, name: str, categorical: bool, pd) -> tuple[Any, str]:
    """One feature column as float64 or as a category of strings, and its kind."""
    dtype = column.dtype
    if categorical or pd.api.types.is_bool_dtype(dtype):
        return _as_category(column, pd), "categorical"
    if isinstance(dtype, pd.CategoricalDtype):
        return _as_category(column, pd), "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan), "numeric"
    if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
        raise ValueError(
            f"feature {name!r} has type {dtype}, which neither engine reads; "
            f"--drop {name} or convert it to numbers"
        )
    codes, names = _codes(_text_as_missing(column), pd)
    # Parse each distinct value once: text columns repeat a few values.
    numeric = pd.to_numeric(pd.Series(names, dtype=object), errors="coerce").notna().to_numpy()
    present = codes >= 0
    is_number = np.zeros(len(codes), dtype=bool)
    is_number[present] = numeric[codes[present]]
    if present.any() and is_number.sum() >= NUMERIC_LOOKING * present.sum():
        # Mostly numbers: a stray token ("?", "n.a.", a typo) is far likelier
        # than a categorical feature, and a category per number would be wrong.
        bad = np.flatnonzero(present & ~is_number)[0]
        value = str(names[codes[bad]])  # a plain str prints without np.str_
        raise ValueError(
            f"feature {name!r} is numeric but for {value!r} in data row "
            f"{column.index[bad] + 1}; mark such tokens missing with --na-values {value!r}, "
            f"or make the column categorical with --categorical {name}"
        )
    return pd.Categorical.from_codes(codes, categories=names), "categorical"


def _codes(column, pd) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 where missing) into the column's distinct values as sorted strings.

    Values that print alike (True and "True", 7 and 7.0) share a string;
    integral floats print as integers (a gap makes pandas read 7 as 7.0).
    """
    codes, uniques = pd.factorize(column)
    values = np.asarray(uniques)
    if len(values) == 0:
        return codes, np.array([], dtype=str)
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        values = values.astype(np.int64)
    names, inverse = np.unique(np.array([str(v) for v in values]), return_inverse=True)
    return np.where(codes >= 0, inverse[codes], -1), names


def _as_category(column, pd):
    """A category column whose categories are strings (XGBoost refuses booleans)."""
    codes, names = _codes(column, pd)
    return pd.Categorical.from_codes(codes, categories=names)


# ---------------------------------------------------------------- metrics
def log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean negative log-probability of the true class (clipped at 1e-15)."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0))))


def brier(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean multiclass Brier score: sum over classes of (p - one-hot)^2."""
    one_hot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - one_hot) ** 2, axis=1)))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def reliability_curve(y: np.ndarray, proba: np.ndarray, bins: int = 10):
    """Mean top-label confidence and accuracy per non-empty confidence bin."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    xs, ys = [], []
    for b in range(bins):
        mask = which == b
        if mask.any():
            xs.append(confidence[mask].mean())
            ys.append(correct[mask].mean())
    return np.array(xs), np.array(ys)


def kl_to_truth(true_proba: np.ndarray, proba: np.ndarray) -> float:
    """Mean KL(true || model): how far the model's probabilities are from the truth."""
    p = np.clip(true_proba, 1e-15, 1.0)
    q = np.clip(proba, 1e-15, 1.0)
    return float(np.mean(np.sum(p * (np.log(p) - np.log(q)), axis=1)))

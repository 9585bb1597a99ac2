"""``boostobj compare``: train every engine x objective and print one table."""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ._compare_data import (
    MissingDependency,
    Problem,
    brier,
    expected_calibration_error,
    import_optional,
    kl_to_truth,
    log_loss,
    reliability_curve,
)
from ._validation import BLOCK_ELEMENTS
from .objectives import BaseObjective, SoftmaxCrossEntropy, WeightedBrier

__all__ = ["ENGINES", "OBJECTIVES", "MissingDependency", "Settings", "compare"]

ENGINES = ("xgboost", "lightgbm")
OBJECTIVES = ("builtin", "xent", "brier", "builtin-calibrated")
DEFAULT_OBJECTIVES = ("builtin", "xent", "brier")
CALIBRATION_METHODS = ("isotonic", "sigmoid")
OUTPUT_FORMATS = ("json", "csv")
METRICS = ("log-loss", "Brier", "ECE", "accuracy", "KL to truth")


def _import(name: str, extra: str):
    return import_optional(name, extra)


def make_objective(name: str) -> BaseObjective | None:
    return {"xent": SoftmaxCrossEntropy(), "brier": WeightedBrier()}.get(name)


@dataclass
class Settings:
    rounds: int = 100
    learning_rate: float = 0.05
    threads: int = 1
    seed: int = 0
    label_smoothing: float = 0.0
    calibration: str = "isotonic"
    calibration_size: float = 0.2  # of the training rows, for builtin-calibrated


@dataclass
class Run:
    engine: str
    objective: str
    proba: np.ndarray
    seconds: float
    note: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    # How many features the trained model treats as categorical (read back from it).
    categorical_used: int = 0
    calibration: str = "isotonic"

    @property
    def label(self) -> str:
        names = {
            "builtin": "built-in softmax",
            "xent": "SoftmaxCrossEntropy",
            "brier": "WeightedBrier",
            "builtin-calibrated": f"built-in + {self.calibration}",
        }
        return f"{self.engine} {names[self.objective]}{self.note}"


class Progress:
    """Counts boosting rounds across all runs on stderr.

    A tqdm bar on a terminal; one line per run when stderr is a file or a
    pipe (a bar's redrawn frames would fill a log) or tqdm is not installed.
    """

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        self.enabled = enabled
        if enabled and sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, unit="round", file=sys.stderr, leave=False)

    def start(self, label: str) -> None:
        if self.bar is not None:
            self.bar.set_description(label)
        elif self.enabled:
            print(f"training {label} ...", file=sys.stderr, flush=True)

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __deepcopy__(self, memo):  # engines copy callbacks; the bar must stay shared
        return self


def _xgboost_callback(progress: Progress):
    xgb: Any = _import("xgboost", "xgboost")  # a module imported at run time

    class Tick(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log) -> bool:
            progress.step()
            return False

        def __deepcopy__(self, memo):
            return self

    return Tick()


def _lightgbm_callback(progress: Progress):
    def tick(env) -> None:
        progress.step()

    return tick


def _smoothed(y: np.ndarray, k: int, alpha: float) -> np.ndarray:
    return (1.0 - alpha) * np.eye(k)[y] + alpha / k


def _rows(X: Any, mask: np.ndarray) -> Any:
    """Rows of an array or a DataFrame (positions, not index labels)."""
    return X.iloc[mask] if hasattr(X, "iloc") else X[mask]


@dataclass
class Trained:
    """What a trainer hands back: test probabilities and facts about the model."""

    proba: np.ndarray
    note: str = ""
    categorical_used: int = 0


def _xgboost_categorical(booster) -> int:
    return sum(t == "c" for t in (booster.feature_types or []))


def _lightgbm_categorical(booster) -> int:
    # LightGBM records the category levels of each pandas category column it used.
    return len(booster.pandas_categorical or [])


def _xgboost_params(settings: Settings, progress: Progress) -> dict[str, Any]:
    return dict(
        n_estimators=settings.rounds,
        learning_rate=settings.learning_rate,
        max_depth=4,
        tree_method="hist",
        n_jobs=settings.threads,
        random_state=settings.seed,
        # Category columns split natively, for every objective alike.
        enable_categorical=True,
        callbacks=[_xgboost_callback(progress)],
    )


def _lightgbm_params(settings: Settings) -> dict[str, Any]:
    # LightGBM finds pandas category columns itself (categorical_feature="auto").
    return dict(
        n_estimators=settings.rounds,
        learning_rate=settings.learning_rate,
        num_leaves=15,
        n_jobs=settings.threads,
        random_state=settings.seed,
        verbose=-1,
    )


def train_xgboost(
    objective: str, X, y, X_test, k: int, settings: Settings, progress: Progress
) -> Trained:
    xgb = _import("xgboost", "xgboost")
    import boostobj.xgboost as bx

    obj = make_objective(objective)
    if obj is not None and settings.label_smoothing > 0:
        # Soft labels need the native API: a 2-D label trains a K-output model.
        soft = _smoothed(y, k, settings.label_smoothing)
        start = obj.init_raw(soft)
        dtrain = xgb.DMatrix(
            X, label=soft, base_margin=np.tile(start, (len(y), 1)), enable_categorical=True
        )
        booster = xgb.train(
            {
                "tree_method": "hist",
                "max_depth": 4,
                "eta": settings.learning_rate,
                "nthread": settings.threads,
                "seed": settings.seed,
                "disable_default_eval_metric": 1,
            },
            dtrain,
            settings.rounds,
            # The Classifier's convention: multi:softprob's Hessian factor.
            obj=bx.objective(obj, engine_hessian=True),
            callbacks=[_xgboost_callback(progress)],
        )
        dtest = xgb.DMatrix(
            X_test, base_margin=np.tile(start, (X_test.shape[0], 1)), enable_categorical=True
        )
        proba = obj.predict_proba(booster.predict(dtest, output_margin=True))
        return Trained(proba, " (smoothed)", _xgboost_categorical(booster))
    params = _xgboost_params(settings, progress)
    if obj is None:
        model = xgb.XGBClassifier(**params)
    else:
        model = bx.Classifier(objective=obj, **params)
    model.fit(X, y)
    note = " (hard labels)" if settings.label_smoothing > 0 else ""
    proba = _full_proba(model.predict_proba(X_test), model.classes_, k)
    return Trained(proba, note, _xgboost_categorical(model.get_booster()))


def train_lightgbm(
    objective: str, X, y, X_test, k: int, settings: Settings, progress: Progress
) -> Trained:
    lgb = _import("lightgbm", "lightgbm")
    import boostobj.lightgbm as bl

    obj = make_objective(objective)
    callbacks = [_lightgbm_callback(progress)]
    if obj is not None and settings.label_smoothing > 0:
        soft = _smoothed(y, k, settings.label_smoothing)
        start = obj.init_raw(soft)
        dtrain = bl.attach_targets(lgb.Dataset(X), soft, init_raw=start)
        booster = lgb.train(
            {
                # The Classifier's convention: multiclass's Hessian factor.
                "objective": bl.objective(obj, engine_hessian=True),
                "num_class": k,
                "metric": "None",
                "verbose": -1,
                "num_threads": settings.threads,
                "learning_rate": settings.learning_rate,
                "num_leaves": 15,
                "seed": settings.seed,
            },
            dtrain,
            settings.rounds,
            callbacks=callbacks,
        )
        bl.add_init_raw(booster, start)
        proba = obj.predict_proba(booster.predict(X_test, raw_score=True))
        return Trained(proba, " (smoothed)", _lightgbm_categorical(booster))
    params = _lightgbm_params(settings)
    if obj is None:
        model = lgb.LGBMClassifier(**params)
    else:
        model = bl.Classifier(objective=obj, **params)
    model.fit(X, y, callbacks=callbacks)
    note = " (hard labels)" if settings.label_smoothing > 0 else ""
    proba = _full_proba(model.predict_proba(X_test), model.classes_, k)
    return Trained(proba, note, _lightgbm_categorical(model.booster_))


def train_calibrated(
    engine: str, X, y, X_test, k: int, settings: Settings, progress: Progress
) -> Trained:
    """The engine's built-in objective, then post-hoc calibration.

    The model trains on part of the training rows; scikit-learn's
    ``CalibratedClassifierCV`` fits the calibration map (one-vs-rest,
    renormalised) on the rest, held out from both training and test.
    """
    CalibratedClassifierCV, FrozenEstimator = _sklearn_calibration()
    fit, held_out = split_labels(y, settings.calibration_size, settings.seed)
    if len(np.unique(y[held_out])) < 2:
        raise ValueError(
            f"--calibration-size {settings.calibration_size} holds out fewer than two "
            "classes to calibrate on; use a larger fraction or more data"
        )
    X_fit, y_fit = _rows(X, fit), y[fit]
    if engine == "xgboost":
        xgb = _import("xgboost", "xgboost")
        model = xgb.XGBClassifier(**_xgboost_params(settings, progress))
        model.fit(X_fit, y_fit)
        used = _xgboost_categorical(model.get_booster())
    else:
        lgb = _import("lightgbm", "lightgbm")
        model = lgb.LGBMClassifier(**_lightgbm_params(settings))
        model.fit(X_fit, y_fit, callbacks=[_lightgbm_callback(progress)])
        used = _lightgbm_categorical(model.booster_)
    # Frozen: calibration fits its map on the held-out rows and never refits the model.
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=settings.calibration)
    calibrated.fit(_rows(X, held_out), y[held_out])
    note = " (hard labels)" if settings.label_smoothing > 0 else ""
    proba = _full_proba(calibrated.predict_proba(X_test), calibrated.classes_, k)
    return Trained(proba, note, used)


def _sklearn_calibration():
    """``CalibratedClassifierCV`` and ``FrozenEstimator`` (scikit-learn >= 1.6)."""
    _import("sklearn", "sklearn")
    try:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.frozen import FrozenEstimator
    except ImportError:
        raise MissingDependency(
            "builtin-calibrated needs scikit-learn >= 1.6; "
            "install it with: pip install 'boostobj[cli]'"
        ) from None
    return CalibratedClassifierCV, FrozenEstimator


def _full_proba(proba: np.ndarray, classes: Any, k: int) -> np.ndarray:
    """Probabilities for all K classes (a class absent from training gets 0)."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape[1] == k:
        return proba
    full = np.zeros((proba.shape[0], k))
    full[:, np.asarray(classes, dtype=int)] = proba
    return full


def split_labels(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified split of row positions: (kept, held out), deterministic given ``seed``."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        held[idx[: round(fraction * len(idx))]] = True
    return ~held, held


def split(problem: Problem, test_size: float, seed: int):
    """A stratified train/test split, deterministic given ``seed``."""
    train, test = split_labels(problem.y, test_size, seed)
    if train.all() or test.all():
        raise ValueError(f"--test-size {test_size} leaves no training or no test rows")
    return train, test


def warm_up_rows(y: np.ndarray, k: int) -> np.ndarray:
    """Rows for the untimed warm-up fit: every class, and as many row blocks as ``y``.

    The objective computes in row blocks; with one block it writes the
    engine's arrays whole, with several it writes row slices of them, which
    numba compiles separately when the arrays are Fortran-ordered (LightGBM).
    So the warm-up takes all rows up to two blocks and a row more, and the
    first row of each class (an engine refuses labels that skip a class).
    """
    n = len(y)
    rows = np.zeros(n, dtype=bool)
    rows[: min(n, 2 * max(1, BLOCK_ELEMENTS // max(1, k)) + 1)] = True
    _, first = np.unique(y, return_index=True)
    rows[first] = True
    return rows


def warm_up(
    engines: list[str], objectives: list[str], X: Any, y: np.ndarray, k: int, settings: Settings
) -> None:
    """Fit each engine with each boostobj objective for one round, untimed.

    The first ``grad_hess`` of a process imports numba and loads its compiled
    kernels for the label kind, dtypes and array layouts it meets (about half
    a second; several seconds per kernel when the cache is empty, the first
    run after installing). A one-round fit through the same trainer, on
    :func:`warm_up_rows`, meets the same ones, so no timed run pays for them.
    """
    custom = [o for o in objectives if make_objective(o) is not None]
    if not custom:
        return
    rows = warm_up_rows(y, k)
    X_warm, y_warm = _rows(X, rows), y[rows]
    trainers = {"xgboost": train_xgboost, "lightgbm": train_lightgbm}
    once, quiet = replace(settings, rounds=1), Progress(0, enabled=False)
    for engine in engines:
        for objective in custom:
            trainers[engine](objective, X_warm, y_warm, X_warm, k, once, quiet)


def compare(
    problem: Problem,
    engines: list[str],
    objectives: list[str],
    settings: Settings,
    *,
    test_size: float = 0.3,
    progress: bool = True,
) -> tuple[list[Run], dict[str, float] | None, np.ndarray]:
    """Train each engine x objective; return the runs, the truth's scores, the test labels."""
    train, test = split(problem, test_size, settings.seed)
    k = int(problem.y.max()) + 1
    features = problem.X
    if hasattr(features, "columns"):
        # LightGBM refuses names with JSON punctuation (, : " [ ] { }), XGBoost
        # names with [ ] <; the table's own names are not needed for training.
        features = features.set_axis([f"x{i}" for i in range(features.shape[1])], axis=1)
    X, y = _rows(features, train), problem.y[train]
    X_test, y_test = _rows(features, test), problem.y[test]
    if len(np.unique(y)) < 2:
        raise ValueError("the training split holds a single class; use more data")
    trainers = {"xgboost": train_xgboost, "lightgbm": train_lightgbm}
    for engine in engines:  # fail before training anything
        _import(engine, engine)
    if "builtin-calibrated" in objectives:
        _sklearn_calibration()
    # Numba's kernels are loaded (or compiled) here, not in the first timed run.
    warm_up(engines, objectives, X, y, k, settings)
    bar = Progress(settings.rounds * len(engines) * len(objectives), progress)
    runs = []
    try:
        for engine in engines:
            for objective in objectives:
                run = Run(engine, objective, np.empty(0), 0.0, calibration=settings.calibration)
                bar.start(run.label)
                t0 = time.perf_counter()
                if objective == "builtin-calibrated":
                    out = train_calibrated(engine, X, y, X_test, k, settings, bar)
                else:
                    out = trainers[engine](objective, X, y, X_test, k, settings, bar)
                run.seconds = time.perf_counter() - t0
                run.proba, run.note = out.proba, out.note
                run.categorical_used = out.categorical_used
                runs.append(run)
    finally:
        bar.close()
    truth = None
    if problem.true_proba is not None:
        tp = problem.true_proba[test]
        truth = _scores(y_test, tp, None)
        for run in runs:
            run.scores = _scores(y_test, run.proba, tp)
    else:
        for run in runs:
            run.scores = _scores(y_test, run.proba, None)
    return runs, truth, y_test


def _scores(y, proba, true_proba) -> dict[str, float]:
    scores = {
        "log-loss": log_loss(y, proba),
        "Brier": brier(y, proba),
        "ECE": expected_calibration_error(y, proba),
        "accuracy": float(np.mean(proba.argmax(axis=1) == y)),
    }
    if true_proba is not None:
        scores["KL to truth"] = kl_to_truth(true_proba, proba)
    return scores


def format_table(runs: list[Run], truth: dict[str, float] | None) -> str:
    columns = ["log-loss", "Brier", "ECE", "accuracy"]
    if truth is not None:
        columns.append("KL to truth")
    width = max([len(r.label) for r in runs] + [24])
    head = f"{'run':{width}s} " + " ".join(f"{c:>11s}" for c in columns) + f" {'train s':>8s}"
    lines = [head, "-" * len(head)]
    for run in runs:
        cells = " ".join(f"{run.scores[c]:11.4f}" for c in columns)
        lines.append(f"{run.label:{width}s} {cells} {run.seconds:8.2f}")
    if truth is not None:
        truth = {**truth, "KL to truth": 0.0}
        cells = " ".join(f"{truth[c]:11.4f}" for c in columns)
        lines.append(f"{'true probabilities':{width}s} {cells} {'':>8s}")
    return "\n".join(lines)


# ---------------------------------------------------------------- output file
def _key(metric: str) -> str:
    return metric.lower().replace("-", "_").replace(" ", "_")


def results_record(
    runs: list[Run],
    truth: dict[str, float] | None,
    data: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The table, the settings and the data summary as plain JSON-able values."""
    from . import __version__

    rows = []
    for run in runs:
        row: dict[str, Any] = {"run": run.label, "engine": run.engine, "objective": run.objective}
        row["note"] = run.note.strip(" ()")
        row.update({_key(m): float(v) for m, v in run.scores.items()})
        row["train_seconds"] = float(run.seconds)
        row["categorical_features_used"] = run.categorical_used
        rows.append(row)
    record: dict[str, Any] = {"boostobj_version": __version__, "data": data, "settings": settings}
    record["results"] = rows
    if truth is not None:
        truth = {**truth, "KL to truth": 0.0}
    record["true_probabilities"] = (
        None if truth is None else {_key(m): float(v) for m, v in truth.items()}
    )
    return record


def write_results(path: str, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON, or as CSV: one row per run, the settings and data as columns."""
    if path.lower().endswith(".csv"):
        context = {
            f"{part}.{name}": ",".join(map(str, value)) if isinstance(value, list) else value
            for part in ("data", "settings")
            for name, value in record[part].items()
        }
        rows = [{**row, **context} for row in record["results"]]
        if record["true_probabilities"] is not None:
            rows.append({"run": "true probabilities", **record["true_probabilities"], **context})
        fields = list(dict.fromkeys(name for row in rows for name in row))
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    else:
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")


def plot_formats() -> set[str]:
    """The file extensions matplotlib can save a figure as."""
    _import("matplotlib", "plot")
    from matplotlib.backend_bases import FigureCanvasBase

    return set(FigureCanvasBase.get_supported_filetypes())


def reliability_plot(runs: list[Run], y_test: np.ndarray, path: str, title: str) -> None:
    """Save a reliability diagram (top-label confidence vs accuracy), one curve per run."""
    _import("matplotlib", "plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="perfect calibration")
    for run in runs:
        xs, ys = reliability_curve(y_test, run.proba)
        ax.plot(xs, ys, marker="o", label=f"{run.label} (ECE {run.scores['ECE']:.3f})")
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)

"""Held-out probability quality: built-in objectives vs SoftmaxCrossEntropy vs WeightedBrier.

Every data set is split by stratified k-fold cross-validation; each model is
trained on the training folds and scored on the held-out fold. Two training
protocols, for XGBoost and LightGBM alike:

- ``fixed``: 200 rounds at the engines' defaults (XGBoost ``learning_rate=0.1,
  max_depth=3``, LightGBM ``learning_rate=0.05``), on the whole training fold;
- ``early``: up to 1000 rounds, stopping after 20 rounds without improvement on
  a stratified 20% validation split of the training fold, on the objective's own
  metric (``brier`` or ``softmax_xent`` for boostobj's objectives, the engines'
  log-loss for the built-ins).

boostobj's objectives train in its ``Classifier`` s, by default with
``engine_hessian=True``: the Hessian multiplied by the built-in softmax's own
factor (``engine_factor``), so that ``SoftmaxCrossEntropy()`` trains the
built-in's model. ``--engine-hessian off`` (or ``on off``) adds rows named
``..., engine_hessian=False``, trained on the objective's own Hessian.

Rows beside the built-in objective are what a user would pick instead of
WeightedBrier: the built-in calibrated after training, by scikit-learn's
``CalibratedClassifierCV`` (isotonic or sigmoid; cross-validated, cv=3, in the
fixed protocol, on the validation split in the early one) and by temperature
scaling (early protocol, on the validation split).

Data sets: scikit-learn's digits, wine and breast_cancer, a synthetic problem
whose true class probabilities are known, and the same problem with 20% of the
training labels replaced by random classes (held-out labels are drawn from the
true probabilities). Metrics on the held-out fold: Brier score (sum over
classes, as WeightedBrier's loss), log-loss, top-label ECE (15 bins), accuracy,
and for the synthetic problems the distance to the true probabilities (mean
squared distance ``sum_k (p_k - p*_k)^2``, the part of the Brier score a model
can reduce, and ``KL(p* || p)``).

The loss of boostobj's objectives can be multiplied by a constant ``s``
(``--scale-rule``), emulated exactly by multiplying ``sample_weight`` by ``s``
(loss, gradient and Hessian all scale by ``s``; the minimiser does not change,
only how the engines' Hessian-unit regularisers weigh it). The scores are
always computed from ``predict_proba``, so they are the unscaled ones. Rules:

- ``none``: ``s = 1``;
- ``prior``: cross-entropy's expected Hessian over Brier's expected
  Gauss-Newton Hessian, both at the class priors (``prior_scale``); 1 for
  SoftmaxCrossEntropy;
- ``engine``: ``prior`` times the factor by which the engine's built-in
  cross-entropy Hessian exceeds ``p (1 - p)`` (XGBoost 2 for K > 2, LightGBM
  ``K / (K - 1)`` for K > 2, both 1 for two classes), as a loss scale: the
  Classifiers' default ``engine_hessian=True`` multiplies the Hessian by
  that factor once more, so use it with ``--engine-hessian off``;
- a number: that constant.

Under these rules WeightedBrier is built with ``loss_scale=1.0``, so that
its own default never adds to the emulated scale. ``--loss-scale`` instead
passes WeightedBrier's ``loss_scale`` parameter itself (``prior`` or a
number), in rows named ``loss_scale=...`` whose ``scale`` column is the
number ``prior`` resolved to on the training fold. Measured on digits, the
emulation gave the same XGBoost scores as the parameter (to 4 digits), and
slightly different LightGBM ones (fixed rounds: Brier 0.0421 emulated, 0.0419 with
the parameter), so LightGBM reads the weights somewhere besides the objective.

Run from the repository root (about 3 minutes on 2 cores; 5 with ``--engine-hessian on off``)::

    python benchmarks/brier_quality.py
    python benchmarks/brier_quality.py --quick   # smoke run: 2 folds, about 2 minutes
    python benchmarks/brier_quality.py --scale-rule none prior engine 25 \\
        --loss-scale prior 1 --datasets digits synthetic --engines xgboost
    python benchmarks/brier_quality.py --engine-hessian on off --loss-scale prior 1
    python benchmarks/brier_quality.py --datasets digits --seeds 0 1 2 3 --no-calibration

Differences of a few percent between models on these small data sets are
within the spread over how the folds are drawn: ``--seeds`` repeats the
whole cross-validation with other splits and shows each seed's difference
from the built-in beside the mean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

DATASETS = ("digits", "wine", "breast_cancer", "synthetic", "synthetic-noisy")
ENGINES = ("xgboost", "lightgbm")
PROTOCOLS = ("fixed", "early")
OBJECTIVES = ("SoftmaxCrossEntropy", "WeightedBrier")
CALIBRATIONS = ("isotonic", "sigmoid", "temperature")
METRICS = ("brier", "log_loss", "ece", "accuracy", "dist", "kl")
FIXED_ROUNDS = 200
MAX_ROUNDS = 1000
PATIENCE = 20
VALIDATION = 0.2
NOISE = 0.2
ENGINE_PARAMS = {
    "xgboost": {"learning_rate": 0.1, "max_depth": 3, "n_jobs": 1, "random_state": 0},
    "lightgbm": {"learning_rate": 0.05, "n_jobs": 1, "random_state": 0, "verbose": -1},
}


# ------------------------------------------------------------------- data
@dataclass
class Data:
    """Features, class ids, and the true probabilities where they are known."""

    name: str
    X: np.ndarray
    y: np.ndarray
    true_proba: np.ndarray | None = None
    label_noise: float = 0.0  # share of training labels replaced at random

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1


def synthetic(n: int = 6000, n_features: int = 10, n_classes: int = 4, seed: int = 0) -> Data:
    """A K-class problem with known probabilities: labels are drawn from them.

    Standard normal features; the true log-odds are linear in a few
    informative features (the others weak) plus an interaction, a threshold
    and an absolute-value effect, so trees have something to find and the
    classes overlap (the true probabilities reach an accuracy of about 0.6).
    This is the problem ``boostobj compare`` generates for these arguments.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    coef = rng.normal(size=(n_features, n_classes))
    coef[4:] *= 0.2
    logits = X @ coef
    logits[:, 0] += 1.5 * X[:, 0] * X[:, 1]
    logits[:, 1] += 2.0 * (X[:, 2] > 0.5)
    logits[:, -1] -= np.abs(X[:, 3])
    logits -= logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    y = np.minimum((u > proba.cumsum(axis=1)).sum(axis=1), n_classes - 1)
    return Data("synthetic", X, y, proba)


def load(name: str, n_synthetic: int) -> Data:
    """One of ``DATASETS``."""
    if name in ("synthetic", "synthetic-noisy"):
        data = synthetic(n_synthetic)
        if name == "synthetic-noisy":
            data.name, data.label_noise = name, NOISE
        return data
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return Data(name, X.astype(np.float64), y.astype(np.intp))


def replace_labels(y: np.ndarray, n_classes: int, share: float, seed: int) -> np.ndarray:
    """``y`` with a random ``share`` of its entries replaced by uniformly drawn classes."""
    rng = np.random.default_rng(seed)
    out = y.copy()
    picked = rng.random(y.shape[0]) < share
    out[picked] = rng.integers(0, n_classes, size=int(picked.sum()))
    return out


# ------------------------------------------------------------ scale rules
def priors(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(y, minlength=n_classes) / y.shape[0]


def xent_hessian(pi: np.ndarray) -> float:
    """Sum over classes of cross-entropy's Hessian diagonal ``p_k (1 - p_k)`` at ``p = pi``."""
    return float(np.sum(pi * (1.0 - pi)))


def brier_hessian(pi: np.ndarray) -> float:
    """Sum over classes of WeightedBrier's Gauss-Newton diagonal at ``p = pi`` (unit weights).

    ``G_kk = 2 p_k^2 [(1 - 2 p_k) + Q]`` with ``Q = sum_j p_j^2``. It does not
    depend on the label, so this is also its expectation over labels.
    """
    q = float(np.sum(pi**2))
    return float(np.sum(2.0 * pi**2 * ((1.0 - 2.0 * pi) + q)))


def prior_scale(pi: np.ndarray) -> float:
    """Cross-entropy's over Brier's summed Hessian at the priors: ``(1 - Q) / (2 Q + 2 Q^2 - 4 C)``.

    ``Q = sum_k pi_k^2`` and ``C = sum_k pi_k^3``; ``K / 2`` for ``K`` equal
    priors. For two classes the single-output model gives the same ratio,
    ``1 / (4 pi (1 - pi))``.
    """
    return xent_hessian(pi) / brier_hessian(pi)


def engine_factor(engine: str, n_classes: int) -> float:
    """How much the engine's built-in cross-entropy Hessian exceeds ``p (1 - p)``."""
    if n_classes == 2:
        return 1.0
    return 2.0 if engine == "xgboost" else n_classes / (n_classes - 1)


def loss_scale(rule: str, objective: str, engine: str, y: np.ndarray, n_classes: int) -> float:
    """The constant that multiplies the objective's loss under ``rule`` (see the module doc)."""
    if rule == "none":
        return 1.0
    if rule in ("prior", "engine"):
        s = 1.0 if objective == "SoftmaxCrossEntropy" else prior_scale(priors(y, n_classes))
        return s * engine_factor(engine, n_classes) if rule == "engine" else s
    return float(rule)


def check_rule(rule: str) -> str:
    if rule in ("none", "prior", "engine"):
        return rule
    try:
        value = float(rule)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a scale rule is none, prior, engine or a positive number, got {rule!r}"
        ) from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"a constant scale must be positive, got {rule!r}")
    return rule


def check_loss_scale(value: str) -> str:
    if value in ("prior", "adaptive"):
        return value
    rule = check_rule(value)
    if rule in ("none", "engine"):
        raise argparse.ArgumentTypeError(
            f"a loss_scale is adaptive, prior or a number, got {value!r}"
        )
    return rule


# ---------------------------------------------------------------- metrics
def scores(y: np.ndarray, proba: np.ndarray, true_proba: np.ndarray | None) -> dict[str, float]:
    """Held-out metrics of one model's probabilities (the NaN metrics need ``true_proba``)."""
    proba = np.asarray(proba, dtype=np.float64)
    proba = proba / proba.sum(axis=1, keepdims=True)
    n, k = proba.shape
    one_hot = np.eye(k)[y]
    picked = np.clip(proba[np.arange(n), y], 1e-15, 1.0)
    confidence, predicted = proba.max(axis=1), proba.argmax(axis=1)
    correct = predicted == y
    bins = np.clip(np.floor(confidence * 15).astype(int), 0, 14)
    ece = sum(
        abs(correct[bins == b].mean() - confidence[bins == b].mean()) * np.mean(bins == b)
        for b in np.unique(bins)
    )
    out = {
        "brier": float(np.mean(np.sum((proba - one_hot) ** 2, axis=1))),
        "log_loss": float(-np.mean(np.log(picked))),
        "ece": float(ece),
        "accuracy": float(correct.mean()),
        "dist": np.nan,
        "kl": np.nan,
    }
    if true_proba is not None:
        t = np.clip(true_proba, 1e-15, 1.0)
        out["dist"] = float(np.mean(np.sum((proba - true_proba) ** 2, axis=1)))
        out["kl"] = float(np.mean(np.sum(t * (np.log(t) - np.log(np.clip(proba, 1e-15, 1))), 1)))
    return out


# ----------------------------------------------------------------- models
def make_model(
    engine: str,
    objective: str | None,
    protocol: str,
    n_classes: int,
    engine_hessian: bool = True,
    stop_on_logloss: bool = False,
    loss_scale: float | str = 1.0,
) -> Any:
    """An unfitted classifier; ``objective`` None is the engine's built-in objective.

    ``engine_hessian`` is the boostobj Classifier's parameter: True (its
    default) scales the objective's Hessian as the engine's built-in softmax
    scales its own.

    ``stop_on_logloss`` makes a boostobj objective's model report (and stop
    on) the engine's log-loss instead of its own loss. ``loss_scale`` is
    WeightedBrier's parameter (always passed, so that its default never
    adds to a scale emulated by sample weights).
    """
    rounds = FIXED_ROUNDS if protocol == "fixed" else MAX_ROUNDS
    params: dict[str, Any] = {"n_estimators": rounds, **ENGINE_PARAMS[engine]}
    obj = None
    if objective is not None:
        import boostobj

        extra = {"loss_scale": loss_scale} if objective == "WeightedBrier" else {}
        obj = getattr(boostobj, objective)(n_threads=1, **extra)
    if engine == "xgboost":
        import xgboost as xgb

        if protocol == "early":
            params["early_stopping_rounds"] = PATIENCE
        if stop_on_logloss and obj is not None:
            params["eval_metric"] = "logloss" if n_classes == 2 else "mlogloss"
        if obj is None:
            return xgb.XGBClassifier(**params)
        from boostobj.xgboost import Classifier

        return Classifier(objective=obj, engine_hessian=engine_hessian, **params)
    import lightgbm as lgb

    if stop_on_logloss and obj is not None:
        params["metric"] = "binary_logloss" if n_classes == 2 else "multi_logloss"
    if obj is None:
        return lgb.LGBMClassifier(**params)
    from boostobj.lightgbm import Classifier

    return Classifier(objective=obj, engine_hessian=engine_hessian, **params)


def fit(
    engine: str,
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    valid: tuple[np.ndarray, np.ndarray] | None,
) -> int:
    """Fit ``model`` (early stopping on ``valid`` if given); the number of rounds it uses."""
    if valid is None:
        model.fit(X, y, sample_weight=sample_weight)
        return int(model.n_estimators)
    if engine == "xgboost":
        model.fit(X, y, sample_weight=sample_weight, eval_set=[valid], verbose=False)
        return int(model.best_iteration) + 1
    import lightgbm as lgb

    model.fit(
        X,
        y,
        sample_weight=sample_weight,
        eval_set=[valid],
        callbacks=[lgb.early_stopping(PATIENCE, first_metric_only=True, verbose=False)],
    )
    return int(model.best_iteration_ or model.n_estimators)


def temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the log-loss of ``softmax(log(proba) / T)`` on ``y``."""
    from scipy.optimize import minimize_scalar

    logp = np.log(np.clip(proba, 1e-15, 1.0))
    rows = np.arange(y.shape[0])

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z -= z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, y]))

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def apply_temperature(proba: np.ndarray, t: float) -> np.ndarray:
    z = np.log(np.clip(proba, 1e-15, 1.0)) / t
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibrated(
    engine: str,
    protocol: str,
    model: Any,
    n_classes: int,
    X: np.ndarray,
    y: np.ndarray,
    valid: tuple[np.ndarray, np.ndarray] | None,
    X_test: np.ndarray,
) -> dict[str, np.ndarray]:
    """Held-out probabilities of the built-in after post-hoc calibration, by method.

    Fixed protocol: ``CalibratedClassifierCV(built-in, cv=3)`` refitted on
    ``X, y``. Early protocol: the fitted, early-stopped ``model`` calibrated
    on the validation split that stopped it (what a user holding one would do).
    """
    from sklearn.calibration import CalibratedClassifierCV

    out = {}
    if protocol == "fixed":
        for method in ("isotonic", "sigmoid"):
            builtin = make_model(engine, None, protocol, n_classes)
            cal = CalibratedClassifierCV(builtin, method=method, cv=3)
            out[method] = cal.fit(X, y).predict_proba(X_test)
        return out
    from sklearn.frozen import FrozenEstimator

    X_val, y_val = valid
    for method in ("isotonic", "sigmoid"):
        cal = CalibratedClassifierCV(FrozenEstimator(model), method=method)
        out[method] = cal.fit(X_val, y_val).predict_proba(X_test)
    t = temperature(model.predict_proba(X_val), y_val)
    out["temperature"] = apply_temperature(model.predict_proba(X_test), t)
    return out


# -------------------------------------------------------------------- run
@dataclass
class Config:
    datasets: Sequence[str] = DATASETS
    engines: Sequence[str] = ENGINES
    protocols: Sequence[str] = PROTOCOLS
    rules: Sequence[str] = ("none",)
    loss_scales: Sequence[str] = ("prior",)  # WeightedBrier(loss_scale=...), not emulated
    engine_hessian: Sequence[str] = ("on",)  # the Classifiers' engine_hessian: on, off or both
    stop_on_logloss: bool = False
    objectives: Sequence[str] = OBJECTIVES
    n_splits: int = 5
    seeds: Sequence[int] = (0,)  # of the folds, the validation splits and the label noise
    n_synthetic: int = 6000
    calibration: bool = True


def run_fold(
    cfg: Config, data: Data, engine: str, train, test, fold: int, seed: int = 0
) -> list[dict]:
    """Scores of every model on one fold of the split drawn with ``seed``: a list of rows."""
    from sklearn.model_selection import train_test_split

    k = data.n_classes
    X_all, y_all = data.X[train], data.y[train]
    if data.label_noise:
        y_all = replace_labels(y_all, k, data.label_noise, seed=1000 * seed + fold)
    X_test, y_test = data.X[test], data.y[test]
    true_test = None if data.true_proba is None else data.true_proba[test]
    rows = []

    def record(protocol, model_name, rule, scale, proba, rounds, seconds):
        rows.append(
            {
                "dataset": data.name,
                "engine": engine,
                "protocol": protocol,
                "model": model_name,
                "rule": rule,
                "scale": scale,
                "seed": seed,
                "fold": fold,
                "rounds": rounds,
                "seconds": seconds,
                **scores(y_test, proba, true_test),
            }
        )

    for protocol in cfg.protocols:
        if protocol == "fixed":
            X, y, valid = X_all, y_all, None
        else:
            X, X_val, y, y_val = train_test_split(
                X_all,
                y_all,
                test_size=VALIDATION,
                stratify=y_all,
                random_state=1000 * seed + fold,
            )
            valid = (X_val, y_val)
        start = time.perf_counter()
        model = make_model(engine, None, protocol, k)
        rounds = fit(engine, model, X, y, None, valid)
        seconds = time.perf_counter() - start
        record(protocol, "built-in", "-", 1.0, model.predict_proba(X_test), rounds, seconds)
        if cfg.calibration:
            start = time.perf_counter()
            probas = calibrated(engine, protocol, model, k, X, y, valid, X_test)
            seconds = time.perf_counter() - start
            for method, proba in probas.items():
                record(protocol, f"built-in + {method}", "-", 1.0, proba, rounds, seconds)
        for objective, hessian in product(cfg.objectives, cfg.engine_hessian):
            h = hessian == "on"
            name = objective if h else f"{objective}, engine_hessian=False"
            name += ", stopped on log-loss" if cfg.stop_on_logloss and protocol == "early" else ""
            done: dict[float, dict] = {}
            for rule in cfg.rules:
                scale = loss_scale(rule, objective, engine, y, k)
                if scale in done:  # the same model as another rule's: copy its scores
                    rows.append({**done[scale], "rule": rule})
                    continue
                start = time.perf_counter()
                model = make_model(engine, objective, protocol, k, h, cfg.stop_on_logloss)
                weight = None if scale == 1.0 else np.full(y.shape[0], scale)
                rounds = fit(engine, model, X, y, weight, valid)
                seconds = time.perf_counter() - start
                proba = model.predict_proba(X_test)
                record(protocol, name, rule, scale, proba, rounds, seconds)
                done[scale] = rows[-1]
            if objective != "WeightedBrier":
                continue
            for value in cfg.loss_scales:
                param = value if value in ("prior", "adaptive") else float(value)
                start = time.perf_counter()
                model = make_model(engine, objective, protocol, k, h, cfg.stop_on_logloss, param)
                rounds = fit(engine, model, X, y, None, valid)
                seconds = time.perf_counter() - start
                # "adaptive" changes every round: no one number to show.
                scale = {"prior": model.objective.prior_loss_scale(y), "adaptive": np.nan}.get(
                    value, param
                )
                proba = model.predict_proba(X_test)
                record(protocol, name, f"loss_scale={value}", scale, proba, rounds, seconds)
    return rows


def run(cfg: Config, log=print) -> list[dict]:
    """Every row of every seed's folds, data set and engine."""
    from sklearn.model_selection import StratifiedKFold

    rows = []
    for name in cfg.datasets:
        data = load(name, cfg.n_synthetic)
        for seed in cfg.seeds:
            folds = StratifiedKFold(cfg.n_splits, shuffle=True, random_state=seed)
            for fold, (train, test) in enumerate(folds.split(data.X, data.y)):
                for engine in cfg.engines:
                    start = time.perf_counter()
                    rows.extend(run_fold(cfg, data, engine, train, test, fold, seed))
                    seconds = time.perf_counter() - start
                    log(f"# {name} seed {seed} fold {fold} {engine}: {seconds:.1f} s")
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Mean over folds (and seeds) of each (dataset, engine, protocol, model, rule).

    ``per_seed``: each seed's Brier score against the built-in's on the same
    folds (a relative difference), in the order of the seeds.
    """
    keys = ("dataset", "engine", "protocol", "model", "rule")
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)

    def brier_by_seed(group: list[dict]) -> dict[int, float]:
        seeds = sorted({r.get("seed", 0) for r in group})
        return {
            seed: float(np.mean([r["brier"] for r in group if r.get("seed", 0) == seed]))
            for seed in seeds
        }

    out = []
    for key, group in groups.items():
        mean = {m: float(np.mean([r[m] for r in group])) for m in (*METRICS, "rounds", "scale")}
        builtin = brier_by_seed(groups[(*key[:3], "built-in", "-")])
        per_seed = [b / builtin[seed] - 1.0 for seed, b in brier_by_seed(group).items()]
        n_seeds = len(per_seed)
        n_folds = len(group) // n_seeds
        out.append(
            {
                **dict(zip(keys, key, strict=True)),
                **mean,
                "n_folds": n_folds,
                "n_seeds": n_seeds,
                "per_seed": per_seed,
            }
        )
    return out


def tables(summary: list[dict]) -> str:
    """Markdown tables, one per data set, engine and protocol."""
    lines = []
    seen = []
    for row in summary:
        key = (row["dataset"], row["engine"], row["protocol"])
        if key not in seen:
            seen.append(key)
    for dataset, engine, protocol in seen:
        key = (dataset, engine, protocol)
        group = [r for r in summary if (r["dataset"], r["engine"], r["protocol"]) == key]
        metrics = [m for m in METRICS if not np.isnan(group[0][m])]
        builtin = next(r for r in group if r["model"] == "built-in")
        n_seeds = group[0]["n_seeds"]
        splits = f"{group[0]['n_folds']} folds" + (f" x {n_seeds} seeds" if n_seeds > 1 else "")
        lines.append(f"\n### {dataset}, {engine}, {protocol} ({splits})\n")
        head = ["model", "rule", "scale", "rounds", *metrics, "Brier vs built-in"]
        head += ["per seed"] if n_seeds > 1 else []
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + " --- |" * len(head))
        for r in group:
            scale = f"{r['scale']:.3g}" if np.isfinite(r["scale"]) else "per round"
            cells = [r["model"], r["rule"], scale, f"{r['rounds']:.0f}"]
            cells += [f"{r[m]:.4f}" for m in metrics]
            cells.append(f"{100 * (r['brier'] / builtin['brier'] - 1):+.1f}%")
            if n_seeds > 1:
                cells.append(" ".join(f"{100 * d:+.1f}%" for d in r["per_seed"]))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    parser.add_argument(
        "--scale-rule",
        nargs="+",
        type=check_rule,
        default=["none"],
        dest="rules",
        help="loss scales emulated by sample weights for boostobj's objectives: none, prior, "
        "engine or a number (WeightedBrier is built with loss_scale=1.0 for these)",
    )
    parser.add_argument(
        "--loss-scale",
        nargs="*",
        type=check_loss_scale,
        default=["prior"],
        dest="loss_scales",
        help="WeightedBrier(loss_scale=...) values passed as the parameter: "
        "adaptive, prior or a number",
    )
    parser.add_argument(
        "--engine-hessian",
        nargs="+",
        choices=("on", "off"),
        default=["on"],
        help="the boostobj Classifiers' engine_hessian: on (their default: the built-in's "
        "Hessian factor, engine_factor), off (the objective's own Hessian), or both",
    )
    parser.add_argument(
        "--stop-on-logloss",
        action="store_true",
        help="early-stop boostobj's objectives on the engine's log-loss, not their own loss",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0],
        help="of the folds and validation splits; with several, the tables show the means over "
        "all of them and each seed's Brier score against the built-in's",
    )
    parser.add_argument("--n-synthetic", type=int, default=6000)
    parser.add_argument("--no-calibration", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2 folds, small synthetic data")
    parser.add_argument("--json", metavar="PATH", help="also write every fold's scores here")
    args = parser.parse_args(argv)
    cfg = Config(
        datasets=args.datasets,
        engines=args.engines,
        protocols=args.protocols,
        rules=args.rules,
        loss_scales=args.loss_scales,
        engine_hessian=args.engine_hessian,
        stop_on_logloss=args.stop_on_logloss,
        objectives=args.objectives,
        n_splits=2 if args.quick else args.folds,
        seeds=args.seeds,
        n_synthetic=600 if args.quick else args.n_synthetic,
        calibration=not args.no_calibration,
    )
    warnings.filterwarnings("ignore", category=UserWarning)
    start = time.perf_counter()
    rows = run(cfg, log=lambda s: print(s, file=sys.stderr, flush=True))
    summary = summarise(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print(tables(summary))
    print(f"\n# {time.perf_counter() - start:.0f} s in all", file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()

"""benchmarks/brier_quality.py: the scale rule's derivation and a tiny end-to-end run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import boostobj

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "brier_quality.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("brier_quality", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_prior_scale_is_the_ratio_of_the_objectives_hessians(bench, n_classes):
    # The closed form against the objectives' own Hessians at the priors.
    rng = np.random.default_rng(n_classes)
    pi = rng.dirichlet(np.full(n_classes, 2.0))
    labels = rng.choice(n_classes, size=500, p=pi)
    raw = np.tile(np.log(pi), (labels.shape[0], 1))
    _, h_xent = boostobj.SoftmaxCrossEntropy().grad_hess(labels, raw)
    _, h_brier = boostobj.WeightedBrier(loss_scale=1.0).grad_hess(labels, raw)
    measured = h_xent.sum(axis=1).mean() / h_brier.sum(axis=1).mean()
    assert bench.prior_scale(pi) == pytest.approx(measured, rel=1e-12)
    assert bench.prior_scale(np.full(n_classes, 1.0 / n_classes)) == pytest.approx(n_classes / 2)


def test_prior_scale_single_output_binary(bench):
    a = 0.3
    labels = np.array([0, 1, 1, 0])
    _, h_xent = boostobj.SoftmaxCrossEntropy().grad_hess(labels, np.full(4, np.log(a / (1 - a))))
    h_brier = boostobj.WeightedBrier(loss_scale=1.0).grad_hess(
        labels, np.full(4, np.log(a / (1 - a)))
    )[1]
    assert bench.prior_scale(np.array([1 - a, a])) == pytest.approx(h_xent[0] / h_brier[0])


def test_loss_scale_rules(bench):
    y = np.array([0, 0, 1, 2])
    pi = np.array([0.5, 0.25, 0.25])
    assert bench.loss_scale("none", "WeightedBrier", "xgboost", y, 3) == 1.0
    assert bench.loss_scale("prior", "SoftmaxCrossEntropy", "xgboost", y, 3) == 1.0
    assert bench.loss_scale("prior", "WeightedBrier", "xgboost", y, 3) == bench.prior_scale(pi)
    engine = bench.loss_scale("engine", "WeightedBrier", "lightgbm", y, 3)
    assert engine == pytest.approx(1.5 * bench.prior_scale(pi))
    assert bench.loss_scale("engine", "SoftmaxCrossEntropy", "xgboost", y, 3) == 2.0
    assert bench.loss_scale("7.5", "WeightedBrier", "xgboost", y, 3) == 7.5


def test_scores_perfect_and_uniform(bench):
    y = np.array([0, 1, 2, 1])
    perfect = np.eye(3)[y]
    s = bench.scores(y, perfect, perfect)
    assert s["brier"] == 0.0 and s["accuracy"] == 1.0 and s["ece"] == 0.0 and s["dist"] == 0.0
    uniform = np.full((4, 3), 1 / 3)
    s = bench.scores(y, uniform, None)
    assert s["brier"] == pytest.approx(2 / 3)
    assert s["log_loss"] == pytest.approx(np.log(3))
    assert np.isnan(s["dist"]) and np.isnan(s["kl"])


def test_replace_labels_share(bench):
    y = np.zeros(20000, dtype=np.intp)
    noisy = bench.replace_labels(y, 4, 0.2, seed=0)
    # 20% replaced, of which a quarter draw the old class again.
    assert np.mean(noisy != y) == pytest.approx(0.15, abs=0.01)


def test_tiny_run_prints_every_table(bench, capsys):
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    pytest.importorskip("sklearn")
    summary = bench.main(
        [
            "--quick",
            "--datasets",
            "wine",
            "synthetic-noisy",
            "--scale-rule",
            "none",
            "prior",
            "--engine-hessian",
            "on",
            "off",
        ]
    )
    out = capsys.readouterr().out
    for dataset in ("wine", "synthetic-noisy"):
        for engine in ("xgboost", "lightgbm"):
            for protocol in ("fixed", "early"):
                assert f"### {dataset}, {engine}, {protocol} (2 folds)" in out
    models = {r["model"] for r in summary}
    assert models == {
        "built-in",
        "built-in + isotonic",
        "built-in + sigmoid",
        "built-in + temperature",
        "SoftmaxCrossEntropy",
        "WeightedBrier",
        "SoftmaxCrossEntropy, engine_hessian=False",
        "WeightedBrier, engine_hessian=False",
    }
    for row in summary:
        assert 0.0 <= row["brier"] <= 2.0 and 0.0 <= row["accuracy"] <= 1.0
        assert np.isnan(row["dist"]) == (row["dataset"] == "wine")
        if row["protocol"] == "fixed":
            assert row["rounds"] == 200
    # Without the engine's Hessian factor the steps are longer: another model.
    for engine in ("xgboost", "lightgbm"):
        on, off = (
            next(
                r["brier"]
                for r in summary
                if r["model"] == model and r["engine"] == engine and r["rule"] == "none"
            )
            for model in ("SoftmaxCrossEntropy", "SoftmaxCrossEntropy, engine_hessian=False")
        )
        assert on != off
    brier = [r for r in summary if r["model"].startswith("WeightedBrier") and r["rule"] == "prior"]
    assert all(r["scale"] > 1.0 for r in brier)
    # The real parameter (--loss-scale, default prior) reports the number it resolved to.
    real = [r for r in summary if r["rule"] == "loss_scale=prior"]
    assert {r["model"] for r in real} == {"WeightedBrier", "WeightedBrier, engine_hessian=False"}
    assert len(real) == len(brier) and all(r["scale"] > 1.0 for r in real)


def test_emulated_rules_never_add_to_the_parameter(bench):
    # Rules emulated by sample weights train WeightedBrier(loss_scale=1.0),
    # whatever the class default, so that no scale is applied twice.
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    for engine in ("xgboost", "lightgbm"):
        model = bench.make_model(engine, "WeightedBrier", "fixed", 3)
        assert model.objective.loss_scale == 1.0
        assert model.engine_hessian is True  # the Classifier's default
        model = bench.make_model(engine, "WeightedBrier", "fixed", 3, loss_scale="prior")
        assert model.objective.loss_scale == "prior"
        assert bench.make_model(engine, "WeightedBrier", "fixed", 3, False).engine_hessian is False
        assert not hasattr(
            bench.make_model(engine, "SoftmaxCrossEntropy", "fixed", 3).objective, "loss_scale"
        )


def test_loss_scale_option(bench):
    assert bench.check_loss_scale("prior") == "prior"
    assert bench.check_loss_scale("2.5") == "2.5"
    import argparse

    for bad in ("engine", "none", "0", "x"):
        with pytest.raises(argparse.ArgumentTypeError, match="scale"):
            bench.check_loss_scale(bad)


def test_several_seeds_are_averaged_and_each_is_shown(bench):
    def row(model, seed, fold, brier):
        scores = dict.fromkeys(bench.METRICS, 0.5) | {"dist": np.nan, "kl": np.nan}
        key = {"dataset": "digits", "engine": "xgboost", "protocol": "early", "rule": "-"}
        return {
            **key,
            **scores,
            "model": model,
            "seed": seed,
            "fold": fold,
            "brier": brier,
            "rounds": 10,
            "scale": 1.0,
            "seconds": 0.0,
        }

    rows = [
        row("built-in", 0, 0, 0.10), row("built-in", 0, 1, 0.10),
        row("WeightedBrier", 0, 0, 0.11), row("WeightedBrier", 0, 1, 0.11),
        row("built-in", 1, 0, 0.20), row("built-in", 1, 1, 0.20),
        row("WeightedBrier", 1, 0, 0.18), row("WeightedBrier", 1, 1, 0.18),
    ]  # fmt: skip
    summary = {r["model"]: r for r in bench.summarise(rows)}
    brier = summary["WeightedBrier"]
    assert (brier["n_folds"], brier["n_seeds"]) == (2, 2)
    assert brier["brier"] == pytest.approx(0.145)
    # Each seed against its own built-in: +10% on seed 0, -10% on seed 1.
    np.testing.assert_allclose(brier["per_seed"], [0.10, -0.10])
    np.testing.assert_allclose(summary["built-in"]["per_seed"], [0.0, 0.0])
    out = bench.tables(list(summary.values()))
    assert "### digits, xgboost, early (2 folds x 2 seeds)" in out
    assert "| -3.3% | +10.0% -10.0% |" in out  # the mean of all folds, then each seed

"""`boostobj compare` on tables people have: categorical columns, missing values,
Parquet, machine-readable output and post-hoc calibrated baselines."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest

from boostobj import _compare, cli
from boostobj._compare_data import table_problem

OBJECTIVES = ["builtin", "xent", "brier"]  # the default
WITH_CALIBRATED = [*OBJECTIVES, "builtin-calibrated"]


def make_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Classes that depend on a text column, a boolean column and two numbers."""
    rng = np.random.default_rng(seed)
    color = rng.choice(["red", "green", "blue", "violet"], n)
    flag = rng.choice([True, False], n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    logits = np.stack(
        [x1 + 2.0 * (color == "red"), x2 + 2.0 * (color == "blue") - flag, np.zeros(n)], axis=1
    )
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    label = np.array(["cat", "dog", "eel"])[(rng.random(n)[:, None] > proba.cumsum(1)).sum(1)]
    frame = pd.DataFrame(
        {"id": np.arange(n), "x1": x1, "x2 [cm]": x2, "color": color, "flag": flag, "label": label}
    )
    frame.loc[rng.random(n) < 0.05, "x1"] = np.nan
    frame.loc[rng.random(n) < 0.05, "color"] = None
    frame.loc[::50, "label"] = None  # 12 rows without a target
    return frame


@pytest.fixture(scope="module")
def table_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("tables") / "animals.csv"
    make_table().to_csv(path, index=False, na_rep="NA")
    return str(path)


def compare(argv, capsys):
    status = cli.main(["compare", "--no-progress", "--rounds", "20", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_categorical_columns_train_natively_in_every_run(table_csv, smoothing):
    problem = table_problem(table_csv, "label", drop=["id"])
    settings = _compare.Settings(rounds=20, label_smoothing=smoothing)
    runs, _, _ = _compare.compare(
        problem, ["xgboost", "lightgbm"], WITH_CALIBRATED, settings, progress=False
    )
    assert len(runs) == 2 * len(WITH_CALIBRATED)
    for run in runs:
        # Fairness: each trained model itself reports both text columns as categorical,
        # on the scikit-learn and (label smoothing) the native paths alike.
        assert run.categorical_used == 2, run.label
        # Every model learns (the priors: accuracy 0.44, log-loss 1.07; isotonic
        # calibration's zero probabilities inflate log-loss).
        assert run.scores["accuracy"] > 0.5, run.label
        if run.objective != "builtin-calibrated":
            assert run.scores["log-loss"] < 1.0, run.label


def test_the_data_line_counts_columns_and_dropped_rows(table_csv, capsys):
    argv = ["--csv", table_csv, "--target", "label", "--drop", "id", "--objectives", "builtin"]
    status, out, err = compare(argv, capsys)
    assert status == 0, err
    assert (
        "data: animals.csv (target 'label'); 411 training and 177 test rows, 4 features "
        "(2 numeric, 2 categorical; 1 column dropped), 3 classes; "
        "12 rows dropped for a missing target"
    ) in out


def test_parquet_by_option_and_by_name(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    frame = make_table(seed=1)
    frame["color"] = frame["color"].astype("category")
    path = tmp_path / "animals.parquet"
    frame.to_parquet(path)
    for argv in (["--parquet", str(path)], ["--data", str(path)]):
        status, out, err = compare(
            [*argv, "--target", "label", "--engines", "xgboost", "--objectives", "builtin"], capsys
        )
        assert status == 0, err
        assert "5 features (3 numeric, 2 categorical)" in out
    status, _, err = compare(["--parquet", str(path), "--target", "label", "--sep", ";"], capsys)
    assert status == 2 and "--sep applies to CSV files" in err


# ---------------------------------------------------------------- calibration
@pytest.mark.parametrize("engine", ["xgboost", "lightgbm"])
def test_calibration_fits_on_held_out_training_rows_only(engine, table_csv, monkeypatch, capsys):
    from sklearn.calibration import CalibratedClassifierCV

    seen = {}
    fit = CalibratedClassifierCV.fit

    def spy(self, X, y, **kwargs):
        seen["rows"], seen["method"] = np.asarray(X.index), self.method
        return fit(self, X, y, **kwargs)

    monkeypatch.setattr(CalibratedClassifierCV, "fit", spy)
    argv = ["--csv", table_csv, "--target", "label", "--engines", engine]
    argv += ["--objectives", "builtin-calibrated", "--calibration", "sigmoid"]
    status, out, err = compare([*argv, "--calibration-size", "0.25"], capsys)
    assert status == 0, err
    assert f"{engine} built-in + sigmoid" in out
    assert "sigmoid calibration on 0.25 of the training rows" in out
    problem = table_problem(table_csv, "label")
    train, test = _compare.split(problem, 0.3, 0)
    rows = seen["rows"]  # positions in the table (the problem's index is 0..n-1)
    assert seen["method"] == "sigmoid"
    assert not test[rows].any() and train[rows].all()
    per_class = np.bincount(problem.y[train])
    assert len(rows) == len(set(rows)) == sum(round(0.25 * c) for c in per_class)


def test_the_calibrated_model_trains_on_the_other_training_rows(table_csv, monkeypatch):
    import lightgbm

    sizes = []
    fit = lightgbm.LGBMClassifier.fit

    def spy(self, X, y, **kwargs):
        sizes.append(len(y))
        return fit(self, X, y, **kwargs)

    monkeypatch.setattr(lightgbm.LGBMClassifier, "fit", spy)
    problem = table_problem(table_csv, "label")
    train, _ = _compare.split(problem, 0.3, 0)
    held_out = sum(round(0.25 * c) for c in np.bincount(problem.y[train]))
    settings = _compare.Settings(rounds=20, calibration_size=0.25)
    runs, _, y_test = _compare.compare(
        problem, ["lightgbm"], ["builtin", "builtin-calibrated"], settings, progress=False
    )
    assert sizes == [train.sum(), train.sum() - held_out]
    proba = runs[1].proba
    assert proba.shape == (len(y_test), 3) and proba.min() >= 0.0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_isotonic_is_the_default_calibration(table_csv, capsys):
    argv = ["--csv", table_csv, "--target", "label", "--engines", "lightgbm"]
    status, out, err = compare([*argv, "--objectives", "builtin-calibrated"], capsys)
    assert status == 0, err
    assert "lightgbm built-in + isotonic" in out
    assert "isotonic calibration on 0.2 of the training rows" in out


def test_too_few_rows_to_calibrate_is_a_usage_error(tmp_path, capsys):
    rows = ["a,label"] + [f"{i},{'xy'[i % 2]}" for i in range(8)]
    path = tmp_path / "small.csv"
    path.write_text("\n".join(rows) + "\n")
    argv = ["--csv", str(path), "--target", "label", "--objectives", "builtin-calibrated"]
    status, _, err = compare([*argv, "--calibration-size", "0.1"], capsys)
    assert status == 2 and "fewer than two classes to calibrate on" in err


# ---------------------------------------------------------------- --output
def without_seconds(stdout: str) -> str:
    """The printed table without the training-time column (it varies run to run)."""
    return re.sub(r" +\d+\.\d\d$", "", stdout, flags=re.MULTILINE)


def test_json_output_holds_the_table_settings_and_data(table_csv, capsys, tmp_path):
    output = tmp_path / "results.json"
    argv = ["--csv", table_csv, "--target", "label", "--drop", "id", "--seed", "3"]
    status, out, err = compare([*argv, "--output", str(output)], capsys)
    assert status == 0, err
    record = json.loads(output.read_text())
    assert record["settings"]["seed"] == 3 and record["settings"]["rounds"] == 20
    assert record["settings"]["objectives"] == OBJECTIVES
    assert record["settings"]["engines"] == ["xgboost", "lightgbm"]
    data = record["data"]
    assert data["source"] == table_csv and data["classes"] == ["cat", "dog", "eel"]
    assert data["categorical_columns"] == ["color", "flag"] and data["dropped_columns"] == ["id"]
    assert data["numeric_features"] == 2 and data["rows_dropped_for_missing_target"] == 12
    assert record["true_probabilities"] is None
    assert [r["categorical_features_used"] for r in record["results"]] == [2] * 6
    for row in record["results"]:  # the same numbers as the printed table
        line = next(ln for ln in out.splitlines() if ln.startswith(row["run"] + " "))
        printed = [float(v) for v in line[len(row["run"]) :].split()]
        stored = [row[k] for k in ("log_loss", "brier", "ece", "accuracy", "train_seconds")]
        np.testing.assert_allclose(printed, stored, atol=0.00501)
    # The printed table is the same with or without --output.
    status, plain, _ = compare(argv, capsys)
    assert status == 0
    assert without_seconds(out) == without_seconds(plain) + f"results: {output}\n"


def test_csv_output_of_the_synthetic_problem(capsys, tmp_path):
    output = tmp_path / "r.csv"
    status, _, err = compare(
        ["--n", "300", "--objectives", "builtin,xent", "--output", str(output)], capsys
    )
    assert status == 0, err
    with output.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["run"] for r in rows] == [
        "xgboost built-in softmax",
        "xgboost SoftmaxCrossEntropy",
        "lightgbm built-in softmax",
        "lightgbm SoftmaxCrossEntropy",
        "true probabilities",
    ]
    for row in rows:
        assert float(row["log_loss"]) > 0 and float(row["kl_to_truth"]) >= 0
        assert row["settings.rounds"] == "20" and row["data.source"] == "synthetic"
        assert row["settings.engines"] == "xgboost,lightgbm"
    assert float(rows[-1]["kl_to_truth"]) == 0.0
    assert all(float(r["kl_to_truth"]) > 0 for r in rows[:-1])


# ---------------------------------------------------------------- bad input
@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained before checking the options")

    monkeypatch.setattr(_compare, "compare", refuse)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--output", "{tmp}/r.txt"], "--output: give a .json or .csv file name"),
        (["--output", "{tmp}/missing/r.json"], "--output: the folder"),
        (["--output", "{tmp}"], "--output: '{tmp}' is a folder"),
        (["--output", "{tmp}/same.png", "--plot", "{tmp}/same.png"], "--output: give a .json"),
        (["--output", "{tmp}/same.csv", "--plot", "{tmp}/same.csv"], "--plot: cannot save a .csv"),
        (["--sep", ";"], "--sep goes with a table"),
        (["--categorical", "a"], "--categorical goes with a table"),
        (["--target", "label"], "--target goes with a table"),
        (["--csv", "{tmp}/x.csv", "--parquet", "{tmp}/x.parquet", "--target", "t"], "either"),
        (["--data", "{tmp}/x.csv"], "--data and --target go together"),
        (["--csv", "{table}", "--target", "label", "--sep", ";;"], "--sep must be one character"),
        (["--csv", "{table}", "--target", "label", "--drop", "label"], "'label' is the target"),
        (["--csv", "{table}", "--target", "label", "--drop", "nope"], "no column 'nope'"),
        (["--csv", "{table}", "--target", "nope"], "column 'nope' is not in"),
        (["--objectives", "builtin,focal"], "--objectives must be a comma-separated subset"),
        (["--calibration-size", "0.6"], "must be in (0, 0.5]"),
        (["--calibration", "platt"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_before_training(
    argv, message, tmp_path, table_csv, capsys, no_training
):
    argv = [a.format(tmp=tmp_path, table=table_csv) for a in argv]
    status, out, err = compare(argv, capsys)
    assert status == 2, out + err
    assert message.format(tmp=tmp_path) in err
    assert err.startswith("usage: boostobj compare") and "Traceback" not in err


def test_column_names_with_punctuation_train(tmp_path, capsys):
    # LightGBM refuses JSON punctuation in feature names, XGBoost [ ] <.
    frame = make_table(n=300).rename(columns={"x1": 'x1, "raw" {a:b}', "color": "color<[0]>"})
    path = tmp_path / "names.csv"
    frame.to_csv(path, index=False)
    status, out, err = compare(
        ["--csv", str(path), "--target", "label", "--objectives", "builtin,brier"], capsys
    )
    assert status == 0, err
    assert "2 categorical" in out

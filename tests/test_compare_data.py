"""Synthetic data, loaders and metrics behind `boostobj compare`."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sk_log_loss

from boostobj._compare_data import (
    brier,
    expected_calibration_error,
    kl_to_truth,
    log_loss,
    shipped_problem,
    synthetic_problem,
    table_format,
    table_problem,
)


def test_synthetic_problem_is_deterministic_and_its_labels_follow_the_truth():
    a, b = synthetic_problem(seed=3), synthetic_problem(seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, synthetic_problem(seed=4).y)
    np.testing.assert_allclose(a.true_proba.sum(axis=1), 1.0)
    # Empirical class frequencies match the mean true probabilities (n=6000).
    freq = np.bincount(a.y, minlength=4) / len(a.y)
    np.testing.assert_allclose(freq, a.true_proba.mean(axis=0), atol=0.02)
    # The truth scores better than any constant prediction.
    prior = np.broadcast_to(freq, a.true_proba.shape)
    assert log_loss(a.y, a.true_proba) < log_loss(a.y, prior) - 0.2
    assert kl_to_truth(a.true_proba, a.true_proba) == pytest.approx(0.0, abs=1e-12)
    assert kl_to_truth(a.true_proba, prior) > 0.2


def test_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(5), 400)
    y = rng.integers(0, 5, 400)
    assert log_loss(y, proba) == pytest.approx(sk_log_loss(y, proba, labels=range(5)))
    expected = brier_score_loss(y, proba, labels=range(5), scale_by_half=False)
    assert brier(y, proba) == pytest.approx(expected)


def test_ece_is_zero_when_calibrated_and_large_when_overconfident():
    y = np.array([0] * 80 + [1] * 20)
    calibrated = np.tile([0.8, 0.2], (100, 1))
    assert expected_calibration_error(y, calibrated) == pytest.approx(0.0, abs=1e-12)
    overconfident = np.tile([0.99, 0.01], (100, 1))
    assert expected_calibration_error(y, overconfident) == pytest.approx(0.19)


def test_shipped_loader():
    digits = shipped_problem("digits")
    assert digits.X.shape == (1797, 64) and set(digits.y) == set(range(10))
    with pytest.raises(ValueError, match="--dataset must be one of"):
        shipped_problem("mnist")


# ---------------------------------------------------------------- tables
MIXED_CSV = (
    'num,color,flag,"name, quoted",code,label\n'
    '1.5,red,True,"a, b",7,cat\n'  # a quoted field holding the separator
    "NA,blue,False,c,7,dog\n"  # NA: a missing number
    '2,,,"a, b",8,\n'  # empty target: the row is dropped
    "3, red ,True,NaN,9,cat\n"  # padded text is stripped; NaN: a missing text cell
    ",green,False,c,8,dog\n"
    "4.25,blue,,null,7,  \n"  # a blank target is missing too
)


def write(path, text):
    path.write_text(text)
    return str(path)


def test_csv_with_categorical_numeric_and_missing_values(tmp_path):
    p = table_problem(write(tmp_path / "mixed.csv", MIXED_CSV), "label")
    X = p.X
    assert list(X.columns) == ["num", "color", "flag", "name, quoted", "code"]
    assert p.categorical == ["color", "flag", "name, quoted"] and p.n_numeric == 2
    assert p.n_dropped == 2 and p.class_names == ["cat", "dog"] and list(p.y) == [0, 1, 0, 1]
    np.testing.assert_array_equal(X["num"].to_numpy(), [1.5, np.nan, 3.0, np.nan])
    assert X["num"].dtype == np.float64 and X["code"].dtype == np.float64
    for name in p.categorical:
        assert isinstance(X[name].dtype, pd.CategoricalDtype), name
        assert all(isinstance(c, str) for c in X[name].cat.categories), name
    assert list(X["color"].astype(object)) == ["red", "blue", "red", "green"]
    assert list(X["flag"].cat.categories) == ["False", "True"]  # booleans become text
    assert X["name, quoted"].isna().tolist() == [False, False, True, False]
    assert X["name, quoted"].iloc[0] == "a, b"


def test_extra_missing_tokens_separator_and_compression(tmp_path):
    text = "a;b;label\n1;?;x\n2;3;y\n-;4;x\n5;6;y\n"
    path = write(tmp_path / "semi.csv", text)
    p = table_problem(path, "label", sep=";", na_values=["?", "-"])
    np.testing.assert_array_equal(p.X.to_numpy(), [[1, np.nan], [2, 3], [np.nan, 4], [5, 6]])
    assert p.categorical == []
    gz = tmp_path / "semi.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    q = table_problem(str(gz), "label", sep=";", na_values=["?", "-"])
    pd.testing.assert_frame_equal(p.X, q.X)
    tsv = table_problem(
        write(tmp_path / "t.tsv", text.replace(";", "\t")), "label", sep="\t", na_values=["?", "-"]
    )
    pd.testing.assert_frame_equal(p.X, tsv.X)


def test_integer_classes_with_gaps_keep_integer_names(tmp_path):
    p = table_problem(write(tmp_path / "int.csv", "a,label\n1,2\n2,10\n3,\n4,2\n"), "label")
    assert p.class_names == ["2", "10"] and list(p.y) == [0, 1, 0] and p.n_dropped == 1


def test_categorical_and_drop_options(tmp_path):
    path = write(tmp_path / "mixed.csv", MIXED_CSV)
    p = table_problem(path, "label", categorical=["code"], drop=["name, quoted", "num"])
    assert list(p.X.columns) == ["color", "flag", "code"]
    assert p.categorical == ["color", "flag", "code"] and p.n_numeric == 0
    assert list(p.X["code"].cat.categories) == ["7", "8", "9"]
    assert p.dropped_columns == ["name, quoted", "num"]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"drop": ["nope"]}, "--drop: no column 'nope'"),
        ({"categorical": ["nope"]}, "--categorical: no column 'nope'"),
        ({"drop": ["label"]}, "--drop: 'label' is the target"),
        ({"categorical": ["num"], "drop": ["num"]}, "--categorical and --drop both name 'num'"),
    ],
)
def test_bad_column_options(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        table_problem(write(tmp_path / "mixed.csv", MIXED_CSV), "label", **options)


def test_parquet_reads_like_the_csv(tmp_path):
    pytest.importorskip("pyarrow")
    csv_path = write(tmp_path / "mixed.csv", MIXED_CSV)
    from_csv = table_problem(csv_path, "label")
    frame = pd.read_csv(csv_path)
    frame["flag"] = frame["flag"].astype("boolean")  # a nullable boolean column
    frame["color"] = frame["color"].str.strip().astype("category")
    frame["label"] = frame["label"].str.strip()
    frame.to_parquet(tmp_path / "mixed.parquet")
    for fmt in ("parquet", None):  # named explicitly, or by the file's name
        p = table_problem(str(tmp_path / "mixed.parquet"), "label", fmt=fmt)
        assert p.categorical == from_csv.categorical and p.n_dropped == from_csv.n_dropped
        np.testing.assert_array_equal(p.y, from_csv.y)
        assert list(p.X.columns) == list(from_csv.X.columns)
        for name in p.categorical:
            assert _cells(p.X[name]) == _cells(from_csv.X[name]), name
        for name in ("num", "code"):
            np.testing.assert_array_equal(p.X[name].to_numpy(), from_csv.X[name].to_numpy())


def _cells(column) -> list:
    return [None if pd.isna(v) else v for v in column.astype(object)]


def test_parquet_integer_and_datetime_columns(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "label": ["a", "b", "a", "b"],
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    with pytest.raises(ValueError, match=r"feature 'when' has type datetime64.*--drop when"):
        table_problem(str(path), "label")
    p = table_problem(str(path), "label", drop=["when"])
    np.testing.assert_array_equal(p.X["count"].to_numpy(), [1, np.nan, 3, 4])
    assert p.X["count"].dtype == np.float64


def test_a_mostly_numeric_column_with_a_stray_token_is_refused(tmp_path):
    rows = ["a,label"] + [f"{i},{i % 2}" for i in range(20)] + ["?,1"]
    path = write(tmp_path / "stray.csv", "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"feature 'a' is numeric but for '\?' in data row 21"):
        table_problem(path, "label")
    assert np.isnan(table_problem(path, "label", na_values=["?"]).X["a"].iloc[20])
    assert table_problem(path, "label", categorical=["a"]).categorical == ["a"]
    # Rows dropped for a missing target do not shift the row named.
    rows[3] = "2,"
    path = write(tmp_path / "stray.csv", "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"for '\?' in data row 21;"):
        table_problem(path, "label")


def test_categories_of_mixed_and_integral_values_are_plain_strings(tmp_path):
    frame = pd.DataFrame(
        {
            "mixed": pd.Series([True, "True", "x", None, False, "x"], dtype=object),
            "code": [7.0, 8.0, np.nan, 7.0, 10.0, 8.0],  # a gap makes pandas read floats
            "label": ["a", "b", "a", "b", "a", "b"],
        }
    )
    csv_path = tmp_path / "mixed.csv"
    frame.to_csv(csv_path, index=False)
    p = table_problem(str(csv_path), "label", categorical=["code"])
    assert list(p.X["mixed"].cat.categories) == ["False", "True", "x"]
    assert _cells(p.X["mixed"]) == ["True", "True", "x", None, "False", "x"]
    assert list(p.X["code"].cat.categories) == ["10", "7", "8"]
    assert _cells(p.X["code"]) == ["7", "8", None, "7", "10", "8"]


@pytest.mark.parametrize(
    "text, target, message",
    [
        ("a,b\n1,2\n", "label", "column 'label' is not in"),
        ("a,label\n1,1\n2,1\n", "label", r"only one class \('1'\)"),
        ("label\n1\n0\n", "label", "no feature columns"),
        ("a,label\n1,1,9\n2,0\n", "label", "line 2 has 3 fields, the header has 2"),
        ("a,label\n1,1\n2,0\n3,1,5\n", "label", "Expected 2 fields in line 4, saw 3"),
        ("", "label", "is empty"),
        ("a,label\n", "label", "has a header but no data rows"),
        ("a, a ,label\n1,2,x\n", "label", "has two columns named 'a'"),
        ("a,label\n1,\n2,\n", "label", "'label' is empty in every row"),
    ],
)
def test_bad_csv_input_is_reported(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        table_problem(str(path), target)
    with pytest.raises(ValueError, match="no such file"):
        table_problem(str(tmp_path / "missing.csv"), target)


def test_unreadable_files_are_reported(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,label\n1,caf\xe9\n2,x\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        table_problem(str(latin), "label")
    fake = tmp_path / "fake.parquet"
    fake.write_text("a,label\n1,x\n")
    with pytest.raises(ValueError, match=r"cannot read .* as Parquet"):
        table_problem(str(fake), "label")


def test_table_format_goes_by_the_name():
    assert table_format("x.parquet") == table_format("X.PQ") == "parquet"
    assert table_format("x.parquet.gz") == "parquet"
    assert table_format("x.csv") == table_format("x.tsv.gz") == table_format("x") == "csv"


def test_pandas_is_imported_only_to_read_a_table():
    code = (
        "import sys; import boostobj.cli as c, boostobj._compare, boostobj._compare_data; "
        "c.build_parser(); "
        "from boostobj._compare_data import synthetic_problem; synthetic_problem(n=50); "
        "print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

"""`boostobj compare` run as a subprocess: the table, the plot and clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest


def run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "boostobj", "compare", "--no-progress", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def table_rows(stdout: str) -> dict[str, list[float]]:
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] in ("xgboost", "lightgbm", "true"):
            numbers = [float(x) for x in parts if _is_number(x)]
            rows[" ".join(p for p in parts if not _is_number(p))] = numbers
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_default_run_compares_all_six_models_against_the_truth(tmp_path):
    plot = tmp_path / "reliability.png"
    out = run("--plot", str(plot))
    assert out.returncode == 0, out.stderr
    rows = table_rows(out.stdout)
    expected = {
        f"{e} {o}"
        for e in ("xgboost", "lightgbm")
        for o in ("built-in softmax", "SoftmaxCrossEntropy", "WeightedBrier")
    }
    assert expected | {"true probabilities"} == set(rows)
    truth = rows.pop("true probabilities")
    for name, (logloss, brier, ece, acc, kl, seconds) in rows.items():
        # Every model learns: better than the class priors, worse than the truth.
        assert truth[0] < logloss < 1.2, name
        assert truth[1] < brier < 0.65, name
        assert 0.0 <= ece < 0.2 and 0.45 < acc < 0.7 and 0.0 < kl < 0.3, name
        assert seconds > 0
    # The plot is a real PNG image.
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    image = matplotlib.image.imread(str(plot))
    assert image.shape[0] >= 400 and image.shape[1] >= 400


def test_csv_and_label_smoothing(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=300) > 0, "yes", "no")
    lines = ["f1,f2,f3,answer"] + [f"{a},{b},{c},{t}" for (a, b, c), t in zip(X, y, strict=True)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    out = run(
        "--csv",
        str(path),
        "--target",
        "answer",
        "--rounds",
        "30",
        "--label-smoothing",
        "0.1",
        "--engines",
        "lightgbm",
    )
    assert out.returncode == 0, out.stderr
    assert "label smoothing 0.1" in out.stdout
    rows = table_rows(out.stdout)
    assert "lightgbm built-in softmax (hard labels)" in rows
    assert "lightgbm SoftmaxCrossEntropy (smoothed)" in rows
    assert all(r[3] > 0.7 for r in rows.values())  # accuracy on an easy problem
    assert "true probabilities" not in rows  # unknown for real data


@pytest.mark.parametrize(
    "csv_text, args, message",
    [
        ("a,b\n1,2\n3,4\n", ["--target", "label"], "column 'label' is not in"),
        (
            "a,label\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(12)) + "foo,y\n",
            ["--target", "label"],
            "feature 'a' is numeric but for 'foo' in data row 13",
        ),
        ("a,label\n1,x\n2,y,3\n", ["--target", "label"], "line 3"),
        ("a,label\n1,x\n2,x\n3,x\n", ["--target", "label"], "only one class"),
        ("a,label\n1,x\n2,y\n", [], "--csv and --target go together"),
    ],
)
def test_bad_csv_input_gives_a_clear_error(tmp_path, csv_text, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text)
    out = run("--csv", str(path), *args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--engines", "catboost"], "--engines must be a comma-separated subset"),
        (["--objectives", "focal"], "--objectives must be a comma-separated subset"),
        (["--label-smoothing", "1.5"], "must be in [0, 1)"),
        (["--test-size", "0"], "must be in (0, 1)"),
        (["--dataset", "mnist"], "invalid choice"),
        (["--dataset", "iris", "--csv", "x.csv", "--target", "t"], "either --csv or --dataset"),
    ],
)
def test_bad_options_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr

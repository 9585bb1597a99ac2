"""Every Python block of README.md runs, on small data, and gives sensible results.

The blocks are read from the README itself, in order, so an edit that
breaks one fails here. Each block runs in a namespace holding the data its
prose promises (``X``, ``y``, ``w``, ...; dask arrays and a ``client`` for
the Dask block) and the names earlier blocks defined, as a reader would run
them one after another; then what it computed is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[tuple[int, str]]:
    """(line number, code) of every fenced ``python`` block."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        blocks.append((text[: match.start()].count("\n") + 1, match.group(1)))
    return blocks


def data() -> dict:
    """The arrays the README's prose names, from scikit-learn's digits."""
    x, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, y.shape[0])
    soft = 0.9 * np.eye(10)[y] + 0.01  # label-smoothed soft labels
    tr, va, te = slice(0, 1000), slice(1000, 1400), slice(1400, None)
    return {
        # XGBoost block: training, validation and test data.
        "X": x[tr],
        "y": y[tr],
        "w": w[tr],
        "Xv": x[va],
        "yv": y[va],
        "Xt": x[te],
        # LightGBM blocks.
        "X_train": x[tr],
        "y_train": y[tr],
        "X_valid": x[va],
        "y_valid": y[va],
        "X_test": x[te],
        "Y_train": soft[tr],
        "Y_valid": soft[va],
        "w_train": w[tr],
        "K": 10,
    }


def dask_data(client) -> dict:
    import dask.array as da

    base = data()
    chunks = 500
    return {
        **base,
        "client": client,
        "X": da.from_array(base["X"], chunks=(chunks, -1)),
        "y": da.from_array(base["y"], chunks=chunks),
        "w": da.from_array(base["w"], chunks=chunks),
        "X_test": da.from_array(base["X_test"], chunks=(chunks, -1)),
    }


def assert_probabilities(proba, n_rows, k=10) -> None:
    proba = np.asarray(proba)
    assert proba.shape == (n_rows, k)
    assert np.all(proba >= 0) and np.all(proba <= 1)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_the_readme_has_the_blocks_this_file_checks():
    blocks = python_blocks()
    assert len(blocks) == len(CHECKS), [line for line, _ in blocks]
    for (line, code), (marker, _) in zip(blocks, CHECKS, strict=True):
        assert marker in code, f"README.md:{line} no longer holds {marker!r}"


def check_objectives(ns):
    assert ns["loss"].shape == (5,) and np.all(ns["loss"] > 0)
    assert ns["grad"].shape == ns["hess"].shape == (5, 3)
    assert_probabilities(ns["proba"], 5, 3)
    np.testing.assert_allclose(ns["start"].mean(), 0.0, atol=1e-12)


def check_checker(ns):
    assert ns["result"].ok


def check_xgboost(ns):
    assert_probabilities(ns["proba"], ns["Xt"].shape[0])
    assert np.mean(ns["proba"].argmax(axis=1) == load_digits().target[1400:]) > 0.85


def check_lightgbm_classifier(ns):
    assert_probabilities(ns["proba"], ns["X_test"].shape[0])
    assert np.mean(ns["clf"].predict(ns["X_test"]) == load_digits().target[1400:]) > 0.85


def check_lightgbm_native(ns):
    assert_probabilities(ns["proba"], ns["X_test"].shape[0])
    assert np.mean(ns["proba"].argmax(axis=1) == load_digits().target[1400:]) > 0.85


def check_dask(ns):
    proba = ns["proba"].compute()
    assert_probabilities(proba, ns["X_test"].shape[0])
    assert np.mean(proba.argmax(axis=1) == load_digits().target[1400:]) > 0.85


# (a line each README block must hold, the check of what it computed), in README order.
CHECKS = [
    ("obj = SoftmaxCrossEntropy(class_weight", check_objectives),
    ("check_grad_hess(obj, labels, raw, weight)", check_checker),
    ("xgb.train(", check_xgboost),
    ("clf = Classifier(objective=WeightedBrier()", check_lightgbm_classifier),
    ("bl.attach_targets(lgb.Dataset(X_train)", check_lightgbm_native),
    ("lgb_dask.DaskLGBMClassifier(", check_dask),
]


@pytest.fixture(scope="module")
def namespace():
    """Names shared by the blocks, as in one reader's session."""
    return {}


@pytest.mark.parametrize("index", range(len(CHECKS) - 1), ids=[m for m, _ in CHECKS[:-1]])
def test_a_readme_block_runs(index, namespace):
    line, code = python_blocks()[index]
    ns = {**data(), **namespace}
    exec(compile(code, f"README.md:{line}", "exec"), ns)
    CHECKS[index][1](ns)
    namespace.update({k: v for k, v in ns.items() if k in ("obj", "labels", "raw", "weight")})


def test_the_readme_dask_block_runs(client):
    line, code = python_blocks()[-1]
    ns = dask_data(client)
    exec(compile(code, f"README.md:{line}", "exec"), ns)
    CHECKS[-1][1](ns)


def test_the_readme_compare_output_is_what_compare_prints(capsys):
    from boostobj import cli

    assert cli.main(["compare", "--no-progress"]) == 0
    printed = capsys.readouterr().out.splitlines()
    text = README.read_text(encoding="utf-8")
    block = text.split("    boostobj compare\n\n```\n", 1)[1].split("```", 1)[0].splitlines()

    def scores(lines):
        # Every line but the timings: the last column of the runs' rows.
        rows = [line.split() for line in lines if line.split()]
        return [r[:-1] if r[0] in ("xgboost", "lightgbm") else r for r in rows]

    assert scores(block) == scores(printed)

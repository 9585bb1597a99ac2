"""Packaging: lazy imports and a clean lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_light():
    code = (
        "import sys, boostobj\n"
        "heavy = {'xgboost', 'lightgbm', 'sklearn', 'scipy', 'dask', 'matplotlib', 'pandas',"
        " 'numba'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ruff_is_clean():
    for args in (["check", "."], ["format", "--check", "."]):
        run = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout + run.stderr


def test_type_hints_are_shipped_and_check_clean():
    # PEP 561 marker, installed as package data (pyproject.toml).
    assert (ROOT / "boostobj" / "py.typed").is_file()
    run = subprocess.run(
        # The configuration is in pyproject.toml; /dev/null: write no cache.
        [sys.executable, "-m", "mypy", "boostobj", "--cache-dir", "/dev/null"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout

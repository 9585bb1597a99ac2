"""`boostobj check` run as a subprocess: output and exit codes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

USER_OBJECTIVES = textwrap.dedent(
    """
    import numpy as np
    from boostobj import SoftmaxCrossEntropy

    class Right:
        def loss(self, labels, raw, sample_weight=None):
            return SoftmaxCrossEntropy().loss(labels, raw, sample_weight)

        def grad_hess(self, labels, raw, sample_weight=None):
            return SoftmaxCrossEntropy().grad_hess(labels, raw, sample_weight)

    class WrongHessian(Right):
        # The textbook slip: p (1 - p) without the label weight A... and doubled.
        def grad_hess(self, labels, raw, sample_weight=None):
            grad, hess = super().grad_hess(labels, raw, sample_weight)
            return grad, 2.0 * hess

    class NeedsArguments(Right):
        def __init__(self, scale):
            self.scale = scale

    not_an_objective = 42

    def broken():
        raise RuntimeError("boom")
    """
)


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "boostobj", "check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def user_dir(tmp_path):
    (tmp_path / "user_objectives.py").write_text(USER_OBJECTIVES)
    return tmp_path


def test_a_correct_objective_passes(user_dir):
    out = run("user_objectives:Right", "--weights", "1d", "--labels", "soft", cwd=user_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "check_grad_hess: OK" in out.stdout
    assert "soft labels, weights 1d" in out.stdout


def test_a_wrong_hessian_fails_with_location(user_dir):
    out = run("user_objectives:WrongHessian", cwd=user_dir)
    assert out.returncode == 1
    assert "check_grad_hess: FAILED" in out.stdout
    assert "hessian" in out.stdout and "at row" in out.stdout
    assert "--no-hessian" in out.stdout  # the gradient is right: say how to skip the Hessian
    assert run("user_objectives:WrongHessian", "--no-hessian", cwd=user_dir).returncode == 0


def test_a_file_path_works(user_dir):
    out = run(str(user_dir / "user_objectives.py") + ":Right", "--single-output", cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "K=1 (single output)" in out.stdout


def test_builtin_gauss_newton_brier_passes_gradient_only(user_dir):
    assert run("boostobj:WeightedBrier", cwd=user_dir).returncode == 1
    assert run("boostobj:WeightedBrier", "--no-hessian", cwd=user_dir).returncode == 0


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no_such_module:X", "cannot import 'no_such_module': ModuleNotFoundError"),
        ("user_objectives:Missing", "has no attribute 'Missing'"),
        ("user_objectives:not_an_objective", "not an objective with loss and grad_hess"),
        ("user_objectives:NeedsArguments", "cannot build"),
        ("user_objectives:broken", "RuntimeError: boom"),
        ("user_objectives", "expected MODULE:NAME"),
        ("missing_file.py:X", "no such file"),
    ],
)
def test_usage_errors_exit_2_with_a_message_and_no_traceback(user_dir, spec, message):
    out = run(spec, cwd=user_dir)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_a_file_that_is_not_python_source_is_a_usage_error(user_dir):
    (user_dir / "notes.txt").write_text("Right = 1\n")
    out = run("./notes.txt:Right", cwd=user_dir)
    assert out.returncode == 2
    assert "cannot import './notes.txt': not a Python source file" in out.stderr
    assert "Traceback" not in out.stderr and "NoneType" not in out.stderr


def test_bad_options_exit_2(user_dir):
    for args in (["--n", "0"], ["--k", "1"], ["--labels", "fuzzy"], ["--scale", "-1"]):
        out = run("user_objectives:Right", *args, cwd=user_dir)
        assert out.returncode == 2, args
        assert "error" in out.stderr and "Traceback" not in out.stderr


SCRIPT_THAT_EXITS = textwrap.dedent(
    """
    import sys
    from user_objectives import WrongHessian

    class Objective(WrongHessian):
        pass

    class ExitsInLoss(WrongHessian):
        def loss(self, labels, raw, sample_weight=None):
            sys.exit(0)

    def main():
        return 0

    {exit_line}
    """
)


@pytest.mark.parametrize(
    "where, code, message",
    [
        ("import", 2, "it called sys.exit(0) on import"),
        ("loss", 3, "the objective raised SystemExit in loss"),
    ],
)
def test_the_objectives_sys_exit_is_never_a_passed_check(user_dir, where, code, message):
    # Its exit status became the command's: 0, a passed check of a wrong Hessian.
    # A training script without a __main__ guard, or one that is guarded.
    exit_line = "sys.exit(main())" if where == "import" else "pass"
    (user_dir / "script.py").write_text(SCRIPT_THAT_EXITS.format(exit_line=exit_line))
    spec = "script:Objective" if where == "import" else "script:ExitsInLoss"
    out = run(spec, cwd=user_dir)
    assert out.returncode == code, out.stdout + out.stderr
    assert message in out.stderr

"""The command as a new user meets it: --version, help, usage errors, exit codes, progress."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import boostobj
from boostobj import _compare, cli

ROOT = Path(__file__).resolve().parents[1]


def run_module(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this tree, not another install
    return subprocess.run(
        [sys.executable, "-m", "boostobj", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def write_csv(path: Path, text: str) -> str:
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


# ------------------------------------------------------------ version, help
def test_version(capsys):
    assert cli.main(["--version"]) == cli.EXIT_OK
    assert capsys.readouterr().out.strip() == f"boostobj {boostobj.__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", ["check", "compare"])
def test_every_option_has_help_that_states_its_default(command, capsys):
    sub = _subparsers(cli.build_parser())[command]
    assert cli.main([command, "--help"]) == cli.EXIT_OK
    text = " ".join(capsys.readouterr().out.split())  # undo the line wrapping
    for action in sub._actions:
        if not action.option_strings or action.dest == "help":
            continue
        name = action.option_strings[0]
        assert action.help, f"{command} {name} has no help"
        if action.default not in (None, False):
            shown = ",".join(action.default) if isinstance(action.default, list) else action.default
            assert f"(default: {shown}" in text, f"{command} {name}: default {shown} not shown"
        elif action.default is False:  # a flag: say what happens without it
            assert "(default: " in action.help, f"{command} {name} does not say its default"


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["compare", "--help"]])
def test_help_documents_the_exit_codes(argv, capsys):
    assert cli.main(argv) == cli.EXIT_OK
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "3", "141"):
        assert f"\n  {code}  " in out
    assert "objective raised" in out
    for code in ("0 ", "1 ", "2 ", "3 ", "141 "):
        assert f"\n{code} " in cli.__doc__


def test_a_closed_output_pipe_ends_quietly(tmp_path):
    # As under `boostobj compare | head -1` when head has gone: the reader end
    # is closed before the command writes anything.
    argv = ["compare", "--n", "200", "--rounds", "2", "--objectives", "builtin"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "boostobj", *argv, "--engines", "lightgbm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == cli.EXIT_BROKEN_PIPE == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err, err


# ------------------------------------------------------------ usage errors
@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "boostobj:SoftmaxCrossEntropy", "--k", "1"], "--k must be >= 2"),
        (["check", "no_such_module:X"], "cannot import 'no_such_module'"),
        (["check", "boostobj:SoftmaxCrossEntropy", "--n", "0"], "must be >= 1"),
        (["compare", "--classes", "1"], "--classes must be >= 2"),
        (["compare", "--dataset", "iris", "--csv", "x.csv", "--target", "t"], "either --csv"),
        (["compare", "--csv", "x.csv"], "--csv and --target go together"),
        (["compare", "--engines", "catboost"], "--engines must be"),
    ],
)
def test_every_subcommand_error_prints_that_subcommands_usage(argv, message, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"usage: boostobj {argv[0]} "), err
    assert f"boostobj {argv[0]}: error: " in err and message in err
    assert "Traceback" not in err


def test_missing_subcommand_prints_the_top_level_usage(capsys):
    assert cli.main([]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith("usage: boostobj [-h]")


# ------------------------------------------------------------ output destinations
@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if anything is trained (destinations are checked first)."""

    def refuse(*args, **kwargs):
        raise AssertionError("trained before checking the output destinations")

    monkeypatch.setattr(_compare, "compare", refuse)


@pytest.mark.parametrize(
    "where, message",
    [
        ("missing/plot.png", "the folder"),
        ("", "is a folder"),
        ("plot.notanimage", "cannot save a .notanimage image"),
    ],
)
def test_plot_destination_is_checked_before_training(tmp_path, capsys, no_training, where, message):
    target = str(tmp_path / where) if where else str(tmp_path)
    argv = ["compare", "--no-progress", "--n", "200", "--rounds", "2", "--plot", target]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--plot" in err and message in err and "Traceback" not in err


def test_plot_into_a_read_only_folder_is_refused(tmp_path, capsys, no_training, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    # The operating system's answer for a folder this user cannot write to
    # (root, as in CI, can write anywhere, so the answer is planted).
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: (
            False if str(path).startswith(str(folder)) else real_access(path, mode, **kw)
        ),
    )
    argv = ["compare", "--no-progress", "--plot", str(folder / "plot.png")]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "permission denied" in capsys.readouterr().err


# ------------------------------------------------------------ CSV input
def test_header_only_csv_is_a_usage_error(tmp_path, capsys):
    path = write_csv(tmp_path / "header.csv", "a,b,label\n")
    assert cli.main(["compare", "--no-progress", "--csv", path, "--target", "label"]) == 2
    err = capsys.readouterr().err
    assert "no data rows" in err and "Traceback" not in err


def test_one_class_message_names_the_class_plainly(tmp_path, capsys):
    path = write_csv(tmp_path / "one.csv", "a,label\n1,setosa\n2,setosa\n")
    assert cli.main(["compare", "--no-progress", "--csv", path, "--target", "label"]) == 2
    err = capsys.readouterr().err
    assert "only one class ('setosa')" in err and "np.str_" not in err


def test_an_empty_target_cell_is_missing_not_a_class(tmp_path, capsys):
    rows = ["a,label"] + [f"{i},{'yes' if i % 2 else 'no'}" for i in range(40)] + ["41,", "42,"]
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join(rows) + "\n")
    argv = ["compare", "--no-progress", "--csv", str(path), "--target", "label"]
    argv += ["--rounds", "2", "--engines", "lightgbm", "--objectives", "builtin"]
    assert cli.main(argv) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "2 classes" in out and "2 rows dropped for a missing target" in out
    assert "28 training and 12 test rows" in out


def test_a_target_that_is_empty_everywhere_is_refused(tmp_path, capsys):
    path = write_csv(tmp_path / "blank.csv", "a,label\n1,\n2,\n")
    assert cli.main(["compare", "--no-progress", "--csv", path, "--target", "label"]) == 2
    assert "'label' is empty in every row" in capsys.readouterr().err


# ------------------------------------------------------------ progress
def _tiny_compare(*extra):
    return ["compare", "--n", "200", "--rounds", "3", "--objectives", "builtin", *extra]


def test_progress_is_one_line_per_run_when_stderr_is_not_a_terminal(capsys):
    assert cli.main(_tiny_compare()) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err  # no redrawn bar frames in a log
    assert err.splitlines() == [
        "training xgboost built-in softmax ...",
        "training lightgbm built-in softmax ...",
    ]


def test_no_progress_writes_nothing_to_stderr(capsys):
    assert cli.main(_tiny_compare("--no-progress")) == cli.EXIT_OK
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal(monkeypatch):
    pytest.importorskip("tqdm")

    class Terminal:
        def __init__(self):
            self.text = ""

        def write(self, text):
            self.text += text

        def flush(self):
            pass

        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    bar = _compare.Progress(total=5, enabled=True)
    bar.start("run")
    for _ in range(5):
        bar.step()
    bar.close()
    assert bar.bar is not None and "\r" in term.text


# ------------------------------------------------------------ check: import and raising
USER_MODULE = textwrap.dedent(
    """
    from dataclasses import dataclass

    import helper_beside_it
    from boostobj import SoftmaxCrossEntropy


    @dataclass
    class Scaled:
        factor: float = 1.0

        def loss(self, labels, raw, sample_weight=None):
            return helper_beside_it.BASE.loss(labels, raw, sample_weight)

        def grad_hess(self, labels, raw, sample_weight=None):
            return helper_beside_it.BASE.grad_hess(labels, raw, sample_weight)


    class Raises(Scaled):
        def grad_hess(self, labels, raw, sample_weight=None):
            return self._inner(raw)

        def _inner(self, raw):
            raise RuntimeError("user bug in _inner")


    class RaisesValueError(Scaled):
        def loss(self, labels, raw, sample_weight=None):
            raise ValueError("user refuses these labels")
    """
)


@pytest.fixture
def user_file(tmp_path):
    folder = tmp_path / "objectives"
    folder.mkdir()
    (folder / "helper_beside_it.py").write_text(
        "from boostobj import SoftmaxCrossEntropy\nBASE = SoftmaxCrossEntropy()\n"
    )
    (folder / "my_objective.py").write_text(USER_MODULE)
    return folder / "my_objective.py"


def test_check_file_imports_modules_beside_it(user_file):
    # Run from elsewhere: only the file's own folder can provide helper_beside_it.
    out = run_module("check", f"{user_file}:Scaled", "--n", "50", cwd="/")
    assert out.returncode == cli.EXIT_OK, out.stdout + out.stderr
    assert "check_grad_hess: OK" in out.stdout


@pytest.mark.parametrize(
    "name, method, error",
    [
        ("Raises", "grad_hess", "RuntimeError: user bug in _inner"),
        ("RaisesValueError", "loss", "ValueError: user refuses these labels"),
    ],
)
def test_an_objective_that_raises_gets_its_own_exit_code_and_its_frames(
    user_file, name, method, error
):
    out = run_module("check", f"{user_file}:{name}", "--n", "50", cwd="/")
    assert out.returncode == cli.EXIT_OBJECTIVE_RAISED == 3, out.stdout + out.stderr
    assert f"the objective raised {error.split(':')[0]} in {method}" in out.stderr
    assert error in out.stderr
    assert str(user_file) in out.stderr  # the user's frame, with file and line
    # boostobj's own frames are not the user's business.
    assert "boostobj/cli.py" not in out.stderr and "boostobj/check.py" not in out.stderr
    assert "inputs: n=50" in out.stderr


def test_the_raising_objectives_frames_are_listed_innermost_last(user_file):
    out = run_module("check", f"{user_file}:Raises", "--n", "20", cwd="/")
    lines = [ln.strip() for ln in out.stderr.splitlines()]
    frames = [ln for ln in lines if ln.startswith("File ")]
    assert [f.rsplit(" in ", 1)[1] for f in frames] == ["grad_hess", "_inner"]
    assert 'raise RuntimeError("user bug in _inner")' in lines

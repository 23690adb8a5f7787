"""Exercises with checked answers: every worked solution passes its checks, every untouched stub fails every
one of them (no check passes vacuously), and `python -m lessonkit.check` behaves as the README says."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO

from lessonkit import check

CHECK_FILES = sorted(check.CHECKS.glob("*/[0-9][0-9]_*.py"))
IDS = [f"{p.parent.name}/{p.stem}" for p in CHECK_FILES]


def test_there_are_exercises():
    assert len(CHECK_FILES) >= 6


@pytest.mark.parametrize("check_file", CHECK_FILES, ids=IDS)
def test_each_exercise_file_belongs_to_a_lesson_and_names_its_note(check_file):
    folder, name = check_file.parent.name, check_file.name
    assert (REPO / folder / name).is_file(), f"no lesson {folder}/{name} for these exercises"
    stub = (check.EXERCISES / folder / name).read_text(encoding="utf-8")
    assert f"python -m lessonkit.check {folder}/{name[:2]}" in stub, "the stub says how to check it"
    for block in re.findall(r"Exercise \d+ \((.*?)\)", stub, flags=re.S):
        assert "note" in block, f"each exercise names its note section: {block!r}"
    assert (check.SOLUTIONS / folder / name).is_file()


@pytest.mark.parametrize("check_file", CHECK_FILES, ids=IDS)
def test_the_worked_solutions_pass_every_check(check_file):
    results = check.run_checks(check_file, check.answer_file(check_file, solutions=True))
    assert results and all(r.passed for r in results), [(r.name, r.message) for r in results if not r.passed]


@pytest.mark.parametrize("check_file", CHECK_FILES, ids=IDS)
def test_the_untouched_stubs_fail_every_check(check_file):
    results = check.run_checks(check_file, check.answer_file(check_file, solutions=False))
    assert results and not any(r.passed for r in results), [r.name for r in results if r.passed]
    exercises = re.findall(r"^(?:def |class )?(\w+)(?: = None|\()", check.answer_file(check_file, False).read_text(),
                           flags=re.M)
    checked = {r.name for r in results}
    assert checked <= set(exercises), f"checks for names the stub lacks: {checked - set(exercises)}"


def test_a_wrong_answer_gets_a_hint_and_a_broken_file_says_where(tmp_path):
    check_file = check.CHECKS / "tensors" / "01_tensor_basics.py"
    wrong = tmp_path / "answers.py"
    wrong.write_text("import torch\nBROADCAST_SHAPE = (3, 2, 4)\n"
                     "def pairwise_squared_distances(x, y):\n    return torch.cdist(x, y)\n"
                     "def take_per_row(scores, index):\n    return scores[:, 0]\n")
    results = {r.name: r for r in check.run_checks(check_file, wrong)}
    assert not any(r.passed for r in results.values())
    assert "(2, 3, 4)" not in results["BROADCAST_SHAPE"].message, "a hint, never the answer"
    assert "squared, not the square root" in results["pairwise_squared_distances"].message
    broken = tmp_path / "broken.py"
    broken.write_text("BROADCAST_SHAPE = (2, 3, 4)\ndef take_per_row(:\n")
    messages = {r.message for r in check.run_checks(check_file, broken)}
    assert len(messages) == 1 and "your file does not run: SyntaxError" in messages.pop()
    raising = tmp_path / "raising.py"
    raising.write_text("def take_per_row(scores, index):\n    return scores.gather(1, index)\n")
    result = {r.name: r for r in check.run_checks(check_file, raising)}["take_per_row"]
    assert "your code raised RuntimeError" in result.message and "line 2 of raising.py" in result.message


@pytest.mark.subprocess
def test_the_command_line_exit_statuses(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "lessonkit.check", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)

    solutions = run("tensors/01", "--solutions")
    assert solutions.returncode == 0 and "3 of 3 passed" in solutions.stdout, solutions.stdout + solutions.stderr
    stubs = run("tensors/01")
    assert stubs.returncode == 1 and "not yet  BROADCAST_SHAPE" in stubs.stdout
    wrong = tmp_path / "wrong.py"
    wrong.write_text("BROADCAST_SHAPE = (3, 2, 4)\n")
    hinted = run("tensors/01", "--file", str(wrong))
    assert hinted.returncode == 1 and "not yet  BROADCAST_SHAPE: align the two shapes" in hinted.stdout, hinted.stdout
    assert "your code raised" not in hinted.stdout.split("pairwise")[0]
    unknown = run("nothing/99")
    assert unknown.returncode == 2 and "no exercises for 'nothing/99'" in unknown.stderr
    assert "Traceback" not in stubs.stderr + unknown.stderr

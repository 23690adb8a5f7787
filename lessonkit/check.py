"""Check a learner's exercise answers: `python -m lessonkit.check tensors/01`.

Every lesson in tensors/, regression/, classification/, cnn/, rnn/ (and basics/, classic_ml/) has an exercise
file, exercises/<folder>/<NN_name>.py, with one function or constant per exercise and a docstring that
states it. The learner writes the answers there. The checks live apart, in exercises/checks/<folder>/
<NN_name>.py: one function `check_<name>(answer)` per exercise, which tests what the answer does (shapes,
values against a library twin, a loss that must fall on a tiny run), so that every correct answer passes,
and `check_<name>(answer, answers)` where an exercise has two parts (it also gets the whole answers module),
and raises NotYet with a hint, never with the answer. Worked solutions are in solutions/<folder>/, with a
paragraph of explanation each.

    python -m lessonkit.check tensors/01              # one lesson's exercises
    python -m lessonkit.check cnn                     # a whole folder
    python -m lessonkit.check tensors/01 --file my_answers.py
    python -m lessonkit.check --solutions tensors     # the worked solutions (what the tests run)

Prints per exercise "passed" or "not yet" with a hint; exit status 0 when all passed, 1 when any is not
yet, 2 for a lesson that has no exercises (a usage error).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
CHECKS = EXERCISES / "checks"
SOLUTIONS = REPO / "solutions"


class NotYet(Exception):
    """Raised by a check: the answer does not do what the exercise asks. The message is a hint."""


@dataclass
class Result:
    name: str
    passed: bool
    message: str = ""


def load_file(path: Path, name: str):
    """Import a Python file as a fresh module (never cached: an edited answer is read again)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # a @dataclass in the file looks its module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def lesson(relative: str):
    """A lesson's module (its functions and constants), for checks that compare with what the lesson computes."""
    return load_file(REPO / relative, "_lesson_" + relative.removesuffix(".py").replace("/", "_"))


def check_files(target: str) -> list[Path]:
    """The check files for 'tensors/01', 'tensors/01_tensor_basics', 'tensors' or 'exercises/tensors/01_x.py'."""
    target = target.strip().removeprefix("exercises/").removeprefix("solutions/").removesuffix(".py").strip("/")
    folder, _, lesson = target.partition("/")
    base = CHECKS / folder
    if not folder or not base.is_dir():
        return []
    files = sorted(p for p in base.glob("[0-9][0-9]_*.py"))
    if lesson:
        files = [p for p in files if p.stem == lesson or p.stem.split("_", 1)[0] == lesson.split("_", 1)[0]]
    return files


def answer_file(check_file: Path, solutions: bool) -> Path:
    return (SOLUTIONS if solutions else EXERCISES) / check_file.parent.name / check_file.name


def run_checks(check_file: Path, answers_path: Path) -> list[Result]:
    """Run every check of one lesson against one answers file; never raises for a wrong answer.

    One torch thread: the checks run tiny tensors, where a second thread only waits (on a busy machine a
    tiny training loop ran 10-50x slower with two), and a fixed thread count keeps a seeded check's numbers."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run_checks(check_file, answers_path)
    finally:
        torch.set_num_threads(threads)


def _run_checks(check_file: Path, answers_path: Path) -> list[Result]:
    checks = load_file(check_file, f"_checks_{check_file.parent.name}_{check_file.stem}")
    functions = [(name.removeprefix("check_"), f) for name, f in vars(checks).items()
                 if name.startswith("check_") and inspect.isfunction(f) and f.__module__ == checks.__name__]
    try:
        answers = load_file(answers_path, f"_answers_{check_file.parent.name}_{check_file.stem}")
    except Exception as err:  # a syntax error or a failing import in the learner's file: say where, go on
        where = traceback.extract_tb(err.__traceback__)[-1]
        message = f"your file does not run: {type(err).__name__}: {err} (line {where.lineno})"
        return [Result(name, False, message) for name, _ in functions]
    results = []
    for name, check in functions:
        if not hasattr(answers, name):
            results.append(Result(name, False, f"{answers_path.name} has no {name}: keep the name of the stub"))
            continue
        try:
            # A check of an exercise in two parts (a function and its partner) also takes the whole module.
            wants_module = len(inspect.signature(check).parameters) == 2
            check(getattr(answers, name), answers) if wants_module else check(getattr(answers, name))
        except NotImplementedError:
            results.append(Result(name, False, "not answered yet (the stub is as it came)"))
        except NotYet as hint:
            results.append(Result(name, False, str(hint)))
        except AssertionError as hint:  # a check's plain assert: its message is the hint
            results.append(Result(name, False, str(hint) or "the answer does not do what the exercise asks"))
        except Exception as err:  # the learner's code raised: say what and where, in their file
            frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == answers_path]
            where = f" (line {frames[-1].lineno} of {answers_path.name})" if frames else ""
            results.append(Result(name, False, f"your code raised {type(err).__name__}: {err}{where}"))
        else:
            results.append(Result(name, True))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="a lesson (tensors/01) or a folder (tensors)")
    parser.add_argument("--file", type=Path, default=None, help="check this answers file instead of exercises/...")
    parser.add_argument("--solutions", action="store_true", help="check the worked solutions in solutions/")
    args = parser.parse_args(argv)
    files = check_files(args.target)
    if not files:
        folders = sorted(p.name for p in CHECKS.iterdir() if p.is_dir()) if CHECKS.is_dir() else []
        parser.error(f"no exercises for {args.target!r}; folders with exercises: {', '.join(folders) or 'none'}")
    if args.file and len(files) > 1:
        parser.error("--file checks one lesson: name the lesson, e.g. tensors/01")
    passed = total = 0
    for check_file in files:
        answers = (args.file or answer_file(check_file, args.solutions)).expanduser().resolve()
        shown = answers.relative_to(REPO) if answers.is_relative_to(REPO) else answers
        print(f"{check_file.parent.name}/{check_file.stem}  ({shown})")
        if not answers.is_file():
            print(f"  not yet  no answers file at {answers}")
            continue
        for result in run_checks(check_file, answers):
            total += 1
            passed += result.passed
            print(f"  {'passed ' if result.passed else 'not yet'}  {result.name}"
                  + ("" if result.passed else f": {result.message}"))
    print(f"{passed} of {total} passed")
    return 0 if passed == total and total else 1


if __name__ == "__main__":
    # `python -m lessonkit.check` runs this file as __main__: the check files raise lessonkit.check.NotYet,
    # which would be another class than __main__.NotYet. Run the imported module's main, so there is one.
    from lessonkit.check import main as checker

    sys.exit(checker())

"""The one exception type lessons raise for problems a learner can fix.

`LessonError` subclasses `SystemExit`, so when it reaches the top of a script Python prints its
message (no traceback) and exits with status 1. Tests catch it like any other exception.
"""

from __future__ import annotations


class LessonError(SystemExit):
    """A clear, fixable problem: missing data, an unavailable device, a diverging loss."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}")
        self.message = message

    def __str__(self) -> str:  # SystemExit's str() is its code; ours is the message
        return self.message


class DataError(LessonError):
    """A data file is missing, corrupt, or could not be downloaded."""


class DeviceError(LessonError):
    """The requested device does not exist on this machine."""


class TrainingDiverged(LessonError):
    """The loss became NaN or infinite."""

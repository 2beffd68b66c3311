"""Errors that mean "the user gave us something we cannot use".

Every one of them carries a message meant for a person: the command line prints it on one line and
exits with code 2, the app shows it in a dialog. Anything else escaping is a bug (WorkerFailed, at the
end, names one that happened in a worker process).
"""


class StudioError(ValueError):
    """Bad input: a path, a file, a setting or a word the program cannot work with."""


class ConfigError(StudioError):
    """A training setting outside its allowed range."""


class CorpusError(StudioError):
    """A corpus path that holds no usable text."""


class ModelFileError(StudioError):
    """A model or vectors file that is missing, truncated, foreign or malformed."""


class UnknownWordError(StudioError, KeyError):
    """A word that is not in the vocabulary; the message suggests close spellings."""

    def __init__(self, word: str, suggestions: list[str] | None = None, reason: str | None = None):
        self.word = word
        self.suggestions = list(suggestions or [])
        #: Why a word the corpus holds is missing (its count against the minimum count), if known.
        self.reason = reason
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(reason or f"'{word}' is not in the vocabulary{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class TrainingDiverged(StudioError):
    """The loss became infinite or NaN: the learning rate is too high for this data."""


class WorkerFailed(RuntimeError):
    """A training worker process died or raised: a bug or an exhausted machine, not bad input.

    Not a StudioError: the command line says so on stderr with the worker's own trace, for a report,
    and exits with code 1.
    """

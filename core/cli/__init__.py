"""The headless command line: ``train``, ``train-spark``, ``export``, ``similar``, ``evaluate``,
``fetch-gutenberg``, the analyses ``compare``, ``weat``, ``axis`` and ``stability``, and ``concordance``,
``contexts`` and ``history``.

Bad input of any kind ends with one line on stderr and exit code 2, never a traceback and never a
half-written output file (every file is written atomically by ``core.vectors.io``). An output that
would replace an input, or that cannot be written, is refused before any work. Ctrl-C and SIGTERM
both stop a command cleanly (exit 130 and 143), and the last line says which outputs were written.
Every word, line and message from a file is printed through ``show``: no control character reaches the
terminal, and no message spans two lines.

This module runs one command and turns every way it can fail into one line and an exit code; the
options are in ``parser``, the commands in ``training``, ``models`` and ``texts``, the checks of
outputs and inputs (and the record of outputs) in ``paths``, the escaping in ``show``, the progress
lines in ``progress``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence, TextIO

from ..errors import StudioError, TrainingDiverged, WorkerFailed
from .exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED
from .models import axis, compare, evaluate, export, history, similar, weat
from .parser import UsageError, build_parser
from .paths import Outputs, recording_outputs
from .show import one_line
from .texts import concordance, contexts, fetch_gutenberg
from .training import stability, train, train_spark

#: Each command's function, by the name the parser gives it (in --help's order).
COMMANDS = {"train": train, "export": export, "similar": similar, "evaluate": evaluate,
            "fetch-gutenberg": fetch_gutenberg, "train-spark": train_spark, "compare": compare, "weat": weat,
            "axis": axis, "stability": stability, "concordance": concordance, "contexts": contexts,
            "history": history}


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one command; returns the process exit code.

    Ctrl-C at any moment, even while the options are read, ends with one line and exit 130.
    """
    stdout = stdout or _lenient(sys.stdout)
    stderr = stderr or _lenient(sys.stderr)
    outputs = Outputs()
    try:
        _take_ctrl_c_back()
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except UsageError as error:
            print(one_line(str(error)), file=stderr)
            return EXIT_BAD_INPUT
        except SystemExit as exit_:  # --help
            return int(exit_.code or 0)
        with _terminate_as_interrupt() as terminated, recording_outputs(outputs):
            return _run(args, stdout, stderr, terminated, outputs)
    except KeyboardInterrupt:  # before the command started, or as it ended
        return interrupted(stderr, EXIT_INTERRUPTED, outputs.interrupted())


def _take_ctrl_c_back() -> None:
    """Ctrl-C raises KeyboardInterrupt again, which cleans up, if the launcher had it end the process at
    once while the command line loaded (``gui.launch``); any other handler is the caller's, and stays."""
    if (threading.current_thread() is threading.main_thread()
            and getattr(signal.getsignal(signal.SIGINT), "while_starting", False)):
        signal.signal(signal.SIGINT, signal.default_int_handler)


def interrupted(stderr: TextIO, code: int, line: str) -> int:
    """Say ``line`` once, on a line of its own, and return ``code``; a second Ctrl-C meanwhile is ignored."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        print(f"\n{line}", file=stderr)
        stderr.flush()
    except (OSError, ValueError):  # a closed stderr: the exit code still says it
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    return code


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, terminated: list[int], outputs: Outputs) -> int:
    """The command, with every way it can fail turned into one line and an exit code."""
    try:
        return COMMANDS[args.command](args, stdout, stderr)
    except TrainingDiverged as error:  # not bad input as such: the run failed, and nothing was written
        print(f"error: {one_line(str(error))}", file=stderr)
        return EXIT_FAILED
    except StudioError as error:
        print(f"error: {one_line(str(error))}", file=stderr)
        return EXIT_BAD_INPUT
    except WorkerFailed as error:  # a bug, not bad input: say so, with the worker's own trace for a report
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        print(f"error: {one_line(' | '.join(lines))}", file=stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. `... | head` closed stdout: not an error worth a message
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except OSError as error:
        name = f" {error.filename}:" if getattr(error, "filename", None) else ""
        print(one_line(f"error:{name} {error.strerror or error}"), file=stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("error: not enough memory for this; try fewer dimensions, a higher --min-count or "
              "--token-cache", file=stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return interrupted(stderr, EXIT_TERMINATED if terminated else EXIT_INTERRUPTED, outputs.interrupted())


def _lenient(stream: TextIO) -> TextIO:
    """The process's own stream, writing what its encoding cannot as ``\\x..`` escapes: a word in
    another script must not crash the output under PYTHONIOENCODING=ascii or a legacy console."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    return stream


@contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """Make SIGTERM (``kill``, systemd, ``docker stop``) raise KeyboardInterrupt, as Ctrl-C does.

    Then the same cleanup runs (temporary files, shared memory, worker processes) instead of the
    process vanishing mid-write. Yields the list of SIGTERMs received; the previous handler is back
    afterwards, since tests run commands in-process. Only the main thread may set handlers.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

"""Checks before any work: outputs that can be written and destroy no input, inputs that are files, not
pipes or devices that would never end; and a record of the outputs, so that an interruption can say
truthfully which of them it left written.

Every command that writes names each file it will write through :func:`writable_target` (or
:func:`writable_folder` for a folder of outputs) with every file it reads, before it reads them.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import StudioError
from .show import shown


class Outputs:
    """The files one command may write, each with how it looked before the command (or None: absent).

    An atomic write replaces a file by renaming another onto it, so a file whose identity changed was
    written, whenever the interruption came: before, during or after the rename.
    """

    def __init__(self) -> None:
        self._before: dict[Path, tuple[int, ...] | None] = {}

    def watch(self, path: Path) -> None:
        self._before.setdefault(path, _identity(path))

    def written(self) -> list[Path]:
        return [path for path, before in self._before.items() if _identity(path) != before]

    def untouched(self) -> list[Path]:
        return [path for path, before in self._before.items() if _identity(path) == before]

    def interrupted(self) -> str:
        """The line an interruption ends with: what was written, and what was not, or that nothing was."""
        written = self.written()
        if not written:
            return "interrupted; nothing was written"
        line = f"interrupted; {_names(written)} {'was' if len(written) == 1 else 'were'} written"
        if untouched := self.untouched():
            line += f"; {_names(untouched)} {'was' if len(untouched) == 1 else 'were'} not"
        return line


def _names(paths: list[Path]) -> str:
    return ", ".join(shown(str(p)) for p in paths)


def _identity(path: Path) -> tuple[int, ...] | None:
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size


_outputs: list[Outputs] = []  # the running command's, innermost last (tests run commands in-process)


@contextmanager
def recording_outputs(outputs: Outputs) -> Iterator[Outputs]:
    """Record in ``outputs`` the files the command inside names (through :func:`writable_target`)."""
    _outputs.append(outputs)
    try:
        yield outputs
    finally:
        _outputs.remove(outputs)


def writable_target(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (),
                    option: str = "--out") -> Path:
    """Check before the work starts that the output can be written where the user asked, and that
    writing it destroys none of the ``inputs`` (``cp`` refuses to copy a file onto itself too).

    Inputs are compared by identity (device and inode), so symbolic links, ``..``, hard links and
    case-blind disks all count. Writability is tried, not judged from permissions: root passes every
    permission check, yet cannot create a file in /proc.
    """
    target = Path(path)
    if target.is_dir():
        raise StudioError(f"{target} is a folder; give a file name for the output")
    if target.exists() and not target.is_file():  # replacing /dev/null or a pipe would be a disaster
        raise StudioError(f"{target} is {_kind(target.stat().st_mode)}; give a file name for the output")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StudioError(f"cannot write {target}: folder {folder} does not exist")
    refuse_overwriting_inputs([target], inputs, option)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as error:
        raise StudioError(f"cannot write {target}: no file can be created in {folder} "
                          f"({error.strerror or error})") from None
    os.close(fd)
    os.unlink(probe)
    record_outputs([target])
    return target


def record_outputs(paths: Iterable[str | os.PathLike]) -> None:
    """Note files the running command may write, as they are now, for :meth:`Outputs.interrupted`."""
    if _outputs:
        for path in paths:
            _outputs[-1].watch(Path(path))


def writable_folder(path: str | os.PathLike, names: Iterable[str], inputs: Iterable[str | os.PathLike] = (),
                    option: str = "--out") -> list[Path]:
    """:func:`writable_target` for files ``names`` in folder ``path``, which is created (with its parents)
    only once none of them would destroy an input."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise StudioError(f"{folder} is a file; {option} needs a folder")
    targets = [folder / name for name in names]
    inputs = list(inputs)
    refuse_overwriting_inputs(targets, inputs, option)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StudioError(f"cannot create the folder {folder}: {error.strerror or error}") from None
    return [writable_target(target, inputs, option) for target in targets]


def refuse_overwriting_inputs(targets: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike],
                              option: str = "--out") -> None:
    """Raise StudioError if writing any of ``targets`` would replace one of ``inputs``.

    A target that does not exist yet cannot be an input that does; one that exists is compared with
    each input by identity (``os.path.samestat``).
    """
    sources = [(source, found) for source in inputs if (found := _stat(source)) is not None]
    for target in targets:
        here = _stat(target)
        if here is None:
            continue
        for source, theirs in sources:
            if os.path.samestat(here, theirs):
                raise StudioError(f"{option} {target} is the input {source}: writing it would destroy it; "
                                  "choose another name")


def _stat(path: str | os.PathLike) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None


def input_file(path: str) -> str:
    """Refuse a named pipe, device or socket at once: reading one waits for a writer, or never ends."""
    found = _stat(path)
    if found is None:
        return path  # missing or unreadable: the reader says so in its own words
    if not (stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode)):  # a folder is the reader's to explain
        raise StudioError(f"{path} is {_kind(found.st_mode)}, not a file")
    return path


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"

"""Checks before any work: an output that can be written and destroys no input, and an input that is
a file, not a pipe or a device that would never end."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from ..errors import StudioError


def writable_target(path: str, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check before the work starts that the output can be written where the user asked, and that
    writing it destroys none of the ``inputs`` (``cp`` refuses to copy a file onto itself too).

    Writability is tried, not judged from permissions: root passes every permission check, yet
    cannot create a file in /proc.
    """
    target = Path(path)
    if target.is_dir():
        raise StudioError(f"{target} is a folder; give a file name for the output")
    if target.exists() and not target.is_file():  # replacing /dev/null or a pipe would be a disaster
        raise StudioError(f"{target} is {_kind(target.stat().st_mode)}; give a file name for the output")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StudioError(f"cannot write {target}: folder {folder} does not exist")
    if target.exists():  # by identity, so links, "..", hard links and case-blind disks all count
        here = target.stat()
        for source in inputs:
            theirs = _stat(source)
            if theirs is not None and os.path.samestat(here, theirs):
                raise StudioError(f"--out {target} is the input {source}: writing it would destroy it; "
                                  "choose another name")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as error:
        raise StudioError(f"cannot write {target}: no file can be created in {folder} "
                          f"({error.strerror or error})") from None
    os.close(fd)
    os.unlink(probe)
    return target


def _stat(path: str | os.PathLike) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
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

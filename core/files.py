"""Files written whole or not at all.

Every file the project writes (models, vectors, exports, downloaded texts) goes through
:func:`atomic_write`: a crash or an error midway leaves the target as it was, never half-written.

A process killed outright (SIGKILL, a power cut) cannot remove its temporary file, so the file's name
carries the writer's pid (``.NAME.<pid>.<random>.tmp``) and the next write to the same folder removes
those whose process is gone (:func:`sweep_stale`). The writer also holds a lock on it, because a pid
says nothing to another machine sharing the folder, or to another pid namespace.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

try:
    import fcntl
except ImportError:  # Windows, where a file being written cannot be removed anyway
    fcntl = None  # type: ignore[assignment]

#: Our temporary files: a leading dot, the target's name, the writer's pid, mkstemp's 8 characters.
TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp")

#: How old a leftover must be when nothing says whether its writer is still running.
STALE_SECONDS = 3600.0


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file next to ``path``; on success fsync it and move it onto ``path``.

    On any exception inside the ``with`` block (KeyboardInterrupt included, which is what Ctrl-C and,
    in the command line, SIGTERM raise) the temporary file is removed and an existing ``path`` is left
    as it was. Text modes write UTF-8 with ``\\n`` line endings. Temporary files that killed
    processes left in the folder are removed first.
    """
    with atomic_write_all([path], mode) as (handle,):
        yield handle


@contextmanager
def atomic_write_all(paths: Sequence[str | os.PathLike], mode: str = "wb") -> Iterator[list[Any]]:
    """:func:`atomic_write` for files that belong together (a Projector export's vectors and labels).

    Every file is written and synced before the first is moved into place: an interruption meanwhile
    leaves the old set whole, where nested atomic writes would leave a new file beside an old one while
    the other was still syncing. (Only a kill, or an error, between two renames can split the set.)
    """
    if "w" not in mode:
        raise ValueError(f"atomic_write needs a write mode, got {mode!r}")
    targets = [Path(path) for path in paths]
    opened: list[tuple[Path, Any]] = []
    try:
        for path in targets:
            opened.append(_open_temporary(path, mode))
        yield [handle for _, handle in opened]
        for _, handle in opened:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        for path, (tmp, _) in zip(targets, opened):
            _copy_permissions(path, tmp)
            os.replace(tmp, path)
    except BaseException:
        for tmp, handle in opened:
            try:
                handle.close()
            except OSError:  # e.g. the disk is full: the error that brought us here says more
                pass
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(path.parent for path in targets):
        _fsync_folder(folder)


def write_error(path: str | os.PathLike, error: OSError) -> str:
    """One line for an OSError met writing ``path``: the file, and plainly what went wrong (a full disk
    says so and how much is free, rather than "42423 requested and 12288 written")."""
    path = Path(path)
    if error.errno == errno.ENOSPC:
        try:
            free = f" ({_amount(shutil.disk_usage(path.parent).free)} free)"
        except OSError:
            free = ""
        return f"cannot write {path}: the disk is full{free}"
    if error.errno == getattr(errno, "EDQUOT", None):
        return f"cannot write {path}: over the disk quota"
    if error.errno == errno.EFBIG:
        return f"cannot write {path}: the file would be larger than this system allows"
    return f"cannot write {path}: {error.strerror or error or type(error).__name__}"


@contextmanager
def naming_write_errors(path: str | os.PathLike, error_type: type[Exception], prefix: str = "") -> Iterator[None]:
    """Turn an OSError raised inside into ``error_type(prefix + write_error(path, error))``."""
    try:
        yield
    except OSError as error:
        raise error_type(prefix + write_error(path, error)) from None


def _amount(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _open_temporary(path: Path, mode: str) -> tuple[Path, Any]:
    """A new temporary file next to ``path``, named and locked as ours, opened in ``mode``.

    What killed processes left in that folder goes first.
    """
    # names from before the pid went into them: nothing to check, so only old ones go
    unnumbered = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    sweep_stale(path.parent, [TEMPORARY, unnumbered])
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        _lock(fd)
        if "b" in mode:
            return Path(name), os.fdopen(fd, mode)
        return Path(name), os.fdopen(fd, mode, encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise


def sweep_stale(folder: str | os.PathLike, patterns: Iterable[re.Pattern[str]],
                older_than_seconds: float | None = STALE_SECONDS) -> list[Path]:
    """Remove the leftovers of killed runs in ``folder``; returns what was removed.

    A file goes only if its whole name matches one of ``patterns``. If the pattern captures a
    ``pid``, the file goes as soon as that process no longer exists, and never while it does. Without
    one (or where a pid cannot be checked, off POSIX) it goes once its last change is more than
    ``older_than_seconds`` old (never, if None). A file someone holds a lock on stays. Best effort:
    what cannot be read or removed is left.
    """
    patterns = list(patterns)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = next((m for p in patterns if (m := p.fullmatch(entry.name))), None)
        try:
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = match.groupdict().get("pid")
            gone = None if pid is None else _process_gone(int(pid))
            if gone is None and older_than_seconds is not None:
                gone = now - entry.stat(follow_symlinks=False).st_mtime > older_than_seconds
            if gone and not _locked(entry.path):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _process_gone(pid: int) -> bool | None:
    """Whether no process ``pid`` exists; None if that cannot be told safely here."""
    if os.name != "posix" or not 0 < pid < 1 << 31:  # on Windows os.kill(pid, 0) would end the process
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, and is someone else's
        return False
    return False


def _lock(fd: int) -> None:
    """Mark the file as being written, for as long as ``fd`` is open (best effort)."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # e.g. a network folder without locking: the pid in the name still holds
            pass


def _locked(path: str) -> bool:
    """Whether a process holds a lock on ``path`` (or it cannot be opened to find out)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # shared: all a read-only descriptor may take
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _copy_permissions(target: Path, tmp: Path) -> None:
    """mkstemp makes files only the owner can read: give the file the mode a plain open() would."""
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        pass


_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        current = os.umask(0o022)  # reading the umask means setting it; put it straight back
        os.umask(current)
        _UMASK = current
    return _UMASK


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

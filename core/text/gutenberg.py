"""Plain-text ebooks from Project Gutenberg, ready to train on.

:func:`fetch` downloads ``{mirror}/cache/epub/{ID}/pg{ID}.txt`` (the UTF-8 plain text) for each id with
``urllib``, keeps the raw download in a cache folder, and writes ``out_dir/pg{ID}.txt``: the book's text
with Project Gutenberg's header and licence footer removed (by :func:`core.text.corpus.iter_text`, the same
rule training applies to any file). Output files are named by id, not title: the name is known before
the download, stays the same on every mirror and needs no cleaning for the file system.

The cache folder is, in order: the ``cache_dir`` argument; ``$EMBEDDING_STUDIO_CACHE/gutenberg``;
``platformdirs.user_cache_dir("embedding-studio")/gutenberg``. A book found there is not downloaded
again. Downloads go to a temporary file in that folder, which replaces the cached name only once
complete, so an interrupted or failed download never counts as cached.

Every failure (no network, a timeout, HTTP errors, 404 for an unknown id, a file over ``max_bytes``, a
connection cut mid-way, an invalid id) raises :class:`GutenbergError` with one line.
"""

from __future__ import annotations

import http.client
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

from ..errors import StudioError

DEFAULT_MIRROR = "https://www.gutenberg.org"
DEFAULT_MAX_BYTES = 64 << 20
CACHE_ENV = "EMBEDDING_STUDIO_CACHE"
USER_AGENT = "embedding-studio/0.1 (+word2vec training on public-domain texts)"
_CHUNK = 1 << 16

# The five Dostoevsky books of the article (Project Gutenberg ids).
ARTICLE_BOOKS: dict[int, str] = {
    28054: "The Brothers Karamazov",
    2638: "The Idiot",
    8117: "The Possessed",
    600: "Notes from the Underground",
    40745: "Short Stories",
}

#: ``progress(ebook_id, bytes_done, bytes_total)``; ``bytes_total`` is None when the server does not
#: say. Called as the download proceeds and once more when the book is done (done == total then).
FetchProgress = Callable[[int, int, "int | None"], None]


class GutenbergError(StudioError):
    """A book that could not be fetched: bad id, no network, missing ebook, too large, cut off."""


def parse_ids(values: Iterable[str | int]) -> list[int]:
    """Ebook ids from user input: positive integers, or the word ``article`` for :data:`ARTICLE_BOOKS`.

    Duplicates are dropped, the order kept.
    """
    ids: list[int] = []
    for value in values:
        if isinstance(value, str) and value.strip().lower() == "article":
            candidates = list(ARTICLE_BOOKS)
        else:
            candidates = [_check_id(value)]
        for ebook in candidates:
            if ebook not in ids:
                ids.append(ebook)
    return ids


def _check_id(value: str | int) -> int:
    if isinstance(value, bool):
        raise GutenbergError(f"invalid ebook id {value!r}: expected a positive whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isdigit() or not text.isascii():
            raise GutenbergError(
                f"invalid ebook id {str(value)[:40]!r}: expected a positive whole number such as 2638 "
                "(or 'article')"
            )
        number = int(text)
    if not 0 < number < 10**8:
        raise GutenbergError(f"invalid ebook id {value!r}: expected a positive whole number")
    return number


def cache_folder(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where raw downloads are kept (see the module notes)."""
    if cache_dir is not None:
        return Path(cache_dir)
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root) / "gutenberg"
    import platformdirs

    return Path(platformdirs.user_cache_dir("embedding-studio")) / "gutenberg"


def book_url(ebook: int, mirror: str = DEFAULT_MIRROR) -> str:
    return f"{_check_mirror(mirror)}/cache/epub/{ebook}/pg{ebook}.txt"


def fetch(
    ids: Iterable[int | str],
    out_dir: str | os.PathLike,
    mirror: str = DEFAULT_MIRROR,
    progress: FetchProgress | None = None,
    timeout: float = 30,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache_dir: str | os.PathLike | None = None,
) -> list[Path]:
    """Download (or take from the cache) each ebook and write its text, boilerplate removed.

    Returns the written files, ``out_dir/pg{ID}.txt``, in the order of ``ids``. Books already written
    before a failure stay written; the failing one leaves nothing behind.
    """
    from ..files import atomic_write

    ebooks = parse_ids(ids)
    if not ebooks:
        raise GutenbergError("no ebook ids were given")
    mirror = _check_mirror(mirror)
    if not (timeout > 0):
        raise GutenbergError(f"the timeout must be positive, got {timeout}")
    out = Path(out_dir)
    cache = cache_folder(cache_dir)
    for folder, what in ((out, "output"), (cache, "cache")):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GutenbergError(f"cannot create the {what} folder '{folder}': {error.strerror or error}") from None
    report = progress or (lambda ebook, done, total: None)
    written: list[Path] = []
    for ebook in ebooks:
        raw = cache / f"pg{ebook}.txt"
        if raw.is_file() and raw.stat().st_size > 0:
            size = raw.stat().st_size
            report(ebook, size, size)
        else:
            _download(ebook, book_url(ebook, mirror), raw, report, timeout, max_bytes)
        target = out / f"pg{ebook}.txt"
        try:
            with atomic_write(target, "w") as handle:
                for piece in _clean_text(raw):
                    handle.write(piece)
        except OSError as error:
            raise GutenbergError(f"cannot write '{target}': {error.strerror or error}") from None
        written.append(target)
    return written


def _clean_text(raw: Path):
    """The book's text without Project Gutenberg's header and footer (core.text.corpus's rule)."""
    from .corpus import iter_text

    return iter_text(raw)


def _download(ebook: int, url: str, raw: Path, report: FetchProgress, timeout: float, max_bytes: int) -> None:
    """Stream ``url`` into ``raw`` through a temporary file; any failure -> GutenbergError."""
    from ..files import atomic_write

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.strip().isdigit() else None
            if total is not None and total > max_bytes:
                raise GutenbergError(
                    f"ebook {ebook} is {_size(total)}, over the {_size(max_bytes)} limit ({url})"
                )
            done = 0
            head = b""
            report(ebook, 0, total)
            with atomic_write(raw, "wb") as handle:
                while chunk := response.read(_CHUNK):
                    done += len(chunk)
                    if done > max_bytes:
                        raise GutenbergError(
                            f"ebook {ebook} is over the {_size(max_bytes)} limit; download stopped ({url})"
                        )
                    handle.write(chunk)
                    if len(head) < 1024:
                        head += chunk[:1024]
                    report(ebook, done, total)
                if total is not None and done < total:
                    raise GutenbergError(
                        f"the connection to {host} was cut after {_size(done)} of {_size(total)} "
                        f"(ebook {ebook}); try again"
                    )
                if done == 0:
                    raise GutenbergError(f"ebook {ebook}: {url} sent an empty file")
                if _looks_like_html(head):
                    raise GutenbergError(
                        f"ebook {ebook}: {url} sent a web page, not a plain-text ebook (wrong mirror?)"
                    )
            report(ebook, done, done)
    except GutenbergError:
        raise
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise GutenbergError(f"no such ebook: {ebook} ({url} answered 404 Not Found)") from None
        raise GutenbergError(f"ebook {ebook}: {url} answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise GutenbergError(f"ebook {ebook}: {host} did not answer within {timeout:g} s") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise GutenbergError(f"ebook {ebook}: cannot reach {host} ({text}); are you online?") from None
    except (TimeoutError, socket.timeout):
        raise GutenbergError(f"ebook {ebook}: {host} stopped answering for {timeout:g} s (timed out)") from None
    except http.client.HTTPException as error:  # IncompleteRead, BadStatusLine, ...
        raise GutenbergError(
            f"ebook {ebook}: the download from {host} failed ({type(error).__name__}); try again"
        ) from None
    except OSError as error:  # connection reset, or the cache folder cannot be written
        text = error.strerror or str(error) or type(error).__name__
        raise GutenbergError(f"ebook {ebook}: the download failed ({text})") from None


def _looks_like_html(head: bytes) -> bool:
    """Some mirrors answer a missing file with a web page and status 200."""
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _check_mirror(mirror: str) -> str:
    mirror = str(mirror).strip().rstrip("/")
    parts = urllib.parse.urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GutenbergError(f"invalid mirror {mirror!r}: expected an http:// or https:// address")
    return mirror


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1 << 20:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1 << 20):.1f} MB"

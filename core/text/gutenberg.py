"""Plain-text ebooks from Project Gutenberg, ready to train on.

:func:`fetch` downloads ``{mirror}/cache/epub/{ID}/pg{ID}.txt`` (the UTF-8 plain text) for each id with
``urllib``, keeps the raw download in a cache folder, and writes ``out_dir/pg{ID}.txt``: the book's text
with Project Gutenberg's header and licence footer removed (by :func:`core.text.decoding.iter_text`, the same
rule training applies to any file). Output files are named by id, not title: the name is known before
the download, stays the same on every mirror and needs no cleaning for the file system.

The cache folder is, in order: the ``cache_dir`` argument; ``$EMBEDDING_STUDIO_CACHE/gutenberg``;
``platformdirs.user_cache_dir("embedding-studio")/gutenberg``. A book found there is not downloaded
again. Downloads go to a temporary file in that folder, which replaces the cached name only once
complete, so an interrupted or failed download never counts as cached.

Every failure (no network, a timeout, HTTP errors, 404 for an unknown id, a file over ``max_bytes``, a
connection cut mid-way, an invalid id) raises :class:`GutenbergError` with one line. So does an answer
that is no plain-text book: a web page, a compressed file nobody asked for, binary data; and a
redirect to anything but http(s). ``timeout`` bounds each wait for the server and a deadline the
whole download, since a server sending a byte now and then never trips a per-read timeout.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

from ..errors import StudioError

DEFAULT_MIRROR = "https://www.gutenberg.org"
DEFAULT_MAX_BYTES = 64 << 20
#: Longest wait for the server, in seconds: anything longer is a typo (and ``inf`` cannot be passed on
#: to a socket at all).
MAX_TIMEOUT = 3600.0
#: Unless told otherwise, a whole download may take this many times the timeout.
DEADLINE_FACTOR = 10
CACHE_ENV = "EMBEDDING_STUDIO_CACHE"
USER_AGENT = "embedding-studio/0.1 (+word2vec training on public-domain texts)"
_CHUNK = 1 << 16
_SNIFF = 8192  # bytes of the body judged before the rest is believed to be a book
_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|script)[\s>]", re.IGNORECASE)

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
    deadline: float | None = None,
) -> list[Path]:
    """Download (or take from the cache) each ebook and write its text, boilerplate removed.

    ``timeout`` is the longest wait for the server, ``deadline`` the longest one book's download may
    take in all (default :data:`DEADLINE_FACTOR` times ``timeout``), in seconds. Returns the written
    files, ``out_dir/pg{ID}.txt``, in the order of ``ids``. Books already written before a failure
    stay written; the failing one leaves nothing behind.
    """
    from ..files import atomic_write

    ebooks = parse_ids(ids)
    if not ebooks:
        raise GutenbergError("no ebook ids were given")
    mirror = _check_mirror(mirror)
    if not 0 < timeout <= MAX_TIMEOUT:
        raise GutenbergError(f"the timeout must be above 0 and at most {MAX_TIMEOUT:g} seconds, got {timeout:g}")
    deadline = DEADLINE_FACTOR * timeout if deadline is None else deadline
    if not 0 < deadline <= DEADLINE_FACTOR * MAX_TIMEOUT:
        raise GutenbergError(f"the deadline must be above 0 and at most {DEADLINE_FACTOR * MAX_TIMEOUT:g} "
                             f"seconds, got {deadline:g}")
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
            _download(ebook, book_url(ebook, mirror), raw, report, timeout, deadline, max_bytes)
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
    """The book's text without Project Gutenberg's header and footer (core.text.decoding's rule)."""
    from .decoding import iter_text

    return iter_text(raw)


def _download(ebook: int, url: str, raw: Path, report: FetchProgress, timeout: float, deadline: float,
              max_bytes: int) -> None:
    """Stream ``url`` into ``raw`` through a temporary file; any failure -> GutenbergError."""
    from ..files import atomic_write

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    asked = _Redirects(ebook, url)  # messages name the address last asked, after any redirect
    stop_at = time.monotonic() + deadline
    try:
        with urllib.request.build_opener(asked).open(request, timeout=timeout) as response:
            _check_headers(ebook, asked.url, response.headers)
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.strip().isdigit() else None
            if total is not None and total > max_bytes:
                raise GutenbergError(
                    f"ebook {ebook} is {_size(total)}, over the {_size(max_bytes)} limit ({asked.url})"
                )
            done = 0
            head = b""
            report(ebook, 0, total)
            with atomic_write(raw, "wb") as handle:
                while chunk := response.read1(_CHUNK):  # what has arrived: a slow server can't hold us
                    done += len(chunk)
                    if done > max_bytes:
                        raise GutenbergError(
                            f"ebook {ebook} is over the {_size(max_bytes)} limit; download stopped ({asked.url})"
                        )
                    handle.write(chunk)
                    if len(head) < _SNIFF:
                        head += chunk[: _SNIFF - len(head)]
                        if len(head) == _SNIFF:
                            _check_body(ebook, asked.url, head)
                    report(ebook, done, total)
                    if time.monotonic() > stop_at:
                        raise GutenbergError(
                            f"ebook {ebook}: the download from {asked.host} took over {deadline:g} s "
                            f"({_size(done)} so far); stopped"
                        )
                if total is not None and done < total:
                    raise GutenbergError(
                        f"the connection to {asked.host} was cut after {_size(done)} of {_size(total)} "
                        f"(ebook {ebook}); try again"
                    )
                if done == 0:
                    raise GutenbergError(f"ebook {ebook}: {asked.url} sent an empty file")
                if len(head) < _SNIFF:
                    _check_body(ebook, asked.url, head)
            report(ebook, done, done)
    except GutenbergError:
        raise
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise GutenbergError(f"no such ebook: {ebook} ({asked.url} answered 404 Not Found)") from None
        raise GutenbergError(f"ebook {ebook}: {asked.url} answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise GutenbergError(f"ebook {ebook}: {asked.host} did not answer within {timeout:g} s") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise GutenbergError(f"ebook {ebook}: cannot reach {asked.host} ({text}); are you online?") from None
    except (TimeoutError, socket.timeout):
        raise GutenbergError(
            f"ebook {ebook}: {asked.host} stopped answering for {timeout:g} s (timed out)") from None
    except http.client.HTTPException as error:  # IncompleteRead, BadStatusLine, ...
        raise GutenbergError(
            f"ebook {ebook}: the download from {asked.host} failed ({type(error).__name__}); try again"
        ) from None
    except OSError as error:  # connection reset, or the cache folder cannot be written
        text = error.strerror or str(error) or type(error).__name__
        raise GutenbergError(f"ebook {ebook}: the download failed ({text})") from None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, to http(s) addresses only (it would follow ftp://), remembering the last one."""

    def __init__(self, ebook: int, url: str) -> None:
        self.ebook = ebook
        self.url = url

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("Location") or headers.get("URI")
        if target:
            new_url = urllib.parse.urljoin(req.full_url, target.strip())
            if urllib.parse.urlsplit(new_url).scheme.lower() not in ("http", "https"):
                fp.close()
                raise GutenbergError(f"ebook {self.ebook}: {req.full_url} redirected to {new_url[:200]}, "
                                     "which is not an http:// or https:// address; not followed")
            self.url = new_url
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _check_headers(ebook: int, url: str, headers) -> None:
    """Refuse, before the body, what the server says is a web page or compressed (we ask for neither)."""
    if headers.get_content_type() == "text/html":
        raise GutenbergError(f"ebook {ebook}: {url} sent a web page, not a plain-text ebook (wrong mirror?)")
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise GutenbergError(f"ebook {ebook}: {url} sent the book compressed ({encoding}), which was not "
                             "asked for")


def _check_body(ebook: int, url: str, head: bytes) -> None:
    """Refuse a body whose start is no plain text: a web page, a gzip file, binary data."""
    from .decoding import text_problem

    if _looks_like_html(head):
        raise GutenbergError(f"ebook {ebook}: {url} sent a web page, not a plain-text ebook (wrong mirror?)")
    if head.startswith(b"\x1f\x8b"):
        raise GutenbergError(f"ebook {ebook}: {url} sent a gzip-compressed file, which was not asked for")
    problem = text_problem(head)
    if problem:
        raise GutenbergError(f"ebook {ebook}: what {url} sent {problem}")


def _looks_like_html(head: bytes) -> bool:
    """Some mirrors answer a missing file with a web page and status 200: markup first (after space or a
    comment) and an HTML tag within the first bytes."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and _HTML.search(head) is not None


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

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
whole exchange, status line and headers included, since a server sending a byte now and then never
trips a per-read timeout: when it passes, a timer shuts the connection, whatever is being read.

A mirror may carry a user name and password (``https://user:pass@host``): they are sent, as HTTP basic
authentication, only to that host when it asks, and never appear in a message.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

from ..errors import CorpusError, StudioError

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
_WORD = re.compile(r"\w")  # a book with not one letter or digit left is empty
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
    """A book that could not be fetched: bad id, no network, missing ebook, too large, cut off.

    Its message is one line of printable text, whatever a server put in what it quotes.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


def _one_line(text: str) -> str:
    """``text`` with line breaks, tabs and other control characters (terminal escapes) as spaces."""
    return " ".join(_CONTROLS.sub(" ", str(text)).split())


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


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
                words = False
                for piece in _clean_text(raw):
                    handle.write(piece)
                    words = words or _WORD.search(piece) is not None
                if not words:  # e.g. an "*** END OF" line first: an empty book is no download to keep
                    raw.unlink(missing_ok=True)
                    raise GutenbergError(
                        f"ebook {ebook}: nothing is left of it once Project Gutenberg's header and footer "
                        "are left out (an '*** END OF' line before any text?); nothing was saved")
        except CorpusError as error:  # the cached file is not text after all (a NUL byte late in it)
            raw.unlink(missing_ok=True)
            raise GutenbergError(f"ebook {ebook}: {error}") from None
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
    url, password = _without_credentials(url)
    asked = _Redirects(ebook, url)  # messages name the address last asked, after any redirect
    clock = _Deadline(deadline)
    handlers: list = [asked, _TimedHTTP(clock), _TimedHTTPS(clock)]
    if password is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        parts = urllib.parse.urlsplit(url)  # for the mirror only: not for a redirect to another host
        manager.add_password(None, f"{parts.scheme}://{parts.netloc}/", *password)
        handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    received = [0]
    try:
        try:
            _receive(ebook, urllib.request.build_opener(*handlers), url, raw, report, timeout, max_bytes, asked,
                     clock, received)
        finally:
            clock.cancel()
    except Exception as error:
        if clock.expired:  # whatever the shut connection made the reading raise
            raise GutenbergError(f"ebook {ebook}: the download from {asked.host} took over {deadline:g} s "
                                 f"({_size(received[0])} so far); stopped") from None
        if isinstance(error, GutenbergError):
            raise
        translated = _translate(error, ebook, asked, timeout)
        if translated is None:
            raise
        raise translated from None


def _receive(ebook: int, opener: urllib.request.OpenerDirector, url: str, raw: Path, report: FetchProgress,
             timeout: float, max_bytes: int, asked: "_Redirects", clock: "_Deadline", received: list[int]) -> None:
    """The exchange itself: the answer checked, its body streamed into ``raw`` (``received[0]``: bytes so far)."""
    from ..files import atomic_write
    from .decoding import WIDE_ENCODINGS, nul_problem, sniff_encoding

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=timeout) as response:
        total = _check_headers(ebook, asked.url, response.headers)
        if total is not None and total > max_bytes:
            raise GutenbergError(
                f"ebook {ebook} is {_size(total)}, over the {_size(max_bytes)} limit ({asked.url})"
            )
        done = 0
        head = b""
        narrow = True  # not UTF-16/32, so a NUL byte means it is not text
        report(ebook, 0, total)
        with atomic_write(raw, "wb") as handle:
            while chunk := response.read1(_CHUNK):  # what has arrived: a slow server can't hold us
                nul = chunk.find(b"\x00")
                if len(head) == _SNIFF and narrow and nul >= 0:
                    raise GutenbergError(f"ebook {ebook}: what {asked.url} sent {nul_problem(done + nul)}")
                done += len(chunk)
                received[0] = done
                if done > max_bytes:
                    raise GutenbergError(
                        f"ebook {ebook} is over the {_size(max_bytes)} limit; download stopped ({asked.url})"
                    )
                handle.write(chunk)
                if len(head) < _SNIFF:
                    head += chunk[: _SNIFF - len(head)]
                    if len(head) == _SNIFF:
                        _check_body(ebook, asked.url, head)
                        narrow = sniff_encoding(head) not in WIDE_ENCODINGS
                        if narrow and nul >= 0:  # past the sample (in it, _check_body said binary)
                            raise GutenbergError(f"ebook {ebook}: what {asked.url} sent "
                                                 f"{nul_problem(done - len(chunk) + nul)}")
                report(ebook, done, total)
                clock.check()
            clock.check()  # the end may be the connection the deadline shut
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


def _translate(error: Exception, ebook: int, asked: "_Redirects", timeout: float) -> GutenbergError | None:
    """The one-line message for what urllib and http.client raise (None: not theirs, a bug)."""
    if isinstance(error, urllib.error.HTTPError):
        if error.code == 404:
            return GutenbergError(f"no such ebook: {ebook} ({asked.url} answered 404 Not Found)")
        if 300 <= error.code < 400:  # urllib stops a loop, or a tenth redirect
            return GutenbergError(f"ebook {ebook}: {asked.url} redirects in a loop (or more than "
                                  f"{urllib.request.HTTPRedirectHandler.max_redirections} times); stopped")
        if error.code == 401:
            return GutenbergError(f"ebook {ebook}: {asked.url} answered HTTP 401 {error.reason}: it wants a "
                                  "user name and password (https://user:password@host) or other ones")
        return GutenbergError(f"ebook {ebook}: {asked.url} answered HTTP {error.code} {error.reason}")
    if isinstance(error, urllib.error.URLError):
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return GutenbergError(f"ebook {ebook}: {asked.host} did not answer within {timeout:g} s")
        if isinstance(reason, http.client.HTTPException):
            return GutenbergError(f"ebook {ebook}: the download from {asked.host} failed "
                                  f"({type(reason).__name__}); try again")
        text = getattr(reason, "strerror", None) or str(reason)
        return GutenbergError(f"ebook {ebook}: cannot reach {asked.host} ({text}); are you online?")
    if isinstance(error, (TimeoutError, socket.timeout)):
        return GutenbergError(f"ebook {ebook}: {asked.host} stopped answering for {timeout:g} s (timed out)")
    if isinstance(error, http.client.HTTPException):  # IncompleteRead, BadStatusLine, ...
        return GutenbergError(f"ebook {ebook}: the download from {asked.host} failed ({type(error).__name__}); "
                              "try again")
    if isinstance(error, OSError):  # connection reset, or the cache folder cannot be written
        text = error.strerror or str(error) or type(error).__name__
        return GutenbergError(f"ebook {ebook}: the download failed ({text})")
    return None


class _Deadline:
    """The whole exchange's time limit: a timer that shuts every connection it was given when it passes.

    A per-read timeout cannot bound a server that sends its status line and headers a byte at a time
    (http.client reads them line by line, with no hook between reads); shutting the socket from another
    thread ends whatever read is waiting on it, and :attr:`expired` tells why.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._started = time.monotonic()
        self._timer.start()

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)
        return sock

    def check(self) -> None:
        """Raise if the time is up (the caller names it): a shut connection may look like a normal end."""
        if self.expired or time.monotonic() - self._started > self.seconds:
            self.expired = True
            raise TimeoutError("deadline")

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True  # before the sockets shut: a read they end must find it set
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End every read and write on ``sock`` now, from any thread (an SSL socket's own shutdown would
    unwrap TLS under the reading thread's feet: the plain socket's is called)."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # already closed, or never connected
        pass


def _timed(base: type[http.client.HTTPConnection], clock: _Deadline) -> type[http.client.HTTPConnection]:
    """``base`` with its sockets given to ``clock``: the plain one before TLS, and the TLS one."""

    class Timed(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection
            self._create_connection = lambda *a, **k: clock.watch(create(*a, **k))

        def connect(self) -> None:
            if not isinstance(self, http.client.HTTPSConnection):
                super().connect()
                return
            http.client.HTTPConnection.connect(self)  # the plain socket, watched
            host = self._tunnel_host or self.host  # as http.client does, with the handshake watched too
            self.sock = clock.watch(self._context.wrap_socket(self.sock, server_hostname=host,
                                                              do_handshake_on_connect=False))
            self.sock.do_handshake()

    return Timed


class _TimedHTTP(urllib.request.HTTPHandler):
    def __init__(self, clock: _Deadline) -> None:
        super().__init__()
        self._connection = _timed(http.client.HTTPConnection, clock)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _TimedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, clock: _Deadline) -> None:
        super().__init__()
        self._connection = _timed(http.client.HTTPSConnection, clock)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, to http(s) addresses only (it would follow ftp://), remembering the last one."""

    def __init__(self, ebook: int, url: str) -> None:
        self.ebook = ebook
        self.url = _public(url)

    @property
    def host(self) -> str:
        try:
            return urllib.parse.urlsplit(self.url).netloc
        except ValueError:  # a server's Location may be anything
            return self.url[:200]

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("Location") or headers.get("URI")
        if target:
            new_url = urllib.parse.urljoin(req.full_url, target.strip())
            if _scheme(new_url) not in ("http", "https"):
                fp.close()
                raise GutenbergError(f"ebook {self.ebook}: {_public(req.full_url)} redirected to "
                                     f"{_public(new_url)[:200]}, which is not an http:// or https:// address; "
                                     "not followed")
            self.url = _public(new_url)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _check_headers(ebook: int, url: str, headers) -> int | None:
    """The declared length (None: not said); refuse, before the body, what the server says is a web page
    or compressed (we ask for neither), and lengths that disagree: http.client believes the first, so
    ``Content-Length: 10`` before the real one would make a 10-byte book."""
    lengths = {value.strip() for value in headers.get_all("Content-Length") or []}
    if len(lengths) > 1:
        shown = ", ".join(sorted(lengths, key=len))[:100]
        raise GutenbergError(f"ebook {ebook}: {url} sent two different Content-Length headers ({shown}); "
                             "its size cannot be trusted, so nothing was saved")
    if headers.get_content_type() == "text/html":
        raise GutenbergError(f"ebook {ebook}: {url} sent a web page, not a plain-text ebook (wrong mirror?)")
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise GutenbergError(f"ebook {ebook}: {url} sent the book compressed ({encoding[:40]}), which was not "
                             "asked for")
    (length,) = lengths or {None}
    return int(length) if length and length.isdigit() else None


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
    """The mirror without a trailing slash; GutenbergError (credentials left out) for anything but a
    plain http(s) address: a malformed one would otherwise fail deep inside urllib."""
    mirror = str(mirror).strip().rstrip("/")
    problem = None
    try:
        parts = urllib.parse.urlsplit(mirror)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "expected an http:// or https:// address"
        elif parts.port is None and parts.netloc.endswith(":"):
            problem = "the port is missing after the colon"
    except ValueError as error:  # an unclosed [ or a port that is no number from 0 to 65535
        problem = str(error).rstrip(".")
    if problem is None and re.search(r"[\s\x00-\x1f\x7f]", mirror):
        problem = "it contains spaces or control characters"
    if problem:
        raise GutenbergError(f"invalid mirror {_public(mirror)[:200]!r}: {problem}")
    return mirror


def _public(url: str) -> str:
    """``url`` without a user name and password (up to the last @ before the host ends)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1", str(url))


def _scheme(url: str) -> str:
    return url.partition(":")[0].lower() if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) else ""


def _without_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The address to ask, and the (user, password) it carried, if any (percent-decoded)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    credentials = (urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or ""))
    return _public(url), credentials


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1 << 20:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1 << 20):.1f} MB"

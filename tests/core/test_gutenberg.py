"""Fetching Project Gutenberg texts, against a local HTTP server: nothing here reaches the network."""

from __future__ import annotations

import gzip
import http.server
import math
import re
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.gutenberg import ARTICLE_BOOKS, GutenbergError, cache_folder, fetch, parse_ids

HEADER = (
    "\ufeffThe Project Gutenberg eBook of A Test Book\n\n"
    "This eBook is for the use of anyone anywhere.\n\n"
    "Title: A Test Book\n\n"
    "*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***\n"
)
FOOTER = "*** END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***\n\nLicence text that must go.\n"


def fake_ebook(ebook: int, paragraphs: int = 200) -> bytes:
    body = "".join(f"Chapter {i}. Alyosha walked to the monastery, thinking of book {ebook}.\n\n"
                   for i in range(paragraphs))
    return (HEADER + body + FOOTER).encode("utf-8")


BOOKS = {1: fake_ebook(1), 2: fake_ebook(2, 5000)}  # the second one is ~350 KB: several chunks
SLOW_HEADERS, SLOW_BODY, HUGE_DECLARED, HUGE_STREAM, CUT, HTML, SERVER_ERROR = 7, 70, 8, 9, 10, 11, 12


class FakeGutenberg:
    """``/cache/epub/{id}/pg{id}.txt`` on 127.0.0.1, with special ids for every kind of failure."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.release = threading.Event()  # ends the slow answers at teardown
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                owner.requests.append(self.path)
                match = re.fullmatch(r"/cache/epub/(\d+)/pg(\d+)\.txt", self.path)
                ebook = int(match.group(1)) if match and match.group(1) == match.group(2) else -1
                try:
                    owner.answer(self, ebook)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, h: http.server.BaseHTTPRequestHandler, ebook: int) -> None:
        def start(length: int | None) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/plain; charset=utf-8")
            if length is not None:
                h.send_header("Content-Length", str(length))
            h.end_headers()

        if ebook in BOOKS:
            start(len(BOOKS[ebook]))
            h.wfile.write(BOOKS[ebook])
        elif ebook == SLOW_HEADERS:
            self.release.wait(10)
        elif ebook == SLOW_BODY:
            start(100_000)
            h.wfile.write(b"x" * 1000)
            h.wfile.flush()
            self.release.wait(10)
        elif ebook == HUGE_DECLARED:
            start(10 << 20)
            h.wfile.write(b"x" * 1000)
        elif ebook == HUGE_STREAM:  # no Content-Length: only the reader's cap can stop it
            start(None)
            for _ in range(200):
                h.wfile.write(b"y" * 65536)
        elif ebook == CUT:
            start(100_000)
            h.wfile.write(fake_ebook(CUT)[:5000])
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        elif ebook == HTML:
            page = b"<!DOCTYPE html><html><body>Not here</body></html>"
            start(len(page))
            h.wfile.write(page)
        elif ebook == SERVER_ERROR:
            h.send_error(503, "Service Unavailable")
        else:
            h.send_error(404, "Not Found")

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    fake = FakeGutenberg()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch) -> Path:
    """Every test gets its own cache folder, and no proxy can intercept 127.0.0.1."""
    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(tmp_path / "cache-root"))
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    return tmp_path / "cache-root" / "gutenberg"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- success -----------------------------------------------------------------------------------


def test_fetch_strips_header_and_footer_and_reports_progress(server, tmp_path, private_cache):
    calls = []
    paths = fetch([1, "2"], tmp_path / "out", mirror=server.url + "/", progress=lambda *a: calls.append(a))
    assert paths == [tmp_path / "out" / "pg1.txt", tmp_path / "out" / "pg2.txt"]
    text = paths[0].read_text(encoding="utf-8")
    assert text.startswith("Chapter 0. Alyosha")
    assert "START OF" not in text and "END OF" not in text and "Licence" not in text and "Title:" not in text
    assert text.count("Alyosha") == 200
    # the raw download is cached as it came
    assert (private_cache / "pg1.txt").read_bytes() == BOOKS[1]
    assert leftovers(private_cache) == ["pg1.txt", "pg2.txt"]
    # progress: (id, done, total), growing, ending at the size
    book2 = [c for c in calls if c[0] == 2]
    assert len(book2) > 3
    assert [c[1] for c in book2] == sorted(c[1] for c in book2)
    assert book2[-1] == (2, len(BOOKS[2]), len(BOOKS[2]))
    assert all(c[2] == len(BOOKS[2]) for c in book2)


def test_a_cached_book_is_not_downloaded_again(server, tmp_path):
    fetch([1], tmp_path / "a", mirror=server.url)
    assert len(server.requests) == 1
    calls = []
    assert fetch([1], tmp_path / "b", mirror="http://127.0.0.1:9", progress=lambda *a: calls.append(a))
    assert len(server.requests) == 1  # and the unreachable mirror was never asked
    assert calls == [(1, len(BOOKS[1]), len(BOOKS[1]))]
    assert (tmp_path / "b" / "pg1.txt").read_text() == (tmp_path / "a" / "pg1.txt").read_text()


def test_cache_folder_choice(tmp_path, monkeypatch):
    assert cache_folder(tmp_path / "x") == tmp_path / "x"
    assert cache_folder() == tmp_path / "cache-root" / "gutenberg"
    monkeypatch.delenv("EMBEDDING_STUDIO_CACHE")
    assert cache_folder().parts[-1] == "gutenberg" and "embedding-studio" in str(cache_folder())


def test_explicit_cache_dir(server, tmp_path, private_cache):
    fetch([1], tmp_path / "out", mirror=server.url, cache_dir=tmp_path / "mine")
    assert leftovers(tmp_path / "mine") == ["pg1.txt"] and not private_cache.exists()


def test_ids_and_the_article_preset():
    assert parse_ids(["article"]) == list(ARTICLE_BOOKS)
    assert parse_ids([600, "600", " 2638 ", "ARTICLE"]) == [600, 2638, 28054, 8117, 40745]
    assert set(ARTICLE_BOOKS) == {28054, 2638, 8117, 600, 40745}


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["abc", "-5", "0", "2.5", "", "١٢", True, 10**9])
def test_invalid_ids(bad, tmp_path, server):
    with pytest.raises(GutenbergError, match="invalid ebook id"):
        fetch([bad], tmp_path / "out", mirror=server.url)
    assert server.requests == []


def expect_failure(server, tmp_path, private_cache, ebook, pattern, **kwargs) -> str:
    out = tmp_path / "out"
    with pytest.raises(GutenbergError) as info:
        fetch([ebook], out, mirror=server.url, **kwargs)
    message = str(info.value)
    assert isinstance(info.value, StudioError) and "\n" not in message
    assert re.search(pattern, message), message
    assert leftovers(private_cache) == []  # nothing cached, not even a temporary file
    assert leftovers(out) == []
    return message


def test_missing_ebook_is_404(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, 404404, r"no such ebook: 404404")


def test_other_http_errors(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, SERVER_ERROR, r"HTTP 503")


def test_timeout_before_the_answer(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, SLOW_HEADERS, r"0\.3 s", timeout=0.3)


def test_timeout_in_the_middle_of_the_body(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, SLOW_BODY, r"timed out|0\.3 s", timeout=0.3)


def test_declared_size_over_the_cap(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, HUGE_DECLARED, r"over the .* limit", max_bytes=100_000)


def test_endless_body_is_cut_at_the_cap(server, tmp_path, private_cache):
    calls = []
    expect_failure(server, tmp_path, private_cache, HUGE_STREAM, r"over the .* limit",
                   max_bytes=200_000, progress=lambda *a: calls.append(a))
    assert max(c[1] for c in calls) <= 200_000  # it stopped reading there
    assert all(c[2] is None for c in calls)  # no Content-Length: total unknown


def test_connection_cut_mid_body_caches_nothing(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, CUT, r"cut|failed")
    # a later complete download works and is cached
    fetch([1], tmp_path / "out", mirror=server.url)
    assert leftovers(private_cache) == ["pg1.txt"]


def test_a_web_page_is_not_an_ebook(server, tmp_path, private_cache):
    expect_failure(server, tmp_path, private_cache, HTML, r"web page")


def test_no_network(tmp_path, private_cache):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(GutenbergError, match=r"cannot reach 127\.0\.0\.1:\d+ .*online"):
        fetch([1], tmp_path / "out", mirror=f"http://127.0.0.1:{port}")
    assert leftovers(private_cache) == []


@pytest.mark.parametrize("mirror", ["ftp://example.org", "gutenberg.org", ""])
def test_invalid_mirror(mirror, tmp_path):
    with pytest.raises(GutenbergError, match="invalid mirror"):
        fetch([1], tmp_path / "out", mirror=mirror)


def test_books_before_a_failure_stay_written(server, tmp_path):
    with pytest.raises(GutenbergError, match="no such ebook"):
        fetch([1, 404404, 2], tmp_path / "out", mirror=server.url)
    assert leftovers(tmp_path / "out") == ["pg1.txt"]


# --- deadlines, redirects, and answers that are no book ------------------------------------------

DRIP, COMMENT_PAGE, HTML_TYPE, GZIP_DECLARED, GZIP_SILENT, NOISE, TO_FTP, TO_FILE, TO_CLOSED, TO_BOOK, WIDE = range(
    20, 31)


class TrickyGutenberg(FakeGutenberg):
    """The fake mirror, with answers that trip a per-read timeout or are not a book. Every loop ends."""

    def __init__(self) -> None:
        super().__init__()
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            self.closed_port = s.getsockname()[1]

    def answer(self, h: http.server.BaseHTTPRequestHandler, ebook: int) -> None:
        def send(body: bytes, content_type: str = "text/plain; charset=utf-8", **headers: str) -> None:
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                h.send_header(name.replace("_", "-"), value)
            h.end_headers()
            h.wfile.write(body)

        def redirect(location: str) -> None:
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        if ebook == DRIP:  # a byte every 50 ms: each read is quick, the whole would take hours
            h.send_response(200)
            h.send_header("Content-Length", "1000000")
            h.end_headers()
            for _ in range(400):
                if self.release.wait(0.05):
                    break
                h.wfile.write(b"x")
                h.wfile.flush()
        elif ebook == COMMENT_PAGE:
            send(b"\n  <!-- mirror notice -->\n<HTML><body>moved</body></html>")
        elif ebook == HTML_TYPE:
            send(b"Mirror maintenance until Monday.", content_type="text/html")
        elif ebook == GZIP_DECLARED:
            send(gzip.compress(fake_ebook(1)), Content_Encoding="gzip")
        elif ebook == GZIP_SILENT:
            send(gzip.compress(fake_ebook(1)))
        elif ebook == NOISE:
            send(np.random.default_rng(0).integers(1, 256, 50_000, dtype=np.uint8).tobytes())
        elif ebook == TO_FTP:
            redirect(f"ftp://127.0.0.1:{self.closed_port}/pg{ebook}.txt")
        elif ebook == TO_FILE:
            redirect("file:///etc/passwd")
        elif ebook == TO_CLOSED:
            redirect(f"http://127.0.0.1:{self.closed_port}/cache/epub/{ebook}/pg{ebook}.txt")
        elif ebook == TO_BOOK:
            redirect("/cache/epub/1/pg1.txt")
        elif ebook == WIDE:
            send(fake_ebook(1).decode("utf-8").encode("utf-16"))
        else:
            super().answer(h, ebook)


@pytest.fixture
def tricky():
    fake = TrickyGutenberg()
    yield fake
    fake.close()


def test_a_server_sending_a_byte_now_and_then_meets_the_deadline(tricky, tmp_path, private_cache):
    started = time.monotonic()
    expect_failure(tricky, tmp_path, private_cache, DRIP, r"took over 1 s \(\d+ bytes so far\); stopped",
                   timeout=0.5, deadline=1.0)
    assert time.monotonic() - started < 5  # the per-read timeout alone never fires here


def test_the_deadline_defaults_to_ten_timeouts(tricky, tmp_path, private_cache):
    started = time.monotonic()
    expect_failure(tricky, tmp_path, private_cache, DRIP, r"took over 1 s", timeout=0.1)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("timeout", [math.inf, -math.inf, math.nan, 1e300, 0, 3601])
def test_absurd_timeouts_are_refused_before_any_request(tricky, tmp_path, timeout):
    with pytest.raises(GutenbergError, match=r"the timeout must be above 0 and at most 3600 seconds"):
        fetch([1], tmp_path / "out", mirror=tricky.url, timeout=timeout)
    with pytest.raises(GutenbergError, match=r"the deadline must be above 0"):
        fetch([1], tmp_path / "out", mirror=tricky.url, deadline=math.nan)
    assert tricky.requests == []


def test_redirects_are_followed_to_http_only(tricky, tmp_path, private_cache):
    (book,) = fetch([TO_BOOK], tmp_path / "ok", mirror=tricky.url, cache_dir=tmp_path / "ok-cache")
    assert book.read_text().startswith("Chapter 0.")
    for ebook in (TO_FTP, TO_FILE):
        message = expect_failure(tricky, tmp_path, private_cache, ebook,
                                 r"redirected to (ftp|file)://.* not an http:// or https:// address")
        assert f"{tricky.url}/cache/epub/{ebook}/pg{ebook}.txt redirected to" in message


def test_an_error_after_a_redirect_names_the_host_redirected_to(tricky, tmp_path, private_cache):
    message = expect_failure(tricky, tmp_path, private_cache, TO_CLOSED, r"cannot reach")
    assert f"127.0.0.1:{tricky.closed_port}" in message and tricky.url.split("//")[1] not in message


@pytest.mark.parametrize("ebook, pattern", [
    (COMMENT_PAGE, r"sent a web page"),
    (HTML_TYPE, r"sent a web page"),
    (GZIP_DECLARED, r"sent the book compressed \(gzip\), which was not asked for"),
    (GZIP_SILENT, r"sent a gzip-compressed file, which was not asked for"),
    (NOISE, r"what .* sent does not look like text: 1\d% of its first"),
])
def test_what_is_not_a_plain_text_book_is_not_saved(tricky, tmp_path, private_cache, ebook, pattern):
    expect_failure(tricky, tmp_path, private_cache, ebook, pattern)


def test_a_utf16_book_with_its_byte_order_mark_is_a_book(tricky, tmp_path):
    (path,) = fetch([WIDE], tmp_path / "out", mirror=tricky.url)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Chapter 0. Alyosha") and "END OF" not in text


# --- issue 25: the whole exchange under the deadline, odd headers, odd mirrors, odd bodies ----------

(TRICKLED_STATUS, TRICKLED_HEADERS, TWO_LENGTHS, ENDS_FIRST, LOOP, WIDE_NO_MARK, WIDE_LATE, ESCAPES,
 LOCKED, TO_ELSEWHERE) = range(40, 50)
LATE_UTF16 = ("plain text first. " * 600).encode("utf-8") + fake_ebook(1).decode("utf-8").encode("utf-16-le")


class OddGutenberg(TrickyGutenberg):
    """Answers that only a deadline over the whole exchange, or a careful reading of headers, catches."""

    elsewhere = ""  # another server's address, for TO_ELSEWHERE

    def answer(self, h: http.server.BaseHTTPRequestHandler, ebook: int) -> None:
        def trickle(data: bytes, pause: float) -> None:
            for i in range(len(data)):
                if self.release.wait(pause):
                    return
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()

        def raw(head: str, body: bytes) -> None:
            h.wfile.write(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body)

        if ebook == TRICKLED_STATUS:  # the status line and headers a byte at a time, each within the timeout
            trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"p" * 200 + b"\r\n\r\n", 0.1)
        elif ebook == TRICKLED_HEADERS:  # a whole header line every 0.2 s, a hundred of them
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(99):
                if self.release.wait(0.2):
                    return
                h.wfile.write(f"X-Slow-{i}: yes\r\n".encode())
                h.wfile.flush()
        elif ebook == TWO_LENGTHS:
            body = fake_ebook(1)
            raw(f"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 10\nContent-Length: {len(body)}\n",
                body)
        elif ebook == ENDS_FIRST:
            body = b"*** END OF THE PROJECT GUTENBERG EBOOK ***\n" + fake_ebook(1).split(b"***\n", 1)[1]
            raw(f"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: {len(body)}\n", body)
        elif ebook == LOOP:
            h.send_response(302)
            h.send_header("Location", f"/cache/epub/{LOOP}/pg{LOOP}.txt")
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif ebook in (WIDE_NO_MARK, WIDE_LATE):
            body = fake_ebook(1).decode("utf-8").lstrip("\ufeff").encode("utf-16-le") if ebook == WIDE_NO_MARK \
                else LATE_UTF16
            raw(f"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: {len(body)}\n", body)
        elif ebook == ESCAPES:
            raw("HTTP/1.1 503 Down\x1b[31mRED\x1b[0m for now\nContent-Length: 0\n", b"")
        elif ebook == TO_ELSEWHERE:
            h.send_response(302)
            h.send_header("Location", f"{self.elsewhere}/cache/epub/{LOCKED}/pg{LOCKED}.txt")
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif ebook == LOCKED:  # basic authentication, as a private mirror might ask
            self.requests.append(h.headers.get("Authorization") or "")
            if h.headers.get("Authorization") != "Basic dXNlcjpzM2NyZXQ=":  # user:s3cret
                h.send_response(401)
                h.send_header("WWW-Authenticate", 'Basic realm="mirror"')
                h.send_header("Content-Length", "0")
                h.end_headers()
            else:
                body = fake_ebook(1)
                raw(f"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: {len(body)}\n", body)
        else:
            super().answer(h, ebook)


@pytest.fixture
def odd():
    fake = OddGutenberg()
    yield fake
    fake.close()


@pytest.mark.parametrize("ebook", [TRICKLED_STATUS, TRICKLED_HEADERS])
def test_the_deadline_covers_the_status_line_and_headers(odd, tmp_path, private_cache, ebook):
    started = time.monotonic()
    expect_failure(odd, tmp_path, private_cache, ebook, r"took over 1 s \(0 bytes so far\); stopped",
                   timeout=2, deadline=1.0)  # a slow machine never trips the timeout first
    assert time.monotonic() - started < 3  # each byte came within the timeout: only a deadline stops it


def test_two_different_content_lengths_are_refused(odd, tmp_path, private_cache):
    expect_failure(odd, tmp_path, private_cache, TWO_LENGTHS, r"two different Content-Length")


def test_a_book_that_ends_before_it_starts_is_refused(odd, tmp_path, private_cache):
    expect_failure(odd, tmp_path, private_cache, ENDS_FIRST, r"nothing is left .*END OF")


def test_a_redirect_loop_is_one_line(odd, tmp_path, private_cache):
    expect_failure(odd, tmp_path, private_cache, LOOP, r"redirects in a loop")


def test_a_status_line_cannot_put_escapes_in_a_message(odd, tmp_path, private_cache):
    message = expect_failure(odd, tmp_path, private_cache, ESCAPES, r"HTTP 503")
    assert "\x1b" not in message


def test_utf16_without_a_byte_order_mark_is_a_book(odd, tmp_path):
    (path,) = fetch([WIDE_NO_MARK], tmp_path / "out", mirror=odd.url)
    assert path.read_text(encoding="utf-8").startswith("Chapter 0. Alyosha")


def test_utf16_after_8_kb_of_utf8_is_refused(odd, tmp_path, private_cache):
    expect_failure(odd, tmp_path, private_cache, WIDE_LATE, r"NUL bytes from byte 10803 on")  # its BOM, a T, then a NUL


@pytest.mark.parametrize("mirror", ["http://[::1", "http://[::1]:99999", "http://host:port", "http://",
                                    "http://ex ample.org", "http://exa\nmple.org", "http://host:"])
def test_a_malformed_mirror_is_one_line(mirror, tmp_path):
    with pytest.raises(GutenbergError, match="invalid mirror") as info:
        fetch([1], tmp_path / "out", mirror=mirror)
    assert "\n" not in str(info.value)


def test_mirror_credentials_are_used_and_never_shown(odd, tmp_path, private_cache):
    host = odd.url.split("//")[1]
    (path,) = fetch([LOCKED], tmp_path / "ok", mirror=f"http://user:s3cret@{host}", cache_dir=tmp_path / "c")
    assert path.read_text().startswith("Chapter 0.")
    for mirror, ebook in ((f"http://user:s3cret@{host}", 404404), (f"http://user:wrong-s3cret@{host}", LOCKED),
                          ("http://user:s3cret@[::1", 1), (f"ftp://user:s3cret@{host}", 1)):
        with pytest.raises(GutenbergError) as info:
            fetch([ebook], tmp_path / "out", mirror=mirror)
        assert "s3cret" not in str(info.value), str(info.value)
        assert "\n" not in str(info.value)


def test_mirror_credentials_are_not_sent_to_a_host_it_redirects_to(odd, tmp_path, private_cache):
    other = OddGutenberg()
    try:
        odd.elsewhere = other.url
        host = odd.url.split("//")[1]
        with pytest.raises(GutenbergError, match=r"HTTP 401") as info:
            fetch([TO_ELSEWHERE], tmp_path / "out", mirror=f"http://user:s3cret@{host}")
        assert "s3cret" not in str(info.value) and other.url.split("//")[1] in str(info.value)
        assert other.requests and not any("Basic" in r for r in other.requests)
    finally:
        other.close()

"""The Project Gutenberg dialog: download books (from a fake mirror), errors, cancel, open as corpus."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest

from .conftest import wait_idle


BOOK = ("*** START OF THE PROJECT GUTENBERG EBOOK TEST ***\n"
        + "Alyosha walked to the monastery and thought about his brothers.\n" * 400
        + "*** END OF THE PROJECT GUTENBERG EBOOK TEST ***\nLicence.\n").encode()


@pytest.fixture
def gutenberg_server(monkeypatch, tmp_path):
    """A fake Project Gutenberg on 127.0.0.1: ids 1 and 2 exist, anything else is 404."""
    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(tmp_path / "cache"))

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            match = re.fullmatch(r"/cache/epub/(\d+)/pg\d+\.txt", self.path)
            if not match or match.group(1) not in ("1", "2"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(BOOK)))
            self.end_headers()
            self.wfile.write(BOOK)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_gutenberg_download_and_open(qtbot, window, gutenberg_server, tmp_path, errors):
    dialog = window.files.show_gutenberg_dialog()
    dialog.mirror = gutenberg_server
    dialog.article_button.click()
    assert dialog.ids_edit.text().split() == ["28054", "2638", "8117", "600", "40745"]
    assert "Embedding Studio" in dialog.folder_edit.text()  # a default under the user's documents
    dialog.ids_edit.setText("1, 2")
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.download_button.click()
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.open_button.isEnabled(), timeout=10_000)
    assert dialog.progress.value() == 1000 and "Downloaded 2 books" in dialog.status.text()
    assert sorted(p.name for p in (tmp_path / "books").iterdir()) == ["pg1.txt", "pg2.txt"]
    dialog.open_button.click()
    qtbot.waitUntil(lambda: window.session.source.paths == [str(tmp_path / "books")], timeout=10_000)
    assert "alyosha" in window.session.corpus.vocab.index
    assert errors == []


def test_gutenberg_errors(qtbot, window, gutenberg_server, tmp_path, errors):
    dialog = window.files.show_gutenberg_dialog()
    dialog.mirror = gutenberg_server
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.ids_edit.setText("12x")
    dialog.download()
    assert errors[-1][0] == "critical" and "invalid ebook id" in errors[-1][2]
    dialog.ids_edit.setText("")
    dialog.download()
    assert "at least one ebook id" in errors[-1][2]
    dialog.ids_edit.setText("1 999")
    dialog.download()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert "no such ebook: 999" in errors[-1][2] and "no such ebook: 999" in dialog.status.text()
    assert not dialog.open_button.isEnabled()


def test_gutenberg_cancel(qtbot, window, tmp_path, monkeypatch, errors):
    """Cancel ends the download at its next progress report (fetch replaced: no network, no server)."""
    from embedding_studio.core.text import gutenberg

    started, release = threading.Event(), threading.Event()

    def slow_fetch(ids, out_dir, mirror=None, progress=None, **kwargs):
        for done in range(1000):
            progress(ids[0], done, 1000)
            started.set()
            release.wait(0.01)
        return [Path(out_dir) / "pg1.txt"]

    monkeypatch.setattr(gutenberg, "fetch", slow_fetch)
    dialog = window.files.show_gutenberg_dialog()
    dialog.ids_edit.setText("1")
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.download()
    qtbot.waitUntil(started.is_set, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5_000)
    dialog.cancel_button.click()
    assert not dialog.running and dialog.status.text() == "Cancelled." and dialog.download_button.isEnabled()
    wait_idle(qtbot, window)
    from embedding_studio.gui.background import wait_for_background

    assert wait_for_background(5_000)
    qtbot.wait(50)
    assert dialog.status.text() == "Cancelled." and not dialog.open_button.isEnabled() and errors == []

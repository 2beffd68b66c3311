"""Which files are text, and their text: finding .txt files, telling text from binary, the encoding
(a byte-order mark, UTF-8, else a guess from the bytes), decoding in ~1 MB pieces that end at a line
break, and Project Gutenberg's header and licence footer left out.

A file has one encoding. One that is mostly UTF-8 with some bytes that are not (two files pasted
together, a stray Latin-1 byte) is read as UTF-8, and each of those bytes becomes a gap between words:
a lone ``\xe9`` is not guessed to be the ``é`` that ``\xc3\xa9`` spells in the rest of the file, since
it could as well be a Cyrillic ``й``, and reading the whole file as cp1252 would turn every correct
``é`` into ``Ã©``. A file that is mostly another encoding is read in it. A NUL byte past the start
(UTF-16 text appended to UTF-8, binary data) makes a file not plain text: it is refused, not read
as letters cut apart by NULs.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..errors import CorpusError

BLOCK_CHARS = 1 << 20  # bytes read at a time
_SNIFF = 8192  # bytes looked at to tell text from binary
#: Above this share of control characters (or undecodable bytes) a file's start is not text: random
#: bytes decode to about 13% of them, prose to none (a form feed per page is 0.03%).
_MAX_CONTROL_SHARE = 0.05
#: Characters no text is made of: C0 controls but tab, line feed, vertical tab, form feed and
#: carriage return; DEL; C1 controls; and U+FFFD, what an undecodable byte becomes.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
# A UTF-32 little-endian BOM starts with the UTF-16 one: look for it first.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SURE_ENCODINGS = ("utf-8-sig", "utf-16", "utf-32")  # any other encoding is a guess from the bytes: worth a warning
#: UTF-16 and UTF-32 without a byte order mark, told from the bytes (see :func:`unmarked_wide_encoding`).
UNMARKED_WIDE = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be")
#: Encodings whose code units are wider than a byte: a byte 10 there need not be a line break.
WIDE_ENCODINGS = ("utf-16", "utf-32") + UNMARKED_WIDE
#: Read as UTF-8 although some bytes are not: those became gaps (U+FFFD) between words.
MOSTLY_UTF8 = "utf-8"
_HEADER_LINES = 2000  # a Gutenberg "*** START OF" line must lie within these
_START = re.compile(r"^[ \t\ufeff]*\*\*\*\s*START OF", re.IGNORECASE | re.MULTILINE)
_END = re.compile(r"^[ \t\ufeff]*\*\*\*\s*END OF", re.IGNORECASE | re.MULTILINE)


# ---------------------------------------------------------------------------------------------
# Finding files


def find_text_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The files named, and the ``*.txt`` files under the folders named (recursively, sorted)."""
    return [path for path, _ in find_named(paths)]


def find_named(paths: Sequence[str | os.PathLike]) -> list[tuple[Path, bool]]:
    """Each file with whether the user named it (named files must be usable; found ones may be skipped).

    A file reached twice (``a/x.txt`` and ``a/../a/x.txt``, a link, a file inside a folder also named)
    is counted once, under the first name it was reached by.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: dict[tuple[int, int], tuple[Path, bool]] = {}

    def add(path: Path, named: bool) -> None:
        stat = path.stat()
        key = (stat.st_dev, stat.st_ino)
        first, was_named = found.get(key, (path, False))
        found[key] = (first, was_named or named)

    for raw in paths:
        path = Path(raw).expanduser()
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
                if not files:
                    raise CorpusError(f"{path} holds no .txt files")
                for file in files:
                    add(file, False)
            elif path.is_file():
                add(path, True)
            elif path.exists():
                raise CorpusError(f"{path} is neither a text file nor a folder")
            else:
                raise CorpusError(f"{path} does not exist")
        except OSError as error:
            raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None
    if not found:
        raise CorpusError("no text files or folders were given")
    return list(found.values())


# ---------------------------------------------------------------------------------------------
# Reading one file


def iter_text(path: Path, warnings: list[str] | None = None) -> Iterator[str]:
    """The decoded text of one file, Gutenberg boilerplate removed, in ~1 MB pieces ending at line breaks.

    A UTF-16 or UTF-32 byte order mark is believed. Otherwise, not valid UTF-8: read as mostly UTF-8,
    a legacy encoding, cp1252 or latin-1 (see :func:`detect_encoding`) and say so in ``warnings``.
    """
    for text, _ in _iter_text(Path(path), warnings):
        yield text


def _iter_text(path: Path, warnings: list[str] | None) -> Iterator[tuple[str, int]]:
    """Pieces of text, each with the number of bytes of the file read so far (for progress)."""
    try:
        encoding = detect_encoding(path)
        note = encoding_note(path, encoding)
        if note and warnings is not None:
            warnings.append(note)
        yield from strip_gutenberg(decoded_pieces(path, encoding))
    except NotText as error:
        raise CorpusError(f"{path} {error}") from None
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None


class NotText(CorpusError):
    """Why a file is not plain text, as a phrase ("has a NUL byte ..."), found while reading it whole."""


def encoding_note(path: Path, encoding: str) -> str | None:
    """The warning a guessed encoding deserves (None when the file said which it is)."""
    if encoding in SURE_ENCODINGS:
        return None
    if encoding == MOSTLY_UTF8:
        return (f"{path.name} is UTF-8 with some bytes that are not (another encoding mixed in?); "
                "each of those was read as a gap between words")
    if encoding in UNMARKED_WIDE:
        return f"{path.name} has no byte order mark; read as {encoding.upper()}"
    return f"{path.name} is not UTF-8; read as {encoding}"


def nul_problem(offset: int) -> str:
    """The phrase for a NUL byte past a file's start, where its start looked like UTF-8 or 8-bit text."""
    return (f"has NUL bytes from byte {offset} on, so it is not all plain text (UTF-16 text or binary "
            "data after the text?)")


def detect_encoding(path: Path) -> str:
    """The byte order mark's UTF-16/32, or UTF-16/32 told from the bytes; else UTF-8 if the whole file
    decodes as UTF-8 (a cheap binary pass), else mostly UTF-8 (:data:`MOSTLY_UTF8`) if most of its
    non-ASCII bytes do, else a non-Latin alphabet's legacy encoding that charset-normalizer recognises,
    else cp1252, else latin-1.

    Raises :class:`NotText` for a NUL byte in a file that is not UTF-16/32.
    """
    with open(path, "rb") as file:
        head = file.read(_SNIFF)
    marked = sniff_encoding(head)
    if marked:
        return marked  # trusted: a damaged code unit becomes U+FFFD, which separates words
    valid, nul = _utf8_and_nul(path)
    if nul is not None:
        raise NotText(nul_problem(nul))
    if valid:
        return "utf-8-sig"
    if _mostly_utf8(path):
        return MOSTLY_UTF8
    for encoding in (_other_alphabet(path), "cp1252"):
        if encoding and _decodes_as(path, encoding):
            return encoding
    return "latin-1"  # decodes any bytes


def sniff_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 as a file's first bytes show it (a byte order mark, or the bytes themselves);
    None for anything read a byte at a time."""
    return _bom_encoding(head) or unmarked_wide_encoding(head)


def unmarked_wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 (little or big endian) without a byte order mark, judged from a file's start.

    Only bytes with NULs qualify (UTF-8 and 8-bit text have none). The candidates that decode into
    text (few control characters, and at least one space or line break in 200 characters, as even
    Chinese has) are ranked by their spaces and line breaks: read with the wrong byte order, U+0020 and
    U+000A become U+2000 and U+0A00, which no text is full of.
    """
    if b"\x00" not in head:
        return None
    best, most = None, 0
    for encoding in UNMARKED_WIDE:
        unit = 4 if "32" in encoding else 2
        try:  # not final: a character cut at the end of the sample is no error
            text = codecs.getincrementaldecoder(encoding)().decode(head[: len(head) - len(head) % unit])
        except UnicodeDecodeError:
            continue
        if not text or len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
            continue
        spaces = text.count(" ") + text.count("\n")
        if spaces > most and spaces * 200 >= len(text):
            best, most = encoding, spaces
    return best


def _utf8_and_nul(path: Path) -> tuple[bool, int | None]:
    """Whether the whole file is UTF-8, and where its first NUL byte is (None: nowhere); one pass."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    valid, done = True, 0
    with open(path, "rb") as file:
        while chunk := file.read(BLOCK_CHARS):
            at = chunk.find(b"\x00")
            if at >= 0:
                return False, done + at
            done += len(chunk)
            if not valid or (chunk.isascii() and not decoder.getstate()[0]):  # valid as it is (20x faster)
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return valid, None


def _mostly_utf8(path: Path) -> bool:
    """Whether most of the file's non-ASCII bytes form UTF-8 characters: over three times as many bytes
    as there are bytes that do not (each of those becomes one U+FFFD). A cp1252 or Cyrillic file's
    letters are single high bytes, which UTF-8 almost never accepts."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    high = bad = 0
    with open(path, "rb") as file:
        while chunk := file.read(BLOCK_CHARS):
            if chunk.isascii():
                continue
            high += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) >= 0x80))
            bad += decoder.decode(chunk).count("\ufffd")
    bad += decoder.decode(b"", final=True).count("\ufffd")
    return high > 3 * bad


def _other_alphabet(path: Path) -> str | None:
    """A legacy encoding of a non-Latin alphabet (cp1251 or KOI8-R Russian, Greek, Hebrew...) when
    charset-normalizer finds one in the file's first megabyte; None for Latin-script text, which stays
    cp1252 (on small samples the library often names cp1250 for French, a wrong guess for à and œ)."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as file:
        sample = file.read(1 << 20)
    text = sample.decode("utf-8", errors="replace")
    if text.count("\ufffd") * 100 < sum(c > "\x7f" for c in text):
        return None  # UTF-8 with a few damaged bytes (which the detector called Thai), not a legacy file
    best = from_bytes(sample).best()
    if best is None:
        return None
    letters = [c for c in str(best) if c.isalpha()]
    beyond_latin = sum(c > "\u024f" for c in letters)  # past Latin Extended-B
    return best.encoding if letters and beyond_latin > len(letters) / 2 else None


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(BLOCK_CHARS):
                if chunk.isascii() and not decoder.getstate()[0]:  # valid as it is (20x faster to tell)
                    continue
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _bom_encoding(head: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def decoded_pieces(path: Path, encoding: str, start: int = 0, end: int | None = None
                    ) -> Iterator[tuple[str, int]]:
    """~1 MB pieces that end at a line break (or a space), so no word is cut in two.

    ``start`` and ``end`` (bytes) read one part of the file; both lie just after a line break.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")  # only a UTF-16/32 file needs it
    carry, done = "", start
    with open(path, "rb") as file:
        file.seek(start)
        while chunk := file.read(BLOCK_CHARS if end is None else min(BLOCK_CHARS, end - done)):
            done += len(chunk)
            text = carry + decoder.decode(chunk)
            cut = _last_break(text)
            carry = text[cut:]
            if cut:
                yield text[:cut], done
        text = carry + decoder.decode(b"", final=True)
        if text:
            yield text, done


def _last_break(text: str) -> int:
    """Where to cut ``text``: after its last line break, else its last space (0: keep it all for now)."""
    cut = text.rfind("\n") + 1 or max(text.rfind(" "), text.rfind("\t"), text.rfind("\r")) + 1
    if cut == 0 and len(text) > 4 * BLOCK_CHARS:  # megabytes without a space: not prose, just move on
        cut = len(text)
    return cut


def strip_gutenberg(pieces: Iterator[tuple[str, int]], header: bool = True,
                     ended: list[bool] | None = None, skipped: list[int] | None = None
                     ) -> Iterator[tuple[str, int]]:
    """Drop everything up to a "*** START OF" line in the first lines, and from an "*** END OF" line on.

    ``header=False`` for a part that does not start the file; ``ended`` gets True if an END line was met;
    ``skipped`` gets the number of characters dropped before the text (before the first piece comes).
    """
    pieces = iter(pieces)
    if header:
        head, done = _first_lines(pieces, _HEADER_LINES)
        start = "***" in head and _START.search(head, 0, _nth_line_end(head, _HEADER_LINES))
        dropped = 0
        if start:
            line_end = head.find("\n", start.end())
            dropped = len(head) if line_end < 0 else line_end + 1
            head = head[dropped:]
        if skipped is not None:
            skipped.append(dropped)
        pieces = itertools.chain([(head, done)], pieces)
    for text, done in pieces:
        # The cheap tests first: the regex scans every line, and "***" in text takes 1.3 ms a MB where
        # "*" (one memchr) takes 0.01 ms: 0.6 s of a 500 MB corpus without a single asterisk.
        end = "*" in text and "***" in text and _END.search(text)
        if end:
            if ended is not None:
                ended.append(True)
            yield text[: end.start()], done
            return
        yield text, done


def _first_lines(pieces: Iterator[tuple[str, int]], lines: int) -> tuple[str, int]:
    """Join leading pieces until they hold ``lines`` lines (usually the first piece alone).

    Capped at two blocks' worth, so a file of few, very long lines is still streamed.
    """
    parts, done, seen, size = [], 0, 0, 0
    for text, done in pieces:
        parts.append(text)
        seen += text.count("\n")
        size += len(text)
        if seen >= lines or size >= 2 * BLOCK_CHARS:
            break
    return "".join(parts), done


def _nth_line_end(text: str, n: int) -> int:
    position = -1
    for _ in range(n):
        position = text.find("\n", position + 1)
        if position < 0:
            return len(text)
    return position + 1


def unusable_reason(path: Path, size: int) -> str | None:
    """Why a file cannot be a corpus, judged before reading it all (None if it looks like text)."""
    if size == 0:
        return "is empty"
    with open(path, "rb") as file:
        return text_problem(file.read(_SNIFF))


def text_problem(head: bytes) -> str | None:
    """Why bytes that start a file are not plain text, as a phrase ("looks like ..."); None if they are.

    Judged as the reader would decode them (a UTF-16/32 byte order mark, or UTF-16/32 told from the
    bytes, else UTF-8, else cp1252): one NUL byte (outside UTF-16/32), or more than 5% control
    characters, means binary data.
    """
    marked = sniff_encoding(head)
    if marked is None and b"\x00" in head:
        return "looks like a binary file, not plain text (it contains NUL bytes)"
    try:  # not final: a character cut off at the end of the sample is no error
        text = codecs.getincrementaldecoder(marked or "utf-8")().decode(head)
    except UnicodeDecodeError:
        text = head.decode(marked or "cp1252", errors="replace")
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        return (f"does not look like text: {controls / len(text):.0%} of its first {len(text):,} characters "
                "are control characters, as in a binary file")
    return None



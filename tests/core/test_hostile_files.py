"""Hostile model and vectors files (issue #25 items 1, 2, 3, 9 and the file half of 11): each is refused
quickly, within a bounded amount of memory, with one clear line; or, where it can be, read safely."""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

from embedding_studio.core.errors import ModelFileError, StudioError
from embedding_studio.core.vectors import model_file
from embedding_studio.core.vectors.io import load_model, load_vectors, save_model, save_projector_tsv, save_word2vec

from .test_io import make_model, rezip, save_format_1


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# -- item 1: the JSON depth of settings and state is judged in linear time ---------------------------


def test_a_megabyte_of_escaped_quotes_in_the_settings_is_refused_in_seconds(tmp_path):
    """'"' then '\\"' half a million times: an unterminated string the old regex retried from every quote
    (quadratic: about 45 minutes). Run in a child so that a hang fails the test instead of stalling it."""
    path = tmp_path / "slow.npz"
    save_model(make_model(), path)
    rezip(path, {"config.npy": _npy(np.array('"' + '\\"' * 500_000))})
    code = textwrap.dedent(f"""
        from embedding_studio.core.errors import ModelFileError
        from embedding_studio.core.vectors.io import load_model
        try:
            load_model({str(path)!r})
        except ModelFileError as error:
            print(error)
    """)
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("judging a 1 MB settings string took more than 30 seconds")
    assert done.returncode == 0, done.stderr
    assert "training settings: not valid JSON" in done.stdout


def _reference_depth(text: str) -> int:
    """The deepest bracket nesting outside strings, one character at a time (the obvious scanner)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _random_json(rng: random.Random, depth: int = 0):
    pick = rng.random()
    if depth > 6 or pick < 0.4:
        pieces = ['"', "\\", "[", "]", "{", "}", "a", "é", "\\\\", '\\"', " "]
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(6)))
    if pick < 0.7:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_random_json(rng, 7): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_json_depth_counts_brackets_outside_strings_exactly():
    rng = random.Random(25)
    for _ in range(500):
        text = json.dumps(_random_json(rng), ensure_ascii=rng.random() < 0.5)
        assert model_file._json_depth(text) == _reference_depth(text), text
    assert model_file._json_depth('["\\\\", ["\\\\\\"]"]]') == 2
    assert model_file._json_depth('{"a": "[[[[", "b": [{"c": "}}"}]}') == 3
    assert model_file._json_depth("") == 0


# -- item 3: the entry limit holds whatever end record the archive offers ------------------------------


def _with_extra_entries(path, count: int) -> bytes:
    """The model at ``path`` plus ``count`` empty members: a valid zip whose directory lists them all."""
    rezip(path, extra=[(f"extra{i}.npy", b"") for i in range(count)])
    return path.read_bytes()


def _classic_end(data: bytes) -> tuple[int, int, int, int]:
    """Where the classic end record starts, and the directory's entries, size and offset it gives."""
    at = data.rfind(b"PK\x05\x06")
    entries, size, offset = struct.unpack("<2xHLL", data[at + 8 : at + 20])
    return at, entries, size, offset


def test_a_zip64_record_cannot_hide_a_large_directory_behind_a_small_classic_one(tmp_path):
    """The classic end record says 18 entries, a zip64 record (which zipfile prefers) says 318: the limit
    must judge the directory zipfile reads."""
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    data = _with_extra_entries(path, 300)
    at, entries, size, offset = _classic_end(data)
    assert entries == 310
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    classic = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 18, 18, size, offset, 0)
    path.write_bytes(data[:at] + zip64 + locator + classic)
    with zipfile.ZipFile(path) as archive:  # the crafted file is one zipfile reads, all 310 entries
        assert len(archive.infolist()) == 310
    with pytest.raises(ModelFileError, match="lists 310 entries"):
        load_model(path)


def test_a_classic_record_that_undercounts_its_directory_is_refused(tmp_path):
    """zipfile reads the directory by its size, not its count: an end record saying 18 entries over a
    directory of 310 must not slip past the limit."""
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    data = _with_extra_entries(path, 300)
    at, _, size, offset = _classic_end(data)
    path.write_bytes(data[:at] + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 18, 18, size, offset, 0))
    with pytest.raises(ModelFileError, match="holds 310 entries"):
        load_model(path)


# -- item 2: the members' declared sizes are judged together before any is decompressed ----------------


def _crafted_model(path, members: dict[str, np.ndarray]) -> None:
    """A deflated model archive of the given members (format 2 marker and version added)."""
    arrays = {"format": np.array("embedding-studio-model"), "version": np.array(2, dtype=np.int64), **members}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            archive.writestr(name + ".npy", _npy(array))


def _data_reads(monkeypatch) -> list[str]:
    """The members whose data load_model reads (every header is read first, then data)."""
    read: list[str] = []
    real = model_file._member_data
    monkeypatch.setattr(model_file, "_member_data",
                        lambda path, archive, member: (read.append(member.name), real(path, archive, member))[1])
    return read


def _refused_within(path, megabytes: int, match: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < megabytes << 20, f"peak {peak:,} bytes"


def test_millions_of_one_byte_words_in_a_small_file_are_refused_before_reading_them(tmp_path, monkeypatch):
    """Five million words in int8 lengths and counts and a (5M, 1) float16 table: small members, a
    file of a few tens of KB, but gigabytes of Python words and int64 copies once read."""
    n = 5_000_000
    path = tmp_path / "many.npz"
    _crafted_model(path, {
        "word_bytes": np.full(n, ord("a"), np.uint8), "word_lengths": np.ones(n, np.int8),
        "counts": np.ones(n, np.int8), "vectors": np.ones((n, 1), np.float16),
        "loss_history": np.zeros(0), "config": np.array("null"), "state": np.array("null"),
    })
    assert path.stat().st_size < 200_000
    read = _data_reads(monkeypatch)
    _refused_within(path, 64, "would take")
    assert read == ["format", "version"]


def test_members_each_within_the_allowance_are_judged_together(tmp_path, monkeypatch):
    """Every member under the per-member allowance, together far over what the file can justify (the
    allowances scaled down from 64 and 256 MB so the test stays small)."""
    monkeypatch.setattr(model_file, "_BOMB_FLOOR", 2 << 20)
    monkeypatch.setattr(model_file, "_TOTAL_FLOOR", 2 << 20, raising=False)
    n, dim = 64, 2048  # each table 1 MB of float64 zeros
    path = tmp_path / "wide.npz"
    words = [f"w{i}" for i in range(n)]
    _crafted_model(path, {
        "word_bytes": np.frombuffer("".join(words).encode(), np.uint8),
        "word_lengths": np.array([len(w) for w in words], np.int64), "counts": np.ones(n, np.int64),
        "vectors": np.zeros((n, dim)), "output": np.zeros((n, dim)), "loss_history": np.zeros(1 << 17),
        "config": np.array("null"), "state": np.array("null"),
    })
    read = _data_reads(monkeypatch)
    with pytest.raises(ModelFileError, match="would take"):
        load_model(path)
    assert read == ["format", "version"]


def test_a_large_stored_model_is_still_read(tmp_path, monkeypatch):
    """What save_model writes is stored, not compressed: past the floor, it loads as long as it holds what
    it declares."""
    monkeypatch.setattr(model_file, "_TOTAL_FLOOR", 1 << 20, raising=False)
    model = make_model(n=2000, dim=300)
    path = tmp_path / "big.npz"
    save_model(model, path)
    assert path.stat().st_size > 4 << 20
    assert load_model(path).words == model.words


def test_members_that_claim_more_compressed_bytes_than_the_file_holds_are_refused(tmp_path, monkeypatch):
    """The allowance grows with the bytes members take in the file, so they must not overstate them: a
    compressed member whose directory entry claims a gigabyte more than the file has is refused."""
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    entry = data.find(b"vectors.npy", data.find(b"PK\x01\x02")) - 46  # its central directory entry
    (compressed,) = struct.unpack("<L", data[entry + 20 : entry + 24])
    data[entry + 20 : entry + 24] = struct.pack("<L", compressed + (1 << 30))
    path.write_bytes(bytes(data))
    read = _data_reads(monkeypatch)
    with pytest.raises(ModelFileError, match="more than the file holds"):
        load_model(path)
    assert "vectors" not in read


# -- item 9: vectors too large for float32 arithmetic are refused at the door ---------------------------


def _huge(model):
    model.vectors[1, 2] = 3e38  # finite in float32, but its square is not
    return model


def test_a_model_with_vectors_of_3e38_is_refused_without_a_numpy_warning(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, {"vectors.npy": _npy(_huge(make_model()).vectors)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ModelFileError, match=r"vectors hold a value of 3e\+38, .*\(row 2\)"):
            load_model(path)


@pytest.mark.parametrize("binary", [False, True])
def test_a_vectors_file_with_values_of_3e38_is_refused_without_a_numpy_warning(tmp_path, binary):
    model = make_model(n=6, dim=4, trained=False)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec(model, path, binary=binary)
    data = path.read_bytes()
    if binary:
        row = model.vectors[1].astype("<f4").tobytes()
        data = data.replace(row, np.array([3e38, 1, 1, 1], "<f4").tobytes())
    else:
        lines = data.split(b"\n")
        lines[2] = lines[2].split(b" ")[0] + b" 3e38 1 1 1"
        data = b"\n".join(lines)
    path.write_bytes(data)
    where = r"vector 2 \('word1'\)" if binary else "line 3"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ModelFileError, match=rf"{where}: .*a value of 3e\+38"):
            load_vectors(path)


def test_vectors_too_large_to_load_back_are_not_written(tmp_path):
    for save in (save_model, save_word2vec):
        with pytest.raises(StudioError, match="3e\\+38"):
            save(_huge(make_model()), tmp_path / "out")
    assert not list(tmp_path.iterdir())


def test_large_but_usable_vectors_still_load_and_answer(tmp_path):
    model = make_model(trained=False)
    model.vectors *= 1e9 / np.abs(model.vectors).max()
    path = tmp_path / "m.npz"
    save_model(model, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(path)
        assert loaded.most_similar("word1", topn=3)[0][1] > 0


# -- item 11 (files): a word holding a control character is refused, wherever words are read or written ---

CONTROL_WORDS = [("two\nlines", "000A"), ("tab\tbed", "0009"), ("\x1b[31mred", "001B"), ("bell\x07", "0007"),
                 ("next\x85line", "0085"), ("csi\x9b2J", "009B"), ("nul\x00", "0000"), ("del\x7f", "007F")]


def _with_words(path, words: list[str], prefix: str = "word") -> None:
    encoded = [w.encode("utf-8") for w in words]
    rezip(path, {f"{prefix}_bytes.npy": _npy(np.frombuffer(b"".join(encoded), np.uint8)),
                 f"{prefix}_lengths.npy": _npy(np.array([len(w) for w in encoded], np.int64))})


@pytest.mark.parametrize("word, code", CONTROL_WORDS)
def test_a_model_word_with_a_control_character_is_refused(tmp_path, word, code):
    model = make_model()
    path = tmp_path / "m.npz"
    save_model(model, path)
    _with_words(path, [*model.words[:3], word, *model.words[4:]])
    with pytest.raises(ModelFileError, match=rf"word 4: .*control character \(U\+{code}\)"):
        load_model(path)


def test_a_control_character_is_refused_in_rare_words_and_format_1_words(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, {"rare_counts.npy": _npy(np.array([1, 2]))})
    _with_words(path, ["rare", "ra\tre"], prefix="rare_word")
    with pytest.raises(ModelFileError, match=r"rare word 2: .*control character \(U\+0009\)"):
        load_model(path)
    old = tmp_path / "old.npz"
    model = make_model()
    model.vocab.words[5] = "five\r"
    save_format_1(model, old)
    with pytest.raises(ModelFileError, match=r"word 6: .*control character \(U\+000D\)"):
        load_model(old)


@pytest.mark.parametrize("word", [b"tab\tbed", b"\x1b[2Jclear", b"del\x7f"])
def test_a_vectors_file_word_with_a_control_character_is_refused(tmp_path, word):
    text = tmp_path / "v.txt"
    text.write_bytes(b"2 3\nok 1 2 3\n" + word + b" 4 5 6\n")
    with pytest.raises(ModelFileError, match=r"line 3: the word .* holds a control character"):
        load_vectors(text)
    glove = tmp_path / "g.txt"
    glove.write_bytes(b"ok 1 2 3\n" + word + b" 4 5 6\n")
    with pytest.raises(ModelFileError, match=r"line 2: the word .* holds a control character"):
        load_vectors(glove)
    binary = tmp_path / "v.bin"
    rows = [w + b" " + np.arange(3, dtype="<f4").tobytes() + b"\n" for w in (b"ok", word)]
    binary.write_bytes(b"2 3\n" + b"".join(rows))
    with pytest.raises(ModelFileError, match=r"vector 2: the word .* holds a control character"):
        load_vectors(binary)


def test_a_latin1_word_with_a_c1_control_byte_is_refused(tmp_path):
    """Bytes 0x80-0x9f that are not UTF-8 fall back to Latin-1, where they are C1 controls (0x9b is CSI)."""
    path = tmp_path / "v.txt"
    path.write_bytes(b"ok 1 2\nx\x9b2J 3 4\n")
    with pytest.raises(ModelFileError, match=r"line 2: .*control character \(U\+009B\)"):
        load_vectors(path)


@pytest.mark.parametrize("word", ["tab\tbed", "two\nlines", "\x1b[31mred", "next\x85line"])
def test_a_word_with_a_control_character_is_not_written(tmp_path, word):
    model = make_model(n=6, dim=3)
    model.vocab.words[2] = word
    writers = [lambda p: save_model(model, p), lambda p: save_word2vec(model, p),
               lambda p: save_word2vec(model, p, binary=True), lambda p: save_projector_tsv(model, p)]
    for write in writers:
        with pytest.raises(StudioError, match=r"control character"):
            write(tmp_path / "out")
    assert not list(tmp_path.iterdir())

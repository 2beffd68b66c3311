"""fastText models open (#28 item 3): Facebook's .bin (old and new layouts) and .vec, unseen words built
from their letters exactly as fastText and gensim build them, and hostile files refused in one line."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.errors import ModelFileError
from embedding_studio.core.vectors.fasttext_format import FASTTEXT_MAGIC, load_fasttext
from embedding_studio.core.vectors.io import load_any
from embedding_studio.core.vectors.subwords import ngram_hashes

gensim_fasttext = pytest.importorskip("gensim.models.fasttext", reason="gensim (the test extra) is not installed")
from gensim.test.utils import datapath  # noqa: E402

UNSEEN = ["governmentalize", "zzqx", "nonexistentword", "überqz", "日本語語", "qj"]


def run(*argv: str) -> tuple[int, str, str]:
    from embedding_studio.core.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    code = cli_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["lee_fasttext.bin", "lee_fasttext_new.bin", "non_ascii_fasttext.bin",
                                  "cp852_fasttext.bin"])
def test_vectors_equal_gensims_for_known_and_unseen_words(name: str) -> None:
    ours = load_any(datapath(name))
    theirs = gensim_fasttext.load_facebook_model(datapath(name)).wv
    assert ours.subwords is not None
    for word in UNSEEN:
        assert word not in ours and ours.from_letters(word)
        np.testing.assert_allclose(ours.vector(word), theirs[word], atol=1e-5)
    # A word whose bytes are not UTF-8 (cp852_fasttext.bin) is shown as "\\xNN" by both; fastText builds
    # its vector from the file's bytes (as we do), gensim from the replacement text, so only the others
    # can be held to gensim's.
    shared = [w for w in ours.words if w in theirs.key_to_index and "\\x" not in w]
    assert len(shared) > 0.5 * len(ours)
    np.testing.assert_allclose(ours.vectors[[ours.index(w) for w in shared]],
                               theirs.vectors[[theirs.key_to_index[w] for w in shared]], atol=1e-5)


def test_ngram_hashes_are_fasttexts() -> None:
    words = ["government", "a", "naïve", "日本語", "x" * 30, "é"]
    for min_n, max_n, buckets in ((3, 6, 2_000_000), (1, 3, 1000)):
        offsets, rows = ngram_hashes(words, min_n, max_n, buckets)
        for i, word in enumerate(words):
            assert rows[offsets[i]:offsets[i + 1]].tolist() == list(
                gensim_fasttext.ft_ngram_hashes(word, min_n, max_n, buckets))


def test_similar_on_a_fasttext_bin_answers_known_and_unseen_words() -> None:
    code, out, err = run("similar", datapath("lee_fasttext.bin"), "government", "-n", "3")
    assert code == 0, err
    assert len(out.splitlines()) == 3 and "built from its letters" not in err
    code, out, err = run("similar", datapath("lee_fasttext.bin"), "governmentalize", "-n", "3")
    assert code == 0, err
    assert len(out.splitlines()) == 3
    assert "built from its letters" in err


def test_fasttext_vec_opens() -> None:
    model = load_any(datapath("lee_fasttext.vec"))
    assert len(model) == 1762 and model.dim == 10 and model.subwords is None


def _minimal(words: list[bytes], dim: int = 2, bucket: int = 3, quantized: bool = False) -> bytes:
    """A small new-format fastText .bin, built field by field."""
    head = struct.pack("<2i", FASTTEXT_MAGIC, 12) + struct.pack("<12id", dim, 5, 5, 1, 5, 1, 1, 2, bucket, 3, 6, 100,
                                                                1e-4)
    entries = b"".join(w + b"\0" + struct.pack("<qb", 10, 0) for w in words)
    dictionary = struct.pack("<3iqq", len(words), len(words), 0, 100, -1) + entries
    rows = len(words) + bucket
    table = np.arange(rows * dim, dtype="<f4").tobytes()
    out = np.ones(len(words) * dim, dtype="<f4").tobytes()
    return (head + dictionary + struct.pack("<?qq", quantized, rows, dim) + table
            + struct.pack("<?qq", False, len(words), dim) + out)


def test_a_minimal_file_reads_and_composes(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    path.write_bytes(_minimal([b"cat", b"dog"]))
    model = load_any(path)
    assert model.words == ["cat", "dog"] and model.output.shape == (2, 2)
    assert model.subwords.buckets == 3
    offsets, rows = ngram_hashes(["cat"], 3, 6, 3)
    own = np.array([0, 1], dtype=np.float32)
    grams = np.arange(4, 10, dtype=np.float32).reshape(3, 2)[rows]
    np.testing.assert_allclose(model.vectors[0], (own + grams.sum(axis=0)) / (1 + len(rows)), rtol=1e-6)


@pytest.mark.parametrize("cut", [6, 20, 64, 80, 95, 120, -30, -1])
def test_a_truncated_file_is_one_clear_error(tmp_path: Path, cut: int) -> None:
    data = _minimal([b"cat", b"dog"])
    path = tmp_path / "cut.bin"
    path.write_bytes(data[:cut])
    with pytest.raises(ModelFileError, match="cut.bin"):
        load_any(path)


def test_hostile_counts_are_refused_before_allocating(tmp_path: Path) -> None:
    data = bytearray(_minimal([b"cat", b"dog"]))
    huge = tmp_path / "huge.bin"
    at = 8 + struct.calcsize("<12id")
    data[at:at + 12] = struct.pack("<3i", 2**31 - 1, 2**31 - 1, 0)  # two billion words in a few bytes
    huge.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="cannot fit"):
        load_fasttext(huge)
    rows = bytearray(_minimal([b"cat", b"dog"], bucket=3))
    matrix = rows.index(struct.pack("<?qq", False, 5, 2))
    rows[matrix:matrix + 17] = struct.pack("<?qq", False, 5, 2**40)
    wide = tmp_path / "wide.bin"
    wide.write_bytes(bytes(rows))
    with pytest.raises(ModelFileError, match="input matrix"):
        load_fasttext(wide)


def test_quantized_models_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "model.ftz"
    path.write_bytes(_minimal([b"cat", b"dog"], quantized=True))
    with pytest.raises(ModelFileError, match=r"quantized model \(\.ftz\)"):
        load_any(path)


def test_trailing_bytes_and_nan_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "tail.bin"
    path.write_bytes(_minimal([b"cat", b"dog"]) + b"xyz")
    with pytest.raises(ModelFileError, match="bytes after its output matrix"):
        load_any(path)
    data = bytearray(_minimal([b"cat", b"dog"]))
    matrix = data.index(struct.pack("<?qq", False, 5, 2)) + 17
    data[matrix:matrix + 4] = np.float32(np.nan).tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="NaN"):
        load_any(path)


def test_huge_values_and_control_character_words_are_refused_as_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "huge.bin"
    data = bytearray(_minimal([b"cat", b"dog"]))
    matrix = data.index(struct.pack("<?qq", False, 5, 2)) + 17
    data[matrix:matrix + 4] = np.float32(3e38).tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="row 1"):
        load_any(path)
    path.write_bytes(_minimal([b"cat", b"\x1b]0;pwned\x07"]))
    with pytest.raises(ModelFileError, match="control character"):
        load_any(path)
    path.write_bytes(_minimal([b"cat", b"kter\x82"]))  # not UTF-8: a visible escape, never a C1 control
    assert load_any(path).words == ["cat", "kter\\x82"]


def test_damaged_bytes_load_or_fail_in_one_line(tmp_path: Path) -> None:
    """Every single-byte damage to a small model either reads or is a ModelFileError, never a crash."""
    data = _minimal([b"cat", "naïve".encode(), b"dog"])
    rng = np.random.default_rng(0)
    path = tmp_path / "damaged.bin"
    for at in range(0, len(data)):
        damaged = bytearray(data)
        damaged[at] = int(rng.integers(0, 256)) if at % 2 else 0xFF
        path.write_bytes(bytes(damaged))
        try:
            load_any(path)
        except ModelFileError as error:
            assert "\n" not in str(error)

"""Model files, vectors files and projector TSV: round trips, atomicity, and clear errors."""

import json
import os
import zipfile

import numpy as np
import pytest

from embedding_studio.core import files
from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import ModelFileError, StudioError
from embedding_studio.core.files import atomic_write
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors import file_checks, model_file, projector
from embedding_studio.core.vectors.io import (
    load_any,
    load_model,
    load_vectors,
    save_model,
    save_projector_tsv,
    save_word2vec,
)
from embedding_studio.core.vectors.model import Model, RunState


def make_model(n=20, dim=5, seed=0, trained=True):
    rng = np.random.default_rng(seed)
    words = [f"word{i}" for i in range(n - 2)] + ["café", "naïve"][: max(0, min(2, n))]
    words = words[:n]
    counts = np.arange(n, 0, -1, dtype=np.int64) * 7
    vectors = (rng.standard_normal((n, dim)) * 10 ** rng.uniform(-3, 2, (n, 1))).astype(np.float32)
    if not trained:
        return Model(Vocab(words, np.zeros(n, dtype=np.int64)), vectors)
    output = rng.standard_normal((n, dim)).astype(np.float32)
    config = TrainConfig(dim=dim, epochs=3, workers=1, max_vocab=1000)
    return Model(Vocab(words, counts), vectors, output, config, [3.2, 2.5, 2.1],
                 RunState(epochs_trained=3, run_epochs=3, run_tokens=1234, batch_tokens=64, next_batch=7,
                          finished=False))


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def save_format_1(model, path):
    """The layout of model files before format 2: the words as one fixed-width text array."""
    arrays = {
        "format": np.array("embedding-studio-model"),
        "version": np.array(1, dtype=np.int64),
        "words": np.array(model.words),
        "counts": model.counts,
        "vectors": model.vectors,
        "loss_history": model.loss_history,
        "config": np.array(json.dumps(None if model.config is None else model.config.to_dict())),
        "state": np.array(json.dumps(model.state.to_dict())),
    }
    if model.output is not None:
        arrays["output"] = model.output
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def rezip(path, replace=None, extra=(), compression=zipfile.ZIP_STORED):
    """Rewrite a model archive member by member: ``replace`` maps a name to its new bytes (None drops
    it); ``extra`` adds ``(name, bytes)`` members."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    for name, data in (replace or {}).items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in [*members.items(), *extra]:
            archive.writestr(name, data)


# -- model files --------------------------------------------------------------------------------


def test_model_round_trip(tmp_path):
    model = make_model()
    path = tmp_path / "model.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.counts, model.counts)
    assert loaded.counts.dtype == np.int64
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    np.testing.assert_array_equal(loaded.output, model.output)
    assert loaded.vectors.dtype == np.float32 and loaded.output.dtype == np.float32
    np.testing.assert_array_equal(loaded.loss_history, model.loss_history)
    assert loaded.loss_history.dtype == np.float64
    assert loaded.config == model.config
    assert loaded.state == model.state
    assert listing(tmp_path) == ["model.npz"]
    assert load_any(path).words == model.words


def test_model_without_output_or_config(tmp_path):
    model = make_model(trained=False)
    model.state.epochs_trained = 4
    path = tmp_path / "imported.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.output is None and loaded.config is None
    assert loaded.loss_history.size == 0 and loaded.state == RunState(epochs_trained=4)


def test_the_untyped_state_of_older_files_still_loads_and_bad_state_is_refused(tmp_path):
    path = tmp_path / "old.npz"
    save_model(make_model(), path)
    arrays = dict(np.load(path))
    arrays["state"] = np.array(json.dumps({"epochs_trained": 3, "run_epochs": 5, "run_tokens": 900,
                                           "batch_tokens": 1024, "run_next_batch": 40, "finished": False,
                                           "something_newer": [1]}))
    np.savez(path, **arrays)
    assert load_model(path).state == RunState(3, 5, 900, 1024, next_batch=40, finished=False)
    arrays["state"] = np.array(json.dumps({"next_batch": -4}))
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="training state is invalid"):
        load_model(path)


def test_name_is_exactly_the_given_one(tmp_path):
    path = tmp_path / "my model"
    save_model(make_model(), path)
    assert listing(tmp_path) == ["my model"]
    assert load_model(path).words == make_model().words
    assert load_any(path).words == make_model().words  # sniffed as a zip archive


def test_overwrite_and_permissions(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(seed=1), path)
    save_model(make_model(seed=2), path)
    np.testing.assert_array_equal(load_model(path).vectors, make_model(seed=2).vectors)
    if os.name == "posix":
        assert path.stat().st_mode & 0o044, "other users' read bits follow the umask, not 0600"


def test_failing_save_leaves_nothing_and_keeps_target(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(make_model(seed=1), path)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(RuntimeError):
        save_model(make_model(seed=2), path)
    with pytest.raises(RuntimeError):
        save_model(make_model(seed=2), tmp_path / "new.npz")
    assert listing(tmp_path) == ["m.npz"]
    assert path.read_bytes() == before


def test_atomic_write_text_and_failure(tmp_path):
    path = tmp_path / "a.txt"
    with atomic_write(path, "w") as f:
        f.write("héllo\n")
    assert path.read_bytes() == "héllo\n".encode()
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path, "w") as f:
            f.write("partial")
            raise KeyboardInterrupt
    assert path.read_text(encoding="utf-8") == "héllo\n"
    assert listing(tmp_path) == ["a.txt"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_write_into_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ModelFileError, match="Cannot write"):
            save_model(make_model(), folder / "m.npz")
        assert listing(folder) == []
    finally:
        folder.chmod(0o755)


def test_permission_error_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(make_model(seed=1), path)
    before = path.read_bytes()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(ModelFileError, match="Cannot write .*Permission denied"):
        save_model(make_model(seed=2), path)
    assert path.read_bytes() == before and listing(tmp_path) == ["m.npz"]


def test_write_into_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="Cannot write"):
        save_model(make_model(), tmp_path / "no" / "such" / "m.npz")


@pytest.mark.parametrize("cut", [10, 100, 0.5, -30])
def test_truncated_npz(tmp_path, cut):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    data = path.read_bytes()
    keep = int(len(data) * cut) if isinstance(cut, float) else cut
    path.write_bytes(data[:keep])
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert "m.npz" in message and "\n" not in message


def test_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.arange(3), b=np.ones((2, 2)))
    with pytest.raises(ModelFileError, match="not an Embedding Studio model"):
        load_model(path)


def test_text_file_renamed_npz(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("just some notes\n")
    with pytest.raises(ModelFileError, match="not an Embedding Studio model"):
        load_model(path)
    with pytest.raises(ModelFileError):
        load_any(path)


def test_missing_empty_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="No such"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="No such"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(ModelFileError, match="No such"):
        load_any(tmp_path / "missing.bin")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load_model(tmp_path / "empty.npz")
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    for key, value in list(arrays.items()):
        if value is None:
            del arrays[key]
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vectors": np.ones((3, 5), np.float32)}, "shape"),
        ({"counts": np.ones(4, np.int64)}, "counts"),
        ({"output": np.ones((20, 4), np.float32)}, "output"),
        ({"word_lengths": None}, "missing word_lengths"),
        ({"config": np.array("{not json")}, "JSON"),
        ({"state": np.array("[1, 2]")}, "state"),
        ({"config": np.array(json.dumps({"dim": -1}))}, "settings"),
        ({"version": np.array(99)}, "newer"),
        ({"version": np.array(-5)}, "format version -5 is not one"),
        ({"version": np.array(0)}, "format version 0 is not one"),
        ({"version": np.array(2.0)}, "'version' is an array of the wrong type"),
        ({"format": np.array("something-else")}, "not an Embedding Studio model"),
        ({"word_bytes": np.frombuffer(b"a" * 20, np.uint8), "word_lengths": np.ones(20, np.int64)}, "duplicates"),
        ({"word_lengths": np.full(20, 3, np.int64)}, "add up to 60 bytes"),
        ({"word_lengths": np.zeros(20, np.int64)}, "word lengths do not fit"),
        ({"word_bytes": np.zeros(3, np.uint16)}, "not an array of bytes"),
        ({"counts": -np.ones(20, np.int64)}, "negative count"),
        ({"vectors": np.where(np.eye(20, 5) > 0, np.nan, 1).astype(np.float32)}, "vectors hold NaN or infinity"),
        ({"output": np.full((20, 5), np.inf, np.float32)}, "output vectors hold NaN or infinity"),
        ({"vectors": np.full((20, 5), 1e300)}, "vectors hold NaN or infinity"),  # float64 beyond float32
        ({"vectors": np.ones((20, 0), np.float32), "output": None}, "0 dimensions"),
        ({"vectors": np.ones((20, 2049), np.float32), "output": None}, "2049 dimensions"),
        ({"vectors": np.ones((20, 5), np.complex64)}, "wrong type"),
        ({"config": np.array(json.dumps(TrainConfig(dim=7, workers=1).to_dict()))}, "say 7 dimensions"),
        ({"config": np.array("[" * 100_000 + "]" * 100_000)}, "nested deeper than 32"),
        ({"state": np.array('{"a": ' * 40 + "1" + "}" * 40)}, "nested deeper than 32"),
        ({"config": np.array(json.dumps({"dim": "[" * 40}))}, "settings are invalid"),  # brackets in a string
        ({"config": np.array(" " * (1 << 20) + "{}")}, "longer than 1,048,576 characters"),
    ],
)
def test_inconsistent_model_files(tmp_path, changes, message):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    _rewrite(path, **changes)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(path)
    assert "\n" not in str(info.value)


def test_pickled_npz_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["state"] = np.array([{"evil": 1}], dtype=object)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError):
        load_model(path)


def test_format_1_files_still_load(tmp_path):
    model = make_model()
    path = tmp_path / "old.npz"
    save_format_1(model, path)
    loaded = load_model(path)
    assert loaded.words == model.words and loaded.config == model.config and loaded.state == model.state
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    np.testing.assert_array_equal(loaded.output, model.output)


@pytest.mark.parametrize("code, message", [(0x110000, "code point"), (0xD800, "code point"), (0, "empty word")])
def test_format_1_words_must_be_unicode_characters(tmp_path, code, message):
    model = make_model(n=3)
    path = tmp_path / "old.npz"
    save_format_1(model, path)
    codes = np.array(model.words).view(np.uint32).copy()
    codes[: codes.size // 3] = code  # all of the first word
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["words"] = codes.view(f"<U{codes.size // 3}")
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_words_must_be_valid_utf8(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(n=3), path)
    surrogate = b"\xed\xa0\x80"  # U+D800 as (invalid) UTF-8
    _rewrite(path, word_bytes=np.frombuffer(b"ab" + surrogate + b"c", np.uint8),
             word_lengths=np.array([1, 1, 4], np.int64))
    with pytest.raises(ModelFileError, match="not valid UTF-8"):
        load_model(path)


def test_a_long_word_costs_its_own_bytes_not_a_column_of_them(tmp_path):
    words = [f"w{i}" for i in range(999)] + ["x" * 100_000]
    model = Model(Vocab(words, np.arange(1000, 0, -1)), np.ones((1000, 8), np.float32))
    path = tmp_path / "m.npz"
    save_model(model, path)
    # the text is ~105 KB and the numbers 40 KB; format 1 took 1000 x 400 KB = 400 MB
    assert path.stat().st_size < 200_000
    assert load_model(path).words == words


@pytest.mark.parametrize("member", [b"hello", b"\x93NUMPY\x01\x00", b"", b"\x93NUMPY\x09\x09" + bytes(100)])
def test_a_member_that_is_not_a_numpy_array(tmp_path, member):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, {"vectors.npy": member})
    with pytest.raises(ModelFileError, match="'vectors' is"):
        load_model(path)


def test_a_header_that_lies_about_the_size_is_refused_before_reading(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (20, 5), }".ljust(117) + b"\n"
    rezip(path, {"vectors.npy": b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(40)})
    with pytest.raises(ModelFileError, match="declares 400 bytes of data but holds 40"):
        load_model(path)


def test_unused_members_are_never_opened(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, extra=[("junk.npy", bytes(1 << 20)), ("words.npy", b"not even an array")],
          compression=zipfile.ZIP_DEFLATED)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: (
        opened.append(getattr(name, "filename", name)), real_open(self, name, *a, **k))[1])
    assert load_model(path).words == make_model().words
    assert opened and "junk.npy" not in opened and "words.npy" not in opened


def test_a_decompression_bomb_is_refused_before_decompressing(tmp_path, monkeypatch):
    model = Model(Vocab([f"w{i}" for i in range(20)], np.ones(20, np.int64)), np.zeros((20, 2048), np.float32))
    path = tmp_path / "m.npz"
    save_model(model, path)
    rezip(path, compression=zipfile.ZIP_DEFLATED)  # 160 KB of zeros: a few hundred bytes
    assert load_model(path).dim == 2048
    monkeypatch.setattr(model_file, "_BOMB_FLOOR", 10_000)
    with pytest.raises(ModelFileError, match="'vectors' would expand from"):
        load_model(path)


def test_an_archive_of_hundreds_of_entries_is_refused_before_parsing_them(tmp_path):
    path = tmp_path / "m.npz"
    save_model(make_model(), path)
    rezip(path, extra=[(f"extra{i}.npy", b"") for i in range(300)])
    with pytest.raises(ModelFileError, match="lists 310 entries"):
        load_model(path)


def test_what_load_model_would_refuse_is_not_saved(tmp_path):
    odd = Model(Vocab(["ok", "bad\ud800"], np.ones(2, np.int64)), np.ones((2, 3), np.float32))
    with pytest.raises(StudioError, match="not valid Unicode"):
        save_model(odd, tmp_path / "m.npz")
    diverged = make_model()
    diverged.vectors[3, 1] = np.nan
    with pytest.raises(StudioError, match="NaN"):
        save_model(diverged, tmp_path / "m.npz")
    assert listing(tmp_path) == []


# -- word2vec / GloVe ---------------------------------------------------------------------------


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip(tmp_path, binary):
    model = make_model()
    path = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec(model, path, binary=binary)
    seen = []
    loaded = load_vectors(path, progress=lambda done, total: seen.append((done, total)))
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    assert loaded.output is None and loaded.config is None
    assert loaded.counts.dtype == np.int64 and not loaded.counts.any()
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))
    assert load_any(path).words == model.words


def test_load_any_reports_progress_of_a_vectors_file(tmp_path):
    model = make_model()
    path = tmp_path / "v.txt"
    save_word2vec(model, path)
    seen = []
    loaded = load_any(path, progress=lambda done, total: seen.append((done, total)))
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_load_any_with_progress_still_tells_a_model_file(tmp_path):
    model = make_model()
    for name in ("m.npz", "m"):  # by its suffix, or by its zip magic
        save_model(model, tmp_path / name)
        seen = []
        loaded = load_any(tmp_path / name, progress=lambda done, total: seen.append((done, total)))
        assert loaded.words == model.words and loaded.config == model.config
        assert seen == []  # read in one go
    glove = tmp_path / "pk.txt"  # starts with "PK" but is no zip archive: a vectors file
    glove.write_text("PK 1 2\nzip 3 4\n")
    assert load_any(glove, progress=lambda done, total: None).words == ["PK", "zip"]


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_readable_by_gensim(tmp_path, binary):
    gensim = pytest.importorskip("gensim")
    model = make_model()
    path = tmp_path / "v.w2v"
    save_word2vec(model, path, binary=binary)
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(kv.index_to_key) == model.words
    np.testing.assert_array_equal(kv.vectors, model.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_files_readable_by_us(tmp_path, binary):
    gensim = pytest.importorskip("gensim")
    model = make_model()
    kv = gensim.models.KeyedVectors(model.dim)
    kv.add_vectors(model.words, model.vectors)
    path = tmp_path / "g.w2v"
    kv.save_word2vec_format(str(path), binary=binary)
    loaded = load_vectors(path)
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.vectors, model.vectors)


def test_word2vec_c_style_text_with_trailing_spaces(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\nthe 0.1 0.2 0.3 \nof -1 2e-3 4 \n")
    loaded = load_vectors(path)
    assert loaded.words == ["the", "of"]
    np.testing.assert_array_equal(loaded.vectors, np.array([[0.1, 0.2, 0.3], [-1, 2e-3, 4]], np.float32))


def test_glove_text(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text("the 0.1 0.2 0.3\n, 1 2 3\nzürich -1 -2 -3.5e-2\n\n", encoding="utf-8")
    loaded = load_vectors(path)
    assert loaded.words == ["the", ",", "zürich"]
    np.testing.assert_array_equal(
        loaded.vectors, np.array([[0.1, 0.2, 0.3], [1, 2, 3], [-1, -2, -3.5e-2]], np.float32)
    )


def test_glove_without_final_newline_and_bom(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes(b"\xef\xbb\xbfa 1 2\nb 3 4")
    loaded = load_vectors(path)
    assert loaded.words == ["a", "b"] and loaded.vectors.shape == (2, 2)


def test_glove_bigger_than_a_block(tmp_path):
    rng = np.random.default_rng(1)
    n = file_checks.BLOCK_LINES * 2 + 17
    vectors = rng.standard_normal((n, 4)).astype(np.float32)
    with open(tmp_path / "g.txt", "w") as f:
        for i, row in enumerate(vectors):
            f.write(f"w{i} " + " ".join("%.9g" % x for x in row) + "\n")
    loaded = load_vectors(tmp_path / "g.txt")
    assert len(loaded) == n
    np.testing.assert_array_equal(loaded.vectors, vectors)


def test_non_utf8_words_fall_back_to_latin1(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\ncaf\xe9 1 2\nok 3 4\n")
    assert load_vectors(path).words == ["café", "ok"]
    binary = tmp_path / "v.bin"
    binary.write_bytes(b"1 2\n\xff\xfe " + np.array([1, 2], "<f4").tobytes() + b"\n")
    assert load_vectors(binary).words == ["ÿþ"]


def test_duplicate_words_keep_the_first(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("a 1 2\nb 3 4\na 5 6\n")
    loaded = load_vectors(path)
    assert loaded.words == ["a", "b"]
    np.testing.assert_array_equal(loaded.vector("a"), [1, 2])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"2 3\nthe 0.1 0.2 0.3\nof 1 2\n", "line 3"),
        (b"2 3\nthe 0.1 0.2 0.3\nof 1 2 3 4\n", "line 3"),
        (b"2 3\nthe 0.1 0.2 0.3\nof 1 x 3\n", "line 3.*'x' is not a number"),
        (b"3 3\nthe 0.1 0.2 0.3\nof 1 2 3\n", "header says 3 vectors but the file holds 2"),
        (b"1 3\nthe 0.1 0.2 0.3\nof 1 2 3\n", "line 3.*more vectors"),
        (b"2 3\nthe 0.1 0.2\nof 1 2 3\n", "line 2"),
        (b"the 0.1 0.2 0.3\nof 1 2\n", "line 2"),
        (b"the 0.1 0.2 0.3\n 1 2 3\n", "line 2.*empty word"),
        (b"the 0.1 0.2 0.3\nof 1 nan 3\n", "line 2.*NaN"),
        (b"0 3\n", "no vectors"),
        (b"justoneword\n", "line 1"),
        (b"2 3000\nthe 1\n", "3,000 dimensions"),
        (b"the" + b" 1" * 3000 + b"\n", "3,000 dimensions"),
        (b"100000 3\nthe 1 2 3\n", "truncated or its header is wrong"),
        (b"1" * 30 + b" 3\nthe 1 2 3\n", "line 2"),  # no header: a row whose word is digits
    ],
)
def test_malformed_text_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as info:
        load_vectors(path)
    assert "bad.txt" in str(info.value) and "\n" not in str(info.value)


def test_malformed_binary_files(tmp_path):
    model = make_model(n=5, dim=4)
    path = tmp_path / "v.bin"
    save_word2vec(model, path, binary=True)
    data = path.read_bytes()
    for cut in (len(data) - 3, len(data) - 20, 30):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated"):
            load_vectors(path)
    path.write_bytes(data + b"extra " + np.ones(4, "<f4").tobytes())
    with pytest.raises(ModelFileError, match="more data"):
        load_vectors(path)
    path.write_bytes(data.replace(b"5 4\n", b"9 4\n", 1))
    with pytest.raises(ModelFileError, match="truncated"):
        load_vectors(path)


def test_word2vec_refuses_words_with_spaces(tmp_path):
    model = Model(Vocab(["new york"], np.array([1])), np.ones((1, 2), np.float32))
    with pytest.raises(StudioError, match="space"):
        save_word2vec(model, tmp_path / "v.txt")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_refuses_words_with_a_lone_surrogate(tmp_path, binary):
    model = Model(Vocab(["ok", "bad\udc80"], np.ones(2, np.int64)), np.ones((2, 2), np.float32))
    with pytest.raises(StudioError, match="not valid Unicode"):
        save_word2vec(model, tmp_path / "v.txt", binary=binary)
    assert listing(tmp_path) == []


# -- projector ----------------------------------------------------------------------------------


def test_projector_tsv(tmp_path):
    model = make_model(n=6, dim=3)
    vectors_path, metadata_path = save_projector_tsv(model, tmp_path / "out" / "projector")
    assert vectors_path.name == "vectors.tsv" and metadata_path.name == "metadata.tsv"
    rows = vectors_path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 6 and all(len(r.split("\t")) == 3 for r in rows)
    values = np.array([[float(x) for x in r.split("\t")] for r in rows])
    np.testing.assert_allclose(values, model.vectors, rtol=1e-6)
    assert metadata_path.read_text(encoding="utf-8").splitlines() == model.words
    assert listing(vectors_path.parent) == ["metadata.tsv", "vectors.tsv"]


def test_projector_tsv_labels_a_lone_surrogate_with_a_replacement_character(tmp_path):
    model = Model(Vocab(["ok", "bad\ud800"], np.ones(2, np.int64)), np.ones((2, 2), np.float32))
    _, metadata_path = save_projector_tsv(model, tmp_path)
    assert metadata_path.read_text(encoding="utf-8").splitlines() == ["ok", "bad\ufffd"]


def test_projector_tsv_writes_both_files_or_neither(tmp_path, monkeypatch):
    save_projector_tsv(make_model(n=6, dim=3, seed=1), tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in listing(tmp_path)}

    def broken(word):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(projector, "_tsv_safe", broken)  # fails after vectors.tsv is written
    with pytest.raises(RuntimeError):
        save_projector_tsv(make_model(n=6, dim=3, seed=2), tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in listing(tmp_path)} == before
    with pytest.raises(RuntimeError):
        save_projector_tsv(make_model(n=6, dim=3, seed=2), tmp_path / "new")
    assert listing(tmp_path / "new") == []


def test_a_model_file_without_words_is_refused(tmp_path):
    path = tmp_path / "empty.npz"
    save_model(make_model(), path)
    arrays = dict(np.load(path))
    arrays.update(word_bytes=np.zeros(0, np.uint8), word_lengths=np.zeros(0, np.int64),
                  counts=np.zeros(0, np.int64), vectors=np.zeros((0, 5), np.float32),
                  output=np.zeros((0, 5), np.float32))
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="no words"):
        load_model(path)


def test_the_rare_words_travel_with_the_model_and_explain_a_missing_word(tmp_path):
    vocab = Vocab.from_counts({"often": 9, "also": 7, "seldom": 2, "café": 1}, min_count=3)
    assert vocab.rare == {"seldom": 2, "café": 1}
    model = Model(vocab, np.ones((2, 4), np.float32))
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.vocab.rare == {"seldom": 2, "café": 1}
    with pytest.raises(KeyError, match="'café' occurs once.*minimum count of 1 would keep it"):
        again.index("Café")


def test_a_model_saved_before_token_rules_says_it_used_the_articles_rule():
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in ("tokens", "phrases", "phrase_threshold")}
    assert TrainConfig.from_dict(old).tokens == "article"
    assert TrainConfig.from_dict(TrainConfig(tokens="split").to_dict()).tokens == "split"

"""Mutation fuzzing of model and vectors files: every load either works or raises a StudioError.

Seeds are small valid files: a model in format 2 and in format 1, word2vec text and binary, GloVe.
Each case mutates one of them: bytes flipped, cut, inserted or repeated; zip members deleted, replaced
by random bytes, by other arrays, by headers declaring huge or odd shapes and types, by odd or deeply
nested JSON, recompressed, or joined by extra members; words made invalid; vectors and counts given
NaN, infinity, huge or negative values; words given control characters; vectors-file headers, numbers and
words replaced by odd ones.
Whatever loads must also save, load back and export, again with nothing but StudioErrors.

pytest runs a few hundred cases under hypothesis in a few seconds. The long run,

    python tests/core/test_fuzz_files.py --cases 2000

prints how many cases raised anything but a StudioError (the goal is 0) and exits with 1 if any did.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import argparse
import io
import json
import random
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from datetime import timedelta
from functools import lru_cache

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.io import load_any, load_model, save_model, save_projector_tsv, save_word2vec
from embedding_studio.core.vectors.model import Model, RunState

WORDS = ["the", "of", "café", "naïve", "日本語", "x" * 40]
DIM = 4


@lru_cache(maxsize=None)
def seeds() -> dict[str, bytes]:
    """The valid files every case starts from, by kind."""
    rng = np.random.default_rng(0)
    n = len(WORDS)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    model = Model(
        Vocab(WORDS, np.arange(n, 0, -1) * 3), vectors, rng.standard_normal((n, DIM)).astype(np.float32),
        TrainConfig(dim=DIM, epochs=2, workers=1), [2.0, 1.5],
        RunState(epochs_trained=2, run_epochs=2, run_tokens=100, batch_tokens=64, next_batch=3, finished=False),
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        save_model(model, out / "m.npz")
        save_word2vec(model, out / "v.txt")
        save_word2vec(model, out / "v.bin", binary=True)
        files = {name: (out / f).read_bytes() for name, f in
                 [("model", "m.npz"), ("word2vec", "v.txt"), ("word2vec-binary", "v.bin")]}
    files["glove"] = files["word2vec"].split(b"\n", 1)[1]
    members = _members(files["model"])
    old = {name: data for name, data, _ in members if name not in ("word_bytes.npy", "word_lengths.npy")}
    old["version.npy"] = _npy(np.array(1, dtype=np.int64))
    old["words.npy"] = _npy(np.array(WORDS))
    files["model-format-1"] = _zip([(name, data, zipfile.ZIP_STORED) for name, data in old.items()])
    return files


# -- building blocks ------------------------------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _members(archive: bytes) -> list[tuple[str, bytes, int]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return [(info.filename, z.read(info), info.compress_type) for info in z.infolist()]


def _zip(members: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as z:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, data, compression in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


ODD_DTYPES = ["<f4", ">f4", "<f8", "<f2", "<i8", ">i4", "<u8", "|u1", "|b1", "<c8", "<U3", ">U3", "|S4",
              "<M8[s]", "|V8", [("a", "<f4")]]
ODD_SHAPES = [(), (0,), (1,), (6,), (7,), (6, 4), (6, 0), (0, 4), (6, 5), (6, 2049), (4, 6), (6, 4, 1)]
ODD_DESCR = ["'<f4'", "'|O'", "'<U5'", "[('a', '<f4')]", "('<f4', (1000000000,))", "'>f8'", "'<f16'",
             "'garbage'", "1", "'<U0'", "'<i8'", "'|u1'", "(" * 300 + ")" * 300]
ODD_SHAPE_TEXT = ["()", "(6,)", "(6, 4)", "(1000000000000,)", "(-1, 4)", "(6, 2049)", "(6, 0)",
                  "(4611686018427387904, 4611686018427387904)", "'x'", "(6, 4, 4)", "(6, 1000000000)"]
ODD_JSON = ["[" * 100_000 + "]" * 100_000, "[" * 33 + "]" * 33, "{\"a\":" * 5000 + "1" + "}" * 5000,
            "[" * 40, "1" * 5000, "1e999", "NaN", "-Infinity", "\"\\ud800\"", "{\"dim\": \"\\udfff\"}", "",
            "null", "[]", "\"x\"" + " " * 2_000_000, "{\"dim\": 1e999}", "{\"epochs_trained\": -1}",
            "{\"finished\": 1}", "{\"next_batch\": 1e300}", "{\"dim\": 5}", "{\"dim\": 4, \"lr\": NaN}"]
ODD_VALUES = [None, True, False, -1, 0, 1, 4, 2**70, -2**63, 1.5, float("nan"), float("inf"), "x", "\ud800",
              [], {}]
CONFIG_KEYS = ["dim", "window", "negative", "epochs", "min_count", "max_vocab", "sample", "lr", "min_lr",
               "seed", "workers", "batch_tokens", "max_row_step", "other"]
STATE_KEYS = ["epochs_trained", "run_epochs", "run_tokens", "batch_tokens", "next_batch", "finished",
              "run_next_batch", "other"]


def _odd_array(rng: random.Random) -> np.ndarray:
    dtype = np.dtype(rng.choice(ODD_DTYPES))
    shape = rng.choice(ODD_SHAPES)
    size = int(np.prod(shape)) * dtype.itemsize
    array = np.frombuffer(rng.randbytes(size), dtype=dtype).reshape(shape).copy()
    return np.asfortranarray(array) if rng.random() < 0.2 else array


def _odd_header(rng: random.Random) -> bytes:
    """An .npy header that may lie about anything, followed by a few bytes of data."""
    text = (f"{{'descr': {rng.choice(ODD_DESCR)}, 'fortran_order': {rng.choice(['False', 'True', '1'])}, "
            f"'shape': {rng.choice(ODD_SHAPE_TEXT)}, }}")
    if rng.random() < 0.1:
        text = rng.randbytes(rng.randrange(200)).decode("latin-1")
    body = (text + " " * rng.randrange(70) + "\n").encode("latin-1")
    version = rng.choice([(1, 0), (1, 0), (2, 0), (3, 0), (9, 9)])
    size = len(body).to_bytes(2 if version == (1, 0) else 4, "little")
    return b"\x93NUMPY" + bytes(version) + size + body + rng.randbytes(rng.randrange(200))


def _odd_json(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(ODD_JSON)
    keys = rng.choice([CONFIG_KEYS, STATE_KEYS])
    value = {rng.choice(keys): rng.choice(ODD_VALUES) for _ in range(rng.randrange(1, 6))}
    if rng.random() < 0.2:
        value = [value, rng.choice(ODD_VALUES)]
    return json.dumps(value)


def _odd_words(rng: random.Random, format_1: bool) -> dict[str, bytes]:
    n = len(WORDS) + rng.choice([0, 0, -1, 1])
    if format_1:
        codes = [rng.choice([0x61, 0, 0xD800, 0xDFFF, 0x110000, 0xFFFFFFFF, 0x20, 0x10FFFF, 0x09, 0x1B, 0x85])
                 for _ in range(n * 3)]
        words = np.frombuffer(np.array(codes, dtype="<u4").tobytes(), dtype="<U3")
        return {"words.npy": _npy(words)}
    pieces = [rng.choice([b"a", b"b", b"", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"\xc3", b"ok", b"a\tb",
                          b"a\nb", b"\x1b[2J", b"\xc2\x9b", b"\x7f"]) for _ in range(n)]
    lengths = [len(p) + rng.choice([0, 0, 0, -1, 1, 2**62]) for p in pieces]
    return {"word_bytes.npy": _npy(np.frombuffer(b"".join(pieces), dtype=np.uint8)),
            "word_lengths.npy": _npy(np.array(lengths, dtype=np.int64).astype(rng.choice(["<i8", "<u8", ">i8"])))}


# -- mutations ------------------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """Flip, cut, insert, delete or repeat bytes, one to three times."""
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(data) + 1)
        op = rng.randrange(5)
        if op == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            del data[at:]
        elif op == 2:
            data[at:at] = rng.randbytes(rng.randrange(1, 16))
        elif op == 3:
            del data[at : at + rng.randrange(1, 64)]
        else:
            data[at:at] = data[at : at + rng.randrange(1, 64)] * rng.randrange(1, 4)
        if not data:
            break
    return bytes(data)


def mutate_members(rng: random.Random, archive: bytes, format_1: bool) -> bytes:
    """Change a model file member by member, then write it as a new zip archive."""
    members = {name: [data, compression] for name, data, compression in _members(archive)}
    extra: list[tuple[str, bytes, int]] = []
    for _ in range(rng.randrange(1, 4)):
        name = rng.choice(sorted(members))
        op = rng.randrange(10)
        if op == 0:
            del members[name]
        elif op == 1:
            prefix = b"\x93NUMPY" if rng.random() < 0.5 else b""
            members[name][0] = prefix + rng.randbytes(rng.randrange(300))
        elif op == 2:
            members[name][0] = _npy(_odd_array(rng))
        elif op == 3:
            members[name][0] = _odd_header(rng)
        elif op == 4:
            members[rng.choice(["config.npy", "state.npy"])] = [_npy(np.array(_odd_json(rng))), zipfile.ZIP_STORED]
        elif op == 5:
            for key, data in _odd_words(rng, format_1).items():
                members[key] = [data, zipfile.ZIP_STORED]
        elif op == 6:
            members.update(_odd_values(rng))
        elif op == 7:
            members[name][1] = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
        elif op == 8:
            junk = rng.choice([rng.randbytes(rng.randrange(100)), bytes(rng.randrange(1 << 20))])
            extra.append((rng.choice(["junk.npy", "vectors.npy", "words", "a/b.npy"]), junk,
                          rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])))
        else:
            version = np.array(rng.choice([-5, 0, 1, 2, 3, 2**62]), dtype=np.int64)
            members["version.npy"] = [_npy(version.astype(rng.choice(["<i8", "<u8", "|i1", "<f8"]))),
                                      zipfile.ZIP_STORED]
    return _zip([(name, data, compression) for name, (data, compression) in members.items()] + extra)


def _odd_values(rng: random.Random) -> dict[str, list]:
    n = len(WORDS)
    table = np.ones((n, DIM), dtype=rng.choice(["<f4", "<f8", ">f4", "<f2"]))
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32 and float16
        table[rng.randrange(n), rng.randrange(DIM)] = rng.choice([np.nan, np.inf, -np.inf, 1e300, 0.0, 3e38, -1e20,
                                                                  6e4])
    choices = {
        "vectors.npy": table,
        "output.npy": table,
        "counts.npy": np.array([rng.choice([-1, 0, 5, 2**63 - 1]) for _ in range(n)], dtype=np.int64)
                      .astype(rng.choice(["<i8", "<u8"])),
        "loss_history.npy": np.array([rng.choice([np.nan, 1.0, -np.inf]) for _ in range(rng.randrange(4))]),
    }
    name = rng.choice(sorted(choices))
    return {name: [_npy(choices[name]), zipfile.ZIP_STORED]}


ODD_TOKENS = [b"nan", b"inf", b"-inf", b"1e999", b"", b"-", b"0x10", b"1_000", b"\x00", b"\xff\xfe",
              b"\xed\xa0\x80", b"9" * 400, b"1e-999", b"+1", b".", b"1,5", b"\t", b"\r", b"\xef\xbb\xbf", b"3e38",
              b"-1e20", b"a\tb", b"\x1b[31m", b"\x9b"]
ODD_COUNTS = [0, 1, 5, 6, 7, 10**9, 10**18, 4, 2**63]


def mutate_lines(rng: random.Random, data: bytes) -> bytes:
    """Change a vectors file line by line: its header, numbers and words, blank lines, line ends."""
    lines = data.split(b"\n")
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            tokens = lines[at].split(b" ")
            tokens[rng.randrange(len(tokens))] = rng.choice(ODD_TOKENS + [rng.randbytes(rng.randrange(1, 9))])
            lines[at] = b" ".join(tokens)
        elif op == 1:
            lines[0] = b"%d %d" % (rng.choice(ODD_COUNTS), rng.choice(ODD_COUNTS))
        elif op == 2:
            del lines[at]
        elif op == 3:
            lines.insert(at, rng.choice([b"", b" ", lines[at]]))
        elif op == 4:
            lines = [line + b"\r" for line in lines]
        else:
            lines[at] += b" " * rng.randrange(1, 3)
        if not lines:
            break
    return b"\n".join(lines)


def make_case(rng: random.Random) -> tuple[str, bytes]:
    """One mutated file: which seed it came from, and its bytes."""
    kind = rng.choice(sorted(seeds()))
    data = seeds()[kind]
    if kind.startswith("model") and rng.random() < 0.75:
        data = mutate_members(rng, data, kind == "model-format-1")
    elif not kind.startswith("model") and rng.random() < 0.6:
        data = mutate_lines(rng, data)
    if data == seeds()[kind] or rng.random() < 0.3:
        data = mutate_bytes(rng, data)
    return kind, data


def check(kind: str, data: bytes, folder: Path) -> None:
    """Load the file; anything but a StudioError propagates. What loads must save, load back and export."""
    path = folder / ("case.npz" if kind.startswith("model") else "case.vec")
    path.write_bytes(data)
    try:
        model = load_any(path)
    except StudioError:
        return
    assert np.isfinite(model.vectors).all() and len(set(model.words)) == len(model)
    assert not any(ch < " " or "\x7f" <= ch <= "\x9f" for word in model.words for ch in word), model.words
    if len(model) > 1:
        with np.errstate(over="raise", invalid="raise"):  # vectors too large to compute with are refused
            model.most_similar(model.words[0], topn=3)
    save_model(model, folder / "again.npz")
    again = load_model(folder / "again.npz")
    assert again.words == model.words
    np.testing.assert_array_equal(again.vectors, model.vectors)
    save_projector_tsv(model, folder / "projector")
    try:
        save_word2vec(model, folder / "again.vec")
    except StudioError:  # words with spaces have no word2vec form
        pass


# -- pytest -----------------------------------------------------------------------------------------


@settings(max_examples=250, deadline=timedelta(seconds=5), database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_mutated_files_load_or_raise_a_studio_error(rng, tmp_path_factory):
    kind, data = make_case(rng)
    check(kind, data, tmp_path_factory.mktemp("case"))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(CONFIG_KEYS + STATE_KEYS), inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=150, deadline=timedelta(seconds=5), database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(member=st.sampled_from(["config.npy", "state.npy"]), value=JSON, depth=st.integers(0, 40))
def test_odd_json_settings_and_state_load_or_raise_a_studio_error(member, value, depth, tmp_path_factory):
    members = {name: (data, compression) for name, data, compression in _members(seeds()["model"])}
    members[member] = (_npy(np.array("[" * depth + json.dumps(value) + "]" * depth)), zipfile.ZIP_STORED)
    data = _zip([(name, data, compression) for name, (data, compression) in members.items()])
    check("model", data, tmp_path_factory.mktemp("case"))


# -- the long run -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failures: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    slowest = (0.0, -1)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for case in range(args.cases):
            rng = random.Random(args.seed * 1_000_003 + case)
            kind, data = make_case(rng)
            kinds[kind] += 1
            began = time.perf_counter()
            try:
                check(kind, data, Path(folder))
            except Exception as error:  # counting them is the point
                key = f"{type(error).__name__}: {str(error)[:100]}"
                if not failures[key]:
                    print(f"case {case} ({kind}):", file=sys.stderr)
                    traceback.print_exc()
                failures[key] += 1
            slowest = max(slowest, (time.perf_counter() - began, case))
    total = sum(failures.values())
    print(f"{args.cases} cases ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}) in "
          f"{time.perf_counter() - start:.1f} s, slowest case {slowest[1]} {slowest[0]:.2f} s")
    for key, count in failures.most_common():
        print(f"  {count} x {key}")
    print(f"exceptions other than StudioError: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

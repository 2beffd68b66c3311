"""core.text.corpus, decoding, parallel_reader and token_ids: tokenising, decoding, Gutenberg stripping, finding files, vocabulary and ids."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embedding_studio.core.text.corpus as corpus_module
from embedding_studio.core.text import decoding, parallel_reader, token_ids
from embedding_studio.core.config import TrainConfig
from embedding_studio.core.text.corpus import Corpus, ReadingOptions, corpus_from_tokens, load_corpus
from embedding_studio.core.text.decoding import find_text_files, iter_text
from embedding_studio.core.text.tokens import tokenize
from embedding_studio.core.errors import ConfigError, CorpusError

DOSTOEVSKY = Path(__file__).resolve().parents[2].parent / "shared/corpora/dostoevsky"

PASSAGE = (
    "My liver is bad, well--let it get worse! I don't consult a doctor\u2014from spite.\n"
    "The caf\u00e9 owner was na\u00efve; \u2019twas 1866, and the rent_due was 30 roubles.\n"
    "\u201cWell,\u201d said he, \u201cit\u2019s the prince\u2019s affair.\u201d\n"
)


def article_tokens(text: str) -> list[str]:
    """The article's tokeniser, for comparison."""
    return re.sub(r"[^a-z\s]", "", text.lower()).split()


def reference_tokens(text: str) -> list[str]:
    """The specification as one slow regex: letter runs, joined across inner apostrophes."""
    words = re.findall(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*", text.lower())
    return [w.replace("'", "").replace("\u2019", "") for w in words]


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def words_text(n: int, vocabulary: int = 50, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    words = [f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(vocabulary)]
    return " ".join(words[i] for i in rng.integers(0, vocabulary, n)).replace("w", "")


# -- iter_text: decoding, Gutenberg, streaming -------------------------------------------------


def test_utf8_with_bom_and_crlf(tmp_path):
    path = write(tmp_path / "bom.txt", "\ufeffCafé noir\r\nsecond line\r\n")
    warnings: list[str] = []
    assert tokenize("".join(iter_text(path, warnings))) == ["café", "noir", "second", "line"]
    assert warnings == []


def test_cp1252_fallback_warns(tmp_path):
    path = write(tmp_path / "Notes.txt", "Caf\u00e9 \u2018quoted\u2019 don\u2019t\n", encoding="cp1252")
    warnings: list[str] = []
    assert tokenize("".join(iter_text(path, warnings))) == ["café", "quoted", "don't"]
    assert warnings == ["Notes.txt is not UTF-8; read as cp1252"]


RUSSIAN = ("В начале июля, в чрезвычайно жаркое время, под вечер, один молодой человек вышел из своей каморки, "
           "которую нанимал от жильцов в С-м переулке, на улицу и медленно, как бы в нерешимости, отправился к "
           "К-ну мосту.\n")


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r"])
def test_russian_in_a_legacy_encoding_is_read_as_russian(tmp_path, encoding):
    path = write(tmp_path / "crime.txt", RUSSIAN * 30, encoding=encoding)
    warnings: list[str] = []
    words = tokenize("".join(iter_text(path, warnings)))
    assert words[:4] == ["в", "начале", "июля", "в"] and "каморки" in words  # not cp1252 gibberish
    assert warnings == [f"crime.txt is not UTF-8; read as {encoding.replace('_', '-')}"] or \
        warnings == [f"crime.txt is not UTF-8; read as {encoding}"]


def test_a_cp1251_corpus_has_russian_words(tmp_path):
    write(tmp_path / "crime.txt", RUSSIAN * 30, encoding="cp1251")
    corpus = load_corpus([tmp_path], min_count=5)
    assert "каморки" in corpus.vocab.index and corpus.warnings == ["crime.txt is not UTF-8; read as cp1251"]


@pytest.mark.parametrize("text", ["Déjà vu, naïve café — « français » œuvre, garçon. Il était à Paris.\n",
                                  "Ich möchte Größe über die Straße. Äpfel und Öl.\n"])
def test_western_texts_stay_cp1252(tmp_path, text):
    path = write(tmp_path / "west.txt", text * 20, encoding="cp1252")
    warnings: list[str] = []
    assert "".join(iter_text(path, warnings)) == text * 20  # not cp1250, which makes à an ŕ
    assert warnings == ["west.txt is not UTF-8; read as cp1252"]


def test_latin1_when_not_even_cp1252(tmp_path):
    path = write(tmp_path / "odd.txt", b"caf\xe9 \x81 ok\n")  # 0x81 is undefined in cp1252
    warnings: list[str] = []
    assert tokenize("".join(iter_text(path, warnings))) == ["café", "ok"]
    assert warnings == ["odd.txt is not UTF-8; read as latin-1"]


def test_utf8_is_validated_over_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "BLOCK_CHARS", 64)
    body = "é" * 200 + "\n"
    path = write(tmp_path / "late.txt", body.encode("utf-8") + b"\xe9 late\n")  # bad byte after block 1
    warnings: list[str] = []
    text = "".join(iter_text(path, warnings))
    assert warnings[0].startswith("late.txt is UTF-8 with some bytes that are not")  # found past block 1
    assert text == body + "\ufffd late\n"  # mostly UTF-8: its é kept, the stray byte a gap


GUTENBERG = (
    "The Project Gutenberg eBook of The Idiot\nThis eBook is for the use of anyone anywhere\n"
    "*** START OF THE PROJECT GUTENBERG EBOOK THE IDIOT ***\n"
    "Towards the end of November\nduring a thaw\n"
    "*** END OF THE PROJECT GUTENBERG EBOOK THE IDIOT ***\n"
    "Updated editions will replace the previous one\nlicense license license\n"
)


def test_gutenberg_header_and_footer_are_stripped(tmp_path):
    path = write(tmp_path / "idiot.txt", GUTENBERG)
    assert tokenize("".join(iter_text(path))) == "towards the end of november during a thaw".split()


def test_gutenberg_markers_are_case_insensitive(tmp_path):
    path = write(tmp_path / "x.txt", "header\n*** start of this project gutenberg ebook x ***\nbody\n*** end of it\ntail\n")
    assert tokenize("".join(iter_text(path))) == ["body"]


def test_text_without_markers_is_used_whole(tmp_path):
    path = write(tmp_path / "plain.txt", "first line\nstars *** START OF not at line start\nlast line\n")
    assert tokenize("".join(iter_text(path))) == tokenize(path.read_text())


def test_a_start_marker_far_into_the_text_is_not_a_header(tmp_path):
    text = "word\n" * 2500 + "*** START OF SOMETHING ***\nmore\n"
    path = write(tmp_path / "late.txt", text)
    assert len(tokenize("".join(iter_text(path)))) == 2500 + 4


def test_streaming_many_blocks_matches_tokenizing_the_whole_text(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "BLOCK_CHARS", 100)  # block borders fall inside words and characters
    text = ("Ünïcödé caf\u00e9s don\u2019t well--let naïve ŒUVRE " * 7 + "\n") * 40
    path = write(tmp_path / "many.txt", text)
    pieces = list(iter_text(path))
    assert len(pieces) > 10
    assert "".join(pieces) == text
    assert [t for p in pieces for t in tokenize(p)] == tokenize(text)


def test_a_long_line_without_breaks_is_cut_at_spaces(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "BLOCK_CHARS", 64)
    text = "alpha béta gamma delta " * 100  # one line, no newline
    path = write(tmp_path / "line.txt", text)
    pieces = list(iter_text(path))
    assert len(pieces) > 5
    assert [t for p in pieces for t in tokenize(p)] == tokenize(text)


def test_a_file_larger_than_one_real_block(tmp_path):
    text = (PASSAGE * 6000)[:-1]  # about 1.3 MB, no final newline
    assert len(text.encode()) > decoding.BLOCK_CHARS
    path = write(tmp_path / "big.txt", text)
    pieces = list(iter_text(path))
    assert len(pieces) >= 2
    assert [t for p in pieces for t in tokenize(p)] == tokenize(text)
    assert load_corpus([path], min_count=1).raw_tokens == len(tokenize(text))


# -- finding files -----------------------------------------------------------------------------


def test_find_text_files_recurses_sorted_and_ignores_other_files(tmp_path):
    write(tmp_path / "b.txt", "b")
    write(tmp_path / "a.txt", "a")
    write(tmp_path / "sub" / "c.TXT", "c")
    write(tmp_path / "sub" / "deeper" / "d.txt", "d")
    write(tmp_path / "notes.md", "no")
    write(tmp_path / "data.csv", "no")
    found = find_text_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b.txt", "sub/c.TXT", "sub/deeper/d.txt"]


def test_find_text_files_takes_files_and_folders_without_duplicates(tmp_path):
    a = write(tmp_path / "dir" / "a.txt", "a")
    other = write(tmp_path / "other.text", "x")  # named explicitly: taken whatever its suffix
    assert find_text_files([str(other), tmp_path / "dir", a]) == [other, a]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: [tmp / "missing.txt"], "does not exist"),
        (lambda tmp: [(tmp / "empty_dir").mkdir() or tmp / "empty_dir"], "holds no .txt files"),
        (lambda tmp: [], "no text files or folders"),
    ],
)
def test_find_text_files_errors(tmp_path, make, message):
    with pytest.raises(CorpusError, match=message) as info:
        find_text_files(make(tmp_path))
    assert "\n" not in str(info.value)


# -- load_corpus: errors and skipping ----------------------------------------------------------

BAD_FILES = {
    "empty.txt": (b"", "is empty"),
    "binary.txt": (b"PK\x03\x04\x00\x00binary stuff", "binary"),
    "digits.txt": (b"123 456 -- 789 !!!\n", "has no letters"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_named_unusable_file_is_an_error_naming_it(tmp_path, name):
    content, reason = BAD_FILES[name]
    path = write(tmp_path / name, content)
    with pytest.raises(CorpusError, match=reason) as info:
        load_corpus([path], min_count=1)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_unusable_files_in_a_folder_are_skipped_with_a_warning(tmp_path):
    for name, (content, _) in BAD_FILES.items():
        write(tmp_path / name, content)
    good = write(tmp_path / "good.txt", "the cat sat on the mat\n")
    corpus = load_corpus([tmp_path], min_count=1)
    assert corpus.files == [good]
    assert len(corpus.warnings) == 3
    for name, (_, reason) in BAD_FILES.items():
        assert any(name in w and reason in w for w in corpus.warnings)


def test_a_folder_with_nothing_usable_is_an_error(tmp_path):
    for name, (content, _) in BAD_FILES.items():
        write(tmp_path / name, content)
    with pytest.raises(CorpusError, match="no usable text"):
        load_corpus([tmp_path], min_count=1)


def test_too_few_words_after_min_count_suggests_lowering_it(tmp_path):
    path = write(tmp_path / "short.txt", "one two three two\n")
    with pytest.raises(CorpusError) as info:
        load_corpus([path], min_count=2)
    message = str(info.value)
    assert "3 distinct words" in message and "min_count" in message and "\n" not in message
    assert len(load_corpus([path], min_count=1).vocab) == 3


def test_an_unreadable_file_is_a_corpus_error(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.txt", "some words here\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(decoding, "open", refuse, raising=False)
    with pytest.raises(CorpusError, match="cannot read .*locked.txt: Permission denied"):
        load_corpus([path], min_count=1)
    with pytest.raises(CorpusError, match="Permission denied"):
        list(iter_text(path))


def test_bad_limits_are_config_errors(tmp_path):
    path = write(tmp_path / "a.txt", "a b c\n")
    with pytest.raises(ConfigError, match="min_count"):
        load_corpus([path], min_count=0)
    with pytest.raises(ConfigError, match="max_vocab"):
        corpus_from_tokens(["a", "b"], max_vocab=1)


# -- vocabulary and ids ------------------------------------------------------------------------


def test_vocabulary_order_cut_and_ids(tmp_path):
    text = "b b b a a a c c d\n" + "e " * 5 + "\n"
    path = write(tmp_path / "v.txt", text)
    corpus = load_corpus([path], min_count=2)
    assert corpus.vocab.words == ["e", "a", "b", "c"]  # by count, ties alphabetical
    assert corpus.vocab.counts.tolist() == [5, 3, 3, 2]
    assert corpus.ids.dtype == np.int32
    assert corpus.raw_tokens == 14 and corpus.n_tokens == 13
    kept = [t for t in tokenize(text) if t in corpus.vocab]
    assert [corpus.vocab.words[i] for i in corpus.ids] == kept

    capped = load_corpus([path], min_count=1, max_vocab=2)
    assert capped.vocab.words == ["e", "a"]
    assert [capped.vocab.words[i] for i in capped.ids] == ["a", "a", "a", "e", "e", "e", "e", "e"]


def test_ids_over_several_files_follow_file_order(tmp_path):
    write(tmp_path / "1.txt", "alpha beta\n")
    write(tmp_path / "2.txt", "gamma alpha\n")
    corpus = load_corpus([tmp_path], min_count=1)
    assert [corpus.vocab.words[i] for i in corpus.ids] == ["alpha", "beta", "gamma", "alpha"]


def test_random_text_ids_are_consistent_with_counts(tmp_path):
    text = words_text(20_000, vocabulary=300)
    path = write(tmp_path / "r.txt", text)
    corpus = load_corpus([path], min_count=40)
    tokens = tokenize(text)
    counts = {w: tokens.count(w) for w in set(tokens)}
    assert corpus.vocab.words == sorted((w for w, c in counts.items() if c >= 40), key=lambda w: (-counts[w], w))
    assert np.array_equal(np.bincount(corpus.ids, minlength=len(corpus.vocab)), corpus.vocab.counts)
    assert [corpus.vocab.words[i] for i in corpus.ids] == [t for t in tokens if counts[t] >= 40]


def test_corpus_from_tokens_matches_load_corpus(tmp_path):
    text = words_text(5_000, vocabulary=80, seed=3)
    from_file = load_corpus([write(tmp_path / "t.txt", text)], min_count=3, max_vocab=50)
    from_tokens = corpus_from_tokens(iter(tokenize(text)), min_count=3, max_vocab=50)
    assert from_tokens.files == [] and from_tokens.warnings == []
    assert from_tokens.vocab.words == from_file.vocab.words
    assert np.array_equal(from_tokens.ids, from_file.ids)
    assert from_tokens.raw_tokens == from_file.raw_tokens


def test_corpus_from_tokens_errors():
    with pytest.raises(CorpusError, match="has no words"):
        corpus_from_tokens([])
    with pytest.raises(CorpusError, match="min_count"):
        corpus_from_tokens(["a", "b", "b"], min_count=2, name="mine")
    with pytest.raises(TypeError):
        corpus_from_tokens("a string, not words")


def test_summary_and_progress(tmp_path):
    write(tmp_path / "a.txt", "the cat and the dog\n" * 10)
    write(tmp_path / "b.txt", "the bird\n" * 10)
    calls: list[tuple[int, int]] = []
    corpus = load_corpus([tmp_path], min_count=1, progress=lambda done, total: calls.append((done, total)))
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    summary = corpus.summary()
    assert summary["files"] == 2 and summary["tokens"] == 70 and summary["kept_tokens"] == 70
    assert summary["vocab_size"] == 5
    assert summary["top_words"][0] == ("the", 30)
    assert isinstance(corpus, Corpus)


# -- the real corpus ---------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not DOSTOEVSKY.is_dir(), reason=f"real corpus not present at {DOSTOEVSKY}")
def test_dostoevsky():
    corpus = load_corpus([DOSTOEVSKY], min_count=5)
    assert len(corpus.files) == 5
    assert 0.95e6 < corpus.raw_tokens < 1.1e6
    assert corpus.vocab.words[0] == "the"
    for word in ("alyosha", "stavrogin", "petersburg", "don't", "morrow", "naïve", "fête"):
        assert word in corpus.vocab
    assert "to-morrow" not in corpus.vocab  # the default splits hyphenated words
    assert "to-morrow" in load_corpus([DOSTOEVSKY], min_count=5, tokens="keep-hyphens").vocab
    assert "gutenberg" not in corpus.vocab  # no header or licence text left
    assert "welllet" not in corpus.vocab


# --- token ids on disk (memory-mapped cache) ---------------------------------------------------


def test_cached_corpus_is_memory_mapped_identical_and_reused(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat and the dog sat on the log\n" * 200, encoding="utf-8")
    cache = tmp_path / "cache"
    plain = load_corpus([text], min_count=2)
    first = load_corpus([text], min_count=2, cache_dir=cache)
    assert isinstance(first.ids, np.memmap)
    np.testing.assert_array_equal(first.ids, plain.ids)
    assert first.vocab.words == plain.vocab.words and first.raw_tokens == plain.raw_tokens
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2 and not any(name.endswith((".spill", ".part.npy", ".tmp")) for name in entries)

    again = load_corpus([text], min_count=2, cache_dir=cache)  # a hit: same entry, no new files
    np.testing.assert_array_equal(again.ids, plain.ids)
    assert sorted(p.name for p in cache.iterdir()) == entries

    text.write_text("a different text entirely, the cat the cat\n" * 50, encoding="utf-8")
    changed = load_corpus([text], min_count=2, cache_dir=cache)  # the file changed: a miss
    assert "different" in changed.vocab
    assert len(list(cache.iterdir())) == 4


def test_a_failed_cached_read_leaves_no_entry(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("alpha beta " * 100, encoding="utf-8")
    binary = tmp_path / "bad.txt"
    binary.write_bytes(b"\x00\x01" * 100)
    cache = tmp_path / "cache"
    with pytest.raises(CorpusError):
        load_corpus([good, binary], min_count=1, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_counts_agree_whichever_way_a_chunk_is_counted(tmp_path):
    # Many distinct words in small chunks takes the np.unique path; the result must not change.
    words = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}" for i in range(5000)]
    tokens = words + words[:100] * 3
    many_small = token_ids.TokenIds()
    for start in range(0, len(tokens), 50):
        many_small.add(tokens[start:start + 50])
    one_big = token_ids.TokenIds()
    one_big.add(tokens)
    np.testing.assert_array_equal(many_small.counts(), one_big.counts())
    assert many_small.counts().sum() == len(tokens)


def test_an_unreadable_file_inside_a_folder_is_skipped_with_a_warning(tmp_path, monkeypatch):
    folder = tmp_path / "texts"
    write(folder / "good.txt", "some words here and there\n" * 5)
    write(folder / "locked.txt", "other words\n")
    real = parallel_reader.decoded_pieces

    def refuse_locked(path, *args):
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(path, *args)

    monkeypatch.setattr(parallel_reader, "decoded_pieces", refuse_locked)
    corpus = load_corpus([folder], min_count=1)
    assert [p.name for p in corpus.files] == ["good.txt"]
    assert any("locked.txt" in w and "Permission denied" in w for w in corpus.warnings)


# --- overlong letter runs, binary data, UTF-16 ---------------------------------------------------


def test_letter_runs_over_the_cap_are_dropped_as_word2vec_c_would_not_keep_them():
    limit = corpus_module.MAX_TOKEN_CHARS
    assert limit == 100  # word2vec.c's MAX_STRING
    assert tokenize("a" * (limit + 1) + " ok " + "b" * limit) == ["ok", "b" * limit]
    assert tokenize("x" * 10_000) == []


def test_overlong_runs_are_counted_and_reported_per_file(tmp_path):
    path = write(tmp_path / "mixed.txt", ("the cat sat " + "z" * 500 + "\n") * 20)
    corpus = load_corpus([path], min_count=1)
    assert corpus.vocab.words == ["cat", "sat", "the"] and corpus.raw_tokens == 60
    assert corpus.warnings == ["mixed.txt: dropped 20 run(s) of more than 100 letters, too long to be words"]


def test_megabytes_of_one_letter_hold_no_words(tmp_path):
    path = write(tmp_path / "aaaa.txt", b"a" * (9 << 20))  # past the 4-block cut, so several pieces
    with pytest.raises(CorpusError, match=r"aaaa\.txt has no words, only \d+ run\(s\) of more than 100 letters"):
        load_corpus([path], min_count=1)


def random_bytes_without_nul(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(1, 256, n, dtype=np.uint8).tobytes()


@pytest.mark.parametrize("size", [200, 20_000])
def test_random_bytes_without_nul_do_not_look_like_text(tmp_path, size):
    path = write(tmp_path / "noise.txt", random_bytes_without_nul(size))
    with pytest.raises(CorpusError, match=r"noise\.txt does not look like text: 1\d% of its first"):
        load_corpus([path], min_count=1)
    write(tmp_path / "good.txt", "the cat sat on the mat\n")
    corpus = load_corpus([tmp_path], min_count=1)  # inside a folder: skipped, with the reason
    assert [p.name for p in corpus.files] == ["good.txt"]
    assert any("noise.txt" in w and "does not look like text" in w for w in corpus.warnings)


def test_real_texts_in_every_encoding_still_look_like_text():
    text = "Page one of a book.\f\n\tIndented — with «quotes», naïve café, ‘curly’ and \u0001 once.\r\n" * 50
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-32"):
        data = text.encode(encoding, errors="replace")
        assert decoding.text_problem(data[:decoding._SNIFF]) is None, encoding
    assert decoding.text_problem("Привет, мир\n".encode("cp1251") * 100) is None  # read as cp1252
    assert decoding.text_problem(b"text\x00more") == (
        "looks like a binary file, not plain text (it contains NUL bytes)")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read_not_called_binary(tmp_path, encoding):
    bom = {"utf-16-be": "\ufeff", "utf-16-le": "\ufeff"}.get(encoding, "")  # the others write their own
    path = write(tmp_path / "wide.txt", bom + PASSAGE * 3, encoding=encoding)
    assert b"\x00" in path.read_bytes()
    warnings: list[str] = []
    assert tokenize("".join(iter_text(path, warnings))) == tokenize(PASSAGE * 3)
    assert warnings == []  # the mark says the encoding: nothing was guessed
    corpus = load_corpus([path], min_count=1)
    assert "café" in corpus.vocab and corpus.raw_tokens == len(tokenize(PASSAGE * 3))


def test_binary_data_with_nuls_is_not_taken_for_utf16(tmp_path):
    for name, data in (("ints.txt", np.arange(4000, dtype=np.int32).tobytes()),  # valid UTF-32, no text
                       ("shorts.txt", np.random.default_rng(0).integers(0, 1 << 16, 4000, np.int32).tobytes()),
                       ("floats.txt", np.linspace(0, 1, 4000, dtype=np.float32).tobytes())):
        assert b"\x00" in data and decoding.unmarked_wide_encoding(data[:decoding._SNIFF]) is None, name
    path = write(tmp_path / "ints.txt", data)
    with pytest.raises(CorpusError, match="binary"):
        load_corpus([path], min_count=1)


# --- reading in parts, in parallel -------------------------------------------------------------


def test_reading_in_parts_in_two_processes_gives_exactly_what_one_reading_gives(tmp_path, monkeypatch):
    folder = tmp_path / "texts"
    body = "".join(f"line {i} of the story, don't stop to-morrow; the man's hat\n" for i in range(400))
    write(folder / "a_gutenberg.txt", "Title\n*** START OF THE BOOK ***\n" + body + "*** END OF IT ***\nlicence words\n")
    write(folder / "b_windows.txt", "Caf\u00e9 na\u00efve " * 300 + "\n", encoding="cp1252")
    write(folder / "c_utf16.txt", "\ufeff" + body[:5000], encoding="utf-16-le")
    write(folder / "d_plain.txt", body * 3)
    write(folder / "e_empty_of_words.txt", "123 456\n" * 50)
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 2000)  # many parts per file
    one = load_corpus([folder], min_count=1, workers=1)
    two = load_corpus([folder], min_count=1, workers=2)
    assert len(parallel_reader._part_bounds(folder / "d_plain.txt", (folder / "d_plain.txt").stat().st_size,
                                          "utf-8")) > 10
    assert two.vocab.words == one.vocab.words and two.raw_tokens == one.raw_tokens
    np.testing.assert_array_equal(two.ids, one.ids)
    np.testing.assert_array_equal(two.pieces.rows, one.pieces.rows)  # the concordance's table too
    assert two.warnings == one.warnings and two.files == one.files
    assert "licence" not in one.vocab and "title" not in one.vocab  # Gutenberg parts stripped
    assert any("e_empty_of_words.txt" in w for w in one.warnings)
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 16 << 20)
    whole = load_corpus([folder], min_count=1, workers=1)  # one part per file: the same again
    np.testing.assert_array_equal(whole.ids, one.ids)


def test_reader_processes_must_be_a_positive_whole_number(tmp_path):
    path = write(tmp_path / "t.txt", "a b c\n")
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="workers"):
            load_corpus([path], min_count=1, workers=bad)


def test_reader_processes_follow_the_idle_cores_for_a_large_corpus(monkeypatch):
    large = parallel_reader.PARALLEL_MIN_BYTES
    idle = {"cores": 3.8}
    monkeypatch.setattr(parallel_reader, "_idle_cores", lambda: idle["cores"])
    assert parallel_reader.reading_processes(None, large) == 4
    assert parallel_reader.reading_processes(None, large - 1) == 1  # small: not worth starting processes
    idle["cores"] = 2.0
    assert parallel_reader.reading_processes(None, large) == 2
    idle["cores"] = 0.8
    assert parallel_reader.reading_processes(None, large) == 1  # busy: read here
    assert parallel_reader.reading_processes(3, large) == 3  # asked for: as asked


def test_idle_cores_are_measured_between_zero_and_ours():
    assert 0.0 <= parallel_reader._idle_cores(0.05) <= parallel_reader.default_workers()


@pytest.mark.parametrize("workers", [2, 3])
def test_words_first_met_in_parts_after_an_end_line_still_number_right_later(tmp_path, monkeypatch, workers):
    # Readers read ahead: parts after a Gutenberg END line are read but not wanted, and the words they
    # taught a reader come back in that reader's later parts (of the next file).
    folder = tmp_path / "texts"
    tail = "".join(f"tail{chr(97 + i % 26)}{chr(97 + i // 26 % 26)} words here\n" for i in range(600))
    write(folder / "a.txt", "*** START OF IT ***\nshort body of text\n*** END OF IT ***\n" + tail * 3)
    write(folder / "b.txt", tail[::-1] + tail)
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 1500)
    one = load_corpus([folder], min_count=1, workers=1)
    two = load_corpus([folder], min_count=1, workers=workers)  # this process reads a share of the parts too
    assert two.vocab.words == one.vocab.words and np.array_equal(two.vocab.counts, one.vocab.counts)
    np.testing.assert_array_equal(two.ids, one.ids)
    assert "short" in one.vocab and one.vocab.counts[one.vocab.index["words"]] == 600  # the tail of a: cut


def test_utf8_is_told_right_when_a_character_straddles_two_blocks(tmp_path):
    block = decoding.BLOCK_CHARS
    good = write(tmp_path / "good.txt", b"a" * (block - 1) + "é".encode() + b" b" * 50)
    bad = write(tmp_path / "bad.txt", b"a" * (block - 1) + b"\xc3" + b" b" * 50)  # a lead byte, then ASCII
    assert decoding.detect_encoding(good) == "utf-8-sig"
    assert decoding.detect_encoding(bad) == "cp1252"


_MIXED = ["caf\u00e9\u00a0na\u00efve \u0436\u0438\u0437\u043d\u044c\u3000don't man's to-morrow",
          "x" * 120 + " overlong above, " + "abcdefghijklmnopq medium abcdefghij",
          "123 456 --- ...", "e\u0301t\u00e9 \u0301alone word\x1cnext \u2028line"]
# Prose the bytes path takes (no marks or joiners): apostrophes and hyphens at the ends of lines.
_PROSE = ["\u201cWell,\u201d said the prince\u2019s \u00c9MILE, \u2018it\u2019s to-", "morrow\u2019s affair\u2014",
          "\u2019s no matter-", "-of-fact \u2026 man'", "'s  d\u00e9j\u00e0 vu", ""]


@pytest.mark.parametrize("lines", [_MIXED, _PROSE], ids=["general path", "bytes path"])
def test_every_piece_row_holds_the_tokens_of_its_text_whatever_the_script(tmp_path, monkeypatch, lines):
    # The reader finds words from the spaced text's bytes (core.text.word_table), a whole ~1 MB piece
    # at once: each logged ~64 KB piece must still own exactly the tokens tokenize() gives its characters.
    monkeypatch.setattr(parallel_reader, "PIECE_CHARS", 40)
    text = "".join(f"{lines[i % len(lines)]} {i}\n" for i in range(200))
    path = write(tmp_path / "mixed.txt", text)
    corpus = load_corpus([path], min_count=1)
    words = [corpus.vocab.words[i] for i in corpus.ids]
    assert words == tokenize(text)
    rows = corpus.pieces.rows
    assert len(rows) > 60
    ends = [*rows[1:, 5].tolist(), len(words)]
    for (_, _, _, lo, hi, first), after in zip(rows.tolist(), ends):
        assert words[first:after] == tokenize(text[lo:hi])


def test_parts_read_by_the_pool_are_not_kept_once_handed_out(tmp_path, monkeypatch):
    # A finished future holds its part's ids: kept, they added 200 MB to the peak of reading 500 MB.
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 1000)
    path = write(tmp_path / "t.txt", "".join(f"line {i} of words\n" for i in range(600)))
    file = parallel_reader.check_file(path, path.stat().st_size, "keep-hyphens")
    parts = parallel_reader.Parts(2)
    try:
        parts.plan([(0, job) for job in file.jobs])
        read = list(parts.results(0, None))
    finally:
        parts.close()
    assert len(read) == len(file.jobs) > 4
    assert {part.reader for part in read} == {parts.reader.key, read[1].reader}  # here and in the pool
    assert all(planned.future is None for planned in parts.planned)


def test_reading_options_are_the_settings_that_decide_the_vocabulary_and_only_those(tmp_path):
    config = TrainConfig(min_count=3, tokens="article", workers=1)
    options = ReadingOptions.of(config)
    assert options == ReadingOptions(min_count=3, tokens="article")
    assert ReadingOptions.of(config.replace(dim=100, epochs=3, lr=0.05)) == options  # training's own settings
    assert ReadingOptions.of(config.replace(min_count=2)) != options
    assert ReadingOptions.of(config.replace(phrases=True)).phrase_settings() is not None
    path = write(tmp_path / "a.txt", "often often often also also also rare rare\n")
    assert sorted(load_corpus([path], **options.keywords()).vocab.words) == ["also", "often"]
    assert sorted(load_corpus([path], **ReadingOptions(min_count=2).keywords()).vocab.words) == ["also", "often", "rare"]
    with pytest.raises(ConfigError, match="tokens"):
        ReadingOptions(tokens="letters")
    with pytest.raises(ConfigError, match="min_count"):
        ReadingOptions(min_count=0)


# -- issue 25: mixed encodings, UTF-16/32 without a mark, NULs late in a file, a file named twice --------


def test_a_mostly_utf8_file_keeps_its_utf8_and_does_not_guess_the_stray_bytes(tmp_path):
    """``caf\\xc3\\xa9`` is café; a stray ``caf\\xe9`` is not merged into it (nor read as cafÃ©)."""
    text = ("the café is here and the café is there.\n" * 40).encode("utf-8") + b"one caf\xe9 apart\n"
    path = write(tmp_path / "mixed.txt", text)
    warnings: list[str] = []
    words = tokenize("".join(iter_text(path, warnings)))
    assert words.count("café") == 80 and "cafã" not in words
    assert words[-3:] == ["one", "caf", "apart"]  # the stray byte is a gap, not an é
    assert warnings == ["mixed.txt is UTF-8 with some bytes that are not (another encoding mixed in?); "
                        "each of those was read as a gap between words"]
    corpus = load_corpus([path], min_count=1)
    assert corpus.vocab.counts[corpus.vocab.index["café"]] == 80 and "caf" in corpus.vocab
    assert corpus.warnings == warnings


def test_a_mostly_latin1_file_stays_latin1(tmp_path):
    text = ("le café est là, très près.\n" * 40).encode("cp1252") + "un café à part\n".encode("utf-8")
    path = write(tmp_path / "west.txt", text)
    warnings: list[str] = []
    words = tokenize("".join(iter_text(path, warnings)))
    assert words.count("café") == 40 and words.count("là") == 40
    assert warnings == ["west.txt is not UTF-8; read as cp1252"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", [PASSAGE * 3, RUSSIAN * 3])
def test_utf16_and_utf32_without_a_byte_order_mark_are_text(tmp_path, encoding, text):
    path = write(tmp_path / "wide.txt", text, encoding=encoding)
    assert decoding.text_problem(path.read_bytes()[:decoding._SNIFF]) is None
    warnings: list[str] = []
    assert tokenize("".join(iter_text(path, warnings))) == tokenize(text)
    assert warnings == [f"wide.txt has no byte order mark; read as {encoding.upper()}"]
    corpus = load_corpus([path], min_count=1)
    assert corpus.raw_tokens == len(tokenize(text)) and corpus.warnings == warnings


def test_utf16_after_8_kb_of_utf8_is_not_trained_as_letters_between_nuls(tmp_path):
    head = ("plain text first. " * 600).encode("utf-8")
    path = write(tmp_path / "late.txt", head + (PASSAGE * 20).encode("utf-16-le"))
    with pytest.raises(CorpusError, match=rf"late\.txt has NUL bytes from byte {len(head) + 1} on, so it is "
                                          r"not all plain text \(UTF-16 text or binary data after the text\?\)"):
        load_corpus([path], min_count=1)
    with pytest.raises(CorpusError, match="NUL bytes"):
        list(iter_text(path))
    write(tmp_path / "good.txt", "the cat sat on the mat\n")
    corpus = load_corpus([tmp_path], min_count=1)  # in a folder: skipped, saying why
    assert [p.name for p in corpus.files] == ["good.txt"]
    assert any("late.txt" in w and "NUL bytes" in w for w in corpus.warnings)


def test_the_same_file_named_twice_is_counted_once(tmp_path):
    path = write(tmp_path / "a" / "x.txt", "the cat sat on the mat\n" * 3)
    (tmp_path / "b").mkdir()
    again = tmp_path / "b" / ".." / "a" / "x.txt"
    once = load_corpus([path], min_count=1)
    twice = load_corpus([path, again, tmp_path / "a"], min_count=1)
    assert twice.raw_tokens == once.raw_tokens == 18 and twice.files == [path]
    assert find_text_files([tmp_path / "a", again]) == [tmp_path / "a" / "x.txt"]

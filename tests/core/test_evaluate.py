"""Word-pair and analogy evaluation: hand-made files, errors, and agreement with gensim."""

from __future__ import annotations

import math
import random
import tracemalloc

import numpy as np
import pytest

from embedding_studio.core.errors import StudioError
from embedding_studio.core.vectors.evaluate import (
    EvaluationError,
    evaluate_analogies,
    evaluate_pairs,
    read_analogies,
    read_pairs,
)
from embedding_studio.core.vectors.model import Model
from embedding_studio.core.text.vocab import Vocab


def make_model(vectors: dict) -> Model:
    words = list(vectors)
    return Model(Vocab(words, np.arange(len(words), 0, -1)), np.array([vectors[w] for w in words], np.float32))


@pytest.fixture
def toy() -> Model:
    # orthonormal axes: place (p, r, y) and gender (g0, g1); "woman - man + king" is exactly queen
    e = np.eye(8)
    p, r, y, g0, g1 = e[:5]
    s = 2 ** -0.5
    return make_model({
        "man": s * (p + g0), "woman": s * (p + g1), "king": s * (r + g0), "queen": s * (r + g1),
        "boy": s * (y + g0), "girl": s * (y + g1), "cat": e[5], "dog": 0.8 * e[5] + 0.6 * e[6], "car": e[7],
    })


# --- word pairs ------------------------------------------------------------------------------


def test_pairs_with_comments_commas_spaces_a_header_and_oov(toy, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "# a comment\n"
        "Word 1,Word 2,Human (mean)\n"  # header: first content line, score not a number
        "cat,dog,9.0\n"
        "king\tqueen\t8.0\n"
        "\n"
        "MAN woman 7.5\n"
        "car , cat , 1.0\n"
        "cat unicorn 5\n"  # OOV
        "  # an indented comment\n",
        encoding="utf-8",
    )
    pairs = read_pairs(path)
    assert [(a, b, s) for a, b, s, _ in pairs] == [
        ("cat", "dog", 9.0), ("king", "queen", 8.0), ("MAN", "woman", 7.5), ("car", "cat", 1.0),
        ("cat", "unicorn", 5.0)]
    assert pairs.lines[2] == 6  # line numbers are kept
    result = evaluate_pairs(toy, path)
    assert result.pairs_used == 4 and result.pairs_total == 5
    assert result.oov == pytest.approx(0.2)
    sims = [toy.similarity(a, b) for a, b in [("cat", "dog"), ("king", "queen"), ("man", "woman"), ("car", "cat")]]
    from scipy import stats

    assert result.spearman == pytest.approx(stats.spearmanr([9, 8, 7.5, 1], sims)[0])
    assert result.pearson == pytest.approx(stats.pearsonr([9, 8, 7.5, 1], sims)[0])
    assert result.to_dict()["pairs_used"] == 4


def test_pairs_all_unknown_give_nan_not_an_error(toy, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("foo bar 1\nbaz qux 2\n")
    result = evaluate_pairs(toy, path)
    assert result.pairs_used == 0 and result.oov == 1.0
    assert math.isnan(result.spearman) and math.isnan(result.pearson)
    assert result.to_dict()["spearman"] is None


def test_restrict_vocab_makes_rare_words_unknown(toy, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("man woman 1\nking queen 2\ncat dog 3\n")
    assert evaluate_pairs(toy, path, restrict_vocab=4).pairs_used == 2
    assert evaluate_pairs(toy, path, restrict_vocab=None).pairs_used == 3


BAD_PAIRS = {
    "missing": None,
    "empty": "",
    "only comments": "# nothing\n# here\n",
    "non-numeric score": "cat dog 1\ncat car lots\n",
    "two fields": "cat dog 1\ncat 2\n",
    "four fields": "cat\tdog\t1\t2\n",
    "nan score": "cat dog nan\n",
    "binary": "\x00\x01\x02",
}


@pytest.mark.parametrize("case", sorted(BAD_PAIRS))
def test_malformed_pair_files_raise_one_line_naming_the_file(case, toy, tmp_path):
    path = tmp_path / "bad.txt"
    if BAD_PAIRS[case] is not None:
        path.write_text(BAD_PAIRS[case], encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        evaluate_pairs(toy, path)
    message = str(info.value)
    assert isinstance(info.value, StudioError)
    assert "bad.txt" in message and "\n" not in message
    if case in ("non-numeric score", "two fields"):
        assert "line 2" in message


def test_a_folder_is_not_a_pairs_file(toy, tmp_path):
    with pytest.raises(EvaluationError, match="folder"):
        evaluate_pairs(toy, tmp_path)


def test_lines_end_at_cr_or_lf_and_each_line_falls_back_to_latin1_alone(tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes("\ufeffcat dog 1\r\ncafé car 2\r".encode("utf-8") + b"na\xefve cat 3\n")  # Latin-1 naïve
    assert [(a, b, line) for a, b, _, line in read_pairs(path)] == [
        ("cat", "dog", 1), ("café", "car", 2), ("naïve", "cat", 3)]


def test_a_line_longer_than_a_megabyte_is_refused(tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes(b"cat dog 1\n" + b"x" * (2 << 20) + b" y 2\n")
    with pytest.raises(EvaluationError, match="line 2: longer than"):
        read_pairs(path)


@pytest.mark.parametrize("kind", ["pairs", "analogies"])
def test_reading_a_large_file_takes_a_small_multiple_of_its_size(tmp_path, kind):
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(2000)]
    n = 60_000
    lines = [" ".join(rng.sample(vocab, 2)) + f" {rng.random():.2f}" for _ in range(n)] if kind == "pairs" else \
        [": section"] + [" ".join(rng.sample(vocab, 4)) for _ in range(n)]
    path = tmp_path / "big.txt"
    path.write_text("\n".join(lines) + "\n")
    tracemalloc.start()
    try:
        contents = read_pairs(path) if kind == "pairs" else read_analogies(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(contents) == n and len(contents.words) <= len(vocab)
    assert peak < 3 * path.stat().st_size  # lists of tuples of strings took 17 to 20 times the size


# --- analogies -------------------------------------------------------------------------------


def test_analogies_by_section_with_oov_skipped(toy, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(
        ": royalty\n"
        "man woman king queen\n"
        "Man Woman King Queen\n"  # case-insensitive
        "man king woman queen\n"
        "man woman king dragon\n"  # OOV: skipped
        "# a comment\n"
        "\n"
        ": family\n"
        "man woman boy girl\n"
        "man woman boy cat\n"  # wrong: girl is the answer
        ": empty\n"
        "unicorn dragon elf orc\n",
        encoding="utf-8",
    )
    result = evaluate_analogies(toy, path)
    royalty, family, empty = (result.sections[n] for n in ("royalty", "family", "empty"))
    assert (royalty["correct"], royalty["total"], royalty["skipped"]) == (3, 3, 1)
    assert royalty["accuracy"] == 1.0
    assert (family["correct"], family["total"]) == (1, 2)
    assert empty == {"accuracy": 0.0, "correct": 0, "total": 0, "skipped": 1}
    assert result.total == 5 and result.skipped == 2
    assert result.correct == 4 and result.accuracy == pytest.approx(0.8)
    assert list(result.to_dict()["sections"]) == ["royalty", "family", "empty"]


def test_the_question_words_are_never_the_answer(tmp_path):
    # b - a + c is closest to c itself here; the answer must be the best word outside a, b, c
    model = make_model({"a": [1, 0], "b": [1, 0.01], "c": [0, 1], "d": [0.1, 1], "e": [-1, 0]})
    path = tmp_path / "q.txt"
    path.write_text("a b c d\n")
    result = evaluate_analogies(model, path)
    assert result.sections == {"questions": {"accuracy": 1.0, "correct": 1, "total": 1, "skipped": 0}}


def test_many_questions_are_batched_and_match_a_slow_reference(tmp_path):
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)]
    model = make_model({w: rng.normal(size=8).tolist() for w in words})
    lines = [" ".join(rng.choice(words, 4, replace=False)) for _ in range(1300)]  # > 2 batches of 512
    path = tmp_path / "q.txt"
    path.write_text(": random\n" + "\n".join(lines) + "\n")
    result = evaluate_analogies(model, path, restrict_vocab=250)
    expected_total = expected_correct = 0
    allowed = set(words[:250])
    for line in lines:
        a, b, c, d = line.split()
        if not {a, b, c, d} <= allowed:
            continue
        expected_total += 1
        unit = model.unit_vectors[:250]
        scores = unit @ (unit[model.index(b)] - unit[model.index(a)] + unit[model.index(c)])
        scores[[model.index(a), model.index(b), model.index(c)]] = -np.inf
        expected_correct += words[int(np.argmax(scores))] == d
    assert (result.total, result.correct) == (expected_total, expected_correct)
    assert result.skipped == 1300 - expected_total


BAD_ANALOGIES = {
    "missing": None,
    "empty": "\n\n",
    "sections only": ": a\n: b\n",
    "three words": ": s\nman woman king\n",
    "five words": ": s\nman woman king queen x\n",
    "nameless section": ":\nman woman king queen\n",
}


@pytest.mark.parametrize("case", sorted(BAD_ANALOGIES))
def test_malformed_analogy_files_raise_one_line_naming_the_file(case, toy, tmp_path):
    path = tmp_path / "questions.txt"
    if BAD_ANALOGIES[case] is not None:
        path.write_text(BAD_ANALOGIES[case], encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        evaluate_analogies(toy, path)
    assert "questions.txt" in str(info.value) and "\n" not in str(info.value)
    if case in ("three words", "five words"):
        assert "line 2" in str(info.value)


def test_read_analogies_keeps_sections_in_order(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("a b c d\n: one\ne f g h\n")
    assert list(read_analogies(path)) == [("questions", [("a", "b", "c", "d")]), ("one", [("e", "f", "g", "h")])]


# --- agreement with gensim -------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Vectors for every word of gensim's test sets, with analogy structure planted (and noise).

    The vocabulary is shuffled (so ``restrict_vocab`` cuts through the test words), and it holds
    capitalised variants: some after the lowercase word with a nearby vector (they compete as
    answers and must be skipped like the question words), some before it (they win the lookup).
    """
    pytest.importorskip("gensim")
    from gensim.test.utils import datapath

    rng = np.random.default_rng(0)
    dim = 40
    vectors: dict[str, np.ndarray] = {}

    def get(word: str) -> np.ndarray:
        if word not in vectors:
            vectors[word] = rng.normal(size=dim)
        return vectors[word]

    # a quarter of the questions keep gensim's pure-Python loop quick
    questions = datapath("questions-words.txt")
    kept: list[str] = []
    for name, items in read_analogies(questions):
        kept.append(f": {name}")
        relation = rng.normal(size=dim)
        for k, (a, b, c, d) in enumerate(items):
            for x, y in ((a, b), (c, d)):
                if y.lower() not in vectors:
                    vectors[y.lower()] = get(x.lower()) + relation + rng.normal(size=dim) * 1.6
            if k % 4 == 0:
                kept.append(f"{a} {b} {c} {d}")
    small = tmp_path_factory.mktemp("gensim") / "questions-quarter.txt"
    small.write_text("\n".join(kept) + "\n", encoding="utf-8")
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for a, b, score, _ in read_pairs(datapath(name)):
            if b.lower() not in vectors:
                vectors[b.lower()] = get(a.lower()) * score / 10 + rng.normal(size=dim)
            get(a.lower())

    words = list(vectors)
    rng.shuffle(words)
    rows = [vectors[w] for w in words]
    for w in words[:150]:  # less frequent variants, close to their word
        words.append(w.capitalize())
        rows.append(vectors[w] + rng.normal(size=dim) * 0.05)
    for w in words[150:200]:  # more frequent variants with their own vectors
        words.insert(0, w.upper())
        rows.insert(0, rng.normal(size=dim))
    matrix = np.array(rows, dtype=np.float32)
    model = Model(Vocab(words, np.arange(len(words), 0, -1)), matrix)

    from gensim.models import KeyedVectors

    kv = KeyedVectors(dim)
    kv.add_vectors(words, matrix)
    return model, kv, {"pairs": [datapath("wordsim353.tsv"), datapath("simlex999.txt")], "analogies": small}


@pytest.mark.parametrize("restrict_vocab", [300_000, 1500])
def test_word_pairs_agree_with_gensim(planted, restrict_vocab):
    model, kv, files = planted
    for path in files["pairs"]:
        ours = evaluate_pairs(model, path, restrict_vocab=restrict_vocab)
        pearson, spearman, oov_percent = kv.evaluate_word_pairs(path, restrict_vocab=restrict_vocab)
        assert ours.spearman == pytest.approx(spearman[0], abs=0.005)
        assert ours.pearson == pytest.approx(pearson[0], abs=0.005)
        assert ours.oov == pytest.approx(oov_percent / 100, abs=0.005)
        assert ours.pairs_used > 100
        if restrict_vocab == 1500:
            assert ours.oov > 0.2


@pytest.mark.parametrize("restrict_vocab", [300_000, 1500])
def test_analogies_agree_with_gensim(planted, restrict_vocab):
    model, kv, files = planted
    ours = evaluate_analogies(model, files["analogies"], restrict_vocab=restrict_vocab)
    score, sections = kv.evaluate_word_analogies(str(files["analogies"]), restrict_vocab=restrict_vocab)
    total = sections[-1]
    assert total["section"] == "Total accuracy"
    assert ours.accuracy == pytest.approx(score, abs=0.005)
    assert (ours.correct, ours.total) == (len(total["correct"]), len(total["correct"]) + len(total["incorrect"]))
    assert 0.2 < ours.accuracy < 0.9 and ours.total > 500  # a meaningful comparison, not 0 == 0
    for section in sections[:-1]:
        mine = ours.sections[section["section"]]
        n = len(section["correct"]) + len(section["incorrect"])
        assert mine["total"] == n
        assert mine["correct"] == pytest.approx(len(section["correct"]), abs=max(1, 0.005 * n))

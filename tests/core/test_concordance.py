"""core.text.concordance and the piece table the reader logs: every occurrence found again at its line."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.text import parallel_reader
from embedding_studio.core.errors import CorpusError, UnknownWordError
from embedding_studio.core.text.concordance import Concordance, concordance_for
from embedding_studio.core.text.corpus import load_corpus
from embedding_studio.core.text.tokens import tokenize
from embedding_studio.core.text.demo import demo_corpus
from embedding_studio.core.text.phrases import PhraseSettings

WORDS = ("alpha beta gamma delta omega river stone light night dog cat fox tree bird wind rain sun moon "
         "bread salt").split()


def _texts(folder: Path, files: int = 3, lines: int = 900, seed: int = 0) -> list[Path]:
    """Files of random lines, some with capitals, punctuation, possessives and a rare word or two."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        out = []
        for i in range(lines):
            words = [rng.choice(WORDS) for _ in range(rng.randint(0, 12))]
            if words and rng.random() < 0.2:
                words[0] = words[0].capitalize() + ","
            if rng.random() < 0.05:
                words.append(f"rare{chr(97 + rng.randrange(26))}{i}")  # seen once: cut by min_count
            out.append(" ".join(words))
        path = folder / f"book{f}.txt"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _expected(paths: list[Path], word: str) -> list[tuple[str, int]]:
    """(file, line number) of every occurrence, by tokenising each line on its own."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            found += [(str(path), number)] * tokenize(line).count(word)
    return found


@pytest.fixture
def small_pieces(monkeypatch):
    """Parts of 8 KB and pieces of 1 KB, so a few files make dozens of parts and rows."""
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 8 << 10)
    monkeypatch.setattr(parallel_reader, "PIECE_CHARS", 1 << 10)


def test_every_occurrence_is_found_at_its_line(tmp_path, small_pieces):
    paths = _texts(tmp_path)
    corpus = load_corpus([tmp_path], min_count=2)
    assert len(corpus.pieces) > 50 and len({tuple(r[1:3]) for r in corpus.pieces.rows}) > 3  # many parts
    concordance = Concordance(corpus)
    for word in ("fox", "bread", "omega"):
        lines = concordance.lines(word, n=10_000)
        assert [(line.file, line.line) for line in lines] == _expected(paths, word)
        assert all(line.keyword.lower() == word for line in lines)
        assert len(lines) == concordance.count(word)


def test_lines_survive_the_gutenberg_header_and_rare_words(tmp_path, small_pieces):
    header = "The Project Gutenberg eBook\nfox fox fox in the header\n*** START OF THIS EBOOK ***\n"
    body = "".join(f"line {i} the fox{' and a rareword' + str(i) if i % 7 == 0 else ''} ran\n" for i in range(2000))
    path = tmp_path / "g.txt"
    path.write_text(header + body + "*** END OF THIS EBOOK ***\nfox after the end\n", encoding="utf-8")
    corpus = load_corpus([path], min_count=3)
    lines = Concordance(corpus).lines("fox", n=5000)
    assert [line.line for line in lines] == list(range(4, 2004))  # the header's three lines come first
    assert lines[10].left.endswith("line 10 the ") and lines[10].right.startswith(" ran")


def test_phrases_are_found_as_their_words(tmp_path, small_pieces):
    rng = random.Random(1)
    text = "".join(" ".join(rng.choice(WORDS) for _ in range(8)) + " new york\n" for _ in range(800))
    path = tmp_path / "p.txt"
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus([path], min_count=2, phrases=PhraseSettings(threshold=2, min_count=2))
    assert "new_york" in corpus.vocab
    lines = Concordance(corpus).lines("new_york", n=10_000)
    assert len(lines) == corpus.vocab.counts[corpus.vocab.id("new_york")]
    assert [line.line for line in lines] == list(range(1, 801))
    assert all(line.keyword == "new york" for line in lines)


def test_a_token_cache_keeps_the_piece_table(tmp_path, small_pieces):
    paths = _texts(tmp_path / "texts", files=2)
    first = load_corpus([tmp_path / "texts"], min_count=2, cache_dir=tmp_path / "cache")
    again = load_corpus([tmp_path / "texts"], min_count=2, cache_dir=tmp_path / "cache")
    assert np.array_equal(first.pieces.rows, again.pieces.rows)
    lines = Concordance(again).lines("cat", n=10_000)
    assert [(line.file, line.line) for line in lines] == _expected(paths, "cat")


def test_a_changed_file_is_said_to_have_changed(tmp_path):
    paths = _texts(tmp_path, files=1)
    corpus = load_corpus(paths, min_count=2)
    paths[0].write_text("something else entirely\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="changed"):
        Concordance(corpus).lines("fox", 3)


def test_a_generated_corpus_shows_its_tokens():
    corpus = demo_corpus()
    concordance = concordance_for(corpus)
    assert concordance.unavailable_reason() and concordance_for(corpus) is concordance
    lines = concordance.lines("queen", 5)
    ids = corpus.ids
    assert len(lines) == 5 and all(line.keyword == "queen" and not line.file for line in lines)
    assert lines[0].position == int(np.flatnonzero(ids == corpus.vocab.id("queen"))[0])
    with pytest.raises(UnknownWordError):
        concordance.lines("zzzz")


def test_shared_contexts_find_the_planted_ones(tmp_path):
    """cat and dog share 'purrs'/'barks'-free contexts 'pet' and 'food'; cat and stone share nothing planted."""
    rng = random.Random(2)
    lines = []
    for _ in range(600):
        animal = rng.choice(["cat", "dog"])
        lines.append(f"{rng.choice(WORDS[:8])} the {animal} eats pet food {rng.choice(WORDS[:8])}")
        lines.append(f"{rng.choice(WORDS[:8])} a heavy stone lies {rng.choice(WORDS[:8])}")
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    concordance = Concordance(load_corpus([path], min_count=2))
    report = concordance.contexts("cat", "dog", window=2, rank="count", n=5, samples=3)
    assert {s.word for s in report.shared[:3]} == {"the", "eats", "pet"}
    by_pmi = concordance.contexts("cat", "dog", window=2, rank="pmi", n=5)
    order = [min(c.pmi1, c.pmi2) for c in by_pmi.shared]
    assert order == sorted(order, reverse=True) and {"eats", "pet"} <= {c.word for c in by_pmi.shared}
    assert len(report.samples1) == 3 and all(line.keyword == "cat" for line in report.samples1)
    assert all(line.keyword == "dog" for line in report.samples2)
    unrelated = concordance.contexts("cat", "stone", window=1, n=5)
    assert "eats" not in {s.word for s in unrelated.shared}
    with pytest.raises(CorpusError):
        concordance.contexts("cat", "dog", rank="loudness")


def test_other_encodings_are_found_again(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_reader, "PART_BYTES", 2000)
    body = "".join(f"line {i}: the caf\u00e9 was na\u00efve, said the fox\n" for i in range(300))
    (tmp_path / "w.txt").write_bytes(body.encode("cp1252"))
    (tmp_path / "u.txt").write_bytes(("\ufeff" + body).encode("utf-16-le"))
    corpus = load_corpus([tmp_path], min_count=1)
    lines = Concordance(corpus).lines("café", n=1000)
    assert [(Path(line.file).name, line.line) for line in lines] == (
        [("u.txt", i) for i in range(1, 301)] + [("w.txt", i) for i in range(1, 301)])
    assert {line.keyword for line in lines} == {"caf\u00e9"}


def test_cli_concordance_and_contexts(tmp_path):
    import io

    from embedding_studio.core.cli import main

    paths = _texts(tmp_path / "t", files=1)
    out, err = io.StringIO(), io.StringIO()
    assert main(["concordance", str(paths[0]), "fox", "-n", "4"], stdout=out, stderr=err) == 0
    rows = out.getvalue().splitlines()
    expected = _expected(paths, "fox")[:4]
    assert [row.split("\t")[0] for row in rows] == [f"book0.txt:{n}" for _, n in expected]
    assert all("[fox]" in row.lower() for row in rows)
    out = io.StringIO()
    assert main(["contexts", str(paths[0]), "fox", "cat", "--rank", "pmi", "-n", "5"], stdout=out, stderr=err) == 0
    assert "'fox' with them:" in out.getvalue()
    err = io.StringIO()
    assert main(["concordance", str(paths[0]), "unicorn"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().count("\n") == 1 and "unicorn" in err.getvalue()

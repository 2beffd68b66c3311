"""The map's tables: drawn words' 2D positions and marked words' vectors, as CSV."""

import csv

import numpy as np

from embedding_studio.core.maps.export import save_frame_csv, save_vectors_csv
from embedding_studio.core.maps.frame import Frame
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.model import Model


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_frame_csv_has_each_drawn_word_at_its_place(tmp_path):
    frame = Frame(np.arange(3), ["king", "queen", "a,b"], np.array([9, 5, 2]),
                  np.array([[0.5, -1.0], [1.25, 2.0], [3.0, 4.5]], dtype=np.float32), projection="tsne")
    assert save_frame_csv(frame, tmp_path / "map.csv") == 3
    rows = read(tmp_path / "map.csv")
    assert rows[0] == ["word", "count", "x", "y", "projection"]
    assert rows[1:] == [["king", "9", "0.5", "-1", "tsne"], ["queen", "5", "1.25", "2", "tsne"],
                        ["a,b", "2", "3", "4.5", "tsne"]]  # a comma in a word is quoted, not a column


def test_vectors_csv_has_the_known_marked_words(tmp_path):
    vocab = Vocab.from_counts({"king": 9, "queen": 5, "пётр": 3}, min_count=1)
    vectors = np.arange(len(vocab) * 4, dtype=np.float32).reshape(len(vocab), 4) / 8
    model = Model(vocab, vectors)
    assert save_vectors_csv(model, ["пётр", "king", "nowhere", "king"], tmp_path / "v.csv") == 2
    rows = read(tmp_path / "v.csv")
    assert rows[0] == ["word", "count", "d0", "d1", "d2", "d3"]
    assert [r[0] for r in rows[1:]] == ["пётр", "king"]
    k = vocab.index["king"]
    assert np.allclose([float(v) for v in rows[2][2:]], vectors[k]) and rows[2][1] == "9"

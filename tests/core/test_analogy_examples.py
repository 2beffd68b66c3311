"""Analogy examples offered for a model are ones whose four words it knows."""

from embedding_studio.core.text.demo import ANALOGIES
from embedding_studio.core.vectors.examples import CLASSIC, analogy_examples


def test_examples_fit_the_words_known():
    demo_words = {w for example in ANALOGIES for w in example}
    assert analogy_examples(demo_words)[:len(ANALOGIES)] == ANALOGIES  # the planted ones first
    novel = {"he", "she", "man", "woman", "his", "her", "brother", "sister", "crime"}
    assert analogy_examples(novel) == [("he", "man", "woman", "she"), ("his", "he", "she", "her"),
                                       ("brother", "man", "woman", "sister")]
    assert analogy_examples({"преступление", "наказание"}) == []
    assert len(analogy_examples({w for e in ANALOGIES + CLASSIC for w in e}, limit=5)) == 5

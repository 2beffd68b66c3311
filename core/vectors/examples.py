"""Analogy examples that fit a model: the demo's planted ones and classic English ones, each kept only
when the model knows all four words, so the examples offered are never another corpus's."""

from __future__ import annotations

from typing import Container

from ..text.demo import ANALOGIES

# a - b + c should be nearest d: relations common in novels and in Mikolov et al.'s (2013) test set
CLASSIC: list[tuple[str, str, str, str]] = [
    ("king", "man", "woman", "queen"), ("he", "man", "woman", "she"), ("his", "he", "she", "her"),
    ("himself", "he", "she", "herself"), ("brother", "man", "woman", "sister"),
    ("father", "man", "woman", "mother"), ("son", "boy", "girl", "daughter"),
    ("husband", "man", "woman", "wife"), ("uncle", "man", "woman", "aunt"), ("mr", "man", "woman", "mrs"),
    ("prince", "man", "woman", "princess"), ("sir", "man", "woman", "madam"),
    ("paris", "france", "germany", "berlin"), ("moscow", "russia", "france", "paris"),
    ("better", "good", "bad", "worse"), ("went", "go", "say", "said"), ("came", "come", "see", "saw"),
    ("was", "is", "has", "had"), ("years", "year", "day", "days"), ("men", "man", "woman", "women"),
]


def analogy_examples(known: Container[str], limit: int = 12) -> list[tuple[str, str, str, str]]:
    """Up to ``limit`` examples (a, b, c, d) whose words are all in ``known`` (a model's, say)."""
    chosen = [example for example in dict.fromkeys(ANALOGIES + CLASSIC) if all(w in known for w in example)]
    return chosen[:limit]

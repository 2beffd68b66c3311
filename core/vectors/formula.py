"""Word formulas such as ``king - man + woman``, accepted wherever a word is.

A formula is words joined by ``+`` and ``-``; its vector is gensim's 3CosAdd query: the mean of the
unit vectors of the positive words minus those of the negative ones, normalised. A string that is a
word of the vocabulary is always that word (imported vectors can hold ``e-mail``); only a string that
is not, and that splits into more than one term, is read as a formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import StudioError

_TERM = re.compile(r"\s*([+-]?)\s*([^\s+-]+)")


@dataclass(frozen=True)
class Formula:
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return self.positive + self.negative

    @property
    def is_single_word(self) -> bool:
        return len(self.positive) == 1 and not self.negative

    def __str__(self) -> str:
        text = " + ".join(self.positive)
        for word in self.negative:
            text += f" - {word}" if text else f"-{word}"
        return text


def parse_formula(text: str) -> Formula:
    """``"king - man + woman"`` -> Formula(("king", "woman"), ("man",)); a leading word counts as positive."""
    positive: list[str] = []
    negative: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TERM.match(text, position)
        if match is None or match.end() == position:
            raise StudioError(f"cannot read '{text[position:].strip()}': write words joined by + and -")
        sign, word = match.groups()
        (negative if sign == "-" else positive).append(word)
        position = match.end()
    if not positive and not negative:
        raise StudioError("type a word, or a formula such as: king - man + woman")
    return Formula(tuple(positive), tuple(negative))


def looks_like_formula(text: str) -> bool:
    """True if ``text`` holds a ``+`` or a ``-`` between terms, or more than one word."""
    text = text.strip()
    return bool(text) and (len(text.split()) > 1 or bool(re.search(r"[^\s]\s*[+-]|^\s*-", text)))

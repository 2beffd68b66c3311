"""The built-in demo corpus: generated sentences with structure planted on purpose.

It gives the app an offline default that trains in seconds and visibly clusters, and gives tests a
ground truth. Words of one group (animals, capitals, colours, ...) share their contexts, so they end
up near each other. The people are built from three independent features, each carried by its own
context words: gender (his/her, he/she), rank (crown, throne vs. field, market) and age (old, wise vs.
young, little). So ``king - man + woman`` changes only gender and lands on ``queen``; countries and
capitals share a language word, so ``paris - france + germany`` lands on ``berlin``.
"""

from __future__ import annotations

import random

from ..config import DEFAULT_MIN_COUNT
from .corpus import Corpus, corpus_from_tokens
from .tokens import tokenize
from .phrases import PhraseSettings

# (word, gender, rank, age)
_PEOPLE = [
    ("king", "m", "royal", "adult"),
    ("queen", "f", "royal", "adult"),
    ("prince", "m", "royal", "young"),
    ("princess", "f", "royal", "young"),
    ("man", "m", "common", "adult"),
    ("woman", "f", "common", "adult"),
    ("boy", "m", "common", "young"),
    ("girl", "f", "common", "young"),
]
_POSSESSIVE = {"m": "his", "f": "her"}
_PRONOUN = {"m": "he", "f": "she"}
_AGE_WORDS = {"adult": ["old", "wise", "tall", "grown"], "young": ["young", "little", "small", "playful"]}
_RANK_VERBS = {
    "royal": ["rules", "commands", "addresses", "crowns"],
    "common": ["ploughs", "sells", "buys", "carries"],
}
_RANK_THINGS = {
    "royal": ["crown", "throne", "palace", "kingdom", "castle"],
    "common": ["field", "market", "farm", "cart", "village"],
}
_FEELINGS = ["happy", "tired", "proud", "hungry", "worried"]

# (country, capital, language)
_NATIONS = [
    ("france", "paris", "french"),
    ("germany", "berlin", "german"),
    ("italy", "rome", "italian"),
    ("spain", "madrid", "spanish"),
    ("japan", "tokyo", "japanese"),
    ("china", "beijing", "chinese"),
    ("russia", "moscow", "russian"),
    ("greece", "athens", "greek"),
    ("egypt", "cairo", "arabic"),
    ("portugal", "lisbon", "portuguese"),
]

# (animal, sound)
_ANIMALS = [
    ("dog", "barks"),
    ("cat", "meows"),
    ("cow", "moos"),
    ("duck", "quacks"),
    ("sheep", "bleats"),
    ("lion", "roars"),
    ("horse", "neighs"),
    ("wolf", "howls"),
    ("frog", "croaks"),
    ("snake", "hisses"),
]
_COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "black", "brown", "pink"]
_COLOURED = ["car", "shirt", "door", "hat", "wall", "boat", "dress", "flower"]
_NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_COUNTED = ["coins", "books", "days", "stones", "friends"]
_FOODS = ["bread", "cheese", "rice", "soup", "fish", "cake", "pasta", "eggs", "honey", "butter"]

GROUPS: dict[str, list[str]] = {
    "royalty": ["king", "queen", "prince", "princess"],
    "commoners": ["man", "woman", "boy", "girl"],
    "countries": [n[0] for n in _NATIONS],
    "capitals": [n[1] for n in _NATIONS],
    "languages": [n[2] for n in _NATIONS],
    "animals": [a[0] for a in _ANIMALS],
    "sounds": [a[1] for a in _ANIMALS],
    "colours": list(_COLOURS),
    "numbers": list(_NUMBERS),
    "foods": list(_FOODS),
}

ANALOGIES: list[tuple[str, str, str, str]] = [
    ("king", "man", "woman", "queen"),
    ("prince", "boy", "girl", "princess"),
    ("queen", "woman", "man", "king"),
    ("king", "queen", "princess", "prince"),
    ("paris", "france", "germany", "berlin"),
    ("rome", "italy", "spain", "madrid"),
    ("tokyo", "japan", "china", "beijing"),
]

DEFAULT_SENTENCES = 30_000


def _people(rng: random.Random) -> str:
    word, gender, rank, age = rng.choice(_PEOPLE)
    poss, pron = _POSSESSIVE[gender], _PRONOUN[gender]
    adj = rng.choice(_AGE_WORDS[age])
    verb, thing = rng.choice(_RANK_VERBS[rank]), rng.choice(_RANK_THINGS[rank])
    return rng.choice(
        [
            f"the {adj} {word} {verb} {poss} {thing}",
            f"the {word} {verb} {poss} {thing} and {pron} is {rng.choice(_FEELINGS)}",
            f"{pron} is a {adj} {word} of the {thing}",
            f"in the {thing} the {word} said {pron} was {rng.choice(_FEELINGS)}",
        ]
    )


def _nations(rng: random.Random) -> str:
    country, capital, language = rng.choice(_NATIONS)
    return rng.choice(
        [
            f"the city of {capital} speaks {language}",
            f"people from {country} speak {language}",
            f"we flew to {capital} in {country}",
            f"the capital {capital} is a big city",
            f"the country {country} is a big land",
            f"in {country} the {language} language is spoken",
        ]
    )


def _animals(rng: random.Random) -> str:
    animal, sound = rng.choice(_ANIMALS)
    return rng.choice(
        [
            f"the {animal} {sound} loudly",
            f"a hungry {animal} {sound} at night",
            f"we fed the {animal} in the barn",
            f"every {animal} {sound} when it is afraid",
        ]
    )


def _colours(rng: random.Random) -> str:
    colour, thing = rng.choice(_COLOURS), rng.choice(_COLOURED)
    return rng.choice(
        [
            f"the {thing} is painted {colour}",
            f"she bought a {colour} {thing}",
            f"my favourite colour is {colour}",
        ]
    )


def _numbers(rng: random.Random) -> str:
    i = rng.randrange(len(_NUMBERS) - 1)
    number, following = _NUMBERS[i], _NUMBERS[i + 1]
    return rng.choice(
        [
            f"i counted {number} {rng.choice(_COUNTED)}",
            f"after {number} comes {following}",
            f"we waited {number} or {following} {rng.choice(_COUNTED)}",
        ]
    )


def _foods(rng: random.Random) -> str:
    food = rng.choice(_FOODS)
    return rng.choice(
        [
            f"we ate {food} for dinner",
            f"she cooked fresh {food} today",
            f"the {food} tastes delicious",
        ]
    )


# Generators with their share of the sentences: people get the most, since analogies need it.
_MAKERS = [(_people, 0.35), (_nations, 0.2), (_animals, 0.15), (_colours, 0.1), (_numbers, 0.1), (_foods, 0.1)]


def demo_text(seed: int = 0, sentences: int = DEFAULT_SENTENCES) -> str:
    """The generated text, one sentence per line; the same for the same seed."""
    rng = random.Random(seed)
    makers, weights = zip(*_MAKERS)
    return "\n".join(rng.choices(makers, weights)[0](rng) for _ in range(sentences)) + "\n"


def demo_corpus(seed: int = 0, min_count: int = DEFAULT_MIN_COUNT, phrases: PhraseSettings | None = None) -> Corpus:
    """The demo text as a corpus (no files); with ``phrases``, its collocations joined."""
    return corpus_from_tokens(tokenize(demo_text(seed)), min_count=min_count, name="the demo corpus",
                              phrases=phrases)

"""Function words ("the", "and", "of") per language, so that the map, cluster names and movers can leave
them out: on any real text they are the most frequent words and crowd out everything else.

The lists are the `stopwords` package's (42 languages, maintained, about 175 English words: function
words only, where larger lists such as stopwords-iso also drop "man", "old" or "face", which embeddings
are explored for). The language is the user's choice; ``guess_language`` proposes the one whose list
covers most of a vocabulary's commonest words. A user's edited list replaces the package's.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import StudioError

DEFAULT_LANGUAGE = "english"
GUESS_FROM = 200  # the commonest words a guess looks at


def languages() -> list[str]:
    """The languages with a list, by name ("english", "russian", …)."""
    import stopwords as package  # imported here: the app starts faster without it

    return sorted(package.AVAILABLE_LANGUAGES)


@lru_cache(maxsize=64)
def stopwords(language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """The function words of ``language`` (a name from ``languages()`` or a code such as "en"), lower case."""
    import stopwords as package

    name = package.LANGUAGE_MAPPING.get(language, language)
    if name not in package.AVAILABLE_LANGUAGES:
        raise StudioError(f"no list of function words for '{language}'; choose one of {', '.join(languages())}")
    return frozenset(w.casefold() for w in package.get_stopwords(name))


def guess_language(words: list[str]) -> str:
    """The language whose list holds most of the ``GUESS_FROM`` first (commonest) ``words``; English if
    none holds any."""
    top = np.asarray([w.casefold() for w in words[:GUESS_FROM]], dtype=object)
    if not len(top):
        return DEFAULT_LANGUAGE
    hits = {name: int(np.isin(top, list(stopwords(name))).sum()) for name in languages()}
    best = max(hits, key=lambda name: (hits[name], name == DEFAULT_LANGUAGE))
    return best if hits[best] else DEFAULT_LANGUAGE


def content_rows(words: list[str], stop: frozenset[str] | set[str]) -> np.ndarray:
    """Bool per word: True where it is not a function word (case-insensitive)."""
    if not stop or not words:
        return np.ones(len(words), dtype=bool)
    folded = np.char.lower(np.asarray(words, dtype=str))
    return ~np.isin(folded, np.asarray(sorted(stop), dtype=str))


def parse_word_list(text: str) -> frozenset[str]:
    """A list as typed in the app: words separated by spaces, commas or new lines, lower-cased."""
    return frozenset(w.casefold() for w in text.replace(",", " ").split() if w)

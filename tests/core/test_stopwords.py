"""Function words come from a maintained list per language; the guess, the filter and a typed list."""

import pytest

from embedding_studio.core.errors import StudioError
from embedding_studio.core.text.stopwords import (content_rows, guess_language, languages, parse_word_list,
                                                   stopwords)


def test_english_lists_function_words_not_content_words():
    english = stopwords("english")
    assert {"the", "and", "of", "he", "she", "was"} <= english
    assert not {"man", "woman", "king", "old", "face", "axe"} & english  # what embeddings are explored for
    assert stopwords("en") == english and "russian" in languages()


def test_an_unknown_language_is_one_clear_error():
    with pytest.raises(StudioError, match="no list of function words for 'klingon'"):
        stopwords("klingon")


def test_the_language_is_guessed_from_the_commonest_words():
    assert guess_language(["the", "and", "of", "to", "raskolnikov", "a", "in"]) == "english"
    assert guess_language(["и", "в", "не", "что", "он", "раскольников"]) == "russian"
    assert guess_language(["xq", "zzv"]) == "english"


def test_content_rows_leave_out_function_words_whatever_their_case():
    rows = content_rows(["The", "axe", "and", "Sonya", "of"], stopwords("english"))
    assert rows.tolist() == [False, True, False, True, False]
    assert content_rows(["the"], frozenset()).tolist() == [True]


def test_a_typed_list_splits_on_spaces_commas_and_lines():
    assert parse_word_list("The, and\nof  axe") == {"the", "and", "of", "axe"}

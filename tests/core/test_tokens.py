"""core.text.tokens: each tokenising rule, Unicode care (NFC, marks, invisible joiners), and speed cliffs."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedding_studio.core.config import DEFAULT_TOKENS, TOKEN_RULE_NAMES, TOKEN_RULES
from embedding_studio.core.errors import ConfigError
import embedding_studio.core.text.tokens as tokens_module
from embedding_studio.core.text.tokens import MAX_TOKEN_CHARS, tokenize

PASSAGE = (
    "My liver is bad, well--let it get worse! I don't consult a doctor\u2014from spite.\n"
    "The caf\u00e9 owner was na\u00efve; \u2019twas 1866, and the rent_due was 30 roubles.\n"
    "\u201cWell,\u201d said he, \u201cit\u2019s the prince\u2019s affair. We'll see to-morrow.\u201d\n"
)
_LETTERS = r"[^\W\d_]+"


def article_tokens(text: str) -> list[str]:
    """The article's tokeniser, for comparison."""
    return re.sub(r"[^a-z\s]", "", text.lower()).split()


def reference_tokens(text: str, rule: str) -> list[str]:
    """Each rule written as one slow regex over the lowercased text: the specification."""
    how = TOKEN_RULES[rule]
    s = unicodedata.normalize("NFC", text.lower()).replace("\u2019", "'")
    if how.apostrophe == "split":
        return re.findall(_LETTERS, s)
    if how.apostrophe == "split-s":  # an 's standing alone is that rule's own token: kept
        parts = re.split(r"(?<!\S)'s(?!\S)", re.sub(r"[^\w\s'\-]|[\d_]", " ", s))  # separators are spaces
        return [t for i, part in enumerate(parts) for t in ([] if i == 0 else ["'s"]) + _reference_words(part, how)]
    return _reference_words(s, how)


def _reference_words(s: str, how) -> list[str]:
    joiners = "'-" if how.hyphens else "'"
    words = re.findall(rf"{_LETTERS}(?:[{joiners}]{_LETTERS})*", s)
    if how.apostrophe == "join":
        return [w.replace("'", "") for w in words]
    out = []
    for word in words:
        if word.endswith("'s"):
            out.append(word[:-2])
            if how.apostrophe == "split-s":
                out.append("'s")
        else:
            out.append(word)
    return out


def test_the_default_keeps_contractions_splits_hyphenated_words_and_drops_the_possessive():
    assert DEFAULT_TOKENS == "drop-s"
    assert tokenize(PASSAGE) == [
        "my", "liver", "is", "bad", "well", "let", "it", "get", "worse", "i", "don't", "consult",
        "a", "doctor", "from", "spite", "the", "café", "owner", "was", "naïve", "twas", "and", "the",
        "rent", "due", "was", "roubles", "well", "said", "he", "it", "the", "prince", "affair", "we'll",
        "see", "to", "morrow",
    ]  # fmt: skip


def test_the_standard_rule_keeps_hyphenated_words_whole():
    assert tokenize(PASSAGE, "keep-hyphens") == [
        "my", "liver", "is", "bad", "well", "let", "it", "get", "worse", "i", "don't", "consult",
        "a", "doctor", "from", "spite", "the", "café", "owner", "was", "naïve", "twas", "and", "the",
        "rent", "due", "was", "roubles", "well", "said", "he", "it", "the", "prince", "affair", "we'll",
        "see", "to-morrow",
    ]  # fmt: skip


def test_the_articles_rule_joins_at_apostrophes_but_still_splits_dashes_and_keeps_accents():
    ours = tokenize(PASSAGE, "article")
    theirs = article_tokens(PASSAGE)
    assert "welllet" in theirs and "doctorfrom" in theirs and "caf" in theirs  # the article glues and drops
    assert ours[ours.index("well") + 1] == "let" and "café" in ours and "naïve" in ours
    assert {"dont", "its", "princes", "well", "to", "morrow"} <= set(ours)


@pytest.mark.parametrize("rule, expected", [
    ("keep-hyphens", ["the", "man", "hat", "don't", "i'll", "to-day", "at", "o'clock"]),
    ("drop-s", ["the", "man", "hat", "don't", "i'll", "to", "day", "at", "o'clock"]),
    ("split-s", ["the", "man", "'s", "hat", "don't", "i'll", "to", "day", "at", "o'clock"]),
    ("split", ["the", "man", "s", "hat", "don", "t", "i", "ll", "to", "day", "at", "o", "clock"]),
    ("article", ["the", "mans", "hat", "dont", "ill", "to", "day", "at", "oclock"]),
])
def test_each_rule(rule, expected):
    assert tokenize("The man\u2019s hat -- don't, I'll: to-day at o'clock", rule) == expected


@pytest.mark.parametrize("text, expected", [
    ("'quoted' words", ["quoted", "words"]),
    ("\u2018quoted\u2019 words", ["quoted", "words"]),
    ("rock''n roll", ["rock", "n", "roll"]),
    ("well--let -dash- ", ["well", "let", "dash"]),
    ("abc123def 42 snake_case", ["abc", "def", "snake", "case"]),
    ("ÉCOLE Ünïcödé", ["école", "ünïcödé"]),
    ("cafe\u0301", ["café"]),  # a decomposed accent is normalised, not split off
    ("Привет, мир!", ["привет", "мир"]),
    ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # combining vowel signs stay in the word
    ("co\u00adoperate zero\u200dwidth non\u200cjoiner word\u2060joiner", ["cooperate", "zerowidth", "nonjoiner",
                                                                          "wordjoiner"]),
    ("zero\u200bspace", ["zero", "space"]),  # a zero-width space is a space
    ("\u0301\u0308 x \u0301", ["x"]),  # marks with no letter make no token
    ("", []),
    ("... 123 --- !!! ' -", []),
])
def test_cases_every_careful_tokeniser_handles(text, expected):
    assert tokenize(text) == expected


_ALPHABET = "abcXYZéÉñü \n\t'\u2019-\u2014.,;:!?\"\u201c\u201d()0129_s"


@pytest.mark.parametrize("rule", TOKEN_RULE_NAMES)
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=60))
def test_every_rule_agrees_with_its_regex_definition(rule, text):
    assert tokenize(text, rule) == reference_tokens(text, rule)


@pytest.mark.parametrize("rule", TOKEN_RULE_NAMES)
@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_tokenising_twice_changes_nothing_and_every_token_has_a_letter(rule, text):
    tokens = tokenize(text, rule)
    assert tokenize(" ".join(tokens), rule) == tokens
    for token in tokens:
        assert unicodedata.is_normalized("NFC", token)
        assert any(c.isalpha() for c in token), token


def test_overlong_letter_runs_are_dropped():
    assert tokenize("a" * (MAX_TOKEN_CHARS + 1) + " ok " + "b" * MAX_TOKEN_CHARS) == ["ok", "b" * MAX_TOKEN_CHARS]


def test_many_distinct_separators_are_all_separators():
    # 20,000 distinct private-use characters between words: one translate table, not one replace each.
    separators = [chr(0xE000 + i) for i in range(6400)] + [chr(0xF0000 + i) for i in range(13_600)]
    text = "".join(f"w{sep}" for sep in separators)
    assert tokenize(text) == ["w"] * len(separators)


def test_an_unknown_rule_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="keep-hyphens, drop-s"):
        tokenize("text", "whitespace")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_separators_replaced_one_by_one_or_translated_give_the_same_words(text):
    # A few distinct separators are replaced one by one (prose's quotes and dashes); many go through
    # one translate table: the words must not depend on which.
    import embedding_studio.core.text.tokens as tokens_module

    one_by_one = tokenize(text)
    saved = tokens_module._FEW_REPLACES
    tokens_module._FEW_REPLACES = -1  # always translate
    try:
        assert tokenize(text) == one_by_one
    finally:
        tokens_module._FEW_REPLACES = saved


# The bytes path (spaced_bytes) against the general one: the same words for every rule. The first
# alphabet stays on the bytes path; the second adds what only the general path handles (marks,
# joiners, capital sigma, dotted capital I, a longer lowercase, jamo, a composing arrow).
_PLAIN = (
    "abzAZ \n\t\r\x0b\x0c\x1c\x1f\x00\x7f'-_.,;0s\u2019\u2018\u201c\u201d\u2014\u2026\u00a0\u2028\u3000"
    "éÉñÑüÜßẞæÆœŒÀσςΑαıKДдЖж\u2190\ue000\U000f0000\U0001d400"
)
_TRICKY = _PLAIN + "\u0301\u0308\u00ad\u200b\u200c\u200d\u2060\ufeffΣİÅȺ가\u1100\u1161\u11a8\u0338\u0915\u093f\u0bc6\u0bbe"


@pytest.mark.parametrize("rule", TOKEN_RULE_NAMES)
@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=_PLAIN, max_size=50) | st.text(alphabet=_TRICKY, max_size=50) | st.text(max_size=30))
def test_the_bytes_path_gives_the_general_paths_words(rule, text):
    general = tokens_module._spaced_general(text, TOKEN_RULES[rule])
    fast = tokens_module.spaced_bytes(text, rule)
    assert fast.decode("utf-8", "surrogatepass").split() == general.split()
    assert b"\x00" not in fast  # no joiner left behind


def test_prose_with_quotes_dashes_and_accents_stays_on_the_bytes_path(monkeypatch):
    def refuse(*_):
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(tokens_module, "_spaced_general", refuse)
    text = PASSAGE.replace("\u0301", "") + "\u00c9COLE \u2018Na\u00efve\u2019 \u201cd\u00e9j\u00e0\u201d \u2026 \u00a0\u00bb"
    assert tokenize(text)[:3] == ["my", "liver", "is"] and "école" in tokenize(text)


def test_every_letter_the_bytes_path_keeps_combines_with_nothing():
    # The bytes path does no NFC: it may only keep letters that NFC leaves alone wherever they stand.
    # A letter that can end a canonical composition (its second character) must go the general way.
    seconds = set()
    for code in range(0x80, 0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    seconds.update(map(chr, range(0x1161, 0x1176)), map(chr, range(0x11A8, 0x11C3)))  # Hangul V and T jamo
    assert not any(c < "\x80" for c in seconds)
    for code in [*range(0x80, 0xD800), *range(0xE000, 0x110000)]:
        kind = tokens_module._plain_kind(chr(code))
        if kind is None or kind in (b" ", b"'"):
            continue
        low = kind.decode("utf-8")
        assert low.isalpha() and len(low) == 1 and low not in seconds, hex(code)
        assert unicodedata.normalize("NFC", low) == low and unicodedata.combining(low) == 0, hex(code)
        first = unicodedata.normalize("NFD", low)[0]
        assert first not in seconds and unicodedata.combining(first) == 0, hex(code)

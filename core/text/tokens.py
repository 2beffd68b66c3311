"""Text to words: the tokenising rules, and the one fast routine that applies them.

A word is a run of Unicode letters (combining marks belong to the letter before them), lowercased and
NFC-normalised, so tokenising a token list joined by spaces gives it back unchanged. Digits, underscores,
punctuation and dashes separate words. What differs between the rules is the apostrophe (and whether a
hyphen between letters joins): benchmarks/bench_tokens.py measured them with gensim's evaluators on the
Dostoevsky corpora, and the best one is the default.

Built from whole-string C operations (lower, translate, a few sparse regexes, split) rather than a
regex over every character: about three times faster, which matters over megabytes of text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..config import DEFAULT_TOKENS, TOKEN_RULE_NAMES, check_tokens

#: Longer letter runs are not words and are dropped: the longest words of real text are far shorter
#: (English 45 letters, Russian about 35, German compounds in use about 60) and word2vec.c stops a
#: word at MAX_STRING = 100. Without a cap, megabytes of one letter made "words" megabytes long, and
#: the model file's word array (as wide as its longest word, for every word) ran to gigabytes.
MAX_TOKEN_CHARS = 100


@dataclass(frozen=True)
class TokenRule:
    """How apostrophes and hyphens inside a word are read.

    ``apostrophe``: "join" removes it ("don't" -> "dont", "man's" -> "mans": the article's rule);
    "split" separates ("don't" -> "don", "t", as ``re.findall("[a-z]+")`` does); "drop-s" drops a final
    "'s" ("man's" -> "man") and keeps other contractions whole ("don't", "i'll"); "split-s" is "drop-s"
    with the "'s" kept as a word of its own. An apostrophe at a word's edge is a quote mark: it separates.
    ``hyphens``: a hyphen between two letters joins them ("to-morrow" stays one word).
    """

    apostrophe: str
    hyphens: bool
    description: str


TOKEN_RULES: dict[str, TokenRule] = {
    "standard": TokenRule("drop-s", True, "possessive 's dropped, contractions and hyphenated words whole"),
    "drop-s": TokenRule("drop-s", False, "possessive 's dropped, contractions whole, hyphens split"),
    "split-s": TokenRule("split-s", False, "possessive 's a word of its own, contractions whole"),
    "split": TokenRule("split", False, "apostrophes and hyphens split words (like [a-z]+)"),
    "article": TokenRule("join", False, "the article's rule: apostrophes removed (don't -> dont)"),
}
assert tuple(TOKEN_RULES) == TOKEN_RULE_NAMES, "core.config names the rules; describe each here"

_WORD_APOSTROPHE = "\u2019"  # the typographic apostrophe, read as "'"
_DELETED = {"\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff"}  # soft hyphen, ZWNJ, ZWJ, word joiner, BOM
# ASCII characters that end a word; apostrophe and hyphen are decided by the rule.
_ASCII_SEPARATORS = "".join(c for c in map(chr, range(128)) if not (c.isalpha() or c.isspace() or c in "'-"))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# After separators become spaces, a letter is anything but a space, an apostrophe or a hyphen.
# Each pattern starts with its literal and looks behind after it ("'(?<=L')" rather than "(?<=L)'"), so
# the regex engine jumps from one apostrophe or hyphen to the next instead of trying every position:
# 1-2 ms a MB of prose against 17-19 ms.
_L = r"[^\s'\-]"
_INNER_APOSTROPHE = re.compile(rf"'(?<={_L}')(?={_L})")
# A final 's: not followed by a letter, nor by an apostrophe (or joining hyphen) and a letter.
_FINAL_S = {False: re.compile(rf"'s(?<={_L}'s)(?!{_L}|'{_L})"), True: re.compile(rf"'s(?<={_L}'s)(?!{_L}|['\-]{_L})")}
_LONE_S = re.compile(r"'s(?<!\S's)(?!\S)")  # an 's standing alone (split-s wrote it so): kept
_INNER_HYPHEN = re.compile(rf"-(?<={_L}-)(?={_L})")
_JOINER = "\x00"  # stands for a kept apostrophe/hyphen while the others become spaces (text has no NUL left)


def check_token_rule(name: str) -> TokenRule:
    """The rule called ``name``, or ConfigError naming the choices."""
    check_tokens(name)
    return TOKEN_RULES[name]


def tokenize(text: str, rule: str = DEFAULT_TOKENS) -> list[str]:
    """Lowercase words of ``text`` under the named :data:`TOKEN_RULES` rule (see :class:`TokenRule`).

    Soft hyphens and zero-width (non-)joiners inside a word are removed, so the word stays whole; a
    zero-width space separates. Runs of more than :data:`MAX_TOKEN_CHARS` letters are dropped.
    """
    return tokenize_counting(text, rule)[0]


def tokenize_counting(text: str, rule: str = DEFAULT_TOKENS) -> tuple[list[str], int]:
    """:func:`tokenize`'s words, and how many overlong runs it dropped (the reader reports them)."""
    words = spaced_words(text, rule).split()
    if words and max(map(len, words)) > MAX_TOKEN_CHARS:  # a C-speed pass; the filter runs rarely
        kept = [w for w in words if len(w) <= MAX_TOKEN_CHARS]
        return kept, len(words) - len(kept)
    return words, 0


def spaced_words(text: str, rule: str = DEFAULT_TOKENS) -> str:
    """The text lowercased with every separator made whitespace: its ``split()`` is the words.

    The only whitespace left is ASCII (a no-break or ideographic space becomes a space), so the words
    are also the runs of bytes above 32 in its UTF-8 (see core.text.word_table).

    Overlong runs are still in it: the corpus reader checks each distinct word's length once instead.
    """
    how = check_token_rule(rule)
    s = text.lower()
    for c in _ASCII_SEPARATORS:  # a dozen C-speed passes beat one translate() on ASCII text by ~2x
        if c in s:
            s = s.replace(c, " ")
    if not s.isascii():
        s = _clean_non_ascii(s)
    if "'" in s:
        s = _apostrophes(s, how)
    if "-" in s:
        s = (_INNER_HYPHEN.sub(_JOINER + "h", s) if how.hyphens else s).replace("-", " ")
    if _JOINER in s:
        s = s.replace(_JOINER + "a", "'").replace(_JOINER + "h", "-")
    return s


def _apostrophes(s: str, rule: TokenRule) -> str:
    how = rule.apostrophe
    if how == "join":
        return _INNER_APOSTROPHE.sub("", s).replace("'", " ")
    if how == "drop-s":
        s = _FINAL_S[rule.hyphens].sub("", s)
    elif how == "split-s":
        s = _FINAL_S[rule.hyphens].sub(" " + _JOINER + "as", s)
        s = _LONE_S.sub(_JOINER + "as", s)
    if how != "split":
        s = _INNER_APOSTROPHE.sub(_JOINER + "a", s)
    return s.replace("'", " ")


class _Kinds:
    """Non-ASCII characters by kind, remembered across pieces, so each is looked at once: kept
    (letters), combining marks, deleted (invisible joiners), and separators and spaces (with the
    translate table that makes them ASCII spaces, built up as they come: spaced text then holds
    only ASCII whitespace, which the corpus reader's byte-level word finder relies on)."""

    LIMIT = 1 << 20  # all of Unicode is ~1.1 million characters: a bound no real text reaches

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.marks: set[str] = set()
        self.table: dict[int, str | None] = {ord(c): None for c in _DELETED}

    def learn(self, present: set[str]) -> None:
        for c in present - self.known:
            if c in _DELETED or c.isalpha():
                pass
            elif unicodedata.category(c).startswith("M"):
                self.marks.add(c)
            else:
                self.table[ord(c)] = " "
            if len(self.known) < self.LIMIT:
                self.known.add(c)


_KINDS = _Kinds()
#: Up to this many distinct characters to change, one ``str.replace`` each beats one ``translate``.
_FEW_REPLACES = 64


def _clean_non_ascii(s: str) -> str:
    """Map non-ASCII separators to spaces in one translate, whatever their number; NFC at the end.

    One table for all the separators met so far (not one replace each): 4 MB of distinct private-use
    characters once took 20 seconds. Marks with no letter before them are dropped, so no token is
    made only of combining marks.
    """
    s = s.replace(_WORD_APOSTROPHE, "'")
    present = set("".join(_NON_ASCII_RUN.findall(s)))
    _KINDS.learn(present)
    changed = [c for c in present if ord(c) in _KINDS.table]
    if len(changed) <= _FEW_REPLACES:  # prose: a few quotes and dashes, one fast replace each
        for c in changed:
            s = s.replace(c, _KINDS.table[ord(c)] or "")
    else:  # str.translate looks up every character of the text in the table: ~40 ms a MB
        s = s.translate(_KINDS.table)
    marks = present & _KINDS.marks
    if marks:  # a mark after a space, an apostrophe, a hyphen or at the start has no letter to belong to
        s = re.sub(f"(?<![^\\s'\\-])[{re.escape(''.join(marks))}]+", "", s)
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
        if s.lower() != s:  # rare: a composed letter whose lowercase differs; lower once more
            s = s.lower()
    return s

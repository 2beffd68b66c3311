"""Text to words: the tokenising rules, and the one fast routine that applies them.

A word is a run of Unicode letters (combining marks belong to the letter before them), lowercased and
NFC-normalised, so tokenising a token list joined by spaces gives it back unchanged. Digits, underscores,
punctuation and dashes separate words. What differs between the rules is the apostrophe (and whether a
hyphen between letters joins): benchmarks/bench_tokens.py measured them with gensim's evaluators on the
Dostoevsky corpora, and the best one is the default.

Built from whole-string C operations (lower, translate, a few sparse regexes, split) rather than a
regex over every character: about three times faster, which matters over megabytes of text. Most text
(ASCII, with curly quotes, dashes and precomposed accented letters: nearly all prose) takes a faster
path still, on its UTF-8 bytes (:func:`spaced_bytes`): one ``bytes.translate`` for every ASCII
separator and capital, the non-ASCII characters to change rewritten at once with NumPy, the same
regexes over bytes. Anything that path cannot vouch for (combining marks, invisible joiners, capital
sigma, Hangul, more than a few distinct separators) goes the general way, :func:`_spaced_general`.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from ..config import DEFAULT_TOKENS, TOKEN_RULES, TokenRule, check_tokens

#: Longer letter runs are not words and are dropped: the longest words of real text are far shorter
#: (English 45 letters, Russian about 35, German compounds in use about 60) and word2vec.c stops a
#: word at MAX_STRING = 100. Without a cap, megabytes of one letter made "words" megabytes long, and
#: the model file's word array (as wide as its longest word, for every word) ran to gigabytes.
MAX_TOKEN_CHARS = 100


_WORD_APOSTROPHE = "\u2019"  # the typographic apostrophe, read as "'"
_DELETED = {"\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff"}  # soft hyphen, ZWNJ, ZWJ, word joiner, BOM
# ASCII characters that end a word; apostrophe and hyphen are decided by the rule.
_ASCII_SEPARATORS = "".join(c for c in map(chr, range(128)) if not (c.isalpha() or c.isspace() or c in "'-"))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_FEW_REPLACES = 64  # up to this many distinct characters to change, one replace each beats a translate
# After separators become spaces, a letter is anything but a space, an apostrophe or a hyphen.
_L = r"[^\s'\-]"


class _Patterns:
    """The apostrophe and hyphen patterns and their replacements, for str or (encoded) for bytes.

    Each pattern starts with its literal and looks behind after it ("'(?<=L')" rather than "(?<=L)'"),
    so the regex engine jumps from one apostrophe or hyphen to the next instead of trying every
    position: 1-2 ms a MB of prose against 17-19 ms. Over bytes, ``\\s`` is ASCII whitespace only, and
    spaced bytes hold no other whitespace (see :func:`spaced_bytes`); a non-ASCII letter's bytes are
    all above 127, so each counts as a letter, as the letter does over str.
    """

    def __init__(self, kind: type) -> None:
        def compile_(source: str) -> re.Pattern:
            return re.compile(source if kind is str else source.encode("ascii"))

        def literal(text: str):
            return text if kind is str else text.encode("ascii")

        self.inner_apostrophe = compile_(rf"'(?<={_L}')(?={_L})")
        # A final 's: not followed by a letter, nor by an apostrophe (or joining hyphen) and a letter.
        self.final_s = {False: compile_(rf"'s(?<={_L}'s)(?!{_L}|'{_L})"),
                        True: compile_(rf"'s(?<={_L}'s)(?!{_L}|['\-]{_L})")}
        self.lone_s = compile_(r"'s(?<!\S's)(?!\S)")  # an 's standing alone (split-s wrote it so): kept
        self.inner_hyphen = compile_(rf"-(?<={_L}-)(?={_L})")
        # An apostrophe or hyphen not between two letters: made a space in one pass, without marking
        # the kept ones first (used over bytes for the rules that keep inner apostrophes as they are).
        self.edge_apostrophe = compile_(rf"'(?:(?<!{_L}')|(?!{_L}))")
        self.edge_hyphen = compile_(rf"-(?:(?<!{_L}-)|(?!{_L}))")
        self.apostrophe, self.hyphen, self.space, self.empty = (literal(c) for c in ("'", "-", " ", ""))
        # stands for a kept apostrophe/hyphen while the others become spaces (no NUL is left by then)
        self.joiner = literal("\x00")
        self.kept_apostrophe, self.kept_hyphen = self.joiner + literal("a"), self.joiner + literal("h")
        self.split_s = self.space + self.kept_apostrophe + literal("s")  # "man's" -> "man" "'s"


_STR, _BYTES = _Patterns(str), _Patterns(bytes)


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
    return spaced_bytes(text, rule).decode("utf-8", "surrogatepass")


def spaced_bytes(text: str, rule: str = DEFAULT_TOKENS) -> bytes:
    """:func:`spaced_words` as UTF-8 (what the corpus reader's word table reads; the same words, though
    ASCII control whitespace may be a space instead), made on the bytes when the text allows.

    Over bytes: one ``translate`` lowercases ASCII and makes every ASCII separator a space (a string
    replace per separator present took 7 ms a MB of prose), the non-ASCII characters to change (curly
    quotes, dashes, capitals) are rewritten at once (:func:`_plain_non_ascii`), and the apostrophe and
    hyphen regexes run over bytes, for the default rule in two passes instead of five. Text with
    characters only the general path handles right (see :func:`_plain_kind`) goes there. On the
    Dostoevsky corpora: 5 ms a MB against 20 ms.
    """
    how = check_token_rule(rule)
    data = text.encode("utf-8", "surrogatepass").translate(_ASCII_TABLE)
    if not data.isascii():
        plain = _plain_non_ascii(data)
        if plain is None:
            return _spaced_general(text, how).encode("utf-8", "surrogatepass")
        data = plain
    if how.apostrophe == "drop-s":  # the default: two passes fewer than the general way
        if b"'" in data:
            data = _BYTES.edge_apostrophe.sub(b" ", _BYTES.final_s[how.hyphens].sub(b"", data))
        if b"-" in data:
            data = _BYTES.edge_hyphen.sub(b" ", data) if how.hyphens else data.replace(b"-", b" ")
        return data
    return _joiners(data, how, _BYTES)


def _spaced_general(text: str, how: TokenRule) -> str:
    """Any text, over str: lowercase, separators to spaces, Unicode care (marks, joiners, NFC), joiners."""
    s = text.lower()
    for c in _ASCII_SEPARATORS:  # a dozen C-speed passes beat one translate() on ASCII text by ~2x
        if c in s:
            s = s.replace(c, " ")
    if not s.isascii():
        s = _clean_non_ascii(s)
    return _joiners(s, how, _STR)


def _joiners(s, how: TokenRule, p: _Patterns):
    """Apostrophes and hyphens kept inside words or made spaces, as the rule says (str or bytes)."""
    if p.apostrophe in s:
        s = _apostrophes(s, how, p)
    if p.hyphen in s:
        s = (p.inner_hyphen.sub(p.kept_hyphen, s) if how.hyphens else s).replace(p.hyphen, p.space)
    if p.joiner in s:
        s = s.replace(p.kept_apostrophe, p.apostrophe).replace(p.kept_hyphen, p.hyphen)
    return s


def _apostrophes(s, rule: TokenRule, p: _Patterns):
    how = rule.apostrophe
    if how == "join":
        return p.inner_apostrophe.sub(p.empty, s).replace(p.apostrophe, p.space)
    if how == "drop-s":
        s = p.final_s[rule.hyphens].sub(p.empty, s)
    elif how == "split-s":
        s = p.final_s[rule.hyphens].sub(p.split_s, s)
        s = p.lone_s.sub(p.kept_apostrophe + p.split_s[-1:], s)
    if how != "split":
        s = p.inner_apostrophe.sub(p.kept_apostrophe, s)
    return s.replace(p.apostrophe, p.space)


#: Over bytes: ASCII capitals to lowercase, ASCII separators (and the control whitespace \x1c-\x1f,
#: which bytes regexes do not count as whitespace) to spaces; bytes above 127 unchanged.
_ASCII_TABLE = bytes(
    (32 if chr(b) in _ASCII_SEPARATORS or 0x1C <= b <= 0x1F else ord(chr(b).lower())) if b < 128 else b
    for b in range(256)
)
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))  # jamo compose


def _plain_kind(c: str) -> bytes | None:
    """What the bytes path writes for the non-ASCII character ``c`` (its lowercase, a space, an
    apostrophe), or None if only the general path gets it right.

    The bytes path does no NFC and no mark handling, so it takes a letter only when its lowercase is
    one character, is NFC on its own, combines with nothing (no mark, not a jamo; tests check every
    character that can end a canonical composition), and is not capital sigma (whose lowercase
    depends on the next letter). Then the general path's text is already NFC and both agree.
    """
    if c == _WORD_APOSTROPHE:
        return b"'"
    low = c.lower()
    if len(low) != 1 or c == "\u03a3" or low in _DELETED or "\ud800" <= low <= "\udfff":
        return None
    if low.isalpha():
        plain = (not unicodedata.combining(low) and unicodedata.is_normalized("NFC", low)
                 and not any(a <= ord(low) <= b for a, b in _HANGUL))
        return low.encode("utf-8") if plain else None
    return None if unicodedata.category(low).startswith("M") else b" "


_PLAIN: dict[str, bytes | None] = {}  # _plain_kind's answers, remembered (bounded like _Kinds)
_PAD = bytes(4)  # a character's bytes are read 4 at a time
_SPARE = ord("!")  # an ASCII separator: after _ASCII_TABLE no text holds it
_SPARE_BYTE = bytes([_SPARE])


def _plain_non_ascii(data: bytes) -> bytes | None:
    """``data`` with its non-ASCII characters lowercased or made spaces; None for the general path.

    One ``bytes.replace`` per character to change cost ~1 ms a MB each (prose has five or six: curly
    quotes, apostrophe, dash); here every non-ASCII character's bytes are found at once with NumPy,
    and those to change are overwritten in place, their spare bytes deleted by one ``translate``.
    """
    raw = np.frombuffer(data + _PAD, np.uint8)
    leads = np.flatnonzero(raw >= 0xC0)  # a character's first byte (continuation bytes are 0x80-0xBF)
    lengths = 2 + (raw[leads] >= 0xE0) + (raw[leads] >= 0xF0)
    codes = np.zeros(len(leads), np.uint32)  # the character's bytes, as a big-endian number
    for i in range(4):
        codes |= np.where(lengths > i, raw[leads + i], 0).astype(np.uint32) << np.uint32(24 - 8 * i)
    distinct, which = np.unique(codes, return_inverse=True)
    changed: dict[int, bytes] = {}  # index in distinct -> its new bytes
    for i, code in enumerate(distinct.tolist()):
        encoded = code.to_bytes(4, "big").rstrip(b"\0")  # a character's bytes: none of them is 0
        c = encoded.decode("utf-8", "surrogatepass")
        kind = _PLAIN.get(c, False)
        if kind is False:
            kind = _plain_kind(c)
            if len(_PLAIN) < _Kinds.LIMIT:
                _PLAIN[c] = kind
        if kind is None or len(kind) > len(encoded):  # a longer lowercase (rare): the general path
            return None
        if kind != encoded:
            changed[i] = kind
            if len(changed) > _FEW_REPLACES:  # thousands of distinct separators: the general path's
                return None  # one translate table (here each is classified and written: slower)
    if not changed:
        return data
    # Each changed character's new bytes, padded with a byte no translated text holds (deleted after).
    table = np.full((len(distinct), 4), _SPARE, np.uint8)
    for i, kind in changed.items():
        table[i, : len(kind)] = np.frombuffer(kind, np.uint8)
    is_changed = np.zeros(len(distinct), bool)
    is_changed[list(changed)] = True
    at = np.flatnonzero(is_changed[which])
    out = raw[: len(data)].copy()
    for i in range(4):
        more = at[lengths[at] > i]
        out[leads[more] + i] = table[which[more], i]
    out = out.tobytes()
    return out.translate(None, _SPARE_BYTE) if _SPARE_BYTE in out else out


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

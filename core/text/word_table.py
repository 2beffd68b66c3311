"""Spaced text to word ids straight from its bytes: no Python string made per word.

``str.split()`` and a dict lookup cost about 110 ns a word, most of a reader's time (~24 ms per MB of
text): a new string object per word, hashed, looked up, freed. Here the text that
:func:`core.text.tokens.spaced_bytes` returns (spaced words as UTF-8) has its words found with NumPy:
spaced text holds only ASCII whitespace, so every byte above the space belongs to a word. A word of up
to 16 bytes is its own key (its bytes as one or two little-endian 64-bit integers: exact, so no two
words can share one), and a whole piece's keys are looked up at once in an open-addressing hash table
kept in NumPy arrays, one probe step per round for the keys still unresolved.

The reader's dict stays the one record of words and ids: words the table does not know yet, and longer
words, are decoded and looked up there (which numbers new ones in order of appearance, as before), and
the table learns the short ones. So the ids are exactly those of ``split()`` and the dict.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Mapping

import numpy as np

_MULTIPLIERS = (np.uint64(0x9E37_79B9_7F4A_7C15), np.uint64(0xC2B2_AE3D_27D4_EB4F))  # odd, well mixed
#: Index n: the mask that keeps the first n bytes of a little-endian uint64 (all of it from 8 on).
_LOW_BYTES = np.array([(1 << (8 * min(n, 8))) - 1 for n in range(17)], np.uint64)
_PAD = bytes(16)  # zeros after the text: a key read at a word's start never runs past the buffer


class _KeyTable:
    """Open addressing with linear probing over keys of one or two uint64 (a zero first key: empty)."""

    def __init__(self, width: int, bits: int = 12) -> None:
        self.width = width
        self.bits = bits
        self.keys = [np.zeros(1 << bits, np.uint64) for _ in range(width)]
        self.values = np.zeros(1 << bits, np.int32)
        self.size = 0

    def _slots(self, keys: tuple[np.ndarray, ...]) -> np.ndarray:
        mixed = keys[0] * _MULTIPLIERS[0]
        if self.width == 2:
            mixed += keys[1] * _MULTIPLIERS[1]
        np.right_shift(mixed, np.uint64(64 - self.bits), out=mixed)  # the high bits mix every key bit
        return mixed.view(np.int64)  # below 2**bits: the same numbers, no copy

    def lookup(self, keys: tuple[np.ndarray, ...]) -> np.ndarray:
        """Each key's value, -1 for keys not in the table."""
        slots = self._slots(keys)
        held = self.keys[0][slots]
        hit = held == keys[0]
        if self.width == 2:
            hit &= self.keys[1][slots] == keys[1]
        found = np.where(hit, self.values[slots], -1)
        hit |= held == 0  # an empty slot: not in the table
        # A collision: probe the next slots. Few keys do, since the words seen first, the most
        # frequent, mostly sit in their own slots.
        pending = np.flatnonzero(~hit)
        keys, slots = tuple(k[pending] for k in keys), slots[pending]
        mask = len(self.values) - 1
        while len(pending):
            slots = (slots + 1) & mask
            held = self.keys[0][slots]
            hit = held == keys[0]
            if self.width == 2:
                hit &= self.keys[1][slots] == keys[1]
            found[pending[hit]] = self.values[slots[hit]]
            going = ~hit & (held != 0)
            pending, slots, keys = pending[going], slots[going], tuple(k[going] for k in keys)
        return found

    def insert(self, keys: tuple[np.ndarray, ...], values: np.ndarray) -> None:
        """Add keys not in the table yet (each once); grows to stay at most half full."""
        needed = 2 * (self.size + len(values))
        if needed > len(self.values):
            used = self.keys[0] != 0
            old = tuple(k[used] for k in self.keys), self.values[used]
            self.__init__(self.width, max(self.bits + 1, int(needed - 1).bit_length()))
            self._put(*old)
        self._put(keys, values)

    def _put(self, keys: tuple[np.ndarray, ...], values: np.ndarray) -> None:
        slots = self._slots(keys)
        mask = len(self.values) - 1
        owner = np.empty(len(self.values), np.int64)  # scratch: which key claimed a slot this round
        while len(values):
            free = np.flatnonzero(self.keys[0][slots] == 0)
            claims = slots[free]
            owner[claims] = free  # of keys claiming one slot, one is left written there: it wins
            won = free[owner[claims] == free]  # (np.unique per round did the same, ~10 rounds, slower)
            for table, k in zip(self.keys, keys):
                table[slots[won]] = k[won]
            self.values[slots[won]] = values[won]
            self.size += len(won)
            rest = np.ones(len(values), bool)
            rest[won] = False
            keys, values, slots = tuple(k[rest] for k in keys), values[rest], (slots[rest] + 1) & mask


class WordTable:
    """Word ids for spaced text, kept in step with ``index`` (word -> id; a missing word gets a new id).

    An ``index`` with ``add_new(words) -> first id`` (words it surely lacks, numbered in order) is
    given new words in bulk.
    """

    #: Unknown tokens numbered before the others are looked up again (then 4x as many, and so on): 256
    #: made ~6 rounds of numbering and looking up again on a first piece of prose (each a dozen NumPy
    #: calls and an insert), 8192 two or three: learning 28,000 words 2 ms a MB faster, the Zipf text
    #: too; sorting every unknown token of a first piece at once was slower.
    FIRST_BATCH = 8192

    def __init__(self, index: Mapping[str, int]) -> None:
        self.index = index
        self._short = _KeyTable(1)  # words of 1-8 bytes
        self._medium = _KeyTable(2)  # 9-16 bytes

    def ids(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the words of ``data`` (spaced text as UTF-8: words are runs of bytes above 32),
        and where each word starts (byte offsets), both in text order."""
        raw = np.frombuffer(data + _PAD, np.uint8)
        inside = np.zeros(len(raw) + 1, bool)
        np.greater(raw, 32, out=inside[1:])
        edges = np.flatnonzero(inside[1:] != inside[:-1])  # a word's first byte, then the byte after its last
        starts, ends = edges[0::2], edges[1::2]
        lengths = ends - starts
        # the 8 bytes from every offset, as integers (a strided view: no copy)
        at = np.ndarray((len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
        first = at[starts]
        first &= _LOW_BYTES[np.minimum(lengths, 16)]  # a word's first 8 bytes, or all of it
        words = _Words(data, starts, ends, first)
        if len(starts) and lengths.max() > 8:
            words.kind = (lengths > 8).astype(np.int8) + (lengths > 16)
            medium = np.flatnonzero(words.kind == 1)
            words.second = np.zeros(len(starts), np.uint64)
            words.second[medium] = at[starts[medium] + 8] & _LOW_BYTES[lengths[medium] - 8]
        ids = self._find(words, None)
        missing = np.flatnonzero(ids < 0)
        batch = self.FIRST_BATCH
        while len(missing):  # a few unknown tokens numbered, the rest looked up again: most are known now
            self._number(words, ids, missing[:batch])
            missing = missing[batch:]
            if len(missing):
                found = self._find(words, missing)
                ids[missing] = found
                missing = missing[found < 0]
            batch *= 4
        return ids, starts

    def _find(self, words: "_Words", where: np.ndarray | None) -> np.ndarray:
        """The tables' ids of the tokens at ``where`` (None: all), -1 for the ones they lack."""
        first = words.first if where is None else words.first[where]
        if words.kind is None:  # only short words: no copies
            return self._short.lookup((first,))
        kind = words.kind if where is None else words.kind[where]
        found = np.full(len(kind), -1, np.int32)
        short, medium = np.flatnonzero(kind == 0), np.flatnonzero(kind == 1)
        found[short] = self._short.lookup((first[short],))
        if len(medium):
            second = (words.second if where is None else words.second[where])[medium]
            found[medium] = self._medium.lookup((first[medium], second))
        return found

    def _number(self, words: "_Words", ids: np.ndarray, tokens: np.ndarray) -> None:
        """Ids from the dict for ``tokens`` (positions, in text order, all unknown to the tables); the
        tables learn them. Each word is decoded once, at its first occurrence, and the dict is asked
        in text order, so new words are numbered in order of appearance as ``split()`` would have them.
        """
        kind = np.zeros(len(tokens), np.int8) if words.kind is None else words.kind[tokens]
        source = np.arange(len(tokens))  # the token whose word gives this one its id
        learnt = []
        for table, which in ((self._short, np.flatnonzero(kind == 0)), (self._medium, np.flatnonzero(kind == 1))):
            if len(which) == 0:
                continue
            key = (words.first[tokens[which]],)
            if table is self._medium:
                key += (words.second[tokens[which]],)
            joined = key[0] if len(key) == 1 else np.stack(key, axis=1).view("V16").ravel()
            _, first, inverse = np.unique(joined, return_index=True, return_inverse=True)
            source[which] = which[first][inverse.ravel()]
            learnt.append((table, which[first], tuple(k[first] for k in key)))
        decoded = np.flatnonzero(source == np.arange(len(tokens)))  # first occurrences, and long words
        text = words.decode(tokens[decoded])
        got = np.empty(len(tokens), np.int32)
        got[decoded] = self._ids_of(text, None if words.kind is None else kind[decoded] == 2)
        got = got[source]
        ids[tokens] = got
        for table, which, key in learnt:
            table.insert(key, got[which])


    def _ids_of(self, text: list[str], long: np.ndarray | None) -> np.ndarray:
        """The dict's ids of decoded words: each short or medium one new (the tables know every such
        word the dict does), the long ones (``long``: which) maybe known, maybe repeated.

        An index with ``add_new`` numbers the new words in one call; one ``__missing__`` call each
        took ~0.4 us, a third of learning a word.
        """
        add_new = getattr(self.index, "add_new", None)
        if add_new is None:
            return np.fromiter(map(self.index.__getitem__, text), np.int32, len(text))
        new = np.ones(len(text), bool)
        if long is not None:
            seen: set[str] = set()
            for i in np.flatnonzero(long).tolist():  # few: 250 of 1.9 million tokens of prose
                word = text[i]
                if word in self.index or word in seen:
                    new[i] = False
                seen.add(word)
        ids = np.empty(len(text), np.int32)
        fresh = list(itertools.compress(text, new.tolist()))
        first = add_new(fresh)
        ids[new] = np.arange(first, first + len(fresh), dtype=np.int32)
        if not new.all():  # long words met before, in an earlier batch or earlier in this one
            ids[~new] = [self.index[word] for word in itertools.compress(text, (~new).tolist())]
        return ids


@dataclass
class _Words:
    """A piece's tokens: bytes, where each starts and ends, its key's first 8 bytes, and for pieces
    with longer words, each token's kind (0: up to 8 bytes, 1: 9-16, 2: longer) and key's next 8."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    first: np.ndarray
    kind: np.ndarray | None = None
    second: np.ndarray | None = None

    def decode(self, tokens: np.ndarray) -> list[str]:
        """The words of these tokens, decoded at once: their bytes gathered with NumPy, each followed by
        a space, one decode and one split (a slice and a decode per word took twice as long)."""
        starts, ends = self.starts[tokens], self.ends[tokens]
        sizes = ends - starts + 1  # the word and a space
        if len(sizes) == 0:
            return []
        at = np.cumsum(sizes)
        where = np.arange(at[-1]) + np.repeat(starts - (at - sizes), sizes)  # each byte's place in data
        gathered = np.frombuffer(self.data, np.uint8, count=len(self.data))[np.minimum(where, len(self.data) - 1)]
        gathered[at - 1] = 32
        return gathered.tobytes().decode("utf-8", "surrogatepass").split(" ")[:-1]

"""Text files in, token ids out: the corpus, read in one streaming pass.

Files are found, checked and decoded by core.text.decoding (Project Gutenberg's header and footer left
out); read in parts, in reader processes for a large corpus, by core.text.parallel_reader; and their words
numbered, counted, joined into phrases and cut to a vocabulary by core.text.token_ids (4 bytes a token,
in memory or spilled to disk). This module puts them together: :func:`load_corpus` and :class:`Corpus`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..allocator import keep_freed_memory
from ..config import DEFAULT_MIN_COUNT, DEFAULT_PHRASE_THRESHOLD, DEFAULT_TOKENS, TrainConfig, check_vocabulary_limits
from ..errors import CorpusError
from .decoding import BLOCK_CHARS, encoding_note, find_named
from .parallel_reader import Parts, UsableFile, check_file, reading_processes
from .token_ids import PartResult
from .phrases import Phrase, PhraseSettings
from .pieces import PieceTable
from .token_cache import CachedCorpus, TokenCache
from .token_ids import TokenIds
from .tokens import MAX_TOKEN_CHARS, check_token_rule
from .vocab import Vocab

ProgressFn = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------------
# The corpus


@dataclass
class Corpus:
    """Token ids of the kept words, in text order over all files, and their vocabulary."""

    files: list[Path]
    vocab: Vocab
    ids: np.ndarray  # int32
    raw_tokens: int  # words read, before phrases were joined and the min_count / max_vocab cut
    warnings: list[str] = field(default_factory=list)
    tokens: str = DEFAULT_TOKENS  # the tokenising rule (core.text.tokens)
    phrases: list[Phrase] = field(default_factory=list)  # phrases joined, most frequent first
    #: Where the ids came from, for concordances (None: not read from files, or from an older cache)
    pieces: PieceTable | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    def summary(self) -> dict:
        """Numbers worth showing a person before training."""
        return dict(
            files=len(self.files),
            tokens=self.raw_tokens,
            kept_tokens=self.n_tokens,
            vocab_size=len(self.vocab),
            top_words=[(w, int(c)) for w, c in zip(self.vocab.words[:10], self.vocab.counts[:10])],
            token_rule=self.tokens,
            phrases=[(p.token, p.count) for p in self.phrases if p.token in self.vocab][:20],
        )


@dataclass(frozen=True)
class ReadingOptions:
    """How texts are read into a corpus: the settings that decide its vocabulary, apart from training's.

    A corpus read with one set can be trained with any config whose :meth:`of` is the same; the app
    reads its corpus again when they differ."""

    min_count: int = DEFAULT_MIN_COUNT
    max_vocab: int | None = None
    tokens: str = DEFAULT_TOKENS
    phrases: bool = False
    phrase_threshold: float = DEFAULT_PHRASE_THRESHOLD

    def __post_init__(self) -> None:
        check_vocabulary_limits(self.min_count, self.max_vocab)
        check_token_rule(self.tokens)

    @classmethod
    def of(cls, config: TrainConfig) -> "ReadingOptions":
        """How a run with ``config`` reads its texts."""
        return cls(config.min_count, config.max_vocab, config.tokens, config.phrases, config.phrase_threshold)

    def phrase_settings(self) -> PhraseSettings | None:
        return PhraseSettings(self.phrase_threshold, self.min_count) if self.phrases else None

    def keywords(self) -> dict:
        """These options as :func:`load_corpus`'s keyword arguments."""
        return dict(min_count=self.min_count, max_vocab=self.max_vocab, tokens=self.tokens,
                    phrases=self.phrase_settings())


def load_corpus(
    paths: Sequence[str | os.PathLike],
    min_count: int = DEFAULT_MIN_COUNT,
    max_vocab: int | None = None,
    progress: ProgressFn | None = None,
    cache_dir: str | os.PathLike | None = None,
    tokens: str = DEFAULT_TOKENS,
    phrases: PhraseSettings | None = None,
    workers: int | None = 1,
) -> Corpus:
    """Read, tokenise and number the words of text files in one streaming pass.

    Files named directly must be usable (else CorpusError); unusable ``.txt`` files found inside a
    folder are skipped with a warning. ``progress(bytes_done, bytes_total)`` is called per ~1 MB.
    With ``cache_dir``, the token ids go to a file there and come back memory-mapped, so a corpus
    larger than memory can be read and trained; reading the same unchanged files with the same
    settings again then costs nothing (see :mod:`core.text.token_cache`). A damaged cache entry is
    read again from the texts, with a warning naming it. ``tokens`` names the tokenising rule
    (core.text.tokens); with ``phrases``, collocations are joined into one word before the vocabulary
    is cut (core.text.phrases). Files are read in parts of :data:`PART_BYTES`; with ``workers`` > 1
    (or None: one per core for corpora of :data:`PARALLEL_MIN_BYTES` or more) the parts are tokenised
    in that many processes at once, with the same result as reading them one after another. Reader
    processes are spawned, so a script asking for them needs ``if __name__ == "__main__":`` (the app
    and the command line ask; the default, one, needs nothing).
    """
    check_vocabulary_limits(min_count, max_vocab)
    check_token_rule(tokens)
    keep_freed_memory()  # each ~1 MB piece's temporaries: in a fresh process, ~45 ms of faults in 11 MB
    found = find_named(paths)
    sizes = [_size(path) for path, _ in found]
    cache = None
    rebuilt: list[str] = []
    if cache_dir is not None:
        cache = TokenCache(Path(cache_dir), [path for path, _ in found], min_count, max_vocab, tokens, phrases)
        if (hit := cache.load()) is not None:
            return Corpus(hit.files, hit.vocab, hit.ids, hit.raw_tokens, hit.warnings, tokens, hit.phrases,
                          hit.pieces)
        if cache.damage:
            rebuilt.append(f"the token cache {cache.ids_path} was damaged ({cache.damage}); "
                           "deleted it and read the texts again")
    total, offset = sum(sizes), 0
    token_ids = TokenIds(cache.spill_path if cache else None)
    used: list[Path] = []
    warnings: list[str] = []
    parts = Parts(reading_processes(workers, total))
    parts.unwanted = token_ids.register
    try:
        checked = [check_file(path, size, tokens) for (path, _), size in zip(found, sizes)]
        parts.plan([(i, job) for i, file in enumerate(checked) if isinstance(file, UsableFile) for job in file.jobs])
        for i, ((path, named), size) in enumerate(zip(found, sizes)):
            report = (lambda done: progress(offset + done, total)) if progress else None
            try:
                problem = _read_into(token_ids, path, checked[i], parts.results(i, report), warnings)
            except CorpusError as error:  # unreadable: fatal if named, skipped if found in a folder
                if named:
                    raise
                problem = f"could not be read ({error})"
            if problem and named:
                raise CorpusError(f"{path} {problem}")
            if problem:
                warnings.append(f"skipped {path}: it {problem}")
            else:
                used.append(path)
            offset += size
            if progress:
                progress(offset, total)
        if not used:
            raise CorpusError(f"no usable text in {_describe(paths)}")
        read = token_ids.n_tokens
        found_phrases = token_ids.join_phrases(phrases) if phrases is not None else []
        if cache is None:
            vocab, ids = token_ids.build(min_count, max_vocab, _describe(paths))
            return Corpus(used, vocab, ids, read, warnings, tokens, found_phrases, token_ids.pieces.table(len(ids)))
        vocab, _ = token_ids.build(min_count, max_vocab, _describe(paths), out=cache.partial_path)
        pieces = token_ids.pieces.table(vocab.total)
        ids = cache.store(CachedCorpus(used, vocab, np.empty(0, np.int32), read, warnings, found_phrases, pieces))
        return Corpus(used, vocab, ids, read, rebuilt + warnings, tokens, found_phrases, pieces)  # news: not stored
    finally:
        parts.close()
        token_ids.close()
        if cache is not None:
            cache.discard_partial()


def _read_into(token_ids: TokenIds, path: Path, file: "UsableFile | str | CorpusError",
               parts: Iterator[PartResult], warnings: list[str]) -> str | None:
    """Add one file's tokens, part by part; returns why the file is unusable instead, if it is."""
    if isinstance(file, CorpusError):
        raise file
    if isinstance(file, str):
        return file
    before = token_ids.n_tokens
    note = encoding_note(path, file.encoding)
    file_warnings = [note] if note else []
    overlong = 0
    file_no = token_ids.pieces.add_file(path, file.encoding)
    for part in parts:
        overlong += token_ids.add_part(part, file_no)
    if token_ids.n_tokens == before and overlong:
        return f"has no words, only {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} letters"
    if token_ids.n_tokens == before:
        return "has no letters, so no words to learn from"
    if overlong:
        file_warnings.append(f"{path.name}: dropped {overlong:,} run(s) of more than {MAX_TOKEN_CHARS} "
                             "letters, too long to be words")
    warnings.extend(file_warnings)
    return None




def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror or error}") from None


def _describe(paths: Sequence[str | os.PathLike]) -> str:
    if isinstance(paths, (str, os.PathLike)):
        return str(paths)
    return ", ".join(map(str, paths)) or "(nothing)"


def corpus_from_tokens(
    tokens: Iterable[str],
    min_count: int = DEFAULT_MIN_COUNT,
    max_vocab: int | None = None,
    name: str = "<tokens>",
    phrases: PhraseSettings | None = None,
) -> Corpus:
    """A corpus from words already split (generated text, tests); same vocabulary and phrase rules."""
    if isinstance(tokens, str):
        raise TypeError("corpus_from_tokens takes a sequence of words; split text with tokenize() first")
    check_vocabulary_limits(min_count, max_vocab)
    token_ids = TokenIds()
    stream = iter(tokens)
    while batch := list(itertools.islice(stream, BLOCK_CHARS)):  # list: add() needs a length
        token_ids.add(batch)
    if token_ids.n_tokens == 0:
        raise CorpusError(f"{name} has no words")
    read = token_ids.n_tokens
    found_phrases = token_ids.join_phrases(phrases) if phrases is not None else []
    vocab, ids = token_ids.build(min_count, max_vocab, name)
    return Corpus([], vocab, ids, read, [], DEFAULT_TOKENS, found_phrases)

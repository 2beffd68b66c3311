"""The commands on texts: ``fetch-gutenberg``, and ``concordance`` and ``contexts`` (the lines of a corpus
behind a word and behind two words' closeness)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..errors import StudioError
from .paths import record_outputs, refuse_overwriting_inputs
from .show import shown


def fetch_gutenberg(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..text.gutenberg import ARTICLE_BOOKS, cache_folder, fetch, parse_ids

    ids = parse_ids(args.ids)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out} is a file; --out needs a folder")
    targets = [out / f"pg{ebook}.txt" for ebook in ids]
    # --out the download cache itself would write each book's text over its cached download
    refuse_overwriting_inputs(targets, [cache_folder() / target.name for target in targets])
    record_outputs(targets)
    state = {"drawn": False}

    def progress(ebook: int, done: int, total: int | None) -> None:
        if args.quiet:
            return
        title = f" ({ARTICLE_BOOKS[ebook]})" if ebook in ARTICLE_BOOKS else ""
        amount = f"{done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
        stderr.write(f"\rebook {ebook}{shown(title)}: {amount}   ")
        stderr.flush()
        state["drawn"] = True

    try:
        paths = fetch(ids, out, mirror=args.mirror, progress=progress, timeout=args.timeout)
    finally:
        if state["drawn"]:
            stderr.write("\n")
            stderr.flush()
    for path in paths:
        print(shown(str(path)), file=stdout)
    print(f"wrote {len(paths)} text(s) to {shown(str(out))}", file=stderr)
    return 0


def _read_for_lines(args: argparse.Namespace):
    from ..text.concordance import concordance_for
    from ..text.corpus import load_corpus
    from ..text.phrases import PhraseSettings

    from ..text.decoding import find_text_files
    from .training import quiet_reading

    phrases = PhraseSettings(min_count=args.min_count) if args.phrases else None
    quiet_reading(find_text_files([args.corpus]))
    corpus = load_corpus([args.corpus], min_count=args.min_count, tokens=args.tokens, phrases=phrases,
                         cache_dir=args.token_cache, workers=None)
    return concordance_for(corpus)


def _print_line(line, stdout: TextIO) -> None:
    print(f"{shown(line.where())}\t{shown(line.left):>60} [{shown(line.keyword)}] {shown(line.right)}", file=stdout)


def concordance(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    concordance = _read_for_lines(args)
    word = args.word.strip().lower().replace(" ", "_")
    if reason := concordance.unavailable_reason():
        print(f"note: {shown(str(reason))}", file=stderr)
    lines = concordance.lines(word, args.n)
    print(f"{shown(word)}: {concordance.count(word):,} occurrences; the first {len(lines)}", file=stderr)
    for line in lines:
        _print_line(line, stdout)
    return 0


def _ranking_note(rank: str, window: int) -> str:
    """What the order and the PMI columns mean: PMI is not a household word, and its order surprises."""
    order = ("ranked by PMI, the smaller of the two: words both share unusually often come before words "
             "frequent everywhere (the, and)" if rank == "pmi" else
             "ranked by count, the smaller of the two (the columns named after the words)")
    return (f"{order}\npmi 1, pmi 2: log of how many times more often the word is within {window} of word 1 "
            "(2) than its frequency alone would make it; 0: as often as chance, 1: 2.7 times as often")


def contexts(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1 or args.window < 1 or args.samples < 0:
        raise StudioError("-n and --window must be at least 1, --samples at least 0")
    concordance = _read_for_lines(args)
    words = [w.strip().lower().replace(" ", "_") for w in (args.word1, args.word2)]
    report = concordance.contexts(*words, window=args.window, rank=args.rank, n=args.n, samples=args.samples)
    word1, word2 = shown(report.word1), shown(report.word2)
    print(f"context words within {report.window} of both '{word1}' and '{word2}' (by {args.rank}); "
          f"{report.only1:,} only near '{word1}', {report.only2:,} only near '{word2}'", file=stdout)
    print(_ranking_note(args.rank, report.window), file=stdout)
    print(f"{'word':<20}{word1[:12]:>12}{word2[:12]:>12}{'pmi 1':>9}{'pmi 2':>9}", file=stdout)
    for shared in report.shared:
        print(f"{shown(shared.word):<20}{shared.count1:>12,}{shared.count2:>12,}{shared.pmi1:>9.2f}"
              f"{shared.pmi2:>9.2f}", file=stdout)
    for word, samples in ((word1, report.samples1), (word2, report.samples2)):
        if samples:
            print(f"\n'{word}' with them:", file=stdout)
            for line in samples:
                _print_line(line, stdout)
    return 0

"""The commands on texts: ``fetch-gutenberg``, and ``concordance`` and ``contexts`` (the lines of a corpus
behind a word and behind two words' closeness)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..errors import StudioError


def fetch_gutenberg(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..text.gutenberg import ARTICLE_BOOKS, fetch, parse_ids

    ids = parse_ids(args.ids)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out} is a file; --out needs a folder")
    state = {"drawn": False}

    def progress(ebook: int, done: int, total: int | None) -> None:
        if args.quiet:
            return
        title = f" ({ARTICLE_BOOKS[ebook]})" if ebook in ARTICLE_BOOKS else ""
        amount = f"{done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
        stderr.write(f"\rebook {ebook}{title}: {amount}   ")
        stderr.flush()
        state["drawn"] = True

    try:
        paths = fetch(ids, out, mirror=args.mirror, progress=progress, timeout=args.timeout)
    finally:
        if state["drawn"]:
            stderr.write("\n")
            stderr.flush()
    for path in paths:
        print(path, file=stdout)
    print(f"wrote {len(paths)} text(s) to {out}", file=stderr)
    return 0


def _read_for_lines(args: argparse.Namespace):
    from ..text.concordance import concordance_for
    from ..text.corpus import load_corpus
    from ..text.phrases import PhraseSettings

    phrases = PhraseSettings(min_count=args.min_count) if args.phrases else None
    corpus = load_corpus([args.corpus], min_count=args.min_count, tokens=args.tokens, phrases=phrases,
                         cache_dir=args.token_cache, workers=None)
    return concordance_for(corpus)


def _print_line(line, stdout: TextIO) -> None:
    print(f"{line.where()}\t{line.left:>60} [{line.keyword}] {line.right}", file=stdout)


def concordance(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    concordance = _read_for_lines(args)
    word = args.word.strip().lower().replace(" ", "_")
    if reason := concordance.unavailable_reason():
        print(f"note: {reason}", file=stderr)
    lines = concordance.lines(word, args.n)
    print(f"{word}: {concordance.count(word):,} occurrences; the first {len(lines)}", file=stderr)
    for line in lines:
        _print_line(line, stdout)
    return 0


def contexts(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1 or args.window < 1 or args.samples < 0:
        raise StudioError("-n and --window must be at least 1, --samples at least 0")
    concordance = _read_for_lines(args)
    words = [w.strip().lower().replace(" ", "_") for w in (args.word1, args.word2)]
    report = concordance.contexts(*words, window=args.window, rank=args.rank, n=args.n, samples=args.samples)
    print(f"context words within {report.window} of both '{report.word1}' and '{report.word2}' "
          f"(by {args.rank}); {report.only1:,} only near '{report.word1}', {report.only2:,} only near "
          f"'{report.word2}'", file=stdout)
    print(f"{'word':<20}{report.word1[:12]:>12}{report.word2[:12]:>12}{'pmi 1':>9}{'pmi 2':>9}", file=stdout)
    for shared in report.shared:
        print(f"{shared.word:<20}{shared.count1:>12,}{shared.count2:>12,}{shared.pmi1:>9.2f}{shared.pmi2:>9.2f}",
              file=stdout)
    for word, samples in ((report.word1, report.samples1), (report.word2, report.samples2)):
        if samples:
            print(f"\n'{word}' with them:", file=stdout)
            for line in samples:
                _print_line(line, stdout)
    return 0

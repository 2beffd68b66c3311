"""The commands on a model or vectors file: ``export``, ``similar``, ``evaluate``, ``compare``, ``weat``,
``axis`` and ``history`` (a word's neighbours along the training timeline)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TextIO

from ..errors import StudioError
from .paths import input_file, writable_folder, writable_target
from .show import shown


def export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.io import load_model, save_projector_tsv, save_word2vec

    source = input_file(args.model)
    if args.format == "tsv":  # a folder of two files, neither of which may be the model
        folder = writable_folder(args.out, ["vectors.tsv", "metadata.tsv"], inputs=[source])[0].parent
    else:
        out = writable_target(args.out, inputs=[source])  # before the load
    model = load_model(source)
    if args.format == "tsv":
        vectors, metadata = save_projector_tsv(model, folder)
        print(f"wrote {shown(str(vectors))} and {shown(str(metadata))}", file=stderr)
    else:
        save_word2vec(model, out, binary=args.format == "word2vec-binary")
        print(f"wrote {len(model):,} vectors to {shown(str(out))}", file=stderr)
    return 0


def similar(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.io import load_any

    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    model = load_any(input_file(args.model))
    if model.from_letters(args.word):
        print(f"'{args.word}' is not in the vocabulary: its vector was built from its letters "
              "(character n-grams)", file=stderr)
    for word, score in model.most_similar(args.word, topn=args.n):
        print(f"{shown(word)}\t{score:.4f}", file=stdout)
    return 0


def evaluate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.evaluate import evaluate_analogies, evaluate_pairs, read_analogies, read_pairs
    from ..vectors.io import load_any

    if not args.pairs and not args.analogies:
        raise StudioError("evaluate needs at least one test file: --pairs FILE... and/or --analogies FILE...")
    if args.restrict_vocab < 1:
        raise StudioError(f"--restrict-vocab must be at least 1, got {args.restrict_vocab}")
    for path in (args.model, *args.pairs, *args.analogies):
        input_file(path)
    for path in args.pairs:  # check every file before the (possibly slow) model load
        read_pairs(path)
    for path in args.analogies:
        read_analogies(path)
    model = load_any(args.model)
    names: set[str] = set()
    pairs = {_result_name(p, names): evaluate_pairs(model, p, args.restrict_vocab) for p in args.pairs}
    analogies = {_result_name(p, names): evaluate_analogies(model, p, args.restrict_vocab)
                 for p in args.analogies}
    if args.json:
        report = {"pairs": {name: r.to_dict() for name, r in pairs.items()},
                  "analogies": {name: r.to_dict() for name, r in analogies.items()}}
        print(json.dumps(report, indent=2, allow_nan=False), file=stdout)
        return 0
    if pairs:
        width = max(len("word pairs"), *(len(n) for n in pairs))
        print(f"{'word pairs':<{width}}  {'spearman':>8}  {'pearson':>8}  {'pairs':>11}  {'oov':>6}", file=stdout)
        for name, r in pairs.items():
            print(f"{name:<{width}}  {_fmt(r.spearman):>8}  {_fmt(r.pearson):>8}  "
                  f"{f'{r.pairs_used}/{r.pairs_total}':>11}  {r.oov:>6.1%}", file=stdout)
    if analogies:
        if pairs:
            print(file=stdout)
        rows = []
        for name, r in analogies.items():
            rows.append((name, r.accuracy, r.correct, r.total, r.skipped))
            rows += [(f"  {shown(section)}", s["accuracy"], s["correct"], s["total"], s["skipped"])
                     for section, s in r.sections.items()]
        width = max(len("analogies"), *(len(row[0]) for row in rows))
        print(f"{'analogies':<{width}}  {'accuracy':>8}  {'correct':>7}  {'total':>7}  {'skipped':>7}", file=stdout)
        for label, accuracy, correct, total, skipped in rows:
            score = f"{accuracy:.1%}" if total else "-"
            print(f"{label:<{width}}  {score:>8}  {correct:>7}  {total:>7}  {skipped:>7}", file=stdout)
    return 0


def _result_name(path: str, taken: set[str]) -> str:
    """A test file's base name; the path as given when two files share a base name."""
    name = Path(path).name
    if name in taken:
        name = str(path)
    taken.add(name)
    return shown(name)


def _fmt(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "n/a"


def compare(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.compare import align_models

    if args.top < 2:
        raise StudioError(f"--top must be at least 2, got {args.top}")
    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    left, right = model_or_snapshot(args.a), model_or_snapshot(args.b)
    result = align_models(left, right, top=args.top, weighted=not args.unweighted)
    movers = result.movers(args.n)
    changed = result.movers(args.n, by="neighbours")
    if args.json:
        report = {"a": args.a, "b": args.b, "shared_words": len(result.words), "weighted": not args.unweighted,
                  "mean_movement": result.mean_movement,
                  "mean_neighbour_change": float(result.neighbour_change.mean()),
                  "movers": movers, "neighbour_changers": changed}
        print(json.dumps(report, indent=2, allow_nan=False), file=stdout)
        return 0
    print(f"aligned {len(result.words):,} shared words; mean movement {result.mean_movement:.4f} "
          f"(cosine distance), mean neighbour change {result.neighbour_change.mean():.3f} (1 - Jaccard at "
          f"{result.topn})", file=stdout)
    width = max(4, *(len(shown(m["word"])) for m in movers))
    print(f"{'word':<{width}}  {'moved':>7}  {'nbrs':>5}  {'count':>9}", file=stdout)
    for m in movers:
        print(f"{shown(m['word']):<{width}}  {m['movement']:>7.4f}  {m['neighbour_change']:>5.2f}  {m['count']:>9,}",
              file=stdout)
    return 0


def weat(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.io import load_any
    from ..vectors.weat import make_test, presets, weat as run_weat  # (this function has the command's name)

    tests = presets()
    if args.preset == "list":
        for key, test in tests.items():
            print(f"{key}\t{shown(test.name)}", file=stdout)
        return 0
    given = [args.x, args.y, args.a, args.b]
    if args.preset is not None:
        if any(given):
            raise StudioError("give either --preset or the four sets --x --y --a --b, not both")
        if args.preset.lower() not in tests:
            raise StudioError(f"no preset '{args.preset}'; choose one of {', '.join(tests)}")
        test = tests[args.preset.lower()]
    elif all(given):
        test = make_test(*given)
    else:
        raise StudioError("weat needs --preset ID, or all four sets --x --y --a --b (comma-separated words)")
    if args.permutations < 1:
        raise StudioError(f"--permutations must be at least 1, got {args.permutations}")
    result = run_weat(load_any(input_file(args.model)), test, permutations=args.permutations)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False), file=stdout)
        return 0
    print(shown(test.name), file=stdout)
    for key in "XYAB":
        missing = result.missing[key]
        note = f" (missing: {', '.join(map(shown, missing))})" if missing else ""
        name = getattr(test, key).name
        label = key if name == key else f"{key} {shown(name)}"
        print(f"  {label}: {len(result.used[key])} words{note}", file=stdout)
    how = "exact, all" if result.exact else "sampled,"
    print(f"effect size {_fmt(result.effect_size)}  p-value {result.p_value:.4g}  ({how} {result.splits:,} splits)",
          file=stdout)
    return 0


def axis(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.axes import positions, rank_along, remove_direction, semantic_axis
    from ..vectors.io import load_any, save_model

    if args.n < 1 or args.restrict_vocab < 1:
        raise StudioError("-n and --restrict-vocab must be at least 1")
    source = input_file(args.model)
    out = None if args.remove_to is None else writable_target(args.remove_to, inputs=[source], option="--remove-to")
    model = load_any(source)
    axis = semantic_axis(model, args.pairs)
    if out is not None:
        save_model(remove_direction(model, axis), out)
        print(f"wrote {shown(str(out))}: {len(model):,} words with the {shown(axis.name)} axis projected out",
              file=stderr)
        return 0
    if args.words:
        rows = [model.index(w) for w in args.words]
        print(f"axis {shown(axis.label)}: + is towards {', '.join(shown(a) for a, _ in axis.pairs)}, "
              f"- towards {', '.join(shown(b) for _, b in axis.pairs)}", file=stdout)
        for word, place in zip(args.words, positions(model, axis, rows)):
            print(f"{shown(word)}\t{place:+.4f}", file=stdout)
        return 0
    high, low = rank_along(model, axis, topn=args.n, restrict_vocab=args.restrict_vocab)
    print(f"axis {shown(axis.label)}", file=stdout)
    print(f"towards {', '.join(shown(a) for a, _ in axis.pairs)}:", file=stdout)
    for word, place in high:
        print(f"  {shown(word)}\t{place:+.4f}", file=stdout)
    print(f"towards {', '.join(shown(b) for _, b in axis.pairs)}:", file=stdout)
    for word, place in low:
        print(f"  {shown(word)}\t{place:+.4f}", file=stdout)
    return 0


def model_or_snapshot(argument: str):
    """A model or vectors file, or ``MODEL@EPOCH``: that snapshot of the model's training timeline
    (``@before`` for before training; ``@0.25`` within the first epoch), as a model of the words it follows."""
    import numpy as np

    from ..vectors.io import load_any, load_model

    path, _, spec = argument.rpartition("@")
    if not path or Path(argument).exists():
        return load_any(input_file(argument))
    model = load_model(input_file(path))
    timeline = getattr(model, "timeline", None)
    if timeline is None or not len(timeline):
        raise StudioError(f"{path} holds no training timeline, so it has no snapshot '{spec}'")
    labels = [timeline.label(s) for s in range(len(timeline))]
    wanted = "before training" if spec.strip().lower() in ("before", "0") else f"epoch {spec.strip()}"
    try:
        wanted = timeline.label(int(np.argmin(np.abs(timeline.epochs - float(spec))))) \
            if np.isclose(timeline.epochs, float(spec)).any() else wanted
    except ValueError:
        pass
    if wanted not in labels:
        raise StudioError(f"{path} has no snapshot '{spec}'; its snapshots: "
                          + ", ".join(label.replace("epoch ", "") for label in labels))
    return timeline.as_model(labels.index(wanted), model.vocab)


def history(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..vectors.io import load_model

    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    model = load_model(input_file(args.model))
    timeline = getattr(model, "timeline", None)
    if timeline is None or not len(timeline):
        raise StudioError(f"{args.model} holds no training timeline (it was trained before timelines were "
                          "kept, or imported)")
    word = args.word.strip().lower().replace(" ", "_")
    row = model.vocab.id(word)  # an unknown word: a suggestion, exit 2
    if row >= timeline.tracked:
        raise StudioError(f"'{word}' is not among the {timeline.tracked:,} most frequent words the timeline "
                          f"follows (it is number {row + 1:,})")
    for s, (rows, cosines) in enumerate(timeline.history(row, args.n)):
        line = ", ".join(f"{shown(model.words[r])} {c:.2f}" for r, c in zip(rows.tolist(), cosines.tolist()))
        print(f"{timeline.label(s):<16}loss {timeline.losses[s]:.4f}  {line}", file=stdout)
    return 0

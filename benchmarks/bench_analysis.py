"""How long the analyses of issue #16 take on the Dostoevsky vocabulary (8,277 words).

    python benchmarks/bench_analysis.py [--runs-dir DIR] [--repeat 3]

Times, in-process, medians of ``--repeat``: aligning two runs (``align_models``: the weighted SVD and
every word's 10 neighbours in both), measuring stability over the runs (``measure``), a semantic axis
with its ranking, and a WEAT with the exact or sampled p-value. The runs are the ``run-N.npz`` files
that ``main.py stability ../shared/corpora/dostoevsky --runs 3 --epochs 5 --out DIR`` writes; without
``--runs-dir`` they are trained here first (3 seeds, 5 epochs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
import common  # noqa: E402,F401 - embedding_studio from this checkout
CORPUS = ROOT.parent / "shared" / "corpora" / "dostoevsky"


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from embedding_studio.core.cli import main as cli
    from embedding_studio.core.train.stability import measure
    from embedding_studio.core.vectors.axes import rank_along, semantic_axis
    from embedding_studio.core.vectors.compare import align_models
    from embedding_studio.core.vectors.io import load_model
    from embedding_studio.core.vectors.weat import make_test, weat

    folder = Path(args.runs_dir) if args.runs_dir else Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    if not args.runs_dir:
        if not CORPUS.is_dir():
            sys.exit(f"needs {CORPUS}")
        cli(["stability", str(CORPUS), "--runs", "3", "--epochs", "5", "--out", str(folder), "--quiet"])
    models = [load_model(p) for p in sorted(folder.glob("run-*.npz"))]
    for m in models:
        m.unit_vectors  # noqa: B018 - the query cache, built once as the app does
    a, b = models[0], models[1]
    print(f"{len(models)} runs of {len(a):,} words x {a.dim} dims; medians of {args.repeat}")
    print(f"align_models (all shared words) {timed(lambda: align_models(a, b, top=None), args.repeat):8.3f} s")
    print(f"measure ({len(models)} runs)              {timed(lambda: measure(models), args.repeat):8.3f} s")
    axis = lambda: rank_along(a, semantic_axis(a, "he-she, his-her, man-woman"), topn=20)  # noqa: E731
    print(f"semantic axis + ranking         {timed(axis, args.repeat):8.3f} s")
    small = make_test("he,his,him,man,father,son,brother,husband", "she,her,woman,mother,daughter,sister,wife,girl",
                      "love,happy,kind,good", "hate,evil,cruel,bad")
    print(f"WEAT 8+8 words (exact, 12,870)  {timed(lambda: weat(a, small), args.repeat):8.3f} s")
    large = make_test(a.words[100:125], a.words[125:150], a.words[150:175], a.words[175:200])
    print(f"WEAT 25+25 words (10,000 drawn) {timed(lambda: weat(a, large), args.repeat):8.3f} s")


if __name__ == "__main__":
    main()

"""Opening a big word2vec text file: time and peak memory against the size of its matrix.

    python benchmarks/bench_load_vectors.py [--rows 400000] [--dim 300] [--folder DIR]

Writes a random rows x dim model with core.vectors.io.save_word2vec (once; kept in --folder), then loads it in
a fresh process with core.vectors.io.load_vectors and reports seconds, peak resident memory, and how that
compares with the float32 matrix itself and with the interpreter's baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

from common import ROOT

LOAD = textwrap.dedent("""
    import json, resource, sys, time
    def peak_mb(field="VmHWM"):  # this process's own peak (ru_maxrss is inherited across fork+exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
    import common  # embedding_studio from this checkout
    import numpy
    from embedding_studio.core.vectors import io as vectors_io
    baseline = peak_mb("VmRSS")
    reports = []
    started = time.perf_counter()
    model = vectors_io.load_vectors({path!r}, progress=lambda done, total: reports.append(done))
    seconds = time.perf_counter() - started
    print(json.dumps(dict(seconds=seconds, rows=len(model), dim=model.dim, progress_reports=len(reports),
                          baseline_mb=baseline, peak_mb=peak_mb())))
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    from embedding_studio.core.vectors.io import save_word2vec
    from embedding_studio.core.vectors.model import Model
    from embedding_studio.core.text.vocab import Vocab

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"random-{args.rows}x{args.dim}.txt"
        if not path.exists():
            rng = np.random.default_rng(0)
            words = [f"w{i}" for i in range(args.rows)]
            model = Model(Vocab(words, np.zeros(args.rows)), rng.standard_normal((args.rows, args.dim), np.float32))
            save_word2vec(model, path)
            del model
        result = subprocess.run([sys.executable, "-c", LOAD.format(root=str(ROOT), path=str(path))],
                                capture_output=True, text=True, check=True)
        r = json.loads(result.stdout)
        matrix_mb = r["rows"] * r["dim"] * 4 / 2**20
        print(f"{path.stat().st_size / 2**20:,.0f} MB text, {r['rows']:,} x {r['dim']}: loaded in {r['seconds']:.1f} s "
              f"with {r['progress_reports']} progress reports")
        print(f"peak resident {r['peak_mb']:,.0f} MB = interpreter {r['baseline_mb']:,.0f} MB + "
              f"{r['peak_mb'] - r['baseline_mb']:,.0f} MB for a {matrix_mb:,.0f} MB matrix "
              f"({(r['peak_mb'] - r['baseline_mb']) / matrix_mb:.2f}x)")


if __name__ == "__main__":
    main()

"""Ways to add a batch's updates back into the table, duplicates summed: milliseconds each.

    python benchmarks/bench_scatter.py

21,000 rows of 32 float32 (a batch of ~3,000 pairs with 6 target rows each, plus the inputs), ids
drawn Zipf-like from 20,000 words, into a (40,000 x 32) table; best of 3 repeats of 50 calls.
"""

from __future__ import annotations

import timeit

import numpy as np
import scipy.sparse as sp

from common import ROOT  # noqa: F401 - puts the project on sys.path
from embedding_studio.core.train.sgns import scatter_add

rng = np.random.default_rng(0)
V, D, N = 20_000, 32, 21_000
table = np.zeros((2 * V, D), np.float32)
p = 1 / np.arange(1, V + 1)
idx = rng.choice(V, N, p=p / p.sum()).astype(np.int32)
upd = rng.standard_normal((N, D)).astype(np.float32)
ones = np.ones(N, np.float32)
columns = np.arange(N + 1, dtype=np.int32)


def add_at():
    np.add.at(table, idx, upd)


def sort_reduceat():
    order = np.argsort(idx)
    s = idx[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    table[s[starts]] += np.add.reduceat(upd[order], starts, axis=0)


def unique_sparse():
    u, inverse = np.unique(idx, return_inverse=True)
    table[u] += sp.csc_matrix((ones, inverse, columns), shape=(len(u), N)) @ upd


def flat_add_at():
    flat = (idx[:, None] * D + np.arange(D)).ravel()
    np.add.at(table.reshape(-1), flat, upd.ravel())


def csc_kernel_in_place():
    scatter_add(table, idx, columns, ones, upd)


def fancy_assign_wrong():
    table[idx] += upd  # loses duplicates: the baseline to beat, not an option


for f in (add_at, sort_reduceat, unique_sparse, flat_add_at, csc_kernel_in_place, fancy_assign_wrong):
    print(f"{f.__name__:22s} {min(timeit.repeat(f, number=50, repeat=3)) / 50 * 1e3:7.3f} ms")

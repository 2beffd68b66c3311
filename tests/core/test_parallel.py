"""Large matrix-vector products split across threads (what the app uses for its queries)."""

import threading

import numpy as np

import embedding_studio.core.parallel as parallel


def test_a_split_product_equals_the_plain_one(monkeypatch):
    rng = np.random.default_rng(1)
    table, vector = rng.standard_normal((1001, 7)).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    before = parallel.split_threads()
    monkeypatch.setattr(parallel, "SPLIT_ROWS", 10)
    try:
        for threads in (1, 2, 4):
            parallel.split_across_threads(threads)
            np.testing.assert_allclose(parallel.matvec(table, vector), table @ vector, rtol=1e-6, atol=1e-6)
        assert parallel.matvec(table[:, :3].T.copy().T, vector[:3]).shape == (1001,)  # not C-contiguous: one call
    finally:
        parallel.split_across_threads(before)


def test_changing_the_split_while_queries_run_is_safe():
    table = np.random.default_rng(0).standard_normal((parallel.SPLIT_ROWS, 8)).astype(np.float32)
    vector = np.ones(8, dtype=np.float32)
    expected = table @ vector
    errors, done, before = [], threading.Event(), parallel.split_threads()

    def query():
        while not done.is_set():
            try:
                np.testing.assert_allclose(parallel.matvec(table, vector), expected, rtol=1e-5, atol=1e-5)
            except Exception as error:  # noqa: BLE001 - any failure is the test's answer
                errors.append(error)
                return

    runners = [threading.Thread(target=query) for _ in range(3)]
    for runner in runners:
        runner.start()
    try:
        for threads in [2, 1, 3, 2, 1] * 10:
            parallel.split_across_threads(threads)
    finally:
        done.set()
        for runner in runners:
            runner.join()
        parallel.split_across_threads(before)
    assert errors == []

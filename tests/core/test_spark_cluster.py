"""``train-spark`` against a real standalone Spark cluster (a master and a worker on 127.0.0.1, started
from the installed pyspark): the project's code reaches the executors, progress arrives, Stop cancels
the job on the cluster, and a worker killed mid-job is one clear error. Every driver is a process of its
own (the tests' local session cannot share a process with a cluster's); the cluster is stopped and reaped
at the end, and nothing of it may be left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.text.demo import demo_text

from .spark_cluster import StandaloneCluster, executor_python, java_missing, tagged_processes

ROOT = Path(__file__).resolve().parents[2]

#: A driver using the Python API the app uses (SparkTraining), in a process of its own. It owns its
#: session, so that after the job it can still ask Spark what ran; prints one JSON line at the end.
DRIVER = textwrap.dedent('''
    import json, sys, time
    from embedding_studio.core.train.spark import (SparkCancelled, SparkJobFailed, SparkSettings, SparkTraining,
                                                   start_session)

    mode, corpus, master = sys.argv[1:4]
    session, _ = start_session(master, app_name="cluster test " + mode)
    context = session.sparkContext
    job = SparkTraining(corpus, master, SparkSettings(dim=16, epochs=200, min_count=2, partitions=2))
    job.lost_executors_grace = 8.0
    told = []

    def progress(p):
        if p.phase.startswith("SGNS: epoch 2") and not told:
            told.append(time.monotonic())
            if mode == "cancel":
                job.cancel()
            else:
                print("EPOCH 2", flush=True)  # the test kills the worker now

    result = {}
    try:
        job.run(progress, interval=0.1)
        result["outcome"] = "finished"
    except SparkCancelled:
        result["outcome"] = "cancelled"
    except SparkJobFailed as error:
        result["outcome"], result["message"] = "failed", str(error)
    result["seconds"] = time.monotonic() - told[0] if told else None
    tracker = context.statusTracker()
    jobs = [tracker.getJobInfo(j) for j in tracker.getJobIdsForGroup(job.group)]
    result["jobs"] = [info.status for info in jobs if info is not None]
    if mode == "cancel":
        time.sleep(2)  # the executors' tasks are interrupted; their counts reach the driver in a heartbeat
        status = context._jsc.sc().statusTracker().getExecutorInfos()
        result["running_tasks"] = sum(status[i].numRunningTasks() for i in range(len(status)))
        result["after"] = context.parallelize(range(10), 2).sum()  # the cluster still runs the next job
    print(json.dumps(result), flush=True)
    session.stop()
''')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One standalone cluster for the module: 2 cores, 1 GB; stopped, reaped and checked at the end."""
    why = java_missing()
    if why:
        pytest.skip(f"a standalone Spark cluster needs pyspark and Java 17+ ({why})")
    folder = tmp_path_factory.mktemp("spark-cluster")
    running = StandaloneCluster(folder)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    left = running.stop()
    assert left == [] and tagged_processes(running.tag) == [], f"left running: {left}"
    assert running.master.returncode is not None and running.worker.returncode is not None


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cluster-texts")
    (folder / "a.txt").write_text(demo_text(seed=3, sentences=1200), encoding="utf-8")
    (folder / "b.txt").write_text(demo_text(seed=4, sentences=800), encoding="utf-8")
    return folder


def driver_env(cluster: StandaloneCluster) -> dict[str, str]:
    """The driver's environment: its executors run a Python without this project (executor_python)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_DRIVER_PYTHON", "SPARK_HOME")}
    env["PYSPARK_PYTHON"] = str(executor_python(cluster.folder))
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    return env


def test_the_executors_python_lacks_this_project_but_has_numpy(cluster):
    python = str(executor_python(cluster.folder))
    done = subprocess.run([python, "-c", "import numpy, scipy.sparse; import embedding_studio"], capture_output=True,
                          text=True, timeout=60)
    assert "No module named 'embedding_studio'" in done.stderr  # numpy and scipy imported before it


def test_train_spark_on_the_cluster_ships_the_code_and_reports_progress(cluster, texts, tmp_path):
    out = tmp_path / "cluster.npz"
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "train-spark", str(texts), "--master",
                           cluster.master_url, "--out", str(out), "--dim", "16", "--epochs", "2", "--min-count", "2",
                           "--partitions", "2"], capture_output=True, text=True, timeout=240, env=driver_env(cluster),
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:] + cluster.log_tail()
    assert "spark: SGNS: epoch 2 of 2 (last epoch's loss" in done.stderr and "trained by Embedding Studio SGNS on Spark" in done.stderr
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.vectors.io import load_model

    model = load_model(out)
    local = load_corpus([texts], min_count=2)
    assert model.words == local.vocab.words and np.array_equal(model.counts, local.vocab.counts)
    assert len(model.loss_history) == 2 and model.loss_history[-1] < model.loss_history[0]
    assert f"on {cluster.master_url}" in model.state.trained_by
    apps = cluster.status()["completedapps"]  # the master ran it: an application on the cluster
    assert any(app["name"] == "Embedding Studio" for app in apps)


def run_driver(mode: str, cluster: StandaloneCluster, texts: Path, tmp_path: Path, on_line=None) -> dict:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    process = subprocess.Popen([sys.executable, str(script), mode, str(texts), cluster.master_url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=driver_env(cluster),
                               cwd=tmp_path)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line)
        process.wait(180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read()
    assert process.returncode == 0 and lines, stderr[-3000:]
    return json.loads(lines[-1])


def test_stop_cancels_the_job_on_the_cluster(cluster, texts, tmp_path):
    result = run_driver("cancel", cluster, texts, tmp_path)
    assert result["outcome"] == "cancelled" and result["seconds"] < 60
    assert "RUNNING" not in result["jobs"] and "FAILED" in result["jobs"]  # the epoch's job was cancelled
    assert result["running_tasks"] == 0 and result["after"] == 45  # no task left on the executors


def test_a_worker_killed_mid_job_is_a_clear_error(cluster, texts, tmp_path):
    def kill(line: str) -> None:
        if line.startswith("EPOCH 2"):
            cluster.kill_worker()

    try:
        result = run_driver("kill", cluster, texts, tmp_path, on_line=kill)
    finally:
        if cluster.worker.poll() is not None:
            cluster.start_worker()  # the cluster as it was, for whatever runs after
    assert result["outcome"] == "failed", result
    assert "lost every executor" in result["message"] and "a worker stopped or was killed" in result["message"]
    assert "\n" not in result["message"] and "at org.apache" not in result["message"]

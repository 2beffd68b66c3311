"""A real Spark standalone cluster for the tests: a master and a worker from the installed pyspark.

Both run on 127.0.0.1 at free ports, with their logs and work folders in a temporary folder, every
process of theirs (and the executors and Python workers they start) tagged by an environment variable, so
that :meth:`StandaloneCluster.stop` can stop them, reap them and say whether anything is left running.

The executors run :func:`executor_python`: this Python with NumPy and SciPy and nothing else of its
site-packages, so a job that imports this project on an executor works only if the driver shipped it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

#: The variable every process of a test cluster carries (the executors inherit the worker's environment).
TAG = "EMBEDDING_STUDIO_TEST_CLUSTER"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def executor_python(folder: Path) -> Path:
    """A ``python`` for the executors: this interpreter without its site-packages (-S), NumPy and SciPy on
    its path and not this project (Spark adds pyspark itself)."""
    import numpy
    import scipy

    site = folder / "executor-site"
    site.mkdir(parents=True, exist_ok=True)
    for module in (numpy, scipy):
        package = Path(module.__file__).resolve().parent
        for path in (package, package.parent / f"{package.name}.libs"):
            if path.exists() and not (site / path.name).exists():
                (site / path.name).symlink_to(path)
    script = folder / "executor-python"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{site}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" -S "$@"\n')
    script.chmod(0o755)
    return script


def tagged_processes(tag: str) -> list[int]:
    """Process ids whose environment carries ``TAG=tag`` (Linux's /proc; our own user's processes)."""
    wanted = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours
                pass
    return found


class StandaloneCluster:
    """``start()`` a master and one worker (``cores`` cores, ``memory``); ``stop()`` ends and reaps them."""

    def __init__(self, folder: Path, cores: int = 2, memory: str = "1g"):
        self.folder = folder
        self.cores, self.memory = cores, memory
        self.tag = uuid.uuid4().hex
        self.port, self.ui_port = free_port(), free_port()
        self.master_url = f"spark://127.0.0.1:{self.port}"
        self.master: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.env = {**os.environ, TAG: self.tag, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1",
                    "SPARK_LOG_DIR": str(folder / "logs"), "SPARK_WORKER_DIR": str(folder / "work"),
                    "SPARK_NO_DAEMONIZE": "1"}
        for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_CONF_DIR"):
            self.env.pop(name, None)

    def _start(self, name: str, *arguments: str) -> subprocess.Popen:
        log = open(self.folder / "logs" / f"{name}-{time.monotonic_ns()}.log", "wb")
        with log:
            return subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *arguments], stdout=log,
                                    stderr=subprocess.STDOUT, env=self.env, cwd=self.folder, start_new_session=True)

    def start(self, timeout: float = 90.0) -> "StandaloneCluster":
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        (self.folder / "work").mkdir(parents=True, exist_ok=True)
        self.master = self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                  "--port", str(self.port), "--webui-port", str(self.ui_port))
        self.start_worker(timeout)
        return self

    def start_worker(self, timeout: float = 90.0) -> None:
        """(Re)start the worker, and wait until the master counts it alive."""
        self.worker = self._start("worker", "org.apache.spark.deploy.worker.Worker", self.master_url,
                                  "--host", "127.0.0.1", "--webui-port", str(free_port()), "--cores", str(self.cores),
                                  "--memory", self.memory, "--work-dir", str(self.folder / "work"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process, name in ((self.master, "master"), (self.worker, "worker")):
                if process.poll() is not None:
                    raise RuntimeError(f"the Spark {name} exited with {process.returncode}: {self.log_tail()}")
            status = self.status()
            if status and status.get("aliveworkers", 0) >= 1:
                return
            time.sleep(0.5)
        raise RuntimeError(f"the Spark worker did not register within {timeout:g} s: {self.log_tail()}")

    def status(self) -> dict | None:
        """The master's own JSON status (its web UI's /json), None while it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as answer:
                return json.load(answer)
        except (OSError, ValueError):
            return None

    def kill_worker(self) -> None:
        """SIGKILL the worker and everything it started (its executors, their Python workers)."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(30)
        for pid in tagged_processes(self.tag):
            if pid not in (self.master.pid,):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def log_tail(self, lines: int = 20) -> str:
        text = []
        for log in sorted((self.folder / "logs").glob("*.log")):
            text += [f"[{log.name}] {line}" for line in log.read_text(errors="replace").splitlines()[-lines:]]
        return "\n".join(text)

    def stop(self, timeout: float = 30.0) -> list[int]:
        """Stop the worker, then the master (SIGTERM, then SIGKILL), reap them; the tagged processes left."""
        for process in (self.worker, self.master):
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout)
        deadline = time.monotonic() + timeout  # executors the worker started end when it does
        while tagged_processes(self.tag) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = tagged_processes(self.tag)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


def java_missing() -> str | None:
    """Why a standalone cluster cannot start here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    from embedding_studio.core.train.spark import SparkError, check_java

    try:
        check_java()
    except SparkError as error:
        return str(error)
    if not shutil.which("sh") or not Path("/proc/self/environ").exists():
        return "the cluster fixture needs a POSIX shell and Linux's /proc"
    return None

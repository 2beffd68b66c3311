"""Train on a Spark cluster, the result a model file: this project's SGNS on the executors, or MLlib's Word2Vec.

Corpora that outgrow one machine belong to an engine that already runs on many; this module drives
Spark rather than growing a cluster of our own. The text is read by Spark where it lives (a local
path, ``hdfs://``, ``s3a://``) and tokenised on the executors by this project's own
:func:`core.text.tokens.tokenize`, so the words are the ones local training sees; the project's code
reaches the executors as a zip. Two algorithms (``SparkSettings.algorithm``):

- ``sgns``, the default: this project's skip-gram with negative sampling (core.train.sgns, imported on
  the executors), each partition training its share of the text against the current vectors and the
  driver combining them each epoch (core.train.spark_sgns): the vocabulary, subsampling, learning-rate
  schedule and loss of local training, and within 0.02 of its scores at two partitions
  (benchmarks/README.md). The default because it gives the better model and reports its loss.
- ``mllib``: Spark MLlib's ``Word2Vec``, skip-gram with hierarchical softmax, no negative sampling, no
  subsampling, no loss; with more than one ``partitions`` it trains each apart and averages them.

Either way the vectors become a :class:`~core.vectors.model.Model` with counts and settings like any
other, marked ``RunState.trained_by`` so the app can say what made it. Local training also strips
Project Gutenberg headers and decodes files that are not UTF-8 (core.text.decoding); Spark reads lines of UTF-8.

``pyspark`` and Java are optional: nothing here imports pyspark until a job starts, and a missing
Java, an unreachable master, a missing path or an empty corpus each become one clear
:class:`~core.errors.StudioError` before or instead of a Java stack trace. Spark's own log goes to a
file (:func:`log_path`), not the terminal.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ..config import DEFAULT_TOKENS, TrainConfig
from ..errors import CorpusError, StudioError
from ..text.decoding import find_text_files
from ..text.vocab import Vocab
from ..vectors.model import Model, RunState
from .spark_sgns import COMBINE_SCHEMES, DEFAULT_COMBINE, SgnsOutcome, train_sgns
from .spark_sgns import run_config as sgns_config

ENGINE = "Spark MLlib Word2Vec"
#: What the app shows and the model file records about the algorithm.
ALGORITHM = "skip-gram with hierarchical softmax; no negative sampling, no subsampling, no loss reported"
#: This project's engine on Spark's executors (``algorithm="sgns"``).
SGNS_ENGINE = "Embedding Studio SGNS on Spark"
SGNS_ALGORITHM = "skip-gram with negative sampling and subsampling, the partitions combined every epoch"
#: ``SparkSettings.algorithm``: name -> what it trains. The first is the default.
ALGORITHMS = {"sgns": f"{SGNS_ENGINE}: {SGNS_ALGORITHM}", "mllib": f"{ENGINE}: {ALGORITHM}"}
DEFAULT_ALGORITHM = "sgns"
#: MLlib cuts sentences at its maxSentenceLength (1000); the token stream is cut the same way here.
SENTENCE_TOKENS = 1000
#: Characters of text tokenised at a time on an executor (lines joined): few calls, bounded memory.
_TOKENISE_CHARS = 1 << 20
MAX_PARTITIONS = 10_000
#: Seconds to wait for a TCP connection to a standalone master before calling it unreachable.
CONNECT_TIMEOUT = 5.0
#: Seconds a job on a cluster may go without a single executor, once it had some, before it is called lost:
#: Spark itself would wait for new ones for ever (a killed worker leaves the job waiting, not failed).
LOST_EXECUTORS_GRACE = 60.0
_LOCAL = re.compile(r"local(\[(\*|\d+)(,\s*\d+)?\])?")
_STANDALONE = re.compile(r"spark://(.+)")
_REMOTE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")  # hdfs://, s3a://, gs://, file:// ...


class SparkError(StudioError):
    """Spark cannot run the job as asked: no pyspark, no Java, a master it cannot reach or parse."""


class SparkJobFailed(RuntimeError):
    """The Spark job itself failed after starting (an executor died, a bug): not bad input."""


class SparkCancelled(Exception):
    """The job was cancelled (Stop in the app); nothing was written."""


@dataclass(frozen=True)
class SparkSettings:
    """The training settings, validated by the same ranges as local training's, plus ``partitions``.

    ``algorithm`` is "sgns" (ours on the executors, the default) or "mllib". ``partitions`` are the
    shares of the text trained in parallel: with "sgns" combined every epoch (``combine``, see
    core.train.spark_sgns); with "mllib" MLlib's numPartitions, trained apart and averaged (1, MLlib's
    default, trains one model sequentially and gives its best vectors). ``negative``, ``sample`` and
    ``combine`` are SGNS's; MLlib has none of them.
    """

    dim: int = 32
    window: int = 2
    epochs: int = 20
    min_count: int = 5
    lr: float = 0.025
    seed: int = 1
    partitions: int = 1
    tokens: str = DEFAULT_TOKENS  # the word rule of core.text.tokens, applied on the executors
    algorithm: str = DEFAULT_ALGORITHM
    negative: int = TrainConfig.negative
    sample: float = TrainConfig.sample
    combine: str = DEFAULT_COMBINE
    syncs: int = 1  # SGNS: times an epoch the driver combines the partitions (one Spark job each)

    def __post_init__(self) -> None:
        if isinstance(self.partitions, bool) or not isinstance(self.partitions, int) \
                or not 1 <= self.partitions <= MAX_PARTITIONS:
            raise StudioError(f"partitions must be a whole number, 1 to {MAX_PARTITIONS}, got {self.partitions!r}")
        if self.algorithm not in ALGORITHMS:
            raise StudioError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        if isinstance(self.syncs, bool) or not isinstance(self.syncs, int) or not 1 <= self.syncs <= 1000:
            raise StudioError(f"syncs must be a whole number, 1 to 1000, got {self.syncs!r}")
        if self.combine not in COMBINE_SCHEMES:
            raise StudioError(f"combine must be one of {', '.join(COMBINE_SCHEMES)}, got {self.combine!r}")
        self.config()  # the shared ranges: raises ConfigError naming the setting

    @property
    def engine(self) -> str:
        return SGNS_ENGINE if self.algorithm == "sgns" else ENGINE

    def config(self) -> TrainConfig:
        """As a TrainConfig for the model file. SGNS: the settings each share trained with (one worker, the
        batch size of the rule); MLlib: what it does not do (subsampling) recorded as off."""
        if self.algorithm == "sgns":
            return sgns_config(self)
        return TrainConfig(dim=self.dim, window=self.window, epochs=self.epochs, min_count=self.min_count,
                           lr=self.lr, seed=self.seed, sample=0.0, workers=min(self.partitions, 256),
                           tokens=self.tokens)


@dataclass(frozen=True)
class SparkProgress:
    """Where a job is, read from Spark's status tracker: the phase, and the tasks of its running stages."""

    phase: str  # "starting Spark", "reading and counting words", "MLlib: iteration 2 of 5", ...
    fraction: float  # of the whole job, 0..1 (an estimate: Spark does not know its later jobs yet)
    epoch: int  # MLlib iterations finished
    epochs: int
    stage: str = ""  # the stage(s) running now, e.g. "stage 7"
    tasks_done: int = 0
    tasks_total: int = 0
    elapsed: float = 0.0


# ---------------------------------------------------------------------------------------------
# Checks made before any Java starts


def check_pyspark() -> None:
    """SparkError unless ``pyspark`` can be imported (it is an optional extra)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkError('pyspark is not installed; install it with: pip install -e ".[spark]" '
                         "(it also needs Java 17 or newer)") from None


def find_java(env: dict[str, str] | None = None) -> str:
    """The java that Spark would start: ``$JAVA_HOME/bin/java``, else ``java`` on the PATH; SparkError if none."""
    env = os.environ if env is None else env
    home = env.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not java.is_file():
            raise SparkError(f"JAVA_HOME is {home}, but it holds no bin/java; point it at a Java 17+ "
                             "installation, or unset it to use java from the PATH")
        return str(java)
    java = shutil.which("java", path=env.get("PATH", os.defpath))
    if java is None:
        raise SparkError("Spark needs Java, and no java was found (JAVA_HOME is unset and java is not on "
                         "the PATH); install Java 17 or newer, e.g. apt install default-jre-headless")
    return java


def check_java(env: dict[str, str] | None = None) -> None:
    """SparkError unless a Java that Spark 4 can run on (17 or newer) is found."""
    java = find_java(env)
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SparkError(f"cannot run {java}: {error}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if done.returncode != 0 or not match:
        raise SparkError(f"{java} does not run as Java ({(done.stderr or done.stdout).strip()[:200]})")
    major = int(match.group(1)) if match.group(1) != "1" else int(match.group(2) or 0)  # "1.8" is Java 8
    if major < 17:
        raise SparkError(f"Spark 4 needs Java 17 or newer; {java} is Java {major}")


def check_master(master: str) -> None:
    """SparkError for a master URL Spark would not parse, or a standalone master no one answers at.

    ``local[N]`` and ``local[*]`` run here; ``spark://HOST:PORT`` (a standalone cluster; several
    masters separated by commas) is tried with a TCP connection first, so an unreachable master is
    reported in seconds instead of after Spark's own retries; ``yarn`` and ``k8s://`` are Spark's to check.
    """
    master = master.strip()
    check_master_syntax(master)
    standalone = _STANDALONE.fullmatch(master)
    if not standalone:
        return
    reasons = []
    for address in standalone.group(1).split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise SparkError(f"a spark:// master needs HOST:PORT, got {address!r} in {master}")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
                return
        except OSError as error:
            reasons.append(f"{host}:{port}: {_socket_reason(error)}")
    raise SparkError(f"cannot reach the Spark master at {master} ({'; '.join(reasons)})")


def _socket_reason(error: OSError) -> str:
    if isinstance(error, socket.timeout):
        return f"no answer within {CONNECT_TIMEOUT:g} s"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    return error.strerror or str(error)


def is_local_path(uri: str) -> bool:
    """A path on this machine (plain, or ``file:``), as opposed to ``hdfs://``, ``s3a://`` and the like."""
    return uri.startswith("file:") or not _REMOTE.match(uri)


def local_inputs(uri: str) -> list[Path]:
    """The ``.txt`` files a local corpus path names, as local training finds them (CorpusError if none)."""
    path = uri[len("file://"):] if uri.startswith("file://") else uri[len("file:"):] if uri.startswith("file:") else uri
    return find_text_files([path])


def log_path() -> Path:
    """Where Spark's own log (the JVM's output, executors' errors) goes for this process."""
    return Path(tempfile.gettempdir()) / f"embedding-studio-spark-{os.getpid()}.log"


# ---------------------------------------------------------------------------------------------
# The session


def preflight(master: str) -> None:
    """What can be checked before Java starts: pyspark, then (unless this process already runs Spark)
    Java and the master. Each failure is a SparkError in one line."""
    check_pyspark()
    from pyspark import SparkContext

    if SparkContext._active_spark_context is None:
        check_java()
        check_master(master)


def start_session(master: str, app_name: str = "Embedding Studio") -> tuple[Any, bool]:
    """A SparkSession on ``master`` and whether this call created it (the creator stops it).

    A session already running in this process on the same master is joined, not replaced (tests
    share one; a session on another master is an error rather than a surprise). Before Java starts:
    pyspark, Java and the master are checked. In local mode the executors run this Python, and the
    driver binds to 127.0.0.1. Spark's output goes to :func:`log_path`.
    """
    check_pyspark()
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    master = master.strip()
    active = SparkContext._active_spark_context
    if active is not None:
        if active.master != master:
            raise SparkError(f"this process already runs a Spark session on {active.master}; "
                             f"it cannot also run one on {master}")
        return SparkSession(active), False
    check_java()
    check_master(master)
    local = bool(_LOCAL.fullmatch(master))
    conf = SparkConf().setMaster(master).setAppName(app_name).set("spark.ui.showConsoleProgress", "false")
    if local or _on_this_machine(master):  # executors here run this Python: it has NumPy and SciPy
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf.set("spark.ui.enabled", "false")
    try:
        if SparkContext._gateway is None:  # first session of the process: send the JVM's output to the log
            from pyspark.java_gateway import launch_gateway

            with open(log_path(), "ab") as log:
                gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
            context = SparkContext(conf=conf, gateway=gateway)
        else:
            context = SparkContext(conf=conf)
    except Exception as error:  # the JVM did not start, or the cluster refused the application
        raise SparkError(f"Spark did not start on {master}: {_java_message(error)} (log: {log_path()})") from None
    context.setLogLevel("WARN")
    return SparkSession(context), True


def _on_this_machine(master: str) -> bool:
    """A standalone master on this machine (127.0.0.1, localhost): its workers can run this Python."""
    standalone = _STANDALONE.fullmatch(master)
    if not standalone:
        return False
    hosts = {address.strip().rpartition(":")[0].strip("[]") for address in standalone.group(1).split(",")}
    return hosts <= {"127.0.0.1", "localhost", "::1", socket.gethostname()}


def _java_message(error: BaseException) -> str:
    """The first informative line of a Py4J / Spark error, not its Java stack."""
    java = getattr(error, "java_exception", None)
    text = ""
    if java is not None:
        try:
            text = str(java.getMessage() or java.toString())
        except Exception:  # the JVM may be gone
            text = ""
    text = text or str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    python = [line for line in lines if re.match(r"\w+(Error|Exception): ", line)]  # an executor's Python error
    line = python[-1] if python else (lines[0] if lines else type(error).__name__)
    return line[:300]


def _project_zip(folder: Path) -> Path:
    """This project's ``core`` package as a zip, for the executors to import the tokeniser from.

    It goes in under its import name, ``embedding_studio.core`` (an executor may run other projects'
    code, with a ``core`` of their own); the zip's ``embedding_studio`` is a plain package, since
    zipimport finds no namespace packages before Python 3.13."""
    package = Path(__file__).resolve().parents[1]
    target = folder / f"embedding_studio_core_{uuid.uuid4().hex[:12]}.zip"  # Spark refuses a name twice
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("embedding_studio/__init__.py", "")
        for source in sorted(package.rglob("*.py")):
            archive.write(source, Path("embedding_studio", "core") / source.relative_to(package))
    return target


# ---------------------------------------------------------------------------------------------
# On the executors


def _sentences(rows: Iterable[Any], rule: str = DEFAULT_TOKENS) -> Iterator[tuple[list[str]]]:
    """One partition's lines -> its tokens by the project's rules, cut into MLlib sentences.

    Lines are joined and tokenised ~1 MB at a time (a line break separates words anyway, so the words
    are those of tokenising line by line); the partition's words run on across lines, as local
    training's do, cut every :data:`SENTENCE_TOKENS`.
    """
    from embedding_studio.core.text.tokens import tokenize  # on an executor: from the shipped zip or the installed project

    carry: list[str] = []
    batch: list[str] = []
    size = 0

    def flush() -> Iterator[tuple[list[str]]]:
        nonlocal carry
        words = carry + tokenize("\n".join(batch), rule)
        whole = len(words) - len(words) % SENTENCE_TOKENS
        for start in range(0, whole, SENTENCE_TOKENS):
            yield (words[start:start + SENTENCE_TOKENS],)
        carry = words[whole:]

    for row in rows:
        line = row[0]
        batch.append(line)
        size += len(line)
        if size >= _TOKENISE_CHARS:
            yield from flush()
            batch, size = [], 0
    yield from flush()
    if carry:
        yield (carry,)


# ---------------------------------------------------------------------------------------------
# The job


@dataclass
class _Phases:
    """The job's own phases, and where MLlib's jobs begin among the job group's jobs."""

    phase: str = "starting Spark"
    fit_first_job: int | None = None  # how many of the group's jobs ran before fit
    done: float = 0.0  # phases finished before fit, of _BEFORE_FIT (MLlib); of the whole job (SGNS)
    epoch: int = 0  # epochs finished (SGNS)
    started: float = field(default_factory=time.monotonic)


_BEFORE_FIT = 2  # jobs of ours before MLlib's: the token total, the word counts
_AFTER_FIT = 1  # collecting the vectors
_SGNS_BEFORE = 3  # SGNS's phases before its epochs: counting, numbering, sharing out


class SparkTraining:
    """One Word2Vec job on Spark, from corpus URI to :class:`Model`; :meth:`cancel` works from any thread.

    :meth:`run` blocks: it starts (or joins) the session, runs the job in a thread of its own (Spark's
    job group is per thread) and meanwhile reads Spark's status tracker for ``on_progress``. Ctrl-C in
    the caller cancels the Spark jobs before it propagates.
    """

    def __init__(self, corpus: str, master: str, settings: SparkSettings):
        self.corpus = corpus.strip()
        self.master = master.strip()
        self.settings = settings
        if not self.corpus:
            raise CorpusError("no corpus path was given")
        check_master_syntax(self.master)
        self.files = local_inputs(self.corpus) if is_local_path(self.corpus) else None
        self.group = f"embedding-studio-{os.getpid()}-{id(self)}"
        self._cancelled = threading.Event()
        self._context: Any = None
        self._phases = _Phases()
        self._folder = Path(tempfile.gettempdir())
        self.lost_executors_grace = LOST_EXECUTORS_GRACE
        self._had_executors = False
        self._no_executors_since: float | None = None
        self._lost = False  # the cluster lost every executor for longer than the grace: the job is given up

    # -- control
    def cancel(self) -> None:
        """Stop the job: :meth:`run` cancels Spark's jobs within its polling interval and raises
        SparkCancelled. Only sets a flag, so a UI thread may call it without waiting on the JVM."""
        self._cancelled.set()

    def _cancel_jobs(self) -> None:
        context = self._context
        if context is not None:
            try:
                context.cancelJobGroup(self.group)
            except Exception:  # the context is stopping anyway
                pass

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _watch_executors(self) -> None:
        """Give the job up when a cluster that had executors has had none for ``lost_executors_grace``
        seconds (its worker was killed, say): Spark would wait for new ones for ever. Not in local mode,
        where the driver is the executor."""
        if _LOCAL.fullmatch(self.master) or self._context is None:
            return
        try:  # the driver counts among the block managers Spark knows
            executors = int(self._context._jsc.sc().getExecutorMemoryStatus().size()) - 1
        except Exception:  # the context is stopping
            return
        now = time.monotonic()
        if executors > 0:
            self._had_executors, self._no_executors_since = True, None
        elif self._had_executors:
            if self._no_executors_since is None:
                self._no_executors_since = now
            elif now - self._no_executors_since >= self.lost_executors_grace:
                self._lost = True
                self._cancel_jobs()

    def run(self, on_progress: Callable[[SparkProgress], None] | None = None, interval: float = 0.25) -> Model:
        """Train and return the model (nothing is written here; see :func:`core.vectors.io.save_model`)."""
        report = on_progress or (lambda progress: None)
        preflight(self.master)  # before the first report, so a missing Java is one line, not a bar and a line
        report(self._progress(None))
        session, owned = start_session(self.master)
        try:
            self._context = session.sparkContext
            if self.cancelled:
                raise SparkCancelled()
            outcome: dict[str, Any] = {}
            worker = threading.Thread(target=self._job, args=(session, outcome), name="spark-job", daemon=True)
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(interval)
                    if self.cancelled or self._lost:
                        self._cancel_jobs()  # again and again: a job MLlib starts after the first goes too
                    elif worker.is_alive():
                        self._watch_executors()
                        report(self._progress(self._context))
            except KeyboardInterrupt:
                self.cancel()
                while worker.is_alive():
                    self._cancel_jobs()
                    worker.join(0.5)
                raise
            if "error" in outcome:
                raise outcome["error"]
            if self.cancelled:
                raise SparkCancelled()
            return outcome["model"]
        finally:
            self._context = None
            if owned:
                session.stop()

    # -- in the job's thread
    def _job(self, session: Any, outcome: dict[str, Any]) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="embedding-studio-spark-") as folder:
                self._folder = Path(folder)  # the project's zip lives here until the job ends
                outcome["model"] = self._train(session)
        except BaseException as error:  # handed to run(), in the caller's thread
            outcome["error"] = self._translate(error)

    def _translate(self, error: BaseException) -> BaseException:
        if self._lost:
            return SparkJobFailed(f"the Spark cluster at {self.master} lost every executor (a worker stopped or "
                                  f"was killed) and none came back within {self.lost_executors_grace:g} s; the job "
                                  f"was cancelled and nothing was written (Spark's log: {log_path()})")
        if self.cancelled:
            return SparkCancelled()
        if isinstance(error, (StudioError, SparkCancelled, MemoryError)):
            return error
        message = _java_message(error)
        if "Input path does not exist" in message or "Path does not exist" in message:
            return CorpusError(f"{self.corpus} does not exist ({message})")
        return SparkJobFailed(f"the Spark job failed: {message} (Spark's log: {log_path()})")

    def _train(self, session: Any) -> Model:
        if self.settings.algorithm == "sgns":
            return self._train_sgns(session)
        return self._train_mllib(session)

    def _check_cancelled(self) -> None:
        if self.cancelled or self._lost:
            raise SparkCancelled()

    def _train_sgns(self, session: Any) -> Model:
        context = session.sparkContext
        context.setJobGroup(self.group, f"Embedding Studio: SGNS on {self.corpus}", interruptOnCancel=True)
        context.addPyFile(str(_project_zip(self._folder)))
        outcome = train_sgns(session, self._lines(session), self.settings, self.files, self.corpus, self._phases,
                             self._check_cancelled)
        return self._sgns_model(outcome)

    def _sgns_model(self, outcome: SgnsOutcome) -> Model:
        s, n = self.settings, len(outcome.vocab)
        partitions = f"{s.partitions} partition{'s' * (s.partitions != 1)}"
        syncs = "once an epoch" if s.syncs == 1 else f"{s.syncs} times an epoch"
        state = RunState(epochs_trained=s.epochs, run_epochs=s.epochs, run_tokens=outcome.raw_tokens, finished=True,
                         trained_by=f"{SGNS_ENGINE} ({SGNS_ALGORITHM}: {s.combine}, {syncs}); {partitions} on "
                                    f"{self.master}; "
                                    f"corpus {self.corpus}")
        return Model(outcome.vocab, outcome.table[:n], outcome.table[n:], outcome.config, np.array(outcome.losses), state)

    def _train_mllib(self, session: Any) -> Model:
        from pyspark import StorageLevel
        from pyspark.ml.feature import Word2Vec
        from pyspark.sql import functions as F
        from pyspark.sql.types import ArrayType, StringType, StructField, StructType

        context = session.sparkContext
        context.setJobGroup(self.group, f"Embedding Studio: Word2Vec on {self.corpus}", interruptOnCancel=True)
        settings, phases = self.settings, self._phases
        context.addPyFile(str(_project_zip(self._folder)))
        lines = self._lines(session)
        schema = StructType([StructField("sentence", ArrayType(StringType(), False), False)])
        tokenised = lines.rdd.mapPartitions(functools.partial(_sentences, rule=settings.tokens))
        sentences = session.createDataFrame(tokenised, schema)
        sentences = sentences.persist(StorageLevel.MEMORY_AND_DISK)  # tokenised once, read by every pass
        try:
            phases.phase = "reading and counting words"
            total = sentences.select(F.sum(F.size("sentence"))).first()[0] or 0
            if total == 0:
                raise CorpusError(f"{self.corpus} has no words (no letters in its text)")
            phases.done = 1
            counted = (sentences.select(F.explode("sentence").alias("word")).groupBy("word").count()
                       .where(F.col("count") >= settings.min_count).collect())
            vocab = Vocab.from_counts({row[0]: int(row[1]) for row in counted}, settings.min_count)
            if len(vocab) < 2:
                raise CorpusError(f"{self.corpus}: only {len(vocab)} distinct word(s) occur at least "
                                  f"{settings.min_count} times, and training needs two or more; try a lower min_count")
            phases.done = 2
            phases.fit_first_job = len(context.statusTracker().getJobIdsForGroup(self.group))
            phases.phase = "MLlib: vocabulary"
            word2vec = Word2Vec(vectorSize=settings.dim, windowSize=settings.window, minCount=settings.min_count,
                                maxIter=settings.epochs, stepSize=settings.lr, seed=settings.seed,
                                numPartitions=settings.partitions, maxSentenceLength=SENTENCE_TOKENS,
                                inputCol="sentence")
            fitted = word2vec.fit(sentences)
            phases.phase = "collecting the vectors"
            phases.fit_first_job = None
            phases.done = _BEFORE_FIT + 1 + settings.epochs
            rows = fitted.getVectors().collect()
        finally:
            sentences.unpersist()
        return self._model(vocab, rows, total)

    def _lines(self, session: Any) -> Any:
        """The corpus's lines as a DataFrame: local files as local training finds them; remote folders
        searched for ``.txt`` files at any depth, as local folders are."""
        reader = session.read
        if self.files is not None:
            return reader.text([f"file://{path.resolve()}" for path in self.files])
        jvm, context = session.sparkContext._jvm, session.sparkContext
        try:
            path = jvm.org.apache.hadoop.fs.Path(self.corpus)
            filesystem = path.getFileSystem(context._jsc.hadoopConfiguration())
            found = filesystem.globStatus(path)
        except Exception as error:  # an unknown scheme, a name node that does not answer, no permission
            if self.cancelled:
                raise
            message = _java_message(error)
            if "No FileSystem for scheme" in message or ("ClassNotFoundException" in message
                                                         and "FileSystem" in message):
                scheme = self.corpus.split(":", 1)[0]
                raise SparkError(
                    f"this Spark has no connector for {scheme}:// ({message}); add its jars, e.g. "
                    f"PYSPARK_SUBMIT_ARGS=\"--packages org.apache.hadoop:hadoop-aws:VERSION pyspark-shell\" "
                    "for s3a, VERSION being Spark's Hadoop version") from None
            raise CorpusError(f"cannot read {self.corpus}: {message}") from None
        if found is None or len(found) == 0:
            raise CorpusError(f"{self.corpus} does not exist")
        if len(found) == 1 and found[0].isDirectory():
            reader = reader.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.txt")
        return reader.text(self.corpus)

    def _model(self, vocab: Vocab, rows: list[Any], total: int) -> Model:
        vectors = np.zeros((len(vocab), self.settings.dim), dtype=np.float32)
        index = vocab.index
        placed = 0
        for word, vector in rows:
            row = index.get(word)
            if row is not None:
                vectors[row] = vector.toArray()
                placed += 1
        if placed != len(vocab):  # the two counts are of the same sentences: a mismatch is a bug
            raise SparkJobFailed(f"MLlib returned vectors for {placed:,} of the {len(vocab):,} words counted")
        s = self.settings
        partitions = f"{s.partitions} partition{'s' * (s.partitions != 1)}"
        state = RunState(epochs_trained=s.epochs, run_epochs=s.epochs, run_tokens=int(total), finished=True,
                         trained_by=f"{ENGINE} ({ALGORITHM}); {partitions} on {self.master}; corpus {self.corpus}")
        return Model(vocab, vectors, None, s.config(), [], state)

    # -- progress
    def _progress(self, context: Any) -> SparkProgress:
        """The job's phase and an estimate of the share done: its jobs so far, the running one's tasks."""
        phases, epochs = self._phases, self.settings.epochs
        elapsed = time.monotonic() - phases.started
        if context is None:
            return SparkProgress("starting Spark", 0.0, 0, epochs, elapsed=elapsed)
        sgns = self.settings.algorithm == "sgns"
        # SGNS: its phases, one job an epoch; MLlib: ours, its vocabulary, one job an iteration, collecting
        total_jobs = _SGNS_BEFORE + epochs if sgns else _BEFORE_FIT + 1 + epochs + _AFTER_FIT
        try:
            tracker = context.statusTracker()
            jobs = sorted(tracker.getJobIdsForGroup(self.group))
            running = [info for info in map(tracker.getJobInfo, jobs) if info is not None and info.status == "RUNNING"]
            stage, done, tasks = "", 0, 0
            for info in running:
                for stage_id in info.stageIds:  # the stages running now (a skipped one never starts)
                    stage_info = tracker.getStageInfo(stage_id)
                    if stage_info is not None and stage_info.numActiveTasks > 0:
                        stage = f"stage {stage_id}"
                        done += stage_info.numCompletedTasks
                        tasks += stage_info.numTasks
        except Exception:  # the context is stopping: no news is fine
            return SparkProgress(phases.phase, phases.done / total_jobs, 0, epochs, elapsed=elapsed)
        phase, finished, epoch = phases.phase, phases.done, 0
        if phases.fit_first_job is not None:
            fit_jobs = jobs[phases.fit_first_job:]
            completed = len(fit_jobs) - len(running)
            position = max(len(fit_jobs) - 1, 0)  # 0: the vocabulary; k: iteration k
            epoch = min(max(completed - 1, 0), epochs)
            phase = "MLlib: vocabulary" if position == 0 else f"MLlib: iteration {min(position, epochs)} of {epochs}"
            finished = _BEFORE_FIT + completed
        elif sgns:
            epoch = phases.epoch
        elif phases.done > _BEFORE_FIT:
            epoch = epochs
        within = done / tasks if tasks else 0.0
        fraction = min((finished + within) / total_jobs, 1.0)
        return SparkProgress(phase, fraction, epoch, epochs, stage, done, tasks, elapsed)


def check_master_syntax(master: str) -> None:
    """SparkError for a master URL that is none of Spark's forms (no connection is tried)."""
    if not (_LOCAL.fullmatch(master) or master == "yarn" or master.startswith("k8s://")
            or _STANDALONE.fullmatch(master)):
        raise SparkError(f"the Spark master must be local[N], local[*], spark://HOST:PORT, yarn or k8s://URL, got {master!r}")

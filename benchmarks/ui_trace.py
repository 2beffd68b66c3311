"""Why was the UI thread late? Time what it did, and what the other threads cost.

Used by ``bench_ui.py --trace``. A profile says where a thread spends its time over a run, not what
happened in the few ticks that came late, so this wraps the app's drawing work (every plot's paint,
the map's frame, the loss redraw) and the projection of snapshots in the training thread with timers
that record wall and thread-CPU time. Afterwards it prints each kind's cost, the events that
overlapped each of the worst timer ticks, and the CPU each thread of the process used (Linux).
"""

from __future__ import annotations

import collections
import functools
import os
import statistics
import time


class Trace:
    def __init__(self) -> None:
        self.events: list[tuple[float, float, float, str]] = []  # start, wall s, CPU s, what
        self._undo: list[tuple[object, str, object]] = []

    def install(self) -> None:
        """Wrap the methods; call before the window is made (Qt looks up paintEvent overrides then)."""
        import pyqtgraph as pg

        from embedding_studio.gui import training
        from embedding_studio.gui.views.embedding_view import EmbeddingView
        from embedding_studio.gui.views.loss_plot import LossPlot

        self._wrap(pg.GraphicsView, "paintEvent", lambda view, *_: f"paint {view.objectName() or 'plot'}")
        self._wrap(EmbeddingView, "show_frame", lambda *_: "map frame")
        self._wrap(LossPlot, "_draw_live", lambda *_: "loss redraw")
        self._wrap(training, "pca_frame", lambda *_: "projection (training thread)")

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def _wrap(self, owner, name: str, label) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.events.append((wall, time.perf_counter() - wall, time.thread_time() - cpu, label(*args)))

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    @staticmethod
    def thread_cpu() -> dict[str, float]:
        """CPU seconds used so far by each thread of this process ("name tid"); empty off Linux."""
        result = {}
        tick = os.sysconf("SC_CLK_TCK")
        try:
            tids = os.listdir("/proc/self/task")
        except OSError:
            return result
        for tid in tids:
            try:
                with open(f"/proc/self/task/{tid}/comm") as comm, open(f"/proc/self/task/{tid}/stat") as stat:
                    name, fields = comm.read().strip(), stat.read().rsplit(")", 1)[1].split()
            except OSError:  # the thread ended meanwhile
                continue
            main = " (UI)" if int(tid) == os.getpid() else ""
            result[f"{name}{main} {tid}"] = (int(fields[11]) + int(fields[12])) / tick
        return result

    def report(self, ticks: list[float], cpu_before: dict[str, float], cpu_after: dict[str, float],
               worst: int = 5) -> None:
        """Print the costs, the worst ticks with what overlapped them, and the CPU per thread."""
        kinds = collections.defaultdict(list)
        for _, wall, cpu, what in self.events:
            kinds[what].append((1e3 * wall, 1e3 * cpu))
        print("  what                            count  wall ms: median   max    CPU ms: median   max")
        for what, costs in sorted(kinds.items()):
            walls, cpus = [w for w, _ in costs], [c for _, c in costs]
            print(f"  {what:<32s}{len(costs):5d}  {statistics.median(walls):15.1f}{max(walls):6.1f}"
                  f"{statistics.median(cpus):16.1f}{max(cpus):6.1f}")
        gaps = sorted(((b - a - 0.010, a, b) for a, b in zip(ticks, ticks[1:])), reverse=True)[:worst]
        for late, a, b in gaps:
            print(f"  tick {1e3 * late:.0f} ms late, {1e3 * (a - ticks[0]):.0f} ms into the run:")
            for start, wall, cpu, what in self.events:
                if start < b and start + wall > a:
                    print(f"      {what}: from {1e3 * (start - a):+.0f} ms, wall {1e3 * wall:.1f} ms, CPU {1e3 * cpu:.1f} ms")
        used = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        print("  CPU per thread over the run: " + ", ".join(
            f"{name} {seconds:.2f} s" for name, seconds in sorted(used.items(), key=lambda kv: -kv[1]) if seconds >= 0.01))

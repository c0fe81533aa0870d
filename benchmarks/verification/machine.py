"""What the machine's processes use, read from /proc: CPU seconds and memory, per process
and for the whole machine, and a watcher that samples them during one benchmark phase."""

import collections
import os
import threading
import time

TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def proc_table() -> dict[int, tuple[int, int, float]]:
    """Every process: pid -> (parent pid, start time in ticks, CPU seconds used)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        table[int(entry)] = (int(fields[1]), int(fields[19]), cpu)
    return table


def status_kib(pid: int, field: str, name: str = "status") -> int:
    """A memory figure in KiB from /proc/<pid>/status (VmHWM: peak resident set) or
    smaps_rollup (Pss: resident set with shared pages divided among their sharers)."""
    try:
        with open(f"/proc/{pid}/{name}") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(table: dict[int, tuple[int, int, float]], root: int) -> list[int]:
    """``root`` and its direct children (a worker's main process and its pool)."""
    return [root] + [pid for pid, (parent, _s, _c) in table.items() if parent == root]


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICKS


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as command:
            return command.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Watch:
    """What one phase of the benchmark used, sampled every 0.2 s in a thread: CPU seconds
    of the benchmark's own processes (this command, the workers and their pool processes,
    the bench database's server processes) and of everything else on the machine, and
    the workers' memory (peak PSS, summed over each worker's processes).

    ``workers`` is the list of running workers (anything with ``process.pid``), read at
    each sample."""

    def __init__(self, workers, database: str):
        self.workers, self.database = workers, database
        self.own: dict[tuple[int, int], list] = {}  # (pid, start) -> [kind, first, last]
        self.kinds: dict[tuple[int, int], str] = {}
        self.pss_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.started, self.busy = time.monotonic(), busy_seconds()
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.monotonic() - self.started
        self.machine = busy_seconds() - self.busy
        self.by_kind = collections.Counter()
        for kind, first, last in self.own.values():
            self.by_kind[kind] += last - first
        self.mine = sum(self.by_kind.values())
        self.others = max(0.0, self.machine - self.mine)

    def _run(self):
        while not self._stop.wait(0.2):
            self._sample()

    def _kind(self, pid: int, start: int, parent: int, roots: set[int]) -> str:
        if pid == os.getpid():
            return "command"
        if pid in roots or parent in roots:
            return "workers"
        key = (pid, start)
        if key not in self.kinds:  # read each process's command line once
            words = cmdline(pid).split()
            ours = words[:1] == ["postgres:"] and self.database in words
            self.kinds[key] = "database" if ours else ""
        return self.kinds[key]

    def _sample(self, first: bool = False):
        table = proc_table()
        roots = {worker.process.pid for worker in self.workers}
        for pid, (parent, start, cpu) in table.items():
            kind = self._kind(pid, start, parent, roots)
            if not kind:
                continue
            # A process started during the phase used all its CPU within it.
            entry = self.own.setdefault((pid, start), [kind, cpu if first else 0.0, cpu])
            entry[2] = cpu
        for root in roots:
            pss = sum(status_kib(pid, "Pss", "smaps_rollup") for pid in children(table, root))
            self.pss_kib = max(self.pss_kib, pss)

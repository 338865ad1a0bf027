"""What recording a facade call costs, and how big a handle table can grow, on big machines.

    python benchmarks/recording.py            # full run (seconds when targets are met; minutes before)
    python benchmarks/recording.py --quick    # a few seconds (make test)
    python benchmarks/recording.py --calls N  # N recorded calls on the 1,000-process machine

Measured in one process run (these machines are noisy, so only ratios mean much):

* **unrecorded / recorded call** on machines of 10, 100 and 1,000 processes: alice's
  process opens its own token (``OpenProcessToken``) and closes the handle
  (``CloseHandle``), one call each, with and without ``record(machine)``. A recorded call
  snapshots the machine, narrates it and writes its C twin.
* **many recorded calls**: that pair repeated on the 1,000-process machine while one trace
  keeps every step (seconds and the process's peak RSS).
* **handle table**: 40,000 handles inserted in one process's table, then every other one
  closed and 20,000 inserted again (Windows reuses the lowest free value).

Targets (issue "Four rooms", snapshots): a recorded call on 1,000 processes <= 2x one on
10 processes; a recorded call <= 20x an unrecorded one; 5,000 recorded calls on 1,000
processes in <= 10 s and <= 300 MB peak RSS; 40,000 handles in <= 1 s. Exit status 1 if an
answer is wrong (a snapshot differs from a fresh one, a handle value is not the lowest free
one, a table iterates out of order), never because of timing.
"""
from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenlab import Machine  # noqa: E402
from tokenlab.kernel.handles import CURRENT_PROCESS  # noqa: E402
from tokenlab.teaching import record, snapshot  # noqa: E402
from tokenlab.teaching import snapshot as snapshot_module  # noqa: E402
from tokenlab.win32 import constants as C  # noqa: E402

SIZES = (10, 100, 1000)
TARGET_FLAT, TARGET_OVERHEAD = 2.0, 20.0
TARGET_MANY_S, TARGET_MANY_MB, TARGET_HANDLES_S = 10.0, 300.0, 1.0
TOKEN_QUERY = C.TOKEN_QUERY


def machine_of(n: int):
    """A machine with ``n`` processes: alice's app, then services and users' processes."""
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    app = m.start_process("app.exe", user="alice")
    users = ("NETWORK SERVICE", "LOCAL SERVICE", "bob", "SYSTEM")
    for i in range(n - 1):
        m.start_process(f"p{i}.exe", user=users[i % len(users)])
    return m, app.main_thread.api


def pair(api) -> None:
    h = api.OpenProcessToken(CURRENT_PROCESS, TOKEN_QUERY)
    api.CloseHandle(h)


def per_call(api, pairs: int) -> float:
    """Seconds per facade call, the median of a few batches."""
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(pairs):
            pair(api)
        times.append((time.perf_counter() - start) / (2 * pairs))
    return statistics.median(times)


def fresh(machine):
    """A from-scratch snapshot, when the snapshot module can make one (else None)."""
    full = getattr(snapshot_module, "full_snapshot", None)
    return full(machine) if full is not None else None


def check_trace(trace, wrong: list[str], label: str) -> None:
    last = trace.steps[-1].snapshot if trace.steps else trace.initial
    ref = fresh(trace.machine)
    if ref is not None and last != ref:
        wrong.append(f"{label}: the last recorded snapshot differs from a fresh one")
    if snapshot(trace.machine) != last:
        wrong.append(f"{label}: snapshot() after the trace differs from its last step")


def calls(quick: bool, wrong: list[str]) -> dict[int, tuple[float, float]]:
    out = {}
    pairs = 20 if quick else 100
    for n in SIZES:
        m, api = machine_of(n)
        plain = per_call(api, pairs * 5)
        with record(m) as trace:
            pair(api)  # the trace's first snapshot and warm caches are not timed
            recorded = per_call(api, pairs)
        check_trace(trace, wrong, f"{n} processes")
        out[n] = (plain, recorded)
    return out


def many(n_calls: int, wrong: list[str]) -> tuple[float, float]:
    m, api = machine_of(1000)
    with record(m) as trace:
        start = time.perf_counter()
        for _ in range(n_calls // 2):
            pair(api)
        seconds = time.perf_counter() - start
    if len(trace.steps) != 2 * (n_calls // 2):
        wrong.append(f"many calls: {len(trace.steps)} steps recorded")
    check_trace(trace, wrong, "many calls")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, rss_mb


def handles(n: int, wrong: list[str]) -> tuple[float, float]:
    m, _ = machine_of(1)
    proc = m.process("app.exe")
    table, obj = proc.handles, proc.token
    start = time.perf_counter()
    values = [table.insert(obj, TOKEN_QUERY).value for _ in range(n)]
    insert_s = time.perf_counter() - start
    if values != list(range(4, 4 * n + 4, 4)):
        wrong.append("handles: the first values are not 4, 8, 12 …")
    start = time.perf_counter()
    freed = values[::2]
    for v in reversed(freed):
        table.remove(v)
    again = [table.insert(obj, TOKEN_QUERY).value for _ in range(len(freed))]
    reuse_s = time.perf_counter() - start
    if again != freed:
        wrong.append("handles: freed values are not reused lowest first")
    if [h.value for h in table] != values:
        wrong.append("handles: the table does not iterate in value order")
    if table.insert(obj, TOKEN_QUERY).value != 4 * n + 4:
        wrong.append("handles: a full table does not grow at the end")
    return insert_s, reuse_s


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    n_calls = 200 if quick else 5000
    if "--calls" in argv:
        n_calls = int(argv[argv.index("--calls") + 1])
    wrong: list[str] = []

    table = calls(quick, wrong)
    print(f"{'processes':>9} {'unrecorded':>11} {'recorded':>10} {'recorded/unrecorded':>20} {'recorded/10 procs':>18}")
    base10 = table[SIZES[0]][1]
    for n, (plain, rec) in table.items():
        print(f"{n:>9} {plain * 1e6:>9.1f}us {rec * 1e6:>8.1f}us {rec / plain:>19.1f}x {rec / base10:>17.2f}x")
    flat = table[SIZES[-1]][1] / base10
    overhead = max(rec / plain for plain, rec in table.values())
    print(f"recorded call, 1,000 vs 10 processes: {flat:.2f}x (target <= {TARGET_FLAT}x: "
          f"{'met' if flat <= TARGET_FLAT else 'NOT met'})")
    print(f"worst recorded/unrecorded: {overhead:.1f}x (target <= {TARGET_OVERHEAD}x: "
          f"{'met' if overhead <= TARGET_OVERHEAD else 'NOT met'})")

    seconds, rss = many(n_calls, wrong)
    scaled = seconds * 5000 / n_calls
    print(f"{n_calls} recorded calls on 1,000 processes: {seconds:.2f}s ({scaled:.1f}s per 5,000; target <= "
          f"{TARGET_MANY_S:.0f}s: {'met' if scaled <= TARGET_MANY_S else 'NOT met'}); peak RSS {rss:.0f} MB "
          f"(target <= {TARGET_MANY_MB:.0f} MB{'' if n_calls >= 5000 else ' for 5,000'}: "
          f"{'met' if rss <= TARGET_MANY_MB else 'NOT met'})")

    n_handles = 40_000
    insert_s, reuse_s = handles(n_handles, wrong)
    print(f"{n_handles} handles inserted in one process: {insert_s:.3f}s (target <= {TARGET_HANDLES_S:.0f}s: "
          f"{'met' if insert_s <= TARGET_HANDLES_S else 'NOT met'}); {n_handles // 2} closed and reused: {reuse_s:.3f}s")

    for w in wrong:
        print("WRONG:", w)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

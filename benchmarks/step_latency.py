"""How long a learner waits after pressing "next" in the ScenarioPlayer, against Graphviz itself.

    python benchmarks/step_latency.py           # 5 rounds of every story variant
    python benchmarks/step_latency.py --quick   # 1 round of the two stories (make test)

For each step of the two stories' traces, in the same process and interleaved (these
machines are noisy, so only ratios mean anything):

* **baseline**: a bare ``dot -Tsvg`` subprocess on the step's object-graph DOT source
  (laid out afresh, as every step was before issue 12);
* **new step**: ``player.next.click()`` on a player whose SVG cache is empty: build the
  snapshot diff graph on the trace's shared layout, render it (``neato -n2``: positions
  given, nothing laid out), fill every widget area;
* **revisit**: the same clicks again after ``player.first.click()``: everything has been
  rendered once already.

Also reported: what making the player costs once (the shared layout of the whole trace,
``trace_layout``: one ``dot`` run on the union of its snapshots), as a ratio to one bare
``dot`` step.

Reported: the median of each as a ratio to the median baseline. Targets (issues 4, 12): new
step <= 1.3x, revisit <= 0.1x. Exit status 1 if the player shows the wrong picture (its
SVG must be the rendering of that step's pinned DOT), never because of timing.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenlab import view  # noqa: E402
from tokenlab.scenarios import duplicated_token, nested_impersonation  # noqa: E402
from tokenlab.ui import ScenarioPlayer  # noqa: E402
from tokenlab.view import object_graph  # noqa: E402

TARGET_NEW, TARGET_REVISIT = 1.3, 0.1


def bare_dot(source: str) -> float:
    start = time.perf_counter()
    subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), capture_output=True, check=True)
    return time.perf_counter() - start


def clicked(player) -> float:
    start = time.perf_counter()
    player.next.click()
    return time.perf_counter() - start


def step_source(trace, i: int) -> str:
    step = trace.steps[i]
    return object_graph(step.snapshot, previous=trace.steps[i - 1].snapshot, focus_tid=step.tid).source


def measure(trace, rounds: int) -> tuple[list[float], list[float], list[float], list[str], list[float]]:
    base, new, revisit, wrong, setup = [], [], [], [], []
    n = len(trace.steps)
    for _ in range(rounds):
        view.clear_cache()
        start = time.perf_counter()
        player = ScenarioPlayer(trace)  # lays the trace out once, shows step 0
        setup.append(time.perf_counter() - start)
        for i in range(1, n):
            source = step_source(trace, i)
            base.append(bare_dot(source))
            new.append(clicked(player))
            pinned = player._graph_of(i)
            body = view.svg_of_source(pinned.source, pinned.engine).split("<svg", 1)[1].split(">", 1)[1]
            if body not in player.graph.value:
                wrong.append(f"{trace.title}: step {i} shows another picture")
        player.first.click()
        for i in range(1, n):
            revisit.append(clicked(player))
        if player.error.value:
            wrong.append(f"{trace.title}: the player reported an error")
    return base, new, revisit, wrong, setup


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    traces = [duplicated_token(), nested_impersonation("revert")]
    if not quick:
        traces += [duplicated_token(fixed=True), nested_impersonation("save_restore"),
                   nested_impersonation("pseudo_handle")]
    rounds = 1 if quick else 5
    rows, failures = [], []
    for trace in traces:
        base, new, revisit, wrong, setup = measure(trace, rounds)
        failures += wrong
        b = statistics.median(base)
        rows.append((trace.title, len(new), b * 1000, statistics.median(new) / b, statistics.median(revisit) / b,
                     statistics.median(setup) / b))
    print(f"{'trace':<40} {'clicks':>6} {'dot -Tsvg':>10} {'new step':>9} {'revisit':>8} {'player made':>12}")
    for title, clicks, dot_ms, r_new, r_rev, r_setup in rows:
        print(f"{title:<40} {clicks:>6} {dot_ms:>8.1f}ms {r_new:>8.2f}x {r_rev:>7.3f}x {r_setup:>11.2f}x")
    worst_new = max(r[3] for r in rows)
    worst_rev = max(r[4] for r in rows)
    print(f"worst new step {worst_new:.2f}x (target <= {TARGET_NEW}x: {'met' if worst_new <= TARGET_NEW else 'NOT met'}); "
          f"worst revisit {worst_rev:.3f}x (target <= {TARGET_REVISIT}x: "
          f"{'met' if worst_rev <= TARGET_REVISIT else 'NOT met'})")
    for f in failures:
        print("WRONG:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""How long a learner waits after pressing "next" in the ScenarioPlayer, against Graphviz itself.

    python benchmarks/step_latency.py           # 5 rounds of every story variant
    python benchmarks/step_latency.py --quick   # 1 round of the two stories (make test)

For each step of the two stories' traces, in the same process and interleaved (these
machines are noisy, so only ratios mean anything):

* **baseline**: a bare ``dot -Tsvg`` subprocess on the step's object-graph DOT source
  (laid out afresh, as every step was before issue 12);
* **new step**: ``player.next.click()`` the first time each step is shown, on a player just
  made: what a learner waits for. The player pre-renders its steps when it is made (up to
  ``PRERENDER`` of them, in one Graphviz run), so a new step only builds its widgets' HTML;
* **on demand**: the same clicks with the SVG cache emptied after the player was made (a
  step past ``PRERENDER``, or a trace still recording): build the snapshot diff graph on
  the trace's shared layout, render it (``neato -n2``: positions given, nothing laid
  out), fill every widget area;
* **revisit**: the same clicks again after ``player.first.click()``: everything has been
  rendered once already.

Also reported: what making the player costs once (the shared layout of the whole trace,
``trace_layout``: one ``dot`` run on the union of its snapshots, and the pre-render), as a
ratio to one bare ``dot`` step.

Reported: the median of each as a ratio to the median baseline. Targets (issues 4, 12): new
step <= 1.3x, revisit <= 0.1x; on demand is reported against the new-step target too. Exit status 1 if the player shows the wrong picture (its
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


def measure(trace, rounds: int) -> dict[str, list]:
    out: dict[str, list] = {"base": [], "new": [], "demand": [], "revisit": [], "wrong": [], "setup": []}
    n = len(trace.steps)

    def check(player, i):
        pinned = player._graph_of(i)
        body = view.svg_of_source(pinned.source, pinned.engine).split("<svg", 1)[1].split(">", 1)[1]
        if body not in player.graph.value:
            out["wrong"].append(f"{trace.title}: step {i} shows another picture")

    for _ in range(rounds):
        view.clear_cache()
        start = time.perf_counter()
        player = ScenarioPlayer(trace)  # lays the trace out once, pre-renders, shows step 0
        out["setup"].append(time.perf_counter() - start)
        for i in range(1, n):
            out["base"].append(bare_dot(step_source(trace, i)))
            out["new"].append(clicked(player))
            check(player, i)
        player.first.click()
        for i in range(1, n):
            out["revisit"].append(clicked(player))
        # On demand: nothing rendered yet (neither Graphviz's cache nor the player's).
        player.first.click()
        view.clear_cache()
        player.__dict__.pop("_graph_html", None)
        for i in range(1, n):
            out["demand"].append(clicked(player))
            check(player, i)
        if player.error.value:
            out["wrong"].append(f"{trace.title}: the player reported an error")
    return out


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    traces = [duplicated_token(), nested_impersonation("revert")]
    if not quick:
        traces += [duplicated_token(fixed=True), nested_impersonation("save_restore"),
                   nested_impersonation("pseudo_handle")]
    rounds = 1 if quick else 5
    rows, failures = [], []
    for trace in traces:
        m = measure(trace, rounds)
        failures += m["wrong"]
        b = statistics.median(m["base"])
        rows.append((trace.title, len(m["new"]), b * 1000, statistics.median(m["new"]) / b,
                     statistics.median(m["demand"]) / b, statistics.median(m["revisit"]) / b,
                     statistics.median(m["setup"]) / b))
    print(f"{'trace':<40} {'clicks':>6} {'dot -Tsvg':>10} {'new step':>9} {'on demand':>10} {'revisit':>8} "
          f"{'player made':>12}")
    for title, clicks, dot_ms, r_new, r_dem, r_rev, r_setup in rows:
        print(f"{title:<40} {clicks:>6} {dot_ms:>8.1f}ms {r_new:>8.2f}x {r_dem:>9.2f}x {r_rev:>7.3f}x "
              f"{r_setup:>11.2f}x")
    worst_new = max(r[3] for r in rows)
    worst_dem = max(r[4] for r in rows)
    worst_rev = max(r[5] for r in rows)

    def verdict(value, target):
        return "met" if value <= target else "NOT met"

    print(f"worst new step {worst_new:.2f}x (target <= {TARGET_NEW}x: {verdict(worst_new, TARGET_NEW)}); "
          f"worst on demand {worst_dem:.2f}x ({verdict(worst_dem, TARGET_NEW)}); "
          f"worst revisit {worst_rev:.3f}x (target <= {TARGET_REVISIT}x: {verdict(worst_rev, TARGET_REVISIT)})")
    for f in failures:
        print("WRONG:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

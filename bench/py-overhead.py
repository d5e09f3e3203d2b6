# SPDX-License-Identifier: MIT
"""Per-call overhead of the Python binding, against the C library.

    PYTHONPATH=BUILD/bindings/python /usr/bin/python3 bench/py-overhead.py \\
        [--spec FILE] [--reps N]

Each row is ns per call on the thread's CPU clock (time.thread_time_ns, so
time the process spent descheduled on a shared machine does not count): the
median of --reps timed runs after 3 warm-up runs, with the IQR and min/max.
The first rows are the Python floor: an empty Python function with the same
four arguments, and a builtin call.  The C library's own cost per call is
`portspec-bench query` on the same policy; binding overhead is the
difference.
"""

import argparse
import statistics
import sys
import time

import portspec

ZONES = ("outside", "inside")
QUERIES = [(ZONES[i % 2], "inbound" if i % 3 else "outbound", "tcp" if i % 5 else "udp",
            (i * 7919) % 65535 + 1) for i in range(1024)]


def empty(zone, direction, protocol, port):
    return False


def time_calls(fn, reps, inner):
    """ns per call of fn over QUERIES, `inner` passes per run."""
    def run():
        t0 = time.thread_time_ns()
        for _ in range(inner):
            for z, d, p, n in QUERIES:
                fn(z, d, p, n)
        return (time.thread_time_ns() - t0) / (inner * len(QUERIES))

    for _ in range(3):
        run()
    v = sorted(run() for _ in range(reps))
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return statistics.median(v), q[0], q[2], v[0], v[-1]


def time_once(fn, reps):
    v = []
    for _ in range(3):
        fn()
    for _ in range(reps):
        t0 = time.thread_time_ns()
        fn()
        v.append(time.thread_time_ns() - t0)
    v.sort()
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return statistics.median(v), q[0], q[2], v[0], v[-1]


def fmt(ns):
    if ns < 1e3:
        return "%.0f ns" % ns
    if ns < 1e6:
        return "%.1f us" % (ns / 1e3)
    return "%.2f ms" % (ns / 1e6)


def row(name, s):
    print("| %s | %s | %s..%s | %s..%s |" % (name, fmt(s[0]), fmt(s[1]), fmt(s[2]),
                                            fmt(s[3]), fmt(s[4])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec")
    ap.add_argument("--reps", type=int, default=21)
    a = ap.parse_args()
    spec = portspec.load(a.spec) if a.spec else portspec.load_default()
    policy = spec.policy()
    print("## Python binding: %s\n" % (a.spec or "<default>"))
    print("Python %s, portspec %s; ns per call, thread CPU time, %d runs.\n"
          % (sys.version.split()[0], portspec.version(), a.reps))
    print("| call | median | IQR | min..max |")
    print("|---|---:|---:|---:|")
    floor = time_calls(empty, a.reps, 20)
    row("empty Python function, 4 arguments", floor)
    row("lambda calling a builtin, `max(port, 1)`",
        time_calls(lambda z, d, p, n: max(n, 1), a.reps, 20))
    query = time_calls(policy.is_allowed, a.reps, 5)
    row("`policy.is_allowed(zone, direction, protocol, port)`, bound method", query)
    row("lambda calling `len(policy)`", time_calls(lambda z, d, p, n: len(policy), a.reps, 5))
    row("lambda calling `policy[0]` (a Flow, built once per policy)",
        time_calls(lambda z, d, p, n: policy[0], a.reps, 2))
    row("`list(policy)` (all flows)", time_once(lambda: list(policy), a.reps))
    row("`policy.render('nft')`", time_once(lambda: policy.render("nft"), a.reps))
    print("\n`is_allowed` costs %.2f times the empty function (medians)." % (query[0] / floor[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs one command and prints its wall time, the CPU time it and its children used on this machine
(the controller), and its peak resident memory, as one JSON line. Exit status is passed through in
the JSON; the command's output goes to a log file.

The command's own process is also sampled (/proc/PID/smaps_rollup, every BENCH_SAMPLE seconds,
default 0.25): `sampled_rss_mb` is the largest resident size seen, split at that moment into
`anon_mb` (heap, stacks: memory the program wrote) and `file_mb` (the binary's code and read-only
data as touched, and shared libraries). ru_maxrss stays the authoritative peak; the split says
which part to work on."""
import json
import os
import resource
import subprocess
import sys
import time


def smaps_rollup(pid):
    """Rss and Anonymous of a running process, in KiB; None once it is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] in ("Rss:", "Anonymous:"):
                    fields[parts[0][:-1]] = int(parts[1])
    except (OSError, ValueError):
        return None
    return fields if "Rss" in fields else None


def main():
    log, cmd = sys.argv[1], sys.argv[2:]
    interval = float(os.environ.get("BENCH_SAMPLE", "0.25"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    peak = {"Rss": 0, "Anonymous": 0}
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        while True:
            try:
                rc = proc.wait(timeout=interval)
                break
            except subprocess.TimeoutExpired:
                sample = smaps_rollup(proc.pid)
                if sample and sample["Rss"] > peak["Rss"]:
                    peak = {"Rss": sample["Rss"], "Anonymous": sample.get("Anonymous", 0)}
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    mb = lambda kib: round(kib / 1024, 1)
    # ru_maxrss of children is the largest single process, in KiB on Linux.
    print(json.dumps({
        "wall": round(wall, 3), "cpu": round(cpu, 3), "rss_mb": mb(after.ru_maxrss), "rc": rc,
        "sampled_rss_mb": mb(peak["Rss"]), "anon_mb": mb(peak["Anonymous"]),
        "file_mb": mb(peak["Rss"] - peak["Anonymous"]),
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs one command and prints its wall time, the CPU time it and its children used on this machine
(the controller), and its peak resident memory, as one JSON line. Exit status is passed through in
the JSON; the command's output goes to a log file."""
import json
import resource
import subprocess
import sys
import time

def main():
    log, cmd = sys.argv[1], sys.argv[2:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(log, "ab") as out:
        rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest single process, in KiB on Linux.
    print(json.dumps({"wall": round(wall, 3), "cpu": round(cpu, 3), "rss_mb": round(after.ru_maxrss / 1024, 1), "rc": rc}))

if __name__ == "__main__":
    main()

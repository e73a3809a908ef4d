#!/usr/bin/env python3
"""Runs a command; prints 'wall_s cpu_s peak_rss_mib' (CPU = user + sys of all waited-for
descendants, so mpirun's ranks count) on the last line of stderr."""
import resource, subprocess, sys, time

t0 = time.monotonic()
rc = subprocess.run(sys.argv[1:]).returncode
wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f} {r.ru_maxrss / 1024:.0f}", file=sys.stderr)
sys.exit(rc)

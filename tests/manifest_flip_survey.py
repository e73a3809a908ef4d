#!/usr/bin/env python3
"""Flips each byte of a dataset's manifest.json in turn (XOR 1), runs
`synthub verify` on the result, and counts the flips that pass, by manifest
line. A survey for docs/reliability.md; the unit test
ManifestTest.ChecksumCoversEveryByte checks the same in-process.
Usage: manifest_flip_survey.py SYNTHUB."""
import collections, os, shutil, subprocess, sys, tempfile

synthub = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="synthub_flip.")
try:
    exe = os.path.join(work, "synthub")
    shutil.copy(synthub, exe)  # a rebuild meanwhile must not swap the binary
    ds = os.path.join(work, "g")
    subprocess.run([exe, "generate", "--categories", "4", "--size", "32", "--points", "2000", "--draws", "2",
                    "--shard-size", "24", "--instances-per-category", "12", "--search-mode", "keyed",
                    "--search-size", "48", "--search-points", "8000", "--seed", "3", "--quiet", "--out", ds],
                   check=True, capture_output=True)
    path = os.path.join(ds, "manifest.json")
    orig = open(path, "rb").read()
    passed = []
    for i in range(len(orig)):
        b = bytearray(orig)
        b[i] ^= 1
        open(path, "wb").write(bytes(b))
        if subprocess.run([exe, "verify", ds], capture_output=True).returncode == 0:
            passed.append(i)
    print(f"{len(orig)} flips, {len(orig) - len(passed)} detected, {len(passed)} passed verify")
    lines = orig.decode().splitlines()
    for ln, n in sorted(collections.Counter(orig[:i].count(b"\n") for i in passed).items()):
        print(f"line {ln + 1:3d}: {n:3d} passed | {lines[ln].strip()}")
finally:
    shutil.rmtree(work)

#!/usr/bin/env python3
"""Corrupts one byte at a time in the files `synthub verify` vouches for and
counts the corruptions that pass it. Each byte is XORed with 0x01 (one bit);
every flip must be detected.

Files: a dataset's manifest.json, params.ustar and shards (every byte of the
manifest, every 97th byte of the others) and, when synthub-train is built, a
training run's config.json (every byte), model.safetensors and
train_state.safetensors (every byte of their headers, every 997th byte of
their data).

Usage: flip_survey.py SYNTHUB [--json OUT]   (exit 1 if any flip passed)
Figures for docs/reliability.md; ctest `flip_survey`."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

synthub = os.path.abspath(sys.argv[1])
out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
work = tempfile.mkdtemp(prefix="synthub_flip.")


def run(*args):
    return subprocess.run([synthub, *args], capture_output=True, text=True, errors="replace")


def positions(path, every_other):
    """Every byte of a JSON file or a safetensors header; a sample of the rest."""
    size = os.path.getsize(path)
    if path.endswith(".json"):
        return list(range(size))
    if path.endswith(".safetensors"):
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
        return list(range(8 + n)) + list(range(8 + n, size, every_other))
    return list(range(0, size, every_other))


def survey(folder, names, every_other):
    results = {}
    for name in names:
        path = os.path.join(folder, name)
        orig = open(path, "rb").read()
        passed = []
        tried = positions(path, every_other)
        for i in tried:
            b = bytearray(orig)
            b[i] ^= 1
            open(path, "wb").write(bytes(b))
            if run("verify", folder).returncode == 0:
                passed.append(i)
        open(path, "wb").write(orig)
        results[name] = {"bytes": len(orig), "flipped": len(tried), "passed": passed}
        print(f"{name:32s} {len(orig):8d} bytes, {len(tried):5d} flipped, {len(passed)} passed verify")
    if run("verify", folder).returncode != 0:
        sys.exit(f"{folder}: does not verify after restoring every byte")
    return results


try:
    ds = os.path.join(work, "ds")
    r = run("generate", "--categories", "4", "--size", "32", "--points", "2000", "--draws", "2",
            "--shard-size", "24", "--instances-per-category", "12", "--search-mode", "keyed",
            "--search-size", "48", "--search-points", "8000", "--seed", "3", "--quiet", "--out", ds)
    if r.returncode != 0:
        sys.exit(r.stderr)
    # params.ustar (params.tar in datasets written before manifest format 3)
    params = "params.ustar" if os.path.exists(os.path.join(ds, "params.ustar")) else "params.tar"
    names = ["manifest.json", params] + sorted(n for n in os.listdir(ds) if n.startswith("fractaldb"))
    results = {"dataset": survey(ds, names, 97)}
    run_dir = os.path.join(work, "run")
    r = run("pretrain", "--data", ds, "--out", run_dir, "--model", "vit_custom", "--img-size", "16",
            "--patch", "4", "--depth", "1", "--dim", "16", "--heads", "2", "--epochs", "1",
            "--batch-size", "8", "--max-steps", "2", "--threads", "1")
    if r.returncode == 0:
        names = ["config.json", "model.safetensors", "train_state.safetensors"]
        results["run"] = survey(run_dir, names, 997)
    elif "no libtorch" in r.stderr:
        print("# no libtorch in this build: the training-run files are not surveyed")
    else:
        sys.exit(r.stderr)
    flipped = sum(f["flipped"] for g in results.values() for f in g.values())
    passed = sum(len(f["passed"]) for g in results.values() for f in g.values())
    print(f"{flipped} flips, {flipped - passed} detected, {passed} passed verify")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(1 if passed else 0)
finally:
    shutil.rmtree(work)

#!/usr/bin/env python3
"""Checks of families_test.sh on a generated dataset's shards (Debian python3).

  families_check.py pixels DATASET REFDIR
      every REFDIR/KEY.png (written by contour_published.py) is an RGB image
      with three equal channels whose first channel equals the 1-channel gray
      KEY.png in DATASET's shards.
  families_check.py masks DATASET BACKGROUND [REFDIR]
      every sample has KEY.mask.png: a 16-bit gray PNG with values in
      {0, category + 1}, nonzero wherever the image is not BACKGROUND; with
      REFDIR, equal to REFDIR/KEY.mask.png (contour_published.py --masks).
  families_check.py params DATASET PUBLISHED_CSV
      categories.csv in DATASET's params.ustar holds, for every class the CSV
      lists (contour_published.py --params categories), the same vertices,
      orbits, noise, line width, frequencies, radius, ellipse and centre.
  families_check.py loader DATASET SIZE
      the loader (Python binding, no augmentation) delivers the same pixels
      from DATASET's shards and from render:DATASET, and they are the decoded
      shard images. Needs PYTHONPATH to reach the synthub module.
Prints one line per failure; exits 1 if any."""
import glob
import io
import json
import os
import struct
import sys
import tarfile

import numpy as np
from PIL import Image


def shard_members(dataset):
    """{member name: bytes} over the dataset's shards, in manifest order."""
    manifest = json.load(open(os.path.join(dataset, "manifest.json")))
    members = {}
    for shard in manifest["shards"]:
        with tarfile.open(os.path.join(dataset, shard["name"])) as tar:
            for info in tar.getmembers():
                members[info.name] = tar.extractfile(info).read()
    return members


def png_header(data):
    """(width, height, bit depth, colour type) from a PNG's IHDR."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def check_pixels(dataset, refdir):
    members = shard_members(dataset)
    refs = sorted(f for f in glob.glob(os.path.join(refdir, "*.png")) if ".mask." not in f)
    bad = 0
    for ref_path in refs:
        key = os.path.basename(ref_path)[:-4]
        ref = Image.open(ref_path)
        r = np.asarray(ref)
        if ref.mode != "RGB" or not (np.array_equal(r[:, :, 0], r[:, :, 1]) and
                                     np.array_equal(r[:, :, 0], r[:, :, 2])):
            print(f"{key}: the published image is not RGB with equal channels ({ref.mode})")
            bad += 1
            continue
        data = members.get(key + ".png")
        if data is None:
            print(f"{key}.png: not in the shards")
            bad += 1
            continue
        mine = Image.open(io.BytesIO(data))
        m = np.asarray(mine)
        if mine.mode != "L":
            print(f"{key}: stored as {mine.mode}, not 1-channel gray (L)")
            bad += 1
        elif m.shape != r.shape[:2]:
            print(f"{key}: size {m.shape} against the published {r.shape[:2]}")
            bad += 1
        elif not np.array_equal(m, r[:, :, 0]):
            diff = np.argwhere(m != r[:, :, 0])
            y, x = diff[0]
            print(f"{key}: {len(diff)} pixels differ from the published; first at x={x} y={y}: "
                  f"{m[y, x]} against {r[y, x, 0]}")
            bad += 1
    print(f"{len(refs) - bad} of {len(refs)} images identical to the published script's")
    return bad == 0 and len(refs) > 0


def check_masks(dataset, background, refdir=None):
    members = shard_members(dataset)
    keys = sorted(n[:-4] for n in members if n.endswith(".png") and ".mask." not in n)
    bad = 0
    for key in keys:
        data = members.get(key + ".mask.png")
        if data is None:
            print(f"{key}: no {key}.mask.png")
            bad += 1
            continue
        width, height, depth, colour = png_header(data)
        if depth != 16 or colour != 0:
            print(f"{key}.mask.png: bit depth {depth}, colour type {colour}; wanted 16-bit gray")
            bad += 1
            continue
        mask = np.asarray(Image.open(io.BytesIO(data))).astype(np.int64)
        image = np.asarray(Image.open(io.BytesIO(members[key + ".png"])))
        label = int(key.split("_")[0]) + 1
        values = set(np.unique(mask).tolist())
        if not values <= {0, label}:
            print(f"{key}.mask.png: values {sorted(values)[:8]}, wanted a subset of {{0, {label}}}")
            bad += 1
            continue
        uncovered = np.count_nonzero((image != background) & (mask == 0))
        if uncovered:
            print(f"{key}.mask.png: {uncovered} drawn pixels (not {background}) have mask 0")
            bad += 1
            continue
        if refdir:
            ref_path = os.path.join(refdir, key + ".mask.png")
            if os.path.exists(ref_path):
                ref = np.asarray(Image.open(ref_path)).astype(np.int64)
                if not np.array_equal(ref, mask):
                    print(f"{key}.mask.png: {np.count_nonzero(ref != mask)} pixels differ from "
                          f"the lines the published script draws")
                    bad += 1
    print(f"{len(keys) - bad} of {len(keys)} masks good")
    return bad == 0 and len(keys) > 0


def read_csv(text):
    lines = text.strip().split("\n")
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:]]


def check_params(dataset, published_csv):
    with tarfile.open(os.path.join(dataset, "params.ustar")) as tar:
        mine = read_csv(tar.extractfile("categories.csv").read().decode())
    theirs = read_csv(open(published_csv).read())
    # synthub's column: contour_published.py's
    columns = {"vertices": "q", "orbits": "orbits", "noise": "c", "line_width": "w",
               "frequency1": "n1", "frequency2": "n2", "radius": "r", "ellipse_x": "ox",
               "ellipse_y": "oy", "centre_x": "cx", "centre_y": "cy"}
    bad = 0
    for row in theirs:
        cat = int(row["category"])
        if cat >= len(mine):
            print(f"category {cat}: not in categories.csv ({len(mine)} rows)")
            bad += 1
            continue
        for ours, pub in columns.items():
            if ours not in mine[cat] and not row[pub]:
                continue  # RCDB has no frequencies
            if float(mine[cat].get(ours, "nan")) != float(row[pub]):
                print(f"category {cat}: {ours} = {mine[cat].get(ours)}, the published script "
                      f"draws {row[pub]}")
                bad += 1
    print(f"{len(theirs)} categories compared, {bad} differences")
    return bad == 0 and len(theirs) > 0


def check_loader(dataset, size):
    import synthub

    def images(spec):
        loader = synthub.Loader(spec, batch_size=1, image_size=size, layout="u8",
                                shuffle="none", random_resized_crop=False,
                                drop_last=False, workers=1)
        out = {}
        for batch, _ in loader:
            out[loader.keys[0]] = np.asarray(batch)[0].copy()
        return out

    shards = images(dataset)
    rendered = images("render:" + dataset)
    members = shard_members(dataset)
    bad = 0
    if sorted(shards) != sorted(rendered):
        print(f"render: delivers other keys ({len(rendered)}) than the shards ({len(shards)})")
        return False
    for key, pixels in shards.items():
        stored = np.asarray(Image.open(io.BytesIO(members[key + ".png"])))
        if stored.ndim == 2:
            stored = np.repeat(stored[:, :, None], 3, axis=2)
        if not np.array_equal(pixels, stored):
            print(f"{key}: the loader's pixels are not the shard's image")
            bad += 1
        if not np.array_equal(pixels, rendered[key]):
            print(f"{key}: render: gives {np.count_nonzero(pixels != rendered[key])} other values")
            bad += 1
    print(f"{len(shards)} samples: shards and render: compared, {bad} differences")
    return bad == 0 and len(shards) > 0


def main():
    what, args = sys.argv[1], sys.argv[2:]
    if what == "pixels":
        good = check_pixels(args[0], args[1])
    elif what == "masks":
        good = check_masks(args[0], int(args[1]), args[2] if len(args) > 2 else None)
    elif what == "params":
        good = check_params(args[0], args[1])
    elif what == "loader":
        good = check_loader(args[0], int(args[1]))
    else:
        sys.exit(f"unknown check {what}")
    sys.exit(0 if good else 1)


main()

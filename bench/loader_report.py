#!/usr/bin/env python3
"""Tables for bench/loader_run.sh from its results (one JSON object per line)."""
import json
import sys

NAMES = {"a": "(a) ImageNet-like photographs, JPEG q90, 500 x 375 and larger",
         "b": "(b) FractalDB, 362 x 362 gray PNG (generate's output)",
         "c": "(c) FractalDB, 224 x 224 JPEG q90"}
TARGET_U8, TARGET_F32 = 90, 85


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for d in "abc":
        r = [x for x in rows if x["dataset"] == d]
        if not r:
            continue

        def get(row, layout=None, workers=None):
            for x in r:
                if x["row"] == row and (layout is None or x["layout"] == layout) and \
                        (workers is None or x["workers"] == workers):
                    return x
            return None

        bare = get("bare")
        ceiling = bare["images_per_cpu_s"]
        own = bare.get("synthub_png_per_cpu_s", 0)
        print(f"\n## {NAMES[d]}\n")
        print(f"{bare['images'] // 3} images; random resized crop 224 (scale 0.08-1), batch 64. "
              "Images per CPU-second (user + system of every thread and worker process).\n")
        print("| pipeline | u8 NHWC | f32 NCHW | peak RSS MiB (u8 / f32) |")
        print("|---|---:|---:|---:|")
        lib = "libspng to gray" if own else "libturbojpeg, full image to RGB"
        print(f"| bare decode ({lib}): the ceiling | {ceiling:.0f} | {ceiling:.0f} | {bare['rss_mib']:.0f} |")
        if own:
            print(f"| synthub's PNG decoder alone (libdeflate, to gray) | {own:.0f} | {own:.0f} | |")

        def line(label, row, workers, rate=lambda x: x["images_per_cpu_s"]):
            u, f = get(row, "u8", workers), get(row, "f32", workers)
            if not u or not f:
                return
            ru, rf = rate(u), rate(f)
            print(f"| {label} | {ru:.0f} ({100 * ru / ceiling:.0f}%) | {rf:.0f} ({100 * rf / ceiling:.0f}%) "
                  f"| {u['rss_mib']:.0f} / {f['rss_mib']:.0f} |")

        line("synthub loader, 1 worker", "loader", 1)
        line("synthub loader, 2 workers", "loader", 2)
        line("synthub.Loader from Python, 1 worker", "python", 1)

        def tv_rate(x):
            return x["images"] / max(1e-9, x["cpu_s"] - x["startup_cpu_s"])

        line("torchvision ImageFolder + DataLoader(num_workers=2), loose files", "torchvision", 2, tv_rate)
        p = get("pil_tar")
        if p:
            print(f"| Python tarfile + PIL (f32 only) | | {p['images_per_cpu_s']:.0f} "
                  f"({100 * p['images_per_cpu_s'] / ceiling:.0f}%) | {p['rss_mib']:.0f} |")
        print()
        for layout, target in (("u8", TARGET_U8), ("f32", TARGET_F32)):
            l1 = get("loader", layout, 1)
            ratio = 100 * l1["images_per_cpu_s"] / ceiling
            goal = 100 if d == "a" else target
            extra = ""
            if own:
                extra = f"; {100 * l1['images_per_cpu_s'] / own:.0f}% of synthub's own PNG decode alone"
            tv = get("torchvision", layout, 2)
            if tv and d == "a":
                extra += f"; {l1['images_per_cpu_s'] / tv_rate(tv):.1f}x torchvision (target 4x)"
            py = get("python", layout, 1)
            if py:
                extra += f"; Python {100 * py['images_per_cpu_s'] / l1['images_per_cpu_s']:.0f}% of C++ (target 95%)"
            print(f"- {layout}: loader = {ratio:.0f}% of bare decode (target {goal}%){extra}")
        l1 = get("loader", "f32", 1)
        busy = l1["read_s"] + l1["decode_s"] + l1["augment_s"]
        dd = get("dd")
        print(f"- where a 1-worker f32 loader's stage time goes: read {100 * l1['read_s'] / busy:.0f}%, "
              f"decode {100 * l1['decode_s'] / busy:.0f}%, augment {100 * l1['augment_s'] / busy:.0f}%")
        mb = l1["bytes_read"] / 1e6
        print(f"- reading: {mb:.0f} MB in {l1['read_s']:.2f} s of reader time = "
              f"{mb / max(l1['read_s'], 1e-9):.0f} MB/s; dd of the same files (page cache): "
              f"{dd['mb_per_s']:.0f} MB/s")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A small reader of the safetensors format in pure Python + numpy.

No pickle and no safetensors package: it reads what src/checkpoint/safetensors
writes, with the checks of src/checkpoint/safetensors.h (header length
limit, UTF-8 JSON object without duplicate keys, known dtypes, byte length ==
prod(shape) * element size, tensors tiling the data section exactly,
8 + N + last end == file size, string -> string metadata).

  safetensors_reader.py FILE           print name, dtype, shape per tensor
  safetensors_reader.py --check FILE   verify the values written by the C++
                                       test SafetensorsTest.WritesFileForPython
                                       (values, metadata and synthub_sha256)

Runs with Debian's /usr/bin/python3 (python3-numpy).
"""
import json
import struct
import sys

import numpy as np

MAX_HEADER = 100_000_000

# dtype name -> (numpy dtype of the stored bytes, element size)
DTYPES = {
    "F32": ("<f4", 4),
    "F16": ("<f2", 2),
    "BF16": ("<u2", 2),  # converted to float32 below
    "F64": ("<f8", 8),
    "I64": ("<i8", 8),
    "I32": ("<i4", 4),
    "I16": ("<i2", 2),
    "I8": ("i1", 1),
    "U8": ("u1", 1),
    "BOOL": ("?", 1),
}


class FormatError(Exception):
    pass


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise FormatError("header JSON has the key %r twice" % key)
        out[key] = value
    return out


def _is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _reject_constant(name):
    raise FormatError("header JSON has %s, which is not JSON" % name)


def parse(data, where="<bytes>"):
    """Validates a whole file's bytes; returns (tensor dict, metadata dict)."""
    def fail(msg):
        raise FormatError("%s: %s" % (where, msg))

    if len(data) < 8:
        fail("%d bytes, too short for the 8-byte header length" % len(data))
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER:
        fail("header length %d exceeds the limit of %d" % (n, MAX_HEADER))
    if n > len(data) - 8:
        fail("header length %d runs past the end of the %d-byte file" % (n, len(data)))
    try:
        text = data[8:8 + n].decode("utf-8")
        header = json.loads(text, object_pairs_hook=_no_duplicates,
                            parse_constant=_reject_constant)
    except FormatError as e:
        fail(str(e))
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError
        fail("header is not valid UTF-8 JSON: %s" % e)
    if not isinstance(header, dict):
        fail("header is not a JSON object")

    metadata = {}
    entries = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict):
                fail("__metadata__ must be an object")
            for k, v in entry.items():
                if not isinstance(v, str):
                    fail("__metadata__ value for %r must be a string, got %r" % (k, v))
            metadata = dict(entry)
            continue
        what = "tensor %r" % name
        if not isinstance(entry, dict):
            fail(what + ": expected an object")
        for field in ("dtype", "shape", "data_offsets"):
            if field not in entry:
                fail("%s: missing %r" % (what, field))
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            fail("%s: unknown or unsupported dtype %r" % (what, dtype))
        if not isinstance(shape, list) or not all(_is_uint(d) for d in shape):
            fail("%s: shape must be a list of non-negative integers, got %r" % (what, shape))
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_uint(o) for o in offsets) or offsets[1] < offsets[0]):
            fail("%s: data_offsets must be [begin, end], got %r" % (what, offsets))
        count = 1
        for d in shape:
            count *= d  # Python integers do not overflow; compare below
        nbytes = count * DTYPES[dtype][1]
        if nbytes >= 2 ** 64:
            fail("%s: shape %r overflows 64 bits" % (what, shape))
        if nbytes != offsets[1] - offsets[0]:
            fail("%s: shape %r x %s is %d bytes but data_offsets span %d"
                 % (what, shape, dtype, nbytes, offsets[1] - offsets[0]))
        entries.append((offsets[0], offsets[1], name, dtype, shape))

    entries.sort()
    covered = 0
    for begin, end, name, _, _ in entries:
        if begin != covered:
            fail("tensor %r starts at data offset %d but the previous tensor ends at %d (%s)"
                 % (name, begin, covered, "a gap" if begin > covered else "an overlap"))
        covered = end
    data_size = len(data) - 8 - n
    if covered != data_size:
        fail("the tensors cover %d bytes but the data section has %d" % (covered, data_size))

    tensors = {}
    start = 8 + n
    for begin, end, name, dtype, shape in entries:
        raw = np.frombuffer(data, dtype=DTYPES[dtype][0], count=(end - begin) // DTYPES[dtype][1],
                            offset=start + begin)
        if dtype == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = raw.reshape(shape).copy()
    return tensors, metadata


def load(path):
    """Returns (dict name -> numpy array, metadata dict); raises FormatError."""
    with open(path, "rb") as f:
        return parse(f.read(), path)


def header_dtypes(path):
    """The dtype names as stored (BF16 arrays come back as float32)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    return {k: v["dtype"] for k, v in header.items() if k != "__metadata__"}, n


def checksum(path):
    """synthub_sha256 as documented: SHA-256 of the header JSON without that
    key (compact, sorted keys) followed by the data section."""
    import hashlib
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    header.get("__metadata__", {}).pop("synthub_sha256", None)
    canonical = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8") + data[8 + n:]).hexdigest()


def check(path):
    """Verifies the file written by SafetensorsTest.WritesFileForPython."""
    tensors, metadata = load(path)
    dtypes, n = header_dtypes(path)
    assert n % 8 == 0, "header length %d is not padded to a multiple of 8" % n
    want = metadata.pop("synthub_sha256")
    assert metadata == {"format": "pt", "note": "for python"}, metadata
    assert checksum(path) == want, "synthub_sha256 does not match its canonical form + data"
    expected = {
        "f32": ("F32", np.array([[-1.0, -0.5, 0.0], [0.5, 1.0, 1.5]], np.float32)),
        "f16": ("F16", np.array([1.0, -2.0, 0.5, 65504.0], np.float16)),
        "bf16": ("BF16", np.array([[1.0, -2.5], [0.15625, 256.0]], np.float32)),
        "i64": ("I64", np.array([-1, 0, (1 << 40) + 7], np.int64)),
        "scalar": ("F32", np.array(3.25, np.float32)),
        "empty": ("F32", np.zeros((0, 4), np.float32)),
    }
    assert sorted(tensors) == sorted(expected), sorted(tensors)
    for name, (dtype, want) in expected.items():
        got = tensors[name]
        assert dtypes[name] == dtype, (name, dtypes[name])
        assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        assert np.array_equal(got, want), (name, got, want)
    # The reader's own checks: a few corruptions must be rejected.
    with open(path, "rb") as f:
        good = f.read()
    bad = {
        "truncated": good[:-1],
        "trailing bytes": good + b"\0",
        "header past EOF": struct.pack("<Q", len(good)) + good[8:],
        "header too big": struct.pack("<Q", MAX_HEADER + 1) + good[8:],
        "duplicate key": good[:8] + good[8:8 + n].replace(b'"i64"', b'"f32"') + good[8 + n:],
    }
    for what, data in bad.items():
        try:
            parse(data, what)
        except FormatError:
            continue
        raise AssertionError("accepted a file with " + what)
    print("safetensors_reader: %s: %d tensors match" % (path, len(tensors)))


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        check(argv[2])
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: safetensors_reader.py [--check] FILE\n")
        return 2
    try:
        tensors, metadata = load(argv[1])
        dtypes, _ = header_dtypes(argv[1])
    except (OSError, FormatError) as e:
        sys.stderr.write("safetensors_reader: %s\n" % e)
        return 1
    for key, value in sorted(metadata.items()):
        print("# %s = %s" % (key, value))
    for name, array in tensors.items():
        print("%s\t%s\t%s" % (name, dtypes[name], list(array.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

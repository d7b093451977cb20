#!/usr/bin/env python3
"""npytool.py - make and compare .npy files for plstm's lit tests (no numpy).

  npytool.py make FILE DTYPE SHAPE [VALUES]  SHAPE like 2x3, VALUES one or all, comma-separated; ("" for 0-d); DTYPE f4 f8 i4 i8
  npytool.py graph FILE DTYPE PAIRS          PAIRS like 0,1;1,2 (an [n, 2] index tensor)
  npytool.py raw FILE HEADER                 a file with a literal header dict (bad files)
  npytool.py badmagic FILE                   a file that does not start with \\x93NUMPY
  npytool.py truncate SRC DST NBYTES         copy SRC without its last NBYTES bytes
  npytool.py equal A B [RTOL]                exit 0 when two .npy files hold equal values
  npytool.py finite A                        exit 0 when every value is finite
  npytool.py multitree LINES E               exit 0 when the line graph LINES ([L, 2] over
                                             E edges) has at most one path between any two edges
  npytool.py components EDGES N C            exit 0 when the edges EDGES ([E, 2], i < j) are C
                                             graphs of N / C nodes each, in order: edge (i, j)
                                             inside one block of nodes, E / C edges per block
"""
import math
import struct
import sys

FORMATS = {"f4": "f", "f8": "d", "i4": "i", "i8": "q"}


def header_bytes(descr, shape, fortran=False):
    shape_text = "(" + "".join(f"{s}, " for s in shape).rstrip(" ")
    if len(shape) > 1:
        shape_text = shape_text.rstrip(",")
    shape_text += ")"
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    return header_from_text(text)


def header_from_text(text):
    total = 10 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def parse_shape(text):
    return [int(s) for s in text.split("x")] if text else []


def read(path):
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = eval(data[10:10 + hlen].decode())
    fmt = FORMATS[header["descr"][1:]]
    count = math.prod(header["shape"])
    return header["shape"], struct.unpack("<%d%s" % (count, fmt), data[10 + hlen:])


def main(argv):
    cmd = argv[1]
    if cmd == "make":
        path, dtype, shape = argv[2], argv[3], parse_shape(argv[4])
        text = argv[5] if len(argv) > 5 else "0.5"
        count = math.prod(shape)
        conv = int if dtype.startswith("i") else float
        values = [conv(float(x)) for x in text.split(",")]
        if len(values) == 1:
            values = values * count
        assert len(values) == count, "VALUE list length != number of elements"
        body = struct.pack("<%d%s" % (count, FORMATS[dtype]), *values)
        open(path, "wb").write(header_bytes("<" + dtype, shape) + body)
    elif cmd == "graph":
        path, dtype = argv[2], argv[3]
        pairs = [tuple(int(x) for x in p.split(",")) for p in argv[4].split(";") if p]
        flat = [x for p in pairs for x in p]
        body = struct.pack("<%d%s" % (len(flat), FORMATS[dtype]), *flat)
        open(path, "wb").write(header_bytes("<" + dtype, [len(pairs), 2]) + body)
    elif cmd == "raw":
        open(argv[2], "wb").write(header_from_text(argv[3]) + b"\0" * 64)
    elif cmd == "badmagic":
        open(argv[2], "wb").write(b"NOTNUMPY" + b"\0" * 120)
    elif cmd == "truncate":
        data = open(argv[2], "rb").read()
        open(argv[3], "wb").write(data[:len(data) - int(argv[4])])
    elif cmd == "equal":
        rtol = float(argv[4]) if len(argv) > 4 else 0.0
        (sa, a), (sb, b) = read(argv[2]), read(argv[3])
        if sa != sb:
            print(f"shape {sa} != {sb}")
            return 1
        scale = max([abs(x) for x in a] + [1e-300])
        worst = max([abs(x - y) for x, y in zip(a, b)] + [0.0])
        if worst > rtol * scale:
            print(f"max abs difference {worst} > {rtol} * {scale}")
            return 1
    elif cmd == "finite":
        _, a = read(argv[2])
        if not all(math.isfinite(x) for x in a):
            print("non-finite value")
            return 1
    elif cmd == "multitree":
        shape, flat = read(argv[2])
        edges = int(argv[3])
        succ = [[] for _ in range(edges)]
        for i in range(shape[0]):
            succ[int(flat[2 * i])].append(int(flat[2 * i + 1]))
        # Number of paths from each edge to every other (DAG: memoised DFS).
        memo = {}
        def paths(a):
            if a not in memo:
                count = {}
                for b in succ[a]:
                    count[b] = count.get(b, 0) + 1
                    for c, n in paths(b).items():
                        count[c] = count.get(c, 0) + n
                memo[a] = count
            return memo[a]
        sys.setrecursionlimit(100000)
        for a in range(edges):
            for b, n in paths(a).items():
                if n > 1:
                    print(f"{n} paths from edge {a} to edge {b}")
                    return 1
    elif cmd == "components":
        shape, flat = read(argv[2])
        nodes, count = int(argv[3]), int(argv[4])
        if count < 1 or nodes % count:
            print(f"{count} blocks do not divide {nodes} nodes")
            return 2
        size = nodes // count
        per = [0] * count
        last = 0
        for e in range(shape[0]):
            a, b = int(flat[2 * e]), int(flat[2 * e + 1])
            if not (0 <= a < b < nodes) or a // size != b // size:
                print(f"edge {e} ({a}, {b}) joins two blocks of {size} nodes")
                return 1
            if a // size < last:
                print(f"edge {e} ({a}, {b}) after the edges of block {last}")
                return 1
            last = a // size
            per[last] += 1
        if len(set(per)) != 1:
            print(f"edges per block: {per}")
            return 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

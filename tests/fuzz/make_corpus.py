"""Writes the seed corpora of the fuzz harnesses into corpus/<name>/ (run once;
the files are committed). Python standard library only."""
import gzip
import io
import os
import struct
import zipfile

here = os.path.dirname(os.path.abspath(__file__))


def put(kind, name, data):
    folder = os.path.join(here, "corpus", kind)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def npy(descr, shape, payload, major=1):
    shape_text = "()" if not shape else "(%s)" % "".join("%d," % d for d in shape) if len(shape) == 1 else str(tuple(shape))
    header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)).encode()
    lead = 10 if major == 1 else 12
    header += b" " * ((64 - (lead + len(header) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + size + header + payload


arrays = {
    "f4_2x3.npy": npy("<f4", (2, 3), struct.pack("<6f", 1, 2, 3, 4, 5, 6)),
    "f8_3.npy": npy("<f8", (3,), struct.pack("<3d", 0.5, -1, 2)),
    "i8_labels.npy": npy("<i8", (4,), struct.pack("<4q", 0, 1, 2, 1)),
    "u1_2x2.npy": npy("|u1", (2, 2), bytes([0, 255, 7, 9])),
    "b1_scalar.npy": npy("|b1", (), bytes([1])),
    "i4_v2.npy": npy("<i4", (2, 1), struct.pack("<2i", 3, -4), major=2),
}
for name, data in arrays.items():
    put("npy", name, data)

for method, tag in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "deflated")):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("0.weight.npy", arrays["f4_2x3.npy"])
        z.writestr("0.bias.npy", npy("<f4", (2,), struct.pack("<2f", 0.1, 0.2)))
    put("npz", tag + ".npz", buf.getvalue())
put("npz", "empty.npz", b"PK\x05\x06" + bytes(18))

images = struct.pack(">IIII", 2051, 2, 2, 3) + bytes(range(12))
labels = struct.pack(">II", 2049, 3) + bytes([0, 9, 4])
put("idx", "images.idx", images)
put("idx", "labels.idx", labels)
put("idx", "doubles.idx", struct.pack(">II", 0x0E01, 1) + bytes(8))
# idx_gz: the harness reads each input raw and gzip-compressed.
put("idx_gz", "images.idx", images)
put("idx_gz", "labels.idx", labels)
put("idx_gz", "images.idx.gz", gzip.compress(images))
put("idx_gz", "two_members.idx.gz", gzip.compress(labels[:5]) + gzip.compress(labels[5:]))

put("csv", "header.csv", b"a,b,c\n1,2,3\n4.5,-6,7e3\n")
put("csv", "labels.csv", b"0\n2\n1\n")
put("csv", "crlf_bom.csv", b"\xef\xbb\xbf1,2\r\n3,4\r\n")
put("csv", "quoted.csv", b'"x","y"\n"1", 2\n\n3 ,4\n')

for i, spec in enumerate(["linear(4,8),relu,linear(8,3)", "784-256-10", "relu,linear(2,2),softmax",
                          "linear(3,3),sigmoid,tanh", "2-2", "linear( 5 , 1 )"]):
    put("model_spec", "spec%d" % i, spec.encode())

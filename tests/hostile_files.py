"""Writes the hostile input files of tests/test_hostile.sh into a folder.

Python standard library only. Each file is small on disk and lies about how
much memory it needs, or is broken in one precise way:

  x.npy, y.npy             a valid small data set (100 rows, 4 features, 3 classes)
  member_4gb.npz           a 2 KB .npz whose zip directory declares a 4 GB member
  member_zip64.npz         the same lie in zip64 extra fields (16 EiB)
  labels_2p30.idx.gz       ~1 MB gzip of a consistent IDX label file of 2^30 labels
  images_2p20.idx.gz       gzip of a consistent IDX image file of 2^20 28x28 images (X for 100 labels)
  labels_100.idx           100 IDX labels
  images_10.idx, labels_10.idx  a valid small IDX data set (10 images of 28x28)
  tail_8mb.idx.gz          an 8 MB gzip whose header claims 10 images (7,840 bytes) and inflates to 8 GB
  crc.idx.gz               a valid gzip IDX label file with one flipped CRC byte
  cut.idx.gz               the same file cut to 25 bytes
  nan_init.npz             parameters of linear(4,3) with a NaN weight
"""
import gzip
import io
import struct
import sys
import zipfile
import zlib

out = sys.argv[1]
MIB_OF_ZEROS = gzip.compress(bytes(1 << 20), compresslevel=9)  # one gzip member, ~1 KB


def npy(dtype_descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        dtype_descr, "(%s)" % "".join("%d," % d for d in shape) if len(shape) == 1 else str(tuple(shape)))
    header = header.encode("latin1")
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def write(name, data):
    with open("%s/%s" % (out, name), "wb") as f:
        f.write(data)


# A valid data set: 3 separable classes in 4 features.
rows = 100
xs, ys = [], []
for i in range(rows):
    c = i % 3
    xs.extend([1.0 if j == c else 0.0 for j in range(4)])
    ys.append(c)
write("x.npy", npy("<f4", (rows, 4), struct.pack("<%df" % len(xs), *xs)))
write("y.npy", npy("<i8", (rows,), struct.pack("<%dq" % rows, *ys)))


def lying_npz(name, zip64):
    """One deflated member, its true compressed bytes, a false uncompressed size."""
    member = b"0.weight.npy"
    payload = npy("<f4", (3, 4), bytes(48))
    packed = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packed.compress(payload) + packed.flush()
    crc = zlib.crc32(payload)
    lie = (1 << 62) if zip64 else 0xFFFFFF00  # 4 EiB in zip64 fields, ~4 GiB in the 32-bit ones
    small = 0xFFFFFFFF if zip64 else lie
    csize = 0xFFFFFFFF if zip64 else len(data)
    extra = struct.pack("<HHQQ", 1, 16, lie, len(data)) if zip64 else b""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, csize, small, len(member), len(extra))
    local += member + extra + data
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, csize, small, len(member),
                          len(extra), 0, 0, 0, 0, 0) + member + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    write(name, local + central + end)


lying_npz("member_4gb.npz", False)
lying_npz("member_zip64.npz", True)


def idx_gzip(header, zero_mib):
    return gzip.compress(header) + MIB_OF_ZEROS * zero_mib


# 2^30 labels: header + 1024 one-MiB members of zeros (label 0): consistent, ~1 MB on disk.
write("labels_2p30.idx.gz", idx_gzip(struct.pack(">IIII", 2049, 1 << 30, 0, 0)[:8], 1024))
# 2^20 images of 28x28 = 784 MiB of payload: consistent.
write("images_2p20.idx.gz", idx_gzip(struct.pack(">IIII", 2051, 1 << 20, 28, 28), 784))
write("labels_100.idx", struct.pack(">II", 2049, 100) + bytes(i % 3 for i in range(100)))
write("labels_10.idx", struct.pack(">II", 2049, 10) + bytes(i % 3 for i in range(10)))
write("images_10.idx", struct.pack(">IIII", 2051, 10, 28, 28) + bytes((i * 7) % 256 for i in range(7840)))
# The header claims 10 images; the stream inflates to 8 GB.
write("tail_8mb.idx.gz", gzip.compress(struct.pack(">IIII", 2051, 10, 28, 28) + bytes(7840)) + MIB_OF_ZEROS * 8000)

good = gzip.compress(struct.pack(">II", 2049, 100) + bytes(i % 3 for i in range(100)))
crc = bytearray(good)
crc[-8] ^= 0x01  # the CRC32 of the trailer
write("crc.idx.gz", bytes(crc))
write("cut.idx.gz", good[:25])

buf = io.BytesIO()
weights = [0.1] * 12
weights[5] = float("nan")
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("0.weight.npy", npy("<f4", (3, 4), struct.pack("<12f", *weights)))
    z.writestr("0.bias.npy", npy("<f4", (3,), struct.pack("<3f", 0, 0, 0)))
write("nan_init.npz", buf.getvalue())

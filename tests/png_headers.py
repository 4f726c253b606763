"""PNG files whose valid header claims a size their pixel data does not have.

Shared by the tests and `bench/soak.py`: decoding such a file would fail (or
allocate the whole image), so only a check of the header can refuse it.
"""

import struct
import zlib


def _chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_claiming(width, height):
    """Bytes of an 8-bit RGB PNG whose header declares `width` x `height`."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))

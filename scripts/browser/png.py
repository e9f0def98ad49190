"""The one PNG reader of the browser test: chunks checked against their
CRCs, then the image data inflated and unfiltered. 8-bit RGB and RGBA only,
which is what Chromium's screenshots and the page's Save PNG write."""

import struct
import zlib

from chromium_pipe import fail


def png_chunks(data, name):
    """The chunks of a PNG file after checking its signature and every CRC."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{name} does not start with the PNG signature")
    chunks, at = [], 8
    while at < len(data):
        if at + 12 > len(data):
            fail(f"{name} ends inside a chunk header at byte {at}")
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            fail(f"{name}: chunk {kind!r} at byte {at} is cut short")
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            fail(f"{name}: chunk {kind!r} at byte {at} has a wrong CRC")
        chunks.append((kind, body))
        at += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        fail(f"{name} does not start with IHDR and end with IEND")
    return chunks


def read_png(data, name, decode=True):
    """(width, height, pixels as RGBA rows) of an 8-bit RGB/RGBA PNG; with
    decode false, only checks that the image data has the right size."""
    chunks = png_chunks(data, name)
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or color not in (2, 6) or interlace:
        fail(f"{name}: expected 8-bit RGB or RGBA, not interlaced (depth {depth}, colour type {color})")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    if len(raw) != height * (stride + 1):
        fail(f"{name}: {len(raw)} bytes of image data for {width} × {height} × {channels}")
    if any(raw[y * (stride + 1)] > 4 for y in range(height)):
        fail(f"{name}: a row has an unknown filter type")
    if not decode:
        return width, height, None
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows

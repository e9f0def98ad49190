#!/usr/bin/env python3
"""Print the matplotlib facts that Tests/HeatmapsTests/Colormap*Tests.swift hold.

Usage: scripts/colormap-test-facts.py   (with matplotlib and numpy installed)

The tests don't run Python: this was run once and its output pasted into them.
Sections are separated by a comment line naming the test they feed.
"""

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap, Normalize

BASE = ["Reds", "Blues", "Greens", "Greys", "Oranges", "Purples", "RdBu", "coolwarm",
        "viridis", "magma", "inferno", "plasma", "cividis"]
ALL = BASE + [name + "_r" for name in BASE]
BASE_POINTS = [0.0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 1.0]
REVERSED_POINTS = [0.0, 0.25, 0.5, 1.0]

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a(words):
    h = FNV_OFFSET
    for w in words:
        h = ((h ^ int(w)) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def lut(name):
    cmap = matplotlib.colormaps[name]
    # The table of N colours, read through the public call so no private state is needed.
    return np.asarray(cmap(np.arange(cmap.N)))[:, :3], np.asarray(cmap(np.arange(cmap.N), bytes=True))[:, :3]


def samples():
    print(f"// samples: matplotlib {matplotlib.__version__}, colormaps[name](x) and (x, bytes=True)")
    for name in ALL:
        points = BASE_POINTS if name in BASE else REVERSED_POINTS
        cmap = matplotlib.colormaps[name]
        for x in points:
            r, g, b, _ = cmap(x)
            br, bg, bb, _ = cmap(x, bytes=True)
            print(f'    Sample("{name}", {x!r}, {float(r)!r}, {float(g)!r}, {float(b)!r}, {br}, {bg}, {bb}),')


def hashes():
    print("// table hashes: FNV-1a over the Float64 bit patterns of the N x RGB table, and over its bytes")
    for name in ALL:
        floats, bytes_ = lut(name)
        assert floats.shape == (256, 3)
        bits = floats.astype(np.float64).reshape(-1).view(np.uint64)
        print(f'    "{name}": (0x{fnv1a(bits):016X}, 0x{fnv1a(bytes_.reshape(-1)):016X}),')


def reversal_bytes():
    print("// entries whose bytes differ between name_r and the reversed table of name")
    for name in BASE:
        _, forward = lut(name)
        _, backward = lut(name + "_r")
        for i in np.nonzero((forward[::-1] != backward).any(axis=1))[0]:
            print(f'    ("{name}_r", {i}, {tuple(int(v) for v in backward[i])}, '
                  f'{tuple(int(v) for v in forward[::-1][i])}),')


def indices():
    # A map whose entry i has red i / 255 reveals which entry a value picks; alpha 0 marks "bad".
    ramp = ListedColormap(np.column_stack([np.arange(256) / 255, np.zeros(256), np.zeros(256)]))
    print("// entry index picked by ListedColormap(256 entries)(x); -1 = bad (alpha 0)")
    xs = [0.0, -0.0, 1.0, np.nextafter(1.0, 0.0), 255 / 256, np.nextafter(255 / 256, 0.0),
          1 / 256, np.nextafter(1 / 256, 0.0), 0.5, np.nextafter(0.5, 0.0), -1e-300, -0.5,
          np.nextafter(1.0, 2.0), 7.0, np.inf, -np.inf, np.nan]
    for x in xs:
        r, _, _, a = ramp(np.array([x], dtype=np.float64))[0]
        index = -1 if a == 0 else int(round(r * 255))
        print(f"    ({float(x)!r}, {index}),")


def normalization():
    print("// Normalize(vmin=-0.3, vmax=1.7) on float32 data; the float64 formula picks another entry")
    rng = np.random.default_rng(7)
    data = rng.uniform(-1, 2, 2_000_000).astype(np.float32)
    norm = Normalize(vmin=-0.3, vmax=1.7)
    result = norm(data).data
    exact = (data.astype(np.float64) + 0.3) / 2.0
    hits = np.nonzero((np.floor(result.astype(np.float64) * 256) != np.floor(exact * 256))
                      & (result >= 0) & (result < 1))[0][:4]
    for k in hits:
        print(f"    ({swift_float(data[k])}, {swift_float(result[k])}, {int(result[k].astype(np.float64) * 256)}),")

    print("// imshow-style: masked_invalid float32 data, Normalize() autoscaled, viridis bytes (-1 = bad)")
    low, high = np.float32(-0.9999920129776001), np.float32(1.9999991655349731)
    pool = rng.uniform(-1, 2, 4_000_000).astype(np.float32)
    pool = pool[(pool > low) & (pool < high)]
    r = Normalize(vmin=float(low), vmax=float(high))(pool).data
    exact = (pool.astype(np.float64) - float(low)) / (float(high) - float(low))
    # Values where rounding twice (as NumPy does) and rounding once differ, and
    # the float64 formula picks another entry.
    picked = np.nonzero((r != exact.astype(np.float32))
                        & (np.floor(r.astype(np.float64) * 256) != np.floor(exact * 256)))[0][:5]
    values = np.concatenate([[low, high], pool[picked], [np.float32(0.5), np.nan, np.inf, -np.inf]])
    data = np.ma.masked_invalid(values.astype(np.float32))
    norm = Normalize()
    normalized = norm(data)
    colors = matplotlib.colormaps["viridis"](normalized, bytes=True)
    print(f"    // vmin {norm.vmin!r}, vmax {norm.vmax!r}")
    for v, nv, c in zip(values, normalized.data, colors):
        entry = -1 if c[3] == 0 else int(min(np.float64(nv) * 256, 255))
        print(f"    ({swift_float(v)}, {swift_float(nv)}, {entry}, {tuple(int(x) for x in c[:3])}),")


def swift_float(value):
    value = np.float32(value)
    if np.isnan(value):
        return ".nan"
    if np.isinf(value):
        return ".infinity" if value > 0 else "-.infinity"
    return str(value)

if __name__ == "__main__":
    samples()
    hashes()
    reversal_bytes()
    indices()
    normalization()

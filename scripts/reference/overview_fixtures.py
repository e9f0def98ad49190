"""Pooled overviews of attention maps computed by NumPy, for
AttentionRecordNumPyTests: random queries and keys (float32, seeded), their
attention weights in float64 (causal or not), and each map pooled as
AttentionRecord.overview defines it: cell (i, j) covers rows
a + floor(i * (b - a) / n) .. and columns likewise, its mean or its max.

    python overview_fixtures.py OUTDIR    # queries.f32, keys.f32, cases.json, one .f32 per case
"""
import json
import os
import sys

import numpy as np

HEADS, LENGTH, DEPTH = 2, 203, 24


def weights(queries, keys, causal):
    q, k = queries.astype(np.float64), keys.astype(np.float64)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(DEPTH)
    if causal:
        scores = np.where(np.tril(np.ones((LENGTH, LENGTH), dtype=bool)), scores, -np.inf)
    scores -= scores.max(-1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(-1, keepdims=True)


def pooled(block, n, m, how):
    rows, cols = block.shape
    out = np.empty((n, m))
    for i in range(n):
        r0, r1 = i * rows // n, (i + 1) * rows // n
        for j in range(m):
            c0, c1 = j * cols // m, (j + 1) * cols // m
            cell = block[r0:r1, c0:c1]
            out[i, j] = cell.mean() if how == "mean" else cell.max()
    return out


def main(out):
    rng = np.random.default_rng(20261207)
    queries = (rng.standard_normal((HEADS, LENGTH, DEPTH)) * 1.5).astype(np.float32)
    keys = (rng.standard_normal((HEADS, LENGTH, DEPTH)) * 1.5).astype(np.float32)
    os.makedirs(out, exist_ok=True)
    queries.astype("<f4").tofile(os.path.join(out, "queries.f32"))
    keys.astype("<f4").tofile(os.path.join(out, "keys.f32"))
    cases = []
    for causal in (False, True):
        maps = weights(queries, keys, causal)
        for head, rows, cols, size, how in [
            (0, (0, LENGTH), (0, LENGTH), 16, "mean"),
            (1, (0, LENGTH), (0, LENGTH), 64, "max"),
            (1, (0, LENGTH), (0, LENGTH), 7, "mean"),
            (0, (50, 180), (10, 150), 20, "max"),
            (1, (50, 180), (10, 150), 33, "mean"),
        ]:
            block = maps[head, rows[0]:rows[1], cols[0]:cols[1]]
            n, m = min(size, rows[1] - rows[0]), min(size, cols[1] - cols[0])
            name = f"{'causal' if causal else 'full'}-{head}-{rows[0]}-{cols[0]}-{size}-{how}"
            pooled(block, n, m, how).astype("<f8").tofile(os.path.join(out, name + ".f64"))
            cases.append({"name": name, "causal": causal, "head": head, "rows": rows, "cols": cols,
                          "size": size, "pooling": how, "shape": [n, m]})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"heads": HEADS, "length": LENGTH, "depth": DEPTH, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])

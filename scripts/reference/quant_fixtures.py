"""Dequantized ggml blocks from the gguf package, for the dequantization tests.

For every tensor type that Sources/CAttentionKernels/quant_dequantize.c
reads, writes a few random blocks and the float32 values that the `gguf`
package's numpy code (gguf.quants.dequantize) gives for them to
Tests/AttentionCoreTests/Fixtures/quant/:

    <TYPE>.blocks   the raw blocks, as a GGUF file stores them
    <TYPE>.f32      their values, little-endian float32

The blocks are random bytes whose f16 scale fields are set to finite values
of a realistic range, so that no value is NaN. The F16 blocks also hold
every special value (signed zeros, subnormals, the largest finite values,
infinities, quiet and signalling NaNs with payloads). gguf has no
dequantization of Q8_1 and Q8_K (activation formats; its table even gives
Q8_1 the old 40-byte size of two float32 scales, where ggml's block holds
two f16 in 36 bytes); their values are d · q computed here in float32,
which is what ggml's formula gives.

    python scripts/reference/quant_fixtures.py   # with numpy and gguf
"""

import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "AttentionCoreTests", "Fixtures", "quant")

rng = np.random.default_rng(20240611)

# Byte offsets of the f16 scale fields of each block type.
F16_FIELDS = {
    T.Q4_0: [0],
    T.Q4_1: [0, 2],
    T.Q5_0: [0],
    T.Q5_1: [0, 2],
    T.Q8_0: [0],
    T.Q8_1: [0, 2],
    T.Q2_K: [80, 82],
    T.Q3_K: [108],
    T.Q4_K: [0, 2],
    T.Q5_K: [0, 2],
    T.Q6_K: [208],
}
BLOCK_COUNT = {T.F32: 64, T.F16: 96, T.BF16: 64}


def random_f16(count):
    """Scales of either sign between 1e-4 and 0.1, as trained weights have."""
    magnitude = np.exp(rng.uniform(np.log(1e-4), np.log(0.1), count))
    sign = rng.choice([-1.0, 1.0], count)
    return (sign * magnitude).astype(np.float16)


def blocks_for(qtype):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    if qtype == T.Q8_1:
        type_size = 36  # ggml's f16 d and s; gguf 0.19 still lists the old 40 (two float32)
    count = BLOCK_COUNT.get(qtype, 16 if block_size == 32 else 4)
    if qtype == T.F32:
        return rng.standard_normal(count).astype(np.float32).view(np.uint8)
    if qtype == T.BF16:
        values = rng.standard_normal(count).astype(np.float32) * np.float32(3)
        return (values.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    if qtype == T.F16:
        special = np.array(
            [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x83FF, 0x0200, 0x0400, 0x7BFF, 0xFBFF,
             0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7D55, 0xFE01, 0x3C00, 0xBC00, 0x3555],
            dtype=np.uint16)
        random = rng.integers(0, 1 << 16, count - len(special), dtype=np.uint16)
        return np.concatenate([special, random]).view(np.uint8)
    blocks = rng.integers(0, 256, (count, type_size), dtype=np.uint8)
    if qtype == T.Q8_K:
        d = np.exp(rng.uniform(np.log(1e-3), np.log(0.1), count)).astype(np.float32)
        blocks[:, 0:4] = d.reshape(count, 1).view(np.uint8)
        return blocks.reshape(-1)
    for offset in F16_FIELDS[qtype]:
        blocks[:, offset:offset + 2] = random_f16(count).reshape(count, 1).view(np.uint8)
    if qtype == T.Q8_1:
        d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32).reshape(-1)
        q = blocks[:, 4:].view(np.int8).astype(np.float32)
        blocks[:, 2:4] = (d * q.sum(axis=1)).astype(np.float16).reshape(count, 1).view(np.uint8)
    return blocks.reshape(-1)


def dequantize(blocks, qtype):
    if qtype == T.Q8_1:
        rows = blocks.reshape(-1, 36)
        d = rows[:, 0:2].copy().view(np.float16).astype(np.float32)
        return (rows[:, 4:].view(np.int8).astype(np.float32) * d).reshape(-1)
    if qtype == T.Q8_K:
        rows = blocks.reshape(-1, 292)
        d = rows[:, 0:4].copy().view(np.float32)
        return (d * rows[:, 4:260].view(np.int8).astype(np.float32)).reshape(-1)
    return gguf.quants.dequantize(blocks, qtype).reshape(-1)


def main():
    os.makedirs(OUT, exist_ok=True)
    types = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q8_1,
             T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K, T.Q8_K]
    for qtype in types:
        blocks = blocks_for(qtype)
        values = dequantize(blocks, qtype).astype("<f4")
        if qtype != T.F16:
            assert np.isfinite(values).all(), qtype.name
        with open(os.path.join(OUT, qtype.name + ".blocks"), "wb") as file:
            file.write(blocks.tobytes())
        with open(os.path.join(OUT, qtype.name + ".f32"), "wb") as file:
            file.write(values.tobytes())
        print(f"{qtype.name}: {blocks.size} bytes, {values.size} values")


if __name__ == "__main__":
    main()

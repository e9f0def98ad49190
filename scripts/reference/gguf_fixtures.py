#!/usr/bin/env python3
"""Writes the GGUF fixture the TensorIO tests read, with the values it holds.

    scripts/reference/gguf_fixtures.py [--out Tests/TensorIOTests/Fixtures]

`fixture.gguf` is written by llama.cpp's `gguf` package (GGUFWriter): every
metadata value type, arrays of several element types, a nested array, an
empty array, an empty string, a custom alignment (64), and small tensors of
types F32, F16, BF16, Q8_0 and Q4_1 of ranks 1 to 4. `fixture.gguf.json`
holds what the tests expect, read back with the package's GGUFReader:
each metadata entry in file order as {"key", "type", "value"} (integers as
decimal strings, floats as Python's shortest repr, arrays as lists of the
same objects), and each tensor's name, ggml dimensions, type number,
absolute offset, byte count and float32 values (the quantized ones as the
package dequantizes them).

GGUFWriter refuses empty strings and empty arrays, so a small subclass packs
them; everything else is the writer's own encoding.

Python environment: numpy and gguf (0.19). The script re-runs itself with
${VENV:-.venv}/bin/python when the current interpreter lacks gguf.
"""
import argparse
import json
import os
import sys
from pathlib import Path

try:
    import numpy as np
    import gguf
    from gguf import GGMLQuantizationType as QType
    from gguf import GGUFValueType as VType
except ImportError:
    venv = Path(os.environ.get("VENV", Path(__file__).resolve().parents[2] / ".venv"))
    python = venv / "bin" / "python"
    if Path(sys.executable) != python and python.exists():
        os.execv(python, [str(python), *sys.argv])
    raise


class Writer(gguf.GGUFWriter):
    """GGUFWriter that also packs empty strings and empty arrays (with their element type)."""

    def _pack_val(self, val, vtype, add_vtype, sub_type=None):
        if vtype == VType.ARRAY and len(val) == 0:
            packed = self._pack("I", vtype) if add_vtype else b""
            return packed + self._pack("I", sub_type if sub_type is not None else VType.INT32) + self._pack("Q", 0)
        return super()._pack_val(val, vtype, add_vtype, sub_type)


def write(path: Path) -> gguf.GGUFWriter:
    writer = Writer(path, "fixture")
    writer.add_custom_alignment(64)
    writer.add_uint8("fixture.uint8", 200)
    writer.add_int8("fixture.int8", -100)
    writer.add_uint16("fixture.uint16", 60000)
    writer.add_int16("fixture.int16", -30000)
    writer.add_uint32("fixture.uint32", 4_000_000_000)
    writer.add_int32("fixture.int32", -2_000_000_000)
    writer.add_float32("fixture.float32", -0.1)
    writer.add_bool("fixture.true", True)
    writer.add_bool("fixture.false", False)
    writer.add_string("fixture.string", "héllo wörld ✓")
    writer.add_key_value("fixture.empty_string", "", VType.STRING)
    writer.add_uint64("fixture.uint64", 2**63 + 5)
    writer.add_int64("fixture.int64", -(2**62) - 3)
    writer.add_float64("fixture.float64", 0.1)
    writer.add_array("fixture.strings", ["a", "bc", "", "ünï"])
    writer.add_array("fixture.int32s", [1, -2, 3])
    writer.add_key_value("fixture.uint64s", [0, 2**64 - 1, 7], VType.ARRAY, sub_type=VType.UINT64)
    writer.add_key_value("fixture.uint8s", [0, 255], VType.ARRAY, sub_type=VType.UINT8)
    writer.add_array("fixture.float32s", [0.5, -0.25, 3.0])
    writer.add_key_value("fixture.float64s", [1e300, -2.5], VType.ARRAY, sub_type=VType.FLOAT64)
    writer.add_array("fixture.bools", [True, False, True])
    writer.add_array("fixture.nested", [[1, 2], [3], []])
    writer.add_key_value("fixture.empty_array", [], VType.ARRAY, sub_type=VType.FLOAT32)

    # numpy shapes are row-major; the writer stores them reversed as ggml's ne.
    writer.add_tensor("f32.matrix", (np.arange(15, dtype=np.float32).reshape(3, 5) / 8 - 1))
    writer.add_tensor(
        "f16.vector", np.array([1.5, 2**-24, 65504, -0.0, 1 / 3, -np.inf, 2.0], dtype=np.float16))
    rng = np.random.default_rng(7)
    bf16 = rng.standard_normal((2, 3)).astype(np.float32)
    writer.add_tensor("bf16.matrix", gguf.quants.quantize(bf16, QType.BF16), raw_dtype=QType.BF16)
    q8 = rng.standard_normal((2, 64)).astype(np.float32)
    writer.add_tensor("q8_0.matrix", gguf.quants.quantize(q8, QType.Q8_0), raw_dtype=QType.Q8_0)
    q4 = rng.standard_normal((3, 32)).astype(np.float32)
    writer.add_tensor("q4_1.matrix", gguf.quants.quantize(q4, QType.Q4_1), raw_dtype=QType.Q4_1)
    writer.add_tensor("f32.rank3", -np.arange(6, dtype=np.float32).reshape(2, 1, 3))
    writer.add_tensor("f32.rank4", np.arange(4, dtype=np.float32).reshape(1, 2, 1, 2) * 0.5)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return writer


def describe(value, vtype, sub_type=None):
    """A metadata value as JSON: integers as decimal strings, floats as repr, arrays as lists.

    Element types are found as the writer finds them (GGUFValueType.get_type,
    INT32 for an empty array without one)."""
    if vtype == VType.ARRAY:
        element = sub_type if sub_type is not None else (VType.get_type(value[0]) if value else VType.INT32)
        return {"type": "array", "elementType": element.name.lower(),
                "value": [describe(item, element) for item in value]}
    name = vtype.name.lower()
    if vtype == VType.STRING:
        return {"type": name, "value": value}
    if vtype == VType.BOOL:
        return {"type": name, "value": bool(value)}
    if vtype in (VType.FLOAT32, VType.FLOAT64):
        # float32 values are stored rounded; repr of the rounded value reads back exactly.
        stored = float(np.float32(value)) if vtype == VType.FLOAT32 else float(value)
        return {"type": name, "value": repr(stored)}
    return {"type": name, "value": str(int(value))}


def expected_values(writer: gguf.GGUFWriter, path: Path) -> dict:
    """What the tests expect: metadata as the writer packed it, tensors as GGUFReader reads them."""
    metadata = [{"key": key, **describe(entry.value, entry.type, entry.sub_type)}
                for key, entry in writer.kv_data[0].items()]
    reader = gguf.GGUFReader(path)
    # The reader sees the same keys in the same order (it cannot unpack nested arrays, so only names).
    assert [field.name for field in reader.fields.values() if not field.name.startswith("GGUF.")] == [
        entry["key"] for entry in metadata]
    tensors = []
    for tensor in reader.tensors:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(-1)
        tensors.append({
            "name": tensor.name,
            "dimensions": [int(n) for n in tensor.shape],
            "type": int(tensor.tensor_type),
            "offset": int(tensor.data_offset),
            "byteCount": int(tensor.n_bytes),
            "values": [repr(float(v)) for v in values],
        })
    return {
        "version": 3, "alignment": int(reader.alignment), "fileSize": path.stat().st_size,
        "metadata": metadata, "tensors": tensors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "Tests" / "TensorIOTests" / "Fixtures"
    parser.add_argument("--out", type=Path, default=default)
    out = parser.parse_args().out
    path = out / "fixture.gguf"
    expected = expected_values(write(path), path)
    (out / "fixture.gguf.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"{path}: {expected['fileSize']} bytes, {len(expected['metadata'])} keys, {len(expected['tensors'])} tensors")


if __name__ == "__main__":
    main()

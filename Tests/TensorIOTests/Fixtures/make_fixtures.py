"""Writes the NumPy fixtures the TensorIO tests read (run once; the tests do not need Python).

    /path/to/venv/bin/python make_fixtures.py

Made with NumPy 2.4.6. The values are small formulas so the tests can spell them out.
"""
import numpy as np

np.save("float64_2x3.npy", np.array([[1.5, -2.25, 3.0], [0.001, -1e-20, 65536.125]], dtype=np.float64))
np.save("int64_4.npy", np.array([-3, 0, 7, 2**40], dtype=np.int64))
np.save("uint8_2x2.npy", np.array([[0, 1], [128, 255]], dtype=np.uint8))
np.save("int8_3.npy", np.array([-128, -1, 127], dtype=np.int8))
np.save("bool_2x3.npy", np.array([[True, False, True], [False, False, True]]))
# float16: a normal, a subnormal (2^-24), the largest finite value, infinities and a NaN.
np.save("float16_6.npy", np.array([1.5, 2**-24, 65504, -np.inf, np.inf, np.nan], dtype=np.float16))
np.save("float32_0d.npy", np.array(2.5, dtype=np.float32))
np.save("float32_2x3x4.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8)
np.save("float32_2x1x2x3.npy", -np.arange(12, dtype=np.float32).reshape(2, 1, 2, 3))
np.save("bigendian_f4.npy", np.arange(3, dtype=">f4"))
np.save("fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save("complex64_2.npy", np.array([1 + 2j, 3 - 4j], dtype=np.complex64))
with open("version2_3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([1, 2, 3], dtype=np.float32), version=(2, 0))
with open("version3_3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([4, 5, 6], dtype=np.uint16), version=(3, 0))
np.savez(
    "stored.npz",
    queries=np.arange(6, dtype=np.float32).reshape(2, 3),
    keys=np.array([1, -2, 3], dtype=np.int32),
    mask=np.array([[True, False]]),
)
# Zeros and a slow ramp compress well, so the deflated entries are much smaller than stored ones.
np.savez_compressed(
    "compressed.npz",
    attention=(np.arange(400, dtype=np.float32).reshape(20, 20) % 7) / 7,
    zeros=np.zeros((3, 50), dtype=np.float64),
)

"""The reference: exact math, seeded inputs in each dtype, and bounds that separate rounding from bugs."""

import ml_dtypes
import numpy as np

from ttgen import reference

META = {
    "pattern": "elementwise",
    "inputs": {"A": {"shape": [64, 64], "dtype": "bfloat16"}, "B": {"shape": [64, 64], "dtype": "bfloat16"}},
    "outputs": {"C": {"shape": [64, 64], "dtype": "bfloat16"}},
    "compute": {"expression": "A + B"},
    "numerics": {"fp32_accumulation": False, "math_fidelity": "HiFi4", "dst_sync": "half"},
}


def test_inputs_are_seeded_and_representable():
    a = reference.make_inputs(META, 5)
    b = reference.make_inputs(META, 5)
    assert np.array_equal(a["A"], b["A"]) and not np.array_equal(a["A"], reference.make_inputs(META, 6)["A"])
    assert np.array_equal(a["A"], a["A"].astype(ml_dtypes.bfloat16).astype(np.float32))


def test_bf16_rounded_result_passes_and_a_bug_fails():
    inputs = reference.make_inputs(META, 0)
    gold = reference.golden(META, inputs)["C"]
    device_like = (inputs["A"] + inputs["B"]).astype(ml_dtypes.bfloat16).astype(np.float32)
    assert reference.compare("C", device_like, gold).ok
    wrong = (inputs["A"] - inputs["B"]).astype(np.float32)
    bad = reference.compare("C", wrong, gold)
    assert not bad.ok and bad.max_bound_ratio > 10 and bad.first_bad_tile is not None


def test_one_wrong_tile_is_located():
    inputs = reference.make_inputs(META, 0)
    gold = reference.golden(META, inputs)["C"]
    out = gold.value.astype(np.float32).copy()
    out[40:72, 32:64][:24, :] += 0.5  # corrupt part of tile (1, 1)
    c = reference.compare("C", out, gold)
    assert not c.ok and c.first_bad_tile == (1, 1) and c.first_bad == (40, 32)


def test_nan_is_never_within_tolerance():
    inputs = reference.make_inputs(META, 0)
    gold = reference.golden(META, inputs)["C"]
    out = gold.value.copy()
    out[3, 3] = np.nan
    assert not reference.compare("C", out, gold).ok


def test_matmul_bound_follows_the_running_sums():
    meta = dict(META, pattern="matmul", compute={"expression": "A @ B"},
                inputs={"A": {"shape": [32, 256], "dtype": "bfloat16"}, "B": {"shape": [256, 32], "dtype": "bfloat16"}},
                outputs={"C": {"shape": [32, 32], "dtype": "bfloat16"}})
    inputs = reference.make_inputs(meta, 0)
    gold = reference.golden(meta, inputs)["C"]
    a, b = inputs["A"].astype(np.float64), inputs["B"].astype(np.float64)
    running = sum(np.abs(a[:, :k] @ b[:k]) for k in range(32, 257, 32))
    assert np.allclose(gold.bound, 2 * 2.0**-8 * running + 2.0**-8 * np.abs(a @ b) + reference.ATOL)


def test_matmul_bound_catches_a_lost_k_tile():
    meta = dict(META, pattern="matmul", compute={"expression": "A @ B"},
                inputs={"A": {"shape": [64, 2048], "dtype": "bfloat16"}, "B": {"shape": [2048, 64], "dtype": "bfloat16"}},
                outputs={"C": {"shape": [64, 64], "dtype": "bfloat16"}})
    inputs = reference.make_inputs(meta, 0)
    gold = reference.golden(meta, inputs)["C"]
    a, b = inputs["A"].astype(np.float64), inputs["B"].astype(np.float64)
    missing_one_tile = a[:, 32:] @ b[32:]
    assert not reference.compare("C", missing_one_tile, gold).ok

"""Compute API: DST lifecycle state machine, init/op consistency, numerics of each op, pack rules."""

import ml_dtypes
import numpy as np
import pytest

from ttgen.interp.checks import Violation
from ttgen.numerics.formats import decode_tile

FEED = """
void kernel_main() {
    uint32_t a_addr = get_arg_val<uint32_t>(0);
    uint32_t b_addr = get_arg_val<uint32_t>(1);
    uint32_t n = get_arg_val<uint32_t>(2);
    constexpr auto a_args = TensorAccessorArgs<0>();
    const auto a = TensorAccessor(a_args, a_addr);
    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, b_addr);
    for (uint32_t i = 0; i < n; ++i) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        cb_reserve_back(tt::CBIndex::c_1, 1);
        noc_async_read_page(i, a, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_page(i, b, get_write_ptr(tt::CBIndex::c_1));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);
        cb_push_back(tt::CBIndex::c_1, 1);
    }
}
"""

DRAIN = """
void kernel_main() {
    uint32_t addr = get_arg_val<uint32_t>(0);
    uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto args = TensorAccessorArgs<0>();
    const auto out = TensorAccessor(args, addr);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_16, 1);
        noc_async_write_page(i, out, get_read_ptr(tt::CBIndex::c_16));
        noc_async_write_barrier();
        cb_pop_front(tt::CBIndex::c_16, 1);
    }
}
"""

BINARY = """
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    OP_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        OP_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_release();
    }
}
"""


def bf16(x):
    return np.asarray(x, np.float32).astype(ml_dtypes.bfloat16).astype(np.float32)


def program(dev, compute_src, n=2, out_fmt="bfloat16", inputs=None, **compute_cfg):
    """Reader (two inputs into c_0, c_1), the compute kernel, writer (c_16): random bf16 inputs unless given."""
    rng = np.random.default_rng(1)
    a_t, b_t = inputs if inputs is not None else \
        (bf16(rng.uniform(-1, 1, (n, 32, 32))), bf16(rng.uniform(-1, 1, (n, 32, 32))))
    a, b = dev.buffer(a_t), dev.buffer(b_t)
    out = dev.buffer(np.zeros((n, 32, 32), np.float32), out_fmt)
    for index in (0, 1):
        dev.cb(index, 2)
    dev.cb(16, 2, out_fmt)
    page = 4096 if out_fmt == "float32" else 2048
    dev.kernel("dataflow", FEED, args=[a.address, b.address, n], compile_args=[2, 2048, 2, 2048])
    dev.kernel("compute", compute_src, args=[n], **compute_cfg)
    dev.kernel("dataflow", DRAIN, args=[out.address, n], compile_args=[2, page], processor="RISCV_1")
    return a_t, b_t, out


def result(out, fmt="bfloat16"):
    page = 4096 if fmt == "float32" else 2048
    return np.stack([decode_tile(out.data[i * page:(i + 1) * page], fmt) for i in range(out.num_pages)])


@pytest.mark.parametrize("op,fn", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply)])
def test_binary_ops_round_to_bf16(dev, op, fn):
    a, b, out = program(dev, BINARY.replace("OP", op))
    dev.launch()
    assert np.array_equal(result(out), bf16(fn(a, b)))


def test_fp32_dest_and_output_keep_float32(dev):
    a, b, out = program(dev, BINARY.replace("OP", "mul"), out_fmt="float32", fp32_dest_acc_en=True)
    dev.launch()
    assert np.array_equal(result(out, "float32"), (a * b).astype(np.float32))


def violation_of(dev) -> Violation:
    with pytest.raises(Violation) as info:
        dev.launch()
    return info.value


@pytest.mark.parametrize("edit,check,fragment", [
    (("tile_regs_acquire();", ""), "dst-lifecycle", "add_tiles writes DST while it is idle"),
    (("tile_regs_commit();", ""), "dst-lifecycle", "missing tile_regs_commit"),
    (("tile_regs_wait();", ""), "dst-lifecycle", "pack_tile while DST is committed"),
    (("tile_regs_release();", ""), "dst-lifecycle", "missing tile_regs_release"),
    (("tile_regs_commit();\n        tile_regs_wait();", "tile_regs_wait();\n        tile_regs_commit();"),
     "dst-lifecycle", "tile_regs_wait while DST is acquired"),
    (("add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0)", "add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 8)"),
     "dst-lifecycle", "DST index 8 is outside the 8 tiles"),
    (("pack_tile(0,", "pack_tile(2,"), "dst-lifecycle", "DST[2], which no math op wrote"),
    (("add_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);", ""), "init-missing", "add_tiles without add_tiles_init"),
    (("add_tiles_init(", "mul_tiles_init("), "init-mismatch", "call add_tiles_init"),
    (("binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);", ""), "init-missing",
     "before the hardware is configured"),
    (("cb_wait_front(tt::CBIndex::c_1, 1);", ""), "cb-protocol", "outside the 0 page(s) waited"),
    (("add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0)", "add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 1, 0)"),
     "cb-protocol", "reads tile 1 of CB c_1"),
    (("cb_reserve_back(tt::CBIndex::c_16, 1);", ""), "cb-protocol", "outside the 0 page(s) reserved"),
    (("cb_pop_front(tt::CBIndex::c_1, 1);", "cb_pop_front(tt::CBIndex::c_1, 2);"), "cb-protocol", "pops more"),
])
def test_protocol_violations(dev, edit, check, fragment):
    program(dev, BINARY.replace("OP", "add").replace(*edit))
    v = violation_of(dev)
    assert v.check == check and fragment in str(v), str(v)
    assert v.location is not None and v.location.file == "kernel1.cpp"


# The legacy sequence of reg_api.h: acquire_dst (math waits for DST, packer waits for the math), math, pack,
# release_dst. Still shipped in the pinned headers and used by older kernels.
LEGACY = (BINARY.replace("tile_regs_acquire();", "acquire_dst();").replace("        tile_regs_commit();\n", "")
          .replace("        tile_regs_wait();\n", "").replace("tile_regs_release();", "release_dst();"))


def test_legacy_acquire_dst_then_math_pack_release(dev):
    a, b, out = program(dev, LEGACY.replace("OP", "add"))
    dev.launch()
    assert np.array_equal(result(out), bf16(a + b))


@pytest.mark.parametrize("edit,fragment", [
    (("release_dst();", ""), "acquire_dst while DST is held by acquire_dst"),
    (("release_dst();", "tile_regs_release();"), "tile_regs_release while DST is held by acquire_dst"),
    (("acquire_dst();", "tile_regs_acquire();"), "pack_tile while DST is acquired"),
])
def test_legacy_dst_sequence_must_pair(dev, edit, fragment):
    program(dev, LEGACY.replace("OP", "add").replace(*edit))
    v = violation_of(dev)
    assert v.check == "dst-lifecycle" and fragment in str(v), str(v)


def test_dst_capacity_follows_the_compute_config(dev):
    src = BINARY.replace("OP", "add").replace("0, 0, 0)", "0, 0, 12)").replace("pack_tile(0,", "pack_tile(12,")
    program(dev, src, dst_full_sync_en=True)  # full sync: 16 bf16 tiles
    dev.launch()


def test_fp32_accumulation_halves_dst(dev):
    src = BINARY.replace("OP", "add").replace("0, 0, 0)", "0, 0, 4)").replace("pack_tile(0,", "pack_tile(4,")
    program(dev, src, out_fmt="bfloat16", fp32_dest_acc_en=True)
    assert "outside the 4 tiles" in str(violation_of(dev))


def test_pack_to_a_differently_formatted_cb_needs_reconfig(dev):
    program(dev, BINARY.replace("OP", "add").replace("tt::CBIndex::c_1, tt::CBIndex::c_16);", "tt::CBIndex::c_1, tt::CBIndex::c_0);"),
            out_fmt="float32")
    v = violation_of(dev)
    assert v.check == "init-mismatch" and "pack_reconfig_data_format" in v.message


MATMUL = """
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    compute_kernel_hw_startup<SrcOrder::Reverse>(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    matmul_init(tt::CBIndex::c_0, tt::CBIndex::c_1);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        matmul_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_release();
    }
}
"""


def test_matmul_tile_product(dev):
    a, b, out = program(dev, MATMUL)
    dev.launch()
    want = bf16(np.einsum("nij,njk->nik", a.astype(np.float64), b.astype(np.float64)))
    assert np.array_equal(result(out), want)


def test_release_clears_dst_so_matmul_starts_from_zero(dev):
    """matmul_tiles accumulates; the second tile's result must not include the first one's."""
    a, b, out = program(dev, MATMUL, n=3)
    dev.launch()
    got = result(out)
    assert np.array_equal(got[2], bf16(a[2].astype(np.float64) @ b[2]))


def test_hw_startup_must_come_first(dev):
    src = MATMUL.replace("compute_kernel_hw_startup<SrcOrder::Reverse>", "matmul_init(tt::CBIndex::c_0, tt::CBIndex::c_1);\n    compute_kernel_hw_startup<SrcOrder::Reverse>")
    program(dev, src)
    v = violation_of(dev)
    assert v.check in ("init-missing", "init-mismatch")


SFPU = """
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        copy_tile_to_dst_init_short(tt::CBIndex::c_0);
        copy_tile(tt::CBIndex::c_0, 0, 0);
        exp_tile_init();
        exp_tile(0);
        binary_dest_reuse_tiles_init<EltwiseBinaryType::ELWSUB, EltwiseBinaryReuseDestType::DEST_TO_SRCB>(tt::CBIndex::c_1);
        binary_dest_reuse_tiles<EltwiseBinaryType::ELWSUB, EltwiseBinaryReuseDestType::DEST_TO_SRCB>(tt::CBIndex::c_1, 0, 0);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_release();
    }
}
"""


def test_copy_sfpu_and_dest_reuse(dev):
    a, b, out = program(dev, SFPU)
    dev.launch()
    # DEST_TO_SRCB: the CB tile is source A, DST is source B: b - exp(a).
    want = bf16(b - bf16(np.exp(a)))
    np.testing.assert_allclose(result(out), want, atol=1e-2)


def test_sfpu_op_needs_its_init(dev):
    program(dev, SFPU.replace("exp_tile_init();", ""))
    v = violation_of(dev)
    assert v.check == "init-missing" and "exp_tile_init" in v.message


def test_dest_reuse_needs_a_written_dst(dev):
    program(dev, SFPU.replace("copy_tile(tt::CBIndex::c_0, 0, 0);", "").replace("exp_tile_init();\n        exp_tile(0);", ""))
    v = violation_of(dev)
    assert v.check == "dst-lifecycle" and "holds no result" in v.message


def test_compute_ending_with_dst_held(dev):
    src = BINARY.replace("OP", "add").replace("        tile_regs_release();\n    }\n}", "    }\n    tile_regs_acquire();\n}")
    src = src.replace("        cb_pop_front(tt::CBIndex::c_1, 1);\n", "        cb_pop_front(tt::CBIndex::c_1, 1);\n        tile_regs_release();\n")
    program(dev, src)
    v = violation_of(dev)
    assert v.check == "dst-lifecycle" and "ended with DST acquired" in v.message


TRANSPOSE_ELU = """
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    compute_kernel_hw_startup(tt::CBIndex::c_0, tt::CBIndex::c_16);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        LOAD
        elu_tile_init();
        elu_tile(0, 0x3f000000u);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_release();
    }
}
"""


def _elu_half(x):
    return np.where(x > 0, x, 0.5 * (np.exp(np.minimum(x, 0)) - 1))


@pytest.mark.parametrize("load,arrange", [
    ("transpose_init(tt::CBIndex::c_0);\n        transpose_tile(tt::CBIndex::c_0, 0, 0);", lambda t: t.T),
    ("copy_tile_to_dst_init_short(tt::CBIndex::c_0, 1, 1);\n        copy_tile(tt::CBIndex::c_0, 0, 0);",
     lambda t: t.T),
    ("copy_tile_to_dst_init_short(tt::CBIndex::c_0);\n        copy_tile(tt::CBIndex::c_0, 0, 0);", lambda t: t),
])
def test_transpose_into_dst_then_elu(dev, load, arrange):
    a, _, out = program(dev, TRANSPOSE_ELU.replace("LOAD", load))
    dev.launch()
    want = bf16(np.stack([_elu_half(arrange(t)) for t in a]))
    np.testing.assert_allclose(result(out), want, atol=1e-2)


def test_copy_with_face_transpose_only_swaps_the_off_diagonal_faces(dev):
    load = "copy_tile_to_dst_init_short(tt::CBIndex::c_0, 1, 0);\n        copy_tile(tt::CBIndex::c_0, 0, 0);"
    a, _, out = program(dev, TRANSPOSE_ELU.replace("LOAD", load))
    dev.launch()
    got = result(out)
    np.testing.assert_allclose(got[0][:16, 16:], bf16(_elu_half(a[0][16:, :16])), atol=1e-2)
    np.testing.assert_allclose(got[0][:16, :16], bf16(_elu_half(a[0][:16, :16])), atol=1e-2)


def test_transpose_tile_needs_its_init(dev):
    program(dev, TRANSPOSE_ELU.replace("LOAD", "transpose_tile(tt::CBIndex::c_0, 0, 0);"))
    v = violation_of(dev)
    assert v.check in ("init-missing", "init-mismatch") and "transpose_init" in v.message


# SFPU with the exponential moved to the pack thread (scale 0x3F00 = 0.5) and no dest reuse.
PACK_EXP = SFPU.replace("""        exp_tile_init();
        exp_tile(0);
        binary_dest_reuse_tiles_init<EltwiseBinaryType::ELWSUB, EltwiseBinaryReuseDestType::DEST_TO_SRCB>(tt::CBIndex::c_1);
        binary_dest_reuse_tiles<EltwiseBinaryType::ELWSUB, EltwiseBinaryReuseDestType::DEST_TO_SRCB>(tt::CBIndex::c_1, 0, 0);
""", "").replace("""        tile_regs_wait();
""", """        tile_regs_wait();
        exp_packthread_tile_init();
        exp_packthread_tile<false, true>(0, VectorMode::RC, 0x3F00);
""")


def test_pack_thread_exp_with_a_bf16_scale(dev):
    a, _, out = program(dev, PACK_EXP)
    dev.launch()
    np.testing.assert_allclose(result(out), bf16(np.exp(0.5 * a)), rtol=2 ** -7)  # 0x3F00 is 0.5


def test_math_thread_exp_takes_the_same_scale(dev):
    src = SFPU.replace("exp_tile(0);", "exp_tile<false, true>(0, VectorMode::RC, 0x4000);")  # 2.0
    a, b, out = program(dev, src)
    dev.launch()
    np.testing.assert_allclose(result(out), bf16(b - bf16(np.exp(2.0 * a))), atol=2e-2)


def test_scale_is_ignored_unless_enabled(dev):
    src = SFPU.replace("exp_tile(0);", "exp_tile<false, false>(0, VectorMode::RC, 0x4000);")
    a, b, out = program(dev, src)
    dev.launch()
    np.testing.assert_allclose(result(out), bf16(b - bf16(np.exp(a))), atol=1e-2)


@pytest.mark.parametrize("edit,fragment", [
    (("exp_packthread_tile_init();", ""), "exp_packthread_tile_init"),
    # on a section the math thread still holds
    (("        tile_regs_commit();\n        tile_regs_wait();\n        exp_packthread_tile_init();\n"
      "        exp_packthread_tile<false, true>(0, VectorMode::RC, 0x3F00);\n",
      "        exp_packthread_tile_init();\n        exp_packthread_tile<false, true>(0, VectorMode::RC, 0x3F00);\n"
      "        tile_regs_commit();\n        tile_regs_wait();\n"), "tile_regs_wait"),
    (("VectorMode::RC", "VectorMode::R"), "VectorMode::RC"),
])
def test_pack_thread_exp_misuse(dev, edit, fragment):
    program(dev, PACK_EXP.replace(*edit))
    v = violation_of(dev)
    assert fragment in v.message


DST_MODE = """
#include "api/compute/common.h"
void kernel_main() {
    constexpr uint32_t max_tiles = DST_ACCUM_MODE ? 4 : 8;
    ASSERT(max_tiles == get_arg_val<uint32_t>(0));
}
"""


@pytest.mark.parametrize("fp32,tiles", [(False, 8), (True, 4)])
def test_dst_accum_mode_follows_the_compute_config(passes_then_fails, fp32, tiles):
    violation = passes_then_fails(
        lambda run, expected: run.kernel("compute", DST_MODE, args=[expected], fp32_dest_acc_en=fp32), tiles, 12 - tiles)
    assert "ASSERT failed" in str(violation)



MASK = """
#include "api/compute/mask.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    mask_tile_init();
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        copy_tile_to_dst_init_short_with_dt(tt::CBIndex::c_1, tt::CBIndex::c_0);
        copy_tile(tt::CBIndex::c_0, 0, 0);
        copy_tile_to_dst_init_short_with_dt(tt::CBIndex::c_0, tt::CBIndex::c_1);
        copy_tile(tt::CBIndex::c_1, 0, 1);
        mask_tile(0, 7);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_release();
    }
}
"""


def test_mask_tile_zeroes_where_the_next_dst_tile_is_zero(dev):
    """The mask is DST[idst_data + 1] whatever the second argument says (mask.h, ckernel_sfpu_mask.h)."""
    n = 2
    rng = np.random.default_rng(4)
    data = bf16(rng.uniform(-1, 1, (n, 32, 32)))
    mask = (rng.uniform(size=(n, 32, 32)) < 0.5).astype(np.float32)
    _, _, out = program(dev, MASK, n=n, inputs=(data, mask))
    dev.launch()
    assert np.array_equal(result(out), np.where(mask == 0, 0, data))


UNTILIZE = """
#include "api/compute/pack_untilize.h"
void kernel_main() {
    uint32_t n = get_arg_val<uint32_t>(0);
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_0, tt::CBIndex::c_16);
    copy_tile_init(tt::CBIndex::c_0);
    pack_untilize_dest_init<2>(tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 2);
    cb_reserve_back(tt::CBIndex::c_16, 2);
    tile_regs_acquire();
    copy_tile(tt::CBIndex::c_0, 0, 0);
    copy_tile(tt::CBIndex::c_0, 1, 1);
    tile_regs_commit();
    tile_regs_wait();
    pack_untilize_dest<2>(tt::CBIndex::c_16);
    tile_regs_release();
    cb_push_back(tt::CBIndex::c_16, 2);
    cb_pop_front(tt::CBIndex::c_0, 2);
    pack_untilize_uninit(tt::CBIndex::c_16);
}
"""


def test_pack_untilize_writes_a_stripe_of_rows(dev):
    """Two tiles side by side come out as 32 rows of 64 values (the stripe of two pages), not as two tiles."""
    n = 2
    data = bf16(np.random.default_rng(5).uniform(-1, 1, (n, 32, 32)))

    def untilize(run, source):
        a, out = run.buffer(data), run.buffer(np.zeros((n, 32, 32), np.float32))
        run.cb(0, 2)
        run.cb(16, 2)
        run.kernel("dataflow", READ_A, args=[a.address, n], compile_args=[2, 2048])
        run.kernel("compute", source, args=[n])
        run.kernel("dataflow", DRAIN, args=[out.address, n], compile_args=[2, 2048], processor="RISCV_1")
        return out

    out = untilize(dev, UNTILIZE)
    dev.launch()
    rows = out.data.view(ml_dtypes.bfloat16).astype(np.float32).reshape(32, 64)
    assert np.array_equal(rows, np.concatenate([data[0], data[1]], axis=1))
    untilize(mismatched := type(dev)(), UNTILIZE.replace("pack_untilize_dest<2>(", "pack_untilize_dest<1>("))
    assert violation_of(mismatched).check == "init-mismatch"


READ_A = FEED.replace("""        cb_reserve_back(tt::CBIndex::c_1, 1);
""", "").replace("""        noc_async_read_page(i, b, get_write_ptr(tt::CBIndex::c_1));
""", "").replace("""        cb_push_back(tt::CBIndex::c_1, 1);
""", "").replace("""    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, b_addr);
""", "").replace("uint32_t n = get_arg_val<uint32_t>(2);", "uint32_t n = get_arg_val<uint32_t>(1);")


def test_inits_take_the_call_line_the_headers_give_them(dev):
    """`mul_tiles_init(a, b, acc, __builtin_LINE())` as the pinned eltwise_binary.h declares it."""
    src = BINARY.replace("OP_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);",
                         "OP_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, __builtin_LINE());")
    a, b, out = program(dev, src.replace("OP", "mul"))
    dev.launch()
    assert np.array_equal(result(out), bf16(a * b))


def test_the_jit_descriptor_arrays_describe_the_cbs(dev):
    src = BINARY.replace("    binary_op_init_common(", """    ASSERT(unpack_src_format[tt::CBIndex::c_0] == (uint32_t)DataFormat::Float16_b);
    ASSERT(pack_dst_format[tt::CBIndex::c_16] == (uint32_t)DataFormat::Float32 && pack_tile_size[tt::CBIndex::c_16] == 4096);
    binary_op_init_common(""").replace("OP", "add")
    program(dev, src, out_fmt="float32", fp32_dest_acc_en=True)
    dev.launch()


@pytest.mark.parametrize("dim,broadcast", [("COL", lambda b: np.repeat(b[:, :, :1], 32, axis=2)),
                                           ("ROW", lambda b: np.repeat(b[:, :1, :], 32, axis=1))])
def test_templated_bcast_is_the_broadcast_it_names(dev, dim, broadcast):
    src = BINARY.replace("OP_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);",
                         f"init_bcast<EltwiseBinaryType::ELWMUL, BroadcastType::{dim}>(tt::CBIndex::c_0, "
                         "tt::CBIndex::c_1, tt::CBIndex::c_16);")
    src = src.replace("OP_tiles(", f"mul_tiles_bcast<BroadcastType::{dim}>(")
    a, b, out = program(dev, src)
    dev.launch()
    assert np.array_equal(result(out), bf16(a * broadcast(b)))

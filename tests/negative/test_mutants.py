"""Broken emitted code: one line changed at a time, `ttgen run` must fail with the right diagnosis."""

import pytest

from ttgen import testing
from ttgen.paths import PROJECT_ROOT

SPECS = PROJECT_ROOT / "specs"

# (kernel, label, file pattern, line pattern, replacement or None to delete, expected check, message fragment)
MUTANTS = [
    ("gemm", "drop-read-barrier", "reader", r"noc_async_read_barrier\(\);", None, "race", "noc_async_read_barrier"),
    ("gemm", "drop-write-barrier", "writer", r"noc_async_write_barrier\(\);", None, "race", "noc_async_write_barrier"),
    ("gemm", "drop-release", "compute", r"tile_regs_release\(\);", None, "dst-lifecycle", "tile_regs_release"),
    ("gemm", "drop-commit", "compute", r"tile_regs_commit\(\);", None, "dst-lifecycle", "tile_regs_commit"),
    ("gemm", "drop-wait", "compute", r"tile_regs_wait\(\);", None, "dst-lifecycle", "pack_tile"),
    ("gemm", "drop-acquire", "compute", r"tile_regs_acquire\(\);", None, "dst-lifecycle", "matmul_tiles"),
    ("gemm", "drop-reader-push", "reader", r"cb_push_back\(", None, "deadlock", "cb_wait_front(c_0"),
    ("gemm", "drop-compute-pop", "compute", r"cb_pop_front\(", None, "deadlock", "cb_reserve_back(c_0"),
    ("gemm", "drop-writer-pop", "writer", r"cb_pop_front\(", None, "deadlock", "cb_reserve_back(c_16"),
    # Without the push, the packer's position is not reset and the next pack lands past the reservation.
    ("gemm", "drop-compute-push", "compute", r"cb_push_back\(", None, "cb-protocol", "outside the 1 page(s) reserved"),
    ("gemm", "drop-reserve", "compute", r"cb_reserve_back\(", None, "cb-protocol", "reserved"),
    ("gemm", "wait-zero", "compute", r"cb_wait_front\(cb_in0, 1\)", "cb_wait_front(cb_in0, 0)", "cb-protocol",
     "waited for"),
    ("gemm", "read-wrong-tile", "reader", r"noc_async_read_page\((Kt \* out_row \+ k),", r"noc_async_read_page((\1) + 1,",
     "noc-bounds", "no such page"),
    ("gemm", "write-wrong-tile", "writer", r"noc_async_write_page\(([^,]+),", r"noc_async_write_page((\1) + 1,",
     "noc-bounds", "no such page"),
    ("gemm", "pack-wrong-dst", "compute", r"pack_tile\(0,", "pack_tile(1,", "dst-lifecycle", "DST[1]"),
    ("gemm", "swap-matmul-operands", "compute", r"matmul_tiles\(cb_in0, cb_in1,", "matmul_tiles(cb_in1, cb_in0,",
     "init-mismatch", "matmul_init"),
    ("gemm", "drop-matmul-init", "compute", r"matmul_init\(", None, "init-missing", "matmul_init"),
    ("gemm", "k-loop-short", "compute", r"k < Kt;", "k < Kt - 1;", "deadlock", "blocked"),
    ("gemm", "b-tile-transposed", "reader", r"Nt \* k \+ out_col", "Kt * out_col + k", "mismatch", "differs"),
    ("elementwise_add", "add-to-sub", "compute", r"add_tiles\(", "sub_tiles(", "init-mismatch", "add_tiles_init"),
    ("elementwise_add", "add-to-sub-with-init", "compute", r"add_tiles", "sub_tiles", "mismatch", "differs"),
    ("elementwise_add", "wrong-operand-tile", "compute", r"add_tiles\(cb_a, cb_b, 0, 0, 0\)",
     "add_tiles(cb_a, cb_b, 0, 1, 0)", "cb-protocol", "tile 1 of CB c_1"),
    ("elementwise_add", "read-wrong-tile", "reader", r"noc_async_read_page\(tile,", "noc_async_read_page(tile + 1,",
     "noc-bounds", "no such page"),
    ("elementwise_add", "same-page-twice", "reader", r"noc_async_read_page\(tile, b,", "noc_async_read_page(tile, a,",
     "mismatch", "differs"),
    ("elementwise_add", "drop-pack", "compute", r"pack_tile\(", None, "mismatch", "differs"),
    ("elementwise_add", "missing-runtime-arg", "writer", r"get_arg_val<uint32_t>\(2\)", "get_arg_val<uint32_t>(3)",
     "runtime-args", "get_arg_val(3)"),
    ("multi_elementwise", "reuse-wrong-side", "compute", r"DEST_TO_SRCA", "DEST_TO_SRCB", "init-mismatch",
     "binary_dest_reuse_tiles_init"),
    ("multi_elementwise", "pack-past-reservation", "compute", r"cb_reserve_back\(cb_out, block_tiles\)",
     "cb_reserve_back(cb_out, 1)", "cb-protocol", "outside the 1 page(s) reserved"),
    ("multi_elementwise", "write-before-data", "reader", r"noc_async_read_barrier\(\);", None, "race",
     "noc_async_read_barrier"),
    ("multi_elementwise", "drop-dest-reuse", "compute", r"binary_dest_reuse_tiles<", None, "mismatch", "differs"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    out = tmp_path_factory.mktemp("pristine")
    return {k: testing.render_spec(SPECS / f"{k}.yaml", out) for k in {m[0] for m in MUTANTS}}


@pytest.mark.parametrize("kernel,label,file_pattern,line_pattern,replace,check,fragment", MUTANTS,
                         ids=[f"{m[0]}:{m[1]}" for m in MUTANTS])
def test_mutant_is_diagnosed(pristine, tmp_path, kernel, label, file_pattern, line_pattern, replace, check, fragment):
    folder = testing.copy_folder(pristine[kernel], tmp_path / kernel)
    count = 99 if label in ("add-to-sub-with-init",) else 1
    testing.mutate(folder, file_pattern, line_pattern, replace, count=count)
    report = testing.run(folder)
    assert not report.ok
    if check == "mismatch":
        assert report.violation is None, str(report.violation)
        bad = [c for c in report.comparisons if not c.ok]
        assert bad and bad[0].first_bad_tile is not None
    else:
        assert report.violation is not None
        assert report.violation.check == check, str(report.violation)
        text = str(report.violation)
        assert fragment in text, text
        assert report.violation.location is not None and report.violation.location.line


def test_pristine_folders_pass(pristine):
    for folder in pristine.values():
        assert testing.run(folder).ok

"""Plans: lowering of expressions, tiling and budget errors located in the spec, CB and split decisions."""

import pytest

from ttgen import testing
from ttgen.errors import SpecError
from ttgen.paths import PROJECT_ROOT
from ttgen.plan import make_plan
from ttgen.plan.elementwise import Op
from ttgen.spec import load_spec

SPECS = PROJECT_ROOT / "specs"


def plan_of(tmp_path, spec="elementwise_add", **sections):
    return make_plan(load_spec(testing.variant(SPECS / f"{spec}.yaml", tmp_path, **sections)))


def error_of(tmp_path, spec="elementwise_add", **sections) -> SpecError:
    with pytest.raises(SpecError) as info:
        plan_of(tmp_path, spec, **sections)
    return info.value


@pytest.mark.parametrize("expression,ops", [
    ("(A + C) * B", [Op("binary", "add", "cb_a", "cb_c"), Op("reuse", "mul", "cb_b", reuse="DEST_TO_SRCA")]),
    ("A * B + C", [Op("binary", "mul", "cb_a", "cb_b"), Op("reuse", "add", "cb_c", reuse="DEST_TO_SRCA")]),
    ("C - A * B", [Op("binary", "mul", "cb_a", "cb_b"), Op("reuse", "sub", "cb_c", reuse="DEST_TO_SRCB")]),
    ("exp(A) * B + C", [Op("copy", "copy", "cb_a"), Op("sfpu", "exp"), Op("reuse", "mul", "cb_b", reuse="DEST_TO_SRCA"),
                        Op("reuse", "add", "cb_c", reuse="DEST_TO_SRCA")]),
])
def test_elementwise_lowering(tmp_path, expression, ops):
    plan = plan_of(tmp_path, "multi_elementwise", compute={"expression": expression})
    assert plan.context["ops"] == ops
    assert plan.context["hoist_init"] == (len(ops) == 1)


def test_single_op_init_is_hoisted(tmp_path):
    plan = plan_of(tmp_path)
    assert plan.context["ops"] == [Op("binary", "add", "cb_a", "cb_b")] and plan.context["hoist_init"]


def test_two_computed_operands_are_refused(tmp_path):
    e = error_of(tmp_path, "multi_elementwise", compute={"expression": "A * B + C * A"})
    assert "computed values" in e.message and e.location.path == "compute.expression"


def test_unused_input_is_an_error(tmp_path):
    e = error_of(tmp_path, "multi_elementwise", compute={"expression": "A + B"})
    assert e.location.path == "inputs.C"


def test_tile_multiple_error_points_at_the_size(tmp_path):
    e = error_of(tmp_path, sizes={"M": 100})
    assert e.location.path == "sizes.M" and "100" in e.message and "32" in e.message
    assert e.location.line == 8


def test_block_must_divide_the_tiles(tmp_path):
    e = error_of(tmp_path, sizes={"M": 96, "N": 32}, schedule={"tiles_per_block": 2})
    assert e.location.path == "schedule.tiles_per_block" and "3 tiles" in e.message


def test_dst_budget(tmp_path):
    e = error_of(tmp_path, schedule={"tiles_per_block": 16})
    assert "16 DST tiles" in e.message and "holds 8" in e.message
    plan_of(tmp_path / "full", schedule={"tiles_per_block": 16, "dst": {"sync": "full"}})


def test_l1_budget(tmp_path):
    e = error_of(tmp_path, schedule={"tiles_per_block": 8, "cb_depth": 40})
    assert "B of L1 per core" in e.message and "usable" in e.message


def test_grid_larger_than_the_device(tmp_path):
    e = error_of(tmp_path, schedule={"grid": [9, 2]})
    assert e.location.path == "schedule.grid" and "8x8" in e.message


def test_schedule_key_of_another_pattern(tmp_path):
    e = error_of(tmp_path, schedule={"split_k": {"factor": 2}})
    assert e.location.path == "schedule.split_k" and "elementwise" in e.message


def test_auto_depth_double_buffers(tmp_path):
    plan = plan_of(tmp_path, schedule={"tiles_per_block": 2, "cb_depth": "auto"})
    assert {cb.index: cb.pages for cb in plan.cbs} == {0: 4, 1: 4, 16: 4}


def test_per_tensor_depth(tmp_path):
    plan = plan_of(tmp_path, schedule={"cb_depth": {"A": 3, "C": 1}})
    assert {cb.index: cb.pages for cb in plan.cbs} == {0: 3, 1: 2, 16: 1}


def test_matmul_inner_dimension_mismatch(tmp_path):
    e = error_of(tmp_path, "gemm", inputs={"A": {"shape": ["M", "K"], "dtype": "bfloat16"},
                                           "B": {"shape": ["M", "N"], "dtype": "bfloat16"}}, sizes={"M": 64})
    assert "inner dimensions" in e.message and e.location.path == "inputs.B.shape"


def test_matmul_index_expressions_are_printed_from_sympy(tmp_path):
    plan = plan_of(tmp_path, "gemm")
    assert plan.template_context()["index"] == {"tile_id": "i + start_tile", "out_row": "tile_id / Nt", "out_col": "tile_id % Nt",
                                     "a_tile": "Kt * out_row + k", "b_tile": "Nt * k + out_col"}


def test_explain_reports_the_uneven_split(tmp_path):
    plan = plan_of(tmp_path, "gemm", sizes={"M": 96, "N": 160, "K": 64}, schedule={"grid": [2, 2]})
    assert any("3 cores take 4, 1 take 3" in line for line in plan.explain)


def test_buffer_larger_than_uint32_sizes(tmp_path):
    e = error_of(tmp_path, sizes={"M": 65536, "N": 32768})
    assert "needs 4294967296 B of DRAM" in e.message and e.location.path == "inputs.A.shape"


def test_tensors_larger_than_dram(tmp_path):
    e = error_of(tmp_path, "multi_elementwise", sizes={"M": 44032, "N": 44032})  # four tensors of 3.9 GB
    assert "B of DRAM but the device has" in e.message and e.location.path == "sizes"

"""3.2 conv2d: implicit GEMM with im2col assembled in the reader, weights multicast with semaphores."""

import pytest

from ttgen import testing


def assert_passes(report):
    assert report.violation is None, str(report.violation)
    assert report.ok, [c for c in report.comparisons if not c.ok]


def test_default_spec(rendered):
    assert_passes(testing.run(rendered("conv2d")))


def test_multicast_along_columns(rendered):
    folder = rendered("conv2d", sizes={"H": 16, "W": 16}, schedule={"grid": [2, 3],
                                                                    "multicast": {"operand": "Wt", "along": "column"}})
    assert_passes(testing.run(folder))


def test_stride_two_no_padding_two_batches_uneven(rendered):
    # out 8x8 per image, 2 images: 128 pixels = 4 pixel tiles over 3 cores (2, 1, 1); C = 64: two channel chunks.
    folder = rendered("conv2d", sizes={"N": 2, "H": 17, "W": 17, "C": 64, "F": 32},
                      compute={"stride": [2, 2], "padding": [0, 0]},
                      outputs={"Y": {"shape": ["N", 8, 8, "F"], "dtype": "bfloat16"}}, schedule={"grid": [3, 1]})
    assert_passes(testing.run(folder))


def test_one_by_one_kernel(rendered):
    folder = rendered("conv2d", sizes={"H": 8, "W": 8, "KH": 1, "KW": 1}, compute={"padding": [0, 0]},
                      schedule={"grid": [2, 1]})
    assert_passes(testing.run(folder))


def test_output_shape_is_checked(tmp_path):
    from ttgen.errors import SpecError
    from ttgen.paths import PROJECT_ROOT
    from ttgen.plan import make_plan
    from ttgen.spec import load_spec

    spec = testing.variant(PROJECT_ROOT / "specs/conv2d.yaml", tmp_path, compute={"padding": [0, 0]})
    with pytest.raises(SpecError, match=r"output must be \[1, 30, 30, 64\]"):
        make_plan(load_spec(spec))


@pytest.mark.parametrize("file,pattern,replace,check", [
    ("receiver", r"noc_semaphore_wait\(receiver_semaphore, VALID\);", None, "cb-protocol"),
    ("sender", r"noc_semaphore_wait\(sender_semaphore, num_receivers\);", None, "deadlock"),  # a lost signal
    ("host", r"worker_core_from_logical_core\(\{grid_x - 1, y\}\)", "worker_core_from_logical_core({grid_x - 2, y})",
     "noc-bounds"),
    ("host", r"worker_core_from_logical_core\(\{grid_x - 1, y\}\)", "worker_core_from_logical_core({grid_x, y})",
     "noc-bounds"),
    ("sender", r"noc_semaphore_set_multicast\(", None, "deadlock"),
    ("receiver", r"noc_semaphore_inc\(sender_semaphore_addr, 1\);", None, "deadlock"),
    ("reader", r"row\[j\] = 0;", None, "mismatch"),
])
def test_handshake_mutants(rendered, tmp_path, file, pattern, replace, check):
    folder = testing.copy_folder(rendered("conv2d"), tmp_path / "conv2d")
    testing.mutate(folder, file, pattern, replace)
    report = testing.run(folder)
    assert not report.ok
    if check == "mismatch":
        assert report.violation is None
    else:
        assert report.violation is not None and report.violation.check == check, str(report.violation)

"""`ttgen run` of a folder written as tt-metal's programming examples are (no kernel.json): the host runs as
written, makes its own inputs, checks its own result and is judged by its exit code and exceptions."""

import shutil
from pathlib import Path

import pytest

from ttgen.interp.example import find_host, kernel_finder, run_example
from ttgen.interp.runner import RunError

EXAMPLE = Path(__file__).parent / "examples" / "scaled_sum"


@pytest.fixture
def example(tmp_path):
    """A private copy of the example folder, and an `edit(file, old, new)` to break one line of it."""
    folder = tmp_path / "scaled_sum"
    shutil.copytree(EXAMPLE, folder)

    def edit(relative: str, old: str, new: str) -> Path:
        path = folder / relative
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))
        return folder

    return folder, edit


def test_the_example_runs_as_written_and_passes_its_own_check():
    report = run_example(EXAMPLE, seed=3)
    assert report.ok, report.violation
    assert report.exit_status == 0 and report.programs == 1
    assert report.printed == [("stdout", "Test Passed\n")]
    assert Path(report.host).name == "scaled_sum.cpp"


def test_a_wrong_kernel_fails_the_hosts_own_check(example):
    folder, edit = example
    edit("kernels/compute/add_scale.cpp", "mul_unary_tile(0, two_bits);", "")
    report = run_example(folder, seed=3)
    assert not report.ok and report.exit_status == 134
    assert report.violation.check == "host-exception" and "Test Failed" in str(report.violation)
    throw_line = EXAMPLE.joinpath("scaled_sum.cpp").read_text().split("\n").index('        TT_THROW("Test Failed");') + 1
    assert report.violation.location.line == throw_line
    errors = [text for stream, text in report.printed if stream == "stderr"]
    assert len(errors) == 3 and errors[0].startswith("mismatch at 0: expected ")


def test_a_protocol_violation_is_reported_at_the_kernel_line(example):
    folder, edit = example
    edit("kernels/dataflow/read_pairs.cpp", "        noc_async_read_barrier();\n", "")
    report = run_example(folder)
    assert report.violation.check == "race"
    assert report.violation.location.file.endswith("read_pairs.cpp")


def test_a_nonzero_exit_status_fails_the_run(example):
    folder, edit = example
    edit("scaled_sum.cpp", "    return 0;\n}", "    return 3;\n}")
    report = run_example(folder)
    assert not report.ok and report.exit_status == 3 and report.violation.check == "host-exit"


def test_an_exception_the_host_catches_and_rethrows_keeps_its_message(example):
    folder, edit = example
    edit("scaled_sum.cpp", 'TT_FATAL(argc >= 1,', 'TT_FATAL(argc >= 2,')
    report = run_example(folder)
    assert report.violation.check == "host-exception"
    assert "expected the program name in argv, got 1 arguments" in str(report.violation)
    assert report.printed[0][0] == "stderr" and report.printed[0][1].startswith("failed: TT_FATAL: expected")


def test_a_missing_kernel_file_is_a_host_api_violation(example):
    folder, edit = example
    edit("scaled_sum.cpp", '"dataflow/write_tiles.cpp"', '"dataflow/write_tile.cpp"')
    report = run_example(folder)
    assert report.violation.check == "host-api" and "write_tile.cpp" in str(report.violation)


def test_inputs_follow_the_run_seed():
    """std::random_device yields the run's seed: the same seed gives the same program behaviour."""
    first, again = run_example(EXAMPLE, seed=11), run_example(EXAMPLE, seed=11)
    assert first.ok and again.ok and first.dram_read_bytes == again.dram_read_bytes


def test_kernel_paths_resolve_as_the_example_build_finds_them(tmp_path):
    folder = tmp_path / "examples" / "demo"
    (folder / "kernels").mkdir(parents=True)
    kernel = folder / "kernels" / "k.cpp"
    kernel.write_text("void kernel_main() {}\n")
    find = kernel_finder(folder)
    assert find("demo/kernels/k.cpp") == kernel  # relative to the examples folder
    assert find("tt_metal/programming_examples/demo/kernels/k.cpp") == kernel  # relative to a checkout
    assert find("kernels/k.cpp") == kernel
    assert find("demo/kernels/other.cpp") is None


def test_a_folder_needs_exactly_one_host(tmp_path):
    with pytest.raises(RunError, match="no host program"):
        find_host(tmp_path)
    (tmp_path / "a.cpp").write_text("int main() { return 0; }\n")
    (tmp_path / "b.cpp").write_text("int main(int argc, char** argv) { return 0; }\n")
    with pytest.raises(RunError, match="more than one host program"):
        find_host(tmp_path)

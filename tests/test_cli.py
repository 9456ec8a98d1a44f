"""The command line: exit codes, one-line diagnoses, no tracebacks, nothing written on error."""

import shutil
import subprocess
import sys

from ttgen.cli import main
from ttgen.paths import PROJECT_ROOT

SPECS = PROJECT_ROOT / "specs"


def test_validate_all_specs(capsys):
    assert main(["validate", str(SPECS)]) == 0
    assert capsys.readouterr().out.count(": ok") == len(list(SPECS.glob("*.yaml")))


def test_render_explain(tmp_path, capsys):
    assert main(["render", str(SPECS / "gemm.yaml"), "-o", str(tmp_path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "64 output tiles over 16 cores, 4 each" in out
    assert (tmp_path / "gemm" / "kernels" / "compute" / "compute_gemm.cpp").is_file()


def test_run_passes_and_reports(tmp_path, capsys):
    main(["render", str(SPECS / "elementwise_add.yaml"), "-o", str(tmp_path), "-q"])
    assert main(["run", str(tmp_path / "elementwise_add"), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "C: matches the reference" in out and "elementwise_add: passed" in out


def test_run_fails_on_a_broken_kernel(tmp_path, capsys):
    main(["render", str(SPECS / "gemm.yaml"), "-o", str(tmp_path), "-q"])
    compute = tmp_path / "gemm" / "kernels" / "compute" / "compute_gemm.cpp"
    compute.write_text(compute.read_text().replace("        tile_regs_release();\n", ""))
    assert main(["run", str(tmp_path / "gemm")]) == 1
    err = capsys.readouterr().err
    assert "compute_gemm.cpp:" in err and "dst-lifecycle" in err and "missing tile_regs_release" in err


def test_run_on_a_folder_without_metadata_or_host(tmp_path, capsys):
    assert main(["run", str(tmp_path)]) == 1
    assert "no kernel.json and no host program" in capsys.readouterr().err


def test_run_of_an_example_folder_runs_its_host_as_written(capsys):
    example = PROJECT_ROOT / "tests" / "interp" / "examples" / "scaled_sum"
    assert main(["run", str(example), "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "  Test Passed" in out and "scaled_sum: passed (1 program(s)" in out


def test_check_prints_one_table(capsys):
    assert main(["check", str(SPECS / "elementwise_add.yaml"), str(SPECS / "gemm.yaml")]) == 0
    out = capsys.readouterr().out
    assert "ttgen check" in out and out.count("passed") == 2
    assert "max |error|" in out  # the measured error, beside its ratio to the tolerance


def test_explain_prints_the_plan_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["explain", str(SPECS / "fp8_gemm.yaml")]) == 0
    out = capsys.readouterr().out
    assert "DRAM bytes read: 2639872" in out and "widened to bfloat16" in out
    assert not any(tmp_path.iterdir())


def test_missing_spec_path(capsys):
    assert main(["validate", "no/such/spec.yaml"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_broken_kernel_through_the_console_script(tmp_path):
    """The installed `ttgen` command: exit status 1 and no Python traceback on a compile error."""
    exe = shutil.which("ttgen") or str(PROJECT_ROOT / ".venv" / "bin" / "ttgen")
    main(["render", str(SPECS / "gemm.yaml"), "-o", str(tmp_path), "-q"])
    compute = tmp_path / "gemm" / "kernels" / "compute" / "compute_gemm.cpp"
    compute.write_text(compute.read_text().replace("pack_tile(0, cb_out)", "pack_tile(0)"))
    cmd = [exe] if shutil.which("ttgen") else [sys.executable, "-m", "ttgen.cli"]
    result = subprocess.run([*cmd, "run", str(tmp_path / "gemm")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "compute_gemm.cpp:34: pack_tile: expected 2 to 3 arguments, got 1" in result.stderr


def test_run_with_compile_check_reports_gxx_errors(tmp_path, capsys):
    from ttgen.headers import headers_present

    if headers_present() is None:
        import pytest

        pytest.skip("kernel headers not cached (tests/compile fetches them)")
    main(["render", str(SPECS / "elementwise_add.yaml"), "-o", str(tmp_path), "-q"])
    reader = tmp_path / "elementwise_add" / "kernels" / "dataflow" / "reader_elementwise_add.cpp"
    reader.write_text(reader.read_text().replace("noc_async_read_barrier();", "noc_async_read_barier();"))
    assert main(["run", str(tmp_path / "elementwise_add"), "--compile"]) == 1
    err = capsys.readouterr().err
    assert "reader_elementwise_add.cpp:" in err and "noc_async_read_barier" in err and "FAILED (g++)" in err

"""An endless loop in the host program ends with a budget error at its file and line, like one in a kernel."""

import subprocess
import sys

import pytest

from ttgen import testing
from ttgen.interp.scheduler import Budget
from ttgen.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def gemm(tmp_path_factory):
    return testing.render_spec(PROJECT_ROOT / "specs" / "gemm.yaml", tmp_path_factory.mktemp("watchdog"))


def _looping(gemm, tmp_path, line):
    folder = testing.copy_folder(gemm, tmp_path / "gemm")
    host = testing.mutate(folder, r"^host/", r"^int main\(\) \{$", r"int main() {\n" + line)
    return folder, host


def _loop_line(host):
    return next(i for i, text in enumerate(host.read_text().split("\n"), 1) if text.startswith("int main")) + 1


def test_endless_host_loop_hits_the_step_budget(gemm, tmp_path):
    folder, host = _looping(gemm, tmp_path, "    while (true) {\n    }")
    report = testing.run(folder, budget=Budget(max_steps=100_000))
    v = report.violation
    assert v is not None and v.check == "budget"
    assert "host program did not finish" in v.message and "100000 loop iterations" in v.message
    assert v.location.file == str(host) and v.location.line == _loop_line(host)


def test_endless_host_loop_hits_the_wall_budget(gemm, tmp_path):
    folder, _ = _looping(gemm, tmp_path, "    for (;;) {\n    }")
    report = testing.run(folder, budget=Budget(max_steps=10**12, max_seconds=0.5))
    assert report.violation is not None and "within 0 s of wall-clock time" in report.violation.message


def test_the_host_budget_comes_back_after_the_kernels(gemm, tmp_path):
    folder = testing.copy_folder(gemm, tmp_path / "gemm")
    host = folder / "host" / "gemm.cpp"
    text = host.read_text()
    at = text.rindex("return 0;")  # after every program ran: the scheduler must have put the host hook back
    host.write_text(text[:at] + "while (true) {\n    }\n    " + text[at:])
    v = testing.run(folder, budget=Budget(max_steps=2_000_000)).violation
    assert v is not None and "host program did not finish" in v.message


def test_cli_reports_the_host_loop_without_a_traceback(gemm, tmp_path):
    folder, host = _looping(gemm, tmp_path, "    while (true) {\n    }")
    result = subprocess.run([sys.executable, "-m", "ttgen.cli", "run", str(folder), "--max-steps", "200000"],
                            capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert result.returncode == 1
    assert f"{host}:{_loop_line(host)}: budget: host program did not finish" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr

"""ttgen installed the way users install it, outside this checkout (run by .ci/run):

1. the wheel: `pip wheel .`, installed into a fresh virtual environment; `ttgen check`, `render` and `run` on a
   spec copied out of the repository;
2. the pre-commit hooks, through real pre-commit, in a temporary git repository that also holds YAML that is not
   a spec (a CI workflow, the pre-commit config): good specs pass, a broken spec fails with
   `file:line: path: message`, and the other YAML is never read.

    python scripts/check_install.py [--keep]

Needs the package registry (the fresh environments install ttgen's dependencies). Exit status 0 when all passes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""


def run(command: list[str], cwd: Path, env: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    print("$", " ".join(str(c) for c in command), flush=True)
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)
    if ok and result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def clean_env(**extra: str) -> dict:
    """The environment without this checkout's virtual environment or Python path."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return env | extra


def check_wheel(tmp: Path) -> None:
    dist = tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT], cwd=tmp)
    (wheel,) = dist.glob("ttgen-*.whl")
    venv.create(tmp / "venv", with_pip=True)
    bin_dir = tmp / "venv" / "bin"
    run([bin_dir / "pip", "install", "-q", wheel], cwd=tmp, env=clean_env())
    user = tmp / "user"
    user.mkdir()
    shutil.copy(ROOT / "specs" / "gemm.yaml", user / "gemm.yaml")
    env = clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    where = run([bin_dir / "python", "-c", "import ttgen, sys; print(ttgen.__file__)"], cwd=user, env=env)
    if str(ROOT) in where.stdout:
        raise SystemExit(f"the fresh environment imported the checkout: {where.stdout}")
    print(run([bin_dir / "ttgen", "check", "--no-compile", "gemm.yaml"], cwd=user, env=env).stdout)
    run([bin_dir / "ttgen", "render", "gemm.yaml", "-o", "out"], cwd=user, env=env)
    print(run([bin_dir / "ttgen", "run", "out/gemm"], cwd=user, env=env).stdout)


def hook_repository(tmp: Path) -> tuple[Path, str]:
    """A git repository holding this checkout's files as they are now (committed or not), and its commit."""
    shadow = tmp / "hooks"
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT).stdout
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (shadow / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, shadow / rel)
    git = ["git", "-c", "user.name=ttgen", "-c", "user.email=ttgen@localhost", "-c", "commit.gpgsign=false"]
    run(["git", "init", "-q"], cwd=shadow)
    run(["git", "add", "-A"], cwd=shadow)
    run([*git, "commit", "-q", "-m", "hooks"], cwd=shadow)
    return shadow, run(["git", "rev-parse", "HEAD"], cwd=shadow).stdout.strip()


def check_pre_commit(tmp: Path) -> None:
    shadow, rev = hook_repository(tmp)
    repo = tmp / "project"
    (repo / "specs").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    for name in ("gemm.yaml", "gemv.yaml"):
        shutil.copy(ROOT / "specs" / name, repo / "specs" / name)
    (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {shadow}\n    rev: {rev}\n    hooks:\n"
        "      - id: ttgen-validate\n      - id: ttgen-validate-associated\n")
    env = clean_env(PRE_COMMIT_HOME=str(tmp / "pre-commit-cache"))
    run(["git", "init", "-q"], cwd=repo)
    run(["git", "add", "-A"], cwd=repo)
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    good = run(pre_commit, cwd=repo, env=env, ok=False)
    print(good.stdout)
    if good.returncode != 0:
        raise SystemExit(f"pre-commit failed on good specs:\n{good.stdout}\n{good.stderr}")

    spec = repo / "specs" / "gemm.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("math_fidelity: HiFi4", "math_fidelity: HiFi9"))
    line = text[: text.index("math_fidelity: HiFi4")].count("\n") + 1
    bad = run(pre_commit, cwd=repo, env=env, ok=False)
    print(bad.stdout)
    expected = re.compile(rf"^specs/gemm\.yaml:{line}: schedule\.math_fidelity: .+", re.M)
    if bad.returncode == 0 or not expected.search(bad.stdout):
        raise SystemExit(f"pre-commit did not report specs/gemm.yaml:{line}: schedule.math_fidelity: ...:\n"
                         f"{bad.stdout}\n{bad.stderr}")
    for other in (".pre-commit-config.yaml", "ci.yml"):
        if other in bad.stdout:
            raise SystemExit(f"a hook read {other}, which is not a spec:\n{bad.stdout}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ttgen-install-"))
    try:
        check_wheel(tmp)
        check_pre_commit(tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("install check: the wheel and the pre-commit hooks work outside the checkout")
    return 0


if __name__ == "__main__":
    sys.exit(main())

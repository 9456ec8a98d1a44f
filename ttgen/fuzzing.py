"""Spec fuzzing: mutate a spec, feed it to `ttgen validate` and `ttgen render`, and classify what happens.

Every outcome must be one of:
* `ok`: the spec validates and renders, and the rendered kernel passes `ttgen run` (`big`: it rendered but is
  too large to run within the fuzzing budget, which the caller reports separately);
* `error`: exit code 1 and one message per problem, each `file:line: ...` naming the spec (a YAML problem
  may lack a JSON path; a spec problem has one);
and never `bug`: a traceback, an internal error, an unclear message, a failed run of a clean render, or a hang.

The mutations cover the ways a spec file goes wrong: keys deleted, values of the wrong type, extreme and
negative numbers, huge shapes, wrong dtypes, unicode, deep nesting, YAML alias bombs, Python tags, broken
bytes.
"""

from __future__ import annotations

import contextlib
import copy
import io
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from . import cli
from .interp.scheduler import Budget

EXTREME_NUMBERS = [0, -1, -32, 1, 31, 33, 96, 2**31, -(2**31), 2**63, 10**12, 1048576, 3.5, float("inf")]
ODD_VALUES = [None, True, "", "M", "💥", [], {}, [1, 2], {"a": 1}, 1.0e308, "1e9", "ｍ", "\u202e"]
ERROR_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): \S")
RUN_BUDGET = Budget(max_steps=400_000, max_seconds=60.0, max_elements=1 << 22)


@dataclass
class Outcome:
    kind: str  # "ok", "big", "error" or "bug"
    detail: str  # the messages, or what went wrong


# ----- mutations ------------------------------------------------------------------------------------------------

def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a spec's data."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _set(data: Any, path: tuple, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def delete_key(data: dict, rng: random.Random) -> str:
    path = rng.choice(_paths(data))
    parent = _get(data, path[:-1])
    del parent[path[-1]]
    return _dump(data)


def change_type(data: dict, rng: random.Random) -> str:
    _set(data, rng.choice(_paths(data)), copy.deepcopy(rng.choice(ODD_VALUES)))
    return _dump(data)


def extreme_number(data: dict, rng: random.Random) -> str:
    numeric = [p for p in _paths(data) if isinstance(_get(data, p), (int, float)) and not isinstance(_get(data, p), bool)]
    _set(data, rng.choice(numeric or _paths(data)), rng.choice(EXTREME_NUMBERS))
    return _dump(data)


def huge_shape(data: dict, rng: random.Random) -> str:
    sizes = data.get("sizes") or {"X": 1}
    sizes[rng.choice(list(sizes))] = rng.choice([1048576, 65536 * 32, 1 << 20])
    data["sizes"] = sizes
    return _dump(data)


def wrong_dtype(data: dict, rng: random.Random) -> str:
    tensors = [("inputs", n) for n in data.get("inputs", {})] + [("outputs", n) for n in data.get("outputs", {})]
    if tensors:
        group, name = rng.choice(tensors)
        data[group][name]["dtype"] = rng.choice(["float64", "bf16", "int4", "float32", "uint8", "float8_e4m3", 5, ""])
    return _dump(data)


def unicode_text(data: dict, rng: random.Random) -> str:
    text = _dump(data)
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + rng.choice([" # 😀", "é", "\u200b", "\u202e", "ß"]) if ":" not in lines[i][-1:] else lines[i]
    key = rng.choice(["ä", "名前", "x\u0301"])
    return "\n".join(lines) + f"\n{key}: 1\n"


def deep_nesting(data: dict, rng: random.Random) -> str:
    depth = rng.choice([70, 500, 5000])
    nested: Any = 1
    for _ in range(depth):
        nested = [nested] if rng.random() < 0.5 else {"k": nested}
    path = rng.choice(_paths(data))
    _set(data, path, nested)
    try:
        return _dump(data)
    except RecursionError:
        return _dump({"pattern": "matmul"}) + "x: " + "[" * depth + "]" * depth + "\n"


def alias_bomb(data: dict, rng: random.Random) -> str:
    levels = rng.choice([6, 9, 12])
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]")
    return _dump(data) + "\n".join(lines) + "\n"


def python_tag(data: dict, rng: random.Random) -> str:
    tag = rng.choice(["!!python/object/apply:os.system ['echo pwned']", "!!python/name:os.system",
                      "!!binary aGVsbG8=", "!!set {a, b}", "!custom 1", "!!timestamp 2001-12-14"])
    path = rng.choice([p for p in _paths(data) if len(p) == 1])
    text = _dump(data)
    return text.replace(f"{path[0]}:", f"{path[0]}: {tag}\nzz_{path[0]}:", 1)


def broken_bytes(data: dict, rng: random.Random) -> str:
    text = list(_dump(data))
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(text))
        text[i] = rng.choice(["\t", ":", "{", "]", "&", "*", "'", '"', "\x00", "\x7f", "\ufffd", "- ", "\n  "])
    return "".join(text)


MUTATIONS: dict[str, Callable[[dict, random.Random], str]] = {
    f.__name__: f for f in (delete_key, change_type, extreme_number, huge_shape, wrong_dtype, unicode_text,
                            deep_nesting, alias_bomb, python_tag, broken_bytes)
}


# ----- running a case -------------------------------------------------------------------------------------------

def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _clear(stderr: str, spec: Path) -> str | None:
    """None when every message line is `spec:line: ...`; otherwise what is wrong with them."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "exit 1 without a message"
    for line in lines:
        if "Traceback" in line or "internal error" in line:
            return line
        m = ERROR_LINE.match(line)
        if not m or Path(m["file"]).name != spec.name:
            return f"unclear message: {line}"
    return None


def check_text(text: str, name: str = "fuzzed", run: bool = True) -> Outcome:
    """Validate and render one spec text in a temporary folder; run what renders."""
    with tempfile.TemporaryDirectory(prefix="ttgen-fuzz-") as tmp:
        spec = Path(tmp) / f"{name}.yaml"
        spec.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        code, _, err = _cli(["validate", "-q", str(spec)])
        if code not in (0, 1):
            return Outcome("bug", f"validate exit {code}: {err.strip()}")
        if code == 1:
            problem = _clear(err, spec)
            return Outcome("bug", problem) if problem else Outcome("error", err.strip())
        out = Path(tmp) / "out"
        code, _, err = _cli(["render", str(spec), "-o", str(out)])
        if code != 0:
            problem = _clear(err, spec) if code == 1 else f"render exit {code}"
            # validate accepted it, so render must too (rendering adds no new checks a user could trip)
            return Outcome("bug", f"validated but did not render: {problem or err.strip()}")
        if not run:
            return Outcome("ok", "rendered")
        from .interp.runner import run_folder

        try:
            report = run_folder(out / name, budget=RUN_BUDGET)
        except Exception as exc:  # noqa: BLE001 - any escape from a run of a clean render is a bug to report
            return Outcome("bug", f"run raised {type(exc).__name__}: {exc}")
        if report.violation is not None and report.violation.check == "budget":
            return Outcome("big", str(report.violation))
        if not report.ok:
            return Outcome("bug", f"clean render failed its run: {report.summary()} {report.violation or ''}")
        return Outcome("ok", "rendered and passed")


def fuzz_case(spec_path: Path, mutation: str, seed: int, run: bool = True) -> Outcome:
    data = yaml.safe_load(Path(spec_path).read_text())
    text = MUTATIONS[mutation](data, random.Random(seed))
    return check_text(text, Path(spec_path).stem, run)

"""ttgen.spec: schema check -> typed Spec; every problem is a SpecError `file:LINE: json.path: message`."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest
import sympy

from ttgen.errors import SpecError
from ttgen.paths import PROJECT_ROOT
from ttgen.spec import load_spec, parse_size_expression

SPECS = PROJECT_ROOT / "specs"
E, G, ME = "elementwise_add.yaml", "gemm.yaml", "multi_elementwise.yaml"


def line_of(text: str, needle: str) -> int:
    """1-based line of the only line of `text` that contains `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def lines_equal(text: str, line: str) -> list[int]:
    return [i for i, each in enumerate(text.splitlines(), 1) if each == line]


def edited(tmp_path: Path, spec: str, *edits: tuple[str, str], file: str = "bad.yaml") -> tuple[Path, str]:
    """A copy of a real spec with small text edits (each `old` must occur once); returns its path and text."""
    text = (SPECS / spec).read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur once"
        text = text.replace(old, new)
    path = tmp_path / file
    path.write_text(text)
    return path, text


def spec_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value


def assert_at(error: SpecError, path: Path, line: int, json_path: str, *fragments: str) -> None:
    text = str(error)
    assert error.location.file == str(path), text
    assert error.location.line == line, text
    assert error.location.path == json_path, text
    assert text.startswith(f"{path}:{line}: {json_path}: " if json_path else f"{path}:{line}: "), text
    assert "\n" not in text, text
    for fragment in fragments:
        assert fragment in text, text


@pytest.fixture
def no_eval(monkeypatch):
    """Fail the test if anything calls eval/exec while it runs."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"eval/exec called with {args!r}")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)


# --- the good specs ------------------------------------------------------------------------------------------------


def test_gemm_spec_is_typed():
    spec = load_spec(SPECS / G)
    assert spec.name == "gemm" and spec.pattern == "matmul"
    assert spec.sizes == {"M": 256, "N": 256, "K": 256}
    M, N, K = (sympy.Symbol(n, integer=True, positive=True) for n in "MNK")
    assert spec.inputs["A"].shape == (M, K) and spec.inputs["A"].dims == (256, 256)
    assert spec.inputs["B"].shape == (K, N)
    assert list(spec.outputs) == ["C"] and spec.outputs["C"].is_output and spec.outputs["C"].group == "outputs"
    assert spec.inputs["A"].layout == "tile" and spec.inputs["A"].placement == "dram"
    assert spec.schedule.grid == (4, 4)
    assert spec.schedule.cb_depth == {"*": "auto"}
    assert spec.schedule.math_fidelity == "HiFi4"
    assert spec.schedule.dst_sync == "half" and spec.schedule.fp32_accumulation is False
    assert spec.schedule.tiles_per_block is None and spec.device_grid is None
    assert spec.compute == {"expression": "A @ B"}
    text = (SPECS / G).read_text()
    assert spec.where("sizes", "K").line == line_of(text, "K: 256")


@pytest.mark.parametrize("name", [E, G, ME])
def test_every_good_spec_loads(name):
    spec = load_spec(SPECS / name)
    assert spec.name == Path(name).stem
    assert all(all(d > 0 for d in t.dims) for t in spec.tensors.values())


def test_cb_depth_per_tensor(tmp_path):
    path, _ = edited(tmp_path, E, ("  cb_depth: auto", "  cb_depth:\n    A: 3\n    C: auto"))
    assert load_spec(path).schedule.cb_depth == {"A": 3, "C": "auto", "*": "auto"}


# --- shape expressions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("M * 2", 1024), ("2 * M", 1024), ("(M + N) / 3", 512), ("N // 4", 256), ("N // 3", 341), ("N - M", 512),
    ("-M + 2 * N", 1536), ("M", 512), ("  N  ", 1024), ("64", 64), ("M * N / (N / 2)", 1024),
])
def test_size_expressions_evaluate(text, value):
    expr = parse_size_expression(text, "MN")
    assert expr.value({"M": 512, "N": 1024}) // 1 == value


def test_shape_expressions_in_a_spec(tmp_path):
    path, _ = edited(tmp_path, E, ("  A:\n    shape: [M, N]", "  A:\n    shape: [M * 2, N / 2]"),
                     ("  B:\n    shape: [M, N]", "  B:\n    shape: ['2 * M', N // 2]"),
                     ("  C:\n    shape: [M, N]", "  C:\n    shape: [1024, '512']"))
    spec = load_spec(path)
    M, N = (sympy.Symbol(n, integer=True, positive=True) for n in "MN")
    assert spec.inputs["A"].dims == spec.inputs["B"].dims == spec.outputs["C"].dims == (1024, 512)
    assert spec.inputs["A"].shape == (2 * M, N / 2)
    assert spec.inputs["B"].shape == (2 * M, sympy.floor(N / 2))
    assert spec.outputs["C"].shape == (1024, 512)


@pytest.mark.parametrize("shape, fragment", [
    # rejected by the schema's character set
    ("\"__import__('os').system('true')\"", "does not match"),
    ("N.real", "does not match"),
    ("'M % 32'", "does not match"),
    ("'M < N'", "does not match"),
    ("'~M'", "does not match"),
    ("'lambda: M'", "does not match"),
    ("'[M]'", "does not match"),
    # parsed, then refused by the arithmetic walker
    ("M ** 2", "only size names, integers and + - * / are allowed in 'M ** 2'"),
    ("abs(M)", "only size names, integers and + - * / are allowed in 'abs(M)'"),
    ("int(M)", "only size names, integers and + - * / are allowed in 'int(M)'"),
    ("exec(M)", "only size names, integers and + - * / are allowed in 'exec(M)'"),
    ("M if N else N", "only size names, integers and + - * / are allowed in 'M if N else N'"),
    ("M and N", "only size names, integers and + - * / are allowed"),
    ("not M", "only size names, integers and + - * / are allowed"),
    ("+M", "only size names, integers and + - * / are allowed"),
    ("'True'", "only size names, integers and + - * / are allowed"),
    ("M N", "cannot parse 'M N' as arithmetic over size names"),
    ("'M +'", "cannot parse"),
    ("' '", "cannot parse"),
    # a name is only ever a size
    ("__import__", "unknown size '__import__' (sizes: M, N)"),
    ("os", "unknown size 'os' (sizes: M, N)"),
    ("K", "unknown size 'K' (sizes: M, N)"),
])
def test_forbidden_shape_syntax_is_rejected_without_eval(tmp_path, no_eval, shape, fragment):
    path, text = edited(tmp_path, E, ("  B:\n    shape: [M, N]", f"  B:\n    shape: [M, {shape}]"))
    assert_at(spec_error(path), path, line_of(text, f"shape: [M, {shape}]"), "inputs.B.shape[1]", fragment)


def test_parse_size_expression_never_evaluates(tmp_path, no_eval):
    marker = tmp_path / "pwned"
    for text in (f"__import__('os').system('touch {marker}')", f"open('{marker}', 'w')", "M.__class__"):
        with pytest.raises(ValueError, match="only size names"):
            parse_size_expression(text, ["M"])
    assert not marker.exists()


@pytest.mark.parametrize("shape, value", [("N - 2048", "-1024"), ("M - M", "0"), ("N / 3", "1024/3")])
def test_shape_that_is_not_a_positive_integer(tmp_path, shape, value):
    path, text = edited(tmp_path, E, ("  B:\n    shape: [M, N]", f"  B:\n    shape: [M, {shape}]"))
    assert_at(spec_error(path), path, line_of(text, f"[M, {shape}]"), "inputs.B.shape[1]",
              f"'{shape}' evaluates to {value}, not a positive integer")


@pytest.mark.parametrize("shape", ["N / 0", "N // 0", "M / (N - N)"])
def test_shape_that_divides_by_zero(tmp_path, shape):
    path, text = edited(tmp_path, E, ("  B:\n    shape: [M, N]", f"  B:\n    shape: [M, '{shape}']"))
    assert_at(spec_error(path), path, line_of(text, f"[M, '{shape}']"), "inputs.B.shape[1]",
              f"'{shape}' divides by zero")


@pytest.mark.parametrize("dim, shown", [("1024.0", "1024.0"), ("true", "True"), ("null", "None"), ("[N]", "['N']")])
def test_shape_entry_of_the_wrong_type(tmp_path, dim, shown):
    path, text = edited(tmp_path, E, ("  B:\n    shape: [M, N]", f"  B:\n    shape:\n      - M\n      - {dim}"))
    assert_at(spec_error(path), path, line_of(text, f"      - {dim}"), "inputs.B.shape[1]",
              f"{shown} is not valid here; expected one of: integer, string")


def test_shape_naming_an_unknown_size(tmp_path):
    path, text = edited(tmp_path, G, ("    shape: [K, N]", "    shape: [K, P]"))
    assert_at(spec_error(path), path, line_of(text, "[K, P]"), "inputs.B.shape[1]", "unknown size 'P' (sizes: K, M, N)")


# --- unknown keys --------------------------------------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    path, text = edited(tmp_path, G, ("pattern: matmul", "pattern: matmul\nkernel_name: gemm_fast"))
    assert_at(spec_error(path), path, line_of(text, "kernel_name:"), "kernel_name",
              "unknown key 'kernel_name' (allowed here: compute, description, device, inputs, outputs, pattern, "
              "schedule, sizes)")


def test_unknown_key_in_a_tensor(tmp_path):
    path, text = edited(tmp_path, G, ("    shape: [K, N]", "    shape: [K, N]\n    stride: [N, 1]"))
    assert_at(spec_error(path), path, line_of(text, "stride:"), "inputs.B.stride", "unknown key 'stride'", "dtype",
              "shape")


def test_unknown_key_in_the_schedule(tmp_path):
    path, text = edited(tmp_path, G, ("  cb_depth: auto", "  cb_depth: auto\n  prefetch: 2"))
    assert_at(spec_error(path), path, line_of(text, "prefetch"), "schedule.prefetch", "unknown key 'prefetch'",
              "cb_depth", "math_fidelity")


def test_unknown_key_in_dst(tmp_path):
    path, text = edited(tmp_path, G, ("  cb_depth: auto", "  cb_depth: auto\n  dst:\n    sync: half\n    tiles: 8"))
    assert_at(spec_error(path), path, line_of(text, "tiles: 8"), "schedule.dst.tiles", "unknown key 'tiles'",
              "fp32_accumulation, sync")


def test_yaml_11_boolean_key_is_named_as_written(tmp_path):
    path, text = edited(tmp_path, G, ("  cb_depth: auto", "  cb_depth: auto\n  on: 2"))
    assert_at(spec_error(path), path, line_of(text, "  on: 2"), "schedule.on", "unknown key 'on'")


@pytest.mark.parametrize("spec, old, key, value", [
    (E, "  expression: A + B", "causal", "true"),
    (E, "  expression: A + B", "transpose_b", "false"),
    (ME, "  expression: A * B + C", "op", "sum"),
    (G, "  expression: A @ B", "causal", "true"),
    (G, "  expression: A @ B", "colour", "red"),
])
def test_compute_key_of_another_pattern_is_rejected_at_its_line(tmp_path, spec, old, key, value):
    path, text = edited(tmp_path, spec, (old, f"{old}\n  {key}: {value}"))
    assert_at(spec_error(path), path, line_of(text, f"  {key}: {value}"), f"compute.{key}",
              f"key {key!r} is not allowed here")


@pytest.mark.parametrize("section, old, name", [
    ("sizes", "  M: 512", "M-1"), ("inputs", "  B:\n    shape", "B.x"), ("inputs", "  B:\n    shape", "1B"),
])
def test_bad_names_are_rejected_at_their_line(tmp_path, section, old, name):
    path, text = edited(tmp_path, E, (old, old.replace(old.strip().split(":")[0], name, 1)))
    assert_at(spec_error(path), path, line_of(text, f"  {name}:"), f"{section}.{name}", f"key {name!r} is not allowed",
              "does not match")


# --- dtypes, sizes -------------------------------------------------------------------------------------------------


def test_wrong_dtype(tmp_path):
    path, text = edited(tmp_path, G, ("    shape: [K, N]\n    dtype: bfloat16", "    shape: [K, N]\n    dtype: bfloat17"))
    assert_at(spec_error(path), path, line_of(text, "bfloat17"), "inputs.B.dtype", "'bfloat17' is not one of",
              "'bfloat16'")


@pytest.mark.parametrize("value, fragment", [
    ("-256", "-256 is less than the minimum of 1"),
    ("0", "0 is less than the minimum of 1"),
    ("2097152", "2097152 is greater than the maximum of 1048576"),
    ("\"__import__('os')\"", "\"__import__('os')\" is not of type 'integer'"),
    ("'256'", "'256' is not of type 'integer'"),
    ("256.0", "256.0 is not of type 'integer'"),
    ("2.56e+2", "256.0 is not of type 'integer'"),
    ("true", "True is not of type 'integer'"),
    ("null", "None is not of type 'integer'"),
    ("[256]", "[256] is not of type 'integer'"),
])
def test_bad_size_value(tmp_path, no_eval, value, fragment):
    path, text = edited(tmp_path, G, ("  K: 256", f"  K: {value}"))
    assert_at(spec_error(path), path, line_of(text, f"K: {value}"), "sizes.K", fragment)


@pytest.mark.parametrize("old, new, json_path, fragment", [
    ("  grid: [4, 4]", "  grid: [4.0, 4]", "schedule.grid[0]", "4.0 is not of type 'integer'"),
    ("  tiles_per_block: 1", "  tiles_per_block: 2.0", "schedule.tiles_per_block", "2.0 is not of type 'integer'"),
    ("  cb_depth: auto", "  cb_depth: 2.0", "schedule.cb_depth", "2.0 is not valid here; expected one of: integer, 'auto'"),
    ("  tiles_per_block: 1", "  tiles_per_block: 0", "schedule.tiles_per_block", "0 is less than the minimum of 1"),
    ("  grid: [4, 4]", "  grid: [4, 0]", "schedule.grid[1]", "0 is less than the minimum of 1"),
    ("  cb_depth: auto", "  cb_depth: -2", "schedule.cb_depth", "-2 is less than the minimum of 1"),
])
def test_schedule_counts_must_be_positive_integers(tmp_path, old, new, json_path, fragment):
    path, text = edited(tmp_path, E, (old, new))
    assert_at(spec_error(path), path, line_of(text, new.strip()), json_path, fragment)


def test_missing_required_key(tmp_path):
    path, text = edited(tmp_path, G, ("    shape: [K, N]\n", ""))
    assert_at(spec_error(path), path, line_of(text, "  B:"), "inputs.B", "'shape' is a required property")


def test_a_spec_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- pattern: matmul\n- sizes: {M: 32}\n")
    assert_at(spec_error(path), path, 1, "", "a spec must be a YAML mapping")


# --- cross references ----------------------------------------------------------------------------------------------


def test_cb_depth_naming_an_unknown_tensor(tmp_path):
    path, text = edited(tmp_path, E, ("  cb_depth: auto", "  cb_depth:\n    A: 2\n    D: 4"))
    assert_at(spec_error(path), path, line_of(text, "    D: 4"), "schedule.cb_depth.D", "cb_depth names unknown tensor 'D'")


def test_carry_naming_an_unknown_tensor(tmp_path):
    path, text = edited(tmp_path, E, ("  cb_depth: auto", "  cb_depth: auto\n  carry:\n    X: bfloat16"))
    assert_at(spec_error(path), path, line_of(text, "    X: bfloat16"), "schedule.carry.X",
              "carry names unknown tensor 'X'")


def test_tensor_named_like_a_size(tmp_path):
    path, text = edited(tmp_path, G, ("  B:\n    shape: [K, N]", "  K:\n    shape: [K, N]"),
                        ("  expression: A @ B", "  expression: A @ K"))
    assert_at(spec_error(path), path, lines_equal(text, "  K:")[0], "inputs.K",
              "tensor 'K' has the same name as a size")


def test_output_named_like_an_input(tmp_path):
    path, text = edited(tmp_path, E, ("outputs:\n  C:", "outputs:\n  B:"))
    assert_at(spec_error(path), path, lines_equal(text, "  B:")[1], "outputs.B", "tensor 'B' is both an input and an output")


def test_the_schema_is_a_valid_2020_12_schema():
    import json

    import jsonschema

    from ttgen.paths import SCHEMA_FILE

    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    jsonschema.validators.validator_for(schema).check_schema(schema)

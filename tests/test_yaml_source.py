"""ttgen.yaml_source: plain data with the line of every value; every malformed input is a SpecError at file:line."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from ttgen.errors import SpecError
from ttgen.paths import PROJECT_ROOT
from ttgen.yaml_source import MAX_BYTES, MAX_DEPTH, MAX_NODES, format_path, load_yaml

SPECS = PROJECT_ROOT / "specs"


def good(name: str) -> str:
    return (SPECS / name).read_text()


def line_of(text: str, needle: str) -> int:
    """1-based line of the only line of `text` that contains `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def edited(tmp_path: Path, spec: str, old: str, new: str, file: str = "bad.yaml") -> tuple[Path, str]:
    """A copy of a real spec with one small text edit; returns its path and text."""
    text = good(spec)
    assert text.count(old) == 1, f"{old!r} must occur once in {spec}"
    text = text.replace(old, new)
    path = tmp_path / file
    path.write_text(text)
    return path, text


def load_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_yaml(path)
    return info.value


def assert_at(error: SpecError, path: Path, line: int | None, *fragments: str) -> None:
    assert error.location is not None
    assert error.location.file == str(path)
    assert error.location.line == line, str(error)
    text = str(error)
    assert text.startswith(f"{path}:{line}: " if line else f"{path}: "), text
    assert "\n" not in text, text
    for fragment in fragments:
        assert fragment in text, text


# --- good specs: data and lines ------------------------------------------------------------------------------------


def test_good_spec_data_and_lines_of_nested_keys():
    text = good("gemm.yaml")
    doc = load_yaml(SPECS / "gemm.yaml")
    assert doc.data["sizes"] == {"M": 256, "N": 256, "K": 256}
    assert doc.data["inputs"]["B"] == {"shape": ["K", "N"], "dtype": "bfloat16"}
    assert doc.data["schedule"]["grid"] == [4, 4]
    b = line_of(text, "  B:")
    assert doc.line_of(("inputs", "B")) == b
    assert doc.line_of(("inputs", "B", "shape")) == b + 1
    assert doc.line_of(("inputs", "B", "dtype")) == b + 2
    assert doc.line_of(("sizes", "K")) == line_of(text, "K: 256")
    assert doc.line_of(("schedule", "math_fidelity")) == line_of(text, "math_fidelity:")
    # a folded scalar is at its key's line, the first key at its own line
    assert doc.line_of(("description",)) == line_of(text, "description: >")
    assert doc.line_of(("pattern",)) == line_of(text, "pattern: matmul")


def test_line_of_flow_and_block_list_items(tmp_path):
    path, text = edited(tmp_path, "elementwise_add.yaml", "  B:\n    shape: [M, N]\n",
                        "  B:\n    shape:\n      - M\n      - N\n")
    doc = load_yaml(path)
    assert doc.data["inputs"]["B"]["shape"] == ["M", "N"]
    assert doc.line_of(("inputs", "B", "shape", 0)) == line_of(text, "      - M")
    assert doc.line_of(("inputs", "B", "shape", 1)) == line_of(text, "      - N")
    # flow list items share their list's line
    a_shape = line_of(text, "  A:") + 1
    assert doc.line_of(("inputs", "A", "shape", 0)) == a_shape
    assert doc.line_of(("inputs", "A", "shape", 1)) == a_shape
    assert doc.line_of(("schedule", "grid", 1)) == line_of(text, "grid: [4, 4]")


def test_missing_path_falls_back_to_nearest_ancestor_and_where_formats_it():
    text = good("elementwise_add.yaml")
    doc = load_yaml(SPECS / "elementwise_add.yaml")
    assert doc.line_of(("inputs", "A", "layout")) == line_of(text, "  A:")
    assert doc.line_of(()) == line_of(text, "description: >")  # the root mapping starts at its first key
    where = doc.where(("inputs", "A", "shape", 1))
    assert str(where) == f"{SPECS / 'elementwise_add.yaml'}:{line_of(text, '  A:') + 1}: inputs.A.shape[1]"
    assert format_path(("inputs", "A", "shape", 0)) == "inputs.A.shape[0]"
    assert format_path((0, "x")) == "[0].x"
    assert format_path(()) == ""


def test_small_aliases_are_expanded(tmp_path):
    path, _ = edited(tmp_path, "elementwise_add.yaml", "  A:\n    shape: [M, N]", "  A:\n    shape: &mn [M, N]")
    path.write_text(path.read_text().replace("  B:\n    shape: [M, N]", "  B:\n    shape: *mn"))
    doc = load_yaml(path)
    assert doc.data["inputs"]["B"]["shape"] == ["M", "N"]
    assert doc.data["inputs"]["B"]["shape"] is not doc.data["inputs"]["A"]["shape"]


def test_keys_are_names_as_written(tmp_path):
    # YAML 1.1 would read `on`/`No`/`~`/`0x10` keys as True/False/None/16; a key is the name the author wrote.
    path, _ = edited(tmp_path, "elementwise_add.yaml", "  cb_depth: auto",
                     "  cb_depth: auto\n  on: 1\n  No: 2\n  ~: 3\n  0x10: 4")
    schedule = load_yaml(path).data["schedule"]
    assert list(schedule)[-4:] == ["on", "No", "~", "0x10"]


# --- YAML syntax ---------------------------------------------------------------------------------------------------


def test_syntax_error_unclosed_flow_list(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "    shape: [K, N]", "    shape: [K, N")
    error = load_error(path)
    # the parser notices at the next key, the line after the unclosed list, and says where the list began
    opened = line_of(text, "shape: [K, N")
    assert_at(error, path, opened + 1, f"YAML syntax error: while parsing a flow sequence on line {opened}, "
                                       "expected ',' or ']', but got ':'")


def test_syntax_error_unclosed_quote_names_its_line(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  expression: A @ B", "  expression: \"A @ B")
    # the problem is found at the end of the text; the message says where the quoted scalar began
    assert_at(load_error(path), path, len(text.splitlines()) + 1,
              f"while scanning a quoted scalar on line {line_of(text, 'expression:')}, found unexpected end of stream")


def test_syntax_error_bad_indentation(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "    dtype: bfloat16\n  B:", "    dtype: bfloat16\n   B:")
    assert_at(load_error(path), path, line_of(text, "   B:"), "YAML syntax error")


def test_syntax_error_tab_indentation(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  math_fidelity: HiFi4", "\tmath_fidelity: HiFi4")
    assert_at(load_error(path), path, line_of(text, "\tmath_fidelity"), "YAML syntax error", "'\\t'")


def test_second_document_is_an_error(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "schedule:", "---\nschedule:")
    assert_at(load_error(path), path, line_of(text, "---"), "YAML syntax error", "single document")


def test_undefined_alias(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "    shape: [K, N]", "    shape: *kn")
    assert_at(load_error(path), path, line_of(text, "*kn"), "undefined alias 'kn'")


# --- tags: plain data only, nothing executed ------------------------------------------------------------------------


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object/apply:subprocess.call",
    "!!python/object/apply:builtins.exec",
])
def test_python_apply_tags_are_rejected_without_running_anything(tmp_path, monkeypatch, tag):
    marker = tmp_path / "pwned"
    called = []
    monkeypatch.setattr("os.system", lambda *a, **k: called.append(a))
    value = f"import os; os.system('touch {marker}')" if tag.endswith("exec") else f"touch {marker}"
    path, text = edited(tmp_path, "elementwise_add.yaml", "  expression: A + B",
                        f"  expression: {tag} [\"{value}\"]")
    error = load_error(path)
    assert_at(error, path, line_of(text, "expression:"), "compute.expression", "YAML tag",
              tag.replace("!!", "tag:yaml.org,2002:"), "is not allowed in a spec (plain data only)")
    assert not marker.exists()
    assert called == []


@pytest.mark.parametrize("value, tag", [
    ("!!python/name:os.system", "tag:yaml.org,2002:python/name:os.system"),
    ("!!python/tuple [M, N]", "tag:yaml.org,2002:python/tuple"),
    ("!!set {M, N}", "tag:yaml.org,2002:set"),
    ("!!binary TU4=", "tag:yaml.org,2002:binary"),
    ("!!omap [{M: 1}]", "tag:yaml.org,2002:omap"),
    ("!shape [M, N]", "!shape"),
    ("!<tag:example.com,2024:shape> [M, N]", "tag:example.com,2024:shape"),
])
def test_other_tags_are_rejected(tmp_path, value, tag):
    path, text = edited(tmp_path, "elementwise_add.yaml", "  B:\n    shape: [M, N]", f"  B:\n    shape: {value}")
    assert_at(load_error(path), path, line_of(text, "    shape: !"), "inputs.B.shape", f"YAML tag {tag!r}",
              "not allowed")


def test_implicit_timestamp_is_not_plain_data(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  math_fidelity: HiFi4", "  math_fidelity: 2024-01-01")
    assert_at(load_error(path), path, line_of(text, "2024-01-01"), "timestamp", "not allowed")


def test_tag_on_a_mapping_key_is_rejected(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  K: 256", "  ? !!python/tuple [K, 1]\n  : 256")
    assert_at(load_error(path), path, line_of(text, "? !!python"), "sizes", "mapping keys must be plain scalars")


@pytest.mark.parametrize("value, kind", [("!!seq M", "scalar"), ("!!map M", "scalar"), ("!!str [M, N]", "sequence"),
                                         ("!!int {M: 1}", "mapping")])
def test_core_tag_on_the_wrong_kind_of_node(tmp_path, value, kind):
    path, text = edited(tmp_path, "elementwise_add.yaml", "  B:\n    shape: [M, N]", f"  B:\n    shape: {value}")
    assert_at(load_error(path), path, line_of(text, value), "inputs.B.shape", f"cannot tag a {kind}")


@pytest.mark.parametrize("value", ["!!bool maybe", "!!int twelve", "!!float wide"])
def test_core_tag_with_a_bad_value(tmp_path, value):
    path, text = edited(tmp_path, "gemm.yaml", "  K: 256", f"  K: {value}")
    assert_at(load_error(path), path, line_of(text, value), "sizes.K", "bad value")


def test_explicit_core_tags_are_plain_data(tmp_path):
    path, _ = edited(tmp_path, "gemm.yaml", "  K: 256", "  K: !!int '256'")
    assert load_yaml(path).data["sizes"]["K"] == 256


# --- alias bombs and size limits ------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    text = 'lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels + 1):
        text += f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 9) + "]\n"
    return text


def mapping_bomb(levels: int = 9) -> str:
    text = "bomb0: &b0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x}\n"
    for i in range(1, levels + 1):
        text += f"bomb{i}: &b{i} {{" + ", ".join(f"k{j}: *b{i - 1}" for j in range(9)) + "}\n"
    return text


@pytest.mark.parametrize("bomb", [billion_laughs, mapping_bomb])
def test_alias_bomb_is_rejected_quickly_in_bounded_memory(tmp_path, bomb):
    text = good("gemm.yaml") + bomb()
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = load_error(path)
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert seconds < 3
    assert peak < 64 << 20
    # the count runs out inside an expansion; the line is that of the value being expanded, in the bomb
    assert error.location.file == str(path)
    assert error.location.line > len(good("gemm.yaml").splitlines())
    assert f"document expands to more than {MAX_NODES} values (alias bomb?)" in str(error)
    assert "\n" not in str(error)


def test_alias_bomb_through_cli_is_one_line(tmp_path, capsys):
    from ttgen.cli import main

    path = tmp_path / "bomb.yaml"
    path.write_text(good("gemm.yaml") + billion_laughs())
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "alias bomb" in err and err.startswith(f"{path}:")


def test_recursive_alias_is_rejected(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "    shape: [K, N]", "    shape: &loop [K, *loop]")
    assert_at(load_error(path), path, line_of(text, "&loop"), f"nesting deeper than {MAX_DEPTH} levels")


def test_file_over_one_mebibyte_is_rejected_before_parsing(tmp_path):
    text = good("gemm.yaml")
    path = tmp_path / "big.yaml"
    path.write_text(text + "# " + "x" * (MAX_BYTES - len(text.encode())) + "\n")
    size = path.stat().st_size
    assert size > MAX_BYTES
    started = time.perf_counter()
    assert_at(load_error(path), path, 1, f"spec is {size} bytes; the limit is {MAX_BYTES}")
    assert time.perf_counter() - started < 0.5


def test_file_of_exactly_one_mebibyte_is_accepted(tmp_path):
    text = good("gemm.yaml")
    path = tmp_path / "full.yaml"
    path.write_text(text + "#" + "x" * (MAX_BYTES - len(text.encode()) - 2) + "\n")
    assert path.stat().st_size == MAX_BYTES
    assert load_yaml(path).data["pattern"] == "matmul"


def test_too_many_values_without_aliases(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  cb_depth: auto", "  cb_depth: auto\n  pad: [" +
                        ", ".join(["1"] * (MAX_NODES + 10)) + "]")
    assert_at(load_error(path), path, line_of(text, "  pad: ["), "schedule.pad[", f"more than {MAX_NODES} values")


# --- deep nesting ---------------------------------------------------------------------------------------------------


def test_deep_block_nesting_points_at_the_first_level_too_deep(tmp_path):
    text = good("gemm.yaml") + "deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)) + "  " * 100 + "x: 1\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    # the value of `deep` (a mapping starting on the line of k1) is at depth 1, the mapping starting on the line of k{i}
    # at depth i; so the key k{MAX_DEPTH} and its value are the first things deeper than MAX_DEPTH
    assert_at(load_error(path), path, line_of(text, f" k{MAX_DEPTH}:"), f"nesting deeper than {MAX_DEPTH} levels")


def test_nesting_at_the_limit_is_accepted(tmp_path):
    # root mapping (depth 0) -> deep (1) -> ... a scalar at depth MAX_DEPTH
    text = good("gemm.yaml") + "deep: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    value = load_yaml(path).data["deep"]
    for _ in range(MAX_DEPTH - 2):
        value = value[0]
    assert value == [1]


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_very_deep_nesting_is_rejected_quickly_with_a_line(tmp_path, opening):
    depth = 200_000 if opening == "[" else 5_000
    body = opening * depth + "1"
    # block sequences nest on one line only at the top level
    text = body + "\n" if opening == "- " else good("gemm.yaml") + f"deep: {body}\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    assert path.stat().st_size <= MAX_BYTES
    started = time.perf_counter()
    error = load_error(path)
    assert time.perf_counter() - started < 2
    line = 1 if opening == "- " else line_of(text, "deep: ")
    assert_at(error, path, line, f"nesting deeper than {MAX_DEPTH} levels")


# --- duplicates, merge keys -----------------------------------------------------------------------------------------


def test_duplicate_key_points_at_the_second_one(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "    shape: [K, N]\n    dtype: bfloat16",
                        "    shape: [K, N]\n    dtype: bfloat16\n    dtype: float32")
    assert_at(load_error(path), path, line_of(text, "dtype: float32"), "inputs.B.dtype", "duplicate key 'dtype'")


def test_duplicate_top_level_key(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "pattern: matmul", "pattern: matmul\npattern: elementwise")
    assert_at(load_error(path), path, line_of(text, "pattern: elementwise"), "pattern: duplicate key 'pattern'")


def test_duplicate_key_spelled_differently_is_still_a_duplicate(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  K: 256", "  K: 256\n  'K': 512")
    assert_at(load_error(path), path, line_of(text, "'K': 512"), "sizes.K", "duplicate key 'K'")


def test_merge_key_is_rejected(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  A:\n    shape: [M, K]\n    dtype: bfloat16",
                        "  A: &a\n    shape: [M, K]\n    dtype: bfloat16")
    path.write_text(text := text.replace("  B:\n    shape: [K, N]\n    dtype: bfloat16",
                                         "  B:\n    <<: *a\n    shape: [K, N]"))
    assert_at(load_error(path), path, line_of(text, "<<: *a"), "inputs.B", "merge keys (<<) are not supported")


# --- encoding, empty files ------------------------------------------------------------------------------------------


def test_non_utf8_bytes(tmp_path):
    text = good("gemm.yaml")
    raw = text.encode().replace(b"math_fidelity: HiFi4", b"math_fidelity: HiFi\xff4")
    path = tmp_path / "latin.yaml"
    path.write_bytes(raw)
    assert_at(load_error(path), path, line_of(text, "math_fidelity"), "spec is not valid UTF-8")


def test_utf16_file_is_not_utf8(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(good("gemm.yaml").encode("utf-16"))
    assert_at(load_error(path), path, 1, "spec is not valid UTF-8")


def test_control_character_is_one_line_with_its_line(tmp_path):
    path, text = edited(tmp_path, "gemm.yaml", "  math_fidelity: HiFi4", "  math_fidelity: Hi\x01Fi4")
    assert_at(load_error(path), path, line_of(text, "math_fidelity"), "unacceptable character #x0001")


def test_utf8_bom_and_non_ascii_text_are_fine(tmp_path):
    path, _ = edited(tmp_path, "gemm.yaml", "C = A @ B.", "C = A × B, ½ précision.")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    doc = load_yaml(path)
    assert "×" in doc.data["description"]
    assert doc.line_of(("pattern",)) == line_of(path.read_text(encoding="utf-8-sig"), "pattern:")


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_text(content)
    assert_at(load_error(path), path, 1, "spec is empty")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    error = load_error(path)
    assert error.location.file == str(path) and error.location.line is None
    assert str(error) == f"{path}: cannot read spec: No such file or directory"

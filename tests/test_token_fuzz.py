"""Random token edits of the GEMM kernels never end in a traceback or a hang (a sample; the 1,000-case campaign
is `python scripts/fuzz_tokens.py`)."""

import pytest

from ttgen import testing, token_fuzz
from ttgen.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def gemm(tmp_path_factory):
    return testing.render_spec(PROJECT_ROOT / "specs" / "gemm.yaml", tmp_path_factory.mktemp("tokens"))


def test_tokens_are_the_leaves_of_the_parse():
    source = "// a comment\nuint32_t n = get_arg_val<uint32_t>(0) + 1;\n"
    texts = [t.text for t in token_fuzz.tokens(source)]
    assert texts == ["uint32_t", "n", "=", "get_arg_val", "<", "uint32_t", ">", "(", "0", ")", "+", "1", ";"]
    for t in token_fuzz.tokens(source):
        assert source.encode()[t.start:t.end].decode() == t.text


def test_every_edit_changes_the_text(gemm):
    for seed in range(60):
        case, text = token_fuzz.make_case(gemm, seed)
        assert text != (gemm / case.file).read_text() or case.edit == "swap", case.what
    assert token_fuzz.make_case(gemm, 7) == token_fuzz.make_case(gemm, 7)


@pytest.mark.parametrize("returncode, output, outcome", [
    (0, "gemm: passed", "ok"),
    (1, "x.cpp:3: unknown name 'c_0'\ngemm: FAILED", "diagnosed"),
    (1, "internal error: KeyError: 'x' (set TTGEN_DEBUG=1 for the traceback)", "bug"),
    (1, "Traceback (most recent call last):\n  File ...", "bug"),
    (-11, "", "bug"),
    (None, "", "bug"),
])
def test_outcomes(returncode, output, outcome):
    assert token_fuzz.classify(returncode, output)[0] == outcome


def test_sample_of_token_edits_has_no_bug(gemm):
    result = token_fuzz.campaign(gemm, range(40))
    assert [(c.seed, c.what, c.detail) for c in result.bugs] == []
    assert result.count("diagnosed") >= 20, "edits should mostly break the kernels"

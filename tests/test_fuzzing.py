"""Fuzzed specs (`ttgen.fuzzing`): every mutation of every spec ends in a clean render that runs, or in clear
`file:line:` errors; never a traceback, an unclear message or a failed run. 200 cases here; the full campaign
is `python scripts/fuzz_specs.py`."""

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttgen import fuzzing
from ttgen.interp.scheduler import Budget
from ttgen.paths import PROJECT_ROOT

SPECS = sorted((PROJECT_ROOT / "specs").glob("*.yaml"))


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(spec=st.sampled_from(SPECS), mutation=st.sampled_from(sorted(fuzzing.MUTATIONS)),
       seed=st.integers(0, 2**32 - 1))
def test_fuzzed_specs_end_cleanly(monkeypatch, spec, mutation, seed):
    monkeypatch.setattr(fuzzing, "RUN_BUDGET", Budget(max_steps=60_000, max_seconds=30.0, max_elements=1 << 20))
    outcome = fuzzing.fuzz_case(spec, mutation, seed)
    assert outcome.kind != "bug", f"{spec.name} {mutation} seed {seed}: {outcome.detail}"


@pytest.mark.parametrize("mutation", sorted(fuzzing.MUTATIONS))
def test_every_mutation_changes_the_spec(mutation):
    import yaml

    original = (PROJECT_ROOT / "specs" / "gemm.yaml").read_text()
    text = fuzzing.MUTATIONS[mutation](yaml.safe_load(original), random.Random(0))
    assert text != yaml.safe_dump(yaml.safe_load(original), sort_keys=False)


def test_the_classifier_flags_an_unclear_message(tmp_path):
    spec = tmp_path / "a.yaml"
    assert fuzzing._clear(f"{spec}:3: inputs.A.shape: bad\n", spec) is None
    assert fuzzing._clear("something broke\n", spec).startswith("unclear message")
    assert "internal error" in fuzzing._clear(f"{spec}:3: internal error: KeyError\n", spec)


def test_alias_bombs_and_python_tags_are_clear_errors():
    data = {"pattern": "matmul", "sizes": {"M": 32}}
    for mutation in ("alias_bomb", "python_tag"):
        outcome = fuzzing.check_text(fuzzing.MUTATIONS[mutation](dict(data), random.Random(1)))
        assert outcome.kind == "error", outcome.detail

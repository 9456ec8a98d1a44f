"""The mutation campaign (`ttgen.mutation`), sampled: mutants of emitted kernels are diagnosed by the
interpreter. The whole campaign is `python scripts/mutation_campaign.py`."""

import random

import pytest

from ttgen.mutation import Mutant, apply, diagnosed, mutants
from ttgen.paths import PROJECT_ROOT

SAMPLED = ("elementwise_add", "gemm", "reduction", "cast", "gemv", "linear_attention")


@pytest.mark.parametrize("kernel", SAMPLED)
def test_sampled_mutants_are_diagnosed(kernel):
    folder = PROJECT_ROOT / "generated" / kernel
    sample = random.Random(kernel).sample(mutants(folder), 8)
    survivors = [m.describe() for m in sample if not diagnosed(folder, m)[0]]
    assert survivors == []


def test_mutation_sites_cover_every_family():
    kinds = {m.kind.split()[0] + (" " + m.kind.split()[1] if m.kind.startswith("delete") else "")
             for m in mutants(PROJECT_ROOT / "generated" / "gemm")}
    assert {"delete cb_wait_front", "delete noc_async_read_barrier", "delete tile_regs_acquire", "matmul_tiles",
            "loop"} <= kinds


def test_a_mutant_changes_only_its_line(tmp_path):
    folder = PROJECT_ROOT / "generated" / "gemm"
    mutant = next(m for m in mutants(folder) if m.kind == "delete noc_async_read_barrier")
    copy = apply(folder, mutant, tmp_path / "gemm")
    before = (folder / mutant.file).read_text().split("\n")
    after = (copy / mutant.file).read_text().split("\n")
    assert [i for i, (a, b) in enumerate(zip(before, after)) if a != b] == [mutant.line - 1]
    assert diagnosed(folder, Mutant(mutant.file, mutant.line, "no change", before[mutant.line - 1])) == (False, "survived")

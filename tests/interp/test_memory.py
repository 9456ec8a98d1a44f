"""ttgen.interp.memory: keeping freed blocks for reuse is idempotent and harmless where it does not apply."""

import numpy as np

from ttgen.interp import memory


def test_keep_freed_memory_twice_then_allocate():
    memory.keep_freed_memory()
    memory.keep_freed_memory()
    a = np.ones((1024, 1024))
    del a
    b = np.zeros((1024, 1024))
    assert b.sum() == 0.0

"""Every module that registers API entries, imported together: what a run or a corpus compile needs loaded."""

from . import compute, compute_topk, dataflow, debug, host, host_std, local_mem, metal2, objects, std_algorithm, stdlib  # noqa: F401 - importing registers the API entries

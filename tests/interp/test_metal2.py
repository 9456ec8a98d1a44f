"""Metal 2.0 named arguments and bindings: args::, dfb::, tensor:: as the JIT's generated headers define them."""

import numpy as np
import pytest

from ttgen.interp.checks import Violation
from ttgen.interp.cpp import CompileError, compile_source
from ttgen.interp.metal2 import Bindings, CrtaArg, CtaVal, RtaArg, TensorBindingToken

# A reader in the style of ttnn's Metal 2.0 kernels: named args, a tensor binding and a DFB binding.
READER = """
#include "api/dataflow/dataflow_api.h"
#include "api/dataflow/dataflow_buffer.h"
#include "experimental/kernel_args.h"

void kernel_main() {
    const uint32_t num_pages = get_arg(args::num_pages);
    const uint32_t start_id = get_arg(args::start_id);
    constexpr uint32_t scale = get_arg(args::scale);
    const uint32_t extra = get_vararg(0);
    const auto src = TensorAccessor(tensor::input);
    DataflowBuffer dfb_in(dfb::src0);
    const uint32_t page_bytes = dfb_in.get_entry_size();
    for (uint32_t i = start_id; i < start_id + num_pages; ++i) {
        dfb_in.reserve_back(1);
        noc_async_read(src.get_noc_addr(i), dfb_in.get_write_ptr(), page_bytes);
        noc_async_read_barrier();
        dfb_in.push_back(1);
        dfb_in.wait_front(1);
        dfb_in.pop_front(1);
    }
    ASSERT(scale == 3 && extra == 99);
}
"""


def _bindings():
    return Bindings(runtime_args=["num_pages", "start_id"], compile_args={"scale": 3}, dfbs={"src0": 0},
                    tensors={"input": (0, 0)})


def test_named_args_and_bindings_read_what_the_host_spec_set(dev):
    buf = dev.buffer(np.zeros((4, 32, 32), np.float32))
    dev.cb(0, 1)
    kernel = dev.kernel("dataflow", READER, args=[3, 1, 99], compile_args=[2, 2048], bindings=_bindings())
    kernel.common_args = [buf.address]  # the tensor binding's base-address word
    dev.launch()
    assert buf.bytes_read == 3 * 2048


def test_a_named_arg_the_host_did_not_set_fails(dev):
    buf = dev.buffer(np.zeros((4, 32, 32), np.float32))
    dev.cb(0, 1)
    kernel = dev.kernel("dataflow", READER, args=[3], compile_args=[2, 2048], bindings=_bindings())
    kernel.common_args = [buf.address]
    with pytest.raises(Violation) as info:
        dev.launch()
    assert info.value.check == "runtime-args" and "get_arg_val(1)" in str(info.value)


def test_a_name_the_spec_does_not_bind_is_a_compile_error():
    with pytest.raises(CompileError) as info:
        compile_source(READER, "dataflow", bindings=Bindings(runtime_args=["num_pages"]))
    assert "'args::start_id' is not bound: the kernel's spec names args:: num_pages" in str(info.value)


def test_bindings_lay_out_as_genfiles_writes_them():
    b = Bindings(runtime_args=["a", "b"], common_runtime_args=["c"], compile_args={"d": 7}, dfbs={"out": 2},
                 tensors={"t": (4, 8)})
    assert b.value("args::b") == RtaArg(4) and b.value("args::c") == CrtaArg(0) and b.value("args::d") == CtaVal(7)
    assert b.value("dfb::out") == 2 and b.value("tensor::t") == TensorBindingToken(4, 8)
    assert b.value("args::e") is None


def test_a_file_alone_gets_the_bindings_of_the_names_it_uses():
    b = Bindings.for_source(READER)
    assert b.runtime_args == ["num_pages", "start_id", "scale"]
    assert b.dfbs == {"src0": 0} and b.tensors == {"input": (0, 0)}
    assert compile_source(READER, "dataflow", bindings=b).unmodelled == {}  # every call has semantics

"""Interleaved L1 MeshBuffers: one bank per worker core, allocated from the top of L1, kept across programs."""

import pytest

from ttgen.interp.example import run_example

HOST = """
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/distributed.hpp>
using namespace tt::tt_metal;

int main() {
    auto mesh = distributed::MeshDevice::create_unit_mesh(0);
    distributed::MeshCommandQueue& cq = mesh->mesh_command_queue();
    constexpr uint32_t pages = 70;  // more pages than the 64 worker cores: bank 0..5 hold two
    constexpr uint32_t page_bytes = 64;
    distributed::DeviceLocalBufferConfig l1{.page_size = page_bytes, .buffer_type = BufferType::L1};
    distributed::DeviceLocalBufferConfig dram{.page_size = page_bytes, .buffer_type = BufferType::DRAM};
    distributed::ReplicatedBufferConfig whole{.size = pages * page_bytes};
    auto staging = distributed::MeshBuffer::create(whole, l1, mesh.get());
    auto out = distributed::MeshBuffer::create(whole, dram, mesh.get());

    std::vector<uint32_t> words(pages * page_bytes / 4);
    for (size_t i = 0; i < words.size(); i++) {
        words[i] = static_cast<uint32_t>(i * 7 + 1);
    }
    distributed::EnqueueWriteMeshBuffer(cq, staging, words, true);

    for (int pass = 0; pass < 2; pass++) {  // the second program finds the L1 buffer's bytes still there
        Program program = CreateProgram();
        CreateCircularBuffer(program, CoreCoord{0, 0},
                             CircularBufferConfig(CB_BYTES, {{tt::CBIndex::c_0, tt::DataFormat::Float16_b}})
                                 .set_page_size(tt::CBIndex::c_0, page_bytes));
        std::vector<uint32_t> args;
        TensorAccessorArgs(*staging->get_backing_buffer()).append_to(args);
        TensorAccessorArgs(*out).append_to(args);
        auto k = CreateKernel(program, "copy.cpp", CoreCoord{0, 0},
                              DataMovementConfig{.processor = DataMovementProcessor::RISCV_0,
                                                 .noc = NOC::RISCV_0_default, .compile_args = args});
        SetRuntimeArgs(program, k, CoreCoord{0, 0}, {staging->address(), out->address(), pages, page_bytes});
        distributed::MeshWorkload workload;
        workload.add_program(distributed::MeshCoordinateRange(mesh->shape()), std::move(program));
        distributed::EnqueueMeshWorkload(cq, workload, true);
    }
    std::vector<uint32_t> back;
    distributed::EnqueueReadMeshBuffer(cq, back, out, true);
    std::vector<uint32_t> again;
    distributed::EnqueueReadMeshBuffer(cq, again, staging, true);
    TT_FATAL(back == words && again == words, "the copy differs");
    return staging->address() + page_bytes <= 1499136 ? 0 : 1;
}
"""

KERNEL = """
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0);
    const uint32_t dst = get_arg_val<uint32_t>(1);
    const uint32_t pages = get_arg_val<uint32_t>(2);
    const uint32_t page_bytes = get_arg_val<uint32_t>(3);
    constexpr auto src_args = TensorAccessorArgs<0>();
    constexpr auto dst_args = TensorAccessorArgs<src_args.next_compile_time_args_offset()>();
    const auto from = TensorAccessor(src_args, src, page_bytes);
    const auto to = TensorAccessor(dst_args, dst, page_bytes);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    const uint32_t scratch = get_write_ptr(tt::CBIndex::c_0);
    for (uint32_t p = 0; p < pages; p++) {
        noc_async_read_page(p, from, scratch);
        noc_async_read_barrier();
        noc_async_write_page(p, to, scratch);
        noc_async_write_barrier();
    }
}
"""


def _folder(tmp_path, cb_bytes: int):
    (tmp_path / "host.cpp").write_text(HOST.replace("CB_BYTES", str(cb_bytes)))
    (tmp_path / "copy.cpp").write_text(KERNEL)
    return tmp_path


def test_pages_spread_over_the_cores_banks_and_survive_the_next_program(tmp_path):
    report = run_example(_folder(tmp_path, 64))
    assert report.ok, report.violation
    assert report.programs == 2


def test_circular_buffers_that_reach_an_l1_buffer_are_refused(tmp_path):
    report = run_example(_folder(tmp_path, 1_400_000))
    assert report.violation.check == "l1-overflow" and "past the lowest L1 buffer" in str(report.violation)


@pytest.mark.parametrize("edit, check", [
    # reading page p + 1 reads real L1 of the next bank, as hardware would: the host's own check finds it
    (("p, from, scratch", "p + 1, from, scratch"), "host-exception"),
    (("p, to, scratch", "p + 1, to, scratch"), "noc-bounds"),  # DRAM page 70 does not exist
])
def test_a_wrong_page_id_is_caught(tmp_path, edit, check):
    folder = _folder(tmp_path, 64)
    (folder / "copy.cpp").write_text(KERNEL.replace(*edit))
    assert run_example(folder).violation.check == check

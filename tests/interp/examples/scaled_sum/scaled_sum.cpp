// A host program in the style of tt-metal's programming examples, written for ttgen's tests: it makes its own
// inputs, runs out = (a + b) * 2 on one core and checks the result itself. `ttgen run` executes it as written.

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/bfloat16.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>
#include <tt-metalium/distributed.hpp>
#include <cstdint>
#include <random>
#include <vector>

using namespace tt::tt_metal;

#ifndef KERNEL_DIR
#define KERNEL_DIR "scaled_sum/kernels/"
#endif

namespace {
constexpr float kScale = 2.0f;

bool close_enough(float expected, float actual) {
    return std::abs(expected - actual) <= 0.02f + 0.01f * std::abs(expected);
}
}  // namespace

int main(int argc, char** argv) {
    bool pass = true;
    try {
        TT_FATAL(argc >= 1, "expected the program name in argv, got {} arguments", argc);
        auto mesh_device = distributed::MeshDevice::create_unit_mesh(0);
        distributed::MeshCommandQueue& cq = mesh_device->mesh_command_queue();
        distributed::MeshWorkload workload;
        auto device_range = distributed::MeshCoordinateRange(mesh_device->shape());
        Program program = CreateProgram();
        constexpr CoreCoord core = {0, 0};

        constexpr uint32_t n_tiles = 8;
        constexpr uint32_t tile_elements = tt::constants::TILE_HW;
        constexpr uint32_t tile_bytes = sizeof(bfloat16) * tile_elements;

        distributed::DeviceLocalBufferConfig dram{.page_size = tile_bytes, .buffer_type = BufferType::DRAM};
        distributed::ReplicatedBufferConfig whole{.size = n_tiles * tile_bytes};
        auto a_buffer = distributed::MeshBuffer::create(whole, dram, mesh_device.get());
        auto b_buffer = distributed::MeshBuffer::create(whole, dram, mesh_device.get());
        auto out_buffer = distributed::MeshBuffer::create(whole, dram, mesh_device.get());

        std::mt19937 engine(std::random_device{}());
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        std::uniform_int_distribution<int> small(-4, 4);
        std::vector<bfloat16> a(tile_elements * n_tiles);
        std::vector<bfloat16> b(tile_elements * n_tiles);
        for (auto& x : a) {
            x = bfloat16(uniform(engine));
        }
        for (size_t i = 0; i < b.size(); i++) {
            b[i] = bfloat16(static_cast<float>(small(engine)));
        }
        distributed::EnqueueWriteMeshBuffer(cq, a_buffer, a, false);
        distributed::EnqueueWriteMeshBuffer(cq, b_buffer, b, false);

        for (tt::CBIndex cb : {tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16}) {
            CreateCircularBuffer(program, core, CircularBufferConfig(2 * tile_bytes, {{cb, tt::DataFormat::Float16_b}})
                                                    .set_page_size(cb, tile_bytes));
        }

        std::vector<uint32_t> reader_args;
        TensorAccessorArgs(*a_buffer).append_to(reader_args);
        TensorAccessorArgs(*b_buffer).append_to(reader_args);
        std::vector<uint32_t> writer_args;
        TensorAccessorArgs(*out_buffer).append_to(writer_args);
        auto reader = CreateKernel(program, KERNEL_DIR "dataflow/read_pairs.cpp", core,
                                   DataMovementConfig{.processor = DataMovementProcessor::RISCV_0,
                                                      .noc = NOC::RISCV_0_default, .compile_args = reader_args});
        auto writer = CreateKernel(program, KERNEL_DIR "dataflow/write_tiles.cpp", core,
                                   DataMovementConfig{.processor = DataMovementProcessor::RISCV_1,
                                                      .noc = NOC::RISCV_1_default, .compile_args = writer_args});
        auto compute = CreateKernel(program, KERNEL_DIR "compute/add_scale.cpp", core,
                                    ComputeConfig{.math_fidelity = MathFidelity::HiFi4});
        SetRuntimeArgs(program, reader, core, {a_buffer->address(), b_buffer->address(), n_tiles});
        SetRuntimeArgs(program, writer, core, {out_buffer->address(), n_tiles});
        SetRuntimeArgs(program, compute, core, {n_tiles});

        workload.add_program(device_range, std::move(program));
        distributed::EnqueueMeshWorkload(cq, workload, false);
        distributed::Finish(cq);

        std::vector<bfloat16> out;
        distributed::EnqueueReadMeshBuffer(cq, out, out_buffer, true);
        TT_FATAL(out.size() == a.size(), "read back {} values, expected {}", out.size(), a.size());
        uint32_t bad = 0;
        for (size_t i = 0; i < out.size(); i++) {
            const float expected = (static_cast<float>(a[i]) + static_cast<float>(b[i])) * kScale;
            const float actual = static_cast<float>(out[i]);
            if (!close_enough(expected, actual)) {
                if (bad < 3) {
                    fmt::print(stderr, "mismatch at {}: expected {}, got {}\n", i, expected, actual);
                }
                bad++;
                pass = false;
            }
        }
        pass &= mesh_device->close();
    } catch (const std::exception& e) {
        fmt::print(stderr, "failed: {}\n", e.what());
        throw;
    }
    if (!pass) {
        TT_THROW("Test Failed");
    }
    fmt::print("Test Passed\n");
    return 0;
}

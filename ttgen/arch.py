"""Wormhole (wormhole_b0, n150) numbers shared by the planner and the interpreter's device model.

Each constant names its source in tt-metal (see docs/reference/tt-metal-facts.md for the commits read).
"""

TILE_HEIGHT = 32
TILE_WIDTH = 32
TILE_HW = TILE_HEIGHT * TILE_WIDTH
FACE_HEIGHT = 16
FACE_WIDTH = 16

# core_descriptors/wormhole_b0_80_arch.yaml: compute_with_storage_grid_range [0,0]..[7,7] on an n150.
DEVICE_GRID = (8, 8)

# dev_mem_map.h MEM_L1_SIZE: 1464 KiB per Tensix core.
L1_SIZE = 1_499_136
# Program CBs are placed upward from the allocator's L1 base: MEM_MAP_END (0x8840) plus the 69 KiB kernel-config
# region, aligned (wh_hal_tensix.cpp). What lies below holds firmware, runtime args, semaphores and CB configs.
L1_UNRESERVED_BASE = 0x19C40
L1_USABLE = L1_SIZE - L1_UNRESERVED_BASE
L1_ALIGNMENT = 16  # noc_parameters.h NOC_L1_{READ,WRITE}_ALIGNMENT_BYTES

# soc_descriptors/wormhole_b0_80_arch.yaml: 6 channels x 2 views = 12 interleaved DRAM banks of 1 GiB each.
NUM_DRAM_BANKS = 12
DRAM_BANK_SIZE = 1 << 30
DRAM_ALIGNMENT = 32  # NOC DRAM read alignment
# Where the model's DRAM allocator starts inside each bank (tt-metal reserves the bottom of each bank for itself;
# the exact value does not matter to a kernel, which only ever sees buffer addresses from the host).
DRAM_UNRESERVED_BASE = 0x40000
# NOC0 coordinates of the DRAM banks' worker endpoints, in bank order (soc descriptor dram views).
DRAM_BANK_NOC_XY = ((0, 11), (0, 1), (0, 5), (0, 7), (5, 1), (5, 11), (5, 2), (5, 9), (5, 8), (5, 3), (5, 5), (5, 7))

# noc_parameters.h: translated Tensix coordinates start at (18, 18); NOC_XY_ADDR = (y << 42) | (x << 36) | addr.
VIRTUAL_TENSIX_START = 18
NOC_ADDR_LOCAL_BITS = 36
NOC_ADDR_NODE_ID_BITS = 6

NUM_CIRCULAR_BUFFERS = 32  # circular_buffer_constants.h under ARCH_WORMHOLE
MAX_RUNTIME_ARGS = 341  # kernel_types.hpp max_runtime_args
NUM_SEMAPHORES = 8  # host_api.hpp CreateSemaphore docs
# Semaphores are 32-bit words in the kernel-config region, one per L1_ALIGNMENT (dataflow_api.h get_semaphore:
# sem_l1_base + id * L1_ALIGNMENT). Where that region sits is the firmware's business; the model puts it just
# below the CB space.
SEMAPHORE_BYTES = NUM_SEMAPHORES * L1_ALIGNMENT
SEMAPHORE_BASE = L1_UNRESERVED_BASE - SEMAPHORE_BYTES


def in_semaphores(address: int, size: int = 1) -> bool:
    """Whether L1 bytes [address, address + size) lie in the semaphore words."""
    return SEMAPHORE_BASE <= address and address + size <= SEMAPHORE_BASE + SEMAPHORE_BYTES


# Runtime args (and after them the common runtime args) of each processor's kernel, also in the kernel-config
# region: get_arg_addr(i) is the address of word i there. The model puts one block per processor below the
# semaphores; reads through a pointer into it return the args the host set.
RTA_SLOTS = ("RISCV_0", "RISCV_1", "TRISC")
RTA_BLOCK_BYTES = 2 * MAX_RUNTIME_ARGS * 4  # unique, then common args
RTA_BASE = SEMAPHORE_BASE - len(RTA_SLOTS) * RTA_BLOCK_BYTES


def rta_word(address: int) -> tuple[str, bool, int] | None:
    """(processor slot, common args?, word index) of an address in the runtime-arg blocks, else None."""
    offset = address - RTA_BASE
    if not 0 <= offset < len(RTA_SLOTS) * RTA_BLOCK_BYTES or offset % 4:
        return None
    slot, within = divmod(offset, RTA_BLOCK_BYTES)
    common, word = divmod(within // 4, MAX_RUNTIME_ARGS)
    return RTA_SLOTS[slot], bool(common), word

# ckernel.h get_dest_max_tiles: DST holds 1024 rows of 16 datums; a 32x32 tile takes 64 rows.
DST_TILES = {("half", False): 8, ("half", True): 4, ("full", False): 16, ("full", True): 8}


def dst_capacity(sync: str, fp32_accumulation: bool) -> int:
    """Tiles of DST a compute kernel may use between acquire and release."""
    return DST_TILES[(sync, fp32_accumulation)]

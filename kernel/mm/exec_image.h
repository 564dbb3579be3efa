// A fresh address space for execve, built from the exec engineer's load
// plan (exec/elf.h) and initial stack image (exec/initial_stack.h):
//
//   InodeElfSource source(*target.binary);
//   StackSpec spec{.stack_top = mm::user_stack_top, ...};
//   InitialStack stack = TRY(build_initial_stack(spec));
//   mm::AddressSpace* space = TRY(mm::build_exec_address_space(source, target.plan, stack));
//
// Nothing of the calling process is touched: on error the new space is
// freed and the caller still has its old image. kernel/mm includes the
// portable exec/fs headers for this (docs/architecture.md).
#pragma once

#include <cstdint>

#include "exec/elf.h"
#include "exec/initial_stack.h"
#include "fs/io_buffer.h"
#include "mm/address_space.h"

namespace charon::mm {

struct ExecLayout {
    uint64_t stack_top = user_stack_top; // must equal the StackSpec's stack_top
    uint64_t stack_limit = default_stack_limit; // RLIMIT_STACK soft limit
    // The binary as a mapping (mm/inode_backing.h): its file pages are then
    // mapped from it, shared until written; without it they are copied.
    RefPtr<VmBacking> binary;
};

// Maps the plan's regions (private, with the regions' protections): the
// file pages from layout.binary when it is given and the segments allow
// (else zero-filled with each segment's file bytes copied in), the bss
// zero-filled; maps the stack (grows down, up to stack_limit; 128 KiB
// below the arguments to start with, as Linux's stack_expand) and writes
// `stack.image` at `stack.rsp`, and sets the initial break to
// plan.brk_start.
Result<AddressSpace*> build_exec_address_space(const ElfSource& file, const LoadPlan& plan, const InitialStack& stack,
                                               const ExecLayout& layout = {});

// UserMemory over any address space (current or not): for code written
// against UserMemory (the fs) and for tests. `force`
// writes through read-only mappings (exec filling text).
class AddressSpaceMemory final : public UserMemory {
public:
    explicit AddressSpaceMemory(AddressSpace& space, bool force = false) : m_space(space), m_force(force) {}
    Result<void> copy_to_user(uint64_t user_address, const void* source, size_t length) override {
        return m_space.write(user_address, source, length, m_force);
    }
    Result<void> copy_from_user(void* destination, uint64_t user_address, size_t length) override {
        return m_space.read(user_address, destination, length);
    }

private:
    AddressSpace& m_space;
    bool m_force;
};

} // namespace charon::mm

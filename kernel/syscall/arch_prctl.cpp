// arch_prctl(2): the FS and GS bases of the calling thread (musl sets its
// TLS pointer with ARCH_SET_FS before main). The bases live in the kernel
// thread's context and are loaded on every switch (arch/x86_64/context.h).
#include "arch/x86_64/context.h"
#include "arch/x86_64/user_entry.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"

namespace charon {

namespace {
constexpr uint64_t arch_set_gs = 0x1001, arch_set_fs = 0x1002, arch_get_fs = 0x1003, arch_get_gs = 0x1004;
} // namespace

CHARON_SYSCALL(158, arch_prctl, sys_arch_prctl);

static Result<long> sys_arch_prctl(SyscallArgs const& args) {
    uint64_t code = args.arg[0];
    uint64_t address = args.arg[1];
    arch::ThreadContext& context = sched::current().context();
    switch (code) {
    case arch_set_fs:
    case arch_set_gs:
        // Linux: a base at or above TASK_SIZE_MAX is EPERM (it would fault
        // on the wrmsr if non-canonical, and kernel addresses are no TLS).
        if (address >= arch::user_address_limit)
            return EPERM;
        if (code == arch_set_fs)
            arch::load_fs_base(context, address);
        else
            arch::load_user_gs_base(context, address);
        return 0;
    case arch_get_fs:
        TRY(copy_to_user(address, &context.fs_base, sizeof(uint64_t)));
        return 0;
    case arch_get_gs:
        TRY(copy_to_user(address, &context.user_gs_base, sizeof(uint64_t)));
        return 0;
    default:
        return EINVAL;
    }
}

} // namespace charon

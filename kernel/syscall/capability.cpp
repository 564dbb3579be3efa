// capget(2), capset(2). Charon keeps no capability sets of its own: they
// follow the uids as Linux's defaults do without file capabilities or
// securebits (cap_emulate_setxuid): a process with euid 0 has every
// capability effective; one with a 0 among its real/effective/saved uids has
// them all permitted; any other has none. Inheritable is empty.
// docs/syscalls/capget.md.
#include "proc/lifecycle.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

namespace {

constexpr uint32_t kCapabilityVersion1 = 0x19980330; // one 32-bit set
constexpr uint32_t kCapabilityVersion2 = 0x20071026; // two (deprecated, same as 3)
constexpr uint32_t kCapabilityVersion3 = 0x20080522; // two
constexpr int kCapLastCap = 40;                       // CAP_CHECKPOINT_RESTORE
constexpr uint64_t kAllCapabilities = (uint64_t(1) << (kCapLastCap + 1)) - 1;

struct CapHeader {
    uint32_t version;
    int32_t pid;
};
struct CapData {
    uint32_t effective, permitted, inheritable;
};

struct CapSets {
    uint64_t effective = 0, permitted = 0;
};

CapSets sets_of(const proc::Credentials& c) {
    CapSets sets;
    if (c.uid == 0 || c.euid == 0 || c.suid == 0)
        sets.permitted = kAllCapabilities;
    if (c.euid == 0)
        sets.effective = sets.permitted;
    return sets;
}

// Linux's cap_validate_magic: the number of data structs for the version;
// an unknown version is written back as the preferred one, then EINVAL.
Result<unsigned> validate_version(uint64_t user_header) {
    uint32_t version;
    TRY(copy_from_user(&version, user_header, sizeof version));
    switch (version) {
    case kCapabilityVersion1: return 1u;
    case kCapabilityVersion2:
    case kCapabilityVersion3: return 2u;
    default:
        TRY(copy_to_user(user_header, &kCapabilityVersion3, sizeof kCapabilityVersion3));
        return EINVAL;
    }
}

Result<proc::Process*> target_process(int32_t pid) {
    if (pid < 0)
        return EINVAL;
    if (pid == 0)
        return &task::current_process();
    proc::Thread* thread = task::table().find_thread(pid);
    if (!thread)
        return ESRCH;
    return &thread->process();
}

} // namespace

// capget(cap_user_header_t header, cap_user_data_t data)
CHARON_SYSCALL(125, capget, sys_capget);
static Result<long> sys_capget(SyscallArgs const& args) {
    auto count = validate_version(args.arg[0]);
    // A null data pointer probes the version: 0 even for an unknown one
    // (after writing the preferred version back).
    if (!args.arg[1]) {
        if (count.is_error() && count.error().code() != EINVAL)
            return count.error();
        return 0;
    }
    if (count.is_error())
        return count.error();
    CapHeader header;
    TRY(copy_from_user(&header, args.arg[0], sizeof header));
    proc::Process* process = TRY(target_process(header.pid));
    CapSets sets = sets_of(process->credentials());
    CapData data[2] = {};
    for (unsigned i = 0; i < 2; ++i) {
        data[i].effective = static_cast<uint32_t>(sets.effective >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(sets.permitted >> (32 * i));
    }
    TRY(copy_to_user(args.arg[1], data, count.value() * sizeof(CapData)));
    return 0;
}

// capset(cap_user_header_t header, const cap_user_data_t data): only the
// caller's own sets (another pid is EPERM). Since the sets are derived from
// the uids, the one change Charon can honour is none: asking for the sets
// the caller already has succeeds; asking for more is EPERM as on Linux;
// dropping capabilities is not supported yet (EPERM, documented).
CHARON_SYSCALL(126, capset, sys_capset);
static Result<long> sys_capset(SyscallArgs const& args) {
    unsigned count = TRY(validate_version(args.arg[0]));
    CapHeader header;
    TRY(copy_from_user(&header, args.arg[0], sizeof header));
    if (header.pid != 0 && header.pid != task::current_process().pid())
        return EPERM;
    CapData data[2] = {};
    TRY(copy_from_user(data, args.arg[1], count * sizeof(CapData)));
    uint64_t effective = 0, permitted = 0, inheritable = 0;
    for (unsigned i = 0; i < count; ++i) {
        effective |= uint64_t(data[i].effective) << (32 * i);
        permitted |= uint64_t(data[i].permitted) << (32 * i);
        inheritable |= uint64_t(data[i].inheritable) << (32 * i);
    }
    // Bits past CAP_LAST_CAP are ignored, as Linux masks them.
    effective &= kAllCapabilities;
    permitted &= kAllCapabilities;
    inheritable &= kAllCapabilities;
    CapSets current = sets_of(task::current_process().credentials());
    // Linux: permitted may only shrink, effective must lie within the new
    // permitted, inheritable within permitted (without CAP_SETPCAP).
    if ((permitted & ~current.permitted) || (effective & ~permitted) || (inheritable & ~current.permitted))
        return EPERM;
    if (count == 1) {
        // Version 1 sees only the low 32 bits: the upper ones stay.
        effective |= current.effective & ~uint64_t(0xffffffff);
        permitted |= current.permitted & ~uint64_t(0xffffffff);
    }
    if (effective != current.effective || permitted != current.permitted || inheritable != 0)
        return EPERM; // dropping capabilities: not supported yet
    return 0;
}

} // namespace charon

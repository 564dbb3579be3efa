// Credentials (Linux's struct cred, minus capabilities and namespaces) and
// the rules of the set*id family, as pure functions so that the syscalls
// stay thin and the rules are unit-tested (tests/unit/test_proc_cred.cpp).
// "Privileged" stands for CAP_SETUID / CAP_SETGID, which Charon grants
// exactly to an effective uid of 0 (capability.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "proc/abi.h"

namespace charon::proc {

inline constexpr int kNgroupsMax = 65536; // Linux NGROUPS_MAX
inline constexpr uint32_t kNoId = ~0u;    // (uid_t)-1: "unchanged", never a valid id

// Supplementary groups (Linux's group_info): immutable once built, sorted
// ascending (duplicates kept, as Linux's groups_sort), shared by reference
// between processes whose credentials were copied (fork) until one of them
// calls setgroups. The count and the ids live in one allocation.
class GroupList final : public RefCounted {
public:
    // ENOMEM, or a list of `count` zeroed ids to fill before sort().
    static Result<RefPtr<GroupList>> create(size_t count);
    ~GroupList() override;

    size_t size() const { return m_count; }
    const gid_t* ids() const { return m_ids; }
    gid_t* mutable_ids() { return m_ids; }
    void sort(); // before the list is shared
    bool contains(gid_t gid) const; // binary search (Linux groups_search)
    // Lists alive now (leak checks).
    static uint64_t live_count();

private:
    GroupList() = default;
    size_t m_count = 0;
    gid_t* m_ids = nullptr;
};

struct Credentials {
    uid_t uid = 0, euid = 0, suid = 0;
    gid_t gid = 0, egid = 0, sgid = 0;
    // The ids file permission checks use (Linux fsuid/fsgid): they follow
    // the effective ids on every set*id call, and setfsuid/setfsgid set them
    // alone.
    uid_t fsuid = 0;
    gid_t fsgid = 0;
    RefPtr<const GroupList> groups; // null: none

    size_t group_count() const { return groups ? groups->size() : 0; }
    // Linux in_group_p: the fs group or a supplementary group.
    bool in_group(gid_t id) const { return id == fsgid || (groups && groups->contains(id)); }
};

// Each returns the new credentials or EPERM; `privileged` is CAP_SETUID for
// the uid calls and CAP_SETGID for the gid calls. kNoId leaves an id alone.
namespace cred {
// setuid: privileged sets real, effective, saved and fs uid; otherwise only
// the effective (and fs) uid, to the real or saved one. Same for setgid.
Result<Credentials> set_id(const Credentials& old, bool user, uint32_t id, bool privileged);
// setreuid/setregid (Linux kernel/sys.c): the new real id must be the old
// real or effective one, the new effective one the old real, effective or
// saved one; the saved id becomes the new effective id when the real id is
// set, or the effective id is set to anything but the old real id.
Result<Credentials> set_re_ids(const Credentials& old, bool user, uint32_t r, uint32_t e, bool privileged);
// setresuid/setresgid: unprivileged callers pick among their old real,
// effective and saved ids.
Result<Credentials> set_res_ids(const Credentials& old, bool user, uint32_t r, uint32_t e, uint32_t s,
                                bool privileged);
// setfsuid/setfsgid: never an error. `changed` (out) says whether the fs id
// moved; the syscall returns the old fs id either way. Allowed values: the
// real, effective, saved or current fs id, anything when privileged;
// kNoId (invalid) changes nothing, which makes setfsuid(-1) a query.
Credentials set_fs_id(const Credentials& old, bool user, uint32_t id, bool privileged, bool& changed);
} // namespace cred

} // namespace charon::proc

#include "proc/credentials.h"

#include <new>

namespace charon::proc {

namespace {
uint64_t g_live_group_lists = 0;
} // namespace

Result<RefPtr<GroupList>> GroupList::create(size_t count) {
    auto* list = new (std::nothrow) GroupList;
    if (!list)
        return ENOMEM;
    if (count) {
        list->m_ids = new (std::nothrow) gid_t[count];
        if (!list->m_ids) {
            delete list;
            return ENOMEM;
        }
        for (size_t i = 0; i < count; ++i)
            list->m_ids[i] = 0;
    }
    list->m_count = count;
    __atomic_add_fetch(&g_live_group_lists, 1, __ATOMIC_RELAXED);
    return adopt_ref(list);
}

GroupList::~GroupList() {
    delete[] m_ids;
    __atomic_sub_fetch(&g_live_group_lists, 1, __ATOMIC_RELAXED);
}

uint64_t GroupList::live_count() { return __atomic_load_n(&g_live_group_lists, __ATOMIC_RELAXED); }

void GroupList::sort() {
    // Shell sort: no recursion, no allocation, fine for 65536 ids.
    size_t gap = 1;
    while (gap < m_count / 3)
        gap = gap * 3 + 1;
    for (; gap > 0; gap /= 3) {
        for (size_t i = gap; i < m_count; ++i) {
            gid_t value = m_ids[i];
            size_t j = i;
            for (; j >= gap && m_ids[j - gap] > value; j -= gap)
                m_ids[j] = m_ids[j - gap];
            m_ids[j] = value;
        }
    }
}

bool GroupList::contains(gid_t gid) const {
    size_t low = 0, high = m_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (m_ids[middle] == gid)
            return true;
        if (m_ids[middle] < gid)
            low = middle + 1;
        else
            high = middle;
    }
    return false;
}

namespace cred {

namespace {

struct Ids {
    uint32_t& r;
    uint32_t& e;
    uint32_t& s;
    uint32_t& fs;
};

Ids ids_of(Credentials& c, bool user) {
    if (user)
        return {c.uid, c.euid, c.suid, c.fsuid};
    return {c.gid, c.egid, c.sgid, c.fsgid};
}

bool one_of(uint32_t value, uint32_t a, uint32_t b, uint32_t c) { return value == a || value == b || value == c; }

} // namespace

Result<Credentials> set_id(const Credentials& old, bool user, uint32_t id, bool privileged) {
    if (id == kNoId)
        return EINVAL;
    Credentials fresh = old;
    Ids n = ids_of(fresh, user);
    if (privileged) {
        n.r = n.s = id;
    } else if (id != n.r && id != n.s) {
        return EPERM;
    }
    n.e = n.fs = id;
    return fresh;
}

Result<Credentials> set_re_ids(const Credentials& old, bool user, uint32_t r, uint32_t e, bool privileged) {
    Credentials fresh = old;
    Ids n = ids_of(fresh, user);
    const uint32_t old_r = n.r, old_e = n.e, old_s = n.s;
    if (r != kNoId) {
        if (!privileged && r != old_r && r != old_e)
            return EPERM;
        n.r = r;
    }
    if (e != kNoId) {
        if (!privileged && !one_of(e, old_r, old_e, old_s))
            return EPERM;
        n.e = e;
    }
    if (r != kNoId || (e != kNoId && e != old_r))
        n.s = n.e;
    n.fs = n.e;
    return fresh;
}

Result<Credentials> set_res_ids(const Credentials& old, bool user, uint32_t r, uint32_t e, uint32_t s,
                                bool privileged) {
    Credentials fresh = old;
    Ids n = ids_of(fresh, user);
    auto allowed = [&](uint32_t value) { return value == kNoId || one_of(value, n.r, n.e, n.s); };
    if (!privileged && (!allowed(r) || !allowed(e) || !allowed(s)))
        return EPERM;
    if (r != kNoId)
        n.r = r;
    if (e != kNoId)
        n.e = e;
    if (s != kNoId)
        n.s = s;
    n.fs = n.e;
    return fresh;
}

Credentials set_fs_id(const Credentials& old, bool user, uint32_t id, bool privileged, bool& changed) {
    Credentials fresh = old;
    Ids n = ids_of(fresh, user);
    changed = false;
    if (id == kNoId || id == n.fs)
        return fresh;
    if (privileged || one_of(id, n.r, n.e, n.s)) {
        n.fs = id;
        changed = true;
    }
    return fresh;
}

} // namespace cred

} // namespace charon::proc

#include "fs/fd_table.h"

#include "fs/stats.h"

namespace charon {

namespace {
// Linux's NR_OPEN ceiling (sysctl fs.nr_open default): no table grows past it
// whatever RLIMIT_NOFILE says.
constexpr uint64_t kNrOpen = 1024 * 1024;

uint64_t effective_limit(uint64_t limit) { return limit < kNrOpen ? limit : kNrOpen; }
} // namespace

FdTable::FdTable() { fs_stats::note_fd_table(+1); }

FdTable::~FdTable() {
    close_all();
    fs_stats::note_fd_table(-1);
}

Result<RefPtr<FdTable>> FdTable::try_create() {
    auto* table = new (std::nothrow) FdTable;
    if (!table)
        return ENOMEM;
    return adopt_ref(table);
}

Result<RefPtr<FdTable>> FdTable::clone() const {
    RefPtr<FdTable> copy = TRY(try_create());
    SpinlockGuard guard(m_lock);
    // The new table is private to us, so filling it needs no lock of its own
    // (and taking two FileTable-rank locks at once is forbidden).
    TRY(copy->m_slots.try_resize(m_slots.size()));
    for (size_t i = 0; i < m_slots.size(); ++i) {
        copy->m_slots[i].file = m_slots[i].file;
        copy->m_slots[i].cloexec = m_slots[i].cloexec;
    }
    copy->m_open_count = m_open_count;
    return copy;
}

Result<int> FdTable::find_free_locked(int minimum, uint64_t limit) {
    limit = effective_limit(limit);
    VERIFY(minimum >= 0);
    for (size_t fd = static_cast<size_t>(minimum); fd < limit; ++fd) {
        if (fd >= m_slots.size()) {
            TRY(m_slots.try_resize(fd + 1));
            return static_cast<int>(fd);
        }
        if (!m_slots[fd].file)
            return static_cast<int>(fd);
    }
    return EMFILE;
}

Result<int> FdTable::allocate(RefPtr<OpenFile> file, bool cloexec, uint64_t limit, int minimum) {
    VERIFY(file);
    SpinlockGuard guard(m_lock);
    int fd = TRY(find_free_locked(minimum, limit));
    m_slots[static_cast<size_t>(fd)].file = std::move(file);
    m_slots[static_cast<size_t>(fd)].cloexec = cloexec;
    ++m_open_count;
    return fd;
}

Result<RefPtr<OpenFile>> FdTable::get(int fd) const {
    SpinlockGuard guard(m_lock);
    if (fd < 0 || static_cast<size_t>(fd) >= m_slots.size() || !m_slots[static_cast<size_t>(fd)].file)
        return EBADF;
    return m_slots[static_cast<size_t>(fd)].file;
}

Result<RefPtr<OpenFile>> FdTable::get(int fd, bool& cloexec) const {
    SpinlockGuard guard(m_lock);
    if (fd < 0 || static_cast<size_t>(fd) >= m_slots.size() || !m_slots[static_cast<size_t>(fd)].file)
        return EBADF;
    cloexec = m_slots[static_cast<size_t>(fd)].cloexec;
    return m_slots[static_cast<size_t>(fd)].file;
}

bool FdTable::has_free_slot(uint64_t limit) const {
    SpinlockGuard guard(m_lock);
    limit = effective_limit(limit);
    if (m_slots.size() < limit)
        return true;
    for (size_t fd = 0; fd < limit; ++fd) {
        if (!m_slots[fd].file)
            return true;
    }
    return false;
}

Result<void> FdTable::close(int fd) {
    RefPtr<OpenFile> released;
    {
        SpinlockGuard guard(m_lock);
        if (fd < 0 || static_cast<size_t>(fd) >= m_slots.size() || !m_slots[static_cast<size_t>(fd)].file)
            return EBADF;
        released = std::move(m_slots[static_cast<size_t>(fd)].file);
        m_slots[static_cast<size_t>(fd)].cloexec = false;
        --m_open_count;
    }
    return {};
}

Result<int> FdTable::dup(int fd, uint64_t limit) {
    RefPtr<OpenFile> file = TRY(get(fd));
    return allocate(std::move(file), false, limit);
}

Result<int> FdTable::dup2(int old_fd, int new_fd, uint64_t limit) {
    if (old_fd == new_fd) {
        TRY(get(old_fd));
        return new_fd;
    }
    return dup3(old_fd, new_fd, 0, limit);
}

Result<int> FdTable::dup3(int old_fd, int new_fd, int flags, uint64_t limit) {
    if (flags & ~O_CLOEXEC)
        return EINVAL;
    if (old_fd == new_fd)
        return EINVAL;
    if (new_fd < 0 || static_cast<uint64_t>(new_fd) >= effective_limit(limit))
        return EBADF;
    RefPtr<OpenFile> released;
    {
        SpinlockGuard guard(m_lock);
        if (old_fd < 0 || static_cast<size_t>(old_fd) >= m_slots.size() || !m_slots[static_cast<size_t>(old_fd)].file)
            return EBADF;
        auto index = static_cast<size_t>(new_fd);
        if (index >= m_slots.size())
            TRY(m_slots.try_resize(index + 1));
        Slot& slot = m_slots[index];
        released = std::move(slot.file);
        if (!released)
            ++m_open_count;
        slot.file = m_slots[static_cast<size_t>(old_fd)].file;
        slot.cloexec = flags & O_CLOEXEC;
    }
    return new_fd;
}

Result<bool> FdTable::cloexec(int fd) const {
    SpinlockGuard guard(m_lock);
    if (fd < 0 || static_cast<size_t>(fd) >= m_slots.size() || !m_slots[static_cast<size_t>(fd)].file)
        return EBADF;
    return m_slots[static_cast<size_t>(fd)].cloexec;
}

Result<void> FdTable::set_cloexec(int fd, bool cloexec) {
    SpinlockGuard guard(m_lock);
    if (fd < 0 || static_cast<size_t>(fd) >= m_slots.size() || !m_slots[static_cast<size_t>(fd)].file)
        return EBADF;
    m_slots[static_cast<size_t>(fd)].cloexec = cloexec;
    return {};
}

Result<int> FdTable::fcntl(int fd, int command, uint64_t argument, uint64_t limit) {
    switch (command) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        RefPtr<OpenFile> file = TRY(get(fd));
        // The minimum is an unsigned long in Linux: anything at or above the
        // limit (negative numbers included) is EINVAL.
        if (argument >= effective_limit(limit))
            return EINVAL;
        return allocate(std::move(file), command == F_DUPFD_CLOEXEC, limit, static_cast<int>(argument));
    }
    case F_GETFD: return TRY(cloexec(fd)) ? FD_CLOEXEC : 0;
    case F_SETFD:
        TRY(set_cloexec(fd, argument & FD_CLOEXEC));
        return 0;
    case F_GETFL: return TRY(get(fd))->status_flags();
    case F_SETFL: {
        RefPtr<OpenFile> file = TRY(get(fd));
        if (file->is_path_only())
            return EBADF;
        file->set_status_flags(static_cast<int>(argument));
        return 0;
    }
    default:
        // Unknown commands on a valid descriptor: EINVAL, as Linux.
        TRY(get(fd));
        return EINVAL;
    }
}

void FdTable::close_range(unsigned first, unsigned last, bool cloexec) {
    // size_t: last + 1 overflows unsigned for last = ~0U.
    size_t end = static_cast<size_t>(last) + 1;
    if (cloexec) {
        SpinlockGuard guard(m_lock);
        for (size_t fd = first; fd < end && fd < m_slots.size(); ++fd) {
            if (m_slots[fd].file)
                m_slots[fd].cloexec = true;
        }
        return;
    }
    // As close_on_exec: one descriptor per lock hold, released unlocked.
    for (size_t fd = first;; ++fd) {
        RefPtr<OpenFile> released;
        SpinlockGuard guard(m_lock);
        while (fd < end && fd < m_slots.size() && !m_slots[fd].file)
            ++fd;
        if (fd >= end || fd >= m_slots.size())
            break;
        released = std::move(m_slots[fd].file);
        m_slots[fd].cloexec = false;
        --m_open_count;
    }
}

void FdTable::close_on_exec() {
    // One descriptor at a time, each released after unlocking; no allocation.
    for (size_t fd = 0;; ++fd) {
        RefPtr<OpenFile> released;
        SpinlockGuard guard(m_lock);
        if (fd >= m_slots.size())
            break;
        Slot& slot = m_slots[fd];
        if (!slot.file || !slot.cloexec)
            continue;
        released = std::move(slot.file);
        slot.cloexec = false;
        --m_open_count;
        // `guard` is destroyed before `released` (reverse declaration order).
    }
}

Result<void> FdTable::unshare(RefPtr<FdTable>& table) {
    if (table->ref_count() == 1)
        return {};
    RefPtr<FdTable> copy = TRY(table->clone());
    table = std::move(copy);
    return {};
}

void FdTable::close_all() {
    Vector<Slot> slots;
    {
        SpinlockGuard guard(m_lock);
        slots = std::move(m_slots);
        m_open_count = 0;
    }
    // `slots` drops every reference here, outside the lock.
}

size_t FdTable::open_count() const {
    SpinlockGuard guard(m_lock);
    return m_open_count;
}

size_t FdTable::slot_count() const {
    SpinlockGuard guard(m_lock);
    return m_slots.size();
}

size_t FdTable::high_water() const {
    SpinlockGuard guard(m_lock);
    for (size_t i = m_slots.size(); i > 0; --i) {
        if (m_slots[i - 1].file)
            return i;
    }
    return 0;
}

} // namespace charon

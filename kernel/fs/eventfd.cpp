// eventfd(2): see fs/eventfd.h.
#include "fs/eventfd.h"

#include <new>

namespace charon {

namespace {
constexpr uint64_t kMax = UINT64_MAX; // the counter never reaches it from user space
}

Result<RefPtr<OpenFile>> EventfdFile::try_create(const Credentials& credentials, uint32_t initial, int flags) {
    if (flags & ~(EFD_SEMAPHORE | O_NONBLOCK))
        return EINVAL;
    // Linux: one anon_inode, mode 0600 without type bits, the creator's ids.
    RefPtr<Inode> inode = TRY(Inode::try_create(anonymous_file_system(), InodeType::Anonymous, 0600,
                                                credentials.euid, credentials.egid));
    auto* file = new (std::nothrow) EventfdFile(std::move(inode), O_RDWR | (flags & O_NONBLOCK), initial,
                                                flags & EFD_SEMAPHORE);
    if (!file)
        return ENOMEM;
    return adopt_ref<OpenFile>(file);
}

EventfdFile::~EventfdFile() { VERIFY(!m_wait.has_waiters()); }

Result<size_t> EventfdFile::do_read(IoBuffer& buffer, size_t length, IoContext& context) {
    if (length < sizeof(uint64_t))
        return EINVAL;
    uint64_t value;
    {
        SpinlockGuard guard(m_lock);
        if (m_count == 0) {
            if (!is_nonblocking())
                context.enqueue(m_wait, m_lock);
            return EAGAIN;
        }
        value = m_semaphore ? 1 : m_count;
        m_count -= value;
        m_wait.wake_all(); // room for writers
    }
    // Linux copies out after taking the value: a fault loses it (EFAULT).
    TRY(buffer.copy_to(0, &value, sizeof value));
    return sizeof value;
}

Result<size_t> EventfdFile::do_write(const IoBuffer& buffer, size_t length, IoContext& context) {
    // Linux: exactly 8 bytes (a read takes any buffer of at least 8).
    if (length != sizeof(uint64_t))
        return EINVAL;
    uint64_t value;
    TRY(buffer.copy_from(0, &value, sizeof value));
    if (value == kMax)
        return EINVAL;
    SpinlockGuard guard(m_lock);
    if (kMax - m_count <= value) {
        if (!is_nonblocking())
            context.enqueue(m_wait, m_lock);
        return EAGAIN;
    }
    m_count += value;
    m_wait.wake_all();
    return sizeof value;
}

bool EventfdFile::poll_events(IoContext& context, uint32_t& events) {
    SpinlockGuard guard(m_lock);
    // Linux eventfd_poll: POLLIN and POLLOUT alone, no RDNORM/WRNORM.
    events = 0;
    if (m_count > 0)
        events |= POLLIN;
    if (m_count == kMax)
        events |= POLLERR;
    if (kMax - 1 > m_count)
        events |= POLLOUT;
    context.enqueue(m_wait, m_lock);
    return true;
}

} // namespace charon

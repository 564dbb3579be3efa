#include "fs/console.h"

#include "fs/open_file.h"

namespace charon {

Result<size_t> ConsoleDevice::read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) {
    if (length == 0)
        return size_t(0);
    // Copied out of the ring under the lock into a bounce buffer, then to
    // the user after unlocking, so a user copy never runs under the lock
    // the receive interrupt needs.
    char chunk[256];
    size_t count;
    {
        SpinlockGuard guard(m_lock);
        if (m_used == 0) {
            if (!file.is_nonblocking())
                context.enqueue(m_readers, m_lock);
            return EAGAIN;
        }
        count = length < m_used ? length : m_used;
        if (count > sizeof chunk)
            count = sizeof chunk;
        for (size_t i = 0; i < count; ++i)
            chunk[i] = m_input[(m_head + i) % kInputCapacity];
        m_head = (m_head + count) % kInputCapacity;
        m_used -= count;
    }
    // Input consumed but not delivered is lost on EFAULT, as with a tty.
    TRY(buffer.copy_to(0, chunk, count));
    return count;
}

Result<size_t> ConsoleDevice::write(OpenFile&, const IoBuffer& buffer, size_t length, IoContext&) {
    char chunk[256];
    size_t done = 0;
    while (done < length) {
        size_t count = length - done < sizeof chunk ? length - done : sizeof chunk;
        auto copied = buffer.copy_from(done, chunk, count);
        if (copied.is_error())
            return done ? Result<size_t>(done) : Result<size_t>(copied.error());
        m_sink(m_context, chunk, count);
        done += count;
    }
    return done;
}

uint32_t ConsoleDevice::poll(IoContext& context) {
    SpinlockGuard guard(m_lock);
    uint32_t events = POLLOUT | POLLWRNORM;
    if (m_used > 0)
        events |= POLLIN | POLLRDNORM;
    context.enqueue(m_readers, m_lock);
    return events;
}

size_t ConsoleDevice::push_input(const char* chars, size_t length) {
    SpinlockGuard guard(m_lock);
    size_t kept = 0;
    while (kept < length && m_used < kInputCapacity) {
        m_input[(m_head + m_used) % kInputCapacity] = chars[kept++];
        ++m_used;
    }
    if (kept)
        m_readers.wake_all();
    return kept;
}

} // namespace charon

#include "fs/pipe.h"

#include "fs/stats.h"

namespace charon {

Pipe::Pipe(uint8_t* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) { fs_stats::note_pipe(+1); }

Pipe::~Pipe() {
    VERIFY(!m_read_queue.has_waiters() && !m_write_queue.has_waiters());
    delete[] m_buffer;
    fs_stats::note_pipe(-1);
}

Result<RefPtr<Pipe>> Pipe::try_create(size_t capacity) {
    VERIFY(capacity > 0);
    auto* buffer = new (std::nothrow) uint8_t[capacity];
    if (!buffer)
        return ENOMEM;
    auto* pipe = new (std::nothrow) Pipe(buffer, capacity);
    if (!pipe) {
        delete[] buffer;
        return ENOMEM;
    }
    return adopt_ref(pipe);
}

Result<size_t> Pipe::read(IoBuffer& buffer, size_t length, bool nonblocking, IoContext& context) {
    if (length == 0)
        return size_t(0);
    SpinlockGuard guard(m_lock);
    if (m_used == 0) {
        if (m_writers == 0)
            return size_t(0);
        if (!nonblocking)
            context.enqueue(m_read_queue, m_lock);
        return EAGAIN;
    }
    size_t count = length < m_used ? length : m_used;
    // At most two runs: up to the end of the ring, then from its start.
    size_t first = m_capacity - m_head;
    if (first > count)
        first = count;
    TRY(buffer.copy_to(0, m_buffer + m_head, first));
    if (count > first)
        TRY(buffer.copy_to(first, m_buffer, count - first));
    m_head = (m_head + count) % m_capacity;
    m_used -= count;
    m_write_queue.wake_all();
    return count;
}

Result<size_t> Pipe::write(const IoBuffer& buffer, size_t length, bool nonblocking, IoContext& context) {
    if (length == 0)
        return size_t(0);
    SpinlockGuard guard(m_lock);
    if (m_readers == 0) {
        context.raise_sigpipe = true;
        return EPIPE;
    }
    size_t space = m_capacity - m_used;
    bool atomic = context.bytes_done == 0 && length <= PIPE_BUF;
    if (space == 0 || (atomic && space < length)) {
        if (!nonblocking)
            context.enqueue(m_write_queue, m_lock);
        return EAGAIN;
    }
    size_t count = length < space ? length : space;
    size_t tail = (m_head + m_used) % m_capacity;
    size_t first = m_capacity - tail;
    if (first > count)
        first = count;
    TRY(buffer.copy_from(0, m_buffer + tail, first));
    if (count > first)
        TRY(buffer.copy_from(first, m_buffer, count - first));
    m_used += count;
    m_read_queue.wake_all();
    return count;
}

uint32_t Pipe::poll(bool read_end, bool write_end, IoContext& context) {
    SpinlockGuard guard(m_lock);
    uint32_t events = 0;
    if (read_end) {
        if (m_used > 0)
            events |= POLLIN | POLLRDNORM;
        if (m_writers == 0)
            events |= POLLHUP;
    }
    if (write_end) {
        if (m_capacity - m_used >= PIPE_BUF)
            events |= POLLOUT | POLLWRNORM;
        if (m_readers == 0)
            events |= POLLERR;
    }
    if (read_end)
        context.enqueue(m_read_queue, m_lock);
    else if (write_end)
        context.enqueue(m_write_queue, m_lock);
    return events;
}

void Pipe::attach_reader() {
    SpinlockGuard guard(m_lock);
    ++m_readers;
    ++m_reader_opens;
    // A FIFO writer may be waiting for its first reader.
    m_write_queue.wake_all();
}

void Pipe::attach_writer() {
    SpinlockGuard guard(m_lock);
    ++m_writers;
    ++m_writer_opens;
    m_read_queue.wake_all();
}

Result<void> Pipe::wait_for_partner(bool reader, uint64_t partner_opens_seen, IoContext& context) {
    SpinlockGuard guard(m_lock);
    unsigned partners = reader ? m_writers : m_readers;
    uint64_t partner_opens = reader ? m_writer_opens : m_reader_opens;
    if (partners > 0 || partner_opens != partner_opens_seen)
        return {};
    context.enqueue(reader ? m_read_queue : m_write_queue, m_lock);
    return EAGAIN;
}

void Pipe::detach_reader() {
    SpinlockGuard guard(m_lock);
    VERIFY(m_readers > 0);
    // Writers must see EPIPE now rather than wait for space forever.
    if (--m_readers == 0)
        m_write_queue.wake_all();
    if (m_readers == 0 && m_writers == 0)
        m_head = m_used = 0;
}

void Pipe::detach_writer() {
    SpinlockGuard guard(m_lock);
    VERIFY(m_writers > 0);
    // Readers of an empty pipe must see EOF now.
    if (--m_writers == 0)
        m_read_queue.wake_all();
    if (m_readers == 0 && m_writers == 0)
        m_head = m_used = 0;
}

} // namespace charon

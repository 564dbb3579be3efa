// A pipe: a 64 KiB ring buffer between reader and writer open files.
//
// Linux semantics reproduced (pipe(7)):
// - read returns what is available (up to the request), 0 (EOF) once it is
//   empty and no writer remains, otherwise waits (EAGAIN with O_NONBLOCK);
// - a write of at most PIPE_BUF bytes is atomic: all of it goes in at once or
//   it waits; a larger blocking write goes in piece by piece as space
//   appears (other writers' data may interleave), a larger non-blocking
//   write takes what fits;
// - writing with no reader left fails with EPIPE and SIGPIPE for the caller;
//   a zero-length write succeeds without checking;
// - readers are woken by new data and by the last writer leaving; writers by
//   freed space and by the last reader leaving.
// Never blocks itself: see fs/io_context.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/abi.h"
#include "fs/io_buffer.h"
#include "fs/io_context.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"

namespace charon {

class Pipe final : public RefCounted {
public:
    // The pipe starts with no reader and no writer; PipeFile registers them.
    static Result<RefPtr<Pipe>> try_create(size_t capacity = kPipeCapacity);
    ~Pipe() override;

    Result<size_t> read(IoBuffer& buffer, size_t length, bool nonblocking, IoContext& context);
    Result<size_t> write(const IoBuffer& buffer, size_t length, bool nonblocking, IoContext& context);

    // poll(2) for an end open for reading and/or writing: Linux's
    // pipe_poll events (POLLIN|POLLRDNORM with data, POLLHUP with no writer
    // left; POLLOUT|POLLWRNORM with room for an atomic write, POLLERR with
    // no reader left). If `context.waiter` is set it is queued, under the
    // same lock, where a change of those events is announced (the read
    // queue for a read end, else the write queue); cancel with
    // context.cancel_wait(). No change can be missed between the two.
    uint32_t poll(bool read_end, bool write_end, IoContext& context);

    void attach_reader();
    void attach_writer();
    // The last end leaving empties the pipe: a named FIFO's data does not
    // outlive its openers (Linux frees the pipe then).
    void detach_reader();
    void detach_writer();
    // Opens so far of each kind (Linux's r_counter / w_counter).
    uint64_t reader_opens() const { return m_reader_opens; }
    uint64_t writer_opens() const { return m_writer_opens; }
    // A FIFO end opened alone waits for the other kind: ready once one is
    // attached, or one has opened since `partner_opens_seen` (it may have
    // closed again). Otherwise EAGAIN with the context's waiter queued.
    Result<void> wait_for_partner(bool reader, uint64_t partner_opens_seen, IoContext& context);

    size_t capacity() const { return m_capacity; }
    size_t bytes_buffered() const { return m_used; }
    unsigned readers() const { return m_readers; }
    unsigned writers() const { return m_writers; }
    WaitQueue& read_queue() { return m_read_queue; }
    WaitQueue& write_queue() { return m_write_queue; }

private:
    Pipe(uint8_t* buffer, size_t capacity);

    mutable Spinlock m_lock{"Pipe", LockRank::Pipe};
    uint8_t* m_buffer;
    size_t m_capacity;
    size_t m_head = 0; // index of the oldest byte
    size_t m_used = 0;
    unsigned m_readers = 0;
    unsigned m_writers = 0;
    uint64_t m_reader_opens = 0;
    uint64_t m_writer_opens = 0;
    WaitQueue m_read_queue;  // readers waiting for data or EOF
    WaitQueue m_write_queue; // writers waiting for space or a broken pipe
};

} // namespace charon

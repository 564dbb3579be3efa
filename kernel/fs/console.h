// A raw console: the character device the kernel registers as /dev/console
// (5, 1) over its serial port. Output goes straight to a sink function;
// input arrives from the receive interrupt through push_input() into a small
// ring that readers drain. No line discipline yet (no echo, no line
// editing, no signals from ^C): that is the tty issue's job.
//
//   static ConsoleDevice console(serial_write, nullptr);
//   TRY(register_char_device(kConsoleMajor, kConsoleMinor, console));
//   // in the UART interrupt handler:
//   console.push_input(bytes, count);
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/device.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"

namespace charon {

class ConsoleDevice final : public CharDevice {
public:
    using OutputSink = void (*)(void* context, const char* chars, size_t length);
    static constexpr size_t kInputCapacity = 4096;

    ConsoleDevice(OutputSink sink, void* context) : m_sink(sink), m_context(context) {}

    Result<size_t> read(OpenFile& file, IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> write(OpenFile& file, const IoBuffer& buffer, size_t length, IoContext& context) override;

    // From the receive interrupt: queues input (dropping what does not fit,
    // as a UART would overrun) and wakes readers. Returns the bytes kept.
    size_t push_input(const char* chars, size_t length);
    size_t input_available() const { return m_used; }
    // poll(2): POLLIN|POLLRDNORM with input, POLLOUT|POLLWRNORM always
    // (output never waits); queues `context.waiter` on the input queue under
    // the input lock, so an interrupt's push_input cannot be missed or race
    // the queue update. Cancel with context.cancel_wait().
    uint32_t poll(IoContext& context);
    WaitQueue& input_queue() { return m_readers; }

private:
    OutputSink m_sink;
    void* m_context;
    // Ranked like a pipe's lock: it guards the same kind of byte ring, and
    // waking readers under it takes the scheduler's lock, which ranks
    // above Pipe (the Console rank, last of all, would forbid that). The
    // receive interrupt cannot arrive while a pipe lock is held, since
    // holding any spinlock disables interrupts.
    Spinlock m_lock{"ConsoleInput", LockRank::Pipe};
    char m_input[kInputCapacity] = {};
    size_t m_head = 0;
    size_t m_used = 0;
    WaitQueue m_readers;
};

} // namespace charon

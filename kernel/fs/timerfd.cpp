#include "fs/timerfd.h"

#include <new>

#include "fs/inode.h"
#include "lib/deadline_heap.h"
#include "lib/spinlock.h"
#include "lib/wait_queue.h"

namespace charon::timerfd {

namespace {

// The anon_inode name (/proc/PID/fd shows "anon_inode:[timerfd]"); also
// what tells a timerfd from other files.
constexpr const char* kName = "timerfd";
constexpr uint64_t kMaxTime = 0x7fffffffffffffffull; // Linux KTIME_MAX

Host g_host;
uint64_t g_live;
uint64_t g_armed;

uint64_t add_saturating(uint64_t a, uint64_t b) { return a > kMaxTime - b ? kMaxTime : a + b; }

// The deadline heap (and its reading) of a clock: REALTIME, MONOTONIC,
// BOOTTIME; the *_ALARM clocks share their base clock's.
int base_of(int clock) {
    if (clock == kClockMonotonic)
        return 1;
    if (clock == kClockBoottime || clock == kClockBoottimeAlarm)
        return 2;
    return 0;
}
uint64_t reading(int base, const Clocks& now) {
    return base == 1 ? now.monotonic : base == 2 ? now.boottime : now.realtime;
}

class TimerFile;

// Guards every timerfd's timer state, the heaps and the read queues: the
// timer thread and the syscalls meet here.
Spinlock g_lock{"timerfd", LockRank::TimerFd};

class TimerFile final : public OpenFile {
public:
    TimerFile(RefPtr<Inode> inode, int flags, int clock) : OpenFile(std::move(inode), flags), m_clock(clock) {
        __atomic_fetch_add(&g_live, 1, __ATOMIC_RELAXED);
    }
    ~TimerFile() override;

    const char* anonymous_name() const override { return kName; }
    int clock() const { return m_clock; }
    bool poll_events(IoContext& context, uint32_t& events) override;

    Setting settime(bool absolute, const Setting& fresh, const Clocks& now);
    Setting gettime(const Clocks& now);
    // Counts the expirations due at `now` (caller holds g_lock); a periodic
    // timer moves past `now` and stays armed.
    void fire(uint64_t now);

    HeapNode heap_node;
    uint64_t expires = 0; // on the clock's base; 0: disarmed

private:
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer&, size_t, IoContext&) override { return EINVAL; }
    // Linux 6.x: lseek succeeds and does nothing (noop_llseek), pread/pwrite
    // have no position (ESPIPE, the default).
    Result<int64_t> do_seek(int64_t, int) override { return 0; }

    uint64_t now_on(const Clocks& now) const { return reading(base_of(m_clock), now); }
    void disarm();
    void arm(uint64_t at);

    int m_clock;
    uint64_t m_interval = 0; // kept when disarmed: gettime reports it, as Linux
    uint64_t m_ticks = 0;    // expirations not yet read
    WaitQueue m_readers;     // read and poll
};

using Heap = DeadlineHeap<TimerFile, &TimerFile::heap_node, &TimerFile::expires>;
Heap g_heaps[3];

TimerFile::~TimerFile() {
    {
        SpinlockGuard guard(g_lock);
        disarm();
    }
    __atomic_fetch_sub(&g_live, 1, __ATOMIC_RELAXED);
}

void TimerFile::disarm() {
    if (expires) {
        g_heaps[base_of(m_clock)].remove(*this);
        g_armed--;
    }
    expires = 0;
}

void TimerFile::arm(uint64_t at) {
    disarm();
    expires = at ? at : 1; // 0 means disarmed; 1 ns after the epoch is as past
    g_heaps[base_of(m_clock)].insert(*this);
    g_armed++;
}

void TimerFile::fire(uint64_t now) {
    if (!expires || expires > now)
        return;
    uint64_t n = 1;
    if (m_interval) {
        // Linux hrtimer_forward: whole intervals past `now`, each one counted.
        n = (now - expires) / m_interval + 1;
        uint64_t next = add_saturating(expires, n * m_interval);
        g_heaps[base_of(m_clock)].remove(*this);
        expires = next;
        g_heaps[base_of(m_clock)].insert(*this);
    } else {
        disarm();
    }
    m_ticks += n;
    m_readers.wake_all();
}

// Linux timerfd_settime: cancel, report the old setting, discard the count,
// start again (an absolute time already past expires at once).
Setting TimerFile::settime(bool absolute, const Setting& fresh, const Clocks& clocks) {
    SpinlockGuard guard(g_lock);
    uint64_t now = now_on(clocks);
    fire(now);
    Setting old;
    old.interval = m_interval;
    old.value = expires > now ? expires - now : 0;
    disarm();
    m_ticks = 0;
    m_interval = fresh.interval;
    if (fresh.value) {
        arm(absolute ? fresh.value : add_saturating(now, fresh.value));
        fire(now);
    }
    return old;
}

Setting TimerFile::gettime(const Clocks& clocks) {
    SpinlockGuard guard(g_lock);
    uint64_t now = now_on(clocks);
    fire(now);
    Setting s;
    s.interval = m_interval;
    s.value = expires > now ? expires - now : 0;
    return s;
}

// Linux timerfd_read: the 8-byte count, reset; EINVAL for a smaller buffer
// (even when nothing is due), EAGAIN with nothing due (the blocking loop
// sleeps on the queue, interruptible, ERESTARTSYS as any read).
Result<size_t> TimerFile::do_read(IoBuffer& buffer, size_t length, IoContext& context) {
    if (length < sizeof(uint64_t))
        return EINVAL;
    Clocks clocks = g_host.now();
    uint64_t ticks;
    {
        SpinlockGuard guard(g_lock);
        fire(now_on(clocks));
        if (!m_ticks) {
            if (!is_nonblocking())
                context.enqueue(m_readers, g_lock);
            return EAGAIN;
        }
        ticks = m_ticks;
        m_ticks = 0;
    }
    auto copied = buffer.copy_to(0, &ticks, sizeof(ticks));
    if (copied.is_error()) {
        // Linux has already consumed the count by then too; put it back
        // rather than lose expirations to a bad pointer.
        SpinlockGuard guard(g_lock);
        m_ticks += ticks;
        return copied.error();
    }
    return sizeof(ticks);
}

bool TimerFile::poll_events(IoContext& context, uint32_t& events) {
    Clocks clocks = g_host.now();
    SpinlockGuard guard(g_lock);
    fire(now_on(clocks));
    events = m_ticks ? POLLIN | POLLRDNORM : 0;
    context.enqueue(m_readers, g_lock);
    return true;
}

TimerFile* timer_of(OpenFile& file) {
    return file.anonymous_name() == kName ? static_cast<TimerFile*>(&file) : nullptr;
}

} // namespace

void set_host(const Host& host) { g_host = host; }

bool valid_clock(int clock) {
    return clock == kClockRealtime || clock == kClockMonotonic || clock == kClockBoottime ||
           clock == kClockRealtimeAlarm || clock == kClockBoottimeAlarm;
}

Result<RefPtr<OpenFile>> create(int clock, int flags) {
    VERIFY(valid_clock(clock));
    // Linux's anon inode: mode 0600, no file type bits.
    auto inode = Inode::try_create(anonymous_file_system(), InodeType::Anonymous, 0600, 0, 0);
    if (inode.is_error())
        return inode.error();
    auto* file = new (std::nothrow) TimerFile(inode.value(), O_RDWR | (flags & kNonblock), clock);
    if (!file)
        return ENOMEM;
    return adopt_ref<OpenFile>(file);
}

int clock_of(OpenFile& file) {
    TimerFile* timer = timer_of(file);
    return timer ? timer->clock() : -1;
}

Result<Setting> settime(OpenFile& file, bool absolute, const Setting& fresh) {
    TimerFile* timer = timer_of(file);
    if (!timer)
        return EINVAL;
    Setting old = timer->settime(absolute, fresh, g_host.now());
    if (fresh.value && g_host.armed)
        g_host.armed();
    return old;
}

Result<Setting> gettime(OpenFile& file) {
    TimerFile* timer = timer_of(file);
    if (!timer)
        return EINVAL;
    return timer->gettime(g_host.now());
}

uint64_t expire(const Clocks& clocks) {
    SpinlockGuard guard(g_lock);
    uint64_t next = ~0ull;
    for (int base = 0; base < 3; ++base) {
        uint64_t now = reading(base, clocks);
        // Only the due timers are visited; a periodic one goes back past
        // `now`, so the loop ends.
        while (TimerFile* t = g_heaps[base].earliest()) {
            if (t->expires > now) {
                next = t->expires - now < next ? t->expires - now : next;
                break;
            }
            t->fire(now);
        }
    }
    return next;
}

uint64_t live_count() { return __atomic_load_n(&g_live, __ATOMIC_RELAXED); }
uint64_t armed_count() {
    SpinlockGuard guard(g_lock);
    return g_armed;
}

} // namespace charon::timerfd

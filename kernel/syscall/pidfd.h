// Pidfds (kernel/syscall/pidfd.cpp): the open file behind a pidfd and what
// the other syscall families ask of it (clone's CLONE_PIDFD, waitid's
// P_PIDFD). The identity itself is the core's PidRef (kernel/proc/pidfd.cpp).
#pragma once

#include "fs/open_file.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "proc/lifecycle.h"

namespace charon::pidfd {

// PIDFD_NONBLOCK and PIDFD_THREAD are O_NONBLOCK and O_EXCL; the file keeps
// them in its status flags (F_GETFL shows O_RDWR plus these, as on Linux).
inline constexpr int kNonblock = O_NONBLOCK;
inline constexpr int kThread = O_EXCL;

// A pidfd file holding `ref` (one reference, taken over; null = attached
// later with attach(), for CLONE_PIDFD, which must reserve the descriptor
// before the child exists). `flags`: kNonblock | kThread.
Result<RefPtr<OpenFile>> create_file(proc::PidRef* ref, int flags);
void attach(OpenFile& file, proc::PidRef* ref);
// The identity `file` refers to, or null if it is not a pidfd (EBADF).
proc::PidRef* ref_of(OpenFile& file);

} // namespace charon::pidfd

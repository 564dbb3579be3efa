// A terminal as the lifecycle core sees it: the session it is the
// controlling terminal of, and that session's foreground process group
// (Linux's tty->ctrl.session and tty->ctrl.pgrp). The tty layer embeds one
// per terminal device and passes it to the core's terminal calls
// (proc/lifecycle.h); every field is guarded by the ProcessTree lock.
#pragma once

#include "proc/abi.h"

namespace charon::proc {

class Session;

class Terminal {
public:
    // Unlocked reads, for tests and diagnostics.
    pid_t foreground_pgid() const { return m_foreground; }
    bool controls_a_session() const { return m_session != nullptr; }

private:
    friend class ProcessTable;
    Session* m_session = nullptr; // null: controls no session
    // The foreground group's id, kept as a number like Linux's pid
    // reference: it may outlive the group (tcgetpgrp still reports it,
    // signals then reach no one).
    pid_t m_foreground = 0;
};

} // namespace charon::proc

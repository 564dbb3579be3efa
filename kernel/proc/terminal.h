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

    // What hanging the line up does to the device (its open files), set by
    // the tty layer; the core calls it when a session leader exits with
    // this terminal (Linux tty_vhangup_session, for a line that is not a
    // pty). Called with the ProcessTree lock held: it may only take locks
    // ranked above it.
    using HangUp = void (*)(void* device);
    void set_hang_up(HangUp hang_up, void* device) {
        m_hang_up = hang_up;
        m_device = device;
    }

private:
    friend class ProcessTable;
    HangUp m_hang_up = nullptr;
    void* m_device = nullptr;
    Session* m_session = nullptr; // null: controls no session
    // The foreground group's id, kept as a number like Linux's pid
    // reference: it may outlive the group (tcgetpgrp still reports it,
    // signals then reach no one).
    pid_t m_foreground = 0;
};

} // namespace charon::proc

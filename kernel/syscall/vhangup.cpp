// vhangup(2): hang up the calling process's controlling terminal, as init
// or a getty does before handing the line to the next login. The core
// decides (ProcessTable::vhangup); the terminal's hang-up hook kills the
// files open on it (docs/tty.md).
#include "syscall/syscall.h"
#include "task/current.h"
#include "task/task.h"

namespace charon {

CHARON_SYSCALL(153, vhangup, sys_vhangup);
static Result<long> sys_vhangup(SyscallArgs const&) {
    proc::Thread& thread = task::current_thread();
    // CAP_SYS_ADMIN: root's effective uid here (no capability sets).
    if (thread.process().credentials().euid != 0)
        return EPERM;
    task::table().vhangup(thread);
    return 0;
}

} // namespace charon

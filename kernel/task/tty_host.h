// The kernel's TtyHost (fs/tty.h): a terminal's questions about the calling
// process, answered by the lifecycle core (proc ProcessTable's terminal
// calls), and the monotonic clock for VTIME.
#pragma once

#include "fs/tty.h"

namespace charon::task {

TtyHost& tty_host();

} // namespace charon::task

// The wall clock the file system stamps inodes with (atime/mtime/ctime).
// Portable code cannot read the hardware clock: the kernel installs its
// CLOCK_REALTIME at boot, unit tests install a fake. Until then time is 0.
#pragma once

#include "fs/abi.h"

namespace charon {

void set_file_clock(Timespec (*now)());
Timespec file_time_now();

} // namespace charon

// Booting into user space: the initramfs becomes the root file system, the
// serial port becomes /dev/console, and /sbin/init starts as pid 1. When
// init exits, the machine powers off with its status (docs/userland.md).
//
// The kernel command line decides what init runs, as on Linux:
//   init=PATH          the first program (default /sbin/init)
//   ... -- WORDS       everything after the first "--" is init's argv[1...]
// so "loglevel=debug -- -v /tests/runner /tests/bin" runs
// /sbin/init -v /tests/runner /tests/bin.
#pragma once

#include "fs/vfs.h"
#include "lib/kstring.h"
#include "lib/result.h"
#include "lib/vector.h"

namespace charon {

struct InitCommand {
    KString path;          // what to execve: init= or /sbin/init
    Vector<KString> argv;  // argv[0] is `path`, then the words after "--"
    Vector<KString> envp;  // HOME=/ TERM=linux, as Linux gives init
};

inline constexpr const char* kDefaultInitPath = "/sbin/init";

// Splits a kernel command line into init's program, arguments and
// environment. Words are separated by spaces; a word is never quoted.
Result<InitCommand> parse_init_command(const char* cmdline);

// The boot step (kernel_main, after the self-tests): the console device,
// the root from the PVH module, then init. Returns only when there is no
// initramfs (a kernel booted without -initrd idles); any other failure to
// start init powers off, as Linux panics with "No working init found".
void start_userland();

// Creates pid 1 and runs `command` in it: an empty fd table (init opens
// /dev/console itself), cwd and root at the root of `vfs`, root
// credentials, default signal dispositions and limits; the program is
// loaded exactly as execve loads one, then entered in user mode. Returns
// (an error) only if init could not be started.
Result<void> launch_init(Vfs& vfs, InitCommand& command);

// Called by the exit path when pid 1 has exited (its wait status, as
// wait4 would report it): prints "init exited with status N" (or "init
// killed by signal N") and powers off through isa-debug-exit:
//   exit status N  -> value 0x20 + min(N, 31)  -> QEMU status 65 + 2*min(N, 31)
//   signal S       -> value 0x40 + min(S, 63)  -> QEMU status 129 + 2*min(S, 63)
// so status 0 (init's program succeeded) is QEMU status 65, never confused
// with QEMU's own failure (1), a panic (37) or a timeout (124).
[[noreturn]] void init_exited(int wait_status);

// isa-debug-exit values for the mapping above (tests check them).
uint8_t init_exit_code(int wait_status);
inline constexpr uint8_t kInitStartFailedExit = 0x13; // QEMU status 39

} // namespace charon

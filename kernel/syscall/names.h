// Linux x86_64 system-call names by number, for logs ("unknown syscall 157
// (prctl)") whether or not Charon implements the call.
#pragma once

#include <cstdint>

namespace charon {

// The Linux name of `number`, or nullptr for an unassigned number.
const char* linux_syscall_name(uint64_t number);

} // namespace charon

// Deliberate kernel faults, chosen with `crash=<kind>` on the command line.
// tools/suites/kernel.sh boots them to prove that every fault ends in a
// readable report naming the faulting function, never a triple fault.
#pragma once

#include "lib/string_view.h"

namespace charon {

// Triggers the requested fault; returns (after logging) if the kind is unknown.
void crash_on_request(StringView kind);

} // namespace charon

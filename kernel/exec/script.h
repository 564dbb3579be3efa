// "#!" interpreter scripts (Linux's binfmt_script).
//
// execve reads the first BINPRM_BUF_SIZE (256) bytes of the file. If they
// start with "#!", the line names an interpreter and at most one argument
// (everything after the first run of blanks, inner blanks kept). The new
// argv is: interpreter, [argument], the path given to execve, argv[1...].
// Each such rewrite counts as one level; Linux fails with ELOOP past 5.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/kstring.h"
#include "lib/result.h"

namespace charon {

inline constexpr size_t kBinprmBufferSize = 256; // BINPRM_BUF_SIZE
inline constexpr unsigned kMaxBinfmtDepth = 5;   // exec_binprm: depth > 5 is ELOOP

struct ShebangLine {
    KString interpreter;
    KString argument;
    bool has_argument = false;
};

// `head` is the start of the file (any length; only the first 256 bytes
// count). Returns false when it is not a script (no "#!"). ENOEXEC when the
// line has no interpreter or the interpreter name does not end within the
// 256 bytes (Linux 5.0+ refuses a truncated interpreter path).
Result<bool> parse_shebang(const uint8_t* head, size_t size, ShebangLine& line);

// Call before loading the binary a script rewrite produced.
inline Result<void> check_binfmt_depth(unsigned depth) {
    if (depth > kMaxBinfmtDepth)
        return ELOOP;
    return {};
}

} // namespace charon

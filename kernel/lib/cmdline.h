// The kernel command line: words separated by spaces, each either a flag
// ("selftest") or key=value ("loglevel=debug"). Parsing is allocation-free;
// values are returned as views into the line. Words after a bare "--" are
// init's, not the kernel's: has_flag and find_value never see them.
#pragma once

#include <stddef.h>

#include "string_view.h"

namespace charon {

class CommandLine {
public:
    constexpr CommandLine() = default;
    explicit CommandLine(const char* line) : m_line(line) {}

    const char* line() const { return m_line ? m_line : ""; }
    // True if the bare word `name` (not name=value) is present.
    bool has_flag(const char* name) const;
    // The value of the last `name=value` word. A bare `name` counts, with an
    // empty value. False if the name does not appear.
    bool find_value(const char* name, StringView& value) const;

private:
    const char* m_line = nullptr;
};

} // namespace charon

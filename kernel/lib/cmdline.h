// The kernel command line: words separated by spaces, each either a flag
// ("selftest") or key=value ("loglevel=debug"). Parsing is allocation-free;
// values are returned as (pointer, length) views into the line.
#pragma once

#include <stddef.h>

namespace charon {

struct StringView {
    const char* chars = nullptr;
    size_t length = 0;

    bool equals(const char* s) const;
    bool is_null() const { return chars == nullptr; }
};

class CommandLine {
public:
    constexpr CommandLine() = default;
    explicit CommandLine(const char* line) : m_line(line) {}

    const char* line() const { return m_line ? m_line : ""; }
    // True if the bare word `name` (not name=value) is present.
    bool has_flag(const char* name) const;
    // The value of the last `name=value` word, or a null view if absent.
    // A bare `name` yields an empty, non-null view.
    StringView value(const char* name) const;

private:
    const char* m_line = nullptr;
};

} // namespace charon

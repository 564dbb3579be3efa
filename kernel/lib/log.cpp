#include "log.h"

#include <stdarg.h>

#include "format.h"
#include "string_util.h"

namespace charon {

namespace {
LogSink g_sink = nullptr;
LogLevel g_level = LogLevel::Info;

const char* level_tag(LogLevel level) {
    switch (level) {
    case LogLevel::Debug: return "[debug] ";
    case LogLevel::Info: return "";
    case LogLevel::Warn: return "[warn] ";
    case LogLevel::Error: return "[error] ";
    }
    return "";
}
} // namespace

void set_log_sink(LogSink sink) { g_sink = sink; }
void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }
bool log_enabled(LogLevel level) { return static_cast<int>(level) >= static_cast<int>(g_level); }

bool parse_log_level(const char* name, size_t length, LogLevel& out) {
    struct Entry {
        const char* name;
        LogLevel level;
    };
    static constexpr Entry table[] = {
        {"debug", LogLevel::Debug}, {"info", LogLevel::Info}, {"warn", LogLevel::Warn}, {"error", LogLevel::Error}};
    for (const auto& entry : table) {
        if (string_length(entry.name) == length && memory_equal(entry.name, name, length)) {
            out = entry.level;
            return true;
        }
    }
    return false;
}

void log_message(LogLevel level, const char* fmt, ...) {
    if (!log_enabled(level) || !g_sink)
        return;
    // Formatting into a stack buffer keeps one message one sink call, so
    // lines from an interrupt handler never split another line.
    char line[256];
    size_t used = format(line, sizeof(line), "%s", level_tag(level));
    va_list args;
    va_start(args, fmt);
    size_t message = vformat(line + used, sizeof(line) - used, fmt, args);
    va_end(args);
    used += message;
    if (used > sizeof(line) - 2) {
        // Truncated: mark it, so nobody trusts a cut-off message.
        used = sizeof(line) - 2;
        line[used - 3] = line[used - 2] = line[used - 1] = '.';
    }
    line[used++] = '\n';
    line[used] = '\0';
    g_sink(line, used);
}

} // namespace charon

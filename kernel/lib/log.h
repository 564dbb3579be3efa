// The kernel log: leveled messages to one sink (the serial console in the
// kernel; nothing, or a test's capture, in hosted builds). Debug messages are
// off by default and switched on with `loglevel=debug` (or `debug`) on the
// kernel command line, so the console stays readable for the user.
#pragma once

#include <stddef.h>

namespace charon {

enum class LogLevel : int { Debug = 0, Info = 1, Warn = 2, Error = 3 };

using LogSink = void (*)(const char* line, size_t length);

void set_log_sink(LogSink);
void set_log_level(LogLevel);
LogLevel log_level();
bool log_enabled(LogLevel);
// Parses "debug", "info", "warn", "error"; false if the name is unknown.
bool parse_log_level(const char* name, size_t length, LogLevel& out);

// One message, one line: the sink receives "[level] message\n".
void log_message(LogLevel, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

} // namespace charon

// Macros so that a disabled debug message costs a comparison, not a format.
#define log_debug(...)                                                      \
    do {                                                                    \
        if (::charon::log_enabled(::charon::LogLevel::Debug)) [[unlikely]]  \
            ::charon::log_message(::charon::LogLevel::Debug, __VA_ARGS__);  \
    } while (0)
#define log_info(...) ::charon::log_message(::charon::LogLevel::Info, __VA_ARGS__)
#define log_warn(...) ::charon::log_message(::charon::LogLevel::Warn, __VA_ARGS__)
#define log_error(...) ::charon::log_message(::charon::LogLevel::Error, __VA_ARGS__)

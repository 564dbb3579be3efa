#include "exec/script.h"

namespace charon {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_terminator(char c) { return c == ' ' || c == '\t' || c == '\0'; }
} // namespace

Result<bool> parse_shebang(const uint8_t* head, size_t size, ShebangLine& line) {
    if (size < 2 || head[0] != '#' || head[1] != '!')
        return false;
    // Linux works on a zero-filled 256-byte buffer whose last byte is
    // always treated as the end.
    char buffer[kBinprmBufferSize] = {};
    size_t copied = size < kBinprmBufferSize ? size : kBinprmBufferSize;
    __builtin_memcpy(buffer, head, copied);
    const size_t buffer_end = kBinprmBufferSize - 1;

    size_t line_end = kBinprmBufferSize;
    for (size_t i = 0; i < kBinprmBufferSize; ++i) {
        if (buffer[i] == '\n') {
            line_end = i;
            break;
        }
    }
    if (line_end == kBinprmBufferSize) {
        // No newline in the buffer: the interpreter must still end (at a
        // blank or NUL) inside it, or its name may have been cut.
        size_t first = 2;
        while (first < buffer_end && is_blank(buffer[first]))
            ++first;
        if (first >= buffer_end)
            return ENOEXEC;
        size_t terminator = first;
        while (terminator < buffer_end && !is_terminator(buffer[terminator]))
            ++terminator;
        if (terminator >= buffer_end)
            return ENOEXEC;
        line_end = buffer_end;
    }
    while (line_end > 2 && is_blank(buffer[line_end - 1]))
        --line_end;
    size_t name_start = 2;
    while (name_start < line_end && is_blank(buffer[name_start]))
        ++name_start;
    if (name_start >= line_end || buffer[name_start] == '\0')
        return ENOEXEC;
    size_t name_end = name_start;
    while (name_end < line_end && !is_terminator(buffer[name_end]))
        ++name_end;
    line.interpreter = TRY(KString::try_create({buffer + name_start, name_end - name_start}));
    line.has_argument = false;
    line.argument = KString();
    if (name_end < line_end && buffer[name_end] != '\0') {
        size_t argument_start = name_end;
        while (argument_start < line_end && is_blank(buffer[argument_start]))
            ++argument_start;
        if (argument_start < line_end) {
            // C-string semantics: the argument stops at a NUL.
            size_t argument_end = argument_start;
            while (argument_end < line_end && buffer[argument_end] != '\0')
                ++argument_end;
            line.argument = TRY(KString::try_create({buffer + argument_start, argument_end - argument_start}));
            line.has_argument = true;
        }
    }
    return true;
}

} // namespace charon

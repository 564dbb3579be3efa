#include "format.h"

#include <cstdint>

namespace charon {

namespace {

struct Spec {
    bool left = false;
    bool zero = false;
    bool plus = false;
    bool space = false;
    bool alternate = false;
    int width = 0;
    int precision = -1;
};

class Writer {
public:
    Writer(FormatSink sink, void* context) : m_sink(sink), m_context(context) {}

    void put(const char* chars, size_t length) {
        if (length == 0)
            return;
        m_sink(m_context, chars, length);
        m_total += length;
    }
    void put_char(char c) { put(&c, 1); }
    void pad(char c, int count) {
        for (int i = 0; i < count; ++i)
            put_char(c);
    }
    size_t total() const { return m_total; }

private:
    FormatSink m_sink;
    void* m_context;
    size_t m_total = 0;
};

size_t cstring_length(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n])
        ++n;
    return n;
}

void emit_string(Writer& out, const char* s, const Spec& spec) {
    if (!s)
        s = "(null)";
    size_t length = cstring_length(s, spec.precision >= 0 ? static_cast<size_t>(spec.precision) : SIZE_MAX);
    int padding = spec.width > static_cast<int>(length) ? spec.width - static_cast<int>(length) : 0;
    if (!spec.left)
        out.pad(' ', padding);
    out.put(s, length);
    if (spec.left)
        out.pad(' ', padding);
}

void emit_number(Writer& out, uint64_t magnitude, bool negative, unsigned base, bool upper, const Spec& spec,
                 const char* prefix) {
    char digits[24];
    int count = 0;
    const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    // Precision 0 with value 0 prints no digits (C rule).
    if (magnitude != 0 || spec.precision != 0) {
        do {
            digits[count++] = alphabet[magnitude % base];
            magnitude /= base;
        } while (magnitude);
    }
    char sign = 0;
    if (negative)
        sign = '-';
    else if (spec.plus)
        sign = '+';
    else if (spec.space)
        sign = ' ';

    int precision_zeros = spec.precision > count ? spec.precision - count : 0;
    int prefix_length = static_cast<int>(cstring_length(prefix, 8));
    int body = count + precision_zeros + (sign ? 1 : 0) + prefix_length;
    int padding = spec.width > body ? spec.width - body : 0;
    bool zero_pad = spec.zero && !spec.left && spec.precision < 0;

    if (!spec.left && !zero_pad)
        out.pad(' ', padding);
    if (sign)
        out.put_char(sign);
    out.put(prefix, static_cast<size_t>(prefix_length));
    if (zero_pad)
        out.pad('0', padding);
    out.pad('0', precision_zeros);
    while (count)
        out.put_char(digits[--count]);
    if (spec.left)
        out.pad(' ', padding);
}

enum class Length { Int, Char, Short, Long, LongLong, Size, PtrDiff, IntMax };

} // namespace

size_t vformat_to(FormatSink sink, void* context, const char* fmt, va_list args) {
    Writer out(sink, context);
    while (*fmt) {
        if (*fmt != '%') {
            const char* run = fmt;
            while (*fmt && *fmt != '%')
                ++fmt;
            out.put(run, static_cast<size_t>(fmt - run));
            continue;
        }
        const char* conversion_start = fmt++;
        Spec spec;
        for (;; ++fmt) {
            if (*fmt == '-')
                spec.left = true;
            else if (*fmt == '0')
                spec.zero = true;
            else if (*fmt == '+')
                spec.plus = true;
            else if (*fmt == ' ')
                spec.space = true;
            else if (*fmt == '#')
                spec.alternate = true;
            else
                break;
        }
        if (*fmt == '*') {
            spec.width = va_arg(args, int);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            ++fmt;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                spec.width = spec.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            ++fmt;
            spec.precision = 0;
            if (*fmt == '*') {
                spec.precision = va_arg(args, int);
                if (spec.precision < 0)
                    spec.precision = -1;
                ++fmt;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    spec.precision = spec.precision * 10 + (*fmt++ - '0');
            }
        }
        Length length = Length::Int;
        if (*fmt == 'h') {
            ++fmt;
            length = Length::Short;
            if (*fmt == 'h') {
                ++fmt;
                length = Length::Char;
            }
        } else if (*fmt == 'l') {
            ++fmt;
            length = Length::Long;
            if (*fmt == 'l') {
                ++fmt;
                length = Length::LongLong;
            }
        } else if (*fmt == 'z') {
            ++fmt;
            length = Length::Size;
        } else if (*fmt == 't') {
            ++fmt;
            length = Length::PtrDiff;
        } else if (*fmt == 'j') {
            ++fmt;
            length = Length::IntMax;
        }

        auto fetch_signed = [&]() -> int64_t {
            switch (length) {
            case Length::Char: return static_cast<signed char>(va_arg(args, int));
            case Length::Short: return static_cast<short>(va_arg(args, int));
            case Length::Long: return va_arg(args, long);
            case Length::LongLong: return va_arg(args, long long);
            case Length::Size: return static_cast<int64_t>(va_arg(args, size_t));
            case Length::PtrDiff: return va_arg(args, ptrdiff_t);
            case Length::IntMax: return va_arg(args, intmax_t);
            case Length::Int: break;
            }
            return va_arg(args, int);
        };
        auto fetch_unsigned = [&]() -> uint64_t {
            switch (length) {
            case Length::Char: return static_cast<unsigned char>(va_arg(args, unsigned));
            case Length::Short: return static_cast<unsigned short>(va_arg(args, unsigned));
            case Length::Long: return va_arg(args, unsigned long);
            case Length::LongLong: return va_arg(args, unsigned long long);
            case Length::Size: return va_arg(args, size_t);
            case Length::PtrDiff: return static_cast<uint64_t>(va_arg(args, ptrdiff_t));
            case Length::IntMax: return va_arg(args, uintmax_t);
            case Length::Int: break;
            }
            return va_arg(args, unsigned);
        };

        char c = *fmt;
        if (c) // never step past the terminator
            ++fmt;
        switch (c) {
        case 'd':
        case 'i': {
            int64_t value = fetch_signed();
            // Negate in unsigned arithmetic: INT64_MIN has no positive twin.
            uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
            emit_number(out, magnitude, value < 0, 10, false, spec, "");
            break;
        }
        case 'u':
            emit_number(out, fetch_unsigned(), false, 10, false, spec, "");
            break;
        case 'x':
        case 'X': {
            uint64_t value = fetch_unsigned();
            const char* prefix = spec.alternate && value ? (c == 'x' ? "0x" : "0X") : "";
            emit_number(out, value, false, 16, c == 'X', spec, prefix);
            break;
        }
        case 'o': {
            uint64_t value = fetch_unsigned();
            emit_number(out, value, false, 8, false, spec, spec.alternate && value ? "0" : "");
            break;
        }
        case 'p': {
            auto value = reinterpret_cast<uintptr_t>(va_arg(args, void*));
            emit_number(out, value, false, 16, false, spec, "0x");
            break;
        }
        case 's':
            emit_string(out, va_arg(args, const char*), spec);
            break;
        case 'c': {
            char ch = static_cast<char>(va_arg(args, int));
            int padding = spec.width > 1 ? spec.width - 1 : 0;
            if (!spec.left)
                out.pad(' ', padding);
            out.put_char(ch);
            if (spec.left)
                out.pad(' ', padding);
            break;
        }
        case '%':
            out.put_char('%');
            break;
        default:
            out.put(conversion_start, static_cast<size_t>(fmt - conversion_start));
            break;
        }
    }
    return out.total();
}

namespace {
struct BufferState {
    char* buffer;
    size_t capacity; // excluding the terminator
    size_t used;
};

void buffer_sink(void* context, const char* chars, size_t length) {
    auto* state = static_cast<BufferState*>(context);
    size_t room = state->capacity - state->used;
    size_t n = length < room ? length : room;
    for (size_t i = 0; i < n; ++i)
        state->buffer[state->used + i] = chars[i];
    state->used += n;
}
} // namespace

size_t vformat(char* buffer, size_t size, const char* fmt, va_list args) {
    BufferState state{buffer, size ? size - 1 : 0, 0};
    size_t total = vformat_to(buffer_sink, &state, fmt, args);
    if (size)
        buffer[state.used] = '\0';
    return total;
}

size_t format(char* buffer, size_t size, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t total = vformat(buffer, size, fmt, args);
    va_end(args);
    return total;
}

} // namespace charon

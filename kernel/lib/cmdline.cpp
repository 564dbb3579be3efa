#include "cmdline.h"

#include "string_util.h"

namespace charon {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Calls visit(key, key_length, value_or_null, value_length) per kernel word.
// As on Linux, a bare "--" ends the kernel's options: what follows belongs to
// init (kernel/init passes it on as init's arguments).
template <typename Visit>
void for_each_word(const char* line, Visit visit) {
    if (!line)
        return;
    const char* p = line;
    while (*p) {
        while (*p && is_space(*p))
            ++p;
        if (!*p)
            break;
        const char* word = p;
        while (*p && !is_space(*p))
            ++p;
        size_t word_length = static_cast<size_t>(p - word);
        if (word_length == 2 && word[0] == '-' && word[1] == '-')
            return;
        size_t key_length = 0;
        while (key_length < word_length && word[key_length] != '=')
            ++key_length;
        if (key_length < word_length)
            visit(word, key_length, word + key_length + 1, word_length - key_length - 1);
        else
            visit(word, key_length, nullptr, 0);
    }
}
} // namespace

bool CommandLine::has_flag(const char* name) const {
    size_t name_length = string_length(name);
    bool found = false;
    for_each_word(m_line, [&](const char* key, size_t key_length, const char* value, size_t) {
        if (!value && key_length == name_length && memory_equal(key, name, name_length))
            found = true;
    });
    return found;
}

bool CommandLine::find_value(const char* name, StringView& out) const {
    size_t name_length = string_length(name);
    bool found = false;
    for_each_word(m_line, [&](const char* key, size_t key_length, const char* value, size_t value_length) {
        if (key_length != name_length || !memory_equal(key, name, name_length))
            return;
        found = true;
        out = value ? StringView(value, value_length) : StringView(key + key_length, 0);
    });
    return found;
}

} // namespace charon

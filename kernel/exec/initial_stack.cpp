#include "exec/initial_stack.h"

namespace charon {

namespace {
constexpr uint64_t kArgSpaceCeiling = (8 << 20) / 4 * 3; // _STK_LIM / 4 * 3
} // namespace

uint64_t argument_space_limit(uint64_t stack_limit) {
    uint64_t limit = kArgSpaceCeiling;
    if (stack_limit / 4 < limit)
        limit = stack_limit / 4;
    if (limit < kArgMax)
        limit = kArgMax;
    return limit;
}

Result<InitialStack> build_initial_stack(const StackSpec& spec) {
    VERIFY((spec.stack_top & 15) == 0);
    static constexpr StringView empty_argv[] = {StringView("")};
    const StringView* argv = spec.argv;
    size_t argc = spec.argc;
    if (argc == 0) {
        argv = empty_argv;
        argc = 1;
    }
    if (argc > MAX_ARG_STRINGS || spec.envc > MAX_ARG_STRINGS)
        return E2BIG;

    // Argument space: pointers first, then strings (Linux counts execfn too).
    uint64_t limit = argument_space_limit(spec.stack_limit);
    uint64_t pointer_bytes = (argc + spec.envc) * 8;
    if (limit <= pointer_bytes)
        return E2BIG;
    uint64_t string_budget = limit - pointer_bytes;
    uint64_t string_bytes = 0;
    auto account = [&](StringView s) -> Result<void> {
        if (s.length() + 1 > MAX_ARG_STRLEN)
            return E2BIG;
        string_bytes += s.length() + 1;
        if (string_bytes > string_budget)
            return E2BIG;
        return {};
    };
    TRY(account(spec.execfn));
    for (size_t i = 0; i < spec.envc; ++i)
        TRY(account(spec.envp[i]));
    for (size_t i = 0; i < argc; ++i)
        TRY(account(argv[i]));

    // Addresses first, top down, exactly as Linux lays them out.
    InitialStack stack;
    uint64_t p = spec.stack_top - 8;
    p -= spec.execfn.length() + 1;
    stack.execfn_address = p;
    stack.env_end = p;
    uint64_t strings_end = spec.stack_top - 8;
    for (size_t i = spec.envc; i-- > 0;)
        p -= spec.envp[i].length() + 1;
    stack.env_start = p;
    stack.arg_end = p;
    for (size_t i = argc; i-- > 0;)
        p -= argv[i].length() + 1;
    stack.arg_start = p;

    p &= ~uint64_t(15); // arch_align_stack without randomisation
    p -= spec.platform.length() + 1;
    stack.platform_address = p;
    p -= 16;
    stack.random_address = p;

    struct AuxEntry {
        uint64_t type, value;
    };
    AuxEntry auxv[24];
    size_t aux_count = 0;
    auto add = [&](uint64_t type, uint64_t value) { auxv[aux_count++] = {type, value}; };
    if (spec.aux.min_signal_stack_size)
        add(AT_MINSIGSTKSZ, spec.aux.min_signal_stack_size);
    add(AT_HWCAP, spec.aux.hwcap);
    add(AT_PAGESZ, spec.aux.page_size);
    add(AT_CLKTCK, spec.aux.clock_ticks);
    add(AT_PHDR, spec.aux.phdr);
    add(AT_PHENT, spec.aux.phent);
    add(AT_PHNUM, spec.aux.phnum);
    add(AT_BASE, spec.aux.base);
    add(AT_FLAGS, spec.aux.flags);
    add(AT_ENTRY, spec.aux.entry);
    add(AT_UID, spec.aux.uid);
    add(AT_EUID, spec.aux.euid);
    add(AT_GID, spec.aux.gid);
    add(AT_EGID, spec.aux.egid);
    add(AT_SECURE, spec.aux.secure);
    add(AT_RANDOM, stack.random_address);
    add(AT_HWCAP2, spec.aux.hwcap2);
    add(AT_EXECFN, stack.execfn_address);
    add(AT_PLATFORM, stack.platform_address);
    add(AT_NULL, 0);

    uint64_t words = 1 + (argc + 1) + (spec.envc + 1) + aux_count * 2;
    uint64_t rsp = (p - words * 8) & ~uint64_t(15);
    if (spec.stack_top - rsp > spec.stack_limit)
        return E2BIG;
    stack.rsp = rsp;
    stack.argv_address = rsp + 8;
    stack.envp_address = stack.argv_address + (argc + 1) * 8;
    stack.auxv_address = stack.envp_address + (spec.envc + 1) * 8;

    // Then the bytes.
    TRY(stack.image.try_resize(spec.stack_top - rsp));
    uint8_t* image = stack.image.data();
    __builtin_memset(image, 0, stack.image.size());
    auto at = [&](uint64_t address) { return image + (address - rsp); };
    auto put_word = [&](uint64_t address, uint64_t value) { __builtin_memcpy(at(address), &value, 8); };
    auto put_string = [&](uint64_t address, StringView s) {
        if (s.length())
            __builtin_memcpy(at(address), s.chars(), s.length());
        *at(address + s.length()) = 0;
    };

    put_string(stack.execfn_address, spec.execfn);
    uint64_t cursor = stack.env_start;
    for (size_t i = 0; i < spec.envc; ++i) {
        put_string(cursor, spec.envp[i]);
        put_word(stack.envp_address + i * 8, cursor);
        cursor += spec.envp[i].length() + 1;
    }
    cursor = stack.arg_start;
    for (size_t i = 0; i < argc; ++i) {
        put_string(cursor, argv[i]);
        put_word(stack.argv_address + i * 8, cursor);
        cursor += argv[i].length() + 1;
    }
    VERIFY(cursor == stack.arg_end && stack.env_end + spec.execfn.length() + 1 == strings_end);
    put_string(stack.platform_address, spec.platform);
    __builtin_memcpy(at(stack.random_address), spec.random, 16);
    put_word(rsp, argc);
    for (size_t i = 0; i < aux_count; ++i) {
        put_word(stack.auxv_address + i * 16, auxv[i].type);
        put_word(stack.auxv_address + i * 16 + 8, auxv[i].value);
    }
    return stack;
}

namespace {

// Reads a NUL-terminated string of at most `max_with_nul` bytes, a page-
// bounded chunk at a time so that a fault marks the true end of memory.
Result<KString> copy_string_from_user(UserMemory& memory, uint64_t address, size_t max_with_nul) {
    Vector<char> bytes;
    char chunk[256];
    for (;;) {
        size_t to_page_end = 4096 - (address & 4095);
        size_t count = to_page_end < sizeof chunk ? to_page_end : sizeof chunk;
        TRY(memory.copy_from_user(chunk, address, count));
        for (size_t i = 0; i < count; ++i) {
            if (chunk[i] == '\0')
                return KString::try_create({bytes.data(), bytes.size()});
            if (bytes.size() + 1 >= max_with_nul)
                return E2BIG;
            TRY(bytes.try_append(chunk[i]));
        }
        address += count;
    }
}

} // namespace

Result<Vector<KString>> copy_string_array_from_user(UserMemory& memory, uint64_t address, uint64_t& budget) {
    Vector<KString> strings;
    if (address == 0)
        return strings;
    for (size_t index = 0;; ++index) {
        if (index >= MAX_ARG_STRINGS)
            return E2BIG;
        uint64_t pointer;
        TRY(memory.copy_from_user(&pointer, address + index * 8, 8));
        if (pointer == 0)
            return strings;
        KString string = TRY(copy_string_from_user(memory, pointer, MAX_ARG_STRLEN));
        uint64_t cost = string.length() + 1 + 8; // the string and its pointer
        if (cost > budget)
            return E2BIG;
        budget -= cost;
        TRY(strings.try_append(std::move(string)));
    }
}

} // namespace charon

// The initial process stack, parsed back the way a C runtime reads it.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "exec/initial_stack.h"

using namespace charon;

namespace {

constexpr uint64_t kTop = 0x7ffffffff000;

struct Parsed {
    uint64_t argc = 0;
    std::vector<std::string> argv, envp;
    std::vector<std::pair<uint64_t, uint64_t>> auxv;
    std::map<uint64_t, uint64_t> aux;
};

struct Reader {
    const InitialStack& stack;
    uint64_t top;
    bool contains(uint64_t address, size_t length) const {
        return address >= stack.rsp && address <= top && length <= top - address;
    }
    uint64_t word(uint64_t address) const {
        EXPECT_TRUE(contains(address, 8)) << std::hex << address;
        uint64_t value = 0;
        if (contains(address, 8))
            std::memcpy(&value, stack.image.data() + (address - stack.rsp), 8);
        return value;
    }
    std::string string(uint64_t address) const {
        std::string out;
        while (contains(address, 1)) {
            char c = static_cast<char>(stack.image.data()[address - stack.rsp]);
            if (!c)
                return out;
            out += c;
            ++address;
        }
        ADD_FAILURE() << "unterminated string";
        return out;
    }
};

Parsed parse(const InitialStack& stack, uint64_t top = kTop) {
    Reader r{stack, top};
    Parsed p;
    uint64_t at = stack.rsp;
    p.argc = r.word(at);
    at += 8;
    for (uint64_t i = 0; i < p.argc; ++i, at += 8)
        p.argv.push_back(r.string(r.word(at)));
    EXPECT_EQ(r.word(at), 0u);
    at += 8;
    while (uint64_t pointer = r.word(at)) {
        p.envp.push_back(r.string(pointer));
        at += 8;
    }
    at += 8;
    for (;;) {
        uint64_t type = r.word(at), value = r.word(at + 8);
        p.auxv.push_back({type, value});
        p.aux[type] = value;
        at += 16;
        if (type == AT_NULL)
            break;
    }
    return p;
}

StackSpec basic_spec(const std::vector<StringView>& argv, const std::vector<StringView>& envp) {
    StackSpec spec;
    spec.stack_top = kTop;
    spec.argv = argv.data();
    spec.argc = argv.size();
    spec.envp = envp.data();
    spec.envc = envp.size();
    spec.execfn = "/bin/prog";
    for (int i = 0; i < 16; ++i)
        spec.random[i] = static_cast<uint8_t>(0xa0 + i);
    spec.aux.phdr = 0x400040;
    spec.aux.phnum = 7;
    spec.aux.entry = 0x401074;
    spec.aux.uid = 1000;
    spec.aux.euid = 1001;
    spec.aux.gid = 100;
    spec.aux.egid = 101;
    spec.aux.hwcap = 0x178bfbff;
    return spec;
}

} // namespace

TEST(ExecStack, LayoutParsesBack) {
    std::vector<StringView> argv = {"prog", "-x", "", "last arg"};
    std::vector<StringView> envp = {"PATH=/bin", "HOME=/"};
    auto result = build_initial_stack(basic_spec(argv, envp));
    ASSERT_FALSE(result.is_error());
    const InitialStack& stack = result.value();
    EXPECT_EQ(stack.rsp % 16, 0u); // the x86_64 ABI at process entry
    EXPECT_EQ(stack.image.size(), kTop - stack.rsp);
    Parsed p = parse(stack);
    EXPECT_EQ(p.argc, 4u);
    EXPECT_EQ(p.argv, (std::vector<std::string>{"prog", "-x", "", "last arg"}));
    EXPECT_EQ(p.envp, (std::vector<std::string>{"PATH=/bin", "HOME=/"}));
    EXPECT_EQ(stack.argv_address, stack.rsp + 8);
    EXPECT_EQ(stack.envp_address, stack.rsp + 8 + 5 * 8);

    EXPECT_EQ(p.aux[AT_PHDR], 0x400040u);
    EXPECT_EQ(p.aux[AT_PHENT], 56u);
    EXPECT_EQ(p.aux[AT_PHNUM], 7u);
    EXPECT_EQ(p.aux[AT_PAGESZ], 4096u);
    EXPECT_EQ(p.aux[AT_BASE], 0u);
    EXPECT_EQ(p.aux[AT_FLAGS], 0u);
    EXPECT_EQ(p.aux[AT_ENTRY], 0x401074u);
    EXPECT_EQ(p.aux[AT_UID], 1000u);
    EXPECT_EQ(p.aux[AT_EUID], 1001u);
    EXPECT_EQ(p.aux[AT_GID], 100u);
    EXPECT_EQ(p.aux[AT_EGID], 101u);
    EXPECT_EQ(p.aux[AT_SECURE], 0u);
    EXPECT_EQ(p.aux[AT_HWCAP], 0x178bfbffu);
    EXPECT_EQ(p.aux[AT_CLKTCK], 100u);
    EXPECT_EQ(p.auxv.back().first, static_cast<uint64_t>(AT_NULL));
    EXPECT_EQ(p.aux.count(AT_MINSIGSTKSZ), 0u);
    // Linux's order: ..., AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM, AT_NULL.
    size_t n = p.auxv.size();
    EXPECT_EQ(p.auxv[0].first, static_cast<uint64_t>(AT_HWCAP));
    EXPECT_EQ(p.auxv[n - 2].first, static_cast<uint64_t>(AT_PLATFORM));
    EXPECT_EQ(p.auxv[n - 3].first, static_cast<uint64_t>(AT_EXECFN));
    EXPECT_EQ(p.auxv[n - 5].first, static_cast<uint64_t>(AT_RANDOM));

    Reader r{stack, kTop};
    EXPECT_EQ(r.string(p.aux[AT_EXECFN]), "/bin/prog");
    EXPECT_EQ(r.string(p.aux[AT_PLATFORM]), "x86_64");
    for (int i = 0; i < 16; ++i)
        EXPECT_EQ(stack.image[p.aux[AT_RANDOM] - stack.rsp + static_cast<uint64_t>(i)], 0xa0 + i);
    // Strings sit at the very top, below an 8-byte zero word, execfn highest.
    EXPECT_EQ(p.aux[AT_EXECFN], kTop - 8 - 10);
    EXPECT_EQ(r.word(kTop - 8), 0u);
    EXPECT_EQ(stack.arg_start, r.word(stack.argv_address));
    EXPECT_EQ(stack.env_start, r.word(stack.envp_address));
    EXPECT_EQ(stack.arg_end, stack.env_start);
    EXPECT_EQ(stack.env_end, stack.execfn_address);
    // The argv strings are contiguous, NUL separated (what /proc/pid/cmdline shows).
    std::string cmdline(reinterpret_cast<const char*>(stack.image.data() + (stack.arg_start - stack.rsp)),
                        stack.arg_end - stack.arg_start);
    EXPECT_EQ(cmdline, std::string("prog\0-x\0\0last arg\0", 18));
    // Everything the pointers reference lies above the vectors.
    EXPECT_GT(p.aux[AT_RANDOM], stack.auxv_address + p.auxv.size() * 16 - 1);
}

TEST(ExecStack, AlignmentForEveryShape) {
    // Whatever the string lengths and counts, rsp is 16-aligned and the
    // vectors parse back.
    std::vector<std::string> storage;
    for (int argc = 0; argc < 6; ++argc) {
        for (int envc = 0; envc < 4; ++envc) {
            for (int extra = 0; extra < 16; ++extra) {
                std::vector<std::string> strings;
                std::vector<StringView> argv, envp;
                for (int i = 0; i < argc; ++i)
                    strings.push_back(std::string(static_cast<size_t>(extra + i), 'a'));
                for (int i = 0; i < envc; ++i)
                    strings.push_back("E" + std::string(static_cast<size_t>(extra), 'e'));
                for (int i = 0; i < argc; ++i)
                    argv.push_back({strings[static_cast<size_t>(i)].data(), strings[static_cast<size_t>(i)].size()});
                for (int i = 0; i < envc; ++i)
                    envp.push_back({strings[static_cast<size_t>(argc + i)].data(),
                                    strings[static_cast<size_t>(argc + i)].size()});
                auto spec = basic_spec(argv, envp);
                spec.aux.min_signal_stack_size = extra % 2 ? 2048 : 0;
                auto result = build_initial_stack(spec);
                ASSERT_FALSE(result.is_error());
                ASSERT_EQ(result.value().rsp % 16, 0u);
                Parsed p = parse(result.value());
                // argc == 0 becomes argv = {""} (Linux 5.18+).
                EXPECT_EQ(p.argc, argc ? static_cast<uint64_t>(argc) : 1u);
                if (!argc) {
                    EXPECT_EQ(p.argv[0], "");
                }
                EXPECT_EQ(p.envp.size(), static_cast<size_t>(envc));
                EXPECT_EQ(p.aux.count(AT_MINSIGSTKSZ), extra % 2 ? 1u : 0u);
            }
        }
    }
}

TEST(ExecStack, E2bigLimits) {
    std::string longest(MAX_ARG_STRLEN - 1, 'x'); // with its NUL: exactly the limit
    std::string too_long(MAX_ARG_STRLEN, 'x');
    std::vector<StringView> ok = {"p", {longest.data(), longest.size()}};
    EXPECT_FALSE(build_initial_stack(basic_spec(ok, {})).is_error());
    std::vector<StringView> bad = {"p", {too_long.data(), too_long.size()}};
    EXPECT_EQ(build_initial_stack(basic_spec(bad, {})).error().code(), E2BIG);
    std::vector<StringView> bad_env = {{too_long.data(), too_long.size()}};
    EXPECT_EQ(build_initial_stack(basic_spec({"p"}, bad_env)).error().code(), E2BIG);

    // Total: 2 MiB of argument space under the default 8 MiB stack limit.
    EXPECT_EQ(argument_space_limit(8 << 20), 2u << 20);
    EXPECT_EQ(argument_space_limit(64 << 20), 6u << 20);
    EXPECT_EQ(argument_space_limit(64 << 10), 128u << 10); // never below ARG_MAX
    std::vector<StringView> many(17, {longest.data(), longest.size()}); // 17 * 128 KiB > 2 MiB
    EXPECT_EQ(build_initial_stack(basic_spec(many, {})).error().code(), E2BIG);
    std::vector<StringView> fifteen(15, {longest.data(), longest.size()});
    EXPECT_FALSE(build_initial_stack(basic_spec(fifteen, {})).is_error());
    auto spec = basic_spec(fifteen, {});
    spec.stack_limit = 1 << 20; // 256 KiB of argument space now
    EXPECT_EQ(build_initial_stack(spec).error().code(), E2BIG);
}

namespace {

// User memory with one mapped range; everything else faults.
struct FakeUserMemory final : UserMemory {
    uint64_t base = 0x10000;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(3 * 4096, 0);
    Result<void> copy_to_user(uint64_t address, const void* source, size_t length) override {
        if (address < base || address - base > bytes.size() || length > bytes.size() - (address - base))
            return EFAULT;
        std::memcpy(bytes.data() + (address - base), source, length);
        return {};
    }
    Result<void> copy_from_user(void* destination, uint64_t address, size_t length) override {
        if (address < base || address - base > bytes.size() || length > bytes.size() - (address - base))
            return EFAULT;
        std::memcpy(destination, bytes.data() + (address - base), length);
        return {};
    }
    uint64_t put_string(uint64_t address, const std::string& s) {
        (void)copy_to_user(address, s.c_str(), s.size() + 1);
        return address;
    }
    void put_word(uint64_t address, uint64_t value) { (void)copy_to_user(address, &value, 8); }
};

} // namespace

TEST(ExecStack, CopyStringArrayFromUser) {
    FakeUserMemory memory;
    uint64_t a = memory.put_string(0x10100, "first");
    uint64_t b = memory.put_string(0x10200, "second");
    memory.put_word(0x10000, a);
    memory.put_word(0x10008, b);
    memory.put_word(0x10010, 0);
    uint64_t budget = argument_space_limit(kDefaultStackLimit);
    auto strings = copy_string_array_from_user(memory, 0x10000, budget);
    ASSERT_FALSE(strings.is_error());
    ASSERT_EQ(strings.value().size(), 2u);
    EXPECT_STREQ(strings.value()[0].chars(), "first");
    EXPECT_STREQ(strings.value()[1].chars(), "second");
    EXPECT_EQ(budget, argument_space_limit(kDefaultStackLimit) - (6 + 8) - (7 + 8));
    // NULL array: empty.
    EXPECT_EQ(copy_string_array_from_user(memory, 0, budget).value().size(), 0u);
    // A pointer into unmapped memory, or an array running off the end.
    memory.put_word(0x10008, 0xdead0000);
    EXPECT_EQ(copy_string_array_from_user(memory, 0x10000, budget).error().code(), EFAULT);
    EXPECT_EQ(copy_string_array_from_user(memory, 0x12ff8 + 0x1000, budget).error().code(), EFAULT);
    // A string that runs into unmapped memory without a NUL.
    std::string fill(4096, 'z');
    (void)memory.copy_to_user(0x12000, fill.data(), fill.size());
    memory.put_word(0x10008, 0x12000);
    EXPECT_EQ(copy_string_array_from_user(memory, 0x10000, budget).error().code(), EFAULT);
    // The budget runs out: E2BIG.
    memory.put_word(0x10008, b);
    uint64_t small = 20;
    EXPECT_EQ(copy_string_array_from_user(memory, 0x10000, small).error().code(), E2BIG);
}

TEST(ExecStack, MatchesOffsetsObservedOnLinux) {
    // Observed on Linux 6.18 x86_64 (`env -i A=1 BB=22 setarch -R
    // ./dumpstack x yy`, a static musl program printing its own pointers
    // relative to the stack top): the same inputs land at the same offsets.
    std::vector<StringView> argv = {"./dumpstack", "x", "yy"};
    std::vector<StringView> envp = {"A=1", "BB=22"};
    auto spec = basic_spec(argv, envp);
    spec.execfn = "./dumpstack";
    spec.aux.min_signal_stack_size = 3632;
    auto result = build_initial_stack(spec);
    ASSERT_FALSE(result.is_error());
    Parsed p = parse(result.value());
    Reader r{result.value(), kTop};
    EXPECT_EQ(kTop - p.aux[AT_EXECFN], 20u);
    EXPECT_EQ(kTop - r.word(result.value().argv_address), 47u);
    EXPECT_EQ(kTop - r.word(result.value().argv_address + 8), 35u);
    EXPECT_EQ(kTop - r.word(result.value().argv_address + 16), 33u);
    EXPECT_EQ(kTop - r.word(result.value().envp_address), 30u);
    EXPECT_EQ(kTop - r.word(result.value().envp_address + 8), 26u);
    EXPECT_EQ(kTop - p.aux[AT_PLATFORM], 55u);
    EXPECT_EQ(kTop - p.aux[AT_RANDOM], 71u);
    // Linux also passed AT_SYSINFO_EHDR and two AT_RSEQ_* entries (23 in
    // all, rsp = top - 512); with our 20 entries the same rounding gives:
    EXPECT_EQ(p.auxv.size(), 20u);
    EXPECT_EQ(kTop - result.value().rsp, (71 + (8 + 20 * 2) * 8 + 15) / 16 * 16);
}

// In-kernel self-tests. A test is a function registered with KERNEL_TEST;
// the macro puts a descriptor into the .kernel_tests section, and the runner
// (runner.cpp) walks that section, so adding a test is writing it, nothing
// more. Boot with `selftest` to run them all, `selftest=PREFIX` for those
// whose name starts with PREFIX. Output, per test:
//   KTEST RUN frames_alloc_free
//   KTEST PASS frames_alloc_free
//   KTEST FAIL paging_map: tests/kernel/test_paging.cpp:42: EXPECT_EQ(a, b): 0x1 != 0x2
// then "KTEST RESULT <passed> <failed>", and QEMU exits through
// isa-debug-exit (status 33 all passed, 35 some failed).
#pragma once

#include <cstdint>
#include <type_traits>

#include "lib/format.h"

namespace charon::ktest {

class Context {
public:
    explicit Context(const char* test_name) : m_test_name(test_name) {}
    void fail(const char* file, int line, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
    bool failed() const { return m_failures != 0; }

private:
    const char* m_test_name;
    unsigned m_failures = 0;
};

// Comparison operands are printed as numbers: integers, enums and pointers.
template <typename T>
unsigned long as_number(const T& value) {
    if constexpr (std::is_pointer_v<T>)
        return reinterpret_cast<unsigned long>(value);
    else
        return static_cast<unsigned long>(value);
}

// The .kernel_tests section holds pointers to these descriptors, not the
// descriptors themselves: the compiler may over-align a 32-byte object (to
// 32 on x86_64), which would leave gaps in a section meant as an array;
// pointers are always 8 bytes, 8-aligned.
struct TestCase {
    const char* name;
    void (*function)(Context&);
    const char* file; // the runner orders tests by file, then line
    int line;
};

} // namespace charon::ktest

#define KERNEL_TEST(test_name)                                                                                \
    static void kernel_test_##test_name(::charon::ktest::Context&);                                          \
    static constexpr ::charon::ktest::TestCase kernel_test_case_##test_name{#test_name, kernel_test_##test_name, \
                                                                            __FILE__, __LINE__};              \
    [[gnu::used, gnu::section(".kernel_tests")]] static const ::charon::ktest::TestCase* const               \
        kernel_test_entry_##test_name = &kernel_test_case_##test_name;                                        \
    static void kernel_test_##test_name([[maybe_unused]] ::charon::ktest::Context& ktest_context)

// EXPECT_* record a failure and go on; ASSERT_* also end the test.
#define KEXPECT(cond)                                                                  \
    do {                                                                               \
        if (!(cond))                                                                   \
            ktest_context.fail(__FILE__, __LINE__, "EXPECT(%s) is false", #cond);      \
    } while (0)
#define KASSERT(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            ktest_context.fail(__FILE__, __LINE__, "ASSERT(%s) is false", #cond);      \
            return;                                                                    \
        }                                                                              \
    } while (0)
#define KEXPECT_CMP_IMPL(a, op, b, on_fail)                                                              \
    do {                                                                                                 \
        auto ktest_a = (a);                                                                              \
        auto ktest_b = (b);                                                                              \
        if (!(ktest_a op ktest_b)) {                                                                     \
            ktest_context.fail(__FILE__, __LINE__, "%s %s %s: %#lx vs %#lx", #a, #op, #b,                \
                               ::charon::ktest::as_number(ktest_a), ::charon::ktest::as_number(ktest_b)); \
            on_fail;                                                                                     \
        }                                                                                                \
    } while (0)
#define KEXPECT_EQ(a, b) KEXPECT_CMP_IMPL(a, ==, b, (void)0)
#define KEXPECT_NE(a, b) KEXPECT_CMP_IMPL(a, !=, b, (void)0)
#define KEXPECT_LT(a, b) KEXPECT_CMP_IMPL(a, <, b, (void)0)
#define KEXPECT_LE(a, b) KEXPECT_CMP_IMPL(a, <=, b, (void)0)
#define KEXPECT_GT(a, b) KEXPECT_CMP_IMPL(a, >, b, (void)0)
#define KEXPECT_GE(a, b) KEXPECT_CMP_IMPL(a, >=, b, (void)0)
#define KASSERT_EQ(a, b) KEXPECT_CMP_IMPL(a, ==, b, return)
#define KASSERT_NE(a, b) KEXPECT_CMP_IMPL(a, !=, b, return)
#define KASSERT_LE(a, b) KEXPECT_CMP_IMPL(a, <=, b, return)
// For Result<T>: fails (and ends the test) with the errno if it is an error.
#define KASSERT_OK(result_expr)                                                                      \
    ({                                                                                               \
        auto ktest_result = (result_expr);                                                           \
        if (ktest_result.is_error()) {                                                               \
            ktest_context.fail(__FILE__, __LINE__, "%s failed with errno %d", #result_expr,          \
                               static_cast<int>(ktest_result.error().code()));                       \
            return;                                                                                  \
        }                                                                                            \
        ktest_result.release_value();                                                                \
    })

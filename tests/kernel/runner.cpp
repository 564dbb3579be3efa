#include <stdarg.h>

#include "arch/x86_64/qemu.h"
#include "arch/x86_64/serial.h"
#include "ktest.h"
#include "lib/log.h"
#include "lib/string_util.h"
#include "lib/string_view.h"
#include "lib/verify.h"
#include "sched/scheduler.h"

extern "C" const charon::ktest::TestCase* const __kernel_tests_start[];
extern "C" const charon::ktest::TestCase* const __kernel_tests_end[];

namespace charon::ktest {

void Context::fail(const char* file, int line, const char* fmt, ...) {
    char message[200];
    va_list args;
    va_start(args, fmt);
    vformat(message, sizeof(message), fmt, args);
    va_end(args);
    // One line per failure, all of them (not only the first).
    log_info("KTEST FAIL %s: %s:%d: %s", m_test_name, file, line, message);
    ++m_failures;
}

namespace {
bool runs_before(const TestCase& a, const TestCase& b) {
    int by_file = string_compare(a.file, b.file);
    return by_file < 0 || (by_file == 0 && a.line < b.line);
}
} // namespace

[[noreturn]] void run_all(StringView filter) {
    // The section holds tests in link order (and the compiler reverses them
    // within a file); run them in source order instead.
    constexpr size_t max_tests = 1024;
    static const TestCase* order[max_tests];
    size_t count = 0;
    for (const TestCase* const* entry = __kernel_tests_start; entry < __kernel_tests_end; ++entry) {
        const TestCase* test = *entry;
        VERIFY(count < max_tests);
        size_t i = count++;
        while (i > 0 && runs_before(*test, *order[i - 1])) {
            order[i] = order[i - 1];
            --i;
        }
        order[i] = test;
    }

    unsigned passed = 0, failed = 0;
    for (size_t index = 0; index < count; ++index) {
        const TestCase* test = order[index];
        if (!StringView(test->name).starts_with(filter))
            continue;
        // Announced first, so a test that hangs or crashes the kernel is
        // named by the last RUN line without a verdict.
        // Threads an earlier test let exit are freed before this one
        // measures anything.
        sched::wait_for_reaper();
        log_info("KTEST RUN %s", test->name);
        Context context(test->name);
        test->function(context);
        if (context.failed()) {
            ++failed;
        } else {
            ++passed;
            log_info("KTEST PASS %s", test->name);
        }
    }
    if (passed + failed == 0) {
        log_info("KTEST FAIL no_tests_selected: no test name starts with '%.*s'", static_cast<int>(filter.length()),
                 filter.chars());
        ++failed;
    }
    log_info("KTEST RESULT %u %u", passed, failed);
    arch::qemu_exit(failed ? arch::QemuExit::TestsFailed : arch::QemuExit::TestsPassed);
    panic("isa-debug-exit device missing: cannot report self-test results");
}

} // namespace charon::ktest

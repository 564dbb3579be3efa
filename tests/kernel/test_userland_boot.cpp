// Booting into user space: the kernel command line's init convention and the
// power-off code init's exit status becomes (docs/userland.md).
#include "init/initramfs.h"
#include "ktest.h"
#include "lib/string_util.h"
#include "mm/heap.h"

using namespace charon;

KERNEL_TEST(userland_init_command_default) {
    InitCommand c = KASSERT_OK(parse_init_command("loglevel=debug selftest"));
    KEXPECT(string_equal(c.path.chars(), "/sbin/init"));
    KASSERT_EQ(c.argv.size(), 1u);
    KEXPECT(string_equal(c.argv[0].chars(), "/sbin/init"));
    KASSERT_EQ(c.envp.size(), 2u);
    KEXPECT(string_equal(c.envp[0].chars(), "HOME=/"));
    KEXPECT(string_equal(c.envp[1].chars(), "TERM=linux"));
}

KERNEL_TEST(userland_init_command_words_after_separator) {
    // Words after the first "--" are init's, even ones that look like kernel
    // options; a later "--" is an argument too. init= before it picks the program.
    InitCommand c = KASSERT_OK(parse_init_command("  init=/bin/demo  debug -- -v  /tests/runner  init=/x -- selftest "));
    KEXPECT(string_equal(c.path.chars(), "/bin/demo"));
    const char* expected[] = {"/bin/demo", "-v", "/tests/runner", "init=/x", "--", "selftest"};
    KASSERT_EQ(c.argv.size(), sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < c.argv.size(); ++i)
        KEXPECT(string_equal(c.argv[i].chars(), expected[i]));
}

KERNEL_TEST(userland_init_command_frees_everything) {
    size_t baseline = mm::heap_bytes_in_use();
    for (int i = 0; i < 100; ++i) {
        InitCommand c = KASSERT_OK(parse_init_command("init=/sbin/init -- /tests/runner -t 10 /tests/bin"));
        KEXPECT_EQ(c.argv.size(), 5u);
    }
    KEXPECT_EQ(mm::heap_bytes_in_use(), baseline);
}

KERNEL_TEST(userland_init_exit_codes) {
    // QEMU exits with (value << 1) | 1.
    KEXPECT_EQ(init_exit_code(0), 0x20);           // exit 0 -> QEMU 65
    KEXPECT_EQ(init_exit_code(1 << 8), 0x21);      // exit 1 -> QEMU 67
    KEXPECT_EQ(init_exit_code(30 << 8), 0x3e);
    KEXPECT_EQ(init_exit_code(200 << 8), 0x3f);    // 31 and above share one code
    KEXPECT_EQ(init_exit_code(9), 0x49);           // SIGKILL -> QEMU 147
    KEXPECT_EQ(init_exit_code(0x80 | 11), 0x4b);   // core dump flag ignored
    KEXPECT_EQ(init_exit_code(64), 0x7f);          // SIGRTMAX -> QEMU 255
}

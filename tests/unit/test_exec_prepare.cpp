// execve's portable front half: finding the file, permission checks, "#!"
// rewriting, the ELF plan, and copying segments into a new address space.
#include <gtest/gtest.h>


#include "exec/exec.h"
#include "fixtures/fs_fixture.h"
#include "fixtures/musl_tls_static.h"

using namespace charon;
using namespace charon::test;

namespace {

std::string musl_binary() {
    return std::string(reinterpret_cast<const char*>(k_musl_tls_static), k_musl_tls_static_len);
}

class ExecPrepare : public FsFixture {
protected:
    CpioWriter build_archive() override {
        CpioWriter w;
        w.directory("bin");
        w.file("bin/tls", musl_binary(), 0755);
        w.file("bin/unreadable", musl_binary(), 0711);
        w.file("bin/noexec", musl_binary(), 0644);
        w.file("bin/script", "#!/bin/tls -a b\necho\n", 0755);
        w.file("bin/nested", "#!/bin/script\n", 0755);
        w.file("bin/relative", "#!tls\n", 0755);
        w.file("bin/badinterp", "#!/nope\n", 0755);
        w.file("bin/interp_noexec", "#!/bin/noexec\n", 0755);
        w.file("bin/empty", "", 0755);
        w.file("bin/text", "hello world\n", 0755);
        w.file("bin/broken_elf", "\x7f" "ELF" + std::string(100, '\0'), 0755);
        // s0 -> s1 -> ... -> s5 -> /bin/tls: 6 levels of scripts.
        for (int i = 0; i < 6; ++i)
            w.file("bin/s" + std::to_string(i), "#!/bin/s" + std::to_string(i + 1) + "\n", 0755);
        w.file("bin/s6", "#!/bin/tls\n", 0755);
        w.symlink("bin/link", "tls");
        return w;
    }

    Result<ExecTarget> exec(const char* path, std::vector<std::string> args = {"arg0", "arg1"}, int dirfd = AT_FDCWD,
                            int flags = 0) {
        Vector<KString> argv;
        for (auto& a : args)
            EXPECT_FALSE(argv.try_append(KString::try_create({a.data(), a.size()}).release_value()).is_error());
        auto p = process();
        ExecRequest request;
        request.dirfd = dirfd;
        request.path = path;
        request.flags = flags;
        request.pie_base = 0x555555554000;
        return prepare_exec(vfs, p, request, std::move(argv));
    }
    static std::vector<std::string> args_of(const ExecTarget& target) {
        std::vector<std::string> out;
        for (auto& a : target.argv)
            out.push_back(a.chars());
        return out;
    }
};

} // namespace

TEST_F(ExecPrepare, PlainBinary) {
    auto result = exec("/bin/tls");
    ASSERT_FALSE(result.is_error()) << result.error().code();
    EXPECT_EQ(result.value().plan.entry, 0x401074u);
    EXPECT_EQ(args_of(result.value()), (std::vector<std::string>{"arg0", "arg1"}));
    EXPECT_STREQ(result.value().execfn.chars(), "/bin/tls");
    EXPECT_EQ(result.value().script_depth, 0u);
    // Execute permission alone is enough (the kernel reads the file).
    credentials = Credentials::user(1000, 1000);
    EXPECT_FALSE(exec("/bin/unreadable").is_error());
}

TEST_F(ExecPrepare, EmptyArgvBecomesEmptyString) {
    auto result = exec("/bin/tls", {});
    ASSERT_FALSE(result.is_error());
    EXPECT_EQ(args_of(result.value()), (std::vector<std::string>{""}));
}

TEST_F(ExecPrepare, Errors) {
    EXPECT_ERRNO(exec("/bin/nope"), ENOENT);
    EXPECT_ERRNO(exec("/bin"), EACCES);
    EXPECT_ERRNO(exec("/bin/noexec"), EACCES);
    EXPECT_ERRNO(exec("/dev/null"), EACCES);
    EXPECT_ERRNO(exec("/bin/empty"), ENOEXEC);
    EXPECT_ERRNO(exec("/bin/text"), ENOEXEC);
    EXPECT_ERRNO(exec("/bin/broken_elf"), ENOEXEC);
    EXPECT_ERRNO(exec("/bin/badinterp"), ENOENT);
    EXPECT_ERRNO(exec("/bin/interp_noexec"), EACCES);
    EXPECT_ERRNO(exec("/bin/tls/"), ENOTDIR);
    EXPECT_ERRNO(exec("/bin/tls", {"a"}, AT_FDCWD, 0x8000), EINVAL);
    EXPECT_ERRNO(exec("/bin/link", {"a"}, AT_FDCWD, AT_SYMLINK_NOFOLLOW), ELOOP);
    EXPECT_FALSE(exec("/bin/link").is_error());
}

TEST_F(ExecPrepare, ScriptRewritesArgv) {
    auto result = exec("/bin/script", {"myname", "x", "y"});
    ASSERT_FALSE(result.is_error()) << result.error().code();
    // interpreter, its one argument, the script path, then argv[1...].
    EXPECT_EQ(args_of(result.value()), (std::vector<std::string>{"/bin/tls", "-a b", "/bin/script", "x", "y"}));
    EXPECT_STREQ(result.value().execfn.chars(), "/bin/script"); // AT_EXECFN stays the script
    EXPECT_EQ(result.value().script_depth, 1u);

    auto nested = exec("/bin/nested", {"n"});
    ASSERT_FALSE(nested.is_error());
    EXPECT_EQ(args_of(nested.value()), (std::vector<std::string>{"/bin/tls", "-a b", "/bin/script", "/bin/nested"}));
    EXPECT_EQ(nested.value().script_depth, 2u);
}

TEST_F(ExecPrepare, InterpreterDepthLimit) {
    EXPECT_FALSE(exec("/bin/s2").is_error()); // 5 levels
    EXPECT_ERRNO(exec("/bin/s1"), ELOOP);     // 6 levels
    EXPECT_ERRNO(exec("/bin/s0"), ELOOP);
}

TEST_F(ExecPrepare, RelativeInterpreterUsesTheCwd) {
    EXPECT_ERRNO(exec("/bin/relative"), ENOENT);
    auto p = process();
    ASSERT_FALSE(vfs.chdir(p, "/bin").is_error());
    EXPECT_FALSE(exec("/bin/relative").is_error());
}

TEST_F(ExecPrepare, ExecveatNames) {
    int bin = open("/bin", O_RDONLY | O_DIRECTORY).value();
    auto relative = exec("tls", {"a"}, bin);
    ASSERT_FALSE(relative.is_error());
    EXPECT_EQ(std::string(relative.value().execfn.chars()), "/dev/fd/" + std::to_string(bin) + "/tls");
    int tls = open("/bin/tls", O_PATH).value();
    auto empty = exec("", {"a"}, tls, AT_EMPTY_PATH);
    ASSERT_FALSE(empty.is_error());
    EXPECT_EQ(std::string(empty.value().execfn.chars()), "/dev/fd/" + std::to_string(tls));
    EXPECT_ERRNO(exec("", {"a"}, tls, 0), ENOENT);
    auto absolute = exec("/bin/tls", {"a"}, bin);
    EXPECT_STREQ(absolute.value().execfn.chars(), "/bin/tls");
}

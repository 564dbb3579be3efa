// "#!" lines, as Linux's binfmt_script parses them.
#include <gtest/gtest.h>

#include <string>

#include "exec/script.h"

using namespace charon;

namespace {

struct Outcome {
    bool is_script = false;
    Errno error = Errno(0);
    std::string interpreter, argument;
    bool has_argument = false;
};

Outcome parse(const std::string& text) {
    ShebangLine line;
    Outcome out;
    auto result = parse_shebang(reinterpret_cast<const uint8_t*>(text.data()), text.size(), line);
    if (result.is_error()) {
        out.error = result.error().code();
        return out;
    }
    out.is_script = result.value();
    out.interpreter = line.interpreter.chars();
    out.argument = line.argument.chars();
    out.has_argument = line.has_argument;
    return out;
}

} // namespace

TEST(ExecScript, InterpreterAndArgument) {
    auto o = parse("#!/bin/sh\necho hi\n");
    EXPECT_TRUE(o.is_script);
    EXPECT_EQ(o.interpreter, "/bin/sh");
    EXPECT_FALSE(o.has_argument);

    o = parse("#! \t/usr/bin/env   python3 -u  \t\nprint()\n");
    EXPECT_EQ(o.interpreter, "/usr/bin/env");
    EXPECT_TRUE(o.has_argument);
    EXPECT_EQ(o.argument, "python3 -u"); // one argument, inner blanks kept, trailing trimmed

    o = parse("#!/bin/sh"); // no newline, short file
    EXPECT_TRUE(o.is_script);
    EXPECT_EQ(o.interpreter, "/bin/sh");
    o = parse("#!/bin/sh -e");
    EXPECT_EQ(o.argument, "-e");
    o = parse("#!/bin/sh \n");
    EXPECT_FALSE(o.has_argument);
}

TEST(ExecScript, NotAScriptOrBroken) {
    EXPECT_FALSE(parse("\x7f" "ELF").is_script);
    EXPECT_FALSE(parse("#").is_script);
    EXPECT_FALSE(parse("").is_script);
    EXPECT_FALSE(parse("# !/bin/sh\n").is_script);
    EXPECT_EQ(parse("#!\n").error, ENOEXEC);
    EXPECT_EQ(parse("#!   \t\n").error, ENOEXEC);
    EXPECT_EQ(parse("#!").error, ENOEXEC);
}

TEST(ExecScript, LineLengthLimit) {
    // An interpreter name that does not end within the 256-byte buffer.
    EXPECT_EQ(parse("#!/" + std::string(300, 'a') + "\n").error, ENOEXEC);
    // One that ends there, with an over-long argument: truncated at 255 bytes.
    auto o = parse("#!/bin/sh " + std::string(300, 'x') + "\n");
    EXPECT_EQ(o.error, Errno(0));
    EXPECT_EQ(o.interpreter, "/bin/sh");
    EXPECT_EQ(o.argument.size(), 255u - 10u);
    // Exactly filling the line within the buffer works.
    std::string name = "/" + std::string(250, 'b');
    o = parse("#!" + name + "\n");
    EXPECT_EQ(o.interpreter, name);
    // Only blanks until the end of the buffer.
    EXPECT_EQ(parse("#!" + std::string(300, ' ')).error, ENOEXEC);
}

TEST(ExecScript, DepthLimit) {
    for (unsigned depth = 0; depth <= 5; ++depth)
        EXPECT_FALSE(check_binfmt_depth(depth).is_error());
    EXPECT_EQ(check_binfmt_depth(6).error().code(), ELOOP);
}

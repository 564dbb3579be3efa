// kernel/lib/cmdline, string_util and log: command-line words, the string
// helpers, and the leveled log's filtering and line format.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/cmdline.h"
#include "lib/log.h"
#include "lib/string_util.h"

using namespace charon;

TEST(CommandLine, FlagsAndValues) {
    CommandLine cmdline("  selftest loglevel=debug crash=null\tquiet ");
    EXPECT_TRUE(cmdline.has_flag("selftest"));
    EXPECT_TRUE(cmdline.has_flag("quiet"));
    EXPECT_FALSE(cmdline.has_flag("self"));     // no prefix matches
    EXPECT_FALSE(cmdline.has_flag("loglevel")); // key=value is not a flag

    StringView value;
    ASSERT_TRUE(cmdline.find_value("loglevel", value));
    EXPECT_TRUE(value == StringView("debug"));
    ASSERT_TRUE(cmdline.find_value("crash", value));
    EXPECT_TRUE(value == StringView("null"));
    EXPECT_FALSE(cmdline.find_value("missing", value));
}

TEST(CommandLine, BareWordHasEmptyValueAndLastWins) {
    CommandLine cmdline("selftest x=1 x=2 empty=");
    StringView value;
    ASSERT_TRUE(cmdline.find_value("selftest", value));
    EXPECT_EQ(value.length(), 0u);
    ASSERT_TRUE(cmdline.find_value("x", value));
    EXPECT_TRUE(value == StringView("2"));
    ASSERT_TRUE(cmdline.find_value("empty", value));
    EXPECT_EQ(value.length(), 0u);
}

TEST(CommandLine, WordsAfterDoubleDashBelongToInit) {
    CommandLine cmdline("loglevel=info -- selftest debug loglevel=debug");
    StringView value;
    EXPECT_FALSE(cmdline.has_flag("selftest"));
    EXPECT_FALSE(cmdline.has_flag("debug"));
    ASSERT_TRUE(cmdline.find_value("loglevel", value));
    EXPECT_TRUE(value == StringView("info"));
    // "--x" is an ordinary word, not the separator.
    EXPECT_TRUE(CommandLine("--x selftest").has_flag("selftest"));
}

TEST(CommandLine, EmptyAndNull) {
    CommandLine empty("");
    CommandLine none;
    StringView value;
    EXPECT_FALSE(empty.has_flag("a"));
    EXPECT_FALSE(none.find_value("a", value));
    EXPECT_STREQ(none.line(), "");
}

TEST(StringUtil, Basics) {
    EXPECT_EQ(string_length(""), 0u);
    EXPECT_EQ(string_length("abc"), 3u);
    EXPECT_EQ(string_length_bounded("abcdef", 4), 4u);
    EXPECT_TRUE(string_equal("abc", "abc"));
    EXPECT_FALSE(string_equal("abc", "abd"));
    EXPECT_FALSE(string_equal("ab", "abc"));
    EXPECT_EQ(string_compare("abc", "abc"), 0);
    EXPECT_LT(string_compare("abc", "abd"), 0);
    EXPECT_GT(string_compare("abc", "ab"), 0);
    EXPECT_GT(string_compare("\xff", "a"), 0); // unsigned, as strcmp
    EXPECT_TRUE(string_starts_with("charon::arch::x", "charon::"));
    EXPECT_FALSE(string_starts_with("char", "charon"));
    EXPECT_TRUE(memory_equal("abc", "abd", 2));
    EXPECT_FALSE(memory_equal("abc", "abd", 3));

    char buffer[4];
    EXPECT_EQ(string_copy(buffer, "abcdef", sizeof(buffer)), 6u); // truncation is detectable
    EXPECT_STREQ(buffer, "abc");
}

namespace {
std::vector<std::string> g_lines;
void capture(const char* line, size_t length) { g_lines.emplace_back(line, length); }

class Log : public ::testing::Test {
protected:
    void SetUp() override {
        g_lines.clear();
        set_log_sink(capture);
        set_log_level(LogLevel::Info);
    }
    void TearDown() override {
        set_log_sink(nullptr);
        set_log_level(LogLevel::Info);
    }
};
} // namespace

TEST_F(Log, DebugIsOffByDefaultAndLevelsFilter) {
    log_debug("hidden %d", 1);
    log_info("shown %d", 2);
    log_warn("careful");
    log_error("broken");
    ASSERT_EQ(g_lines.size(), 3u);
    EXPECT_EQ(g_lines[0], "shown 2\n");
    EXPECT_EQ(g_lines[1], "[warn] careful\n");
    EXPECT_EQ(g_lines[2], "[error] broken\n");

    set_log_level(LogLevel::Debug);
    log_debug("now %s", "visible");
    ASSERT_EQ(g_lines.size(), 4u);
    EXPECT_EQ(g_lines[3], "[debug] now visible\n");

    set_log_level(LogLevel::Error);
    log_warn("filtered");
    EXPECT_EQ(g_lines.size(), 4u);
}

TEST_F(Log, LongMessagesAreMarkedTruncated) {
    std::string long_text(1000, 'x');
    log_info("%s", long_text.c_str());
    ASSERT_EQ(g_lines.size(), 1u);
    EXPECT_LT(g_lines[0].size(), 260u);
    EXPECT_EQ(g_lines[0].substr(g_lines[0].size() - 4), "...\n");
}

TEST(LogLevelNames, Parse) {
    LogLevel level;
    EXPECT_TRUE(parse_log_level("debug", 5, level));
    EXPECT_EQ(level, LogLevel::Debug);
    EXPECT_TRUE(parse_log_level("error", 5, level));
    EXPECT_EQ(level, LogLevel::Error);
    EXPECT_FALSE(parse_log_level("verbose", 7, level));
    EXPECT_FALSE(parse_log_level("debugx", 5 + 1, level));
}

#include <gtest/gtest.h>

#include "lib/kstring.h"
#include "lib/ref_ptr.h"
#include "lib/string_view.h"
#include "lib/vector.h"

using namespace charon;

namespace {

int g_live_things;

struct Thing : RefCounted {
    explicit Thing(int v) : value(v) { ++g_live_things; }
    ~Thing() override { --g_live_things; }
    int value;
};

} // namespace

TEST(Containers, VectorAppendRemoveMove) {
    Vector<int> v;
    for (int i = 0; i < 100; ++i)
        ASSERT_FALSE(v.try_append(i).is_error());
    EXPECT_EQ(v.size(), 100u);
    v.remove(0);
    EXPECT_EQ(v[0], 1);
    EXPECT_EQ(v.last(), 99);
    Vector<int> moved = std::move(v);
    EXPECT_EQ(moved.size(), 99u);
    EXPECT_EQ(v.size(), 0u);
    ASSERT_FALSE(moved.try_resize(3).is_error());
    EXPECT_EQ(moved.size(), 3u);
    EXPECT_EQ(moved[2], 3);
}

TEST(Containers, VectorHugeCapacityIsEnomem) {
    Vector<uint64_t> v;
    auto result = v.try_ensure_capacity(static_cast<size_t>(-1) / 4);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
}

TEST(Containers, RefPtrCountsAndFrees) {
    {
        RefPtr<Thing> a = adopt_ref(new Thing(7));
        EXPECT_EQ(a->ref_count(), 1u);
        RefPtr<Thing> b = a;
        EXPECT_EQ(a->ref_count(), 2u);
        Vector<RefPtr<Thing>> holders;
        ASSERT_FALSE(holders.try_append(b).is_error());
        EXPECT_EQ(a->ref_count(), 3u);
        holders.clear();
        b = nullptr;
        EXPECT_EQ(a->ref_count(), 1u);
        EXPECT_EQ(g_live_things, 1);
    }
    EXPECT_EQ(g_live_things, 0);
}

TEST(Containers, StringViewAndKString) {
    StringView view("hello/world");
    EXPECT_EQ(view.length(), 11u);
    EXPECT_EQ(view.find('/'), 5u);
    EXPECT_EQ(view.find('x'), 11u);
    EXPECT_TRUE(view.substring(6) == StringView("world"));
    EXPECT_TRUE(view.starts_with("hello"));
    auto joined = KString::try_concat("ab", "cd").release_value();
    EXPECT_STREQ(joined.chars(), "abcd");
    EXPECT_EQ(joined.length(), 4u);
    KString empty;
    EXPECT_STREQ(empty.chars(), "");
}

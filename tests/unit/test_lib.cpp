#include <gtest/gtest.h>

#include "lib/intrusive_list.h"
#include "lib/result.h"

using namespace charon;

namespace {

Result<int> parse_positive(int x) {
    if (x <= 0)
        return EINVAL;
    return x;
}

Result<int> doubled(int x) {
    int value = TRY(parse_positive(x));
    return value * 2;
}

struct Item {
    int value;
    ListNode node;
};

} // namespace

TEST(Result, TryPropagatesValue) {
    auto r = doubled(21);
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 42);
}

TEST(Result, TryPropagatesErrno) {
    auto r = doubled(-1);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), EINVAL);
}

TEST(IntrusiveList, PushRemoveIterate) {
    IntrusiveList<Item, &Item::node> list;
    Item a{1, {}}, b{2, {}}, c{3, {}};
    list.push_back(a);
    list.push_back(b);
    list.push_front(c);
    int sum = 0, order = 0;
    for (auto& item : list) {
        sum += item.value;
        order = order * 10 + item.value;
    }
    EXPECT_EQ(sum, 6);
    EXPECT_EQ(order, 312);
    decltype(list)::remove(a);
    EXPECT_FALSE(a.node.is_linked());
    EXPECT_EQ(list.size_slow(), 2u);
    // Removing the current element while iterating is allowed.
    for (auto& item : list)
        decltype(list)::remove(item);
    EXPECT_TRUE(list.is_empty());
}

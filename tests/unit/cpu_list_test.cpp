// --cpus parsing and the kernel's CPU list format, both ways.
#include <gtest/gtest.h>

#include "core/base/cpu_list.h"

namespace xdpkit {
namespace {

using Cpus = std::vector<uint32_t>;

TEST(CpuList, SinglesRangesAndDuplicatesSortedOnce) {
    EXPECT_EQ(*parse_cpu_list("1"), (Cpus{1}));
    EXPECT_EQ(*parse_cpu_list("0-3,6"), (Cpus{0, 1, 2, 3, 6}));
    EXPECT_EQ(*parse_cpu_list("5,1,1-2"), (Cpus{1, 2, 5}));
}

TEST(CpuList, MalformedPartsAreNamed) {
    for (const char* bad : {"", "a", "1,", ",1", "3-1", "1-", "-1", "1 ", "0x1", "99999"}) {
        auto r = parse_cpu_list(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("CPU"), std::string::npos) << r.error().message;
    }
    EXPECT_NE(parse_cpu_list("0,x-2").error().message.find("'x-2'"), std::string::npos);
}

TEST(CpuList, FormatsBackToTheShortForm) {
    EXPECT_EQ(format_cpu_list({0, 1, 2, 5}), "0-2,5");
    EXPECT_EQ(format_cpu_list({3}), "3");
    EXPECT_EQ(format_cpu_list({1, 3, 4}), "1,3-4");
    EXPECT_EQ(format_cpu_list({}), "");
    EXPECT_EQ(format_cpu_list(*parse_cpu_list("0-3,6")), "0-3,6");
}

TEST(CpuList, OnlineCpusIncludeCpuZero) {
    auto online = online_cpus();
    ASSERT_TRUE(online) << online.error().message;
    ASSERT_FALSE(online->empty());
    EXPECT_EQ(online->front(), 0u);  // the boot CPU cannot be taken offline on x86
}

}  // namespace
}  // namespace xdpkit

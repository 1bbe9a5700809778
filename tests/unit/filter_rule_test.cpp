// The filter's rules as users write them, and the LPM entries worked out from them: each
// entry must carry the rules of every prefix around it, or a longest-prefix lookup would miss
// a broader rule (a /8 deny must still match inside a /16 that another rule names).
#include <gtest/gtest.h>

#include <random>

#include "core/filter/filter_rule.h"
#include "core/filter/prefix_sets.h"

namespace xdpkit {
namespace {

Prefix P(const std::string& text) {
    auto p = parse_prefix(text);
    EXPECT_TRUE(p) << text << ": " << p.error().message;
    return p ? *p : Prefix{};
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

TEST(FilterRule, PrefixesParseAndHostBitsAreRefusedWithThePrefixMeant) {
    EXPECT_EQ(to_string(P("198.18.0.0/15")), "198.18.0.0/15");
    EXPECT_EQ(to_string(P("198.18.0.7")), "198.18.0.7/32");
    EXPECT_EQ(to_string(P("fc00:dead:cafe::/48")), "fc00:dead:cafe::/48");
    const auto bad = parse_prefix("198.18.0.1/15");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message,
              "'198.18.0.1/15' has bits set past its length: 198.18.0.0/15 is the prefix");
    EXPECT_FALSE(parse_prefix("198.18.0.0/33"));
    EXPECT_FALSE(parse_prefix("fc00::/129"));
    EXPECT_FALSE(parse_prefix("nonsense/8"));
    EXPECT_FALSE(parse_prefix("198.18.0.0/"));
}

TEST(FilterRule, PortsAreNumbersRangesAndLists) {
    auto p = parse_ports("22,80-90,443");
    ASSERT_TRUE(p);
    EXPECT_EQ(to_string(*p), "22,80-90,443");
    EXPECT_FALSE(parse_ports("90-80"));
    EXPECT_FALSE(parse_ports("65536"));
    EXPECT_FALSE(parse_ports("22,"));
    EXPECT_FALSE(parse_ports("ssh"));
}

TEST(FilterRule, ARuleFromFlags) {
    auto r = rule_from_words(words("--priority 3 --src 198.18.0.0/15 --src fc00:dead:cafe::/48 "
                                   "--proto tcp --dport 22 --action deny"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(rule_text(*r), "3: deny src 198.18.0.0/15,fc00:dead:cafe::/48 proto tcp dport 22");
    auto all = rule_from_words(words("--priority 63 --action allow"));
    ASSERT_TRUE(all);
    EXPECT_EQ(rule_text(*all), "63: allow everything");
}

TEST(FilterRule, BadRulesSayWhichFlag) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--src 198.18.0.0/15 --action deny", "--priority is required (0..63, 0 first)"},
        {"--priority 1", "--action is required (allow or deny)"},
        {"--priority 64 --action deny", "--priority: 64 is outside 0..63"},
        {"--priority 1 --action drop", "--action: 'drop' is not allow or deny"},
        {"--priority 1 --action deny --proto icmp --dport 22",
         "--sport/--dport: icmp has no ports (tcp or udp do)"},
        {"--priority 1 --action deny --action allow", "--action given twice"},
        {"--priority 1 --action deny --frob 1", "unknown flag --frob"},
        {"--priority 1 --action deny --src 198.18.0.1/15",
         "--src: '198.18.0.1/15' has bits set past its length: 198.18.0.0/15 is the prefix"},
    };
    for (const auto& [line, want] : cases) {
        auto r = rule_from_words(words(line));
        ASSERT_FALSE(r) << line;
        EXPECT_EQ(r.error().message, want) << line;
    }
}

TEST(FilterRule, ARuleFileIsAllOrNothingWithItsLine) {
    auto ok = parse_rule_text("# ssh from the lab\n--priority 0 --src 198.18.0.0/15 --dport 22 "
                              "--proto tcp --action allow\n\n--priority 1 --dport 22 --action "
                              "deny  # everyone else\n",
                              "rules.txt");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->size(), 2u);
    auto dup = parse_rule_text("--priority 1 --action deny\n--priority 1 --action allow\n", "r");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().message, "r:2: priority 1 is given twice");
    auto bad = parse_rule_text("--priority 1 --action deny\n--priority x --action deny\n", "r");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "r:2: --priority: 'x' is not a number");
}

TEST(PrefixSets, EachEntryCarriesTheRulesOfThePrefixesAroundIt) {
    std::vector<FilterRule> rules(3);
    rules[0].priority = 0;
    rules[0].src = {P("198.18.0.0/15")};
    rules[1].priority = 5;
    rules[1].src = {P("198.18.4.0/24"), P("198.19.0.0/16")};
    rules[2].priority = 9;
    rules[2].src = {P("198.18.4.128/25"), P("fc00:dead:cafe::/48")};
    PrefixTable t = own_prefixes(rules, /*src=*/true);
    fill_matches(t);
    ASSERT_EQ(t.size(), 5u);
    EXPECT_EQ(t.at(P("198.18.0.0/15")).matches, 1u);
    EXPECT_EQ(t.at(P("198.18.4.0/24")).matches, 1u | 1u << 5);
    EXPECT_EQ(t.at(P("198.18.4.128/25")).matches, 1u | 1u << 5 | 1u << 9);
    EXPECT_EQ(t.at(P("198.19.0.0/16")).matches, 1u | 1u << 5);
    EXPECT_EQ(t.at(P("fc00:dead:cafe::/48")).matches, 1u << 9) << "families never mix";
    EXPECT_EQ(t.at(P("198.18.4.0/24")).own, 1u << 5);
}

// Against the definition, on random nested prefixes: an entry's matches are the owns of every
// stored prefix that contains it.
TEST(PrefixSets, MatchesEqualTheDefinitionOnRandomTables) {
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
        std::vector<FilterRule> rules(8);
        for (uint32_t i = 0; i < rules.size(); ++i) {
            rules[i].priority = i * 7;
            for (int k = 0; k < 6; ++k) {
                Prefix p;
                p.addr.family = AF_INET;
                p.addr.bytes[0] = 198;
                p.addr.bytes[1] = 18 + (rng() & 1);
                p.addr.bytes[2] = static_cast<uint8_t>(rng() & 3);
                p.len = 15 + rng() % 10;
                for (uint32_t bit = p.len; bit < 32; ++bit)
                    p.addr.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
                rules[i].src.push_back(p);
            }
        }
        PrefixTable t = own_prefixes(rules, true);
        fill_matches(t);
        for (const auto& [p, v] : t) {
            uint64_t want = 0;
            for (const auto& [q, w] : t)
                if (contains(q, p)) want |= w.own;
            EXPECT_EQ(v.matches, want) << to_string(p);
        }
    }
}

}  // namespace
}  // namespace xdpkit

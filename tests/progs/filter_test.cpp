// The filter program under BPF_PROG_RUN: a rule table against a packet table (first match by
// priority, prefixes nested across rules, ports, IPv6, an IPv4-mapped address, a later fragment,
// non-IP, unparsed), rules changed between frames without reloading, and the program against
// a reference matcher written from the docs' semantics over random rules and frames.
#include <gtest/gtest.h>
#include <xdpkit/filter.h>

#include <random>
#include <sstream>

#include "core/families/families.h"
#include "core/filter/filter_rules_db.h"
#include "core/filter/prefix_sets.h"
#include "support/loaded.h"
#include "support/packet.h"
#include "support/prog_run.h"

namespace xdpkit {
namespace {

using test::counters;
using test::load_alone;
using test::Packet;
using test::run_xdp;

constexpr uint32_t kDrop = 1, kPass = 2;

FilterRule rule(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    auto r = rule_from_words(words);
    if (!r) throw std::runtime_error(line + ": " + r.error().message);
    return *r;
}

struct Fixture {
    explicit Fixture(ParamValues params = {}) : prog(load_alone(filter_family(), params)) {
        auto d = FilterRules::of_program(prog);
        if (!d) throw std::runtime_error(d.error().message);
        db.emplace(std::move(*d));
    }
    uint32_t verdict(const std::vector<uint8_t>& frame) {
        const auto r = run_xdp(prog.prog_fd(), frame);
        EXPECT_EQ(r.err, 0);
        return r.verdict;
    }
    uint64_t rule_packets(uint32_t priority) {
        return counters(prog, FILTER_RULE_COUNTERS_MAP).at(priority).packets;
    }
    uint64_t event_packets(uint32_t ev) { return counters(prog, FILTER_EVENTS_MAP).at(ev).packets; }
    LoadedProgram prog;
    std::optional<FilterRules> db;
};

std::vector<uint8_t> later_ipv4_fragment(std::vector<uint8_t> frame) {
    frame[14 + 6] = 0x00;  // flags 0, fragment offset 0x10 units: not the first fragment
    frame[14 + 7] = 0x10;
    return frame;
}

TEST(Filter, TheFirstMatchingRuleDecides) {
    Fixture fx;
    ASSERT_TRUE(fx.db->add({rule("--priority 0 --src 198.18.4.0/24 --action allow"),
                            rule("--priority 5 --proto tcp --dport 22 --action deny"),
                            rule("--priority 10 --src 198.18.0.0/15 --action deny"),
                            rule("--priority 20 --src fc00:dead:cafe::/48 --dst fc00:dead:cafe::2"
                                 " --proto udp --dport 53 --action deny")}));
    struct Case {
        const char* what;
        std::vector<uint8_t> frame;
        uint32_t verdict;
        int rule;  // -1: none
    };
    const std::vector<Case> cases = {
        {"inside the /24 allowed before the ssh deny",
         Packet().eth().ipv4("198.18.4.1", "198.18.0.2").tcp(40000, 22).bytes(), kPass, 0},
        {"ssh from elsewhere in the /15",
         Packet().eth().ipv4("198.18.9.1", "198.18.0.2").tcp(40000, 22).bytes(), kDrop, 5},
        {"udp from the /15", Packet().eth().ipv4("198.18.9.1", "198.18.0.2").udp(1, 53).bytes(),
         kDrop, 10},
        {"the /15's upper half", Packet().eth().ipv4("198.19.255.1", "198.18.0.2").udp().bytes(),
         kDrop, 10},
        {"outside every prefix, not ssh",
         Packet().eth().ipv4("198.20.0.1", "198.18.0.2").tcp(40000, 80).bytes(), kPass, -1},
        {"ssh over IPv6", Packet().eth().ipv6().tcp(40000, 22).bytes(), kDrop, 5},
        {"dns over IPv6 to ::2", Packet().eth().ipv6().udp(1, 53).bytes(), kDrop, 20},
        {"dns over IPv6 to ::3",
         Packet().eth().ipv6("fc00:dead:cafe::1", "fc00:dead:cafe::3").udp(1, 53).bytes(), kPass,
         -1},
        {"an IPv4-mapped source is the IPv4 address",
         Packet().eth().ipv6("::ffff:198.18.9.1", "fc00:dead:cafe::2").udp(1, 9).bytes(), kDrop,
         10},
        {"ssh behind two extension headers",
         Packet().eth().ipv6().ipv6_ext(0).ipv6_ext(60).tcp(1, 22).bytes(), kDrop, 5},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        SCOPED_TRACE(c.what);
        const auto before = counters(fx.prog, FILTER_RULE_COUNTERS_MAP);
        EXPECT_EQ(fx.verdict(c.frame), c.verdict);
        const auto after = counters(fx.prog, FILTER_RULE_COUNTERS_MAP);
        for (uint32_t p = 0; p < FILTER_MAX_RULES; ++p)
            EXPECT_EQ(after[p].packets - before[p].packets, static_cast<int>(p) == c.rule ? 1u : 0u)
                << "priority " << p;
    }
    EXPECT_EQ(fx.event_packets(FILTER_EV_DEFAULT_ALLOW), 2u);
}

TEST(Filter, WhatNoRuleCanNameAndWhatCannotBeRead) {
    Fixture fx(ParamValues{{"default", "deny"}});
    ASSERT_TRUE(fx.db->add({rule("--priority 1 --proto tcp --dport 22 --action allow")}));
    // ARP: not IP, no rule can name it; passed whatever the default.
    EXPECT_EQ(fx.verdict(Packet().eth().ethertype(0x0806).payload(28).bytes()), kPass);
    EXPECT_EQ(fx.event_packets(FILTER_EV_NON_IP), 1u);
    // A later fragment has no ports: the ssh allow cannot match it; the default drops it.
    const auto frag = later_ipv4_fragment(Packet().eth().ipv4().tcp(1, 22).payload(40).bytes());
    EXPECT_EQ(fx.verdict(frag), kDrop);
    EXPECT_EQ(fx.event_packets(FILTER_EV_NO_PORTS), 1u);
    EXPECT_EQ(fx.event_packets(FILTER_EV_DEFAULT_DENY), 1u);
    // Past the walk limit: unparsed, dropped (the default denies), never taken for ssh.
    Packet deep;
    deep.eth().ipv6();
    for (int i = 0; i <= XDPKIT_IPV6_EXT_MAX; ++i) deep.ipv6_ext(60);
    EXPECT_EQ(fx.verdict(deep.tcp(1, 22).bytes()), kDrop);
    EXPECT_EQ(fx.event_packets(FILTER_EV_UNPARSED), 1u);
    EXPECT_EQ(fx.rule_packets(1), 0u);
    EXPECT_EQ(fx.verdict(Packet().eth().ipv4().tcp(1, 22).bytes()), kPass);
    EXPECT_EQ(fx.rule_packets(1), 1u);
}

TEST(Filter, UnparsedPassesWhenNothingDeniesOrWhenAskedTo) {
    Packet deep;
    deep.eth().ipv6();
    for (int i = 0; i <= XDPKIT_IPV6_EXT_MAX; ++i) deep.ipv6_ext(60);
    const auto frame = deep.udp().bytes();
    Fixture allow_only;
    ASSERT_TRUE(allow_only.db->add({rule("--priority 1 --proto udp --action allow")}));
    EXPECT_EQ(allow_only.verdict(frame), kPass);
    Fixture denies;
    ASSERT_TRUE(denies.db->add({rule("--priority 1 --proto udp --action deny")}));
    EXPECT_EQ(denies.verdict(frame), kDrop);
    Fixture asked(ParamValues{{"unparsed", "pass"}});
    ASSERT_TRUE(asked.db->add({rule("--priority 1 --proto udp --action deny")}));
    EXPECT_EQ(asked.verdict(frame), kPass);
}

TEST(Filter, RulesChangeLiveAndAPriorityStartsAgainAtZero) {
    Fixture fx;
    const auto ssh = Packet().eth().ipv4().tcp(1, 22).bytes();
    EXPECT_EQ(fx.verdict(ssh), kPass);
    ASSERT_TRUE(fx.db->add({rule("--priority 3 --dport 22 --proto tcp --action deny")}));
    EXPECT_EQ(fx.verdict(ssh), kDrop);
    EXPECT_EQ(fx.rule_packets(3), 1u);
    auto taken = fx.db->add({rule("--priority 3 --action allow")});
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().message.find("priority 3 is taken"), std::string::npos);
    auto gone = fx.db->remove(3);
    ASSERT_TRUE(gone);
    EXPECT_EQ(rule_text(*gone), "3: deny proto tcp dport 22");
    EXPECT_EQ(fx.verdict(ssh), kPass);
    ASSERT_TRUE(fx.db->add({rule("--priority 3 --dport 80 --proto tcp --action deny")}));
    EXPECT_EQ(fx.rule_packets(3), 0u) << "a new rule does not inherit the old one's counts";
    auto listed = fx.db->list();
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(rule_text(listed->at(0).rule), "3: deny proto tcp dport 80");
}

// The docs' semantics, written again plainly: the lowest priority whose every named part
// matches.
int reference_match(const std::vector<FilterRule>& rules, const IpAddress& src,
                    const IpAddress& dst, uint8_t proto, uint16_t sport, uint16_t dport) {
    auto in = [](const std::vector<Prefix>& ps, const IpAddress& a) {
        if (ps.empty()) return true;
        for (const Prefix& p : ps)
            if (contains(p, Prefix{a, static_cast<uint32_t>(a.size() * 8)})) return true;
        return false;
    };
    auto port_in = [&](const std::vector<PortRange>& rs, uint16_t port) {
        if (rs.empty()) return true;
        if (proto != 6 && proto != 17) return false;
        for (const PortRange& r : rs)
            if (port >= r.first && port <= r.last) return true;
        return false;
    };
    int best = -1;
    for (const FilterRule& r : rules)
        if (in(r.src, src) && in(r.dst, dst) && (!r.proto || *r.proto == proto) &&
            port_in(r.sport, sport) && port_in(r.dport, dport) &&
            (best < 0 || static_cast<int>(r.priority) < best))
            best = static_cast<int>(r.priority);
    return best;
}

TEST(Filter, AgreesWithTheReferenceOnRandomRulesAndFrames) {
    std::mt19937 rng(20261203);
    auto addr = [&](int third) {
        return "198." + std::to_string(18 + (rng() & 1)) + "." + std::to_string(third) + "." +
               std::to_string(rng() & 255);
    };
    size_t frames = 0;
    for (int round = 0; round < 5; ++round) {
        Fixture fx;
        std::vector<FilterRule> rules;
        for (uint32_t i = 0; i < 12; ++i) {
            std::string line = "--priority " + std::to_string(i * 5) + " --action " +
                               (rng() & 1 ? "deny" : "allow");
            if (rng() % 3) {
                const uint32_t len = 15 + rng() % 10;
                auto p = parse_prefix(addr(static_cast<int>(rng() & 3)));
                Prefix q = *p;
                for (uint32_t b = len; b < 32; ++b)
                    q.addr.bytes[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
                q.len = len;
                line += " --src " + to_string(q);
            }
            if (rng() % 2) line += std::string(" --proto ") + (rng() & 1 ? "tcp" : "udp");
            if (rng() % 2) {
                const uint32_t lo = rng() % 64;
                line += " --dport " + std::to_string(lo) + "-" + std::to_string(lo + rng() % 16);
            }
            rules.push_back(rule(line));
        }
        ASSERT_TRUE(fx.db->add(rules));
        std::vector<uint64_t> want_counts(FILTER_MAX_RULES);
        for (int n = 0; n < 400; ++n, ++frames) {
            const std::string src = addr(static_cast<int>(rng() & 3));
            const bool tcp = rng() & 1;
            const uint16_t dport = static_cast<uint16_t>(rng() % 80);
            Packet p;
            p.eth().ipv4(src, "198.18.0.2");
            const auto frame = (tcp ? p.tcp(1000, dport) : p.udp(1000, dport)).bytes();
            const int hit = reference_match(rules, *parse_ip(src), *parse_ip("198.18.0.2"),
                                            tcp ? 6 : 17, 1000, dport);
            const bool deny = hit >= 0 && rules[static_cast<size_t>(hit) / 5].deny;
            if (hit >= 0) want_counts[static_cast<size_t>(hit)]++;
            ASSERT_EQ(fx.verdict(frame), deny ? kDrop : kPass)
                << "round " << round << " frame " << n << " src " << src << " dport " << dport;
        }
        const auto got = counters(fx.prog, FILTER_RULE_COUNTERS_MAP);
        for (uint32_t p = 0; p < FILTER_MAX_RULES; ++p)
            EXPECT_EQ(got[p].packets, want_counts[p]) << "priority " << p;
    }
    EXPECT_EQ(frames, 2000u);
}

}  // namespace
}  // namespace xdpkit

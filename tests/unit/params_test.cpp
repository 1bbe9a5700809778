// --param and --mode parsing: what is accepted, and the one-line errors for the rest.
#include <gtest/gtest.h>

#include "core/families/families.h"
#include "core/attach/family.h"
#include "core/kernel/xdp.h"

#include <xdpkit/common.h>

namespace xdpkit {
namespace {

TEST(Params, AcceptsKnownChoice) {
    auto r = parse_param_args(drop_family(), {"action=pass"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->at("action"), "pass");
}

TEST(Params, RejectsUnknownKeyNamingTheKnownOnes) {
    auto r = parse_param_args(drop_family(), {"speed=9"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "program 'drop' has no parameter 'speed' (known: action protos unparsed)");
}

TEST(Params, RejectsFamilyWithoutParams) {
    auto r = parse_param_args(pass_family(), {"action=drop"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("it takes no parameters"), std::string::npos);
}

TEST(Params, RejectsBadValueNamingTheChoices) {
    auto r = parse_param_args(drop_family(), {"action=explode"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "--param action=explode: expected drop|pass|tx-udp");
}

TEST(Params, RejectsMalformedAndDuplicates) {
    EXPECT_FALSE(parse_param_args(drop_family(), {"action"}));
    EXPECT_FALSE(parse_param_args(drop_family(), {"=drop"}));
    auto dup = parse_param_args(drop_family(), {"action=drop", "action=pass"});
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().message, "--param action given twice");
}

TEST(Params, EncodesNumbersWithinBounds) {
    ParamSpec n{"size", "size", ParamKind::U32, "64", "", {}, 64, 9000};
    EXPECT_EQ(*encode_param(n, "1500"), u32_param(1500));
    EXPECT_FALSE(encode_param(n, "63"));
    EXPECT_FALSE(encode_param(n, "9001"));
    EXPECT_FALSE(encode_param(n, "12x"));
    EXPECT_FALSE(encode_param(n, ""));
    EXPECT_FALSE(encode_param(n, "-1"));
    EXPECT_EQ(decode_param(n, u32_param(1500)), "1500");
}

TEST(Params, EncodesBooleansAndDecodesThemBack) {
    ParamSpec b{"strict", "strict", ParamKind::Bool, "false", "", {}};
    for (const char* t : {"1", "true", "yes", "on"}) EXPECT_EQ(*encode_param(b, t), u32_param(1));
    for (const char* f : {"0", "false", "no", "off"}) EXPECT_EQ(*encode_param(b, f), u32_param(0));
    EXPECT_FALSE(encode_param(b, "maybe"));
    EXPECT_EQ(decode_param(b, u32_param(1)), "true");
}

TEST(Params, DecodesChoiceNamesAndUnknownValues) {
    const ParamSpec& action = drop_family().params.at(0);
    EXPECT_EQ(decode_param(action, u32_param(0)), "drop");
    EXPECT_EQ(decode_param(action, u32_param(1)), "pass");
    EXPECT_EQ(decode_param(action, u32_param(77)), "77");
}

const ParamSpec& protos_spec() { return drop_family().params.at(1); }

bool has_proto(const ParamBytes& set, uint32_t proto) {
    return (set.at(proto / 8) >> (proto % 8)) & 1;
}

TEST(Params, ProtocolListSetsExactlyTheNamedBits) {
    auto set = encode_param(protos_spec(), "udp,icmp,58,non-ip");
    ASSERT_TRUE(set) << set.error().message;
    ASSERT_EQ(set->size(), size_t{XDPKIT_PROTO_SET_BYTES});
    for (uint32_t p = 0; p <= XDPKIT_PROTO_NON_IP; ++p)
        EXPECT_EQ(has_proto(*set, p), p == 17 || p == 1 || p == 58 || p == XDPKIT_PROTO_NON_IP)
            << p;
    EXPECT_EQ(decode_param(protos_spec(), *set), "icmp,udp,icmpv6,non-ip");
}

TEST(Params, ProtocolListAllCoversNonIpAndReadsBackAsAll) {
    auto set = encode_param(protos_spec(), "all");
    ASSERT_TRUE(set);
    for (uint32_t p = 0; p <= XDPKIT_PROTO_NON_IP; ++p) EXPECT_TRUE(has_proto(*set, p)) << p;
    EXPECT_EQ(decode_param(protos_spec(), *set), "all");
    // Unnamed numbers read back as numbers.
    EXPECT_EQ(decode_param(protos_spec(), *encode_param(protos_spec(), "255,tcp")), "tcp,255");
}

TEST(Params, UnknownProtocolNameListsTheAcceptedOnes) {
    auto r = parse_param_args(drop_family(), {"protos=udp,quic"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "--param protos=udp,quic: unknown protocol 'quic'; expected all, or a "
              "comma-separated list of non-ip, numbers 0-255 and hopopt, icmp, igmp, ipip, "
              "tcp, udp, ipv6, ipv6-route, ipv6-frag, gre, esp, ah, icmpv6, ipv6-opts, sctp, "
              "udplite");
    EXPECT_FALSE(encode_param(protos_spec(), "256"));
    EXPECT_FALSE(encode_param(protos_spec(), "udp,,tcp"));
    EXPECT_FALSE(encode_param(protos_spec(), ""));
    EXPECT_FALSE(encode_param(protos_spec(), "udp,"));
}

TEST(Params, EveryFamilyDefaultIsValid) {
    for (const Family* f : all_families())
        for (const auto& p : f->params)
            EXPECT_TRUE(encode_param(p, p.default_text)) << f->name << " " << p.key;
}

TEST(Families, UnknownProgramListsTheKnownOnes) {
    auto r = find_family("dorp");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "unknown program 'dorp' (programs: pass, drop, filter, baseline, redirect, forward, afxdp, ipsec, hints; see 'xdpkit list')");
    EXPECT_TRUE(find_family("drop"));
}

TEST(Modes, ParsesTheThreeModesAndAliases) {
    EXPECT_EQ(*parse_xdp_mode("native"), XdpMode::Native);
    EXPECT_EQ(*parse_xdp_mode("drv"), XdpMode::Native);
    EXPECT_EQ(*parse_xdp_mode("skb"), XdpMode::Skb);
    EXPECT_EQ(*parse_xdp_mode("generic"), XdpMode::Skb);
    EXPECT_EQ(*parse_xdp_mode("auto"), XdpMode::Auto);
    auto bad = parse_xdp_mode("fast");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "--mode fast: expected native, skb or auto");
}

}  // namespace
}  // namespace xdpkit

#include "core/hints/rx_meta.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>

#include "core/kernel/netdev_features.h"

namespace xdpkit {

// The one layout, checked where C++ meets it (DESIGN.md: defined once, checked here).
static_assert(sizeof(xdpkit_rx_meta) == 48);
static_assert(sizeof(xdpkit_rx_meta) % 4 == 0, "bpf_xdp_adjust_meta takes multiples of 4");
static_assert(offsetof(xdpkit_rx_meta, rx_timestamp) == 0);
static_assert(offsetof(xdpkit_rx_meta, xdp_tai_ns) == 8);
static_assert(offsetof(xdpkit_rx_meta, rx_hash) == 16);
static_assert(offsetof(xdpkit_rx_meta, rx_hash_type) == 20);
static_assert(offsetof(xdpkit_rx_meta, timestamp_err) == 24);
static_assert(offsetof(xdpkit_rx_meta, hash_err) == 28);
static_assert(offsetof(xdpkit_rx_meta, vlan_err) == 32);
static_assert(offsetof(xdpkit_rx_meta, vlan_proto) == 36);
static_assert(offsetof(xdpkit_rx_meta, vlan_tci) == 38);
// The trailer a consumer of any version finds at data - 8.
static_assert(offsetof(xdpkit_rx_meta, magic) == sizeof(xdpkit_rx_meta) - 8);
static_assert(offsetof(xdpkit_rx_meta, size) == sizeof(xdpkit_rx_meta) - 4);
static_assert(offsetof(xdpkit_rx_meta, version) == sizeof(xdpkit_rx_meta) - 2);
static_assert(sizeof(xdpkit_hints_stack_event) == 64 + HINTS_STACK_HEAD_BYTES);
static_assert(offsetof(xdpkit_hints_stack_event, has_meta) == 48);
static_assert(offsetof(xdpkit_hints_stack_event, head) == 64);

namespace {

FieldState from_err(int err) {
    if (err == 0) return FieldState::Ok;
    if (err == -ENODATA) return FieldState::NoData;
    if (err == -EOPNOTSUPP) return FieldState::Unsupported;
    return FieldState::Error;
}

// The field's state, with the return code when it is not 0.
std::string state_text(FieldState s, int err) {
    if (s == FieldState::Error) return fmt::format("error {}", err);
    return field_state_name(s);
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

std::string ip_text(int family, const uint8_t* p) {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, p, buf, sizeof(buf));
    return buf;
}

std::string hex32(uint32_t v) { return fmt::format("{:#010x}", v); }

}  // namespace

const char* field_state_name(FieldState s) {
    switch (s) {
    case FieldState::Ok: return "ok";
    case FieldState::NoData: return "no data";
    case FieldState::Unsupported: return "unsupported";
    case FieldState::Error: return "error";
    }
    return "?";
}

// A successful rx_timestamp of 0 is what a device without a hardware clock says (veth):
// there is no time in it, so it reads as "no data", like -ENODATA.
FieldState timestamp_state(const xdpkit_rx_meta& m) {
    const FieldState s = from_err(m.timestamp_err);
    return s == FieldState::Ok && m.rx_timestamp == 0 ? FieldState::NoData : s;
}
FieldState hash_state(const xdpkit_rx_meta& m) { return from_err(m.hash_err); }
FieldState vlan_state(const xdpkit_rx_meta& m) { return from_err(m.vlan_err); }

std::optional<xdpkit_rx_meta> read_rx_meta(const uint8_t* data, size_t headroom) {
    struct Trailer {
        uint32_t magic;
        uint16_t size;
        uint16_t version;
    } t{};
    if (headroom < sizeof(t)) return std::nullopt;
    std::memcpy(&t, data - sizeof(t), sizeof(t));
    if (t.magic != XDPKIT_RX_META_MAGIC || t.version != XDPKIT_RX_META_VERSION ||
        t.size != sizeof(xdpkit_rx_meta) || headroom < sizeof(xdpkit_rx_meta))
        return std::nullopt;
    xdpkit_rx_meta m{};
    std::memcpy(&m, data - sizeof(m), sizeof(m));
    return m;
}

std::string rss_type_text(uint32_t bits) {
    if (bits == 0) return "none";
    std::string s = bits & XDPKIT_RSS_L4 ? "L4" : "L3";
    const std::pair<uint32_t, const char*> names[] = {
        {XDPKIT_RSS_L4_TCP, "TCP"},   {XDPKIT_RSS_L4_UDP, "UDP"},
        {XDPKIT_RSS_L4_SCTP, "SCTP"}, {XDPKIT_RSS_L4_IPSEC, "IPsec"},
        {XDPKIT_RSS_L4_ICMP, "ICMP"}, {XDPKIT_RSS_L3_IPV4, "IPv4"},
        {XDPKIT_RSS_L3_IPV6, "IPv6"}, {XDPKIT_RSS_L3_DYNHDR, "ext-headers"},
    };
    for (const auto& [bit, name] : names)
        if (bits & bit) s += std::string(" ") + name;
    return s;
}

std::string flow_text(const uint8_t* p, size_t len) {
    if (len < 14) return "";
    size_t off = 12;
    uint16_t type = be16(p + off);
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && off + 6 <= len; ++i) {
        off += 4;
        type = be16(p + off);
    }
    off += 2;
    int family = 0, proto = -1;
    std::string src, dst;
    if (type == 0x0800 && off + 20 <= len) {
        const size_t ihl = (p[off] & 0x0f) * 4u;
        family = AF_INET;
        proto = p[off + 9];
        src = ip_text(AF_INET, p + off + 12);
        dst = ip_text(AF_INET, p + off + 16);
        off += ihl;
    } else if (type == 0x86dd && off + 40 <= len) {
        family = AF_INET6;
        proto = p[off + 6];
        src = ip_text(AF_INET6, p + off + 8);
        dst = ip_text(AF_INET6, p + off + 24);
        off += 40;
    } else {
        return fmt::format("ethertype {:#06x}", type);
    }
    const char* l4 = proto == 17 ? "udp" : proto == 6 ? "tcp" : nullptr;
    if (!l4 || off + 4 > len) return fmt::format("{} > {} proto {}", src, dst, proto);
    const auto addr = [family](const std::string& a, uint16_t port) {
        return family == AF_INET6 ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port);
    };
    return fmt::format("{} > {} {}", addr(src, be16(p + off)), addr(dst, be16(p + off + 2)), l4);
}

std::string format_frame(const FrameHints& f) {
    std::string line = fmt::format("{:<5} len {:<5}", f.via, f.len);
    if (!f.meta) {
        line += " no metadata (no hints program in front of this frame)";
    } else {
        const xdpkit_rx_meta& m = *f.meta;
        const FieldState h = hash_state(m), v = vlan_state(m), t = timestamp_state(m);
        line += h == FieldState::Ok
                    ? fmt::format(" hash {} {} (ok)", hex32(m.rx_hash), rss_type_text(m.rx_hash_type))
                    : fmt::format(" hash ({})", state_text(h, m.hash_err));
        line += v == FieldState::Ok ? fmt::format("  vlan {:#06x}/{} (ok)", ntohs(m.vlan_proto),
                                                  m.vlan_tci & 0x0fff)
                                    : fmt::format("  vlan ({})", state_text(v, m.vlan_err));
        if (t == FieldState::Ok)
            line += fmt::format("  timestamp {} (ok, {:.1f} us before user space)", m.rx_timestamp,
                                double(int64_t(f.user_tai_ns - m.rx_timestamp)) / 1e3);
        else
            line += fmt::format("  timestamp ({})", m.timestamp_err == 0 ? "no data: 0"
                                                    : state_text(t, m.timestamp_err));
        line += fmt::format("  xdp->user {:.1f} us",
                            double(int64_t(f.user_tai_ns - m.xdp_tai_ns)) / 1e3);
    }
    if (f.skb_hash) line += fmt::format("  skb-hash {}", hex32(*f.skb_hash));
    if (!f.flow.empty()) line += "  " + f.flow;
    return line + "\n";
}

Json frame_json(const FrameHints& f) {
    Json j{{"event", "frame"}, {"via", f.via}, {"len", f.len}, {"flow", f.flow},
           {"metadata", f.meta.has_value()}};
    if (f.skb_hash) j["skb_hash"] = *f.skb_hash;
    if (!f.meta) return j;
    const xdpkit_rx_meta& m = *f.meta;
    j["hash"] = {{"status", field_state_name(hash_state(m))}, {"err", m.hash_err},
                 {"value", m.rx_hash}, {"rss_type", rss_type_text(m.rx_hash_type)},
                 {"rss_bits", m.rx_hash_type}};
    j["vlan"] = {{"status", field_state_name(vlan_state(m))}, {"err", m.vlan_err},
                 {"proto", ntohs(m.vlan_proto)}, {"tci", m.vlan_tci}, {"id", m.vlan_tci & 0x0fff}};
    j["timestamp"] = {{"status", field_state_name(timestamp_state(m))},
                      {"err", m.timestamp_err}, {"value", m.rx_timestamp}};
    if (timestamp_state(m) == FieldState::Ok)
        j["timestamp"]["to_user_ns"] = int64_t(f.user_tai_ns - m.rx_timestamp);
    j["xdp_to_user_ns"] = int64_t(f.user_tai_ns - m.xdp_tai_ns);
    return j;
}

// ---- qualification ----

const char* verdict_name(Verdict v) {
    switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Warn: return "warn";
    case Verdict::Fail: return "fail";
    case Verdict::NotAdvertised: return "n/a";
    }
    return "?";
}

namespace {

using Sample = QualifyObservations::Sample;

// How many samples are in each state of one field.
template <typename StateOf>
std::map<FieldState, uint32_t> census(const std::vector<const Sample*>& samples, StateOf state) {
    std::map<FieldState, uint32_t> n;
    for (const Sample* s : samples) ++n[state(s->meta)];
    return n;
}

// The field of a device that does not advertise it: what the kfunc said, for the record.
FieldResult not_advertised(const char* field, const std::map<FieldState, uint32_t>& n) {
    FieldResult r{field, false, Verdict::NotAdvertised, "not advertised (rx-metadata features)"};
    if (n.count(FieldState::Ok)) r.reason += ", yet the kfunc returned data";
    return r;
}

FieldResult judge_hash(const QualifyObservations& o, const std::vector<const Sample*>& plain,
                       bool advertised) {
    const char* field = "rx-hash";
    const auto n = census(plain, hash_state);
    if (!advertised) return not_advertised(field, n);
    if (plain.empty()) return {field, true, Verdict::Fail, "no test frame reached the socket"};
    if (const auto ok = n.count(FieldState::Ok) ? n.at(FieldState::Ok) : 0; ok != plain.size())
        return {field, true, Verdict::Fail,
                fmt::format("{} of {} frames without a hash ({} no data, {} unsupported)",
                            plain.size() - ok, plain.size(),
                            n.count(FieldState::NoData) ? n.at(FieldState::NoData) : 0,
                            n.count(FieldState::Unsupported) ? n.at(FieldState::Unsupported) : 0)};
    std::map<std::string, std::set<uint32_t>> by_flow;
    for (const Sample* s : plain) by_flow[s->flow].insert(s->meta.rx_hash);
    std::set<uint32_t> distinct;
    for (const auto& [flow, hashes] : by_flow) {
        if (hashes.size() != 1)
            return {field, true, Verdict::Fail,
                    fmt::format("flow {} got {} different hashes", flow, hashes.size())};
        distinct.insert(*hashes.begin());
    }
    if (distinct.size() == 1 && by_flow.size() > 1)
        return {field, true, Verdict::Fail,
                fmt::format("all {} flows got the same hash", by_flow.size())};
    const std::string seen = fmt::format("{} flows seen of {} sent", by_flow.size(), o.flows_sent);
    if (distinct.size() != by_flow.size())
        return {field, true, Verdict::Warn,
                fmt::format("stable per flow, but {} flows share {} hashes ({})", by_flow.size(),
                            distinct.size(), seen)};
    return {field, true, Verdict::Pass,
            fmt::format("stable per flow, a different hash for each ({}; rss type {})", seen,
                        rss_type_text(plain.front()->meta.rx_hash_type))};
}

FieldResult judge_vlan(const QualifyObservations& o, const std::vector<const Sample*>& plain,
                       const std::vector<const Sample*>& tagged, bool advertised) {
    const char* field = "rx-vlan-tag";
    if (!advertised) return not_advertised(field, census(tagged, vlan_state));
    if (tagged.empty())
        return {field, true, Verdict::Fail,
                fmt::format("none of the {} tagged test frames reached the socket", o.tagged_sent)};
    for (const Sample* s : tagged) {
        const FieldState st = vlan_state(s->meta);
        if (st != FieldState::Ok)
            return {field, true, Verdict::Fail,
                    fmt::format("a frame tagged with VLAN {}: {}", o.vlan_id, field_state_name(st))};
        if ((s->meta.vlan_tci & 0x0fff) != o.vlan_id || ntohs(s->meta.vlan_proto) != 0x8100)
            return {field, true, Verdict::Fail,
                    fmt::format("a frame tagged 0x8100/{} read as {:#06x}/{}", o.vlan_id,
                                ntohs(s->meta.vlan_proto), s->meta.vlan_tci & 0x0fff)};
    }
    for (const Sample* s : plain)
        if (vlan_state(s->meta) != FieldState::NoData)
            return {field, true, Verdict::Fail,
                    fmt::format("an untagged frame read as {} (expected no data)",
                                field_state_name(vlan_state(s->meta)))};
    return {field, true, Verdict::Pass,
            fmt::format("VLAN {} on {} tagged frames, no data on {} untagged", o.vlan_id,
                        tagged.size(), plain.size())};
}

FieldResult judge_timestamp(const std::vector<const Sample*>& all, bool advertised) {
    const char* field = "rx-timestamp";
    const auto n = census(all, timestamp_state);
    if (!advertised) return not_advertised(field, n);
    if (all.empty()) return {field, true, Verdict::Fail, "no test frame reached the socket"};
    uint32_t zero = 0, nodata = 0, unsupported = 0, other = 0;
    for (const Sample* s : all) {
        if (s->meta.timestamp_err == 0 && s->meta.rx_timestamp == 0) ++zero;
        else if (s->meta.timestamp_err == -ENODATA) ++nodata;
        else if (s->meta.timestamp_err == -EOPNOTSUPP) ++unsupported;
        else if (s->meta.timestamp_err != 0) ++other;
    }
    if (unsupported || other)
        return {field, true, Verdict::Fail,
                fmt::format("advertised, but the kfunc failed on {} of {} frames",
                            unsupported + other, all.size())};
    if (zero == all.size())
        return {field, true, Verdict::Warn,
                "no hardware timestamp: the kfunc succeeds, the value is 0 (no hardware clock)"};
    if (nodata)
        return {field, true, Verdict::Fail,
                fmt::format("no data on {} of {} frames: are RX hardware timestamps on "
                            "(SIOCSHWTSTAMP, e.g. 'hwstamp_ctl -r 1')?",
                            nodata, all.size())};
    if (zero)
        return {field, true, Verdict::Fail,
                fmt::format("0 on {} of {} frames", zero, all.size())};
    return {field, true, Verdict::Pass, fmt::format("a timestamp on all {} frames", all.size())};
}

FieldResult judge_stack(const QualifyObservations& o, const std::vector<const Sample*>& plain) {
    const char* field = "stack-metadata";
    if (o.stack.empty()) return {field, true, Verdict::Fail, "no test frame reached the stack"};
    uint32_t same = 0, compared = 0;
    std::set<std::string> flows;
    for (const auto& s : o.stack) {
        if (!s.has_meta)
            return {field, true, Verdict::Fail,
                    "a frame reached tc ingress without the metadata (the driver does not carry "
                    "it into the skb)"};
        if (hash_state(s.meta) != FieldState::Ok) continue;
        if (s.meta.rx_hash != s.skb_hash)
            return {field, true, Verdict::Fail,
                    fmt::format("skb hash {} differs from the XDP rx hash {}", hex32(s.skb_hash),
                                hex32(s.meta.rx_hash))};
        for (const Sample* x : plain)
            if (x->flow == s.flow && hash_state(x->meta) == FieldState::Ok) {
                ++compared;
                same += x->meta.rx_hash == s.meta.rx_hash;
                flows.insert(s.flow);
                break;
            }
    }
    if (same != compared)
        return {field, true, Verdict::Fail,
                fmt::format("{} of {} frames at tc ingress got another hash than AF_XDP saw for "
                            "their flow",
                            compared - same, compared)};
    return {field, true, Verdict::Pass,
            fmt::format("{} frames at tc ingress carried the metadata, with the skb's hash and "
                        "the one AF_XDP saw for the flow ({} flows seen by both)",
                        o.stack.size(), flows.size())};
}

}  // namespace

std::vector<FieldResult> qualify_fields(const QualifyObservations& o) {
    using namespace netdev_uapi;
    std::vector<const Sample*> plain, tagged, all;
    for (const Sample& s : o.xsk) {
        (s.tagged ? tagged : plain).push_back(&s);
        all.push_back(&s);
    }
    const auto adv = [&](uint64_t bit) { return (o.rx_metadata_features & bit) != 0; };
    std::vector<FieldResult> out{
        judge_timestamp(all, adv(NETDEV_XDP_RX_METADATA_TIMESTAMP)),
        judge_hash(o, plain, adv(NETDEV_XDP_RX_METADATA_HASH)),
        judge_vlan(o, plain, tagged, adv(NETDEV_XDP_RX_METADATA_VLAN_TAG)),
        judge_stack(o, plain),
    };
    // AF_XDP TX metadata: reported from the device's xsk-features, not exercised (xdpkit's TX
    // path does not request it yet), so never a pass.
    const std::pair<const char*, uint64_t> tx[] = {
        {"tx-timestamp", NETDEV_XSK_FLAGS_TX_TIMESTAMP},
        {"tx-checksum", NETDEV_XSK_FLAGS_TX_CHECKSUM},
        {"tx-launch-time", NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO},
    };
    for (const auto& [field, bit] : tx) {
        if (o.xsk_features & bit)
            out.push_back({field, false, Verdict::Warn,
                           "advertised (xsk-features), not exercised: xdpkit does not request AF_XDP "
                           "TX metadata yet"});
        else
            out.push_back({field, false, Verdict::NotAdvertised, "unsupported by this device"});
    }
    return out;
}

int qualify_exit_status(const std::vector<FieldResult>& results) {
    for (const auto& r : results)
        if (r.advertised && r.verdict == Verdict::Fail) return 1;
    return 0;
}

std::string format_qualify(const std::string& ifname, const std::vector<FieldResult>& results) {
    std::string s = fmt::format("{}: RX metadata qualification\n", ifname);
    s += fmt::format("{:<15} {:<10} {:<5} {}\n", "field", "advertised", "", "reason");
    for (const auto& r : results)
        s += fmt::format("{:<15} {:<10} {:<5} {}\n", r.field, r.advertised ? "yes" : "no",
                         verdict_name(r.verdict), r.reason);
    s += qualify_exit_status(results) == 0 ? "result: qualified (no advertised field failed)\n"
                                           : "result: NOT qualified (an advertised field failed)\n";
    return s;
}

Json qualify_json(const std::string& ifname, const std::vector<FieldResult>& results) {
    Json fields = Json::array();
    for (const auto& r : results)
        fields.push_back({{"field", r.field},
                          {"advertised", r.advertised},
                          {"verdict", verdict_name(r.verdict)},
                          {"reason", r.reason}});
    return {{"event", "qualify"},
            {"ifname", ifname},
            {"fields", fields},
            {"qualified", qualify_exit_status(results) == 0}};
}

}  // namespace xdpkit

#include "core/traffic/traffic_plan.h"

#include <algorithm>

#include "core/ipsec/esp_frame_set.h"
#include "core/packets/pcap_file.h"
#include "core/kernel/rtnl.h"

namespace xdpkit {
namespace {

// The device drops what does not fit its MTU (plus the Ethernet header) without a word.
Result<void> check_fits_mtu(const Interface& iface, size_t size, const std::string& what) {
    auto mtu = link_mtu(iface.ifindex);
    if (mtu && size > *mtu + 14u)
        return make_error(EMSGSIZE, "{} ({} bytes) does not fit {}'s MTU {} (at most {} with the "
                          "Ethernet header)", what, size, iface.name, *mtu, *mtu + 14);
    return {};
}

// --dst-mac as given, else the neighbour entry for dst on IFACE.
Result<MacAddress> destination_mac(const Interface& iface, const IpAddress& dst,
                                   const std::string& given) {
    if (!given.empty()) {
        auto mac = parse_mac(given);
        if (!mac) return make_error(EINVAL, "--dst-mac: {}", mac.error().message);
        return *mac;
    }
    auto mac = neighbour_mac(iface.ifindex, dst);
    if (!mac)
        return make_error(mac.error().err, "{}: ping it once, or give --dst-mac",
                          mac.error().message);
    return *mac;
}

}  // namespace

Result<TrafficgenJob> plan_traffic(const Interface& iface, const TrafficRequest& req) {
    if (req.dst.empty()) return make_error(EINVAL, "--dst is required (or replay a --pcap)");
    FrameSpec spec;
    auto dst = parse_ip(req.dst);
    if (!dst) return make_error(EINVAL, "--dst: {}", dst.error().message);
    spec.dst = *dst;
    if (req.src.empty()) {
        auto src = link_address(iface.ifindex, dst->family);
        if (!src) return make_error(src.error().err, "{}; give --src", src.error().message);
        spec.src = *src;
    } else {
        auto src = parse_ip(req.src);
        if (!src) return make_error(EINVAL, "--src: {}", src.error().message);
        if (src->family != dst->family)
            return make_error(EINVAL, "--src {} and --dst {} are not the same IP version", req.src,
                              req.dst);
        spec.src = *src;
    }
    auto src_mac = link_mac(iface.ifindex);
    if (!src_mac) return src_mac.error();
    spec.src_mac = *src_mac;
    auto dst_mac = destination_mac(iface, spec.dst, req.dst_mac);
    if (!dst_mac) return dst_mac.error();
    spec.dst_mac = *dst_mac;
    spec.proto = req.proto;
    spec.spi = req.spi;
    spec.dst_port = req.dst_port;
    spec.size = req.size;
    XDPKIT_TRY(check_fits_mtu(iface, req.size, "--size"));
    auto frame = build_frame(spec);
    if (!frame) return make_error(EINVAL, "--size: {}", frame.error().message);

    TrafficgenJob job;
    job.ifindex = iface.ifindex;
    job.ifname = iface.name;
    job.frames = {frame->bytes};
    job.l4_offset = frame->l4_offset;
    job.rewrite = req.proto == FrameProto::Esp ? TRAFFICGEN_ESP_SEQ
                  : req.flows > 1              ? TRAFFICGEN_UDP_FLOWS
                                               : TRAFFICGEN_AS_IS;
    job.flows = req.flows;
    job.base_port = spec.src_port;
    return job;
}

Result<TrafficgenJob> plan_esp_traffic(const Interface& iface, const EspTrafficRequest& req) {
    const SecurityAssociation& sa = req.sa;
    EspFrameSetSpec spec;
    spec.dst_port = req.dst_port;
    spec.payload = req.payload;
    spec.outer.seq = req.seq_start;
    if (sa.src) {
        spec.outer.outer_src = *sa.src;
    } else {
        auto src = link_address(iface.ifindex, sa.dst.family);
        if (!src)
            return make_error(src.error().err, "{}; give the SA a src", src.error().message);
        spec.outer.outer_src = *src;
    }
    auto src_mac = link_mac(iface.ifindex);
    if (!src_mac) return src_mac.error();
    spec.outer.src_mac = *src_mac;
    auto dst_mac = destination_mac(iface, sa.dst, req.dst_mac);
    if (!dst_mac) return dst_mac.error();
    spec.outer.dst_mac = *dst_mac;

    // Checked before anything is encrypted: the device would drop a longer frame silently.
    const size_t size = esp_set_frame_size(sa, req.payload);
    auto mtu = link_mtu(iface.ifindex);
    const size_t limit = mtu ? std::min<size_t>(*mtu + 14u, TRAFFICGEN_MAX_FRAME)
                             : size_t(TRAFFICGEN_MAX_FRAME);
    if (size > limit)
        return make_error(EMSGSIZE, "--payload {}: the ESP frame would be {} bytes, more than {} "
                          "takes ({}); with SPI {:#x}'s algorithms --payload is at most {}",
                          req.payload, size, iface.name,
                          mtu && *mtu + 14u < TRAFFICGEN_MAX_FRAME
                              ? fmt::format("MTU {}: {} bytes with the Ethernet header", *mtu,
                                            *mtu + 14)
                              : fmt::format("live frames: {} bytes", TRAFFICGEN_MAX_FRAME),
                          sa.spi, esp_max_payload(sa, limit));
    spec.frames = esp_set_frames(req.count, size);
    auto set = build_esp_frame_set(sa, spec);
    if (!set) return set.error();

    TrafficgenJob job;
    job.ifindex = iface.ifindex;
    job.ifname = iface.name;
    job.frames = std::move(*set);
    job.rewrite = TRAFFICGEN_FRAME_SET;
    job.l4_offset = 14 + (sa.dst.v6() ? 40 : 20);
    return job;
}

Result<TrafficgenJob> plan_replay(const Interface& iface, const std::string& pcap_path) {
    auto captured = read_pcap(pcap_path);
    if (!captured) return captured.error();
    if (captured->empty())
        return make_error(EINVAL, "{}: the capture holds no packets; nothing to send", pcap_path);
    TrafficgenJob job;
    job.ifindex = iface.ifindex;
    job.ifname = iface.name;
    for (size_t i = 0; i < captured->size(); ++i) {
        const CapturedFrame& f = (*captured)[i];
        if (f.data.size() < f.wire_len)
            return make_error(EINVAL, "{}: packet {} was cut by the capture's snaplen ({} of {} "
                              "bytes): replaying it would send a different frame",
                              pcap_path, i + 1, f.data.size(), f.wire_len);
        XDPKIT_TRY(check_fits_mtu(iface, f.data.size(), fmt::format("{}: packet {}", pcap_path, i + 1)));
        job.frames.push_back(f.data);
    }
    return job;
}

}  // namespace xdpkit

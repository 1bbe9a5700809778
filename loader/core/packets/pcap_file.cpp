#include "core/packets/pcap_file.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace xdpkit {
namespace {

struct PcapClose {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapPtr = std::unique_ptr<pcap_t, PcapClose>;

struct DumperClose {
    void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
using DumperPtr = std::unique_ptr<pcap_dumper_t, DumperClose>;

// libpcap's name for a link type ("RAW (Raw IP)"), or its number when it has none.
std::string link_type_text(int dlt) {
    const char* name = pcap_datalink_val_to_name(dlt);
    const char* desc = pcap_datalink_val_to_description(dlt);
    if (!name) return fmt::format("{}", dlt);
    return desc ? fmt::format("{} ({})", name, desc) : std::string(name);
}

// The snaplen written in the file header: readers refuse a record longer than it, and
// 262144 is libpcap's own maximum for Ethernet.
uint32_t snaplen_for(const std::vector<CapturedFrame>& frames) {
    size_t longest = 262144;
    for (const auto& f : frames) longest = std::max(longest, f.data.size());
    return static_cast<uint32_t>(longest);
}

}  // namespace

Result<std::vector<CapturedFrame>> read_pcap(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    PcapPtr p(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                      errbuf));
    if (!p) {
        // libpcap starts some messages with the path already ("x.pcap: No such file ...").
        std::string msg = errbuf;
        // libpcap's "unknown file format" does not say which formats it knows.
        if (msg.find("unknown file format") != std::string::npos)
            msg += " (expected pcap or pcapng)";
        if (msg.rfind(path + ":", 0) == 0) return make_error(EINVAL, "cannot read capture {}", msg);
        return make_error(EINVAL, "cannot read capture {}: {}", path, msg);
    }
    const int dlt = pcap_datalink(p.get());
    if (dlt != DLT_EN10MB)
        return make_error(EINVAL, "{}: link type {}; xdpkit run needs Ethernet (EN10MB) frames",
                          path, link_type_text(dlt));

    std::vector<CapturedFrame> frames;
    for (;;) {
        pcap_pkthdr* hdr = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(p.get(), &hdr, &data);
        if (rc == PCAP_ERROR_BREAK) break;  // end of file
        if (rc != 1)
            return make_error(EINVAL, "{}: packet {}: {}", path, frames.size() + 1,
                              pcap_geterr(p.get()));
        CapturedFrame f;
        f.sec = hdr->ts.tv_sec;
        f.nsec = static_cast<uint32_t>(hdr->ts.tv_usec);  // nanoseconds: precision asked above
        f.wire_len = std::max(hdr->len, hdr->caplen);  // some writers leave len at 0
        f.recorded_wire_len = hdr->len;
        f.data.assign(data, data + hdr->caplen);
        frames.push_back(std::move(f));
    }
    return frames;
}

Result<void> write_pcap(const std::string& path, const std::vector<CapturedFrame>& frames) {
    const bool nano = std::any_of(frames.begin(), frames.end(),
                                  [](const CapturedFrame& f) { return f.nsec % 1000 != 0; });
    PcapPtr dead(pcap_open_dead_with_tstamp_precision(
        DLT_EN10MB, static_cast<int>(snaplen_for(frames)),
        nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO));
    if (!dead) return make_error(ENOMEM, "cannot write {}: out of memory", path);
    DumperPtr out(pcap_dump_open(dead.get(), path.c_str()));
    if (!out) return make_error(EIO, "cannot write {}", pcap_geterr(dead.get()));

    for (const auto& f : frames) {
        pcap_pkthdr hdr{};
        hdr.ts.tv_sec = static_cast<time_t>(f.sec);
        hdr.ts.tv_usec = static_cast<suseconds_t>(nano ? f.nsec : f.nsec / 1000);
        hdr.caplen = static_cast<uint32_t>(f.data.size());
        hdr.len = std::max(f.wire_len, hdr.caplen);
        pcap_dump(reinterpret_cast<u_char*>(out.get()), &hdr, f.data.data());
    }
    // pcap_dump cannot report a failed write; the flush (and the stream's error flag) can.
    if (pcap_dump_flush(out.get()) != 0 || std::ferror(pcap_dump_file(out.get())))
        return make_error(EIO, "cannot write {}: {}", path, std::strerror(errno));
    return {};
}

}  // namespace xdpkit

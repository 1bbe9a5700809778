// Captures of Ethernet frames in and out of pcap files (libpcap), for `xdpkit run`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct CapturedFrame {
    int64_t sec = 0;
    uint32_t nsec = 0;      // read at nanosecond precision, so no capture loses digits
    uint32_t wire_len = 0;  // more than data.size() when the capture's snaplen cut the frame
    std::vector<uint8_t> data;
    // The record's own wire length as read: 0 from some writers, and less than data.size()
    // from a broken one (wire_len is then data.size(), and runs refuse the frame). 0 for
    // frames not read from a file.
    uint32_t recorded_wire_len = 0;
};

// Every frame of a pcap or pcapng file whose link type is Ethernet (DLT_EN10MB). Errors
// name the file, and the packet (1-based, as tcpdump counts) when one record is bad.
Result<std::vector<CapturedFrame>> read_pcap(const std::string& path);

// Writes frames as an Ethernet pcap: microsecond timestamps unless a frame's timestamp
// needs nanoseconds, so the timestamps read back are exactly the ones given.
Result<void> write_pcap(const std::string& path, const std::vector<CapturedFrame>& frames);

}  // namespace xdpkit

// The lab `xdpkit bench` builds for itself: namespaces <prefix>-gen and <prefix>-dut joined
// by a veth, gen0 (the generator's end) in one and dut0 (the device under test) in the other;
// for scenarios whose frames leave the DUT another way, a second veth from dut1 (in the DUT
// namespace, where XDP_REDIRECT can reach it) to sink1 in a third namespace, <prefix>-sink.
// Nothing of it is ever in the root namespace, and the destructor removes all of it: every
// namespace (taking the veths and every attachment with them) and xdpkit's pins for them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct BenchLabShape {
    bool dut_address = false;  // give dut0 kDutIp4 too (frames for it then go up its stack)
    bool sink = false;         // the sink namespace with dut1/sink1
};

class BenchLab {
public:
    // 198.18.0.0/15 only (RFC 2544's benchmarking range).
    static constexpr const char* kGenIp4 = "198.18.0.1";
    static constexpr const char* kDutIp4 = "198.18.0.2";
    static constexpr int kPrefixLen = 24;
    static constexpr const char* kGenIf = "gen0";
    static constexpr const char* kDutIf = "dut0";
    static constexpr const char* kDutOutIf = "dut1";
    static constexpr const char* kSinkIf = "sink1";

    static Result<std::unique_ptr<BenchLab>> create(const std::string& prefix,
                                                    const BenchLabShape& shape);
    ~BenchLab();
    BenchLab(const BenchLab&) = delete;
    BenchLab& operator=(const BenchLab&) = delete;

    const std::string& gen_ns() const { return gen_ns_; }
    const std::string& dut_ns() const { return dut_ns_; }
    const std::string& sink_ns() const { return sink_ns_; }  // empty without a sink

private:
    BenchLab() = default;
    Result<void> build(const std::string& prefix, const BenchLabShape& shape);
    Result<void> add_namespace(const std::string& name);
    std::string gen_ns_, dut_ns_, sink_ns_;
    std::vector<std::string> made_;  // the namespaces created so far, for the destructor
};

}  // namespace xdpkit

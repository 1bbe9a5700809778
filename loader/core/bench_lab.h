// The lab `xdpkit bench` builds for itself: namespaces <prefix>-gen and <prefix>-dut joined
// by a veth, gen0 (the generator's end) in one and dut0 (the device under test) in the other.
// Nothing of it is ever in the root namespace, and the destructor removes all of it: both
// namespaces (taking the veth and every attachment with them) and xdpkit's pins for them.
#pragma once

#include <memory>
#include <string>

#include "result.h"

namespace xdpkit {

class BenchLab {
public:
    // 198.18.0.0/15 only (RFC 2544's benchmarking range).
    static constexpr const char* kGenIp4 = "198.18.0.1";
    static constexpr const char* kDutIp4 = "198.18.0.2";
    static constexpr int kPrefixLen = 24;
    static constexpr const char* kGenIf = "gen0";
    static constexpr const char* kDutIf = "dut0";

    // dut_address: give dut0 kDutIp4 too (frames for it then go up its stack).
    static Result<std::unique_ptr<BenchLab>> create(const std::string& prefix, bool dut_address);
    ~BenchLab();
    BenchLab(const BenchLab&) = delete;
    BenchLab& operator=(const BenchLab&) = delete;

    const std::string& gen_ns() const { return gen_ns_; }
    const std::string& dut_ns() const { return dut_ns_; }

private:
    BenchLab() = default;
    Result<void> build(bool dut_address);
    std::string gen_ns_, dut_ns_;
    bool gen_made_ = false, dut_made_ = false;
};

}  // namespace xdpkit

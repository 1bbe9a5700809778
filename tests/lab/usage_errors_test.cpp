// Out-of-range values are refused, not turned into defaults, and a usage error exits 2 in
// every command: each of these was once accepted (0 as the default queue size, '' as every
// CPU or the current namespace, --count with --duration, 0 frames or 0 frame/s as no limit)
// or exited 1 where a sibling exits 2.
#include <gtest/gtest.h>

#include "lab/lab.h"
#include "lab/lab_asserts.h"

namespace xdpkit::test {
namespace {

struct UsageCase {
    std::vector<std::string> args;
    std::string says;  // a part of the one line
};

TEST(UsageErrors, OutOfRangeValuesExitTwoWithOneLine) {
    const std::vector<UsageCase> cases = {
        {{"redirect", "veth0", "--via", "cpumap", "--queue-size", "0"}, "--queue-size"},
        {{"redirect", "veth0", "--via", "cpumap", "--queue-size", "16385"}, "--queue-size"},
        {{"redirect", "veth0", "--via", "cpumap", "--cpus", ""}, "empty CPU list"},
        {{"-n", "", "status"}, "empty namespace name"},
        {{"afxdp", "veth0", "--count", "1", "--duration", "1"}, "excludes"},
        {{"afxdp", "veth0", "--batch", "0"}, "--batch"},
        {{"accel", "veth0", "--backend", "openssl", "--batch", "0"}, "--batch"},
        {{"trafficgen", "veth0", "--batch", "0"}, "--batch"},
        {{"trafficgen", "veth0", "--count", "0"}, "leave --count out for no limit"},
        {{"trafficgen", "veth0", "--rate", "0"}, "leave --rate out for as fast as it goes"},
        {{"trafficgen", "veth0", "--duration", "0"}, "leave --duration out for no limit"},
        {{"ipsec", "sa", "add", "--spi", "7", "--dst", "198.18.0.1", "--action", "drop"},
         "--spi: 7 is outside 256..4294967295"},
        {{"ipsec", "sa", "del", "--spi", "0x10", "--dst", "198.18.0.1"}, "outside 256.."},
        {{"ipsec", "sa", "frob"}, "unknown command 'ipsec sa frob'; see 'xdpkit ipsec sa --help'"},
        {{"frob"}, "unknown command 'frob'; see 'xdpkit --help'"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{xdpkit_path()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        std::string shown;
        for (const auto& a : c.args) shown += "'" + a + "' ";
        SCOPED_TRACE(shown);
        const auto r = run_command(argv);
        EXPECT_EQ(r.status, 2) << r.err;
        expect_one_error_line(r);
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    }
}

}  // namespace
}  // namespace xdpkit::test

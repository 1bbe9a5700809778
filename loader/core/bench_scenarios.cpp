#include "bench_scenarios.h"

namespace xdpkit {

const std::vector<BenchScenario>& bench_scenarios() {
    static const std::vector<BenchScenario> table = {
        {"drop", "drop every frame on dut0 (drop, action=drop)", {"drop", {"action=drop"}}, {},
         false, ""},
        {"pass", "pass every frame on dut0 up to its IP stack (drop, action=pass)",
         {"drop", {"action=pass"}}, {}, true, ""},
        {"tx", "bounce UDP back out of dut0 (drop, action=tx-udp); gen0 counts what returns",
         {"drop", {"action=tx-udp", "protos=udp"}}, BenchAttach{"drop", {"action=drop"}}, false,
         ""},
        {"redirect", "redirect frames from dut0 to another interface", {}, {}, false,
         "comes with the redirect family (issue 5)"},
    };
    return table;
}

Result<const BenchScenario*> find_bench_scenario(const std::string& name) {
    std::string known;
    for (const auto& s : bench_scenarios()) {
        if (s.name == name) {
            if (!s.unavailable.empty())
                return make_error(EOPNOTSUPP, "bench scenario '{}' is not available yet: it {}",
                                  name, s.unavailable);
            return &s;
        }
        known += (known.empty() ? "" : ", ") + s.name;
    }
    return make_error(EINVAL, "unknown bench scenario '{}'; known: {}", name, known);
}

}  // namespace xdpkit

// The verifier's reason for a refusal, out of libbpf's captured messages.
#pragma once

#include <string>
#include <string_view>

namespace xdpkit {

// The last meaningful line of the last verifier log libbpf printed ("-- BEGIN PROG LOAD LOG
// --" ... "-- END PROG LOAD LOG --"): the verifier stops at the first error and says why
// last, before its statistics. Empty when the log holds no verifier log.
std::string verifier_refusal(std::string_view libbpf_log);

}  // namespace xdpkit

#include "core/base/output.h"

#include <cstdio>

namespace xdpkit {

void print_json(const Json& j) {
    const std::string s = j.dump();
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace xdpkit

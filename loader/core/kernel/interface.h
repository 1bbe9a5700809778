// A network interface in the namespace the process is in.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"

namespace xdpkit {

struct Interface {
    std::string name;
    int ifindex = 0;
};

// The kernel's rule for a name (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':'
// or white space.
Result<void> check_ifname(const std::string& name);
// Looks IFACE up in the current namespace; the error names the namespace.
Result<Interface> find_interface(const std::string& name);
std::vector<Interface> list_interfaces();
std::string interface_name(int ifindex);  // empty when there is none
// The name for a counter row or a map entry: "b1", or "ifindex 7" for one that is gone.
std::string interface_label(int ifindex);

}  // namespace xdpkit

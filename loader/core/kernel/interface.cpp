#include "core/kernel/interface.h"

#include <net/if.h>

#include "core/kernel/netns.h"

namespace xdpkit {

Result<void> check_ifname(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == ".." ||
        name.find_first_of("/: \t\n\r\v\f") != std::string::npos)
        return make_error(EINVAL, "'{}' is not a valid interface name (1 to {} characters, no "
                          "'/', ':' or spaces)", name, IFNAMSIZ - 1);
    return {};
}

Result<Interface> find_interface(const std::string& name) {
    XDPKIT_TRY(check_ifname(name));
    const unsigned idx = ::if_nametoindex(name.c_str());
    if (idx == 0)
        return make_error(ENODEV, "no interface '{}' in network namespace '{}' (see 'ip link'{})",
                          name, current_netns_name(), "; other namespaces: -n NAME");
    return Interface{name, static_cast<int>(idx)};
}

std::vector<Interface> list_interfaces() {
    std::vector<Interface> out;
    if (struct if_nameindex* all = ::if_nameindex()) {
        for (auto* i = all; i->if_index != 0; ++i)
            out.push_back(Interface{i->if_name, static_cast<int>(i->if_index)});
        ::if_freenameindex(all);
    }
    return out;
}

std::string interface_name(int ifindex) {
    char buf[IF_NAMESIZE] = {};
    return ::if_indextoname(static_cast<unsigned>(ifindex), buf) ? std::string(buf) : std::string();
}

std::string interface_label(int ifindex) {
    const std::string name = ifindex ? interface_name(ifindex) : std::string();
    return name.empty() ? "ifindex " + std::to_string(ifindex) : name;
}

}  // namespace xdpkit

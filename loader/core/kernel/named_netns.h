// Named network namespaces made and removed the way iproute2's `ip netns add/del` does it: a
// fresh namespace bind-mounted onto /run/netns/NAME, so `ip netns`, `-n NAME` and setns all
// find it, and it lives on without any process in it.
#pragma once

#include <string>

#include "core/base/result.h"

namespace xdpkit {

// Creates /run/netns/NAME holding a new, empty network namespace (only lo, down). Fails when
// the name is taken.
Result<void> create_named_netns(const std::string& name);
// Unmounts and removes /run/netns/NAME; the namespace goes with its last user, taking its
// interfaces (both ends of a veth) with it. A missing name is not an error.
Result<void> delete_named_netns(const std::string& name);

}  // namespace xdpkit
